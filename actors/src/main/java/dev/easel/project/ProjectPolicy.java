package dev.easel.project;

/**
 * Who may do what in a project: the one place where a member's role is weighed against an action.
 * It knows nothing of how the answer is shown; {@link Projects} hides a project from non-members
 * (not found) and refuses members whose role is too low (permission denied).
 */
public final class ProjectPolicy {
  /** What a caller wants to do in a project. */
  public enum Action {
    /** See the project: its name, members and canvases. */
    READ,
    /** Add a member. */
    ADD_MEMBER,
    /** Create a canvas in the project. */
    CREATE_CANVAS,
    /** Fetch or subscribe to one of the project's canvases, read its history, share presence. */
    CANVAS_READ,
    /** Comment on one of the project's canvases. */
    CANVAS_COMMENT,
    /** Edit one of the project's canvases. */
    CANVAS_EDIT,
    /** Delete one of the project's canvases. */
    CANVAS_DELETE
  }

  private ProjectPolicy() {}

  /**
   * Whether a caller with {@code role} in the project (null: not a member) may do {@code action}.
   */
  public static boolean allows(ProjectRole role, Action action) {
    if (role == null || action == null) return false;
    return role.atLeast(leastRoleFor(action));
  }

  /** The lowest role that may do {@code action}. */
  static ProjectRole leastRoleFor(Action action) {
    return switch (action) {
      case READ -> ProjectRole.VIEWER;
      case ADD_MEMBER -> ProjectRole.OWNER;
      case CREATE_CANVAS, CANVAS_EDIT -> ProjectRole.EDITOR;
      case CANVAS_READ -> ProjectRole.VIEWER;
      case CANVAS_COMMENT -> ProjectRole.COMMENTER;
      case CANVAS_DELETE -> ProjectRole.OWNER;
    };
  }
}

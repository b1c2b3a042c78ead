package dev.easel.project;

import dev.easel.identity.Scope;
import java.util.EnumSet;
import java.util.Set;

/**
 * Who may do what in a project or an organization: the one place where a caller's standing is
 * weighed against an action. It knows nothing of how the answer is shown; {@link Projects} hides a
 * project from callers who may not see it (not found), refuses members whose role is too low
 * (permission denied) and changes to an archived project's content (failed precondition).
 *
 * <p>Three things decide: the caller's role in the project (none for a non-member), whether the
 * caller administers the organization the project belongs to (org admins manage the members and
 * invitations of its projects, and may see them and read their audit logs, without being members:
 * the audit log is the record of how members and invitations were managed), and whether the project
 * is archived (its name, canvases and datasets are then read-only).
 */
public final class ProjectPolicy {
  /** What a caller wants to do in a project. */
  public enum Action {
    /** See the project: its name, members and canvases. */
    READ,
    /** Read the project's activity feed. */
    READ_ACTIVITY,
    /**
     * Read the project's audit log: every change with the invited addresses and the client address
     * and user agent it came from.
     */
    READ_AUDIT_LOG,
    /** Rename the project. */
    RENAME,
    /** Archive or unarchive the project. */
    ARCHIVE,
    /** Delete the project. */
    DELETE,
    /** Add a member. */
    ADD_MEMBER,
    /** Change a member's role. */
    CHANGE_ROLE,
    /** Remove another member. */
    REMOVE_MEMBER,
    /** Leave the project (remove oneself). */
    LEAVE,
    /** Make another member an owner, becoming an editor. */
    TRANSFER_OWNERSHIP,
    /** Invite people by email; list and revoke invitations. */
    INVITE,
    /** Create a canvas in the project. */
    CREATE_CANVAS,
    /** Fetch or subscribe to one of the project's canvases, read its history, share presence. */
    CANVAS_READ,
    /** Comment on one of the project's canvases. */
    CANVAS_COMMENT,
    /** Edit one of the project's canvases. */
    CANVAS_EDIT,
    /** Delete one of the project's canvases. */
    CANVAS_DELETE,
    /** List the project's datasets, read their versions, schemas and previews. */
    DATASET_READ,
    /** Upload a dataset (a new one, or a new version of one) or rename one. */
    DATASET_WRITE,
    /** Delete one of the project's datasets. */
    DATASET_DELETE,
    /**
     * Run read-only SQL over the project's datasets. Queries change nothing (the project's query
     * database is locked down), so every member may, and an archived project may still be queried;
     * org admins who are not members may not, as they may not read the canvases.
     */
    QUERY
  }

  /** The outcome of {@link #decide}. */
  public enum Decision {
    ALLOWED,
    /** The caller may not even see the project: show it as not found. */
    HIDDEN,
    /** The caller sees the project but may not do this. */
    DENIED,
    /** The caller could do this, but the project is archived and this would change it. */
    ARCHIVED
  }

  /**
   * Where a caller stands in a project: its role ({@code null}: not a member), whether it is an
   * admin of the project's organization, and whether the project is archived.
   */
  public record Standing(ProjectRole role, boolean orgAdmin, boolean archived) {
    /** Someone with no role and no say in the project. */
    public static final Standing OUTSIDER = new Standing(null, false, false);
  }

  /** What a caller wants to do in an organization. */
  public enum OrganizationAction {
    /** See the organization and its members. */
    READ,
    /** Create a project in the organization. */
    CREATE_PROJECT,
    /** Add, remove, promote or demote members. */
    MANAGE_MEMBERS
  }

  /** What an org admin may do in the organization's projects without a role there. */
  private static final Set<Action> ORG_ADMIN_ACTIONS =
      EnumSet.of(
          Action.READ,
          Action.READ_AUDIT_LOG,
          Action.ADD_MEMBER,
          Action.CHANGE_ROLE,
          Action.REMOVE_MEMBER,
          Action.INVITE);

  /** What an archived project refuses: changes to its name, its canvases and its datasets. */
  private static final Set<Action> FROZEN_WHILE_ARCHIVED =
      EnumSet.of(
          Action.RENAME,
          Action.CREATE_CANVAS,
          Action.CANVAS_COMMENT,
          Action.CANVAS_EDIT,
          Action.CANVAS_DELETE,
          Action.DATASET_WRITE,
          Action.DATASET_DELETE);

  private ProjectPolicy() {}

  /** Whether a caller with {@code standing} may do {@code action}, and if not, why not. */
  public static Decision decide(Standing standing, Action action) {
    if (standing == null || action == null) return Decision.HIDDEN;
    if (standing.role() == null && !standing.orgAdmin()) return Decision.HIDDEN;
    boolean byRole = standing.role() != null && standing.role().atLeast(leastRoleFor(action));
    boolean byOrganization = standing.orgAdmin() && ORG_ADMIN_ACTIONS.contains(action);
    if (!byRole && !byOrganization) return Decision.DENIED;
    if (standing.archived() && FROZEN_WHILE_ARCHIVED.contains(action)) return Decision.ARCHIVED;
    return Decision.ALLOWED;
  }

  /**
   * Whether a member with {@code role} (null: not a member) of a live, unarchived project outside
   * any organization may do {@code action}.
   */
  public static boolean allows(ProjectRole role, Action action) {
    return decide(new Standing(role, false, false), action) == Decision.ALLOWED;
  }

  /**
   * Whether being an admin of the project's organization could change the decision for {@code
   * action}: only then is it worth looking the organization up.
   */
  public static boolean orgAdminsMay(Action action) {
    return ORG_ADMIN_ACTIONS.contains(action);
  }

  /**
   * Whether a caller may do {@code action} in an organization, given whether it is a member and
   * whether it is an admin there.
   */
  public static boolean allowsInOrganization(
      boolean member, boolean admin, OrganizationAction action) {
    if (!member || action == null) return false;
    return switch (action) {
      case READ, CREATE_PROJECT -> true;
      case MANAGE_MEMBERS -> admin;
    };
  }

  /**
   * The API key scope {@code action} needs, besides the role: reading needs {@code read}, changing
   * the project's content {@code write}, managing the project and its members {@code admin}.
   */
  public static Scope scopeFor(Action action) {
    return switch (action) {
      case READ, READ_ACTIVITY, CANVAS_READ, DATASET_READ, QUERY -> Scope.READ;
      case RENAME, CREATE_CANVAS, CANVAS_COMMENT, CANVAS_EDIT, DATASET_WRITE, DATASET_DELETE ->
          Scope.WRITE;
      case ARCHIVE,
          DELETE,
          ADD_MEMBER,
          CHANGE_ROLE,
          REMOVE_MEMBER,
          LEAVE,
          TRANSFER_OWNERSHIP,
          INVITE,
          READ_AUDIT_LOG,
          CANVAS_DELETE ->
          Scope.ADMIN;
    };
  }

  /**
   * Whether someone who had {@code roleAtDeletion} (null: no role) in a project when it was deleted
   * may still do {@code action} there. A deleted project is not found by anyone, except that those
   * who were its owners may read its audit log: who deleted it, and what happened before, is what
   * an audit log is for. Admins of its organization are not asked: the organization may be gone.
   */
  public static boolean allowsAfterDeletion(ProjectRole roleAtDeletion, Action action) {
    return action == Action.READ_AUDIT_LOG
        && roleAtDeletion != null
        && roleAtDeletion.atLeast(leastRoleFor(action));
  }

  /** The lowest role that may do {@code action}. */
  static ProjectRole leastRoleFor(Action action) {
    return switch (action) {
      case READ, READ_ACTIVITY, LEAVE, CANVAS_READ, DATASET_READ, QUERY -> ProjectRole.VIEWER;
      case CANVAS_COMMENT -> ProjectRole.COMMENTER;
      case CREATE_CANVAS, CANVAS_EDIT, DATASET_WRITE, DATASET_DELETE -> ProjectRole.EDITOR;
      case READ_AUDIT_LOG,
          RENAME,
          ARCHIVE,
          DELETE,
          ADD_MEMBER,
          CHANGE_ROLE,
          REMOVE_MEMBER,
          TRANSFER_OWNERSHIP,
          INVITE,
          CANVAS_DELETE ->
          ProjectRole.OWNER;
    };
  }
}

package dev.easel.project;

/**
 * What a member may do in a project. Roles are ordered: each one may do everything the roles below
 * it may ({@code OWNER > EDITOR > COMMENTER > VIEWER}).
 */
public enum ProjectRole {
  /** Manages members, settings and the project's life; a project always has one. */
  OWNER,
  /** Edits canvases and runs them. */
  EDITOR,
  /** Reads and comments. */
  COMMENTER,
  /** Reads. */
  VIEWER;

  /** Whether this role may do everything {@code other} may. */
  public boolean atLeast(ProjectRole other) {
    return compareTo(other) <= 0;
  }

  /** The higher of two roles. */
  public static ProjectRole higher(ProjectRole a, ProjectRole b) {
    return a.atLeast(b) ? a : b;
  }
}

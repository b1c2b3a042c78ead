package dev.easel.project;

/**
 * Why a project ({@link ProjectEntity}) or an organization ({@link OrganizationEntity}) refused a
 * command: the machine code that the edge maps to an API error.
 */
public enum ProjectError {
  /** A required argument is missing or malformed. */
  INVALID_ARGUMENT,
  /** No project was created under this id. */
  PROJECT_NOT_FOUND,
  /** The project exists already. */
  PROJECT_EXISTS,
  /** The project was deleted: only reading it is allowed. */
  PROJECT_DELETED,
  /** The project is archived: unarchive it first. */
  PROJECT_ARCHIVED,
  /** The user is a member already. */
  ALREADY_MEMBER,
  /** The user is not a member. */
  NOT_MEMBER,
  /** The change would leave the project without an owner. */
  LAST_OWNER,
  /** Only an owner can hand over ownership. */
  NOT_OWNER,
  /** An invitation with this id exists already. */
  INVITE_EXISTS,
  /** There is no such (unrevoked) invitation. */
  INVITE_NOT_FOUND,
  /** The invitation token does not match. */
  INVITE_INVALID,
  /** The invitation expired. */
  INVITE_EXPIRED,
  /** The invitation was accepted already. */
  INVITE_USED,
  /** The canvas is in the catalog already. */
  CANVAS_EXISTS,
  /** The canvas is not in the catalog. */
  CANVAS_NOT_FOUND,
  /** No organization was created under this id. */
  ORGANIZATION_NOT_FOUND,
  /** The organization exists already. */
  ORGANIZATION_EXISTS,
  /** The change would leave the organization without an admin. */
  LAST_ADMIN,
  /** A conditional change was based on another version of the project (its etag changed). */
  ETAG_MISMATCH
}

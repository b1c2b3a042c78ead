package dev.easel.canvas;

/** What a change to a canvas does, as in ShareDB: edit with a json0 op, create, or delete. */
public enum ChangeKind {
  EDIT,
  CREATE,
  DELETE
}

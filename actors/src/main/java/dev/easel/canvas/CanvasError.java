package dev.easel.canvas;

/**
 * Why a canvas refused a change or a read, with ShareDB's error codes where ShareDB has one, so
 * that the sharedb client reacts to it as it would to ShareDB itself.
 */
public enum CanvasError {
  ERR_DOC_ALREADY_CREATED,
  ERR_DOC_DOES_NOT_EXIST,
  ERR_DOC_WAS_DELETED,
  ERR_DOC_TYPE_NOT_RECOGNIZED,
  ERR_OP_VERSION_NEWER_THAN_CURRENT_SNAPSHOT,
  ERR_SUBMIT_TRANSFORM_OPS_NOT_FOUND,
  ERR_OT_OP_BADLY_FORMED,
  ERR_OT_OP_NOT_APPLIED,
  /** The op applies but would leave the canvas outside its schema. */
  ERR_CANVAS_INVALID,
  /** A named version's version, name or description is not acceptable. */
  ERR_VERSION_INVALID,
  /** The canvas has no named version with that id. */
  ERR_VERSION_NOT_FOUND,
  /** The canvas already has a named version with that name. */
  ERR_VERSION_NAME_TAKEN,
  ERR_UNKNOWN_ERROR
}

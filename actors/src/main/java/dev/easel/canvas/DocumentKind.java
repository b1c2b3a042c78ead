package dev.easel.canvas;

import java.util.List;
import java.util.Map;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * The kinds of json0 document a {@link CanvasEntity} holds, each served to ShareDB clients as a
 * collection of its own: a canvas ({@code canvases}, written by its collaborators, checked against
 * {@link CanvasSchema}), and the run state of a canvas's cells ({@code canvas-runs}, the same id as
 * its canvas, written by Easel alone and read by every collaborator, checked against {@link
 * #checkRuns}). Both are sequenced, persisted and replayed the same way, so a client that comes
 * back at an old version of either is brought up to date op by op.
 */
public enum DocumentKind {
  CANVAS("canvases", "Canvas"),
  RUNS("canvas-runs", "CanvasRuns");

  private final String collection;
  private final EntityTypeKey<CanvasEntity.Command> key;

  DocumentKind(String collection, String typeName) {
    this.collection = collection;
    this.key = EntityTypeKey.create(CanvasEntity.Command.class, typeName);
  }

  /** The ShareDB collection that serves documents of this kind. */
  public String collection() {
    return collection;
  }

  /** The sharding key of the entities that hold documents of this kind. */
  public EntityTypeKey<CanvasEntity.Command> key() {
    return key;
  }

  /** The kind served as ShareDB collection {@code collection}; null for none. */
  public static DocumentKind ofCollection(String collection) {
    for (DocumentKind kind : values()) {
      if (kind.collection.equals(collection)) return kind;
    }
    return null;
  }

  /** Checks a whole document of this kind; null when valid, else what is wrong. */
  String check(Object doc) {
    return this == CANVAS ? CanvasSchema.check(doc) : checkRuns(doc);
  }

  /** Checks the parts of {@code doc} under the paths an op touched. */
  String check(Object doc, Iterable<List<Object>> touchedPaths) {
    if (this == CANVAS) return CanvasSchema.check(doc, touchedPaths);
    for (List<Object> path : touchedPaths) {
      if (path.size() < 2 || !"cells".equals(path.get(0))) return checkRuns(doc);
      if (!(doc instanceof Map<?, ?> root) || !(root.get("cells") instanceof Map<?, ?> cells)) {
        return "cells must be an object";
      }
      Object cell = cells.get(path.get(1));
      if (cell != null && !(cell instanceof Map<?, ?>)) {
        return "the run state of cell '" + path.get(1) + "' must be an object";
      }
    }
    return null;
  }

  /** A run-state document: {@code {"cells": {cellId: {...}}}}. */
  private static String checkRuns(Object doc) {
    if (!(doc instanceof Map<?, ?> root)) return "a run-state document must be an object";
    if (root.size() != 1 || !(root.get("cells") instanceof Map<?, ?> cells)) {
      return "a run-state document holds one field, cells, an object";
    }
    for (var entry : cells.entrySet()) {
      if (!(entry.getValue() instanceof Map<?, ?>)) {
        return "the run state of cell '" + entry.getKey() + "' must be an object";
      }
    }
    return null;
  }
}

package dev.easel.query;

/**
 * A SQL cell's latest result as a table of the project's catalog, for Flight SQL: {@code
 * schema.name} (the schema of the cell's canvas, the cell's name) reads stored result {@code
 * resultId}, exactly what the canvas shows.
 */
public record CellTable(String schema, String name, String resultId) {
  /** The prefix of the schema of a canvas's cells: {@code canvas_<canvasId>}. */
  public static final String SCHEMA_PREFIX = "canvas_";
}

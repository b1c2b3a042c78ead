package dev.easel.dataset;

import java.util.Locale;

/**
 * The formats a dataset can be uploaded in. A format is either declared by the upload (its {@code
 * Content-Type}, or the extension of a multipart part's file name) or sniffed from the content
 * ({@link #sniff}).
 */
public enum DatasetFormat {
  /** Comma- (or semicolon-, pipe-) separated values; the first line names the columns. */
  CSV("text/csv"),
  /** Tab-separated values; the first line names the columns. */
  TSV("text/tab-separated-values"),
  /** Apache Parquet. */
  PARQUET("application/vnd.apache.parquet"),
  /** One JSON document: an array of objects, or one object. */
  JSON("application/json"),
  /** Newline-delimited JSON: one object per line. */
  NDJSON("application/x-ndjson");

  private final String mediaType;

  DatasetFormat(String mediaType) {
    this.mediaType = mediaType;
  }

  /** The media type the format is declared with, such as {@code text/csv}. */
  public String mediaType() {
    return mediaType;
  }

  /** The name as the API writes it: {@code csv}, {@code tsv}, {@code parquet}... */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The format a {@code Content-Type} declares (parameters such as {@code charset} ignored), or
   * null when it declares none: absent, {@code application/octet-stream}, {@code text/plain} or a
   * type that names no dataset format, whose content is then sniffed.
   */
  public static DatasetFormat fromContentType(String contentType) {
    if (contentType == null) return null;
    String type = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    return switch (type) {
      case "text/csv", "application/csv", "text/comma-separated-values" -> CSV;
      case "text/tab-separated-values", "text/tsv" -> TSV;
      case "application/vnd.apache.parquet", "application/x-parquet", "application/parquet" ->
          PARQUET;
      case "application/json", "text/json" -> JSON;
      case "application/x-ndjson",
          "application/ndjson",
          "application/jsonl",
          "application/x-jsonlines",
          "application/jsonlines" ->
          NDJSON;
      default -> null;
    };
  }

  /** The format a file name's extension declares, or null when it declares none. */
  public static DatasetFormat fromFileName(String fileName) {
    if (fileName == null) return null;
    int dot = fileName.lastIndexOf('.');
    if (dot < 0) return null;
    return switch (fileName.substring(dot + 1).toLowerCase(Locale.ROOT)) {
      case "csv" -> CSV;
      case "tsv", "tab" -> TSV;
      case "parquet", "pq" -> PARQUET;
      case "json" -> JSON;
      case "ndjson", "jsonl" -> NDJSON;
      default -> null;
    };
  }

  /** The format named by its wire name ({@code csv}...), ignoring case; null when none is. */
  public static DatasetFormat fromWireName(String name) {
    if (name == null) return null;
    for (DatasetFormat format : values()) {
      if (format.wireName().equalsIgnoreCase(name.strip())) return format;
    }
    return null;
  }
}

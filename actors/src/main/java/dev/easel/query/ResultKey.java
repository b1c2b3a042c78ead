package dev.easel.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The id of a query's result, which is also its key in the {@link ResultStore}: the first 32 hex
 * digits of a SHA-256 over what decides the answer:
 *
 * <ul>
 *   <li>the query as DuckDB's parser reads it ({@code json_serialize_sql}), without the fields that
 *       only say where in the text something was ({@code query_location}, {@code
 *       query_location_length}), so that white space, comments and the case of keywords do not
 *       change it (identifiers and literals keep their spelling: they may change the answer);
 *   <li>each parameter's JSON type and value ({@code 1}, {@code 1.0} and {@code "1"} differ);
 *   <li>the identity of each table the query reads: a dataset's id and version, a result table's
 *       result id, each under the name the query gives it.
 * </ul>
 *
 * The tables it reads are the base tables the tree names (compared without case, as DuckDB does).
 * When the query may read tables without naming them as such (a table function other than those
 * that read a file or make rows, {@code SHOW}/{@code DESCRIBE}/{@code SUMMARIZE}, a table of
 * another schema such as {@code information_schema}), every table given counts, so that no change
 * of an input can leave a stale answer in the cache.
 */
final class ResultKey {
  private static final ObjectMapper CANONICAL =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  /**
   * Table functions whose answer depends on their arguments alone: files (immutable ones: the
   * project's dataset versions and results are never rewritten) and generated rows.
   */
  private static final Set<String> SELF_CONTAINED_FUNCTIONS =
      Set.of(
          "range",
          "generate_series",
          "unnest",
          "read_parquet",
          "parquet_scan",
          "read_csv",
          "read_csv_auto",
          "read_json",
          "read_json_auto",
          "read_ndjson",
          "read_ndjson_auto");

  private ResultKey() {}

  /**
   * The key of {@code statement} (one statement of DuckDB's tree) with {@code parameters} over
   * {@code datasets} and {@code results} (the result tables shadow datasets of the same name).
   */
  static String of(
      JsonNode statement,
      List<JsonNode> parameters,
      List<DatasetTable> datasets,
      List<ResultTable> results) {
    ObjectNode key = JsonNodeFactory.instance.objectNode();
    key.set("query", normalised(statement));
    ArrayNode values = key.putArray("parameters");
    for (JsonNode parameter : parameters) {
      ObjectNode value = values.addObject();
      value.put("type", parameter == null ? "NULL" : parameter.getNodeType().name());
      value.set("value", parameter == null ? JsonNodeFactory.instance.nullNode() : parameter);
    }
    Set<String> read = tablesRead(statement);
    Map<String, String> inputs = new TreeMap<>();
    for (DatasetTable table : datasets) {
      String name = lower(table.name());
      if (read == null || read.contains(name)) {
        inputs.put(name, "dataset " + table.datasetId() + " version " + table.version());
      }
    }
    for (ResultTable table : results) {
      String name = lower(table.name());
      if (read == null || read.contains(name)) inputs.put(name, "result " + table.resultId());
    }
    key.set("inputs", CANONICAL.valueToTree(inputs));
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(CANONICAL.writeValueAsString(key).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("SHA-256 and JSON are always there", e);
    }
  }

  /** The tree without the fields that say where in the text a part of it was. */
  static JsonNode normalised(JsonNode tree) {
    JsonNode copy = tree.deepCopy();
    strip(copy);
    return copy;
  }

  private static void strip(JsonNode node) {
    if (node instanceof ObjectNode object) {
      object.properties().removeIf(field -> field.getKey().startsWith("query_location"));
      for (JsonNode child : object) strip(child);
    } else if (node.isArray()) {
      for (JsonNode child : node) strip(child);
    }
  }

  /**
   * The names (lower case) of the tables {@code statement} reads, or null when it may read tables
   * it does not name.
   */
  static Set<String> tablesRead(JsonNode statement) {
    Set<String> names = new HashSet<>();
    return collect(statement, names) ? names : null;
  }

  private static boolean collect(JsonNode node, Set<String> names) {
    if (node.isArray()) {
      for (JsonNode child : node) {
        if (!collect(child, names)) return false;
      }
      return true;
    }
    if (!node.isObject()) return true;
    switch (node.path("type").asText()) {
      case "BASE_TABLE" -> {
        String schema = lower(node.path("schema_name").asText(""));
        String catalog = node.path("catalog_name").asText("");
        if (!catalog.isEmpty() || !(schema.isEmpty() || schema.equals("main"))) return false;
        names.add(lower(node.path("table_name").asText("")));
      }
      case "SHOW_REF" -> {
        return false;
      }
      case "TABLE_FUNCTION" -> {
        String function = lower(node.path("function").path("function_name").asText(""));
        if (!SELF_CONTAINED_FUNCTIONS.contains(function)) return false;
      }
      default -> {}
    }
    for (JsonNode child : node) {
      if (!collect(child, names)) return false;
    }
    return true;
  }

  private static String lower(String name) {
    return name.toLowerCase(Locale.ROOT);
  }
}

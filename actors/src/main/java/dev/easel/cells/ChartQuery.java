package dev.easel.cells;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The query behind a chart cell: from the chart's {@code config} and the name of the cell it
 * charts, the SQL that computes what the chart draws, so that the browser receives the aggregated
 * rows (at most {@link #MAX_ROWS}), never the source's rows.
 *
 * <p>The config (stored in the cell, so every collaborator sees the same chart):
 *
 * <pre>{ "source": cellId, "mark": "bar|line|area|scatter|histogram|boxplot|heatmap|pie|donut",
 *   "x"|"y"|"color"|"size": { "field": column, "type": "quantitative|nominal|ordinal|temporal",
 *                             "aggregate": "count|sum|mean|median|min|max" }, "bins": 2..200 }
 * </pre>
 *
 * Field names become quoted identifiers (a double quote doubled), aggregates and marks come from
 * fixed lists, so no text of the config reaches the SQL unquoted. The result's columns are named by
 * channel ({@code x}, {@code y}, {@code color}, {@code size}); a histogram's are {@code x} (bin
 * start), {@code x2} (bin end), {@code y} (count) and {@code color}; a box plot's {@code x}, {@code
 * lower}, {@code q1}, {@code median}, {@code q3}, {@code upper} (whiskers at the minimum and the
 * maximum).
 */
public final class ChartQuery {
  /** The most rows a chart's query answers. */
  public static final int MAX_ROWS = 5_000;

  public static final Set<String> MARKS =
      Set.of("bar", "line", "area", "scatter", "histogram", "boxplot", "heatmap", "pie", "donut");
  public static final List<String> CHANNELS = List.of("x", "y", "color", "size");
  public static final Set<String> TYPES = Set.of("quantitative", "nominal", "ordinal", "temporal");

  /** Our aggregate names and DuckDB's functions for them. */
  static final Map<String, String> AGGREGATES =
      Map.of(
          "count", "count",
          "sum", "sum",
          "mean", "avg",
          "median", "median",
          "min", "min",
          "max", "max");

  static final int DEFAULT_BINS = 20;
  static final int MAX_BINS = 200;
  static final int MAX_FIELD = 200;

  /**
   * What a chart's config asks for: its SQL, or why it cannot run ({@code problem}); both empty
   * while the chart is not complete yet (no source, or no field to draw).
   */
  public record Built(String sql, String problem) {
    static Built incomplete() {
      return new Built("", null);
    }

    static Built problem(String problem) {
      return new Built("", problem);
    }
  }

  private ChartQuery() {}

  /** The source cell a chart's config names; empty when none. */
  public static String sourceOf(JsonNode config) {
    JsonNode source = config == null ? null : config.get("source");
    return source != null && source.isTextual() ? source.asText() : "";
  }

  /** The query of a chart configured by {@code config} that reads the cell named {@code table}. */
  public static Built of(JsonNode config, String table) {
    if (config == null || !config.isObject()) return Built.incomplete();
    String mark = config.path("mark").asText("bar");
    if (!MARKS.contains(mark)) {
      return Built.problem("mark must be one of " + String.join(", ", sorted(MARKS)));
    }
    List<Channel> channels = new ArrayList<>();
    for (String name : CHANNELS) {
      JsonNode node = config.get(name);
      if (node == null || node.isNull()) continue;
      if (!node.isObject()) return Built.problem(name + " must be an object");
      String field = node.path("field").asText("");
      String aggregate = node.path("aggregate").asText("");
      if (field.length() > MAX_FIELD) {
        return Built.problem(name + ".field is longer than " + MAX_FIELD + " characters");
      }
      if (!aggregate.isEmpty() && !AGGREGATES.containsKey(aggregate)) {
        return Built.problem(
            name + ".aggregate must be one of " + String.join(", ", sorted(AGGREGATES.keySet())));
      }
      String type = node.path("type").asText("");
      if (!type.isEmpty() && !TYPES.contains(type)) {
        return Built.problem(name + ".type must be one of " + String.join(", ", sorted(TYPES)));
      }
      if (field.isEmpty() && !aggregate.equals("count")) continue;
      channels.add(new Channel(name, field, aggregate));
    }
    if (table == null || table.isBlank() || channels.isEmpty()) return Built.incomplete();
    String from = quote(table);
    return switch (mark) {
      case "histogram" -> histogram(config, channels, from);
      case "boxplot" -> boxplot(channels, from);
      default -> grouped(channels, from);
    };
  }

  private record Channel(String name, String field, String aggregate) {
    String expression() {
      if (aggregate.isEmpty()) return quote(field);
      String argument = field.isEmpty() ? "*" : quote(field);
      return AGGREGATES.get(aggregate) + "(" + argument + ")";
    }
  }

  private static Channel channel(List<Channel> channels, String name) {
    for (Channel channel : channels) if (channel.name().equals(name)) return channel;
    return null;
  }

  /** Dimensions grouped, measures aggregated; raw rows (capped) when nothing is aggregated. */
  private static Built grouped(List<Channel> channels, String from) {
    List<String> select = new ArrayList<>();
    List<String> groups = new ArrayList<>();
    List<String> positions = new ArrayList<>();
    boolean aggregated = false;
    for (Channel channel : channels) {
      select.add(channel.expression() + " AS " + quote(channel.name()));
      if (channel.aggregate().isEmpty()) {
        // by the source's column, not the alias: an alias may be a column name of the source too
        groups.add(channel.expression());
        positions.add(String.valueOf(select.size()));
      } else {
        aggregated = true;
      }
    }
    StringBuilder sql = new StringBuilder("SELECT ").append(String.join(", ", select));
    sql.append(" FROM ").append(from);
    if (aggregated && !groups.isEmpty()) {
      sql.append(" GROUP BY ").append(String.join(", ", groups));
      sql.append(" ORDER BY ").append(String.join(", ", positions));
    }
    sql.append(" LIMIT ").append(MAX_ROWS);
    return new Built(sql.toString(), null);
  }

  /** Counts of the x field's values in {@code bins} equal bins, per color when one is set. */
  private static Built histogram(JsonNode config, List<Channel> channels, String from) {
    Channel x = channel(channels, "x");
    if (x == null || x.field().isEmpty()) return Built.incomplete();
    int bins = DEFAULT_BINS;
    JsonNode asked = config.get("bins");
    if (asked != null && !asked.isNull()) {
      if (!asked.canConvertToInt() || asked.asInt() < 2 || asked.asInt() > MAX_BINS) {
        return Built.problem("bins must be a whole number from 2 to " + MAX_BINS);
      }
      bins = asked.asInt();
    }
    Channel color = channel(channels, "color");
    String colorField = color == null || color.field().isEmpty() ? null : quote(color.field());
    String v = quote(x.field());
    String sql =
        "WITH chart_values AS (SELECT CAST("
            + v
            + " AS DOUBLE) AS v"
            + (colorField == null ? "" : ", " + colorField + " AS color")
            + " FROM "
            + from
            + " WHERE "
            + v
            + " IS NOT NULL),"
            + " chart_range AS (SELECT min(v) AS lo,"
            + " CASE WHEN max(v) > min(v) THEN (max(v) - min(v)) / "
            + bins
            + " ELSE 1 END AS w FROM chart_values),"
            + " chart_bins AS (SELECT least(CAST(floor((v - lo) / w) AS BIGINT), "
            + (bins - 1)
            + ") AS i, lo, w"
            + (colorField == null ? "" : ", color")
            + " FROM chart_values, chart_range)"
            + " SELECT lo + i * w AS x, lo + (i + 1) * w AS x2, count(*) AS y"
            + (colorField == null ? "" : ", color")
            + " FROM chart_bins GROUP BY i, lo, w"
            + (colorField == null ? "" : ", color")
            + " ORDER BY i"
            + (colorField == null ? "" : ", color")
            + " LIMIT "
            + MAX_ROWS;
    return new Built(sql, null);
  }

  /** The five numbers of the y field, per x value (one box when x is not set). */
  private static Built boxplot(List<Channel> channels, String from) {
    Channel y = channel(channels, "y");
    if (y == null || y.field().isEmpty()) return Built.incomplete();
    Channel x = channel(channels, "x");
    String group = x == null || x.field().isEmpty() ? null : quote(x.field());
    String sql =
        "SELECT "
            + (group == null ? "'all'" : "x")
            + " AS x, min(y) AS lower, quantile_cont(y, 0.25) AS q1, median(y) AS median,"
            + " quantile_cont(y, 0.75) AS q3, max(y) AS upper FROM (SELECT "
            + (group == null ? "" : group + " AS x, ")
            + "CAST("
            + quote(y.field())
            + " AS DOUBLE) AS y FROM "
            + from
            + " WHERE "
            + quote(y.field())
            + " IS NOT NULL) AS values_of_y"
            + (group == null ? "" : " GROUP BY x ORDER BY x")
            + " LIMIT "
            + MAX_ROWS;
    return new Built(sql, null);
  }

  /** {@code name} as a SQL identifier: in double quotes, a double quote in it doubled. */
  static String quote(String name) {
    return "\"" + name.replace("\"", "\"\"") + "\"";
  }

  private static List<String> sorted(Set<String> values) {
    return values.stream().sorted().toList();
  }
}

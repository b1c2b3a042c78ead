package dev.easel.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A listing of what a project's database holds, read from its own {@code information_schema} so
 * that it names exactly the views the worker made: its catalog (the database), its schemas, its
 * tables and views. The columns are those Arrow Flight SQL's {@code CommandGetCatalogs}, {@code
 * CommandGetDbSchemas}, {@code CommandGetTables} and {@code CommandGetTableTypes} answer with;
 * filters are SQL {@code LIKE} patterns, bound as parameters.
 */
public final class CatalogListing {
  private static final int BATCH_ROWS = 4096;

  private final String sql;
  private final List<JsonNode> parameters;

  private CatalogListing(String sql, List<JsonNode> parameters) {
    this.sql = sql;
    this.parameters = List.copyOf(parameters);
  }

  /** The database's catalog: {@code catalog_name}. */
  public static CatalogListing catalogs() {
    return new CatalogListing(
        "SELECT DISTINCT catalog_name FROM information_schema.schemata"
            + " WHERE catalog_name = current_database() ORDER BY catalog_name",
        List.of());
  }

  /**
   * The database's schemas: {@code catalog_name, db_schema_name}; {@code catalog} (exact) and
   * {@code schemaPattern} (LIKE) filter when not null.
   */
  public static CatalogListing schemas(String catalog, String schemaPattern) {
    Filter where = new Filter("catalog_name", "schema_name");
    where.equal("catalog_name", catalog).like("schema_name", schemaPattern);
    return new CatalogListing(
        "SELECT catalog_name, schema_name AS db_schema_name FROM information_schema.schemata"
            + where.sql()
            + " ORDER BY catalog_name, db_schema_name",
        where.parameters);
  }

  /**
   * The database's tables and views: {@code catalog_name, db_schema_name, table_name, table_type}
   * ({@code VIEW} for a dataset's view); the arguments filter when not null or empty.
   */
  public static CatalogListing tables(
      String catalog, String schemaPattern, String tablePattern, List<String> types) {
    Filter where = new Filter("table_catalog", "table_schema");
    where
        .equal("table_catalog", catalog)
        .like("table_schema", schemaPattern)
        .like("table_name", tablePattern)
        .in("table_type", types);
    return new CatalogListing(
        "SELECT table_catalog AS catalog_name, table_schema AS db_schema_name, table_name,"
            + " table_type FROM information_schema.tables"
            + where.sql()
            + " ORDER BY catalog_name, db_schema_name, table_name, table_type",
        where.parameters);
  }

  /** The kinds of table the database holds: {@code table_type} ({@code VIEW} for datasets). */
  public static CatalogListing tableTypes() {
    Filter where = new Filter("table_catalog", "table_schema");
    return new CatalogListing(
        "SELECT DISTINCT table_type FROM information_schema.tables"
            + where.sql()
            + " ORDER BY table_type",
        where.parameters);
  }

  /**
   * The query that reads every column of a table the listing names, whose checked result's schema
   * is the table's ({@link QueryEngine#check}).
   */
  public static String readTable(String schema, String table) {
    return "SELECT * FROM "
        + ProjectDatabase.identifier(schema)
        + "."
        + ProjectDatabase.identifier(table);
  }

  String sql() {
    return sql;
  }

  List<JsonNode> parameters() {
    return parameters;
  }

  int batchRows() {
    return BATCH_ROWS;
  }

  /** A WHERE clause of the project's own database and main schemas, plus the filters given. */
  private static final class Filter {
    private final StringBuilder clause;
    private final List<JsonNode> parameters = new ArrayList<>();

    Filter(String catalogColumn, String schemaColumn) {
      // Only the project's database: DuckDB's system and temp catalogs are no part of it.
      clause =
          new StringBuilder(" WHERE " + catalogColumn + " = current_database()")
              .append(" AND " + schemaColumn + " NOT IN ('information_schema', 'pg_catalog')");
    }

    Filter equal(String column, String value) {
      if (value != null) add(column + " = ?", value);
      return this;
    }

    Filter like(String column, String pattern) {
      if (pattern != null) add(column + " LIKE ?", pattern);
      return this;
    }

    Filter in(String column, List<String> values) {
      if (values == null || values.isEmpty()) return this;
      clause.append(" AND ").append(column).append(" IN (");
      for (int i = 0; i < values.size(); i++) {
        clause.append(i == 0 ? "?" : ", ?");
        parameters.add(TextNode.valueOf(values.get(i)));
      }
      clause.append(')');
      return this;
    }

    private void add(String condition, String value) {
      clause.append(" AND ").append(condition);
      parameters.add(TextNode.valueOf(value));
    }

    String sql() {
      return clause.toString();
    }
  }
}

package dev.easel.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A listing of what a project's database holds, read from its own {@code information_schema} so
 * that it names exactly the views the worker made: its catalog (the database), its schemas, its
 * tables and views; and beside them the tables of its canvases' SQL cells ({@link CellTable}),
 * which are no objects of the database (a query that names one reads the cell's stored result): a
 * schema per canvas that has a cell with a result, a table of type {@value #CELL} per such cell.
 * The columns are those Arrow Flight SQL's {@code CommandGetCatalogs}, {@code CommandGetDbSchemas},
 * {@code CommandGetTables} and {@code CommandGetTableTypes} answer with; filters are SQL {@code
 * LIKE} patterns, bound as parameters, and apply to cells as to datasets.
 */
public final class CatalogListing {
  /** The table type of a SQL cell's latest result. */
  public static final String CELL = "CELL";

  private static final int BATCH_ROWS = 4096;

  /** The project's own schemas: DuckDB's system schemas are no part of it. */
  private static final String OWN_SCHEMAS = " NOT IN ('information_schema', 'pg_catalog')";

  private final String sql;
  private final List<JsonNode> parameters;

  private CatalogListing(String sql, List<JsonNode> parameters) {
    this.sql = sql;
    this.parameters = List.copyOf(parameters);
  }

  /** The database's catalog: {@code catalog_name} (cells are in it too). */
  public static CatalogListing catalogs() {
    return new CatalogListing(
        "SELECT DISTINCT catalog_name FROM information_schema.schemata"
            + " WHERE catalog_name = current_database() ORDER BY catalog_name",
        List.of());
  }

  /**
   * The database's schemas and those of the canvases with {@code cells}: {@code catalog_name,
   * db_schema_name}; {@code catalog} (exact) and {@code schemaPattern} (LIKE) filter when not null.
   */
  public static CatalogListing schemas(
      String catalog, String schemaPattern, List<CellTable> cells) {
    Query query =
        new Query(
            "SELECT catalog_name, schema_name AS db_schema_name FROM information_schema.schemata"
                + " WHERE catalog_name = current_database() AND schema_name"
                + OWN_SCHEMAS);
    List<String> schemas = cells.stream().map(CellTable::schema).distinct().toList();
    if (!schemas.isEmpty()) {
      query.append(" UNION ALL SELECT current_database(), s FROM (VALUES ");
      for (int i = 0; i < schemas.size(); i++) {
        query.append(i == 0 ? "" : ", ").append("(?::VARCHAR)").bind(schemas.get(i));
      }
      query.append(") cells(s)");
    }
    return query
        .filtered()
        .equal("catalog_name", catalog)
        .like("db_schema_name", schemaPattern)
        .listing("catalog_name, db_schema_name", "catalog_name, db_schema_name");
  }

  /**
   * The database's tables and views ({@code VIEW} for a dataset's view) and the {@code cells}
   * ({@value #CELL}): {@code catalog_name, db_schema_name, table_name, table_type}; the arguments
   * filter when not null or empty.
   */
  public static CatalogListing tables(
      String catalog,
      String schemaPattern,
      String tablePattern,
      List<String> types,
      List<CellTable> cells) {
    return tablesAndCells(cells)
        .filtered()
        .equal("catalog_name", catalog)
        .like("db_schema_name", schemaPattern)
        .like("table_name", tablePattern)
        .in("table_type", types)
        .listing(
            "catalog_name, db_schema_name, table_name, table_type",
            "catalog_name, db_schema_name, table_name, table_type");
  }

  /** The kinds of table the database and the {@code cells} hold: {@code table_type}. */
  public static CatalogListing tableTypes(List<CellTable> cells) {
    return tablesAndCells(cells).filtered().listing("DISTINCT table_type", "table_type");
  }

  /** Every table of the database, then every cell's, with the columns of a table listing. */
  private static Query tablesAndCells(List<CellTable> cells) {
    Query query =
        new Query(
            "SELECT table_catalog AS catalog_name, table_schema AS db_schema_name, table_name,"
                + " table_type FROM information_schema.tables"
                + " WHERE table_catalog = current_database() AND table_schema"
                + OWN_SCHEMAS);
    if (!cells.isEmpty()) {
      query.append(" UNION ALL SELECT current_database(), s, t, '" + CELL + "' FROM (VALUES ");
      for (int i = 0; i < cells.size(); i++) {
        CellTable cell = cells.get(i);
        query.append(i == 0 ? "" : ", ").append("(?::VARCHAR, ?::VARCHAR)");
        query.bind(cell.schema()).bind(cell.name());
      }
      query.append(") cells(s, t)");
    }
    return query;
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

  /** A listing's SQL as it is written: the rows listed, then the filters over them. */
  private static final class Query {
    private final StringBuilder text;
    private final List<JsonNode> parameters = new ArrayList<>();
    private boolean filtered;
    private boolean conditions;

    Query(String source) {
      text = new StringBuilder(source);
    }

    Query append(String more) {
      text.append(more);
      return this;
    }

    Query bind(String value) {
      parameters.add(TextNode.valueOf(value));
      return this;
    }

    /** From here on, conditions on the rows so far (by their column names). */
    Query filtered() {
      text.insert(0, "SELECT * FROM (").append(") listed");
      filtered = true;
      return this;
    }

    Query equal(String column, String value) {
      if (value != null) condition(column + " = ?").bind(value);
      return this;
    }

    Query like(String column, String pattern) {
      if (pattern != null) condition(column + " LIKE ?").bind(pattern);
      return this;
    }

    Query in(String column, List<String> values) {
      if (values == null || values.isEmpty()) return this;
      condition(column + " IN (");
      for (int i = 0; i < values.size(); i++) append(i == 0 ? "?" : ", ?").bind(values.get(i));
      return append(")");
    }

    private Query condition(String condition) {
      if (!filtered) throw new IllegalStateException("conditions follow filtered()");
      text.append(conditions ? " AND " : " WHERE ").append(condition);
      conditions = true;
      return this;
    }

    /** The listing: {@code columns} of the filtered rows, ordered by {@code order}. */
    CatalogListing listing(String columns, String order) {
      String body = text.toString();
      return new CatalogListing(
          "SELECT " + columns + " FROM (" + body + ") ORDER BY " + order, parameters);
    }
  }
}

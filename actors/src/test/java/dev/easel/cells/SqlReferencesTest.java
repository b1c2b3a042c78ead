package dev.easel.cells;

import static org.assertj.core.api.Assertions.assertThat;

import dev.easel.cells.SqlReferences.Tables;
import dev.easel.cells.SqlReferences.Unreadable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SqlReferencesTest {
  static SqlReferences parser;

  @BeforeAll
  static void open() {
    parser = SqlReferences.open();
  }

  @AfterAll
  static void close() {
    parser.close();
  }

  private static Tables tables(String sql) {
    return (Tables) parser.of(sql);
  }

  @Test
  void findsTheTablesAQueryReadsWhereverTheyAre() {
    assertThat(
            tables(
                    "SELECT o.region, sum(o.amount) FROM orders o JOIN Customers c USING (id)"
                        + " WHERE c.id IN (SELECT id FROM main.vip) AND EXISTS (SELECT 1 FROM refunds)"
                        + " GROUP BY 1 UNION ALL SELECT * FROM (SELECT * FROM archive) a,"
                        + " LATERAL (SELECT * FROM orders WHERE orders.id = a.id)")
                .names())
        .containsExactly("orders", "customers", "vip", "refunds", "archive");
  }

  @Test
  void namesInStringsCommentsColumnsAndCtesAreNotTables() {
    assertThat(
            tables(
                    "-- FROM secret\n"
                        + "WITH recent AS (SELECT * FROM orders WHERE note <> 'FROM fake')"
                        + " SELECT recent.customers, /* JOIN hidden */ 1 AS payments FROM recent")
                .names())
        .containsExactly("orders");
    assertThat(
            tables(
                    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3)"
                        + " SELECT * FROM r, steps")
                .names())
        .containsExactly("steps");
  }

  @Test
  void aCteOnlyHidesATableInsideItsOwnScope() {
    assertThat(
            tables("SELECT * FROM t WHERE EXISTS (WITH t AS (SELECT 1) SELECT * FROM t)").names())
        .containsExactly("t");
  }

  @Test
  void tablesOfOtherSchemasOrCatalogsAreNotDatasetsOrCells() {
    assertThat(tables("SELECT * FROM other.t, db.main.u, main.v, w").names())
        .containsExactly("v", "w");
  }

  @Test
  void eachReferenceSaysWhereItIs() {
    String sql = "SELECT *\nFROM  sales";
    var reference = tables(sql).tables().get(0);
    assertThat(sql.substring((int) reference.position())).startsWith("sales");
  }

  @Test
  void tableFunctionsAreNotTables() {
    assertThat(tables("SELECT * FROM range(10), read_csv('x.csv')").names()).isEmpty();
  }

  @Test
  void sqlThatIsNotOneQueryIsUnreadableWithDuckDbsReason() {
    var syntax = (Unreadable) parser.of("SELECT * FROM a WHERE x = = 1");
    assertThat(syntax.message()).contains("syntax error");
    assertThat(syntax.position()).isEqualTo(26);

    assertThat(((Unreadable) parser.of("CREATE TABLE t (a INT)")).message())
        .startsWith("a SQL cell holds one query");
    assertThat(((Unreadable) parser.of("SELECT 1; SELECT 2")).message())
        .isEqualTo("a SQL cell holds one query, this one has 2");
    assertThat(((Unreadable) parser.of("  -- nothing\n")).message())
        .isEqualTo("the SQL cell is empty");
  }

  @Test
  void parametersAreNotTables() {
    assertThat(tables("SELECT * FROM orders WHERE region = $region AND day > $since").names())
        .containsExactly("orders");
  }

  @Test
  void namedParametersAreFoundAndWrittenPositionally() {
    String sql =
        "SELECT 'café' AS é, $since AS s FROM orders -- $not_a_parameter\n"
            + "WHERE region = $region AND day > $since AND note <> '$region'";
    Tables read = tables(sql);
    assertThat(read.parameterNames()).containsExactly("since", "region");
    assertThat(read.parameters())
        .hasSize(3)
        .noneMatch(SqlReferences.ParameterReference::positional);
    assertThat(read.positional(sql))
        .isEqualTo(
            "SELECT 'café' AS é, $1 AS s FROM orders -- $not_a_parameter\n"
                + "WHERE region = $2 AND day > $1 AND note <> '$region'");
  }

  @Test
  void positionalParametersAreToldApart() {
    assertThat(tables("SELECT ? + $1").parameters())
        .allMatch(SqlReferences.ParameterReference::positional);
    assertThat(tables("SELECT 1").parameters()).isEmpty();
  }
}

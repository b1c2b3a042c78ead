package dev.easel.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The key of a result: the same query however it is written, with the same parameters over the same
 * inputs, has one key; anything that may change the answer changes it.
 */
class ResultKeyTest {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final DatasetTable ORDERS_V1 =
      new DatasetTable("orders", "d_1", 1, "/x/1.parquet");
  private static final DatasetTable ORDERS_V2 =
      new DatasetTable("orders", "d_1", 2, "/x/2.parquet");
  private static final DatasetTable PEOPLE_V1 =
      new DatasetTable("people", "d_2", 1, "/y/1.parquet");
  private static final DatasetTable PEOPLE_V2 =
      new DatasetTable("people", "d_2", 2, "/y/2.parquet");

  private static Connection duckdb;

  @BeforeAll
  static void open() throws SQLException {
    duckdb = DriverManager.getConnection("jdbc:duckdb:");
  }

  @AfterAll
  static void close() throws SQLException {
    duckdb.close();
  }

  private static JsonNode statement(String sql) throws SQLException {
    JsonNode tree = SqlSyntax.tree(duckdb, sql);
    assertThat(tree.path("error").asBoolean()).as(tree.toString()).isFalse();
    return tree.path("statements").get(0);
  }

  private static String key(String sql, List<JsonNode> parameters, DatasetTable... datasets)
      throws SQLException {
    return ResultKey.of(statement(sql), parameters, List.of(datasets), List.of());
  }

  @Test
  void whiteSpaceCommentsAndTheCaseOfKeywordsDoNotMatter() throws SQLException {
    String key = key("SELECT id, amount FROM orders WHERE amount > 10", List.of(), ORDERS_V1);

    assertThat(key).matches("[0-9a-f]{32}");
    assertThat(
            key(
                "select   id,\n  amount -- the money\n from orders /* all */ where amount>10;",
                List.of(),
                ORDERS_V1))
        .isEqualTo(key);
    assertThat(key("SeLeCt id, amount FrOm orders WhErE amount > 10", List.of(), ORDERS_V1))
        .isEqualTo(key);
  }

  @Test
  void whatChangesTheAnswerChangesTheKey() throws SQLException {
    String key = key("SELECT id FROM orders WHERE amount > 10", List.of(), ORDERS_V1);

    assertThat(key("SELECT id FROM orders WHERE amount > 11", List.of(), ORDERS_V1))
        .isNotEqualTo(key);
    assertThat(key("SELECT id FROM orders WHERE amount >= 10", List.of(), ORDERS_V1))
        .isNotEqualTo(key);
    assertThat(key("SELECT id AS other FROM orders WHERE amount > 10", List.of(), ORDERS_V1))
        .isNotEqualTo(key);
    assertThat(key("SELECT 'a' AS s", List.of())).isNotEqualTo(key("SELECT 'A' AS s", List.of()));
    // A new version of a table it reads.
    assertThat(key("SELECT id FROM orders WHERE amount > 10", List.of(), ORDERS_V2))
        .isNotEqualTo(key);
  }

  @Test
  void parametersCountByTypeAndValue() throws SQLException {
    String sql = "SELECT ? AS v";
    String one = key(sql, List.of(NODES.numberNode(1)));

    assertThat(key(sql, List.of(NODES.numberNode(1)))).isEqualTo(one);
    assertThat(key(sql, List.of(NODES.numberNode(2)))).isNotEqualTo(one);
    assertThat(key(sql, List.of(NODES.numberNode(1.0)))).isNotEqualTo(one);
    assertThat(key(sql, List.of(NODES.textNode("1")))).isNotEqualTo(one);
    assertThat(key(sql, List.of(NODES.nullNode()))).isNotEqualTo(one);
    assertThat(key("SELECT ?, ? AS v", List.of(NODES.textNode("a"), NODES.textNode("b"))))
        .isNotEqualTo(key("SELECT ?, ? AS v", List.of(NODES.textNode("ab"), NODES.textNode(""))));
  }

  @Test
  void onlyTheTablesItReadsCount() throws SQLException {
    String sql = "SELECT count(*) FROM Orders";
    String key = key(sql, List.of(), ORDERS_V1, PEOPLE_V1);

    assertThat(key(sql, List.of(), ORDERS_V1, PEOPLE_V2)).isEqualTo(key);
    assertThat(key(sql, List.of(), ORDERS_V2, PEOPLE_V1)).isNotEqualTo(key);
    // a join, a subquery and a common table expression all read their tables
    String join =
        "WITH big AS (SELECT * FROM orders WHERE amount > 10)"
            + " SELECT * FROM big WHERE id IN (SELECT id FROM people)";
    assertThat(key(join, List.of(), ORDERS_V1, PEOPLE_V2))
        .isNotEqualTo(key(join, List.of(), ORDERS_V1, PEOPLE_V1));
  }

  @Test
  void aQueryThatMayReadUnnamedTablesCountsThemAll() throws SQLException {
    for (String sql :
        List.of(
            "SELECT * FROM query_table('people')",
            "SELECT * FROM information_schema.tables",
            "DESCRIBE people",
            "SHOW TABLES",
            "SUMMARIZE people")) {
      assertThat(ResultKey.tablesRead(statement(sql))).as(sql).isNull();
      assertThat(key(sql, List.of(), ORDERS_V1, PEOPLE_V2))
          .as(sql)
          .isNotEqualTo(key(sql, List.of(), ORDERS_V1, PEOPLE_V1));
    }
    assertThat(ResultKey.tablesRead(statement("SELECT * FROM range(10) JOIN orders USING (range)")))
        .containsExactly("orders");
  }

  @Test
  void aResultTableCountsByItsResultAndShadowsADatasetOfItsName() throws SQLException {
    JsonNode statement = statement("SELECT * FROM orders");
    String earlier = "0123456789abcdef0123456789abcdef";
    String later = "fedcba9876543210fedcba9876543210";
    String key =
        ResultKey.of(
            statement, List.of(), List.of(ORDERS_V1), List.of(new ResultTable("orders", earlier)));

    assertThat(
            ResultKey.of(
                statement,
                List.of(),
                List.of(ORDERS_V2),
                List.of(new ResultTable("orders", earlier))))
        .isEqualTo(key);
    assertThat(
            ResultKey.of(
                statement,
                List.of(),
                List.of(ORDERS_V1),
                List.of(new ResultTable("orders", later))))
        .isNotEqualTo(key);
    assertThat(ResultKey.of(statement, List.of(), List.of(ORDERS_V1), List.of())).isNotEqualTo(key);
  }

  @Test
  void positionsAreLeftOutOfTheTree() throws SQLException {
    JsonNode normalised = ResultKey.normalised(statement("SELECT a FROM t WHERE b = 1"));
    assertThat(normalised.toString()).doesNotContain("query_location").contains("\"t\"");
  }
}

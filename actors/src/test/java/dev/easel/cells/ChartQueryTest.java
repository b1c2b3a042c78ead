package dev.easel.cells;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The queries behind chart cells, run on a real DuckDB over a small table of penguins. */
class ChartQueryTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static Connection duckdb;

  @BeforeAll
  static void table() throws Exception {
    duckdb = DriverManager.getConnection("jdbc:duckdb:");
    try (Statement statement = duckdb.createStatement()) {
      statement.execute(
          "CREATE TABLE \"my \"\"penguins\"\"\" AS SELECT * FROM (VALUES"
              + " ('Adelie', 'Torgersen', 3750, 181),"
              + " ('Adelie', 'Biscoe', 3450, 185),"
              + " ('Gentoo', 'Biscoe', 5000, 220),"
              + " ('Gentoo', 'Biscoe', 5400, 230),"
              + " ('Gentoo', 'Biscoe', NULL, NULL),"
              + " ('Chinstrap', 'Dream', 3700, 195))"
              + " AS t(species, \"is\"\"land\", body_mass_g, x)");
    }
  }

  @AfterAll
  static void close() throws Exception {
    duckdb.close();
  }

  static JsonNode config(String json) throws Exception {
    return JSON.readTree(json);
  }

  static final String TABLE = "my \"penguins\"";

  /** The rows of the chart's query, each value as text. */
  static List<List<String>> run(String config) throws Exception {
    ChartQuery.Built built = ChartQuery.of(config(config), TABLE);
    assertThat(built.problem()).isNull();
    assertThat(built.sql()).isNotEmpty();
    List<List<String>> rows = new ArrayList<>();
    try (Statement statement = duckdb.createStatement();
        ResultSet result = statement.executeQuery(built.sql())) {
      ResultSetMetaData meta = result.getMetaData();
      while (result.next()) {
        List<String> row = new ArrayList<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) row.add(result.getString(i));
        rows.add(row);
      }
    }
    return rows;
  }

  static List<String> columns(String config) throws Exception {
    ChartQuery.Built built = ChartQuery.of(config(config), TABLE);
    try (Statement statement = duckdb.createStatement();
        ResultSet result = statement.executeQuery(built.sql())) {
      List<String> names = new ArrayList<>();
      for (int i = 1; i <= result.getMetaData().getColumnCount(); i++) {
        names.add(result.getMetaData().getColumnName(i));
      }
      return names;
    }
  }

  @Test
  void barAggregatesPerCategoryInOrder() throws Exception {
    String bar =
        "{\"source\":\"c1\",\"mark\":\"bar\",\"x\":{\"field\":\"species\",\"type\":\"nominal\"},"
            + "\"y\":{\"field\":\"body_mass_g\",\"aggregate\":\"mean\"}}";
    assertThat(run(bar))
        .containsExactly(
            List.of("Adelie", "3600.0"),
            List.of("Chinstrap", "3700.0"),
            List.of("Gentoo", "5200.0"));
    assertThat(columns(bar)).containsExactly("x", "y");
  }

  @Test
  void countNeedsNoFieldAndColorGroupsToo() throws Exception {
    assertThat(
            run(
                "{\"mark\":\"bar\",\"x\":{\"field\":\"species\"},\"y\":{\"aggregate\":\"count\"},"
                    + "\"color\":{\"field\":\"is\\\"land\"}}"))
        .containsExactly(
            List.of("Adelie", "1", "Biscoe"),
            List.of("Adelie", "1", "Torgersen"),
            List.of("Chinstrap", "1", "Dream"),
            List.of("Gentoo", "3", "Biscoe"));
  }

  @Test
  void aliasesNamedLikeSourceColumnsGroupByTheSourceColumn() throws Exception {
    // the source has a column x; the chart's x channel is species and its y aggregates x
    assertThat(
            run(
                "{\"mark\":\"bar\",\"x\":{\"field\":\"species\"},"
                    + "\"y\":{\"field\":\"x\",\"aggregate\":\"max\"}}"))
        .containsExactly(
            List.of("Adelie", "185"), List.of("Chinstrap", "195"), List.of("Gentoo", "230"));
  }

  @Test
  void scatterWithoutAggregatesGivesTheRowsCapped() throws Exception {
    ChartQuery.Built built =
        ChartQuery.of(
            config(
                "{\"mark\":\"scatter\",\"x\":{\"field\":\"x\"},\"y\":{\"field\":\"body_mass_g\"}}"),
            TABLE);
    assertThat(built.sql()).endsWith("LIMIT " + ChartQuery.MAX_ROWS).doesNotContain("GROUP BY");
    assertThat(run("{\"mark\":\"scatter\",\"x\":{\"field\":\"x\"},\"y\":{\"field\":\"x\"}}"))
        .hasSize(6);
  }

  @Test
  void histogramCountsEqualBins() throws Exception {
    List<List<String>> bins =
        run("{\"mark\":\"histogram\",\"x\":{\"field\":\"body_mass_g\"},\"bins\":4}");
    // 3450..5400 in 4 bins of 487.5; the maximum falls in the last bin; empty bins are absent
    assertThat(bins)
        .containsExactly(List.of("3450.0", "3937.5", "3"), List.of("4912.5", "5400.0", "2"));
  }

  @Test
  void boxPlotGivesFiveNumbersPerGroup() throws Exception {
    assertThat(
            run(
                "{\"mark\":\"boxplot\",\"x\":{\"field\":\"species\"},"
                    + "\"y\":{\"field\":\"body_mass_g\"}}"))
        .containsExactly(
            List.of("Adelie", "3450.0", "3525.0", "3600.0", "3675.0", "3750.0"),
            List.of("Chinstrap", "3700.0", "3700.0", "3700.0", "3700.0", "3700.0"),
            List.of("Gentoo", "5000.0", "5100.0", "5200.0", "5300.0", "5400.0"));
  }

  @Test
  void incompleteChartsHaveNoQueryAndNoProblem() throws Exception {
    assertThat(ChartQuery.of(config("{\"mark\":\"bar\"}"), TABLE))
        .isEqualTo(new ChartQuery.Built("", null));
    assertThat(ChartQuery.of(config("{\"mark\":\"bar\",\"x\":{\"field\":\"a\"}}"), ""))
        .isEqualTo(new ChartQuery.Built("", null));
    assertThat(ChartQuery.of(config("{\"mark\":\"histogram\",\"y\":{\"field\":\"a\"}}"), TABLE))
        .isEqualTo(new ChartQuery.Built("", null));
  }

  @Test
  void badConfigsAreNamed() throws Exception {
    assertThat(ChartQuery.of(config("{\"mark\":\"radar\"}"), TABLE).problem())
        .startsWith("mark must be one of area, bar, boxplot");
    assertThat(
            ChartQuery.of(
                    config("{\"x\":{\"field\":\"a\",\"aggregate\":\"a); DROP TABLE t; --\"}}"),
                    TABLE)
                .problem())
        .isEqualTo("x.aggregate must be one of count, max, mean, median, min, sum");
    assertThat(ChartQuery.of(config("{\"x\":{\"field\":\"a\",\"type\":\"sql\"}}"), TABLE).problem())
        .startsWith("x.type must be one of");
    assertThat(ChartQuery.of(config("{\"x\":\"a\"}"), TABLE).problem())
        .isEqualTo("x must be an object");
    assertThat(
            ChartQuery.of(
                    config("{\"mark\":\"histogram\",\"x\":{\"field\":\"a\"},\"bins\":100000}"),
                    TABLE)
                .problem())
        .isEqualTo("bins must be a whole number from 2 to 200");
    assertThat(
            ChartQuery.of(config("{\"x\":{\"field\":\"" + "a".repeat(201) + "\"}}"), TABLE)
                .problem())
        .isEqualTo("x.field is longer than 200 characters");
  }

  @Test
  void hostileFieldNamesStayIdentifiers() throws Exception {
    String field = "species\\\" FROM t; DROP TABLE x; --";
    ChartQuery.Built built =
        ChartQuery.of(
            config("{\"x\":{\"field\":\"" + field + "\"},\"y\":{\"aggregate\":\"count\"}}"), TABLE);
    try (Statement statement = duckdb.createStatement()) {
      // DuckDB reads it as one (missing) column, and the table is still there afterwards
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> statement.executeQuery(built.sql()))
          .hasMessageContaining("species\" FROM t; DROP TABLE x; --");
    }
    assertThat(run("{\"x\":{\"field\":\"species\"},\"y\":{\"aggregate\":\"count\"}}")).hasSize(3);
  }
}

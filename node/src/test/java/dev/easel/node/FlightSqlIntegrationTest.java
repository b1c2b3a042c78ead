package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.FlightCallHeaders;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.HeaderCallOption;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Arrow Flight SQL on a real node, through clients we did not write: Arrow's own Flight SQL JDBC
 * driver and its {@link FlightSqlClient}, authenticated with an API key or an access token.
 */
class FlightSqlIntegrationTest {
  @TempDir Path dataDir;

  private static String url(int port, String token, String extra) {
    return "jdbc:arrow-flight-sql://127.0.0.1:"
        + port
        + "/?useEncryption=false&token="
        + token
        + extra;
  }

  @Test
  void jdbcDriverReadsTypedResultsListsTablesAndIsRefusedWhereItShouldBe() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      ApiKeyIntegrationTest.Api api = new ApiKeyIntegrationTest.Api(node.httpPort());
      String owner = api.signUp("flight@example.org").path("accessToken").asText();
      String project = api.project(owner, "Flight");
      String key = api.key(owner, "bi tool", project, "read").path("secret").asText();
      int port = node.flightPort();
      assertThat(
              Http.uploadCsv(
                      node.httpPort(),
                      owner,
                      project,
                      "sales",
                      "region,amount\nnorth,1.5\nsouth,4\nnorth,2\n")
                  .statusCode())
          .isEqualTo(201);

      try (Connection connection = DriverManager.getConnection(url(port, key, ""));
          Statement statement = connection.createStatement();
          ResultSet rows =
              statement.executeQuery(
                  "SELECT 1::INTEGER AS i, 12.34::DECIMAL(10,2) AS d, DATE '2026-01-02' AS day,"
                      + " TIMESTAMP '2026-01-02 03:04:05' AS ts, 'text' AS s, NULL AS nothing,"
                      + " [1,2,3] AS list")) {
        ResultSetMetaData meta = rows.getMetaData();
        assertThat(meta.getColumnCount()).isEqualTo(7);
        assertThat(meta.getColumnLabel(1)).isEqualTo("i");
        assertThat(meta.getColumnType(1)).isEqualTo(Types.INTEGER);
        assertThat(meta.getColumnType(2)).isEqualTo(Types.DECIMAL);
        assertThat(meta.getColumnType(3)).isEqualTo(Types.DATE);
        assertThat(meta.getColumnType(4)).isEqualTo(Types.TIMESTAMP);
        assertThat(meta.getColumnType(5)).isEqualTo(Types.VARCHAR);
        assertThat(meta.getColumnType(7)).isEqualTo(Types.ARRAY);
        assertThat(rows.next()).isTrue();
        assertThat(rows.getInt(1)).isEqualTo(1);
        assertThat(rows.getBigDecimal(2)).isEqualTo(new BigDecimal("12.34"));
        assertThat(rows.getDate(3).toLocalDate()).isEqualTo(LocalDate.of(2026, 1, 2));
        assertThat(rows.getTimestamp(4).toLocalDateTime())
            .isEqualTo(LocalDateTime.of(2026, 1, 2, 3, 4, 5));
        assertThat(rows.getString(5)).isEqualTo("text");
        assertThat(rows.getObject(6)).isNull();
        assertThat(rows.wasNull()).isTrue();
        Object[] list = (Object[]) rows.getArray(7).getArray();
        assertThat(list).containsExactly(1, 2, 3);
        assertThat(rows.next()).isFalse();

        DatabaseMetaData catalog = connection.getMetaData();
        List<String> catalogs = new ArrayList<>();
        try (ResultSet found = catalog.getCatalogs()) {
          while (found.next()) catalogs.add(found.getString("TABLE_CAT"));
        }
        assertThat(catalogs).containsExactly(project);
        try (ResultSet tables = catalog.getTables(null, null, "%", null)) {
          List<String> names = new ArrayList<>();
          while (tables.next()) names.add(tables.getString("TABLE_NAME"));
          assertThat(names).containsExactly("sales");
        }
        try (ResultSet sales =
            statement.executeQuery("SELECT region, sum(amount) FROM sales GROUP BY 1 ORDER BY 1")) {
          assertThat(sales.next()).isTrue();
          assertThat(sales.getString(1)).isEqualTo("north");
          assertThat(sales.getDouble(2)).isEqualTo(3.5);
          assertThat(sales.next()).isTrue();
          assertThat(sales.getString(1)).isEqualTo("south");
          assertThat(sales.getDouble(2)).isEqualTo(4.0);
          assertThat(sales.next()).isFalse();
        }

        assertThatThrownBy(
                () -> statement.executeQuery("SELECT * FROM read_csv('/etc/passwd')").next())
            .isInstanceOf(SQLException.class)
            .hasMessageContaining("Permission Error")
            .hasMessageContaining("project's own datasets");
        assertThatThrownBy(() -> statement.executeQuery("COPY (SELECT 1) TO '/tmp/x.csv'"))
            .isInstanceOf(SQLException.class)
            .hasMessageContaining("COPY is not allowed");
      }

      // An access token names its project; a member's works, a stranger's is refused.
      try (Connection connection =
              DriverManager.getConnection(url(port, owner, "&project=" + project));
          ResultSet rows = connection.createStatement().executeQuery("SELECT 42")) {
        assertThat(rows.next()).isTrue();
        assertThat(rows.getLong(1)).isEqualTo(42);
      }
      // As everywhere in the API, a project a caller is no member of is not found.
      String stranger = api.signUp("stranger@example.org").path("accessToken").asText();
      assertThatThrownBy(
              () ->
                  DriverManager.getConnection(url(port, stranger, "&project=" + project))
                      .createStatement()
                      .executeQuery("SELECT 1"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("NOT_FOUND")
          .hasMessageContaining("There is no project " + project);
      assertThatThrownBy(
              () ->
                  DriverManager.getConnection(url(port, "ek_not_a_key", ""))
                      .createStatement()
                      .executeQuery("SELECT 1"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("UNAUTHENTICATED");
    }
  }

  @Test
  @SuppressWarnings(
      "try") // Flight's clients and streams declare close() throws InterruptedException
  void flightSqlClientStreamsALargeResultInManyBatches() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir);
        BufferAllocator allocator = new RootAllocator()) {
      ApiKeyIntegrationTest.Api api = new ApiKeyIntegrationTest.Api(node.httpPort());
      String owner = api.signUp("stream@example.org").path("accessToken").asText();
      String project = api.project(owner, "Stream");
      String key = api.key(owner, "loader", project, "read").path("secret").asText();
      CallHeaders headers = new FlightCallHeaders();
      headers.insert("authorization", "Bearer " + key);
      HeaderCallOption auth = new HeaderCallOption(headers);
      try (FlightClient client =
              FlightClient.builder(
                      allocator, Location.forGrpcInsecure("127.0.0.1", node.flightPort()))
                  .build();
          FlightSqlClient sql = new FlightSqlClient(client)) {
        FlightInfo info = sql.execute("SELECT range AS n FROM range(1000000)", auth);
        long rows = 0;
        long sum = 0;
        int batches = 0;
        try (FlightStream stream = sql.getStream(info.getEndpoints().get(0).getTicket(), auth)) {
          while (stream.next()) {
            BigIntVector n = (BigIntVector) stream.getRoot().getVector("n");
            for (int i = 0; i < n.getValueCount(); i++) sum += n.get(i);
            rows += stream.getRoot().getRowCount();
            batches++;
          }
        }
        assertThat(rows).isEqualTo(1_000_000);
        assertThat(sum).isEqualTo(999_999L * 1_000_000L / 2);
        assertThat(batches).isGreaterThan(1);
      }
    }
  }
}

package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.FlightCallHeaders;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.HeaderCallOption;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ReadChannel;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
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
      Reader reader = Reader.signUp(node, "flight@example.org", "Flight");
      String owner = reader.owner();
      String project = reader.project();
      String key = reader.key();
      int port = node.flightPort();
      reader.upload(node, "sales", "region,amount\nnorth,1.5\nsouth,4\nnorth,2\n");

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
      String stranger = Http.signUp(node.httpPort(), "stranger@example.org");
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
      String key = Reader.signUp(node, "stream@example.org", "Stream").key();
      HeaderCallOption auth = bearer(key);
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

  @Test
  @SuppressWarnings(
      "try") // Flight's clients and streams declare close() throws InterruptedException
  void preparedStatementsBindParametersAndTheCatalogDescribesEachTable() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir);
        BufferAllocator allocator = new RootAllocator()) {
      Reader reader = Reader.signUp(node, "bind@example.org", "Bind");
      String key = reader.key();
      reader.upload(
          node,
          "sales",
          "region,amount,day,units\nnorth,1.5,2026-01-02,3\nsouth,4,2026-02-01,1\n"
              + "north,2,2026-03-01,5\n");

      try (Connection connection = DriverManager.getConnection(url(node.flightPort(), key, ""));
          PreparedStatement sales =
              connection.prepareStatement(
                  "SELECT region, amount, day FROM sales"
                      + " WHERE day >= ? AND units >= ? AND region = ? ORDER BY day")) {
        ParameterMetaData parameters = sales.getParameterMetaData();
        assertThat(parameters.getParameterCount()).isEqualTo(3);
        assertThat(parameters.getParameterType(1)).isEqualTo(Types.DATE);
        assertThat(parameters.getParameterType(2)).isEqualTo(Types.BIGINT);
        assertThat(parameters.getParameterType(3)).isEqualTo(Types.VARCHAR);

        sales.setDate(1, java.sql.Date.valueOf("2026-01-01"));
        sales.setLong(2, 1);
        sales.setString(3, "north");
        try (ResultSet rows = sales.executeQuery()) {
          assertThat(rows.next()).isTrue();
          assertThat(rows.getString(1)).isEqualTo("north");
          assertThat(rows.getDouble(2)).isEqualTo(1.5);
          assertThat(rows.getDate(3).toLocalDate()).isEqualTo(LocalDate.of(2026, 1, 2));
          assertThat(rows.next()).isTrue();
          assertThat(rows.getDate(3).toLocalDate()).isEqualTo(LocalDate.of(2026, 3, 1));
          assertThat(rows.next()).isFalse();
        }
        // The same statement again with other values: each execution binds its own.
        sales.setDate(1, java.sql.Date.valueOf("2026-01-15"));
        sales.setLong(2, 1);
        sales.setString(3, "south");
        try (ResultSet rows = sales.executeQuery()) {
          assertThat(rows.next()).isTrue();
          assertThat(rows.getDouble(2)).isEqualTo(4.0);
          assertThat(rows.next()).isFalse();
        }
        // A value that looks like SQL is a value, never SQL.
        sales.setString(3, "north' OR '1'='1");
        try (ResultSet rows = sales.executeQuery()) {
          assertThat(rows.next()).isFalse();
        }

        try (PreparedStatement typed =
            connection.prepareStatement(
                "SELECT count(*) FROM sales WHERE units::INTEGER >= ?"
                    + " AND amount::DECIMAL(10,2) < ? AND day::TIMESTAMP < ?")) {
          typed.setInt(1, 2);
          typed.setBigDecimal(2, new BigDecimal("10.00"));
          typed.setTimestamp(3, java.sql.Timestamp.valueOf("2026-02-15 00:00:00"));
          try (ResultSet rows = typed.executeQuery()) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getLong(1)).isEqualTo(1);
          }
        }

        DatabaseMetaData catalog = connection.getMetaData();
        try (ResultSet columns = catalog.getColumns(null, null, "sales", "%")) {
          List<String> described = new ArrayList<>();
          while (columns.next()) {
            described.add(columns.getString("COLUMN_NAME") + ":" + columns.getInt("DATA_TYPE"));
          }
          assertThat(described)
              .containsExactly(
                  "region:" + Types.VARCHAR,
                  "amount:" + Types.DOUBLE,
                  "day:" + Types.DATE,
                  "units:" + Types.BIGINT);
        }
        assertThat(tableNames(catalog.getTables(null, null, "sal%", new String[] {"VIEW"})))
            .containsExactly("sales");
        assertThat(tableNames(catalog.getTables(null, null, "%", new String[] {"BASE TABLE"})))
            .isEmpty();
        assertThat(tableNames(catalog.getTables(null, null, "other%", null))).isEmpty();
        try (ResultSet types = catalog.getTableTypes()) {
          assertThat(types.next()).isTrue();
          assertThat(types.getString(1)).isEqualTo("VIEW");
          assertThat(types.next()).isFalse();
        }
      }

      HeaderCallOption auth = bearer(key);
      try (FlightClient client =
              FlightClient.builder(
                      allocator, Location.forGrpcInsecure("127.0.0.1", node.flightPort()))
                  .build();
          FlightSqlClient sql = new FlightSqlClient(client)) {
        // Closed with the credential: closing is a call too.
        FlightSqlClient.PreparedStatement below =
            sql.prepare("SELECT n FROM range(10) t(n) WHERE n < $1 ORDER BY n", auth);
        try {
          assertThat(below.getParameterSchema().getFields())
              .extracting(Field::getName, field -> field.getType().toString())
              .containsExactly(tuple("$1", "Int(64, true)"));
          try (VectorSchemaRoot values =
              VectorSchemaRoot.create(below.getParameterSchema(), allocator)) {
            ((BigIntVector) values.getVector(0)).setSafe(0, 3);
            values.setRowCount(1);
            below.setParameters(values);
            assertThat(longs(sql, below.execute(auth), auth)).containsExactly(0L, 1L, 2L);
          }

          // Too many values, a value of the wrong kind, and none at all: INVALID_ARGUMENT.
          Schema two =
              new Schema(
                  List.of(
                      Field.nullable("$1", new ArrowType.Int(64, true)),
                      Field.nullable("$2", new ArrowType.Int(64, true))));
          try (VectorSchemaRoot values = VectorSchemaRoot.create(two, allocator)) {
            ((BigIntVector) values.getVector(0)).setSafe(0, 3);
            ((BigIntVector) values.getVector(1)).setSafe(0, 4);
            values.setRowCount(1);
            below.setParameters(values);
            assertInvalidArgument(() -> below.execute(auth))
                .hasMessageContaining(
                    "The query takes 1 parameter and the parameter batch holds 2");
          }
          Schema date = new Schema(List.of(Field.nullable("$1", new ArrowType.Date(DateUnit.DAY))));
          try (VectorSchemaRoot values = VectorSchemaRoot.create(date, allocator)) {
            ((DateDayVector) values.getVector(0)).setSafe(0, 20_000);
            values.setRowCount(1);
            below.setParameters(values);
            assertInvalidArgument(() -> below.execute(auth))
                .hasMessageContaining(
                    "Parameter 1 is of Arrow type Date(DAY) but the query takes Int(64, true)");
          }
          FlightSqlClient.PreparedStatement unbound =
              sql.prepare("SELECT n FROM range(10) t(n) WHERE n < ?", auth);
          try {
            assertInvalidArgument(() -> unbound.execute(auth))
                .hasMessageContaining("takes 1 parameter(s) and none were bound");
          } finally {
            unbound.close(auth);
          }
          assertInvalidArgument(() -> sql.execute("SELECT ? + 1", auth))
              .hasMessageContaining("prepare it and bind them");

        } finally {
          below.close(auth);
        }

        // GetTables with include_schema: each table's Arrow schema as an IPC message.
        FlightInfo tables = sql.getTables(null, null, "sales", List.of("VIEW"), true, auth);
        try (FlightStream stream = sql.getStream(tables.getEndpoints().get(0).getTicket(), auth)) {
          assertThat(stream.next()).isTrue();
          VectorSchemaRoot root = stream.getRoot();
          assertThat(root.getRowCount()).isEqualTo(1);
          assertThat(root.getVector("table_name").getObject(0).toString()).isEqualTo("sales");
          byte[] serialized = ((VarBinaryVector) root.getVector("table_schema")).get(0);
          Schema schema =
              MessageSerializer.deserializeSchema(
                  new ReadChannel(Channels.newChannel(new ByteArrayInputStream(serialized))));
          assertThat(schema.getFields())
              .extracting(Field::getName, field -> field.getType().toString())
              .containsExactly(
                  tuple("region", "Utf8"),
                  tuple("amount", "FloatingPoint(DOUBLE)"),
                  tuple("day", "Date(DAY)"),
                  tuple("units", "Int(64, true)"));
          assertThat(stream.next()).isFalse();
        }
      }
    }
  }

  /**
   * A node with {@code EASEL_FLIGHT_TLS_CERT}/{@code _KEY} speaks only TLS, and with an advertised
   * host its endpoints name it, which Arrow's clients follow.
   */
  @Test
  @SuppressWarnings(
      "try") // Flight's clients and streams declare close() throws InterruptedException
  void tlsWithACertificateAndEndpointsThatNameTheAdvertisedAddress() throws Exception {
    Path certificate = dataDir.resolve("flight-cert.pem");
    Path key = dataDir.resolve("flight-key.pem");
    SelfSigned.write(dataDir.resolve("keystore.p12"), certificate, key);
    try (EaselNode node =
            TestNodes.start(
                dataDir.resolve("node"),
                Map.of(
                    "easel.flight.tls.certificate", certificate.toString(),
                    "easel.flight.tls.key", key.toString(),
                    "easel.flight.advertised-host", "localhost"));
        BufferAllocator allocator = new RootAllocator()) {
      String apiKey = Reader.signUp(node, "tls@example.org", "Tls").key();
      int port = node.flightPort();

      try (Connection connection =
              DriverManager.getConnection(
                  "jdbc:arrow-flight-sql://127.0.0.1:"
                      + port
                      + "/?useEncryption=true&disableCertificateVerification=true&token="
                      + apiKey);
          ResultSet rows = connection.createStatement().executeQuery("SELECT 'secret' AS s")) {
        assertThat(rows.next()).isTrue();
        assertThat(rows.getString(1)).isEqualTo("secret");
      }
      // Plain text to a TLS port is no Flight SQL at all.
      assertThatThrownBy(
              () ->
                  DriverManager.getConnection(url(port, apiKey, ""))
                      .createStatement()
                      .executeQuery("SELECT 1"))
          .isInstanceOf(SQLException.class);

      HeaderCallOption auth = bearer(apiKey);
      try (InputStream trusted = Files.newInputStream(certificate);
          FlightClient client =
              FlightClient.builder(allocator, Location.forGrpcTls("127.0.0.1", port))
                  .trustedCertificates(trusted)
                  .build();
          FlightSqlClient sql = new FlightSqlClient(client)) {
        FlightInfo info = sql.execute("SELECT range AS n FROM range(3)", auth);
        assertThat(info.getEndpoints()).hasSize(1);
        assertThat(info.getEndpoints().get(0).getLocations())
            .containsExactly(Location.forGrpcTls("localhost", port));
        // The advertised address serves the ticket, with the same certificate.
        try (InputStream again = Files.newInputStream(certificate);
            FlightClient there =
                FlightClient.builder(allocator, info.getEndpoints().get(0).getLocations().get(0))
                    .trustedCertificates(again)
                    .build();
            FlightSqlClient thereSql = new FlightSqlClient(there)) {
          assertThat(longs(thereSql, info, auth)).containsExactly(0L, 1L, 2L);
        }
      }
    }
  }

  /** An owner's access token, their new project, and an API key of it with scope {@code read}. */
  private record Reader(String owner, String project, String key) {
    static Reader signUp(EaselNode node, String email, String projectName) throws Exception {
      ApiKeyIntegrationTest.Api api = new ApiKeyIntegrationTest.Api(node.httpPort());
      String owner = api.signUp(email).path("accessToken").asText();
      String project = api.project(owner, projectName);
      String key = api.key(owner, "bi tool", project, "read").path("secret").asText();
      return new Reader(owner, project, key);
    }

    /** Uploads {@code csv} as dataset {@code name} of the project. */
    void upload(EaselNode node, String name, String csv) throws Exception {
      assertThat(Http.uploadCsv(node.httpPort(), owner, project, name, csv).statusCode())
          .isEqualTo(201);
    }
  }

  /** Asserts that {@code call} is refused INVALID_ARGUMENT, for its message to be checked. */
  private static AbstractThrowableAssert<?, ? extends Throwable> assertInvalidArgument(
      ThrowingCallable call) {
    return assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            FlightRuntimeException.class,
            e -> assertThat(e.status().code()).isEqualTo(FlightStatusCode.INVALID_ARGUMENT));
  }

  /** The credential of every Flight call: {@code Authorization: Bearer <key>}. */
  private static HeaderCallOption bearer(String key) {
    CallHeaders headers = new FlightCallHeaders();
    headers.insert("authorization", "Bearer " + key);
    return new HeaderCallOption(headers);
  }

  private static List<String> tableNames(ResultSet tables) throws SQLException {
    try (tables) {
      List<String> names = new ArrayList<>();
      while (tables.next()) names.add(tables.getString("TABLE_NAME"));
      return names;
    }
  }

  /** The first column, BIGINT, of every row of the result {@code info} names. */
  @SuppressWarnings("try")
  private static List<Long> longs(FlightSqlClient sql, FlightInfo info, HeaderCallOption auth)
      throws Exception {
    List<Long> values = new ArrayList<>();
    try (FlightStream stream = sql.getStream(info.getEndpoints().get(0).getTicket(), auth)) {
      while (stream.next()) {
        BigIntVector column = (BigIntVector) stream.getRoot().getVector(0);
        for (int i = 0; i < column.getValueCount(); i++) values.add(column.get(i));
      }
    }
    return values;
  }

  /** A self-signed certificate for 127.0.0.1 and localhost, made by the JDK's keytool. */
  private static final class SelfSigned {
    static void write(Path keystore, Path certificatePem, Path keyPem) throws Exception {
      String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
      Process process =
          new ProcessBuilder(
                  keytool,
                  "-genkeypair",
                  "-alias",
                  "flight",
                  "-keyalg",
                  "RSA",
                  "-keysize",
                  "2048",
                  "-validity",
                  "2",
                  "-dname",
                  "CN=localhost",
                  "-ext",
                  "SAN=dns:localhost,ip:127.0.0.1",
                  "-storetype",
                  "PKCS12",
                  "-keystore",
                  keystore.toString(),
                  "-storepass",
                  "changeit")
              .redirectErrorStream(true)
              .start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor()).as(output).isZero();
      KeyStore store = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(keystore)) {
        store.load(in, "changeit".toCharArray());
      }
      Base64.Encoder base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
      Files.writeString(
          certificatePem,
          "-----BEGIN CERTIFICATE-----\n"
              + base64.encodeToString(store.getCertificate("flight").getEncoded())
              + "\n-----END CERTIFICATE-----\n");
      Files.writeString(
          keyPem,
          "-----BEGIN PRIVATE KEY-----\n"
              + base64.encodeToString(store.getKey("flight", "changeit".toCharArray()).getEncoded())
              + "\n-----END PRIVATE KEY-----\n");
    }
  }
}

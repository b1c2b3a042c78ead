package dev.easel.node;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.easel.api.v1.Dataset;
import dev.easel.api.v1.DatasetServiceGrpc;
import dev.easel.api.v1.ListDatasetsRequest;
import dev.easel.api.v1.UploadDatasetRequest;
import dev.easel.api.v1.UploadDatasetResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Datasets through the public API of a real node: files uploaded over REST (the file as the body, a
 * form, a resumable upload that survives a dropped connection) and gRPC, read back as versions with
 * their schema and preview, listed, renamed and deleted over REST and GraphQL, and queried by name
 * with SQL; who may do what; uploads over the size limit and bad files refused, naming what is
 * wrong and where, with nothing recorded and no file left behind.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DatasetIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final long MAX_UPLOAD = 4L * 1024 * 1024;

  Path dataDir;
  EaselNode node;
  int port;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    dataDir = dir;
    node =
        TestNodes.start(
            dataDir,
            Map.of(
                "easel.datasets.max-upload-size",
                MAX_UPLOAD,
                // gRPC uploads stream past the API's request limit (UploadDataset test)
                "easel.http.max-request-size",
                "1MiB"));
    port = node.httpPort();
  }

  @AfterAll
  void stop() {
    if (node != null) node.close();
  }

  // ---- helpers ----------------------------------------------------------------------------------

  HttpResponse<String> put(String token, String path, String contentType, byte[] body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(60))
            .PUT(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) request.header("content-type", contentType);
    if (token != null) request.header("authorization", "Bearer " + token);
    return Http.CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> upload(String token, String project, String name, String csv)
      throws IOException, InterruptedException {
    return Http.uploadCsv(port, token, project, name, csv);
  }

  static JsonNode body(HttpResponse<String> response) throws IOException {
    return JSON.readTree(response.body());
  }

  /** Preview rows as text: numbers as written by any JSON printer (1 and 1.0 alike). */
  static List<List<String>> values(JsonNode rows) {
    List<List<String>> shown = new ArrayList<>();
    for (JsonNode row : rows) {
      List<String> values = new ArrayList<>();
      for (JsonNode value : row) {
        values.add(
            value.isNumber()
                ? value.decimalValue().stripTrailingZeros().toPlainString()
                : value.isNull() ? "null" : value.asText());
      }
      shown.add(values);
    }
    return shown;
  }

  static String reason(JsonNode error) {
    for (JsonNode detail : error.path("details")) {
      if (detail.path("@type").asText().endsWith("google.rpc.ErrorInfo")) {
        return detail.path("reason").asText();
      }
    }
    return null;
  }

  static JsonNode errorInfo(JsonNode error) {
    for (JsonNode detail : error.path("details")) {
      if (detail.path("@type").asText().endsWith("google.rpc.ErrorInfo")) return detail;
    }
    return JSON.missingNode();
  }

  List<String> listed(String token, String project) throws Exception {
    var list = Http.get(port, "/v1/projects/" + project + "/datasets", token);
    assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
    List<String> names = new ArrayList<>();
    for (JsonNode dataset : body(list).path("datasets")) {
      names.add(dataset.path("name").asText() + " v" + dataset.path("latestVersion").asText());
    }
    return names;
  }

  /** Every file under the project's dataset folder and the uploads folder, relative. */
  List<String> files(String project) throws IOException {
    List<String> files = new ArrayList<>();
    for (Path folder :
        List.of(dataDir.resolve("datasets").resolve(project), dataDir.resolve("uploads"))) {
      if (!Files.exists(folder)) continue;
      try (Stream<Path> walk = Files.walk(folder)) {
        walk.filter(Files::isRegularFile).forEach(f -> files.add(dataDir.relativize(f).toString()));
      }
    }
    return files.stream().sorted().toList();
  }

  static String rows(int count) {
    StringBuilder csv = new StringBuilder("id,name,score\n");
    for (int i = 1; i <= count; i++)
      csv.append(i).append(",n").append(i).append(',').append(i * 0.5).append('\n');
    return csv.toString();
  }

  // ---- the catalog ------------------------------------------------------------------------------

  @Test
  void anUploadBecomesAVersionWithItsPreviewAndTheCatalogKeepsEveryVersion() throws Exception {
    String ann = Http.signUp(port, "ann@datasets.example.org");
    String project = Http.createProject(port, ann, "Sales");

    var first = upload(ann, project, "sales", "id,name,score\n1,Ann,2.5\n2,Bo,\n");
    assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
    assertThat(first.headers().firstValue("location"))
        .hasValue("/v1/projects/" + project + "/datasets/sales");
    JsonNode one = body(first);
    String datasetId = one.at("/dataset/datasetId").asText();
    assertThat(datasetId).startsWith("d_");
    assertThat(one.at("/dataset/name").asText()).isEqualTo("sales");
    assertThat(one.at("/dataset/projectId").asText()).isEqualTo(project);
    assertThat(one.at("/version/version").asText()).isEqualTo("1");
    assertThat(one.at("/version/format").asText()).isEqualTo("csv");
    assertThat(one.at("/version/rowCount").asText()).isEqualTo("2");
    assertThat(one.at("/version/byteSize").asLong()).isPositive();
    assertThat(one.at("/version/uploadedAt").asText()).isNotBlank();
    assertThat(one.at("/version/columns").toString())
        .isEqualTo(
            "[{\"name\":\"id\",\"type\":\"BIGINT\"},{\"name\":\"name\",\"type\":\"VARCHAR\"},"
                + "{\"name\":\"score\",\"type\":\"DOUBLE\"}]");
    assertThat(values(one.at("/preview/rows")))
        .isEqualTo(List.of(List.of("1", "Ann", "2.5"), List.of("2", "Bo", "null")));
    assertThat(one.at("/preview/rowCount").asText()).isEqualTo("2");

    // The same name again: version 2 of the same dataset; version 1 stays readable.
    var second = upload(ann, project, "sales", rows(150));
    assertThat(second.statusCode()).as(second.body()).isEqualTo(201);
    JsonNode two = body(second);
    assertThat(two.at("/dataset/datasetId").asText()).isEqualTo(datasetId);
    assertThat(two.at("/version/version").asText()).isEqualTo("2");
    assertThat(two.at("/preview/rows").size()).isEqualTo(100);
    assertThat(two.at("/preview/rowCount").asText()).isEqualTo("150");

    String path = "/v1/projects/" + project + "/datasets/sales";
    JsonNode dataset = body(Http.get(port, path, ann));
    assertThat(dataset.path("latestVersion").asText()).isEqualTo("2");
    assertThat(dataset.path("versions").size()).isEqualTo(2);
    assertThat(dataset.at("/versions/0/rowCount").asText()).isEqualTo("2");
    assertThat(dataset.at("/versions/1/rowCount").asText()).isEqualTo("150");
    JsonNode old = body(Http.get(port, path + "/preview?version=1", ann));
    assertThat(old.path("version").asText()).isEqualTo("1");
    assertThat(values(old.path("rows")))
        .isEqualTo(List.of(List.of("1", "Ann", "2.5"), List.of("2", "Bo", "null")));
    JsonNode latest = body(Http.get(port, path + "/preview", ann));
    assertThat(latest.path("version").asText()).isEqualTo("2");
    assertThat(latest.path("rowCount").asText()).isEqualTo("150");
    var noSuchVersion = Http.get(port, path + "/preview?version=3", ann);
    assertThat(noSuchVersion.statusCode()).isEqualTo(404);
    assertThat(reason(body(noSuchVersion))).isEqualTo("DATASET_VERSION_NOT_FOUND");

    assertThat(upload(ann, project, "costs", "x\n1\n").statusCode()).isEqualTo(201);
    assertThat(listed(ann, project)).containsExactly("sales v2", "costs v1");
    var paged = Http.get(port, "/v1/projects/" + project + "/datasets?pageSize=1", ann);
    assertThat(body(paged).path("datasets").size()).isEqualTo(1);
    String next = body(paged).path("nextPageToken").asText();
    assertThat(next).isNotEmpty();
    assertThat(
            body(Http.get(port, "/v1/projects/" + project + "/datasets?pageToken=" + next, ann))
                .at("/datasets/0/name")
                .asText())
        .isEqualTo("costs");

    // Renamed: the same dataset and versions under the new name; the name must be free.
    var taken = Http.post(port, path + ":rename", "{\"newName\":\"costs\"}", ann);
    assertThat(taken.statusCode()).as(taken.body()).isEqualTo(409);
    var renamed = Http.post(port, path + ":rename", "{\"newName\":\"revenue\"}", ann);
    assertThat(renamed.statusCode()).as(renamed.body()).isEqualTo(200);
    assertThat(body(renamed).path("datasetId").asText()).isEqualTo(datasetId);
    assertThat(Http.get(port, path, ann).statusCode()).isEqualTo(404);
    String revenue = "/v1/projects/" + project + "/datasets/revenue";
    assertThat(body(Http.get(port, revenue + "/preview?version=1", ann)).path("rowCount").asText())
        .isEqualTo("2");

    // Deleted: gone from the catalog, and its files with it.
    assertThat(files(project))
        .contains("datasets/" + project + "/" + datasetId + "/1.parquet")
        .contains("datasets/" + project + "/" + datasetId + "/2.parquet");
    var deleted = Http.send(port, "DELETE", revenue, "", ann);
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
    assertThat(listed(ann, project)).containsExactly("costs v1");
    assertThat(Http.get(port, revenue, ann).statusCode()).isEqualTo(404);
    assertThat(files(project)).noneMatch(f -> f.contains(datasetId));
  }

  @Test
  void viewersReadButDoNotUploadAndStrangersFindNothing() throws Exception {
    String owner = Http.signUp(port, "owner@roles.example.org");
    String viewer = Http.signUp(port, "viewer@roles.example.org");
    String stranger = Http.signUp(port, "stranger@roles.example.org");
    String project = Http.createProject(port, owner, "Roles");
    assertThat(
            Http.post(
                    port,
                    "/v1/projects/" + project + "/members",
                    "{\"email\":\"viewer@roles.example.org\",\"role\":\"viewer\"}",
                    owner)
                .statusCode())
        .isEqualTo(200);
    assertThat(upload(owner, project, "shared", "a\n1\n").statusCode()).isEqualTo(201);
    List<String> before = files(project);

    var refused = upload(viewer, project, "shared", "a\n2\n3\n");
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
    assertThat(body(refused).path("message").asText()).contains("viewer");
    var hidden = upload(stranger, project, "shared", "a\n2\n");
    assertThat(hidden.statusCode()).isEqualTo(404);
    assertThat(reason(body(hidden))).isEqualTo("PROJECT_NOT_FOUND");
    var anonymous = upload(null, project, "shared", "a\n2\n");
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(
            Http.send(port, "DELETE", "/v1/projects/" + project + "/datasets/shared", "", viewer)
                .statusCode())
        .isEqualTo(403);

    assertThat(listed(viewer, project)).containsExactly("shared v1");
    assertThat(
            Http.get(port, "/v1/projects/" + project + "/datasets/shared/preview", viewer)
                .statusCode())
        .isEqualTo(200);
    assertThat(Http.get(port, "/v1/projects/" + project + "/datasets", stranger).statusCode())
        .isEqualTo(404);
    assertThat(files(project)).isEqualTo(before);

    var badName = upload(owner, project, "Not-A-Table", "a\n1\n");
    assertThat(badName.statusCode()).isEqualTo(400);
    assertThat(body(badName).path("message").asText()).contains("1 to 63 lowercase letters");
  }

  @Test
  void anUploadOverTheLimitIsRefusedWith413AndLeavesNothing() throws Exception {
    String ann = Http.signUp(port, "ann@limits.example.org");
    String project = Http.createProject(port, ann, "Limits");
    byte[] big = new byte[(int) MAX_UPLOAD + 1];
    java.util.Arrays.fill(big, (byte) 'a');
    big[1] = '\n';
    var refused = put(ann, "/v1/projects/" + project + "/datasets/big", "text/csv", big);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(413);
    JsonNode error = body(refused);
    assertThat(reason(error)).isEqualTo("UPLOAD_TOO_LARGE");
    assertThat(errorInfo(error).at("/metadata/limit").asText())
        .isEqualTo(Long.toString(MAX_UPLOAD));
    assertThat(error.path("message").asText()).contains("easel.datasets.max-upload-size");
    assertThat(listed(ann, project)).isEmpty();
    assertThat(files(project)).isEmpty();
  }

  @Test
  void badFilesAreRefusedNamingWhatAndWhereAndLeaveNothingHalfImported() throws Exception {
    String ann = Http.signUp(port, "ann@bad.example.org");
    String project = Http.createProject(port, ann, "Bad files");
    assertThat(upload(ann, project, "data", "a,b\n1,2\n").statusCode()).isEqualTo(201);
    List<String> before = files(project);
    assertThat(before).hasSize(1);

    byte[] binary = new byte[2048];
    for (int i = 0; i < binary.length; i++) binary[i] = (byte) (i * 7);
    record Bad(String what, String contentType, byte[] content, String reason, String message) {}
    List<Bad> bad =
        List.of(
            new Bad("empty", "text/csv", new byte[0], "EMPTY_FILE", "the file is empty"),
            new Bad(
                "binary named .csv",
                "text/csv",
                binary,
                "NOT_TEXT",
                "the file is not text (it holds binary bytes) nor Parquet; Easel reads CSV, TSV,"
                    + " JSON, NDJSON and Parquet"),
            new Bad(
                "Latin-1",
                null,
                "city,n\nParis,1\nK\u00f6ln,2\n".getBytes(StandardCharsets.ISO_8859_1),
                "WRONG_ENCODING",
                "line 3, column 2 is not UTF-8 (byte 17 of the file); save the file as UTF-8 and"
                    + " upload it again"),
            new Bad(
                "inconsistent columns",
                "text/csv",
                "a,b,c\n1,2,3\n4,5\n6,7,8\n".getBytes(StandardCharsets.UTF_8),
                "INCONSISTENT_COLUMNS",
                "line 3 has 2 columns but the header has 3 (is the file cut off there?)"),
            new Bad(
                "truncated JSON",
                "application/json",
                "[{\"a\": 1},\n {\"a\": 2".getBytes(StandardCharsets.UTF_8),
                "TRUNCATED",
                null),
            new Bad(
                "CSV declared as Parquet",
                "application/vnd.apache.parquet",
                "a\n1\n".getBytes(StandardCharsets.UTF_8),
                "FORMAT_MISMATCH",
                "the file was declared as Parquet but does not start with Parquet's magic bytes"
                    + " PAR1"));
    for (Bad file : bad) {
      var refused =
          put(
              ann,
              "/v1/projects/" + project + "/datasets/data",
              file.contentType(),
              file.content());
      assertThat(refused.statusCode()).as(file.what() + ": " + refused.body()).isEqualTo(400);
      JsonNode error = body(refused);
      assertThat(reason(error)).as(file.what()).isEqualTo(file.reason());
      if (file.message() != null) {
        assertThat(error.path("message").asText()).as(file.what()).isEqualTo(file.message());
      }
      assertThat(listed(ann, project)).as(file.what()).containsExactly("data v1");
      assertThat(files(project)).as(file.what()).isEqualTo(before);
    }
    var truncated =
        put(
            ann,
            "/v1/projects/" + project + "/datasets/data",
            "application/json",
            "[{\"a\": 1},\n {\"a\": 2".getBytes(StandardCharsets.UTF_8));
    JsonNode where = errorInfo(body(truncated)).path("metadata");
    assertThat(where.path("line").asText()).isEqualTo("2");
    assertThat(where.path("column").asText()).isNotEmpty();
    assertThat(body(truncated).path("message").asText())
        .startsWith("the file ends in the middle of a JSON value at line 2");
  }

  @Test
  void sqlReadsTheLatestVersionOfEachDatasetUnderItsName() throws Exception {
    String ann = Http.signUp(port, "ann@sql.example.org");
    String project = Http.createProject(port, ann, "SQL");
    String query = "/v1/projects/" + project + "/queries:execute";
    String count = "{\"sql\":\"SELECT count(*) AS n, max(score) AS top FROM sales\"}";
    assertThat(upload(ann, project, "sales", rows(3)).statusCode()).isEqualTo(201);
    var first = Http.post(port, query, count, ann);
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    assertThat(values(body(first).path("rows"))).containsExactly(List.of("3", "1.5"));

    assertThat(upload(ann, project, "sales", rows(7)).statusCode()).isEqualTo(201);
    assertThat(values(body(Http.post(port, query, count, ann)).path("rows")))
        .containsExactly(List.of("7", "3.5"));

    String path = "/v1/projects/" + project + "/datasets/sales";
    assertThat(Http.post(port, path + ":rename", "{\"newName\":\"orders\"}", ann).statusCode())
        .isEqualTo(200);
    var renamed = Http.post(port, query, count, ann);
    assertThat(renamed.statusCode()).isEqualTo(400);
    assertThat(renamed.body()).contains("sales does not exist");
    assertThat(
            values(
                body(Http.post(port, query, "{\"sql\":\"SELECT count(*) FROM orders\"}", ann))
                    .path("rows")))
        .containsExactly(List.of("7"));
  }

  @Test
  void graphqlListsReadsRenamesAndDeletesDatasets() throws Exception {
    String ann = Http.signUp(port, "ann@graphql.example.org");
    String project = Http.createProject(port, ann, "GraphQL");
    assertThat(upload(ann, project, "sales", "id,region\n1,north\n2,south\n").statusCode())
        .isEqualTo(201);
    Map<String, Object> vars = Map.of("p", project);
    JsonNode listed =
        GraphqlIntegrationTest.ok(
                GraphqlIntegrationTest.graphql(
                    port,
                    ann,
                    "query($p: ID!) { project(projectId: $p) { datasets { datasets { name"
                        + " latestVersion versions { rowCount columns { name type } } } } } }",
                    vars))
            .data();
    JsonNode sales = listed.at("/project/datasets/datasets/0");
    assertThat(sales.path("name").asText()).isEqualTo("sales");
    assertThat(sales.path("latestVersion").asText()).isEqualTo("1");
    assertThat(sales.at("/versions/0/rowCount").asText()).isEqualTo("2");
    assertThat(sales.at("/versions/0/columns/1/type").asText()).isEqualTo("VARCHAR");
    JsonNode preview =
        GraphqlIntegrationTest.ok(
                GraphqlIntegrationTest.graphql(
                    port,
                    ann,
                    "query($p: ID!) { datasetPreview(projectId: $p, name: \"sales\") { rowCount"
                        + " rows } }",
                    vars))
            .data()
            .path("datasetPreview");
    assertThat(preview.path("rowCount").asText()).isEqualTo("2");
    assertThat(values(preview.path("rows")))
        .containsExactly(List.of("1", "north"), List.of("2", "south"));
    JsonNode renamed =
        GraphqlIntegrationTest.ok(
                GraphqlIntegrationTest.graphql(
                    port,
                    ann,
                    "mutation($p: ID!) { renameDataset(projectId: $p, name: \"sales\", newName:"
                        + " \"regions\") { name datasetId } }",
                    vars))
            .data();
    assertThat(renamed.at("/renameDataset/name").asText()).isEqualTo("regions");
    assertThat(
            GraphqlIntegrationTest.ok(
                    GraphqlIntegrationTest.graphql(
                        port,
                        ann,
                        "mutation($p: ID!) { deleteDataset(projectId: $p, name: \"regions\") }",
                        vars))
                .data()
                .path("deleteDataset")
                .asBoolean())
        .isTrue();
    assertThat(listed(ann, project)).isEmpty();
  }

  // ---- resumable, multipart and gRPC uploads ----------------------------------------------------

  HttpResponse<String> chunk(String token, String url, String range, byte[] body)
      throws IOException, InterruptedException {
    return Http.CLIENT.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + url))
            .timeout(Duration.ofSeconds(60))
            .header("authorization", "Bearer " + token)
            .header("content-range", range)
            .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Sends the headers of a chunk of {@code length} bytes, then only {@code sent}, and hangs up. */
  void dropAfter(String token, String url, String range, long length, byte[] sent)
      throws IOException {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      var out = socket.getOutputStream();
      out.write(
          ("PUT "
                  + url
                  + " HTTP/1.1\r\nHost: 127.0.0.1:"
                  + port
                  + "\r\nAuthorization: Bearer "
                  + token
                  + "\r\nContent-Range: "
                  + range
                  + "\r\nContent-Length: "
                  + length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(sent);
      out.flush();
    }
  }

  /** The number of bytes a 308's {@code Range: bytes=0-n} says were received (0 without one). */
  static long received(HttpResponse<String> progress) {
    assertThat(progress.statusCode()).as(progress.body()).isEqualTo(308);
    return progress
        .headers()
        .firstValue("range")
        .map(range -> Long.parseLong(range.substring("bytes=0-".length())) + 1)
        .orElse(0L);
  }

  @Test
  void aResumableUploadGoesOnWhereADroppedConnectionLeftIt() throws Exception {
    String ann = Http.signUp(port, "ann@resumable.example.org");
    String bob = Http.signUp(port, "bob@resumable.example.org");
    String project = Http.createProject(port, ann, "Resumable");
    byte[] file = rows(20_000).getBytes(StandardCharsets.UTF_8);
    int total = file.length;

    var started =
        Http.CLIENT.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + port
                            + "/v1/projects/"
                            + project
                            + "/datasets/events/uploads"))
                .header("authorization", "Bearer " + ann)
                .header("x-upload-content-type", "text/csv")
                .header("x-upload-content-length", Integer.toString(total))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(started.statusCode()).as(started.body()).isEqualTo(201);
    String url = body(started).path("uploadUrl").asText();
    assertThat(started.headers().firstValue("location")).hasValue(url);
    assertThat(url).startsWith("/v1/uploads/");

    // The first half arrives whole.
    int half = total / 2;
    long afterFirst =
        received(
            chunk(
                ann,
                url,
                "bytes 0-" + (half - 1) + "/" + total,
                Arrays.copyOfRange(file, 0, half)));
    assertThat(afterFirst).isEqualTo(half);

    // The second chunk's connection drops a third of the way through.
    int third = (total - half) / 3;
    dropAfter(
        ann,
        url,
        "bytes " + half + "-" + (total - 1) + "/" + total,
        total - half,
        Arrays.copyOfRange(file, half, half + third));

    // Asked how far it got, the server says what it kept of the dropped chunk.
    long kept = received(chunk(ann, url, "bytes */" + total, new byte[0]));
    assertThat(kept).isBetween((long) half, (long) half + third);
    assertThat(listed(ann, project)).isEmpty();

    // A chunk from elsewhere is refused with the offset to resume from; nobody else has the upload.
    var wrong = chunk(ann, url, "bytes 0-9/" + total, Arrays.copyOfRange(file, 0, 10));
    assertThat(wrong.statusCode()).as(wrong.body()).isEqualTo(409);
    assertThat(reason(body(wrong))).isEqualTo("UPLOAD_OFFSET_MISMATCH");
    long now = Long.parseLong(wrong.headers().firstValue("range").orElseThrow().substring(8)) + 1;
    assertThat(now).isBetween(kept, (long) half + third);
    assertThat(chunk(bob, url, "bytes */" + total, new byte[0]).statusCode()).isEqualTo(404);

    // The rest, from where it stopped, completes the upload: the file as it was, whole. (Had the
    // dropped request still been writing when the client asked, the server says so with a 409 and
    // the offset it has now, as for any client that resumes too early.)
    HttpResponse<String> done = null;
    for (int attempt = 0; attempt < 3 && (done == null || done.statusCode() == 409); attempt++) {
      if (done != null) kept = received(chunk(ann, url, "bytes */" + total, new byte[0]));
      done =
          chunk(
              ann,
              url,
              "bytes " + kept + "-" + (total - 1) + "/" + total,
              Arrays.copyOfRange(file, (int) kept, total));
    }
    assertThat(done.statusCode()).as(done.body()).isEqualTo(201);
    JsonNode version = body(done);
    assertThat(version.at("/version/rowCount").asText()).isEqualTo("20000");
    assertThat(version.at("/version/format").asText()).isEqualTo("csv");
    assertThat(values(version.at("/preview/rows")).get(99)).containsExactly("100", "n100", "50");
    assertThat(listed(ann, project)).containsExactly("events v1");
    // The session is over, and its bytes went into the version.
    assertThat(chunk(ann, url, "bytes */" + total, new byte[0]).statusCode()).isEqualTo(404);
    assertThat(files(project)).hasSize(1);

    // An upload can be abandoned.
    var another = Http.post(port, "/v1/projects/" + project + "/datasets/events/uploads", "", ann);
    String second = body(another).path("uploadUrl").asText();
    assertThat(received(chunk(ann, second, "bytes 0-1/*", "a\n".getBytes(StandardCharsets.UTF_8))))
        .isEqualTo(2);
    assertThat(Http.send(port, "DELETE", second, "", ann).statusCode()).isEqualTo(204);
    assertThat(chunk(ann, second, "bytes */*", new byte[0]).statusCode()).isEqualTo(404);
    assertThat(files(project)).hasSize(1);
    assertThat(listed(ann, project)).containsExactly("events v1");
  }

  @Test
  void aFormUploadTakesItsFilePart() throws Exception {
    String ann = Http.signUp(port, "ann@forms.example.org");
    String project = Http.createProject(port, ann, "Forms");
    String boundary = "----easel-form-boundary";
    String form =
        "--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"events.jsonl\""
            + "\r\nContent-Type: application/octet-stream\r\n\r\n"
            + "{\"kind\": \"click\", \"n\": 1}\n{\"kind\": \"view\", \"n\": 2}\n"
            + "\r\n--"
            + boundary
            + "--\r\n";
    var uploaded = post(ann, "/v1/projects/" + project + "/datasets/events", boundary, form);
    assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(201);
    assertThat(body(uploaded).at("/version/format").asText()).isEqualTo("ndjson");
    assertThat(values(body(uploaded).at("/preview/rows")))
        .isEqualTo(List.of(List.of("click", "1"), List.of("view", "2")));

    String other =
        "--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"comment\"\r\n\r\nhello\r\n--"
            + boundary
            + "--\r\n";
    var refused = post(ann, "/v1/projects/" + project + "/datasets/events", boundary, other);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
    assertThat(body(refused).path("message").asText()).contains("'file'");
    assertThat(listed(ann, project)).containsExactly("events v1");
    assertThat(files(project)).hasSize(1);
  }

  HttpResponse<String> post(String token, String path, String boundary, String form)
      throws IOException, InterruptedException {
    return Http.CLIENT.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(60))
            .header("authorization", "Bearer " + token)
            .header("content-type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void grpcStreamsAnUploadLargerThanTheApisRequestLimit() throws Exception {
    String ann = Http.signUp(port, "ann@grpc.example.org");
    String project = Http.createProject(port, ann, "gRPC");
    var client =
        com.linecorp.armeria.client.grpc.GrpcClients.builder("http://127.0.0.1:" + port)
            .addHeader("authorization", "Bearer " + ann)
            .responseTimeoutMillis(60_000);
    var stub = client.build(DatasetServiceGrpc.DatasetServiceStub.class);
    byte[] file = rows(150_000).getBytes(StandardCharsets.UTF_8);
    assertThat(file.length).isGreaterThan(2 * 1024 * 1024); // twice easel.http.max-request-size

    UploadDatasetResponse answer = grpcUpload(stub, project, "big", "csv", file).get(60, SECONDS);
    assertThat(answer.getVersion().getVersion()).isEqualTo(1);
    assertThat(answer.getVersion().getRowCount()).isEqualTo(150_000);
    assertThat(answer.getPreview().getRowsCount()).isEqualTo(100);
    assertThat(answer.getDataset().getName()).isEqualTo("big");

    var listed =
        client
            .build(DatasetServiceGrpc.DatasetServiceBlockingStub.class)
            .listDatasets(ListDatasetsRequest.newBuilder().setProjectId(project).build());
    assertThat(listed.getDatasetsList()).extracting(Dataset::getName).containsExactly("big");

    // A bad file over gRPC: INVALID_ARGUMENT with the reason and the line; nothing recorded.
    var failure =
        org.junit.jupiter.api.Assertions.assertThrows(
            java.util.concurrent.ExecutionException.class,
            () ->
                grpcUpload(
                        stub, project, "big", "", "a,b\n1,2\n3\n".getBytes(StandardCharsets.UTF_8))
                    .get(60, SECONDS));
    var status = (io.grpc.StatusRuntimeException) failure.getCause();
    assertThat(status.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT);
    com.google.rpc.ErrorInfo info = null;
    for (var detail : io.grpc.protobuf.StatusProto.fromThrowable(status).getDetailsList()) {
      if (detail.is(com.google.rpc.ErrorInfo.class)) {
        info = detail.unpack(com.google.rpc.ErrorInfo.class);
      }
    }
    assertThat(info).isNotNull();
    assertThat(info.getReason()).isEqualTo("INCONSISTENT_COLUMNS");
    assertThat(info.getMetadataMap()).containsEntry("line", "3");
    assertThat(listed(ann, project)).containsExactly("big v1");
    assertThat(files(project)).hasSize(1);
  }

  /** Streams {@code file} in chunks of 64 KiB, the first message naming project and dataset. */
  static java.util.concurrent.CompletableFuture<UploadDatasetResponse> grpcUpload(
      DatasetServiceGrpc.DatasetServiceStub stub,
      String project,
      String name,
      String format,
      byte[] file) {
    var answer = new java.util.concurrent.CompletableFuture<UploadDatasetResponse>();
    var requests =
        stub.uploadDataset(
            new io.grpc.stub.StreamObserver<>() {
              @Override
              public void onNext(UploadDatasetResponse value) {
                answer.complete(value);
              }

              @Override
              public void onError(Throwable t) {
                answer.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {
                if (!answer.isDone()) answer.completeExceptionally(new AssertionError("no answer"));
              }
            });
    int chunk = 64 * 1024;
    for (int at = 0; at < file.length || at == 0; at += chunk) {
      UploadDatasetRequest.Builder message =
          UploadDatasetRequest.newBuilder()
              .setChunk(ByteString.copyFrom(file, at, Math.min(chunk, file.length - at)));
      if (at == 0) message.setProjectId(project).setName(name).setFormat(format);
      requests.onNext(message.build());
      if (file.length == 0) break;
    }
    requests.onCompleted();
    return answer;
  }
}

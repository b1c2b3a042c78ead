package dev.easel.loadtests.unary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.easel.api.v1.Canvas;
import dev.easel.api.v1.CanvasServiceGrpc;
import dev.easel.api.v1.GetCanvasRequest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Unary GetCanvas through gRPC and through REST on a running Easel node, next to the floor ({@link
 * FloorServer}, a separate JVM answering the same bytes with no work behind them), at several
 * concurrencies, closed loop ({@link ClosedLoop}). Prints a table and writes the results as JSON;
 * exits 1 when a call failed or was answered wrongly. Goal (issue 4): Easel's gRPC path at least
 * half the floor's throughput, with a p50 at most twice the floor's.
 *
 * <pre>java -jar easel-unary-bench.jar --url http://127.0.0.1:PORT --easel-pid PID
 *   [--concurrency 1,16,64] [--jit-warmup 20] [--warmup 5] [--seconds 15] [--rounds 1]
 *   [--faces grpc,rest]
 *   [--out results.json] [--work DIR] [--floor-java-opts "..."]</pre>
 *
 * First every face of Easel and of the floor runs unmeasured at concurrency 16 for {@code
 * --jit-warmup} seconds (both JVMs start cold). Then steps run round by round, concurrency by
 * concurrency, and within one concurrency Easel's face right before the floor's, so the two a ratio
 * compares were measured seconds apart.
 */
public final class UnaryBench {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Pattern FLOOR_PORTS = Pattern.compile("floor grpc=(\\d+) rest=(\\d+)");

  /** Throughput at least this share of the floor's. */
  static final double GOAL_THROUGHPUT_RATIO = 0.5;

  /** p50 at most this multiple of the floor's. */
  static final double GOAL_P50_RATIO = 2.0;

  private UnaryBench() {}

  /** One measured step. */
  record Step(
      int round,
      int concurrency,
      String face,
      String server,
      ClosedLoop.Result result,
      String loadBefore,
      String loadAfter) {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = options(args);
    URI base = URI.create(required(options, "url"));
    long easelPid = Long.parseLong(required(options, "easel-pid"));
    List<Integer> concurrencies =
        Arrays.stream(options.getOrDefault("concurrency", "1,16,64").split(","))
            .map(String::strip)
            .map(Integer::parseInt)
            .toList();
    Duration warmup = Duration.ofSeconds(Long.parseLong(options.getOrDefault("warmup", "5")));
    Duration measured = Duration.ofSeconds(Long.parseLong(options.getOrDefault("seconds", "15")));
    int rounds = Integer.parseInt(options.getOrDefault("rounds", "1"));
    Duration jitWarmup =
        Duration.ofSeconds(Long.parseLong(options.getOrDefault("jit-warmup", "20")));
    List<String> protocols = List.of(options.getOrDefault("faces", "grpc,rest").split(","));
    Path work = Path.of(options.getOrDefault("work", "target"));
    Path out = Path.of(options.getOrDefault("out", work.resolve("unary.json").toString()));
    Files.createDirectories(work);

    EaselFixture fixture = new EaselFixture(base);
    fixture.create();
    log("canvas " + fixture.canvasId() + " at version " + fixture.canvasVersion());

    ManagedChannel easelChannel = channel(base.getPort());
    Canvas expected = fetchGrpc(easelChannel, fixture);
    byte[] expectedJson = fetchRest(base, fixture);
    check(expected, expectedJson, fixture);
    Path canvasPb = work.resolve("unary-canvas.pb");
    Path canvasJson = work.resolve("unary-canvas.json");
    Files.write(canvasPb, expected.toByteArray());
    Files.write(canvasJson, expectedJson);
    log(
        "GetCanvas answers "
            + expected.getSerializedSize()
            + " bytes of protobuf, "
            + expectedJson.length
            + " bytes of JSON");

    Process floor =
        startFloor(options.getOrDefault("floor-java-opts", ""), canvasPb, canvasJson, work);
    List<Step> steps = new ArrayList<>();
    OutputStream floorInput = floor.getOutputStream(); // closing it stops the floor
    try (floorInput) {
      int[] floorPorts = floorPorts(floor);
      URI floorBase = URI.create("http://127.0.0.1:" + floorPorts[1]);
      ManagedChannel floorChannel = channel(floorPorts[0]);
      try {
        // Both JVMs start cold: every face of each runs once, unmeasured, before anything counts.
        for (String protocol : protocols) {
          for (String server : List.of("easel", "floor")) {
            boolean easel = server.equals("easel");
            String token = fixture.accessToken(jitWarmup.plusSeconds(60));
            log("JIT warm-up: " + server + " " + protocol + " for " + jitWarmup.toSeconds() + " s");
            try (HttpClient client = Faces.restClient()) {
              ClosedLoop.Target target =
                  protocol.equals("grpc")
                      ? Faces.grpc(
                          easel ? easelChannel : floorChannel, token, fixture.canvasId(), expected)
                      : Faces.rest(
                          client,
                          easel ? base : floorBase,
                          token,
                          fixture.canvasId(),
                          expectedJson);
              ClosedLoop.run(
                  target, 16, jitWarmup, Duration.ofSeconds(1), easel ? easelPid : floor.pid());
            }
          }
        }
        for (int round = 1; round <= rounds; round++) {
          for (int concurrency : concurrencies) {
            for (String protocol : protocols) {
              for (String server : List.of("easel", "floor")) {
                String token = fixture.accessToken(warmup.plus(measured).plusSeconds(60));
                boolean easel = server.equals("easel");
                long pid = easel ? easelPid : floor.pid();
                String loadBefore = loadAverage();
                ClosedLoop.Result result;
                if (protocol.equals("grpc")) {
                  ClosedLoop.Target target =
                      Faces.grpc(
                          easel ? easelChannel : floorChannel, token, fixture.canvasId(), expected);
                  result = ClosedLoop.run(target, concurrency, warmup, measured, pid);
                } else if (protocol.equals("rest")) {
                  try (HttpClient client = Faces.restClient()) {
                    ClosedLoop.Target target =
                        Faces.rest(
                            client,
                            easel ? base : floorBase,
                            token,
                            fixture.canvasId(),
                            expectedJson);
                    result = ClosedLoop.run(target, concurrency, warmup, measured, pid);
                  }
                } else {
                  throw new IllegalArgumentException("--faces: grpc and/or rest, not " + protocol);
                }
                Step step =
                    new Step(
                        round, concurrency, protocol, server, result, loadBefore, loadAverage());
                steps.add(step);
                log(row(step, null));
              }
            }
          }
        }
      } finally {
        floorChannel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        easelChannel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
    } finally {
      if (!floor.waitFor(20, TimeUnit.SECONDS)) floor.destroy();
    }
    JSON.writeValue(out.toFile(), report(steps, expected, expectedJson, options));
    System.out.println(table(steps));
    log("results: " + out);
  }

  private static ManagedChannel channel(int port) {
    return Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
        .directExecutor()
        .build();
  }

  private static Canvas fetchGrpc(ManagedChannel channel, EaselFixture fixture)
      throws IOException, InterruptedException {
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + fixture.accessToken(Duration.ofMinutes(1)));
    return CanvasServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .getCanvas(GetCanvasRequest.newBuilder().setCanvasId(fixture.canvasId()).build());
  }

  private static byte[] fetchRest(URI base, EaselFixture fixture)
      throws IOException, InterruptedException {
    try (HttpClient client = Faces.restClient()) {
      HttpResponse<byte[]> response =
          client.send(
              HttpRequest.newBuilder(base.resolve("/v1/canvases/" + fixture.canvasId()))
                  .header("authorization", "Bearer " + fixture.accessToken(Duration.ofMinutes(1)))
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      if (response.statusCode() != 200) {
        throw new IOException("GET /v1/canvases/{id} answered HTTP " + response.statusCode());
      }
      return response.body();
    }
  }

  /** The gRPC and REST answers are the canvas that was made, and the same. */
  private static void check(Canvas canvas, byte[] json, EaselFixture fixture) throws IOException {
    JsonNode rest = JSON.readTree(json);
    int cells = canvas.getDocument().getFieldsOrThrow("cells").getStructValue().getFieldsCount();
    if (!canvas.getCanvasId().equals(fixture.canvasId())
        || canvas.getVersion() != fixture.canvasVersion()
        || cells != 6
        || !rest.path("canvasId").asText().equals(fixture.canvasId())
        || rest.path("version").asLong() != fixture.canvasVersion()
        || rest.path("document").path("cells").size() != 6) {
      throw new IllegalStateException(
          "GetCanvas did not answer the canvas just made (version "
              + canvas.getVersion()
              + ", "
              + cells
              + " cells)");
    }
  }

  private static Process startFloor(String javaOptions, Path canvasPb, Path canvasJson, Path work)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String option : javaOptions.strip().split("\\s+")) {
      if (!option.isEmpty()) command.add(option);
    }
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            FloorServer.class.getName(),
            canvasPb.toString(),
            canvasJson.toString()));
    return new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.appendTo(work.resolve("unary-floor.log").toFile()))
        .start();
  }

  private static int[] floorPorts(Process floor) throws IOException {
    BufferedReader lines =
        new BufferedReader(new InputStreamReader(floor.getInputStream(), StandardCharsets.UTF_8));
    String line = lines.readLine();
    Matcher ports = line == null ? null : FLOOR_PORTS.matcher(line);
    if (ports == null || !ports.matches()) {
      throw new IllegalStateException("the floor server did not start (see unary-floor.log)");
    }
    log("floor pid " + floor.pid() + ": gRPC on " + ports.group(1) + ", REST on " + ports.group(2));
    return new int[] {Integer.parseInt(ports.group(1)), Integer.parseInt(ports.group(2))};
  }

  /** The floor's step for the same round, concurrency and face, or null. */
  private static Step floorOf(List<Step> steps, Step step) {
    for (Step other : steps) {
      if (other.server().equals("floor")
          && other.round() == step.round()
          && other.concurrency() == step.concurrency()
          && other.face().equals(step.face())) {
        return other;
      }
    }
    return null;
  }

  private static String verdict(Step step, Step floor) {
    if (floor == null || step.server().equals("floor")) return "";
    double throughput = step.result().perSecond() / floor.result().perSecond();
    double p50 = step.result().percentileMillis(50) / floor.result().percentileMillis(50);
    if (!step.face().equals("grpc")) return "(no goal)";
    return throughput >= GOAL_THROUGHPUT_RATIO && p50 <= GOAL_P50_RATIO ? "met" : "NOT met";
  }

  private static String table(List<Step> steps) {
    StringBuilder table = new StringBuilder();
    table.append(
        "| round | concurrency | face | req/s | p50 ms | p99 ms | server CPU µs/call | driver CPU"
            + " | req/s vs floor | p50 vs floor | goal | load avg |\n");
    table.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (Step step : steps) table.append(row(step, floorOf(steps, step))).append('\n');
    return table.toString();
  }

  private static String row(Step step, Step floor) {
    ClosedLoop.Result r = step.result();
    boolean compared = floor != null && step.server().equals("easel");
    return String.format(
        Locale.ROOT,
        "| %d | %d | %s %s | %,.0f | %.3f | %.3f | %.0f | %.0f%% | %s | %s | %s | %s → %s |",
        step.round(),
        step.concurrency(),
        step.server(),
        step.face(),
        r.perSecond(),
        r.percentileMillis(50),
        r.percentileMillis(99),
        1e6 * r.serverCpuSeconds() / r.calls(),
        100 * r.driverCpuSeconds() / r.seconds(),
        compared
            ? String.format(Locale.ROOT, "%.2f", r.perSecond() / floor.result().perSecond())
            : "",
        compared
            ? String.format(
                Locale.ROOT, "%.2f", r.percentileMillis(50) / floor.result().percentileMillis(50))
            : "",
        compared ? verdict(step, floor) : "",
        step.loadBefore(),
        step.loadAfter());
  }

  private static ObjectNode report(
      List<Step> steps, Canvas canvas, byte[] json, Map<String, String> options) {
    ObjectNode report = JSON.createObjectNode();
    report.put("date", Instant.now().toString());
    report.put("cpus", Runtime.getRuntime().availableProcessors());
    report.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
    report.put("protobufBytes", canvas.getSerializedSize());
    report.put("jsonBytes", json.length);
    report.put("restClient", "java.net.http, HTTP/1.1 keep-alive");
    report.put("grpcClient", "grpc-java async stub, netty-shaded, h2c, one channel per server");
    report.set("options", JSON.valueToTree(options));
    ArrayNode rows = report.putArray("steps");
    for (Step step : steps) {
      ClosedLoop.Result r = step.result();
      ObjectNode row = rows.addObject();
      row.put("round", step.round());
      row.put("concurrency", step.concurrency());
      row.put("face", step.face());
      row.put("server", step.server());
      row.put("calls", r.calls());
      row.put("seconds", r.seconds());
      row.put("perSecond", r.perSecond());
      row.put("p50Ms", r.percentileMillis(50));
      row.put("p90Ms", r.percentileMillis(90));
      row.put("p99Ms", r.percentileMillis(99));
      row.put("maxMs", r.latencies().getMaxValue() / 1e6);
      row.put("serverCpuSeconds", r.serverCpuSeconds());
      row.put("serverCpuMicrosPerCall", 1e6 * r.serverCpuSeconds() / r.calls());
      row.put("driverCpuSeconds", r.driverCpuSeconds());
      row.put("loadAverageBefore", step.loadBefore());
      row.put("loadAverageAfter", step.loadAfter());
      Step floor = floorOf(steps, step);
      if (floor != null && step.server().equals("easel")) {
        row.put("throughputVsFloor", r.perSecond() / floor.result().perSecond());
        row.put("p50VsFloor", r.percentileMillis(50) / floor.result().percentileMillis(50));
        row.put("goal", verdict(step, floor));
      }
    }
    return report;
  }

  private static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return fields[0];
    } catch (IOException e) {
      return "?";
    }
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 == args.length) {
        throw new IllegalArgumentException("options are --name value pairs; at " + args[i]);
      }
      options.put(args[i].substring(2), args[++i]);
    }
    return options;
  }

  private static String required(Map<String, String> options, String name) {
    String value = options.get(name);
    if (value == null) throw new IllegalArgumentException("--" + name + " is required");
    return value;
  }

  static void log(String message) {
    System.err.printf("[%tT] %s%n", Instant.now().toEpochMilli(), message);
  }
}

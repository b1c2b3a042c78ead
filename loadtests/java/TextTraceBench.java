import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.easel.canvas.CanvasSchema;
import dev.easel.ot.Json0;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Replays a recorded editing trace (josephg/editing-traces format) as json0 {@code si}/{@code sd}
 * ops on the {@code source} of one cell of a canvas document, through Easel's {@link Json0}, and
 * prints one JSON line per run on stdout.
 *
 * <p>Modes: {@code apply} times {@code Json0.apply(doc, op)} over ops prebuilt as Jackson trees (the
 * json0 engine alone); {@code server} times what the canvas entity does with each op's bytes on the
 * CPU: parse the frame's op JSON, {@code Json0.normalize}, {@code Json0.applyWithUndo} and the
 * schema check of the touched path (no actor, no persistence, no network).
 *
 * <p>Memory: before a run the empty document is built and the heap is collected until its used size
 * is stable; after the run the same is done with the final document still reachable; the difference
 * is what the document retains. Allocation during the run comes from the thread's allocation
 * counter.
 *
 * <pre>java -Xms1g -Xmx1g -cp ... TextTraceBench --mode apply --runs 6 trace.json.gz</pre>
 */
public final class TextTraceBench {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** One patch of the trace: at {@code pos} delete {@code del} chars, then insert {@code ins}. */
  record Patch(int pos, int del, String ins) {}

  /** The trace, and for each patch the text it deletes (json0 {@code sd} carries it). */
  record Trace(String name, String start, String end, Patch[] patches, String[] deleted) {}

  private TextTraceBench() {}

  public static void main(String[] args) throws Exception {
    String mode = "apply";
    int runs = 6;
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--mode" -> mode = args[++i];
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        default -> files.add(Path.of(args[i]));
      }
    }
    if (files.isEmpty() || !(mode.equals("apply") || mode.equals("server"))) {
      System.err.println("usage: TextTraceBench [--mode apply|server] [--runs N] trace.json.gz...");
      System.exit(64);
    }
    for (Path file : files) {
      Trace trace = load(file);
      System.err.printf(
          Locale.ROOT,
          "%s: %d patches, final length %d, mode %s%n",
          trace.name(),
          trace.patches().length,
          trace.end().length(),
          mode);
      List<JsonNode> ops = new ArrayList<>(trace.patches().length);
      List<String> frames = new ArrayList<>(trace.patches().length);
      for (int i = 0; i < trace.patches().length; i++) {
        ArrayNode op = op(trace.patches()[i], trace.deleted()[i]);
        if (mode.equals("apply")) ops.add(op);
        else frames.add(MAPPER.writeValueAsString(op));
      }
      for (int run = 1; run <= runs; run++) {
        Result r = mode.equals("apply") ? runApply(trace, ops) : runServer(trace, frames);
        System.out.printf(
            Locale.ROOT,
            "{\"engine\":\"easel-json0\",\"mode\":\"%s\",\"trace\":\"%s\",\"run\":%d,\"ops\":%d,"
                + "\"ms\":%.2f,\"cpuMs\":%.2f,\"retainedBytes\":%d,\"allocatedBytes\":%d,\"gcCount\":%d,"
                + "\"gcMs\":%d,\"finalLength\":%d,\"ok\":%b,\"java\":\"%s\",\"heapMax\":%d}%n",
            mode,
            trace.name(),
            run,
            trace.patches().length,
            r.nanos / 1e6,
            r.cpuNanos / 1e6,
            r.retained,
            r.allocated,
            r.gcCount,
            r.gcMs,
            r.finalText.length(),
            r.finalText.equals(trace.end()),
            System.getProperty("java.version"),
            Runtime.getRuntime().maxMemory());
        if (!r.finalText.equals(trace.end())) {
          System.err.println("FAIL: final text differs from endContent in " + trace.name());
          System.exit(1);
        }
      }
    }
  }

  record Result(
      long nanos,
      long cpuNanos,
      long retained,
      long allocated,
      long gcCount,
      long gcMs,
      String finalText) {}

  private static Result runApply(Trace trace, List<JsonNode> ops) {
    Object doc = Json0.fromJson(canvas(trace.start()));
    long before = settledHeapUsed();
    long[] gc0 = gcTotals();
    long alloc0 = allocatedBytes();
    long cpu0 = cpuNanos();
    long t0 = System.nanoTime();
    for (JsonNode op : ops) {
      doc = Json0.apply(doc, op);
    }
    long nanos = System.nanoTime() - t0;
    long cpu = cpuNanos() - cpu0;
    long allocated = allocatedBytes() - alloc0;
    long[] gc1 = gcTotals();
    long retained = settledHeapUsed() - before;
    Reference.reachabilityFence(doc);
    return new Result(
        nanos, cpu, retained, allocated, gc1[0] - gc0[0], gc1[1] - gc0[1], sourceOf(doc));
  }

  private static Result runServer(Trace trace, List<String> frames) throws IOException {
    Object doc = Json0.fromJson(canvas(trace.start()));
    long before = settledHeapUsed();
    long[] gc0 = gcTotals();
    long alloc0 = allocatedBytes();
    long cpu0 = cpuNanos();
    long t0 = System.nanoTime();
    for (String frame : frames) {
      JsonNode op = Json0.normalize(MAPPER.readTree(frame));
      Json0.Applied applied = Json0.applyWithUndo(doc, op);
      String problem = CanvasSchema.check(applied.root(), touchedPaths(op));
      if (problem != null) throw new IllegalStateException("schema refused an edit: " + problem);
      doc = applied.root();
    }
    long nanos = System.nanoTime() - t0;
    long cpu = cpuNanos() - cpu0;
    long allocated = allocatedBytes() - alloc0;
    long[] gc1 = gcTotals();
    long retained = settledHeapUsed() - before;
    Reference.reachabilityFence(doc);
    return new Result(
        nanos, cpu, retained, allocated, gc1[0] - gc0[0], gc1[1] - gc0[1], sourceOf(doc));
  }

  /** The op paths as the canvas entity hands them to the schema check. */
  private static List<List<Object>> touchedPaths(JsonNode op) {
    List<List<Object>> paths = new ArrayList<>(op.size());
    for (JsonNode component : op) {
      List<Object> path = new ArrayList<>();
      for (JsonNode key : component.path("p")) {
        path.add(key.isNumber() ? (Object) key.intValue() : key.asText());
      }
      paths.add(path);
    }
    return paths;
  }

  /** {@code {title, cells:{c1:{kind:'markdown', source, name, layout, config}}}}. */
  private static ObjectNode canvas(String source) {
    ObjectNode doc = NODES.objectNode();
    doc.put("title", "Editing trace");
    ObjectNode cell = doc.putObject("cells").putObject("c1");
    cell.put("kind", "markdown");
    cell.put("source", source);
    cell.put("name", "notes");
    ObjectNode layout = cell.putObject("layout");
    layout.put("x", 0).put("y", 0).put("w", 12).put("h", 8);
    cell.putObject("config");
    return doc;
  }

  /** The json0 op for one patch, as the sharedb client sends it: sd before si at the same spot. */
  private static ArrayNode op(Patch patch, String deleted) {
    ArrayNode op = NODES.arrayNode(2);
    if (patch.del() > 0) {
      ObjectNode sd = op.addObject();
      sd.set("p", path(patch.pos()));
      sd.put("sd", deleted);
    }
    if (!patch.ins().isEmpty()) {
      ObjectNode si = op.addObject();
      si.set("p", path(patch.pos()));
      si.put("si", patch.ins());
    }
    return op;
  }

  private static ArrayNode path(int pos) {
    ArrayNode p = NODES.arrayNode(4);
    p.add("cells").add("c1").add("source").add(pos);
    return p;
  }

  @SuppressWarnings("unchecked")
  private static String sourceOf(Object doc) {
    Map<String, Object> cells = (Map<String, Object>) ((Map<String, Object>) doc).get("cells");
    Map<String, Object> cell = (Map<String, Object>) cells.get("c1");
    return cell.get("source").toString();
  }

  // ---- trace loading ----------------------------------------------------------------------------

  private static Trace load(Path file) throws IOException {
    JsonNode root;
    try (InputStream in = new GZIPInputStream(Files.newInputStream(file), 1 << 16)) {
      root = MAPPER.readTree(in);
    }
    List<Patch> patches = new ArrayList<>();
    for (JsonNode txn : root.get("txns")) {
      for (JsonNode p : txn.get("patches")) {
        patches.add(new Patch(p.get(0).intValue(), p.get(1).intValue(), p.get(2).textValue()));
      }
    }
    String start = root.path("startContent").asText("");
    String end = root.get("endContent").textValue();
    Patch[] all = patches.toArray(Patch[]::new);
    String[] deleted = deletedTexts(start, all);
    String name = file.getFileName().toString().replaceFirst("\\.json(\\.gz)?$", "");
    return new Trace(name, start, end, all, deleted);
  }

  /**
   * The text each patch deletes, found by replaying the trace on a plain gap buffer (independent of
   * the code under test); checks that the replay ends at {@code endContent}.
   */
  private static String[] deletedTexts(String start, Patch[] patches) {
    GapBuffer text = new GapBuffer(start);
    String[] deleted = new String[patches.length];
    for (int i = 0; i < patches.length; i++) {
      Patch p = patches[i];
      deleted[i] = p.del() > 0 ? text.delete(p.pos(), p.del()) : "";
      text.insert(p.pos(), p.ins());
    }
    return deleted;
  }

  /** A minimal gap buffer, only for deriving the deleted texts. */
  private static final class GapBuffer {
    private char[] buf;
    private int gapStart;
    private int gapEnd;

    GapBuffer(String initial) {
      buf = new char[Math.max(1024, initial.length() * 2)];
      initial.getChars(0, initial.length(), buf, 0);
      gapStart = initial.length();
      gapEnd = buf.length;
    }

    private void moveGap(int pos) {
      if (pos < gapStart) {
        int n = gapStart - pos;
        System.arraycopy(buf, pos, buf, gapEnd - n, n);
        gapStart -= n;
        gapEnd -= n;
      } else if (pos > gapStart) {
        int n = pos - gapStart;
        System.arraycopy(buf, gapEnd, buf, gapStart, n);
        gapStart += n;
        gapEnd += n;
      }
    }

    void insert(int pos, String s) {
      moveGap(pos);
      if (gapEnd - gapStart < s.length()) {
        int tail = buf.length - gapEnd;
        char[] bigger = new char[(buf.length + s.length()) * 2];
        System.arraycopy(buf, 0, bigger, 0, gapStart);
        System.arraycopy(buf, gapEnd, bigger, bigger.length - tail, tail);
        gapEnd = bigger.length - tail;
        buf = bigger;
      }
      s.getChars(0, s.length(), buf, gapStart);
      gapStart += s.length();
    }

    String delete(int pos, int n) {
      moveGap(pos);
      String removed = new String(buf, gapEnd, n);
      gapEnd += n;
      return removed;
    }
  }

  // ---- measurement ------------------------------------------------------------------------------

  /** Heap used after full collections, repeated until two readings agree within 64 KiB. */
  private static long settledHeapUsed() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long last = Long.MAX_VALUE;
    for (int i = 0; i < 10; i++) {
      System.gc();
      long used = memory.getHeapMemoryUsage().getUsed();
      if (Math.abs(used - last) < 64 * 1024) return used;
      last = used;
    }
    return last;
  }

  private static long[] gcTotals() {
    long count = 0;
    long ms = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      count += Math.max(0, gc.getCollectionCount());
      ms += Math.max(0, gc.getCollectionTime());
    }
    return new long[] {count, ms};
  }

  /** CPU time of this thread (the replay is single-threaded; GC threads are not counted). */
  private static long cpuNanos() {
    return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
  }

  private static long allocatedBytes() {
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    return threads.getCurrentThreadAllocatedBytes();
  }
}

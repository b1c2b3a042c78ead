package dev.easel.cells;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.easel.CborSerializable;
import dev.easel.Entities;
import dev.easel.canvas.CanvasEntity;
import dev.easel.canvas.CanvasOp;
import dev.easel.canvas.Canvases;
import dev.easel.canvas.DocumentKind;
import dev.easel.dataset.DatasetCatalogEntity;
import dev.easel.ot.Json0;
import dev.easel.ot.Text;
import dev.easel.query.DatasetTable;
import dev.easel.query.Queries;
import dev.easel.query.QueryFailure;
import dev.easel.query.QueryWorker;
import dev.easel.query.ResultTable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the SQL cells of one canvas, reactively. Sharded on {@code core} nodes, one per canvas: the
 * canvas tells it every change once written ({@link CanvasChanged}), so it keeps its own copy of
 * the document. After the cells stop changing for {@code easel.cells.auto-run-delay} it reads every
 * SQL cell with DuckDB's parser ({@link CellParser}), builds the {@link CellGraph}, and decides
 * which cells are stale: a cell's <em>fingerprint</em> covers its SQL, the values of the input
 * cells it names as {@code $name} parameters, the versions of the datasets it reads and the
 * fingerprints of the cells it reads; a cell is stale when its fingerprint differs from that of the
 * run that made its result. With auto-run on (the canvas's {@code settings.autoRun}, default true)
 * stale cells run again in dependency order; {@link RunCell} runs one cell on demand, with whatever
 * it needs upstream first.
 *
 * <p>Each cell runs as one query on the project's {@link QueryWorker}: its SQL with {@code $name}
 * rewritten to positional parameters bound to the input cells' values (never spliced into the
 * text), the project's datasets as tables, and the results of the cells it reads as tables of their
 * names. Results are the worker's to cache: a cell whose inputs did not change gets its result back
 * without running.
 *
 * <p>The run state of every SQL cell is written, op by op, into the canvas's {@link
 * DocumentKind#RUNS} document, which collaborators subscribe to over the same ShareDB socket:
 * {@code {"cells": {cellId: {"state": "idle|stale|queued|running|done|failed", ...}}}} (fields in
 * docs/architecture.md). The runner is its only writer, so each op is made against the document as
 * the runner last wrote it.
 */
public final class CanvasRunner extends AbstractBehavior<CanvasRunner.Command> {
  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "CanvasRunner");
  private static final Logger log = LoggerFactory.getLogger(CanvasRunner.class);
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  /** Who writes the run-state documents. */
  public static final String WRITER = "easel";

  // ---- commands -------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** The canvas wrote a change (sent by the canvas, in version order). */
  public record CanvasChanged(String projectId, CanvasOp op) implements Command {}

  /**
   * Runs cell {@code cellId} (after what it reads, where that is not up to date) for {@code
   * userId}, and answers once it ran or failed.
   */
  public record RunCell(String cellId, String userId, ActorRef<CellRun> replyTo)
      implements Command {}

  /** The answer to {@link RunCell}: the cell's run state, or why it could not run at all. */
  public record CellRun(String cellId, JsonNode state, Refusal refusal)
      implements CborSerializable {
    public CellRun {
      state = CanvasOp.absentIfNull(state);
    }
  }

  /** Why a {@link RunCell} was not run: no such canvas or cell, or not a SQL cell. */
  public enum Refusal {
    CANVAS_NOT_FOUND,
    CELL_NOT_FOUND,
    NOT_A_SQL_CELL
  }

  record Loaded(CanvasEntity.Snapshot canvas, CanvasEntity.Snapshot runs, String failure)
      implements Command {}

  record Settle() implements Command {}

  record Analysed(
      long generation,
      Map<String, SqlReferences.Result> readings,
      List<DatasetTable> tables,
      String failure)
      implements Command {}

  /**
   * A cell's query ended: with a result, a failure of the query, or no answer ({@code failure}).
   */
  record QueryDone(
      String runId, QueryWorker.Result result, QueryWorker.Failed failed, String failure)
      implements Command {
    static QueryDone of(String runId, QueryWorker.Outcome outcome, Throwable failure) {
      if (failure != null) return new QueryDone(runId, null, null, String.valueOf(failure));
      return switch (outcome) {
        case QueryWorker.Result result -> new QueryDone(runId, result, null, null);
        case QueryWorker.Failed failed -> new QueryDone(runId, null, failed, null);
      };
    }
  }

  /** How far the running query {@code runId} has come, as its query worker tells it. */
  record QueryProgressed(String runId, double fraction) implements Command {}

  record RunsWriteFailed(String why) implements Command {}

  /** The project's datasets changed: cells that read them may be stale. */
  record DatasetsChanged() implements Command {}

  /** A run-state write landed. */
  record RunsWritten() implements Command {}

  // ---- settings and wiring --------------------------------------------------------------------

  /** {@code easel.cells}: how long cells must rest before an auto-run, rows kept as preview. */
  public record Settings(Duration autoRunDelay, int previewRows) {
    public static Settings from(Config config) {
      Config c = config.getConfig("easel.cells");
      return new Settings(c.getDuration("auto-run-delay"), c.getInt("preview-rows"));
    }
  }

  /** What runners reach: the canvases, their run-state documents, datasets and query workers. */
  private record Services(
      Canvases canvases,
      Canvases runDocuments,
      Queries queries,
      ClusterSharding sharding,
      CellParser parser,
      Settings settings,
      Duration askTimeout) {}

  /**
   * Starts sharding of runners on {@code core} nodes (a proxy elsewhere) and returns what the
   * canvases tell of their changes.
   */
  public static CanvasEntity.ChangeListener init(ActorSystem<?> system) {
    Config config = system.settings().config();
    CellParser parser = new CellParser();
    Services services =
        new Services(
            new Canvases(system, DocumentKind.CANVAS),
            new Canvases(system, DocumentKind.RUNS),
            new Queries(system),
            ClusterSharding.get(system),
            parser,
            Settings.from(config),
            config.getDuration("easel.canvas.ask-timeout"));
    system.getWhenTerminated().thenRun(parser::close);
    Entities.shardOnCore(system, KEY, canvasId -> create(canvasId, services));
    ClusterSharding sharding = ClusterSharding.get(system);
    return (projectId, canvasId, op) ->
        sharding.entityRefFor(KEY, canvasId).tell(new CanvasChanged(projectId, op));
  }

  private static Behavior<Command> create(String canvasId, Services services) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withStash(
                10_000,
                stash ->
                    Behaviors.withTimers(
                        timers -> new CanvasRunner(ctx, stash, timers, canvasId, services))));
  }

  // ---- state ----------------------------------------------------------------------------------

  private final String canvasId;
  private final Services services;
  private final StashBuffer<Command> stash;
  private final TimerScheduler<Command> timers;
  private final ActorRef<DatasetCatalogEntity.TablesChanged> datasetsChanged;
  private final ActorRef<QueryWorker.Progress> progressTo;
  private final String writerSrc = "runner-" + UUID.randomUUID();
  private long writerSeq;

  private boolean loaded;
  private String projectId;

  /** The canvas as the runner follows it (json0 document model); null when it does not exist. */
  private Object doc;

  private long version;

  /** Each SQL cell's run state as the run-state document holds it (or will, once written). */
  private final Map<String, ObjectNode> states = new LinkedHashMap<>();

  private boolean runsDocExists;

  /** The latest reading of the canvas's cells; null until the first. */
  private Analysis analysis;

  private long generation;
  private boolean analysing;

  /** The cells as they were when the analysis under way began. */
  private Map<String, CellSource> settledCells = Map.of();

  private boolean settleAgain;

  /** Who made the latest change: auto-runs run on their behalf. */
  private String lastAuthor;

  /** The cells to run, in order; the head runs now when {@link #running} is set. */
  private final List<String> plan = new ArrayList<>();

  private Running running;

  /** Cells retried once in this plan because a result they read had expired. */
  private final Set<String> expiredRetried = new java.util.HashSet<>();

  /** Explicit runs waiting for their cell to finish. */
  private final List<RunCell> waiting = new ArrayList<>();

  /** The query running now: which cell, with which fingerprint. */
  private record Running(String runId, String cellId, String fingerprint, Instant startedAt) {}

  /** The least time between two writes of a running cell's progress. */
  private static final Duration PROGRESS_GAP = Duration.ofMillis(450);

  /** The progress written for the running cell (0: none yet), and when (System.nanoTime). */
  private double progressShown;

  private long progressShownAt;

  private CanvasRunner(
      ActorContext<Command> ctx,
      StashBuffer<Command> stash,
      TimerScheduler<Command> timers,
      String canvasId,
      Services services) {
    super(ctx);
    this.canvasId = canvasId;
    this.services = services;
    this.stash = stash;
    this.timers = timers;
    this.datasetsChanged =
        ctx.messageAdapter(DatasetCatalogEntity.TablesChanged.class, c -> new DatasetsChanged());
    this.progressTo =
        ctx.messageAdapter(
            QueryWorker.Progress.class, p -> new QueryProgressed(p.queryId(), p.fraction()));
    load();
  }

  private void load() {
    loaded = false;
    CompletableFuture<CanvasEntity.Snapshot> canvas =
        services.canvases().snapshot(canvasId).toCompletableFuture();
    CompletableFuture<CanvasEntity.Snapshot> runs =
        services.runDocuments().snapshot(canvasId).toCompletableFuture();
    getContext()
        .pipeToSelf(
            CompletableFuture.allOf(canvas, runs),
            (done, failure) ->
                failure != null
                    ? new Loaded(null, null, String.valueOf(failure.getMessage()))
                    : new Loaded(canvas.join(), runs.join(), null));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Loaded.class, this::onLoaded)
        .onMessage(CanvasChanged.class, this::onCanvasChanged)
        .onMessage(RunCell.class, this::onRunCell)
        .onMessage(Settle.class, this::onSettle)
        .onMessage(Analysed.class, this::onAnalysed)
        .onMessage(QueryDone.class, this::onQueryDone)
        .onMessage(QueryProgressed.class, this::onQueryProgressed)
        .onMessage(RunsWriteFailed.class, this::onRunsWriteFailed)
        .onMessage(RunsWritten.class, written -> this)
        .onMessage(
            DatasetsChanged.class,
            changed -> {
              settleSoon(services.settings().autoRunDelay());
              return this;
            })
        .build();
  }

  // ---- loading and following the canvas ------------------------------------------------------

  private Behavior<Command> onLoaded(Loaded loaded) {
    if (loaded.failure() != null) {
      log.warn("canvas runner {}: could not read the canvas: {}", canvasId, loaded.failure());
      // Try again later; what waits stays stashed.
      timers.startSingleTimer("reload", new RunsWriteFailed("reload"), Duration.ofSeconds(1));
      return this;
    }
    CanvasEntity.Snapshot canvas = loaded.canvas();
    doc = canvas.exists() ? Json0.fromJson(canvas.data()) : null;
    version = canvas.v();
    projectId = canvas.projectId();
    states.clear();
    runsDocExists = loaded.runs().exists();
    if (runsDocExists) {
      loaded
          .runs()
          .data()
          .path("cells")
          .properties()
          .forEach(
              entry -> {
                if (entry.getValue() instanceof ObjectNode state) {
                  states.put(entry.getKey(), state.deepCopy());
                }
              });
    }
    this.loaded = true;
    // Runs of an earlier incarnation that never finished are not running any more.
    for (var entry : List.copyOf(states.entrySet())) {
      String state = entry.getValue().path("state").asText();
      if (state.equals("queued") || state.equals("running")) {
        ObjectNode next = entry.getValue().deepCopy();
        next.put("state", "stale");
        next.remove(List.of("startedAt", "queuedAt", "progress"));
        write(entry.getKey(), next);
      }
    }
    settleSoon(Duration.ZERO);
    return stash.unstashAll(this);
  }

  private Behavior<Command> onCanvasChanged(CanvasChanged changed) {
    if (!loaded) {
      stash.stash(changed);
      return this;
    }
    CanvasOp op = changed.op();
    if (op.v() < version) return this; // in the snapshot already
    if (op.v() > version) {
      // A change was missed (the runner started between two changes): read the canvas again.
      stash.stash(changed);
      load();
      return this;
    }
    projectId = changed.projectId();
    switch (op.kind()) {
      case CREATE -> doc = Json0.fromJson(op.body());
      case EDIT -> doc = Json0.apply(doc, op.body());
      case DELETE -> doc = null;
    }
    version = op.v() + 1;
    if (op.author() != null && !op.author().isBlank()) lastAuthor = op.author();
    if (doc == null) {
      // The canvas is gone: nothing of it runs any more.
      plan.clear();
      running = null;
      answerWaiting(Refusal.CANVAS_NOT_FOUND);
      return this;
    }
    if (touchesCells(op)) settleSoon(services.settings().autoRunDelay());
    return this;
  }

  private static boolean touchesCells(CanvasOp op) {
    if (op.kind() != dev.easel.canvas.ChangeKind.EDIT) return true;
    for (JsonNode component : op.body()) {
      JsonNode path = component.path("p");
      String top = path.path(0).asText();
      if (top.equals("settings")) return true;
      if (!top.equals("cells")) continue;
      // layout moves change nothing a query sees
      if (path.size() >= 3 && path.get(2).asText().equals("layout")) continue;
      return true;
    }
    return false;
  }

  /** Reads the cells again after {@code delay}, restarting the wait at each change. */
  private void settleSoon(Duration delay) {
    timers.startSingleTimer("settle", new Settle(), delay);
  }

  // ---- reading the cells ----------------------------------------------------------------------

  private Behavior<Command> onSettle(Settle settle) {
    if (doc == null || projectId == null) {
      answerWaiting(Refusal.CANVAS_NOT_FOUND);
      return this;
    }
    if (analysing) {
      settleAgain = true;
      return this;
    }
    analysing = true;
    long at = ++generation;
    // The analysis is of the cells as they are now, whatever changes while they are read.
    settledCells = cells();
    List<String> sources = new ArrayList<>();
    for (CellSource cell : settledCells.values()) {
      if (runs(cell.kind())) sources.add(cell.source());
    }
    CompletableFuture<Map<String, SqlReferences.Result>> readings =
        services.parser().parse(sources);
    var catalog = services.sharding().entityRefFor(DatasetCatalogEntity.KEY, projectId);
    catalog.tell(new DatasetCatalogEntity.Watch(datasetsChanged));
    CompletableFuture<List<DatasetTable>> tables =
        catalog
            .<DatasetCatalogEntity.Tables>ask(
                DatasetCatalogEntity.GetDatasets::new, services.askTimeout())
            .thenApply(DatasetCatalogEntity.Tables::tables)
            .toCompletableFuture();
    getContext()
        .pipeToSelf(
            CompletableFuture.allOf(readings, tables),
            (done, failure) ->
                failure != null
                    ? new Analysed(at, null, null, String.valueOf(failure.getMessage()))
                    : new Analysed(at, readings.join(), tables.join(), null));
    return this;
  }

  /**
   * A cell of the canvas as the runner needs it: a chart cell's {@code source} is the query its
   * config asks for ({@link ChartQuery}), {@code problem} why that cannot run (null: it can).
   */
  private record CellSource(
      String id, String kind, String name, String source, JsonNode value, String problem) {}

  /** Whether cells of {@code kind} run as queries: SQL cells, and chart cells over their source. */
  static boolean runs(String kind) {
    return kind.equals("sql") || kind.equals("chart");
  }

  /** The canvas's cells, in the document's order. */
  private Map<String, CellSource> cells() {
    Map<String, CellSource> cells = new LinkedHashMap<>();
    if (!(doc instanceof Map<?, ?> root) || !(root.get("cells") instanceof Map<?, ?> all)) {
      return cells;
    }
    Map<String, JsonNode> charts = new LinkedHashMap<>();
    for (var entry : all.entrySet()) {
      if (!(entry.getValue() instanceof Map<?, ?> cell)) continue;
      String id = String.valueOf(entry.getKey());
      JsonNode value = JSON.nullNode();
      String kind = text(cell.get("kind"));
      if (cell.get("config") instanceof Map<?, ?> config) {
        if (config.containsKey("value")) value = Json0.toJson(config.get("value"));
        if (kind.equals("chart")) charts.put(id, Json0.toJson(config));
      }
      cells.put(
          id,
          new CellSource(
              id, kind, text(cell.get("name")).strip(), text(cell.get("source")), value, null));
    }
    for (var chart : charts.entrySet()) {
      CellSource cell = cells.get(chart.getKey());
      cells.put(cell.id(), chartSource(cell, chart.getValue(), cells));
    }
    return cells;
  }

  /** Chart cell {@code cell} with the query of its {@code config} over the cell it charts. */
  private static CellSource chartSource(
      CellSource cell, JsonNode config, Map<String, CellSource> cells) {
    String sourceId = ChartQuery.sourceOf(config);
    String table = "";
    String problem = null;
    if (!sourceId.isEmpty()) {
      CellSource source = cells.get(sourceId);
      if (source == null) {
        problem = "the cell this chart draws was removed: pick another source";
      } else if (!runs(source.kind())) {
        problem = "a chart draws the result of a SQL or chart cell, not of a " + source.kind();
      } else if (source.id().equals(cell.id())) {
        problem = "a chart cannot draw itself";
      } else if (source.name().isEmpty()) {
        problem = "the cell this chart draws has no name: name it";
      } else {
        table = source.name();
      }
    }
    ChartQuery.Built built = ChartQuery.of(config, table);
    if (problem == null) problem = built.problem();
    return new CellSource(cell.id(), cell.kind(), cell.name(), built.sql(), cell.value(), problem);
  }

  private static String text(Object value) {
    return value instanceof Text text ? text.toString() : value == null ? "" : value.toString();
  }

  private boolean autoRun() {
    if (doc instanceof Map<?, ?> root
        && root.get("settings") instanceof Map<?, ?> settings
        && settings.get("autoRun") instanceof Boolean on) {
      return on;
    }
    return true;
  }

  private Behavior<Command> onAnalysed(Analysed analysed) {
    analysing = false;
    if (analysed.failure() != null) {
      log.warn("canvas runner {}: could not read the cells: {}", canvasId, analysed.failure());
      settleSoon(Duration.ofSeconds(1));
      return this;
    }
    if (settleAgain) {
      settleAgain = false;
      settleSoon(Duration.ZERO);
    }
    if (doc == null) return this;
    analysis = Analysis.of(settledCells, analysed.readings(), analysed.tables());
    refreshStates();
    if (autoRun()) {
      for (String id : analysis.graph().runOrder()) {
        if (isStale(id) && !analysis.cell(id).source().isBlank() && !plan.contains(id)) {
          plan.add(id);
        }
      }
    }
    Map<String, CellSource> now = cells();
    for (RunCell run : List.copyOf(waiting)) {
      CellSource cell = now.get(run.cellId());
      if (cell == null || !runs(cell.kind())) {
        // removed (or made another kind) since it was asked for
        waiting.remove(run);
        run.replyTo()
            .tell(
                new CellRun(
                    run.cellId(),
                    null,
                    cell == null ? Refusal.CELL_NOT_FOUND : Refusal.NOT_A_SQL_CELL));
      } else if (!plan.contains(run.cellId()) && !isRunning(run.cellId())) {
        addToPlan(run.cellId());
      }
    }
    orderPlan();
    next();
    return this;
  }

  /** Writes each SQL cell's state where the reading changed it; drops states of removed cells. */
  private void refreshStates() {
    for (String id : List.copyOf(states.keySet())) {
      if (!analysis.sqlCells().contains(id)) remove(id);
    }
    for (String id : analysis.sqlCells()) {
      ObjectNode current = states.get(id);
      ObjectNode next = current == null ? JSON.objectNode() : current.deepCopy();
      String problem = analysis.problem(id);
      String fingerprint = analysis.fingerprint(id);
      String state = next.path("state").asText("idle");
      if (isRunning(id) || plan.contains(id)) {
        continue; // its run decides
      } else if (problem != null) {
        next.put("state", "failed");
        next.set("error", analysis.error(id));
        next.remove("ran");
      } else if (analysis.cell(id).source().isBlank()) {
        next.removeAll();
        next.put("state", "idle");
      } else if (fingerprint.equals(next.path("ran").asText(null))) {
        if (!state.equals("done") && !state.equals("failed")) next.put("state", "done");
      } else if (state.equals("failed") && fingerprint.equals(next.path("tried").asText(null))) {
        // failed on exactly this: it stays failed
      } else if (state.equals("done") || state.equals("failed") || state.equals("stale")) {
        next.put("state", "stale");
      } else {
        next.put("state", "idle");
      }
      describe(id, next);
      if (!next.equals(current)) write(id, next);
    }
  }

  private boolean isStale(String id) {
    if (analysis.problem(id) != null) return false;
    ObjectNode state = states.get(id);
    if (state == null) return true;
    String fingerprint = analysis.fingerprint(id);
    // A cell that failed is not run again by itself until something it depends on changes.
    if (fingerprint.equals(state.path("tried").asText(null))) return false;
    return !fingerprint.equals(state.path("ran").asText(null));
  }

  private boolean isRunning(String id) {
    return running != null && running.cellId().equals(id);
  }

  // ---- running --------------------------------------------------------------------------------

  private Behavior<Command> onRunCell(RunCell run) {
    if (!loaded) {
      stash.stash(run);
      return this;
    }
    if (doc == null) {
      run.replyTo().tell(new CellRun(run.cellId(), null, Refusal.CANVAS_NOT_FOUND));
      return this;
    }
    CellSource cell = cells().get(run.cellId());
    if (cell == null) {
      run.replyTo().tell(new CellRun(run.cellId(), null, Refusal.CELL_NOT_FOUND));
      return this;
    }
    if (!runs(cell.kind())) {
      run.replyTo().tell(new CellRun(run.cellId(), null, Refusal.NOT_A_SQL_CELL));
      return this;
    }
    lastAuthor = run.userId();
    waiting.add(run);
    // Read the cells first: the run must see the canvas as it is now.
    settleSoon(Duration.ZERO);
    return this;
  }

  /** Adds {@code id} to the plan, with what it reads that is not up to date. */
  private void addToPlan(String id) {
    if (!analysis.sqlCells().contains(id)) return;
    for (String input : analysis.graph().upstream(id)) {
      if ((isStale(input) || !isDone(input)) && !plan.contains(input) && !isRunning(input)) {
        plan.add(input);
      }
    }
    if (!plan.contains(id)) plan.add(id);
  }

  private boolean isDone(String id) {
    ObjectNode state = states.get(id);
    return state != null
        && state.path("state").asText().equals("done")
        && analysis.fingerprint(id).equals(state.path("ran").asText(null));
  }

  /** Puts the plan in the canvas's run order (each cell after what it reads). */
  private void orderPlan() {
    Set<String> wanted = new LinkedHashSet<>(plan);
    plan.clear();
    for (String id : analysis.graph().runOrder()) if (wanted.remove(id)) plan.add(id);
    // cells that cannot run fail at once, in canvas order
    plan.addAll(wanted);
    for (String id : plan) {
      if (isRunning(id)) continue;
      ObjectNode state = stateOf(id);
      if (!state.path("state").asText().equals("queued")) {
        state.put("state", "queued");
        state.put("queuedAt", Instant.now().toString());
        state.remove("progress");
        write(id, state);
      }
    }
  }

  private ObjectNode stateOf(String id) {
    ObjectNode current = states.get(id);
    ObjectNode state = current == null ? JSON.objectNode() : current.deepCopy();
    describe(id, state);
    return state;
  }

  /** Sets what a run state says of the cell itself: its kind, and the cells it reads. */
  private void describe(String id, ObjectNode state) {
    if (!analysis.sqlCells().contains(id)) return;
    state.put("kind", analysis.cell(id).kind());
    ArrayNode reads = JSON.arrayNode();
    for (String input : analysis.reads(id)) reads.add(input);
    state.set("reads", reads);
  }

  /** Starts the next cell of the plan, if nothing runs. */
  private void next() {
    while (running == null && !plan.isEmpty()) {
      String id = plan.remove(0);
      if (!analysis.sqlCells().contains(id)) continue;
      String problem = analysis.problem(id);
      if (problem == null) problem = blockedBy(id);
      if (problem != null) {
        ObjectNode state = stateOf(id);
        state.put("state", "failed");
        state.set(
            "error", problem.equals(analysis.problem(id)) ? analysis.error(id) : error(problem));
        state.remove(List.of("ran", "queuedAt"));
        write(id, state);
        answerWaiting(id);
        continue;
      }
      if (isDone(id) && !explicitlyWaited(id)) {
        answerWaiting(id);
        continue;
      }
      start(id);
    }
    if (running == null) {
      expiredRetried.clear();
      answerAllWaiting();
    }
  }

  private boolean explicitlyWaited(String id) {
    for (RunCell run : waiting) if (run.cellId().equals(id)) return true;
    return false;
  }

  /** Why {@code id} cannot run now because of what it reads; null when it can. */
  private String blockedBy(String id) {
    for (String input : analysis.graph().inputs(id)) {
      if (!isDone(input)) {
        ObjectNode state = states.get(input);
        boolean failed = state != null && state.path("state").asText().equals("failed");
        return "it reads "
            + analysis.cell(input).name()
            + (failed ? ", which failed" : ", which has no result: run it first");
      }
    }
    for (String name : analysis.parameters(id)) {
      if (!analysis.inputs().containsKey(name)) {
        return "$" + name + " names no input cell: add an input cell named " + name;
      }
    }
    return null;
  }

  private void start(String id) {
    String runId = UUID.randomUUID().toString();
    String fingerprint = analysis.fingerprint(id);
    Instant now = Instant.now();
    running = new Running(runId, id, fingerprint, now);
    progressShown = 0;
    progressShownAt = 0;
    ObjectNode state = stateOf(id);
    state.put("state", "running");
    state.put("startedAt", now.toString());
    state.remove(List.of("queuedAt", "progress"));
    write(id, state);
    List<ResultTable> results = new ArrayList<>();
    for (String input : analysis.graph().inputs(id)) {
      results.add(
          new ResultTable(
              analysis.cell(input).name(), states.get(input).path("resultId").asText()));
    }
    List<JsonNode> parameters = new ArrayList<>();
    for (String name : analysis.parameters(id)) parameters.add(analysis.inputs().get(name));
    String author = lastAuthor == null ? WRITER : lastAuthor;
    CompletionStage<QueryWorker.Outcome> outcome =
        services
            .queries()
            .execute(
                projectId,
                runId,
                author,
                analysis.positionalSql(id),
                parameters,
                analysis.tables(),
                results,
                progressTo);
    getContext().pipeToSelf(outcome, (answer, failure) -> QueryDone.of(runId, answer, failure));
  }

  /**
   * Writes the running cell's {@code progress} (0 to 1, in hundredths) when it grew: DuckDB may
   * revise its estimate down, but what collaborators see never goes back; at most one write per
   * {@link #PROGRESS_GAP}. Only the one field changes in the document.
   */
  private Behavior<Command> onQueryProgressed(QueryProgressed progressed) {
    if (running == null
        || !running.runId().equals(progressed.runId())
        || !states.containsKey(running.cellId())) {
      return this;
    }
    double shown = Math.floor(Math.min(1, progressed.fraction()) * 100) / 100;
    long now = System.nanoTime();
    if (shown <= progressShown || now - progressShownAt < PROGRESS_GAP.toNanos()) return this;
    progressShown = shown;
    progressShownAt = now;
    String id = running.cellId();
    ObjectNode state = stateOf(id);
    JsonNode old = state.get("progress");
    state.put("progress", shown);
    states.put(id, state);
    ArrayNode op = JSON.arrayNode();
    ObjectNode component = op.addObject();
    component.putArray("p").add("cells").add(id).add("progress");
    if (old != null) component.set("od", old);
    component.put("oi", shown);
    submit(op);
    return this;
  }

  private Behavior<Command> onQueryDone(QueryDone done) {
    if (running == null || !running.runId().equals(done.runId())) return this;
    Running finished = running;
    running = null;
    String id = finished.cellId();
    if (analysis.sqlCells().contains(id)) {
      ObjectNode state = stateOf(id);
      Instant now = Instant.now();
      state.remove(List.of("queuedAt", "error", "progress"));
      state.put("finishedAt", now.toString());
      state.put("durationMs", Duration.between(finished.startedAt(), now).toMillis());
      if (done.result() != null) {
        QueryWorker.Result result = done.result();
        state.put("state", "done");
        state.put("ran", finished.fingerprint());
        state.remove("tried");
        state.put("resultId", result.resultId());
        state.put("rowCount", result.rowCount());
        ArrayNode columns = state.putArray("columns");
        for (QueryWorker.Column column : result.columns()) {
          columns.addObject().put("name", column.name()).put("type", column.type());
        }
        ArrayNode preview = state.putArray("preview");
        int rows = 0;
        for (JsonNode row : result.rows()) {
          if (rows++ == services.settings().previewRows()) break;
          preview.add(row);
        }
        state.put("truncated", result.rowCount() > preview.size());
      } else if (done.failed() != null
          && QueryFailure.RESULT_EXPIRED.equals(done.failed().reason())
          && expiredRetried.add(id)) {
        // A result it reads was evicted from the cache: make what it reads again, then retry.
        for (String input : analysis.graph().upstream(id)) {
          ObjectNode stale = stateOf(input);
          stale.put("state", "stale");
          stale.remove("ran");
          write(input, stale);
        }
        addToPlan(id);
        orderPlan();
        next();
        return this;
      } else {
        state.put("state", "failed");
        state.put("tried", finished.fingerprint());
        state.remove(List.of("ran", "resultId", "rowCount", "columns", "preview", "truncated"));
        if (done.failed() != null) {
          QueryWorker.Failed failed = done.failed();
          ObjectNode error = error(failed.message());
          error.put("reason", failed.reason());
          state.set("error", error);
          if (QueryFailure.Kind.CANCELLED == failed.kind()) state.put("state", "stale");
        } else {
          state.set("error", error("The query could not be run: " + done.failure()));
        }
      }
      write(id, state);
      if (!finished.fingerprint().equals(analysis.fingerprint(id)) && autoRun()) {
        // The cell changed while it ran: its result is already stale.
        addToPlan(id);
        orderPlan();
      }
      answerWaiting(id);
    }
    next();
    return this;
  }

  private static ObjectNode error(String message) {
    ObjectNode error = JSON.objectNode();
    error.put("message", message);
    return error;
  }

  private void answerWaiting(String cellId) {
    if (plan.contains(cellId) || isRunning(cellId)) return;
    // A cell added after the cells were last read waits for the next reading.
    if (!analysis.sqlCells().contains(cellId) || !states.containsKey(cellId)) return;
    waiting.removeIf(
        run -> {
          if (!run.cellId().equals(cellId)) return false;
          run.replyTo().tell(new CellRun(cellId, states.get(cellId), null));
          return true;
        });
  }

  /** Answers every explicit run that nothing is left to do for. */
  private void answerAllWaiting() {
    for (RunCell run : List.copyOf(waiting)) answerWaiting(run.cellId());
  }

  private void answerWaiting(Refusal refusal) {
    for (RunCell run : waiting) run.replyTo().tell(new CellRun(run.cellId(), null, refusal));
    waiting.clear();
  }

  // ---- the run-state document -----------------------------------------------------------------

  /** Makes {@code state} the run state of {@code cellId}, in memory and in the document. */
  private void write(String cellId, ObjectNode state) {
    submit(replace(cellId, states.put(cellId, state), state));
  }

  private void remove(String cellId) {
    ObjectNode old = states.remove(cellId);
    if (old != null) submit(replace(cellId, old, null));
  }

  /**
   * The json0 op that makes cell {@code cellId}'s state {@code now} (null: none) from {@code old}.
   */
  private static ArrayNode replace(String cellId, ObjectNode old, ObjectNode now) {
    ArrayNode op = JSON.arrayNode();
    ObjectNode component = op.addObject();
    component.putArray("p").add("cells").add(cellId);
    if (old != null) component.set("od", old);
    if (now != null) component.set("oi", now);
    return op;
  }

  private void submit(ArrayNode op) {
    Canvases documents = services.runDocuments();
    if (!runsDocExists) {
      runsDocExists = true;
      ObjectNode empty = JSON.objectNode();
      empty.putObject("cells");
      whenWritten(
          documents.submit(
              canvasId,
              writerSrc,
              writerSeq++,
              -1,
              dev.easel.canvas.ChangeKind.CREATE,
              empty,
              WRITER));
    }
    whenWritten(
        documents.submit(
            canvasId, writerSrc, writerSeq++, -1, dev.easel.canvas.ChangeKind.EDIT, op, WRITER));
  }

  private void whenWritten(CompletionStage<CanvasEntity.SubmitResult> written) {
    getContext()
        .pipeToSelf(
            written,
            (result, failure) -> {
              if (failure != null) return new RunsWriteFailed(String.valueOf(failure.getMessage()));
              if (result instanceof CanvasEntity.Rejected rejected) {
                return new RunsWriteFailed(rejected.code() + ": " + rejected.message());
              }
              return new RunsWritten();
            });
  }

  private Behavior<Command> onRunsWriteFailed(RunsWriteFailed failed) {
    if (failed.why().equals("reload")) {
      load();
      return this;
    }
    // The document is not what the runner thinks: read it again and carry on from there.
    log.warn("canvas runner {}: a run-state write failed: {}", canvasId, failed.why());
    plan.clear();
    running = null;
    load();
    return this;
  }

  // ---- the analysis of the cells ---------------------------------------------------------------

  /** The cells read at one moment: the graph, problems, parameters and fingerprints. */
  private record Analysis(
      Map<String, CellSource> cells,
      List<String> sqlCells,
      CellGraph graph,
      Map<String, String> problems,
      Map<String, ObjectNode> errors,
      Map<String, List<String>> parameterNames,
      Map<String, String> positional,
      Map<String, JsonNode> inputs,
      Map<String, String> inputIds,
      List<DatasetTable> tables,
      Map<String, String> fingerprints) {

    static Analysis of(
        Map<String, CellSource> cells,
        Map<String, SqlReferences.Result> readings,
        List<DatasetTable> tables) {
      List<String> sqlCells = new ArrayList<>();
      List<CellGraph.Cell> graphCells = new ArrayList<>();
      Map<String, String> problems = new HashMap<>();
      Map<String, ObjectNode> errors = new HashMap<>();
      Map<String, List<String>> parameterNames = new HashMap<>();
      Map<String, String> positional = new HashMap<>();
      Map<String, JsonNode> inputs = new HashMap<>();
      Map<String, String> inputIds = new HashMap<>();
      for (CellSource cell : cells.values()) {
        if (cell.kind().equals("input") && !cell.name().isEmpty()) {
          inputs.put(cell.name().toLowerCase(Locale.ROOT), cell.value());
          inputIds.putIfAbsent(cell.name().toLowerCase(Locale.ROOT), cell.id());
        }
      }
      for (CellSource cell : cells.values()) {
        if (!runs(cell.kind())) continue;
        sqlCells.add(cell.id());
        if (cell.problem() != null) {
          problems.put(cell.id(), cell.problem());
          errors.put(cell.id(), CanvasRunner.error(cell.problem()));
        }
        SqlReferences.Result reading = readings.get(cell.source());
        List<String> references = List.of();
        if (reading instanceof SqlReferences.Tables read) {
          references = read.names();
          List<String> names = new ArrayList<>();
          for (String name : read.parameterNames()) names.add(name.toLowerCase(Locale.ROOT));
          parameterNames.put(cell.id(), names);
          boolean positionalOnes =
              read.parameters().stream().anyMatch(SqlReferences.ParameterReference::positional);
          if (positionalOnes) {
            String message =
                "a SQL cell names input cells as $name parameters; ? and $1 have no value here";
            problems.put(cell.id(), message);
            errors.put(cell.id(), errorAt(message, cell.source(), -1));
          } else {
            positional.put(cell.id(), read.positional(cell.source()));
          }
        } else if (reading instanceof SqlReferences.Unreadable unreadable
            && !cell.source().isBlank()) {
          problems.put(cell.id(), unreadable.message());
          errors.put(
              cell.id(), errorAt(unreadable.message(), cell.source(), unreadable.position()));
        }
        graphCells.add(new CellGraph.Cell(cell.id(), cell.name(), references));
      }
      CellGraph graph = CellGraph.of(graphCells);
      graph
          .problems()
          .forEach(
              (id, problem) -> {
                if (!problems.containsKey(id)) {
                  problems.put(id, problem);
                  errors.put(id, errorAt(problem, "", -1));
                }
              });
      Map<String, String> fingerprints = new HashMap<>();
      Map<String, DatasetTable> byName = new HashMap<>();
      for (DatasetTable table : tables) byName.put(table.name().toLowerCase(Locale.ROOT), table);
      for (String id : graph.runOrder()) {
        StringBuilder text = new StringBuilder(cells.get(id).source()).append('\0');
        for (String name : parameterNames.getOrDefault(id, List.of())) {
          text.append('$').append(name).append('=').append(inputs.get(name)).append('\0');
        }
        for (String dataset : graph.datasets(id)) {
          DatasetTable table = byName.get(dataset);
          text.append("dataset ").append(dataset).append('=');
          text.append(table == null ? "-" : table.datasetId() + "@" + table.version()).append('\0');
        }
        for (String input : graph.inputs(id)) {
          text.append("cell ").append(cells.get(input).name()).append('=');
          text.append(fingerprints.get(input)).append('\0');
        }
        fingerprints.put(id, sha256(text.toString()));
      }
      for (String id : sqlCells) fingerprints.putIfAbsent(id, "-");
      return new Analysis(
          cells,
          List.copyOf(sqlCells),
          graph,
          problems,
          errors,
          parameterNames,
          positional,
          inputs,
          inputIds,
          List.copyOf(tables),
          fingerprints);
    }

    /**
     * The cells {@code id} reads: the cells whose results it reads (a chart's source among them),
     * then the input cells it names as parameters.
     */
    List<String> reads(String id) {
      List<String> reads = new ArrayList<>(graph.inputs(id));
      for (String name : parameters(id)) {
        String input = inputIds.get(name);
        if (input != null && !reads.contains(input)) reads.add(input);
      }
      return reads;
    }

    CellSource cell(String id) {
      return cells.get(id);
    }

    String problem(String id) {
      return problems.get(id);
    }

    ObjectNode error(String id) {
      ObjectNode error = errors.get(id);
      return error == null ? CanvasRunner.error(problems.get(id)) : error.deepCopy();
    }

    List<String> parameters(String id) {
      return parameterNames.getOrDefault(id, List.of());
    }

    String positionalSql(String id) {
      return positional.get(id);
    }

    String fingerprint(String id) {
      return fingerprints.getOrDefault(id, "-");
    }
  }

  /**
   * An error with where it points in the cell's SQL: {@code position} (characters from the start),
   * {@code line} and {@code column} (from 1), given DuckDB's byte offset.
   */
  static ObjectNode errorAt(String message, String sql, long byteOffset) {
    ObjectNode error = error(message);
    if (byteOffset < 0) return error;
    byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
    int end = (int) Math.min(byteOffset, bytes.length);
    String before = new String(bytes, 0, end, StandardCharsets.UTF_8);
    int line = 1;
    int column = 1;
    for (int i = 0; i < before.length(); i++) {
      if (before.charAt(i) == '\n') {
        line++;
        column = 1;
      } else {
        column++;
      }
    }
    error.put("position", before.length());
    error.put("line", line);
    error.put("column", column);
    return error;
  }

  private static String sha256(String text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}

package dev.easel.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.linecorp.armeria.common.util.TimeoutMode;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.easel.api.v1.Canvas;
import dev.easel.api.v1.CanvasOp;
import dev.easel.api.v1.CanvasServiceGrpc;
import dev.easel.api.v1.CellRun;
import dev.easel.api.v1.CreateCanvasRequest;
import dev.easel.api.v1.CreateNamedVersionRequest;
import dev.easel.api.v1.DeleteNamedVersionRequest;
import dev.easel.api.v1.DiffCanvasRequest;
import dev.easel.api.v1.GetCanvasHistoryRequest;
import dev.easel.api.v1.GetCanvasRequest;
import dev.easel.api.v1.GetCanvasSnapshotRequest;
import dev.easel.api.v1.ListCanvasesRequest;
import dev.easel.api.v1.ListCanvasesResponse;
import dev.easel.api.v1.ListNamedVersionsRequest;
import dev.easel.api.v1.ListNamedVersionsResponse;
import dev.easel.api.v1.NamedVersion;
import dev.easel.api.v1.RollbackCanvasRequest;
import dev.easel.api.v1.RollbackCanvasResponse;
import dev.easel.api.v1.RunCellRequest;
import dev.easel.api.v1.StreamOpsRequest;
import dev.easel.api.v1.SubmitOpRequest;
import dev.easel.api.v1.SubmitOpResponse;
import dev.easel.api.v1.UpdateNamedVersionRequest;
import dev.easel.canvas.CanvasDiff;
import dev.easel.canvas.CanvasEntity;
import dev.easel.canvas.CanvasError;
import dev.easel.canvas.CanvasFeeds;
import dev.easel.canvas.CanvasHistory;
import dev.easel.canvas.CanvasSchema;
import dev.easel.canvas.CanvasStream;
import dev.easel.canvas.Canvases;
import dev.easel.canvas.ChangeKind;
import dev.easel.canvas.EditSession;
import dev.easel.cells.CellRuns;
import dev.easel.ot.Json0;
import dev.easel.project.OrderedPages;
import dev.easel.project.ProjectEntity;
import dev.easel.project.ProjectPolicy;
import dev.easel.project.Projects;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;

/**
 * {@code easel.v1.CanvasService}: each method checks its request, asks the canvas, and translates
 * the answer; gRPC, REST (transcoded) and the ShareDB socket share one sequencer per canvas.
 */
final class CanvasServiceImpl extends CanvasServiceGrpc.CanvasServiceImplBase {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ID_ALPHABET =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

  private final ObjectMapper mapper;
  private final Canvases canvases;
  private final CanvasFeeds feeds;
  private final Projects projects;
  private final Callers callers;
  private final CellRuns cellRuns;

  /**
   * The answer of GetCanvas for the latest version read of each recently read canvas: a version's
   * document is converted to protobuf (and its size computed) once, however often it is read. A
   * canvas's version only ever grows, so (canvas, version) names one document for good. Bounded by
   * the answers' size; consulted only after the caller's access was decided.
   */
  private final Cache<String, Canvas> latestRead =
      Caffeine.newBuilder()
          .maximumWeight(LATEST_READ_BYTES)
          .weigher((String canvasId, Canvas canvas) -> canvas.getSerializedSize())
          .build();

  /** How many bytes of GetCanvas answers {@link #latestRead} keeps. */
  static final long LATEST_READ_BYTES = 64L << 20;

  CanvasServiceImpl(
      ObjectMapper mapper,
      Canvases canvases,
      CanvasFeeds feeds,
      Projects projects,
      Callers callers,
      CellRuns cellRuns) {
    this.cellRuns = cellRuns;
    this.mapper = mapper;
    this.canvases = canvases;
    this.feeds = feeds;
    this.projects = projects;
    this.callers = callers;
  }

  /** Runs {@code then} once the caller may do {@code action} on the canvas; else answers. */
  private void authorized(
      String user,
      String canvasId,
      ProjectPolicy.Action action,
      StreamObserver<?> response,
      Runnable then) {
    projects
        .authorizeCanvas(user, canvasId, action)
        .whenComplete(
            (role, failure) -> {
              if (failure != null) response.onError(ApiErrors.from(failure));
              else then.run();
            });
  }

  @Override
  public void createCanvas(CreateCanvasRequest request, StreamObserver<Canvas> response) {
    String user = callers.signedInUser(response);
    if (user == null) return;
    if (request.getProjectId().isEmpty()) {
      response.onError(
          ApiErrors.invalid(
              "projectId", "projectId is required: every canvas belongs to a project"));
      return;
    }
    Replies.reply(
        projects.createCanvas(
            user,
            request.getProjectId(),
            request.getTitle(),
            request.getCanvasId().isEmpty() ? null : request.getCanvasId(),
            RequestOrigins.current()),
        response,
        created ->
            canvas(
                created.canvasId(),
                created.version(),
                Json0.toJson(CanvasSchema.emptyDocument(created.title())),
                false));
  }

  @Override
  public void getCanvas(GetCanvasRequest request, StreamObserver<Canvas> response) {
    String canvasId = request.getCanvasId();
    String problem = Canvases.checkId(canvasId);
    if (problem != null) {
      response.onError(ApiErrors.invalid("canvasId", problem));
      return;
    }
    if (request.getVersion() < 0) {
      response.onError(ApiErrors.invalid("version", "version must be >= 0"));
      return;
    }
    String user = callers.signedInUser(response);
    if (user == null) return;
    long version = request.getVersion();
    if (version == 0) {
      // The current document: access is decided from the snapshot that is answered.
      Replies.reply(
          projects.authorizedSnapshot(user, canvasId, ProjectPolicy.Action.CANVAS_READ),
          response,
          snapshot -> {
            if (!snapshot.exists()) throw ApiErrors.notFound(canvasId);
            Canvas known = latestRead.getIfPresent(canvasId);
            if (known != null && known.getVersion() == snapshot.v()) return known;
            Canvas answer = canvas(canvasId, snapshot.v(), snapshot.data(), false);
            latestRead.put(canvasId, answer);
            return answer;
          });
      return;
    }
    authorized(
        user,
        canvasId,
        ProjectPolicy.Action.CANVAS_READ,
        response,
        () -> readVersion(canvasId, version, response));
  }

  private void readVersion(String canvasId, long version, StreamObserver<Canvas> response) {
    Replies.reply(
        canvases.documentAt(canvasId, version),
        response,
        document -> {
          if (document.version() < version) {
            throw ApiErrors.invalid(
                "version", "canvas " + canvasId + " has no version " + version + " yet");
          }
          if (document.data() == null) {
            if (document.version() == 0) throw ApiErrors.notFound(canvasId);
            return canvas(canvasId, document.version(), null, true);
          }
          return canvas(canvasId, document.version(), document.data(), false);
        });
  }

  /**
   * Checks the canvas id, signs the caller in and decides whether they may do {@code action} on the
   * canvas; then runs {@code then} with the caller's user id, else answers the refusal.
   */
  private void onCanvas(
      String canvasId,
      ProjectPolicy.Action action,
      StreamObserver<?> response,
      java.util.function.Consumer<String> then) {
    String problem = Canvases.checkId(canvasId);
    if (problem != null) {
      response.onError(ApiErrors.invalid("canvasId", problem));
      return;
    }
    String user = callers.signedInUser(response);
    if (user == null) return;
    authorized(user, canvasId, action, response, () -> then.accept(user));
  }

  @Override
  public void getCanvasSnapshot(GetCanvasSnapshotRequest request, StreamObserver<Canvas> response) {
    if (request.getVersion() <= 0) {
      response.onError(ApiErrors.invalid("version", "version must be 1 or more"));
      return;
    }
    onCanvas(
        request.getCanvasId(),
        ProjectPolicy.Action.CANVAS_READ,
        response,
        user -> readVersion(request.getCanvasId(), request.getVersion(), response));
  }

  /** The page token of the timeline page that ends before version {@code before}. */
  private static final Pattern HISTORY_TOKEN = Pattern.compile("v([1-9][0-9]{0,17})");

  @Override
  public void getCanvasHistory(
      GetCanvasHistoryRequest request, StreamObserver<dev.easel.api.v1.CanvasHistory> response) {
    String canvasId = request.getCanvasId();
    int size = request.getPageSize() <= 0 ? 20 : request.getPageSize();
    if (size > 200) {
      response.onError(ApiErrors.invalid("pageSize", "pageSize must be at most 200"));
      return;
    }
    long before = 0;
    if (!request.getPageToken().isEmpty()) {
      var token = HISTORY_TOKEN.matcher(request.getPageToken());
      if (!token.matches()) {
        response.onError(
            ApiErrors.invalid("pageToken", "pageToken must be a next_page_token of this call"));
        return;
      }
      before = Long.parseLong(token.group(1));
    }
    long end = before;
    onCanvas(
        canvasId,
        ProjectPolicy.Action.CANVAS_READ,
        response,
        user ->
            Replies.reply(
                canvases.timeline(canvasId, end, size),
                response,
                page -> {
                  if (page.sessions().isEmpty() && end == 0) throw ApiErrors.notFound(canvasId);
                  var history = dev.easel.api.v1.CanvasHistory.newBuilder();
                  for (EditSession session : page.sessions()) {
                    history
                        .addSessionsBuilder()
                        .setFromVersion(session.fromVersion())
                        .setToVersion(session.toVersion())
                        .setStartedAt(session.startedAt().toString())
                        .setEndedAt(session.endedAt().toString())
                        .addAllAuthors(session.authors())
                        .addAllCells(session.cells())
                        .setTitleChanged(session.titleChanged())
                        .setCreated(session.created())
                        .setDeleted(session.deleted())
                        .setChanges(session.changes());
                  }
                  if (page.nextBefore() > 0) history.setNextPageToken("v" + page.nextBefore());
                  return history.build();
                }));
  }

  @Override
  public void diffCanvas(
      DiffCanvasRequest request, StreamObserver<dev.easel.api.v1.CanvasDiff> response) {
    String canvasId = request.getCanvasId();
    if (request.getFrom() <= 0) {
      response.onError(ApiErrors.invalid("from", "from must be a version, 1 or more"));
      return;
    }
    if (request.getTo() < 0 || request.getTo() > 0 && request.getTo() < request.getFrom()) {
      response.onError(
          ApiErrors.invalid("to", "to must be 0 (the current version) or at least from"));
      return;
    }
    long from = request.getFrom();
    long to = request.getTo() == 0 ? Long.MAX_VALUE : request.getTo();
    onCanvas(
        canvasId,
        ProjectPolicy.Action.CANVAS_READ,
        response,
        user ->
            Replies.reply(
                canvases
                    .documentAt(canvasId, to)
                    .thenCombine(
                        canvases.documentAt(canvasId, from),
                        (after, before) -> {
                          reached(canvasId, "from", from, before);
                          if (to != Long.MAX_VALUE) reached(canvasId, "to", to, after);
                          return CanvasDiffs.toProto(
                              canvasId,
                              before.version(),
                              after.version(),
                              CanvasDiff.between(before.data(), after.data()));
                        }),
                response,
                diff -> diff));
  }

  /** Refuses {@code field} when the canvas has not reached {@code version} yet. */
  private static void reached(
      String canvasId, String field, long version, CanvasHistory.DocumentAt document) {
    if (document.version() < version) {
      throw ApiErrors.invalid(field, "canvas " + canvasId + " has no version " + version + " yet");
    }
  }

  @Override
  public void rollbackCanvas(
      RollbackCanvasRequest request, StreamObserver<RollbackCanvasResponse> response) {
    String canvasId = request.getCanvasId();
    long version = request.getVersion();
    if (version <= 0) {
      response.onError(ApiErrors.invalid("version", "version must be 1 or more"));
      return;
    }
    onCanvas(
        canvasId,
        ProjectPolicy.Action.CANVAS_EDIT,
        response,
        user ->
            Replies.reply(
                canvases
                    .snapshot(canvasId)
                    .thenCompose(
                        current -> {
                          if (!current.exists()) throw ApiErrors.notFound(canvasId);
                          return canvases
                              .documentAt(canvasId, version)
                              .thenCompose(
                                  past -> {
                                    reached(canvasId, "version", version, past);
                                    if (past.data() == null) {
                                      throw ApiErrors.invalid(
                                          "version",
                                          "canvas "
                                              + canvasId
                                              + " did not exist at version "
                                              + version);
                                    }
                                    JsonNode op = CanvasDiff.opTurning(current.data(), past.data());
                                    if (op.isEmpty()) {
                                      return CompletableFuture.completedFuture(
                                          RollbackCanvasResponse.newBuilder()
                                              .setVersion(current.v())
                                              .build());
                                    }
                                    return canvases
                                        .submit(
                                            canvasId,
                                            "rollback-" + newId(),
                                            1,
                                            current.v(),
                                            ChangeKind.EDIT,
                                            op,
                                            user)
                                        .thenApply(result -> rolledBack(canvasId, result));
                                  });
                        }),
                response,
                answer -> answer));
  }

  private static RollbackCanvasResponse rolledBack(
      String canvasId, CanvasEntity.SubmitResult result) {
    return switch (result) {
      case CanvasEntity.Applied applied ->
          RollbackCanvasResponse.newBuilder()
              .setVersion(applied.v() + 1)
              .setOp(JsonStructs.list(applied.applied()))
              .setChanged(true)
              .build();
      case CanvasEntity.AlreadyApplied again ->
          RollbackCanvasResponse.newBuilder().setVersion(again.v() + 1).setChanged(true).build();
      case CanvasEntity.Rejected rejected -> {
        if (rejected.code() == CanvasError.ERR_DOC_DOES_NOT_EXIST
            || rejected.code() == CanvasError.ERR_DOC_WAS_DELETED) {
          throw ApiErrors.notFound(canvasId);
        }
        throw ApiErrors.of(rejected);
      }
    };
  }

  @Override
  public void createNamedVersion(
      CreateNamedVersionRequest request, StreamObserver<NamedVersion> response) {
    String canvasId = request.getCanvasId();
    if (request.getVersion() < 0) {
      response.onError(ApiErrors.invalid("version", "version must be >= 0 (0: the current one)"));
      return;
    }
    onCanvas(
        canvasId,
        ProjectPolicy.Action.CANVAS_EDIT,
        response,
        user ->
            Replies.reply(
                canvases.nameVersion(
                    canvasId,
                    request.getVersion(),
                    request.getName(),
                    request.getDescription(),
                    user),
                response,
                result -> namedVersion(canvasId, result)));
  }

  @Override
  public void listNamedVersions(
      ListNamedVersionsRequest request, StreamObserver<ListNamedVersionsResponse> response) {
    String canvasId = request.getCanvasId();
    onCanvas(
        canvasId,
        ProjectPolicy.Action.CANVAS_READ,
        response,
        user ->
            Replies.reply(
                canvases.index(canvasId),
                response,
                index -> {
                  if (!index.exists() && index.version() == 0) {
                    throw ApiErrors.notFound(canvasId);
                  }
                  var list = ListNamedVersionsResponse.newBuilder();
                  for (dev.easel.canvas.NamedVersion named : index.namedVersions()) {
                    list.addVersions(namedVersion(canvasId, named));
                  }
                  return list.build();
                }));
  }

  @Override
  public void updateNamedVersion(
      UpdateNamedVersionRequest request, StreamObserver<NamedVersion> response) {
    String canvasId = request.getCanvasId();
    if (!VERSION_ID.matcher(request.getVersionId()).matches()) {
      response.onError(
          ApiErrors.invalid("versionId", "versionId must be the version_id of a named version"));
      return;
    }
    if (!request.hasName() && !request.hasDescription()) {
      response.onError(ApiErrors.invalid("name", "send a new name, a new description or both"));
      return;
    }
    onCanvas(
        canvasId,
        ProjectPolicy.Action.CANVAS_EDIT,
        response,
        user ->
            Replies.reply(
                canvases.updateVersion(
                    canvasId,
                    request.getVersionId(),
                    request.hasName() ? request.getName() : null,
                    request.hasDescription() ? request.getDescription() : null,
                    user),
                response,
                result -> namedVersion(canvasId, result)));
  }

  @Override
  public void deleteNamedVersion(
      DeleteNamedVersionRequest request, StreamObserver<NamedVersion> response) {
    String canvasId = request.getCanvasId();
    if (!VERSION_ID.matcher(request.getVersionId()).matches()) {
      response.onError(
          ApiErrors.invalid("versionId", "versionId must be the version_id of a named version"));
      return;
    }
    onCanvas(
        canvasId,
        ProjectPolicy.Action.CANVAS_EDIT,
        response,
        user ->
            Replies.reply(
                canvases.deleteVersion(canvasId, request.getVersionId(), user),
                response,
                result -> namedVersion(canvasId, result)));
  }

  /** Ids of named versions (as {@link dev.easel.canvas.NamedVersion} makes them, and a margin). */
  private static final Pattern VERSION_ID = Pattern.compile("[A-Za-z0-9]{1,64}");

  private static NamedVersion namedVersion(String canvasId, CanvasEntity.VersionResult result) {
    return switch (result) {
      case CanvasEntity.VersionDone done -> namedVersion(canvasId, done.named());
      case CanvasEntity.Rejected rejected -> {
        if (rejected.code() == CanvasError.ERR_DOC_DOES_NOT_EXIST) {
          throw ApiErrors.notFound(canvasId);
        }
        throw ApiErrors.of(rejected);
      }
    };
  }

  private static NamedVersion namedVersion(String canvasId, dev.easel.canvas.NamedVersion named) {
    return NamedVersion.newBuilder()
        .setCanvasId(canvasId)
        .setVersionId(named.versionId())
        .setVersion(named.version())
        .setName(named.name())
        .setDescription(named.description())
        .setAuthor(named.author() == null ? "" : named.author())
        .setCreatedAt(named.at().toString())
        .build();
  }

  @Override
  public void runCell(RunCellRequest request, StreamObserver<CellRun> response) {
    String canvasId = request.getCanvasId();
    String problem = Canvases.checkId(canvasId);
    if (problem != null) {
      response.onError(ApiErrors.invalid("canvasId", problem));
      return;
    }
    if (!CanvasSchema.CELL_ID.matcher(request.getCellId()).matches()) {
      response.onError(
          ApiErrors.invalid("cellId", "cellId must be 1 to 64 letters, digits, '-' or '_'"));
      return;
    }
    String user = callers.signedInUser(response);
    if (user == null) return;
    ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
    if (ctx != null) {
      ctx.setRequestTimeout(TimeoutMode.SET_FROM_NOW, cellRuns.answerWithin().plusSeconds(5));
    }
    authorized(
        user,
        canvasId,
        ProjectPolicy.Action.QUERY,
        response,
        () ->
            Replies.reply(
                cellRuns.run(canvasId, request.getCellId(), user),
                response,
                run -> CellRunReplies.answer(canvasId, run)));
  }

  @Override
  public void submitOp(SubmitOpRequest request, StreamObserver<SubmitOpResponse> response) {
    String canvasId = request.getCanvasId();
    String problem = Canvases.checkId(canvasId);
    if (problem != null) {
      response.onError(ApiErrors.invalid("canvasId", problem));
      return;
    }
    if (request.getVersion() <= 0) {
      response.onError(
          ApiErrors.invalid("version", "version must be the version the op was made against"));
      return;
    }
    String user = callers.signedInUser(response);
    if (user == null) return;
    JsonNode op = toJson(request.getOp());
    String src = request.getSrc().isEmpty() ? "api-" + newId() : request.getSrc();
    authorized(
        user,
        canvasId,
        ProjectPolicy.Action.CANVAS_EDIT,
        response,
        () -> submit(canvasId, src, request, op, user, response));
  }

  private void submit(
      String canvasId,
      String src,
      SubmitOpRequest request,
      JsonNode op,
      String user,
      StreamObserver<SubmitOpResponse> response) {
    Replies.reply(
        canvases.submit(
            canvasId, src, request.getSeq(), request.getVersion(), ChangeKind.EDIT, op, user),
        response,
        result ->
            switch (result) {
              case CanvasEntity.Applied applied ->
                  SubmitOpResponse.newBuilder()
                      .setVersion(applied.v())
                      .setOp(JsonStructs.list(applied.applied()))
                      .build();
              case CanvasEntity.AlreadyApplied again ->
                  SubmitOpResponse.newBuilder().setVersion(again.v()).build();
              case CanvasEntity.Rejected rejected -> {
                if (rejected.code() == CanvasError.ERR_DOC_DOES_NOT_EXIST) {
                  throw ApiErrors.notFound(canvasId);
                }
                throw ApiErrors.of(rejected);
              }
            });
  }

  @Override
  public void streamOps(StreamOpsRequest request, StreamObserver<CanvasOp> response) {
    String user = callers.signedInUser(response);
    if (user == null) return;
    ServerCallStreamObserver<CanvasOp> call = (ServerCallStreamObserver<CanvasOp>) response;
    Runnable stop =
        follow(
            request,
            user,
            ServiceRequestContext.current().eventLoop(),
            new OpSink() {
              @Override
              public void started() {}

              @Override
              public void op(CanvasOp op) {
                call.onNext(op);
              }

              @Override
              public void failed(StatusRuntimeException failure) {
                call.onError(failure);
              }
            });
    // gRPC takes the cancel handler only while the call is being set up.
    call.setOnCancelHandler(stop);
  }

  /** Where the ops of a followed canvas go: one call at a time, on the executor given. */
  interface OpSink {
    /** The caller may read the canvas and it exists: ops follow (none may come for a while). */
    void started();

    void op(CanvasOp op);

    /** The stream ends with this failure, before or after {@link #started()}. */
    void failed(StatusRuntimeException failure);
  }

  /**
   * Follows a canvas for {@code user}, as {@code StreamOps} does: checks the request, the user's
   * role on the canvas ({@link ProjectPolicy.Action#CANVAS_READ}) and that the canvas exists, then
   * delivers every op from {@code from_version} on, those applied so far and then the live ones,
   * each exactly once and in order. gRPC (and gRPC-Web) and the REST stream ({@link OpStreamRoute})
   * follow canvases here, after {@link ApiPolicy} admitted the call.
   *
   * @return stops following; safe to run at any time and from any thread, also before {@link
   *     OpSink#started()}
   */
  Runnable follow(StreamOpsRequest request, String user, Executor executor, OpSink sink) {
    String canvasId = request.getCanvasId();
    String problem = Canvases.checkId(canvasId);
    if (problem != null || request.getFromVersion() < 0) {
      sink.failed(
          problem != null
              ? ApiErrors.invalid("canvasId", problem)
              : ApiErrors.invalid("fromVersion", "fromVersion must be >= 0"));
      return () -> {};
    }
    Following following = new Following(canvasId, request.getFromVersion(), executor, sink);
    projects
        .authorizeCanvas(user, canvasId, ProjectPolicy.Action.CANVAS_READ)
        .whenCompleteAsync(
            (role, failure) -> {
              if (failure != null) following.fail(ApiErrors.from(failure));
              else following.open();
            },
            executor);
    return () -> executor.execute(following::close);
  }

  /** One followed canvas: its stream once open; everything runs on {@code executor}. */
  private final class Following {
    private final String canvasId;
    private final long fromVersion;
    private final Executor executor;
    private final OpSink sink;
    private CanvasStream stream;
    private boolean closed;

    Following(String canvasId, long fromVersion, Executor executor, OpSink sink) {
      this.canvasId = canvasId;
      this.fromVersion = fromVersion;
      this.executor = executor;
      this.sink = sink;
    }

    /** Listens first, then reads the snapshot: the hand-over from journal to live is gapless. */
    void open() {
      if (closed) return;
      stream =
          new CanvasStream(
              canvasId,
              canvases,
              feeds,
              executor,
              op -> sink.op(toProto(canvasId, op)),
              failure -> fail(ApiErrors.unavailable(failure)));
      canvases
          .snapshot(canvasId)
          .whenCompleteAsync(
              (snapshot, failure) -> {
                if (closed) return;
                if (failure != null) fail(ApiErrors.unavailable(failure));
                else if (snapshot.v() == 0) fail(ApiErrors.notFound(canvasId));
                else {
                  sink.started();
                  if (!closed) stream.startAt(fromVersion);
                }
              },
              executor);
    }

    void fail(StatusRuntimeException failure) {
      if (closed) return;
      close();
      sink.failed(failure);
    }

    void close() {
      closed = true;
      if (stream != null) stream.close();
    }
  }

  /** The name of the index of a user's canvases in its page tokens. */
  private static final String YOUR_CANVASES = "your canvases";

  @Override
  public void listCanvases(
      ListCanvasesRequest request, StreamObserver<ListCanvasesResponse> response) {
    int size = request.getPageSize() <= 0 ? 100 : request.getPageSize();
    if (size > 1000) {
      response.onError(ApiErrors.invalid("pageSize", "pageSize must be at most 1000"));
      return;
    }
    Caller caller = callers.current(response);
    if (caller == null) return;
    // The caller's canvases: those of every project they belong to (that the credential reaches),
    // newest first, with their current title and version from the canvases themselves.
    Replies.reply(
        projects
            .listFor(caller.userId())
            .thenCompose(
                memberships -> {
                  OrderedPages.Page<ProjectEntity.CanvasEntry> page =
                      OrderedPages.slice(
                          YOUR_CANVASES,
                          memberships.stream()
                              .filter(m -> caller.reaches(m.project().projectId()))
                              .flatMap(m -> m.project().canvases().stream())
                              .toList(),
                          e -> new OrderedPages.Place(e.addedAt(), e.canvasId()),
                          size,
                          request.getPageToken(),
                          true);
                  List<ProjectEntity.CanvasEntry> entries = page.items();
                  List<CompletableFuture<CanvasEntity.Snapshot>> snapshots =
                      entries.stream()
                          .map(e -> canvases.snapshot(e.canvasId()).toCompletableFuture())
                          .toList();
                  return CompletableFuture.allOf(snapshots.toArray(CompletableFuture[]::new))
                      .thenApply(
                          done -> {
                            ListCanvasesResponse.Builder list =
                                ListCanvasesResponse.newBuilder()
                                    .setNextPageToken(page.nextPageToken());
                            for (int i = 0; i < entries.size(); i++) {
                              CanvasEntity.Snapshot snapshot = snapshots.get(i).join();
                              if (!snapshot.exists()) continue;
                              list.addCanvasesBuilder()
                                  .setCanvasId(entries.get(i).canvasId())
                                  .setTitle(snapshot.data().path("title").asText())
                                  .setVersion(snapshot.v())
                                  .setCreatedAt(entries.get(i).addedAt().toString());
                            }
                            return list.build();
                          });
                }),
        response,
        list -> list);
  }

  // ---- translation ----------------------------------------------------------------------------

  private Canvas canvas(String canvasId, long version, JsonNode data, boolean deleted) {
    Canvas.Builder canvas =
        Canvas.newBuilder().setCanvasId(canvasId).setVersion(version).setDeleted(deleted);
    if (data != null) {
      canvas.setTitle(data.path("title").asText());
      canvas.setDocument(JsonStructs.struct(data));
    }
    return canvas.build();
  }

  private CanvasOp toProto(String canvasId, dev.easel.canvas.CanvasOp op) {
    CanvasOp.Builder proto =
        CanvasOp.newBuilder()
            .setCanvasId(canvasId)
            .setVersion(op.v())
            .setSrc(op.src() == null ? "" : op.src())
            .setSeq(op.seq())
            .setAuthor(op.author() == null ? "" : op.author())
            .setTime(op.at().toString());
    switch (op.kind()) {
      case EDIT -> proto.setOp(JsonStructs.list(op.body()));
      case CREATE -> {
        ObjectNode component = JsonNodeFactory.instance.objectNode();
        component.putArray("p");
        component.set("oi", op.body());
        proto.setOp(JsonStructs.list(JsonNodeFactory.instance.arrayNode().add(component)));
      }
      case DELETE -> {
        ObjectNode component = JsonNodeFactory.instance.objectNode();
        component.putArray("p");
        component.putNull("od");
        proto.setOp(JsonStructs.list(JsonNodeFactory.instance.arrayNode().add(component)));
      }
    }
    return proto.build();
  }

  /**
   * A protobuf {@code Value} as JSON. Protobuf has only double numbers, so whole numbers come back
   * as integers: json0 paths need integer indexes, and the sharedb client sends integers too.
   */
  private JsonNode toJson(Message message) {
    try {
      return WholeNumbers.integral(mapper.readTree(JsonFormat.printer().print(message)));
    } catch (InvalidProtocolBufferException
        | com.fasterxml.jackson.core.JsonProcessingException e) {
      throw ApiErrors.invalid("op", "op is not valid JSON: " + e.getMessage());
    }
  }

  static String newId() {
    StringBuilder id = new StringBuilder(20);
    for (int i = 0; i < 20; i++)
      id.append(ID_ALPHABET.charAt(RANDOM.nextInt(ID_ALPHABET.length())));
    return id.toString();
  }
}

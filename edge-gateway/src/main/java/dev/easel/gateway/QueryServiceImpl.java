package dev.easel.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.api.HttpBody;
import com.google.protobuf.ByteString;
import com.google.rpc.Code;
import com.linecorp.armeria.common.util.TimeoutMode;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.easel.api.v1.CancelQueryRequest;
import dev.easel.api.v1.CancelQueryResponse;
import dev.easel.api.v1.ExecuteQueryRequest;
import dev.easel.api.v1.ExecuteQueryResponse;
import dev.easel.api.v1.ExportQueryResultRequest;
import dev.easel.api.v1.GetQueryResultRequest;
import dev.easel.api.v1.GetQueryResultResponse;
import dev.easel.api.v1.QueryColumn;
import dev.easel.api.v1.QueryServiceGrpc;
import dev.easel.project.ProjectPolicy;
import dev.easel.project.Projects;
import dev.easel.query.DatasetTable;
import dev.easel.query.Queries;
import dev.easel.query.QueryFailure;
import dev.easel.query.QueryWorker;
import dev.easel.query.ResultStore;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * {@code easel.v1.QueryService}: ad-hoc SQL over a project's data, and its stored results. Each
 * call checks that the caller may query the project ({@link ProjectPolicy.Action#QUERY}: any
 * member), looks up the project's dataset tables, and asks the project's {@link QueryWorker}; the
 * sandbox, limits and refusals are the worker's. A call the client abandons (a closed connection, a
 * cancelled gRPC call) cancels its query. Pages and exports of results are read by the worker too,
 * on the node that holds them.
 */
final class QueryServiceImpl extends QueryServiceGrpc.QueryServiceImplBase {
  /** How much longer than a query may take the request itself may last. */
  private static final Duration REQUEST_MARGIN = Duration.ofSeconds(5);

  private final Queries queries;
  private final Projects projects;
  private final Callers callers;
  private final Function<String, CompletionStage<List<DatasetTable>>> tables;

  /**
   * @param tables the dataset tables of a project, by its id
   */
  QueryServiceImpl(
      Queries queries,
      Projects projects,
      Callers callers,
      Function<String, CompletionStage<List<DatasetTable>>> tables) {
    this.queries = queries;
    this.projects = projects;
    this.callers = callers;
    this.tables = tables;
  }

  @Override
  public void executeQuery(
      ExecuteQueryRequest request, StreamObserver<ExecuteQueryResponse> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    String queryId =
        request.getQueryId().isEmpty() ? UUID.randomUUID().toString() : request.getQueryId();
    try {
      if (!Queries.QUERY_ID.matcher(queryId).matches()) {
        throw ApiErrors.invalid("queryId", "queryId must be 1 to 64 letters, digits, '-' or '_'");
      }
      if (request.getSql().isBlank()) throw ApiErrors.invalid("sql", "sql is required");
    } catch (StatusRuntimeException refusal) {
      response.onError(refusal);
      return;
    }
    List<JsonNode> parameters =
        request.getParametersList().stream().map(ProtoValues::json).toList();
    ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
    if (ctx != null) {
      ctx.setRequestTimeout(TimeoutMode.SET_FROM_NOW, queries.answerWithin().plus(REQUEST_MARGIN));
    }
    if (response instanceof ServerCallStreamObserver<ExecuteQueryResponse> call) {
      call.setOnCancelHandler(() -> queries.cancel(request.getProjectId(), queryId, userId));
    }
    Replies.reply(
        projects
            .authorize(userId, request.getProjectId(), ProjectPolicy.Action.QUERY)
            .thenCompose(allowed -> tables.apply(request.getProjectId()))
            .thenCompose(
                found ->
                    queries.execute(
                        request.getProjectId(),
                        queryId,
                        userId,
                        request.getSql(),
                        parameters,
                        found,
                        List.of(),
                        null)),
        response,
        QueryServiceImpl::answer);
  }

  @Override
  public void cancelQuery(
      CancelQueryRequest request, StreamObserver<CancelQueryResponse> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    if (!Queries.QUERY_ID.matcher(request.getQueryId()).matches()) {
      response.onError(
          ApiErrors.invalid("queryId", "queryId must be 1 to 64 letters, digits, '-' or '_'"));
      return;
    }
    Replies.reply(
        projects
            .authorize(userId, request.getProjectId(), ProjectPolicy.Action.QUERY)
            .thenCompose(
                allowed -> queries.cancel(request.getProjectId(), request.getQueryId(), userId)),
        response,
        cancelled -> CancelQueryResponse.newBuilder().setCancelled(cancelled).build());
  }

  /** Rows per page when the request names no page size, and the most a page may have. */
  static final int DEFAULT_PAGE_SIZE = 1000;

  static final int MAX_PAGE_SIZE = 10_000;

  @Override
  public void getQueryResult(
      GetQueryResultRequest request, StreamObserver<GetQueryResultResponse> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    int size = request.getPageSize() <= 0 ? DEFAULT_PAGE_SIZE : request.getPageSize();
    long offset;
    try {
      checkResultId(request.getResultId());
      if (size > MAX_PAGE_SIZE) {
        throw ApiErrors.invalid("pageSize", "pageSize must be at most " + MAX_PAGE_SIZE);
      }
      offset = pageStart(request);
    } catch (StatusRuntimeException refusal) {
      response.onError(refusal);
      return;
    }
    Replies.reply(
        projects
            .authorize(userId, request.getProjectId(), ProjectPolicy.Action.QUERY)
            .thenCompose(
                allowed ->
                    queries.page(request.getProjectId(), request.getResultId(), offset, size)),
        response,
        outcome ->
            switch (outcome) {
              case QueryWorker.Failed failed ->
                  throw request.getPageToken().isEmpty()
                          && failed.reason().equals("INVALID_PAGE_TOKEN")
                      ? ApiErrors.invalid("offset", failed.message())
                      : refusal(failed);
              case QueryWorker.Page page -> {
                GetQueryResultResponse.Builder answer =
                    GetQueryResultResponse.newBuilder().setRowCount(page.rowCount());
                for (QueryWorker.Column column : page.columns()) {
                  answer.addColumns(
                      QueryColumn.newBuilder().setName(column.name()).setType(column.type()));
                }
                for (JsonNode row : page.rows()) answer.addRows(ProtoValues.list(row));
                if (page.nextOffset() >= 0) {
                  answer.setNextPageToken(
                      ResultPages.token(request.getResultId(), page.nextOffset()));
                }
                yield answer.build();
              }
            });
  }

  /** The row a page starts at: its page token's, or {@code offset}'s (not both). */
  private static long pageStart(GetQueryResultRequest request) {
    if (request.getOffset() < 0) {
      throw ApiErrors.invalid("offset", "offset must be 0 or more, not " + request.getOffset());
    }
    if (request.getOffset() > 0 && !request.getPageToken().isEmpty()) {
      throw ApiErrors.invalid(
          "offset", "Pass pageToken or offset, not both: a page token names its own first row");
    }
    return request.getPageToken().isEmpty()
        ? request.getOffset()
        : ResultPages.offset(request.getResultId(), request.getPageToken());
  }

  private static void checkResultId(String resultId) {
    if (!ResultStore.RESULT_ID.matcher(resultId).matches()) {
      throw ApiErrors.invalid(
          "resultId", "resultId must be the 32 hex digits of an ExecuteQuery answer's resultId");
    }
  }

  @Override
  public void exportQueryResult(
      ExportQueryResultRequest request, StreamObserver<HttpBody> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
    // A download lasts as long as it keeps reading.
    if (ctx != null) ctx.clearRequestTimeout();
    ServerCallStreamObserver<HttpBody> call = (ServerCallStreamObserver<HttpBody>) response;
    AtomicReference<ResultDownload> opened = new AtomicReference<>();
    call.setOnReadyHandler(
        () -> {
          ResultDownload download = opened.get();
          if (download != null && call.isReady()) download.request();
        });
    call.setOnCancelHandler(
        () -> {
          ResultDownload download = opened.get();
          if (download != null) download.close();
        });
    open(request, userId)
        .whenComplete(
            (download, failure) -> {
              if (failure != null) {
                call.onError(ApiErrors.from(failure));
                return;
              }
              AtomicBoolean first = new AtomicBoolean(true);
              download.onChunk(
                  bytes -> {
                    if (bytes.length == 0) {
                      call.onCompleted();
                      return;
                    }
                    HttpBody.Builder chunk =
                        HttpBody.newBuilder().setData(ByteString.copyFrom(bytes));
                    if (first.getAndSet(false)) chunk.setContentType(download.contentType());
                    call.onNext(chunk.build());
                    if (call.isReady()) download.request();
                  },
                  failed -> call.onError(ApiErrors.from(failed)));
              opened.set(download);
              if (call.isCancelled()) download.close();
              else download.request();
            });
  }

  /**
   * Opens a download of a stored result for {@code userId}: the request checked, the caller's
   * access ({@link ProjectPolicy.Action#QUERY}), then the project's worker opens the file.
   */
  CompletionStage<ResultDownload> open(ExportQueryResultRequest request, String userId) {
    String format = request.getFormat();
    try {
      checkResultId(request.getResultId());
      if (!ResultDownload.CONTENT_TYPES.containsKey(format)) {
        throw ApiErrors.invalid(
            "format",
            "format must be parquet or csv" + (format.isEmpty() ? "" : ", not " + format));
      }
    } catch (StatusRuntimeException refusal) {
      return CompletableFuture.failedFuture(refusal);
    }
    return projects
        .authorize(userId, request.getProjectId(), ProjectPolicy.Action.QUERY)
        .thenCompose(
            allowed -> queries.openExport(request.getProjectId(), request.getResultId(), format))
        .thenApply(
            outcome ->
                switch (outcome) {
                  case QueryWorker.Failed failed -> throw refusal(failed);
                  case QueryWorker.ExportOpened export ->
                      new ResultDownload(
                          queries,
                          request.getProjectId(),
                          request.getResultId(),
                          format,
                          export.exportId(),
                          export.size());
                  case QueryWorker.ExportChunk chunk ->
                      throw new IllegalStateException("an export answered a chunk when opened");
                });
  }

  private static ExecuteQueryResponse answer(QueryWorker.Outcome outcome) {
    return switch (outcome) {
      case QueryWorker.Failed failed -> throw refusal(failed);
      case QueryWorker.Result result -> {
        ExecuteQueryResponse.Builder answer =
            ExecuteQueryResponse.newBuilder()
                .setRowCount(result.rowCount())
                .setTruncated(result.truncated())
                .setResultId(result.resultId());
        for (QueryWorker.Column column : result.columns()) {
          answer.addColumns(QueryColumn.newBuilder().setName(column.name()).setType(column.type()));
        }
        for (JsonNode row : result.rows()) answer.addRows(ProtoValues.list(row));
        yield answer.build();
      }
    };
  }

  /** A query's failure as the API's error: its code, reason and message, and the field at fault. */
  static StatusRuntimeException refusal(QueryWorker.Failed failed) {
    Code code =
        switch (failed.kind()) {
          case INVALID, NOT_ALLOWED -> Code.INVALID_ARGUMENT;
          case ALREADY_RUNNING -> Code.ALREADY_EXISTS;
          case TIMEOUT -> Code.DEADLINE_EXCEEDED;
          case CANCELLED -> Code.CANCELLED;
          case OUT_OF_MEMORY -> Code.RESOURCE_EXHAUSTED;
          case EXPIRED -> Code.FAILED_PRECONDITION;
          case NOT_FOUND -> Code.NOT_FOUND;
          case UNAVAILABLE -> Code.UNAVAILABLE;
        };
    String field =
        switch (failed.reason()) {
          case QueryFailure.SQL_ERROR, QueryFailure.SQL_NOT_ALLOWED -> "sql";
          case QueryFailure.INVALID_PARAMETERS -> "parameters";
          case QueryFailure.QUERY_ID_IN_USE -> "queryId";
          case "INVALID_PAGE_TOKEN" -> "pageToken";
          case QueryFailure.RESULT_NOT_FOUND -> "resultId";
          default -> null;
        };
    return ApiErrors.status(code, failed.reason(), failed.message(), field);
  }
}

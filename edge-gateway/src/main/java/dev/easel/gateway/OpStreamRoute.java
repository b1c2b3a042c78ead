package dev.easel.gateway;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.grpc.GrpcJsonMarshaller;
import com.linecorp.armeria.common.grpc.protocol.GrpcHeaderNames;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.grpc.UnframedGrpcErrorHandler;
import dev.easel.api.v1.CanvasOp;
import dev.easel.api.v1.CanvasServiceGrpc;
import dev.easel.api.v1.StreamOpsRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code CanvasService/StreamOps} over plain HTTP, for programs and pages that speak neither gRPC
 * nor gRPC-Web: {@code GET /v1/canvases/{canvas_id}/ops:stream?fromVersion=N} answers every op from
 * version N on, those applied so far and then live ones, as
 *
 * <ul>
 *   <li>newline-delimited JSON ({@code Accept: application/x-ndjson}, the default): one {@code
 *       CanvasOp} in proto3 JSON per line, as the REST API writes it (64-bit numbers as strings);
 *   <li>server-sent events ({@code Accept: text/event-stream}): {@code event: op}, {@code id:
 *       <version>} and {@code data: <the same JSON>} per op, a comment line every {@code
 *       easel.http.stream-heartbeat-interval}; a browser's {@code EventSource} that reconnects with
 *       {@code Last-Event-ID} resumes after that version.
 * </ul>
 *
 * The call is admitted by {@link ApiPolicy} under the rule of {@code StreamOps} (credential, API
 * key scope and project, rate limit) and followed by {@link CanvasServiceImpl#follow}, exactly as
 * over gRPC. Until the stream starts, a refusal is an HTTP error with the REST API's JSON error
 * body (401, 403, 404...); a failure once it runs ends it with a last line {@code {"error": {...}}}
 * or an {@code event: error}.
 */
final class OpStreamRoute implements HttpService {
  static final String PATH = "/v1/canvases/{canvas_id}/ops:stream";
  static final String METHOD = "easel.v1.CanvasService/StreamOps";
  static final MediaType NDJSON = MediaType.create("application", "x-ndjson");
  private static final Set<String> FROM_VERSION = Set.of("fromVersion", "from_version");
  private static final UnframedGrpcErrorHandler ERRORS =
      UnframedGrpcErrorHandler.ofJson(StatusCodes.UNFRAMED);

  private final ApiPolicy policy;
  private final CanvasServiceImpl canvases;
  private final Duration heartbeat;
  private final GrpcJsonMarshaller json =
      GrpcJsonMarshaller.of(CanvasServiceGrpc.getServiceDescriptor());

  OpStreamRoute(ApiPolicy policy, CanvasServiceImpl canvases, Duration heartbeat) {
    this.policy = policy;
    this.canvases = canvases;
    this.heartbeat = heartbeat;
  }

  /** How the ops are written. */
  enum Format {
    NDJSON,
    EVENTS
  }

  @Override
  public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
    Format format = format(req.headers());
    if (format == null) {
      return error(
          ctx,
          ApiErrors.status(
              com.google.rpc.Code.INVALID_ARGUMENT,
              "NOT_ACCEPTABLE",
              "this stream is served as application/x-ndjson or text/event-stream; Accept names"
                  + " neither"),
          StatusCodes.Transport.NOT_ACCEPTABLE.httpStatus());
    }
    StreamOpsRequest request;
    try {
      request = request(ctx, req.headers());
    } catch (StatusRuntimeException invalid) {
      return error(ctx, invalid, null);
    }
    CompletableFuture<HttpResponse> answer = new CompletableFuture<>();
    policy
        .admit(METHOD, ctx, request)
        .whenCompleteAsync(
            (caller, refused) -> {
              if (refused != null) answer.complete(error(ctx, ApiErrors.from(refused), null));
              else follow(ctx, request, caller.userId(), format, answer);
            },
            ctx.eventLoop());
    return HttpResponse.of(answer);
  }

  private void follow(
      ServiceRequestContext ctx,
      StreamOpsRequest request,
      String user,
      Format format,
      CompletableFuture<HttpResponse> answer) {
    Writer writer = new Writer(ctx, format, answer);
    Runnable stop = canvases.follow(request, user, ctx.eventLoop(), writer);
    writer.onEnd(stop);
    ctx.whenRequestCancelling().thenRun(stop);
  }

  /** Writes the stream once it starts, or answers with the refusal before. */
  private final class Writer implements CanvasServiceImpl.OpSink {
    private final ServiceRequestContext ctx;
    private final Format format;
    private final CompletableFuture<HttpResponse> answer;
    private HttpResponseWriter body;
    private ScheduledFuture<?> heartbeats;
    private Runnable onEnd = () -> {};

    Writer(ServiceRequestContext ctx, Format format, CompletableFuture<HttpResponse> answer) {
      this.ctx = ctx;
      this.format = format;
      this.answer = answer;
    }

    /** What to do when the stream ends, however it ends (it starts later, on the event loop). */
    void onEnd(Runnable stop) {
      onEnd = stop;
    }

    private Void ended() {
      if (heartbeats != null) heartbeats.cancel(false);
      onEnd.run();
      return null;
    }

    @Override
    public void started() {
      // A stream lasts as long as the client follows it.
      ctx.clearRequestTimeout();
      body = HttpResponse.streaming();
      body.write(
          ResponseHeaders.builder(HttpStatus.OK)
              .contentType(format == Format.EVENTS ? MediaType.EVENT_STREAM : NDJSON)
              .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
              // Proxies such as nginx would otherwise hold the events back in their buffers.
              .set("x-accel-buffering", "no")
              .build());
      answer.complete(body);
      body.whenComplete().handle((done, failure) -> ended());
      if (format == Format.EVENTS) {
        long millis = heartbeat.toMillis();
        heartbeats =
            ctx.eventLoop()
                .scheduleAtFixedRate(
                    () -> body.tryWrite(HttpData.ofUtf8(": heartbeat\n\n")),
                    millis,
                    millis,
                    TimeUnit.MILLISECONDS);
      }
    }

    @Override
    public void op(CanvasOp op) {
      String line = print(op);
      body.tryWrite(
          HttpData.ofUtf8(
              format == Format.EVENTS
                  ? "event: op\nid: " + op.getVersion() + "\ndata: " + line + "\n\n"
                  : line + "\n"));
    }

    @Override
    public void failed(StatusRuntimeException failure) {
      if (body == null) {
        answer.complete(error(ctx, failure, null));
        return;
      }
      errorBody(ctx, failure)
          .thenAccept(
              error -> {
                body.tryWrite(
                    HttpData.ofUtf8(
                        format == Format.EVENTS
                            ? "event: error\ndata: " + error + "\n\n"
                            : "{\"error\":" + error + "}\n"));
                body.close();
              });
    }
  }

  /** The format the client accepts, NDJSON when it does not say; null when it accepts neither. */
  static Format format(RequestHeaders headers) {
    List<MediaType> accepted = headers.accept();
    if (accepted.isEmpty()) return Format.NDJSON;
    for (MediaType range : accepted) {
      // NDJSON first, so that */* gets the default.
      if (NDJSON.belongsTo(range)) return Format.NDJSON;
      if (MediaType.EVENT_STREAM.belongsTo(range)) return Format.EVENTS;
    }
    return null;
  }

  /**
   * The StreamOps request: the canvas from the path, the first version from {@code fromVersion} (or
   * {@code from_version}), or after an event stream's {@code Last-Event-ID}.
   */
  static StreamOpsRequest request(ServiceRequestContext ctx, RequestHeaders headers) {
    StreamOpsRequest.Builder request =
        StreamOpsRequest.newBuilder().setCanvasId(ctx.pathParam("canvas_id"));
    String query = ctx.query();
    QueryParams params = query == null ? QueryParams.of() : QueryParams.fromQueryString(query);
    String from = null;
    for (String name : params.names()) {
      if (!FROM_VERSION.contains(name)) {
        throw ApiErrors.invalid(
            name, "unknown query parameter " + name + ": this stream takes only fromVersion");
      }
      List<String> values = params.getAll(name);
      if (values.size() != 1 || from != null) {
        throw ApiErrors.invalid("fromVersion", "give fromVersion once");
      }
      from = values.get(0);
    }
    if (from != null) request.setFromVersion(version("fromVersion", from));
    String lastEventId = headers.get("last-event-id");
    if (lastEventId != null && !lastEventId.isBlank()) {
      request.setFromVersion(version("Last-Event-ID", lastEventId.strip()) + 1);
    }
    return request.build();
  }

  private static long version(String name, String value) {
    try {
      long version = Long.parseLong(value);
      if (version >= 0) return version;
    } catch (NumberFormatException e) {
      // answered below
    }
    throw ApiErrors.invalid(name, name + " must be a whole number >= 0, not '" + value + "'");
  }

  private String print(CanvasOp op) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      json.serializeMessage(
          CanvasServiceGrpc.getStreamOpsMethod().getResponseMarshaller(), op, out);
    } catch (IOException e) {
      throw new UncheckedIOException("a CanvasOp always prints as JSON", e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * The refusal as the REST API answers it: the status mapped from the gRPC code (or {@code
   * httpStatus}) and the JSON body of transcoded calls ({@code code}, {@code grpc-code}, {@code
   * message}, {@code details} with the {@code ErrorInfo}).
   */
  private static HttpResponse error(
      ServiceRequestContext ctx, StatusRuntimeException failure, HttpStatus httpStatus) {
    HttpResponse response = ERRORS.handle(ctx, failure.getStatus(), trailersOnly(failure));
    if (httpStatus == null) return response;
    return response.mapHeaders(headers -> headers.toBuilder().status(httpStatus).build());
  }

  private static CompletableFuture<String> errorBody(
      ServiceRequestContext ctx, StatusRuntimeException failure) {
    return ERRORS
        .handle(ctx, failure.getStatus(), trailersOnly(failure))
        .aggregate()
        .thenApply(AggregatedHttpResponse::contentUtf8);
  }

  /** A gRPC answer with only trailers, as the error handler reads one. */
  private static AggregatedHttpResponse trailersOnly(StatusRuntimeException failure) {
    Status status = failure.getStatus();
    com.google.rpc.Status details = StatusProto.fromThrowable(failure);
    HttpHeaders trailers =
        HttpHeaders.builder()
            .add(GrpcHeaderNames.GRPC_STATUS, Integer.toString(status.getCode().value()))
            .add(
                GrpcHeaderNames.GRPC_STATUS_DETAILS_BIN,
                details == null ? "" : Base64.getEncoder().encodeToString(details.toByteArray()))
            .build();
    return AggregatedHttpResponse.of(ResponseHeaders.of(HttpStatus.OK), HttpData.empty(), trailers);
  }
}

package dev.easel.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.websocket.WebSocket;
import com.linecorp.armeria.common.websocket.WebSocketCloseStatus;
import com.linecorp.armeria.common.websocket.WebSocketFrame;
import com.linecorp.armeria.common.websocket.WebSocketWriter;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.websocket.WebSocketServiceHandler;
import graphql.ExecutionResult;
import graphql.GraphQLError;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * GraphQL over a WebSocket on {@code /graphql}, in the {@code graphql-transport-ws} protocol of the
 * {@code graphql-ws} library: {@code connection_init} / {@code connection_ack}, {@code ping} /
 * {@code pong}, then any number of operations, each a {@code subscribe} with an id, answered by
 * {@code next} (one per event of a subscription, one for a query or mutation), {@code error}
 * (validation errors, or the call failing) or {@code complete}; the client's {@code complete} ends
 * a subscription. Protocol errors close the socket with the protocol's codes: 4400 (invalid
 * message), 4401 (subscribe before the acknowledgement), 4408 (no {@code connection_init} within
 * {@value #INIT_TIMEOUT_SECONDS} s), 4409 (an id already running), 4429 (a second {@code
 * connection_init}).
 *
 * <p>The upgrade is authenticated like {@code /ws} ({@link GraphqlEndpoint}); each operation then
 * makes its calls with the upgrade's credential ({@link LoopbackApi}), each passing {@link
 * ApiPolicy}. The socket closes with 4401 when its access token expires and with 4403 within {@code
 * easel.http.socket-recheck-interval} of its sign-in or API key being revoked. Each subscription
 * takes the next event only once the last one was written to the socket.
 */
final class GraphqlSocket implements WebSocketServiceHandler {
  static final String PROTOCOL = "graphql-transport-ws";
  static final long INIT_TIMEOUT_SECONDS = 10;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

  private final GraphqlApi api;
  private final LoopbackApi loopback;
  private final Callers callers;
  private final Duration recheckInterval;

  GraphqlSocket(GraphqlApi api, LoopbackApi loopback, Callers callers, Duration recheckInterval) {
    this.api = api;
    this.loopback = loopback;
    this.callers = callers;
    this.recheckInterval = recheckInterval;
  }

  @Override
  public WebSocket handle(ServiceRequestContext ctx, WebSocket in) {
    WebSocketWriter out = WebSocket.streaming();
    Connection connection = new Connection(ctx, out);
    in.subscribe(
        new Subscriber<WebSocketFrame>() {
          @Override
          public void onSubscribe(Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
          }

          @Override
          public void onNext(WebSocketFrame frame) {
            switch (frame.type()) {
              case TEXT -> connection.receive(frame.text());
              case BINARY -> connection.close(4400, "Invalid message received: binary frame");
              case PING -> out.tryWrite(WebSocketFrame.ofPong(frame.array()));
              case CLOSE -> connection.close(WebSocketCloseStatus.NORMAL_CLOSURE.code(), null);
              default -> {}
            }
          }

          @Override
          public void onError(Throwable cause) {
            connection.end();
            out.close(cause);
          }

          @Override
          public void onComplete() {
            connection.close(WebSocketCloseStatus.NORMAL_CLOSURE.code(), null);
          }
        },
        ctx.eventLoop());
    return out;
  }

  /** One socket: its state, touched only on its event loop. */
  private final class Connection {
    private final ServiceRequestContext ctx;
    private final WebSocketWriter out;
    private final EventExecutor loop;
    private final Caller caller;
    private final List<ScheduledFuture<?>> timers = new ArrayList<>();

    /** Running operations by id; a subscription's value is set once it has subscribed. */
    private final Map<String, Subscription> operations = new HashMap<>();

    private final Subscription starting =
        new Subscription() {
          @Override
          public void request(long n) {}

          @Override
          public void cancel() {}
        };

    private boolean initialised;
    private boolean closed;

    Connection(ServiceRequestContext ctx, WebSocketWriter out) {
      this.ctx = ctx;
      this.out = out;
      this.loop = ctx.eventLoop();
      this.caller = ctx.attr(Callers.CALLER);
      timers.add(
          loop.schedule(
              () -> {
                if (!initialised) close(4408, "Connection initialisation timeout");
              },
              INIT_TIMEOUT_SECONDS,
              TimeUnit.SECONDS));
      if (caller != null && caller.expiresAt() != null) {
        long untilExpiry =
            Math.max(0, Duration.between(Instant.now(), caller.expiresAt()).toMillis());
        timers.add(
            loop.schedule(
                () -> close(4401, "access token expired; reconnect with a fresh one"),
                untilExpiry,
                TimeUnit.MILLISECONDS));
      }
      if (caller != null) {
        long every = recheckInterval.toMillis();
        timers.add(
            loop.scheduleAtFixedRate(
                () ->
                    callers
                        .stillValid(caller)
                        .whenCompleteAsync(
                            (valid, failure) -> {
                              if (Boolean.FALSE.equals(valid)) {
                                close(
                                    4403,
                                    caller.viaApiKey()
                                        ? "API key revoked"
                                        : "signed out: this sign-in was revoked");
                              }
                            },
                            loop),
                every,
                every,
                TimeUnit.MILLISECONDS));
      }
    }

    void receive(String text) {
      if (closed) return;
      JsonNode message;
      try {
        message = JSON.readTree(text);
      } catch (JsonProcessingException e) {
        close(4400, "Invalid message received: not JSON");
        return;
      }
      if (message == null || !message.isObject() || !message.path("type").isTextual()) {
        close(4400, "Invalid message received: not an object with a type");
        return;
      }
      switch (message.get("type").asText()) {
        case "connection_init" -> {
          if (initialised) {
            close(4429, "Too many initialisation requests");
            return;
          }
          initialised = true;
          send(Map.of("type", "connection_ack"));
        }
        case "ping" -> send(Map.of("type", "pong"));
        case "pong" -> {}
        case "subscribe" -> subscribe(message);
        case "complete" -> {
          Subscription running = operations.remove(message.path("id").asText());
          if (running != null) running.cancel();
        }
        default -> close(4400, "Invalid message received: unknown type");
      }
    }

    private void subscribe(JsonNode message) {
      if (!initialised) {
        close(4401, "Unauthorized");
        return;
      }
      JsonNode id = message.get("id");
      if (id == null || !id.isTextual() || id.asText().isEmpty()) {
        close(4400, "Invalid message received: subscribe needs an id");
        return;
      }
      String operationId = id.asText();
      if (operations.containsKey(operationId)) {
        close(4409, "Subscriber for " + abbreviated(operationId) + " already exists");
        return;
      }
      JsonNode payload = message.get("payload");
      if (payload == null
          || !payload.isObject()
          || !payload.path("query").isTextual()
          || !(payload.path("variables").isMissingNode()
              || payload.path("variables").isNull()
              || payload.path("variables").isObject())
          || !(payload.path("operationName").isMissingNode()
              || payload.path("operationName").isNull()
              || payload.path("operationName").isTextual())) {
        close(4400, "Invalid message received: payload needs a query string");
        return;
      }
      JsonNode variables = payload.path("variables");
      JsonNode operationName = payload.path("operationName");
      GraphqlApi.Request request =
          new GraphqlApi.Request(
              payload.get("query").asText(),
              operationName.isTextual() ? operationName.asText() : null,
              variables.isObject() ? JSON.convertValue(variables, MAP) : null);
      operations.put(operationId, starting);
      api.execute(request, loopback.session(ctx))
          .whenCompleteAsync((result, failure) -> started(operationId, result, failure), loop);
    }

    private void started(String id, ExecutionResult result, Throwable failure) {
      if (closed || operations.get(id) != starting) {
        // Completed by the client (or the socket closed) meanwhile: end the stream it started.
        if (result != null && result.getData() instanceof Publisher<?> events) {
          events.subscribe(new GraphqlHttp.Cancelling());
        }
        return;
      }
      if (failure != null) {
        operations.remove(id);
        sendError(id, List.of(GraphqlErrors.of(failure, null, null)));
        return;
      }
      if (result.getData() instanceof Publisher<?> events) {
        events.subscribe(new Events(id));
        return;
      }
      operations.remove(id);
      if (result.getData() == null && !result.getErrors().isEmpty()) {
        sendError(id, result.getErrors());
        return;
      }
      send(next(id, result));
      send(Map.of("id", id, "type", "complete"));
    }

    /** The events of one subscription, written one at a time. */
    private final class Events implements Subscriber<Object> {
      private final String id;
      private Subscription subscription;

      Events(String id) {
        this.id = id;
      }

      @Override
      public void onSubscribe(Subscription subscription) {
        loop.execute(
            () -> {
              if (closed || operations.get(id) != starting) {
                subscription.cancel();
                return;
              }
              this.subscription = subscription;
              operations.put(id, subscription);
              subscription.request(1);
            });
      }

      @Override
      public void onNext(Object event) {
        loop.execute(
            () -> {
              if (closed || operations.get(id) != subscription) return;
              send(next(id, (ExecutionResult) event));
              out.whenConsumed()
                  .thenRunAsync(
                      () -> {
                        if (!closed && operations.get(id) == subscription) subscription.request(1);
                      },
                      loop);
            });
      }

      @Override
      public void onError(Throwable failure) {
        loop.execute(
            () -> {
              if (closed || operations.remove(id) == null) return;
              sendError(id, List.of(GraphqlErrors.of(failure, null, null)));
            });
      }

      @Override
      public void onComplete() {
        loop.execute(
            () -> {
              if (closed || operations.remove(id) == null) return;
              send(Map.of("id", id, "type", "complete"));
            });
      }
    }

    private Map<String, Object> next(String id, ExecutionResult result) {
      Map<String, Object> message = new LinkedHashMap<>();
      message.put("id", id);
      message.put("type", "next");
      message.put("payload", result.toSpecification());
      return message;
    }

    private void sendError(String id, List<GraphQLError> errors) {
      Map<String, Object> message = new LinkedHashMap<>();
      message.put("id", id);
      message.put("type", "error");
      message.put("payload", errors.stream().map(GraphQLError::toSpecification).toList());
      send(message);
    }

    private void send(Map<String, ?> message) {
      if (closed) return;
      try {
        out.tryWrite(JSON.writeValueAsString(message));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("a protocol message always serializes", e);
      }
    }

    /** Ends every operation and the timers. */
    void end() {
      if (closed) return;
      closed = true;
      timers.forEach(timer -> timer.cancel(false));
      operations.values().forEach(Subscription::cancel);
      operations.clear();
    }

    void close(int code, String reason) {
      if (closed) return;
      end();
      out.close(
          code == WebSocketCloseStatus.NORMAL_CLOSURE.code()
              ? WebSocketCloseStatus.NORMAL_CLOSURE
              : WebSocketCloseStatus.ofPrivateUse(code, reason),
          reason == null ? "" : reason);
    }
  }

  /** An id short enough for a close reason (at most 123 bytes). */
  private static String abbreviated(String id) {
    return id.length() <= 60 ? id : id.substring(0, 60) + "…";
  }
}

package dev.easel.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.websocket.WebSocket;
import com.linecorp.armeria.common.websocket.WebSocketCloseStatus;
import com.linecorp.armeria.common.websocket.WebSocketFrame;
import com.linecorp.armeria.common.websocket.WebSocketWriter;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.websocket.WebSocketService;
import com.linecorp.armeria.server.websocket.WebSocketServiceHandler;
import dev.easel.canvas.DocumentKind;
import dev.easel.canvas.DocumentStore;
import dev.easel.project.Projects;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * The collaboration socket on {@code /ws}: each WebSocket is one {@link ShareDbSession} of a
 * signed-in user or an API key, run on the connection's event loop, closed when its access token
 * expires or within {@code easel.http.socket-recheck-interval} of its sign-in or key being revoked
 * (close code 1008, policy violation, with the reason). Frames larger than the configured limit
 * close the socket with 1009 (message too big), which the sharedb client reports and reconnects
 * from.
 */
final class ShareDbSocket implements WebSocketServiceHandler {
  private final ObjectMapper mapper;
  private final Map<DocumentKind, DocumentStore> stores;
  private final PresenceHub presence = new PresenceHub();
  private final Projects projects;
  private final Callers callers;
  private final Duration recheckInterval;
  private final ShareDbMeters meters;

  ShareDbSocket(
      ObjectMapper mapper,
      Map<DocumentKind, DocumentStore> stores,
      Projects projects,
      Callers callers,
      Duration recheckInterval,
      ShareDbMeters meters) {
    this.meters = meters;
    this.recheckInterval = recheckInterval;
    this.mapper = mapper;
    this.stores = Map.copyOf(stores);
    this.projects = projects;
    this.callers = callers;
  }

  /**
   * The socket service: the upgrade needs a valid credential (an access token in the header or
   * cookie, or an API key), refused with 401 and the reason otherwise, and counts as one request of
   * the caller's rate limit (429 over it).
   */
  static HttpService service(
      ShareDbSocket socket, int maxFrameBytes, Set<String> allowedOrigins, RateLimits limits) {
    WebSocketService webSocket =
        WebSocketService.builder(socket)
            .maxFramePayloadLength(maxFrameBytes)
            .aggregateContinuation(true)
            // Origins are checked below, where a request without one (not a browser) may pass.
            .allowedOrigins("*")
            .build();
    return webSocket.decorate(upgradeGuard(socket.callers, allowedOrigins, limits));
  }

  /**
   * The checks of a socket upgrade (this one and GraphQL's): a browser's page must be allowed (403
   * otherwise), the credential valid (401) and the caller within its rate limit, of which the
   * upgrade takes one request (429); the caller is then kept in the request's context.
   */
  static DecoratingHttpServiceFunction upgradeGuard(
      Callers callers, Set<String> allowedOrigins, RateLimits limits) {
    return (delegate, ctx, req) -> {
      String origin = req.headers().get(HttpHeaderNames.ORIGIN);
      if (origin != null && !originAllowed(origin, req.headers(), allowedOrigins)) {
        return HttpReplies.error(
            io.grpc.Status.Code.PERMISSION_DENIED,
            "PERMISSION_DENIED",
            "origin " + origin + " may not open this socket; see easel.http.allowed-origins");
      }
      return HttpResponse.of(
          callers
              .authenticate(req.headers())
              .handleAsync(
                  (caller, failure) -> {
                    if (failure != null) {
                      return HttpReplies.error(
                          io.grpc.Status.Code.UNAUTHENTICATED,
                          "UNAUTHENTICATED",
                          ApiErrors.from(failure).getStatus().getDescription());
                    }
                    try {
                      limits.admit(caller);
                    } catch (RateLimits.Exceeded exceeded) {
                      return HttpReplies.tooMany(exceeded);
                    }
                    ctx.setAttr(Callers.CALLER, caller);
                    try {
                      return delegate.serve(ctx, req);
                    } catch (Exception e) {
                      return HttpResponse.ofFailure(e);
                    }
                  },
                  ctx.eventLoop()));
    };
  }

  /** A page's origin may connect when it is listed, or is the origin the server was reached at. */
  static boolean originAllowed(String origin, RequestHeaders headers, Set<String> allowed) {
    if (allowed.contains(origin)) return true;
    String host = headers.get(HttpHeaderNames.HOST);
    if (host == null) host = headers.authority();
    return host != null && (origin.equals("http://" + host) || origin.equals("https://" + host));
  }

  @Override
  public WebSocket handle(ServiceRequestContext ctx, WebSocket in) {
    WebSocketWriter out = WebSocket.streaming();
    var executor = ctx.eventLoop();
    Caller caller = ctx.attr(Callers.CALLER);
    ShareDbSession session =
        new ShareDbSession(
            mapper, stores, presence, executor, out::tryWrite, projects, caller, meters);
    executor.execute(session::open);
    List<ScheduledFuture<?>> timers = new ArrayList<>();
    Runnable end =
        () -> {
          timers.forEach(timer -> timer.cancel(false));
          session.close();
        };
    // An access token's socket lives as long as the token it was opened with.
    if (caller.expiresAt() != null) {
      long untilExpiry =
          Math.max(0, Duration.between(Instant.now(), caller.expiresAt()).toMillis());
      timers.add(
          executor.schedule(
              () -> {
                end.run();
                out.close(
                    WebSocketCloseStatus.POLICY_VIOLATION,
                    "access token expired; reconnect with a fresh one");
              },
              untilExpiry,
              TimeUnit.MILLISECONDS));
    }
    // Its sign-in or API key is looked at again every few seconds: a revoked one ends it.
    long every = recheckInterval.toMillis();
    timers.add(
        executor.scheduleAtFixedRate(
            () ->
                callers
                    .stillValid(caller)
                    .whenCompleteAsync(
                        (valid, failure) -> {
                          // an unanswered check (a node restarting) is tried again next time
                          if (Boolean.FALSE.equals(valid)) {
                            end.run();
                            out.close(
                                WebSocketCloseStatus.POLICY_VIOLATION,
                                caller.viaApiKey()
                                    ? "API key revoked"
                                    : "signed out: this sign-in was revoked");
                          }
                        },
                        executor),
            every,
            every,
            TimeUnit.MILLISECONDS));
    in.subscribe(
        new Subscriber<WebSocketFrame>() {
          @Override
          public void onSubscribe(Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
          }

          @Override
          public void onNext(WebSocketFrame frame) {
            switch (frame.type()) {
              case TEXT -> session.receive(frame.text());
              case BINARY ->
                  session.refuse(
                      "Binary frames are not part of the ShareDB protocol; send JSON text");
              case PING -> out.tryWrite(WebSocketFrame.ofPong(frame.array()));
              case CLOSE -> {
                end.run();
                out.close(WebSocketCloseStatus.NORMAL_CLOSURE);
              }
              default -> {}
            }
          }

          @Override
          public void onError(Throwable cause) {
            end.run();
            out.close(cause);
          }

          @Override
          public void onComplete() {
            end.run();
            out.close();
          }
        },
        executor);
    return out;
  }
}

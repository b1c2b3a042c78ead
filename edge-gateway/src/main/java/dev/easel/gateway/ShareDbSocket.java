package dev.easel.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.websocket.WebSocket;
import com.linecorp.armeria.common.websocket.WebSocketCloseStatus;
import com.linecorp.armeria.common.websocket.WebSocketFrame;
import com.linecorp.armeria.common.websocket.WebSocketWriter;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.websocket.WebSocketService;
import com.linecorp.armeria.server.websocket.WebSocketServiceHandler;
import dev.easel.canvas.CanvasFeeds;
import dev.easel.canvas.Canvases;
import dev.easel.identity.Accounts;
import dev.easel.identity.VerifiedToken;
import dev.easel.project.Projects;
import io.netty.util.AttributeKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * The collaboration socket on {@code /ws}: each WebSocket is one {@link ShareDbSession} of a
 * signed-in user, run on the connection's event loop, closed when its access token expires. Frames
 * larger than the configured limit close the socket with 1009 (message too big), which the sharedb
 * client reports and reconnects from.
 */
final class ShareDbSocket implements WebSocketServiceHandler {
  private final ObjectMapper mapper;
  private final Canvases canvases;
  private final CanvasFeeds feeds;
  private final PresenceHub presence = new PresenceHub();
  private final Projects projects;
  private final Callers callers;

  ShareDbSocket(
      ObjectMapper mapper,
      Canvases canvases,
      CanvasFeeds feeds,
      Projects projects,
      Callers callers) {
    this.mapper = mapper;
    this.canvases = canvases;
    this.feeds = feeds;
    this.projects = projects;
    this.callers = callers;
  }

  /**
   * The socket service: the upgrade needs a valid access token (header or cookie), refused with 401
   * and the reason otherwise, and counts as one request of the user's rate limit (429 over it).
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
    return webSocket.decorate(
        (delegate, ctx, req) -> {
          String origin = req.headers().get(HttpHeaderNames.ORIGIN);
          if (origin != null && !originAllowed(origin, req.headers(), allowedOrigins)) {
            return HttpResponse.of(
                HttpStatus.FORBIDDEN,
                MediaType.JSON_UTF_8,
                "{\"code\":\"PERMISSION_DENIED\",\"message\":"
                    + socket.mapper.valueToTree(
                        "origin "
                            + origin
                            + " may not open this socket; see easel.http.allowed-origins")
                    + "}");
          }
          VerifiedToken caller;
          try {
            caller = socket.callers.verify(req.headers());
          } catch (Accounts.Refusal refusal) {
            return HttpResponse.of(
                HttpStatus.UNAUTHORIZED,
                MediaType.JSON_UTF_8,
                "{\"code\":\"UNAUTHENTICATED\",\"message\":"
                    + socket.mapper.valueToTree(refusal.getMessage())
                    + "}");
          }
          try {
            limits.admitUser(caller.subject());
          } catch (RateLimits.Exceeded exceeded) {
            return HttpReplies.tooMany(exceeded);
          }
          ctx.setAttr(CALLER, caller);
          return delegate.serve(ctx, req);
        });
  }

  /** A page's origin may connect when it is listed, or is the origin the server was reached at. */
  static boolean originAllowed(String origin, RequestHeaders headers, Set<String> allowed) {
    if (allowed.contains(origin)) return true;
    String host = headers.get(HttpHeaderNames.HOST);
    if (host == null) host = headers.authority();
    return host != null && (origin.equals("http://" + host) || origin.equals("https://" + host));
  }

  static final AttributeKey<VerifiedToken> CALLER =
      AttributeKey.valueOf(ShareDbSocket.class, "CALLER");

  @Override
  public WebSocket handle(ServiceRequestContext ctx, WebSocket in) {
    WebSocketWriter out = WebSocket.streaming();
    var executor = ctx.eventLoop();
    VerifiedToken caller = ctx.attr(CALLER);
    ShareDbSession session =
        new ShareDbSession(
            mapper, canvases, feeds, presence, executor, out::tryWrite, projects, caller.subject());
    executor.execute(session::open);
    // The socket lives as long as the access token it was opened with.
    long untilExpiry = Math.max(0, Duration.between(Instant.now(), caller.expiresAt()).toMillis());
    executor.schedule(
        () -> {
          session.close();
          out.close(
              WebSocketCloseStatus.POLICY_VIOLATION,
              "access token expired; reconnect with a fresh one");
        },
        untilExpiry,
        TimeUnit.MILLISECONDS);
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
                session.close();
                out.close(WebSocketCloseStatus.NORMAL_CLOSURE);
              }
              default -> {}
            }
          }

          @Override
          public void onError(Throwable cause) {
            session.close();
            out.close(cause);
          }

          @Override
          public void onComplete() {
            session.close();
            out.close();
          }
        },
        executor);
    return out;
  }
}

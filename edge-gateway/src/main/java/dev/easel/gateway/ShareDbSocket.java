package dev.easel.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.websocket.WebSocket;
import com.linecorp.armeria.common.websocket.WebSocketCloseStatus;
import com.linecorp.armeria.common.websocket.WebSocketFrame;
import com.linecorp.armeria.common.websocket.WebSocketWriter;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.websocket.WebSocketService;
import com.linecorp.armeria.server.websocket.WebSocketServiceHandler;
import dev.easel.canvas.CanvasFeeds;
import dev.easel.canvas.Canvases;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * The collaboration socket on {@code /ws}: each WebSocket is one {@link ShareDbSession}, run on the
 * connection's event loop. Frames larger than the configured limit close the socket with 1009
 * (message too big), which the sharedb client reports and reconnects from.
 */
final class ShareDbSocket implements WebSocketServiceHandler {
  private final ObjectMapper mapper;
  private final Canvases canvases;
  private final CanvasFeeds feeds;
  private final PresenceHub presence = new PresenceHub();

  ShareDbSocket(ObjectMapper mapper, Canvases canvases, CanvasFeeds feeds) {
    this.mapper = mapper;
    this.canvases = canvases;
    this.feeds = feeds;
  }

  static WebSocketService service(ShareDbSocket socket, int maxFrameBytes) {
    return WebSocketService.builder(socket)
        .maxFramePayloadLength(maxFrameBytes)
        .aggregateContinuation(true)
        // Origins are checked once accounts exist; until then any page may connect.
        .allowedOrigins("*")
        .build();
  }

  @Override
  public WebSocket handle(ServiceRequestContext ctx, WebSocket in) {
    WebSocketWriter out = WebSocket.streaming();
    var executor = ctx.eventLoop();
    ShareDbSession session =
        new ShareDbSession(mapper, canvases, feeds, presence, executor, out::tryWrite, "anonymous");
    executor.execute(session::open);
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

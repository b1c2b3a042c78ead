package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.WebSocket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A raw ShareDB socket on {@code /ws} through the JDK's WebSocket client, opened with one header
 * (the credential): requests are sent one at a time and their answers read in order; how the server
 * closed it is kept.
 */
public record ShareDbTestSocket(
    WebSocket webSocket, BlockingQueue<String> received, CompletableFuture<String> closed)
    implements AutoCloseable {
  static final ObjectMapper MAPPER = new ObjectMapper();

  public static ShareDbTestSocket open(int port, String header, String value) throws Exception {
    BlockingQueue<String> received = new LinkedBlockingQueue<>();
    CompletableFuture<String> closed = new CompletableFuture<>();
    WebSocket webSocket =
        Http.CLIENT
            .newWebSocketBuilder()
            .header(header, value)
            .buildAsync(
                URI.create("ws://127.0.0.1:" + port + "/ws"),
                new WebSocket.Listener() {
                  final StringBuilder text = new StringBuilder();

                  @Override
                  public CompletionStage<?> onText(
                      WebSocket socket, CharSequence data, boolean last) {
                    text.append(data);
                    if (last) {
                      received.add(text.toString());
                      text.setLength(0);
                    }
                    socket.request(1);
                    return null;
                  }

                  @Override
                  public CompletionStage<?> onClose(
                      WebSocket socket, int statusCode, String reason) {
                    closed.complete(statusCode + " " + reason);
                    return null;
                  }
                })
            .get(30, TimeUnit.SECONDS);
    ShareDbTestSocket socket = new ShareDbTestSocket(webSocket, received, closed);
    assertThat(socket.next().path("a").asText()).isEqualTo("init");
    return socket;
  }

  public JsonNode next() throws Exception {
    String message = received.poll(30, TimeUnit.SECONDS);
    assertThat(message).as("an answer over /ws").isNotNull();
    return MAPPER.readTree(message);
  }

  public JsonNode request(String json) throws Exception {
    webSocket.sendText(json, true).get(30, TimeUnit.SECONDS);
    return next();
  }

  /** How the server closed the socket ("code reason"); fails if it stays open for 30 s. */
  public String closeReason() throws Exception {
    return closed.get(30, TimeUnit.SECONDS);
  }

  /** Closes the socket from this side (normal closure). */
  @Override
  public void close() {
    webSocket.sendClose(WebSocket.NORMAL_CLOSURE, "done").orTimeout(30, TimeUnit.SECONDS).join();
  }
}

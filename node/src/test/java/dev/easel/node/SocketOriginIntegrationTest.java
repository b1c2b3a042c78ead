package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The collaboration socket refuses pages from foreign origins (cross-site WebSocket hijacking) and
 * callers without a valid access token; allowed origins and non-browser callers get through.
 */
class SocketOriginIntegrationTest {
  @TempDir Path dataDir;

  /** The status line of a WebSocket upgrade request sent by hand. */
  static String upgrade(int port, String origin, String token) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      StringBuilder request =
          new StringBuilder("GET /ws HTTP/1.1\r\n")
              .append("Host: 127.0.0.1:")
              .append(port)
              .append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
              .append("Sec-WebSocket-Version: 13\r\n")
              .append("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
      if (origin != null) request.append("Origin: ").append(origin).append("\r\n");
      if (token != null) request.append("Authorization: Bearer ").append(token).append("\r\n");
      request.append("\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
          .readLine();
    }
  }

  @Test
  void onlyListedOrSameOriginPagesWithATokenMayConnect() throws Exception {
    try (EaselNode node =
        TestNodes.start(dataDir, Map.of("easel.http.allowed-origins", "https://app.example.org"))) {
      int port = node.httpPort();
      String token = Http.signUp(port, "origin@example.org");
      assertThat(upgrade(port, "https://evil.example.net", token)).contains(" 403 ");
      assertThat(upgrade(port, "https://app.example.org", token)).contains(" 101 ");
      assertThat(upgrade(port, "http://127.0.0.1:" + port, token)).contains(" 101 ");
      assertThat(upgrade(port, null, token)).contains(" 101 ");
      assertThat(upgrade(port, "https://app.example.org", null)).contains(" 401 ");
      assertThat(upgrade(port, null, "not-a-token")).contains(" 401 ");
    }
  }
}

package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.TlsKeyPair;
import com.typesafe.config.ConfigFactory;
import dev.easel.api.v1.GetMeRequest;
import dev.easel.api.v1.UserServiceGrpc;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node given a certificate and key speaks HTTPS only, on its one port: REST, gRPC (HTTP/2 by
 * ALPN) and the {@code wss://} socket, each through a client that trusts that certificate alone.
 */
class TlsIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dataDir;
  @TempDir Path keys;

  static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  @Test
  void aCertificateTurnsEveryFaceToTls() throws Exception {
    TlsKeyPair pair = TlsKeyPair.ofSelfSigned("localhost");
    Path certificate = keys.resolve("tls.crt");
    Path privateKey = keys.resolve("tls.key");
    Files.writeString(certificate, pem("CERTIFICATE", pair.certificateChain().get(0).getEncoded()));
    Files.writeString(privateKey, pem("PRIVATE KEY", pair.privateKey().getEncoded()));

    KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
    trusted.load(null, null);
    trusted.setCertificateEntry("easel", pair.certificateChain().get(0));
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, trust.getTrustManagers(), null);
    HttpClient https =
        HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(10)).build();

    Map<String, Object> settings =
        Map.of(
            "easel.http.tls.certificate", certificate.toString(),
            "easel.http.tls.private-key", privateKey.toString());
    try (EaselNode node =
        EaselNode.start(
            ConfigFactory.parseMap(settings).withFallback(TestNodes.loopback(dataDir)))) {
      int port = node.httpPort();
      String base = "https://localhost:" + port;
      awaitHealthy(https, base);

      // REST over HTTPS.
      String email = "tls@example.org";
      String password = "a password over tls";
      HttpResponse<String> registered =
          https.send(
              post(
                  base + "/v1/auth:register",
                  "{\"email\":\""
                      + email
                      + "\",\"password\":\""
                      + password
                      + "\",\"displayName\":\"Tess\"}"),
              HttpResponse.BodyHandlers.ofString());
      assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
      assertThat(registered.version()).isEqualTo(HttpClient.Version.HTTP_2);
      HttpResponse<String> login =
          https.send(
              post(
                  base + "/v1/auth:login",
                  "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}"),
              HttpResponse.BodyHandlers.ofString());
      assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
      String token = JSON.readTree(login.body()).path("accessToken").asText();

      // gRPC over TLS.
      try (ClientFactory factory =
          ClientFactory.builder()
              .tlsCustomizer(tls -> tls.trustManager(pair.certificateChain().get(0)))
              .build()) {
        var users =
            GrpcClients.builder(base)
                .factory(factory)
                .addHeader("authorization", "Bearer " + token)
                .build(UserServiceGrpc.UserServiceBlockingStub.class);
        assertThat(users.getMe(GetMeRequest.getDefaultInstance()).getEmail()).isEqualTo(email);
      }

      // The collaboration socket as wss://.
      CompletableFuture<String> first = new CompletableFuture<>();
      WebSocket socket =
          https
              .newWebSocketBuilder()
              .header("authorization", "Bearer " + token)
              .buildAsync(
                  URI.create("wss://localhost:" + port + "/ws"),
                  new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(
                        WebSocket webSocket, CharSequence data, boolean last) {
                      first.complete(data.toString());
                      return null;
                    }
                  })
              .get(30, TimeUnit.SECONDS);
      assertThat(JSON.readTree(first.get(30, TimeUnit.SECONDS)).path("a").asText())
          .isEqualTo("init");
      socket.abort();

      // Plain HTTP is not served on the port.
      assertThatThrownBy(() -> Http.get(port, "/health")).isInstanceOf(java.io.IOException.class);
    }
  }

  @Test
  void halfATlsConfigurationStopsTheStartWithTheReason() {
    assertThatThrownBy(
            () ->
                TestNodes.start(
                    dataDir,
                    Map.<String, Object>of(
                        "easel.http.tls.certificate", keys.resolve("tls.crt").toString())))
        .hasStackTraceContaining("easel.http.tls: set both certificate and private-key");
  }

  /** Waits (bounded) until {@code /health} answers 200 over HTTPS. */
  static void awaitHealthy(HttpClient https, String base) throws Exception {
    String last = "no answer";
    for (int i = 0; i < 600; i++) {
      try {
        HttpResponse<String> health =
            https.send(
                HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (health.statusCode() == 200) return;
        last = health.statusCode() + " " + health.body();
      } catch (java.io.IOException e) {
        last = e.toString();
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("never healthy over HTTPS: " + last);
  }

  static HttpRequest post(String url, String json) {
    return HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(30))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json))
        .build();
  }
}

package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.easel.api.v1.GetMeRequest;
import dev.easel.api.v1.UserServiceGrpc;
import dev.easel.identity.TokenKeys;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forged and broken access tokens against a real node, on each way in: REST, gRPC (Armeria's gRPC
 * client) and the {@code /ws} upgrade (the JDK's WebSocket client). Every one names the real
 * account as its subject, so a token that got through would act as it; none gets through.
 */
class TokenAttackIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

  @TempDir Path dataDir;

  @Test
  void forgedExpiredMisaddressedAndTamperedTokensAreRefusedOnEveryPath() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      int port = node.httpPort();
      String genuine = Http.signUp(port, "target@example.org");
      SignedJWT parsed = SignedJWT.parse(genuine);
      JWTClaimsSet claims = parsed.getJWTClaimsSet();
      String kid = parsed.getHeader().getKeyID();
      // The node's own signing key, read from its data directory: tokens signed with it and
      // otherwise wrong show that every claim is checked, not only the signature.
      ECKey ours =
          JWKSet.parse(Files.readString(dataDir.resolve("keys").resolve(TokenKeys.FILE_NAME)))
              .getKeyByKeyId(kid)
              .toECKey();
      ECKey attacker = new ECKeyGenerator(Curve.P_256).keyID("attacker").generate();
      Instant now = Instant.now();

      Map<String, String> attacks = new LinkedHashMap<>();
      attacks.put(
          "alg none",
          b64("{\"alg\":\"none\",\"typ\":\"at+jwt\",\"kid\":\"" + kid + "\"}")
              + "."
              + b64(claims.toString())
              + ".");
      attacks.put(
          "HS256 keyed with our public key",
          sign(
              new MACSigner(ours.toECPublicKey().getEncoded()),
              header(JWSAlgorithm.HS256, kid).build(),
              claims));
      attacks.put(
          "an attacker's key in a jwk header",
          sign(
              new ECDSASigner(attacker),
              header(JWSAlgorithm.ES256, "attacker").jwk(attacker.toPublicJWK()).build(),
              claims));
      attacks.put(
          "an attacker's key set in a jku header",
          sign(
              new ECDSASigner(attacker),
              header(JWSAlgorithm.ES256, kid)
                  .jwkURL(URI.create("https://attacker.example/.well-known/jwks.json"))
                  .build(),
              claims));
      attacks.put(
          "expired",
          signOurs(
              ours,
              kid,
              claims,
              c ->
                  c.issueTime(Date.from(now.minus(Duration.ofHours(2))))
                      .notBeforeTime(Date.from(now.minus(Duration.ofHours(2))))
                      .expirationTime(Date.from(now.minus(Duration.ofHours(1))))));
      attacks.put(
          "not yet valid",
          signOurs(
              ours,
              kid,
              claims,
              c ->
                  c.notBeforeTime(Date.from(now.plus(Duration.ofHours(1))))
                      .expirationTime(Date.from(now.plus(Duration.ofHours(2))))));
      attacks.put(
          "wrong audience", signOurs(ours, kid, claims, c -> c.audience("someone-else's-api")));
      attacks.put(
          "wrong issuer", signOurs(ours, kid, claims, c -> c.issuer("https://attacker.example")));
      attacks.put(
          "wrong typ",
          sign(
              new ECDSASigner(ours),
              new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT).keyID(kid).build(),
              claims));
      attacks.put("tampered payload", tamper(genuine));

      // The genuine token passes everywhere: the refusals below are the forgeries'.
      assertThat(Http.get(port, "/v1/users/me", genuine).statusCode()).isEqualTo(200);
      assertThat(users(port, genuine).getMe(GetMeRequest.getDefaultInstance()).getUserId())
          .isEqualTo(claims.getSubject());
      openSocket(port, genuine).get(30, TimeUnit.SECONDS).abort();

      attacks.forEach(
          (attack, token) -> {
            try {
              HttpResponse<String> rest = Http.get(port, "/v1/users/me", token);
              assertThat(rest.statusCode()).as("REST, %s: %s", attack, rest.body()).isEqualTo(401);
              assertThat(rest.body()).contains("access token refused").doesNotContain(token);

              assertThatThrownBy(() -> users(port, token).getMe(GetMeRequest.getDefaultInstance()))
                  .as("gRPC, %s", attack)
                  .isInstanceOfSatisfying(
                      StatusRuntimeException.class,
                      e ->
                          assertThat(e.getStatus().getCode())
                              .isEqualTo(Status.Code.UNAUTHENTICATED));

              assertThatThrownBy(() -> openSocket(port, token).join())
                  .as("/ws upgrade, %s", attack)
                  .isInstanceOf(CompletionException.class)
                  .cause()
                  .isInstanceOfSatisfying(
                      WebSocketHandshakeException.class,
                      e -> assertThat(e.getResponse().statusCode()).isEqualTo(401));
            } catch (Exception e) {
              throw new AssertionError(attack, e);
            }
          });
    }
  }

  static UserServiceGrpc.UserServiceBlockingStub users(int port, String token) {
    return GrpcClients.builder("http://127.0.0.1:" + port)
        .addHeader("authorization", "Bearer " + token)
        .build(UserServiceGrpc.UserServiceBlockingStub.class);
  }

  static java.util.concurrent.CompletableFuture<WebSocket> openSocket(int port, String token) {
    return Http.CLIENT
        .newWebSocketBuilder()
        .header("authorization", "Bearer " + token)
        .connectTimeout(Duration.ofSeconds(10))
        .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), new WebSocket.Listener() {});
  }

  static JWSHeader.Builder header(JWSAlgorithm alg, String kid) {
    return new JWSHeader.Builder(alg).type(new JOSEObjectType("at+jwt")).keyID(kid);
  }

  static String signOurs(
      ECKey ours, String kid, JWTClaimsSet claims, UnaryOperator<JWTClaimsSet.Builder> change)
      throws Exception {
    return sign(
        new ECDSASigner(ours),
        header(JWSAlgorithm.ES256, kid).build(),
        change.apply(new JWTClaimsSet.Builder(claims)).build());
  }

  static String sign(JWSSigner signer, JWSHeader header, JWTClaimsSet claims) throws Exception {
    SignedJWT jwt = new SignedJWT(header, claims);
    jwt.sign(signer);
    return jwt.serialize();
  }

  /** The genuine token with its subject changed and its signature kept. */
  static String tamper(String token) throws Exception {
    String[] parts = token.split("\\.");
    JsonNode payload = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
    String changed =
        ((com.fasterxml.jackson.databind.node.ObjectNode) payload).put("sub", "u_admin").toString();
    return parts[0] + "." + b64(changed) + "." + parts[2];
  }

  static String b64(String text) {
    return B64URL.encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}

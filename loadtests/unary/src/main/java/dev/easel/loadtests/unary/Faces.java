package dev.easel.loadtests.unary;

import dev.easel.api.v1.Canvas;
import dev.easel.api.v1.CanvasServiceGrpc;
import dev.easel.api.v1.GetCanvasRequest;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;

/**
 * The two faces of GetCanvas the benchmark calls: gRPC (grpc-java's asynchronous stub over h2c, one
 * channel per server) and REST ({@code GET /v1/canvases/{id}} with {@code java.net.http} over
 * HTTP/1.1, keep-alive, one connection per concurrent caller). Every answer is checked against the
 * one expected (the whole message, or the exact bytes of the JSON), so a wrong answer fails the
 * run. Easel and the floor get the same requests, headers (the access token) included.
 */
final class Faces {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private Faces() {}

  /** GetCanvas through gRPC, answered by {@code expected}. */
  static ClosedLoop.Target grpc(
      Channel channel, String accessToken, String canvasId, Canvas expected) {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, "Bearer " + accessToken);
    CanvasServiceGrpc.CanvasServiceStub stub =
        CanvasServiceGrpc.newStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    GetCanvasRequest request = GetCanvasRequest.newBuilder().setCanvasId(canvasId).build();
    return done ->
        stub.getCanvas(
            request,
            new StreamObserver<>() {
              private Canvas answer;

              @Override
              public void onNext(Canvas value) {
                answer = value;
              }

              @Override
              public void onError(Throwable t) {
                done.accept(t);
              }

              @Override
              public void onCompleted() {
                done.accept(
                    expected.equals(answer)
                        ? null
                        : new IllegalStateException("a gRPC answer differs from the canvas"));
              }
            });
  }

  /** GetCanvas through REST, answered by exactly {@code expected}. */
  static ClosedLoop.Target rest(
      HttpClient client, URI base, String accessToken, String canvasId, byte[] expected) {
    HttpRequest request =
        HttpRequest.newBuilder(base.resolve("/v1/canvases/" + canvasId))
            .header("authorization", "Bearer " + accessToken)
            .GET()
            .build();
    return done ->
        client
            .sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
            .whenComplete((response, failure) -> done.accept(problem(response, failure, expected)));
  }

  private static Throwable problem(
      HttpResponse<byte[]> response, Throwable failure, byte[] expected) {
    if (failure != null) return failure;
    if (response.statusCode() != 200) {
      return new IllegalStateException(
          "REST answered HTTP " + response.statusCode() + ": " + new String(response.body()));
    }
    return Arrays.equals(response.body(), expected)
        ? null
        : new IllegalStateException("a REST answer differs from the canvas's JSON");
  }

  /** The REST client of one step: HTTP/1.1 (keep-alive), a fresh connection pool. */
  static HttpClient restClient() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }
}

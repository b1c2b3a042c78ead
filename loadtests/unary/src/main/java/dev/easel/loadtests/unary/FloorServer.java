package dev.easel.loadtests.unary;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import dev.easel.api.v1.Canvas;
import dev.easel.api.v1.CanvasServiceGrpc;
import dev.easel.api.v1.GetCanvasRequest;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The floor: what answering GetCanvas costs with no work behind it. A bare grpc-java server (Netty
 * transport, default executor) whose GetCanvas answers a constant {@code Canvas}, and a bare
 * Armeria server whose {@code GET /v1/canvases/{canvasId}} answers constant JSON bytes, both read
 * from files: what Easel answered for the benchmark's canvas, so the sizes are the same. Runs in
 * its own JVM (started by {@link UnaryBench}), prints {@code floor grpc=PORT rest=PORT} once both
 * listen on 127.0.0.1, and stops when its standard input closes.
 *
 * <p>{@code java -cp easel-unary-bench.jar dev.easel.loadtests.unary.FloorServer canvas.pb
 * canvas.json}
 */
public final class FloorServer {
  private FloorServer() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    if (args.length != 2) {
      System.err.println("usage: FloorServer <canvas.pb> <canvas.json>");
      System.exit(2);
    }
    Canvas canvas = Canvas.parseFrom(Files.readAllBytes(Path.of(args[0])));
    byte[] json = Files.readAllBytes(Path.of(args[1]));
    Server grpc =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(
                new CanvasServiceGrpc.CanvasServiceImplBase() {
                  @Override
                  public void getCanvas(GetCanvasRequest request, StreamObserver<Canvas> response) {
                    response.onNext(canvas);
                    response.onCompleted();
                  }
                })
            .build()
            .start();
    com.linecorp.armeria.server.Server rest =
        com.linecorp.armeria.server.Server.builder()
            .http(new InetSocketAddress("127.0.0.1", 0))
            .service(
                "/v1/canvases/{canvasId}",
                (ctx, request) ->
                    HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, HttpData.wrap(json)))
            .build();
    rest.start().join();
    System.out.println("floor grpc=" + grpc.getPort() + " rest=" + rest.activeLocalPort());
    System.out.flush();
    while (System.in.read() >= 0) {
      // the benchmark holds stdin open while it needs the floor
    }
    rest.stop().join();
    grpc.shutdown().awaitTermination(10, TimeUnit.SECONDS);
  }
}

package dev.easel.gateway;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/** Completes a unary gRPC call from an asynchronous answer, with errors mapped by ApiErrors. */
final class Replies {
  private Replies() {}

  static <T, R> void reply(
      CompletionStage<T> stage, StreamObserver<R> response, Function<T, R> translate) {
    stage.whenComplete(
        (value, failure) -> {
          if (failure != null) {
            response.onError(ApiErrors.from(failure));
            return;
          }
          R result;
          try {
            result = translate.apply(value);
          } catch (RuntimeException e) {
            response.onError(ApiErrors.from(e));
            return;
          }
          response.onNext(result);
          response.onCompleted();
        });
  }
}

package dev.easel.gateway;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.stream.StreamMessage;
import com.linecorp.armeria.common.util.TimeoutMode;
import com.linecorp.armeria.server.ServiceRequestContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * Writes an upload's bytes to a file as they arrive, never holding more than one piece in memory:
 * the next piece is asked for only once the last one is on disk (on the request's blocking
 * executor). It stops at {@code limit} bytes in all ({@link TooLarge}); each piece pushes the
 * request's deadline {@code idle} further, so that a large upload may take as long as it keeps
 * sending, and a silent one ends. When the client goes away, what arrived until then stays written
 * (a resumable upload goes on from there).
 */
final class UploadBody implements Subscriber<HttpObject> {
  /** The upload passed its size limit; nothing past the limit was written. */
  static final class TooLarge extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooLarge() {
      super("the upload is larger than the limit", null, false, false);
    }
  }

  private final ServiceRequestContext ctx;
  private final FileChannel out;
  private final long limit;
  private final Duration idle;
  private final Executor io;
  private final CompletableFuture<Long> written = new CompletableFuture<>();
  private Subscription subscription;
  private long total;

  /** The writes so far, one after another; each step runs on the blocking executor. */
  private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

  private UploadBody(
      ServiceRequestContext ctx, FileChannel out, long already, long limit, Duration idle) {
    this.ctx = ctx;
    this.out = out;
    this.total = already;
    this.limit = limit;
    this.idle = idle;
    this.io = ctx.blockingTaskExecutor();
  }

  /**
   * Appends {@code body} to {@code out}, which holds {@code already} bytes of the upload.
   *
   * @return the upload's bytes in all once the body ended; failed with {@link TooLarge} past {@code
   *     limit}, or with the body's failure (a dropped connection) when it did not end
   */
  static CompletableFuture<Long> write(
      ServiceRequestContext ctx,
      StreamMessage<? extends HttpObject> body,
      FileChannel out,
      long already,
      long limit,
      Duration idle) {
    UploadBody writer = new UploadBody(ctx, out, already, limit, idle);
    ctx.setRequestTimeout(TimeoutMode.SET_FROM_NOW, idle);
    body.subscribe(writer, ctx.eventLoop());
    return writer.written;
  }

  /**
   * Appends {@code body} to {@code file}, which holds {@code already} bytes of the upload, as
   * {@link #write} does, and closes it.
   */
  static CompletableFuture<Long> append(
      ServiceRequestContext ctx,
      StreamMessage<? extends HttpObject> body,
      Path file,
      long already,
      long limit,
      Duration idle) {
    FileChannel out;
    try {
      out = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(new UncheckedIOException(e));
    }
    CompletableFuture<Long> appended = new CompletableFuture<>();
    write(ctx, body, out, already, limit, idle)
        .whenCompleteAsync(
            (bytes, failure) -> {
              Throwable problem = failure;
              try {
                out.close();
              } catch (IOException e) {
                if (problem == null) problem = new UncheckedIOException(e);
              }
              if (problem != null) appended.completeExceptionally(problem);
              else appended.complete(bytes);
            },
            ctx.blockingTaskExecutor());
    return appended;
  }

  @Override
  public void onSubscribe(Subscription subscription) {
    this.subscription = subscription;
    subscription.request(1);
  }

  @Override
  public void onNext(HttpObject piece) {
    if (!(piece instanceof HttpData data) || data.isEmpty()) {
      subscription.request(1);
      return;
    }
    ctx.setRequestTimeout(TimeoutMode.SET_FROM_NOW, idle);
    if (total + data.length() > limit) {
      subscription.cancel();
      written.completeExceptionally(new TooLarge());
      return;
    }
    byte[] bytes = data.array();
    total += bytes.length;
    tail =
        tail.thenRunAsync(
            () -> {
              try {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) out.write(buffer);
              } catch (IOException e) {
                subscription.cancel();
                UncheckedIOException failure = new UncheckedIOException(e);
                written.completeExceptionally(failure);
                throw failure;
              }
              subscription.request(1);
            },
            io);
  }

  @Override
  public void onError(Throwable failure) {
    // What arrived before is written first: a resumable upload goes on after it.
    tail.whenComplete((done, writeFailure) -> written.completeExceptionally(failure));
  }

  @Override
  public void onComplete() {
    long bytes = total;
    tail.whenComplete(
        (done, writeFailure) -> {
          if (writeFailure != null) written.completeExceptionally(writeFailure);
          else written.complete(bytes);
        });
  }
}

package dev.easel.canvas;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Delivers a canvas's changes to one consumer exactly once and in version order, from a starting
 * version on: live changes come from {@link CanvasFeeds}, and any gap (a change published before
 * the feed was live, or while the canvas moved) is filled from the journal. All methods and the
 * consumer run on the given executor, one at a time.
 */
public final class CanvasStream implements AutoCloseable {
  private final String canvasId;
  private final Canvases canvases;
  private final Executor executor;
  private final Consumer<CanvasOp> consumer;
  private final Consumer<Throwable> onFailure;
  private final TreeMap<Long, CanvasOp> ahead = new TreeMap<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private final CanvasFeeds.Registration registration;
  private long next = -1; // the version the consumer needs next; -1 until started
  private long liveFrom = -1;
  private boolean filling;
  private boolean closed;

  /**
   * Starts listening at once; nothing is delivered until {@link #startAt(long)}. Listening before
   * reading the snapshot is what makes the hand-over gapless.
   */
  public CanvasStream(
      String canvasId,
      Canvases canvases,
      CanvasFeeds feeds,
      Executor executor,
      Consumer<CanvasOp> consumer,
      Consumer<Throwable> onFailure) {
    this.canvasId = canvasId;
    this.canvases = canvases;
    this.executor = executor;
    this.consumer = consumer;
    this.onFailure = onFailure;
    this.registration =
        feeds.listen(
            canvasId,
            new CanvasFeeds.Listener() {
              @Override
              public void onLive(long v) {
                executor.execute(() -> live(v));
              }

              @Override
              public void onOp(CanvasOp op) {
                executor.execute(() -> offer(op));
              }
            });
  }

  /** Delivers every change from version {@code v} on. */
  public void startAt(long v) {
    next = v;
    ahead.headMap(v).clear();
    drain();
  }

  /**
   * Runs {@code then} once every change before {@code version} has been delivered (at once if that
   * is already so).
   */
  public void whenReached(long version, Runnable then) {
    waiters.add(new Waiter(version, then));
    drain();
  }

  private record Waiter(long version, Runnable then) {}

  /** The version the consumer will be given next. */
  public long next() {
    return next;
  }

  /**
   * The consumer learned of changes up to {@code v} (exclusive) by other means, e.g. with a submit
   * acknowledgement: skip them.
   */
  public void advanceTo(long v) {
    if (v > next && next >= 0) {
      next = v;
      ahead.headMap(v).clear();
      drain();
    }
  }

  private void live(long v) {
    liveFrom = Math.max(liveFrom, v);
    drain();
  }

  private void offer(CanvasOp op) {
    if (closed || (next >= 0 && op.v() < next)) return;
    ahead.put(op.v(), op);
    drain();
  }

  private void drain() {
    if (closed || next < 0) return;
    while (!ahead.isEmpty() && ahead.firstKey() <= next) {
      CanvasOp op = ahead.pollFirstEntry().getValue();
      if (op.v() == next) {
        next++;
        consumer.accept(op);
        if (closed) return;
      }
    }
    if (!waiters.isEmpty()) {
      List<Waiter> reached = waiters.stream().filter(w -> w.version() <= next).toList();
      waiters.removeAll(reached);
      for (Waiter waiter : reached) waiter.then().run();
      if (closed) return;
    }
    long gapEnd = ahead.isEmpty() ? liveFrom : ahead.firstKey();
    if (gapEnd > next && !filling) fill(next, gapEnd);
  }

  private void fill(long from, long to) {
    filling = true;
    canvases
        .history()
        .ops(canvasId, from, to)
        .whenCompleteAsync(
            (List<CanvasOp> ops, Throwable failure) -> {
              filling = false;
              if (closed) return;
              if (failure != null) {
                onFailure.accept(failure);
                return;
              }
              for (CanvasOp op : ops) {
                if (op.v() >= next) ahead.putIfAbsent(op.v(), op);
              }
              // Live(v) and published ops are only announced after they are in the journal, so an
              // empty read means there is nothing to fill; stop rather than ask again.
              if (!ops.isEmpty()) drain();
            },
            executor);
  }

  @Override
  public void close() {
    closed = true;
    registration.close();
  }
}

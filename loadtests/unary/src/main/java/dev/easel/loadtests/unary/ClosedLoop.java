package dev.easel.loadtests.unary;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A closed-loop load: {@code concurrency} callers, each making one call at a time and the next as
 * soon as the previous one is answered, for a warm-up period (not measured) and then a measured
 * period. A call counts towards the throughput when it is answered inside the measured period, and
 * its latency (call to answer, nanoseconds, in an HdrHistogram) when it was also made inside it.
 * Any failed call or wrong answer stops the load and fails the step: numbers are only reported for
 * a run in which every answer was right.
 */
final class ClosedLoop {
  /** One face under load: makes one call and reports its outcome (null: a right answer). */
  interface Target {
    void call(Consumer<Throwable> done);
  }

  /** What one step measured. */
  record Result(
      long calls,
      double seconds,
      Histogram latencies,
      double serverCpuSeconds,
      double driverCpuSeconds) {
    double perSecond() {
      return calls / seconds;
    }

    double percentileMillis(double percentile) {
      return latencies.getValueAtPercentile(percentile) / 1e6;
    }
  }

  private ClosedLoop() {}

  /**
   * Runs the load and returns what was measured.
   *
   * @param serverPid the process answering (its CPU time over the measured period is reported)
   * @throws IllegalStateException when a call failed or was answered wrongly
   */
  static Result run(
      Target target, int concurrency, Duration warmup, Duration measured, long serverPid)
      throws InterruptedException {
    Recorder recorder = new Recorder(3);
    LongAdder answered = new LongAdder();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch stopped = new CountDownLatch(concurrency);
    Window window = new Window();
    for (int i = 0; i < concurrency; i++) {
      new Caller(target, window, recorder, answered, failure, stopped).next();
    }
    sleep(warmup, failure);
    double server0 = Cpu.seconds(serverPid);
    double driver0 = Cpu.ownSeconds();
    window.start = System.nanoTime();
    sleep(measured, failure);
    window.end = System.nanoTime();
    double serverCpu = Cpu.seconds(serverPid) - server0;
    double driverCpu = Cpu.ownSeconds() - driver0;
    window.stopping = true;
    if (!stopped.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("calls still unanswered 60 s after the load stopped");
    }
    if (failure.get() != null) {
      throw new IllegalStateException("a call failed: " + failure.get(), failure.get());
    }
    return new Result(
        answered.sum(),
        (window.end - window.start) / 1e9,
        recorder.getIntervalHistogram(),
        serverCpu,
        driverCpu);
  }

  private static void sleep(Duration period, AtomicReference<Throwable> failure)
      throws InterruptedException {
    long until = System.nanoTime() + period.toNanos();
    while (System.nanoTime() < until && failure.get() == null) {
      Thread.sleep(Math.max(1, Math.min(100, (until - System.nanoTime()) / 1_000_000)));
    }
  }

  /** The measured period (nanoTime); calls outside it are not counted. */
  private static final class Window {
    volatile long start = Long.MAX_VALUE;
    volatile long end = Long.MAX_VALUE;
    volatile boolean stopping;
  }

  /** One caller: a chain of calls, each made when the previous one is answered. */
  private static final class Caller {
    private final Target target;
    private final Window window;
    private final Recorder recorder;
    private final LongAdder answered;
    private final AtomicReference<Throwable> failure;
    private final CountDownLatch stopped;

    Caller(
        Target target,
        Window window,
        Recorder recorder,
        LongAdder answered,
        AtomicReference<Throwable> failure,
        CountDownLatch stopped) {
      this.target = target;
      this.window = window;
      this.recorder = recorder;
      this.answered = answered;
      this.failure = failure;
      this.stopped = stopped;
    }

    void next() {
      if (window.stopping || failure.get() != null) {
        stopped.countDown();
        return;
      }
      long sent = System.nanoTime();
      target.call(
          problem -> {
            long received = System.nanoTime();
            if (problem != null) {
              failure.compareAndSet(null, problem);
              stopped.countDown();
              return;
            }
            if (received >= window.start && received <= window.end) {
              answered.increment();
              if (sent >= window.start) recorder.recordValue(received - sent);
            }
            next();
          });
    }
  }
}

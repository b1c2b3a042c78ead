package dev.easel.query;

import dev.easel.metrics.NodeMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads that run queries on a node, shared by every project's worker and apart from the actor
 * dispatcher, with a fair queue: each project has its own queue of waiting tasks, and a free thread
 * takes the next task of the next project in turn (round robin over the projects that have tasks
 * waiting). A project that has queued a hundred heavy queries delays another project's query by at
 * most one task per thread, not by its whole backlog.
 */
public final class QueryPool implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(QueryPool.class);

  private final Map<String, Queue<Runnable>> waiting = new HashMap<>();

  /** Projects with tasks waiting, in the order they get their next turn. */
  private final Queue<String> turns = new ArrayDeque<>();

  private final List<Thread> threads = new ArrayList<>();
  private boolean closed;

  /** When each waiting task was queued (System.nanoTime), for the wait it is measured to have. */
  private final Map<Runnable, Long> queuedAt = new IdentityHashMap<>();

  private final AtomicInteger running = new AtomicInteger();
  private volatile Timer waits;
  private volatile Timer runs;

  /** Starts {@code size} threads named {@code easel-query-<n>}. */
  public QueryPool(int size) {
    if (size < 1) throw new IllegalArgumentException("a query pool needs a thread");
    for (int i = 0; i < size; i++) {
      Thread thread = new Thread(this::work, "easel-query-" + i);
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
  }

  /**
   * Records in {@code registry} the tasks waiting and running, how long they waited for a thread
   * and how long they ran (a query, an export, a stream of Arrow batches).
   */
  public synchronized void measure(MeterRegistry registry) {
    Gauge.builder("easel.query.queued", this, QueryPool::queued)
        .description("Query tasks waiting for a thread of the node's query pool")
        .register(registry);
    Gauge.builder("easel.query.running", running, AtomicInteger::get)
        .description("Query tasks running on the node's query pool")
        .register(registry);
    waits =
        NodeMetrics.latency(
                "easel.query.waits",
                "How long query tasks waited for a thread (fair turns between projects)")
            .register(registry);
    runs =
        NodeMetrics.latency("easel.query.runs", "How long query tasks ran on the query pool")
            .register(registry);
  }

  /** Tasks waiting for a thread. */
  public synchronized int queued() {
    return queuedAt.size();
  }

  /** Queues {@code task} behind the tasks {@code projectId} already has waiting. */
  public synchronized void submit(String projectId, Runnable task) {
    if (closed) throw new IllegalStateException("the query pool is closed");
    Queue<Runnable> queue = waiting.computeIfAbsent(projectId, id -> new ArrayDeque<>());
    if (queue.isEmpty()) turns.add(projectId);
    queue.add(task);
    queuedAt.put(task, System.nanoTime());
    notify();
  }

  /** Takes {@code task} out of the queue if it has not started; whether it was waiting. */
  public synchronized boolean withdraw(String projectId, Runnable task) {
    Queue<Runnable> queue = waiting.get(projectId);
    if (queue == null || !queue.remove(task)) return false;
    queuedAt.remove(task);
    if (queue.isEmpty()) {
      waiting.remove(projectId);
      turns.remove(projectId);
    }
    return true;
  }

  /** The next task, of the project whose turn it is; null once the pool is closed. */
  private synchronized Runnable next() throws InterruptedException {
    while (turns.isEmpty()) {
      if (closed) return null;
      wait();
    }
    String projectId = turns.remove();
    Queue<Runnable> queue = waiting.get(projectId);
    Runnable task = queue.remove();
    Long queued = queuedAt.remove(task);
    if (queued != null && waits != null) {
      waits.record(System.nanoTime() - queued, TimeUnit.NANOSECONDS);
    }
    if (queue.isEmpty()) {
      waiting.remove(projectId);
    } else {
      turns.add(projectId);
    }
    return task;
  }

  private void work() {
    try {
      for (Runnable task = next(); task != null; task = next()) {
        long start = System.nanoTime();
        running.incrementAndGet();
        try {
          task.run();
        } catch (RuntimeException | Error e) {
          log.error("a query task failed", e);
        } finally {
          running.decrementAndGet();
          Timer measured = runs;
          if (measured != null) measured.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops taking tasks: waiting ones are dropped, running ones finish (their workers have stopped
   * them); waits up to 10 s for the threads.
   */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      waiting.clear();
      turns.clear();
      queuedAt.clear();
      notifyAll();
    }
    for (Thread thread : threads) {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}

package dev.easel.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The node's query threads take each project's queries in turn. */
class QueryPoolTest {
  @Test
  void oneProjectsBacklogDoesNotStarveAnother() throws Exception {
    List<String> started = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch busy = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(7);
    try (QueryPool pool = new QueryPool(1)) {
      pool.submit("A", task("A0", started, busy, done));
      awaitStart(started);
      for (int i = 1; i <= 5; i++) pool.submit("A", task("A" + i, started, null, done));
      pool.submit("B", task("B1", started, null, done));
      busy.countDown();
      assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    }
    // B's query starts right after the one A query that was next, not after A's whole backlog.
    assertThat(started).containsExactly("A0", "A1", "B1", "A2", "A3", "A4", "A5");
  }

  @Test
  void turnsGoRoundEveryProjectWithQueriesWaiting() throws Exception {
    List<String> started = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch busy = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(8);
    try (QueryPool pool = new QueryPool(1)) {
      pool.submit("blocker", task("X", started, busy, done));
      awaitStart(started);
      for (String project : List.of("A", "B", "C")) {
        pool.submit(project, task(project + "1", started, null, done));
        pool.submit(project, task(project + "2", started, null, done));
      }
      pool.submit("D", task("D1", started, null, done));
      busy.countDown();
      assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(started).containsExactly("X", "A1", "B1", "C1", "D1", "A2", "B2", "C2");
  }

  @Test
  void aWithdrawnTaskNeverRuns() throws Exception {
    List<String> started = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch busy = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(2);
    try (QueryPool pool = new QueryPool(1)) {
      pool.submit("A", task("A0", started, busy, done));
      Runnable withdrawn = task("A1", started, null, done);
      pool.submit("A", withdrawn);
      pool.submit("B", task("B1", started, null, done));
      assertThat(pool.withdraw("A", withdrawn)).isTrue();
      assertThat(pool.withdraw("A", withdrawn)).isFalse();
      busy.countDown();
      assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(started).containsExactly("A0", "B1");
  }

  /** Waits until the first task holds the only thread, so that the others queue behind it. */
  private static void awaitStart(List<String> started) throws InterruptedException {
    while (started.isEmpty()) Thread.sleep(5);
  }

  /**
   * A task that records its start, waits for {@code gate} if given, and counts down {@code done}.
   */
  private static Runnable task(
      String name, List<String> started, CountDownLatch gate, CountDownLatch done) {
    return () -> {
      started.add(name);
      try {
        if (gate != null) gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      done.countDown();
    };
  }
}

package dev.easel.cells;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The node's reader of SQL cells: one thread with one {@link SqlReferences} (DuckDB's parser on a
 * private in-memory database), so that parsing never runs on an actor's thread. It remembers the
 * latest readings by text, so a canvas whose other cells changed does not parse a cell again.
 */
public final class CellParser implements AutoCloseable {
  /** Readings remembered, by SQL text. */
  private static final int REMEMBERED = 10_000;

  private final ExecutorService thread =
      Executors.newSingleThreadExecutor(
          runnable -> {
            Thread t = new Thread(runnable, "easel-cell-parser");
            t.setDaemon(true);
            return t;
          });

  private final Map<String, SqlReferences.Result> remembered =
      new LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, SqlReferences.Result> eldest) {
          return size() > REMEMBERED;
        }
      };

  private SqlReferences parser;

  /** What each of {@code sources} reads, by text. */
  public CompletableFuture<Map<String, SqlReferences.Result>> parse(Collection<String> sources) {
    return CompletableFuture.supplyAsync(
        () -> {
          if (parser == null) parser = SqlReferences.open();
          Map<String, SqlReferences.Result> results = new HashMap<>();
          for (String sql : sources) {
            results.put(sql, remembered.computeIfAbsent(sql, parser::of));
          }
          return results;
        },
        thread);
  }

  @Override
  public void close() {
    thread.execute(
        () -> {
          if (parser != null) parser.close();
        });
    thread.shutdown();
  }
}

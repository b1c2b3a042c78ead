package dev.easel.query;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The {@code easel.query} settings: each query's time limit, what one project's DuckDB database may
 * use (memory, threads, spill space), how many queries run at once on a node, how much of a result
 * is returned as a preview, when an idle worker closes its database, and how many bytes of stored
 * results a node keeps.
 */
public record QuerySettings(
    Duration timeout,
    String memoryLimit,
    int threads,
    String tempLimit,
    int poolThreads,
    int maxRows,
    long maxResultBytes,
    Duration idleTimeout,
    long resultCacheSize) {

  public QuerySettings {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("easel.query.timeout (EASEL_QUERY_TIMEOUT) must be > 0");
    }
    if (threads < 1) {
      throw new IllegalArgumentException(
          "easel.query.threads (EASEL_QUERY_THREADS) must be at least 1");
    }
    if (poolThreads < 1) {
      throw new IllegalArgumentException(
          "easel.query.pool-threads (EASEL_QUERY_POOL_THREADS) must be at least 1");
    }
    if (maxRows < 0) {
      throw new IllegalArgumentException(
          "easel.query.max-rows (EASEL_QUERY_MAX_ROWS) must be 0 or more");
    }
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException(
          "easel.query.idle-timeout (EASEL_QUERY_IDLE_TIMEOUT) must be > 0");
    }
    if (resultCacheSize < 1) {
      throw new IllegalArgumentException(
          "easel.query.result-cache-size (EASEL_QUERY_RESULT_CACHE_SIZE) must be more than 0");
    }
    requireSize("memory-limit", "EASEL_QUERY_MEMORY_LIMIT", memoryLimit);
    requireSize("temp-limit", "EASEL_QUERY_TEMP_LIMIT", tempLimit);
  }

  /** The settings under {@code easel.query}. */
  public static QuerySettings load(Config query) {
    int poolThreads = query.getInt("pool-threads");
    return new QuerySettings(
        query.getDuration("timeout"),
        query.getString("memory-limit").strip(),
        query.getInt("threads"),
        query.getString("temp-limit").strip(),
        poolThreads == 0 ? Runtime.getRuntime().availableProcessors() : poolThreads,
        query.getInt("max-rows"),
        query.getMemorySize("max-result-size").toBytes(),
        query.getDuration("idle-timeout"),
        query.getMemorySize("result-cache-size").toBytes());
  }

  /**
   * A size as DuckDB reads it ({@code 512MB}, {@code 2GB}, {@code 1.5GiB}): digits, an optional
   * fraction, an optional space, a unit of letters. It becomes a database setting, so nothing else
   * may pass.
   */
  private static void requireSize(String key, String variable, String value) {
    if (value == null || !value.matches("[0-9]+(\\.[0-9]+)? ?[A-Za-z]{0,3}")) {
      throw new IllegalArgumentException(
          "easel.query."
              + key
              + " ("
              + variable
              + ") must be a size such as 512MB or 2GB: "
              + value);
    }
  }
}

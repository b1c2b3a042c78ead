package dev.easel.query;

import dev.easel.dataset.DatasetFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.duckdb.DuckDBDriver;

/**
 * Dataset files written as the datasets feature writes them, with an unlocked DuckDB of its own.
 */
final class QueryFixtures {
  private QueryFixtures() {}

  /** Settings for tests: a 60 s timeout, small limits, {@code maxRows} rows kept. */
  static QuerySettings settings(Duration timeout, int maxRows) {
    return new QuerySettings(
        timeout, "256MB", 1, "1GB", 2, maxRows, 1024 * 1024, Duration.ofMinutes(10), 1L << 30);
  }

  /**
   * Writes version {@code version} of dataset {@code datasetId} of {@code projectId} with the rows
   * of {@code select}, and returns it as a table named {@code name}.
   */
  static DatasetTable dataset(
      DatasetFiles files,
      String projectId,
      String datasetId,
      long version,
      String name,
      String select)
      throws IOException, SQLException {
    Path file = files.versionFile(projectId, datasetId, version);
    Files.createDirectories(file.getParent());
    try (Connection duckdb =
            new DuckDBDriver().connect("jdbc:duckdb:", new java.util.Properties());
        Statement copy = duckdb.createStatement()) {
      copy.execute(
          "COPY ("
              + select
              + ") TO "
              + ProjectDatabase.literal(file.toString())
              + " (FORMAT parquet)");
    }
    return new DatasetTable(name, datasetId, version, file.toString());
  }
}

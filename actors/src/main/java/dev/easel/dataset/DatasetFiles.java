package dev.easel.dataset;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Where the versions of a project's datasets live: immutable Parquet files in a local folder under
 * the data directory, {@code <easel.data-dir>/datasets/<projectId>/<datasetId>/<version>.parquet}.
 * A project's files share one folder, so a project's query worker can be allowed to read exactly
 * that folder and nothing else.
 */
public final class DatasetFiles {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private final Path root;

  public DatasetFiles(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  /** The dataset files under the configured {@code easel.data-dir}. */
  public static DatasetFiles of(Config config) {
    return new DatasetFiles(Path.of(config.getString("easel.data-dir"), "datasets"));
  }

  /** The folder that holds every project's folder. */
  public Path root() {
    return root;
  }

  /** The folder that holds every file of the project's datasets. */
  public Path projectDirectory(String projectId) {
    return root.resolve(checked("project id", projectId));
  }

  /** The folder that holds every version of one dataset. */
  public Path datasetDirectory(String projectId, String datasetId) {
    return projectDirectory(projectId).resolve(checked("dataset id", datasetId));
  }

  /** The Parquet file of one version of a dataset. */
  public Path versionFile(String projectId, String datasetId, long version) {
    if (version < 1)
      throw new IllegalArgumentException("a dataset version starts at 1: " + version);
    return datasetDirectory(projectId, datasetId).resolve(version + ".parquet");
  }

  private static String checked(String what, String id) {
    if (id == null || !ID.matcher(id).matches()) {
      throw new IllegalArgumentException(what + " must be 1-64 letters, digits, '_' or '-': " + id);
    }
    return id;
  }
}

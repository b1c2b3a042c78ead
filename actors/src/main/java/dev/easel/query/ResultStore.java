package dev.easel.query;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's query results, each an immutable Parquet file {@code <data
 * dir>/results/<projectId>/<resultId>.parquet} (and, once exported as CSV, {@code <resultId>.csv}
 * beside it), kept within {@code easel.query.result-cache-size} bytes: when a new file pushes the
 * total past it, the results used least recently are deleted first. A use is a run that wrote the
 * result, a query that found it already there, a page read, an export and a query that reads it as
 * a table; each use also sets the file's modification time, so that a restarted node, which
 * rebuilds the index from the folder, knows the order. A file in use ({@link Lease}) is never
 * deleted: it goes once its last reader is done, if the cache is still over its size then.
 *
 * <p>Everything here can be deleted at any time (with the node stopped, or by eviction): a result
 * that is gone is computed again by running its query.
 *
 * <p>Thread-safe: the index is guarded by this object; files are written under a name of their own
 * and moved into place.
 */
public final class ResultStore {
  private static final Logger log = LoggerFactory.getLogger(ResultStore.class);

  /** Result ids: 32 lower-case hex digits (the first half of a SHA-256). */
  public static final Pattern RESULT_ID = Pattern.compile("[0-9a-f]{32}");

  private static final Pattern PROJECT_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  /** The suffix of the Parquet file of a result. */
  static final String PARQUET = ".parquet";

  /** The suffix of a result's CSV export. */
  static final String CSV = ".csv";

  /** The suffix of files still being written. */
  private static final String PART = ".part";

  private final Path root;
  private final long maxBytes;
  private final Clock clock;

  /** Every result on disk, by {@code projectId/resultId}. */
  private final Map<String, Entry> entries = new HashMap<>();

  private long totalBytes;

  /** The time of the latest use: each use gets a later one, so no two uses tie. */
  private long latestUse;

  /** One result's files, their size, its last use and how many read it now. */
  private static final class Entry {
    final String projectId;
    final String resultId;
    long bytes;
    long lastUse;
    int readers;

    Entry(String projectId, String resultId) {
      this.projectId = projectId;
      this.resultId = resultId;
    }
  }

  /**
   * A store under {@code root} ({@code <data dir>/results}) of at most {@code maxBytes}; the index
   * is rebuilt from the files already there (their modification time is their last use), and files
   * left half-written by a stopped node are deleted.
   */
  public ResultStore(Path root, long maxBytes) {
    this(root, maxBytes, Clock.systemUTC());
  }

  ResultStore(Path root, long maxBytes, Clock clock) {
    if (maxBytes < 1) {
      throw new IllegalArgumentException(
          "easel.query.result-cache-size (EASEL_QUERY_RESULT_CACHE_SIZE) must be more than 0");
    }
    this.root = root.toAbsolutePath().normalize();
    this.maxBytes = maxBytes;
    this.clock = clock;
    try {
      Files.createDirectories(this.root);
      rebuild();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the result cache " + this.root, e);
    }
    synchronized (this) {
      evict();
    }
  }

  /** The most the results may weigh together. */
  public long maxBytes() {
    return maxBytes;
  }

  /** What the results weigh now. */
  public synchronized long totalBytes() {
    return totalBytes;
  }

  /** The folder of a project's results (made if missing). */
  public Path projectDirectory(String projectId) {
    if (projectId == null || !PROJECT_ID.matcher(projectId).matches()) {
      throw new IllegalArgumentException("not a project id: " + projectId);
    }
    Path directory = root.resolve(projectId);
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + directory, e);
    }
    return directory;
  }

  /** The Parquet file of a result (which may not exist). */
  public Path file(String projectId, String resultId) {
    return projectDirectory(projectId).resolve(checkedId(resultId) + PARQUET);
  }

  /** A fresh name in the project's folder to write a file of {@code resultId} under. */
  Path partFile(String projectId, String resultId) {
    return projectDirectory(projectId)
        .resolve(checkedId(resultId) + "." + UUID.randomUUID() + PART);
  }

  /**
   * The result, held so that it is not deleted until the lease is closed, and counted as used now;
   * null when there is no such result (never made, or evicted).
   */
  public synchronized Lease open(String projectId, String resultId) {
    if (!RESULT_ID.matcher(String.valueOf(resultId)).matches()) return null;
    Entry entry = entries.get(key(projectId, resultId));
    if (entry == null) return null;
    Path file = file(projectId, resultId);
    if (!Files.exists(file)) {
      // Deleted behind the store's back: gone.
      forget(entry);
      return null;
    }
    entry.readers++;
    use(entry);
    return new Lease(this, entry, file, false);
  }

  /**
   * Keeps {@code written} (a file written under {@link #partFile}) as the Parquet file of the
   * result, unless another run kept the same result first (then {@code written} is deleted: both
   * hold the same answer), and returns the result held.
   */
  synchronized Lease keep(String projectId, String resultId, Path written) throws IOException {
    Path file = file(projectId, resultId);
    Entry entry = entries.get(key(projectId, resultId));
    boolean kept = entry == null || !Files.exists(file);
    if (!kept) {
      Files.deleteIfExists(written);
    } else {
      if (entry != null) forget(entry);
      Files.move(written, file, StandardCopyOption.ATOMIC_MOVE);
      entry = new Entry(projectId, resultId);
      entries.put(key(projectId, resultId), entry);
      grow(entry, Files.size(file));
    }
    entry.readers++;
    use(entry);
    Lease lease = new Lease(this, entry, file, kept);
    evict();
    return lease;
  }

  /**
   * The result's file with {@code suffix} ({@link #CSV}) beside its Parquet file, if it was made;
   * else null. Only for a result held by {@code lease}.
   */
  synchronized Path companion(Lease lease, String suffix) {
    Path file = lease.file().resolveSibling(lease.entry.resultId + suffix);
    return Files.exists(file) ? file : null;
  }

  /**
   * Keeps {@code written} as the result's file with {@code suffix} beside its Parquet file; it
   * counts towards the cache's size with the result and goes with it.
   */
  synchronized Path keepCompanion(Lease lease, String suffix, Path written) throws IOException {
    Path file = lease.file().resolveSibling(lease.entry.resultId + suffix);
    if (Files.exists(file)) {
      Files.deleteIfExists(written);
    } else {
      Files.move(written, file, StandardCopyOption.ATOMIC_MOVE);
      grow(lease.entry, Files.size(file));
      evict();
    }
    return file;
  }

  private synchronized void release(Entry entry) {
    entry.readers--;
    evict();
  }

  private void grow(Entry entry, long bytes) {
    entry.bytes += bytes;
    totalBytes += bytes;
  }

  private void use(Entry entry) {
    latestUse = Math.max(clock.millis(), latestUse + 1);
    entry.lastUse = latestUse;
    try {
      Files.setLastModifiedTime(
          root.resolve(entry.projectId).resolve(entry.resultId + PARQUET),
          FileTime.fromMillis(entry.lastUse));
    } catch (IOException e) {
      log.debug("cannot mark result {} as used", entry.resultId, e);
    }
  }

  /** Deletes the results used least recently, and not read now, until the total fits. */
  private void evict() {
    if (totalBytes <= maxBytes) return;
    List<Entry> candidates = new ArrayList<>();
    for (Entry entry : entries.values()) {
      if (entry.readers == 0) candidates.add(entry);
    }
    candidates.sort(Comparator.comparingLong(entry -> entry.lastUse));
    for (Entry entry : candidates) {
      if (totalBytes <= maxBytes) return;
      delete(entry);
    }
  }

  private void delete(Entry entry) {
    Path directory = root.resolve(entry.projectId);
    for (String suffix : List.of(PARQUET, CSV)) {
      try {
        Files.deleteIfExists(directory.resolve(entry.resultId + suffix));
      } catch (IOException e) {
        log.warn("cannot delete result {} of project {}", entry.resultId, entry.projectId, e);
      }
    }
    forget(entry);
  }

  private void forget(Entry entry) {
    entries.remove(key(entry.projectId, entry.resultId));
    totalBytes -= entry.bytes;
  }

  /** Reads the folder: every result file, and half-written ones deleted. */
  private synchronized void rebuild() throws IOException {
    try (DirectoryStream<Path> projects = Files.newDirectoryStream(root, Files::isDirectory)) {
      for (Path project : projects) {
        String projectId = project.getFileName().toString();
        if (!PROJECT_ID.matcher(projectId).matches()) continue;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(project)) {
          for (Path file : files) index(projectId, file);
        }
      }
    }
  }

  private void index(String projectId, Path file) throws IOException {
    String name = file.getFileName().toString();
    if (name.endsWith(PART)) {
      Files.deleteIfExists(file);
      return;
    }
    String suffix = name.endsWith(PARQUET) ? PARQUET : name.endsWith(CSV) ? CSV : null;
    if (suffix == null) return;
    String resultId = name.substring(0, name.length() - suffix.length());
    if (!RESULT_ID.matcher(resultId).matches()) return;
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      return;
    }
    Entry entry =
        entries.computeIfAbsent(key(projectId, resultId), k -> new Entry(projectId, resultId));
    grow(entry, attributes.size());
    if (suffix.equals(PARQUET)) {
      entry.lastUse = attributes.lastModifiedTime().toMillis();
      latestUse = Math.max(latestUse, entry.lastUse);
    }
  }

  private static String key(String projectId, String resultId) {
    return projectId + "/" + resultId;
  }

  private static String checkedId(String resultId) {
    if (resultId == null || !RESULT_ID.matcher(resultId).matches()) {
      throw new IllegalArgumentException("not a result id: " + resultId);
    }
    return resultId;
  }

  /**
   * A result held for reading: its file is not deleted until {@link #close}. Closing twice is
   * harmless.
   */
  public static final class Lease implements AutoCloseable {
    private final ResultStore store;
    private final Entry entry;
    private final Path file;
    private final boolean kept;
    private boolean closed;

    private Lease(ResultStore store, Entry entry, Path file, boolean kept) {
      this.store = store;
      this.entry = entry;
      this.file = file;
      this.kept = kept;
    }

    /**
     * Whether the file is the one this lease's {@link #keep} was given (false: one kept earlier, by
     * another run of the same result, or a lease from {@link #open}).
     */
    boolean kept() {
      return kept;
    }

    /** The result's Parquet file. */
    public Path file() {
      return file;
    }

    public String resultId() {
      return entry.resultId;
    }

    @Override
    public void close() {
      synchronized (store) {
        if (closed) return;
        closed = true;
        store.release(entry);
      }
    }
  }
}

package dev.easel.query;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exports of stored results that are being downloaded from this node: each holds its file (so
 * the {@link ResultStore} does not delete it while it is read) and an open channel on it, and hands
 * out the file a chunk of {@link #CHUNK_BYTES} at a time, as the reader asks for it, so that no
 * export is ever in memory whole and each chunk fits one actor message between nodes. An export not
 * read for {@link #IDLE_TIMEOUT} is closed (its reader went away without saying so).
 *
 * <p>Reads run on virtual threads of their own, not on the query pool, so downloads do not wait
 * behind queries.
 */
final class ResultExports implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ResultExports.class);

  /** The most bytes one chunk carries (well under Artery's 256 KiB frame). */
  static final int CHUNK_BYTES = 128 * 1024;

  /** How long an export stays open without being read. */
  static final Duration IDLE_TIMEOUT = Duration.ofMinutes(1);

  /** The formats a result can be exported in. */
  static final Set<String> FORMATS = Set.of("parquet", "csv");

  private record Export(String projectId, ProjectDatabase.ResultFile file, FileChannel channel) {}

  private final Map<String, Export> open = new ConcurrentHashMap<>();
  private final Map<String, Long> lastRead = new ConcurrentHashMap<>();
  private final ExecutorService reads = Executors.newVirtualThreadPerTaskExecutor();
  private final ScheduledExecutorService sweeper =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "easel-result-exports");
            thread.setDaemon(true);
            return thread;
          });

  ResultExports() {
    long every = IDLE_TIMEOUT.toMillis() / 4;
    sweeper.scheduleWithFixedDelay(this::closeIdle, every, every, TimeUnit.MILLISECONDS);
  }

  /**
   * Opens result {@code resultId} of the project for export in {@code format} (on the calling
   * thread: a CSV export may have to be written first).
   */
  QueryWorker.ExportOpened open(
      String projectId, ProjectDatabase database, String resultId, String format)
      throws QueryFailure {
    if (!FORMATS.contains(format)) {
      throw new QueryFailure(
          QueryFailure.Kind.INVALID,
          "UNKNOWN_EXPORT_FORMAT",
          "A result is exported as parquet or csv, not " + format);
    }
    ProjectDatabase.ResultFile file = database.export(resultId, format);
    try {
      FileChannel channel = FileChannel.open(file.path(), StandardOpenOption.READ);
      String exportId = UUID.randomUUID().toString();
      open.put(exportId, new Export(projectId, file, channel));
      lastRead.put(exportId, System.nanoTime());
      return new QueryWorker.ExportOpened(exportId, file.size());
    } catch (IOException e) {
      file.close();
      throw new QueryFailure(
          QueryFailure.Kind.UNAVAILABLE,
          "RESULT_UNREADABLE",
          "Result " + resultId + " could not be read: " + e.getMessage());
    }
  }

  /**
   * Answers {@code replyTo} with the chunk of the export from {@code offset} (empty at the end).
   */
  void read(
      String projectId, String exportId, long offset, ActorRef<QueryWorker.ExportOutcome> replyTo) {
    Export export = open.get(exportId);
    if (export == null || !export.projectId().equals(projectId)) {
      replyTo.tell(
          new QueryWorker.Failed(
              QueryFailure.Kind.NOT_FOUND,
              "EXPORT_NOT_FOUND",
              "The export was closed (it was not read for "
                  + IDLE_TIMEOUT.toSeconds()
                  + " s, or its query node stopped); download it again"));
      return;
    }
    lastRead.put(exportId, System.nanoTime());
    reads.execute(
        () -> {
          try {
            ByteBuffer buffer =
                ByteBuffer.allocate(
                    (int) Math.max(0, Math.min(CHUNK_BYTES, export.file().size() - offset)));
            while (buffer.hasRemaining()) {
              int read = export.channel().read(buffer, offset + buffer.position());
              if (read < 0) break;
            }
            replyTo.tell(
                new QueryWorker.ExportChunk(Arrays.copyOf(buffer.array(), buffer.position())));
          } catch (IOException | RuntimeException e) {
            replyTo.tell(
                new QueryWorker.Failed(
                    QueryFailure.Kind.UNAVAILABLE,
                    "RESULT_UNREADABLE",
                    "The export could not be read: " + e.getMessage()));
          }
        });
  }

  /** Closes an export: its file is no longer held. */
  void close(String projectId, String exportId) {
    Export export = open.get(exportId);
    if (export == null || !export.projectId().equals(projectId)) return;
    if (open.remove(exportId, export)) {
      lastRead.remove(exportId);
      release(export);
    }
  }

  private void closeIdle() {
    long now = System.nanoTime();
    lastRead.forEach(
        (exportId, at) -> {
          if (now - at > IDLE_TIMEOUT.toNanos()) {
            Export export = open.get(exportId);
            if (export != null) close(export.projectId(), exportId);
          }
        });
  }

  private static void release(Export export) {
    try {
      export.channel().close();
    } catch (IOException e) {
      log.warn("closing an export of {} failed", export.file().path(), e);
    }
    export.file().close();
  }

  @Override
  public void close() {
    sweeper.shutdownNow();
    reads.shutdownNow();
    open.values().forEach(ResultExports::release);
    open.clear();
  }
}

package dev.easel.gateway;

import dev.easel.query.Queries;
import dev.easel.query.QueryWorker;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One download of a stored result, opened on the project's query worker: it reads the file a chunk
 * at a time, and only when the reader asks for more ({@link #request}), so the client's pace sets
 * the pace and nothing is held but the chunk in flight. Served by {@code ExportQueryResult} over
 * gRPC and by {@link ResultExportRoute} over plain HTTP.
 */
final class ResultDownload {
  /** The media type of each format. */
  static final Map<String, String> CONTENT_TYPES =
      Map.of("parquet", "application/vnd.apache.parquet", "csv", "text/csv; charset=utf-8");

  private final Queries queries;
  private final String projectId;
  private final String resultId;
  private final String format;
  private final String exportId;
  private final long size;
  private final AtomicBoolean reading = new AtomicBoolean();
  private final AtomicBoolean demand = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private Consumer<byte[]> deliver = bytes -> {};
  private Consumer<Throwable> failed = failure -> {};
  private long offset;

  ResultDownload(
      Queries queries,
      String projectId,
      String resultId,
      String format,
      String exportId,
      long size) {
    this.queries = queries;
    this.projectId = projectId;
    this.resultId = resultId;
    this.format = format;
    this.exportId = exportId;
    this.size = size;
  }

  String contentType() {
    return CONTENT_TYPES.get(format);
  }

  /** The file's size in bytes. */
  long size() {
    return size;
  }

  /** The name a saved file gets: the result id with the format's extension. */
  String fileName() {
    return resultId + "." + format;
  }

  /**
   * Where the chunks go: {@code deliver} gets each in order, one at a time, and an empty one at the
   * end; {@code failed} gets a failure, after which nothing more comes. Set before the first {@link
   * #request}.
   */
  void onChunk(Consumer<byte[]> deliver, Consumer<Throwable> failed) {
    this.deliver = deliver;
    this.failed = failed;
  }

  /** The reader is ready for the next chunk. */
  void request() {
    demand.set(true);
    drain();
  }

  private void drain() {
    if (closed.get() || !demand.get() || !reading.compareAndSet(false, true)) return;
    demand.set(false);
    queries
        .readExport(projectId, exportId, offset)
        .whenComplete(
            (outcome, failure) -> {
              if (failure == null && outcome instanceof QueryWorker.ExportChunk chunk) {
                offset += chunk.bytes().length;
                if (chunk.bytes().length == 0) close();
                deliver.accept(chunk.bytes());
                reading.set(false);
                drain();
                return;
              }
              close();
              failed.accept(
                  failure != null
                      ? failure
                      : outcome instanceof QueryWorker.Failed refused
                          ? QueryServiceImpl.refusal(refused)
                          : new IllegalStateException("an export answered " + outcome));
            });
  }

  /** Lets the file go (at the end, or when the reader went away). */
  void close() {
    if (closed.compareAndSet(false, true)) queries.closeExport(projectId, exportId);
  }
}

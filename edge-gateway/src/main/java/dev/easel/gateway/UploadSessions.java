package dev.easel.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sessions of resumable uploads, kept as files in the uploads folder so that they outlive a
 * restart: {@code <id>.session} (who uploads what, until when; written once) and {@code <id>.part}
 * (the bytes received so far: its size is the committed offset). Requests of one session are served
 * one after another on this node ({@link #exclusive}): a client that resumes after a dropped
 * connection is answered once the dropped request has ended, so the offset it is told is final.
 * Sessions expire {@code easel.datasets.upload-session-lifetime} after they were started; {@link
 * #sweep} removes them, and upload files left by a stopped node.
 */
final class UploadSessions {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern ID = Pattern.compile("[0-9a-f]{32}");
  private static final Logger log = LoggerFactory.getLogger(UploadSessions.class);

  /**
   * One session: the upload {@code uploadId} of dataset {@code name} in {@code projectId} by {@code
   * userId}, of {@code format} (a wire name; null: sniffed) and {@code total} bytes (-1: not said
   * yet), open until {@code expiresAt} (epoch milliseconds).
   */
  record Session(
      String uploadId,
      String projectId,
      String name,
      String userId,
      String format,
      long total,
      long createdAt,
      long expiresAt) {
    Instant expiry() {
      return Instant.ofEpochMilli(expiresAt);
    }
  }

  private final Path folder;
  private final Duration lifetime;
  private final Clock clock;
  private final ConcurrentMap<String, CompletableFuture<?>> running = new ConcurrentHashMap<>();

  UploadSessions(Path folder, Duration lifetime, Clock clock) {
    this.folder = folder;
    this.lifetime = lifetime;
    this.clock = clock;
  }

  /** Starts a session (blocking: writes its file). */
  Session start(String projectId, String name, String userId, String format, long total)
      throws IOException {
    Instant now = clock.instant();
    Session session =
        new Session(
            DatasetUploads.randomId(),
            projectId,
            name,
            userId,
            format,
            total,
            now.toEpochMilli(),
            now.plus(lifetime).toEpochMilli());
    Files.createFile(part(session.uploadId()));
    Files.write(sessionFile(session.uploadId()), JSON.writeValueAsBytes(session));
    return session;
  }

  /** The open session {@code uploadId}, or null when there is none or it expired (blocking). */
  Session find(String uploadId) throws IOException {
    if (uploadId == null || !ID.matcher(uploadId).matches()) return null;
    Session session;
    try {
      session = JSON.readValue(Files.readAllBytes(sessionFile(uploadId)), Session.class);
    } catch (NoSuchFileException e) {
      return null;
    }
    if (!clock.instant().isBefore(session.expiry()) || !Files.exists(part(uploadId))) return null;
    return session;
  }

  /** The file that holds the bytes received so far. */
  Path part(String uploadId) {
    return folder.resolve(uploadId + ".part");
  }

  private Path sessionFile(String uploadId) {
    return folder.resolve(uploadId + ".session");
  }

  /** Ends a session: its files are removed (its bytes may have been handed on first). */
  void end(String uploadId) {
    DatasetUploads.deleteQuietly(sessionFile(uploadId));
    DatasetUploads.deleteQuietly(part(uploadId));
  }

  /** Runs {@code work} for session {@code uploadId} once every earlier request of it has ended. */
  <T> CompletableFuture<T> exclusive(String uploadId, Supplier<CompletableFuture<T>> work) {
    CompletableFuture<Void> turn = new CompletableFuture<>();
    CompletableFuture<?> before = running.put(uploadId, turn);
    CompletableFuture<T> result =
        (before == null ? CompletableFuture.completedFuture(null) : before.handle((d, f) -> null))
            .thenCompose(
                ready -> {
                  try {
                    return work.get();
                  } catch (RuntimeException e) {
                    return CompletableFuture.failedFuture(e);
                  }
                });
    result.whenComplete(
        (value, failure) -> {
          running.remove(uploadId, turn);
          turn.complete(null);
        });
    return result;
  }

  /**
   * Removes expired sessions, and upload files ({@code *.upload}) older than a session's lifetime:
   * those of requests a stopped node never finished.
   */
  void sweep() {
    Instant now = clock.instant();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        try {
          if (name.endsWith(".session")) {
            String id = name.substring(0, name.length() - ".session".length());
            Session session = JSON.readValue(Files.readAllBytes(file), Session.class);
            if (!now.isBefore(session.expiry())) end(id);
          } else if ((name.endsWith(".upload") || name.endsWith(".part"))
              && Files.getLastModifiedTime(file).toInstant().plus(lifetime).isBefore(now)
              && (name.endsWith(".upload") || !Files.exists(sessionFileOfPart(file)))) {
            DatasetUploads.deleteQuietly(file);
          }
        } catch (IOException | RuntimeException e) {
          log.warn("could not sweep the upload file {}", file, e);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot sweep the uploads folder " + folder, e);
    }
  }

  private Path sessionFileOfPart(Path part) {
    String name = part.getFileName().toString();
    return folder.resolve(name.substring(0, name.length() - ".part".length()) + ".session");
  }
}

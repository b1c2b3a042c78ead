package dev.easel.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.rpc.Code;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.easel.dataset.DatasetFormat;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resumable uploads, in the style of Google's resumable upload protocol, for files of several GB
 * over connections that may drop:
 *
 * <ol>
 *   <li>{@code POST /v1/projects/{project_id}/datasets/{name}/uploads} starts a session (optional
 *       headers {@code X-Upload-Content-Type}: the file's format, {@code X-Upload-Content-Length}:
 *       its size) and answers {@code 201} with {@code Location: /v1/uploads/{upload_id}} and {@code
 *       {uploadId, uploadUrl, expiresAt}};
 *   <li>{@code PUT /v1/uploads/{upload_id}} with {@code Content-Range: bytes first-last/total} (or
 *       {@code /*} while the size is not known) sends the next chunk, which must start where the
 *       bytes received so far end; the answer is {@code 308} with {@code Range: bytes=0-n} (the
 *       bytes received), or, for the chunk that completes the file, the import's answer: {@code
 *       201} with the {@code UploadDatasetResponse};
 *   <li>after a dropped connection, {@code PUT /v1/uploads/{upload_id}} with {@code Content-Range:
 *       bytes *}{@code /total} (or {@code /*}) and no body asks how far the upload got ({@code 308}
 *       with {@code Range}, no {@code Range} for none) and the client resumes from there: bytes of
 *       a dropped chunk that arrived are kept;
 *   <li>{@code DELETE /v1/uploads/{upload_id}} abandons the upload ({@code 204}).
 * </ol>
 *
 * A chunk that does not start at the received offset is refused with {@code 409} (reason {@code
 * UPLOAD_OFFSET_MISMATCH}, with the {@code Range} received). Sessions belong to the person (or API
 * key's owner) who started them and are unknown ({@code 404}) to anyone else; every request passes
 * the policy of {@code UploadDataset} and the project role again. A session expires after {@code
 * easel.datasets.upload-session-lifetime}; an upload over {@code easel.datasets.max-upload-size}
 * ends its session with {@code 413}.
 */
final class ResumableUploadRoutes {
  static final String START_PATTERN =
      "^/v1/projects/(?<projectId>[^/]+)/datasets/(?<name>[^/:]+)/uploads$";
  static final String SESSION_PATH = "/v1/uploads/{upload_id}";
  static final HttpStatus RESUME_INCOMPLETE = HttpStatus.valueOf(308);
  private static final Pattern CONTENT_RANGE =
      Pattern.compile("bytes (?:\\*|(\\d{1,19})-(\\d{1,19}))/(\\*|\\d{1,19})");

  private final ApiPolicy policy;
  private final DatasetUploads uploads;
  private final UploadSessions sessions;

  ResumableUploadRoutes(ApiPolicy policy, DatasetUploads uploads, UploadSessions sessions) {
    this.policy = policy;
    this.uploads = uploads;
    this.sessions = sessions;
  }

  /** {@code POST /v1/projects/{project_id}/datasets/{name}/uploads}: starts a session. */
  HttpService start() {
    return (ctx, req) -> {
      String projectId = ctx.pathParam("projectId");
      String name = ctx.pathParam("name");
      String format;
      long total;
      try {
        format = wireFormat(req.headers().get("x-upload-content-type"));
        total = total(req.headers().get("x-upload-content-length"));
      } catch (StatusRuntimeException invalid) {
        return DatasetUploadRoute.error(ctx, invalid);
      }
      CompletableFuture<HttpResponse> answer =
          DatasetUploadRoute.admit(policy, uploads, ctx, projectId, name)
              .thenApplyAsync(
                  userId -> {
                    if (total > uploads.maxBytes()) throw uploads.tooLarge();
                    try {
                      return sessions.start(projectId, name, userId, format, total);
                    } catch (IOException e) {
                      throw new UncheckedIOException(e);
                    }
                  },
                  ctx.blockingTaskExecutor())
              .handle(
                  (session, failure) -> {
                    if (failure != null) return DatasetUploadRoute.error(ctx, failure);
                    String url = SESSION_PATH.replace("{upload_id}", session.uploadId());
                    ObjectNode body = HttpReplies.JSON.createObjectNode();
                    body.put("uploadId", session.uploadId());
                    body.put("uploadUrl", url);
                    body.put("expiresAt", session.expiry().toString());
                    return HttpResponse.of(
                        ResponseHeaders.builder(HttpStatus.CREATED)
                            .contentType(MediaType.JSON_UTF_8)
                            .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                            .set(HttpHeaderNames.LOCATION, url)
                            .build(),
                        HttpData.ofUtf8(body.toString()));
                  });
      return DatasetUploadRoute.answer(req, answer);
    };
  }

  /** {@code PUT} (a chunk, or how far it got) and {@code DELETE} of {@code /v1/uploads/{id}}. */
  HttpService session() {
    return (ctx, req) -> {
      String uploadId = ctx.pathParam("upload_id");
      Range range = null;
      if (req.method() == HttpMethod.PUT) {
        try {
          range = Range.parse(req.headers().get(HttpHeaderNames.CONTENT_RANGE));
        } catch (StatusRuntimeException invalid) {
          return DatasetUploadRoute.error(ctx, invalid);
        }
      }
      Range asked = range;
      CompletableFuture<HttpResponse> answer =
          policy
              .admit(DatasetUploads.METHOD, ctx)
              .thenCompose(
                  caller ->
                      sessions.exclusive(
                          uploadId,
                          () ->
                              owned(ctx, uploadId, caller)
                                  .thenComposeAsync(
                                      session ->
                                          asked == null
                                              ? cancel(ctx, session)
                                              : put(ctx, req, session, asked),
                                      ctx.blockingTaskExecutor())))
              .exceptionally(failure -> DatasetUploadRoute.error(ctx, failure));
      return DatasetUploadRoute.answer(req, answer);
    };
  }

  /** The session, if it exists, is open and belongs to the caller, who may still upload. */
  private CompletableFuture<UploadSessions.Session> owned(
      ServiceRequestContext ctx, String uploadId, Caller caller) {
    return CompletableFuture.supplyAsync(
            () -> {
              UploadSessions.Session session;
              try {
                session = sessions.find(uploadId);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
              if (session == null
                  || !session.userId().equals(caller.userId())
                  || !caller.reaches(session.projectId())) {
                throw ApiErrors.status(
                    Code.NOT_FOUND,
                    "UPLOAD_NOT_FOUND",
                    "there is no upload " + uploadId + " (or it expired): start another");
              }
              return session;
            },
            ctx.blockingTaskExecutor())
        .thenCompose(
            session ->
                uploads
                    .datasets()
                    .mayUpload(caller.userId(), session.projectId(), session.name())
                    .thenApply(allowed -> session)
                    .toCompletableFuture());
  }

  private CompletableFuture<HttpResponse> cancel(
      ServiceRequestContext ctx, UploadSessions.Session session) {
    return CompletableFuture.supplyAsync(
        () -> {
          sessions.end(session.uploadId());
          return HttpResponse.of(HttpStatus.NO_CONTENT);
        },
        ctx.blockingTaskExecutor());
  }

  private CompletableFuture<HttpResponse> put(
      ServiceRequestContext ctx, HttpRequest req, UploadSessions.Session session, Range range) {
    long received = size(session);
    long total = range.total() >= 0 ? range.total() : session.total();
    if (range.total() >= 0 && session.total() >= 0 && range.total() != session.total()) {
      return failed(
          ApiErrors.invalid(
              "Content-Range",
              "the upload was started with a size of "
                  + session.total()
                  + " bytes; Content-Range says "
                  + range.total()));
    }
    if (total > uploads.maxBytes() || range.last() >= uploads.maxBytes()) {
      sessions.end(session.uploadId());
      return failed(uploads.tooLarge());
    }
    if (range.query()) return progress(ctx, session, received, total);
    if (range.first() != received) {
      return CompletableFuture.completedFuture(
          withRange(
              DatasetUploadRoute.error(
                  ctx,
                  ApiErrors.statusWith(
                      Code.ABORTED,
                      "UPLOAD_OFFSET_MISMATCH",
                      "this chunk starts at byte "
                          + range.first()
                          + " but the upload has received "
                          + received
                          + " bytes: send the chunk that starts there",
                      Map.of("received", Long.toString(received)))),
              received));
    }
    long length = range.last() - range.first() + 1;
    long announced = req.headers().contentLength();
    if (announced >= 0 && announced != length) {
      return failed(
          ApiErrors.invalid(
              "Content-Range",
              "Content-Range names "
                  + length
                  + " bytes but the body has "
                  + announced
                  + " (Content-Length)"));
    }
    if (total >= 0 && range.last() >= total) {
      return failed(
          ApiErrors.invalid(
              "Content-Range",
              "the chunk ends at byte " + range.last() + ", past the file's " + total + " bytes"));
    }
    return UploadBody.append(
            ctx,
            req,
            sessions.part(session.uploadId()),
            received,
            range.last() + 1,
            uploads.idleTimeout())
        .handle(
            (bytes, failure) -> {
              if (failure instanceof UploadBody.TooLarge) {
                throw ApiErrors.invalid(
                    "Content-Range", "the body is longer than Content-Range says");
              }
              if (failure != null) throw new CompletionException(failure);
              return bytes;
            })
        .thenCompose(
            now -> {
              if (now != range.last() + 1) {
                throw ApiErrors.invalid(
                    "Content-Range",
                    "the body ended after "
                        + (now - received)
                        + " of the "
                        + length
                        + " bytes Content-Range names; "
                        + now
                        + " bytes are received in all");
              }
              return progress(ctx, session, now, total);
            });
  }

  /**
   * The answer once {@code received} bytes are in: the import's, when they are all of {@code
   * total}; else 308 with their range.
   */
  private CompletableFuture<HttpResponse> progress(
      ServiceRequestContext ctx, UploadSessions.Session session, long received, long total) {
    if (total < 0 || received < total) {
      return CompletableFuture.completedFuture(
          withRange(
              HttpResponse.of(
                  ResponseHeaders.builder(RESUME_INCOMPLETE)
                      .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                      .build()),
              received));
    }
    // The import may take longer than an upload may stay silent.
    ctx.clearRequestTimeout();
    return CompletableFuture.supplyAsync(
            () -> {
              // The bytes move to a file of their own; the session ends whatever the import says.
              try {
                java.nio.file.Path file = uploads.newFile();
                Files.move(
                    sessions.part(session.uploadId()),
                    file,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                sessions.end(session.uploadId());
                return file;
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            ctx.blockingTaskExecutor())
        .thenCompose(
            file ->
                uploads.importFile(
                    session.userId(),
                    session.projectId(),
                    session.name(),
                    file,
                    DatasetFormat.fromWireName(session.format()),
                    RequestOrigins.of(ctx)))
        .thenApply(answer -> DatasetUploadRoute.created(session.projectId(), answer));
  }

  private long size(UploadSessions.Session session) {
    try {
      return Files.size(sessions.part(session.uploadId()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The response with {@code Range: bytes=0-(received-1)}, none when nothing was received. */
  private static HttpResponse withRange(HttpResponse response, long received) {
    if (received == 0) return response;
    return response.mapHeaders(
        headers -> {
          ResponseHeadersBuilder builder = headers.toBuilder();
          builder.set(HttpHeaderNames.RANGE, "bytes=0-" + (received - 1));
          return builder.build();
        });
  }

  private static <T> CompletableFuture<T> failed(Throwable failure) {
    return CompletableFuture.failedFuture(failure);
  }

  /** The format a session is started with, as a wire name; null: sniffed. */
  private static String wireFormat(String contentType) {
    DatasetFormat format = DatasetUploads.declared(contentType, "X-Upload-Content-Type");
    return format == null ? null : format.wireName();
  }

  private static long total(String length) {
    if (length == null || length.isBlank()) return -1;
    try {
      long total = Long.parseLong(length.strip());
      if (total >= 0) return total;
    } catch (NumberFormatException e) {
      // answered below
    }
    throw ApiErrors.invalid(
        "X-Upload-Content-Length", "X-Upload-Content-Length must be the file's size in bytes");
  }

  /**
   * A {@code Content-Range}: a chunk from {@code first} to {@code last} (inclusive), or a question
   * ({@code bytes *}{@code /...}: first and last -1); {@code total} -1 when not known.
   */
  record Range(long first, long last, long total) {
    boolean query() {
      return first < 0;
    }

    static Range parse(String header) {
      if (header == null) {
        throw ApiErrors.invalid(
            "Content-Range",
            "send Content-Range: bytes first-last/total (or /*) with a chunk, or bytes */total (or"
                + " */*) to ask how far the upload got");
      }
      Matcher range = CONTENT_RANGE.matcher(header.strip());
      if (!range.matches()) {
        throw ApiErrors.invalid(
            "Content-Range",
            "Content-Range must be bytes first-last/total, bytes first-last/*, bytes */total or"
                + " bytes */*, not '"
                + (header.length() > 80 ? header.substring(0, 80) + "…" : header)
                + "'");
      }
      long total = range.group(3).equals("*") ? -1 : Long.parseLong(range.group(3));
      if (range.group(1) == null) return new Range(-1, -1, total);
      long first = Long.parseLong(range.group(1));
      long last = Long.parseLong(range.group(2));
      if (last < first) {
        throw ApiErrors.invalid(
            "Content-Range", "Content-Range's last byte comes before its first: " + header);
      }
      return new Range(first, last, total);
    }
  }
}

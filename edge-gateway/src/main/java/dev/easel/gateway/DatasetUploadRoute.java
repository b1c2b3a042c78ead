package dev.easel.gateway;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.Code;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.multipart.BodyPart;
import com.linecorp.armeria.common.multipart.Multipart;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.easel.api.v1.UploadDatasetRequest;
import dev.easel.api.v1.UploadDatasetResponse;
import dev.easel.dataset.DatasetFormat;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * Uploads of a whole file over plain HTTP, the REST face of {@code UploadDataset}: {@code PUT
 * /v1/projects/{project_id}/datasets/{name}} with the file as the body (its format from {@code
 * Content-Type}, else sniffed), or a {@code multipart/form-data} body (POST or PUT) whose {@code
 * file} part is the file (its format from the part's type, else its file name's extension, else
 * sniffed), as a browser form sends it. The answer is {@code 201 Created} with the {@code
 * UploadDatasetResponse} (the dataset, the new version and its preview) as JSON.
 *
 * <p>The call passes {@link ApiPolicy} under the rule of {@code UploadDataset} and the project's
 * roles before a byte of the body is read. The body streams to a file of {@link DatasetUploads},
 * never into memory; over {@code easel.datasets.max-upload-size} it is refused with 413 (before
 * reading when {@code Content-Length} says so). Refusals use the REST API's error body.
 */
final class DatasetUploadRoute implements HttpService {
  static final String PATH = "/v1/projects/{project_id}/datasets/{name}";

  /** {@link #PATH}, but no name with a ':' (that is a custom method, such as {@code :rename}). */
  static final String PATH_PATTERN = "^/v1/projects/(?<projectId>[^/]+)/datasets/(?<name>[^/:]+)$";

  static final String FILE_PART = "file";

  /** The route as an HTTP rule of {@code UploadDataset}, for {@code /openapi.json}. */
  static final com.google.api.HttpRule RULE =
      com.google.api.HttpRule.newBuilder().setPut(PATH).build();

  static final JsonFormat.Printer JSON = JsonFormat.printer().omittingInsignificantWhitespace();

  private final ApiPolicy policy;
  private final DatasetUploads uploads;

  DatasetUploadRoute(ApiPolicy policy, DatasetUploads uploads) {
    this.policy = policy;
    this.uploads = uploads;
  }

  @Override
  public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
    String projectId = ctx.pathParam("projectId");
    String name = ctx.pathParam("name");
    MediaType type = req.contentType();
    boolean multipart = type != null && type.is(MediaType.MULTIPART_FORM_DATA);
    if (req.method() == HttpMethod.POST && !multipart) {
      return error(
          ctx,
          ApiErrors.status(
              Code.INVALID_ARGUMENT,
              "UNSUPPORTED_MEDIA_TYPE",
              "POST a multipart/form-data body with a 'file' part, or PUT the file itself"),
          StatusCodes.Transport.UNSUPPORTED_MEDIA_TYPE.httpStatus());
    }
    long announced = req.headers().contentLength();
    CompletableFuture<HttpResponse> answer =
        admit(policy, uploads, ctx, projectId, name)
            .thenCompose(
                userId -> {
                  if (announced > uploads.maxBytes()) throw uploads.tooLarge();
                  return multipart
                      ? multipart(ctx, req, userId, projectId, name)
                      : whole(
                          ctx,
                          req,
                          userId,
                          projectId,
                          name,
                          DatasetFormat.fromContentType(type == null ? null : type.toString()));
                })
            .handle(
                (uploaded, failure) ->
                    failure == null ? created(projectId, uploaded) : error(ctx, failure));
    return answer(req, answer);
  }

  /**
   * The answer, once it is known; what is left of the request's body then is dropped, so that a
   * refusal made before the body was read does not hold the connection.
   */
  static HttpResponse answer(HttpRequest req, CompletableFuture<HttpResponse> answer) {
    return HttpResponse.of(answer.whenComplete((response, failure) -> req.abort()));
  }

  /**
   * Admits an upload to dataset {@code name} of {@code projectId} with the credential of {@code
   * ctx}'s request: the rule of {@code UploadDataset}, an API key's project, the caller's role.
   *
   * @return the caller's user id
   */
  static CompletableFuture<String> admit(
      ApiPolicy policy,
      DatasetUploads uploads,
      ServiceRequestContext ctx,
      String projectId,
      String name) {
    return policy
        .admit(DatasetUploads.METHOD, ctx)
        .thenCompose(
            caller -> {
              String only = ApiPolicy.onlyProject(DatasetUploads.METHOD, caller);
              return (only == null
                      ? CompletableFuture.<Void>completedFuture(null)
                      : policy.reach(
                          only, UploadDatasetRequest.newBuilder().setProjectId(projectId).build()))
                  .thenApply(reached -> caller.userId());
            })
        .thenCompose(
            userId ->
                uploads
                    .datasets()
                    .mayUpload(userId, projectId, name)
                    .thenApply(allowed -> userId)
                    .toCompletableFuture());
  }

  /** The body is the file. */
  private CompletableFuture<UploadDatasetResponse> whole(
      ServiceRequestContext ctx,
      HttpRequest req,
      String userId,
      String projectId,
      String name,
      DatasetFormat declared) {
    return receive(ctx, uploads, req, 0)
        .thenCompose(file -> imported(ctx, userId, projectId, name, file, declared));
  }

  private CompletableFuture<UploadDatasetResponse> imported(
      ServiceRequestContext ctx,
      String userId,
      String projectId,
      String name,
      Path file,
      DatasetFormat declared) {
    // The import may take longer than the upload was allowed to stay silent.
    ctx.clearRequestTimeout();
    return uploads.importFile(userId, projectId, name, file, declared, RequestOrigins.of(ctx));
  }

  /**
   * Writes {@code body} to a new upload file; the file is deleted when the body fails or is too
   * large.
   */
  static CompletableFuture<Path> receive(
      ServiceRequestContext ctx,
      DatasetUploads uploads,
      com.linecorp.armeria.common.stream.StreamMessage<
              ? extends com.linecorp.armeria.common.HttpObject>
          body,
      long already) {
    return CompletableFuture.supplyAsync(
            () -> {
              try {
                return uploads.newFile();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            ctx.blockingTaskExecutor())
        .thenCompose(
            file ->
                UploadBody.append(
                        ctx, body, file, already, uploads.maxBytes(), uploads.idleTimeout())
                    .handle(
                        (bytes, failure) -> {
                          if (failure != null) {
                            DatasetUploads.deleteQuietly(file);
                            throw failure instanceof UploadBody.TooLarge
                                ? uploads.tooLarge()
                                : new CompletionException(failure);
                          }
                          return file;
                        }));
  }

  /** The body is a form whose {@code file} part is the file. */
  private CompletableFuture<UploadDatasetResponse> multipart(
      ServiceRequestContext ctx, HttpRequest req, String userId, String projectId, String name) {
    FilePart part = new FilePart(ctx);
    Multipart.from(req).bodyParts().subscribe(part, ctx.eventLoop());
    return part.received.thenCompose(
        file -> imported(ctx, userId, projectId, name, file, part.declared));
  }

  /**
   * Takes the one {@code file} part of a form; any other part refuses the form. The file is removed
   * when the form is refused, whenever its part finishes.
   */
  private final class FilePart implements Subscriber<BodyPart> {
    private final ServiceRequestContext ctx;
    final CompletableFuture<Path> received = new CompletableFuture<>();
    private Subscription subscription;
    private CompletableFuture<Path> file;
    DatasetFormat declared;

    FilePart(ServiceRequestContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public void onSubscribe(Subscription subscription) {
      this.subscription = subscription;
      subscription.request(1);
    }

    @Override
    public void onNext(BodyPart part) {
      if (!FILE_PART.equals(part.name()) || file != null) {
        subscription.cancel();
        part.content().abort();
        fail(
            ApiErrors.invalid(
                FILE_PART,
                "the form must hold exactly one part, named 'file', with the file; it has "
                    + (part.name() == null ? "an unnamed part" : "a part '" + part.name() + "'")));
        return;
      }
      MediaType type = part.headers().contentType();
      declared = type == null ? null : DatasetFormat.fromContentType(type.toString());
      if (declared == null) declared = DatasetFormat.fromFileName(part.filename());
      file = receive(ctx, uploads, part.content(), 0);
      file.whenComplete(
          (written, failure) -> {
            if (failure == null) {
              subscription.request(1);
            } else {
              subscription.cancel();
              fail(failure);
            }
          });
    }

    @Override
    public void onError(Throwable failure) {
      fail(failure);
    }

    @Override
    public void onComplete() {
      if (file == null) {
        fail(ApiErrors.invalid(FILE_PART, "the form has no 'file' part with the file"));
        return;
      }
      file.whenComplete(
          (written, failure) -> {
            if (failure != null) fail(failure);
            else if (!received.complete(written)) DatasetUploads.deleteQuietly(written);
          });
    }

    private void fail(Throwable failure) {
      received.completeExceptionally(failure);
      if (file != null) file.thenAccept(DatasetUploads::deleteQuietly);
    }
  }

  /** 201 with the answer as JSON, and where the dataset is. */
  static HttpResponse created(String projectId, UploadDatasetResponse answer) {
    return HttpResponse.of(
        ResponseHeaders.builder(HttpStatus.CREATED)
            .contentType(MediaType.JSON_UTF_8)
            .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
            .set(
                HttpHeaderNames.LOCATION,
                "/v1/projects/" + projectId + "/datasets/" + answer.getDataset().getName())
            .build(),
        HttpData.ofUtf8(json(answer)));
  }

  static String json(MessageOrBuilder message) {
    try {
      return JSON.print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("an API message always prints as JSON", e);
    }
  }

  /** A refusal in the REST error shape; 413 for an upload over the limit. */
  static HttpResponse error(ServiceRequestContext ctx, Throwable failure) {
    StatusRuntimeException status = ApiErrors.from(failure);
    boolean tooLarge = DatasetUploads.TOO_LARGE.equals(ApiErrors.reason(status));
    return error(
        ctx, status, tooLarge ? StatusCodes.Transport.CONTENT_TOO_LARGE.httpStatus() : null);
  }

  static HttpResponse error(
      ServiceRequestContext ctx, StatusRuntimeException status, HttpStatus override) {
    return RequestRefusals.rest(ctx, status, override);
  }
}

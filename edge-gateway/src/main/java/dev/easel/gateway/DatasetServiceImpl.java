package dev.easel.gateway;

import com.linecorp.armeria.common.util.TimeoutMode;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.easel.api.v1.Dataset;
import dev.easel.api.v1.DatasetPreview;
import dev.easel.api.v1.DatasetServiceGrpc;
import dev.easel.api.v1.DeleteDatasetRequest;
import dev.easel.api.v1.DeleteDatasetResponse;
import dev.easel.api.v1.GetDatasetPreviewRequest;
import dev.easel.api.v1.GetDatasetRequest;
import dev.easel.api.v1.ListDatasetsRequest;
import dev.easel.api.v1.ListDatasetsResponse;
import dev.easel.api.v1.RenameDatasetRequest;
import dev.easel.api.v1.UploadDatasetRequest;
import dev.easel.api.v1.UploadDatasetResponse;
import dev.easel.dataset.DatasetCatalogEntity;
import dev.easel.dataset.DatasetFormat;
import dev.easel.dataset.Datasets;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;

/**
 * {@code easel.v1.DatasetService}: a project's datasets through {@link Datasets}, which decides
 * what the caller may do. {@code UploadDataset} writes the stream's chunks to an upload file as
 * they come (asking for the next message only once the last one is on disk) and imports the file
 * when the client half-closes, as the HTTP upload routes do ({@link DatasetUploads}).
 */
final class DatasetServiceImpl extends DatasetServiceGrpc.DatasetServiceImplBase {
  private final Datasets datasets;
  private final DatasetUploads uploads;
  private final Callers callers;

  DatasetServiceImpl(DatasetUploads uploads, Callers callers) {
    this.datasets = uploads.datasets();
    this.uploads = uploads;
    this.callers = callers;
  }

  @Override
  public void listDatasets(
      ListDatasetsRequest request, StreamObserver<ListDatasetsResponse> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        datasets.list(
            userId, request.getProjectId(), request.getPageSize(), request.getPageToken()),
        response,
        page -> {
          ListDatasetsResponse.Builder reply =
              ListDatasetsResponse.newBuilder().setNextPageToken(page.nextPageToken());
          for (DatasetCatalogEntity.DatasetView dataset : page.items()) {
            reply.addDatasets(DatasetUploads.dataset(request.getProjectId(), dataset));
          }
          return reply.build();
        });
  }

  @Override
  public void getDataset(GetDatasetRequest request, StreamObserver<Dataset> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        datasets.get(userId, request.getProjectId(), request.getName()),
        response,
        dataset -> DatasetUploads.dataset(request.getProjectId(), dataset));
  }

  @Override
  public void getDatasetPreview(
      GetDatasetPreviewRequest request, StreamObserver<DatasetPreview> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        datasets
            .get(userId, request.getProjectId(), request.getName())
            .thenCompose(
                dataset ->
                    datasets
                        .preview(
                            userId, request.getProjectId(), request.getName(), request.getVersion())
                        .thenApply(
                            preview ->
                                DatasetUploads.preview(
                                    dataset.name(),
                                    request.getVersion() == 0
                                        ? dataset.latest().version()
                                        : request.getVersion(),
                                    preview))),
        response,
        preview -> preview);
  }

  @Override
  public void renameDataset(RenameDatasetRequest request, StreamObserver<Dataset> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        datasets.rename(
            userId,
            request.getProjectId(),
            request.getName(),
            request.getNewName(),
            RequestOrigins.current()),
        response,
        dataset -> DatasetUploads.dataset(request.getProjectId(), dataset));
  }

  @Override
  public void deleteDataset(
      DeleteDatasetRequest request, StreamObserver<DeleteDatasetResponse> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        datasets.delete(
            userId, request.getProjectId(), request.getName(), RequestOrigins.current()),
        response,
        deleted -> DeleteDatasetResponse.getDefaultInstance());
  }

  @Override
  public StreamObserver<UploadDatasetRequest> uploadDataset(
      StreamObserver<UploadDatasetResponse> response) {
    ServerCallStreamObserver<UploadDatasetResponse> call =
        (ServerCallStreamObserver<UploadDatasetResponse>) response;
    call.disableAutoRequest();
    String userId = callers.signedInUser(response);
    if (userId == null) return new Ignored();
    Upload upload = new Upload(userId, call, ServiceRequestContext.current());
    call.request(1);
    return upload;
  }

  /** What is left of a stream that was answered already. */
  private static final class Ignored implements StreamObserver<UploadDatasetRequest> {
    @Override
    public void onNext(UploadDatasetRequest value) {}

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }

  /**
   * One upload stream. Messages arrive one at a time (each asked for once the last is on disk), on
   * the request's event loop; the file is written on its blocking executor.
   */
  private final class Upload implements StreamObserver<UploadDatasetRequest> {
    private final String userId;
    private final ServerCallStreamObserver<UploadDatasetResponse> call;
    private final ServiceRequestContext ctx;
    private String projectId;
    private String name;
    private DatasetFormat format;
    private Path file;
    private FileChannel out;
    private long total;
    private boolean ended;
    private CompletableFuture<Void> ready;

    Upload(
        String userId,
        ServerCallStreamObserver<UploadDatasetResponse> call,
        ServiceRequestContext ctx) {
      this.userId = userId;
      this.call = call;
      this.ctx = ctx;
      ctx.setRequestTimeout(TimeoutMode.SET_FROM_NOW, uploads.idleTimeout());
    }

    @Override
    public void onNext(UploadDatasetRequest message) {
      if (ended) return;
      ctx.setRequestTimeout(TimeoutMode.SET_FROM_NOW, uploads.idleTimeout());
      if (ready == null) {
        ready = start(message);
      } else if (!message.getProjectId().isEmpty()
          || !message.getName().isEmpty()
          || !message.getFormat().isEmpty()) {
        fail(
            ApiErrors.invalid(
                "projectId", "only the first message of an upload names its project and dataset"));
        return;
      }
      total += message.getChunk().size();
      if (total > uploads.maxBytes()) {
        fail(uploads.tooLarge());
        return;
      }
      ByteBuffer bytes = message.getChunk().asReadOnlyByteBuffer();
      ready =
          ready.thenRunAsync(
              () -> {
                try {
                  while (bytes.hasRemaining()) out.write(bytes);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              },
              ctx.blockingTaskExecutor());
      // Once the client half-closed, onCompleted answers, failures included.
      ready.whenCompleteAsync(
          (written, failure) -> {
            if (failure != null) fail(failure);
            else if (!ended) call.request(1);
          },
          ctx.eventLoop());
    }

    /** Checks the first message and opens the upload's file. */
    private CompletableFuture<Void> start(UploadDatasetRequest first) {
      projectId = first.getProjectId();
      name = first.getName();
      try {
        format = DatasetUploads.declared(first.getFormat(), "format");
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
      return datasets
          .mayUpload(userId, projectId, name)
          .toCompletableFuture()
          .thenApplyAsync(
              allowed -> {
                try {
                  file = uploads.newFile();
                  out = FileChannel.open(file, StandardOpenOption.WRITE);
                  return null;
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              },
              ctx.blockingTaskExecutor())
          .thenApply(opened -> null);
    }

    @Override
    public void onError(Throwable failure) {
      ended = true;
      cleanUp();
    }

    @Override
    public void onCompleted() {
      if (ended) return;
      ended = true;
      if (ready == null) {
        fail(ApiErrors.invalid("projectId", "the upload stream ended before its first message"));
        return;
      }
      // The import may take longer than any wait between messages.
      ctx.clearRequestTimeout();
      ready
          .thenComposeAsync(
              written -> {
                closeFile();
                return uploads.importFile(
                    userId, projectId, name, file, format, RequestOrigins.of(ctx));
              },
              ctx.blockingTaskExecutor())
          .whenCompleteAsync(
              (answer, failure) -> {
                try {
                  if (failure != null) {
                    cleanUp();
                    call.onError(ApiErrors.from(failure));
                  } else {
                    call.onNext(answer);
                    call.onCompleted();
                  }
                } catch (RuntimeException cancelled) {
                  // the client cancelled the call meanwhile: nobody is left to tell
                }
              },
              ctx.eventLoop());
    }

    /** Ends the upload with {@code failure}, before the client half-closed it. */
    private void fail(Throwable failure) {
      if (ended) return;
      ended = true;
      cleanUp();
      try {
        call.onError(ApiErrors.from(failure));
      } catch (RuntimeException cancelled) {
        // the client cancelled the call meanwhile: nobody is left to tell
      }
    }

    private void cleanUp() {
      CompletableFuture<Void> before =
          ready == null ? CompletableFuture.completedFuture(null) : ready;
      before.whenCompleteAsync(
          (done, failure) -> {
            closeFile();
            if (file != null) DatasetUploads.deleteQuietly(file);
          },
          ctx.blockingTaskExecutor());
    }

    private void closeFile() {
      if (out == null) return;
      try {
        out.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}

package dev.easel.gateway;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Value;
import com.google.rpc.Code;
import com.typesafe.config.Config;
import dev.easel.api.v1.Dataset;
import dev.easel.api.v1.DatasetColumn;
import dev.easel.api.v1.DatasetPreview;
import dev.easel.api.v1.DatasetVersion;
import dev.easel.api.v1.UploadDatasetResponse;
import dev.easel.dataset.DatasetCatalogEntity;
import dev.easel.dataset.DatasetFormat;
import dev.easel.dataset.DatasetImporter;
import dev.easel.dataset.Datasets;
import dev.easel.identity.RequestOrigin;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every face of an upload shares (the PUT and multipart routes, resumable sessions, gRPC's
 * UploadDataset): the folder uploads are written to before they are imported ({@code
 * <easel.data-dir>/uploads}), the size limit {@code easel.datasets.max-upload-size} and its
 * refusal, the idle timeout, the import through {@link Datasets} and its answer as an {@link
 * UploadDatasetResponse}. An upload's file is removed once it was imported or refused.
 */
final class DatasetUploads {
  /** The RPC whose access rule every face of an upload passes. */
  static final String METHOD = "easel.v1.DatasetService/UploadDataset";

  /** The reason of an upload over the limit. */
  static final String TOO_LARGE = "UPLOAD_TOO_LARGE";

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Logger log = LoggerFactory.getLogger(DatasetUploads.class);

  private final Datasets datasets;
  private final Path folder;
  private final long maxBytes;
  private final Duration idleTimeout;

  DatasetUploads(Datasets datasets, Path folder, long maxBytes, Duration idleTimeout) {
    this.datasets = datasets;
    this.folder = folder;
    this.maxBytes = maxBytes;
    this.idleTimeout = idleTimeout;
    try {
      Files.createDirectories(folder);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the uploads folder " + folder, e);
    }
  }

  /** The uploads under {@code <dataDir>/uploads}, with the {@code easel.datasets} settings. */
  static DatasetUploads of(Datasets datasets, Path dataDir, Config settings) {
    return new DatasetUploads(
        datasets,
        dataDir.resolve("uploads"),
        settings.getMemorySize("max-upload-size").toBytes(),
        settings.getDuration("upload-idle-timeout"));
  }

  Datasets datasets() {
    return datasets;
  }

  Path folder() {
    return folder;
  }

  long maxBytes() {
    return maxBytes;
  }

  Duration idleTimeout() {
    return idleTimeout;
  }

  /** A new, empty file for one upload's bytes. */
  Path newFile() throws IOException {
    return Files.createFile(folder.resolve(randomId() + ".upload"));
  }

  /** An id of 32 hex digits that nobody can guess. */
  static String randomId() {
    byte[] random = new byte[16];
    RANDOM.nextBytes(random);
    return HexFormat.of().formatHex(random);
  }

  /** The refusal of an upload over {@code easel.datasets.max-upload-size}. */
  StatusRuntimeException tooLarge() {
    return ApiErrors.statusWith(
        Code.RESOURCE_EXHAUSTED,
        TOO_LARGE,
        "the upload is larger than "
            + maxBytes
            + " bytes, the most this server takes (easel.datasets.max-upload-size)",
        Map.of("limit", Long.toString(maxBytes), "setting", "easel.datasets.max-upload-size"));
  }

  /**
   * Imports the complete upload {@code file} as the next version of dataset {@code name}, asked
   * from {@code origin}, then deletes the file, whatever the outcome.
   */
  CompletableFuture<UploadDatasetResponse> importFile(
      String userId,
      String projectId,
      String name,
      Path file,
      DatasetFormat declared,
      RequestOrigin origin) {
    CompletionStage<Datasets.Uploaded> uploaded;
    try {
      uploaded = datasets.upload(userId, projectId, name, file, declared, origin);
    } catch (RuntimeException e) {
      uploaded = CompletableFuture.failedFuture(e);
    }
    return uploaded
        .whenComplete((done, failure) -> deleteQuietly(file))
        .thenApply(done -> answer(projectId, done))
        .toCompletableFuture();
  }

  /** The format a client declared: a wire name ({@code csv}) or a media type; null: sniffed. */
  static DatasetFormat declared(String format, String field) {
    if (format == null || format.isBlank()) return null;
    DatasetFormat named = DatasetFormat.fromWireName(format);
    if (named != null) return named;
    DatasetFormat typed = DatasetFormat.fromContentType(format);
    if (typed != null) return typed;
    throw ApiErrors.invalid(
        field,
        field
            + " must be csv, tsv, json, ndjson or parquet (or a media type of one), or empty to"
            + " have the format sniffed; not '"
            + (format.length() > 80 ? format.substring(0, 80) + "…" : format)
            + "'");
  }

  static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("could not delete the upload {}", file, e);
    }
  }

  // ---- messages -------------------------------------------------------------------------------

  static UploadDatasetResponse answer(String projectId, Datasets.Uploaded uploaded) {
    return UploadDatasetResponse.newBuilder()
        .setDataset(dataset(projectId, uploaded.dataset()))
        .setVersion(version(uploaded.version()))
        .setPreview(
            preview(uploaded.dataset().name(), uploaded.version().version(), uploaded.preview()))
        .build();
  }

  static Dataset dataset(String projectId, DatasetCatalogEntity.DatasetView view) {
    Dataset.Builder dataset =
        Dataset.newBuilder()
            .setDatasetId(view.datasetId())
            .setProjectId(projectId)
            .setName(view.name())
            .setCreatedAt(view.createdAt().toString())
            .setCreatedBy(view.createdBy())
            .setLatestVersion(view.latest().version());
    for (DatasetCatalogEntity.DatasetVersion version : view.versions()) {
      dataset.addVersions(version(version));
    }
    return dataset.build();
  }

  static DatasetVersion version(DatasetCatalogEntity.DatasetVersion version) {
    return DatasetVersion.newBuilder()
        .setVersion(version.version())
        .setFormat(version.format().wireName())
        .addAllColumns(columns(version.columns()))
        .setRowCount(version.rowCount())
        .setByteSize(version.byteSize())
        .setUploadedBy(version.uploadedBy())
        .setUploadedAt(version.uploadedAt().toString())
        .build();
  }

  static DatasetPreview preview(String name, long version, DatasetImporter.Preview preview) {
    DatasetPreview.Builder shown =
        DatasetPreview.newBuilder()
            .setName(name)
            .setVersion(version)
            .addAllColumns(columns(preview.columns()))
            .setRowCount(preview.rowCount());
    for (List<Object> row : preview.rows()) {
      ListValue.Builder values = ListValue.newBuilder();
      for (Object value : row) values.addValues(value(value));
      shown.addRows(values);
    }
    return shown.build();
  }

  private static List<DatasetColumn> columns(List<dev.easel.dataset.DatasetColumn> columns) {
    return columns.stream()
        .map(c -> DatasetColumn.newBuilder().setName(c.name()).setType(c.type()).build())
        .toList();
  }

  private static Value value(Object value) {
    return switch (value) {
      case null -> Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
      case Boolean b -> Value.newBuilder().setBoolValue(b).build();
      case Long l -> Value.newBuilder().setNumberValue(l).build();
      case Double d -> Value.newBuilder().setNumberValue(d).build();
      default -> Value.newBuilder().setStringValue(value.toString()).build();
    };
  }
}

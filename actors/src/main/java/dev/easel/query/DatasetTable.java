package dev.easel.query;

import dev.easel.CborSerializable;

/**
 * One table a project's SQL can name: a version of one of its datasets, exposed under {@code name}
 * as a view over that version's Parquet file ({@code path}, under the project's dataset folder).
 */
public record DatasetTable(String name, String datasetId, long version, String path)
    implements CborSerializable {}

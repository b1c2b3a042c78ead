package dev.easel.dataset;

/**
 * One column of a dataset version: its name and its DuckDB type ({@code BIGINT}, {@code VARCHAR}).
 */
public record DatasetColumn(String name, String type) {}

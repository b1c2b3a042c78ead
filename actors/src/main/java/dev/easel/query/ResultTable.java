package dev.easel.query;

import dev.easel.CborSerializable;

/**
 * An earlier result that one query reads as a table: {@code name} is, for that query only, a view
 * over the Parquet file of result {@code resultId} of the same project (made on the query's own
 * connection, so it shadows a dataset of the same name and no other query sees it).
 */
public record ResultTable(String name, String resultId) implements CborSerializable {}

package dev.easel.query;

import dev.easel.CborSerializable;

/**
 * A table one query can name: an earlier query's result ({@code resultId}) under {@code name}, such
 * as the result of a SQL cell another cell reads.
 */
public record ResultTable(String name, String resultId) implements CborSerializable {}

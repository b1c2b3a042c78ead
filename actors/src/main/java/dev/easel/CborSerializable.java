package dev.easel;

/**
 * Marker for every message, event and state that crosses the wire or reaches the journal: bound to
 * Jackson CBOR in {@code serialization.conf}. Java serialization is disabled.
 */
public interface CborSerializable {}

package dev.easel.gateway;

import dev.easel.canvas.DocumentKind;
import dev.easel.metrics.NodeMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the ShareDB sockets of a node record for {@code /metrics}: open sockets, and per collection
 * the ops acknowledged (with the time from the op's arrival to its ack, which includes the journal
 * write) and the ops refused.
 */
final class ShareDbMeters {
  private final AtomicInteger open = new AtomicInteger();
  private final Map<DocumentKind, Timer> acks = new EnumMap<>(DocumentKind.class);
  private final Map<DocumentKind, Counter> refusals = new EnumMap<>(DocumentKind.class);

  ShareDbMeters(MeterRegistry registry) {
    Gauge.builder("easel.sharedb.sockets", open, AtomicInteger::get)
        .description("Open ShareDB sockets on /ws")
        .register(registry);
    for (DocumentKind kind : DocumentKind.values()) {
      acks.put(
          kind,
          NodeMetrics.latency(
                  "easel.sharedb.acks", "Ops acknowledged on /ws, from their arrival to the ack")
              .tag("collection", kind.collection())
              .register(registry));
      refusals.put(
          kind,
          Counter.builder("easel.sharedb.refused")
              .description("Ops refused on /ws (invalid, not allowed, or not applicable)")
              .tag("collection", kind.collection())
              .register(registry));
    }
  }

  void opened() {
    open.incrementAndGet();
  }

  void closed() {
    open.decrementAndGet();
  }

  /** An op of {@code kind} that arrived at {@code arrivedNanos} (System.nanoTime) was acked now. */
  void acked(DocumentKind kind, long arrivedNanos) {
    acks.get(kind).record(System.nanoTime() - arrivedNanos, TimeUnit.NANOSECONDS);
  }

  void refused(DocumentKind kind) {
    refusals.get(kind).increment();
  }
}

package dev.easel.persistence;

import com.typesafe.config.Config;
import dev.easel.metrics.NodeMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.jdbc.journal.JdbcAsyncWriteJournal;
import scala.collection.Iterator;
import scala.collection.immutable.Seq;
import scala.concurrent.Future;
import scala.jdk.javaapi.FutureConverters;
import scala.runtime.BoxedUnit;
import scala.util.Try;

/**
 * pekko-persistence-jdbc's journal, measured: how long each entity's write takes until it is
 * committed (group commit included), how many events are written, and how many writes fail (the
 * journal could not write: the entity restarts and recovers) or are rejected (an event could not be
 * serialized: the entity is told and goes on).
 */
public final class MeasuredJdbcJournal extends JdbcAsyncWriteJournal {
  private final Timer writes;
  private final Counter events;
  private final Counter failures;
  private final Counter rejections;

  public MeasuredJdbcJournal(Config config) {
    super(config);
    MeterRegistry registry = NodeMetrics.get(Adapter.toTyped(context().system())).registry();
    writes =
        NodeMetrics.latency(
                "easel.journal.writes", "Journal writes of entities, from the write to its commit")
            .register(registry);
    events =
        Counter.builder("easel.journal.events")
            .description("Events written to the journal")
            .register(registry);
    failures =
        Counter.builder("easel.journal.write.failures")
            .description("Journal writes that failed: the entity restarts and recovers")
            .tag("kind", "failed")
            .register(registry);
    rejections =
        Counter.builder("easel.journal.write.failures")
            .description("Journal writes that failed: the entity restarts and recovers")
            .tag("kind", "rejected")
            .register(registry);
  }

  @Override
  public Future<Seq<Try<BoxedUnit>>> asyncWriteMessages(Seq<AtomicWrite> messages) {
    long start = System.nanoTime();
    Future<Seq<Try<BoxedUnit>>> written = super.asyncWriteMessages(messages);
    FutureConverters.asJava(written)
        .whenComplete(
            (results, failure) -> {
              writes.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
              if (failure != null) {
                failures.increment(messages.size());
                return;
              }
              Iterator<AtomicWrite> write = messages.iterator();
              Iterator<Try<BoxedUnit>> result = results.iterator();
              while (write.hasNext()) {
                int size = write.next().size();
                if (result.hasNext() && result.next().isFailure()) rejections.increment();
                else events.increment(size);
              }
            });
    return written;
  }
}

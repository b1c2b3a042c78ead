package dev.easel.persistence;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.jdbc.testkit.javadsl.SchemaUtils;

/** Creates the journal, snapshot and tag tables when they do not exist yet. */
public final class JournalSchema {
  private JournalSchema() {}

  public static void createIfMissing(ActorSystem<?> system, Duration timeout) throws Exception {
    SchemaUtils.createIfNotExists(system)
        .toCompletableFuture()
        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }
}

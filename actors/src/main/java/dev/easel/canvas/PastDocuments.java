package dev.easel.canvas;

import dev.easel.ot.Json0;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.AbstractPersistentActor;
import org.apache.pekko.persistence.Recovery;
import org.apache.pekko.persistence.RecoveryCompleted;
import org.apache.pekko.persistence.SnapshotOffer;
import org.apache.pekko.persistence.SnapshotSelectionCriteria;
import scala.Option;

/**
 * Reads the document of a canvas as it was at a past version, fast: from the nearest snapshot at or
 * before it plus the events between that snapshot and the version, never the whole journal. A
 * canvas keeps every snapshot it takes ({@code easel.canvas.snapshot-every}), so at most that many
 * events are replayed, however long the history.
 *
 * <p>The read is a recovery, with the journal's and the snapshot store's own public recovery
 * protocol: a short-lived persistent actor with the canvas's persistence id recovers up to the
 * sequence number of the version ({@link CanvasEntity.HistoryIndex#sequenceNrOf}), answers and
 * stops. It never writes, so it does not disturb the canvas entity, which stays the only writer.
 */
final class PastDocuments {
  private static final AtomicLong READERS = new AtomicLong();
  private final ExtendedActorSystem classic;

  PastDocuments(org.apache.pekko.actor.typed.ActorSystem<?> system) {
    this.classic = (ExtendedActorSystem) Adapter.toClassic(system);
  }

  /**
   * The document {@code persistenceId} had at {@code version}, which the index says it reached.
   * Fails when the journal does not hold what the index promised (then the caller replays the whole
   * history).
   */
  CompletionStage<CanvasHistory.DocumentAt> read(
      String persistenceId, CanvasEntity.HistoryIndex index, long version) {
    CompletableFuture<CanvasHistory.DocumentAt> answer = new CompletableFuture<>();
    long sequenceNr = index.sequenceNrOf(version);
    // A typed system's user guardian spawns no classic actors from outside: a system actor.
    classic.systemActorOf(
        Props.create(Reader.class, () -> new Reader(persistenceId, sequenceNr, version, answer)),
        "past-document-" + READERS.incrementAndGet());
    return answer;
  }

  /** Recovers a canvas's state up to one sequence number, answers it, stops. */
  static final class Reader extends AbstractPersistentActor {
    private final String persistenceId;
    private final long sequenceNr;
    private final long version;
    private final CompletableFuture<CanvasHistory.DocumentAt> answer;
    private Object doc;
    private long at;

    Reader(
        String persistenceId,
        long sequenceNr,
        long version,
        CompletableFuture<CanvasHistory.DocumentAt> answer) {
      this.persistenceId = persistenceId;
      this.sequenceNr = sequenceNr;
      this.version = version;
      this.answer = answer;
    }

    @Override
    public String persistenceId() {
      return persistenceId;
    }

    @Override
    public Recovery recovery() {
      return Recovery.create(
          SnapshotSelectionCriteria.create(sequenceNr, Long.MAX_VALUE), sequenceNr);
    }

    @Override
    public Receive createReceiveRecover() {
      return receiveBuilder()
          .match(
              SnapshotOffer.class,
              offer -> {
                CanvasEntity.CanvasSnapshot snapshot =
                    (CanvasEntity.CanvasSnapshot) offer.snapshot();
                doc = snapshot.data() == null ? null : Json0.fromJson(snapshot.data());
                at = snapshot.version();
              })
          .match(CanvasEntity.Change.class, this::replay)
          .match(RecoveryCompleted.class, done -> finish())
          .matchAny(event -> {}) // named versions: not part of the document
          .build();
    }

    private void replay(CanvasEntity.Change change) {
      if (change.v() != at) {
        throw new IllegalStateException(
            "the journal of " + persistenceId + " skips from version " + at + " to " + change.v());
      }
      doc = change.toOp().applyTo(doc);
      at = change.v() + 1;
    }

    private void finish() {
      if (at == version) {
        answer.complete(
            new CanvasHistory.DocumentAt(version, doc == null ? null : Json0.toJson(doc)));
      } else {
        answer.completeExceptionally(
            new IllegalStateException(
                "recovering "
                    + persistenceId
                    + " to sequence number "
                    + sequenceNr
                    + " reached version "
                    + at
                    + ", not "
                    + version));
      }
      getContext().stop(getSelf());
    }

    @Override
    public void onRecoveryFailure(Throwable cause, Option<Object> event) {
      answer.completeExceptionally(cause);
      super.onRecoveryFailure(cause, event);
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder().build();
    }
  }
}

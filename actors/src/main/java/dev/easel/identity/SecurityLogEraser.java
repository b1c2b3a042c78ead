package dev.easel.identity;

import org.apache.pekko.actor.Props;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.AbstractPersistentActor;
import org.apache.pekko.persistence.DeleteMessagesFailure;
import org.apache.pekko.persistence.DeleteMessagesSuccess;
import org.apache.pekko.persistence.Recovery;
import org.apache.pekko.persistence.RecoveryCompleted;

/**
 * Deletes the events of a closed {@link SecurityLogEntity} from the journal, up to and including
 * its closing event, answers the closing command, and stops. Pekko's typed persistence API deletes
 * events only as snapshot retention (the oldest ones, never all), so this short-lived child of the
 * log uses the classic API's {@code deleteMessages}. It shares the log's persistence id but never
 * writes an event: it starts without replaying any ({@link Recovery#none()}), and it runs only
 * after the log was closed, when the log itself writes nothing more.
 *
 * <p>The journal (pekko-persistence-jdbc) removes the rows of the deleted events and keeps the
 * newest one, marked deleted, to remember the sequence number: that is the closing event, which
 * holds only the time of closing.
 */
final class SecurityLogEraser extends AbstractPersistentActor {
  private final String persistenceId;
  private final long toSequenceNr;
  private final ActorRef<SecurityLogEntity.Result> replyTo;

  private SecurityLogEraser(
      String persistenceId, long toSequenceNr, ActorRef<SecurityLogEntity.Result> replyTo) {
    this.persistenceId = persistenceId;
    this.toSequenceNr = toSequenceNr;
    this.replyTo = replyTo;
  }

  /** Deletes the events of {@code persistenceId} up to {@code toSequenceNr}, then answers. */
  static Props props(
      String persistenceId, long toSequenceNr, ActorRef<SecurityLogEntity.Result> replyTo) {
    return Props.create(
        SecurityLogEraser.class, () -> new SecurityLogEraser(persistenceId, toSequenceNr, replyTo));
  }

  @Override
  public String persistenceId() {
    return persistenceId;
  }

  @Override
  public Recovery recovery() {
    return Recovery.none();
  }

  @Override
  public Receive createReceiveRecover() {
    return receiveBuilder()
        .match(RecoveryCompleted.class, done -> deleteMessages(toSequenceNr))
        .build();
  }

  @Override
  public Receive createReceive() {
    return receiveBuilder()
        .match(
            DeleteMessagesSuccess.class,
            deleted -> {
              replyTo.tell(new SecurityLogEntity.Closed());
              getContext().stop(getSelf());
            })
        .match(
            DeleteMessagesFailure.class,
            failed -> {
              replyTo.tell(
                  new SecurityLogEntity.NotErased(failed.cause().getClass().getSimpleName()));
              getContext().stop(getSelf());
            })
        .build();
  }

  @Override
  public void onRecoveryFailure(Throwable cause, scala.Option<Object> event) {
    replyTo.tell(new SecurityLogEntity.NotErased(cause.getClass().getSimpleName()));
  }
}

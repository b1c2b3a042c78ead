package dev.easel.query;

import dev.easel.CborSerializable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells every node of the cluster that a project was deleted, so that each node's {@link
 * QueryEngine} drops its copy of the project's query database ({@link QueryEngine#discard}): the
 * project's worker, and the Flight SQL servers, which query on their own node, may each have one.
 * One per actor system, over a pub-sub topic; delivery is at most once, so a node that is away when
 * a project is deleted keeps that file (a cache nobody may read) until its data folder is cleared.
 */
public final class DeletedProjects implements Extension {
  private static final Logger log = LoggerFactory.getLogger(DeletedProjects.class);

  /** Project {@code projectId} was deleted. */
  public record Deleted(String projectId) implements CborSerializable {}

  private final ActorSystem<?> system;
  private final ActorRef<Topic.Command<Deleted>> topic;

  private DeletedProjects(ActorSystem<?> system) {
    this.system = system;
    this.topic =
        system.systemActorOf(
            Topic.create(Deleted.class, "deleted-projects"), "deleted-projects", Props.empty());
  }

  /** The announcements of {@code system}. */
  public static DeletedProjects get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  /** Announces to every node that project {@code projectId} was deleted. */
  public void announce(String projectId) {
    topic.tell(Topic.publish(new Deleted(projectId)));
  }

  /**
   * Discards, on this node, the query database of every project announced from now on ({@link
   * QueryEngine#discard}, on the blocking dispatcher: it may close the database).
   */
  public void discardIn(QueryEngine engine) {
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    ActorRef<Deleted> listener =
        system.systemActorOf(
            Behaviors.receiveMessage(
                (Deleted deleted) -> {
                  CompletableFuture.runAsync(() -> engine.discard(deleted.projectId()), blocking)
                      .exceptionally(
                          failure -> {
                            log.warn(
                                "the query database of deleted project {} is left behind",
                                deleted.projectId(),
                                failure);
                            return null;
                          });
                  return Behaviors.same();
                }),
            "deleted-projects-query-engine",
            Props.empty());
    topic.tell(Topic.subscribe(listener));
  }

  private static final class Id extends ExtensionId<DeletedProjects> {
    static final Id INSTANCE = new Id();

    @Override
    public DeletedProjects createExtension(ActorSystem<?> system) {
      return new DeletedProjects(system);
    }
  }
}

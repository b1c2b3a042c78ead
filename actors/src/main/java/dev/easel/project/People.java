package dev.easel.project;

import dev.easel.identity.UserEntity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * The names and email addresses of users, as members of projects and organizations see each other:
 * looked up from their accounts ({@link UserEntity}). A deleted or unknown account shows as
 * "deleted user" without an address.
 */
public final class People {
  /** How a user whose account is gone is shown. */
  public static final String DELETED_USER = "deleted user";

  /** A user as others see it; {@code email} is empty for an account that is gone. */
  public record Person(String userId, String email, String displayName) {}

  private final ClusterSharding sharding;
  private final Duration askTimeout;

  public People(ActorSystem<?> system) {
    this.sharding = ClusterSharding.get(system);
    this.askTimeout = system.settings().config().getDuration("easel.canvas.ask-timeout");
  }

  /** The users {@code userIds} (each looked up once), by id. */
  public CompletionStage<Map<String, Person>> lookUp(Collection<String> userIds) {
    List<String> ids = new ArrayList<>(new LinkedHashSet<>(userIds));
    ids.removeIf(id -> id == null || id.isEmpty());
    List<CompletableFuture<UserEntity.UserView>> views = new ArrayList<>();
    for (String id : ids) {
      views.add(
          sharding
              .entityRefFor(UserEntity.KEY, id)
              .<UserEntity.UserView>ask(UserEntity.Get::new, askTimeout)
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(views.toArray(CompletableFuture[]::new))
        .thenApply(
            done -> {
              Map<String, Person> people = new LinkedHashMap<>();
              for (int i = 0; i < ids.size(); i++) {
                people.put(ids.get(i), person(ids.get(i), views.get(i).join()));
              }
              return people;
            });
  }

  /** The user {@code userId}. */
  public CompletionStage<Person> lookUp(String userId) {
    return lookUp(List.of(userId)).thenApply(people -> people.get(userId));
  }

  /** How {@code userId} is shown when it is not among {@code people}. */
  public static Person of(Map<String, Person> people, String userId) {
    Person person = people.get(userId);
    return person != null ? person : new Person(userId, "", DELETED_USER);
  }

  private static Person person(String userId, UserEntity.UserView view) {
    if (view == null || view.status() != UserEntity.Status.ACTIVE) {
      return new Person(userId, "", DELETED_USER);
    }
    return new Person(
        userId,
        view.email() == null ? "" : view.email(),
        view.displayName() == null ? "" : view.displayName());
  }
}

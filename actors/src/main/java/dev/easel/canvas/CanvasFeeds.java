package dev.easel.canvas;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Per node, one subscription to each canvas that has local listeners (ShareDB sockets, gRPC
 * streams): the canvas pushes its changes once to this node, which fans them out. When the canvas
 * entity stops (passivation, rebalance, a node leaving) the feed subscribes again and announces the
 * version it is live from, so listeners can fill any gap from the journal.
 */
public final class CanvasFeeds {
  /** Called on the feed's thread; implementations hand the work to their own executor. */
  public interface Listener {
    /** Every change at version {@code v} and later will be delivered. */
    void onLive(long v);

    void onOp(CanvasOp op);
  }

  /** Ends a listener's subscription. */
  public interface Registration extends AutoCloseable {
    @Override
    void close();
  }

  private final ActorSystem<?> system;
  private final Canvases canvases;
  private final Map<String, Feed> feeds = new HashMap<>();
  private long counter;

  public CanvasFeeds(ActorSystem<?> system, Canvases canvases) {
    this.system = system;
    this.canvases = canvases;
  }

  public synchronized Registration listen(String canvasId, Listener listener) {
    Feed feed = feeds.get(canvasId);
    if (feed == null) {
      feed = new Feed();
      feeds.put(canvasId, feed);
      feed.ref =
          system.systemActorOf(
              feedBehavior(canvasId, feed),
              canvases.kind().collection() + "-feed-" + (++counter) + "-" + canvasId,
              Props.empty());
    }
    feed.listeners.add(listener);
    // A feed that is already live delivers every change from `next` on to this listener too.
    long next = feed.next;
    if (next >= 0) listener.onLive(next);
    Feed subscribed = feed;
    return () -> unlisten(canvasId, subscribed, listener);
  }

  private synchronized void unlisten(String canvasId, Feed feed, Listener listener) {
    if (feed.listeners.remove(listener)
        && feed.listeners.isEmpty()
        && feeds.get(canvasId) == feed) {
      feeds.remove(canvasId);
      feed.ref.tell(new Stop());
    }
  }

  private static final class Feed {
    final Set<Listener> listeners = new CopyOnWriteArraySet<>();
    ActorRef<Object> ref;

    /**
     * The version of the next change this feed will deliver; -1 until live. Raised before each
     * delivery, so a listener added at any moment is told a version from which it gets everything.
     */
    volatile long next = -1;
  }

  private record Stop() {}

  private record CanvasStopped() {}

  private record Resubscribe() {}

  private Behavior<Object> feedBehavior(String canvasId, Feed feed) {
    Set<Listener> listeners = feed.listeners;
    return Behaviors.setup(
        context -> {
          ActorRef<CanvasEntity.Feed> self = context.getSelf().narrow();
          canvases.ref(canvasId).tell(new CanvasEntity.Subscribe(self));
          return Behaviors.withTimers(
              timers ->
                  Behaviors.receive(Object.class)
                      .onMessage(
                          CanvasEntity.Live.class,
                          live -> {
                            context.watchWith(live.canvas(), new CanvasStopped());
                            feed.next = live.v();
                            for (Listener l : listeners) l.onLive(live.v());
                            return Behaviors.same();
                          })
                      .onMessage(
                          CanvasEntity.Published.class,
                          published -> {
                            feed.next = Math.max(feed.next, published.op().v() + 1);
                            for (Listener l : listeners) l.onOp(published.op());
                            return Behaviors.same();
                          })
                      .onMessage(
                          CanvasStopped.class,
                          stopped -> {
                            // Let the shard settle before waking the canvas again.
                            timers.startSingleTimer(new Resubscribe(), Duration.ofMillis(50));
                            return Behaviors.same();
                          })
                      .onMessage(
                          Resubscribe.class,
                          r -> {
                            canvases.ref(canvasId).tell(new CanvasEntity.Subscribe(self));
                            return Behaviors.same();
                          })
                      .onMessage(
                          Stop.class,
                          stop -> {
                            canvases.ref(canvasId).tell(new CanvasEntity.Unsubscribe(self));
                            return Behaviors.stopped();
                          })
                      .build());
        });
  }
}

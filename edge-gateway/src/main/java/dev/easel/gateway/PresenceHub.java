package dev.easel.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * Presence (cursors, selections) between the ShareDB connections of this node: ephemeral, never
 * persisted, broadcast as sent (not transformed). Each channel is a ShareDB presence channel, e.g.
 * {@code canvases.<id>} for a canvas.
 */
final class PresenceHub {
  /** Receives what another connection published; called on the publisher's thread. */
  interface Receiver {
    void receive(String fromSrc, ObjectNode message);
  }

  interface Registration extends AutoCloseable {
    @Override
    void close();
  }

  private final Map<String, Set<Receiver>> channels = new ConcurrentHashMap<>();

  Registration subscribe(String channel, Receiver receiver) {
    channels.computeIfAbsent(channel, c -> new CopyOnWriteArraySet<>()).add(receiver);
    return () ->
        channels.computeIfPresent(
            channel,
            (c, receivers) -> {
              receivers.remove(receiver);
              return receivers.isEmpty() ? null : receivers;
            });
  }

  void publish(String channel, String fromSrc, ObjectNode message) {
    Set<Receiver> receivers = channels.get(channel);
    if (receivers == null) return;
    for (Receiver receiver : receivers) receiver.receive(fromSrc, message.deepCopy());
  }
}

package dev.easel.persistence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.easel.canvas.CanvasEntity;
import dev.easel.ot.Json0;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.EventsByTagQuery;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A read model of every canvas (id, title, version, creation time), built from the tagged canvas
 * events in the journal and kept up to date as new ones arrive. It is rebuilt from the journal on
 * each start; the journal stays the only truth.
 */
public final class CanvasCatalog implements AutoCloseable {
  /** One canvas as listed. */
  public record Entry(String canvasId, String title, long version, Instant createdAt) {}

  private static final class Row {
    Object titleDoc; // {"title": Text}, kept with json0 so title edits apply as they do to canvases
    long version;
    Instant createdAt;
    boolean deleted;
  }

  private static final Logger log = LoggerFactory.getLogger(CanvasCatalog.class);
  private final Map<String, Row> rows = new ConcurrentHashMap<>();
  private final UniqueKillSwitch killSwitch;

  public CanvasCatalog(ActorSystem<?> system, String readJournalPluginId) {
    EventsByTagQuery journal =
        PersistenceQuery.get(system).getReadJournalFor(EventsByTagQuery.class, readJournalPluginId);
    Source<EventEnvelope, NotUsed> all = Source.empty();
    for (int i = 0; i < CanvasEntity.TAG_COUNT; i++) {
      String tag = "canvas-" + i;
      AtomicReference<Offset> seen = new AtomicReference<>(Offset.noOffset());
      // A query that fails (e.g. the journal is slow to answer at start-up) resumes from the last
      // event it delivered, so the catalog never silently stops following the journal.
      all =
          all.merge(
              RestartSource.onFailuresWithBackoff(
                  RestartSettings.create(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2),
                  () ->
                      journal
                          .eventsByTag(tag, seen.get())
                          .wireTap(envelope -> seen.set(envelope.offset()))
                          .mapError(
                              new scala.PartialFunction<Throwable, Throwable>() {
                                @Override
                                public boolean isDefinedAt(Throwable t) {
                                  return true;
                                }

                                @Override
                                public Throwable apply(Throwable t) {
                                  log.warn("canvas catalog: reading {} failed; retrying", tag, t);
                                  return t;
                                }
                              })));
    }
    this.killSwitch =
        all.viaMat(KillSwitches.single(), Keep.right()).to(Sink.foreach(this::record)).run(system);
  }

  private void record(EventEnvelope envelope) {
    if (!(envelope.event() instanceof CanvasEntity.Event event)) return;
    String canvasId = envelope.persistenceId().substring(envelope.persistenceId().indexOf('|') + 1);
    Row row = rows.computeIfAbsent(canvasId, id -> new Row());
    if (event.v() < row.version) return; // replayed twice
    switch (event) {
      case CanvasEntity.CanvasCreated created -> {
        row.titleDoc = titleOnly(created.data());
        row.createdAt = created.at();
        row.deleted = false;
      }
      case CanvasEntity.OpApplied applied -> {
        if (row.titleDoc != null) {
          ArrayNode titleOps = JsonNodeFactory.instance.arrayNode();
          for (JsonNode component : applied.op()) {
            JsonNode path = component.path("p");
            if (path.isEmpty() && component.has("oi")) {
              row.titleDoc = titleOnly(component.get("oi"));
              titleOps.removeAll();
            } else if ("title".equals(path.path(0).asText(null))) {
              titleOps.add(component);
            }
          }
          if (!titleOps.isEmpty()) {
            try {
              row.titleDoc = Json0.apply(row.titleDoc, titleOps);
            } catch (RuntimeException e) {
              row.titleDoc = null; // cannot follow: the title is unknown until the next create
            }
          }
        }
      }
      case CanvasEntity.CanvasDeleted deleted -> row.deleted = true;
    }
    row.version = event.v() + 1;
  }

  private static Object titleOnly(JsonNode data) {
    var doc = JsonNodeFactory.instance.objectNode();
    doc.set("title", data.path("title").isTextual() ? data.get("title") : doc.textNode(""));
    return Json0.fromJson(doc);
  }

  /** The {@code limit} most recently created canvases that exist, newest first. */
  public List<Entry> newestFirst(int limit) {
    return rows.entrySet().stream()
        .filter(e -> !e.getValue().deleted && e.getValue().createdAt != null)
        .map(
            e ->
                new Entry(
                    e.getKey(),
                    e.getValue().titleDoc == null
                        ? ""
                        : Json0.toJson(e.getValue().titleDoc).path("title").asText(),
                    e.getValue().version,
                    e.getValue().createdAt))
        .sorted(Comparator.comparing(Entry::createdAt).reversed().thenComparing(Entry::canvasId))
        .limit(limit)
        .toList();
  }

  @Override
  public void close() {
    killSwitch.shutdown();
  }
}

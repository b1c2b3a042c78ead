package dev.easel.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.easel.canvas.CanvasEntity;
import dev.easel.canvas.CanvasError;
import dev.easel.canvas.CanvasOp;
import dev.easel.canvas.CanvasStream;
import dev.easel.canvas.Canvases;
import dev.easel.canvas.ChangeKind;
import dev.easel.canvas.DocumentKind;
import dev.easel.canvas.DocumentStore;
import dev.easel.identity.Scope;
import dev.easel.project.ProjectPolicy;
import dev.easel.project.Projects;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ShareDB client connection: speaks protocol 1.x of the {@code sharedb} npm client on top of
 * the canvas entities. It serves two collections: {@code canvases}, the canvas documents, and
 * {@code canvas-runs}, each canvas's run state (same id as the canvas), which Easel writes and
 * clients only read. Every method runs on the connection's own executor, one at a time, so the
 * state here needs no locks; replies from entities and pushed changes hop onto that executor.
 */
final class ShareDbSession {
  static final String COLLECTION = DocumentKind.CANVAS.collection();
  static final String RUNS_COLLECTION = DocumentKind.RUNS.collection();
  static final String JSON0_URI = "http://sharejs.org/types/JSONv0";
  static final int MAX_SUBSCRIPTIONS = 1_000;
  static final int MAX_QUEUED = 10_000;

  /** How long a checked role is trusted before it is checked again. */
  static final long ROLE_TTL_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(5);

  private static final Logger log = LoggerFactory.getLogger(ShareDbSession.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final ObjectMapper mapper;
  private final Map<DocumentKind, DocumentStore> stores;
  private final PresenceHub presence;
  private final Executor executor;
  private final ShareDbMeters meters;
  private final Consumer<String> send;
  private final Caller caller;
  private final String user;
  private final Projects projects;
  private final ArrayDeque<ObjectNode> inbox = new ArrayDeque<>();
  private final Map<String, KnownStanding> standings = new HashMap<>();
  private boolean checking;
  private final Map<Doc, Subscription> subscriptions = new HashMap<>();
  private final Map<String, PresenceHub.Registration> presenceChannels = new HashMap<>();

  /** The last presence this client sent, per channel and presence id, to clear it on close. */
  private final Map<String, Map<String, ObjectNode>> ownPresence = new HashMap<>();

  private String src = HexFormat.of().formatHex(randomBytes());
  private boolean closed;

  ShareDbSession(
      ObjectMapper mapper,
      Map<DocumentKind, DocumentStore> stores,
      PresenceHub presence,
      Executor executor,
      Consumer<String> send,
      Projects projects,
      Caller caller,
      ShareDbMeters meters) {
    this.meters = meters;
    this.mapper = mapper;
    this.stores = Map.copyOf(stores);
    this.presence = presence;
    this.executor = executor;
    this.send = send;
    this.projects = projects;
    this.caller = caller;
    this.user = caller.userId();
  }

  private static byte[] randomBytes() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  /** A document a request names: of which collection, which canvas. */
  private record Doc(DocumentKind kind, String id) {}

  /** The entities that hold {@code doc}. */
  private Canvases documents(Doc doc) {
    return stores.get(doc.kind()).documents();
  }

  /** A subscribed document: its ordered change stream, which writes straight to the socket. */
  private final class Subscription {
    final Doc doc;
    final CanvasStream stream;

    Subscription(Doc doc) {
      this.doc = doc;
      DocumentStore store = stores.get(doc.kind());
      this.stream =
          new CanvasStream(
              doc.id(),
              store.documents(),
              store.feeds(),
              executor,
              op -> sendOp(doc, op),
              failure ->
                  log.warn(
                      "{} {}: could not read missed ops",
                      doc.kind().collection(),
                      doc.id(),
                      failure));
    }
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  void open() {
    meters.opened();
    ObjectNode init = hello("init");
    write(init);
  }

  void close() {
    if (closed) return;
    closed = true;
    meters.closed();
    for (Subscription subscription : subscriptions.values()) subscription.stream.close();
    subscriptions.clear();
    ownPresence.forEach(
        (channel, byId) ->
            byId.values()
                .forEach(
                    last -> {
                      ObjectNode gone = last.deepCopy();
                      gone.putNull("p");
                      gone.put("pv", last.path("pv").asLong() + 1);
                      presence.publish(channel, src, gone);
                    }));
    ownPresence.clear();
    presenceChannels.values().forEach(PresenceHub.Registration::close);
    presenceChannels.clear();
  }

  private ObjectNode hello(String action) {
    ObjectNode message = JSON.objectNode();
    message.put("a", action);
    message.put("protocol", 1);
    message.put("protocolMinor", 2);
    message.put("id", src);
    message.put("type", JSON0_URI);
    return message;
  }

  // ---- input ----------------------------------------------------------------------------------

  /** Answers a frame that cannot be a ShareDB message. */
  void refuse(String why) {
    if (!closed) error(null, "ERR_MESSAGE_BADLY_FORMED", why);
  }

  /** Handles one text frame. */
  void receive(String text) {
    if (closed) return;
    JsonNode parsed;
    try {
      parsed = mapper.readTree(text);
    } catch (JsonProcessingException e) {
      error(null, "ERR_MESSAGE_BADLY_FORMED", "Malformed JSON: " + e.getOriginalMessage());
      return;
    }
    if (!(parsed instanceof ObjectNode request)) {
      error(null, "ERR_MESSAGE_BADLY_FORMED", "A message must be a JSON object");
      return;
    }
    if (inbox.size() >= MAX_QUEUED) {
      error(request, "ERR_MESSAGE_BADLY_FORMED", "Too many requests in flight; slow down");
      return;
    }
    inbox.add(request);
    pump();
  }

  /**
   * Handles queued requests in arrival order. A request on a canvas whose access is not known yet
   * waits for the check, and the requests after it wait too, so a client's requests are never
   * reordered.
   */
  private void pump() {
    while (!checking && !closed && !inbox.isEmpty()) {
      ObjectNode request = inbox.poll();
      try {
        Access access = accessFor(request);
        if (access != null) checkScope(access);
        if (access == null || allowedFromCache(access)) {
          handle(request);
        } else {
          checking = true;
          check(access, request);
        }
      } catch (BadRequest e) {
        error(request, e.code, e.getMessage());
      } catch (RuntimeException e) {
        log.warn("unexpected failure handling a ShareDB message", e);
        error(request, "ERR_UNKNOWN_ERROR", "Internal error: " + e.getClass().getSimpleName());
      }
    }
  }

  // ---- access ---------------------------------------------------------------------------------

  /** The canvases a request touches and what it does to them. */
  private record Access(List<String> canvasIds, ProjectPolicy.Action action) {}

  /** The name {@link #SOCKET_ACTIONS} gives an op that deletes its canvas ({@code "del": true}). */
  static final String DELETING_OP = "op+del";

  /**
   * The declared table of what each ShareDB request that touches a canvas needs in the canvas's
   * project, by its action {@code a} ({@link #DELETING_OP} for an op that deletes the canvas); the
   * role is {@link ProjectPolicy}'s to decide, the scope of an API key {@link
   * ProjectPolicy#scopeFor}'s. Requests of other actions (handshake, unsubscribing, ping) touch no
   * canvas's content and need nothing. {@code AccessMatrixIntegrationTest} sends every entry as
   * every role and kind of credential.
   */
  static final Map<String, ProjectPolicy.Action> SOCKET_ACTIONS =
      Map.ofEntries(
          Map.entry("f", ProjectPolicy.Action.CANVAS_READ), // fetch
          Map.entry("s", ProjectPolicy.Action.CANVAS_READ), // subscribe
          Map.entry("nf", ProjectPolicy.Action.CANVAS_READ), // the snapshot at a version
          Map.entry("nt", ProjectPolicy.Action.CANVAS_READ), // the snapshot at a time
          Map.entry("bf", ProjectPolicy.Action.CANVAS_READ), // fetch several
          Map.entry("bs", ProjectPolicy.Action.CANVAS_READ), // subscribe to several
          Map.entry("op", ProjectPolicy.Action.CANVAS_EDIT),
          Map.entry(DELETING_OP, ProjectPolicy.Action.CANVAS_DELETE),
          Map.entry("p", ProjectPolicy.Action.CANVAS_READ), // share one's presence
          Map.entry("ps", ProjectPolicy.Action.CANVAS_READ), // subscribe to others' presence
          Map.entry("pr", ProjectPolicy.Action.CANVAS_READ)); // ask the others to announce

  /** The action of {@code request} as {@link #SOCKET_ACTIONS} names it; empty when it has none. */
  static String socketAction(ObjectNode request) {
    String action = request.path("a").isTextual() ? request.get("a").asText() : "";
    return action.equals("op") && request.path("del").asBoolean(false) ? DELETING_OP : action;
  }

  /** What {@code request} needs to be allowed; null for requests that touch no canvas. */
  private Access accessFor(ObjectNode request) {
    String action = socketAction(request);
    ProjectPolicy.Action needed = SOCKET_ACTIONS.get(action);
    if (needed == null) return null;
    List<String> canvasIds =
        switch (action) {
          case "bf", "bs" -> bulkIds(request);
          case "p", "ps", "pr" -> List.of(presenceCanvas(request));
          default -> List.of(doc(request).id());
        };
    boolean writes = action.equals("op") || action.equals(DELETING_OP);
    if (writes && doc(request).kind() == DocumentKind.RUNS) {
      // Not ERR_OP_SUBMIT_REJECTED: the sharedb client takes that for a silent rollback.
      throw new BadRequest(
          "ERR_PERMISSION_DENIED",
          RUNS_COLLECTION
              + " documents are written by Easel alone: run a cell with"
              + " POST /v1/canvases/{canvasId}/cells/{cellId}:run");
    }
    if (request.has("create") && writes) {
      throw new BadRequest(
          "ERR_OP_SUBMIT_REJECTED",
          "Canvases are created in a project: POST /v1/projects/{projectId}/canvases");
    }
    return new Access(canvasIds, needed);
  }

  /** Refuses what the caller's API key has no scope for (a person's token has every scope). */
  private void checkScope(Access access) {
    Scope needed = ProjectPolicy.scopeFor(access.action());
    if (!caller.allows(needed)) {
      throw new BadRequest(
          "ERR_PERMISSION_DENIED",
          "this needs the " + needed.wireName() + " scope, which this API key lacks");
    }
  }

  private List<String> bulkIds(ObjectNode request) {
    collection(request);
    JsonNode b = request.path("b");
    List<String> ids = new ArrayList<>();
    if (b.isArray()) {
      for (JsonNode id : b) {
        if (!id.isTextual()) throw new BadRequest("ERR_MESSAGE_BADLY_FORMED", "Invalid id");
        ids.add(checkedId(id.asText()));
      }
    } else if (b.isObject()) {
      b.properties().forEach(entry -> ids.add(checkedId(entry.getKey())));
    } else {
      throw new BadRequest("ERR_MESSAGE_BADLY_FORMED", "Invalid bulk subscribe data");
    }
    if (ids.size() > MAX_SUBSCRIPTIONS) {
      throw new BadRequest("ERR_MESSAGE_BADLY_FORMED", "Too many ids in one bulk request");
    }
    return ids;
  }

  /** The canvas of a doc presence channel, {@code canvases.<canvasId>}. */
  private String presenceCanvas(ObjectNode request) {
    String channel = channel(request);
    if (!channel.startsWith(COLLECTION + ".")) {
      throw new BadRequest(
          "ERR_MESSAGE_BADLY_FORMED",
          "Presence channels are canvases.<canvasId> (doc presence on a canvas)");
    }
    return checkedId(channel.substring(COLLECTION.length() + 1));
  }

  private boolean allowedFromCache(Access access) {
    long now = System.nanoTime();
    for (String canvasId : access.canvasIds()) {
      KnownStanding known = standings.get(canvasId);
      if (known == null || now - known.checkedAt() > ROLE_TTL_NANOS) return false;
      // A cached refusal is re-checked rather than answered from the cache.
      if (ProjectPolicy.decide(known.standing(), access.action())
          != ProjectPolicy.Decision.ALLOWED) {
        return false;
      }
    }
    return true;
  }

  /** Where the user stood in a canvas's project (role, archive), and when that was checked. */
  private record KnownStanding(ProjectPolicy.Standing standing, long checkedAt) {}

  private void check(Access access, ObjectNode request) {
    List<CompletableFuture<ProjectPolicy.Standing>> lookups = new ArrayList<>();
    for (String canvasId : access.canvasIds()) {
      lookups.add(
          projects.canvasStanding(user, canvasId, caller.onlyProject()).toCompletableFuture());
    }
    CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new))
        .whenCompleteAsync(
            (done, failure) -> {
              checking = false;
              if (closed) return;
              if (failure != null) {
                failed(request, failure);
              } else {
                try {
                  for (int i = 0; i < lookups.size(); i++) {
                    String canvasId = access.canvasIds().get(i);
                    ProjectPolicy.Standing standing = lookups.get(i).join();
                    standings.put(canvasId, new KnownStanding(standing, System.nanoTime()));
                    Projects.check(canvasId, standing, access.action());
                  }
                  handle(request);
                } catch (Projects.Refusal refusal) {
                  error(
                      request,
                      switch (refusal.kind()) {
                        case NOT_FOUND -> "ERR_DOC_DOES_NOT_EXIST";
                        case FAILED_PRECONDITION -> "ERR_PROJECT_ARCHIVED";
                        default -> "ERR_PERMISSION_DENIED";
                      },
                      refusal.getMessage());
                } catch (BadRequest e) {
                  error(request, e.code, e.getMessage());
                }
              }
              pump();
            },
            executor);
  }

  private void handle(ObjectNode request) {
    String action = request.path("a").isTextual() ? request.get("a").asText() : "";
    switch (action) {
      case "hs" -> {
        JsonNode id = request.path("id");
        if (id.isTextual() && !id.asText().isEmpty() && id.asText().length() <= 128) {
          src = id.asText();
        }
        write(hello("hs"));
      }
      case "f" -> fetch(request);
      case "s" -> subscribe(request);
      case "u" -> unsubscribe(request);
      case "bf", "bs" -> bulk(request);
      case "bu" -> bulkUnsubscribe(request);
      case "op" -> submit(request);
      case "nf", "nt" -> snapshotAt(request);
      case "pp" -> reply(request, JSON.objectNode());
      case "p" -> presenceUpdate(request);
      case "ps" -> presenceSubscribe(request);
      case "pu" -> presenceUnsubscribe(request);
      case "pr" -> {
        presence.publish(channel(request), src, presenceRequest(channel(request)));
        reply(request, JSON.objectNode());
      }
      case "qf", "qs", "qu" ->
          throw new BadRequest(
              "ERR_MESSAGE_BADLY_FORMED", "Queries are not supported; fetch or subscribe by id");
      default ->
          throw new BadRequest(
              "ERR_MESSAGE_BADLY_FORMED",
              action.isEmpty()
                  ? "Missing action 'a'"
                  : "Invalid or unknown message action '" + truncate(action) + "'");
    }
  }

  /** The document a doc request names, after checking collection and id. */
  private Doc doc(ObjectNode request) {
    DocumentKind kind = collection(request);
    JsonNode d = request.path("d");
    if (!d.isTextual()) throw new BadRequest("ERR_MESSAGE_BADLY_FORMED", "Invalid id");
    return new Doc(kind, checkedId(d.asText()));
  }

  /** The kind of document the collection a request names holds. */
  private static DocumentKind collection(ObjectNode request) {
    JsonNode c = request.path("c");
    if (!c.isTextual()) throw new BadRequest("ERR_MESSAGE_BADLY_FORMED", "Invalid collection");
    DocumentKind kind = DocumentKind.ofCollection(c.asText());
    if (kind == null) {
      throw new BadRequest(
          "ERR_MESSAGE_BADLY_FORMED",
          "Unknown collection '"
              + truncate(c.asText())
              + "': Easel serves '"
              + COLLECTION
              + "' and '"
              + RUNS_COLLECTION
              + "'");
    }
    return kind;
  }

  private static String checkedId(String id) {
    String problem = Canvases.checkId(id);
    if (problem != null) throw new BadRequest("ERR_MESSAGE_BADLY_FORMED", "Invalid id: " + problem);
    return id;
  }

  /** A version field: null when absent or null, else a non-negative integer. */
  private static Long version(ObjectNode request, String field) {
    JsonNode v = request.get(field);
    if (v == null || v.isNull()) return null;
    if (!v.isIntegralNumber() || v.asLong() < 0) {
      throw new BadRequest("ERR_MESSAGE_BADLY_FORMED", "Invalid version");
    }
    return v.asLong();
  }

  // ---- fetch and subscribe --------------------------------------------------------------------

  private void fetch(ObjectNode request) {
    Doc doc = doc(request);
    Long v = version(request, "v");
    if (v == null) {
      snapshotData(doc, data -> reply(request, withData(data)), request);
    } else {
      sendOpsSince(doc, v, () -> reply(request, JSON.objectNode()), request);
    }
  }

  private void subscribe(ObjectNode request) {
    Doc doc = doc(request);
    Long v = version(request, "v");
    Subscription subscription = subscribeTo(doc);
    if (v == null) {
      snapshotData(
          doc,
          data -> {
            subscription.stream.startAt(data.path("v").asLong());
            reply(request, withData(data));
          },
          request);
    } else {
      // Bring the client up from its version; the stream sends the ops in order, and the reply
      // follows them, as in ShareDB.
      catchUp(subscription, v, () -> reply(request, JSON.objectNode()), request);
    }
  }

  /** Starts {@code subscription} at {@code v} and runs {@code then} once it has caught up. */
  private void catchUp(Subscription subscription, long v, Runnable then, ObjectNode request) {
    subscription.stream.startAt(v);
    answer(
        documents(subscription.doc).snapshot(subscription.doc.id()),
        request,
        snapshot -> subscription.stream.whenReached(Math.max(v, snapshot.v()), then));
  }

  private Subscription subscribeTo(Doc doc) {
    Subscription existing = subscriptions.get(doc);
    if (existing != null) return existing;
    if (subscriptions.size() >= MAX_SUBSCRIPTIONS) {
      throw new BadRequest(
          "ERR_MESSAGE_BADLY_FORMED",
          "A connection may subscribe to at most " + MAX_SUBSCRIPTIONS + " documents");
    }
    Subscription subscription = new Subscription(doc);
    subscriptions.put(doc, subscription);
    return subscription;
  }

  private void unsubscribe(ObjectNode request) {
    Subscription subscription = subscriptions.remove(doc(request));
    if (subscription != null) subscription.stream.close();
    reply(request, JSON.objectNode());
  }

  private void bulk(ObjectNode request) {
    String action = request.get("a").asText();
    DocumentKind kind = collection(request);
    JsonNode b = request.path("b");
    boolean subscribe = action.equals("bs");
    List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
    if (b.isArray()) {
      // Snapshots for each id.
      for (JsonNode id : b) {
        if (!id.isTextual()) throw new BadRequest("ERR_MESSAGE_BADLY_FORMED", "Invalid id");
        entries.add(Map.entry(checkedId(id.asText()), JSON.nullNode()));
      }
      bulkVersions(kind, entries.iterator(), JSON.objectNode(), subscribe, request);
    } else if (b.isObject()) {
      // Ops since each given version (null: a snapshot).
      b.properties().forEach(entries::add);
      bulkVersions(kind, entries.iterator(), JSON.objectNode(), subscribe, request);
    } else {
      throw new BadRequest("ERR_MESSAGE_BADLY_FORMED", "Invalid bulk subscribe data");
    }
  }

  private void bulkVersions(
      DocumentKind kind,
      Iterator<Map.Entry<String, JsonNode>> entries,
      ObjectNode data,
      boolean subscribe,
      ObjectNode request) {
    if (!entries.hasNext()) {
      ObjectNode reply = JSON.objectNode();
      if (!data.isEmpty()) reply.set("data", data);
      reply(request, reply);
      return;
    }
    var entry = entries.next();
    Doc doc = new Doc(kind, checkedId(entry.getKey()));
    JsonNode v = entry.getValue();
    Runnable next = () -> bulkVersions(kind, entries, data, subscribe, request);
    if (v.isNull()) {
      Subscription subscription = subscribe ? subscribeTo(doc) : null;
      snapshotData(
          doc,
          snapshot -> {
            if (subscription != null) subscription.stream.startAt(snapshot.path("v").asLong());
            data.set(doc.id(), snapshot);
            next.run();
          },
          request);
      return;
    }
    if (!v.isIntegralNumber() || v.asLong() < 0) {
      throw new BadRequest("ERR_MESSAGE_BADLY_FORMED", "Invalid version for " + doc.id());
    }
    if (subscribe) {
      catchUp(subscribeTo(doc), v.asLong(), next, request);
    } else {
      sendOpsSince(doc, v.asLong(), next, request);
    }
  }

  private void bulkUnsubscribe(ObjectNode request) {
    DocumentKind kind = collection(request);
    for (JsonNode id : request.path("b")) {
      Subscription subscription = subscriptions.remove(new Doc(kind, id.asText()));
      if (subscription != null) subscription.stream.close();
    }
    reply(request, JSON.objectNode());
  }

  /** The snapshot of a document in ShareDB's shape: {v, data} or {v, type: null}. */
  private void snapshotData(Doc doc, Consumer<ObjectNode> then, ObjectNode request) {
    answer(
        documents(doc).snapshot(doc.id()),
        request,
        snapshot -> {
          ObjectNode data = JSON.objectNode();
          data.put("v", snapshot.v());
          if (snapshot.exists()) data.set("data", snapshot.data());
          else data.putNull("type");
          then.accept(data);
        });
  }

  private void sendOpsSince(Doc doc, long v, Runnable then, ObjectNode request) {
    answer(
        documents(doc).history().ops(doc.id(), v, Long.MAX_VALUE),
        request,
        ops -> {
          for (CanvasOp op : ops) sendOp(doc, op);
          then.run();
        });
  }

  private void snapshotAt(ObjectNode request) {
    Doc doc = doc(request);
    Long v = version(request, "v");
    long ts = -1;
    if (request.get("a").asText().equals("nt")) {
      JsonNode t = request.path("ts");
      if (!t.isIntegralNumber()) throw new BadRequest("ERR_MESSAGE_BADLY_FORMED", "Invalid ts");
      ts = t.asLong();
    }
    answer(
        ts < 0
            ? documents(doc).documentAt(doc.id(), v == null ? Long.MAX_VALUE : v)
            : documents(doc).history().documentAt(doc.id(), v == null ? Long.MAX_VALUE : v, ts),
        request,
        document -> {
          ObjectNode snapshot = JSON.objectNode();
          snapshot.put("id", doc.id());
          snapshot.put("v", document.version());
          if (document.data() == null) snapshot.putNull("type");
          else {
            snapshot.put("type", JSON0_URI);
            snapshot.set("data", document.data());
          }
          ObjectNode reply = JSON.objectNode();
          reply.set("snapshot", snapshot);
          reply(request, reply);
        });
  }

  // ---- ops ------------------------------------------------------------------------------------

  private void submit(ObjectNode request) {
    Doc doc = doc(request);
    String canvasId = doc.id();
    Long v = version(request, "v");
    JsonNode seqNode = request.path("seq");
    if (!seqNode.isIntegralNumber() || seqNode.asLong() < 0) {
      throw new BadRequest("ERR_MESSAGE_BADLY_FORMED", "Invalid op message: seq must be a number");
    }
    long seq = seqNode.asLong();
    JsonNode srcNode = request.path("src");
    if (!srcNode.isMissingNode() && !srcNode.isNull() && !srcNode.isTextual()) {
      throw new BadRequest("ERR_MESSAGE_BADLY_FORMED", "Invalid op message: src must be a string");
    }
    String opSrc = srcNode.isTextual() && !srcNode.asText().isEmpty() ? srcNode.asText() : src;
    ChangeKind kind;
    JsonNode body;
    if (request.has("op")) {
      kind = ChangeKind.EDIT;
      body = request.get("op");
      if (!body.isArray()) {
        throw new BadRequest("ERR_OT_OP_BADLY_FORMED", "Invalid op: op must be an array");
      }
    } else if (request.has("create")) {
      kind = ChangeKind.CREATE;
      JsonNode create = request.get("create");
      if (!create.isObject() || !create.path("type").isTextual()) {
        throw new BadRequest("ERR_MESSAGE_BADLY_FORMED", "Invalid create: {type, data} expected");
      }
      if (!CanvasEntity.JSON0_TYPES.contains(create.get("type").asText())) {
        throw new BadRequest(
            "ERR_DOC_TYPE_NOT_RECOGNIZED",
            "Unknown type '" + truncate(create.get("type").asText()) + "': canvases are json0");
      }
      body = create.path("data");
    } else if (request.path("del").asBoolean(false)) {
      kind = ChangeKind.DELETE;
      body = null;
    } else {
      throw new BadRequest("ERR_MESSAGE_BADLY_FORMED", "Invalid op message");
    }
    long arrived = System.nanoTime();
    answer(
        documents(doc).submit(canvasId, opSrc, seq, v == null ? -1 : v, kind, body, user),
        request,
        result -> {
          ObjectNode ack = JSON.objectNode();
          ack.put("src", opSrc);
          ack.put("seq", seq);
          switch (result) {
            case CanvasEntity.Applied applied -> {
              acknowledge(doc, applied.v(), applied.missed(), request, ack);
              meters.acked(doc.kind(), arrived);
            }
            case CanvasEntity.AlreadyApplied again -> {
              acknowledge(doc, again.v(), again.missed(), request, ack);
              meters.acked(doc.kind(), arrived);
            }
            case CanvasEntity.Rejected rejected -> {
              error(request, rejected.code().name(), rejected.message());
              meters.refused(doc.kind());
            }
          }
        });
  }

  /**
   * Acknowledges an op applied at version {@code v}: first the changes the client had not seen (the
   * sharedb client checks that the ack's version is its own), then the ack itself.
   */
  private void acknowledge(
      Doc doc, long v, List<CanvasOp> missed, ObjectNode request, ObjectNode ack) {
    Subscription subscription = subscriptions.get(doc);
    long next = subscription == null ? -1 : subscription.stream.next();
    for (CanvasOp op : missed) {
      if (op.v() >= next) sendOp(doc, op);
    }
    if (subscription != null) subscription.stream.advanceTo(v + 1);
    ack.put("v", v);
    reply(request, ack);
  }

  private void sendOp(Doc doc, CanvasOp op) {
    ObjectNode message = JSON.objectNode();
    message.put("a", "op");
    message.put("c", doc.kind().collection());
    message.put("d", doc.id());
    message.put("v", op.v());
    message.put("src", op.src());
    message.put("seq", op.seq());
    switch (op.kind()) {
      case EDIT -> message.set("op", op.body());
      case CREATE -> {
        ObjectNode create = message.putObject("create");
        create.put("type", JSON0_URI);
        create.set("data", op.body());
      }
      case DELETE -> message.put("del", true);
    }
    write(message);
  }

  // ---- presence -------------------------------------------------------------------------------

  private String channel(ObjectNode request) {
    JsonNode ch = request.path("ch");
    if (!ch.isTextual() || ch.asText().isEmpty() || ch.asText().length() > 300) {
      throw new BadRequest("ERR_MESSAGE_BADLY_FORMED", "Invalid presence channel");
    }
    return ch.asText();
  }

  private static ObjectNode presenceRequest(String channel) {
    ObjectNode message = JSON.objectNode();
    message.put("a", "pr");
    message.put("ch", channel);
    return message;
  }

  private void presenceSubscribe(ObjectNode request) {
    String channel = channel(request);
    if (!presenceChannels.containsKey(channel)) {
      if (presenceChannels.size() >= MAX_SUBSCRIPTIONS) {
        throw new BadRequest("ERR_MESSAGE_BADLY_FORMED", "Too many presence channels");
      }
      presenceChannels.put(
          channel,
          presence.subscribe(
              channel,
              (fromSrc, message) ->
                  executor.execute(
                      () -> {
                        if (!closed && !fromSrc.equals(src)) write(message);
                      })));
      // Ask the others to announce themselves to the newcomer.
      presence.publish(channel, src, presenceRequest(channel));
    }
    ObjectNode reply = JSON.objectNode();
    reply.put("ch", channel);
    reply.set("seq", request.path("seq"));
    reply(request, reply);
  }

  private void presenceUnsubscribe(ObjectNode request) {
    String channel = channel(request);
    PresenceHub.Registration registration = presenceChannels.remove(channel);
    if (registration != null) registration.close();
    ObjectNode reply = JSON.objectNode();
    reply.put("ch", channel);
    reply.set("seq", request.path("seq"));
    reply(request, reply);
  }

  private void presenceUpdate(ObjectNode request) {
    String channel = channel(request);
    JsonNode id = request.path("id");
    if (!id.isTextual() || id.asText().isEmpty() || id.asText().length() > 300) {
      throw new BadRequest("ERR_MESSAGE_BADLY_FORMED", "Invalid presence ID");
    }
    if (request.has("v") && !request.get("v").isNull()) version(request, "v");
    ObjectNode message = JSON.objectNode();
    message.put("a", "p");
    message.put("ch", channel);
    message.put("src", src);
    message.put("id", id.asText());
    message.set("p", request.path("p").isMissingNode() ? JSON.nullNode() : request.get("p"));
    message.set("pv", request.path("pv"));
    for (String field : List.of("c", "d", "v", "t")) {
      if (request.has(field)) message.set(field, request.get(field));
    }
    Map<String, ObjectNode> mine = ownPresence.computeIfAbsent(channel, k -> new HashMap<>());
    if (message.get("p").isNull()) mine.remove(id.asText());
    else mine.put(id.asText(), message);
    presence.publish(channel, src, message);
    write(message.deepCopy());
  }

  // ---- output ---------------------------------------------------------------------------------

  private static ObjectNode withData(JsonNode data) {
    ObjectNode reply = JSON.objectNode();
    reply.set("data", data);
    return reply;
  }

  /** Replies to a request as ShareDB does: the action, then the id or the doc's c and d. */
  private void reply(ObjectNode request, ObjectNode message) {
    message.set("a", request.get("a"));
    if (request.hasNonNull("id") && !request.path("a").asText().equals("p")) {
      message.set("id", request.get("id"));
    } else {
      if (request.hasNonNull("c")) message.set("c", request.get("c"));
      if (request.hasNonNull("d")) message.set("d", request.get("d"));
      if (request.has("b") && !message.has("data")) message.set("b", request.get("b"));
    }
    write(message);
  }

  /** Answers a request with an error: ShareDB echoes the request with an {@code error} field. */
  private void error(ObjectNode request, String code, String message) {
    ObjectNode reply = request == null ? JSON.objectNode() : request.deepCopy();
    // Never echo a large op or document back.
    reply.remove(List.of("op", "create", "p", "b"));
    ObjectNode error = reply.putObject("error");
    error.put("code", code);
    error.put("message", message);
    write(reply);
  }

  /**
   * Continues with the value of {@code stage} on this connection's executor, or answers {@code
   * request} with an error when it failed; nothing happens once the connection is closed.
   */
  private <T> void answer(CompletionStage<T> stage, ObjectNode request, Consumer<T> then) {
    stage.whenCompleteAsync(
        (value, failure) -> {
          if (closed) return;
          if (failure != null) failed(request, failure);
          else then.accept(value);
        },
        executor);
  }

  private void failed(ObjectNode request, Throwable failure) {
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    log.warn("canvas request failed", cause);
    error(
        request,
        CanvasError.ERR_UNKNOWN_ERROR.name(),
        cause instanceof java.util.concurrent.TimeoutException
            ? "The canvas did not answer in time; try again"
            : "The canvas could not be reached: " + cause.getClass().getSimpleName());
  }

  private void write(ObjectNode message) {
    if (closed) return;
    try {
      send.accept(mapper.writeValueAsString(message));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String truncate(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "…";
  }

  /** A request that cannot be served, with the ShareDB error code to answer with. */
  static final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String code;

    BadRequest(String code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }
}

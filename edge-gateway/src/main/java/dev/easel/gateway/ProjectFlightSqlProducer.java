package dev.easel.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.easel.cells.CellResults;
import dev.easel.query.CatalogListing;
import dev.easel.query.CellTable;
import dev.easel.query.DatasetTable;
import dev.easel.query.QueryEngine;
import dev.easel.query.QueryFailure;
import dev.easel.query.QueryWorker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.sql.FlightSqlProducer.Schemas;
import org.apache.arrow.flight.sql.NoOpFlightSqlProducer;
import org.apache.arrow.flight.sql.SqlInfoBuilder;
import org.apache.arrow.flight.sql.impl.FlightSql;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * What Easel's Flight SQL server does for a caller in one project ({@link FlightSqlServer.Peer}). A
 * statement (plain or prepared) is checked on the project's own locked-down database as the query
 * worker checks it, and answered with a ticket whose handle holds the project and the SQL, and the
 * values a prepared statement's DoPut bound to its parameters ({@link FlightParameters}); DoGet
 * runs it on the node's query pool, never on a gRPC thread, binding the values by position, and
 * streams the Arrow record batches of DuckDB's own Arrow export. The catalog commands list the
 * project database's {@code information_schema} ({@link CatalogListing}) and the SQL cells of the
 * project's canvases that have a result ({@link CellResults#tables}: schema {@code
 * canvas_<canvasId>}, table type {@code CELL}), tables with their Arrow schemas when asked; a
 * statement that names {@code canvas_<canvasId>.<cell>} reads that cell's stored result. Endpoints
 * name no location unless the node advertises one ({@link #advertise}). Other commands (updates,
 * transactions, Substrait, keys) answer UNIMPLEMENTED.
 */
final class ProjectFlightSqlProducer extends NoOpFlightSqlProducer {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Rows per Arrow record batch of a query's result. */
  static final int BATCH_ROWS = 64 * 1024;

  private final QueryEngine engine;
  private final BufferAllocator allocator;
  private final Function<String, CompletionStage<List<DatasetTable>>> tables;
  private final Duration askTimeout;
  private final CellResults cells;
  private volatile List<Location> locations = List.of();
  private final SqlInfoBuilder sqlInfo =
      new SqlInfoBuilder()
          .withFlightSqlServerName("Easel")
          .withFlightSqlServerVersion(version())
          .withFlightSqlServerArrowVersion(Schema.class.getPackage().getImplementationVersion())
          .withFlightSqlServerReadOnly(true)
          .withFlightSqlServerSql(true)
          .withFlightSqlServerSubstrait(false)
          .withFlightSqlServerTransaction(
              FlightSql.SqlSupportedTransaction.SQL_SUPPORTED_TRANSACTION_NONE)
          .withFlightSqlServerCancel(false)
          .withFlightSqlServerBulkIngestion(false)
          .withSqlIdentifierQuoteChar("\"")
          .withSqlDdlCatalog(false)
          .withSqlTransactionsSupported(false)
          .withSqlNamedParametersSupported(false);

  ProjectFlightSqlProducer(
      QueryEngine engine,
      BufferAllocator allocator,
      Function<String, CompletionStage<List<DatasetTable>>> tables,
      CellResults cells,
      Duration askTimeout) {
    this.cells = cells;
    this.engine = engine;
    this.allocator = allocator;
    this.tables = tables;
    this.askTimeout = askTimeout;
  }

  /**
   * Names {@code location} as where every endpoint's ticket is fetched ({@code
   * easel.flight.advertised-host}); without it, endpoints name no location.
   */
  void advertise(Location location) {
    locations = List.of(location);
  }

  /** Holds nothing to close: the allocator and the engine are the server's and the node's. */
  @Override
  public void close() {}

  private static String version() {
    String version = ProjectFlightSqlProducer.class.getPackage().getImplementationVersion();
    return version == null ? "development build" : version;
  }

  // ---- a cell's latest result ------------------------------------------------------------------

  /**
   * Flight SQL's commands, and one path of plain Flight: {@code canvases/<canvasId>/cells/<cellId>}
   * names the latest result of a SQL cell of the connection's project, exactly what its canvas
   * shows; its ticket streams that stored result (it does not run the cell).
   */
  @Override
  public FlightInfo getFlightInfo(CallContext context, FlightDescriptor descriptor) {
    if (descriptor.isCommand()) return super.getFlightInfo(context, descriptor);
    List<String> path = descriptor.getPath();
    if (path.size() != 4 || !path.get(0).equals("canvases") || !path.get(2).equals("cells")) {
      throw CallStatus.INVALID_ARGUMENT
          .withDescription(
              "A path descriptor names a cell's latest result: canvases/<canvasId>/cells/<cellId>")
          .toRuntimeException();
    }
    FlightSqlServer.Peer peer = peer(context);
    CellResults.Latest latest =
        await(cells.latest(peer.projectId(), path.get(1), path.get(3)), askTimeout);
    if (latest.resultId() == null) {
      throw (latest.missing() == CellResults.Missing.NOT_FOUND
              ? CallStatus.NOT_FOUND
              : CallStatus.INVALID_ARGUMENT)
          .withDescription(latest.message())
          .toRuntimeException();
    }
    Schema schema =
        await(
            tables(peer.projectId())
                .thenCompose(
                    found ->
                        engine.resultSchema(peer.projectId(), found, latest.resultId(), allocator)),
            askTimeout.plus(engine.settings().timeout()));
    Statement statement = new Statement(peer.projectId(), "", List.of(), latest.resultId());
    FlightSql.TicketStatementQuery ticket =
        FlightSql.TicketStatementQuery.newBuilder().setStatementHandle(statement.handle()).build();
    return info(ticket, descriptor, schema);
  }

  // ---- statements ---------------------------------------------------------------------------

  @Override
  public FlightInfo getFlightInfoStatement(
      FlightSql.CommandStatementQuery command, CallContext context, FlightDescriptor descriptor) {
    Checked checked = checked(peer(context), command.getQuery(), List.of());
    if (!checked.parameters().getFields().isEmpty()) {
      throw CallStatus.INVALID_ARGUMENT
          .withDescription(
              "The query takes "
                  + checked.parameters().getFields().size()
                  + " parameter(s): prepare it and bind them (a prepared statement's DoPut)")
          .toRuntimeException();
    }
    Statement statement = checked.statement();
    FlightSql.TicketStatementQuery ticket =
        FlightSql.TicketStatementQuery.newBuilder().setStatementHandle(statement.handle()).build();
    return info(ticket, descriptor, checked.schema());
  }

  @Override
  public void getStreamStatement(
      FlightSql.TicketStatementQuery ticket, CallContext context, ServerStreamListener listener) {
    run(peer(context), Statement.of(ticket.getStatementHandle()), listener);
  }

  @Override
  public void createPreparedStatement(
      FlightSql.ActionCreatePreparedStatementRequest request,
      CallContext context,
      StreamListener<Result> listener) {
    try {
      Checked checked = checked(peer(context), request.getQuery(), List.of());
      FlightSql.ActionCreatePreparedStatementResult result =
          FlightSql.ActionCreatePreparedStatementResult.newBuilder()
              .setPreparedStatementHandle(checked.statement().handle())
              .setDatasetSchema(ByteString.copyFrom(checked.schema().serializeAsMessage()))
              .setParameterSchema(ByteString.copyFrom(checked.parameters().serializeAsMessage()))
              .build();
      listener.onNext(new Result(Any.pack(result).toByteArray()));
      listener.onCompleted();
    } catch (RuntimeException e) {
      listener.onError(FlightSqlServer.refusal(e));
    }
  }

  @Override
  public void closePreparedStatement(
      FlightSql.ActionClosePreparedStatementRequest request,
      CallContext context,
      StreamListener<Result> listener) {
    // The handle holds all there is: nothing is kept on the server to let go of.
    listener.onCompleted();
  }

  @Override
  public FlightInfo getFlightInfoPreparedStatement(
      FlightSql.CommandPreparedStatementQuery command,
      CallContext context,
      FlightDescriptor descriptor) {
    FlightSqlServer.Peer peer = peer(context);
    Statement statement = Statement.of(command.getPreparedStatementHandle()).of(peer);
    // Checked again: the handle comes back from the client, and the check gives the schema (with
    // the values bound: a column that is an untyped parameter takes its value's type).
    Checked checked = checked(peer, statement.sql(), statement.parameters());
    int takes = checked.parameters().getFields().size();
    if (takes != statement.parameters().size()) {
      throw CallStatus.INVALID_ARGUMENT
          .withDescription(
              "The query takes "
                  + takes
                  + " parameter(s) and "
                  + (statement.parameters().isEmpty()
                      ? "none were bound (bind them with a DoPut of the prepared statement)"
                      : statement.parameters().size() + " were bound"))
          .toRuntimeException();
    }
    return info(command, descriptor, checked.schema());
  }

  /**
   * Binds parameters to a prepared statement: one row of values, one column per positional
   * parameter ({@link FlightParameters}), checked against the types the statement takes. The answer
   * is a new handle that holds them, which the client executes (Flight SQL's {@code
   * DoPutPreparedStatementResult}); nothing is kept on the server. Drivers send an empty batch for
   * a statement without parameters (Arrow's JDBC driver does): the handle then stays as it was.
   */
  @Override
  public Runnable acceptPutPreparedStatementQuery(
      FlightSql.CommandPreparedStatementQuery command,
      CallContext context,
      FlightStream parameters,
      StreamListener<PutResult> ackStream) {
    FlightSqlServer.Peer peer = peer(context);
    Statement statement = Statement.of(command.getPreparedStatementHandle()).of(peer);
    return () -> {
      try {
        Schema takes = checked(peer, statement.sql(), List.of()).parameters();
        Statement bound = statement;
        boolean read = false;
        while (parameters.next()) {
          VectorSchemaRoot batch = parameters.getRoot();
          if (batch.getRowCount() == 0 && batch.getSchema().getFields().isEmpty()) continue;
          if (read) {
            throw CallStatus.INVALID_ARGUMENT
                .withDescription(
                    "A parameter batch binds one row of values per execution; this DoPut sent"
                        + " several batches (execute the statement once per row)")
                .toRuntimeException();
          }
          bound = statement.with(FlightParameters.read(batch, takes));
          read = true;
        }
        FlightSql.DoPutPreparedStatementResult result =
            FlightSql.DoPutPreparedStatementResult.newBuilder()
                .setPreparedStatementHandle(bound.handle())
                .build();
        try (ArrowBuf metadata = allocator.buffer(result.getSerializedSize())) {
          metadata.writeBytes(result.toByteArray());
          ackStream.onNext(PutResult.metadata(metadata));
        }
        ackStream.onCompleted();
      } catch (RuntimeException e) {
        ackStream.onError(FlightSqlServer.refusal(e));
      }
    };
  }

  @Override
  public void getStreamPreparedStatement(
      FlightSql.CommandPreparedStatementQuery command,
      CallContext context,
      ServerStreamListener listener) {
    run(peer(context), Statement.of(command.getPreparedStatementHandle()), listener);
  }

  // ---- the catalog --------------------------------------------------------------------------

  @Override
  public FlightInfo getFlightInfoCatalogs(
      FlightSql.CommandGetCatalogs request, CallContext context, FlightDescriptor descriptor) {
    peer(context);
    return info(request, descriptor);
  }

  @Override
  public void getStreamCatalogs(CallContext context, ServerStreamListener listener) {
    list(peer(context), false, cells -> CatalogListing.catalogs(), listener);
  }

  @Override
  public FlightInfo getFlightInfoSchemas(
      FlightSql.CommandGetDbSchemas request, CallContext context, FlightDescriptor descriptor) {
    peer(context);
    return info(request, descriptor);
  }

  @Override
  public void getStreamSchemas(
      FlightSql.CommandGetDbSchemas command, CallContext context, ServerStreamListener listener) {
    list(
        peer(context),
        true,
        cells ->
            CatalogListing.schemas(
                command.hasCatalog() ? command.getCatalog() : null,
                command.hasDbSchemaFilterPattern() ? command.getDbSchemaFilterPattern() : null,
                cells),
        listener);
  }

  @Override
  public FlightInfo getFlightInfoTables(
      FlightSql.CommandGetTables request, CallContext context, FlightDescriptor descriptor) {
    peer(context);
    return info(
        request,
        descriptor,
        request.getIncludeSchema()
            ? Schemas.GET_TABLES_SCHEMA
            : Schemas.GET_TABLES_SCHEMA_NO_SCHEMA);
  }

  @Override
  public void getStreamTables(
      FlightSql.CommandGetTables command, CallContext context, ServerStreamListener listener) {
    FlightSqlServer.Peer peer = peer(context);
    Function<List<CellTable>, CatalogListing> listing =
        cells ->
            CatalogListing.tables(
                command.hasCatalog() ? command.getCatalog() : null,
                command.hasDbSchemaFilterPattern() ? command.getDbSchemaFilterPattern() : null,
                command.hasTableNameFilterPattern() ? command.getTableNameFilterPattern() : null,
                command.getTableTypesList(),
                cells);
    if (command.getIncludeSchema()) {
      try {
        sendWithSchemas(peer, listing, listener);
      } catch (RuntimeException e) {
        listener.error(error(e));
      }
    } else {
      list(peer, true, listing, listener);
    }
  }

  /**
   * The tables {@code listing} names, each with its Arrow schema serialized as an IPC message in
   * {@code table_schema} (Flight SQL's {@code GetTables} with {@code include_schema}): the schema
   * of the table's checked {@code SELECT *}, as a query over it would stream it.
   */
  private void sendWithSchemas(
      FlightSqlServer.Peer peer,
      Function<List<CellTable>, CatalogListing> listing,
      ServerStreamListener listener) {
    Catalog catalog = await(catalog(peer.projectId(), true), askTimeout);
    List<List<String>> tables = new ArrayList<>();
    QueryEngine.ArrowSink collect =
        (batches, stopped) -> {
          VectorSchemaRoot root = batches.getVectorSchemaRoot();
          while (batches.loadNextBatch()) {
            for (int row = 0; row < root.getRowCount(); row++) {
              List<String> names = new ArrayList<>(4);
              for (FieldVector column : root.getFieldVectors()) {
                Object value = column.getObject(row);
                names.add(value == null ? null : value.toString());
              }
              tables.add(names);
            }
          }
        };
    await(
        engine.stream(
                peer.projectId(),
                peer.userId(),
                catalog.datasets(),
                listing.apply(catalog.cells()),
                allocator,
                collect)
            .done(),
        askTimeout.plus(engine.settings().timeout()));
    try (VectorSchemaRoot root = VectorSchemaRoot.create(Schemas.GET_TABLES_SCHEMA, allocator)) {
      root.allocateNew();
      for (int row = 0; row < tables.size(); row++) {
        List<String> names = tables.get(row);
        for (int column = 0; column < names.size(); column++) {
          if (names.get(column) != null) {
            ((VarCharVector) root.getVector(column))
                .setSafe(row, names.get(column).getBytes(StandardCharsets.UTF_8));
          }
        }
        Schema schema =
            check(peer, catalog, CatalogListing.readTable(names.get(1), names.get(2)), List.of())
                .schema();
        ((VarBinaryVector) root.getVector("table_schema"))
            .setSafe(row, schema.serializeAsMessage());
      }
      root.setRowCount(tables.size());
      listener.start(root);
      listener.putNext();
      listener.completed();
    }
  }

  @Override
  public FlightInfo getFlightInfoTableTypes(
      FlightSql.CommandGetTableTypes request, CallContext context, FlightDescriptor descriptor) {
    peer(context);
    return info(request, descriptor, Schemas.GET_TABLE_TYPES_SCHEMA);
  }

  @Override
  public void getStreamTableTypes(CallContext context, ServerStreamListener listener) {
    list(peer(context), true, CatalogListing::tableTypes, listener);
  }

  @Override
  public FlightInfo getFlightInfoSqlInfo(
      FlightSql.CommandGetSqlInfo request, CallContext context, FlightDescriptor descriptor) {
    peer(context);
    return info(request, descriptor);
  }

  @Override
  public void getStreamSqlInfo(
      FlightSql.CommandGetSqlInfo command, CallContext context, ServerStreamListener listener) {
    sqlInfo.send(command.getInfoList(), listener);
  }

  // ---- running --------------------------------------------------------------------------------

  /**
   * One user statement of one project, with the values bound to its parameters (none until a
   * prepared statement's DoPut binds them): what a ticket or a prepared statement's handle holds.
   */
  private record Statement(
      String projectId, String sql, List<JsonNode> parameters, String resultId) {
    Statement(String projectId, String sql, List<JsonNode> parameters) {
      this(projectId, sql, parameters, null);
    }

    ByteString handle() {
      ObjectNode node = JSON.createObjectNode().put("project", projectId).put("sql", sql);
      if (!parameters.isEmpty()) node.putArray("parameters").addAll(parameters);
      if (resultId != null) node.put("result", resultId);
      return ByteString.copyFromUtf8(node.toString());
    }

    static Statement of(ByteString handle) {
      try {
        JsonNode node = JSON.readTree(handle.toStringUtf8());
        JsonNode values = node.path("parameters");
        if (node.path("project").isTextual()
            && node.path("sql").isTextual()
            && (values.isMissingNode() || values.isArray())) {
          List<JsonNode> parameters = new ArrayList<>();
          values.forEach(parameters::add);
          return new Statement(
              node.get("project").asText(),
              node.get("sql").asText(),
              parameters,
              node.path("result").isTextual() ? node.get("result").asText() : null);
        }
      } catch (IOException e) {
        // answered below
      }
      throw CallStatus.INVALID_ARGUMENT
          .withDescription("not a statement handle of this server")
          .toRuntimeException();
    }

    /** The same statement with {@code values} bound to its parameters. */
    Statement with(List<JsonNode> values) {
      return new Statement(projectId, sql, List.copyOf(values), resultId);
    }

    /** This statement, if it is one of {@code peer}'s project. */
    Statement of(FlightSqlServer.Peer peer) {
      if (!projectId.equals(peer.projectId())) {
        throw CallStatus.UNAUTHORIZED
            .withDescription("this statement belongs to another project than " + peer.projectId())
            .toRuntimeException();
      }
      return this;
    }
  }

  /** A statement that passed the checks, with its parameters' and its result's schemas. */
  private record Checked(Statement statement, Schema parameters, Schema schema) {}

  /**
   * {@code sql}, checked on the project's database with {@code parameters} bound (none: nulls);
   * refused as the query API refuses it.
   */
  private Checked checked(FlightSqlServer.Peer peer, String sql, List<JsonNode> parameters) {
    if (sql == null || sql.isBlank()) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("the query is empty").toRuntimeException();
    }
    QueryEngine.Checked checked = check(peer, sql, parameters);
    return new Checked(
        new Statement(peer.projectId(), sql, List.of()),
        FlightParameters.declared(checked.parameters()),
        checked.schema());
  }

  private QueryEngine.Checked check(
      FlightSqlServer.Peer peer, String sql, List<JsonNode> parameters) {
    return check(
        peer, await(catalog(peer.projectId(), namesCells(sql)), askTimeout), sql, parameters);
  }

  private QueryEngine.Checked check(
      FlightSqlServer.Peer peer, Catalog catalog, String sql, List<JsonNode> parameters) {
    return await(
        engine.check(
            peer.projectId(), catalog.datasets(), catalog.cells(), sql, parameters, allocator),
        engine.settings().timeout().plus(askTimeout));
  }

  /**
   * Whether {@code sql} may name a cell's table: only then are the project's cells looked up (which
   * asks each canvas). The text is not read to decide what the query reads (DuckDB's parser does
   * that); this only spares the look-up to queries that cannot name a cell.
   */
  private static boolean namesCells(String sql) {
    return sql.toLowerCase(Locale.ROOT).contains(CellTable.SCHEMA_PREFIX);
  }

  /** What a project's statements can read: its datasets and its cells' results. */
  private record Catalog(List<DatasetTable> datasets, List<CellTable> cells) {}

  /** The project's datasets, and its cells' tables {@code withCells} (else none). */
  private CompletableFuture<Catalog> catalog(String projectId, boolean withCells) {
    CompletableFuture<List<CellTable>> cellTables =
        withCells
            ? cells.tables(projectId).toCompletableFuture()
            : CompletableFuture.completedFuture(List.of());
    return tables(projectId).toCompletableFuture().thenCombine(cellTables, Catalog::new);
  }

  private void run(FlightSqlServer.Peer peer, Statement statement, ServerStreamListener listener) {
    statement.of(peer);
    catalog(peer.projectId(), statement.resultId() == null && namesCells(statement.sql()))
        .thenAccept(
            found -> {
              QueryEngine.ArrowQuery query =
                  statement.resultId() != null
                      ? engine.streamResult(
                          peer.projectId(),
                          peer.userId(),
                          found.datasets(),
                          statement.resultId(),
                          allocator,
                          BATCH_ROWS,
                          sink(listener))
                      : engine.stream(
                          peer.projectId(),
                          peer.userId(),
                          found.datasets(),
                          found.cells(),
                          statement.sql(),
                          statement.parameters(),
                          allocator,
                          BATCH_ROWS,
                          sink(listener));
              follow(query, listener);
            })
        .exceptionally(
            failure -> {
              listener.error(FlightSqlServer.refusal(failure));
              return null;
            });
  }

  /** Streams the listing made from the project's cells' tables ({@code withCells}, else none). */
  private void list(
      FlightSqlServer.Peer peer,
      boolean withCells,
      Function<List<CellTable>, CatalogListing> listing,
      ServerStreamListener listener) {
    catalog(peer.projectId(), withCells)
        .thenAccept(
            found ->
                follow(
                    engine.stream(
                        peer.projectId(),
                        peer.userId(),
                        found.datasets(),
                        listing.apply(found.cells()),
                        allocator,
                        sink(listener)),
                    listener))
        .exceptionally(
            failure -> {
              listener.error(FlightSqlServer.refusal(failure));
              return null;
            });
  }

  private CompletionStage<List<DatasetTable>> tables(String projectId) {
    return tables.apply(projectId);
  }

  /** Cancels {@code query} when the client goes; answers its failure, if it fails. */
  private static void follow(QueryEngine.ArrowQuery query, ServerStreamListener listener) {
    listener.setOnCancelHandler(query.cancel());
    query
        .done()
        .exceptionally(
            failure -> {
              if (!listener.isCancelled()) listener.error(error(failure));
              return null;
            });
  }

  /** Sends each batch when the client is ready for it; the last one completes the stream. */
  private static QueryEngine.ArrowSink sink(ServerStreamListener listener) {
    return (ArrowReader batches, QueryEngine.StopCheck stopped) -> {
      Semaphore ready = new Semaphore(0);
      listener.setOnReadyHandler(ready::release);
      VectorSchemaRoot root = batches.getVectorSchemaRoot();
      // gRPC sends the batch's own buffers instead of a copy of them: each batch DuckDB exports
      // arrives in new buffers (never written again), which the message holds by reference count
      // until gRPC has written them, so the next batch cannot change or free what is being sent.
      listener.setUseZeroCopy(true);
      listener.start(root);
      while (batches.loadNextBatch()) {
        while (!listener.isReady()) {
          stopped.check();
          if (listener.isCancelled()) return;
          try {
            ready.tryAcquire(100, TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the client was not ready", e);
          }
        }
        listener.putNext();
      }
      listener.completed();
    };
  }

  /** A query's failure (a {@link QueryFailure} among others) in Flight's terms. */
  private static FlightRuntimeException error(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof QueryFailure query) {
      return FlightSqlServer.refusal(
          QueryServiceImpl.refusal(
              new QueryWorker.Failed(query.kind(), query.reason(), query.getMessage())));
    }
    return FlightSqlServer.refusal(cause);
  }

  private <T> T await(CompletionStage<T> stage, Duration timeout) {
    try {
      return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CallStatus.CANCELLED.withDescription("interrupted").toRuntimeException();
    } catch (ExecutionException e) {
      throw error(e.getCause());
    } catch (TimeoutException e) {
      throw error(e);
    }
  }

  private FlightInfo info(Message command, FlightDescriptor descriptor) {
    return info(command, descriptor, new Schema(List.of()));
  }

  /**
   * One endpoint whose ticket holds all it needs, so any node serving Flight SQL can run it: with
   * no location (the client fetches on the connection it asked on) unless the node advertises an
   * address ({@link #advertise}).
   */
  private FlightInfo info(Message command, FlightDescriptor descriptor, Schema schema) {
    Ticket ticket = new Ticket(Any.pack(command).toByteArray());
    FlightEndpoint endpoint = new FlightEndpoint(ticket, locations.toArray(Location[]::new));
    return new FlightInfo(schema, descriptor, List.of(endpoint), -1, -1);
  }

  private static FlightSqlServer.Peer peer(CallContext context) {
    return FlightSqlServer.Peer.of(context.peerIdentity());
  }
}

package dev.easel.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.easel.query.CatalogListing;
import dev.easel.query.DatasetTable;
import dev.easel.query.QueryEngine;
import dev.easel.query.QueryFailure;
import dev.easel.query.QueryWorker;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
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
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.sql.NoOpFlightSqlProducer;
import org.apache.arrow.flight.sql.SqlInfoBuilder;
import org.apache.arrow.flight.sql.impl.FlightSql;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * What Easel's Flight SQL server does for a caller in one project ({@link FlightSqlServer.Peer}). A
 * statement (plain or prepared) is checked on the project's own locked-down database as the query
 * worker checks it, and answered with a ticket whose handle holds the project and the SQL; DoGet
 * runs it on the node's query pool, never on a gRPC thread, and streams the Arrow record batches of
 * DuckDB's own Arrow export. The catalog commands list the project database's {@code
 * information_schema} ({@link CatalogListing}). Prepared statements take no parameters yet; other
 * commands (updates, transactions, Substrait, keys) answer UNIMPLEMENTED.
 */
final class ProjectFlightSqlProducer extends NoOpFlightSqlProducer {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Rows per Arrow record batch of a query's result. */
  static final int BATCH_ROWS = 64 * 1024;

  private final QueryEngine engine;
  private final BufferAllocator allocator;
  private final Function<String, CompletionStage<List<DatasetTable>>> tables;
  private final Duration askTimeout;
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
      Duration askTimeout) {
    this.engine = engine;
    this.allocator = allocator;
    this.tables = tables;
    this.askTimeout = askTimeout;
  }

  /** Holds nothing to close: the allocator and the engine are the server's and the node's. */
  @Override
  public void close() {}

  private static String version() {
    String version = ProjectFlightSqlProducer.class.getPackage().getImplementationVersion();
    return version == null ? "development build" : version;
  }

  // ---- statements ---------------------------------------------------------------------------

  @Override
  public FlightInfo getFlightInfoStatement(
      FlightSql.CommandStatementQuery command, CallContext context, FlightDescriptor descriptor) {
    Statement statement = checked(peer(context), command.getQuery());
    FlightSql.TicketStatementQuery ticket =
        FlightSql.TicketStatementQuery.newBuilder().setStatementHandle(statement.handle()).build();
    return info(ticket, descriptor, statement.schema());
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
      Statement statement = checked(peer(context), request.getQuery());
      FlightSql.ActionCreatePreparedStatementResult result =
          FlightSql.ActionCreatePreparedStatementResult.newBuilder()
              .setPreparedStatementHandle(statement.handle())
              .setDatasetSchema(ByteString.copyFrom(statement.schema().serializeAsMessage()))
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
    // Checked again: the handle comes back from the client, and the check gives the schema.
    return info(command, descriptor, checked(peer, statement.sql()).schema());
  }

  /**
   * The parameters of a prepared statement: drivers send them even when there are none (Arrow's
   * JDBC driver does); none are taken yet, so a batch that holds values is refused.
   */
  @Override
  public Runnable acceptPutPreparedStatementQuery(
      FlightSql.CommandPreparedStatementQuery command,
      CallContext context,
      FlightStream parameters,
      StreamListener<PutResult> ackStream) {
    Statement statement = Statement.of(command.getPreparedStatementHandle()).of(peer(context));
    return () -> {
      while (parameters.next()) {
        if (parameters.getRoot().getRowCount() > 0
            && !parameters.getRoot().getSchema().getFields().isEmpty()) {
          ackStream.onError(
              CallStatus.UNIMPLEMENTED
                  .withDescription(
                      "binding parameters over Flight SQL is not supported yet; write the values"
                          + " into the SQL")
                  .toRuntimeException());
          return;
        }
      }
      FlightSql.DoPutPreparedStatementResult result =
          FlightSql.DoPutPreparedStatementResult.newBuilder()
              .setPreparedStatementHandle(statement.handle())
              .build();
      try (ArrowBuf metadata = allocator.buffer(result.getSerializedSize())) {
        metadata.writeBytes(result.toByteArray());
        ackStream.onNext(PutResult.metadata(metadata));
      }
      ackStream.onCompleted();
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
    list(peer(context), CatalogListing.catalogs(), listener);
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
        CatalogListing.schemas(
            command.hasCatalog() ? command.getCatalog() : null,
            command.hasDbSchemaFilterPattern() ? command.getDbSchemaFilterPattern() : null),
        listener);
  }

  @Override
  public FlightInfo getFlightInfoTables(
      FlightSql.CommandGetTables request, CallContext context, FlightDescriptor descriptor) {
    peer(context);
    if (request.getIncludeSchema()) {
      throw CallStatus.UNIMPLEMENTED
          .withDescription("GetTables with include_schema is not supported yet")
          .toRuntimeException();
    }
    return info(request, descriptor);
  }

  @Override
  public void getStreamTables(
      FlightSql.CommandGetTables command, CallContext context, ServerStreamListener listener) {
    list(
        peer(context),
        CatalogListing.tables(
            command.hasCatalog() ? command.getCatalog() : null,
            command.hasDbSchemaFilterPattern() ? command.getDbSchemaFilterPattern() : null,
            command.hasTableNameFilterPattern() ? command.getTableNameFilterPattern() : null,
            command.getTableTypesList()),
        listener);
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

  /** One user statement of one project: what a ticket or a prepared statement's handle holds. */
  private record Statement(String projectId, String sql, Schema schema) {
    ByteString handle() {
      ObjectNode node = JSON.createObjectNode().put("project", projectId).put("sql", sql);
      return ByteString.copyFromUtf8(node.toString());
    }

    static Statement of(ByteString handle) {
      try {
        JsonNode node = JSON.readTree(handle.toStringUtf8());
        if (node.path("project").isTextual() && node.path("sql").isTextual()) {
          return new Statement(
              node.get("project").asText(), node.get("sql").asText(), new Schema(List.of()));
        }
      } catch (IOException e) {
        // answered below
      }
      throw CallStatus.INVALID_ARGUMENT
          .withDescription("not a statement handle of this server")
          .toRuntimeException();
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

  /** {@code sql}, checked on the project's database; refused as the query API refuses it. */
  private Statement checked(FlightSqlServer.Peer peer, String sql) {
    if (sql == null || sql.isBlank()) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("the query is empty").toRuntimeException();
    }
    QueryEngine.Checked checked =
        await(
            tables
                .apply(peer.projectId())
                .thenCompose(found -> engine.check(peer.projectId(), found, sql, allocator)),
            askTimeout.plus(engine.settings().timeout()));
    int parameters = checked.parameters();
    if (parameters > 0) {
      throw CallStatus.UNIMPLEMENTED
          .withDescription(
              "The query takes "
                  + parameters
                  + " parameter(s): binding parameters over Flight SQL is not supported yet;"
                  + " write the values into the SQL")
          .toRuntimeException();
    }
    return new Statement(peer.projectId(), sql, checked.schema());
  }

  private void run(FlightSqlServer.Peer peer, Statement statement, ServerStreamListener listener) {
    statement.of(peer);
    tables
        .apply(peer.projectId())
        .thenAccept(
            found -> {
              QueryEngine.ArrowQuery query =
                  engine.stream(
                      peer.projectId(),
                      peer.userId(),
                      found,
                      statement.sql(),
                      List.of(),
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

  private void list(
      FlightSqlServer.Peer peer, CatalogListing listing, ServerStreamListener listener) {
    tables
        .apply(peer.projectId())
        .thenAccept(
            found ->
                follow(
                    engine.stream(
                        peer.projectId(), peer.userId(), found, listing, allocator, sink(listener)),
                    listener))
        .exceptionally(
            failure -> {
              listener.error(FlightSqlServer.refusal(failure));
              return null;
            });
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

  private static FlightInfo info(Message command, FlightDescriptor descriptor) {
    return info(command, descriptor, new Schema(List.of()));
  }

  private static FlightInfo info(Message command, FlightDescriptor descriptor, Schema schema) {
    // No location: the client fetches the result from this server, which hosts the project's
    // worker. In a cluster the endpoint would name the node that hosts it (docs/architecture.md).
    Ticket ticket = new Ticket(Any.pack(command).toByteArray());
    return new FlightInfo(schema, descriptor, List.of(new FlightEndpoint(ticket)), -1, -1);
  }

  private static FlightSqlServer.Peer peer(CallContext context) {
    return FlightSqlServer.Peer.of(context.peerIdentity());
  }
}

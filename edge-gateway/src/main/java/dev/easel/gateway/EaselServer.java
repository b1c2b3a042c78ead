package dev.easel.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.api.HttpRule;
import com.google.protobuf.Descriptors;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import com.linecorp.armeria.common.metric.MeterIdPrefixFunction;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.grpc.GrpcService;
import com.linecorp.armeria.server.grpc.HttpJsonTranscodingOptions;
import com.linecorp.armeria.server.grpc.HttpJsonTranscodingQueryParamMatchRule;
import com.linecorp.armeria.server.grpc.UnframedGrpcErrorHandler;
import com.linecorp.armeria.server.metric.MetricCollectingService;
import com.typesafe.config.Config;
import dev.easel.canvas.CanvasEntity;
import dev.easel.canvas.CanvasFeeds;
import dev.easel.canvas.Canvases;
import dev.easel.canvas.DocumentKind;
import dev.easel.canvas.DocumentStore;
import dev.easel.cells.CellRuns;
import dev.easel.dataset.DatasetFiles;
import dev.easel.dataset.DatasetImporter;
import dev.easel.dataset.Datasets;
import dev.easel.identity.AccessTokens;
import dev.easel.identity.AccountSettings;
import dev.easel.identity.Accounts;
import dev.easel.identity.ApiKeys;
import dev.easel.identity.FederatedSignIn;
import dev.easel.identity.PasswordHasher;
import dev.easel.identity.SecretBox;
import dev.easel.identity.SecurityLog;
import dev.easel.identity.SignInStates;
import dev.easel.identity.TokenKeys;
import dev.easel.mail.MailSettings;
import dev.easel.mail.Mailer;
import dev.easel.metrics.NodeMetrics;
import dev.easel.project.GettingStarted;
import dev.easel.project.InvitationTokens;
import dev.easel.project.Invitations;
import dev.easel.project.Organizations;
import dev.easel.project.People;
import dev.easel.project.ProjectActivity;
import dev.easel.project.ProjectAuditLog;
import dev.easel.project.Projects;
import dev.easel.query.DatasetTable;
import dev.easel.query.Queries;
import io.grpc.protobuf.ProtoServiceDescriptorSupplier;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.slf4j.LoggerFactory;

/**
 * The gateway role's HTTP/2 server on one port: gRPC (with reflection and the standard health
 * service) and gRPC-Web, REST/JSON transcoded from the {@code google.api.http} annotations, the
 * stream of a canvas's ops as NDJSON or server-sent events ({@link OpStreamRoute}), the API console
 * on {@code /docs} ({@link ApiConsole}) and {@code /openapi.json} generated from the descriptors
 * ({@link OpenApiDocument}), the ShareDB socket on {@code /ws}, GraphQL on {@code /graphql} ({@link
 * GraphqlEndpoint}), {@code /health}, sign-in with identity providers ({@link OidcRoutes}) and the
 * browser's cookie sessions ({@link BrowserSessions}), and the web app at {@code /} ({@link
 * WebApp}). Every call of the API passes {@link ApiPolicy}; every change a browser makes with its
 * cookies passes the {@link CsrfGuard}; pages of the allowed origins get CORS ({@link
 * CrossOrigin}).
 */
public final class EaselServer implements AutoCloseable {
  private final Server server;
  private final Mailer mailer;
  private final DatasetImporter importer;
  private final Callers callers;
  private final Projects projects;
  private final Datasets datasets;

  private EaselServer(
      Server server,
      Mailer mailer,
      DatasetImporter importer,
      Callers callers,
      Projects projects,
      Datasets datasets) {
    this.server = server;
    this.mailer = mailer;
    this.importer = importer;
    this.callers = callers;
    this.projects = projects;
    this.datasets = datasets;
  }

  /** The dataset tables of a project, which its queries see as views. */
  CompletionStage<List<DatasetTable>> projectTables(String projectId) {
    return datasets.tables(projectId);
  }

  /** How this server authenticates callers: the Flight SQL server checks them the same way. */
  Callers callers() {
    return callers;
  }

  /** Who may do what in a project. */
  Projects projects() {
    return projects;
  }

  /** Starts serving; {@code easel.http.port} 0 picks a free port. */
  public static EaselServer start(ActorSystem<?> system) {
    Config config = system.settings().config().getConfig("easel.http");
    ObjectMapper mapper = new ObjectMapper();
    Canvases canvases = new Canvases(system);
    CanvasFeeds feeds = new CanvasFeeds(system, canvases);
    Config identity = system.settings().config().getConfig("easel.identity");
    TokenKeys keys = openKeys(system, identity);
    AccessTokens accessTokens =
        new AccessTokens(
            keys,
            identity.getString("issuer"),
            identity.getString("audience"),
            identity.getDuration("access-token-lifetime"),
            Clock.systemUTC());
    SecretBox secrets = openSecrets(system, identity);
    PasswordHasher passwords = new PasswordHasher();
    Accounts accounts = new Accounts(system, passwords, accessTokens, secrets, Clock.systemUTC());
    ApiKeys apiKeys = new ApiKeys(system, Clock.systemUTC());
    Callers callers = new Callers(accessTokens, apiKeys, accounts);
    AccountSettings settings = new AccountSettings(system, passwords, secrets, Clock.systemUTC());
    People people = new People(system);
    Projects projects = new Projects(system, canvases, people);
    Organizations organizations = new Organizations(system, projects, people);
    Mailer mailer =
        Mailer.start(
            MailSettings.load(system.settings().config().getConfig("easel.mail")),
            Clock.systemUTC());
    Invitations invitations =
        new Invitations(
            system,
            projects,
            openInvitationTokens(system, identity.getString("issuer")),
            mailer,
            Clock.systemUTC());
    SecurityLog securityLog = new SecurityLog(system, Clock.systemUTC());
    TrustedProxies proxies = TrustedProxies.parse(config.getString("trusted-proxies"));
    Set<String> allowedOrigins =
        Arrays.stream(config.getString("allowed-origins").split(","))
            .map(String::strip)
            .filter(origin -> !origin.isEmpty())
            .collect(Collectors.toUnmodifiableSet());
    BrowserCookies cookies =
        new BrowserCookies(
            BrowserCookies.SecureMode.parse(config.getString("secure-cookies")),
            config.getString("public-url"),
            identity.getDuration("session.absolute-lifetime"));
    RateLimits limits = new RateLimits(RateLimits.Settings.load(config.getConfig("rate-limits")));
    BrowserSessions browserSessions = new BrowserSessions(accounts, cookies, limits);
    OidcRoutes oidc = oidcRoutes(system, identity, keys, accounts, cookies, config);

    HealthStatusManager grpcHealth = new HealthStatusManager();
    ApiPolicy policy =
        new ApiPolicy(
            callers,
            limits,
            canvasId -> canvases.snapshot(canvasId).thenApply(CanvasEntity.Snapshot::projectId));
    CanvasServiceImpl canvasService =
        new CanvasServiceImpl(mapper, canvases, feeds, projects, callers, new CellRuns(system));
    Path dataDir = Path.of(system.settings().config().getString("easel.data-dir"));
    Config datasetSettings = system.settings().config().getConfig("easel.datasets");
    DatasetFiles datasetFiles = DatasetFiles.of(system.settings().config());
    DatasetImporter importer =
        DatasetImporter.start(
            DatasetImporter.Settings.load(
                datasetSettings,
                dataDir,
                List.of(dataDir.resolve("uploads"), dataDir.resolve("datasets"))));
    Datasets datasets = new Datasets(system, projects, importer, datasetFiles);
    DatasetUploads uploads = DatasetUploads.of(datasets, dataDir, datasetSettings);
    Duration sessionLifetime = datasetSettings.getDuration("upload-session-lifetime");
    UploadSessions sessions =
        new UploadSessions(uploads.folder(), sessionLifetime, Clock.systemUTC());
    sweepUploads(system, sessions, datasets, sessionLifetime);
    RequestRefusals refusals =
        new RequestRefusals(config.getMemorySize("max-request-size").toBytes());
    GraphqlEndpoint graphql =
        new GraphqlEndpoint(
            system.settings().config().getConfig("easel.graphql"),
            config,
            callers,
            limits,
            allowedOrigins);
    QueryServiceImpl queryService =
        new QueryServiceImpl(new Queries(system), projects, callers, datasets::tables);
    GrpcService grpc =
        GrpcService.builder()
            .addService(canvasService)
            .addService(
                new AuthServiceImpl(
                    accounts,
                    limits,
                    system.settings().config().getBoolean("easel.projects.getting-started")
                        ? new GettingStarted(
                            projects, datasets, canvases, dataDir.resolve("uploads"))
                        : null))
            .addService(
                new UserServiceImpl(
                    accounts, settings, securityLog, projects, organizations, limits, callers))
            .addService(
                new ProjectServiceImpl(
                    projects,
                    invitations,
                    new ProjectActivity(system, projects, people),
                    new ProjectAuditLog(system, projects, people),
                    datasets::removeDeletedProject,
                    callers,
                    system
                        .settings()
                        .config()
                        .getDuration("easel.projects.activity-watch-interval")))
            .addService(new OrganizationServiceImpl(organizations, callers))
            .addService(new ApiKeyServiceImpl(apiKeys, projects, callers))
            .addService(queryService)
            .addService(new DatasetServiceImpl(uploads, callers))
            .addService(ProtoReflectionServiceV1.newInstance())
            .addService(grpcHealth.getHealthService())
            .intercept(policy)
            // gRPC over HTTP/2 (binary and JSON), gRPC-Web for browsers (binary, text, JSON),
            // and unframed JSON at the gRPC paths, which the console at /docs sends.
            .supportedSerializationFormats(GrpcSerializationFormats.values())
            .enableUnframedRequests(true)
            // JSON read strictly (unknown fields, wrong types, malformed JSON: 400 naming the
            // field), errors with the HTTP status of StatusCodes, refusals in the API's terms.
            .jsonMarshallerFactory(JsonRequests::strict)
            .unframedGrpcErrorHandler(UnframedGrpcErrorHandler.ofJson(StatusCodes.UNFRAMED))
            .exceptionHandler(refusals.grpcExceptions())
            // Query parameters by their proto name (page_size) and, as in the JSON bodies, in
            // lowerCamelCase (pageSize).
            .enableHttpJsonTranscoding(
                HttpJsonTranscodingOptions.builder()
                    .queryParamMatchRules(
                        HttpJsonTranscodingQueryParamMatchRule.ORIGINAL_FIELD,
                        HttpJsonTranscodingQueryParamMatchRule.JSON_NAME,
                        HttpJsonTranscodingQueryParamMatchRule.LOWER_CAMEL_CASE)
                    .errorHandler(UnframedGrpcErrorHandler.ofJson(StatusCodes.UNFRAMED))
                    .build())
            .maxRequestMessageLength((int) Math.min(Integer.MAX_VALUE, refusals.maxRequestBytes()))
            .build();
    ResumableUploadRoutes resumable = new ResumableUploadRoutes(policy, uploads, sessions);
    byte[] openApi =
        OpenApiDocument.bytes(
            OpenApiDocument.generate(
                easelServices(grpc),
                ProtoComments.load(),
                ApiPolicy::ruleFor,
                Map.of(
                    OpStreamRoute.METHOD,
                    HttpRule.newBuilder().setGet(OpStreamRoute.PATH).build(),
                    DatasetUploads.METHOD,
                    DatasetUploadRoute.RULE,
                    ResultExportRoute.METHOD,
                    ResultExportRoute.RULE)));
    NodeMetrics metrics = NodeMetrics.get(system);
    ServerBuilder builder =
        listen(Server.builder(), config)
            .service(
                "/ws",
                ShareDbSocket.service(
                    new ShareDbSocket(
                        mapper,
                        Map.of(
                            DocumentKind.CANVAS,
                            new DocumentStore(canvases, feeds),
                            DocumentKind.RUNS,
                            DocumentStore.of(system, DocumentKind.RUNS)),
                        projects,
                        callers,
                        config.getDuration("socket-recheck-interval"),
                        new ShareDbMeters(metrics.registry())),
                    (int) config.getMemorySize("max-frame-size").toBytes(),
                    allowedOrigins,
                    limits))
            .service("/health", new Health(system, grpcHealth))
            // For the cluster's monitoring: Envoy does not route it (see edge-gateway/envoy/).
            .service(
                "/metrics",
                (ctx, req) -> {
                  String accept = req.headers().get(HttpHeaderNames.ACCEPT);
                  return HttpResponse.of(
                      HttpStatus.OK,
                      MediaType.parse(NodeMetrics.contentType(accept)),
                      metrics.scrape(accept));
                })
            .meterRegistry(metrics.registry())
            // Plain HTTP services are named by their route in the meters (gRPC ones by service).
            .defaultServiceNaming(ctx -> ctx.config().route().patternString())
            .decorator(
                MetricCollectingService.newDecorator(MeterIdPrefixFunction.ofDefault("easel.http")))
            .service(GraphqlEndpoint.PATH, graphql.service())
            .serverListener(graphql.listener())
            .service(
                "/.well-known/jwks.json",
                (ctx, req) ->
                    HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, keys.publicJwks()))
            .service(
                "/openapi.json",
                (ctx, req) ->
                    HttpResponse.of(
                        ResponseHeaders.builder(HttpStatus.OK)
                            .contentType(MediaType.JSON_UTF_8)
                            .set(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                            .build(),
                        HttpData.wrap(openApi)))
            .serviceUnder(ApiConsole.PATH, ApiConsole.create())
            .route()
            .get("/v1/auth/oidc")
            .build(oidc.providers())
            .service("/v1/auth/oidc/{provider}/start", oidc.start())
            .service("/v1/auth/oidc/{provider}/callback", oidc.callback())
            .route()
            .post("/v1/auth/browser/login")
            .maxRequestLength(BrowserSessions.MAX_BODY_BYTES)
            .build(browserSessions.login())
            .route()
            .post("/v1/auth/browser/refresh")
            .maxRequestLength(BrowserSessions.MAX_BODY_BYTES)
            .build(browserSessions.refresh())
            .route()
            .post("/v1/auth/browser/logout")
            .maxRequestLength(BrowserSessions.MAX_BODY_BYTES)
            .build(browserSessions.logout())
            .route()
            .get("regex:" + ResultExportRoute.PATH_PATTERN)
            .build(new ResultExportRoute(policy, queryService))
            .route()
            .get(OpStreamRoute.PATH)
            .build(
                new OpStreamRoute(
                    policy, canvasService, config.getDuration("stream-heartbeat-interval")))
            .route()
            .post("regex:" + ResumableUploadRoutes.START_PATTERN)
            .build(resumable.start())
            .route()
            .methods(HttpMethod.PUT, HttpMethod.DELETE)
            .path(ResumableUploadRoutes.SESSION_PATH)
            // Each chunk keeps to easel.datasets.max-upload-size, counted as it streams.
            .maxRequestLength(0)
            .build(resumable.session())
            .route()
            .methods(HttpMethod.PUT, HttpMethod.POST)
            .path("regex:" + DatasetUploadRoute.PATH_PATTERN)
            // The upload keeps to easel.datasets.max-upload-size, counted as it streams.
            .maxRequestLength(0)
            .build(new DatasetUploadRoute(policy, uploads))
            .service(
                grpc,
                api ->
                    api.decorate(RestQueries.of(easelServices(grpc)))
                        .decorate(GrpcFrames.of(grpc.services(), refusals))
                        .decorate(uploadStreams(uploads)))
            // The API reads requests up to the limit; the plain routes set smaller ones.
            .maxRequestLength(refusals.maxRequestBytes())
            // The web app, below every route above (WebApp.RESERVED keeps their paths theirs).
            .serviceUnder("/", WebApp.service(EaselServer.class.getClassLoader()))
            .errorHandler(refusals)
            .decorator(graphql.loopbackDecorator())
            .decorator(new CsrfGuard(allowedOrigins));
    Function<? super HttpService, ? extends HttpService> cors =
        CrossOrigin.decorator(allowedOrigins);
    if (cors != null) builder.decorator(cors);
    Server server = builder.decorator(proxies.decorator()).build();
    server.start().join();
    return new EaselServer(server, mailer, importer, callers, projects, datasets);
  }

  /**
   * Removes expired upload sessions, upload files of requests a stopped node never finished, and
   * staged dataset files older than a session's lifetime: now and every 10 minutes, off the actor
   * threads.
   */
  private static void sweepUploads(
      ActorSystem<?> system, UploadSessions sessions, Datasets datasets, Duration lifetime) {
    Runnable sweep =
        () -> {
          try {
            sessions.sweep();
            datasets.sweepStaging(lifetime);
          } catch (RuntimeException e) {
            LoggerFactory.getLogger(EaselServer.class).warn("sweeping uploads failed", e);
          }
        };
    system
        .scheduler()
        .scheduleAtFixedRate(
            Duration.ZERO,
            Duration.ofMinutes(10),
            sweep,
            system.dispatchers().lookup(DispatcherSelector.blocking()));
  }

  /**
   * Lets {@code UploadDataset} streams run past the API's request size and timeout: the service
   * keeps them to {@code easel.datasets.max-upload-size} and the idle timeout itself.
   */
  private static DecoratingHttpServiceFunction uploadStreams(DatasetUploads uploads) {
    String path = "/" + DatasetUploads.METHOD;
    return (delegate, ctx, req) -> {
      if (req.path().equals(path)) {
        // a little more than the file: the messages' framing and the first one's fields
        ctx.setMaxRequestLength(uploads.maxBytes() + uploads.maxBytes() / 8 + 65_536);
        ctx.setRequestTimeout(uploads.idleTimeout());
      }
      return delegate.serve(ctx, req);
    };
  }

  /** The descriptors of Easel's own services (not health, reflection) that {@code grpc} serves. */
  private static List<Descriptors.ServiceDescriptor> easelServices(GrpcService grpc) {
    return grpc.services().stream()
        .map(service -> service.getServiceDescriptor().getSchemaDescriptor())
        .filter(ProtoServiceDescriptorSupplier.class::isInstance)
        .map(schema -> ((ProtoServiceDescriptorSupplier) schema).getServiceDescriptor())
        .filter(service -> service.getFullName().startsWith("easel."))
        .toList();
  }

  /**
   * Listens on {@code host:port}: plain HTTP (HTTP/1.1 and h2c) by default, or HTTPS only (TLS with
   * HTTP/2 by ALPN, for gRPC too) when {@code easel.http.tls} names a certificate chain and a
   * private key (PEM files).
   *
   * @throws IllegalArgumentException when only one of the two is given, or a file is unreadable
   */
  static ServerBuilder listen(ServerBuilder server, Config http) {
    InetSocketAddress address = new InetSocketAddress(http.getString("host"), http.getInt("port"));
    String certificate = http.getString("tls.certificate").strip();
    String privateKey = http.getString("tls.private-key").strip();
    if (certificate.isEmpty() && privateKey.isEmpty()) return server.http(address);
    if (certificate.isEmpty() || privateKey.isEmpty()) {
      throw new IllegalArgumentException(
          "easel.http.tls: set both certificate and private-key (EASEL_TLS_CERTIFICATE,"
              + " EASEL_TLS_PRIVATE_KEY), or neither for plain HTTP");
    }
    for (String file : List.of(certificate, privateKey)) {
      if (!Files.isReadable(Path.of(file))) {
        throw new IllegalArgumentException("easel.http.tls: cannot read " + file);
      }
    }
    return server.https(address).tls(TlsKeyPair.of(new File(privateKey), new File(certificate)));
  }

  /** Whether the server speaks TLS. */
  public boolean secure() {
    return server.activePort().hasHttps();
  }

  /** The configured identity providers and the routes that sign in with them. */
  private static OidcRoutes oidcRoutes(
      ActorSystem<?> system,
      Config identity,
      TokenKeys keys,
      Accounts accounts,
      BrowserCookies cookies,
      Config http) {
    Config oidc = identity.getConfig("oidc");
    Duration timeout = oidc.getDuration("http-timeout");
    ProviderHttp providerHttp = new ProviderHttp(timeout);
    Map<String, IdentityProvider> providers = new TreeMap<>();
    IdentityProviderSettings.load(oidc, System.getenv())
        .forEach(
            (name, settings) ->
                providers.put(
                    name,
                    switch (settings.flavour()) {
                      case OIDC ->
                          new OidcProvider(settings, providerHttp, timeout, Clock.systemUTC());
                      case GITHUB -> new GitHubProvider(settings, providerHttp);
                    }));
    return new OidcRoutes(
        Map.copyOf(providers),
        new SignInStates(keys, oidc.getDuration("state-lifetime"), Clock.systemUTC()),
        new FederatedSignIn(system, accounts),
        cookies,
        http.getString("public-url"));
  }

  /**
   * The token signing keys under the data directory, rotated when the active one is older than
   * {@code token-key-rotation} (checked at start and every hour).
   */
  private static TokenKeys openKeys(ActorSystem<?> system, Config identity) {
    Path dir = Path.of(system.settings().config().getString("easel.data-dir"), "keys");
    Duration rotation = identity.getDuration("token-key-rotation");
    try {
      TokenKeys keys = TokenKeys.open(dir, Clock.systemUTC());
      keys.rotateIfOlderThan(rotation);
      system
          .scheduler()
          .scheduleAtFixedRate(
              Duration.ofHours(1),
              Duration.ofHours(1),
              () -> {
                try {
                  keys.rotateIfOlderThan(rotation);
                } catch (IOException e) {
                  LoggerFactory.getLogger(EaselServer.class).warn("token key rotation failed", e);
                }
              },
              system.executionContext());
      return keys;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the token signing keys in " + dir, e);
    }
  }

  /**
   * The key that seals TOTP secrets: {@code secrets-key} ({@code EASEL_SECRETS_KEY}) if set, else
   * the key file beside the token signing keys.
   */
  private static SecretBox openSecrets(ActorSystem<?> system, Config identity) {
    Path dir = Path.of(system.settings().config().getString("easel.data-dir"), "keys");
    try {
      return SecretBox.open(dir, identity.getString("secrets-key"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the secrets key in " + dir, e);
    }
  }

  /** The key that signs invitation links, next to the token signing keys. */
  private static InvitationTokens openInvitationTokens(ActorSystem<?> system, String issuer) {
    Path dir = Path.of(system.settings().config().getString("easel.data-dir"), "keys");
    try {
      return InvitationTokens.open(dir, issuer, Clock.systemUTC());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the invitation key in " + dir, e);
    }
  }

  public int port() {
    return server.activeLocalPort();
  }

  @Override
  public void close() {
    server.stop().join();
    mailer.close();
    importer.close();
  }
}

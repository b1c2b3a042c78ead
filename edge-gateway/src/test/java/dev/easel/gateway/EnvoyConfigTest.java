package dev.easel.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.Any;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.ExtensionRegistry;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.Durations;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import dev.easel.gateway.EnvoyRoutes.Request;
import dev.easel.identity.AccessTokens;
import dev.easel.identity.ApiKeySecrets;
import dev.easel.identity.TokenKeys;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.clusters.dns.v3.DnsCluster;
import io.envoyproxy.envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RequirementRule;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.type.v3.CodecClientType;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production Envoy config, {@code envoy/envoy.yaml}, read into Envoy's own {@code Bootstrap}
 * proto (the API protos of {@code io.envoyproxy.controlplane:api}) with no unknown field, no
 * constraint Envoy would refuse at start, and routes that carry every RPC of the API, as REST and
 * as gRPC, to the gateway's gRPC port. The API is read from the descriptor set the build writes
 * ({@code easel/easel.pb}), the same file Envoy's transcoder is given.
 */
class EnvoyConfigTest {
  static final Path ENVOY_YAML = Path.of("envoy", "envoy.yaml");
  static final Path TLS_YAML = Path.of("envoy", "tls-certificate.yaml");
  static final String DESCRIPTOR_SET = "easel/easel.pb";

  static final String JWT_AUTHN = "envoy.filters.http.jwt_authn";
  static final String TRANSCODER = "envoy.filters.http.grpc_json_transcoder";

  static Bootstrap bootstrap;
  static DiscoveryResponse tlsSecrets;
  static List<FileDescriptor> api;

  @BeforeAll
  static void load() throws Exception {
    bootstrap = EnvoyYaml.read(ENVOY_YAML, Bootstrap.newBuilder()).build();
    tlsSecrets = EnvoyYaml.read(TLS_YAML, DiscoveryResponse.newBuilder()).build();
    api = descriptorSet();
  }

  // ---------------------------------------------------------------- the file itself

  @Test
  void unknownFieldsAreRefusedAtTheTopAndInsideTypedConfigs() throws IOException {
    ObjectMapper json = new ObjectMapper();
    JsonNode tree = json.readTree(yamlAsJson());
    ((ObjectNode) tree.get("static_resources")).put("no_such_field", true);
    assertThatThrownBy(() -> EnvoyYaml.parse(json.writeValueAsString(tree), Bootstrap.newBuilder()))
        .isInstanceOf(InvalidProtocolBufferException.class)
        .hasMessageContaining("no_such_field");

    JsonNode nested = json.readTree(yamlAsJson());
    JsonNode provider =
        nested.at(
            "/static_resources/listeners/0/filter_chains/0/filters/0/typed_config/http_filters/2/typed_config/providers/easel");
    assertThat(provider.isObject()).as("the jwt_authn provider in the JSON tree").isTrue();
    ObjectNode jwt = (ObjectNode) provider;
    jwt.put("issuers", "easel");
    assertThatThrownBy(
            () -> EnvoyYaml.parse(json.writeValueAsString(nested), Bootstrap.newBuilder()))
        .isInstanceOf(InvalidProtocolBufferException.class)
        .hasMessageContaining("issuers");
  }

  @Test
  void meetsEveryConstraintEnvoyChecksWhenItLoadsTheConfig() {
    assertThat(ProtoConstraints.violations(bootstrap, EnvoyYaml.REGISTRY)).isEmpty();
    assertThat(ProtoConstraints.violations(tlsSecrets, EnvoyYaml.REGISTRY)).isEmpty();

    // The check finds what Envoy would refuse: a rate limit without its stat prefix.
    HttpConnectionManager.Builder hcm = httpsManager().toBuilder();
    for (HttpFilter.Builder filter : hcm.getHttpFiltersBuilderList()) {
      if (filter.getTypedConfig().is(LocalRateLimit.class)) {
        filter.setTypedConfig(
            Any.pack(
                unpack(filter.getTypedConfig(), LocalRateLimit.class).toBuilder()
                    .clearStatPrefix()
                    .build()));
      }
    }
    assertThat(ProtoConstraints.violations(hcm.build(), EnvoyYaml.REGISTRY))
        .anySatisfy(v -> assertThat(v).contains("stat_prefix"));
  }

  @Test
  void theTypeRegistryHoldsExactlyTheTypesTheFilesName() {
    Set<String> named = new TreeSet<>();
    for (Message message : List.<Message>of(bootstrap, tlsSecrets)) {
      for (String url : ProtoConstraints.typeUrls(message, EnvoyYaml.REGISTRY)) {
        named.add(url.substring(url.lastIndexOf('/') + 1));
      }
    }
    assertThat(named)
        .containsExactlyInAnyOrderElementsOf(
            EnvoyYaml.TYPES.stream().map(d -> d.getFullName()).toList());
  }

  // ---------------------------------------------------------------- the API's routes

  @Test
  void everyRestBindingIsRoutedToTheTranscoderAndTheGrpcCluster() {
    List<Binding> bindings = restBindings();
    assertThat(bindings).hasSizeGreaterThanOrEqualTo(40);
    assertThat(restRoutingProblems(mainHost(), bindings)).isEmpty();
  }

  @Test
  void aRestBindingWithoutARouteIsFound() {
    VirtualHost.Builder withoutRest = mainHost().toBuilder();
    withoutRest.clearRoutes();
    mainHost().getRoutesList().stream()
        .filter(r -> !r.getName().equals("rest"))
        .forEach(withoutRest::addRoutes);
    assertThat(restRoutingProblems(withoutRest.build(), restBindings()))
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith("GET /v1/canvases/{canvas_id} (easel.v1.CanvasService/GetCanvas)"))
        .anySatisfy(p -> assertThat(p).contains("easel_gateway_http"));
  }

  @Test
  void everyRpcIsRoutedAsGrpcAndGrpcWebAndStreamsHaveNoDeadlineOfEnvoysOwn() {
    List<String> problems = new ArrayList<>();
    int rpcs = 0;
    for (MethodDescriptor method : methods()) {
      rpcs++;
      String path = "/" + method.getService().getFullName() + "/" + method.getName();
      for (String contentType : List.of("application/grpc", "application/grpc-web+proto")) {
        Request request = Request.of("POST", path, "content-type", contentType);
        Optional<Route> route = EnvoyRoutes.firstMatch(mainHost(), request);
        if (route.isEmpty() || !route.get().hasRoute()) {
          problems.add(request + ": no route to a cluster");
          continue;
        }
        RouteAction action = route.get().getRoute();
        if (!action.getCluster().equals(grpcCluster().getName())) {
          problems.add(
              request + ": routed to " + action.getCluster() + " by " + route.get().getName());
        }
        boolean streams = method.isServerStreaming() || method.isClientStreaming();
        if (streams && (!action.hasTimeout() || Durations.toNanos(action.getTimeout()) != 0)) {
          problems.add(
              request
                  + " streams, but route "
                  + route.get().getName()
                  + " ends it after a timeout");
        }
      }
    }
    assertThat(rpcs).isGreaterThanOrEqualTo(40);
    assertThat(problems).isEmpty();
  }

  @Test
  void theTranscoderReadsTheBuiltDescriptorSetAndTranscodesEveryService() {
    GrpcJsonTranscoder transcoder = httpFilter(TRANSCODER, GrpcJsonTranscoder.class);
    Set<String> services = new TreeSet<>();
    for (FileDescriptor file : api) {
      if (file.getPackage().equals("easel.v1")) {
        file.getServices().forEach(s -> services.add(s.getFullName()));
      }
    }
    assertThat(services).hasSizeGreaterThanOrEqualTo(6);
    assertThat(transcoder.getServicesList()).containsExactlyInAnyOrderElementsOf(services);
    assertThat(Path.of(transcoder.getProtoDescriptor()).getFileName())
        .isEqualTo(Path.of(DESCRIPTOR_SET).getFileName());
    // Routes match the REST path as sent (the check above relies on it).
    assertThat(transcoder.getMatchIncomingRequestRoute()).isTrue();

    // The descriptor set is the API the gateway serves: the same RPCs as the generated code.
    Set<String> inDescriptorSet =
        methods().stream()
            .map(m -> m.getService().getFullName() + "/" + m.getName())
            .collect(Collectors.toCollection(TreeSet::new));
    assertThat(inDescriptorSet).isEqualTo(new TreeSet<>(ApiPolicyTest.everyRpc()));

    // Errors become JSON only if the transcoder knows the types in their details.
    assertThat(transcoder.getConvertGrpcStatus()).isTrue();
    Set<String> messages = new TreeSet<>();
    api.forEach(f -> f.getMessageTypes().forEach(m -> messages.add(m.getFullName())));
    assertThat(messages)
        .contains(
            "google.rpc.Status",
            "google.rpc.ErrorInfo",
            "google.rpc.BadRequest",
            "google.rpc.RetryInfo");

    // The JSON the embedded gateway (Armeria) writes.
    GrpcJsonTranscoder.PrintOptions print = transcoder.getPrintOptions();
    assertThat(print.getPreserveProtoFieldNames()).isFalse();
    assertThat(print.getAlwaysPrintEnumsAsInts()).isFalse();
    assertThat(print.getAlwaysPrintPrimitiveFields()).isFalse();
  }

  @Test
  void filtersRunInOrderAndPerRouteConfigsNameFiltersOfTheChain() {
    List<String> names =
        httpsManager().getHttpFiltersList().stream().map(HttpFilter::getName).toList();
    // Flood limit first; gRPC-Web turned into gRPC before anything reads it; tokens checked on
    // the path the client sent, before the transcoder rewrites it; the router last.
    assertThat(names)
        .containsExactly(
            "envoy.filters.http.local_ratelimit",
            "envoy.filters.http.grpc_web",
            JWT_AUTHN,
            TRANSCODER,
            "envoy.filters.http.router");
    for (Route route : mainHost().getRoutesList()) {
      assertThat(names)
          .as("per-route configs of %s", route.getName())
          .containsAll(route.getTypedPerFilterConfigMap().keySet());
    }
  }

  @Test
  void sideRoutesReachTheGatewaysPlainHttpAndOnlyWsUpgrades() {
    String http = httpCluster().getName();
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("/ws", http);
    expected.put("/graphql", http);
    expected.put("/health", http);
    expected.put("/.well-known/jwks.json", http);
    expected.put("/v1/auth/browser/login", http);
    expected.put("/v1/auth/browser/refresh", http);
    expected.put("/v1/auth/browser/logout", http);
    expected.put("/v1/auth/oidc/google/start", http);
    expected.put("/v1/auth/oidc/google/callback?code=c&state=s", http);
    expected.put("/", http);
    expected.put("/invitations/accept", http);
    for (Map.Entry<String, String> e : expected.entrySet()) {
      Optional<Route> route = EnvoyRoutes.firstMatch(mainHost(), Request.of("GET", e.getKey()));
      assertThat(route).as("route of %s", e.getKey()).isPresent();
      assertThat(route.get().getRoute().getCluster())
          .as("cluster of %s", e.getKey())
          .isEqualTo(e.getValue());
    }
    Route metrics = EnvoyRoutes.firstMatch(mainHost(), Request.of("GET", "/metrics")).orElseThrow();
    assertThat(metrics.getDirectResponse().getStatus()).isEqualTo(404);

    // WebSocket: off for the connection manager, on for /ws alone.
    assertThat(httpsManager().getUpgradeConfigsList())
        .singleElement()
        .satisfies(
            u -> {
              assertThat(u.getUpgradeType()).isEqualTo("websocket");
              assertThat(u.getEnabled().getValue()).isFalse();
            });
    for (Route route : mainHost().getRoutesList()) {
      boolean upgrades =
          route.getRoute().getUpgradeConfigsList().stream()
              .anyMatch(u -> u.getUpgradeType().equals("websocket") && u.getEnabled().getValue());
      assertThat(upgrades)
          .as("websocket upgrade on route %s", route.getName())
          .isEqualTo(route.getMatch().getPath().equals("/ws"));
    }
    Route ws = EnvoyRoutes.firstMatch(mainHost(), Request.of("GET", "/ws")).orElseThrow();
    assertThat(Durations.toNanos(ws.getRoute().getTimeout()))
        .as("/ws lives as long as it is used")
        .isZero();
  }

  @Test
  void datasetUploadsReachTheGatewaysPlainHttpWithoutATimeout() {
    String http = httpCluster().getName();
    for (Request upload :
        List.of(
            Request.of("PUT", "/v1/projects/p_1/datasets/sales", "content-type", "text/csv"),
            Request.of(
                "POST",
                "/v1/projects/p_1/datasets/sales",
                "content-type",
                "multipart/form-data; boundary=x"),
            Request.of("POST", "/v1/projects/p_1/datasets/sales/uploads"),
            Request.of("PUT", "/v1/uploads/0123abcd", "content-range", "bytes 0-9/*"),
            Request.of("DELETE", "/v1/uploads/0123abcd"))) {
      Route route = EnvoyRoutes.firstMatch(mainHost(), upload).orElseThrow();
      assertThat(route.getRoute().getCluster()).as("cluster of %s", upload).isEqualTo(http);
      assertThat(Durations.toNanos(route.getRoute().getTimeout()))
          .as("%s takes as long as it keeps sending", upload)
          .isZero();
      assertThat(route.getRoute().hasIdleTimeout()).as("%s ends when silent", upload).isTrue();
    }
    // The RPCs on the same paths stay REST, transcoded.
    for (Request rest :
        List.of(
            Request.of("GET", "/v1/projects/p_1/datasets/sales"),
            Request.of("DELETE", "/v1/projects/p_1/datasets/sales"),
            Request.of("POST", "/v1/projects/p_1/datasets/sales:rename"),
            Request.of("GET", "/v1/projects/p_1/datasets"))) {
      assertThat(EnvoyRoutes.firstMatch(mainHost(), rest).orElseThrow().getName())
          .as("route of %s", rest)
          .isEqualTo("rest");
    }
  }

  @Test
  void resultExportsReachTheGatewaysPlainHttpWithoutATimeout() {
    Request export =
        Request.of(
            "GET", "/v1/projects/p_1/results/0123456789abcdef0123456789abcdef:export?format=csv");
    Route route = EnvoyRoutes.firstMatch(mainHost(), export).orElseThrow();
    assertThat(route.getName()).isEqualTo("result_exports");
    assertThat(route.getRoute().getCluster()).isEqualTo(httpCluster().getName());
    assertThat(Durations.toNanos(route.getRoute().getTimeout()))
        .as("a download takes as long as it keeps reading")
        .isZero();
    assertThat(route.getRoute().hasIdleTimeout()).isTrue();
    // The pages of the same result stay REST, transcoded.
    Request page = Request.of("GET", "/v1/projects/p_1/results/0123456789abcdef0123456789abcdef");
    assertThat(EnvoyRoutes.firstMatch(mainHost(), page).orElseThrow().getName()).isEqualTo("rest");
  }

  // ---------------------------------------------------------------- access tokens

  @Test
  void accessTokensAreVerifiedAndApiKeysCookiesAndPublicCallsGoToTheGateway(@TempDir Path keys)
      throws IOException {
    Credentials credentials = credentials(keys);
    assertThat(jwtProblems(jwt().getRulesList(), credentials)).isEmpty();
  }

  @Test
  void aPublicCallCaughtByTheTokenCheckIsFound(@TempDir Path keys) throws IOException {
    List<RequirementRule> withoutPublicRules =
        jwt().getRulesList().stream().filter(RequirementRule::hasRequires).toList();
    assertThat(jwtProblems(withoutPublicRules, credentials(keys)))
        .anySatisfy(p -> assertThat(p).contains("POST /v1/auth:login"))
        .anySatisfy(p -> assertThat(p).contains("/easel.v1.AuthService/Refresh"));
  }

  @Test
  void theProviderAcceptsWhatTheGatewayIssuesAndForwardsIt(@TempDir Path keys) throws IOException {
    JwtProvider provider = jwt().getProvidersOrThrow("easel");
    Config identity = identityDefaults();
    assertThat(provider.getIssuer()).isEqualTo(identity.getString("issuer"));
    assertThat(provider.getAudiencesList()).containsExactly(identity.getString("audience"));

    // A real access token carries that issuer and audience.
    String token = credentials(keys).accessToken();
    JsonNode claims =
        new ObjectMapper().readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
    assertThat(claims.path("iss").asText()).isEqualTo(provider.getIssuer());
    assertThat(
            claims.path("aud").isArray()
                ? claims.path("aud").get(0).asText()
                : claims.path("aud").asText())
        .isIn(provider.getAudiencesList());

    // The gateway verifies the token again, so Envoy must pass it on.
    assertThat(provider.getForward()).isTrue();
    assertThat(provider.getRequireExpiration()).isTrue();
    assertThat(provider.getClockSkewSeconds()).isEqualTo(AccessTokens.CLOCK_SKEW.toSeconds());
    assertThat(provider.getFromHeadersList())
        .singleElement()
        .satisfies(
            h -> {
              assertThat(h.getName()).isEqualToIgnoringCase("authorization");
              assertThat(h.getValuePrefix()).isEqualTo("Bearer ");
            });
    assertThat(provider.getFromParamsList()).isEmpty();
    assertThat(provider.getFromCookiesList()).isEmpty();

    // The keys come from the gateway's JWKS.
    URI jwks = URI.create(provider.getRemoteJwks().getHttpUri().getUri());
    assertThat(jwks.getPath()).isEqualTo("/.well-known/jwks.json");
    Cluster cluster = cluster(provider.getRemoteJwks().getHttpUri().getCluster());
    SocketAddress gateway = endpoint(cluster);
    assertThat(jwks.getHost()).isEqualTo(gateway.getAddress());
    assertThat(jwks.getPort()).isEqualTo(gateway.getPortValue());
    assertThat(Durations.toSeconds(provider.getRemoteJwks().getCacheDuration()))
        .as("a new signing key is known to Envoy well within an access token's lifetime")
        .isLessThan(AccessTokens.DEFAULT_LIFETIME.toSeconds());
  }

  // ---------------------------------------------------------------- clusters and TLS

  @Test
  void gatewayClustersAreCheckedOnHealthAndEjectFailingPods() {
    Set<String> used = new TreeSet<>();
    for (Route route : mainHost().getRoutesList()) {
      if (route.hasRoute()) used.add(route.getRoute().getCluster());
    }
    used.add(jwt().getProvidersOrThrow("easel").getRemoteJwks().getHttpUri().getCluster());
    assertThat(used).containsExactlyInAnyOrder(grpcCluster().getName(), httpCluster().getName());
    for (String name : used) {
      Cluster cluster = cluster(name);
      // Strict DNS: every address of the headless Service is an endpoint of its own.
      assertThat(cluster.getClusterType().getName()).as(name).isEqualTo("envoy.clusters.dns");
      DnsCluster dns = unpack(cluster.getClusterType().getTypedConfig(), DnsCluster.class);
      assertThat(dns.getAllAddressesInSingleEndpoint()).as(name).isFalse();
      assertThat(cluster.getHealthChecksList()).as(name).isNotEmpty();
      for (HealthCheck check : cluster.getHealthChecksList()) {
        assertThat(check.getHttpHealthCheck().getPath()).as(name).isEqualTo("/health");
      }
      assertThat(cluster.hasOutlierDetection()).as(name).isTrue();
      assertThat(endpoint(cluster)).as(name).isEqualTo(endpoint(grpcCluster()));
    }
    assertThat(grpcCluster().getHealthChecks(0).getHttpHealthCheck().getCodecClientType())
        .isEqualTo(CodecClientType.HTTP2);
  }

  @Test
  void httpsTerminatesTlsWithTheMountedKeyPair() {
    Listener https = listener("https");
    assertThat(https.getAddress().getSocketAddress().getPortValue()).isEqualTo(8443);
    DownstreamTlsContext tls =
        unpack(
            https.getFilterChains(0).getTransportSocket().getTypedConfig(),
            DownstreamTlsContext.class);
    assertThat(tls.getCommonTlsContext().getAlpnProtocolsList()).containsExactly("h2", "http/1.1");
    assertThat(tls.getCommonTlsContext().getTlsParams().getTlsMinimumProtocolVersion())
        .isEqualTo(TlsParameters.TlsProtocol.TLSv1_2);
    var sds = tls.getCommonTlsContext().getTlsCertificateSdsSecretConfigs(0);
    assertThat(Path.of(sds.getSdsConfig().getPathConfigSource().getPath()).getFileName())
        .isEqualTo(TLS_YAML.getFileName());
    List<Secret> secrets = new ArrayList<>();
    for (var resource : tlsSecrets.getResourcesList()) secrets.add(unpack(resource, Secret.class));
    Secret secret =
        secrets.stream()
            .filter(s -> s.getName().equals(sds.getName()))
            .findFirst()
            .orElseThrow(
                () -> new AssertionError(TLS_YAML + " has no secret named " + sds.getName()));
    Path watched = Path.of(secret.getTlsCertificate().getWatchedDirectory().getPath());
    assertThat(Path.of(secret.getTlsCertificate().getCertificateChain().getFilename()).getParent())
        .isEqualTo(watched);
    assertThat(Path.of(secret.getTlsCertificate().getPrivateKey().getFilename()).getParent())
        .isEqualTo(watched);

    // The client address the gateway records is the connection's peer, appended by Envoy.
    assertThat(httpsManager().getUseRemoteAddress().getValue()).isTrue();
    assertThat(httpsManager().getXffNumTrustedHops()).isZero();
  }

  // ---------------------------------------------------------------- checks shared by tests

  /** One REST binding of an RPC: its verb and path template. */
  record Binding(MethodDescriptor method, String verb, String template) {
    String rpc() {
      return method.getService().getFullName() + "/" + method.getName();
    }

    /** The path with each {@code {variable}} (and {@code {variable=pattern}}) filled in. */
    String samplePath() {
      Matcher m = Pattern.compile("\\{([^}=]+)(=([^}]*))?}").matcher(template);
      StringBuilder out = new StringBuilder();
      while (m.find()) {
        String pattern = m.group(3) == null ? "*" : m.group(3);
        m.appendReplacement(
            out, Matcher.quoteReplacement(pattern.replace("**", "x1/x2").replace("*", "x1")));
      }
      m.appendTail(out);
      return out.toString();
    }

    @Override
    public String toString() {
      return verb + " " + template + " (" + rpc() + ")";
    }
  }

  static List<String> restRoutingProblems(VirtualHost host, List<Binding> bindings) {
    String grpc = grpcCluster().getName();
    List<String> problems = new ArrayList<>();
    for (Binding binding : bindings) {
      Request request =
          Request.of(binding.verb(), binding.samplePath(), "content-type", "application/json");
      Optional<Route> route = EnvoyRoutes.firstMatch(host, request);
      if (route.isEmpty() || !route.get().hasRoute()) {
        problems.add(binding + ": no route to a cluster");
      } else if (!route.get().getRoute().getCluster().equals(grpc)) {
        problems.add(
            binding
                + ": route "
                + route.get().getName()
                + " sends it to "
                + route.get().getRoute().getCluster()
                + ", not to the gRPC cluster "
                + grpc);
      } else if (route.get().getTypedPerFilterConfigMap().containsKey(TRANSCODER)) {
        problems.add(
            binding + ": route " + route.get().getName() + " replaces the transcoder's config");
      }
    }
    return problems;
  }

  /** An access token and an API key as the gateway issues them. */
  record Credentials(String accessToken, String apiKey) {}

  static Credentials credentials(Path keys) throws IOException {
    Config identity = identityDefaults();
    AccessTokens tokens =
        new AccessTokens(
            TokenKeys.open(keys, Clock.systemUTC()),
            identity.getString("issuer"),
            identity.getString("audience"),
            Clock.systemUTC());
    return new Credentials(tokens.issue("user-1", Map.of()), ApiKeySecrets.generate().plaintext());
  }

  /**
   * For each RPC (its REST bindings and gRPC path) and the other routes, which jwt_authn rule a
   * request with each kind of credential meets, against what it should: public calls never need a
   * token; otherwise an access token must be verified and nothing else is asked for.
   */
  static List<String> jwtProblems(List<RequirementRule> rules, Credentials credentials) {
    Map<String, Boolean> publicByPath = new LinkedHashMap<>();
    for (Binding binding : restBindings()) {
      publicByPath.put(binding.verb() + " " + binding.samplePath(), isPublic(binding.method()));
    }
    for (MethodDescriptor method : methods()) {
      publicByPath.put(
          "POST /" + method.getService().getFullName() + "/" + method.getName(), isPublic(method));
    }
    publicByPath.put("GET /ws", false);
    publicByPath.put("POST /graphql", false);
    publicByPath.put("GET /health", true);
    publicByPath.put("GET /.well-known/jwks.json", true);
    publicByPath.put("POST /v1/auth/browser/login", true);
    publicByPath.put("POST /v1/auth/browser/refresh", true);
    publicByPath.put("POST /v1/auth/browser/logout", true);
    publicByPath.put("GET /v1/auth/oidc/google/callback", true);
    publicByPath.put("POST /grpc.health.v1.Health/Check", true);

    Map<String, String[]> credentialHeaders = new LinkedHashMap<>();
    credentialHeaders.put(
        "an access token", new String[] {"authorization", "Bearer " + credentials.accessToken()});
    credentialHeaders.put(
        "an API key as Bearer", new String[] {"authorization", "Bearer " + credentials.apiKey()});
    credentialHeaders.put(
        "an API key as x-api-key", new String[] {"x-api-key", credentials.apiKey()});
    credentialHeaders.put(
        "the browser's cookie",
        new String[] {"cookie", "easel_access=" + credentials.accessToken()});
    credentialHeaders.put("no credential", new String[] {});

    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, Boolean> call : publicByPath.entrySet()) {
      String[] verbAndPath = call.getKey().split(" ", 2);
      for (Map.Entry<String, String[]> credential : credentialHeaders.entrySet()) {
        Request request = Request.of(verbAndPath[0], verbAndPath[1], credential.getValue());
        Optional<RequirementRule> rule =
            rules.stream().filter(r -> EnvoyRoutes.matches(r.getMatch(), request)).findFirst();
        String provider =
            rule.filter(RequirementRule::hasRequires)
                .map(r -> r.getRequires().getProviderName())
                .orElse(null);
        boolean tokenChecked = !call.getValue() && credential.getKey().equals("an access token");
        String expected = tokenChecked ? "easel" : null;
        if (!Objects.equals(provider, expected)) {
          problems.add(
              call.getKey()
                  + " with "
                  + credential.getKey()
                  + (expected == null
                      ? " must pass to the gateway"
                      : " must be verified by provider easel")
                  + ", but meets "
                  + rule.map(
                          r ->
                              "the rule "
                                  + r.getMatch()
                                  + (provider == null
                                      ? " (no requirement)"
                                      : " requiring " + provider))
                      .orElse("no rule"));
        }
      }
    }
    return problems;
  }

  static boolean isPublic(MethodDescriptor method) {
    ApiPolicy.Rule rule =
        ApiPolicy.ruleFor(method.getService().getFullName() + "/" + method.getName());
    if (rule == null) throw new AssertionError("ApiPolicy has no rule for " + method.getFullName());
    return rule.requirement() == ApiPolicy.Requirement.PUBLIC;
  }

  static Config identityDefaults() {
    return ConfigFactory.parseResources("identity.conf")
        .resolve(ConfigResolveOptions.noSystem())
        .getConfig("easel.identity");
  }

  // ---------------------------------------------------------------- reading the config and the API

  static String yamlAsJson() throws IOException {
    return EnvoyYaml.toJson(new StringReader(Files.readString(ENVOY_YAML)));
  }

  static Listener listener(String name) {
    return bootstrap.getStaticResources().getListenersList().stream()
        .filter(l -> l.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(ENVOY_YAML + " has no listener " + name));
  }

  static HttpConnectionManager httpsManager() {
    Listener https = listener("https");
    assertThat(https.getFilterChainsList()).as("filter chains of the https listener").hasSize(1);
    assertThat(https.getFilterChains(0).getFiltersList())
        .as("network filters of the https listener")
        .hasSize(1);
    return unpack(
        https.getFilterChains(0).getFilters(0).getTypedConfig(), HttpConnectionManager.class);
  }

  /** The one virtual host of the https listener, for every domain. */
  static VirtualHost mainHost() {
    List<VirtualHost> hosts = httpsManager().getRouteConfig().getVirtualHostsList();
    assertThat(hosts).as("virtual hosts of the https listener").hasSize(1);
    assertThat(hosts.get(0).getDomainsList()).containsExactly("*");
    return hosts.get(0);
  }

  static <T extends Message> T httpFilter(String name, Class<T> type) {
    HttpFilter filter =
        httpsManager().getHttpFiltersList().stream()
            .filter(f -> f.getName().equals(name))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no HTTP filter " + name));
    return unpack(filter.getTypedConfig(), type);
  }

  static JwtAuthentication jwt() {
    return httpFilter(JWT_AUTHN, JwtAuthentication.class);
  }

  static Cluster cluster(String name) {
    return bootstrap.getStaticResources().getClustersList().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(ENVOY_YAML + " has no cluster " + name));
  }

  /** The cluster that speaks HTTP/2 to the gateways: gRPC and what the transcoder makes of REST. */
  static Cluster grpcCluster() {
    return gatewayCluster(true);
  }

  static Cluster httpCluster() {
    return gatewayCluster(false);
  }

  private static Cluster gatewayCluster(boolean http2) {
    List<Cluster> matching =
        bootstrap.getStaticResources().getClustersList().stream()
            .filter(
                c -> protocolOptions(c).getExplicitHttpConfig().hasHttp2ProtocolOptions() == http2)
            .toList();
    assertThat(matching).as("clusters with HTTP/2 " + http2).hasSize(1);
    return matching.get(0);
  }

  static HttpProtocolOptions protocolOptions(Cluster cluster) {
    var options =
        cluster
            .getTypedExtensionProtocolOptionsMap()
            .get("envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
    if (options == null)
      throw new AssertionError("cluster " + cluster.getName() + " declares no HTTP protocol");
    return unpack(options, HttpProtocolOptions.class);
  }

  static SocketAddress endpoint(Cluster cluster) {
    var endpoints = cluster.getLoadAssignment().getEndpointsList();
    assertThat(endpoints).as("endpoints of " + cluster.getName()).hasSize(1);
    return endpoints.get(0).getLbEndpoints(0).getEndpoint().getAddress().getSocketAddress();
  }

  static <T extends Message> T unpack(Any any, Class<T> type) {
    try {
      return any.unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(
          "expected a " + type.getSimpleName() + ", found " + any.getTypeUrl(), e);
    }
  }

  /** The descriptor set the build writes, with every file built and the HTTP rules readable. */
  static List<FileDescriptor> descriptorSet() throws IOException, DescriptorValidationException {
    byte[] bytes;
    try (InputStream in =
        EnvoyConfigTest.class.getClassLoader().getResourceAsStream(DESCRIPTOR_SET)) {
      if (in == null)
        throw new AssertionError(
            DESCRIPTOR_SET + " is not on the class path: the proto build writes it");
      bytes = in.readAllBytes();
    }
    ExtensionRegistry registry = ExtensionRegistry.newInstance();
    AnnotationsProto.registerAllExtensions(registry);
    FileDescriptorSet set = FileDescriptorSet.parseFrom(bytes, registry);
    Map<String, FileDescriptor> built = new HashMap<>();
    List<FileDescriptor> files = new ArrayList<>();
    for (FileDescriptorProto file : set.getFileList()) {
      List<FileDescriptor> dependencies = new ArrayList<>();
      for (String dependency : file.getDependencyList()) {
        FileDescriptor found = built.get(dependency);
        if (found == null)
          throw new AssertionError(
              DESCRIPTOR_SET + " lacks " + dependency + ", imported by " + file.getName());
        dependencies.add(found);
      }
      FileDescriptor descriptor =
          FileDescriptor.buildFrom(file, dependencies.toArray(FileDescriptor[]::new));
      built.put(file.getName(), descriptor);
      files.add(descriptor);
    }
    return files;
  }

  static List<MethodDescriptor> methods() {
    List<MethodDescriptor> methods = new ArrayList<>();
    for (FileDescriptor file : api) {
      if (!file.getPackage().equals("easel.v1")) continue;
      for (ServiceDescriptor service : file.getServices()) methods.addAll(service.getMethods());
    }
    return methods;
  }

  static List<Binding> restBindings() {
    List<Binding> bindings = new ArrayList<>();
    for (MethodDescriptor method : methods()) {
      if (!method.getOptions().hasExtension(AnnotationsProto.http)) continue;
      HttpRule rule = method.getOptions().getExtension(AnnotationsProto.http);
      addBindings(method, rule, bindings);
      rule.getAdditionalBindingsList().forEach(extra -> addBindings(method, extra, bindings));
    }
    return bindings;
  }

  private static void addBindings(MethodDescriptor method, HttpRule rule, List<Binding> into) {
    if (HttpRules.template(rule) == null) {
      throw new AssertionError(method.getFullName() + " has an HTTP rule without a path");
    }
    into.add(new Binding(method, HttpRules.method(rule), HttpRules.template(rule)));
  }
}

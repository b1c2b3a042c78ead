package dev.easel.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.clusters.dns.v3.DnsCluster;
import io.envoyproxy.envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder;
import io.envoyproxy.envoy.extensions.filters.http.grpc_web.v3.GrpcWeb;
import io.envoyproxy.envoy.extensions.filters.http.health_check.v3.HealthCheck;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.formatter.req_without_query.v3.ReqWithoutQuery;
import io.envoyproxy.envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig;
import io.envoyproxy.envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reads Envoy YAML the way Envoy does: YAML (anchors and aliases included) to JSON, then the JSON
 * into Envoy's config proto, refusing unknown fields, unknown enum values and {@code @type}s that
 * are not among {@link #TYPES}.
 */
final class EnvoyYaml {
  /** Every message type that envoy/*.yaml names in a {@code typed_config} or {@code @type}. */
  static final List<Descriptors.Descriptor> TYPES =
      List.of(
          FixedHeapConfig.getDescriptor(),
          DownstreamConnectionsConfig.getDescriptor(),
          DownstreamTlsContext.getDescriptor(),
          Secret.getDescriptor(),
          HttpConnectionManager.getDescriptor(),
          StdoutAccessLog.getDescriptor(),
          ReqWithoutQuery.getDescriptor(),
          LocalRateLimit.getDescriptor(),
          GrpcWeb.getDescriptor(),
          JwtAuthentication.getDescriptor(),
          GrpcJsonTranscoder.getDescriptor(),
          Router.getDescriptor(),
          HealthCheck.getDescriptor(),
          HttpProtocolOptions.getDescriptor(),
          DnsCluster.getDescriptor());

  static final JsonFormat.TypeRegistry REGISTRY =
      JsonFormat.TypeRegistry.newBuilder().add(TYPES).build();

  private EnvoyYaml() {}

  /** Parses {@code file} into {@code builder}; the exception names the file and the problem. */
  static <B extends Message.Builder> B read(Path file, B builder) {
    String json;
    try (Reader reader = Files.newBufferedReader(file)) {
      json = toJson(reader);
    } catch (IOException e) {
      throw new AssertionError("cannot read " + file.toAbsolutePath(), e);
    }
    try {
      parse(json, builder);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(
          file
              + " is not a valid "
              + builder.getDescriptorForType().getFullName()
              + ": "
              + e.getMessage(),
          e);
    }
    return builder;
  }

  /** Strict JSON into {@code builder}: no {@code ignoringUnknownFields}. */
  static void parse(String json, Message.Builder builder) throws InvalidProtocolBufferException {
    JsonFormat.parser().usingTypeRegistry(REGISTRY).merge(json, builder);
  }

  static String toJson(Reader yaml) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    Object tree = new Yaml(new SafeConstructor(options)).load(yaml);
    try {
      return new ObjectMapper().writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new AssertionError("YAML that JSON cannot hold", e);
    }
  }
}

package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /health tells a node that is ready from one that is not. */
class HealthIntegrationTest {
  @TempDir Path dataDir;

  @Test
  void saysUpWithItsRolesOnceTheNodeIsReady() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      var health = Http.get(node.httpPort(), "/health");
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.headers().firstValue("content-type"))
          .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
      assertThat(health.body())
          .contains("\"status\":\"UP\"", "\"member\":\"Up\"", "\"sharding\":true", "\"core\"");
    }
  }

  @Test
  void answers503WhileTheNodeHasNotJoinedItsCluster() throws Exception {
    // A gateway whose seed node never answers stays out of the cluster.
    var overrides =
        TestNodes.loopback(dataDir)
            .withValue(
                "pekko.cluster.seed-nodes",
                ConfigFactory.parseString("x = [\"pekko://easel@127.0.0.1:9\"]").getValue("x"))
            .withValue(
                "pekko.cluster.roles", ConfigFactory.parseString("x = [gateway]").getValue("x"));
    try (EaselNode node = EaselNode.start(overrides)) {
      assertThat(node.roles()).isEqualTo(List.of("gateway"));
      var health = Http.get(node.httpPort(), "/health");
      assertThat(health.statusCode()).isEqualTo(503);
      assertThat(health.body()).contains("\"status\":\"STARTING\"", "\"gateway\"");
    }
  }
}

package dev.easel.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.Map;

/** Starts real Easel nodes for tests: all roles, loopback, free ports, a data folder of its own. */
public final class TestNodes {
  private TestNodes() {}

  public static EaselNode start(Path dataDir) throws Exception {
    return start(dataDir, Map.of());
  }

  public static EaselNode start(Path dataDir, Map<String, Object> settings) throws Exception {
    EaselNode node =
        EaselNode.start(ConfigFactory.parseMap(settings).withFallback(loopback(dataDir)));
    Http.awaitHealthy(node.httpPort());
    return node;
  }

  /** Settings for a node of a test: loopback only, free ports, the given data folder. */
  public static Config loopback(Path dataDir) {
    return ConfigFactory.parseMap(
        Map.of(
            "easel.data-dir",
            dataDir.toString(),
            "easel.http.host",
            "127.0.0.1",
            "easel.http.port",
            0,
            "easel.flight.host",
            "127.0.0.1",
            "easel.flight.port",
            0,
            "pekko.remote.artery.canonical.port",
            0,
            // tests that want a new account's getting-started project turn it on
            "easel.projects.getting-started",
            false));
  }
}

package dev.easel.ot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compares {@link Json0} with the real ot-json0 1.1.0 run by Node ({@code src/test/js}) on
 * thousands of seeded random documents and concurrent ops: apply, transform both ways and sides,
 * compose, invert, normalize, and refusals. Replay a failure with {@code -Djson0.seed=<seed>};
 * {@code -Djson0.cases=<n>} changes the number of cases.
 */
class Json0CrossCheckTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void matchesOtJson0OnRandomCases() throws Exception {
    long seed = Long.getLong("json0.seed", new Random().nextLong());
    int count = Integer.getInteger("json0.cases", 3000);
    OpGenerator generator = new OpGenerator(new Random(seed));
    List<ObjectNode> cases = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      cases.add(randomCase(generator, i));
    }
    crossCheck(cases, "replay with -Djson0.seed=" + seed);
  }

  /**
   * Every pair of single list components on a four-element list, so that each tie-break of li, ld,
   * li+ld and lm against one another is compared on every run, whatever the seed.
   */
  @Test
  void matchesOtJson0OnEveryPairOfListComponents() throws Exception {
    JsonNode doc = JSON.readTree("{\"l\":[\"e0\",\"e1\",\"e2\",\"e3\"],\"n\":1}");
    List<JsonNode> components = new ArrayList<>();
    for (int i = 0; i <= 4; i++) {
      components.add(JSON.readTree("{\"p\":[\"l\"," + i + "],\"li\":\"n" + i + "\"}"));
    }
    for (int i = 0; i < 4; i++) {
      String at = "{\"p\":[\"l\"," + i;
      components.add(JSON.readTree(at + "],\"ld\":\"e" + i + "\"}"));
      components.add(JSON.readTree(at + "],\"ld\":\"e" + i + "\",\"li\":\"r" + i + "\"}"));
      components.add(JSON.readTree(at + ",1],\"si\":\"s\"}"));
      components.add(JSON.readTree(at + ",0],\"sd\":\"e\"}"));
      for (int j = 0; j < 4; j++) {
        components.add(JSON.readTree(at + "],\"lm\":" + j + "}"));
      }
    }
    OpGenerator generator = new OpGenerator(new Random(components.size()));
    List<ObjectNode> cases = new ArrayList<>();
    for (JsonNode a : components) {
      for (JsonNode b : components) {
        ObjectNode c = JSON.createObjectNode();
        c.set("doc", doc);
        c.set("a", JSON.createArrayNode().add(a));
        c.set("b", JSON.createArrayNode().add(b));
        c.set("b2", generator.op(Json0.apply(Json0.fromJson(doc), a)));
        cases.add(c);
      }
    }
    crossCheck(cases, "all pairs, no seed");
  }

  private void crossCheck(List<ObjectNode> cases, String replay) throws Exception {
    Path in = dir.resolve("cases.jsonl");
    Path out = dir.resolve("results.jsonl");
    StringBuilder lines = new StringBuilder();
    for (ObjectNode c : cases) {
      lines.append(JSON.writeValueAsString(c)).append('\n');
    }
    Files.writeString(in, lines, StandardCharsets.UTF_8);
    runOracle(in, out);
    List<String> expected = Files.readAllLines(out, StandardCharsets.UTF_8);
    assertThat(expected).as("oracle results (%s)", replay).hasSize(cases.size());

    int compared = 0;
    List<String> mismatches = new ArrayList<>();
    for (int i = 0; i < cases.size(); i++) {
      ObjectNode c = cases.get(i);
      JsonNode js = JSON.readTree(expected.get(i));
      for (Map.Entry<String, Outcome> result : javaResults(c).entrySet()) {
        JsonNode reference = js.get(result.getKey());
        compared++;
        String problem = compare(reference, result.getValue());
        if (problem != null) {
          mismatches.add(
              "case "
                  + i
                  + " "
                  + result.getKey()
                  + ": "
                  + problem
                  + "\n  case: "
                  + c
                  + "\n  ot-json0: "
                  + reference
                  + "\n  Json0:    "
                  + result.getValue());
        }
      }
    }
    if (!mismatches.isEmpty()) {
      fail(
          "%d of %d results differ from ot-json0 (%s); first:%n%s",
          mismatches.size(), compared, replay, mismatches.get(0));
    }
    assertThat(compared).isGreaterThanOrEqualTo(cases.size() * 9);
  }

  private static ObjectNode randomCase(OpGenerator generator, int index) {
    Object doc = generator.document();
    ArrayNode a = generator.op(doc);
    ArrayNode b = generator.op(doc);
    Object afterA = Json0.apply(Json0.deepCopy(doc), a);
    ArrayNode b2 = generator.op(afterA);
    ObjectNode c = JSON.createObjectNode();
    c.set("doc", Json0.toJson(doc));
    c.set("a", a);
    c.set("b", b);
    c.set("b2", b2);
    if (index % 10 == 0) {
      ArrayNode bad = generator.badOp(doc);
      if (bad != null) {
        c.set("bad", bad);
      }
    }
    return c;
  }

  /** What Json0 gives for each operation the oracle runs. */
  private static Map<String, Outcome> javaResults(ObjectNode c) {
    JsonNode doc = c.get("doc");
    JsonNode a = c.get("a");
    JsonNode b = c.get("b");
    Map<String, Outcome> results = new LinkedHashMap<>();
    results.put("applyA", applying(doc, a));
    results.put("applyB", applying(doc, b));
    results.put("transformLeft", Outcome.of(() -> Json0.transform(a, b, "left")));
    results.put("transformRight", Outcome.of(() -> Json0.transform(a, b, "right")));
    results.put("transformBLeft", Outcome.of(() -> Json0.transform(b, a, "left")));
    results.put("transformBRight", Outcome.of(() -> Json0.transform(b, a, "right")));
    results.put("compose", Outcome.of(() -> Json0.compose(a, c.get("b2"))));
    results.put("invert", Outcome.of(() -> Json0.invert(a)));
    results.put("normalize", Outcome.of(() -> Json0.normalize(a)));
    if (c.has("bad")) {
      results.put("applyBad", applying(doc, c.get("bad")));
    }
    return results;
  }

  /** Applies to a fresh document; a refused op must leave that document exactly as it was. */
  private static Outcome applying(JsonNode docJson, JsonNode op) {
    Object doc = Json0.fromJson(docJson);
    Outcome outcome = Outcome.of(() -> Json0.toJson(Json0.apply(doc, op)));
    if (outcome.error != null && !OpGenerator.jsonEquals(Json0.toJson(doc), docJson)) {
      return new Outcome(null, "refused op changed the document: " + Json0.toJson(doc));
    }
    return outcome;
  }

  private static String compare(JsonNode reference, Outcome java) {
    if (reference == null) {
      return "the oracle gave no result";
    }
    if (reference.has("error")) {
      return java.error != null ? null : "ot-json0 refused it, Json0 did not";
    }
    if (java.error != null) {
      return "Json0 refused it: " + java.error;
    }
    return OpGenerator.jsonEquals(reference.get("ok"), java.value) ? null : "results differ";
  }

  private static void runOracle(Path in, Path out) throws IOException, InterruptedException {
    Path script = Path.of("src/test/js/json0-oracle.js");
    if (!Files.exists(script)) {
      script = Path.of("actors/src/test/js/json0-oracle.js");
    }
    Path modules = script.resolveSibling("node_modules").resolve("ot-json0");
    if (!Files.isDirectory(modules)) {
      fail(
          "ot-json0 is not installed in %s: run `npm ci` there (the Maven build does)",
          script.getParent());
    }
    Path log = in.resolveSibling("oracle.log");
    Process node =
        new ProcessBuilder(
                System.getProperty("json0.node", "node"),
                script.toString(),
                in.toString(),
                out.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    if (!node.waitFor(120, TimeUnit.SECONDS)) {
      node.destroyForcibly();
      fail("node json0-oracle.js did not finish within 120 s");
    }
    if (node.exitValue() != 0) {
      fail("node json0-oracle.js failed (exit %d):%n%s", node.exitValue(), Files.readString(log));
    }
  }

  /** A result or the message of the refusal. */
  private record Outcome(JsonNode value, String error) {
    static Outcome of(Supplier<JsonNode> run) {
      try {
        return new Outcome(run.get(), null);
      } catch (Json0Exception e) {
        return new Outcome(null, e.getMessage());
      }
    }

    @Override
    public String toString() {
      return error != null ? "error: " + error : String.valueOf(value);
    }
  }
}

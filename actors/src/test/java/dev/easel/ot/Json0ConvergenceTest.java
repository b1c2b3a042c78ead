package dev.easel.ot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Property test in the manner of ot-fuzzer: on seeded random documents, two concurrent ops
 * transformed against each other reach the same document (TP1), an op followed by its inverse
 * restores the document, and a composed op does what its parts do in sequence. Replay a failure
 * with {@code -Djson0.seed=<seed>}; {@code -Djson0.iterations=<n>} changes the number of rounds.
 */
class Json0ConvergenceTest {

  @Test
  void concurrentOpsConvergeAndInvertAndComposeHold() {
    long seed = Long.getLong("json0.seed", new Random().nextLong());
    int iterations = Integer.getInteger("json0.iterations", 5000);
    OpGenerator generator = new OpGenerator(new Random(seed));
    for (int i = 0; i < iterations; i++) {
      Object doc = generator.document();
      ArrayNode a = generator.op(doc);
      ArrayNode b = generator.op(doc);
      int index = i;
      Supplier<String> round =
          () ->
              "seed %d (replay with -Djson0.seed=%d), round %d%n doc: %s%n a: %s%n b: %s"
                  .formatted(seed, seed, index, Json0.toJson(doc), a, b);
      try {
        checkRound(generator, doc, a, b, round);
      } catch (Json0Exception e) {
        throw new AssertionError(round.get(), e);
      }
    }
  }

  private static void checkRound(
      OpGenerator generator, Object doc, ArrayNode a, ArrayNode b, Supplier<String> round) {
    Object afterA = Json0.apply(Json0.deepCopy(doc), a);
    Object afterB = Json0.apply(Json0.deepCopy(doc), b);
    ArrayNode bAfterA = Json0.transform(b, a, "right");
    ArrayNode aAfterB = Json0.transform(a, b, "left");
    Object viaA = Json0.apply(Json0.deepCopy(afterA), bAfterA);
    Object viaB = Json0.apply(Json0.deepCopy(afterB), aAfterB);
    assertThat(Json0.toJson(viaA))
        .as(() -> "TP1, %s%n b': %s%n a': %s".formatted(round.get(), bAfterA, aAfterB))
        .isEqualTo(Json0.toJson(viaB));

    Object undone = Json0.apply(Json0.deepCopy(afterA), Json0.invert(a));
    assertThat(undone)
        .as(() -> "apply(apply(doc, a), invert(a)) == doc, " + round.get())
        .isEqualTo(doc);

    Json0.Applied applied = Json0.applyWithUndo(Json0.deepCopy(doc), a);
    assertThat(Json0.apply(applied.root(), applied.undo()))
        .as(
            () ->
                "applyWithUndo's undo restores doc, %s%n undo: %s"
                    .formatted(round.get(), applied.undo()))
        .isEqualTo(doc);

    ArrayNode next = generator.op(afterA);
    Object stepwise = Json0.apply(Json0.deepCopy(afterA), next);
    Object composed = Json0.apply(Json0.deepCopy(doc), Json0.compose(a, next));
    assertThat(composed)
        .as(
            () ->
                "apply(doc, compose(a, b)) == apply(apply(doc, a), b), %s%n next: %s"
                    .formatted(round.get(), next))
        .isEqualTo(stepwise);
  }
}

package dev.easel.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RecoveryCodesTest {

  @Test
  void generatesTenDistinctCodesInTheDocumentedShape() {
    RecoveryCodes.Issued issued = RecoveryCodes.generate();

    assertThat(issued.codes())
        .hasSize(10)
        .allMatch(code -> code.matches("[a-z2-7]{4}-[a-z2-7]{4}"));
    assertThat(new HashSet<>(issued.codes())).hasSize(10);
    assertThat(issued.stored().remaining()).isEqualTo(10);
  }

  @Test
  void onlyDigestsAreStored() {
    RecoveryCodes.Issued issued = RecoveryCodes.generate();
    List<String> digests = issued.stored().digests();

    assertThat(digests).hasSize(10).allMatch(d -> d.matches("[0-9a-f]{64}"));
    for (String code : issued.codes()) {
      String compact = code.replace("-", "");
      assertThat(digests).noneMatch(d -> d.contains(compact) || d.contains(code));
    }
    assertThat(issued.toString()).doesNotContain(issued.codes().get(0));
    assertThat(issued.stored().toString()).doesNotContain(digests.get(0));
  }

  @Test
  void eachCodeWorksExactlyOnce() {
    RecoveryCodes.Issued issued = RecoveryCodes.generate();
    String code = issued.codes().get(3);

    Optional<RecoveryCodes> afterUse = issued.stored().consume(code);
    assertThat(afterUse).isPresent();
    assertThat(afterUse.get().remaining()).isEqualTo(9);
    assertThat(afterUse.get().consume(code)).as("second use").isEmpty();

    // Stored and reloaded, the used code stays used and the others still work.
    RecoveryCodes reloaded = RecoveryCodes.fromDigests(afterUse.get().digests());
    assertThat(reloaded.consume(code)).isEmpty();
    assertThat(reloaded.consume(issued.codes().get(4))).isPresent();
  }

  @Test
  void allCodesCanBeUsedOnceEachUntilNoneRemain() {
    RecoveryCodes.Issued issued = RecoveryCodes.generate();
    RecoveryCodes left = issued.stored();
    for (String code : issued.codes()) {
      left = left.consume(code).orElseThrow();
    }
    assertThat(left.remaining()).isZero();
    assertThat(left.consume(issued.codes().get(0))).isEmpty();
  }

  @Test
  void typingIsForgivingAboutCaseSpacesAndTheDash() {
    RecoveryCodes.Issued issued = RecoveryCodes.generate();
    String code = issued.codes().get(0);
    String typed = " " + code.replace("-", " ").toUpperCase(Locale.ROOT) + " ";

    assertThat(issued.stored().consume(typed)).isPresent();
    assertThat(issued.stored().consume(code.replace("-", ""))).isPresent();
  }

  @Test
  void wrongOrMalformedCodesMatchNothing() {
    RecoveryCodes.Issued issued = RecoveryCodes.generate();
    RecoveryCodes stored = issued.stored();
    String other = RecoveryCodes.generate().codes().get(0);

    if (!issued.codes().contains(other)) {
      assertThat(stored.consume(other)).isEmpty();
    }
    assertThat(stored.consume(null)).isEmpty();
    assertThat(stored.consume("")).isEmpty();
    assertThat(stored.consume("abcd-efg1")).isEmpty();
    assertThat(stored.consume(issued.codes().get(0) + "a")).isEmpty();
    assertThat(stored.consume(stored.digests().get(0))).as("the digest is not a code").isEmpty();
  }
}

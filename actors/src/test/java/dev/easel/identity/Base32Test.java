package dev.easel.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Base32Test {

  /** RFC 4648 section 10, without the padding Easel leaves off. */
  @ParameterizedTest
  @CsvSource({
    "'', ''",
    "f, MY",
    "fo, MZXQ",
    "foo, MZXW6",
    "foob, MZXW6YQ",
    "fooba, MZXW6YTB",
    "foobar, MZXW6YTBOI"
  })
  void matchesRfc4648Vectors(String plain, String encoded) {
    assertThat(Base32.encode(plain.getBytes(StandardCharsets.US_ASCII))).isEqualTo(encoded);
    assertThat(new String(Base32.decode(encoded), StandardCharsets.US_ASCII)).isEqualTo(plain);
  }

  @Test
  void decodingIgnoresCasePaddingAndSpaces() {
    assertThat(new String(Base32.decode("mzxw 6ytb oi======"), StandardCharsets.US_ASCII))
        .isEqualTo("foobar");
  }

  @Test
  void refusesTextOutsideTheAlphabetWithoutEchoingIt() {
    assertThatThrownBy(() -> Base32.decode("MZXW6YT1"))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("MZXW6YT1"));
    assertThatThrownBy(() -> Base32.decode("MZX")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void randomBytesRoundTrip() {
    long seed = Long.getLong("easel.test.seed", System.nanoTime());
    System.out.println(
        "Base32Test seed: " + seed + " (replay with -Deasel.test.seed=" + seed + ")");
    Random random = new Random(seed);
    for (int i = 0; i < 500; i++) {
      byte[] data = new byte[random.nextInt(64)];
      random.nextBytes(data);
      assertThat(Base32.decode(Base32.encode(data))).as("seed %d", seed).isEqualTo(data);
    }
  }
}

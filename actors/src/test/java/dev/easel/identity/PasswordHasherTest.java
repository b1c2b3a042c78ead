package dev.easel.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.password4j.Argon2Function;
import com.password4j.types.Argon2;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PasswordHasherTest {
  private static final String PASSWORD = "correct horse battery staple";
  private final PasswordHasher hasher = new PasswordHasher();

  @Test
  void hashIsAStandardArgon2idPhcStringWithOwaspMinimumSettings() {
    String phc = hasher.hash(PASSWORD.toCharArray());

    assertThat(phc).startsWith("$argon2id$v=19$m=19456,t=2,p=1$");
    String[] parts = phc.split("\\$");
    assertThat(parts).hasSize(6);
    assertThat(Base64.getDecoder().decode(parts[4])).hasSize(16);
    assertThat(Base64.getDecoder().decode(parts[5])).hasSize(32);
    assertThat(hasher.needsRehash(phc)).isFalse();
  }

  @Test
  void roundTripAcceptsTheRightPasswordAndRefusesOthers() {
    String phc = hasher.hash(PASSWORD.toCharArray());

    assertThat(hasher.verify(PASSWORD.toCharArray(), phc)).isTrue();
    assertThat(hasher.verify("correct horse battery stapler".toCharArray(), phc)).isFalse();
    assertThat(hasher.verify("Correct horse battery staple".toCharArray(), phc)).isFalse();
    assertThat(hasher.verify(new char[0], phc)).isFalse();
  }

  @Test
  void nonAsciiPasswordsRoundTrip() {
    char[] password = "pässwörd-日本語-🔑".toCharArray();
    String phc = hasher.hash(password);
    assertThat(hasher.verify("pässwörd-日本語-🔑".toCharArray(), phc)).isTrue();
    assertThat(hasher.verify("passwörd-日本語-🔑".toCharArray(), phc)).isFalse();
  }

  @Test
  void samePasswordGetsADifferentSaltEachTime() {
    String first = hasher.hash(PASSWORD.toCharArray());
    String second = hasher.hash(PASSWORD.toCharArray());
    assertThat(first).isNotEqualTo(second);
    assertThat(hasher.verify(PASSWORD.toCharArray(), first)).isTrue();
    assertThat(hasher.verify(PASSWORD.toCharArray(), second)).isTrue();
  }

  @Test
  void hashDoesNotContainThePasswordInAnyObviousEncoding() {
    String password = "Tr0ub4dor&3-horse";
    String phc = hasher.hash(password.toCharArray());

    assertThat(phc).doesNotContain(password);
    assertThat(phc)
        .doesNotContain(Base64.getEncoder().withoutPadding().encodeToString(password.getBytes()));
    assertThat(hasher.toString()).doesNotContain(password);
  }

  @Test
  void callersPasswordArrayIsLeftIntact() {
    char[] password = PASSWORD.toCharArray();
    hasher.hash(password);
    assertThat(new String(password)).isEqualTo(PASSWORD);
  }

  /** The reference implementation's own test vector (phc-winner-argon2, "password"/"somesalt"). */
  @Test
  void verifiesAHashMadeByTheReferenceImplementation() {
    String reference =
        "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";

    assertThat(hasher.verify("password".toCharArray(), reference)).isTrue();
    assertThat(hasher.verify("Password".toCharArray(), reference)).isFalse();
    assertThat(hasher.needsRehash(reference)).as("stronger memory, short salt").isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "not a hash",
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ",
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$!!!notbase64!!!notbase64!!!",
        "$argon2id$v=19$m=19456,t=2,p=1$$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$argon2id$v=18$m=19456,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$argon2id$v=19$m=99999999,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$argon2id$v=19$m=19456,t=999,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$argon2id$v=19$m=19456,t=0,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$argon2id$v=19$m=19456,t=2,p=0$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc\n"
      })
  void malformedOrUnsupportedHashIsFalseNotAnException(String phc) {
    assertThat(hasher.verify(PASSWORD.toCharArray(), phc)).isFalse();
    assertThat(hasher.needsRehash(phc)).isTrue();
  }

  @Test
  void unknownAccountIsRefusedAfterTheSameWorkAsAKnownOne() {
    // A null hash stands for "no such account": the answer is false, and the work done is a real
    // Argon2id verification (not asserted by timing, which would be flaky).
    assertThat(hasher.verify(PASSWORD.toCharArray(), null)).isFalse();
    assertThat(hasher.verify(PASSWORD.toCharArray(), null)).isFalse();
  }

  @Test
  void weakerParametersNeedARehashButStrongerOnesDoNot() {
    byte[] salt = "0123456789abcdef".getBytes();
    String lessMemory =
        Argon2Function.getInstance(12_288, 3, 1, 32, Argon2.ID, 19)
            .hash(PASSWORD.getBytes(), salt)
            .getResult();
    String fewerPasses =
        Argon2Function.getInstance(19_456, 1, 1, 32, Argon2.ID, 19)
            .hash(PASSWORD.getBytes(), salt)
            .getResult();
    String shorterHash =
        Argon2Function.getInstance(19_456, 2, 1, 16, Argon2.ID, 19)
            .hash(PASSWORD.getBytes(), salt)
            .getResult();
    String stronger =
        Argon2Function.getInstance(32_768, 3, 1, 32, Argon2.ID, 19)
            .hash(PASSWORD.getBytes(), salt)
            .getResult();

    assertThat(hasher.needsRehash(lessMemory)).isTrue();
    assertThat(hasher.needsRehash(fewerPasses)).isTrue();
    assertThat(hasher.needsRehash(shorterHash)).isTrue();
    assertThat(hasher.needsRehash(stronger)).isFalse();
    // Weaker hashes still verify, so the user can sign in and be rehashed.
    assertThat(hasher.verify(PASSWORD.toCharArray(), lessMemory)).isTrue();
    assertThat(hasher.verify(PASSWORD.toCharArray(), fewerPasses)).isTrue();
    assertThat(hasher.verify(PASSWORD.toCharArray(), shorterHash)).isTrue();

    PasswordHasher strongerHasher = new PasswordHasher(32_768, 3, 1);
    String current = hasher.hash(PASSWORD.toCharArray());
    assertThat(strongerHasher.needsRehash(current)).isTrue();
    assertThat(strongerHasher.verify(PASSWORD.toCharArray(), current)).isTrue();
    assertThat(strongerHasher.hash(PASSWORD.toCharArray()))
        .startsWith("$argon2id$v=19$m=32768,t=3,p=1$");
  }

  @Test
  void settingsBelowOwaspMinimumAreRefused() {
    assertThatThrownBy(() -> new PasswordHasher(12_288, 2, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PasswordHasher(19_456, 1, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PasswordHasher(19_456, 2, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void policyAcceptsAReasonablePassword() {
    assertThat(PasswordHasher.problemWith("purple-otter-42", "ada@example.com")).isNull();
    assertThat(PasswordHasher.problemWith("a".repeat(9) + "b", "ada@example.com")).isNull();
    assertThat(PasswordHasher.problemWith("ab".repeat(128), "ada@example.com")).isNull();
  }

  @Test
  void policyExplainsEachProblemWithoutRepeatingThePassword() {
    assertProblem(null, "Choose a password.");
    assertProblem("", "Choose a password.");
    assertProblem("short1234", "Use at least 10 characters.");
    assertProblem("ab".repeat(128) + "c", "Use at most 256 characters.");
    assertProblem("aaaaaaaaaaaa", "Use more than one distinct character.");
    assertProblem("Ada.Lovelace@Example.com", "Do not use your email address as your password.");
  }

  @Test
  void policyCountsCharactersNotUtf16Units() {
    // Five emoji are ten UTF-16 units but only five characters.
    assertThat(PasswordHasher.problemWith("🔑🔒🔓🗝🔐", "x@example.com"))
        .isEqualTo("Use at least 10 characters.");
  }

  private static void assertProblem(String password, String expected) {
    String problem = PasswordHasher.problemWith(password, "ada.lovelace@example.com");
    assertThat(problem).isEqualTo(expected);
    if (password != null && !password.isEmpty()) {
      assertThat(problem).doesNotContain(password);
    }
  }
}

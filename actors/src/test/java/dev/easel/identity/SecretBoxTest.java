package dev.easel.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretBoxTest {
  private static final String SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
  private static final String CONTEXT = "totp:u_1";

  @TempDir Path temp;

  @Test
  void sealsAndUnsealsWithoutShowingThePlaintext() {
    SecretBox box = SecretBox.withRandomKey();

    String sealed = box.seal(SECRET, CONTEXT);

    assertThat(sealed).startsWith("sb1." + box.keyId() + ".").doesNotContain(SECRET);
    assertThat(box.unseal(sealed, CONTEXT)).isEqualTo(SECRET);
    assertThat(box.toString()).doesNotContain(SECRET).contains(box.keyId());
  }

  @Test
  void everySealUsesAFreshNonce() {
    SecretBox box = SecretBox.withRandomKey();
    Set<String> sealed = new HashSet<>();
    for (int i = 0; i < 50; i++) sealed.add(box.seal(SECRET, CONTEXT));
    assertThat(sealed).hasSize(50);
  }

  @Test
  void anyAlteredCharacterIsRefused() {
    SecretBox box = SecretBox.withRandomKey();
    String sealed = box.seal(SECRET, CONTEXT);
    String payload = sealed.substring(sealed.lastIndexOf('.') + 1);
    byte[] bytes = Base64.getUrlDecoder().decode(payload);
    for (int i = 0; i < bytes.length; i++) {
      byte[] altered = bytes.clone();
      altered[i] ^= 0x01;
      String tampered =
          sealed.substring(0, sealed.lastIndexOf('.') + 1)
              + Base64.getUrlEncoder().withoutPadding().encodeToString(altered);
      assertThatThrownBy(() -> box.unseal(tampered, CONTEXT))
          .as("byte %d altered", i)
          .isInstanceOf(SecretBox.UnreadableSecretException.class)
          .hasMessageContaining("altered");
    }
    String truncated = sealed.substring(0, sealed.length() - 4);
    assertThatThrownBy(() -> box.unseal(truncated, CONTEXT))
        .isInstanceOf(SecretBox.UnreadableSecretException.class);
  }

  @Test
  void aSecretSealedForAnotherAccountDoesNotOpen() {
    SecretBox box = SecretBox.withRandomKey();
    String sealed = box.seal(SECRET, "totp:u_1");

    assertThatThrownBy(() -> box.unseal(sealed, "totp:u_2"))
        .isInstanceOf(SecretBox.UnreadableSecretException.class)
        .hasMessageContaining("another context");
  }

  @Test
  void theWrongKeyIsRefusedByName() {
    SecretBox sealer = SecretBox.withRandomKey();
    SecretBox other = SecretBox.withRandomKey();
    String sealed = sealer.seal(SECRET, CONTEXT);

    assertThatThrownBy(() -> other.unseal(sealed, CONTEXT))
        .isInstanceOf(SecretBox.UnreadableSecretException.class)
        .hasMessageContaining(sealer.keyId())
        .hasMessageContaining(other.keyId())
        .hasMessageNotContaining(SECRET);
    // Relabelled with the other key's id, the ciphertext still does not open.
    String relabelled = sealed.replace("." + sealer.keyId() + ".", "." + other.keyId() + ".");
    assertThatThrownBy(() -> other.unseal(relabelled, CONTEXT))
        .isInstanceOf(SecretBox.UnreadableSecretException.class)
        .hasMessageContaining("altered");
  }

  @Test
  void malformedSealedTextIsRefusedWithAReason() {
    SecretBox box = SecretBox.withRandomKey();
    assertThatThrownBy(() -> box.unseal(null, CONTEXT))
        .isInstanceOf(SecretBox.UnreadableSecretException.class);
    assertThatThrownBy(() -> box.unseal(SECRET, CONTEXT))
        .isInstanceOf(SecretBox.UnreadableSecretException.class)
        .hasMessage("not a sealed secret");
    assertThatThrownBy(() -> box.unseal("sb9." + box.keyId() + ".AAAA", CONTEXT))
        .hasMessageContaining("unknown sealed secret format");
    assertThatThrownBy(() -> box.unseal("sb1." + box.keyId() + ".!!!", CONTEXT))
        .hasMessageContaining("not base64url");
    assertThatThrownBy(() -> box.unseal("sb1." + box.keyId() + ".AAAA", CONTEXT))
        .hasMessageContaining("too short");
  }

  @Test
  void theKeyFileIsCreatedOwnerOnlyAndReadBack() throws Exception {
    Path keys = temp.resolve("keys");

    SecretBox first = SecretBox.open(keys, "");
    String sealed = first.seal(SECRET, CONTEXT);
    SecretBox again = SecretBox.open(keys, null);

    Path file = keys.resolve(SecretBox.FILE_NAME);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys)))
        .isEqualTo("rwx------");
    assertThat(again.keyId()).isEqualTo(first.keyId());
    assertThat(again.unseal(sealed, CONTEXT)).isEqualTo(SECRET);
    try (var listing = Files.list(keys)) {
      assertThat(listing).containsExactly(file);
    }
  }

  @Test
  void aConfiguredKeyWinsOverTheFile() throws Exception {
    byte[] key = new byte[SecretBox.KEY_BYTES];
    for (int i = 0; i < key.length; i++) key[i] = (byte) i;
    String configured = Base64.getEncoder().encodeToString(key);

    SecretBox fromConfig = SecretBox.open(temp.resolve("keys"), configured);
    SecretBox urlSafe =
        SecretBox.open(temp.resolve("keys"), Base64.getUrlEncoder().encodeToString(key));

    assertThat(fromConfig.keyId()).isEqualTo(SecretBox.withKey(key).keyId());
    assertThat(urlSafe.keyId()).isEqualTo(fromConfig.keyId());
    assertThat(temp.resolve("keys")).doesNotExist();
    assertThat(SecretBox.withKey(key).unseal(fromConfig.seal(SECRET, CONTEXT), CONTEXT))
        .isEqualTo(SECRET);
  }

  @Test
  void aConfiguredKeyOfTheWrongSizeIsRefusedWithoutRepeatingIt() {
    String tooShort = Base64.getEncoder().encodeToString(new byte[16]);
    assertThatThrownBy(() -> SecretBox.open(temp, tooShort))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("EASEL_SECRETS_KEY")
        .hasMessageContaining("16 bytes")
        .hasMessageNotContaining(tooShort);
    assertThatThrownBy(() -> SecretBox.open(temp, "not base64 at all?"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not base64")
        .hasMessageNotContaining("at all");
  }

  @Test
  void aDamagedKeyFileIsNeverReplaced() throws Exception {
    Path file = temp.resolve(SecretBox.FILE_NAME);
    Files.writeString(file, "garbage\n");

    assertThatThrownBy(() -> SecretBox.open(temp, ""))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("not a valid Easel key");
    assertThat(Files.readString(file)).isEqualTo("garbage\n");
  }
}

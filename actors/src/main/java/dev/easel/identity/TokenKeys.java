package dev.easel.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The ring of EC P-256 keys that sign and verify Easel's access tokens (ES256).
 *
 * <p>One key is active and signs new tokens. {@link #rotate()} replaces it with a fresh key; the
 * old one keeps verifying until its retirement time, which is {@link #retainPreviousFor()} after
 * the rotation and must be at least the longest token lifetime plus clock skew, so no token
 * outlives the key that checks it. Retired keys are dropped.
 *
 * <p>The ring lives in one JWK set file, {@value #FILE_NAME}, in the directory given to {@link
 * #open}: created with a new key on first use, read back on later starts. Each key carries its
 * creation time ({@code iat}); keys still verifying but no longer signing carry their retirement
 * time as the JWK {@code exp}. The file holds private keys, so it is readable by its owner only
 * (mode 600 where the file system has POSIX permissions) and is replaced atomically (write a
 * temporary file, sync, rename), so a crash never leaves a half-written ring. One process should
 * rotate; others sharing the directory pick up changes with {@link #reload()}.
 *
 * <p>Thread-safe. {@link #publicJwks()} is what {@code GET /.well-known/jwks.json} serves.
 */
public final class TokenKeys {
  /** The name of the key ring file inside the directory. */
  public static final String FILE_NAME = "token-keys.jwks.json";

  /** How long a replaced key keeps verifying by default: the default token lifetime plus skew. */
  public static final Duration DEFAULT_RETAIN_PREVIOUS_FOR =
      AccessTokens.DEFAULT_LIFETIME.plus(AccessTokens.CLOCK_SKEW);

  private static final Set<PosixFilePermission> OWNER_ONLY_FILE =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY =
      PosixFilePermissions.fromString("rwx------");

  /** The keys at one moment: the signing key and older keys with their retirement times. */
  private record Ring(ECKey active, List<ECKey> previous) {
    List<ECKey> all() {
      List<ECKey> keys = new ArrayList<>(previous.size() + 1);
      keys.add(active);
      keys.addAll(previous);
      return keys;
    }

    Ring withoutRetired(Instant now) {
      List<ECKey> kept = previous.stream().filter(k -> isUsable(k, now)).toList();
      return kept.size() == previous.size() ? this : new Ring(active, kept);
    }
  }

  private final Path directory;
  private final Path file;
  private final Duration retainPreviousFor;
  private final Clock clock;
  private volatile Ring ring;

  private TokenKeys(Path directory, Duration retainPreviousFor, Clock clock, Ring ring) {
    this.directory = directory;
    this.file = directory.resolve(FILE_NAME);
    this.retainPreviousFor = retainPreviousFor;
    this.clock = clock;
    this.ring = ring;
  }

  /** Opens the key ring with {@link #DEFAULT_RETAIN_PREVIOUS_FOR}. */
  public static TokenKeys open(Path directory, Clock clock) throws IOException {
    return open(directory, DEFAULT_RETAIN_PREVIOUS_FOR, clock);
  }

  /**
   * Opens the key ring in a directory, creating the directory (mode 700) and a ring with one new
   * key if there is none yet.
   *
   * @param retainPreviousFor how long a replaced key keeps verifying; at least the longest access
   *     token lifetime plus clock skew
   * @throws IOException if the directory cannot be used or the file is not a valid key ring (it is
   *     never silently replaced, which would invalidate every token in circulation)
   */
  public static TokenKeys open(Path directory, Duration retainPreviousFor, Clock clock)
      throws IOException {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(clock, "clock");
    if (retainPreviousFor.isNegative() || retainPreviousFor.isZero()) {
      throw new IllegalArgumentException("retainPreviousFor must be positive");
    }
    createPrivateDirectory(directory);
    TokenKeys keys = new TokenKeys(directory, retainPreviousFor, clock, null);
    keys.loadOrCreate();
    return keys;
  }

  /**
   * Makes a new active key and keeps the previous one verifying until {@code now +
   * retainPreviousFor}; keys already past their retirement are dropped. The new ring is written
   * before it is used.
   */
  public synchronized void rotate() throws IOException {
    Instant now = clock.instant();
    Ring current = ring.withoutRetired(now);
    ECKey retiring =
        new ECKey.Builder(current.active())
            .expirationTime(Date.from(ceilToSecond(now.plus(retainPreviousFor))))
            .build();
    List<ECKey> previous = new ArrayList<>();
    previous.add(retiring);
    previous.addAll(current.previous());
    Ring next = new Ring(newKey(now), List.copyOf(previous));
    write(next);
    ring = next;
  }

  /**
   * Rotates if the active key was created at least {@code maxAge} ago, for a periodic job.
   *
   * @return whether a rotation happened
   */
  public synchronized boolean rotateIfOlderThan(Duration maxAge) throws IOException {
    Date created = ring.active().getIssueTime();
    if (created != null && created.toInstant().plus(maxAge).isAfter(clock.instant())) {
      return false;
    }
    rotate();
    return true;
  }

  /** Reads the ring file again, for processes that share the directory with the one rotating. */
  public synchronized void reload() throws IOException {
    ring = read().withoutRetired(clock.instant());
  }

  /** The key id ({@code kid}) of the key that signs new tokens. */
  public String activeKeyId() {
    return ring.active().getKeyID();
  }

  /** How long a replaced key keeps verifying. */
  public Duration retainPreviousFor() {
    return retainPreviousFor;
  }

  /**
   * The public halves of exactly the keys that still verify tokens, as a JWK set JSON document
   * ({@code {"keys":[...]}}), active key first. Contains no private key material.
   */
  public String publicJwks() {
    Instant now = clock.instant();
    List<JWK> published = new ArrayList<>();
    for (ECKey key : ring.all()) {
      if (isUsable(key, now)) {
        published.add(key.toPublicJWK());
      }
    }
    return new JWKSet(published).toString(true);
  }

  @Override
  public String toString() {
    Ring current = ring;
    return "TokenKeys[active="
        + current.active().getKeyID()
        + ", previous="
        + current.previous().stream().map(ECKey::getKeyID).toList()
        + ", file="
        + file
        + "]";
  }

  /** The key that signs new tokens, private half included. */
  ECKey signingKey() {
    return ring.active();
  }

  /** The key with this id if it may verify a token now; empty if unknown or retired. */
  Optional<ECKey> verificationKey(String keyId) {
    Instant now = clock.instant();
    for (ECKey key : ring.all()) {
      if (key.getKeyID().equals(keyId) && isUsable(key, now)) {
        return Optional.of(key);
      }
    }
    return Optional.empty();
  }

  private static boolean isUsable(ECKey key, Instant now) {
    Date retires = key.getExpirationTime();
    return retires == null || now.isBefore(retires.toInstant());
  }

  private synchronized void loadOrCreate() throws IOException {
    Instant now = clock.instant();
    if (Files.exists(file)) {
      ring = read().withoutRetired(now);
    } else {
      Ring fresh = new Ring(newKey(now), List.of());
      write(fresh);
      ring = fresh;
    }
  }

  private Ring read() throws IOException {
    String json = Files.readString(file, StandardCharsets.UTF_8);
    JWKSet set;
    try {
      set = JWKSet.parse(json);
    } catch (ParseException e) {
      throw invalid("not a JWK set");
    }
    ECKey active = null;
    List<ECKey> previous = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (JWK jwk : set.getKeys()) {
      if (!(jwk instanceof ECKey key)
          || !Curve.P_256.equals(key.getCurve())
          || !key.isPrivate()
          || key.getKeyID() == null) {
        throw invalid("every key must be a private EC P-256 key with a kid");
      }
      if (!ids.add(key.getKeyID())) {
        throw invalid("two keys share a kid");
      }
      if (key.getExpirationTime() == null) {
        if (active != null) {
          throw invalid("more than one key without a retirement time (exp)");
        }
        active = key;
      } else {
        previous.add(key);
      }
    }
    if (active == null) {
      throw invalid("no active key (one key must have no exp)");
    }
    return new Ring(active, List.copyOf(previous));
  }

  private IOException invalid(String why) {
    return new IOException("token key file " + file + " is not a valid Easel key ring: " + why);
  }

  private void write(Ring next) throws IOException {
    byte[] json =
        new JWKSet(new ArrayList<JWK>(next.all())).toString(false).getBytes(StandardCharsets.UTF_8);
    Path temporary =
        posix()
            ? Files.createTempFile(
                directory,
                ".token-keys",
                ".tmp",
                PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE))
            : Files.createTempFile(directory, ".token-keys", ".tmp");
    try {
      try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(json);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      try {
        Files.move(
            temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temporary);
    }
    syncDirectory();
  }

  /** Makes the rename durable; not every platform can open a directory, which is harmless. */
  private void syncDirectory() {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // The rename itself succeeded; only its durability across a power cut is less certain.
    }
  }

  private boolean posix() {
    return directory.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  /** Creates {@code directory} readable by its owner only (mode 700), unless it exists. */
  static void createPrivateDirectory(Path directory) throws IOException {
    if (Files.isDirectory(directory)) {
      return;
    }
    boolean posix = directory.getFileSystem().supportedFileAttributeViews().contains("posix");
    Path parent = directory.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try {
      if (posix) {
        FileAttribute<Set<PosixFilePermission>> ownerOnly =
            PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY);
        Files.createDirectory(directory, ownerOnly);
      } else {
        Files.createDirectory(directory);
      }
    } catch (FileAlreadyExistsException e) {
      if (!Files.isDirectory(directory)) {
        throw e;
      }
    }
  }

  private static ECKey newKey(Instant now) {
    try {
      return new ECKeyGenerator(Curve.P_256)
          .keyUse(KeyUse.SIGNATURE)
          .algorithm(JWSAlgorithm.ES256)
          .keyIDFromThumbprint(true)
          .issueTime(Date.from(Instant.ofEpochSecond(now.getEpochSecond())))
          .generate();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot generate an EC P-256 key", e);
    }
  }

  /** JWK times are whole seconds; rounding up never retires a key early. */
  private static Instant ceilToSecond(Instant time) {
    Instant whole = Instant.ofEpochSecond(time.getEpochSecond());
    return whole.equals(time) ? whole : whole.plusSeconds(1);
  }
}

package dev.easel.project;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Signs and checks the tokens of invitation links: JWTs signed with HMAC-SHA256 (HS256) by a key of
 * their own, with header {@code typ: invite+jwt} and audience {@code easel-invitation}, naming the
 * project, the invitation and the invited email address, and expiring.
 *
 * <p>They are kept apart from access tokens on purpose: access tokens are ES256 and {@code at+jwt}
 * for the {@code easel-api} audience, so neither kind of token is accepted as the other. The key is
 * separate too because invitations live for days while access-token keys rotate and retire within
 * minutes of a rotation.
 *
 * <p>The key is 32 random bytes in {@value #FILE_NAME} in the key directory (created on first use,
 * readable by its owner only); nodes that share the directory share the key. Deleting the file
 * invalidates every open invitation link. A token is only half the check: the project keeps the
 * token's SHA-256 ({@link #hash}) and accepts it once, unless revoked.
 */
public final class InvitationTokens {
  /** The key file inside the key directory. */
  public static final String FILE_NAME = "invitation-key";

  /** The {@code typ} header of an invitation token. */
  public static final String TOKEN_TYPE = "invite+jwt";

  /** The {@code aud} of an invitation token. */
  public static final String AUDIENCE = "easel-invitation";

  /** Longer tokens are refused before any parsing (4 KiB). */
  public static final int MAX_TOKEN_CHARS = 4 * 1024;

  private static final Pattern COMPACT_JWS =
      Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
  private static final SecureRandom RANDOM = new SecureRandom();

  /** What a valid token says. */
  public record Invitation(
      String projectId, String invitationId, String email, Instant expiresAt) {}

  /** A token was refused; the message says why and never contains the token. */
  public static final class InvalidInvitation extends Exception {
    private static final long serialVersionUID = 1L;
    private final boolean expired;

    InvalidInvitation(String message, boolean expired) {
      super(message, null, false, false);
      this.expired = expired;
    }

    /** Whether the token is genuine but past its expiry. */
    public boolean expired() {
      return expired;
    }
  }

  private final byte[] key;
  private final String issuer;
  private final Clock clock;

  /** Tokens signed with {@code key} (at least 32 bytes), issued by {@code issuer}. */
  public InvitationTokens(byte[] key, String issuer, Clock clock) {
    if (key == null || key.length < 32) {
      throw new IllegalArgumentException("an invitation key needs at least 32 bytes");
    }
    this.key = key.clone();
    this.issuer = Objects.requireNonNull(issuer, "issuer");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Tokens signed with the key in {@code directory}, made there if it has none yet. */
  public static InvitationTokens open(Path directory, String issuer, Clock clock)
      throws IOException {
    return new InvitationTokens(loadOrCreateKey(directory), issuer, clock);
  }

  /** A signed token for an invitation. */
  public String issue(Invitation invitation) {
    Instant now = clock.instant();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(issuer)
            .audience(AUDIENCE)
            .issueTime(Date.from(now))
            .expirationTime(Date.from(invitation.expiresAt()))
            .claim("project", invitation.projectId())
            .claim("invitation", invitation.invitationId())
            .claim("email", invitation.email())
            .build();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.HS256).type(new JOSEObjectType(TOKEN_TYPE)).build(),
            claims);
    try {
      jwt.sign(new MACSigner(key));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign an invitation", e);
    }
    return jwt.serialize();
  }

  /**
   * What a genuine, unexpired token says.
   *
   * @throws InvalidInvitation if it is malformed, not an invitation, forged, altered or expired
   */
  public Invitation verify(String token) throws InvalidInvitation {
    if (token == null || token.isBlank()) throw invalid("an invitation token is required");
    if (token.length() > MAX_TOKEN_CHARS || !COMPACT_JWS.matcher(token).matches()) {
      throw invalid("this invitation link is not valid");
    }
    SignedJWT jwt;
    JWTClaimsSet claims;
    try {
      jwt = SignedJWT.parse(token);
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw invalid("this invitation link is not valid");
    }
    JWSHeader header = jwt.getHeader();
    if (!JWSAlgorithm.HS256.equals(header.getAlgorithm())
        || header.getType() == null
        || !TOKEN_TYPE.equals(header.getType().getType().toLowerCase(Locale.ROOT))
        || header.getCriticalParams() != null) {
      throw invalid("this is not an invitation link");
    }
    boolean genuine;
    try {
      genuine = jwt.verify(new MACVerifier(key));
    } catch (JOSEException e) {
      genuine = false;
    }
    if (!genuine) throw invalid("this invitation link is not valid (it was altered)");
    List<String> audience = claims.getAudience();
    if (!issuer.equals(claims.getIssuer()) || audience == null || !audience.contains(AUDIENCE)) {
      throw invalid("this is not an invitation link of this server");
    }
    String projectId = text(claims, "project");
    String invitationId = text(claims, "invitation");
    String email = text(claims, "email");
    Date expires = claims.getExpirationTime();
    if (projectId == null || invitationId == null || email == null || expires == null) {
      throw invalid("this invitation link is not valid");
    }
    if (!clock.instant().isBefore(expires.toInstant())) {
      throw new InvalidInvitation("this invitation expired; ask for a new one", true);
    }
    return new Invitation(projectId, invitationId, email, expires.toInstant());
  }

  /** The SHA-256 of a token, as the project keeps it (base64url). */
  public static String hash(String token) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  private static String text(JWTClaimsSet claims, String name) {
    return claims.getClaim(name) instanceof String value && !value.isEmpty() ? value : null;
  }

  private static InvalidInvitation invalid(String message) {
    return new InvalidInvitation(message, false);
  }

  private static byte[] loadOrCreateKey(Path directory) throws IOException {
    Path file = directory.resolve(FILE_NAME);
    if (!Files.exists(file)) {
      boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
      if (!Files.isDirectory(directory)) {
        if (posix) {
          Files.createDirectories(
              directory,
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
          Files.createDirectories(directory);
        }
      }
      byte[] fresh = new byte[32];
      RANDOM.nextBytes(fresh);
      Path temporary =
          posix
              ? Files.createTempFile(
                  directory,
                  ".invitation-key",
                  ".tmp",
                  PosixFilePermissions.asFileAttribute(
                      PosixFilePermissions.fromString("rw-------")))
              : Files.createTempFile(directory, ".invitation-key", ".tmp");
      try {
        Files.writeString(
            temporary, Base64.getUrlEncoder().withoutPadding().encodeToString(fresh) + "\n");
        try {
          // A link fails if another node made the key meanwhile: then that key is the one.
          Files.createLink(file, temporary);
        } catch (FileAlreadyExistsException e) {
          // another process won the race; use its key
        } catch (UnsupportedOperationException e) {
          Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
        }
      } finally {
        Files.deleteIfExists(temporary);
      }
    }
    byte[] key;
    try {
      key = Base64.getUrlDecoder().decode(Files.readString(file).strip());
    } catch (IllegalArgumentException e) {
      throw new IOException("the invitation key in " + file + " is not base64url", e);
    }
    if (key.length < 32) {
      throw new IOException("the invitation key in " + file + " is shorter than 32 bytes");
    }
    return key;
  }

  @Override
  public String toString() {
    return "InvitationTokens[iss=" + issuer + "]";
  }
}

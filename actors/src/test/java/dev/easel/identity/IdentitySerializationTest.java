package dev.easel.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.typesafe.config.ConfigFactory;
import dev.easel.CborSerializable;
import dev.easel.EntityTestKits;
import dev.easel.project.MembershipEntity;
import dev.easel.project.OrganizationEntity;
import dev.easel.project.ProjectEntity;
import dev.easel.project.ProjectError;
import dev.easel.project.ProjectRole;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Every message, event and state of the account, sign-in and project entities goes through Jackson
 * CBOR and comes back equal.
 */
class IdentitySerializationTest {
  static final ActorTestKit testKit =
      ActorTestKit.create(
          "identity-serialization-test",
          ConfigFactory.parseResources("serialization.conf")
              .withFallback(ConfigFactory.parseResources("identity.conf"))
              .withFallback(ConfigFactory.load())
              .resolve());

  static final Instant AT = Instant.parse("2026-11-29T10:15:30.123456Z");
  static final Instant LATER = Instant.parse("2026-12-29T10:15:30Z");

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  static <T> ActorRef<T> ref(Class<T> type) {
    return testKit.createTestProbe(type).getRef();
  }

  static List<CborSerializable> userSamples() {
    ActorRef<UserEntity.Result> result = ref(UserEntity.Result.class);
    UserEntity.ApiKey key =
        new UserEntity.ApiKey("k1", "CI ✓", List.of("read", "write"), "p-1", "sha:1", AT, LATER);
    UserEntity.ApiKey unused =
        new UserEntity.ApiKey("k2", "Laptop", List.of("read"), null, "sha:2", AT, null);
    UserEntity.LinkedIdentity google = new UserEntity.LinkedIdentity("google", "sub-1");
    UserEntity.State active =
        new UserEntity.State(
            UserEntity.Status.ACTIVE,
            "Zoë@example.com",
            "$argon2id$hash",
            "Zoë 😀",
            "https://cdn.example/z.png",
            AT,
            new UserEntity.SecondFactor("enc:s", true, 57_000_000L, List.of("r1", "r2")),
            Map.of("k1", key, "k2", unused),
            List.of(google));
    return List.of(
        new UserEntity.Register("zoe@example.com", "$argon2id$hash", "Zoë", result),
        new UserEntity.Register("zoe@example.com", null, "Zoë", result),
        new UserEntity.ChangeProfile("Zoë", "https://cdn.example/z.png", result),
        new UserEntity.ChangePassword("$argon2id$new", result),
        new UserEntity.EnrollTotp("enc:s", result),
        new UserEntity.ConfirmTotp(57_000_000L, result),
        new UserEntity.RecordTotpStep(57_000_001L, result),
        new UserEntity.SetRecoveryCodes(List.of("r1", "r2"), result),
        new UserEntity.UseRecoveryCode("r1", result),
        new UserEntity.DisableTotp(result),
        new UserEntity.AddApiKey("k1", "CI", List.of("read"), null, "sha:1", AT, result),
        new UserEntity.RevokeApiKey("k1", result),
        new UserEntity.UseApiKey("k1", "ab".repeat(32), AT, result),
        new UserEntity.ApiKeyUsable("u-1", "k1", List.of("read"), null),
        new UserEntity.LinkIdentity("google", "sub-1", result),
        new UserEntity.Delete(result),
        new UserEntity.Get(ref(UserEntity.UserView.class)),
        new UserEntity.GetCredentials(ref(UserEntity.Credentials.class)),
        new UserEntity.Accepted(),
        new UserEntity.Refused(IdentityError.TOTP_STEP_REUSED, "This code was used already"),
        active.view("u-1"),
        UserEntity.State.ERASED.view("u-2"),
        active.credentials("u-1"),
        new UserEntity.UserRegistered("zoe@example.com", "$argon2id$hash", "Zoë", AT),
        new UserEntity.UserRegistered("zoe@example.com", null, "Zoë", AT),
        new UserEntity.ProfileChanged("Zoë", null, AT),
        new UserEntity.PasswordChanged("$argon2id$new", AT),
        new UserEntity.TotpEnrolled("enc:s", AT),
        new UserEntity.TotpConfirmed(57_000_000L, AT),
        new UserEntity.TotpStepUsed(57_000_001L, AT),
        new UserEntity.RecoveryCodesSet(List.of("r1", "r2"), AT),
        new UserEntity.RecoveryCodeUsed("r1", AT),
        new UserEntity.TotpDisabled(AT),
        new UserEntity.ApiKeyAdded("k1", "CI", List.of("read"), "p-1", "sha:1", AT),
        new UserEntity.ApiKeyRevoked("k1", AT),
        new UserEntity.ApiKeyUsed("k1", LATER),
        new UserEntity.IdentityLinked("google", "sub-1", AT),
        new UserEntity.UserDeleted(AT),
        active,
        UserEntity.State.UNREGISTERED,
        UserEntity.State.ERASED);
  }

  static List<CborSerializable> emailIndexSamples() {
    ActorRef<EmailIndexEntity.Result> result = ref(EmailIndexEntity.Result.class);
    return List.of(
        new EmailIndexEntity.Claim("u-1", result),
        new EmailIndexEntity.Release("u-1", result),
        new EmailIndexEntity.Lookup(ref(EmailIndexEntity.Holder.class)),
        new EmailIndexEntity.Accepted(),
        new EmailIndexEntity.Refused(IdentityError.EMAIL_TAKEN, "Another account uses it"),
        new EmailIndexEntity.Holder("u-1"),
        new EmailIndexEntity.Holder(null),
        new EmailIndexEntity.EmailClaimed("u-1", AT),
        new EmailIndexEntity.EmailReleased("u-1", AT),
        new EmailIndexEntity.State("u-1"),
        EmailIndexEntity.State.FREE);
  }

  static List<CborSerializable> identityIndexSamples() {
    ActorRef<IdentityIndexEntity.Result> result = ref(IdentityIndexEntity.Result.class);
    return List.of(
        new IdentityIndexEntity.Claim("u-1", result),
        new IdentityIndexEntity.Release("u-1", result),
        new IdentityIndexEntity.Lookup(ref(IdentityIndexEntity.Holder.class)),
        new IdentityIndexEntity.Accepted(),
        new IdentityIndexEntity.Refused(IdentityError.IDENTITY_TAKEN, "Another account has it"),
        new IdentityIndexEntity.Holder("u-1"),
        new IdentityIndexEntity.Holder(null),
        new IdentityIndexEntity.IdentityClaimed("u-1", AT),
        new IdentityIndexEntity.IdentityReleased("u-1", AT),
        new IdentityIndexEntity.State("u-1"),
        IdentityIndexEntity.State.FREE);
  }

  static List<CborSerializable> sessionSamples() {
    ActorRef<SessionEntity.Result> result = ref(SessionEntity.Result.class);
    return List.of(
        new SessionEntity.Start("u-1", "s0", LATER, result),
        new SessionEntity.Start("u-1", "s0", null, result),
        new SessionEntity.Rotate("s0", "s1", AT, ref(SessionEntity.RotateResult.class)),
        new SessionEntity.Revoke("logout", result),
        new SessionEntity.Get(ref(SessionEntity.SessionView.class)),
        new SessionEntity.Accepted(),
        new SessionEntity.Rotated("u-1", LATER),
        new SessionEntity.ReuseDetected("u-1"),
        new SessionEntity.Refused(IdentityError.SESSION_EXPIRED, "This sign-in expired"),
        new SessionEntity.SessionView("f-1", "u-1", AT, LATER, true, "reuse"),
        new SessionEntity.SessionView("f-2", null, null, null, false, null),
        new SessionEntity.SessionStarted("u-1", "s0", LATER, AT),
        new SessionEntity.SecretRotated("s1", AT),
        new SessionEntity.FamilyRevoked("reuse", AT),
        new SessionEntity.State("u-1", "s2", List.of("s0", "s1"), AT, LATER, true, "reuse"),
        SessionEntity.State.NOT_STARTED);
  }

  static List<CborSerializable> userSessionsSamples() {
    ActorRef<UserSessionsEntity.Result> result = ref(UserSessionsEntity.Result.class);
    UserSessionsEntity.SessionEntry entry = new UserSessionsEntity.SessionEntry("f-1", LATER);
    return List.of(
        new UserSessionsEntity.AddSession("f-1", LATER, result),
        new UserSessionsEntity.ForgetSessions(List.of("f-1", "f-2"), result),
        new UserSessionsEntity.GetSessions(ref(UserSessionsEntity.Sessions.class)),
        new UserSessionsEntity.Accepted(),
        new UserSessionsEntity.Refused(IdentityError.INVALID_ARGUMENT, "A family id is required"),
        new UserSessionsEntity.Sessions("u-1", List.of(entry)),
        new UserSessionsEntity.Sessions("u-2", List.of()),
        new UserSessionsEntity.SessionAdded("f-1", LATER, AT),
        new UserSessionsEntity.SessionsForgotten(List.of("f-1"), AT),
        new UserSessionsEntity.State(Map.of("f-1", entry)),
        UserSessionsEntity.State.EMPTY);
  }

  static List<CborSerializable> securityLogSamples() {
    ActorRef<SecurityLogEntity.Result> result = ref(SecurityLogEntity.Result.class);
    SecurityLogEntity.Entry full =
        new SecurityLogEntity.Entry(
            AT,
            SecurityLogEntity.Kind.API_KEY_CREATED,
            "k1 \"CI ✓\" read,write",
            "2001:db8::1",
            "Mozilla/5.0 (X11; Linux) 😀",
            "f-1");
    SecurityLogEntity.Entry bare =
        new SecurityLogEntity.Entry(AT, SecurityLogEntity.Kind.SIGNED_OUT, null, null, null, null);
    return List.of(
        new SecurityLogEntity.Record(full, result),
        new SecurityLogEntity.Record(bare, result),
        new SecurityLogEntity.Close(AT, result),
        new SecurityLogEntity.GetStatus(ref(SecurityLogEntity.LogStatus.class)),
        new SecurityLogEntity.Recorded(42),
        new SecurityLogEntity.Closed(),
        new SecurityLogEntity.Refused(IdentityError.USER_DELETED, "The log is closed"),
        new SecurityLogEntity.NotErased("SQLException"),
        new SecurityLogEntity.LogStatus(42, null),
        new SecurityLogEntity.LogStatus(42, LATER),
        new SecurityLogEntity.SecurityEventRecorded(full),
        new SecurityLogEntity.SecurityEventRecorded(bare),
        new SecurityLogEntity.SecurityLogClosed(LATER),
        new SecurityLogEntity.State(42, null),
        new SecurityLogEntity.State(42, LATER),
        SecurityLogEntity.State.EMPTY);
  }

  static List<CborSerializable> projectSamples() {
    ActorRef<ProjectEntity.Result> result = ref(ProjectEntity.Result.class);
    ProjectEntity.Member owner = new ProjectEntity.Member("ann", ProjectRole.OWNER, AT);
    ProjectEntity.CanvasEntry canvas = new ProjectEntity.CanvasEntry("c1", "Revenue €", "ann", AT);
    ProjectEntity.Invitation pending =
        new ProjectEntity.Invitation(
            "i1", "bob@example.com", ProjectRole.EDITOR, "th", LATER, "ann", AT, null, null);
    ProjectEntity.Invitation used =
        new ProjectEntity.Invitation(
            "i2", "cy@example.com", ProjectRole.VIEWER, "th2", LATER, "ann", AT, "cy", AT);
    ProjectEntity.Origin origin =
        new ProjectEntity.Origin("2001:db8::1", "Mozilla/5.0 (X11; Linux) 😀");
    ProjectEntity.State state =
        new ProjectEntity.State(
            ProjectEntity.Status.ACTIVE,
            "Sales",
            "org-1",
            true,
            AT,
            Map.of("ann", owner),
            Map.of("i1", pending, "i2", used),
            Map.of("c1", canvas),
            Map.of("c1/ann", AT));
    List<CborSerializable> samples = new ArrayList<>();
    samples.add(new ProjectEntity.Create("Sales", "ann", "org-1", null, result));
    samples.addAll(projectChanges(null, result));
    samples.addAll(projectChanges(origin, result));
    samples.addAll(
        List.of(
            new ProjectEntity.RecordCanvasEdit("c1", "bob", AT),
            new ProjectEntity.Get(ref(ProjectEntity.ProjectView.class)),
            new ProjectEntity.Accepted(),
            new ProjectEntity.Refused(
                ProjectError.LAST_OWNER, "A project needs at least one owner"),
            new ProjectEntity.ProjectView(
                "p-1",
                ProjectEntity.Status.ACTIVE,
                "Sales",
                null,
                false,
                AT,
                List.of(owner),
                List.of(canvas),
                List.of(
                    new ProjectEntity.InvitationView(
                        "i1", "bob@example.com", ProjectRole.EDITOR, LATER, "ann", AT, null, null)),
                42L,
                "etag-1"),
            new ProjectEntity.ProjectCreated("Sales", "org-1", "ann", AT, origin),
            new ProjectEntity.ProjectCreated("Sales", null, "ann", AT, null),
            new ProjectEntity.ProjectRenamed("Sales EU", "ann", AT, origin),
            new ProjectEntity.ProjectArchived("ann", AT, origin),
            new ProjectEntity.ProjectUnarchived("ann", AT, null),
            new ProjectEntity.ProjectDeleted("ann", AT, origin),
            new ProjectEntity.MemberAdded("bob", ProjectRole.VIEWER, "ann", AT, origin),
            new ProjectEntity.MemberRoleChanged(
                "bob", ProjectRole.VIEWER, ProjectRole.EDITOR, "ann", AT, origin),
            new ProjectEntity.MemberRemoved("bob", "ann", AT, origin),
            new ProjectEntity.MemberInvited(
                "i1", "bob@example.com", ProjectRole.EDITOR, "th", LATER, "ann", AT, origin),
            new ProjectEntity.InviteRevoked("i1", "bob@example.com", "ann", AT, origin),
            new ProjectEntity.InviteRevoked("i1", null, "ann", AT, null),
            new ProjectEntity.InviteAccepted("i1", ProjectRole.EDITOR, "bob", AT, origin),
            new ProjectEntity.OwnershipTransferred("bob", "ann", AT, origin),
            new ProjectEntity.CanvasAdded("c1", "Revenue", "ann", AT, origin),
            new ProjectEntity.CanvasRemoved(
                "c1", "ann", AT, new ProjectEntity.Origin(null, "curl/8")),
            new ProjectEntity.CanvasEdited("c1", "bob", LATER),
            new ProjectEntity.DatasetUploaded("d_1", "sales", 3, "ann", AT, origin),
            new ProjectEntity.DatasetRenamed("d_1", "orders", "sales", "ann", AT, origin),
            new ProjectEntity.DatasetDeleted("d_1", "orders", "ann", AT, null),
            state,
            ProjectEntity.State.NEW));
    return samples;
  }

  /** Every change to a project, asked from {@code origin} (null: not known). */
  static List<ProjectEntity.Change> projectChanges(
      ProjectEntity.Origin origin, ActorRef<ProjectEntity.Result> result) {
    return List.of(
        new ProjectEntity.Create("Sales", "ann", null, origin, result),
        new ProjectEntity.Rename("Sales EU", "ann", origin, result),
        new ProjectEntity.Archive("ann", origin, result),
        new ProjectEntity.Unarchive("ann", origin, result),
        new ProjectEntity.Delete("ann", origin, result),
        new ProjectEntity.AddMember("bob", ProjectRole.COMMENTER, "ann", origin, result),
        new ProjectEntity.ChangeRole("bob", ProjectRole.EDITOR, "ann", origin, result),
        new ProjectEntity.RemoveMember("bob", "ann", origin, result),
        new ProjectEntity.Invite(
            "bob@example.com", ProjectRole.EDITOR, "i1", "th", LATER, "ann", origin, result),
        new ProjectEntity.RevokeInvite("i1", "ann", origin, result),
        new ProjectEntity.AcceptInvite("i1", "th", "bob", AT, origin, result),
        new ProjectEntity.TransferOwnership("bob", "ann", origin, result),
        new ProjectEntity.AddCanvas("c1", "Revenue", "ann", origin, result),
        new ProjectEntity.RemoveCanvas("c1", "ann", origin, result),
        new ProjectEntity.RecordDatasetChange(
            ProjectEntity.DatasetChange.RENAMED,
            "d_1",
            "orders",
            "sales",
            0,
            "ann",
            origin,
            result));
  }

  static List<CborSerializable> organizationSamples() {
    ActorRef<OrganizationEntity.Result> result = ref(OrganizationEntity.Result.class);
    OrganizationEntity.Member admin = new OrganizationEntity.Member("ann", true, AT);
    OrganizationEntity.ProjectEntry sales = new OrganizationEntity.ProjectEntry("p-1", LATER);
    OrganizationEntity.OrganizationView acme =
        new OrganizationEntity.OrganizationView("o-1", true, "Acme", AT, List.of(admin));
    return List.of(
        new OrganizationEntity.Create("Acme", "ann", result),
        new OrganizationEntity.AddMember("bob", false, "ann", result),
        new OrganizationEntity.RemoveMember("bob", "ann", result),
        new OrganizationEntity.AddProject("p-1", "ann", result),
        new OrganizationEntity.RemoveProject("p-1", "ann", result),
        new OrganizationEntity.Get(ref(OrganizationEntity.OrganizationView.class)),
        new OrganizationEntity.GetProjects(ref(OrganizationEntity.OrganizationProjects.class)),
        new OrganizationEntity.Accepted(),
        new OrganizationEntity.Refused(ProjectError.LAST_ADMIN, "An organization needs an admin"),
        acme,
        new OrganizationEntity.OrganizationView("o-2", false, null, null, List.of()),
        new OrganizationEntity.OrganizationProjects(acme, List.of(sales)),
        new OrganizationEntity.OrganizationProjects(
            new OrganizationEntity.OrganizationView("o-2", false, null, null, List.of()),
            List.of()),
        new OrganizationEntity.OrganizationCreated("Acme", "ann", AT),
        new OrganizationEntity.MemberAdded("bob", true, "ann", AT),
        new OrganizationEntity.MemberRemoved("bob", "ann", AT),
        new OrganizationEntity.ProjectAdded("p-1", "ann", LATER),
        new OrganizationEntity.ProjectRemoved("p-1", "bob", LATER),
        new OrganizationEntity.State("Acme", AT, Map.of("ann", admin), Map.of("p-1", sales)),
        OrganizationEntity.State.NEW);
  }

  static List<CborSerializable> membershipSamples() {
    ActorRef<MembershipEntity.Result> result = ref(MembershipEntity.Result.class);
    MembershipEntity.Membership owner =
        new MembershipEntity.Membership("p-1", ProjectRole.OWNER, AT);
    MembershipEntity.Membership viewer =
        new MembershipEntity.Membership("p-2", ProjectRole.VIEWER, LATER);
    MembershipEntity.OrganizationMembership acme =
        new MembershipEntity.OrganizationMembership("o-1", true, AT);
    return List.of(
        new MembershipEntity.Join("p-1", ProjectRole.OWNER, result),
        new MembershipEntity.Leave("p-1", result),
        new MembershipEntity.JoinOrganization("o-1", false, result),
        new MembershipEntity.LeaveOrganization("o-1", result),
        new MembershipEntity.List(ref(MembershipEntity.Memberships.class)),
        new MembershipEntity.ListOrganizations(ref(MembershipEntity.OrganizationMemberships.class)),
        new MembershipEntity.Accepted(),
        new MembershipEntity.Refused(ProjectError.INVALID_ARGUMENT, "A project id is required"),
        new MembershipEntity.Memberships("u-1", List.of(owner, viewer)),
        new MembershipEntity.Memberships("u-2", List.of()),
        new MembershipEntity.OrganizationMemberships("u-1", List.of(acme)),
        new MembershipEntity.OrganizationMemberships("u-2", List.of()),
        new MembershipEntity.ProjectJoined("p-1", ProjectRole.OWNER, AT),
        new MembershipEntity.ProjectLeft("p-1", LATER),
        new MembershipEntity.OrganizationJoined("o-1", true, AT),
        new MembershipEntity.OrganizationLeft("o-1", LATER),
        new MembershipEntity.State(Map.of("p-1", owner, "p-2", viewer), Map.of("o-1", acme)),
        MembershipEntity.State.EMPTY);
  }

  static List<CborSerializable> samples() {
    List<CborSerializable> samples = new ArrayList<>();
    samples.addAll(userSamples());
    samples.addAll(emailIndexSamples());
    samples.addAll(identityIndexSamples());
    samples.addAll(sessionSamples());
    samples.addAll(userSessionsSamples());
    samples.addAll(securityLogSamples());
    samples.addAll(projectSamples());
    samples.addAll(organizationSamples());
    samples.addAll(membershipSamples());
    return samples;
  }

  @Test
  void everyMessageRoundTripsThroughCbor() {
    EntityTestKits.assertRoundTripThroughCbor(testKit.system(), samples());
  }

  /**
   * {@code sample} serialized, without {@code fields} (as an event written before they existed),
   * read back.
   */
  static Object readWithout(CborSerializable sample, String... fields) throws Exception {
    var serialization = SerializationExtension.get(testKit.system().classicSystem());
    var serializer = (SerializerWithStringManifest) serialization.findSerializerFor(sample);
    CBORMapper cbor = new CBORMapper();
    ObjectNode tree = (ObjectNode) cbor.readTree(serialization.serialize(sample).get());
    for (String field : fields) {
      assertThat(tree.has(field)).as("%s has %s", sample, field).isTrue();
      tree.remove(field);
    }
    return serialization
        .deserialize(
            cbor.writeValueAsBytes(tree), serializer.identifier(), serializer.manifest(sample))
        .get();
  }

  @Test
  void projectEventsWrittenBeforeOriginsWereRecordedStillRead() throws Exception {
    ProjectEntity.Origin origin = new ProjectEntity.Origin("192.0.2.1", "curl/8.5.0");
    List<Function<ProjectEntity.Origin, ProjectEntity.Event>> events =
        List.of(
            o -> new ProjectEntity.ProjectCreated("Sales", "org-1", "ann", AT, o),
            o -> new ProjectEntity.ProjectRenamed("Sales EU", "ann", AT, o),
            o -> new ProjectEntity.ProjectArchived("ann", AT, o),
            o -> new ProjectEntity.ProjectUnarchived("ann", AT, o),
            o -> new ProjectEntity.ProjectDeleted("ann", AT, o),
            o -> new ProjectEntity.MemberAdded("bob", ProjectRole.VIEWER, "ann", AT, o),
            o ->
                new ProjectEntity.MemberRoleChanged(
                    "bob", ProjectRole.VIEWER, ProjectRole.EDITOR, "ann", AT, o),
            o -> new ProjectEntity.MemberRemoved("bob", "ann", AT, o),
            o ->
                new ProjectEntity.MemberInvited(
                    "i1", "bob@example.com", ProjectRole.EDITOR, "th", LATER, "ann", AT, o),
            o -> new ProjectEntity.InviteAccepted("i1", ProjectRole.EDITOR, "bob", AT, o),
            o -> new ProjectEntity.OwnershipTransferred("bob", "ann", AT, o),
            o -> new ProjectEntity.CanvasAdded("c1", "Revenue", "ann", AT, o),
            o -> new ProjectEntity.CanvasRemoved("c1", "ann", AT, o));
    for (var event : events) {
      assertThat(readWithout(event.apply(origin), "origin")).isEqualTo(event.apply(null));
    }
    assertThat(
            readWithout(
                new ProjectEntity.InviteRevoked("i1", "bob@example.com", "ann", AT, origin),
                "origin",
                "email"))
        .isEqualTo(new ProjectEntity.InviteRevoked("i1", null, "ann", AT, null));
    // a command from a node that does not know origins yet (during a rolling update)
    ActorRef<ProjectEntity.Result> result = ref(ProjectEntity.Result.class);
    assertThat(readWithout(new ProjectEntity.Rename("Sales EU", "ann", origin, result), "origin"))
        .isEqualTo(new ProjectEntity.Rename("Sales EU", "ann", null, result));
  }

  @Test
  void statesSavedBeforeOrganizationsKeptTheirProjectsAndMembersStillRead() throws Exception {
    // Snapshots taken before an organization listed its projects, and before a user's index held
    // its organizations, read with empty lists.
    OrganizationEntity.Member admin = new OrganizationEntity.Member("ann", true, AT);
    OrganizationEntity.State organization =
        new OrganizationEntity.State(
            "Acme",
            AT,
            Map.of("ann", admin),
            Map.of("p-1", new OrganizationEntity.ProjectEntry("p-1", AT)));
    assertThat(readWithout(organization, "projects"))
        .isEqualTo(new OrganizationEntity.State("Acme", AT, Map.of("ann", admin), Map.of()));
    MembershipEntity.Membership owner =
        new MembershipEntity.Membership("p-1", ProjectRole.OWNER, AT);
    MembershipEntity.State memberships =
        new MembershipEntity.State(
            Map.of("p-1", owner),
            Map.of("o-1", new MembershipEntity.OrganizationMembership("o-1", false, AT)));
    assertThat(readWithout(memberships, "organizations"))
        .isEqualTo(new MembershipEntity.State(Map.of("p-1", owner), null));
  }

  @Test
  void everyMessageTypeHasASample() {
    Set<Class<?>> sampled = new HashSet<>();
    for (Object sample : samples()) sampled.add(sample.getClass());
    List<Class<?>> declared =
        new ArrayList<>(
            EntityTestKits.messageTypes(
                List.of(
                    UserEntity.Command.class,
                    UserEntity.Result.class,
                    UserEntity.Event.class,
                    EmailIndexEntity.Command.class,
                    EmailIndexEntity.Result.class,
                    EmailIndexEntity.Event.class,
                    IdentityIndexEntity.Command.class,
                    IdentityIndexEntity.Result.class,
                    IdentityIndexEntity.Event.class,
                    SessionEntity.Command.class,
                    SessionEntity.Result.class,
                    SessionEntity.RotateResult.class,
                    SessionEntity.Event.class,
                    UserSessionsEntity.Command.class,
                    UserSessionsEntity.Result.class,
                    UserSessionsEntity.Event.class,
                    SecurityLogEntity.Command.class,
                    SecurityLogEntity.Result.class,
                    SecurityLogEntity.Event.class,
                    ProjectEntity.Command.class,
                    ProjectEntity.Result.class,
                    ProjectEntity.Event.class,
                    OrganizationEntity.Command.class,
                    OrganizationEntity.Result.class,
                    OrganizationEntity.Event.class,
                    MembershipEntity.Command.class,
                    MembershipEntity.Result.class,
                    MembershipEntity.Event.class)));
    declared.addAll(
        List.of(
            UserEntity.UserView.class,
            UserEntity.Credentials.class,
            UserEntity.State.class,
            EmailIndexEntity.Holder.class,
            EmailIndexEntity.State.class,
            IdentityIndexEntity.Holder.class,
            IdentityIndexEntity.State.class,
            SessionEntity.SessionView.class,
            SessionEntity.State.class,
            UserSessionsEntity.Sessions.class,
            UserSessionsEntity.State.class,
            SecurityLogEntity.LogStatus.class,
            SecurityLogEntity.State.class,
            ProjectEntity.ProjectView.class,
            ProjectEntity.State.class,
            OrganizationEntity.OrganizationView.class,
            OrganizationEntity.OrganizationProjects.class,
            OrganizationEntity.State.class,
            MembershipEntity.Memberships.class,
            MembershipEntity.OrganizationMemberships.class,
            MembershipEntity.State.class));
    assertThat(declared).contains(UserEntity.Register.class, ProjectEntity.AcceptInvite.class);
    assertThat(sampled).containsAll(declared);
  }
}

package dev.easel.gateway;

import com.linecorp.armeria.server.ServiceRequestContext;
import dev.easel.api.v1.ChangePasswordRequest;
import dev.easel.api.v1.ChangePasswordResponse;
import dev.easel.api.v1.ConfirmTotpRequest;
import dev.easel.api.v1.ConfirmTotpResponse;
import dev.easel.api.v1.DeleteMeRequest;
import dev.easel.api.v1.DeleteMeResponse;
import dev.easel.api.v1.DisableTotpRequest;
import dev.easel.api.v1.DisableTotpResponse;
import dev.easel.api.v1.EnrollTotpRequest;
import dev.easel.api.v1.EnrollTotpResponse;
import dev.easel.api.v1.GetMeRequest;
import dev.easel.api.v1.ListSecurityEventsRequest;
import dev.easel.api.v1.ListSecurityEventsResponse;
import dev.easel.api.v1.RegenerateRecoveryCodesRequest;
import dev.easel.api.v1.RegenerateRecoveryCodesResponse;
import dev.easel.api.v1.SecurityEvent;
import dev.easel.api.v1.UpdateMeRequest;
import dev.easel.api.v1.User;
import dev.easel.api.v1.UserServiceGrpc;
import dev.easel.identity.AccountSettings;
import dev.easel.identity.Accounts;
import dev.easel.identity.RequestOrigin;
import dev.easel.identity.SecurityLog;
import dev.easel.identity.SecurityLogEntity;
import dev.easel.identity.UserEntity;
import dev.easel.project.OrganizationEntity;
import dev.easel.project.Organizations;
import dev.easel.project.ProjectEntity;
import dev.easel.project.Projects;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code easel.v1.UserService}: the signed-in user, from the access token of the call, and what
 * they change about their own account through {@link AccountSettings}: profile, password, two-step
 * sign-in, deletion; and the account's security log ({@link SecurityLog}). Each change passes the
 * request's {@link RequestOrigins origin} and the caller's sign-in, for the log.
 */
final class UserServiceImpl extends UserServiceGrpc.UserServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(UserServiceImpl.class);
  private final Accounts accounts;
  private final AccountSettings settings;
  private final SecurityLog securityLog;
  private final Projects projects;
  private final Organizations organizations;
  private final RateLimits limits;
  private final Callers callers;

  UserServiceImpl(
      Accounts accounts,
      AccountSettings settings,
      SecurityLog securityLog,
      Projects projects,
      Organizations organizations,
      RateLimits limits,
      Callers callers) {
    this.accounts = accounts;
    this.limits = limits;
    this.projects = projects;
    this.organizations = organizations;
    this.settings = settings;
    this.securityLog = securityLog;
    this.callers = callers;
  }

  /** The fields of the account that UpdateMe changes. */
  private static final List<String> PROFILE = List.of("display_name", "avatar_url");

  @Override
  public void getMe(GetMeRequest request, StreamObserver<User> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
    Replies.reply(accounts.me(userId), response, view -> tagged(ctx, view));
  }

  @Override
  public void updateMe(UpdateMeRequest request, StreamObserver<User> response) {
    Caller caller = callers.current(response);
    if (caller == null) return;
    ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
    Set<String> fields;
    String expectedEtag;
    try {
      fields =
          UpdateRequests.fields(
              request.getUpdateMask(),
              UpdateMeRequest.getDescriptor(),
              PROFILE,
              field ->
                  field.equals("display_name") ? request.hasDisplayName() : request.hasAvatarUrl());
      expectedEtag = UpdateRequests.expectedEtag(request.getEtag());
    } catch (StatusRuntimeException invalid) {
      response.onError(invalid);
      return;
    }
    Replies.reply(
        settings.updateProfile(
            caller.userId(),
            fields.contains("display_name") ? request.getDisplayName() : null,
            fields.contains("avatar_url") ? request.getAvatarUrl() : null,
            expectedEtag,
            RequestOrigins.current(caller)),
        response,
        view -> tagged(ctx, view));
  }

  /** The account as shown, its etag also sent as the answer's ETag header. */
  private static User tagged(ServiceRequestContext ctx, UserEntity.UserView view) {
    UpdateRequests.tagAnswer(ctx, view.etag());
    return user(view);
  }

  @Override
  public void changePassword(
      ChangePasswordRequest request, StreamObserver<ChangePasswordResponse> response) {
    Caller caller = callers.current(response);
    if (caller == null) return;
    RequestOrigin origin = RequestOrigins.current(caller);
    Replies.reply(
        confirmingWho(
            caller,
            () ->
                settings.changePassword(
                    caller.userId(),
                    request.getCurrentPassword(),
                    request.getNewPassword(),
                    caller.sessionId(),
                    origin)),
        response,
        done -> ChangePasswordResponse.getDefaultInstance());
  }

  @Override
  public void deleteMe(DeleteMeRequest request, StreamObserver<DeleteMeResponse> response) {
    Caller caller = callers.current(response);
    if (caller == null) return;
    String userId = caller.userId();
    RequestOrigin origin = RequestOrigins.current(caller);
    // A project keeps an owner: its only owner hands it over (or deletes it) before leaving.
    Replies.reply(
        confirmingWho(
                caller,
                () ->
                    projects
                        .soleOwnerships(userId)
                        .thenCombine(organizations.soleAdministrations(userId), SoleHolder::new)
                        .thenCompose(
                            held -> {
                              if (!held.isEmpty()) throw soleHolder(held);
                              return settings.delete(
                                  userId,
                                  request.getPassword(),
                                  request.getTotpCode(),
                                  caller.sessionId(),
                                  origin);
                            }))
            .thenCompose(
                deleted ->
                    projects
                        .removeAccount(userId)
                        .thenCompose(left -> organizations.removeAccount(userId))
                        .exceptionally(
                            failure -> {
                              // The account is gone either way; a membership left behind shows
                              // as a deleted user and can be removed by the project's owners.
                              log.warn(
                                  "deleted account {} was not taken out of every project and"
                                      + " organization",
                                  userId,
                                  failure);
                              return null;
                            })),
        response,
        done -> DeleteMeResponse.getDefaultInstance());
  }

  @Override
  public void enrollTotp(EnrollTotpRequest request, StreamObserver<EnrollTotpResponse> response) {
    Caller caller = callers.current(response);
    if (caller == null) return;
    Replies.reply(
        settings.enrollTotp(caller.userId(), RequestOrigins.current(caller)),
        response,
        enrollment ->
            EnrollTotpResponse.newBuilder()
                .setSecret(enrollment.secret())
                .setOtpauthUri(enrollment.otpauthUri())
                .build());
  }

  @Override
  public void confirmTotp(
      ConfirmTotpRequest request, StreamObserver<ConfirmTotpResponse> response) {
    Caller caller = callers.current(response);
    if (caller == null) return;
    RequestOrigin origin = RequestOrigins.current(caller);
    Replies.reply(
        confirmingWho(
            caller,
            () ->
                settings.confirmTotp(
                    caller.userId(), request.getCode(), request.getPassword(), origin)),
        response,
        issued -> ConfirmTotpResponse.newBuilder().addAllRecoveryCodes(issued.codes()).build());
  }

  @Override
  public void disableTotp(
      DisableTotpRequest request, StreamObserver<DisableTotpResponse> response) {
    Caller caller = callers.current(response);
    if (caller == null) return;
    RequestOrigin origin = RequestOrigins.current(caller);
    Replies.reply(
        confirmingWho(
            caller,
            () ->
                settings.disableTotp(
                    caller.userId(), request.getPassword(), request.getTotpCode(), origin)),
        response,
        done -> DisableTotpResponse.getDefaultInstance());
  }

  @Override
  public void regenerateRecoveryCodes(
      RegenerateRecoveryCodesRequest request,
      StreamObserver<RegenerateRecoveryCodesResponse> response) {
    Caller caller = callers.current(response);
    if (caller == null) return;
    RequestOrigin origin = RequestOrigins.current(caller);
    Replies.reply(
        confirmingWho(
            caller,
            () -> settings.regenerateRecoveryCodes(caller.userId(), request.getTotpCode(), origin)),
        response,
        issued ->
            RegenerateRecoveryCodesResponse.newBuilder()
                .addAllRecoveryCodes(issued.codes())
                .build());
  }

  @Override
  public void listSecurityEvents(
      ListSecurityEventsRequest request, StreamObserver<ListSecurityEventsResponse> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        securityLog.list(userId, request.getPageSize(), request.getPageToken()),
        response,
        page -> {
          ListSecurityEventsResponse.Builder reply =
              ListSecurityEventsResponse.newBuilder().setNextPageToken(page.nextPageToken());
          for (SecurityLogEntity.Entry entry : page.entries()) reply.addEvents(event(entry));
          return reply.build();
        });
  }

  /**
   * Runs {@code step}, which checks the caller's password or second factor, within the sign-in
   * limits ({@link RateLimits#admitReauthentication}): a stage failed with the 429 refusal when a
   * limit is reached. Call it on the request's thread (it reads the client's address).
   */
  private <T> CompletionStage<T> confirmingWho(Caller caller, Supplier<CompletionStage<T>> step) {
    RateLimits.Attempt attempt;
    try {
      attempt =
          limits.admitReauthentication(
              caller.userId(), TrustedProxies.clientOf(ServiceRequestContext.current()));
    } catch (RateLimits.Exceeded e) {
      return CompletableFuture.failedFuture(e);
    }
    return step.get()
        .thenApply(
            result -> {
              attempt.succeeded();
              return result;
            });
  }

  /** The projects an account alone owns and the organizations it alone administers. */
  private record SoleHolder(
      List<ProjectEntity.ProjectView> projects,
      List<OrganizationEntity.OrganizationView> organizations) {
    boolean isEmpty() {
      return projects.isEmpty() && organizations.isEmpty();
    }
  }

  private static Accounts.Refusal soleHolder(SoleHolder held) {
    List<String> named = new ArrayList<>();
    held.projects().forEach(p -> named.add("project \"" + p.name() + "\" (" + p.projectId() + ")"));
    held.organizations()
        .forEach(o -> named.add("organization \"" + o.name() + "\" (" + o.orgId() + ")"));
    return new Accounts.Refusal(
        Accounts.Refusal.Kind.FAILED_PRECONDITION,
        "SOLE_OWNER",
        "you are the only owner or admin of "
            + String.join(", ", named)
            + ", which other people belong to: make another member an owner or admin, or delete"
            + " the project, before deleting your account");
  }

  private static SecurityEvent event(SecurityLogEntity.Entry entry) {
    return SecurityEvent.newBuilder()
        .setAt(entry.at().toString())
        .setKind(entry.kind().name())
        .setDetail(entry.detail() == null ? "" : entry.detail())
        .setClientAddress(entry.clientAddress() == null ? "" : entry.clientAddress())
        .setUserAgent(entry.userAgent() == null ? "" : entry.userAgent())
        .build();
  }

  private static User user(UserEntity.UserView view) {
    return User.newBuilder()
        .setUserId(view.userId())
        .setEmail(view.email())
        .setDisplayName(view.displayName())
        .setAvatarUrl(view.avatarUrl() == null ? "" : view.avatarUrl())
        .setCreatedAt(view.createdAt().toString())
        .setTotpEnabled(view.totpEnabled())
        .setRecoveryCodesLeft(view.recoveryCodesLeft())
        .setEtag(view.etag())
        .build();
  }
}

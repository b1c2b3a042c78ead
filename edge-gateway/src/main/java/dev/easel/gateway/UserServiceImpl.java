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
import dev.easel.api.v1.RegenerateRecoveryCodesRequest;
import dev.easel.api.v1.RegenerateRecoveryCodesResponse;
import dev.easel.api.v1.UpdateMeRequest;
import dev.easel.api.v1.User;
import dev.easel.api.v1.UserServiceGrpc;
import dev.easel.identity.AccountSettings;
import dev.easel.identity.Accounts;
import dev.easel.identity.UserEntity;
import dev.easel.identity.VerifiedToken;
import io.grpc.stub.StreamObserver;

/**
 * {@code easel.v1.UserService}: the signed-in user, from the access token of the call, and what
 * they change about their own account through {@link AccountSettings}: profile, password, two-step
 * sign-in, deletion.
 */
final class UserServiceImpl extends UserServiceGrpc.UserServiceImplBase {
  private final Accounts accounts;
  private final AccountSettings settings;
  private final Callers callers;

  UserServiceImpl(Accounts accounts, AccountSettings settings, Callers callers) {
    this.accounts = accounts;
    this.settings = settings;
    this.callers = callers;
  }

  @Override
  public void getMe(GetMeRequest request, StreamObserver<User> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(accounts.me(userId), response, UserServiceImpl::user);
  }

  @Override
  public void updateMe(UpdateMeRequest request, StreamObserver<User> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        settings.updateProfile(
            userId,
            request.hasDisplayName() ? request.getDisplayName() : null,
            request.hasAvatarUrl() ? request.getAvatarUrl() : null),
        response,
        UserServiceImpl::user);
  }

  @Override
  public void changePassword(
      ChangePasswordRequest request, StreamObserver<ChangePasswordResponse> response) {
    VerifiedToken caller;
    try {
      caller = callers.verify(ServiceRequestContext.current().request().headers());
    } catch (RuntimeException e) {
      response.onError(ApiErrors.from(e));
      return;
    }
    Object session = caller.claims().get(Accounts.SESSION_CLAIM);
    Replies.reply(
        settings.changePassword(
            caller.subject(),
            request.getCurrentPassword(),
            request.getNewPassword(),
            session instanceof String familyId ? familyId : null),
        response,
        done -> ChangePasswordResponse.getDefaultInstance());
  }

  @Override
  public void deleteMe(DeleteMeRequest request, StreamObserver<DeleteMeResponse> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        settings.delete(userId, request.getPassword(), request.getTotpCode()),
        response,
        done -> DeleteMeResponse.getDefaultInstance());
  }

  @Override
  public void enrollTotp(EnrollTotpRequest request, StreamObserver<EnrollTotpResponse> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        settings.enrollTotp(userId),
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
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        settings.confirmTotp(userId, request.getCode()),
        response,
        issued -> ConfirmTotpResponse.newBuilder().addAllRecoveryCodes(issued.codes()).build());
  }

  @Override
  public void disableTotp(
      DisableTotpRequest request, StreamObserver<DisableTotpResponse> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        settings.disableTotp(userId, request.getPassword(), request.getTotpCode()),
        response,
        done -> DisableTotpResponse.getDefaultInstance());
  }

  @Override
  public void regenerateRecoveryCodes(
      RegenerateRecoveryCodesRequest request,
      StreamObserver<RegenerateRecoveryCodesResponse> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        settings.regenerateRecoveryCodes(userId, request.getTotpCode()),
        response,
        issued ->
            RegenerateRecoveryCodesResponse.newBuilder()
                .addAllRecoveryCodes(issued.codes())
                .build());
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
        .build();
  }
}

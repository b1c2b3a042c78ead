package dev.easel.gateway;

import dev.easel.api.v1.GetMeRequest;
import dev.easel.api.v1.User;
import dev.easel.api.v1.UserServiceGrpc;
import dev.easel.identity.Accounts;
import io.grpc.stub.StreamObserver;

/** {@code easel.v1.UserService}: the signed-in user, from the access token of the call. */
final class UserServiceImpl extends UserServiceGrpc.UserServiceImplBase {
  private final Accounts accounts;
  private final Callers callers;

  UserServiceImpl(Accounts accounts, Callers callers) {
    this.accounts = accounts;
    this.callers = callers;
  }

  @Override
  public void getMe(GetMeRequest request, StreamObserver<User> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        accounts.me(userId),
        response,
        view ->
            User.newBuilder()
                .setUserId(view.userId())
                .setEmail(view.email())
                .setDisplayName(view.displayName())
                .setAvatarUrl(view.avatarUrl() == null ? "" : view.avatarUrl())
                .setCreatedAt(view.createdAt().toString())
                .setTotpEnabled(view.totpEnabled())
                .build());
  }
}

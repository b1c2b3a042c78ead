package dev.easel.gateway;

import dev.easel.api.v1.AuthServiceGrpc;
import dev.easel.api.v1.LoginRequest;
import dev.easel.api.v1.LogoutRequest;
import dev.easel.api.v1.LogoutResponse;
import dev.easel.api.v1.RefreshRequest;
import dev.easel.api.v1.RegisterRequest;
import dev.easel.api.v1.RegisterResponse;
import dev.easel.api.v1.TokenPair;
import dev.easel.identity.Accounts;
import io.grpc.stub.StreamObserver;

/**
 * {@code easel.v1.AuthService}: register, log in, refresh and log out through {@link Accounts},
 * each with the request's {@link RequestOrigins origin} for the account's security log.
 */
final class AuthServiceImpl extends AuthServiceGrpc.AuthServiceImplBase {
  private final Accounts accounts;

  AuthServiceImpl(Accounts accounts) {
    this.accounts = accounts;
  }

  @Override
  public void register(RegisterRequest request, StreamObserver<RegisterResponse> response) {
    Replies.reply(
        accounts.register(
            request.getEmail(),
            request.getPassword(),
            request.getDisplayName(),
            RequestOrigins.current()),
        response,
        userId -> RegisterResponse.newBuilder().setUserId(userId).build());
  }

  @Override
  public void login(LoginRequest request, StreamObserver<TokenPair> response) {
    Replies.reply(
        accounts.login(
            request.getEmail(),
            request.getPassword(),
            request.getTotpCode(),
            request.getRecoveryCode(),
            RequestOrigins.current()),
        response,
        AuthServiceImpl::pair);
  }

  @Override
  public void refresh(RefreshRequest request, StreamObserver<TokenPair> response) {
    Replies.reply(
        accounts.refresh(request.getRefreshToken(), RequestOrigins.current()),
        response,
        AuthServiceImpl::pair);
  }

  @Override
  public void logout(LogoutRequest request, StreamObserver<LogoutResponse> response) {
    Replies.reply(
        accounts.logout(request.getRefreshToken(), RequestOrigins.current()),
        response,
        done -> LogoutResponse.getDefaultInstance());
  }

  private static TokenPair pair(Accounts.Tokens tokens) {
    return TokenPair.newBuilder()
        .setAccessToken(tokens.accessToken())
        .setRefreshToken(tokens.refreshToken())
        .setExpiresIn(tokens.expiresIn().toSeconds())
        .setTokenType("Bearer")
        .build();
  }
}

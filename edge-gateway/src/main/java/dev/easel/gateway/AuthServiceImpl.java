package dev.easel.gateway;

import com.linecorp.armeria.server.ServiceRequestContext;
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
 * each with the request's {@link RequestOrigins origin} for the account's security log. Sign-in and
 * sign-up pass the {@link RateLimits} before any password is hashed.
 */
final class AuthServiceImpl extends AuthServiceGrpc.AuthServiceImplBase {
  private final Accounts accounts;
  private final RateLimits limits;

  AuthServiceImpl(Accounts accounts, RateLimits limits) {
    this.accounts = accounts;
    this.limits = limits;
  }

  @Override
  public void register(RegisterRequest request, StreamObserver<RegisterResponse> response) {
    try {
      limits.admitSignUp(TrustedProxies.clientOf(ServiceRequestContext.current()));
    } catch (RateLimits.Exceeded e) {
      response.onError(ApiErrors.rateLimited(e));
      return;
    }
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
    RateLimits.Attempt attempt;
    try {
      attempt =
          limits.admitLogin(
              request.getEmail(), TrustedProxies.clientOf(ServiceRequestContext.current()));
    } catch (RateLimits.Exceeded e) {
      response.onError(ApiErrors.rateLimited(e));
      return;
    }
    Replies.reply(
        accounts
            .login(
                request.getEmail(),
                request.getPassword(),
                request.getTotpCode(),
                request.getRecoveryCode(),
                RequestOrigins.current())
            .thenApply(
                tokens -> {
                  attempt.succeeded();
                  return tokens;
                }),
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

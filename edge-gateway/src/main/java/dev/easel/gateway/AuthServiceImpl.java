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
import dev.easel.project.GettingStarted;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code easel.v1.AuthService}: register, log in, refresh and log out through {@link Accounts},
 * each with the request's {@link RequestOrigins origin} for the account's security log. Sign-in and
 * sign-up pass the {@link RateLimits} before any password is hashed. A new account gets its
 * "Getting started" project ({@link GettingStarted}), named in the answer.
 */
final class AuthServiceImpl extends AuthServiceGrpc.AuthServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(AuthServiceImpl.class);
  private final Accounts accounts;
  private final RateLimits limits;

  /** Null when new accounts get no getting-started project (easel.projects.getting-started). */
  private final GettingStarted gettingStarted;

  AuthServiceImpl(Accounts accounts, RateLimits limits, GettingStarted gettingStarted) {
    this.accounts = accounts;
    this.limits = limits;
    this.gettingStarted = gettingStarted;
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
        accounts
            .register(
                request.getEmail(),
                request.getPassword(),
                request.getDisplayName(),
                RequestOrigins.current())
            .thenCompose(this::withGettingStarted),
        response,
        answer -> answer);
  }

  /**
   * The answer for new account {@code userId}, with its getting-started project and canvas; without
   * them when they could not be made (logged: the account exists all the same).
   */
  private CompletionStage<RegisterResponse> withGettingStarted(String userId) {
    RegisterResponse.Builder answer = RegisterResponse.newBuilder().setUserId(userId);
    if (gettingStarted == null) return CompletableFuture.completedFuture(answer.build());
    return gettingStarted
        .prepare(userId)
        .handle(
            (landing, failure) -> {
              if (failure != null) {
                log.warn("could not make the getting-started project of {}", userId, failure);
              } else {
                answer
                    .setGettingStartedProjectId(landing.projectId())
                    .setGettingStartedCanvasId(landing.canvasId());
              }
              return answer.build();
            });
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

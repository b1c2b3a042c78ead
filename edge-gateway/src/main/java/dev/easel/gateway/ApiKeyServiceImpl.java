package dev.easel.gateway;

import dev.easel.api.v1.ApiKey;
import dev.easel.api.v1.ApiKeyServiceGrpc;
import dev.easel.api.v1.CreateApiKeyRequest;
import dev.easel.api.v1.CreateApiKeyResponse;
import dev.easel.api.v1.ListApiKeysRequest;
import dev.easel.api.v1.ListApiKeysResponse;
import dev.easel.api.v1.RevokeApiKeyRequest;
import dev.easel.api.v1.RevokeApiKeyResponse;
import dev.easel.identity.ApiKeys;
import dev.easel.identity.RequestOrigin;
import dev.easel.identity.UserEntity;
import dev.easel.project.OrderedPages;
import dev.easel.project.Projects;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code easel.v1.ApiKeyService}: the signed-in caller's API keys, through {@link ApiKeys}. A key
 * limited to a project may only be created by a member of that project ({@link Projects#get}).
 */
final class ApiKeyServiceImpl extends ApiKeyServiceGrpc.ApiKeyServiceImplBase {
  /** The name of the index of a user's keys in its page tokens. */
  private static final String YOUR_KEYS = "your API keys";

  private final ApiKeys apiKeys;
  private final Projects projects;
  private final Callers callers;

  ApiKeyServiceImpl(ApiKeys apiKeys, Projects projects, Callers callers) {
    this.apiKeys = apiKeys;
    this.projects = projects;
    this.callers = callers;
  }

  @Override
  public void createApiKey(
      CreateApiKeyRequest request, StreamObserver<CreateApiKeyResponse> response) {
    String userId;
    ApiKeys.Spec spec;
    RequestOrigin origin = signedInOrigin();
    try {
      userId = callers.signedInUser();
      spec = ApiKeys.check(request.getName(), request.getScopesList(), request.getProjectId());
    } catch (RuntimeException e) {
      response.onError(ApiErrors.from(e));
      return;
    }
    CompletionStage<?> allowed =
        spec.projectId() == null
            ? CompletableFuture.completedFuture(null)
            : projects.get(userId, spec.projectId());
    Replies.reply(
        allowed.thenCompose(member -> apiKeys.create(userId, spec, origin)),
        response,
        created ->
            CreateApiKeyResponse.newBuilder()
                .setKeyId(created.key().keyId())
                .setSecret(created.plaintext())
                .setApiKey(apiKey(created.key()))
                .build());
  }

  @Override
  public void listApiKeys(
      ListApiKeysRequest request, StreamObserver<ListApiKeysResponse> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    int size;
    try {
      size = OrderedPages.size(request.getPageSize());
    } catch (Projects.Refusal invalid) {
      response.onError(ApiErrors.from(invalid));
      return;
    }
    Replies.reply(
        apiKeys.list(userId),
        response,
        keys -> {
          OrderedPages.Page<UserEntity.ApiKeyView> page =
              OrderedPages.slice(
                  YOUR_KEYS,
                  keys,
                  key -> new OrderedPages.Place(key.createdAt(), key.keyId()),
                  size,
                  request.getPageToken(),
                  false);
          ListApiKeysResponse.Builder reply =
              ListApiKeysResponse.newBuilder().setNextPageToken(page.nextPageToken());
          for (UserEntity.ApiKeyView key : page.items()) reply.addApiKeys(apiKey(key));
          return reply.build();
        });
  }

  @Override
  public void revokeApiKey(
      RevokeApiKeyRequest request, StreamObserver<RevokeApiKeyResponse> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        apiKeys.revoke(userId, request.getKeyId(), signedInOrigin()),
        response,
        done -> RevokeApiKeyResponse.getDefaultInstance());
  }

  /** The request's origin for the security log, within the caller's sign-in when known. */
  private RequestOrigin signedInOrigin() {
    try {
      return RequestOrigins.current(callers.current());
    } catch (RuntimeException e) {
      return RequestOrigins.current();
    }
  }

  private static ApiKey apiKey(UserEntity.ApiKeyView key) {
    return ApiKey.newBuilder()
        .setKeyId(key.keyId())
        .setName(key.name())
        .addAllScopes(key.scopes())
        .setProjectId(key.projectId() == null ? "" : key.projectId())
        .setCreatedAt(key.createdAt().toString())
        .setLastUsedAt(key.lastUsedAt() == null ? "" : key.lastUsedAt().toString())
        .build();
  }
}

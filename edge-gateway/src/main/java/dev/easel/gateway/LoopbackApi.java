package dev.easel.gateway;

import com.google.protobuf.Message;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.stream.StreamMessage;
import com.linecorp.armeria.common.stream.StreamWriter;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerListener;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.easel.api.v1.UserServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Easel's own gRPC API, called by the gateway as a client over an HTTP/2 connection to this very
 * server, for the GraphQL face: so that each GraphQL field passes exactly what a gRPC or REST call
 * passes ({@link ApiPolicy}: authentication, the access rule, API key scopes, rate limits; then the
 * service and its errors), with no second implementation of any of it.
 *
 * <p>Each call carries the credential of the request it is made for: {@code Authorization} and
 * {@code x-api-key} as they were sent or, when neither was, the browser's {@code easel_access}
 * cookie as a bearer token (the same precedence as {@link Callers}; the cookie's CSRF check was
 * made on the GraphQL request itself by {@link CsrfGuard}). It also carries that request's {@code
 * User-Agent} and names its client address (as {@link TrustedProxies} worked it out) in {@value
 * #CLIENT_HEADER}, which this server believes only next to {@value #SECRET_HEADER} holding a random
 * secret of this process ({@link #decorator()}); so security and audit logs and the per-address
 * sign-in limits see the real client, never the loopback address.
 */
final class LoopbackApi implements AutoCloseable {
  static final String SECRET_HEADER = "x-easel-loopback";
  static final String CLIENT_HEADER = "x-easel-loopback-client";

  /** An upper bound for one unary call; the request being served usually ends sooner. */
  private static final long UNARY_DEADLINE_SECONDS = 60;

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> API_KEY =
      Metadata.Key.of(Callers.API_KEY_HEADER, Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> USER_AGENT =
      Metadata.Key.of("user-agent", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> SECRET =
      Metadata.Key.of(SECRET_HEADER, Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> CLIENT =
      Metadata.Key.of(CLIENT_HEADER, Metadata.ASCII_STRING_MARSHALLER);

  private final String secret;
  private final ClientFactory factory = ClientFactory.builder().build();
  private volatile Channel channel;

  LoopbackApi() {
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  /** Connects to the server once it listens, and lets go of the connections when it stops. */
  ServerListener listener() {
    return ServerListener.builder()
        .whenStarted(this::connect)
        .whenStopped(server -> close())
        .build();
  }

  private void connect(Server server) {
    InetSocketAddress local = server.activePort().localAddress();
    InetAddress address =
        local.getAddress().isAnyLocalAddress()
            ? InetAddress.getLoopbackAddress()
            : local.getAddress();
    channel =
        GrpcClients.builder(
                SessionProtocol.H2C, Endpoint.of(address.getHostAddress(), local.getPort()))
            .factory(factory)
            // Streams last as long as their subscriptions; unary calls carry a deadline.
            .responseTimeoutMillis(0)
            .maxResponseLength(0)
            .maxResponseMessageLength(-1)
            .maxRequestMessageLength(-1)
            .build(UserServiceGrpc.UserServiceStub.class)
            .getChannel();
  }

  /**
   * Believes {@value #CLIENT_HEADER} on requests that carry this process's secret: they are calls
   * this server made for a request of that client. Runs after {@link TrustedProxies#decorator()}.
   */
  DecoratingHttpServiceFunction decorator() {
    byte[] expected = secret.getBytes(StandardCharsets.US_ASCII);
    return (delegate, ctx, req) -> {
      String presented = req.headers().get(SECRET_HEADER);
      String client = req.headers().get(CLIENT_HEADER);
      if (presented != null
          && client != null
          && MessageDigest.isEqual(presented.getBytes(StandardCharsets.US_ASCII), expected)) {
        InetAddress address = literal(client);
        if (address != null) TrustedProxies.assignClient(ctx, address);
      }
      return delegate.serve(ctx, req);
    };
  }

  /** The calls made for the request of {@code ctx}, with its credential and origin. */
  Session session(ServiceRequestContext ctx) {
    RequestHeaders headers = ctx.request().headers();
    Metadata metadata = new Metadata();
    String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
    String apiKey = headers.get(Callers.API_KEY_HEADER);
    boolean hasAuthorization = authorization != null && !authorization.isBlank();
    if (hasAuthorization) metadata.put(AUTHORIZATION, authorization);
    if (apiKey != null) metadata.put(API_KEY, apiKey);
    if (!hasAuthorization && apiKey == null) {
      String cookie = Callers.accessCookie(headers.get(HttpHeaderNames.COOKIE));
      if (cookie != null) metadata.put(AUTHORIZATION, "Bearer " + cookie);
    }
    String userAgent = headers.get(HttpHeaderNames.USER_AGENT);
    if (userAgent != null) metadata.put(USER_AGENT, userAgent);
    metadata.put(SECRET, secret);
    metadata.put(CLIENT, TrustedProxies.clientOf(ctx).getHostAddress());
    return new Session(metadata);
  }

  @Override
  public void close() {
    factory.closeAsync();
  }

  private static InetAddress literal(String text) {
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(text);
    if (bytes == null) return null;
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** The API calls of one request (a GraphQL request, or one operation of a socket). */
  final class Session {
    private final Metadata headers;
    private final AtomicInteger calls = new AtomicInteger();

    private Session(Metadata headers) {
      this.headers = headers;
    }

    /** How many calls were made so far: each counts against the caller's rate limit. */
    int calls() {
      return calls.get();
    }

    /** Makes a unary call; the future fails with the call's {@code StatusRuntimeException}. */
    <Q extends Message, R extends Message> CompletableFuture<R> call(
        MethodDescriptor<Q, R> method, Q request) {
      CompletableFuture<R> answer = new CompletableFuture<>();
      ClientCalls.asyncUnaryCall(
          newCall(
              method,
              CallOptions.DEFAULT.withDeadlineAfter(UNARY_DEADLINE_SECONDS, TimeUnit.SECONDS)),
          request,
          new StreamObserver<>() {
            @Override
            public void onNext(R value) {
              answer.complete(value);
            }

            @Override
            public void onError(Throwable failure) {
              answer.completeExceptionally(failure);
            }

            @Override
            public void onCompleted() {
              answer.completeExceptionally(
                  Status.INTERNAL
                      .withDescription(method + " answered nothing")
                      .asRuntimeException());
            }
          });
      return answer;
    }

    /**
     * Makes a server-streaming call, as a stream of its messages that asks the server for the next
     * one only when the last one was taken; cancelling the stream cancels the call, and the call's
     * failure fails the stream.
     */
    <Q extends Message, R extends Message> StreamMessage<R> stream(
        MethodDescriptor<Q, R> method, Q request) {
      StreamWriter<R> out = StreamMessage.streaming();
      ClientCall<Q, R> call = newCall(method, CallOptions.DEFAULT);
      ClientCalls.asyncServerStreamingCall(
          call,
          request,
          new ClientResponseObserver<Q, R>() {
            private ClientCallStreamObserver<Q> requests;

            @Override
            public void beforeStart(ClientCallStreamObserver<Q> requestStream) {
              requests = requestStream;
              requestStream.disableAutoRequestWithInitial(1);
            }

            @Override
            public void onNext(R value) {
              if (out.tryWrite(value)) out.whenConsumed().thenRun(() -> requests.request(1));
              else requests.cancel("the subscriber left", null);
            }

            @Override
            public void onError(Throwable failure) {
              out.close(failure);
            }

            @Override
            public void onCompleted() {
              out.close();
            }
          });
      out.whenComplete()
          .whenComplete(
              (done, failure) -> {
                if (failure != null) call.cancel("the subscriber left", null);
              });
      return out;
    }

    private <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
      Channel connected = channel;
      if (connected == null) {
        throw Status.UNAVAILABLE
            .withDescription("the server is still starting; try again")
            .asRuntimeException();
      }
      calls.incrementAndGet();
      return ClientInterceptors.intercept(
              connected, MetadataUtils.newAttachHeadersInterceptor(headers))
          .newCall(method, options);
    }
  }
}

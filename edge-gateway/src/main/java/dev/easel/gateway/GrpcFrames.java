package dev.easel.gateway;

import com.google.rpc.Code;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.grpc.protocol.GrpcHeaderNames;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The framing of gRPC and gRPC-Web requests checked before a call starts: a call that takes one
 * request message (unary and server-streaming methods, which are all the API has) must send exactly
 * one whole length-prefixed frame, with a known flag and no more bytes than its prefix announces.
 * Anything else (a prefix cut short, a frame that ends early, more than one frame, reserved flag
 * bits, a compressed frame without {@code grpc-encoding}, gRPC-Web text that is not base64) is
 * INVALID_ARGUMENT with reason {@value #MALFORMED_FRAME} saying what is wrong, and a frame over the
 * request limit is RESOURCE_EXHAUSTED, instead of an UNKNOWN error or a call that never starts.
 */
final class GrpcFrames implements DecoratingHttpServiceFunction {
  /** The reason of the {@code ErrorInfo} of a request that is not one whole frame. */
  static final String MALFORMED_FRAME = "MALFORMED_FRAME";

  private static final int PREFIX = 5;
  private static final int COMPRESSED = 0x01;

  private final Set<String> oneMessagePaths;
  private final RequestRefusals refusals;

  private GrpcFrames(Set<String> oneMessagePaths, RequestRefusals refusals) {
    this.oneMessagePaths = Set.copyOf(oneMessagePaths);
    this.refusals = refusals;
  }

  /** The check for the methods of {@code services} that take one request message. */
  static GrpcFrames of(List<ServerServiceDefinition> services, RequestRefusals refusals) {
    Set<String> paths = new HashSet<>();
    for (ServerServiceDefinition service : services) {
      for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
        MethodDescriptor.MethodType type = method.getMethodDescriptor().getType();
        if (type == MethodDescriptor.MethodType.UNARY
            || type == MethodDescriptor.MethodType.SERVER_STREAMING) {
          paths.add("/" + method.getMethodDescriptor().getFullMethodName());
        }
      }
    }
    return new GrpcFrames(paths, refusals);
  }

  @Override
  public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req)
      throws Exception {
    RequestHeaders headers = req.headers();
    if (!HttpReplies.isGrpc(headers) || !oneMessagePaths.contains(ctx.path())) {
      return delegate.serve(ctx, req);
    }
    return RequestRefusals.servedWhole(
        delegate,
        ctx,
        req,
        request -> {
          StatusRuntimeException refusal = refusal(request);
          return refusal == null ? null : HttpReplies.grpcRefusal(headers, refusal);
        });
  }

  private StatusRuntimeException refusal(AggregatedHttpRequest request) {
    byte[] body = request.content().array();
    MediaType type = request.headers().contentType();
    if (type != null && type.subtype().startsWith("grpc-web-text")) {
      body = fromBase64(body);
      if (body == null) {
        return malformed("the gRPC-Web text request is not base64");
      }
    }
    String encoding = request.headers().get(GrpcHeaderNames.GRPC_ENCODING);
    boolean compression = encoding != null && !encoding.equals("identity");
    return check(body, compression, refusals.maxRequestBytes());
  }

  /**
   * What is wrong with {@code body} as one gRPC frame, or null when nothing is.
   *
   * @param compression whether the request names a {@code grpc-encoding} a frame may be in
   * @param limit the largest message, in bytes
   */
  StatusRuntimeException check(byte[] body, boolean compression, long limit) {
    if (body.length == 0) {
      return malformed(
          "the request holds no message: a gRPC request is one frame, a 5-byte prefix (a flag"
              + " byte, then the length) followed by the message");
    }
    if (body.length < PREFIX) {
      return malformed(
          "the request ends "
              + body.length
              + " bytes into the 5-byte prefix of its frame (a flag byte, then the length)");
    }
    ByteBuffer frame = ByteBuffer.wrap(body);
    int flags = frame.get() & 0xff;
    long length = frame.getInt() & 0xffff_ffffL;
    if ((flags & ~COMPRESSED) != 0) {
      return malformed(
          String.format(
              "the frame's flag byte is 0x%02x; a request frame's is 0 (or 1: compressed)", flags));
    }
    if ((flags & COMPRESSED) != 0 && !compression) {
      return malformed(
          "the frame is flagged compressed, but the request names no grpc-encoding it is in");
    }
    if (length > limit) {
      com.google.rpc.Status status = refusals.tooLarge(limit);
      return StatusProto.toStatusRuntimeException(status);
    }
    long rest = body.length - PREFIX;
    if (length > rest) {
      return malformed(
          "the frame's prefix announces a message of "
              + length
              + " bytes, but the request ends after "
              + rest);
    }
    if (length < rest) {
      return malformed(
          "the request holds more than one frame after its message of "
              + length
              + " bytes; this method takes one message");
    }
    return null;
  }

  private static StatusRuntimeException malformed(String message) {
    return StatusProto.toStatusRuntimeException(
        ApiErrors.rpcStatus(Code.INVALID_ARGUMENT, MALFORMED_FRAME, message, null, Map.of()));
  }

  /**
   * gRPC-Web text: base64, possibly several padded chunks one after the other; null when it is not.
   */
  static byte[] fromBase64(byte[] text) {
    ByteArrayOutputStream decoded = new ByteArrayOutputStream();
    Base64.Decoder decoder = Base64.getDecoder();
    int start = 0;
    try {
      for (int i = 0; i < text.length; i++) {
        boolean chunkEnds = text[i] == '=' && (i + 1 == text.length || text[i + 1] != '=');
        if (chunkEnds) {
          decoded.writeBytes(decoder.decode(Arrays.copyOfRange(text, start, i + 1)));
          start = i + 1;
        }
      }
      if (start < text.length) {
        decoded.writeBytes(decoder.decode(Arrays.copyOfRange(text, start, text.length)));
      }
    } catch (IllegalArgumentException e) {
      return null;
    }
    return decoded.toByteArray();
  }
}

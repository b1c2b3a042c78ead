package dev.easel.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A request of one message is one whole gRPC frame, or it is refused saying what is wrong. */
class GrpcFramesTest {
  static final long LIMIT = 1024;
  static final GrpcFrames FRAMES = GrpcFrames.of(List.of(), new RequestRefusals(LIMIT));

  static byte[] frame(int flags, int length, byte[] message) {
    return ByteBuffer.allocate(5 + message.length)
        .put((byte) flags)
        .putInt(length)
        .put(message)
        .array();
  }

  static String reason(StatusRuntimeException refusal) throws Exception {
    for (Any detail : StatusProto.fromThrowable(refusal).getDetailsList()) {
      if (detail.is(ErrorInfo.class)) return detail.unpack(ErrorInfo.class).getReason();
    }
    throw new AssertionError("no ErrorInfo in " + refusal);
  }

  static StatusRuntimeException malformed(byte[] body, boolean compression) throws Exception {
    StatusRuntimeException refusal = FRAMES.check(body, compression, LIMIT);
    assertThat(refusal).isNotNull();
    assertThat(refusal.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(reason(refusal)).isEqualTo(GrpcFrames.MALFORMED_FRAME);
    return refusal;
  }

  @Test
  void oneWholeFramePasses() {
    byte[] message = {0x0a, 1, 'x'};
    assertThat(FRAMES.check(frame(0, 3, message), false, LIMIT)).isNull();
    assertThat(FRAMES.check(frame(0, 0, new byte[0]), false, LIMIT)).isNull();
    assertThat(FRAMES.check(frame(1, 3, message), true, LIMIT)).isNull();
  }

  @Test
  void eachWayOfBeingBrokenIsSaid() throws Exception {
    byte[] message = {0x0a, 1, 'x'};
    assertThat(malformed(new byte[0], false).getStatus().getDescription()).contains("no message");
    assertThat(malformed(new byte[] {0, 0}, false).getStatus().getDescription())
        .contains("ends 2 bytes into the 5-byte prefix");
    assertThat(malformed(frame(0, 10, message), false).getStatus().getDescription())
        .contains("announces a message of 10 bytes, but the request ends after 3");
    assertThat(malformed(frame(0, 2, message), false).getStatus().getDescription())
        .contains("more than one frame");
    assertThat(malformed(frame(0x80, 3, message), false).getStatus().getDescription())
        .contains("flag byte is 0x80");
    assertThat(malformed(frame(1, 3, message), false).getStatus().getDescription())
        .contains("names no grpc-encoding");
  }

  @Test
  void aFrameOverTheLimitIsRefusedByItsPrefix() throws Exception {
    StatusRuntimeException tooLarge = FRAMES.check(frame(0, 4096, new byte[3]), false, LIMIT);
    assertThat(tooLarge.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(reason(tooLarge)).isEqualTo(RequestRefusals.TOO_LARGE);
    assertThat(tooLarge.getStatus().getDescription()).contains("1 KiB");
  }

  @Test
  void grpcWebTextIsBase64InPaddedChunks() {
    byte[] one = frame(0, 3, new byte[] {0x0a, 1, 'x'});
    byte[] text = Base64.getEncoder().encode(one);
    assertThat(GrpcFrames.fromBase64(text)).isEqualTo(one);
    byte[] a = "ab".getBytes(StandardCharsets.US_ASCII);
    byte[] b = "cde".getBytes(StandardCharsets.US_ASCII);
    String chunks = Base64.getEncoder().encodeToString(a) + Base64.getEncoder().encodeToString(b);
    assertThat(GrpcFrames.fromBase64(chunks.getBytes(StandardCharsets.US_ASCII)))
        .isEqualTo("abcde".getBytes(StandardCharsets.US_ASCII));
    assertThat(GrpcFrames.fromBase64("%%%".getBytes(StandardCharsets.US_ASCII))).isNull();
  }
}

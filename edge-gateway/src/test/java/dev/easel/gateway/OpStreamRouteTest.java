package dev.easel.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import org.junit.jupiter.api.Test;

/** The REST stream of ops speaks NDJSON unless the client asks for server-sent events. */
class OpStreamRouteTest {
  static OpStreamRoute.Format negotiated(String accept) {
    RequestHeaders headers =
        accept == null
            ? RequestHeaders.of(HttpMethod.GET, "/v1/canvases/c/ops:stream")
            : RequestHeaders.of(HttpMethod.GET, "/v1/canvases/c/ops:stream", "accept", accept);
    return OpStreamRoute.format(headers);
  }

  @Test
  void acceptChoosesTheFormat() {
    assertThat(negotiated(null)).isEqualTo(OpStreamRoute.Format.NDJSON);
    assertThat(negotiated("*/*")).isEqualTo(OpStreamRoute.Format.NDJSON);
    assertThat(negotiated("application/x-ndjson")).isEqualTo(OpStreamRoute.Format.NDJSON);
    assertThat(negotiated("text/event-stream")).isEqualTo(OpStreamRoute.Format.EVENTS);
    // what a browser's EventSource sends
    assertThat(negotiated("text/event-stream, */*;q=0.1")).isEqualTo(OpStreamRoute.Format.EVENTS);
    assertThat(negotiated("application/x-ndjson;q=0.5, text/event-stream"))
        .isEqualTo(OpStreamRoute.Format.EVENTS);
    assertThat(negotiated("application/xml")).isNull();
    assertThat(negotiated("application/json")).isNull();
  }
}

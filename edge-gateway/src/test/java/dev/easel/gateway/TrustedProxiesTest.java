package dev.easel.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which proxies are believed about the client's address, and which address is the client. */
class TrustedProxiesTest {
  static InetAddress ip(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }

  @Test
  void byDefaultNoProxyIsTrustedAndTheClientIsThePeer() throws Exception {
    TrustedProxies none = TrustedProxies.parse("");

    assertThat(none.isTrusted(ip("127.0.0.1"))).isFalse();
    assertThat(none.clientAddress(ip("127.0.0.1"), List.of("6.6.6.6"))).isEqualTo(ip("127.0.0.1"));
  }

  @Test
  void addressesAndRangesAreTrusted() throws Exception {
    TrustedProxies proxies = TrustedProxies.parse(" 10.0.0.0/8, 192.0.2.7 ,::1");

    assertThat(proxies.isTrusted(ip("10.200.3.4"))).isTrue();
    assertThat(proxies.isTrusted(ip("192.0.2.7"))).isTrue();
    assertThat(proxies.isTrusted(ip("::1"))).isTrue();
    assertThat(proxies.isTrusted(ip("192.0.2.8"))).isFalse();
    assertThat(proxies.isTrusted(ip("11.0.0.1"))).isFalse();
  }

  @Test
  void theClientIsTheRightmostForwardedAddressThatIsNotATrustedProxy() throws Exception {
    TrustedProxies proxies = TrustedProxies.parse("10.0.0.0/8");
    InetAddress proxy = ip("10.0.0.9");

    // The client wrote 6.6.6.6; our proxies appended 203.0.113.7 and 10.0.0.2 ("a, b" spelling).
    assertThat(proxies.clientAddress(proxy, List.of("6.6.6.6, 203.0.113.7, 10.0.0.2")))
        .isEqualTo(ip("203.0.113.7"));
    // Several header lines are one list; ports and brackets are dropped.
    assertThat(proxies.clientAddress(proxy, List.of("6.6.6.6", "203.0.113.7:4711,10.0.0.2")))
        .isEqualTo(ip("203.0.113.7"));
    assertThat(proxies.clientAddress(proxy, List.of("[2001:db8::7]:443, 10.0.0.2")))
        .isEqualTo(ip("2001:db8::7"));
    assertThat(proxies.clientAddress(proxy, List.of("2001:db8::8"))).isEqualTo(ip("2001:db8::8"));
    // Only proxies: the leftmost; nothing forwarded: the peer.
    assertThat(proxies.clientAddress(proxy, List.of("10.0.0.3, 10.0.0.2")))
        .isEqualTo(ip("10.0.0.3"));
    assertThat(proxies.clientAddress(proxy, List.of())).isEqualTo(proxy);
    // An entry that is not an address: the nearest proxy, the last hop known.
    assertThat(proxies.clientAddress(proxy, List.of("6.6.6.6, unknown, 10.0.0.2")))
        .isEqualTo(ip("10.0.0.2"));
  }

  @Test
  void aPeerThatIsNotTrustedIsTheClientWhateverItForwards() throws Exception {
    TrustedProxies proxies = TrustedProxies.parse("10.0.0.0/8");

    assertThat(proxies.clientAddress(ip("198.51.100.1"), List.of("203.0.113.7")))
        .isEqualTo(ip("198.51.100.1"));
  }

  @Test
  void anEntryThatIsNotAnAddressStopsTheStartNamingIt() {
    for (String entry : List.of("proxy.example.com", "10.0.0.0/99", "10.0.0.0/x", "1.2.3.4.5")) {
      assertThatThrownBy(() -> TrustedProxies.parse("10.0.0.1," + entry))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("EASEL_TRUSTED_PROXIES")
          .hasMessageContaining("'" + entry + "'");
    }
  }
}

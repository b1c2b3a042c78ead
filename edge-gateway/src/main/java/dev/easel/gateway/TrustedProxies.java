package dev.easel.gateway;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.util.InetAddressPredicates;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.netty.util.AttributeKey;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Who the client of a request is, and the reverse proxies whose word on it Easel takes ({@code
 * easel.http.trusted-proxies}, {@code EASEL_TRUSTED_PROXIES}: IP addresses and CIDR ranges,
 * comma-separated; none by default).
 *
 * <p>The client is the connection's peer, unless the peer is a trusted proxy: then the {@code
 * X-Forwarded-For} header is read from the right, each trusted proxy's entry skipped, and the first
 * address that is not a trusted proxy is the client. What stands left of it was written by the
 * client itself and is never used, so a client cannot choose the address recorded for it (a peer
 * that is not trusted is never asked at all). {@link #decorator()} works this out once per request
 * and {@link #clientOf} reads it.
 *
 * <p>Not Armeria's own {@code clientAddressTrustedProxyFilter} and {@code ctx.clientAddress()}: in
 * Armeria 1.35 those take the leftmost address of the header (the one the client writes), and drop
 * the entries after a comma and a space ({@code "a, b"}, the usual spelling), so behind a proxy
 * that appends they would record whatever address the client made up. With no proxy trusted both
 * agree: the peer's address.
 */
final class TrustedProxies {
  private static final AttributeKey<InetAddress> CLIENT =
      AttributeKey.valueOf(TrustedProxies.class, "client");

  private final Predicate<InetAddress> trusted;

  private TrustedProxies(Predicate<InetAddress> trusted) {
    this.trusted = trusted;
  }

  /**
   * Parses the setting: addresses ({@code 10.0.0.5}, {@code ::1}) and ranges ({@code 10.0.0.0/8}),
   * comma-separated; blank trusts no proxy.
   *
   * @throws IllegalArgumentException naming the entry that is neither
   */
  static TrustedProxies parse(String setting) {
    Predicate<InetAddress> trusted = address -> false;
    for (String raw : setting.split(",")) {
      String entry = raw.strip();
      if (entry.isEmpty()) continue;
      int slash = entry.indexOf('/');
      // Only literals: a host name would be looked up in DNS, and its answer trusted.
      InetAddress address = literal(slash < 0 ? entry : entry.substring(0, slash));
      if (address == null) throw invalid(entry);
      try {
        trusted =
            trusted.or(
                slash < 0
                    ? InetAddressPredicates.ofExact(address)
                    : InetAddressPredicates.ofCidr(
                        address, Integer.parseInt(entry.substring(slash + 1))));
      } catch (IllegalArgumentException e) {
        throw invalid(entry);
      }
    }
    return new TrustedProxies(trusted);
  }

  private static IllegalArgumentException invalid(String entry) {
    return new IllegalArgumentException(
        "easel.http.trusted-proxies (EASEL_TRUSTED_PROXIES): '"
            + entry
            + "' is not an IP address or a CIDR range such as 10.0.0.0/8");
  }

  /** Whether {@code address} is one of the trusted proxies. */
  boolean isTrusted(InetAddress address) {
    return trusted.test(address);
  }

  /**
   * The client of a request from {@code peer} with these {@code X-Forwarded-For} header lines: the
   * peer, unless it is a trusted proxy; then the rightmost forwarded address that is not one. When
   * every forwarded address is a trusted proxy, the leftmost; when an entry cannot be read (such as
   * {@code unknown}), the nearest trusted proxy, which is the last one known.
   */
  InetAddress clientAddress(InetAddress peer, List<String> forwardedFor) {
    if (!isTrusted(peer)) return peer;
    List<String> hops = new ArrayList<>();
    for (String line : forwardedFor) {
      for (String hop : line.split(",")) {
        if (!hop.isBlank()) hops.add(hop.strip());
      }
    }
    InetAddress nearest = peer;
    for (int i = hops.size() - 1; i >= 0; i--) {
      InetAddress hop = literal(withoutPort(hops.get(i)));
      if (hop == null) return nearest;
      if (!isTrusted(hop)) return hop;
      nearest = hop;
    }
    return nearest;
  }

  /** Works out the client of each request, for {@link #clientOf}. */
  DecoratingHttpServiceFunction decorator() {
    return (delegate, ctx, req) -> {
      InetAddress peer = peerOf(ctx);
      if (peer != null) {
        ctx.setAttr(
            CLIENT, clientAddress(peer, req.headers().getAll(HttpHeaderNames.X_FORWARDED_FOR)));
      }
      return delegate.serve(ctx, req);
    };
  }

  /**
   * Records {@code client} as the client of the request of {@code ctx}: a call this server made to
   * itself for a request of that client ({@link LoopbackApi}).
   */
  static void assignClient(ServiceRequestContext ctx, InetAddress client) {
    ctx.setAttr(CLIENT, client);
  }

  /** The client of the request of {@code ctx}, as the {@link #decorator()} worked it out. */
  static InetAddress clientOf(ServiceRequestContext ctx) {
    InetAddress client = ctx.attr(CLIENT);
    return client != null ? client : peerOf(ctx);
  }

  private static InetAddress peerOf(ServiceRequestContext ctx) {
    SocketAddress remote = ctx.remoteAddress();
    return remote instanceof InetSocketAddress socket ? socket.getAddress() : ctx.clientAddress();
  }

  /** {@code 1.2.3.4:80} and {@code [::1]:80} without the port; other forms as they are. */
  private static String withoutPort(String hop) {
    if (hop.startsWith("[")) {
      int end = hop.indexOf(']');
      return end < 0 ? hop : hop.substring(1, end);
    }
    int colon = hop.indexOf(':');
    return colon >= 0 && colon == hop.lastIndexOf(':') ? hop.substring(0, colon) : hop;
  }

  /** The address written as the IP literal {@code text}, or null when it is not one. */
  private static InetAddress literal(String text) {
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(text);
    if (bytes == null) return null;
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      return null;
    }
  }
}

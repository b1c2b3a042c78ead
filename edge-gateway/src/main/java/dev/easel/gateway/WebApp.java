package dev.easel.gateway;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ServerCacheControl;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.HttpStatusException;
import com.linecorp.armeria.server.encoding.EncodingService;
import com.linecorp.armeria.server.file.FileService;
import com.linecorp.armeria.server.file.HttpFile;
import java.util.List;

/**
 * The browser app (web/, built by Vite into the node's classpath under {@value #RESOURCES}), served
 * at {@code /} below every other route:
 *
 * <ul>
 *   <li>{@code /assets/...}: the bundle's files, whose names carry a hash of their content, so they
 *       are cached for a year as immutable;
 *   <li>another path that names a file ({@code /favicon.svg}): that file, revalidated each time;
 *   <li>any other {@code GET} (the app's own routes, {@code /projects/p1}): {@code index.html},
 *       revalidated each time, so a new release is picked up on the next load.
 * </ul>
 *
 * Paths of the server's other faces ({@link #RESERVED}: the API, the sockets, sign-in, health, the
 * documents) are never answered with the app: what no route of theirs serves stays a 404, as it was
 * before the app existed. Answers are compressed for clients that accept it. A node built without
 * the app ({@code -DskipTypeScript}) answers {@code /} with a page that says how to build it.
 */
final class WebApp {
  static final String RESOURCES = "easel/web";
  static final String ASSETS = "/assets/";

  /** Path prefixes of the server's other faces, which the app must never shadow. */
  static final List<String> RESERVED =
      List.of(
          "/v1",
          "/ws",
          "/graphql",
          "/health",
          "/auth",
          "/openapi.json",
          "/docs",
          "/metrics",
          "/.well-known",
          "/easel.",
          "/grpc.");

  private static final ServerCacheControl REVALIDATE =
      ServerCacheControl.builder().noCache().build();

  private WebApp() {}

  /** True when the node's classpath holds a built app. */
  static boolean built(ClassLoader loader) {
    return loader.getResource(RESOURCES + "/index.html") != null;
  }

  /** The service to mount at {@code /} (as a catch-all, after every other route). */
  static HttpService service(ClassLoader loader) {
    if (!built(loader)) return notBuilt();
    HttpService assets =
        FileService.builder(loader, RESOURCES).cacheControl(ServerCacheControl.IMMUTABLE).build();
    HttpService files = FileService.builder(loader, RESOURCES).cacheControl(REVALIDATE).build();
    HttpService index =
        HttpFile.builder(loader, RESOURCES + "/index.html")
            .cacheControl(REVALIDATE)
            .build()
            .asService();
    HttpService app =
        (ctx, req) -> {
          String path = ctx.path();
          if (!servesApp(req.method(), path)) throw HttpStatusException.of(HttpStatus.NOT_FOUND);
          ctx.mutateAdditionalResponseHeaders(
              headers ->
                  headers
                      .set(HttpHeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff")
                      .set(HttpHeaderNames.CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"));
          if (path.startsWith(ASSETS)) return assets.serve(ctx, req);
          if (namesFile(path)) return files.serve(ctx, req);
          return index.serve(ctx, req);
        };
    return app.decorate(EncodingService.newDecorator());
  }

  /** Whether a request is the app's to answer: a GET or HEAD outside the reserved paths. */
  static boolean servesApp(HttpMethod method, String path) {
    if (method != HttpMethod.GET && method != HttpMethod.HEAD) return false;
    for (String reserved : RESERVED) {
      if (reserved.endsWith(".")) {
        if (path.startsWith(reserved)) return false;
      } else if (path.equals(reserved) || path.startsWith(reserved + "/")) {
        return false;
      }
    }
    return true;
  }

  /** A path whose last segment has an extension names a file; the app's routes never do. */
  static boolean namesFile(String path) {
    String last = path.substring(path.lastIndexOf('/') + 1);
    return last.lastIndexOf('.') > 0;
  }

  private static HttpService notBuilt() {
    String page =
        "<!doctype html><meta charset=utf-8><title>Easel</title>"
            + "<h1>Easel is running; its web app is not part of this build</h1>"
            + "<p>This node was built with <code>-DskipTypeScript</code>, which leaves out the web"
            + " app. Build it with <code>./mvnw -B install -DskipTests</code> (needs Node.js 20"
            + " or newer) or run <code>./easel start</code>. The API is served as usual: see"
            + " <a href=\"/docs\">/docs</a>.</p>";
    return (ctx, req) -> {
      if (!servesApp(req.method(), ctx.path())) throw HttpStatusException.of(HttpStatus.NOT_FOUND);
      return HttpResponse.of(HttpStatus.NOT_FOUND, MediaType.HTML_UTF_8, page);
    };
  }
}

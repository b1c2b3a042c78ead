package dev.easel.gateway;

import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.rpc.Code;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * REST requests read as Google's transcoding reads them: each query parameter must name a field of
 * the request message (by its proto or JSON name, nested with dots), else the request is refused
 * (INVALID_ARGUMENT, reason {@value JsonRequests#UNKNOWN_FIELD}) naming the parameter, instead of
 * being ignored as Armeria's transcoding would; and a JSON body is read strictly ({@link
 * JsonRequests}) as sent, before the transcoding reads it: one JSON value with nothing after it
 * (Armeria's transcoding would read the first and leave the rest unread), and for a body of the
 * whole message ({@code body: "*"}) a JSON object of its fields, each of its type. The routes come
 * from the {@code google.api.http} rules of the services served.
 */
final class RestQueries implements DecoratingHttpServiceFunction {
  private static final Pattern VARIABLE = Pattern.compile("\\{([^}=]+)(=([^}]*))?}");

  /**
   * A REST route of an RPC: its method, path and request message, and where its body goes ({@code
   * *}: the whole message; empty: no body).
   */
  record Route(HttpMethod method, Pattern path, Descriptor request, String body) {}

  private final List<Route> routes;

  private RestQueries(List<Route> routes) {
    this.routes = List.copyOf(routes);
  }

  /** The REST routes of {@code services}, from their HTTP rules. */
  static RestQueries of(List<ServiceDescriptor> services) {
    List<Route> routes = new ArrayList<>();
    for (ServiceDescriptor service : services) {
      for (MethodDescriptor method : service.getMethods()) {
        if (!method.getOptions().hasExtension(AnnotationsProto.http)) continue;
        HttpRule rule = method.getOptions().getExtension(AnnotationsProto.http);
        add(routes, rule, method.getInputType());
        for (HttpRule more : rule.getAdditionalBindingsList()) {
          add(routes, more, method.getInputType());
        }
      }
    }
    return new RestQueries(routes);
  }

  private static void add(List<Route> routes, HttpRule rule, Descriptor request) {
    String template = HttpRules.template(rule);
    if (template == null) return;
    HttpMethod method = HttpMethod.valueOf(HttpRules.method(rule));
    routes.add(new Route(method, path(template), request, rule.getBody()));
  }

  /**
   * The pattern of a path template: {@code {var}} one segment (up to a verb's colon), {@code
   * {var=**}} any number.
   */
  static Pattern path(String template) {
    StringBuilder regex = new StringBuilder("^");
    Matcher variable = VARIABLE.matcher(template);
    int at = 0;
    while (variable.find()) {
      regex.append(Pattern.quote(template.substring(at, variable.start())));
      String segments = variable.group(3);
      regex.append(segments != null && segments.contains("**") ? ".+" : "[^/:]+");
      at = variable.end();
    }
    regex.append(Pattern.quote(template.substring(at))).append('$');
    return Pattern.compile(regex.toString());
  }

  /** The request message of the REST route of {@code method} and {@code path}, or null. */
  Descriptor requestOf(HttpMethod method, String path) {
    Route route = routeOf(method, path);
    return route == null ? null : route.request();
  }

  /** The REST route of {@code method} and {@code path}, or null. */
  Route routeOf(HttpMethod method, String path) {
    for (Route route : routes) {
      if (route.method() == method && route.path().matcher(path).matches()) return route;
    }
    return null;
  }

  /** Whether {@code name} (dotted for a nested field) names a field of {@code message}. */
  static boolean names(Descriptor message, String name) {
    Descriptor at = message;
    String[] parts = name.split("\\.", -1);
    for (int i = 0; i < parts.length; i++) {
      FieldDescriptor field = null;
      for (FieldDescriptor candidate : at.getFields()) {
        if (candidate.getName().equals(parts[i]) || candidate.getJsonName().equals(parts[i])) {
          field = candidate;
        }
      }
      if (field == null) return false;
      if (i < parts.length - 1) {
        if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) return false;
        at = field.getMessageType();
      }
    }
    return true;
  }

  @Override
  public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req)
      throws Exception {
    if (HttpReplies.isGrpc(req.headers())) return delegate.serve(ctx, req);
    Route route = routeOf(req.method(), ctx.path());
    if (route == null) return delegate.serve(ctx, req);
    Descriptor request = route.request();
    if (ctx.query() != null) {
      for (String name : ctx.queryParams().names()) {
        if (!names(request, name)) {
          return RequestRefusals.rest(
              ctx,
              ApiErrors.status(
                  Code.INVALID_ARGUMENT,
                  JsonRequests.UNKNOWN_FIELD,
                  shortened(name)
                      + " is not a query parameter of this call: it names no field of "
                      + request.getName(),
                  shortened(name)),
              null);
        }
      }
    }
    MediaType type = req.contentType();
    if (type == null || !type.is(MediaType.JSON)) return delegate.serve(ctx, req);
    return RequestRefusals.servedWhole(
        delegate,
        ctx,
        req,
        body -> {
          byte[] json = body.content().array();
          JsonRequests.Violation violation =
              json.length == 0
                  ? null
                  : route.body().equals("*")
                      ? JsonRequests.violation(request, json)
                      : JsonRequests.parse(json).violation();
          return violation == null ? null : RequestRefusals.rest(ctx, violation.status(), null);
        });
  }

  private static String shortened(String text) {
    return text.length() > 100 ? text.substring(0, 100) + "…" : text;
  }
}

package dev.easel.gateway;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.FieldMask;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.server.ServiceRequestContext;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * How update RPCs read their requests, as Google's API design guide has them (standard Update
 * method): an {@code update_mask} names the fields to change, and without one the fields sent
 * change; an {@code etag} (or, over HTTP, an {@code If-Match} header) makes the change conditional
 * on the resource being as that etag was given out, which the entity checks in the step that makes
 * the change. Answers of single resources carry their etag as the {@code ETag} header too.
 */
final class UpdateRequests {
  private UpdateRequests() {}

  /**
   * The fields (proto names) an update changes: with a non-empty {@code mask}, those it names
   * ({@code *}: every one of {@code updatable}), given by proto or JSON name; else those of {@code
   * updatable} that the request has ({@code present}).
   *
   * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT with a field violation on {@code
   *     updateMask} for a path that is not one of {@code updatable}
   */
  static Set<String> fields(
      FieldMask mask, Descriptor request, List<String> updatable, Predicate<String> present) {
    Set<String> fields = new LinkedHashSet<>();
    if (mask.getPathsCount() == 0) {
      for (String field : updatable) if (present.test(field)) fields.add(field);
      return fields;
    }
    for (String path : mask.getPathsList()) {
      if (path.equals("*")) {
        fields.addAll(updatable);
        continue;
      }
      String field = protoName(request, path);
      if (field == null || !updatable.contains(field)) {
        throw ApiErrors.invalid(
            "updateMask",
            "updateMask may name "
                + String.join(", ", jsonNames(request, updatable))
                + " or *, not \""
                + (path.length() > 100 ? path.substring(0, 100) + "…" : path)
                + "\"");
      }
      fields.add(field);
    }
    return fields;
  }

  private static String protoName(Descriptor request, String path) {
    for (FieldDescriptor field : request.getFields()) {
      if (field.getName().equals(path) || field.getJsonName().equals(path)) return field.getName();
    }
    return null;
  }

  private static List<String> jsonNames(Descriptor request, List<String> fields) {
    return fields.stream().map(name -> request.findFieldByName(name).getJsonName()).toList();
  }

  /**
   * The etag a change is conditional on: {@code fromRequest} when not empty, else the entity tag of
   * an {@code If-Match} header of the call ({@code *}: none); null when there is none.
   *
   * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT for an If-Match of several tags
   */
  static String expectedEtag(String fromRequest) {
    if (fromRequest != null && !fromRequest.isEmpty()) return fromRequest;
    ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
    String ifMatch = ctx == null ? null : ctx.request().headers().get(HttpHeaderNames.IF_MATCH);
    if (ifMatch == null || ifMatch.isBlank()) return null;
    String tag = ifMatch.strip();
    if (tag.equals("*")) return null;
    if (tag.contains(",")) {
      throw ApiErrors.invalid("If-Match", "If-Match takes one etag, as the resource answered it");
    }
    if (tag.startsWith("W/")) tag = tag.substring(2);
    if (tag.length() >= 2 && tag.startsWith("\"") && tag.endsWith("\"")) {
      tag = tag.substring(1, tag.length() - 1);
    }
    return tag;
  }

  /**
   * Sends {@code etag} with the answer of the call of {@code ctx} (taken on the call's thread; null
   * outside a server call) as its {@code ETag} header.
   */
  static void tagAnswer(ServiceRequestContext ctx, String etag) {
    if (ctx == null || etag == null || etag.isEmpty()) return;
    ctx.mutateAdditionalResponseHeaders(
        headers -> headers.set(HttpHeaderNames.ETAG, "\"" + etag + "\""));
  }
}

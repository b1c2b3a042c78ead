package dev.easel.gateway;

import com.google.rpc.Code;
import com.linecorp.armeria.common.ContentDisposition;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.easel.api.v1.ExportQueryResultRequest;
import java.util.concurrent.CompletableFuture;

/**
 * {@code QueryService/ExportQueryResult} over plain HTTP: {@code GET
 * /v1/projects/{project_id}/results/{result_id}:export?format=csv|parquet} answers the whole stored
 * result as a file, with its {@code Content-Type} ({@code application/vnd.apache.parquet} or {@code
 * text/csv}), {@code Content-Length} and {@code Content-Disposition: attachment} (the result id and
 * the format's extension). The body streams from the project's query worker a chunk at a time, the
 * next chunk asked for only once the last one was taken by the connection ({@link ResultDownload}).
 *
 * <p>The call is admitted by {@link ApiPolicy} under the rule of {@code ExportQueryResult}
 * (credential, API key scope and project, rate limit), then {@link QueryServiceImpl#open} checks
 * the request and the caller's role, as over gRPC. Refusals before the first byte use the REST
 * API's error body; a failure while streaming aborts the response.
 */
final class ResultExportRoute implements HttpService {
  static final String PATH = "/v1/projects/{project_id}/results/{result_id}:export";
  static final String PATH_PATTERN =
      "^/v1/projects/(?<projectId>[^/]+)/results/(?<resultId>[^/:]+):export$";
  static final String METHOD = "easel.v1.QueryService/ExportQueryResult";

  /** The route as an HTTP rule of {@code ExportQueryResult}, for {@code /openapi.json}. */
  static final com.google.api.HttpRule RULE =
      com.google.api.HttpRule.newBuilder().setGet(PATH).build();

  private final ApiPolicy policy;
  private final QueryServiceImpl queries;

  ResultExportRoute(ApiPolicy policy, QueryServiceImpl queries) {
    this.policy = policy;
    this.queries = queries;
  }

  @Override
  public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
    for (String name : ctx.queryParams().names()) {
      if (!name.equals("format")) {
        return RequestRefusals.rest(
            ctx,
            ApiErrors.status(
                Code.INVALID_ARGUMENT,
                JsonRequests.UNKNOWN_FIELD,
                name + " is not a query parameter of this call: it takes format",
                name),
            null);
      }
    }
    ExportQueryResultRequest request =
        ExportQueryResultRequest.newBuilder()
            .setProjectId(ctx.pathParam("projectId"))
            .setResultId(ctx.pathParam("resultId"))
            .setFormat(ctx.queryParams().get("format", ""))
            .build();
    // A download lasts as long as it keeps reading.
    ctx.clearRequestTimeout();
    CompletableFuture<HttpResponse> answer = new CompletableFuture<>();
    policy
        .admit(METHOD, ctx, request)
        .thenCompose(caller -> queries.open(request, caller.userId()))
        .whenComplete(
            (download, failure) -> {
              if (failure != null) {
                answer.complete(RequestRefusals.rest(ctx, ApiErrors.from(failure), null));
              } else {
                answer.complete(stream(ctx, download));
              }
            });
    return HttpResponse.of(answer);
  }

  private static HttpResponse stream(ServiceRequestContext ctx, ResultDownload download) {
    HttpResponseWriter body = HttpResponse.streaming();
    body.write(
        ResponseHeaders.builder(HttpStatus.OK)
            .set(HttpHeaderNames.CONTENT_TYPE, download.contentType())
            .contentLength(download.size())
            .contentDisposition(
                ContentDisposition.builder("attachment").filename(download.fileName()).build())
            .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
            .build());
    download.onChunk(
        bytes -> {
          if (bytes.length == 0) {
            body.close();
            return;
          }
          body.write(HttpData.wrap(bytes));
          body.whenConsumed().thenRun(download::request);
        },
        body::close);
    body.whenComplete().handle((done, failure) -> closed(download));
    ctx.whenRequestCancelling().thenRun(download::close);
    download.request();
    return body;
  }

  private static Void closed(ResultDownload download) {
    download.close();
    return null;
  }
}

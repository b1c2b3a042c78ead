package dev.easel.gateway;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.server.docs.DocService;
import dev.easel.api.v1.AuthServiceGrpc;
import dev.easel.api.v1.CanvasServiceGrpc;
import dev.easel.api.v1.CreateCanvasRequest;
import dev.easel.api.v1.CreateProjectRequest;
import dev.easel.api.v1.GetCanvasRequest;
import dev.easel.api.v1.GetMeRequest;
import dev.easel.api.v1.ListCanvasesRequest;
import dev.easel.api.v1.ListProjectsRequest;
import dev.easel.api.v1.LoginRequest;
import dev.easel.api.v1.ProjectServiceGrpc;
import dev.easel.api.v1.RegisterRequest;
import dev.easel.api.v1.SubmitOpRequest;
import dev.easel.api.v1.UserServiceGrpc;

/**
 * The browsable API console at {@code /docs} (Armeria's {@code DocService}): every service and RPC
 * with its messages and the comments of the {@code .proto} files, the REST endpoints transcoded
 * from them, and a form to try each call. The console is public, as it holds only what the API
 * looks like; the calls it makes go to the API's own endpoints (gRPC as unframed JSON, or REST) and
 * pass {@link ApiPolicy} and the {@link CsrfGuard} like any other. Its forms start with an {@code
 * Authorization} header to fill in with an access token or API key.
 */
final class ApiConsole {
  static final String PATH = "/docs";
  static final String AUTHORIZATION_EXAMPLE = "Bearer <access token or ek_ API key>";

  private ApiConsole() {}

  static DocService create() {
    String canvas = "my-canvas";
    String project = "<project id>";
    return DocService.builder()
        .webAppTitle("Easel API")
        // Only Easel's API: the health and reflection services are for tools, not people.
        .exclude((plugin, service, method) -> service.startsWith("grpc."))
        .exampleHeaders(HttpHeaders.of(HttpHeaderNames.AUTHORIZATION, AUTHORIZATION_EXAMPLE))
        .exampleRequests(
            AuthServiceGrpc.SERVICE_NAME,
            "Register",
            RegisterRequest.newBuilder()
                .setEmail("ada@example.org")
                .setPassword("a long passphrase")
                .setDisplayName("Ada")
                .build())
        .exampleRequests(
            AuthServiceGrpc.SERVICE_NAME,
            "Login",
            LoginRequest.newBuilder()
                .setEmail("ada@example.org")
                .setPassword("a long passphrase")
                .build())
        .exampleRequests(UserServiceGrpc.SERVICE_NAME, "GetMe", GetMeRequest.getDefaultInstance())
        .exampleRequests(
            ProjectServiceGrpc.SERVICE_NAME,
            "CreateProject",
            CreateProjectRequest.newBuilder().setName("Quarterly numbers").build())
        .exampleRequests(
            ProjectServiceGrpc.SERVICE_NAME,
            "ListProjects",
            ListProjectsRequest.getDefaultInstance())
        .exampleRequests(
            CanvasServiceGrpc.SERVICE_NAME,
            "CreateCanvas",
            CreateCanvasRequest.newBuilder()
                .setProjectId(project)
                .setTitle("Q3 plan")
                .setCanvasId(canvas)
                .build())
        .exampleRequests(
            CanvasServiceGrpc.SERVICE_NAME,
            "GetCanvas",
            GetCanvasRequest.newBuilder().setCanvasId(canvas).build())
        .exampleRequests(
            CanvasServiceGrpc.SERVICE_NAME,
            "SubmitOp",
            SubmitOpRequest.newBuilder()
                .setCanvasId(canvas)
                .setVersion(1)
                .setOp(
                    ListValue.newBuilder()
                        .addValues(
                            Value.newBuilder()
                                .setStructValue(
                                    Struct.newBuilder()
                                        .putFields(
                                            "p",
                                            Value.newBuilder()
                                                .setListValue(
                                                    ListValue.newBuilder()
                                                        .addValues(string("title"))
                                                        .addValues(
                                                            Value.newBuilder().setNumberValue(0)))
                                                .build())
                                        .putFields("si", string("Draft: ")))))
                .build())
        .exampleRequests(
            CanvasServiceGrpc.SERVICE_NAME,
            "ListCanvases",
            ListCanvasesRequest.newBuilder().setPageSize(20).build())
        .build();
  }

  private static Value string(String text) {
    return Value.newBuilder().setStringValue(text).build();
  }
}

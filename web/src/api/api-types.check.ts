// The generated API types at work, as the web app will use them. `npm run check:api` compiles this
// file with the generated code (TypeScript strict) and runs it in Node; the proto module's build
// does so, so a proto change that breaks the web app's side of the API fails the build. The
// `@ts-expect-error` lines are checks too: each fails the compilation once its line compiles.
import {
  create,
  createRegistry,
  fromBinary,
  fromJson,
  getOption,
  isMessage,
  toBinary,
  toJson,
} from "@bufbuild/protobuf";
import type { JsonValue } from "@bufbuild/protobuf";
import { anyPack, anyUnpack } from "@bufbuild/protobuf/wkt";
import { http } from "./gen/google/api/annotations_pb.js";
import {
  BadRequestSchema,
  ErrorInfoSchema,
  file_google_rpc_error_details,
} from "./gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "./gen/google/rpc/status_pb.js";
import { CanvasSchema, CanvasService, SubmitOpRequestSchema } from "./gen/v1/canvas_pb.js";
import type { CanvasJson, SubmitOpRequestJson } from "./gen/v1/canvas_pb.js";
import { CreateProjectRequestSchema, ProjectSchema, ProjectService } from "./gen/v1/projects_pb.js";
import type { CreateProjectRequestJson, Project, ProjectJson } from "./gen/v1/projects_pb.js";

function sameJson(actual: JsonValue, expected: JsonValue, what: string): void {
  const a = JSON.stringify(sorted(actual));
  const e = JSON.stringify(sorted(expected));
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

function sorted(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sorted(value[key] ?? null)]),
  );
}

function same<T>(actual: T, expected: T, what: string): void {
  if (actual !== expected) throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}

// A request body as the app sends it to POST /v1/projects: proto3 JSON, lowerCamelCase names,
// default values left out.
const createProject = create(CreateProjectRequestSchema, { name: "Revenue", orgId: "org-7" });
const body: CreateProjectRequestJson = toJson(CreateProjectRequestSchema, createProject);
sameJson(body, { name: "Revenue", orgId: "org-7" }, "CreateProjectRequest as JSON");
sameJson(
  toJson(CreateProjectRequestSchema, create(CreateProjectRequestSchema, { name: "Solo" })),
  { name: "Solo" },
  "defaults left out",
);
// @ts-expect-error the JSON type has the JSON names, not the proto names
const snakeCase: CreateProjectRequestJson = { name: "Revenue", org_id: "org-7" };
void snakeCase;

// A Project as the API answers it (with a field this app version does not know yet).
const projectAnswer: ProjectJson = {
  projectId: "p-1",
  name: "Revenue",
  role: "owner",
  members: [{ userId: "u-1", role: "owner", email: "ada@example.com", displayName: "Ada" }],
  canvases: [{ canvasId: "c-1", title: "Deep dive", addedBy: "u-1", addedAt: "2025-01-02T03:04:05Z" }],
  createdAt: "2025-01-02T03:04:05Z",
};
const project: Project = fromJson(
  ProjectSchema,
  { ...projectAnswer, addedLater: true },
  { ignoreUnknownFields: true },
);
same(project.projectId, "p-1", "Project.projectId");
same(project.members[0]?.displayName, "Ada", "Project.members[0].displayName");
same(project.canvases[0]?.title, "Deep dive", "Project.canvases[0].title");
same(project.archived, false, "Project.archived when left out");
sameJson(toJson(ProjectSchema, project), projectAnswer, "Project round trip");

// 64-bit integers: bigint in messages (exact past 2^53), strings in JSON.
const canvasAnswer: CanvasJson = {
  canvasId: "c-1",
  version: "9007199254740993",
  title: "Deep dive",
  document: { title: "Deep dive", cells: { a: { kind: "sql", source: "SELECT 1" } } },
};
const canvas = fromJson(CanvasSchema, canvasAnswer);
same(canvas.version, 9007199254740993n, "Canvas.version");
same(canvas.version + 1n, 9007199254740994n, "Canvas.version + 1");
same(typeof canvas.document?.["cells"], "object", "Canvas.document as a JSON object");
sameJson(toJson(CanvasSchema, canvas), canvasAnswer, "Canvas round trip");
same(fromJson(CanvasSchema, { version: 42 }).version, 42n, "int64 read from a JSON number");
// @ts-expect-error int64 is a string in JSON
const numericVersion: CanvasJson = { version: 42 };
void numericVersion;
// @ts-expect-error int64 is a bigint in messages
create(CanvasSchema, { version: 42 });

// A json0 op submitted over REST, and binary protobuf (gRPC-Web) carrying the same message.
const submit: SubmitOpRequestJson = {
  canvasId: "c-1",
  version: "3",
  op: [{ p: ["title", 0], si: "Q3 " }],
  src: "tab-1",
  seq: "1",
};
const submitted = fromJson(SubmitOpRequestSchema, submit);
const overTheWire = fromBinary(SubmitOpRequestSchema, toBinary(SubmitOpRequestSchema, submitted));
sameJson(toJson(SubmitOpRequestSchema, overTheWire), submit, "SubmitOpRequest through binary and JSON");

// Services: every RPC with its types, its kind and its REST route.
same(CanvasService.typeName, "easel.v1.CanvasService", "CanvasService.typeName");
same(CanvasService.method.submitOp.input, SubmitOpRequestSchema, "SubmitOp's request type");
same(CanvasService.method.streamOps.methodKind, "server_streaming", "StreamOps's kind");
same(ProjectService.method.createProject.output, ProjectSchema, "CreateProject's answer type");
const createRoute = getOption(ProjectService.method.createProject, http);
same(createRoute.pattern.case, "post", "CreateProject's HTTP method");
same(createRoute.pattern.value, "/v1/projects", "CreateProject's path");
same(createRoute.body, "*", "CreateProject's body");

// Errors: the REST error body (google.rpc.Status fields plus grpc-code) and the binary
// google.rpc.Status of gRPC-Web's grpc-status-details-bin, with their details decoded.
const errorDetails = createRegistry(file_google_rpc_error_details);
const restError: JsonValue = {
  code: 5,
  "grpc-code": "NOT_FOUND",
  message: "no canvas c-9",
  details: [
    { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "CANVAS_NOT_FOUND", domain: "easel.dev" },
  ],
};
const status = fromJson(StatusSchema, restError, { registry: errorDetails, ignoreUnknownFields: true });
same(status.code, 5, "Status.code");
const detail = status.details[0];
if (detail === undefined) throw new Error("the error's ErrorInfo was lost");
same(anyUnpack(detail, ErrorInfoSchema)?.reason, "CANVAS_NOT_FOUND", "ErrorInfo.reason");
const invalid = create(StatusSchema, {
  code: 3,
  message: "name is empty",
  details: [
    anyPack(
      BadRequestSchema,
      create(BadRequestSchema, { fieldViolations: [{ field: "name", description: "1 to 200 characters" }] }),
    ),
  ],
});
const detailsBin = fromBinary(StatusSchema, toBinary(StatusSchema, invalid));
const [violations] = detailsBin.details.map((any) => anyUnpack(any, errorDetails));
if (!isMessage(violations, BadRequestSchema))
  throw new Error(`expected a BadRequest, got ${violations?.$typeName}`);
same(violations.fieldViolations[0]?.field, "name", "BadRequest.fieldViolations[0].field");

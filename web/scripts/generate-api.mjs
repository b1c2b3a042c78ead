// Generates the TypeScript of the easel.v1 API from the descriptor set the proto module builds.
//
//   node scripts/generate-api.mjs <descriptor set> <output folder>
//
// The input is proto/target/classes/easel/easel.pb: every easel.v1 file with its comments and,
// transitively, every file it imports (google/api, google/rpc status and error details, the
// well-known types). It is the descriptor set Envoy transcodes with, so the types describe the
// JSON the API really speaks. This script plays protoc's part for protoc-gen-es (protobuf-es):
// it hands the plugin a CodeGeneratorRequest for every file of the set except the well-known
// types (which the generated code imports from @bufbuild/protobuf/wkt) and writes the files of
// its answer. The output folder is emptied first: it holds nothing but generated code.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  CodeGeneratorRequestSchema,
  CodeGeneratorResponseSchema,
  FileDescriptorSetSchema,
} from "@bufbuild/protobuf/wkt";

// TypeScript sources; a *Json type next to each message type (the proto3 JSON shape: lowerCamelCase
// names, 64-bit integers as strings); imports with .js extensions, which Node, tsc and Vite all
// resolve.
const PARAMETER = "target=ts,json_types=true,import_extension=js";

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function fail(message) {
  console.error(`generate-api: ${message}`);
  process.exit(1);
}

const [descriptorSetArg, outArg] = process.argv.slice(2);
if (!descriptorSetArg || !outArg) {
  fail("usage: node scripts/generate-api.mjs <descriptor set (easel.pb)> <output folder>");
}
const descriptorSetPath = resolve(descriptorSetArg);
const outDir = resolve(outArg);
const outFromWeb = relative(webDir, outDir);
if (outFromWeb === "" || outFromWeb.startsWith("..") || outFromWeb.split(sep).includes("node_modules")) {
  // The folder is deleted before writing: only a folder of generated code inside web/ will do.
  fail(`the output folder must be a folder of generated code inside ${webDir}, not ${outDir}`);
}
if (!existsSync(descriptorSetPath)) {
  fail(
    `no descriptor set at ${descriptorSetPath}; the proto module builds it: ./mvnw -B -pl proto generate-sources`,
  );
}

const descriptorSet = fromBinary(FileDescriptorSetSchema, readFileSync(descriptorSetPath));
const toGenerate = descriptorSet.file
  .map((file) => file.name)
  .filter((name) => !name.startsWith("google/protobuf/"));
if (!toGenerate.some((name) => !name.startsWith("google/"))) {
  fail(`${descriptorSetPath} holds no easel file (only ${toGenerate.join(", ") || "well-known types"})`);
}

const request = create(CodeGeneratorRequestSchema, {
  fileToGenerate: toGenerate,
  parameter: PARAMETER,
  protoFile: descriptorSet.file,
});

const require = createRequire(import.meta.url);
const pluginPackage = require.resolve("@bufbuild/protoc-gen-es/package.json");
const pluginBin = join(
  dirname(pluginPackage),
  JSON.parse(readFileSync(pluginPackage, "utf8")).bin["protoc-gen-es"],
);
const run = spawnSync(process.execPath, [pluginBin], {
  input: toBinary(CodeGeneratorRequestSchema, request),
  maxBuffer: 256 * 1024 * 1024,
});
if (run.error) {
  fail(`could not run protoc-gen-es (${pluginBin}): ${run.error.message}`);
}
if (run.status !== 0) {
  fail(`protoc-gen-es exited with ${run.status ?? run.signal}: ${run.stderr.toString().trim()}`);
}

const response = fromBinary(CodeGeneratorResponseSchema, run.stdout);
if (response.error) {
  fail(`protoc-gen-es refused the request: ${response.error}`);
}
if (response.file.length === 0) {
  fail("protoc-gen-es wrote no file");
}

rmSync(outDir, { recursive: true, force: true });
for (const file of response.file) {
  if (file.insertionPoint) {
    fail(
      `protoc-gen-es asked for insertion point ${file.insertionPoint} in ${file.name}, which this script does not support`,
    );
  }
  const target = resolve(outDir, file.name);
  if (relative(outDir, target).startsWith("..")) {
    fail(`protoc-gen-es named a file outside the output folder: ${file.name}`);
  }
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, file.content);
}
console.log(
  `generate-api: ${response.file.length} files from ${toGenerate.length} protos into ${relative(process.cwd(), outDir) || "."}`,
);

// Uploading a file as a dataset through the server's resumable upload protocol (README, "Upload
// datasets"): POST .../datasets/<name>/uploads starts a session; each chunk is a PUT to its
// uploadUrl with Content-Range, answered 308 with Range (what the server has) until the last,
// answered 201 with the new version. When a chunk fails on the way (the connection dropped, the
// server restarted), the uploader asks the session how far it got (`Content-Range: bytes */total`)
// and goes on from there. The session's address is remembered in localStorage for the same file,
// so a reload of the page resumes it too. XMLHttpRequest rather than fetch: it reports upload
// progress.
import type { UploadDatasetResponseJson } from "../api/gen/v1/datasets_pb.js";
import { apiError, cookie, refreshSession } from "../api/http";

/** Bytes per PUT: big enough to keep the line busy, small enough to lose little on a drop. */
export const CHUNK_SIZE = 8 * 1024 * 1024;
/** Tries after a failed chunk before giving up (waits 0.5 s, 1 s, 2 s … 8 s between them). */
const RETRIES = 8;

export type UploadProgress = {
  /** Bytes the server has, or is receiving now. */
  sent: number;
  total: number;
  /** uploading; resuming after a failure; importing once every byte is there. */
  phase: "uploading" | "resuming" | "importing";
  /** How often the upload went on after a failure. */
  resumes: number;
};

/** The media type to declare for a file: its own, or from its extension; "" to let the server sniff. */
export function uploadType(file: { name: string; type: string }): string {
  if (file.type) return file.type;
  const extension = file.name.toLowerCase().split(".").pop() ?? "";
  const byExtension: Record<string, string> = {
    csv: "text/csv",
    tsv: "text/tab-separated-values",
    json: "application/json",
    ndjson: "application/x-ndjson",
    jsonl: "application/x-ndjson",
    parquet: "application/vnd.apache.parquet",
  };
  return byExtension[extension] ?? "";
}

/** A dataset name from a file name: `Sales 2024.csv` → `sales_2024` (the server checks it again). */
export function datasetName(fileName: string): string {
  const base = fileName.replace(/\.[^.]*$/, "").toLowerCase();
  let name = base.replace(/[^a-z0-9_]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 63);
  if (!name) name = "dataset";
  if (/^[0-9]/.test(name)) name = `d_${name}`.slice(0, 63);
  return name;
}

/** The number of bytes a `Range: bytes=0-n` header says the server has (0 without one). */
export function receivedBytes(range: string | null): number {
  const match = /^bytes=0-(\d+)$/.exec((range ?? "").trim());
  return match ? Number(match[1]) + 1 : 0;
}

type Answer = { status: number; text: string; range: string | null };

/** A network failure (no HTTP answer at all), which a retry may get past. */
class Dropped extends Error {}

function send(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: Blob | null,
  onSent: (loaded: number) => void,
  signal: AbortSignal,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(method, url);
    request.withCredentials = true;
    for (const [name, value] of Object.entries(headers)) request.setRequestHeader(name, value);
    request.setRequestHeader("X-CSRF-Token", cookie("easel_csrf"));
    request.upload.onprogress = (event) => onSent(event.loaded);
    request.onload = () =>
      resolve({ status: request.status, text: request.responseText, range: request.getResponseHeader("Range") });
    request.onerror = () => reject(new Dropped("the connection dropped"));
    request.ontimeout = () => reject(new Dropped("the server did not answer in time"));
    const abort = () => request.abort();
    request.onabort = () => reject(new DOMException("upload cancelled", "AbortError"));
    signal.addEventListener("abort", abort, { once: true });
    request.send(body);
  });
}

/** `send`, once more after a renewed session when the access cookie expired (401). */
async function sendSignedIn(...args: Parameters<typeof send>): Promise<Answer> {
  const answer = await send(...args);
  if (answer.status === 401 && (await refreshSession())) return send(...args);
  return answer;
}

const sessionKey = (projectId: string, name: string, file: File) =>
  `easel-upload:${projectId}:${name}:${file.name}:${file.size}:${file.lastModified}`;

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new DOMException("upload cancelled", "AbortError"));
    });
  });

/**
 * Uploads `file` as (a new version of) dataset `name` of the project, reporting progress; resolves
 * to the server's answer (the new version and its preview), rejects with the server's ApiError (a
 * bad file: what is wrong and where) or, after RETRIES failed tries in a row, with the last failure.
 */
export async function uploadDataset(
  projectId: string,
  name: string,
  file: File,
  onProgress: (progress: UploadProgress) => void,
  signal: AbortSignal,
  chunkSize: number = CHUNK_SIZE,
): Promise<UploadDatasetResponseJson> {
  const total = file.size;
  const type = uploadType(file);
  const key = sessionKey(projectId, name, file);
  const progress: UploadProgress = { sent: 0, total, phase: "uploading", resumes: 0 };
  const report = (change: Partial<UploadProgress>) => onProgress(Object.assign(progress, change));
  const datasetPath = `/v1/projects/${encodeURIComponent(projectId)}/datasets/${encodeURIComponent(name)}`;
  const done = (answer: Answer) => {
    localStorage.removeItem(key);
    return JSON.parse(answer.text) as UploadDatasetResponseJson;
  };

  if (total === 0) {
    // Nothing to resume: one PUT, and the server says what it makes of an empty file.
    const answer = await sendSignedIn("PUT", datasetPath, type ? { "Content-Type": type } : {}, file, () => {}, signal);
    if (answer.status >= 300) throw apiError(answer.status, answer.text);
    return done(answer);
  }

  // A session this browser started for the same file, if the server still has it.
  let uploadUrl = localStorage.getItem(key);
  let offset = 0;
  if (uploadUrl) {
    const status = await sendSignedIn("PUT", uploadUrl, { "Content-Range": `bytes */${total}` }, null, () => {}, signal).catch(
      () => null,
    );
    if (status?.status === 308) {
      offset = receivedBytes(status.range);
      progress.resumes++;
    } else {
      uploadUrl = null;
    }
  }
  if (!uploadUrl) {
    const headers: Record<string, string> = { "X-Upload-Content-Length": String(total) };
    if (type) headers["X-Upload-Content-Type"] = type;
    const started = await sendSignedIn("POST", `${datasetPath}/uploads`, headers, null, () => {}, signal);
    if (started.status !== 201) throw apiError(started.status, started.text);
    uploadUrl = (JSON.parse(started.text) as { uploadUrl: string }).uploadUrl;
    localStorage.setItem(key, uploadUrl);
  }
  const url = uploadUrl;

  let failures = 0;
  for (;;) {
    report({ sent: offset, phase: offset > 0 && failures > 0 ? "resuming" : "uploading" });
    const end = Math.min(total, offset + chunkSize);
    const from = offset;
    let answer: Answer;
    try {
      answer = await sendSignedIn(
        "PUT",
        url,
        { "Content-Range": `bytes ${from}-${end - 1}/${total}` },
        file.slice(from, end),
        (loaded) => report({ sent: from + loaded, phase: from + loaded >= total ? "importing" : "uploading" }),
        signal,
      );
      if (answer.status === 503 || answer.status === 502 || answer.status === 504) throw new Dropped(`HTTP ${answer.status}`);
    } catch (failure) {
      if (!(failure instanceof Dropped) || ++failures > RETRIES) throw failure;
      report({ phase: "resuming", resumes: progress.resumes + 1 });
      await pause(Math.min(8000, 500 * 2 ** (failures - 1)), signal);
      // How far did it get? Bytes of the failed chunk that arrived are kept by the server.
      try {
        const status = await sendSignedIn("PUT", url, { "Content-Range": `bytes */${total}` }, null, () => {}, signal);
        if (status.status === 308) offset = receivedBytes(status.range);
        else if (status.status < 300) return done(status);
        else if (status.status !== 503) throw apiError(status.status, status.text);
      } catch (again) {
        if (!(again instanceof Dropped)) throw again;
      }
      continue;
    }
    if (answer.status === 308) {
      failures = 0;
      offset = receivedBytes(answer.range);
    } else if (answer.status === 409 && answer.range !== null) {
      offset = receivedBytes(answer.range); // UPLOAD_OFFSET_MISMATCH: go on from what it has
    } else if (answer.status >= 200 && answer.status < 300) {
      return done(answer);
    } else {
      localStorage.removeItem(key); // the session is over (a bad file, too large, expired)
      throw apiError(answer.status, answer.text);
    }
  }
}

/** Whether a failed upload was cancelled by its person (not worth an error message). */
export function wasCancelled(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

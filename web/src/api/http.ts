// Calls to Easel's REST API from the browser. The session lives in cookies the server sets
// (easel_access, easel_refresh, and easel_csrf, which page scripts may read): every change carries
// the CSRF token in X-CSRF-Token, as CsrfGuard requires, and an expired access token is renewed once
// through /v1/auth/browser/refresh before the call is retried.

/** The error body every HTTP answer of Easel shares: `{code, grpc-code, message, details}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The ErrorInfo reason, e.g. MFA_REQUIRED, ETAG_MISMATCH, PERMISSION_DENIED. */
    readonly reason: string,
    /** Field violations of a BadRequest detail: JSON path of the field to its description. */
    readonly fields: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

type Detail = {
  "@type"?: string;
  reason?: string;
  fieldViolations?: { field?: string; description?: string }[];
};

/** Reads Easel's error body (or whatever came instead) into an ApiError. */
export function apiError(status: number, text: string): ApiError {
  let body: { message?: unknown; "grpc-code"?: unknown; details?: unknown } | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === "object") body = parsed as typeof body;
  } catch {
    body = undefined;
  }
  const message =
    typeof body?.message === "string" && body.message !== ""
      ? body.message
      : `the server answered HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ""}`;
  let reason = typeof body?.["grpc-code"] === "string" ? body["grpc-code"] : "";
  const fields: Record<string, string> = {};
  if (Array.isArray(body?.details)) {
    for (const detail of body.details as Detail[]) {
      if (detail["@type"]?.endsWith("google.rpc.ErrorInfo") && detail.reason) reason = detail.reason;
      for (const violation of detail.fieldViolations ?? []) {
        if (violation.field) fields[violation.field] = violation.description ?? "invalid";
      }
    }
  }
  return new ApiError(status, message, reason, fields);
}

/** The value of a cookie page scripts may read, or "" when there is none. */
export function cookie(name: string, cookies: string = document.cookie): string {
  for (const part of cookies.split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return decodeURIComponent(value.join("="));
  }
  return "";
}

const CHANGES = new Set(["POST", "PUT", "PATCH", "DELETE"]);
let refreshing: Promise<boolean> | null = null;

/** Renews the access cookie from the refresh cookie; false when there is no session to renew. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= fetch("/v1/auth/browser/refresh", {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRF-Token": cookie("easel_csrf") },
  })
    .then((response) => response.ok)
    .catch(() => false)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/**
 * One JSON call: resolves to the answer's JSON, rejects with an ApiError. A 401 is retried once
 * after a refresh of the session (unless `retry` is false, as for sign-in itself); `signal` aborts
 * it (a page of a result nobody looks at any more).
 */
export async function call<T>(
  method: string,
  path: string,
  body?: unknown,
  retry = true,
  signal?: AbortSignal,
): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (CHANGES.has(method)) headers["X-CSRF-Token"] = cookie("easel_csrf");
  const init: RequestInit = { method, headers, credentials: "same-origin" };
  if (body !== undefined) init.body = JSON.stringify(body);
  if (signal) init.signal = signal;
  const response = await fetch(path, init);
  const text = await response.text();
  if (response.status === 401 && retry && (await refreshSession())) {
    return call<T>(method, path, body, false, signal);
  }
  if (!response.ok) throw apiError(response.status, text);
  return (text ? JSON.parse(text) : {}) as T;
}

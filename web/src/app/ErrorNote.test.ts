import { describe, expect, it } from "vitest";
import { apiError } from "../api/http";
import { isRefusal } from "./ErrorNote";

describe("isRefusal", () => {
  it("takes a 403 of the API and the socket's permission error for refusals, nothing else", () => {
    const body = JSON.stringify({
      code: 7,
      message: "Only editors and owners may upload or rename datasets; you are a viewer of this project",
      details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "PERMISSION_DENIED" }],
    });
    expect(isRefusal(apiError(403, body))).toBe(true);
    expect(isRefusal(apiError(400, "{}"))).toBe(false);
    expect(isRefusal(Object.assign(new Error("Only editors and owners may edit its canvases"), { code: "ERR_PERMISSION_DENIED" }))).toBe(true);
    expect(isRefusal(Object.assign(new Error("gone"), { code: "ERR_DOC_DOES_NOT_EXIST" }))).toBe(false);
    expect(isRefusal(null)).toBe(false);
    expect(isRefusal("no")).toBe(false);
  });
});

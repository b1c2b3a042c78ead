import { describe, expect, it } from "vitest";
import { apiError, cookie } from "./http";

describe("the API's error body", () => {
  it("reads the reason of the ErrorInfo and the fields of a BadRequest", () => {
    const body = JSON.stringify({
      code: 3,
      "grpc-code": "INVALID_ARGUMENT",
      message: "email: must be an email address",
      details: [
        { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "INVALID_ARGUMENT", domain: "easel.dev" },
        {
          "@type": "type.googleapis.com/google.rpc.BadRequest",
          fieldViolations: [{ field: "email", description: "must be an email address" }],
        },
      ],
    });
    const error = apiError(400, body);
    expect(error.message).toBe("email: must be an email address");
    expect(error.reason).toBe("INVALID_ARGUMENT");
    expect(error.fields).toEqual({ email: "must be an email address" });
  });

  it("names MFA_REQUIRED, which brings up the second-factor step", () => {
    const body = JSON.stringify({
      code: 16,
      "grpc-code": "UNAUTHENTICATED",
      message: "this account needs its authenticator code",
      details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "MFA_REQUIRED" }],
    });
    expect(apiError(401, body).reason).toBe("MFA_REQUIRED");
  });

  it("says what came when the answer is not Easel's error body", () => {
    const error = apiError(502, "<html>Bad gateway</html>");
    expect(error.message).toBe("the server answered HTTP 502: <html>Bad gateway</html>");
    expect(error.reason).toBe("");
  });
});

describe("cookies page scripts may read", () => {
  it("finds the CSRF token among others, decoded", () => {
    expect(cookie("easel_csrf", "theme=dark; easel_csrf=a%2Db=c; other=1")).toBe("a-b=c");
    expect(cookie("easel_csrf", "theme=dark")).toBe("");
  });
});

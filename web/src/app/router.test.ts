import { describe, expect, it } from "vitest";
import { match } from "./router";

describe("routes", () => {
  it("read their parameters, decoded, and match whole paths only", () => {
    expect(match("/projects/:projectId/canvases/:canvasId", "/projects/p_1/canvases/a%20b")).toEqual({
      projectId: "p_1",
      canvasId: "a b",
    });
    expect(match("/projects/:projectId", "/projects/p_1/canvases/c1")).toBeNull();
    expect(match("/projects/:projectId", "/project/p_1")).toBeNull();
    expect(match("/projects", "/projects/")).toEqual({});
  });
});

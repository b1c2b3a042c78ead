import { describe, expect, it } from "vitest";
import { cellText, elapsedSeconds, errorRange, formatDuration, runBadge, runProgress } from "./runs";

const T0 = Date.parse("2026-12-02T09:00:00Z");

describe("run state", () => {
  it("counts whole seconds since the run started, never below zero", () => {
    expect(elapsedSeconds("2026-12-02T09:00:00Z", T0)).toBe(0);
    expect(elapsedSeconds("2026-12-02T09:00:00Z", T0 + 2999)).toBe(2);
    expect(elapsedSeconds("2026-12-02T09:00:00.500Z", T0 + 61_500)).toBe(61);
    expect(elapsedSeconds("2026-12-02T09:00:05Z", T0)).toBe(0);
    expect(elapsedSeconds(undefined, T0)).toBe(0);
    expect(elapsedSeconds("not a time", T0)).toBe(0);
  });

  it("says durations for people", () => {
    expect(formatDuration(12)).toBe("12 ms");
    expect(formatDuration(2449)).toBe("2.4 s");
    expect(formatDuration(185_000)).toBe("3 min 5 s");
  });

  it("maps each state to its badge", () => {
    expect(runBadge(undefined, T0)).toBeNull();
    expect(runBadge({ state: "idle" }, T0)).toBeNull();
    expect(runBadge({ state: "queued", queuedAt: "2026-12-02T09:00:00Z" }, T0)).toEqual({ label: "queued", color: "gray" });
    expect(runBadge({ state: "running", startedAt: "2026-12-02T08:59:57Z" }, T0)).toEqual({ label: "running 3 s", color: "blue" });
    expect(runBadge({ state: "done", rowCount: 1, durationMs: 8 }, T0)).toEqual({ label: "done · 1 row · 8 ms", color: "green" });
    expect(runBadge({ state: "done", rowCount: 12345, durationMs: 1500 }, T0)?.label).toBe("done · 12,345 rows · 1.5 s");
    expect(runBadge({ state: "stale", rowCount: 3 }, T0)).toEqual({ label: "stale", color: "yellow" });
    expect(runBadge({ state: "failed", error: { message: "Parser Error" } }, T0)).toEqual({ label: "failed", color: "red" });
  });

  it("shows a running cell's progress when its query estimates it", () => {
    const started = "2026-12-02T08:59:55Z";
    expect(runBadge({ state: "running", startedAt: started, progress: 0.42 }, T0)).toEqual({ label: "running 5 s · 42%", color: "blue" });
    expect(runProgress({ state: "running", startedAt: started, progress: 0.425 })).toBe(43);
    expect(runProgress({ state: "running", startedAt: started })).toBeNull();
    expect(runProgress({ state: "running", progress: 1.5 })).toBe(100);
    expect(runProgress({ state: "running", progress: -0.2 })).toBe(0);
    expect(runProgress({ state: "running", progress: Number.NaN })).toBeNull();
    // Only a running cell has progress to show.
    expect(runProgress({ state: "done", progress: 0.5 })).toBeNull();
    expect(runProgress(undefined)).toBeNull();
  });

  it("shows preview values as text", () => {
    expect(cellText(42)).toBe("42");
    expect(cellText("north")).toBe("north");
    expect(cellText(null)).toBe("NULL");
    expect(cellText(true)).toBe("true");
    expect(cellText({ a: [1] })).toBe('{"a":[1]}');
  });
});

describe("errorRange", () => {
  const sql = "SELECT region,\n  count(*\nFROM orders";

  it("turns line and column (from 1) into the offsets of the word there", () => {
    expect(errorRange(sql, { message: "m", line: 1, column: 1 })).toEqual({ from: 0, to: 6 });
    expect(errorRange(sql, { message: "m", line: 3, column: 1 })).toEqual({ from: 25, to: 29 });
    expect(sql.slice(25, 29)).toBe("FROM");
    // on punctuation: that one character
    expect(errorRange(sql, { message: "m", line: 2, column: 8 })).toEqual({ from: 22, to: 23 });
    expect(sql.charAt(22)).toBe("(");
  });

  it("marks a point at the end of a line or of the text", () => {
    expect(errorRange(sql, { message: "m", line: 1, column: 15 })).toEqual({ from: 14, to: 14 });
    expect(errorRange(sql, { message: "m", line: 3, column: 12 })).toEqual({ from: sql.length, to: sql.length });
  });

  it("falls back on the position in characters", () => {
    expect(errorRange(sql, { message: "m", position: 7 })).toEqual({ from: 7, to: 13 });
    expect(errorRange(sql, { message: "m", position: sql.length })).toEqual({ from: sql.length, to: sql.length });
  });

  it("marks nothing where the error names no place in this text", () => {
    expect(errorRange(sql, undefined)).toBeNull();
    expect(errorRange(sql, { message: "Catalog Error" })).toBeNull();
    expect(errorRange(sql, { message: "m", line: 4, column: 1 })).toBeNull();
    expect(errorRange(sql, { message: "m", line: 1, column: 40 })).toBeNull();
    expect(errorRange(sql, { message: "m", position: 400 })).toBeNull();
    expect(errorRange(sql, { message: "m", position: -1 })).toBeNull();
  });

  it("agrees with the runner's line and column for text with astral characters", () => {
    // The runner counts UTF-16 code units (Java chars) per column, as CodeMirror does.
    const text = "SELECT '😀' x\nFRM t";
    expect(errorRange(text, { message: "m", line: 2, column: 1, position: 14 })).toEqual({ from: 14, to: 17 });
  });
});

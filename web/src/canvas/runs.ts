// The run state of a canvas's SQL cells: the server-written `canvas-runs` document (same id as the
// canvas, read-only to clients), what a cell shows of it, and RunCell.
import { call } from "../api/http";

export const RUNS_COLLECTION = "canvas-runs";

export type RunState = "idle" | "stale" | "queued" | "running" | "done" | "failed";

/** Where a run failed, as the runner writes it: `position` in characters, `line` and `column` from 1. */
export type RunError = { message: string; reason?: string; position?: number; line?: number; column?: number };

/** One SQL cell's run state in the `canvas-runs` document. */
export type CellRun = {
  state: RunState;
  queuedAt?: string;
  startedAt?: string;
  /** While running: how far the query has come (0 to 1), when DuckDB estimates it. */
  progress?: number;
  finishedAt?: string;
  durationMs?: number;
  resultId?: string;
  rowCount?: number;
  truncated?: boolean;
  columns?: { name: string; type: string }[];
  preview?: unknown[][];
  error?: RunError;
  /** The cell's kind (sql or chart) and the cells it reads: the DAG's arrows. */
  kind?: string;
  reads?: string[];
};

export type RunsData = { cells?: Record<string, CellRun> };

/** What a cell's badge says about its run. */
export type RunBadge = { label: string; color: string };

/** Whole seconds from an ISO instant to `now` (milliseconds since the epoch), never below 0. */
export function elapsedSeconds(since: string | undefined, now: number): number {
  const start = since ? Date.parse(since) : NaN;
  if (Number.isNaN(start)) return 0;
  return Math.max(0, Math.floor((now - start) / 1000));
}

/**
 * A running cell's progress as a whole percentage (0 to 100), or null when the cell is not running
 * or its query gives no estimate.
 */
export function runProgress(run: CellRun | undefined): number | null {
  if (run?.state !== "running" || typeof run.progress !== "number" || !Number.isFinite(run.progress)) return null;
  return Math.round(Math.min(1, Math.max(0, run.progress)) * 100);
}

/** A run's duration for people: "850 ms", "2.4 s", "3 min 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

function rows(count: number): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? "row" : "rows"}`;
}

/** The badge of a cell's run state at `now`; null for a cell that never ran (or has no state yet). */
export function runBadge(run: CellRun | undefined, now: number): RunBadge | null {
  switch (run?.state) {
    case "queued":
      return { label: "queued", color: "gray" };
    case "running": {
      const percent = runProgress(run);
      const label = `running ${elapsedSeconds(run.startedAt, now)} s`;
      return { label: percent === null ? label : `${label} · ${percent}%`, color: "blue" };
    }
    case "done": {
      const parts = ["done"];
      if (run.rowCount !== undefined) parts.push(rows(run.rowCount));
      if (run.durationMs !== undefined) parts.push(formatDuration(run.durationMs));
      return { label: parts.join(" · "), color: "green" };
    }
    case "stale":
      return { label: "stale", color: "yellow" };
    case "failed":
      return { label: "failed", color: "red" };
    default:
      return null;
  }
}

/**
 * The range of the cell's text an error points at, as editor offsets: from `line`/`column` (1-based)
 * when given, else `position`; to the end of the word there (at least one character, when there is
 * one). Null when the error names no place or the place is not in this text (it was edited since).
 */
export function errorRange(text: string, error: RunError | undefined): { from: number; to: number } | null {
  if (!error) return null;
  let from: number;
  if (error.line !== undefined && error.column !== undefined && error.line >= 1 && error.column >= 1) {
    const lines = text.split("\n");
    const line = lines[error.line - 1];
    if (line === undefined || error.column - 1 > line.length) return null;
    from = lines.slice(0, error.line - 1).reduce((sum, l) => sum + l.length + 1, 0) + error.column - 1;
  } else if (error.position !== undefined && error.position >= 0 && error.position <= text.length) {
    from = error.position;
  } else {
    return null;
  }
  let to = from;
  while (to < text.length && /\w/.test(text.charAt(to))) to++;
  if (to === from && from < text.length && text.charAt(from) !== "\n") to = from + 1;
  return { from, to };
}

/** A preview value as text: strings as they are, null as NULL, the rest as JSON. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/** CanvasService.RunCell: runs the cell (after what it reads) and answers its run state once done. */
export function runCell(canvasId: string, cellId: string): Promise<unknown> {
  return call("POST", `/v1/canvases/${encodeURIComponent(canvasId)}/cells/${encodeURIComponent(cellId)}:run`, {});
}

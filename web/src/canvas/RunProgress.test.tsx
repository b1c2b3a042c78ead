// @vitest-environment jsdom
import { MantineProvider } from "@mantine/core";
import { cleanup, render } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { RunProgress } from "./RunProgress";
import type { CellRun } from "./runs";

// jsdom has no matchMedia, which Mantine reads for the color scheme: answer as a browser without a
// preference would.
window.matchMedia ??= (query: string) =>
  ({
    matches: false,
    media: query,
    onchange: null,
    addEventListener: () => {},
    removeEventListener: () => {},
    addListener: () => {},
    removeListener: () => {},
    dispatchEvent: () => false,
  }) as MediaQueryList;

function shown(run: CellRun | undefined): HTMLElement | null {
  const { container } = render(
    <MantineProvider>
      <RunProgress run={run} label="totals" />
    </MantineProvider>,
  );
  return container.querySelector<HTMLElement>("[data-run-progress]");
}

afterEach(cleanup);

describe("RunProgress", () => {
  it("shows how far a running cell has come", () => {
    const bar = shown({ state: "running", startedAt: "2026-12-02T09:00:00Z", progress: 0.42 });
    expect(bar?.dataset.runProgress).toBe("42");
    expect(bar?.querySelector('[role="progressbar"]')?.getAttribute("aria-valuenow")).toBe("42");
    expect(bar?.querySelector('[role="progressbar"]')?.getAttribute("aria-label")).toBe("totals is 42% done");
  });

  it("shows nothing without an estimate or once the run ended", () => {
    expect(shown({ state: "running", startedAt: "2026-12-02T09:00:00Z" })).toBeNull();
    expect(shown({ state: "done", progress: 0.9 })).toBeNull();
    expect(shown(undefined)).toBeNull();
  });
});

// @vitest-environment jsdom
import { MantineProvider } from "@mantine/core";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { GuidedTour, TOUR_STEPS, tourDone, tourKey } from "./GuidedTour";
import { withMatchMedia } from "./jsdomMedia";

beforeAll(withMatchMedia);
afterEach(cleanup);

describe("GuidedTour", () => {
  it("walks through its steps and, skipped, is remembered for that person only", () => {
    window.localStorage.clear();
    const tour = (userId: string) => (
      <MantineProvider>
        <GuidedTour userId={userId} />
      </MantineProvider>
    );
    const { unmount } = render(tour("u1"));
    expect(screen.getByText(TOUR_STEPS[0]!.title)).toBeTruthy();
    fireEvent.click(screen.getByText("Next"));
    expect(screen.getByText(TOUR_STEPS[1]!.title)).toBeTruthy();
    fireEvent.click(screen.getByText("Skip tour"));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(window.localStorage.getItem(tourKey("u1"))).toBe("yes");
    unmount();
    render(tour("u1"));
    expect(screen.queryByRole("dialog")).toBeNull();
    cleanup();
    render(tour("u2"));
    expect(screen.getByRole("dialog")).toBeTruthy();
    expect(tourDone("u2")).toBe(false);
  });
});

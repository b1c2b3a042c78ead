import { describe, expect, it } from "vitest";
import { MAX_SCROLL_HEIGHT, PageWindow, ROW_HEIGHT, ScrollGeometry } from "./resultWindow";

describe("ScrollGeometry", () => {
  it("scrolls a short result pixel for pixel", () => {
    const geometry = new ScrollGeometry(100, 280);
    expect(geometry.scaled).toBe(false);
    expect(geometry.contentHeight).toBe(100 * ROW_HEIGHT);
    expect(geometry.viewport(0)).toEqual({ first: 0, last: 9, shift: 0 });
    expect(geometry.viewport(ROW_HEIGHT * 5 + 3)).toEqual({ first: 5, last: 15, shift: 3 });
    // The bottom shows the last row whole.
    expect(geometry.viewport(geometry.maxScrollTop)).toEqual({ first: 90, last: 99, shift: 0 });
    expect(geometry.scrollTopFor(42)).toBe(42 * ROW_HEIGHT);
  });

  it("fits a million rows into the largest scroll range and still reaches the last row", () => {
    const geometry = new ScrollGeometry(1_000_000, 560);
    expect(geometry.scaled).toBe(true);
    expect(geometry.contentHeight).toBe(MAX_SCROLL_HEIGHT);
    expect(geometry.viewport(0).first).toBe(0);
    const end = geometry.viewport(geometry.maxScrollTop);
    expect(end.last).toBe(999_999);
    expect(end.first).toBe(999_980);
    // Past the end (an overscrolling browser) is the end.
    expect(geometry.viewport(geometry.maxScrollTop + 500)).toEqual(end);
    // Half way down is half way through the rows.
    const middle = geometry.viewport(geometry.maxScrollTop / 2);
    expect(Math.abs(middle.first - (1_000_000 * ROW_HEIGHT - 560) / 2 / ROW_HEIGHT)).toBeLessThan(1);
  });

  it("maps a row to a scroll position and back", () => {
    const geometry = new ScrollGeometry(1_000_000, 560);
    for (const row of [0, 1, 12_345, 500_000, 999_000]) {
      expect(geometry.viewport(geometry.scrollTopFor(row)).first).toBe(row);
    }
    expect(geometry.viewport(geometry.scrollTopFor(999_999)).last).toBe(999_999);
  });

  it("has no rows on screen for an empty result, and one page for a tiny one", () => {
    expect(new ScrollGeometry(0, 400).viewport(0)).toEqual({ first: 0, last: -1, shift: 0 });
    const tiny = new ScrollGeometry(3, 400);
    expect(tiny.maxScrollTop).toBe(0);
    expect(tiny.viewport(50)).toEqual({ first: 0, last: 2, shift: 0 });
  });
});

describe("PageWindow", () => {
  it("asks only for the pages of the rows on screen, once each", () => {
    const window = new PageWindow<number>(100, 4);
    expect(window.missing(250, 420)).toEqual([2, 3, 4]);
    expect(window.offsetOf(3)).toBe(300);
    window.fetching(2);
    window.fetching(3);
    expect(window.missing(250, 420)).toEqual([4]);
    window.abandoned(3);
    expect(window.missing(250, 420)).toEqual([3, 4]);
  });

  it("jumping to the end needs the last pages only, not those in between", () => {
    const pageSize = 500;
    const window = new PageWindow<number>(pageSize, 6);
    const geometry = new ScrollGeometry(1_000_000, 560);
    const top = geometry.viewport(0);
    expect(window.missing(top.first, top.last)).toEqual([0]);
    const end = geometry.viewport(geometry.maxScrollTop);
    expect(window.missing(end.first, end.last)).toEqual([1999]);
    expect(window.offsetOf(1999)).toBe(999_500);
  });

  it("keeps at most maxPages, dropping the least recently used, but never those on screen", () => {
    const window = new PageWindow<string>(10, 3);
    const fill = (page: number) => Array.from({ length: 10 }, (_, i) => `row ${page * 10 + i}`);
    window.put(0, fill(0), 0, 9);
    window.put(1, fill(1), 10, 19);
    window.put(2, fill(2), 20, 29);
    expect(window.row(5)).toBe("row 5"); // page 0 is now the most recently used
    window.put(3, fill(3), 30, 39);
    expect(window.held()).toEqual([2, 0, 3]);
    expect(window.row(15)).toBeUndefined();
    // Pages on screen stay even when there are more of them than maxPages.
    window.put(4, fill(4), 0, 49);
    expect(window.held()).toEqual([2, 0, 3, 4]);
    window.put(5, fill(5), 50, 59);
    expect(window.held().length).toBe(3);
    expect(window.held()).toContain(5);
  });

  it("refuses a window that could hold nothing", () => {
    expect(() => new PageWindow(0, 3)).toThrow();
    expect(() => new PageWindow(10, 0)).toThrow();
  });
});

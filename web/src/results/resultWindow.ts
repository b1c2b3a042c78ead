// The paging window of a result grid: which pages of a stored result the rows on screen need,
// which pages to keep (a bounded window, the least recently seen dropped first), and where in the
// scroll range each row lies. A million rows are more pixels than a browser lets an element be, so
// past `MAX_SCROLL_HEIGHT` the scroll range is scaled: the thumb's position is the row's share of
// the result, and the rows on screen are still drawn at their full height.

/** The height of one row of the grid, in CSS pixels. */
export const ROW_HEIGHT = 28;

/** The tallest scroll range the grid makes; Chromium caps elements near 33.5 million pixels. */
export const MAX_SCROLL_HEIGHT = 8_000_000;

/** Where the rows on screen come from, for a scroll position. */
export type Viewport = {
  /** The first row on screen, maybe in part (0-based). */
  first: number;
  /** The last row on screen, maybe in part (inclusive; -1 for an empty result). */
  last: number;
  /** How far above the viewport's top the first row's top is, in pixels (0 ≤ shift < ROW_HEIGHT). */
  shift: number;
};

/** The scroll geometry of a result of `rowCount` rows in a viewport `height` pixels high. */
export class ScrollGeometry {
  /** The height of the scrolled content (the spacer), in pixels. */
  readonly contentHeight: number;

  constructor(
    readonly rowCount: number,
    readonly height: number,
    readonly rowHeight: number = ROW_HEIGHT,
    readonly maxHeight: number = MAX_SCROLL_HEIGHT,
  ) {
    this.contentHeight = Math.min(rowCount * rowHeight, Math.max(maxHeight, height));
  }

  /** Whether the scroll range is scaled (fewer pixels than rows × row height). */
  get scaled(): boolean {
    return this.contentHeight < this.rowCount * this.rowHeight;
  }

  /** The largest scrollTop. */
  get maxScrollTop(): number {
    return Math.max(0, this.contentHeight - this.height);
  }

  /** The rows on screen at `scrollTop`. */
  viewport(scrollTop: number): Viewport {
    if (this.rowCount === 0) return { first: 0, last: -1, shift: 0 };
    const top = Math.min(Math.max(0, scrollTop), this.maxScrollTop);
    const fullRange = Math.max(0, this.rowCount * this.rowHeight - this.height);
    // The pixel of the whole (unscaled) result at the viewport's top.
    const pixel = this.maxScrollTop === 0 ? 0 : (top / this.maxScrollTop) * fullRange;
    const first = Math.min(this.rowCount - 1, Math.floor(pixel / this.rowHeight));
    const shift = pixel - first * this.rowHeight;
    const last = Math.min(this.rowCount - 1, Math.floor((pixel + this.height - 1) / this.rowHeight));
    return { first, last, shift };
  }

  /** The scrollTop that shows `row` at the viewport's top (or as near as the end allows). */
  scrollTopFor(row: number): number {
    const fullRange = Math.max(0, this.rowCount * this.rowHeight - this.height);
    if (fullRange === 0) return 0;
    const pixel = Math.min(Math.max(0, row) * this.rowHeight, fullRange);
    return (pixel / fullRange) * this.maxScrollTop;
  }
}

/** A bounded set of a result's pages, fixed-size pages of `pageSize` rows numbered from 0. */
export class PageWindow<Row> {
  private readonly pages = new Map<number, Row[]>();
  private readonly pending = new Set<number>();

  constructor(
    readonly pageSize: number,
    /** The most pages kept; those on screen are kept even beyond it. */
    readonly maxPages: number,
  ) {
    if (pageSize < 1 || maxPages < 1) throw new Error("a page window needs a page size and room for a page");
  }

  /** The page that holds `row`. */
  pageOf(row: number): number {
    return Math.floor(row / this.pageSize);
  }

  /** The row a page starts at: the offset to ask GetQueryResult for. */
  offsetOf(page: number): number {
    return page * this.pageSize;
  }

  /** The pages rows `first`..`last` (inclusive) need, in order. */
  pagesFor(first: number, last: number): number[] {
    if (last < first) return [];
    const pages: number[] = [];
    for (let page = this.pageOf(first); page <= this.pageOf(last); page++) pages.push(page);
    return pages;
  }

  /** The pages of rows `first`..`last` neither held nor being fetched. */
  missing(first: number, last: number): number[] {
    return this.pagesFor(first, last).filter((page) => !this.pages.has(page) && !this.pending.has(page));
  }

  /** Marks a page as being fetched (so it is not asked for twice). */
  fetching(page: number): void {
    this.pending.add(page);
  }

  /** A fetch that will not be answered (failed or abandoned): the page may be asked for again. */
  abandoned(page: number): void {
    this.pending.delete(page);
  }

  /** Whether a page is being fetched. */
  isFetching(page: number): boolean {
    return this.pending.has(page);
  }

  /**
   * Keeps a fetched page, then drops the least recently used pages beyond `maxPages`, except the
   * pages of rows `first`..`last` (those on screen now).
   */
  put(page: number, rows: Row[], first: number, last: number): void {
    this.pending.delete(page);
    this.pages.delete(page);
    this.pages.set(page, rows);
    const onScreen = new Set(this.pagesFor(first, last));
    for (const held of this.pages.keys()) {
      if (this.pages.size <= this.maxPages) break;
      if (!onScreen.has(held)) this.pages.delete(held);
    }
  }

  /** The row, when its page is held (and marks the page as just used); undefined otherwise. */
  row(row: number): Row | undefined {
    const page = this.pageOf(row);
    const rows = this.pages.get(page);
    if (!rows) return undefined;
    this.pages.delete(page);
    this.pages.set(page, rows);
    return rows[row - this.offsetOf(page)];
  }

  /** The numbers of the pages held, least recently used first. */
  held(): number[] {
    return [...this.pages.keys()];
  }
}

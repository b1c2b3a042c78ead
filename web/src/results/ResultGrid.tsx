import { Alert, Button, Group, Loader, NumberInput, Text } from "@mantine/core";
import { useElementSize } from "@mantine/hooks";
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from "react";
import type { GetQueryResultResponseJson, QueryColumnJson } from "../api/gen/v1/queries_pb.js";
import { call } from "../api/http";
import { cellText } from "../canvas/runs";
import { PageWindow, ROW_HEIGHT, ScrollGeometry } from "./resultWindow";

/** Rows per GetQueryResult call. */
export const PAGE_SIZE = 500;
/** Pages kept in memory (20,000 rows); the rest are asked for again when scrolled back to. */
const MAX_PAGES = 40;
/** How long scrolling must rest before the pages it shows are asked for. */
const SETTLE_MS = 40;
const HEADER_HEIGHT = 44;

/** GetQueryResult: `size` rows of a stored result from row `offset` on. */
export function readResultPage(
  projectId: string,
  resultId: string,
  offset: number,
  size: number,
  signal?: AbortSignal,
): Promise<GetQueryResultResponseJson> {
  const path = `/v1/projects/${encodeURIComponent(projectId)}/results/${encodeURIComponent(resultId)}`;
  return call<GetQueryResultResponseJson>("GET", `${path}?pageSize=${size}&offset=${offset}`, undefined, true, signal);
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL)/;

/** Whether a column of DuckDB type `type` holds numbers (aligned right, in tabular figures). */
export function isNumeric(type: string | undefined): boolean {
  return NUMERIC.test((type ?? "").toUpperCase());
}

/** A column's width in pixels, from its name and type (long values are cut with an ellipsis). */
function columnWidth(column: QueryColumnJson): number {
  const label = Math.max((column.name ?? "").length, (column.type ?? "").length * 0.85);
  return Math.round(Math.min(320, Math.max(isNumeric(column.type) ? 96 : 140, label * 8 + 28)));
}

/**
 * A whole stored result in a virtualised grid: only the rows on screen are drawn, their pages are
 * read from the server as they come into view (by offset, so a jump to the end reads the last page
 * only), and at most MAX_PAGES pages are kept. Row numbers on the left, column types in the header;
 * Home/End, Page Up/Down and the arrows scroll it.
 */
export function ResultGrid({ projectId, resultId }: { projectId: string; resultId: string }) {
  const { ref: frame, height: frameHeight } = useElementSize();
  // The rows' viewport as the browser has it (without a horizontal scroll bar's height).
  const { ref: measureBody, height: viewportHeight } = useElementSize<HTMLDivElement>();
  const scroller = useRef<HTMLDivElement | null>(null);
  const bodyRef = useCallback(
    (element: HTMLDivElement | null) => {
      scroller.current = element;
      return measureBody(element);
    },
    [measureBody],
  );
  const windowRef = useRef(new PageWindow<unknown[]>(PAGE_SIZE, MAX_PAGES));
  const requests = useRef(new Map<number, AbortController>());
  const [head, setHead] = useState<{ columns: QueryColumnJson[]; rowCount: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [scrollLeft, setScrollLeft] = useState(0);
  const [, pageArrived] = useReducer((n: number) => n + 1, 0);

  const bodyHeight = Math.max(ROW_HEIGHT, frameHeight - HEADER_HEIGHT);
  const rowsHeight = viewportHeight > 0 ? viewportHeight : bodyHeight;
  const geometry = useMemo(() => new ScrollGeometry(head?.rowCount ?? 0, rowsHeight), [head, rowsHeight]);
  const view = geometry.viewport(scrollTop);
  const viewRef = useRef(view);
  viewRef.current = view;

  // The first page gives the columns and the row count.
  useEffect(() => {
    const abort = new AbortController();
    const pages = windowRef.current;
    pages.fetching(0);
    readResultPage(projectId, resultId, 0, PAGE_SIZE, abort.signal).then(
      (page) => {
        pages.put(0, page.rows ?? [], 0, PAGE_SIZE - 1);
        setHead({ columns: page.columns ?? [], rowCount: Number(page.rowCount ?? 0) });
      },
      (failure: unknown) => {
        pages.abandoned(0);
        if (!abort.signal.aborted) setError(failure);
      },
    );
    return () => abort.abort();
  }, [projectId, resultId]);

  // Once scrolling rests, the pages on screen that are missing are read; those no longer on screen
  // are given up.
  useEffect(() => {
    if (!head) return;
    const pages = windowRef.current;
    const timer = setTimeout(() => {
      const needed = new Set(pages.pagesFor(view.first, view.last));
      for (const [page, abort] of requests.current) {
        if (!needed.has(page)) {
          abort.abort();
          requests.current.delete(page);
          pages.abandoned(page);
        }
      }
      for (const page of pages.missing(view.first, view.last)) {
        const abort = new AbortController();
        requests.current.set(page, abort);
        pages.fetching(page);
        readResultPage(projectId, resultId, pages.offsetOf(page), PAGE_SIZE, abort.signal).then(
          (answer) => {
            requests.current.delete(page);
            const now = viewRef.current;
            pages.put(page, answer.rows ?? [], now.first, now.last);
            pageArrived();
          },
          (failure: unknown) => {
            requests.current.delete(page);
            pages.abandoned(page);
            if (!abort.signal.aborted) setError(failure);
          },
        );
      }
    }, SETTLE_MS);
    return () => clearTimeout(timer);
  }, [head, view.first, view.last, projectId, resultId]);

  useEffect(() => {
    const pending = requests.current;
    return () => {
      for (const abort of pending.values()) abort.abort();
      pending.clear();
    };
  }, []);

  const scrollToRow = useCallback(
    (row: number) => {
      const element = scroller.current;
      if (element) element.scrollTop = geometry.scrollTopFor(row);
    },
    [geometry],
  );

  const onKeyDown = (event: React.KeyboardEvent) => {
    const rows = Math.max(1, Math.floor(rowsHeight / ROW_HEIGHT) - 1);
    const target: Record<string, number> = {
      Home: 0,
      End: geometry.rowCount,
      PageDown: view.first + rows,
      PageUp: view.first - rows,
      ArrowDown: view.first + 1,
      ArrowUp: view.first - 1,
    };
    const row = target[event.key];
    if (row === undefined) return;
    event.preventDefault();
    scrollToRow(Math.max(0, row));
  };

  if (error) {
    const message = error instanceof Error ? error.message : String(error);
    return (
      <Alert color="red" title="The result could not be read">
        {message}
      </Alert>
    );
  }

  const columns = head?.columns ?? [];
  const widths = columns.map(columnWidth);
  const numberWidth = Math.max(56, String(geometry.rowCount).length * 8 + 24);
  const totalWidth = numberWidth + widths.reduce((sum, w) => sum + w, 0);
  const rows: React.ReactNode[] = [];
  for (let r = view.first; head && r <= view.last; r++) {
    const values = windowRef.current.row(r);
    rows.push(
      <div key={r} className="result-row" role="row" aria-rowindex={r + 2} data-row={r} style={{ height: ROW_HEIGHT }}>
        <div className="result-number" role="rowheader" style={{ width: numberWidth }}>
          {(r + 1).toLocaleString("en-US")}
        </div>
        {columns.map((column, c) => {
          const value = values?.[c];
          return (
            <div
              key={c}
              role="gridcell"
              className={`result-cell${isNumeric(column.type) ? " numeric" : ""}${values && value === null ? " null" : ""}${values ? "" : " loading"}`}
              style={{ width: widths[c] }}
              title={values ? cellText(value) : undefined}
            >
              {values ? cellText(value) : ""}
            </div>
          );
        })}
      </div>,
    );
  }
  // The rows people see: the first one counts once most of it is on screen.
  const firstSeen = Math.min(view.last, view.first + (view.shift > ROW_HEIGHT / 2 ? 1 : 0));
  const shown = head && head.rowCount > 0 ? `${(firstSeen + 1).toLocaleString("en-US")}–${(view.last + 1).toLocaleString("en-US")}` : "0";
  return (
    <div className="result-grid-wrap">
      <Group justify="space-between" mb={6} gap="xs">
        <Text size="sm" c="dimmed" data-testid="result-rows-shown">
          {head ? `Rows ${shown} of ${head.rowCount.toLocaleString("en-US")}` : "Reading the result…"}
        </Text>
        <Group gap="xs">
          <NumberInput
            size="xs"
            w={140}
            min={1}
            max={Math.max(1, head?.rowCount ?? 1)}
            placeholder="Go to row"
            aria-label="Go to row"
            hideControls
            onKeyDown={(event) => {
              if (event.key !== "Enter") return;
              const value = Number(event.currentTarget.value.replace(/[^0-9]/g, ""));
              if (value >= 1) scrollToRow(value - 1);
            }}
          />
          <Button size="xs" variant="default" onClick={() => scrollToRow(0)} disabled={!head}>
            First row
          </Button>
          <Button size="xs" variant="default" onClick={() => scrollToRow(geometry.rowCount)} disabled={!head}>
            Last row
          </Button>
        </Group>
      </Group>
      <div className="result-grid" ref={frame} role="grid" aria-rowcount={(head?.rowCount ?? 0) + 1} aria-colcount={columns.length + 1}>
        <div className="result-header" style={{ height: HEADER_HEIGHT }}>
          <div className="result-row" role="row" aria-rowindex={1} style={{ transform: `translateX(${-scrollLeft}px)`, width: totalWidth }}>
            <div className="result-number" role="columnheader" style={{ width: numberWidth }}>#</div>
            {columns.map((column, c) => (
              <div key={c} className={`result-cell${isNumeric(column.type) ? " numeric" : ""}`} role="columnheader" style={{ width: widths[c] }} title={`${column.name ?? ""} ${column.type ?? ""}`}>
                <div className="result-column-name">{column.name}</div>
                <div className="result-column-type">{column.type}</div>
              </div>
            ))}
          </div>
        </div>
        {!head && (
          <Group justify="center" p="md">
            <Loader size="sm" />
          </Group>
        )}
        <div
          className="result-body"
          ref={bodyRef}
          tabIndex={0}
          aria-label="Result rows"
          data-testid="result-body"
          style={{ height: bodyHeight }}
          onKeyDown={onKeyDown}
          onScroll={(event) => {
            setScrollTop(event.currentTarget.scrollTop);
            setScrollLeft(event.currentTarget.scrollLeft);
          }}
        >
          <div className="result-content" style={{ height: geometry.contentHeight, width: totalWidth }}>
            <div className="result-rows" style={{ top: Math.min(scrollTop, geometry.maxScrollTop) - view.shift }}>
              {rows}
            </div>
          </div>
        </div>
      </div>
    </div>
  );
}

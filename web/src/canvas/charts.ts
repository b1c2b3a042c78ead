// Chart cells: the config stored in the cell (so every collaborator sees the same chart), the
// json0 ops that change it, and the Vega-Lite spec drawn from the rows Easel computed for it (the
// runner turns the config into a query over the source cell: ChartQuery on the server; the result's
// columns are named by channel: x, y, color, size; a histogram's x, x2, y; a box plot's x, lower,
// q1, median, q3, upper).
import type { CanvasData, Cell } from "./cells";
import { DEFAULT_LAYOUT, layoutOf } from "./cells";
import type { Json0Component } from "./textOps";

export const MARKS = ["bar", "line", "area", "scatter", "histogram", "boxplot", "heatmap", "pie", "donut"] as const;
export type Mark = (typeof MARKS)[number];
export const MARK_LABELS: Record<Mark, string> = {
  bar: "Bar",
  line: "Line",
  area: "Area",
  scatter: "Scatter",
  histogram: "Histogram",
  boxplot: "Box plot",
  heatmap: "Heatmap",
  pie: "Pie",
  donut: "Donut",
};
export const AGGREGATES = ["count", "sum", "mean", "median", "min", "max"] as const;
export type Aggregate = (typeof AGGREGATES)[number];
export const CHANNELS = ["x", "y", "color", "size"] as const;
export type Channel = (typeof CHANNELS)[number];
export type FieldType = "quantitative" | "nominal" | "ordinal" | "temporal";

export type Encoding = { field?: string; type?: FieldType; aggregate?: Aggregate };
export type ChartConfig = {
  source?: string;
  mark?: Mark;
  x?: Encoding;
  y?: Encoding;
  color?: Encoding;
  size?: Encoding;
  bins?: number;
};

/** The channels a mark's form offers, with what each means for it. */
export function channelsOf(mark: Mark): { channel: Channel; label: string; aggregates: boolean }[] {
  switch (mark) {
    case "histogram":
      return [
        { channel: "x", label: "Values", aggregates: false },
        { channel: "color", label: "Color", aggregates: false },
      ];
    case "boxplot":
      return [
        { channel: "x", label: "Group", aggregates: false },
        { channel: "y", label: "Values", aggregates: false },
      ];
    case "pie":
    case "donut":
      return [
        { channel: "x", label: "Slices", aggregates: false },
        { channel: "y", label: "Size", aggregates: true },
      ];
    case "heatmap":
      return [
        { channel: "x", label: "X", aggregates: false },
        { channel: "y", label: "Y", aggregates: false },
        { channel: "color", label: "Color", aggregates: true },
      ];
    case "scatter":
      return [
        { channel: "x", label: "X", aggregates: true },
        { channel: "y", label: "Y", aggregates: true },
        { channel: "color", label: "Color", aggregates: true },
        { channel: "size", label: "Size", aggregates: true },
      ];
    default:
      return [
        { channel: "x", label: "X", aggregates: true },
        { channel: "y", label: "Y", aggregates: true },
        { channel: "color", label: "Color", aggregates: true },
      ];
  }
}

/** A cell's chart config, read defensively (a collaborator's client may have stored anything). */
export function chartConfig(cell: Cell): ChartConfig {
  const config = cell.config ?? {};
  const out: ChartConfig = {};
  if (typeof config.source === "string") out.source = config.source;
  if (typeof config.mark === "string" && (MARKS as readonly string[]).includes(config.mark)) out.mark = config.mark as Mark;
  for (const channel of CHANNELS) {
    const encoding = config[channel];
    if (encoding && typeof encoding === "object") out[channel] = encoding as Encoding;
  }
  if (typeof config.bins === "number") out.bins = config.bins;
  return out;
}

/** The op that sets `config.<path>` of chart cell `cellId` to `value` (undefined: removes it). */
export function configOp(cellId: string, cell: Cell, path: string[], value: unknown): Json0Component[] {
  if (!cell.config) return [{ p: ["cells", cellId, "config"], oi: setIn({}, path, value) }];
  let parent: Record<string, unknown> = cell.config;
  for (let i = 0; i < path.length - 1; i++) {
    const next = parent[path[i]!];
    if (!next || typeof next !== "object") {
      const rest = path.slice(i + 1);
      const p = ["cells", cellId, "config", ...path.slice(0, i + 1)];
      const inserted = setIn({}, rest, value);
      return next === undefined ? [{ p, oi: inserted }] : [{ p, od: next, oi: inserted }];
    }
    parent = next as Record<string, unknown>;
  }
  const key = path[path.length - 1]!;
  const p = ["cells", cellId, "config", ...path];
  const before = parent[key];
  if (value === undefined) return before === undefined ? [] : [{ p, od: before }];
  if (before === value) return [];
  return before === undefined ? [{ p, oi: value }] : [{ p, od: before, oi: value }];
}

function setIn(base: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  if (path.length === 0) return base;
  const [head, ...rest] = path as [string, ...string[]];
  base[head] = rest.length === 0 ? value : setIn({}, rest, value);
  return base;
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL)/;
const TEMPORAL = /^(DATE|TIMESTAMP|TIME)/;

/** How a column of DuckDB type `type` is drawn when its channel does not say. */
export function fieldTypeOf(type: string | undefined): FieldType {
  if (type && NUMERIC.test(type)) return "quantitative";
  if (type && TEMPORAL.test(type)) return "temporal";
  return "nominal";
}

/**
 * A first chart of a SQL cell's result: its first text column against the mean of its first
 * numeric one (or the count of rows), as a bar chart.
 */
export function guessChart(sourceId: string, columns: { name: string; type: string }[]): ChartConfig {
  const category = columns.find((c) => fieldTypeOf(c.type) !== "quantitative");
  const number = columns.find((c) => fieldTypeOf(c.type) === "quantitative");
  if (!category && number) {
    return { source: sourceId, mark: "histogram", x: { field: number.name, type: "quantitative" } };
  }
  const config: ChartConfig = { source: sourceId, mark: "bar" };
  if (category) config.x = { field: category.name, type: fieldTypeOf(category.type) };
  config.y = number ? { field: number.name, type: "quantitative", aggregate: "mean" } : { type: "quantitative", aggregate: "count" };
  return config;
}

/**
 * The op that adds chart cell `cellId` of `config` to the right of cell `besideId`, moved down
 * past any cell it would cover there.
 */
export function addChartOp(data: CanvasData, besideId: string, cellId: string, config: ChartConfig): Json0Component[] {
  const beside = data.cells[besideId];
  const at = beside ? layoutOf(beside) : DEFAULT_LAYOUT;
  const count = Object.values(data.cells).filter((cell) => cell.kind === "chart").length;
  const layout = { x: at.x + at.w + 2, y: at.y, w: 28, h: 20 };
  const others = Object.values(data.cells).map(layoutOf);
  const overlaps = (o: { x: number; y: number; w: number; h: number }) =>
    o.x < layout.x + layout.w && layout.x < o.x + o.w && o.y < layout.y + layout.h && layout.y < o.y + o.h;
  for (let blocker = others.find(overlaps); blocker; blocker = others.find(overlaps)) {
    layout.y = blocker.y + blocker.h + 2;
  }
  const cell: Cell = {
    kind: "chart",
    name: `chart_${count + 1}`,
    source: "",
    layout,
    config: config as Record<string, unknown>,
  };
  return [{ p: ["cells", cellId], oi: cell }];
}

/** A channel's title on the chart: "mean of body_mass_g", "count", "species". */
export function titleOf(encoding: Encoding | undefined): string {
  if (!encoding) return "";
  if (encoding.aggregate === "count" && !encoding.field) return "count";
  if (encoding.aggregate) return `${encoding.aggregate} of ${encoding.field ?? ""}`;
  return encoding.field ?? "";
}

/** The chart's rows as Vega-Lite data: one object per row, numbers of numeric columns as numbers. */
export function chartRows(columns: { name: string; type: string }[], rows: unknown[][]): Record<string, unknown>[] {
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    columns.forEach((column, i) => {
      const value = row[i];
      out[column.name] =
        typeof value === "string" && fieldTypeOf(column.type) === "quantitative" && value !== "" ? Number(value) : value;
    });
    return out;
  });
}

type Spec = Record<string, unknown>;

/** Colors of axes and legends for the app's light or dark scheme. */
export function themeConfig(dark: boolean): Spec {
  const text = dark ? "#c9c9c9" : "#495057";
  const grid = dark ? "#3a3a3a" : "#e9ecef";
  return {
    background: null,
    view: { stroke: null },
    axis: { labelColor: text, titleColor: text, gridColor: grid, domainColor: grid, tickColor: grid },
    legend: { labelColor: text, titleColor: text, orient: "top" },
    axisX: { labelAngle: 0, labelOverlap: true },
    font: "system-ui, -apple-system, sans-serif",
  };
}

/** The Vega-Lite spec of a chart of `config` over `values` (its query's rows). */
export function chartSpec(config: ChartConfig, columns: { name: string; type: string }[], values: Record<string, unknown>[], dark: boolean): Spec {
  const mark = config.mark ?? "bar";
  const typeOf = (channel: Channel): FieldType => {
    const encoding = config[channel];
    if (encoding?.aggregate) return "quantitative";
    if (encoding?.type) return encoding.type;
    return fieldTypeOf(columns.find((c) => c.name === channel)?.type);
  };
  const has = (name: string) => columns.some((c) => c.name === name);
  const enc = (channel: Channel): Spec => ({ field: channel, type: typeOf(channel), title: titleOf(config[channel]) });
  const base: Spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    data: { values },
    width: "container",
    height: "container",
    autosize: { type: "fit", contains: "padding" },
    config: themeConfig(dark),
  };
  const colorOf = (): Spec => (has("color") ? { color: enc("color") } : {});
  switch (mark) {
    case "histogram":
      return {
        ...base,
        mark: { type: "bar", tooltip: true },
        encoding: {
          x: { field: "x", type: "quantitative", title: titleOf(config.x), bin: { binned: true } },
          x2: { field: "x2" },
          y: { field: "y", type: "quantitative", title: "count", stack: has("color") ? "zero" : null },
          ...colorOf(),
        },
      };
    case "boxplot": {
      const x: Spec = { field: "x", type: "nominal", title: titleOf(config.x) };
      const title = titleOf(config.y);
      return {
        ...base,
        encoding: { x },
        layer: [
          { mark: { type: "rule" }, encoding: { y: { field: "lower", type: "quantitative", title }, y2: { field: "upper" } } },
          {
            mark: { type: "bar", size: 18, tooltip: true },
            encoding: { y: { field: "q1", type: "quantitative" }, y2: { field: "q3" }, color: { field: "x", type: "nominal", legend: null } },
          },
          { mark: { type: "tick", color: dark ? "#fff" : "#000", size: 18 }, encoding: { y: { field: "median", type: "quantitative" } } },
        ],
      };
    }
    case "pie":
    case "donut":
      return {
        ...base,
        mark: { type: "arc", tooltip: true, ...(mark === "donut" ? { innerRadius: 50 } : {}) },
        encoding: {
          theta: { field: "y", type: "quantitative", title: titleOf(config.y) },
          color: { field: "x", type: "nominal", title: titleOf(config.x) },
        },
      };
    case "heatmap":
      return {
        ...base,
        mark: { type: "rect", tooltip: true },
        encoding: {
          x: { ...enc("x"), type: typeOf("x") === "quantitative" ? "ordinal" : typeOf("x") },
          y: { ...enc("y"), type: typeOf("y") === "quantitative" ? "ordinal" : typeOf("y") },
          ...(has("color") ? { color: { ...enc("color"), type: "quantitative" } } : {}),
        },
      };
    default: {
      const type = mark === "scatter" ? "point" : mark;
      const encoding: Spec = {};
      if (has("x")) encoding.x = enc("x");
      if (has("y")) encoding.y = enc("y");
      Object.assign(encoding, colorOf());
      if (has("size")) encoding.size = enc("size");
      if (mark === "bar" && has("color") && typeOf("x") !== "quantitative") encoding.xOffset = { field: "color" };
      const markSpec: Spec = { type, tooltip: true };
      if (mark === "line" || mark === "area") markSpec.point = mark === "line";
      if (mark === "scatter") markSpec.filled = true;
      return { ...base, mark: markSpec, encoding };
    }
  }
}

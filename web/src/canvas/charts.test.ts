import { describe, expect, it } from "vitest";
import { compile } from "vega-lite";
import { View, parse } from "vega";
import type { Cell } from "./cells";
import { MARKS, addChartOp, chartConfig, chartRows, chartSpec, configOp, guessChart, titleOf } from "./charts";
import type { ChartConfig, Mark } from "./charts";

const chart = (config: Record<string, unknown> | undefined): Cell => ({ kind: "chart", source: "", ...(config ? { config } : {}) });

describe("configOp", () => {
  it("sets a field of a channel that exists, replacing what was there", () => {
    const cell = chart({ source: "q", x: { field: "species" } });
    expect(configOp("c1", cell, ["x", "field"], "island")).toEqual([{ p: ["cells", "c1", "config", "x", "field"], od: "species", oi: "island" }]);
  });
  it("inserts a channel that does not exist yet, and a config where there is none", () => {
    expect(configOp("c1", chart({ source: "q" }), ["y", "aggregate"], "mean")).toEqual([
      { p: ["cells", "c1", "config", "y"], oi: { aggregate: "mean" } },
    ]);
    expect(configOp("c1", chart(undefined), ["mark"], "line")).toEqual([{ p: ["cells", "c1", "config"], oi: { mark: "line" } }]);
  });
  it("removes a value set to nothing, and changes nothing when nothing changes", () => {
    const cell = chart({ y: { field: "a", aggregate: "sum" } });
    expect(configOp("c1", cell, ["y", "aggregate"], undefined)).toEqual([{ p: ["cells", "c1", "config", "y", "aggregate"], od: "sum" }]);
    expect(configOp("c1", cell, ["y", "field"], "a")).toEqual([]);
    expect(configOp("c1", cell, ["x", "field"], undefined)).toEqual([{ p: ["cells", "c1", "config", "x"], oi: {} }]);
  });
});

describe("chartConfig", () => {
  it("keeps what it understands of a stored config", () => {
    expect(chartConfig(chart({ source: "q", mark: "radar", x: "a", y: { field: "b" }, bins: 10 }))).toEqual({ source: "q", y: { field: "b" }, bins: 10 });
  });
});

describe("guessChart", () => {
  it("draws the mean of the first number per first category", () => {
    const columns = [
      { name: "n", type: "BIGINT" },
      { name: "species", type: "VARCHAR" },
      { name: "mass", type: "DOUBLE" },
    ];
    expect(guessChart("q", columns)).toEqual({
      source: "q",
      mark: "bar",
      x: { field: "species", type: "nominal" },
      y: { field: "n", type: "quantitative", aggregate: "mean" },
    });
  });
  it("counts rows when there is no number, and makes a histogram when there is no category", () => {
    expect(guessChart("q", [{ name: "s", type: "VARCHAR" }]).y).toEqual({ type: "quantitative", aggregate: "count" });
    expect(guessChart("q", [{ name: "v", type: "DECIMAL(18,2)" }]).mark).toBe("histogram");
  });
});

describe("addChartOp", () => {
  it("puts the chart to the right of its source, named after the charts there are", () => {
    const data = { title: "t", cells: { q: { kind: "sql" as const, source: "", layout: { x: 2, y: 4, w: 10, h: 8 } } } };
    const [op] = addChartOp(data, "q", "c9", { source: "q", mark: "bar" });
    expect(op).toEqual({
      p: ["cells", "c9"],
      oi: { kind: "chart", name: "chart_1", source: "", layout: { x: 14, y: 4, w: 28, h: 20 }, config: { source: "q", mark: "bar" } },
    });
  });
  it("moves down past the cells that are already there", () => {
    const data = {
      title: "t",
      cells: {
        q: { kind: "sql" as const, source: "", layout: { x: 0, y: 10, w: 10, h: 8 } },
        c: { kind: "chart" as const, source: "", layout: { x: 12, y: 0, w: 30, h: 30 } },
        d: { kind: "markdown" as const, source: "", layout: { x: 38, y: 32, w: 10, h: 5 } },
      },
    };
    const [op] = addChartOp(data, "q", "c9", { source: "q" });
    // below c (ends at 30), then below d (32 + 5), which the chart would cover there
    expect((op as { oi: { layout: unknown; name: string } }).oi.layout).toEqual({ x: 12, y: 39, w: 28, h: 20 });
    expect((op as { oi: { name: string } }).oi.name).toBe("chart_2");
  });
});

describe("chartRows", () => {
  it("turns numbers sent as text (BIGINT, HUGEINT) into numbers, and leaves text alone", () => {
    const rows = chartRows(
      [
        { name: "x", type: "VARCHAR" },
        { name: "y", type: "HUGEINT" },
      ],
      [["12", "120"], [null, null]],
    );
    expect(rows).toEqual([{ x: "12", y: 120 }, { x: null, y: null }]);
  });
});

describe("titleOf", () => {
  it("says the aggregate and the field", () => {
    expect(titleOf({ field: "mass", aggregate: "mean" })).toBe("mean of mass");
    expect(titleOf({ aggregate: "count" })).toBe("count");
    expect(titleOf({ field: "species" })).toBe("species");
  });
});

// Each chart type, as the runner's query answers it, compiled by Vega-Lite and drawn by Vega.
const CASES: Record<Mark, { config: ChartConfig; columns: { name: string; type: string }[]; rows: unknown[][] }> = {
  bar: {
    config: { mark: "bar", x: { field: "species" }, y: { field: "mass", aggregate: "mean" }, color: { field: "sex" } },
    columns: [{ name: "x", type: "VARCHAR" }, { name: "y", type: "DOUBLE" }, { name: "color", type: "VARCHAR" }],
    rows: [["Adelie", 3700, "female"], ["Adelie", 4000, "male"], ["Gentoo", 5000, "male"]],
  },
  line: { config: { mark: "line", x: { field: "year" }, y: { field: "n", aggregate: "sum" } }, columns: [{ name: "x", type: "BIGINT" }, { name: "y", type: "HUGEINT" }], rows: [["2007", "3"], ["2008", "5"]] },
  area: { config: { mark: "area", x: { field: "year" }, y: { aggregate: "count" } }, columns: [{ name: "x", type: "BIGINT" }, { name: "y", type: "BIGINT" }], rows: [["2007", "3"], ["2008", "5"]] },
  scatter: {
    config: { mark: "scatter", x: { field: "a" }, y: { field: "b" }, size: { field: "c" } },
    columns: [{ name: "x", type: "DOUBLE" }, { name: "y", type: "DOUBLE" }, { name: "size", type: "DOUBLE" }],
    rows: [[1, 2, 3], [2, 3, 4]],
  },
  histogram: { config: { mark: "histogram", x: { field: "mass" } }, columns: [{ name: "x", type: "DOUBLE" }, { name: "x2", type: "DOUBLE" }, { name: "y", type: "BIGINT" }], rows: [[1, 2, "4"], [2, 3, "1"]] },
  boxplot: {
    config: { mark: "boxplot", x: { field: "species" }, y: { field: "mass" } },
    columns: ["x", "lower", "q1", "median", "q3", "upper"].map((name, i) => ({ name, type: i === 0 ? "VARCHAR" : "DOUBLE" })),
    rows: [["Adelie", 1, 2, 3, 4, 5]],
  },
  heatmap: {
    config: { mark: "heatmap", x: { field: "island" }, y: { field: "species" }, color: { aggregate: "count" } },
    columns: [{ name: "x", type: "VARCHAR" }, { name: "y", type: "VARCHAR" }, { name: "color", type: "BIGINT" }],
    rows: [["Biscoe", "Adelie", "44"], ["Dream", "Gentoo", "0"]],
  },
  pie: { config: { mark: "pie", x: { field: "species" }, y: { aggregate: "count" } }, columns: [{ name: "x", type: "VARCHAR" }, { name: "y", type: "BIGINT" }], rows: [["Adelie", "152"], ["Gentoo", "124"]] },
  donut: { config: { mark: "donut", x: { field: "species" }, y: { aggregate: "count" } }, columns: [{ name: "x", type: "VARCHAR" }, { name: "y", type: "BIGINT" }], rows: [["Adelie", "152"], ["Gentoo", "124"]] },
};

describe("chartSpec", () => {
  it.each(MARKS.map((mark) => [mark]))("draws a %s chart as an SVG with its data", async (mark) => {
    const { config, columns, rows } = CASES[mark];
    const spec = chartSpec(config, columns, chartRows(columns, rows), false);
    const fixed = { ...spec, width: 300, height: 200, autosize: undefined };
    const view = new View(parse(compile(fixed as never).spec), { renderer: "none" });
    const svg = await view.toSVG();
    view.finalize();
    expect(svg).toContain("<svg");
    // every chart draws marks (paths or rects) for its rows
    expect(svg).toMatch(/<path|<rect|<line/);
  });
  it("titles axes after the columns and aggregates, not the channels", () => {
    const spec = chartSpec(CASES.bar.config, CASES.bar.columns, [], true) as { encoding: Record<string, { title?: string }> };
    expect(spec.encoding.x?.title).toBe("species");
    expect(spec.encoding.y?.title).toBe("mean of mass");
  });
});

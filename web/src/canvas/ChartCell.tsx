import { Group, NativeSelect, Text, useComputedColorScheme } from "@mantine/core";
import { useEffect, useMemo, useRef, useState } from "react";
import type { Doc } from "sharedb/lib/sharedb";
import type { GetQueryResultResponseJson } from "../api/gen/v1/queries_pb.js";
import { call } from "../api/http";
import type { CanvasData, Cell } from "./cells";
import { AGGREGATES, MARKS, MARK_LABELS, channelsOf, chartConfig, chartRows, chartSpec, configOp } from "./charts";
import type { Channel, ChartConfig, Mark } from "./charts";
import type { CellRun } from "./runs";

/** A cell a chart may draw: a SQL (or chart) cell, with the columns of its latest result. */
export type ChartSource = { cellId: string; name: string; columns: { name: string; type: string }[] };

/**
 * A chart cell: a form (source cell, chart type, a column and an aggregate per channel) whose every
 * change is a json0 op on the canvas, and the chart Easel computed for it, drawn with Vega-Lite.
 */
export function ChartCell({
  cellId,
  cell,
  doc,
  readOnly,
  run,
  projectId,
  sources,
}: {
  cellId: string;
  cell: Cell;
  doc: Doc<CanvasData>;
  readOnly: boolean;
  run: CellRun | undefined;
  projectId: string;
  sources: ChartSource[];
}) {
  const config = chartConfig(cell);
  const mark: Mark = config.mark ?? "bar";
  const source = sources.find((s) => s.cellId === config.source);
  const set = (path: string[], value: unknown) => {
    const current = doc.data.cells[cellId];
    if (!current || readOnly) return;
    const op = configOp(cellId, current, path, value);
    if (op.length > 0) doc.submitOp(op);
  };
  const fields = ["", ...(source?.columns.map((c) => c.name) ?? [])];
  return (
    <div className="chart-cell nodrag" data-chart={cellId}>
      <Group className="chart-form" gap={6} wrap="wrap" px={8} py={4}>
        <NativeSelect
          size="xs"
          label="Source"
          aria-label="Source"
          disabled={readOnly}
          value={config.source ?? ""}
          onChange={(e) => set(["source"], e.currentTarget.value || undefined)}
          data={[{ value: "", label: "pick a cell" }, ...sources.filter((s) => s.cellId !== cellId).map((s) => ({ value: s.cellId, label: s.name }))]}
        />
        <NativeSelect
          size="xs"
          label="Type"
          aria-label="Chart type"
          disabled={readOnly}
          value={mark}
          onChange={(e) => set(["mark"], e.currentTarget.value)}
          data={MARKS.map((m) => ({ value: m, label: MARK_LABELS[m] }))}
        />
        {channelsOf(mark).map(({ channel, label, aggregates }) => (
          <ChannelPicker
            key={channel}
            channel={channel}
            label={label}
            config={config}
            fields={fields}
            aggregates={aggregates}
            readOnly={readOnly}
            set={set}
          />
        ))}
      </Group>
      <ChartView config={config} run={run} projectId={projectId} />
    </div>
  );
}

function ChannelPicker({
  channel,
  label,
  config,
  fields,
  aggregates,
  readOnly,
  set,
}: {
  channel: Channel;
  label: string;
  config: ChartConfig;
  fields: string[];
  aggregates: boolean;
  readOnly: boolean;
  set: (path: string[], value: unknown) => void;
}) {
  const encoding = config[channel];
  const field = encoding?.field ?? "";
  const options = fields.includes(field) ? fields : [...fields, field];
  return (
    <Group gap={2} wrap="nowrap" align="flex-end">
      <NativeSelect
        size="xs"
        label={label}
        aria-label={`${label} column`}
        disabled={readOnly}
        value={field}
        onChange={(e) => set([channel, "field"], e.currentTarget.value || undefined)}
        data={options.map((f) => ({ value: f, label: f === "" ? "none" : f }))}
      />
      {aggregates && (
        <NativeSelect
          size="xs"
          aria-label={`${label} aggregate`}
          disabled={readOnly}
          value={encoding?.aggregate ?? ""}
          onChange={(e) => set([channel, "aggregate"], e.currentTarget.value || undefined)}
          data={[{ value: "", label: "as is" }, ...AGGREGATES.map((a) => ({ value: a, label: a }))]}
        />
      )}
    </Group>
  );
}

/** Rows per page when a chart's rows do not all fit in the run state's preview. */
const PAGE_SIZE = 5000;

/** The chart's rows: the preview when it holds them all, else the stored result's pages. */
function useChartRows(run: CellRun | undefined, projectId: string): { rows: unknown[][] | null; error: string | null } {
  const [fetched, setFetched] = useState<{ resultId: string; rows: unknown[][] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const complete = run?.state === "done" && run.preview && !run.truncated;
  const resultId = run?.state === "done" ? run.resultId : undefined;
  useEffect(() => {
    if (complete || !resultId) return;
    let current = true;
    (async () => {
      const rows: unknown[][] = [];
      let token = "";
      do {
        const page = await call<GetQueryResultResponseJson>(
          "GET",
          `/v1/projects/${encodeURIComponent(projectId)}/results/${encodeURIComponent(resultId)}?pageSize=${PAGE_SIZE}${token ? `&pageToken=${encodeURIComponent(token)}` : ""}`,
        );
        for (const row of page.rows ?? []) rows.push(row as unknown[]);
        token = page.nextPageToken ?? "";
      } while (token && current);
      if (current) setFetched({ resultId, rows });
    })().catch((e: unknown) => current && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      current = false;
    };
  }, [complete, resultId, projectId]);
  if (complete) return { rows: run.preview ?? [], error: null };
  if (fetched && fetched.resultId === resultId) return { rows: fetched.rows, error };
  return { rows: null, error };
}

function ChartView({ config, run, projectId }: { config: ChartConfig; run: CellRun | undefined; projectId: string }) {
  const dark = useComputedColorScheme("light") === "dark";
  const { rows, error } = useChartRows(run, projectId);
  const columns = useMemo(() => run?.columns ?? [], [run?.columns]);
  const spec = useMemo(
    () => (rows && columns.length ? chartSpec(config, columns, chartRows(columns, rows), dark) : null),
    // the config's content, not its identity, decides
    [JSON.stringify(config), columns, rows, dark],
  );
  const target = useRef<HTMLDivElement>(null);
  const [drawn, setDrawn] = useState<string | null>(null);
  useEffect(() => {
    const element = target.current;
    if (!element || !spec) return;
    let finalize: (() => void) | undefined;
    let current = true;
    import("vega-embed")
      .then(({ default: embed }) => embed(element, spec as never, { actions: false, renderer: "svg" }))
      .then(
        (result) => {
          finalize = () => result.finalize();
          if (current) setDrawn(JSON.stringify(spec).length.toString());
          else finalize();
        },
        (e: unknown) => current && setDrawn(`error: ${e instanceof Error ? e.message : String(e)}`),
      );
    return () => {
      current = false;
      finalize?.();
    };
  }, [spec]);
  let note: string | null = null;
  if (!config.source) note = "Pick the cell to chart, then a column for each axis.";
  else if (run?.state === "failed") note = run.error?.message ?? "The chart's query failed.";
  else if (!run || run.state === "idle") note = "Pick the columns to draw.";
  else if (run.state !== "done" || !rows) note = "Computing the chart…";
  else if (rows.length === 0) note = "The chart's query has no rows.";
  if (error) note = `Could not read the chart's rows: ${error}`;
  if (drawn?.startsWith("error: ")) note = `Could not draw the chart: ${drawn.slice(7)}`;
  return (
    <div className="chart-view nowheel">
      {note && (
        <Text size="xs" c={run?.state === "failed" || error ? "red" : "dimmed"} px={8} py={4} data-chart-note>
          {note}
        </Text>
      )}
      <div
        ref={target}
        className="chart-canvas"
        data-chart-drawn={spec && drawn && !drawn.startsWith("error") ? "yes" : undefined}
        style={{ display: spec && !note ? undefined : "none" }}
      />
    </div>
  );
}

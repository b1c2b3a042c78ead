// The canvas's DAG on the board: an arrow from each cell to each cell that reads it. The runner
// knows what each cell reads (SQL references, a chart's source, input cells named as $name) and
// writes it into the cell's run state (`reads` in canvas-runs), so the browser needs no SQL parser.

/** The edges of the board: from each cell to each cell that reads it, as the runner wrote them. */
export function readEdges(
  runs: Record<string, { reads?: string[] } | undefined> | undefined,
  cells: Record<string, unknown>,
): { id: string; source: string; target: string }[] {
  const edges: { id: string; source: string; target: string }[] = [];
  for (const [target, run] of Object.entries(runs ?? {})) {
    if (!cells[target] || !Array.isArray(run?.reads)) continue;
    for (const source of run.reads) {
      if (typeof source === "string" && cells[source]) edges.push({ id: `${source}->${target}`, source, target });
    }
  }
  return edges;
}

import { Progress } from "@mantine/core";
import { runProgress } from "./runs";
import type { CellRun } from "./runs";

/**
 * A running cell's progress bar, as DuckDB estimates how far its query has come; nothing when the
 * cell is not running or its query gives no estimate.
 */
export function RunProgress({ run, label }: { run: CellRun | undefined; label: string }) {
  const percent = runProgress(run);
  if (percent === null) return null;
  return (
    <Progress
      className="cell-run-progress"
      size="xs"
      value={percent}
      aria-label={`${label} is ${percent}% done`}
      data-run-progress={percent}
    />
  );
}

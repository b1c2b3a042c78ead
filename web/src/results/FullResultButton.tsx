import { Button, Modal } from "@mantine/core";
import { useState } from "react";
import { useCanvasProject } from "../canvas/canvasProject";
import { ResultGrid } from "./ResultGrid";

/** "Open full result" on a SQL cell: the whole result of its last run in a paging grid. */
export function FullResultButton({ resultId, name, rowCount }: { resultId: string; name: string; rowCount: number | undefined }) {
  const { projectId } = useCanvasProject();
  const [open, setOpen] = useState(false);
  return (
    <div className="cell-result-bar nodrag">
      <Button size="compact-xs" variant="light" className="nodrag" onClick={() => setOpen(true)} aria-label={`Open full result of ${name}`}>
        Open full result{rowCount !== undefined ? ` (${rowCount.toLocaleString("en-US")} rows)` : ""}
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={`Result of ${name}`} size="min(1200px, 96vw)" centered>
        <div style={{ height: "min(640px, calc(100vh - 160px))" }}>
          <ResultGrid projectId={projectId} resultId={resultId} />
        </div>
      </Modal>
    </div>
  );
}

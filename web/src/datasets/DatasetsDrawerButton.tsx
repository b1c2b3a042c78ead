import { Button, Drawer } from "@mantine/core";
import { useState } from "react";
import { useCanvasProject } from "../canvas/canvasProject";
import { DatasetsPanel } from "./DatasetsPanel";

/** "Datasets" on a canvas: the project's datasets in a side drawer, beside the board. */
export function DatasetsDrawerButton() {
  const { projectId } = useCanvasProject();
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button size="xs" variant="default" onClick={() => setOpen(true)}>
        Datasets
      </Button>
      <Drawer opened={open} onClose={() => setOpen(false)} position="right" size={560} title="Project data" padding="md">
        <DatasetsPanel projectId={projectId} compact />
      </Drawer>
    </>
  );
}

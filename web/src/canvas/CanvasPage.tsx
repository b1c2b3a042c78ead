import { Alert, Avatar, Badge, Button, Group, Loader, Stack, Text, Title, Tooltip } from "@mantine/core";
import { Background, Controls, ReactFlow, applyNodeChanges } from "@xyflow/react";
import type { NodeChange } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useCallback, useEffect, useMemo, useState } from "react";
import type { UserJson } from "../api/gen/v1/auth_pb.js";
import { ErrorNote } from "../app/ErrorNote";
import { DatasetsDrawerButton } from "../datasets/DatasetsDrawerButton";
import { Link } from "../app/Link";
import { canEdit, useProject } from "../projects/api";
import { CanvasProject } from "./canvasProject";
import { CellNode } from "./CellNode";
import type { CellNodeType } from "./CellNode";
import type { ChartSource } from "./ChartCell";
import { addChartOp, guessChart } from "./charts";
import { readEdges } from "./dag";
import { GuidedTour } from "./GuidedTour";
import { GRID, KINDS, addCellOp, layoutOf, layoutOp, newCellId, toUnits } from "./cells";
import type { CanvasData, Kind } from "./cells";
import { LiveCanvas } from "./liveCanvas";
import type { Here, LiveState } from "./liveCanvas";
import { caretsIn } from "./presence";
import { colorOf } from "./presenceColors";
import { runCell } from "./runs";
import { sqlSchema } from "./sqlSchema";
import { useDatasets } from "../datasets/api";
import type { RunsData } from "./runs";

const nodeTypes = { cell: CellNode };

/** The canvas page: the live document of one canvas of a project, on a board. */
export function CanvasPage({ projectId, canvasId, me }: { projectId: string; canvasId: string; me: UserJson }) {
  const project = useProject(projectId);
  const [live, setLive] = useState<LiveCanvas | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const canvas = new LiveCanvas(canvasId);
    let current = true;
    canvas.open().then(
      () => current && setLive(canvas),
      (failure: unknown) => current && setError(failure),
    );
    return () => {
      current = false;
      canvas.close();
    };
  }, [canvasId]);

  if (error) return <ErrorNote error={error} />;
  if (!live || project.isPending) return <Loader />;
  if (project.error) return <ErrorNote error={project.error} />;
  const readOnly = !canEdit(project.data.role) || project.data.archived === true;
  return (
    <CanvasProject.Provider value={{ projectId, role: project.data.role ?? "" }}>
      <Board
        live={live}
        me={me}
        readOnly={readOnly}
        back={
          <span data-tour-project>
            <Link to={`/projects/${projectId}`}>{project.data.name}</Link>
          </span>
        }
        role={project.data.role ?? ""}
        projectId={projectId}
      />
    </CanvasProject.Provider>
  );
}

function Board({
  live,
  me,
  readOnly,
  back,
  role,
  projectId,
}: {
  live: LiveCanvas;
  me: UserJson;
  readOnly: boolean;
  back: React.ReactNode;
  role: string;
  projectId: string;
}) {
  const doc = live.doc;
  const [data, setData] = useState<CanvasData>(() => doc.data);
  const [runs, setRuns] = useState<RunsData>(() => live.runs.data ?? {});
  const [state, setState] = useState<LiveState>(live.state);
  const [present, setPresent] = useState<Record<string, Here>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [focusedCell, setFocusedCell] = useState<string | null>(null);
  const [nodes, setNodes] = useState<CellNodeType[]>([]);

  const here: Here = useMemo(
    () => ({ userId: me.userId ?? "", name: me.displayName || me.email || "someone", color: colorOf(me.userId ?? ""), cellId: focusedCell }),
    [me, focusedCell],
  );

  useEffect(() => {
    const changed = () => setData({ ...doc.data });
    const refused = (e: unknown) => setFailure(e);
    doc.on("op", changed);
    doc.on("load", changed);
    doc.on("error", refused);
    // The run state follows the server's ops; the document appears (create) with the first SQL cell.
    const ran = () => setRuns({ ...(live.runs.data ?? {}) });
    live.runs.on("op", ran);
    live.runs.on("create", ran);
    live.runs.on("load", ran);
    ran();
    const stopState = live.onState(setState);
    const received = (id: string, value: Here | null) =>
      setPresent((all) => {
        const next = { ...all };
        if (value) next[id] = value;
        else delete next[id];
        return next;
      });
    live.presence.on("receive", received);
    setPresent({ ...(live.presence.remotePresences as Record<string, Here>) });
    return () => {
      doc.off("op", changed);
      doc.off("load", changed);
      doc.off("error", refused);
      live.runs.off("op", ran);
      live.runs.off("create", ran);
      live.runs.off("load", ran);
      stopState();
      live.presence.off("receive", received);
    };
  }, [doc, live]);

  useEffect(() => {
    live.announce(here);
  }, [live, here, state]);

  const submit = useCallback(
    (op: unknown[]) => {
      if (op.length > 0) doc.submitOp(op, undefined, (e: unknown) => e && setFailure(e));
    },
    [doc],
  );
  const onFocus = useCallback((cellId: string, focused: boolean) => {
    setFocusedCell((current) => (focused ? cellId : current === cellId ? null : current));
  }, []);
  const onCaret = useCallback(
    (cellId: string, selection: { anchor: number; head: number }) => live.moveCaret({ cellId, ...selection }),
    [live],
  );
  const onDelete = useCallback(
    (cellId: string) => {
      const cell = doc.data.cells[cellId];
      if (cell) submit([{ p: ["cells", cellId], od: cell }]);
    },
    [doc, submit],
  );

  const onRun = useCallback((cellId: string) => runCell(live.canvasId, cellId), [live]);
  const onChart = useCallback(
    (cellId: string) => {
      const columns = live.runs.data?.cells?.[cellId]?.columns ?? [];
      submit(addChartOp(doc.data, cellId, newCellId(), guessChart(cellId, columns)));
    },
    [doc, live, submit],
  );
  // What a chart may draw: the named SQL and chart cells, with their latest result's columns.
  const sources: ChartSource[] = useMemo(
    () =>
      Object.entries(data.cells)
        .filter(([, cell]) => (cell.kind === "sql" || cell.kind === "chart") && cell.name)
        .map(([cellId, cell]) => ({ cellId, name: cell.name ?? cellId, columns: runs.cells?.[cellId]?.columns ?? [] })),
    [data, runs],
  );
  // What SQL cells complete: the project's datasets and the named cells, with their columns.
  const datasets = useDatasets(projectId);
  const completions = useMemo(() => sqlSchema(datasets.data ?? [], data.cells, runs.cells), [datasets.data, data, runs]);
  const edges = useMemo(
    () => readEdges(runs.cells, data.cells).map((edge) => ({ ...edge, animated: runs.cells?.[edge.target]?.state === "running" })),
    [data, runs],
  );

  // The board's nodes follow the document, except where this browser is dragging or resizing;
  // a cell someone else is dragging follows their drag (presence) until they drop it (an op).
  useEffect(() => {
    const others = Object.values(present);
    const draggedBy = new Map(others.flatMap((o) => (o.drag ? [[o.drag.cellId, o] as const] : [])));
    setNodes((previous) => {
      const before = new Map(previous.map((node) => [node.id, node]));
      return Object.entries(data.cells).map(([cellId, cell]) => {
        const layout = layoutOf(cell);
        const old = before.get(cellId);
        const moving = old?.dragging || old?.resizing;
        const remote = moving ? undefined : draggedBy.get(cellId);
        const placed = remote?.drag ? { x: remote.drag.x, y: remote.drag.y } : { x: layout.x * GRID, y: layout.y * GRID };
        return {
          id: cellId,
          type: "cell" as const,
          className: remote ? "remote-drag" : "",
          position: moving && old ? old.position : placed,
          width: moving && old?.width ? old.width : layout.w * GRID,
          height: moving && old?.height ? old.height : layout.h * GRID,
          selected: old?.selected ?? false,
          dragging: old?.dragging ?? false,
          resizing: old?.resizing ?? false,
          draggable: !readOnly,
          data: {
            cellId,
            cell,
            doc,
            readOnly,
            others: others.filter((o) => o.cellId === cellId),
            carets: caretsIn(others, cellId),
            onFocus,
            onCaret,
            draggedBy: remote,
            onDelete,
            run: runs.cells?.[cellId],
            onRun,
            projectId,
            sources,
            sqlSchema: completions,
            onChart,
          },
        };
      });
    });
  }, [data, runs, present, doc, readOnly, onFocus, onCaret, onDelete, onRun, projectId, sources, completions, onChart]);

  const onNodesChange = useCallback(
    (changes: NodeChange<CellNodeType>[]) => {
      setNodes((current) => applyNodeChanges(changes, current));
      if (readOnly) return;
      for (const change of changes) {
        const cell = change.type !== "add" && doc.data.cells[change.id];
        if (!cell) continue;
        const layout = layoutOf(cell);
        if (change.type === "position" && change.position && change.dragging) {
          // while dragging, the others see the cell move through presence; the drop is one op
          live.moveDrag({ cellId: change.id, x: change.position.x, y: change.position.y });
        } else if (change.type === "position" && change.position) {
          submit(layoutOp(change.id, cell, { ...layout, x: toUnits(change.position.x), y: toUnits(change.position.y) }));
          live.moveDrag(null);
        } else if (change.type === "dimensions" && change.resizing && change.dimensions) {
          submit(layoutOp(change.id, cell, { ...layout, w: toUnits(change.dimensions.width), h: toUnits(change.dimensions.height) }));
        }
      }
    },
    [doc, live, readOnly, submit],
  );

  // One avatar per person (someone may have the canvas open twice); this browser's person first.
  const people = Object.values(present).filter(
    (p, i, all) => p.userId !== here.userId && all.findIndex((q) => q.userId === p.userId) === i,
  );
  return (
    <Stack h="calc(100vh - 100px)" gap="xs">
      <Group justify="space-between">
        <Group>
          <Text size="sm">{back} /</Text>
          <Title order={3}>{data.title || "Untitled canvas"}</Title>
          {readOnly && <Badge color="gray">read only ({role})</Badge>}
        </Group>
        <Group>
          {!readOnly &&
            KINDS.map((kind: Kind) => (
              <Button key={kind} size="xs" variant="light" onClick={() => submit(addCellOp(doc.data, kind, newCellId()))}>
                + {kind === "sql" ? "SQL" : kind.charAt(0).toUpperCase() + kind.slice(1)}
              </Button>
            ))}
          <DatasetsDrawerButton />
          <Avatar.Group data-testid="presence">
            <Tooltip label={`${here.name} (you)`}>
              <Avatar color={here.color} radius="xl" data-here={here.name}>{initials(here.name)}</Avatar>
            </Tooltip>
            {people.map((p) => (
              <Tooltip key={p.userId} label={p.name}>
                <Avatar color={p.color} radius="xl" data-here={p.name}>{initials(p.name)}</Avatar>
              </Tooltip>
            ))}
          </Avatar.Group>
        </Group>
      </Group>
      {state === "offline" && (
        <Alert color="yellow" py={6} data-testid="offline">
          Connection lost: reconnecting. Your edits are kept and sent once it is back.
        </Alert>
      )}
      {failure != null && <ErrorNote error={failure} />}
      <div className="board">
        <ReactFlow<CellNodeType>
          nodes={nodes}
          edges={edges}
          onNodesChange={onNodesChange}
          nodeTypes={nodeTypes}
          snapToGrid
          snapGrid={[GRID, GRID]}
          minZoom={0.2}
          maxZoom={2}
          fitView
          fitViewOptions={{ maxZoom: 1, padding: 0.1 }}
          nodesConnectable={false}
          deleteKeyCode={null}
          proOptions={{ hideAttribution: true }}
        >
          <Background gap={GRID} />
          <Controls showInteractive={false} />
        </ReactFlow>
      </div>
      {live.canvasId.startsWith("getting-started-") && <GuidedTour userId={me.userId ?? ""} />}
    </Stack>
  );
}

function initials(name: string): string {
  const parts = name.split(/[\s@.]+/).filter(Boolean);
  return ((parts[0]?.[0] ?? "?") + (parts[1]?.[0] ?? "")).toUpperCase();
}

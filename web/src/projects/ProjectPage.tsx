import { Badge, Button, Card, Grid, Group, Loader, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { ErrorNote } from "../app/ErrorNote";
import { Link } from "../app/Link";
import { navigate } from "../app/router";
import { useArchiveProject, useCreateCanvas, useProject, useRenameProject } from "./api";
import { DatasetsPanel } from "../datasets/DatasetsPanel";
import { MembersPanel } from "./MembersPanel";

/** One project: its name (renamed and archived by owners), its canvases and its members. */
export function ProjectPage({ projectId }: { projectId: string }) {
  const project = useProject(projectId);
  const rename = useRenameProject(projectId);
  const archive = useArchiveProject(projectId);
  const createCanvas = useCreateCanvas(projectId);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [title, setTitle] = useState("");
  if (project.isPending) return <Loader />;
  if (project.error) return <ErrorNote error={project.error} />;
  const p = project.data;
  const owner = p.role === "owner";
  const canvases = [...(p.canvases ?? [])].sort((a, b) => (b.addedAt ?? "").localeCompare(a.addedAt ?? ""));
  return (
    <Stack>
      <Group justify="space-between">
        {renaming === null ? (
          <Group>
            <Title order={2}>{p.name}</Title>
            {p.archived && <Badge color="gray">archived</Badge>}
            <Badge variant="light">{p.role}</Badge>
          </Group>
        ) : (
          <form
            onSubmit={(event) => {
              event.preventDefault();
              rename.mutate(renaming.trim(), { onSuccess: () => setRenaming(null) });
            }}
          >
            <Group>
              <TextInput aria-label="Project name" value={renaming} onChange={(e) => setRenaming(e.currentTarget.value)} autoFocus />
              <Button type="submit" loading={rename.isPending}>Save</Button>
              <Button variant="default" onClick={() => setRenaming(null)}>Cancel</Button>
            </Group>
          </form>
        )}
        {owner && renaming === null && (
          <Group>
            <Button variant="default" disabled={p.archived === true} onClick={() => setRenaming(p.name ?? "")}>Rename</Button>
            <Button variant="default" loading={archive.isPending} onClick={() => archive.mutate(!p.archived)}>
              {p.archived ? "Unarchive" : "Archive"}
            </Button>
          </Group>
        )}
      </Group>
      <ErrorNote error={rename.error ?? archive.error} />
      <Grid>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Card withBorder>
            <Stack>
              <Title order={4}>Canvases</Title>
              {!p.archived && p.role !== "viewer" && p.role !== "commenter" && (
                <form
                  onSubmit={(event) => {
                    event.preventDefault();
                    createCanvas.mutate(title.trim(), {
                      onSuccess: (canvas) => canvas.canvasId && navigate(`/projects/${projectId}/canvases/${canvas.canvasId}`),
                    });
                  }}
                >
                  <Group align="flex-end">
                    <TextInput label="New canvas" placeholder="Untitled analysis" value={title} onChange={(e) => setTitle(e.currentTarget.value)} />
                    <Button type="submit" loading={createCanvas.isPending} disabled={!title.trim()}>Create canvas</Button>
                  </Group>
                </form>
              )}
              <ErrorNote error={createCanvas.error} />
              {canvases.length === 0 ? (
                <Text c="dimmed">No canvases yet.</Text>
              ) : (
                <Table>
                  <Table.Tbody>
                    {canvases.map((canvas) => (
                      <Table.Tr key={canvas.canvasId}>
                        <Table.Td>
                          <Link to={`/projects/${projectId}/canvases/${canvas.canvasId}`}>{canvas.title || "Untitled"}</Link>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm" c="dimmed">{canvas.addedAt ? new Date(canvas.addedAt).toLocaleString() : ""}</Text>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
            </Stack>
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <MembersPanel project={p} />
        </Grid.Col>
        <Grid.Col span={12}>
          <DatasetsPanel projectId={projectId} />
        </Grid.Col>
      </Grid>
    </Stack>
  );
}

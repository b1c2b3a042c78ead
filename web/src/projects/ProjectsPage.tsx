import { Badge, Button, Card, Group, Loader, SimpleGrid, Stack, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { ErrorNote } from "../app/ErrorNote";
import { Link } from "../app/Link";
import { navigate } from "../app/router";
import { useCreateProject, useProjects } from "./api";

/** The projects the signed-in person belongs to, and a form to start a new one. */
export function ProjectsPage() {
  const projects = useProjects();
  const create = useCreateProject();
  const [name, setName] = useState("");
  return (
    <Stack>
      <Title order={2}>Projects</Title>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate(name.trim(), {
            onSuccess: (project) => {
              setName("");
              if (project.projectId) navigate(`/projects/${project.projectId}`);
            },
          });
        }}
      >
        <Group align="flex-end">
          <TextInput
            label="New project"
            placeholder="Revenue analysis"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={create.error instanceof Error ? create.error.message : undefined}
          />
          <Button type="submit" loading={create.isPending} disabled={!name.trim()}>
            Create project
          </Button>
        </Group>
      </form>
      {projects.isPending && <Loader />}
      <ErrorNote error={projects.error} />
      {projects.data?.length === 0 && <Text c="dimmed">No projects yet: create one above.</Text>}
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
        {projects.data?.map((project) => (
          <Card key={project.projectId} withBorder padding="lg">
            <Group justify="space-between">
              <Link to={`/projects/${project.projectId}`}>
                <Text fw={600}>{project.name}</Text>
              </Link>
              <Group gap={4}>
                {project.archived && <Badge color="gray">archived</Badge>}
                <Badge variant="light">{project.role}</Badge>
              </Group>
            </Group>
            <Text size="sm" c="dimmed">
              {project.canvases?.length ?? 0} canvases · {project.members?.length ?? 0} members
            </Text>
          </Card>
        ))}
      </SimpleGrid>
    </Stack>
  );
}

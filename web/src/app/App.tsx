import {
  AppShell,
  Button,
  Center,
  Group,
  Loader,
  Stack,
  Text,
  Title,
} from "@mantine/core";
import { useEffect, useState } from "react";
import type { UserJson } from "../api/gen/v1/auth_pb.js";
import { SignInPage } from "../auth/SignInPage";
import { signOut, useMe, useSessionChanged } from "../auth/session";
import { CanvasPage } from "../canvas/CanvasPage";
import { acceptInvitation } from "../projects/api";
import { ProjectPage } from "../projects/ProjectPage";
import { ProjectsPage } from "../projects/ProjectsPage";
import { ErrorNote } from "./ErrorNote";
import { HelpPanel } from "./HelpPanel";
import { Link } from "./Link";
import { match, navigate, useLocation } from "./router";
import { ThemeControl } from "./ThemeControl";

/** The whole app: sign-in for visitors, the projects and canvases for those signed in. */
export function App() {
  const { path, query } = useLocation();
  const me = useMe();
  const next = query.get("next") ?? "/projects";
  const safeNext = next.startsWith("/") && !next.startsWith("//") ? next : "/projects";

  if (me.isPending) {
    return (
      <Center mih="100vh">
        <Loader />
      </Center>
    );
  }
  if (me.error) return <ErrorNote error={me.error} />;
  if (path === "/signin" || path === "/signup") {
    if (me.data) {
      navigate(safeNext, true);
      return null;
    }
    return <SignInPage key={path} mode={path === "/signin" ? "sign-in" : "sign-up"} next={safeNext} />;
  }
  if (!me.data) {
    // The fragment too: an invitation link carries its token there (#token=…).
    const here = path + (query.size ? `?${query}` : "") + window.location.hash;
    return <Redirect to={`/signin?next=${encodeURIComponent(here)}`} />;
  }
  return (
    <Shell me={me.data}>
      <Page path={path} query={query} me={me.data} />
    </Shell>
  );
}

function Page({ path, query, me }: { path: string; query: URLSearchParams; me: UserJson }) {
  if (path === "/") return <Redirect to="/projects" />;
  if (path === "/projects") return <ProjectsPage />;
  if (path === "/invitations/accept") return <AcceptInvitation token={invitationToken(query)} />;
  const project = match("/projects/:projectId", path);
  if (project?.projectId) return <ProjectPage key={project.projectId} projectId={project.projectId} />;
  const canvas = match("/projects/:projectId/canvases/:canvasId", path);
  if (canvas?.projectId && canvas.canvasId) {
    return <CanvasPage key={canvas.canvasId} projectId={canvas.projectId} canvasId={canvas.canvasId} me={me} />;
  }
  return (
    <Stack>
      <Title order={2}>Not found</Title>
      <Text>
        There is no page at {path}. <Link to="/projects">Your projects</Link>
      </Text>
    </Stack>
  );
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, true), [to]);
  return null;
}

function Shell({ me, children }: { me: UserJson; children: React.ReactNode }) {
  const sessionChanged = useSessionChanged();
  return (
    <AppShell header={{ height: 52 }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group>
            <Title order={3}>Easel</Title>
            <Link to="/projects">Projects</Link>
          </Group>
          <Group>
            <ThemeControl />
            <HelpPanel />
            <Text size="sm" data-testid="signed-in-as">
              {me.displayName || me.email}
            </Text>
            <Button
              size="xs"
              variant="default"
              onClick={async () => {
                await signOut();
                await sessionChanged();
                navigate("/signin", true);
              }}
            >
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}

/** The token of an invitation link: `/invitations/accept#token=…` (or `?token=…`). */
function invitationToken(query: URLSearchParams): string {
  return new URLSearchParams(window.location.hash.slice(1)).get("token") ?? query.get("token") ?? "";
}

/** Accepting is asked once per token, however often the page renders. */
const accepting = new Map<string, ReturnType<typeof acceptInvitation>>();

function AcceptInvitation({ token }: { token: string }) {
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!token) {
      setError(new Error("This invitation link has no token: open the link from the email again."));
      return;
    }
    if (!accepting.has(token)) accepting.set(token, acceptInvitation(token));
    accepting.get(token)?.then(
      (project) => navigate(`/projects/${project.projectId ?? ""}`, true),
      setError,
    );
  }, [token]);
  return error ? <ErrorNote error={error} /> : <Loader />;
}

// The project calls of ProjectService over REST, as TanStack Query queries and mutations.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type {
  CreateInvitationResponseJson,
  ListInvitationsResponseJson,
  ListProjectsResponseJson,
  ProjectCanvasJson,
  ProjectJson,
} from "../api/gen/v1/projects_pb.js";
import { call } from "../api/http";

export const ROLES = ["owner", "editor", "commenter", "viewer"] as const;
export type Role = (typeof ROLES)[number];

/** The roles that may change a canvas's document (the others only read it). */
export function canEdit(role: string | undefined): boolean {
  return role === "owner" || role === "editor";
}

const path = (projectId: string) => `/v1/projects/${encodeURIComponent(projectId)}`;

export function useProjects() {
  return useQuery({
    queryKey: ["projects"],
    queryFn: async () => {
      const projects: ProjectJson[] = [];
      let pageToken = "";
      do {
        const page = await call<ListProjectsResponseJson>(
          "GET",
          `/v1/projects?pageSize=100${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ""}`,
        );
        projects.push(...(page.projects ?? []));
        pageToken = page.nextPageToken ?? "";
      } while (pageToken);
      return projects;
    },
  });
}

export function useProject(projectId: string) {
  return useQuery({
    queryKey: ["project", projectId],
    queryFn: () => call<ProjectJson>("GET", path(projectId)),
  });
}

export function useInvitations(projectId: string, enabled: boolean) {
  return useQuery({
    queryKey: ["invitations", projectId],
    queryFn: () => call<ListInvitationsResponseJson>("GET", `${path(projectId)}/invitations?pageSize=200`),
    select: (answer) => answer.invitations ?? [],
    enabled,
  });
}

/** A change to a project: the call, then the project and the list read again. */
function useProjectChange<A, R>(projectId: string, change: (args: A) => Promise<R>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: change,
    onSuccess: async () => {
      await Promise.all([
        client.invalidateQueries({ queryKey: ["project", projectId] }),
        client.invalidateQueries({ queryKey: ["projects"] }),
        client.invalidateQueries({ queryKey: ["invitations", projectId] }),
      ]);
    },
  });
}

export function useCreateProject() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => call<ProjectJson>("POST", "/v1/projects", { name }),
    onSuccess: () => client.invalidateQueries({ queryKey: ["projects"] }),
  });
}

export const useRenameProject = (projectId: string) =>
  useProjectChange(projectId, (name: string) => call<ProjectJson>("POST", `${path(projectId)}:rename`, { name }));

export const useArchiveProject = (projectId: string) =>
  useProjectChange(projectId, (archive: boolean) =>
    call<ProjectJson>("POST", `${path(projectId)}:${archive ? "archive" : "unarchive"}`, {}),
  );

export const useCreateCanvas = (projectId: string) =>
  useProjectChange(projectId, (title: string) =>
    call<ProjectCanvasJson>("POST", `${path(projectId)}/canvases`, { title }),
  );

export const useChangeRole = (projectId: string) =>
  useProjectChange(projectId, ({ userId, role }: { userId: string; role: Role }) =>
    call<ProjectJson>("PATCH", `${path(projectId)}/members/${encodeURIComponent(userId)}`, { role }),
  );

export const useRemoveMember = (projectId: string) =>
  useProjectChange(projectId, (userId: string) =>
    call("DELETE", `${path(projectId)}/members/${encodeURIComponent(userId)}`),
  );

export const useAddMember = (projectId: string) =>
  useProjectChange(projectId, ({ email, role }: { email: string; role: Role }) =>
    call<ProjectJson>("POST", `${path(projectId)}/members`, { email, role }),
  );

export const useInvite = (projectId: string) =>
  useProjectChange(projectId, ({ email, role }: { email: string; role: Role }) =>
    call<CreateInvitationResponseJson>("POST", `${path(projectId)}/invitations`, { email, role }),
  );

export const useRevokeInvitation = (projectId: string) =>
  useProjectChange(projectId, (invitationId: string) =>
    call("DELETE", `${path(projectId)}/invitations/${encodeURIComponent(invitationId)}`),
  );

export function acceptInvitation(token: string): Promise<ProjectJson> {
  return call<ProjectJson>("POST", "/v1/invitations:accept", { token });
}

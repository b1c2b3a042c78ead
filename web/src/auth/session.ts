// The signed-in person and the browser session routes (BrowserSessions on the server): sign-in sets
// the session cookies, sign-out clears them, sign-up registers then signs in.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { RegisterRequestJson, RegisterResponseJson, UserJson } from "../api/gen/v1/auth_pb.js";
import { ApiError, call } from "../api/http";

/** Who is signed in: the user, or null when this browser has no session. */
export function useMe() {
  return useQuery({
    queryKey: ["me"],
    queryFn: async (): Promise<UserJson | null> => {
      try {
        return await call<UserJson>("GET", "/v1/users/me");
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: 60_000,
  });
}

/** The identity providers the server has configured (`GET /v1/auth/oidc`). */
export function useProviders() {
  return useQuery({
    queryKey: ["oidc-providers"],
    queryFn: () => call<{ providers?: string[] }>("GET", "/v1/auth/oidc"),
    select: (answer) => answer.providers ?? [],
    staleTime: Infinity,
  });
}

export type Credentials = {
  email: string;
  password: string;
  totpCode?: string;
  recoveryCode?: string;
};

/** Signs this browser in; rejects with reason MFA_REQUIRED when the second factor is missing. */
export async function signIn(credentials: Credentials): Promise<void> {
  await call("POST", "/v1/auth/browser/login", credentials, false);
}

/** Registers an account, then signs this browser in with it. */
/**
 * Creates the account and signs in; answers where a new person lands: the canvas of their
 * "Getting started" project (null when the server made none).
 */
export async function signUp(request: Required<Pick<RegisterRequestJson, "email" | "password" | "displayName">>): Promise<string | null> {
  const registered = await call<RegisterResponseJson>("POST", "/v1/auth:register", request, false);
  await signIn({ email: request.email, password: request.password });
  const { gettingStartedProjectId: projectId, gettingStartedCanvasId: canvasId } = registered;
  return projectId && canvasId ? `/projects/${encodeURIComponent(projectId)}/canvases/${encodeURIComponent(canvasId)}` : null;
}

export async function signOut(): Promise<void> {
  await call("POST", "/v1/auth/browser/logout", {}, false);
}

/** After signing in or out: forget everything cached for the previous person. */
export function useSessionChanged(): () => Promise<void> {
  const client = useQueryClient();
  return async () => {
    client.clear();
    await client.invalidateQueries();
  };
}

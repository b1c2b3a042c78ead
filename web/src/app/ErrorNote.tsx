import { Alert } from "@mantine/core";
import { ApiError } from "../api/http";

/** Whether a failure is a refusal for want of a role: HTTP 403, or the socket's permission error. */
export function isRefusal(error: unknown): boolean {
  if (error instanceof ApiError) return error.status === 403;
  return (error as { code?: unknown } | null)?.code === "ERR_PERMISSION_DENIED";
}

/**
 * A failed call, said for people: the server's message, and for a refusal the roles that may (the
 * server words it: "Only editors and owners may …; you are a viewer of this project").
 */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <Alert color={isRefusal(error) ? "orange" : "red"} title={isRefusal(error) ? "Not allowed" : "Something went wrong"}>
      {message}
    </Alert>
  );
}

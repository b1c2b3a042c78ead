import { Alert } from "@mantine/core";
import { ApiError } from "../api/http";

/** A failed call, said for people: the server's message, and for a refusal the role it takes. */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const denied = error instanceof ApiError && error.status === 403;
  return (
    <Alert color="red" title={denied ? "Not allowed" : "Something went wrong"}>
      {message}
    </Alert>
  );
}

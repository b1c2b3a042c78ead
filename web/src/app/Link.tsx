import { Anchor } from "@mantine/core";
import type { ReactNode } from "react";
import { navigate } from "./router";

/** A link to a route of the app, followed without reloading the page. */
export function Link({ to, children }: { to: string; children: ReactNode }) {
  return (
    <Anchor
      href={to}
      onClick={(event) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </Anchor>
  );
}

import { createContext, useContext } from "react";

/** The project of the canvas on screen, for what its cells open (full results, datasets). */
export const CanvasProject = createContext<{ projectId: string; role: string }>({ projectId: "", role: "" });

export function useCanvasProject() {
  return useContext(CanvasProject);
}

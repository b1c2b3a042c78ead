// Each collaborator keeps one colour everywhere (avatars, the ring of the cell they are in),
// chosen from their user id so that every browser shows the same person in the same colour.
const COLORS = ["blue", "teal", "grape", "orange", "pink", "green", "indigo", "red", "cyan", "lime"];

/** The CSS colour of a presence colour (a Mantine colour name), strong enough for a ring. */
export function colorVar(color: string): string {
  return `var(--mantine-color-${color}-6)`;
}

export function colorOf(userId: string): string {
  let hash = 0;
  for (let i = 0; i < userId.length; i++) hash = (hash * 31 + userId.charCodeAt(i)) >>> 0;
  return COLORS[hash % COLORS.length] ?? "blue";
}

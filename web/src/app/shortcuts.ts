// Every keyboard shortcut of the app, for the help panel (`?`). Where a shortcut is bound, it is
// bound by the component named here; this list is what people read.

export type Shortcut = { keys: string[]; what: string };
export type ShortcutGroup = { title: string; shortcuts: Shortcut[] };

/** "Mod" is ⌘ on a Mac and Ctrl elsewhere. */
export function modKey(platform: string = typeof navigator === "undefined" ? "" : navigator.platform): string {
  return /mac|iphone|ipad/i.test(platform) ? "⌘" : "Ctrl";
}

export function shortcutGroups(mod: string = modKey()): ShortcutGroup[] {
  return [
    {
      title: "Everywhere",
      shortcuts: [
        { keys: ["?"], what: "Show these keyboard shortcuts" },
        { keys: ["Esc"], what: "Close a dialog, a drawer or this panel" },
      ],
    },
    {
      title: "In a cell's editor",
      shortcuts: [
        { keys: ["Shift", "Enter"], what: "Run the SQL cell now" },
        { keys: [mod, "Z"], what: "Undo your last edit" },
        { keys: [mod, "Shift", "Z"], what: "Redo" },
        { keys: [mod, "Y"], what: "Redo (Windows and Linux)" },
        { keys: [mod, "A"], what: "Select the whole source" },
        { keys: [mod, "]"], what: "Indent the line" },
        { keys: [mod, "["], what: "Outdent the line" },
        { keys: ["Alt", "↑"], what: "Move the line up (Alt ↓: down)" },
        { keys: [mod, "/"], what: "Comment or uncomment the line" },
      ],
    },
    {
      title: "On the board",
      shortcuts: [
        { keys: ["↑ ↓ ← →"], what: "Move the selected cell" },
        { keys: ["Shift", "Drag"], what: "Select several cells" },
      ],
    },
    {
      title: "In a full result",
      shortcuts: [
        { keys: ["Home"], what: "First row" },
        { keys: ["End"], what: "Last row" },
        { keys: ["Page Up"], what: "One screen up (Page Down: down)" },
        { keys: ["↑"], what: "One row up (↓: down)" },
        { keys: ["Enter"], what: "In “Go to row”: scroll to that row" },
      ],
    },
  ];
}

/** Whether a key press happened where people type (a field or an editor), so `?` is theirs. */
export function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.closest("[contenteditable='true']")) return true;
  return ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { modKey, shortcutGroups, typingIn } from "./shortcuts";

describe("shortcuts", () => {
  it("lists running a cell, the help itself and the grid's jumps", () => {
    const all = shortcutGroups("Ctrl").flatMap((group) => group.shortcuts);
    expect(all).toContainEqual({ keys: ["Shift", "Enter"], what: "Run the SQL cell now" });
    expect(all).toContainEqual({ keys: ["?"], what: "Show these keyboard shortcuts" });
    expect(all).toContainEqual({ keys: ["End"], what: "Last row" });
  });

  it("says ⌘ on a Mac and Ctrl elsewhere", () => {
    expect(modKey("MacIntel")).toBe("⌘");
    expect(modKey("Linux x86_64")).toBe("Ctrl");
  });

  it("leaves ? to fields and editors", () => {
    const input = document.createElement("input");
    const editor = document.createElement("div");
    editor.setAttribute("contenteditable", "true");
    const inside = document.createElement("span");
    editor.appendChild(inside);
    document.body.append(input, editor);
    expect(typingIn(input)).toBe(true);
    expect(typingIn(inside)).toBe(true);
    expect(typingIn(document.body)).toBe(false);
    expect(typingIn(null)).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { canSend, charCount, composerKeyAction, MAX_MESSAGE_CHARS } from "./composer";

describe("composerKeyAction", () => {
  it("sends on Enter", () => {
    expect(composerKeyAction({ key: "Enter" })).toBe("send");
    expect(composerKeyAction({ key: "Enter", shiftKey: false, isComposing: false })).toBe("send");
  });
  it("sends on Ctrl+Enter and Cmd+Enter too", () => {
    expect(composerKeyAction({ key: "Enter", ctrlKey: true })).toBe("send");
    expect(composerKeyAction({ key: "Enter", metaKey: true })).toBe("send");
  });
  it("inserts a line on Shift+Enter (and Alt+Enter)", () => {
    expect(composerKeyAction({ key: "Enter", shiftKey: true })).toBe("newline");
    expect(composerKeyAction({ key: "Enter", altKey: true })).toBe("newline");
  });
  it("leaves Enter to the input method while it composes", () => {
    expect(composerKeyAction({ key: "Enter", isComposing: true })).toBe("none");
    expect(composerKeyAction({ key: "Enter", shiftKey: true, isComposing: true })).toBe("none");
    expect(composerKeyAction({ key: "Process", keyCode: 229 })).toBe("none");
    expect(composerKeyAction({ key: "Enter", keyCode: 229 })).toBe("none");
  });
  it("ignores other keys", () => {
    for (const key of ["a", " ", "Tab", "Escape", "ArrowUp", "Backspace"]) {
      expect(composerKeyAction({ key })).toBe("none");
    }
  });
  it("works on a real KeyboardEvent", () => {
    expect(composerKeyAction(new KeyboardEvent("keydown", { key: "Enter" }))).toBe("send");
    expect(composerKeyAction(new KeyboardEvent("keydown", { key: "Enter", shiftKey: true }))).toBe("newline");
  });
});

describe("canSend", () => {
  it("refuses empty and blank text", () => {
    expect(canSend("")).toBe(false);
    expect(canSend("   ")).toBe(false);
    expect(canSend("\n\t \n")).toBe(false);
  });
  it("accepts text with content", () => {
    expect(canSend("ok")).toBe(true);
    expect(canSend("  hello\n")).toBe(true);
  });
  it("refuses text longer than the server accepts, counting characters not UTF-16 units", () => {
    expect(canSend("a".repeat(MAX_MESSAGE_CHARS))).toBe(true);
    expect(canSend("a".repeat(MAX_MESSAGE_CHARS + 1))).toBe(false);
    expect(canSend(`  ${"🦀".repeat(MAX_MESSAGE_CHARS)}  `)).toBe(true);
    expect(charCount("🦀é")).toBe(2);
  });
});

// Composer keyboard rules, as a pure function of a KeyboardEvent-like object.

export interface KeyLike {
  key: string;
  shiftKey?: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  /** True while an input method (IME) is composing: Enter confirms the composition. */
  isComposing?: boolean;
  /** 229 is what browsers report for keys consumed by an IME. */
  keyCode?: number;
}

/** "send": send and prevent the default; "newline": let the textarea insert a line break; "none": not ours. */
export type ComposerAction = "send" | "newline" | "none";

export function composerKeyAction(e: KeyLike): ComposerAction {
  if (e.isComposing || e.keyCode === 229) return "none";
  if (e.key !== "Enter") return "none";
  if (e.shiftKey || e.altKey) return "newline";
  return "send";
}

/** Longest message the server accepts, in characters (after trimming). */
export const MAX_MESSAGE_CHARS = 10_000;

/** Number of characters as the server counts them (Unicode scalar values). */
export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Whether the text can be sent: not blank and not too long. */
export function canSend(text: string): boolean {
  const trimmed = text.trim();
  return trimmed.length > 0 && charCount(trimmed) <= MAX_MESSAGE_CHARS;
}

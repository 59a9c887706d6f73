// Search snippets arrive as parts ({text, matched}); the UI renders each part
// as text, wrapping matched parts in <mark>. Never as HTML.

import type { SnippetPart } from "./bindings/SnippetPart";

export interface SnippetSegment {
  text: string;
  mark: boolean;
}

/** Drops empty parts and merges neighbours with the same `matched`. */
export function snippetSegments(parts: readonly SnippetPart[]): SnippetSegment[] {
  const out: SnippetSegment[] = [];
  for (const part of parts) {
    if (part.text.length === 0) continue;
    const last = out[out.length - 1];
    if (last && last.mark === part.matched) last.text += part.text;
    else out.push({ text: part.text, mark: part.matched });
  }
  return out;
}

/** The snippet as plain text (for labels). */
export function snippetText(parts: readonly SnippetPart[]): string {
  return parts.map((p) => p.text).join("");
}

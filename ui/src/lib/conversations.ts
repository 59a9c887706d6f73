// Conversation list helpers: previews, filtering, sync status text.

import type { ConversationSummary } from "./bindings/ConversationSummary";
import type { SyncStatus } from "./bindings/SyncStatus";
import { kindLabel } from "./annotations";
import { formatMoment } from "./time";

/** Lower-cased, accents removed, for matching typed text against names. */
export function fold(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .replace(/ø/g, "o")
    .replace(/Ø/g, "o")
    .replace(/ł/g, "l")
    .replace(/Ł/g, "l")
    .toLowerCase();
}

/** Unread messages across the conversations you have not muted: the count the window title and the dock badge show. */
export function unreadTotal(list: readonly Pick<ConversationSummary, "id" | "unread">[], isMuted: (id: number) => boolean): number {
  return list.reduce((sum, c) => (isMuted(c.id) ? sum : sum + c.unread), 0);
}

/** The window's title: "Candor", or "(3) Candor" with unread messages, as the taskbar shows it. */
export function windowTitle(unread: number): string {
  if (unread <= 0) return "Candor";
  return `(${unread > 999 ? "999+" : unread}) Candor`;
}

/** Conversations whose title, member names or handles contain every word of `query`; order kept. */
export function filterConversations(list: readonly ConversationSummary[], query: string): ConversationSummary[] {
  const words = fold(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...list];
  return list.filter((c) => {
    const haystack = fold(
      [c.title, ...c.members.flatMap((m) => [m.display_name, `@${m.handle}`])].join(" "),
    );
    return words.every((w) => haystack.includes(w));
  });
}

/** The last-message line of a row: "You: …" for your own, the sender's first name in groups. */
export function previewLine(c: ConversationSummary, myId: number | null): string {
  const m = c.last_message;
  if (!m) return "No messages yet";
  const label = kindLabel(m.kind);
  const body = label ? `${label}: ${m.body}` : m.body;
  if (myId !== null && m.sender === myId) return `You: ${body}`;
  if (c.kind === "group") {
    const first = m.sender_name.split(/\s+/)[0] || m.sender_name;
    return `${first}: ${body}`;
  }
  return body;
}

/** The sync status line. */
export function syncStatusText(status: SyncStatus, now: number): string {
  switch (status.state) {
    case "online":
      return "Online";
    case "catching_up":
      return "Catching up…";
    case "offline":
      return `Offline since ${formatMoment(status.since, now)}`;
    case "signed_out":
      return "Signed out";
  }
}

/** Member names for a header: "Alice Martin, Bob Stone and you". */
export function memberLine(c: Pick<ConversationSummary, "members">, myId: number | null): string {
  const others = c.members.filter((m) => m.user_id !== myId).map((m) => m.display_name);
  const hasMe = c.members.some((m) => m.user_id === myId);
  const names = hasMe ? [...others, "you"] : others;
  if (names.length === 0) return "";
  if (names.length === 1) return names[0];
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

// The rows of a conversation's timeline: delivered messages (ascending
// `seq`), day separators, the "unread" divider and your pending messages.

import type { MessageView } from "./bindings/MessageView";
import type { PendingMessage } from "./bindings/PendingMessage";
import { errorSentence } from "./errors";
import { groupByDay } from "./time";

export type TimelineItem =
  | { type: "message"; message: MessageView }
  | { type: "pending"; pending: PendingMessage };

export type TimelineRow =
  | { kind: "start"; key: string }
  | { kind: "day"; key: string; label: string; time: number }
  | { kind: "unread"; key: string }
  | { kind: "item"; key: string; item: TimelineItem };

export function messageKey(id: number): string {
  return `m:${id}`;
}

export function pendingKey(clientId: string): string {
  return `p:${clientId}`;
}

export const UNREAD_KEY = "unread";
export const START_KEY = "start";

/**
 * Builds the rows; the unread divider goes right before the message with
 * `firstUnreadSeq`, and `atStart` (the first message is loaded) adds the
 * "beginning of the conversation" row on top.
 */
export function buildRows(
  messages: readonly MessageView[],
  pending: readonly PendingMessage[],
  firstUnreadSeq: number | null,
  now: number,
  atStart = false,
): TimelineRow[] {
  const items: TimelineItem[] = [];
  for (const message of messages) items.push({ type: "message", message });
  for (const p of pending) items.push({ type: "pending", pending: p });
  const grouped = groupByDay(
    items,
    (i) => (i.type === "message" ? i.message.server_time : i.pending.created_at),
    (i) => (i.type === "message" ? messageKey(i.message.id) : pendingKey(i.pending.client_id)),
    now,
  );
  const rows: TimelineRow[] = atStart ? [{ kind: "start", key: START_KEY }] : [];
  if (firstUnreadSeq === null) {
    for (const row of grouped) rows.push(row);
    return rows;
  }
  for (const row of grouped) {
    if (row.kind === "item" && row.item.type === "message" && row.item.message.seq === firstUnreadSeq) {
      // Keep a day separator above the divider when the unread message starts a day.
      rows.push({ kind: "unread", key: UNREAD_KEY });
    }
    rows.push(row);
  }
  return rows;
}

/**
 * Merges a contiguous page into the loaded messages (both ascending by
 * `seq`); a message in `incoming` replaces the loaded one with the same seq
 * (its delivery state or annotations may have changed).
 */
export function mergeMessages(current: readonly MessageView[], incoming: readonly MessageView[]): MessageView[] {
  if (incoming.length === 0) return current as MessageView[];
  if (current.length === 0) return [...incoming];
  const first = current[0].seq;
  const last = current[current.length - 1].seq;
  if (incoming[0].seq > last) return current.concat(incoming);
  if (incoming[incoming.length - 1].seq < first) return incoming.concat(current);
  const bySeq = new Map<number, MessageView>();
  for (const m of current) bySeq.set(m.seq, m);
  for (const m of incoming) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** True when `page` continues `current` without a gap (either side) or overlaps it. */
export function joinsWith(current: readonly MessageView[], page: readonly MessageView[]): boolean {
  if (current.length === 0 || page.length === 0) return true;
  const first = current[0].seq;
  const last = current[current.length - 1].seq;
  return page[0].seq <= last + 1 && page[page.length - 1].seq >= first - 1;
}

/**
 * The seq of the oldest unread message, counting `unread` messages from
 * other people back from the newest loaded one (ignoring those after
 * `upToSeq`, which arrived after the count was taken); null when there is nothing
 * unread, or when the loaded messages do not reach back far enough.
 */
export function findFirstUnreadSeq(
  messages: readonly MessageView[],
  unread: number,
  upToSeq = Number.POSITIVE_INFINITY,
): number | null {
  if (unread <= 0) return null;
  let count = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i].mine || messages[i].seq > upToSeq) continue;
    count++;
    if (count === unread) return messages[i].seq;
  }
  return null;
}

/**
 * How many messages from other people `messages` holds (for paging back to
 * the first unread), ignoring those after `upToSeq`.
 */
export function countFromOthers(messages: readonly MessageView[], upToSeq = Number.POSITIVE_INFINITY): number {
  let n = 0;
  for (const m of messages) if (!m.mine && m.seq <= upToSeq) n++;
  return n;
}

/** A range of seqs to keep loaded (the rows on screen), both ends included. */
export interface SeqRange {
  first: number;
  last: number;
}

/** The loaded messages after `capMessages`, and what it dropped at either end (ascending). */
export interface CappedMessages {
  messages: MessageView[];
  droppedOlder: MessageView[];
  droppedNewer: MessageView[];
}

/** Index of the first message with `seq >= target` in an ascending list (length if none). */
function lowerBound(messages: readonly MessageView[], target: number): number {
  let lo = 0;
  let hi = messages.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (messages[mid].seq < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Bounds the loaded window: keeps at most `max` messages by dropping the
 * surplus at the `drop` end (the end away from where the view is heading).
 * Messages inside `keep` (the rows on screen) are never dropped, so the
 * window can stay above `max` by at most what `keep` holds. Costs O(max +
 * surplus), whatever the length of the conversation. When nothing has to go,
 * the same array comes back.
 */
export function capMessages(
  messages: readonly MessageView[],
  max: number,
  drop: "older" | "newer",
  keep: SeqRange | null = null,
): CappedMessages {
  const none: MessageView[] = [];
  const excess = messages.length - Math.max(0, max);
  if (excess <= 0) return { messages: messages as MessageView[], droppedOlder: none, droppedNewer: none };
  if (drop === "newer") {
    let cut = messages.length - excess;
    if (keep) cut = Math.max(cut, lowerBound(messages, keep.last + 1));
    if (cut >= messages.length) return { messages: messages as MessageView[], droppedOlder: none, droppedNewer: none };
    return { messages: messages.slice(0, cut), droppedOlder: none, droppedNewer: messages.slice(cut) };
  }
  let cut = excess;
  if (keep) cut = Math.min(cut, lowerBound(messages, keep.first));
  if (cut <= 0) return { messages: messages as MessageView[], droppedOlder: none, droppedNewer: none };
  return { messages: messages.slice(cut), droppedOlder: messages.slice(0, cut), droppedNewer: none };
}

/**
 * The end of the loaded window farther from `seq`: the end to drop from
 * when the view is at `seq`.
 */
export function farSide(messages: readonly MessageView[], seq: number): "older" | "newer" {
  if (messages.length === 0) return "older";
  const mid = (messages[0].seq + messages[messages.length - 1].seq) / 2;
  return seq <= mid ? "newer" : "older";
}

/** The state line of a pending message. */
export function pendingLabel(p: Pick<PendingMessage, "state" | "error_code" | "hold_until">, now: number): string {
  switch (p.state) {
    case "held": {
      const seconds = Math.ceil((p.hold_until - now) / 1000);
      return seconds > 0 ? `Sending in ${seconds} s` : "Sending…";
    }
    case "sending":
      return "Sending…";
    case "waiting":
      return "Waiting to send";
    case "failed":
      return `Failed: ${errorSentence(p.error_code ?? "internal")}`;
    default:
      return "Sending…";
  }
}

/** Whether a pending message can still be taken back (nothing reached the server). */
export function canCancel(p: Pick<PendingMessage, "state">): boolean {
  return p.state === "held" || p.state === "waiting" || p.state === "failed";
}

/** The state mark of a delivered message of yours: ✓, ✓✓ or ✓✓ read. */
export function deliveryMark(state: MessageView["state"]): { symbol: string; label: string; read: boolean } {
  switch (state) {
    case "read":
      return { symbol: "✓✓", label: "Read", read: true };
    case "delivered":
      return { symbol: "✓✓", label: "Delivered", read: false };
    default:
      return { symbol: "✓", label: "Sent", read: false };
  }
}

/** Rough height of a row before it is measured, so the scrollbar is close to right. */
export function estimateRowHeight(row: TimelineRow, charsPerLine = 90): number {
  switch (row.kind) {
    case "start":
      return 84;
    case "day":
      return 40;
    case "unread":
      return 34;
    case "item": {
      const body = row.item.type === "message" ? row.item.message.body : row.item.pending.body;
      let lines = 0;
      for (const line of body.split("\n")) lines += Math.max(1, Math.ceil(line.length / charsPerLine));
      let h = 34 + 20 * lines;
      if (row.item.type === "pending") return h + 18;
      const m = row.item.message;
      if (m.kind !== "text") h += 24;
      if (m.reference !== null) h += 20;
      if (m.correction) h += 90;
      if (m.annotations.length > 0) h += 28;
      return h;
    }
  }
}

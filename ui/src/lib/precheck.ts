// What the composer does with the core's pre-send check (`SendCheck`): pure
// functions, so each rule is tested without a window.

import type { Finding } from "./bindings/Finding";
import type { SendCheck } from "./bindings/SendCheck";
import { formatMoment } from "./time";

/** Whether sending waits for an explicit confirmation. Tone hints alone never do. */
export function needsConfirmation(check: Pick<SendCheck, "findings" | "cards" | "read_it_over">): boolean {
  return check.read_it_over || check.findings.length > 0 || check.cards.length > 0;
}

/** The dialog's title for what it has to say. */
export function reviewTitle(check: Pick<SendCheck, "findings" | "cards">): string {
  if (check.findings.length > 0) return "This message contains sensitive data";
  if (check.cards.length > 0) return "Check the recipient";
  return "Read it over";
}

/** Distinct finding labels in text order: "a payment card number and a password". */
export function findingSummary(findings: readonly Pick<Finding, "label">[]): string {
  const labels = [...new Set(findings.map((f) => f.label.toLowerCase()))];
  if (labels.length === 0) return "";
  if (labels.length === 1) return labels[0];
  return `${labels.slice(0, -1).join(", ")} and ${labels[labels.length - 1]}`;
}

/** "Last talked 3 Mar, 14:02" or a sentence for people you never talked to. */
export function lastTalkedLabel(lastTalked: number | null, now: number): string {
  return lastTalked === null ? "You have not talked before" : `Last talked ${formatMoment(lastTalked, now)}`;
}

/** What the hold means, in one sentence. */
export function holdSentence(seconds: number): string {
  if (seconds <= 0) return "It leaves as soon as you send it, and is permanent once delivered.";
  return `It waits ${seconds} s on this device before it leaves; you can cancel it until then.`;
}

/** A cancelled message's text returning to a composer that may hold new text. */
export function mergeRestored(current: string, restored: string): string {
  if (current.trim() === "") return restored;
  if (current.includes(restored)) return current;
  return `${restored}\n\n${current}`;
}

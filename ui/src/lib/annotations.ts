// How a message's kind, its follow-ups (annotations) and its reference are
// labelled. Pure: MessageView in, label texts and link targets out.

import type { Annotation } from "./bindings/Annotation";
import type { MessageKind } from "./bindings/MessageKind";
import type { MessageView } from "./bindings/MessageView";

/** The label on a message of a special kind; null for plain text. */
export function kindLabel(kind: MessageKind): string | null {
  switch (kind) {
    case "correction":
      return "Correction";
    case "retraction":
      return "Please disregard";
    case "apology":
      return "Apology";
    case "urgent":
      return "Urgent";
    case "text":
      return null;
  }
}

/** A link on a message to the follow-up that refers to it. */
export interface AnnotationLink {
  kind: MessageKind;
  /** The referring message to scroll to. */
  target: number;
  label: string;
}

/** The label shown on the original for a follow-up of `kind`. */
export function annotationLabel(kind: MessageKind): string {
  switch (kind) {
    case "correction":
      return "Corrected — see correction";
    case "retraction":
      return "Retracted";
    case "apology":
      return "Apology sent — see apology";
    case "urgent":
      return "Urgent follow-up";
    case "text":
      return "Follow-up";
  }
}

const ORDER: Record<MessageKind, number> = { retraction: 0, correction: 1, urgent: 2, apology: 3, text: 4 };

/**
 * A message's follow-ups, most serious first (a retraction before a
 * correction before an urgent notice before an apology), then in delivery
 * order.
 */
export function sortAnnotations(annotations: readonly Annotation[]): Annotation[] {
  return [...annotations].sort((a, b) => ORDER[a.kind] - ORDER[b.kind] || a.seq - b.seq || a.message_id - b.message_id);
}

/** Numbers repeated kinds: "(1)", "(2)", … when a kind occurs more than once. */
function numbered<T>(sorted: readonly Annotation[], make: (a: Annotation, suffix: string) => T): T[] {
  const counts = new Map<MessageKind, number>();
  for (const a of sorted) counts.set(a.kind, (counts.get(a.kind) ?? 0) + 1);
  const seen = new Map<MessageKind, number>();
  return sorted.map((a) => {
    const n = (seen.get(a.kind) ?? 0) + 1;
    seen.set(a.kind, n);
    return make(a, (counts.get(a.kind) ?? 0) > 1 ? ` (${n})` : "");
  });
}

/**
 * Links to every follow-up of a message, in the order of `sortAnnotations`.
 * Repeated follow-ups of one kind are numbered.
 */
export function annotationLinks(message: Pick<MessageView, "annotations">): AnnotationLink[] {
  return numbered(sortAnnotations(message.annotations), (a, suffix) => ({
    kind: a.kind,
    target: a.message_id,
    label: `${annotationLabel(a.kind)}${suffix}`,
  }));
}

/** A follow-up shown beneath the message it refers to. */
export interface AttachedFollowUp {
  annotation: Annotation;
  /** The box's heading: "Corrected", "Retracted: please disregard", … */
  title: string;
  /** The link to the follow-up itself: "Go to correction". */
  jumpLabel: string;
}

/** The heading of a follow-up attached beneath the original. */
export function attachedTitle(kind: MessageKind): string {
  switch (kind) {
    case "correction":
      return "Corrected";
    case "retraction":
      return "Retracted: please disregard";
    case "apology":
      return "Apology";
    case "urgent":
      return "Urgent follow-up";
    case "text":
      return "Follow-up";
  }
}

function jumpNoun(kind: MessageKind): string {
  switch (kind) {
    case "correction":
      return "correction";
    case "retraction":
      return "retraction";
    case "apology":
      return "apology";
    case "urgent":
      return "urgent follow-up";
    case "text":
      return "follow-up";
  }
}

/** The follow-ups to attach beneath a message, in the order of `sortAnnotations`. */
export function attachedFollowUps(message: Pick<MessageView, "annotations">): AttachedFollowUp[] {
  return numbered(sortAnnotations(message.annotations), (a, suffix) => ({
    annotation: a,
    title: `${attachedTitle(a.kind)}${suffix}`,
    jumpLabel: `Go to ${jumpNoun(a.kind)}${suffix}`,
  }));
}

/** The link from a follow-up back to the message it refers to, if any. */
export function referenceLink(message: Pick<MessageView, "reference">): { target: number; label: string } | null {
  return message.reference === null ? null : { target: message.reference, label: "Refers to an earlier message" };
}

/** True when the message has been retracted by its sender. */
export function isRetracted(message: Pick<MessageView, "annotations">): boolean {
  return message.annotations.some((a) => a.kind === "retraction");
}

/** True when the message has been corrected by its sender. */
export function isCorrected(message: Pick<MessageView, "annotations">): boolean {
  return message.annotations.some((a) => a.kind === "correction");
}

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
 * Links to every follow-up of a message, most serious first (a retraction
 * before a correction before an urgent notice before an apology), then in
 * delivery order. Repeated follow-ups of one kind are numbered.
 */
export function annotationLinks(message: Pick<MessageView, "annotations">): AnnotationLink[] {
  const sorted = [...message.annotations].sort(
    (a: Annotation, b: Annotation) => ORDER[a.kind] - ORDER[b.kind] || a.message_id - b.message_id,
  );
  const counts = new Map<MessageKind, number>();
  for (const a of sorted) counts.set(a.kind, (counts.get(a.kind) ?? 0) + 1);
  const seen = new Map<MessageKind, number>();
  return sorted.map((a) => {
    const n = (seen.get(a.kind) ?? 0) + 1;
    seen.set(a.kind, n);
    const base = annotationLabel(a.kind);
    return { kind: a.kind, target: a.message_id, label: (counts.get(a.kind) ?? 0) > 1 ? `${base} (${n})` : base };
  });
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

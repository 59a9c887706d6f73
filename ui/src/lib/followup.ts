// Follow-ups to a message you sent: a correction, a "please disregard"
// notice (retraction) or an apology. Sent messages are permanent, so a
// mistake is repaired by a new message linked to the original. Pure
// functions: what the follow-up dialog sends, how it explains itself and how
// a follow-up names the message it refers to.

import type { CorrectionFields } from "./bindings/CorrectionFields";
import type { Draft } from "./bindings/Draft";
import type { MessageKind } from "./bindings/MessageKind";
import type { MessagePreview } from "./bindings/MessagePreview";
import type { MessageView } from "./bindings/MessageView";
import type { Settings } from "./bindings/Settings";
import { formatMoment } from "./time";

/** The follow-ups a sender can start from one of their messages. */
export type FollowUpKind = "correction" | "retraction" | "apology";

/** Limits the server enforces (candor-proto's `MAX_BODY_CHARS`, `MAX_CORRECTION_FIELD_CHARS`). */
export const MAX_BODY_CHARS = 10_000;
export const MAX_CORRECTION_FIELD_CHARS = 2_000;

/**
 * The follow-ups offered on a message: only on your own, and not on a
 * retraction or apology (a correction or urgent notice can itself be
 * corrected, retracted or apologised for).
 */
export function followUpActions(message: Pick<MessageView, "mine" | "kind">): FollowUpKind[] {
  if (!message.mine) return [];
  if (message.kind === "retraction" || message.kind === "apology") return [];
  return ["correction", "retraction", "apology"];
}

/** The menu item and dialog title for each follow-up. */
export function followUpActionLabel(kind: FollowUpKind): string {
  switch (kind) {
    case "correction":
      return "Send a correction";
    case "retraction":
      return "Ask them to disregard it";
    case "apology":
      return "Apologise";
  }
}

export function followUpTitle(kind: FollowUpKind): string {
  switch (kind) {
    case "correction":
      return "Send a correction";
    case "retraction":
      return "Ask them to disregard your message";
    case "apology":
      return "Apologise for your message";
  }
}

/** The editable wording a retraction or apology starts from. */
export function templateFor(kind: "retraction" | "apology", settings: Pick<Settings, "retraction_template" | "apology_template">): string {
  return kind === "retraction" ? settings.retraction_template : settings.apology_template;
}

/** One line of text: trimmed, runs of whitespace (newlines too) made one space. */
function oneLine(text: string): string {
  return text.trim().replace(/\s+/g, " ");
}

/** Ends a phrase with a full stop unless it already ends with punctuation. */
function terminated(text: string): string {
  const t = oneLine(text);
  if (t === "") return t;
  return /[.!?…:;)"'”’]$/u.test(t) ? t : `${t}.`;
}

/**
 * The text of a correction: the sender's note when they wrote one, otherwise
 * a sentence built from the two fields, so that the correction reads well
 * wherever only the text is shown (notifications, search, other apps).
 */
export function correctionBody(fields: CorrectionFields, note = ""): string {
  const n = note.trim();
  if (n !== "") return n;
  return `Correction to my earlier message. What was wrong: ${terminated(fields.what_was_wrong)} What is correct: ${terminated(fields.correct_information)}`;
}

/** True when a correction's text is just the sentence built from its fields (nothing to show twice). */
export function isBuiltCorrectionBody(body: string, fields: CorrectionFields): boolean {
  return body.trim() === correctionBody(fields);
}

/** What the user typed into the follow-up dialog. */
export interface FollowUpInput {
  /** Correction: what was wrong. */
  wrong: string;
  /** Correction: the correct information. */
  right: string;
  /** Correction: an optional note, sent as the text. */
  note: string;
  /** Retraction or apology: the text. */
  body: string;
}

export type FollowUpErrors = Partial<Record<keyof FollowUpInput, string>>;

function charCount(text: string): number {
  return Array.from(text).length;
}

/** Field errors to show before anything is sent; empty when the input can be sent. */
export function validateFollowUp(kind: FollowUpKind, input: FollowUpInput): FollowUpErrors {
  const errors: FollowUpErrors = {};
  if (kind === "correction") {
    if (input.wrong.trim() === "") errors.wrong = "Say what was wrong in your message.";
    else if (charCount(input.wrong.trim()) > MAX_CORRECTION_FIELD_CHARS)
      errors.wrong = `Keep this under ${MAX_CORRECTION_FIELD_CHARS.toLocaleString("en")} characters.`;
    if (input.right.trim() === "") errors.right = "Give the correct information.";
    else if (charCount(input.right.trim()) > MAX_CORRECTION_FIELD_CHARS)
      errors.right = `Keep this under ${MAX_CORRECTION_FIELD_CHARS.toLocaleString("en")} characters.`;
    if (charCount(input.note.trim()) > MAX_BODY_CHARS)
      errors.note = `A message can have at most ${MAX_BODY_CHARS.toLocaleString("en")} characters.`;
  } else {
    if (input.body.trim() === "") errors.body = "Write a few words to send.";
    else if (charCount(input.body.trim()) > MAX_BODY_CHARS)
      errors.body = `A message can have at most ${MAX_BODY_CHARS.toLocaleString("en")} characters.`;
  }
  return errors;
}

/** The message to queue for a follow-up to `originalId`. */
export function followUpDraft(kind: FollowUpKind, originalId: number, input: FollowUpInput, allowSensitive = false): Draft {
  if (kind === "correction") {
    const correction: CorrectionFields = {
      what_was_wrong: input.wrong.trim(),
      correct_information: input.right.trim(),
    };
    return {
      kind,
      reference: originalId,
      body: correctionBody(correction, input.note),
      correction,
      allow_sensitive: allowSensitive,
    };
  }
  return { kind, reference: originalId, body: input.body.trim(), correction: null, allow_sensitive: allowSensitive };
}

/**
 * All the text a draft sends, for the sensitive-data and tone check: the
 * body, and a correction's fields when the body does not already hold them.
 */
export function textToCheck(draft: Pick<Draft, "body" | "correction">): string {
  const parts = [draft.body];
  if (draft.correction) {
    for (const field of [draft.correction.what_was_wrong, draft.correction.correct_information]) {
      if (!draft.body.includes(field)) parts.push(field);
    }
  }
  return parts.join("\n");
}

/** The one-line explanation at the top of the dialog. */
export function followUpExplanation(kind: FollowUpKind, holdSeconds: number): string {
  const what = kind === "correction" ? "correction" : kind === "retraction" ? "request to disregard it" : "apology";
  const linked = `Your ${what} is linked to the message: both sides will see it attached to it.`;
  const hold =
    holdSeconds > 0
      ? `It waits ${holdSeconds} s on this device before it leaves, and you can cancel it until then.`
      : "It leaves as soon as you send it.";
  return `${linked} ${hold}`;
}

/** "Alice's", or "your" for yourself. */
export function possessive(name: string, isYou: boolean): string {
  if (isYou) return "your";
  return `${name}'s`;
}

/**
 * The line above a follow-up naming the message it refers to:
 * "Corrects Alice's message of 14:02". The time is given with its date when
 * the original is from another day than the follow-up.
 */
export function referenceHeading(
  kind: MessageKind,
  referenced: Pick<MessagePreview, "sender" | "sender_name" | "server_time">,
  myId: number | null,
  followUpTime: number,
): string {
  const whose = possessive(referenced.sender_name, myId !== null && referenced.sender === myId);
  const when = formatMoment(referenced.server_time, followUpTime);
  const target = `${whose} message of ${when}`;
  switch (kind) {
    case "correction":
      return `Corrects ${target}`;
    case "retraction":
      return `Retracts ${target}`;
    case "apology":
      return `Apology for ${target}`;
    case "urgent":
      return `Urgent follow-up to ${target}`;
    case "text":
      return `Refers to ${target}`;
  }
}

/** "Your message of 14:02" (or "of 9 Mar, 14:02" from another day) for the dialog's quote. */
export function originalCaption(original: Pick<MessageView, "server_time">, now: number): string {
  return `Your message of ${formatMoment(original.server_time, now)}`;
}

/**
 * The start of a text for a quote: at most `maxLines` lines and `maxChars`
 * characters (never splitting a character); `truncated` tells whether
 * anything was left out.
 */
export function quoteText(body: string, maxLines: number, maxChars: number): { text: string; truncated: boolean } {
  const trimmed = body.trim();
  const lines = trimmed.split("\n");
  let truncated = lines.length > maxLines;
  let text = lines.slice(0, maxLines).join("\n");
  const chars = Array.from(text);
  if (chars.length > maxChars) {
    text = chars.slice(0, maxChars).join("");
    truncated = true;
  }
  if (truncated) text = text.trimEnd();
  return { text, truncated };
}

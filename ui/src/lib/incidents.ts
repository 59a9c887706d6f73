// Guided damage control, the pure part of the screens: how incidents, their
// cases and steps are named, what the urgent-notice allowance and a step's
// status read as, who can be called, and the wording an urgent notice starts
// from. The checklist itself is planned by the core (`candor_core::incident`);
// nothing here decides what to recommend.

import type { CallOutcome } from "./bindings/CallOutcome";
import type { Connection } from "./bindings/Connection";
import type { DeliveryState } from "./bindings/DeliveryState";
import type { Incident } from "./bindings/Incident";
import type { IncidentCase } from "./bindings/IncidentCase";
import type { MessageKind } from "./bindings/MessageKind";
import type { Profile } from "./bindings/Profile";
import type { RecipientProgress } from "./bindings/RecipientProgress";
import type { Step } from "./bindings/Step";
import type { StepKind } from "./bindings/StepKind";
import type { StepStatus } from "./bindings/StepStatus";
import type { UrgentAllowance } from "./bindings/UrgentAllowance";
import { kindLabel } from "./annotations";
import { formatClock, formatMoment } from "./time";

// ------------------------------------------------------------------ cases

/** The cases in the order the "What went wrong?" question offers them. */
export const INCIDENT_CASES: readonly IncidentCase[] = ["wrong_person", "inaccurate", "sensitive", "tone", "time_sensitive"];

/** A short name for a case, for headings and the incident list. */
export function caseLabel(c: IncidentCase): string {
  switch (c) {
    case "wrong_person":
      return "Wrong person";
    case "inaccurate":
      return "Inaccurate information";
    case "sensitive":
      return "Sensitive information";
    case "tone":
      return "Tone";
    case "time_sensitive":
      return "Time-sensitive";
  }
}

/** The one-line explanation under each choice of "What went wrong?". */
export function caseExplanation(c: IncidentCase): string {
  switch (c) {
    case "wrong_person":
      return "Sent to the wrong person";
    case "inaccurate":
      return "The information was inaccurate";
    case "sensitive":
      return "It shared sensitive or confidential information";
    case "tone":
      return "The tone was unprofessional or hurtful";
    case "time_sensitive":
      return "It is time-sensitive: they must act, or must not act, on it";
  }
}

/** What the checklist for a case will walk through, said before it starts. */
export function caseOutline(c: IncidentCase): string {
  switch (c) {
    case "wrong_person":
      return "You will ask them to disregard it, send it to the person it was meant for, and see whether they read it.";
    case "inaccurate":
      return "You will send a correction linked to it and, if time matters, an urgent notice.";
    case "sensitive":
      return "You will ask them not to use or share it, and change any password or key it disclosed.";
    case "tone":
      return "You will apologise with a message linked to it and, if you can, call them.";
    case "time_sensitive":
      return "You will send an urgent notice that alerts them until they read it, and call them if you can.";
  }
}

// ------------------------------------------------------------------ steps

/** A short name for what a step does (its title comes from the core). */
export function stepKindLabel(kind: StepKind["kind"]): string {
  switch (kind) {
    case "retract":
      return "Please disregard";
    case "send_to_right_person":
      return "Send to the right person";
    case "correct":
      return "Correction";
    case "ask_not_to_share":
      return "Do not share";
    case "rotate_secret":
      return "Change the secret";
    case "report_and_block":
      return "Report and block";
    case "apologise":
      return "Apology";
    case "urgent_notice":
      return "Urgent notice";
    case "call":
      return "Call";
    case "remind_if_unread":
      return "Reminder";
  }
}

/** The message kind a step sends from its draft, or null when it sends none itself. */
export function followUpKindForStep(kind: StepKind["kind"]): "retraction" | "apology" | "urgent" | null {
  switch (kind) {
    case "retract":
    case "ask_not_to_share":
      // A request not to use or share it is a "please disregard" notice: the
      // server links retractions to the original, so both sides see it attached.
      return "retraction";
    case "apologise":
      return "apology";
    case "urgent_notice":
      return "urgent";
    default:
      return null;
  }
}

/** The label of a draft-sending step's button. */
export function sendLabel(kind: StepKind["kind"]): string {
  switch (kind) {
    case "retract":
      return "Send request to disregard";
    case "ask_not_to_share":
      return "Send request";
    case "apologise":
      return "Send apology";
    case "urgent_notice":
      return "Send urgent notice";
    default:
      return "Send";
  }
}

export function statusLabel(status: StepStatus): string {
  switch (status) {
    case "todo":
      return "To do";
    case "done":
      return "Done";
    case "skipped":
      return "Skipped";
  }
}

/** "Done at 14:05", "Skipped on 9 Mar, 14:05", or "To do". */
export function stepStatusText(step: Pick<Step, "status" | "done_at">, now: number): string {
  if (step.status === "todo" || step.done_at === null) return statusLabel(step.status);
  return `${statusLabel(step.status)} ${whenText(step.done_at, now)}`;
}

/** "at 14:05" today, "on 9 Mar, 14:05" another day. */
export function whenText(ms: number, now: number): string {
  const moment = formatMoment(ms, now);
  return moment.includes(",") ? `on ${moment}` : `at ${moment}`;
}

export function callOutcomeLabel(outcome: CallOutcome): string {
  switch (outcome) {
    case "reached":
      return "Reached";
    case "voicemail":
      return "Left a voicemail";
    case "no_answer":
      return "No answer";
  }
}

export const CALL_OUTCOMES: readonly CallOutcome[] = ["reached", "voicemail", "no_answer"];

/** Button labels for "How did it go?". */
export function callOutcomeChoice(outcome: CallOutcome): string {
  switch (outcome) {
    case "reached":
      return "Reached";
    case "voicemail":
      return "Voicemail";
    case "no_answer":
      return "No answer";
  }
}

/** The minutes "Remind me if it is still unread" offers. */
export const REMINDER_MINUTES: readonly number[] = [5, 15, 30, 60];

export function reminderChoiceLabel(minutes: number): string {
  if (minutes === 60) return "In 1 hour";
  if (minutes > 60 && minutes % 60 === 0) return `In ${minutes / 60} hours`;
  return minutes === 1 ? "In 1 minute" : `In ${minutes} minutes`;
}

/** The note a step keeps once its reminder is set. */
export function reminderNote(dueAt: number): string {
  return `Reminder at ${formatClock(dueAt)}`;
}

/** The note "Send it to the right person" keeps. */
export function rightPersonNote(name: string): string {
  return `Copied to a message to ${name}`;
}

// --------------------------------------------------------------- progress

/** Steps finished (done or skipped) out of all steps, and the required ones left. */
export function stepProgress(steps: readonly Pick<Step, "status" | "optional">[]): {
  finished: number;
  total: number;
  requiredLeft: number;
} {
  let finished = 0;
  let requiredLeft = 0;
  for (const s of steps) {
    if (s.status !== "todo") finished += 1;
    else if (!s.optional) requiredLeft += 1;
  }
  return { finished, total: steps.length, requiredLeft };
}

/** "2 of 4 steps done" for the list and the header. */
export function progressText(steps: readonly Pick<Step, "status" | "optional">[]): string {
  const { finished, total } = stepProgress(steps);
  return `${finished} of ${total} ${total === 1 ? "step" : "steps"} done`;
}

/** Open incidents first, then the most recently changed. */
export function sortIncidents(list: readonly Incident[]): Incident[] {
  return [...list].sort((a, b) => {
    const ra = a.resolved_at === null ? 0 : 1;
    const rb = b.resolved_at === null ? 0 : 1;
    return ra - rb || b.updated_at - a.updated_at || a.id.localeCompare(b.id);
  });
}

export function openIncidentCount(list: readonly Pick<Incident, "resolved_at">[]): number {
  return list.filter((i) => i.resolved_at === null).length;
}

/** The open incident already kept for a message, if any (the newest). */
export function openIncidentFor(list: readonly Incident[], messageId: number): Incident | null {
  return sortIncidents(list).find((i) => i.message_id === messageId && i.resolved_at === null) ?? null;
}

/** "Resolved at 14:05", or "Closed at 14:05 with 2 steps left" when closed early. */
export function resolvedText(incident: Pick<Incident, "resolved_at" | "closed_early" | "steps">, now: number): string | null {
  if (incident.resolved_at === null) return null;
  const when = whenText(incident.resolved_at, now);
  if (!incident.closed_early) return `Resolved ${when}`;
  const left = stepProgress(incident.steps).requiredLeft;
  if (left === 0) return `Resolved ${when}`;
  return `Closed ${when} with ${left === 1 ? "1 step" : `${left} steps`} left undone`;
}

/** "Bob", "Bob and Carol", "Bob, Carol and Dan". */
export function listNames(names: readonly string[]): string {
  if (names.length === 0) return "the recipient";
  if (names.length === 1) return names[0];
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

// -------------------------------------------------------------- recipients

/** How a recipient has your message (or a follow-up), in words. */
export function recipientStateLabel(state: DeliveryState): string {
  switch (state) {
    case "read":
      return "Read";
    case "delivered":
      return "Delivered, not read";
    case "sent":
      return "Not delivered yet";
    case "failed":
      return "Not sent";
    default:
      return "Still on your device";
  }
}

/** A recipient who shared a phone number with you. */
export interface Callable {
  profile: Profile;
  phone: string;
}

/** The recipients with a phone number, in the order given. */
export function callableRecipients(recipients: readonly Pick<RecipientProgress, "profile">[]): Callable[] {
  const out: Callable[] = [];
  for (const r of recipients) {
    const phone = r.profile.phone?.trim() ?? "";
    if (phone !== "") out.push({ profile: r.profile, phone });
  }
  return out;
}

/**
 * People "Send it to the right person" can pick: accepted connections who
 * did not receive the original, by name.
 */
export function rightPersonChoices(connections: readonly Connection[], recipients: readonly number[], me: number | null): Profile[] {
  const excluded = new Set(recipients);
  return connections
    .filter((c) => c.state === "accepted" && !excluded.has(c.peer.user_id) && c.peer.user_id !== me)
    .map((c) => c.peer)
    .sort((a, b) => a.display_name.localeCompare(b.display_name));
}

// ----------------------------------------------------------------- urgent

/** Urgent notices you may still send now (never negative). */
export function urgentLeft(a: UrgentAllowance): number {
  return Math.max(0, a.limit - a.sent_in_window);
}

export function urgentAvailable(a: UrgentAllowance, now: number): boolean {
  if (urgentLeft(a) > 0) return true;
  return a.next_possible_at !== null && a.next_possible_at <= now;
}

/** "2 of 3 left this hour", or "None left: next possible at 15:02". */
export function allowanceSentence(a: UrgentAllowance, now: number): string {
  if (urgentAvailable(a, now)) {
    const left = Math.max(1, urgentLeft(a));
    return `${left} of ${a.limit} left this hour`;
  }
  if (a.next_possible_at !== null) return `None left: next possible ${whenText(a.next_possible_at, now)}`;
  return "None left this hour";
}

/** Why the urgent notice cannot be sent now, or null when it can. */
export function urgentBlockedReason(a: UrgentAllowance, now: number): string | null {
  if (urgentAvailable(a, now)) return null;
  const next = a.next_possible_at !== null ? ` The next one is possible ${whenText(a.next_possible_at, now)}.` : "";
  return `You have sent ${a.limit} urgent notices in this conversation in the past hour, the most allowed.${next} If it cannot wait, call instead.`;
}

/** What the recipient will experience when an urgent notice arrives. */
export function urgentExperience(names: string): string[] {
  return [
    `${names} gets a critical notification at once.`,
    "It repeats every 2 minutes, for up to 20 minutes, until they read it.",
    "It breaks through do-not-disturb, unless they turned that off.",
  ];
}

/**
 * The wording an urgent notice starts from: it points at the follow-up
 * already sent (a correction or retraction), or says plainly what to do.
 */
export function urgentDefaultText(c: IncidentCase, sent: readonly MessageKind[] = []): string {
  const corrected = sent.includes("correction");
  const retracted = sent.includes("retraction");
  if (corrected && retracted) {
    return "Urgent: please read my correction and retraction above before acting on my earlier message.";
  }
  if (corrected) return "Urgent: please read my correction above before acting on my earlier message.";
  if (retracted) return "Urgent: please read my retraction above before acting on my earlier message.";
  switch (c) {
    case "inaccurate":
      return "Urgent: my earlier message was wrong. Please do not act on it until you have read my correction.";
    case "wrong_person":
      return "Urgent: my earlier message was not meant for you. Please do not act on it.";
    case "sensitive":
      return "Urgent: my earlier message contained confidential information. Please do not use or share it.";
    case "tone":
      return "Urgent: please read my follow-up to my earlier message.";
    case "time_sensitive":
      return "Urgent: please read my earlier message now. It is time-sensitive and needs your attention before you act.";
  }
}

/** Column headings for the follow-ups in the recipient table ("Correction", or "Correction 1", "Correction 2"). */
export function followUpHeadings(followUps: readonly { kind: MessageKind }[]): string[] {
  const counts = new Map<MessageKind, number>();
  for (const f of followUps) counts.set(f.kind, (counts.get(f.kind) ?? 0) + 1);
  const seen = new Map<MessageKind, number>();
  return followUps.map((f) => {
    const n = (seen.get(f.kind) ?? 0) + 1;
    seen.set(f.kind, n);
    const label = kindLabel(f.kind) ?? "Follow-up";
    return (counts.get(f.kind) ?? 0) > 1 ? `${label} ${n}` : label;
  });
}

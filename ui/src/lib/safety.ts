// Protection, as pure logic: words for report categories and statuses,
// moderators' notices, which banner a conversation shows when someone is
// blocked or unavailable, checking a report before it is sent, and words
// for blocks, unblocks and reports that wait for the server.

import type { ConnectionState } from "./bindings/ConnectionState";
import type { ConversationKind } from "./bindings/ConversationKind";
import type { ModerationNotice } from "./bindings/ModerationNotice";
import type { QueuedSafetyAction } from "./bindings/QueuedSafetyAction";
import type { ReportCategory } from "./bindings/ReportCategory";
import type { ReportStatus } from "./bindings/ReportStatus";
import type { ReportView } from "./bindings/ReportView";
import { formatMoment } from "./time";

// ------------------------------------------------------------- blocking

/** What blocking does, said before it happens. */
export const BLOCK_CONSEQUENCES =
  "The connection is removed. Neither of you can message or invite the other. Each other's profile is hidden. Your history stays, as evidence. They are not told.";

/** What unblocking does (and does not do), said before it happens. */
export function unblockConsequences(name: string): string {
  return `Unblocking ${name} lets the two of you connect again: either of you can send a new invitation. It does not restore your old connection, so you can't write to each other until one of you invites the other and the invitation is accepted. ${name} is not told.`;
}

/** A banner that replaces a direct conversation's composer. */
export type ConversationBanner = "blocked" | "unavailable" | "unblocked" | null;

export interface BannerInput {
  kind: ConversationKind;
  /** The other person of a direct conversation (null if unknown). */
  otherId: number | null;
  /** You block the other person. */
  blocked: boolean;
  /** Your connection with the other person, if any. */
  connection: ConnectionState | null;
  /** You unblocked them on this device since the app started. */
  unblockedHere: boolean;
}

/**
 * The banner a conversation shows instead of its composer: you block the
 * other person; you unblocked them (a new invitation is needed, or waits
 * to be accepted); or the
 * connection was removed without you blocking them, so they are simply not
 * available (the blocked side learns nothing more). Groups show none: their
 * messages still flow.
 */
export function conversationBanner(input: BannerInput): ConversationBanner {
  if (input.kind !== "direct" || input.otherId === null) return null;
  if (input.blocked) return "blocked";
  if (input.connection === "removed") return input.unblockedHere ? "unblocked" : "unavailable";
  // Invited again after you unblocked them: still waiting for them to accept.
  if (input.connection === "invited_by_me" && input.unblockedHere) return "unblocked";
  return null;
}

/**
 * Whether a message is collapsed: a group message from someone you block
 * (a direct conversation with them stays readable, as evidence).
 */
export function collapsesMessage(
  message: { mine: boolean; sender: number },
  kind: ConversationKind | null,
  isBlocked: (userId: number) => boolean,
): boolean {
  return !message.mine && kind !== "direct" && isBlocked(message.sender);
}

// ------------------------------------------------------------- reports

/** Report categories, in the order the report dialog offers them. */
export const REPORT_CATEGORIES: readonly ReportCategory[] = [
  "harassment",
  "extortion",
  "misuse_threat",
  "spam_scam",
  "impersonation",
  "other",
];

export function categoryLabel(category: ReportCategory): string {
  switch (category) {
    case "harassment":
      return "Harassment or bullying";
    case "extortion":
      return "Extortion or blackmail";
    case "misuse_threat":
      return "Threatens to misuse private information";
    case "spam_scam":
      return "Spam or scam";
    case "impersonation":
      return "Impersonation";
    case "other":
      return "Something else";
  }
}

/** One line under each category, so the choice is easy. */
export function categoryHint(category: ReportCategory): string {
  switch (category) {
    case "harassment":
      return "Insults, intimidation, unwanted contact that doesn't stop.";
    case "extortion":
      return "Demands money or something else, or else they will harm you.";
    case "misuse_threat":
      return "Threatens to share or use something you sent, such as a message sent by mistake.";
    case "spam_scam":
      return "Unwanted advertising, fraud, phishing or fake payment requests.";
    case "impersonation":
      return "Pretends to be someone else, or to speak for an organisation.";
    case "other":
      return "Anything else a moderator should look at.";
  }
}

export function reportStatusLabel(status: ReportStatus): string {
  switch (status) {
    case "received":
      return "Received";
    case "under_review":
      return "Under review";
    case "action_taken":
      return "Action taken";
    case "dismissed":
      return "Dismissed";
  }
}

/** What a status means for the reporter. */
export function reportStatusSentence(status: ReportStatus): string {
  switch (status) {
    case "received":
      return "The report was received. A moderator will review it.";
    case "under_review":
      return "A moderator is reviewing the report and its evidence.";
    case "action_taken":
      return "A moderator reviewed the report and took action.";
    case "dismissed":
      return "A moderator reviewed the report and took no action.";
  }
}

/** A report that a moderator has not decided yet. */
export function reportOpen(status: ReportStatus): boolean {
  return status === "received" || status === "under_review";
}

/** Reports whose status differs between two lists (by id): the news since `before`. */
export function changedReports(before: readonly ReportView[], after: readonly ReportView[]): number[] {
  const old = new Map(before.map((r) => [r.id, r.status]));
  return after.filter((r) => old.has(r.id) && old.get(r.id) !== r.status).map((r) => r.id);
}

/** Newest first. */
export function sortReports(list: readonly ReportView[]): ReportView[] {
  return [...list].sort((a, b) => b.created_at - a.created_at || b.id - a.id);
}

export const MAX_DESCRIPTION_CHARS = 4000;
export const MAX_EVIDENCE = 50;

export interface ReportCheck {
  category: ReportCategory | null;
  description: string;
  /** Reporting a message or a conversation: at least one message is needed. */
  evidenceRequired: boolean;
  evidence: readonly number[];
  /** The person reported (a group report asks who). */
  reported: number | null;
}

/** What is missing before a report can be sent, as one sentence; null when it can be sent. */
export function reportProblem(check: ReportCheck): string | null {
  if (check.reported === null) return "Choose the person you are reporting.";
  if (check.category === null) return "Choose what is happening.";
  const chars = Array.from(check.description.trim()).length;
  if (chars === 0) return "Describe what happened, in a few words.";
  if (chars > MAX_DESCRIPTION_CHARS) {
    return `The description can have at most ${MAX_DESCRIPTION_CHARS.toLocaleString("en")} characters (now ${chars.toLocaleString("en")}).`;
  }
  return evidenceProblem(check.evidence, check.evidenceRequired);
}

/** What is wrong with the evidence chosen; null when it is fine. */
export function evidenceProblem(evidence: readonly number[], required: boolean): string | null {
  if (required && evidence.length === 0) return "Choose at least one message as evidence.";
  if (evidence.length > MAX_EVIDENCE) return `Choose at most ${MAX_EVIDENCE} messages as evidence.`;
  return null;
}

/** The description's length for its counter ("12 / 4,000"). */
export function descriptionCount(description: string): string {
  return `${Array.from(description.trim()).length.toLocaleString("en")} / ${MAX_DESCRIPTION_CHARS.toLocaleString("en")}`;
}

/** The evidence chosen, in conversation order (ids increase in delivery order). */
export function evidenceInOrder(selected: Iterable<number>): number[] {
  return [...new Set(selected)].sort((a, b) => a - b);
}

export function evidenceCountText(n: number): string {
  if (n === 0) return "No messages chosen";
  return n === 1 ? "1 message chosen" : `${n} messages chosen`;
}

/** The evidence a report carries, for lists ("2 messages as evidence"). */
export function evidenceText(n: number): string {
  if (n === 0) return "No messages as evidence";
  return n === 1 ? "1 message as evidence" : `${n} messages as evidence`;
}

/**
 * The note a "report and block" incident step keeps. It stays with the
 * incident, so a report that waited for the server is not said to wait
 * forever: only that it was made offline, and where to follow it.
 */
export function reportStepNote(name: string, category: ReportCategory | null, blocked: boolean, queued: boolean): string {
  const why = category !== null ? ` (${categoryLabel(category)})` : "";
  const also = blocked ? " and blocked them" : "";
  const offline = queued ? " Made while the server couldn't be reached: follow the report under Safety." : "";
  return `Reported ${name}${why}${also}.${offline}`;
}

// ------------------------------------------------ waiting for the server

/** Said in the report dialog when the report waits on this device. */
export const QUEUED_REPORT_SENTENCE =
  "The server can't be reached right now, so the report is kept on this device. Candor sends it as soon as it can; you can follow it under Safety in the sidebar.";

/** Said when a block or unblock took effect here but waits for the server. */
export function queuedBlockSentence(name: string, blocked: boolean): string {
  const what = blocked ? "block" : "unblock";
  return `${name} is ${blocked ? "blocked" : "unblocked"} on this device. The server can't be reached right now, so Candor sends the ${what} as soon as it can; you can follow it under Safety in the sidebar.`;
}

/** Beside someone you block on this device whose block has not reached the server yet. */
export const PENDING_BLOCK_NOTE = "Not sent yet: Candor sends the block when it can reach the server.";

/** What a queued action is: "Report about Bob Okafor — Extortion or blackmail", "Block Bob Okafor". */
export function queuedTitle(q: Pick<QueuedSafetyAction, "action" | "person" | "report">): string {
  const name = q.person.display_name;
  switch (q.action) {
    case "block":
      return `Block ${name}`;
    case "unblock":
      return `Unblock ${name}`;
    case "report":
      return q.report ? `Report about ${name} — ${categoryLabel(q.report.category)}` : `Report about ${name}`;
  }
}

/** "1 try", "3 tries". */
export function triesText(n: number): string {
  return n === 1 ? "1 try" : `${n} tries`;
}

/** What a queued report carries: "2 messages as evidence · also blocks Bob Okafor"; null for a block or unblock. */
export function queuedReportDetail(q: Pick<QueuedSafetyAction, "person" | "report">): string | null {
  if (!q.report) return null;
  const evidence = evidenceText(q.report.evidence.length);
  return q.report.also_block ? `${evidence} · also blocks ${q.person.display_name}` : evidence;
}

/** Refused by the server for good (not retried). */
export function queuedRefused(q: Pick<QueuedSafetyAction, "failure">): boolean {
  return q.failure !== null;
}

/** Its status in a few words: "Waiting to send", "Waiting to send · 2 tries", "Not sent". */
export function queuedStatusLabel(q: Pick<QueuedSafetyAction, "attempts" | "failure">): string {
  if (queuedRefused(q)) return "Not sent";
  return q.attempts > 0 ? `Waiting to send · ${triesText(q.attempts)}` : "Waiting to send";
}

/** Why the server refused it, as a sentence (its reason is the server's words); null while it waits. */
export function queuedFailureSentence(q: Pick<QueuedSafetyAction, "action" | "failure">): string | null {
  if (q.failure === null) return null;
  const reason = q.failure.trim().replace(/[.!]*$/, "");
  const what = q.action === "report" ? "report" : q.action === "block" ? "block" : "unblock";
  return reason === "" ? `The server refused this ${what}.` : `The server refused this ${what}: ${reason}.`;
}

/**
 * What can be done with it here: dismiss a refused one, withdraw a report
 * that waits. A waiting block or unblock has no button: it is undone by
 * unblocking or blocking again.
 */
export function queuedRemedy(q: Pick<QueuedSafetyAction, "action" | "failure" | "sending">): "dismiss" | "withdraw" | null {
  if (queuedRefused(q)) return "dismiss";
  // On its way to the server right now: too late to withdraw.
  return q.action === "report" && !q.sending ? "withdraw" : null;
}

/** Beside Withdraw, when the report also blocks: the block stays. */
export function withdrawNote(q: Pick<QueuedSafetyAction, "person" | "report">): string | null {
  if (!q.report?.also_block) return null;
  return `Withdrawing the report keeps the block of ${q.person.display_name}: Candor still sends the block on its own.`;
}

/** The count beside the heading: "2 waiting", "1 waiting · 1 not sent". */
export function queuedCountText(list: readonly Pick<QueuedSafetyAction, "failure">[]): string {
  const refused = list.filter(queuedRefused).length;
  const waiting = list.length - refused;
  return [waiting > 0 ? `${waiting} waiting` : null, refused > 0 ? `${refused} not sent` : null]
    .filter((part) => part !== null)
    .join(" · ");
}

/** Said once it was withdrawn or dismissed. */
export function discardedSentence(q: Pick<QueuedSafetyAction, "action" | "person" | "report" | "failure">): string {
  if (queuedRefused(q)) return `Removed “${queuedTitle(q)}” from this list.`;
  const name = q.person.display_name;
  const stays = q.report?.also_block ? " The block stays: Candor sends it on its own." : "";
  return `The report about ${name} was withdrawn before it was sent.${stays}`;
}

/** How to undo a waiting block or unblock (it has no button of its own). */
export function queuedUndoHint(q: Pick<QueuedSafetyAction, "action" | "person" | "failure">): string | null {
  if (queuedRefused(q)) return null;
  const name = q.person.display_name;
  switch (q.action) {
    case "block":
      return `To undo it, unblock ${name} under People you block.`;
    case "unblock":
      return `To undo it, block ${name} again.`;
    case "report":
      return null;
  }
}

// ------------------------------------------------------------- notices

/** The headline of a moderator's notice. */
export function noticeTitle(notice: Pick<ModerationNotice, "action" | "until">, now: number): string {
  const until = notice.until !== null ? ` until ${formatMoment(notice.until, now)}` : "";
  switch (notice.action.action) {
    case "warn":
      return "A moderator warned you";
    case "restrict":
      return `A moderator restricted your account${until}`;
    case "suspend":
      return `A moderator suspended your account${until}`;
    case "review":
      return "A moderator is reviewing your account";
    case "dismiss":
      return "A moderator closed a report";
  }
}

/** What a restriction or suspension means while it lasts. */
export function noticeEffect(notice: Pick<ModerationNotice, "action">): string | null {
  switch (notice.action.action) {
    case "restrict":
      return "Until then you can't start conversations or send invitations. Your existing conversations keep working.";
    case "suspend":
      return "Until then this account can't use Candor. The history on this device stays readable.";
    default:
      return null;
  }
}

/**
 * The notice for the banner: the newest one, unless it was dismissed (its
 * time is `dismissedAt` or older). A warning shows only when it arrived while
 * the app was running (`fresh`); a restriction or suspension as long as it lasts.
 */
export function noticeForBanner(
  notices: readonly ModerationNotice[],
  dismissedAt: number | null,
  now: number,
  fresh: ReadonlySet<number> = new Set(),
): ModerationNotice | null {
  let newest: ModerationNotice | null = null;
  for (const n of notices) if (!newest || n.at > newest.at) newest = n;
  if (!newest) return null;
  if (dismissedAt !== null && newest.at <= dismissedAt) return null;
  if (fresh.has(newest.at)) return newest;
  const lasting = newest.action.action === "restrict" || newest.action.action === "suspend";
  return lasting && newest.until !== null && newest.until > now ? newest : null;
}

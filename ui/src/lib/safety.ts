// Protection, as pure logic: words for report categories and statuses,
// moderators' notices, which banner a conversation shows when someone is
// blocked or unavailable, and checking a report before it is sent.

import type { ConnectionState } from "./bindings/ConnectionState";
import type { ConversationKind } from "./bindings/ConversationKind";
import type { ModerationNotice } from "./bindings/ModerationNotice";
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

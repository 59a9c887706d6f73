import { describe, expect, it } from "vitest";
import type { ModerationNotice } from "./bindings/ModerationNotice";
import type { QueuedSafetyAction } from "./bindings/QueuedSafetyAction";
import type { ReportView } from "./bindings/ReportView";
import {
  BLOCK_CONSEQUENCES,
  categoryLabel,
  changedReports,
  collapsesMessage,
  conversationBanner,
  descriptionCount,
  discardedSentence,
  evidenceCountText,
  evidenceInOrder,
  evidenceProblem,
  evidenceText,
  noticeEffect,
  noticeForBanner,
  noticeTitle,
  PENDING_BLOCK_NOTE,
  queuedBlockSentence,
  queuedCountText,
  queuedFailureSentence,
  queuedRemedy,
  queuedReportDetail,
  queuedStatusLabel,
  queuedTitle,
  queuedUndoHint,
  REPORT_CATEGORIES,
  reportOpen,
  reportProblem,
  reportStatusLabel,
  reportStatusSentence,
  reportStepNote,
  sortReports,
  triesText,
  unblockConsequences,
  withdrawNote,
} from "./safety";

function report(over: Partial<ReportView> = {}): ReportView {
  return {
    id: 1,
    client_id: "c",
    reported: 2,
    category: "harassment",
    description: "Keeps writing at night",
    conversation: 3,
    evidence: [10],
    status: "received",
    outcome: null,
    created_at: 1000,
    updated_at: 1000,
    ...over,
  };
}

function notice(over: Partial<ModerationNotice> = {}): ModerationNotice {
  return { action: { action: "warn" }, text: "Please keep it civil.", until: null, at: 5000, ...over };
}

describe("block wording", () => {
  it("says exactly what blocking does", () => {
    expect(BLOCK_CONSEQUENCES).toBe(
      "The connection is removed. Neither of you can message or invite the other. Each other's profile is hidden. Your history stays, as evidence. They are not told.",
    );
  });

  it("says unblocking restores the ability to connect, not the old connection", () => {
    const text = unblockConsequences("Bob Stone");
    expect(text).toContain("connect again");
    expect(text).toContain("does not restore your old connection");
    expect(text).toContain("new invitation");
    expect(text).toContain("Bob Stone is not told");
  });
});

describe("conversationBanner", () => {
  const direct = { kind: "direct" as const, otherId: 2, blocked: false, connection: "accepted" as const, unblockedHere: false };

  it("shows nothing for an ordinary conversation or a group", () => {
    expect(conversationBanner(direct)).toBeNull();
    expect(conversationBanner({ ...direct, kind: "group", blocked: true, connection: "removed" })).toBeNull();
    expect(conversationBanner({ ...direct, otherId: null, blocked: true })).toBeNull();
  });

  it("says you blocked them, whatever the connection says", () => {
    expect(conversationBanner({ ...direct, blocked: true, connection: "removed" })).toBe("blocked");
    expect(conversationBanner({ ...direct, blocked: true, connection: null })).toBe("blocked");
  });

  it("says only that they are not available when the connection was removed without you blocking them", () => {
    expect(conversationBanner({ ...direct, connection: "removed" })).toBe("unavailable");
  });

  it("asks for a new invitation after you unblocked them here", () => {
    expect(conversationBanner({ ...direct, connection: "removed", unblockedHere: true })).toBe("unblocked");
    expect(conversationBanner({ ...direct, connection: "invited_by_me", unblockedHere: true })).toBe("unblocked");
    // Once they accept, the conversation is ordinary again.
    expect(conversationBanner({ ...direct, connection: "accepted", unblockedHere: true })).toBeNull();
    expect(conversationBanner({ ...direct, connection: "invited_by_me" })).toBeNull();
  });
});

describe("collapsesMessage", () => {
  const blocked = (id: number) => id === 2;

  it("collapses group messages from people you block, not direct ones or your own", () => {
    expect(collapsesMessage({ mine: false, sender: 2 }, "group", blocked)).toBe(true);
    expect(collapsesMessage({ mine: false, sender: 3 }, "group", blocked)).toBe(false);
    expect(collapsesMessage({ mine: false, sender: 2 }, "direct", blocked)).toBe(false);
    expect(collapsesMessage({ mine: true, sender: 2 }, "group", blocked)).toBe(false);
    expect(collapsesMessage({ mine: false, sender: 2 }, null, blocked)).toBe(true);
  });
});

describe("report words", () => {
  it("labels every category plainly, in the dialog's order", () => {
    expect(REPORT_CATEGORIES.map(categoryLabel)).toEqual([
      "Harassment or bullying",
      "Extortion or blackmail",
      "Threatens to misuse private information",
      "Spam or scam",
      "Impersonation",
      "Something else",
    ]);
  });

  it("labels and explains each status", () => {
    expect(reportStatusLabel("received")).toBe("Received");
    expect(reportStatusLabel("under_review")).toBe("Under review");
    expect(reportStatusLabel("action_taken")).toBe("Action taken");
    expect(reportStatusLabel("dismissed")).toBe("Dismissed");
    expect(reportStatusSentence("dismissed")).toMatch(/no action/);
    expect(reportStatusSentence("action_taken")).toMatch(/took action/);
    expect(reportOpen("received")).toBe(true);
    expect(reportOpen("under_review")).toBe(true);
    expect(reportOpen("action_taken")).toBe(false);
  });

  it("finds reports whose status changed and sorts newest first", () => {
    const before = [report({ id: 1 }), report({ id: 2, created_at: 2000 })];
    const after = [report({ id: 1, status: "under_review" }), report({ id: 2, created_at: 2000 }), report({ id: 3, created_at: 3000 })];
    expect(changedReports(before, after)).toEqual([1]);
    expect(sortReports(after).map((r) => r.id)).toEqual([3, 2, 1]);
  });
});

describe("reportProblem", () => {
  const ok = {
    reported: 2,
    category: "harassment" as const,
    description: "Keeps writing at night",
    evidenceRequired: true,
    evidence: [10],
  };

  it("accepts a complete report", () => {
    expect(reportProblem(ok)).toBeNull();
    expect(reportProblem({ ...ok, evidenceRequired: false, evidence: [] })).toBeNull();
  });

  it("asks for the person, the category and a description, in that order", () => {
    expect(reportProblem({ ...ok, reported: null, category: null })).toMatch(/person/);
    expect(reportProblem({ ...ok, category: null, description: "" })).toMatch(/what is happening/);
    expect(reportProblem({ ...ok, description: "   " })).toMatch(/Describe/);
  });

  it("limits the description to 4,000 characters, counting characters not code units", () => {
    expect(reportProblem({ ...ok, description: "a".repeat(4000) })).toBeNull();
    expect(reportProblem({ ...ok, description: "a".repeat(4001) })).toMatch(/at most 4,000 characters \(now 4,001\)/);
    expect(reportProblem({ ...ok, description: "😀".repeat(4000) })).toBeNull();
    expect(descriptionCount(" 😀😀 ")).toBe("2 / 4,000");
  });

  it("requires evidence when reporting a message or conversation, and at most 50", () => {
    expect(reportProblem({ ...ok, evidence: [] })).toBe("Choose at least one message as evidence.");
    expect(evidenceProblem([], false)).toBeNull();
    expect(evidenceProblem(Array.from({ length: 51 }, (_, i) => i), false)).toMatch(/at most 50/);
    expect(evidenceProblem(Array.from({ length: 50 }, (_, i) => i), true)).toBeNull();
  });

  it("orders evidence without duplicates and counts it", () => {
    expect(evidenceInOrder([12, 10, 12, 11])).toEqual([10, 11, 12]);
    expect(evidenceCountText(0)).toBe("No messages chosen");
    expect(evidenceCountText(1)).toBe("1 message chosen");
    expect(evidenceCountText(3)).toBe("3 messages chosen");
  });
});

describe("moderators' notices", () => {
  const now = new Date(2024, 2, 14, 12, 0).getTime();

  it("titles each action, with the end of a restriction or suspension", () => {
    expect(noticeTitle(notice(), now)).toBe("A moderator warned you");
    const until = new Date(2024, 2, 21, 12, 0).getTime();
    expect(noticeTitle(notice({ action: { action: "restrict", days: 7 }, until }), now)).toBe(
      "A moderator restricted your account until 21 Mar, 12:00",
    );
    expect(noticeTitle(notice({ action: { action: "suspend", days: 30 }, until: null }), now)).toBe(
      "A moderator suspended your account",
    );
    expect(noticeEffect(notice({ action: { action: "restrict", days: 7 } }))).toMatch(/can't start conversations/);
    expect(noticeEffect(notice())).toBeNull();
  });

  it("shows the newest notice in the banner until it is dismissed", () => {
    const warn = notice({ at: now - 1000 });
    const older = notice({ at: now - 5000, text: "Older" });
    // A warning shows when it arrived while the app ran.
    expect(noticeForBanner([older, warn], null, now, new Set([warn.at]))).toBe(warn);
    expect(noticeForBanner([warn], warn.at, now, new Set([warn.at]))).toBeNull();
    // A warning from an earlier run does not come back at start.
    expect(noticeForBanner([warn], null, now)).toBeNull();
    expect(noticeForBanner([], null, now)).toBeNull();
  });

  it("keeps a restriction in the banner while it lasts", () => {
    const restrict = notice({ action: { action: "restrict", days: 7 }, until: now + 86_400_000, at: now - 1000 });
    expect(noticeForBanner([restrict], null, now)).toBe(restrict);
    expect(noticeForBanner([restrict], restrict.at, now)).toBeNull();
    expect(noticeForBanner([{ ...restrict, until: now - 1 }], null, now)).toBeNull();
  });
});

const BOB = { user_id: 2, handle: "bob", display_name: "Bob Okafor", headline: "", phone: null };

/** Alice's report about Bob, waiting for the server; it also blocks him. */
function waiting(over: Partial<QueuedSafetyAction> = {}): QueuedSafetyAction {
  return {
    id: 1,
    action: "report",
    person: BOB,
    queued_at: 1000,
    report: { reported: BOB.user_id, category: "extortion", description: "Demands money", conversation: 3, evidence: [10, 11], also_block: true },
    attempts: 0,
    sending: false,
    failure: null,
    ...over,
  };
}

const block = (over: Partial<QueuedSafetyAction> = {}) => waiting({ action: "block", report: null, ...over });
const unblock = (over: Partial<QueuedSafetyAction> = {}) => waiting({ action: "unblock", report: null, ...over });

describe("queued blocks, unblocks and reports", () => {
  it("says what each one is", () => {
    expect(queuedTitle(waiting())).toBe("Report about Bob Okafor — Extortion or blackmail");
    expect(queuedTitle(waiting({ report: null }))).toBe("Report about Bob Okafor");
    expect(queuedTitle(block())).toBe("Block Bob Okafor");
    expect(queuedTitle(unblock())).toBe("Unblock Bob Okafor");
  });

  it("says what a report carries", () => {
    expect(queuedReportDetail(waiting())).toBe("2 messages as evidence · also blocks Bob Okafor");
    expect(queuedReportDetail(waiting({ report: { ...waiting().report!, evidence: [], also_block: false } }))).toBe(
      "No messages as evidence",
    );
    expect(queuedReportDetail(block())).toBeNull();
    expect(evidenceText(1)).toBe("1 message as evidence");
  });

  it("counts tries only once there were some", () => {
    expect(queuedStatusLabel(waiting())).toBe("Waiting to send");
    expect(queuedStatusLabel(waiting({ attempts: 1 }))).toBe("Waiting to send · 1 try");
    expect(queuedStatusLabel(waiting({ attempts: 3 }))).toBe("Waiting to send · 3 tries");
    expect(queuedStatusLabel(waiting({ attempts: 3, failure: "No" }))).toBe("Not sent");
    expect(triesText(2)).toBe("2 tries");
  });

  it("gives the server's reason for a refusal as a sentence", () => {
    expect(queuedFailureSentence(waiting())).toBeNull();
    expect(queuedFailureSentence(waiting({ failure: "Too many reports today." }))).toBe(
      "The server refused this report: Too many reports today.",
    );
    expect(queuedFailureSentence(block({ failure: "You cannot block yourself" }))).toBe(
      "The server refused this block: You cannot block yourself.",
    );
    expect(queuedFailureSentence(unblock({ failure: "  " }))).toBe("The server refused this unblock.");
  });

  it("offers Dismiss for a refused one and Withdraw for a waiting report, nothing for a waiting block", () => {
    expect(queuedRemedy(waiting())).toBe("withdraw");
    expect(queuedRemedy(waiting({ failure: "No" }))).toBe("dismiss");
    expect(queuedRemedy(block({ failure: "No" }))).toBe("dismiss");
    expect(queuedRemedy(block())).toBeNull();
    expect(queuedRemedy(waiting({ sending: true }))).toBeNull();
    expect(queuedRemedy(unblock())).toBeNull();
    expect(queuedUndoHint(block())).toBe("To undo it, unblock Bob Okafor under People you block.");
    expect(queuedUndoHint(unblock())).toBe("To undo it, block Bob Okafor again.");
    expect(queuedUndoHint(block({ failure: "No" }))).toBeNull();
    expect(queuedUndoHint(waiting())).toBeNull();
  });

  it("says that withdrawing a report keeps the block it asked for", () => {
    expect(withdrawNote(waiting())).toBe(
      "Withdrawing the report keeps the block of Bob Okafor: Candor still sends the block on its own.",
    );
    expect(withdrawNote(waiting({ report: { ...waiting().report!, also_block: false } }))).toBeNull();
    expect(discardedSentence(waiting())).toBe(
      "The report about Bob Okafor was withdrawn before it was sent. The block stays: Candor sends it on its own.",
    );
    expect(discardedSentence(waiting({ report: { ...waiting().report!, also_block: false } }))).toBe(
      "The report about Bob Okafor was withdrawn before it was sent.",
    );
    expect(discardedSentence(block({ failure: "No" }))).toBe("Removed “Block Bob Okafor” from this list.");
  });

  it("counts waiting and refused ones apart", () => {
    expect(queuedCountText([])).toBe("");
    expect(queuedCountText([waiting(), block()])).toBe("2 waiting");
    expect(queuedCountText([waiting({ failure: "No" })])).toBe("1 not sent");
    expect(queuedCountText([waiting(), block({ failure: "No" })])).toBe("1 waiting · 1 not sent");
  });

  it("says a block or unblock applies here and waits for the server", () => {
    expect(queuedBlockSentence("Bob Okafor", true)).toBe(
      "Bob Okafor is blocked on this device. The server can't be reached right now, so Candor sends the block as soon as it can; you can follow it under Safety in the sidebar.",
    );
    expect(queuedBlockSentence("Bob Okafor", false)).toMatch(/^Bob Okafor is unblocked on this device\. .* sends the unblock /);
    expect(PENDING_BLOCK_NOTE).toBe("Not sent yet: Candor sends the block when it can reach the server.");
  });
});

describe("reportStepNote", () => {
  it("keeps the wording of a report the server has", () => {
    expect(reportStepNote("Bob Okafor", "misuse_threat", true, false)).toBe(
      "Reported Bob Okafor (Threatens to misuse private information) and blocked them.",
    );
    expect(reportStepNote("Bob Okafor", "spam_scam", false, false)).toBe("Reported Bob Okafor (Spam or scam).");
  });

  it("says a report was made offline without claiming it still waits", () => {
    const note = reportStepNote("Bob Okafor", "extortion", true, true);
    expect(note).toBe(
      "Reported Bob Okafor (Extortion or blackmail) and blocked them. Made while the server couldn't be reached: follow the report under Safety.",
    );
    expect(note).not.toMatch(/waits|waiting/);
    expect(reportStepNote("Bob Okafor", null, false, true)).toMatch(/^Reported Bob Okafor\. Made while/);
  });
});

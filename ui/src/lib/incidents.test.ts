import { describe, expect, it } from "vitest";
import type { Connection } from "./bindings/Connection";
import type { Incident } from "./bindings/Incident";
import type { Profile } from "./bindings/Profile";
import type { Step } from "./bindings/Step";
import {
  allowanceSentence,
  callableRecipients,
  callOutcomeLabel,
  caseExplanation,
  caseLabel,
  followUpHeadings,
  followUpKindForStep,
  INCIDENT_CASES,
  listNames,
  openIncidentCount,
  openIncidentFor,
  progressText,
  recipientStateLabel,
  reminderChoiceLabel,
  reminderNote,
  resolvedText,
  rightPersonChoices,
  sortIncidents,
  stepKindLabel,
  stepProgress,
  stepStatusText,
  urgentAvailable,
  urgentBlockedReason,
  urgentDefaultText,
  urgentExperience,
  whenText,
} from "./incidents";

// Local times, so the tests hold in any time zone.
const at = (y: number, mo: number, d: number, h = 0, mi = 0) => new Date(y, mo - 1, d, h, mi).getTime();
const NOW = at(2024, 3, 14, 15, 30);

function profile(id: number, name: string, phone: string | null = null): Profile {
  return { user_id: id, handle: name.toLowerCase(), display_name: name, headline: "", phone };
}

function step(over: Partial<Step> = {}): Step {
  return {
    id: "retract",
    kind: { kind: "retract" },
    title: "Ask Bob to disregard it",
    detail: "",
    draft: null,
    optional: false,
    status: "todo",
    done_at: null,
    message_client_id: null,
    call_outcome: null,
    note: null,
    ...over,
  };
}

function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: "a",
    case: "wrong_person",
    conversation_id: 1,
    message_id: 42,
    excerpt: "Hello",
    recipient_names: ["Bob"],
    created_at: NOW - 1000,
    updated_at: NOW - 1000,
    resolved_at: null,
    closed_early: false,
    cancelled_follow_ups: [],
    steps: [step()],
    ...over,
  };
}

describe("cases", () => {
  it("offers five cases, each with a label and the one-line explanation", () => {
    expect(INCIDENT_CASES).toEqual(["wrong_person", "inaccurate", "sensitive", "tone", "time_sensitive"]);
    expect(INCIDENT_CASES.map(caseExplanation)).toEqual([
      "Sent to the wrong person",
      "The information was inaccurate",
      "It shared sensitive or confidential information",
      "The tone was unprofessional or hurtful",
      "It is time-sensitive: they must act, or must not act, on it",
    ]);
    for (const c of INCIDENT_CASES) expect(caseLabel(c).length).toBeGreaterThan(0);
    expect(new Set(INCIDENT_CASES.map(caseLabel)).size).toBe(5);
  });
});

describe("steps", () => {
  it("names every step kind", () => {
    const kinds = [
      "retract",
      "send_to_right_person",
      "correct",
      "ask_not_to_share",
      "rotate_secret",
      "report_and_block",
      "apologise",
      "urgent_notice",
      "call",
      "remind_if_unread",
    ] as const;
    const labels = kinds.map(stepKindLabel);
    expect(new Set(labels).size).toBe(kinds.length);
    expect(stepKindLabel("urgent_notice")).toBe("Urgent notice");
  });

  it("sends retractions for disregard and do-not-share requests, apologies and urgent notices linked", () => {
    expect(followUpKindForStep("retract")).toBe("retraction");
    expect(followUpKindForStep("ask_not_to_share")).toBe("retraction");
    expect(followUpKindForStep("apologise")).toBe("apology");
    expect(followUpKindForStep("urgent_notice")).toBe("urgent");
    expect(followUpKindForStep("correct")).toBeNull();
    expect(followUpKindForStep("call")).toBeNull();
  });

  it("says when a step was done or skipped", () => {
    expect(stepStatusText(step(), NOW)).toBe("To do");
    expect(stepStatusText(step({ status: "done", done_at: at(2024, 3, 14, 14, 5) }), NOW)).toBe("Done at 14:05");
    expect(stepStatusText(step({ status: "skipped", done_at: at(2024, 3, 9, 9, 0) }), NOW)).toBe("Skipped on 9 Mar, 09:00");
    expect(whenText(at(2024, 3, 14, 8, 0), NOW)).toBe("at 08:00");
  });

  it("counts finished steps and the required ones left", () => {
    const steps = [
      step({ status: "done" }),
      step({ status: "todo" }),
      step({ status: "todo", optional: true }),
      step({ status: "skipped" }),
    ];
    expect(stepProgress(steps)).toEqual({ finished: 2, total: 4, requiredLeft: 1 });
    expect(progressText(steps)).toBe("2 of 4 steps done");
    expect(progressText([step({ status: "done" })])).toBe("1 of 1 step done");
  });

  it("words call outcomes, reminders and delivery states", () => {
    expect(callOutcomeLabel("reached")).toBe("Reached");
    expect(callOutcomeLabel("voicemail")).toBe("Left a voicemail");
    expect(callOutcomeLabel("no_answer")).toBe("No answer");
    expect(reminderNote(at(2024, 3, 14, 15, 45))).toBe("Reminder at 15:45");
    expect([5, 15, 60].map(reminderChoiceLabel)).toEqual(["In 5 minutes", "In 15 minutes", "In 1 hour"]);
    expect(recipientStateLabel("read")).toBe("Read");
    expect(recipientStateLabel("delivered")).toBe("Delivered, not read");
    expect(recipientStateLabel("sent")).toBe("Not delivered yet");
  });

  it("numbers follow-up columns only when a kind repeats", () => {
    expect(followUpHeadings([{ kind: "retraction" }, { kind: "correction" }, { kind: "correction" }])).toEqual([
      "Please disregard",
      "Correction 1",
      "Correction 2",
    ]);
  });
});

describe("incident list", () => {
  it("puts open incidents first, newest first, and counts them", () => {
    const list = [
      incident({ id: "old-open", updated_at: 1 }),
      incident({ id: "resolved", updated_at: 9, resolved_at: 9 }),
      incident({ id: "new-open", updated_at: 5 }),
    ];
    expect(sortIncidents(list).map((i) => i.id)).toEqual(["new-open", "old-open", "resolved"]);
    expect(openIncidentCount(list)).toBe(2);
  });

  it("finds the open incident of a message, never a resolved one", () => {
    const list = [incident({ id: "done", resolved_at: 5 }), incident({ id: "open", message_id: 42 }), incident({ id: "other", message_id: 7 })];
    expect(openIncidentFor(list, 42)?.id).toBe("open");
    expect(openIncidentFor([incident({ resolved_at: 5 })], 42)).toBeNull();
  });

  it("says how an incident ended", () => {
    const done = at(2024, 3, 14, 14, 0);
    expect(resolvedText(incident(), NOW)).toBeNull();
    expect(resolvedText(incident({ resolved_at: done, steps: [step({ status: "done" })] }), NOW)).toBe("Resolved at 14:00");
    expect(resolvedText(incident({ resolved_at: done, closed_early: true, steps: [step(), step()] }), NOW)).toBe(
      "Closed at 14:00 with 2 steps left undone",
    );
  });

  it("lists names as a sentence", () => {
    expect(listNames([])).toBe("the recipient");
    expect(listNames(["Bob"])).toBe("Bob");
    expect(listNames(["Bob", "Carol"])).toBe("Bob and Carol");
    expect(listNames(["Bob", "Carol", "Dan"])).toBe("Bob, Carol and Dan");
  });
});

describe("recipients", () => {
  it("calls only recipients who shared a phone number", () => {
    const recipients = [
      { profile: profile(2, "Bob", "+44 20 7946 0958") },
      { profile: profile(3, "Carol", null) },
      { profile: profile(4, "Dan", "   ") },
    ];
    expect(callableRecipients(recipients)).toEqual([{ profile: recipients[0].profile, phone: "+44 20 7946 0958" }]);
  });

  it("offers accepted connections who did not get the message, by name", () => {
    const conn = (p: Profile, state: Connection["state"] = "accepted"): Connection => ({ peer: p, state, updated_at: 0 });
    const list = [
      conn(profile(2, "Bob")),
      conn(profile(5, "Zoe")),
      conn(profile(4, "Carol")),
      conn(profile(6, "Eve"), "invited_by_me"),
    ];
    expect(rightPersonChoices(list, [2], 1).map((p) => p.display_name)).toEqual(["Carol", "Zoe"]);
  });

});

describe("urgent notices", () => {
  it("says how many are left this hour", () => {
    expect(allowanceSentence({ sent_in_window: 1, limit: 3, next_possible_at: null }, NOW)).toBe("2 of 3 left this hour");
    expect(allowanceSentence({ sent_in_window: 0, limit: 3, next_possible_at: null }, NOW)).toBe("3 of 3 left this hour");
  });

  it("says when the next is possible once they are used up", () => {
    const next = at(2024, 3, 14, 16, 2);
    const used = { sent_in_window: 3, limit: 3, next_possible_at: next };
    expect(urgentAvailable(used, NOW)).toBe(false);
    expect(allowanceSentence(used, NOW)).toBe("None left: next possible at 16:02");
    expect(urgentBlockedReason(used, NOW)).toContain("The next one is possible at 16:02.");
    expect(urgentBlockedReason({ sent_in_window: 0, limit: 3, next_possible_at: null }, NOW)).toBeNull();
    // Once that time has passed, one is possible again even before a refetch.
    expect(urgentAvailable(used, next)).toBe(true);
    expect(allowanceSentence(used, next)).toBe("1 of 3 left this hour");
  });

  it("describes what the recipient experiences", () => {
    const lines = urgentExperience("Bob").join(" ");
    expect(lines).toContain("Bob gets a critical notification at once");
    expect(lines).toContain("every 2 minutes");
    expect(lines).toContain("20 minutes");
    expect(lines).toContain("do-not-disturb");
  });

  it("starts from wording that fits the case and what was already sent", () => {
    expect(urgentDefaultText("inaccurate", ["correction"])).toBe(
      "Urgent: please read my correction above before acting on my earlier message.",
    );
    expect(urgentDefaultText("wrong_person", ["retraction"])).toContain("retraction above");
    expect(urgentDefaultText("inaccurate")).toContain("do not act on it until you have read my correction");
    expect(urgentDefaultText("time_sensitive")).toContain("time-sensitive");
    for (const c of INCIDENT_CASES) expect(urgentDefaultText(c).startsWith("Urgent:")).toBe(true);
  });
});

import { describe, expect, it } from "vitest";
import type { ConversationSummary } from "./bindings/ConversationSummary";
import type { Profile } from "./bindings/Profile";
import { filterConversations, fold, memberLine, previewLine, syncStatusText, unreadTotal, windowTitle } from "./conversations";

const person = (user_id: number, display_name: string, handle: string): Profile => ({
  user_id,
  handle,
  display_name,
  headline: "",
  phone: null,
});
const ME = person(1, "Alice Martin", "alice");
const BOB = person(2, "Bob Stone", "bob");
const SOREN = person(3, "Søren Kierkegård", "soren");

function convo(over: Partial<ConversationSummary>): ConversationSummary {
  return {
    id: 1,
    kind: "direct",
    title: "Bob Stone",
    members: [ME, BOB],
    last_message: null,
    last_activity: 0,
    unread: 0,
    urgent_unread: 0,
    pending: 0,
    integrity_alarm: false,
    ...over,
  };
}

describe("previewLine", () => {
  const last = (sender: number, over = {}) => ({
    id: 9,
    sender,
    sender_name: sender === 1 ? "Alice Martin" : "Bob Stone",
    kind: "text" as const,
    body: "See you at ten",
    server_time: 0,
    ...over,
  });
  it("prefixes my own messages with You", () => {
    expect(previewLine(convo({ last_message: last(1) }), 1)).toBe("You: See you at ten");
  });
  it("shows others' messages as they are in direct conversations", () => {
    expect(previewLine(convo({ last_message: last(2) }), 1)).toBe("See you at ten");
  });
  it("names the sender in groups", () => {
    expect(previewLine(convo({ kind: "group", last_message: last(2) }), 1)).toBe("Bob: See you at ten");
  });
  it("labels special kinds", () => {
    expect(previewLine(convo({ last_message: last(2, { kind: "correction", body: "It's 40k" }) }), 1)).toBe(
      "Correction: It's 40k",
    );
  });
  it("says when there is nothing yet", () => {
    expect(previewLine(convo({}), 1)).toBe("No messages yet");
  });
});

describe("filterConversations", () => {
  const list = [
    convo({ id: 1, title: "Bob Stone" }),
    convo({ id: 2, title: "Budget 2025", kind: "group", members: [ME, BOB, SOREN] }),
    convo({ id: 3, title: "Søren Kierkegård", members: [ME, SOREN] }),
  ];
  it("keeps everything for an empty filter, in order", () => {
    expect(filterConversations(list, "  ").map((c) => c.id)).toEqual([1, 2, 3]);
  });
  it("matches titles, member names and handles, ignoring case and accents", () => {
    expect(filterConversations(list, "budget").map((c) => c.id)).toEqual([2]);
    expect(filterConversations(list, "SOREN").map((c) => c.id)).toEqual([2, 3]);
    expect(filterConversations(list, "kierkegard").map((c) => c.id)).toEqual([2, 3]);
    expect(filterConversations(list, "@bob").map((c) => c.id)).toEqual([1, 2]);
  });
  it("requires every word", () => {
    expect(filterConversations(list, "bob budget").map((c) => c.id)).toEqual([2]);
    expect(filterConversations(list, "bob zebra")).toEqual([]);
  });
  it("folds accents and letters NFD does not split", () => {
    expect(fold("Łukasz Søren Élodie")).toBe("lukasz soren elodie");
  });
});

describe("syncStatusText", () => {
  const now = new Date(2024, 2, 14, 15, 0).getTime();
  it("names each state", () => {
    expect(syncStatusText({ state: "online" }, now)).toBe("Online");
    expect(syncStatusText({ state: "catching_up" }, now)).toBe("Catching up…");
    expect(syncStatusText({ state: "signed_out" }, now)).toBe("Signed out");
  });
  it("says since when it is offline", () => {
    expect(syncStatusText({ state: "offline", since: new Date(2024, 2, 14, 9, 41).getTime() }, now)).toBe(
      "Offline since 09:41",
    );
    expect(syncStatusText({ state: "offline", since: new Date(2024, 2, 12, 9, 41).getTime() }, now)).toBe(
      "Offline since 12 Mar, 09:41",
    );
  });
});

describe("memberLine", () => {
  it("lists the others and then you", () => {
    expect(memberLine({ members: [ME, BOB] }, 1)).toBe("Bob Stone and you");
    expect(memberLine({ members: [BOB, ME, SOREN] }, 1)).toBe("Bob Stone, Søren Kierkegård and you");
    expect(memberLine({ members: [BOB] }, 1)).toBe("Bob Stone");
    expect(memberLine({ members: [] }, 1)).toBe("");
  });
});

describe("the unread count in the window title", () => {
  const list = [
    { id: 1, unread: 2 },
    { id: 2, unread: 5 },
    { id: 3, unread: 0 },
  ];

  it("adds up the conversations that are not muted", () => {
    expect(unreadTotal(list, () => false)).toBe(7);
    expect(unreadTotal(list, (id) => id === 2)).toBe(2);
    expect(unreadTotal([], () => false)).toBe(0);
  });

  it("puts the count before the name, as taskbars show it", () => {
    expect(windowTitle(0)).toBe("Candor");
    expect(windowTitle(1)).toBe("(1) Candor");
    expect(windowTitle(999)).toBe("(999) Candor");
    expect(windowTitle(1000)).toBe("(999+) Candor");
  });
});

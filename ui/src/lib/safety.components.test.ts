// Protection in jsdom, with the IPC layer mocked: blocking from a
// conversation and a profile, the banners that replace the composer,
// collapsed group messages from people you block, the report dialog and
// what reaches `api`, the live report list, moderators' notices, the
// incident step that reports and blocks, and blocks, unblocks and reports
// that wait on this device while the server can't be reached.
import { cleanup, fireEvent, render, screen, within } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { BlockedPerson } from "./bindings/BlockedPerson";
import type { Connection } from "./bindings/Connection";
import type { ConversationSummary } from "./bindings/ConversationSummary";
import type { IncidentView } from "./bindings/IncidentView";
import type { MessageView } from "./bindings/MessageView";
import type { ModerationNotice } from "./bindings/ModerationNotice";
import type { QueuedSafetyAction } from "./bindings/QueuedSafetyAction";
import type { ReportSubmission } from "./bindings/ReportSubmission";
import type { ReportView } from "./bindings/ReportView";

const { api } = vi.hoisted(() => ({
  api: {
    sessionState: vi.fn(),
    listConversations: vi.fn(async () => []),
    listConnections: vi.fn(async (): Promise<Connection[]> => []),
    getConversation: vi.fn(),
    getSettings: vi.fn(),
    saveSettings: vi.fn(async () => null),
    listMessages: vi.fn(async (): Promise<MessageView[]> => []),
    listPending: vi.fn(async () => []),
    integrityAlarms: vi.fn(async () => []),
    markRead: vi.fn(async () => null),
    getDraft: vi.fn(async () => ""),
    saveDraft: vi.fn(async () => null),
    checkSend: vi.fn(),
    sendMessage: vi.fn(),
    invite: vi.fn(),
    fetchProfile: vi.fn(async () => {
      throw { code: "not_found", message: "hidden" };
    }),
    openDirect: vi.fn(),
    blockUser: vi.fn(),
    unblockUser: vi.fn(),
    listBlocked: vi.fn(async (): Promise<BlockedPerson[]> => []),
    reportUser: vi.fn(),
    listReports: vi.fn(async (): Promise<ReportView[]> => []),
    listQueuedSafety: vi.fn(async (): Promise<QueuedSafetyAction[]> => []),
    discardQueuedSafety: vi.fn(async () => null),
    listNotices: vi.fn(async (): Promise<ModerationNotice[]> => []),
    listIncidents: vi.fn(async () => []),
    getIncident: vi.fn(),
    updateStep: vi.fn(),
    urgentAllowance: vi.fn(),
  },
}));

vi.mock("./api", () => ({
  api,
  onClientEvent: vi.fn(async () => () => {}),
  onOpenConversation: vi.fn(async () => () => {}),
  toIpcError: (e: unknown) => e,
}));

import ConversationView from "./components/ConversationView.svelte";
import IncidentDetail from "./components/IncidentDetail.svelte";
import Main from "./components/Main.svelte";
import MessageRow from "./components/MessageRow.svelte";
import ProfileCard from "./components/ProfileCard.svelte";
import ReportDialog from "./components/ReportDialog.svelte";
import SafetyView from "./components/SafetyView.svelte";
import SettingsView from "./components/SettingsView.svelte";
import Sidebar from "./components/Sidebar.svelte";
import { errorSentence } from "./errors";
import { closeSafetyDialog } from "./safetyDialogs";
import { app, DEFAULT_SETTINGS } from "./state.svelte";
import { formatMoment } from "./time";

// jsdom has <dialog> without its methods: enough of them for Dialog.svelte.
if (typeof HTMLDialogElement !== "undefined") {
  const proto = HTMLDialogElement.prototype as HTMLDialogElement & Record<string, unknown>;
  if (typeof proto.showModal !== "function") {
    proto.showModal = function (this: HTMLDialogElement) {
      this.setAttribute("open", "");
    };
  }
  if (typeof proto.close !== "function") {
    proto.close = function (this: HTMLDialogElement) {
      this.removeAttribute("open");
    };
  }
}

const today = (h: number, m: number) => {
  const d = new Date();
  return new Date(d.getFullYear(), d.getMonth(), d.getDate(), h, m).getTime();
};

const ME = { user_id: 1, handle: "alice", display_name: "Alice Martin", headline: "", phone: null };
const BOB = { user_id: 2, handle: "bob", display_name: "Bob Stone", headline: "Buyer", phone: null };
const CAROL = { user_id: 3, handle: "carol", display_name: "Carol Diaz", headline: "", phone: null };

function summary(over: Partial<ConversationSummary> = {}): ConversationSummary {
  return {
    id: 5,
    kind: "direct",
    title: "Bob Stone",
    members: [ME, BOB],
    last_message: null,
    last_activity: today(9, 0),
    unread: 0,
    urgent_unread: 0,
    pending: 0,
    integrity_alarm: false,
    ...over,
  };
}

function message(over: Partial<MessageView> = {}): MessageView {
  return {
    id: 40,
    conversation_id: 5,
    seq: 1,
    sender: 2,
    sender_name: "Bob Stone",
    mine: false,
    client_id: "c",
    server_time: today(9, 5),
    kind: "text",
    reference: null,
    body: "Pay me or I share your message",
    correction: null,
    state: "sent",
    verified: true,
    annotations: [],
    referenced: null,
    findings: [],
    ...over,
  };
}

const THREE = [
  message({ id: 40, seq: 1, sender: 1, sender_name: "Alice Martin", mine: true, body: "Here are the numbers" }),
  message({ id: 41, seq: 2, body: "Pay me or I share your message" }),
  message({ id: 42, seq: 3, body: "You have until Friday" }),
];

function reportView(over: Partial<ReportView> = {}): ReportView {
  return {
    id: 7,
    client_id: "r",
    reported: 2,
    category: "extortion",
    description: "He demands money",
    conversation: 5,
    evidence: [41, 42],
    status: "received",
    outcome: null,
    created_at: today(9, 30),
    updated_at: today(9, 30),
    ...over,
  };
}

function sentReport(over: Partial<ReportView> = {}): ReportSubmission {
  return { state: "sent", report: reportView(over) };
}

/** Alice's report about Bob, made while the server couldn't be reached; it also blocks him. */
function waitingReport(over: Partial<QueuedSafetyAction> = {}): QueuedSafetyAction {
  return {
    id: 11,
    action: "report",
    person: BOB,
    queued_at: today(9, 45),
    report: { reported: BOB.user_id, category: "extortion", description: "He demands money", conversation: 5, evidence: [41, 42], also_block: true },
    attempts: 0,
    sending: false,
    failure: null,
    ...over,
  };
}

beforeEach(() => {
  app.phase = "main";
  app.me = { ...ME };
  app.settings = { ...DEFAULT_SETTINGS };
  app.settingsError = null;
  app.now = Date.now();
  app.view = "welcome";
  app.conversations = [summary()];
  app.connections = [{ peer: BOB, state: "accepted", updated_at: 0 }];
  app.blocked = [];
  app.blockedLoaded = true;
  app.unblockedHere = [];
  app.revealed = [];
  app.reports = [];
  app.reportsLoaded = true;
  app.reportNews = [];
  app.queuedSafety = [];
  app.queuedSafetyLoaded = true;
  app.queuedSafetyError = null;
  app.notices = [];
  app.incidents = [];
  app.incidentsLoaded = true;
  api.listMessages.mockResolvedValue(THREE);
  api.listConnections.mockImplementation(async () => app.connections);
  api.listBlocked.mockImplementation(async () => app.blocked);
  api.listQueuedSafety.mockImplementation(async () => app.queuedSafety);
});

afterEach(() => {
  closeSafetyDialog();
  cleanup();
  vi.clearAllMocks();
});

describe("Blocking from a conversation", () => {
  it("confirms with what happens, calls blockUser and shows the banner instead of the composer", async () => {
    render(ConversationView, { props: { conversationId: 5 } });
    await screen.findByTestId("composer");
    await fireEvent.click(screen.getByTestId("conversation-block"));
    const dialog = await screen.findByTestId("block-dialog");
    expect(within(dialog).getByTestId("block-consequences").textContent).toBe(
      "The connection is removed. Neither of you can message or invite the other. Each other's profile is hidden. Your history stays, as evidence. They are not told.",
    );
    const confirm = within(dialog).getByTestId("confirm-block");
    expect(confirm.textContent?.trim()).toBe("Block Bob Stone");

    api.blockUser.mockResolvedValue({ change: { user_id: 2, blocked: true, at: today(10, 0) }, queued: false });
    api.listConnections.mockResolvedValue([{ peer: BOB, state: "removed", updated_at: today(10, 0) }]);
    api.listBlocked.mockResolvedValue([{ profile: BOB, blocked_at: today(10, 0), pending: false }]);
    await fireEvent.click(confirm);
    expect(api.blockUser).toHaveBeenCalledWith(2);
    const banner = await screen.findByTestId("blocked-banner");
    expect(banner.textContent).toContain("You blocked Bob Stone");
    expect(screen.queryByTestId("composer")).toBeNull();
    expect(screen.queryByTestId("block-dialog")).toBeNull();
    expect(screen.queryByTestId("conversation-block")).toBeNull();
    // The history stays readable.
    expect(screen.getAllByTestId("message-body").map((b) => b.textContent)).toContain("You have until Friday");
    expect(app.isBlocked(2)).toBe(true);
  });

  it("does nothing on Cancel", async () => {
    render(ConversationView, { props: { conversationId: 5 } });
    await fireEvent.click(screen.getByTestId("conversation-block"));
    await fireEvent.click(await screen.findByTestId("block-cancel"));
    expect(screen.queryByTestId("block-dialog")).toBeNull();
    expect(api.blockUser).not.toHaveBeenCalled();
    expect(screen.queryByTestId("blocked-banner")).toBeNull();
  });

  it("shows the sentence when blocking fails", async () => {
    api.blockUser.mockRejectedValue({ code: "offline", message: "no network" });
    render(ConversationView, { props: { conversationId: 5 } });
    await fireEvent.click(screen.getByTestId("conversation-block"));
    await fireEvent.click(await screen.findByTestId("confirm-block"));
    expect((await screen.findByTestId("block-error")).textContent).toBe(errorSentence("offline"));
    expect(app.isBlocked(2)).toBe(false);
  });

  it("unblocks after explaining it restores the ability to connect, not the connection", async () => {
    app.blocked = [{ profile: BOB, blocked_at: today(10, 0), pending: false }];
    app.connections = [{ peer: BOB, state: "removed", updated_at: today(10, 0) }];
    render(ConversationView, { props: { conversationId: 5 } });
    const banner = screen.getByTestId("blocked-banner");
    await fireEvent.click(within(banner).getByTestId("unblock-user"));
    const dialog = await screen.findByTestId("unblock-dialog");
    expect(within(dialog).getByTestId("unblock-consequences").textContent).toMatch(
      /connect again.*does not restore your old connection/,
    );
    api.unblockUser.mockResolvedValue({ change: { user_id: 2, blocked: false, at: today(10, 5) }, queued: false });
    api.listBlocked.mockResolvedValue([]);
    await fireEvent.click(within(dialog).getByTestId("confirm-unblock"));
    expect(api.unblockUser).toHaveBeenCalledWith(2);
    const next = await screen.findByTestId("unblocked-banner");
    expect(next.textContent).toContain("new invitation");
    expect(screen.queryByTestId("composer")).toBeNull();

    api.invite.mockResolvedValue({ peer: BOB, state: "invited_by_me", updated_at: today(10, 6) });
    api.listConnections.mockResolvedValue([{ peer: BOB, state: "invited_by_me", updated_at: today(10, 6) }]);
    await fireEvent.click(within(next).getByTestId("invite-again"));
    expect(api.invite).toHaveBeenCalledWith("bob");
    await vi.waitFor(() => expect(screen.getByTestId("invited-again").textContent).toContain("once Bob Stone accepts"));
    expect(screen.queryByTestId("invite-again")).toBeNull();
    // Accepted: the conversation is ordinary again.
    app.connections = [{ peer: BOB, state: "accepted", updated_at: today(10, 9) }];
    await vi.waitFor(() => expect(screen.queryByTestId("unblocked-banner")).toBeNull());
    expect(screen.getByTestId("composer")).toBeTruthy();
  });
});

describe("The blocked side", () => {
  it("says only that the person is not available, and keeps the history readable", async () => {
    app.connections = [{ peer: BOB, state: "removed", updated_at: today(10, 0) }];
    render(ConversationView, { props: { conversationId: 5 } });
    const banner = screen.getByTestId("unavailable-banner");
    expect(banner.textContent).toContain("Bob Stone is not available");
    expect(banner.textContent).not.toMatch(/block/i);
    expect(screen.queryByTestId("composer")).toBeNull();
    await vi.waitFor(() => expect(screen.getAllByTestId("message-body")).toHaveLength(3));
  });

  it("shows no banner in a group", () => {
    app.conversations = [summary({ id: 8, kind: "group", title: "Deal team", members: [ME, BOB, CAROL] })];
    app.blocked = [{ profile: BOB, blocked_at: 0, pending: false }];
    render(ConversationView, { props: { conversationId: 8 } });
    expect(screen.queryByTestId("blocked-banner")).toBeNull();
    expect(screen.queryByTestId("conversation-block")).toBeNull();
    expect(screen.getByTestId("composer")).toBeTruthy();
  });
});

describe("Group messages from someone you block", () => {
  const group = summary({ id: 8, kind: "group", title: "Deal team", members: [ME, BOB, CAROL] });

  it("are collapsed and can be shown again", async () => {
    app.conversations = [group];
    app.blocked = [{ profile: BOB, blocked_at: 0, pending: false }];
    render(MessageRow, { props: { message: message({ conversation_id: 8 }), onjump: () => {} } });
    const collapsed = screen.getByTestId("blocked-message");
    expect(collapsed.textContent).toContain("Message from a person you blocked");
    expect(screen.queryByTestId("message-body")).toBeNull();
    expect(screen.getByTestId("message").textContent).not.toContain("Bob Stone");
    await fireEvent.click(within(collapsed).getByText("Show"));
    expect(screen.getByTestId("message-body").textContent).toBe("Pay me or I share your message");
    expect(screen.queryByTestId("blocked-message")).toBeNull();
    await fireEvent.click(screen.getByTestId("hide-blocked-message"));
    expect(screen.getByTestId("blocked-message")).toBeTruthy();
  });

  it("are not collapsed from others, or in a direct conversation", () => {
    app.conversations = [group, summary()];
    app.blocked = [{ profile: BOB, blocked_at: 0, pending: false }];
    render(MessageRow, { props: { message: message({ conversation_id: 8, sender: 3, sender_name: "Carol Diaz" }), onjump: () => {} } });
    expect(screen.queryByTestId("blocked-message")).toBeNull();
    cleanup();
    render(MessageRow, { props: { message: message({ conversation_id: 5 }), onjump: () => {} } });
    expect(screen.queryByTestId("blocked-message")).toBeNull();
  });
});

describe("Reporting", () => {
  it("offers Report and Block on someone else's message, and reports it with the message preselected", async () => {
    render(MessageRow, { props: { message: message({ id: 41, seq: 2 }), onjump: () => {} } });
    await fireEvent.click(screen.getByTestId("message-actions"));
    const items = within(screen.getByRole("menu")).getAllByRole("menuitem");
    expect(items.map((i) => i.dataset.testid)).toEqual(["action-report", "action-block"]);
    expect(items[1].textContent?.trim()).toBe("Block Bob Stone");
    await fireEvent.click(items[0]);
    const dialog = await screen.findByTestId("report-dialog");
    await vi.waitFor(() => expect(within(dialog).getAllByTestId("evidence-option")).toHaveLength(3));
    expect(api.listMessages).toHaveBeenCalledWith(5, { at: "around", message: 41, limit: 60 });
    const checked = within(dialog)
      .getAllByTestId("evidence-option")
      .filter((o) => (o as HTMLInputElement).checked)
      .map((o) => o.dataset.messageId);
    expect(checked).toEqual(["41"]);
  });

  it("requires a category, a description and evidence, then sends the chosen ids and also_block", async () => {
    const onreported = vi.fn();
    render(ReportDialog, {
      props: { target: { person: BOB, conversationId: 5, evidenceRequired: true }, onclose: () => {}, onreported },
    });
    await vi.waitFor(() => expect(screen.getAllByTestId("evidence-option")).toHaveLength(3));
    expect(api.listMessages).toHaveBeenCalledWith(5, { at: "latest", limit: 60 });
    const options = screen.getAllByTestId("evidence-option") as HTMLInputElement[];
    expect(options.every((o) => !o.checked)).toBe(true);
    expect(screen.getByTestId("report-explanation").textContent?.replace(/\s+/g, " ")).toMatch(
      /signed record.*Bob Stone is not told who reported/,
    );
    for (const c of ["harassment", "extortion", "misuse_threat", "spam_scam", "impersonation", "other"]) {
      expect((screen.getByTestId(`report-category-${c}`) as HTMLInputElement).type).toBe("radio");
    }
    expect(screen.getByText("Threatens to misuse private information")).toBeTruthy();

    await fireEvent.click(screen.getByTestId("submit-report"));
    expect(screen.getByTestId("report-error").textContent).toBe("Choose what is happening.");
    await fireEvent.click(screen.getByTestId("report-category-extortion"));
    await fireEvent.click(screen.getByTestId("submit-report"));
    expect(screen.getByTestId("report-error").textContent).toMatch(/Describe what happened/);
    await fireEvent.input(screen.getByTestId("report-description"), { target: { value: "  He demands money  " } });
    await fireEvent.click(screen.getByTestId("submit-report"));
    expect(screen.getByTestId("report-error").textContent).toBe("Choose at least one message as evidence.");
    expect(api.reportUser).not.toHaveBeenCalled();

    await fireEvent.click(options[2]);
    await fireEvent.click(options[1]);
    expect(screen.getByTestId("evidence-count").textContent).toContain("2 messages chosen");
    const alsoBlock = screen.getByTestId("report-also-block") as HTMLInputElement;
    expect(alsoBlock.checked).toBe(false);
    expect(alsoBlock.closest("label")?.textContent).toContain("Also block Bob Stone");
    await fireEvent.click(alsoBlock);

    api.reportUser.mockResolvedValue(sentReport());
    await fireEvent.click(screen.getByTestId("submit-report"));
    await vi.waitFor(() => expect(onreported).toHaveBeenCalled());
    expect(api.reportUser).toHaveBeenCalledWith({
      reported: 2,
      category: "extortion",
      description: "He demands money",
      conversation: 5,
      evidence: [41, 42],
      also_block: true,
    });
    const sent = await screen.findByTestId("report-sent");
    expect(sent.dataset.status).toBe("received");
    expect(screen.getByTestId("report-sent-status").textContent).toBe("Received");
    expect(app.isBlocked(2)).toBe(true);

    // The status follows the report live.
    app.reports = [reportView({ status: "action_taken", outcome: "The account was suspended." })];
    await vi.waitFor(() => expect(screen.getByTestId("report-sent").dataset.status).toBe("action_taken"));
    expect(screen.getByTestId("report-outcome").textContent).toBe("The account was suspended.");
  });

  it("shows the sentence for the server's refusal and keeps the form", async () => {
    api.reportUser.mockRejectedValue({ code: "evidence_mismatch", message: "hash differs" });
    render(ReportDialog, {
      props: { target: { person: BOB, conversationId: 5, messageId: 41, evidenceRequired: true, category: "harassment" }, onclose: () => {} },
    });
    await vi.waitFor(() => expect(screen.getAllByTestId("evidence-option")).toHaveLength(3));
    await fireEvent.input(screen.getByTestId("report-description"), { target: { value: "Threats" } });
    await fireEvent.click(screen.getByTestId("submit-report"));
    expect((await screen.findByTestId("report-error")).textContent).toBe(errorSentence("evidence_mismatch"));
    expect(screen.queryByTestId("report-sent")).toBeNull();
    expect(api.reportUser).toHaveBeenCalledWith(expect.objectContaining({ evidence: [41], also_block: false }));
  });

  it("reports from the conversation header, and asks who in a group", async () => {
    app.conversations = [summary({ id: 8, kind: "group", title: "Deal team", members: [ME, BOB, CAROL] })];
    render(ConversationView, { props: { conversationId: 8 } });
    await fireEvent.click(screen.getByTestId("conversation-report"));
    const dialog = await screen.findByTestId("report-dialog");
    const who = within(dialog).getByTestId("report-person") as HTMLSelectElement;
    expect([...who.options].filter((o) => !o.disabled).map((o) => o.textContent)).toEqual(["Bob Stone (@bob)", "Carol Diaz (@carol)"]);
    await fireEvent.click(within(dialog).getByTestId("submit-report"));
    expect(within(dialog).getByTestId("report-error").textContent).toBe("Choose the person you are reporting.");
    await fireEvent.change(who, { target: { value: "3" } });
    expect(within(dialog).getByTestId("report-also-block").closest("label")?.textContent).toContain("Also block Carol Diaz");
  });

  it("reports from a profile without requiring messages, and blocks from there", async () => {
    app.conversations = [];
    render(ProfileCard, { props: { person: BOB, connected: true, onclose: () => {} } });
    await fireEvent.click(screen.getByTestId("report-user"));
    const dialog = await screen.findByTestId("report-dialog");
    expect(within(dialog).queryByTestId("evidence-option")).toBeNull();
    await fireEvent.click(within(dialog).getByTestId("report-category-impersonation"));
    await fireEvent.input(within(dialog).getByTestId("report-description"), { target: { value: "Pretends to be our CFO" } });
    api.reportUser.mockResolvedValue(sentReport({ category: "impersonation", conversation: null, evidence: [] }));
    await fireEvent.click(within(dialog).getByTestId("submit-report"));
    await screen.findByTestId("report-sent");
    expect(api.reportUser).toHaveBeenCalledWith({
      reported: 2,
      category: "impersonation",
      description: "Pretends to be our CFO",
      conversation: null,
      evidence: [],
      also_block: false,
    });
    closeSafetyDialog();

    await fireEvent.click(screen.getByTestId("block-user"));
    const block = await screen.findByTestId("block-dialog");
    api.blockUser.mockResolvedValue({ change: { user_id: 2, blocked: true, at: today(11, 0) }, queued: false });
    await fireEvent.click(within(block).getByTestId("confirm-block"));
    await vi.waitFor(() => expect(screen.getByTestId("profile-blocked")).toBeTruthy());
    expect(api.blockUser).toHaveBeenCalledWith(2);
    expect(screen.getByTestId("unblock-user")).toBeTruthy();
  });
});

describe("Reports and blocked people", () => {
  it("lists reports with their status and shows a change after reports_changed", async () => {
    app.reports = [reportView()];
    render(SafetyView);
    const item = screen.getByTestId("report-item");
    expect(item.dataset.reportId).toBe("7");
    expect(item.dataset.status).toBe("received");
    expect(item.textContent).toContain("Extortion or blackmail");
    expect(item.textContent).toContain("Bob Stone");
    expect(within(item).getByTestId("report-status").textContent).toContain("Received");
    expect(within(item).queryByTestId("report-outcome")).toBeNull();

    api.listReports.mockResolvedValue([reportView({ status: "action_taken", outcome: "The account was suspended.", updated_at: today(11, 0) })]);
    app.handle({ type: "reports_changed" });
    await vi.waitFor(() => expect(screen.getByTestId("report-item").dataset.status).toBe("action_taken"));
    const updated = screen.getByTestId("report-item");
    expect(within(updated).getByTestId("report-status").textContent).toContain("Action taken");
    expect(within(updated).getByTestId("report-outcome").textContent).toBe("The account was suspended.");
  });

  it("counts status changes in the sidebar until the reports are opened", async () => {
    app.reports = [reportView()];
    render(Sidebar);
    expect(screen.queryByTestId("report-news")).toBeNull();
    api.listReports.mockResolvedValue([reportView({ status: "under_review" })]);
    app.handle({ type: "reports_changed" });
    await vi.waitFor(() => expect(screen.getByTestId("report-news").textContent).toBe("1"));
    await fireEvent.click(screen.getByTestId("open-reports"));
    expect(app.view).toBe("safety");
    expect(screen.queryByTestId("report-news")).toBeNull();
  });

  it("shows in the sidebar when the server refused a block or report made offline", async () => {
    app.queuedSafety = [waitingReport()];
    render(Sidebar);
    expect(screen.queryByTestId("safety-refused")).toBeNull();
    app.queuedSafety = [waitingReport(), waitingReport({ id: 12, action: "block", report: null, failure: "No such user" })];
    app.handle({ type: "blocks_changed" });
    const badge = await screen.findByTestId("safety-refused");
    expect(badge.textContent).toBe("1");
    expect(badge.getAttribute("aria-label")).toBe("1 not sent: refused by the server");
    app.queuedSafety = [];
    app.handle({ type: "blocks_changed" });
    await vi.waitFor(() => expect(screen.queryByTestId("safety-refused")).toBeNull());
  });

  it("lists the people you block in Settings, with Unblock", async () => {
    app.blocked = [{ profile: BOB, blocked_at: today(10, 0), pending: false }];
    render(SettingsView);
    const person = screen.getByTestId("blocked-person");
    expect(person.dataset.userId).toBe("2");
    expect(person.textContent).toContain("Bob Stone");
    await fireEvent.click(within(person).getByTestId("unblock-user"));
    const dialog = await screen.findByTestId("unblock-dialog");
    api.unblockUser.mockResolvedValue({ change: { user_id: 2, blocked: false, at: today(10, 5) }, queued: false });
    await fireEvent.click(within(dialog).getByTestId("confirm-unblock"));
    await vi.waitFor(() => expect(screen.queryByTestId("blocked-person")).toBeNull());
    expect(api.unblockUser).toHaveBeenCalledWith(2);
  });

  it("refetches the people you block on blocks_changed", async () => {
    api.listBlocked.mockResolvedValue([{ profile: CAROL, blocked_at: 1, pending: false }]);
    app.handle({ type: "blocks_changed" });
    await vi.waitFor(() => expect(app.isBlocked(3)).toBe(true));
    expect(app.isBlocked(2)).toBe(false);
  });
});

describe("Moderators' notices", () => {
  it("shows the newest notice as a dismissible banner", async () => {
    render(Main);
    expect(screen.queryByTestId("moderation-notice")).toBeNull();
    const notice: ModerationNotice = {
      action: { action: "restrict", days: 7 },
      text: "Your account was reported for spam.",
      until: Date.now() + 7 * 86_400_000,
      at: Date.now(),
    };
    api.listNotices.mockResolvedValue([notice]);
    app.handle({ type: "notice", notice });
    const banner = await screen.findByTestId("moderation-notice");
    expect(banner.textContent).toContain("A moderator restricted your account");
    expect(banner.textContent).toContain("Your account was reported for spam.");
    await fireEvent.click(within(banner).getByTestId("dismiss-notice"));
    expect(screen.queryByTestId("moderation-notice")).toBeNull();
    expect(app.notices).toHaveLength(1);
  });
});

/** An incident about a sensitive message whose only step is “report and block”. */
function reportAndBlockIncident(): { step: IncidentView["incident"]["steps"][number]; view: IncidentView } {
  const step = {
    id: "report-block",
    kind: { kind: "report_and_block" as const },
    title: "If they threaten to misuse it, report and block them",
    detail: "",
    draft: null,
    optional: true,
    status: "todo" as const,
    done_at: null,
    message_client_id: null,
    call_outcome: null,
    note: null,
  };
  const view: IncidentView = {
    incident: {
      id: "inc-1",
      case: "sensitive",
      conversation_id: 5,
      message_id: 40,
      excerpt: "Here are the numbers",
      recipient_names: ["Bob Stone"],
      created_at: today(9, 10),
      updated_at: today(9, 10),
      resolved_at: null,
      closed_early: false,
      cancelled_follow_ups: [],
      steps: [step],
    },
    original: THREE[0],
    recipients: [{ profile: BOB, original: "read", follow_ups: [] }],
    urgent: { sent_in_window: 0, limit: 3, next_possible_at: null },
  };
  return { step, view };
}

describe("The incident step “report and block”", () => {
  it("opens the report dialog for the incident's conversation, then marks the step done", async () => {
    const { step, view } = reportAndBlockIncident();
    api.getIncident.mockResolvedValue(view);
    render(IncidentDetail, { props: { incidentId: "inc-1" } });
    const button = await screen.findByTestId("step-report-and-block");
    expect(button.textContent).toContain("Report and block Bob Stone");
    expect(screen.getByTestId("step-done")).toBeTruthy();
    expect(screen.getByTestId("step-skip")).toBeTruthy();
    await fireEvent.click(button);
    const dialog = await screen.findByTestId("report-dialog");
    expect((within(dialog).getByTestId("report-category-misuse_threat") as HTMLInputElement).checked).toBe(true);
    expect((within(dialog).getByTestId("report-also-block") as HTMLInputElement).checked).toBe(true);
    await vi.waitFor(() => expect(within(dialog).getAllByTestId("evidence-option")).toHaveLength(3));
    await fireEvent.click(within(dialog).getAllByTestId("evidence-option")[1]);
    await fireEvent.input(within(dialog).getByTestId("report-description"), { target: { value: "Threatens to share my numbers" } });
    api.reportUser.mockResolvedValue(sentReport({ category: "misuse_threat", evidence: [41] }));
    api.updateStep.mockResolvedValue({ ...view, incident: { ...view.incident, steps: [{ ...step, status: "done", done_at: today(9, 40) }] } });
    await fireEvent.click(within(dialog).getByTestId("submit-report"));
    await vi.waitFor(() => expect(api.updateStep).toHaveBeenCalled());
    expect(api.reportUser).toHaveBeenCalledWith(
      expect.objectContaining({ reported: 2, category: "misuse_threat", conversation: 5, evidence: [41], also_block: true }),
    );
    expect(api.updateStep).toHaveBeenCalledWith(
      "inc-1",
      "report-block",
      expect.objectContaining({ status: "done", note: "Reported Bob Stone (Threatens to misuse private information) and blocked them." }),
    );
    await vi.waitFor(() => expect(screen.getByTestId("step").dataset.status).toBe("done"));
  });
});

describe("While the server can't be reached", () => {
  it("blocks on this device at once and says the block waits for the server", async () => {
    render(ConversationView, { props: { conversationId: 5 } });
    await screen.findByTestId("composer");
    await fireEvent.click(screen.getByTestId("conversation-block"));
    const dialog = await screen.findByTestId("block-dialog");
    api.blockUser.mockResolvedValue({ change: { user_id: 2, blocked: true, at: today(10, 0) }, queued: true });
    api.listBlocked.mockResolvedValue([{ profile: BOB, blocked_at: today(10, 0), pending: true }]);
    await fireEvent.click(within(dialog).getByTestId("confirm-block"));

    // The dialog stays open to say so, with the keyboard on Close.
    const note = await within(dialog).findByTestId("block-queued");
    expect(note.getAttribute("role")).toBe("status");
    expect(note.textContent).toBe(
      "Bob Stone is blocked on this device. The server can't be reached right now, so Candor sends the block as soon as it can; you can follow it under Safety in the sidebar.",
    );
    expect(dialog.textContent).toContain("Blocked on this device");
    expect(within(dialog).queryByTestId("confirm-block")).toBeNull();
    const close = within(dialog).getByTestId("block-close");
    await vi.waitFor(() => expect(document.activeElement).toBe(close));
    expect(close.getAttribute("aria-describedby")).toBe(note.id);
    // It applies here already.
    expect(app.isBlocked(2)).toBe(true);
    expect(app.blocked[0].pending).toBe(true);
    expect(screen.getByTestId("blocked-banner").textContent).toContain("You blocked Bob Stone");

    await fireEvent.click(close);
    expect(screen.queryByTestId("block-dialog")).toBeNull();
  });

  it("says an unblock waits for the server, and opens Safety from there", async () => {
    app.blocked = [{ profile: BOB, blocked_at: today(10, 0), pending: false }];
    app.view = "settings";
    render(SettingsView);
    await fireEvent.click(within(screen.getByTestId("blocked-person")).getByTestId("unblock-user"));
    const dialog = await screen.findByTestId("unblock-dialog");
    api.unblockUser.mockResolvedValue({ change: { user_id: 2, blocked: false, at: today(10, 5) }, queued: true });
    api.listBlocked.mockResolvedValue([]);
    await fireEvent.click(within(dialog).getByTestId("confirm-unblock"));
    expect((await within(dialog).findByTestId("block-queued")).textContent).toMatch(
      /^Bob Stone is unblocked on this device\. .*sends the unblock as soon as it can/,
    );
    expect(app.isBlocked(2)).toBe(false);
    await fireEvent.click(within(dialog).getByTestId("block-follow"));
    expect(screen.queryByTestId("unblock-dialog")).toBeNull();
    expect(app.view).toBe("safety");
  });

  it("closes silently when the server had the block", async () => {
    render(ProfileCard, { props: { person: BOB, connected: true, onclose: () => {} } });
    await fireEvent.click(screen.getByTestId("block-user"));
    api.blockUser.mockResolvedValue({ change: { user_id: 2, blocked: true, at: today(11, 0) }, queued: false });
    await fireEvent.click(within(await screen.findByTestId("block-dialog")).getByTestId("confirm-block"));
    await vi.waitFor(() => expect(screen.queryByTestId("block-dialog")).toBeNull());
    expect(screen.queryByTestId("block-queued")).toBeNull();
  });

  it("marks a block that has not reached the server in the list of people you block", () => {
    app.blocked = [
      { profile: BOB, blocked_at: today(10, 0), pending: true },
      { profile: CAROL, blocked_at: today(9, 0), pending: false },
    ];
    render(SettingsView);
    const [bob, carol] = screen.getAllByTestId("blocked-person");
    expect(within(bob).getByTestId("blocked-pending").textContent?.trim()).toBe(
      "Not sent yet: Candor sends the block when it can reach the server.",
    );
    expect(within(carol).queryByTestId("blocked-pending")).toBeNull();
  });

  it("saves a report to send later, blocks at once and tells the caller", async () => {
    const onreported = vi.fn();
    render(ReportDialog, {
      props: {
        target: { person: BOB, conversationId: 5, messageId: 41, evidenceRequired: true, category: "extortion", alsoBlock: true },
        onclose: () => {},
        onreported,
      },
    });
    await vi.waitFor(() => expect(screen.getAllByTestId("evidence-option")).toHaveLength(3));
    await fireEvent.click(screen.getAllByTestId("evidence-option")[2]);
    await fireEvent.input(screen.getByTestId("report-description"), { target: { value: "He demands money" } });
    const waiting = waitingReport();
    api.reportUser.mockResolvedValue({ state: "queued", queued: waiting });
    await fireEvent.click(screen.getByTestId("submit-report"));

    const queued = await screen.findByTestId("report-queued");
    expect(screen.getByTestId("report-dialog").textContent).toContain("Report saved — waiting to send");
    expect(queued.textContent).toContain("Waiting to send");
    expect(queued.textContent).toContain(
      "The server can't be reached right now, so the report is kept on this device. Candor sends it as soon as it can; you can follow it under Safety in the sidebar.",
    );
    expect(queued.textContent).toContain("2 messages go with it as evidence.");
    expect(screen.getByTestId("report-blocked-note").textContent?.trim()).toBe(
      "You block Bob Stone on this device; the block reaches the server with the report.",
    );
    expect(screen.queryByTestId("report-sent")).toBeNull();
    expect(onreported).toHaveBeenCalledWith({ state: "queued", queued: waiting }, BOB);
    expect(app.isBlocked(2)).toBe(true);
    expect(app.blocked.find((b) => b.profile.user_id === 2)?.pending).toBe(true);
    expect(api.listQueuedSafety).toHaveBeenCalled();
    await vi.waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("report-done")));

    await fireEvent.click(screen.getByTestId("report-follow"));
    expect(app.view).toBe("safety");
  });

  it("shows the sentence when a report is refused on this device before it could wait", async () => {
    api.reportUser.mockRejectedValue({ code: "evidence_not_in_conversation", message: "wrong conversation" });
    render(ReportDialog, {
      props: { target: { person: BOB, conversationId: 5, messageId: 41, evidenceRequired: true, category: "harassment" }, onclose: () => {} },
    });
    await vi.waitFor(() => expect(screen.getAllByTestId("evidence-option")).toHaveLength(3));
    await fireEvent.input(screen.getByTestId("report-description"), { target: { value: "Threats" } });
    await fireEvent.click(screen.getByTestId("submit-report"));
    expect((await screen.findByTestId("report-error")).textContent).toBe(
      "Evidence must come from the conversation you are reporting.",
    );
    expect(screen.queryByTestId("report-queued")).toBeNull();
  });

  it("lists waiting and refused actions above your reports, oldest first", () => {
    app.queuedSafety = [
      waitingReport({ attempts: 2 }),
      waitingReport({ id: 12, action: "block", person: CAROL, report: null }),
      waitingReport({
        id: 13,
        action: "unblock",
        person: { ...CAROL, user_id: 4, handle: "dan", display_name: "Dan Roy" },
        report: null,
        attempts: 1,
        failure: "No such user",
      }),
    ];
    app.reports = [reportView()];
    render(SafetyView);
    const section = screen.getByTestId("queued-safety");
    const sections = screen.getAllByRole("region").map((r) => r.dataset.testid);
    expect(sections.indexOf("queued-safety")).toBeLessThan(sections.indexOf("reports-section"));
    expect(section.textContent).toContain("2 waiting · 1 not sent");

    const [report, block, unblock] = within(section).getAllByTestId("queued-safety-item");
    expect(report.textContent).toContain("Report about Bob Stone — Extortion or blackmail");
    expect(report.dataset.state).toBe("waiting");
    expect(within(report).getByTestId("queued-safety-status").textContent?.trim()).toBe("Status: Waiting to send · 2 tries");
    expect(report.textContent).toContain("2 messages as evidence · also blocks Bob Stone");
    expect(report.querySelector("time")?.textContent).toBe(`saved ${formatMoment(today(9, 45), app.now)}`);
    const withdraw = within(report).getByTestId("queued-safety-withdraw");
    expect(withdraw.getAttribute("aria-label")).toBe("Withdraw the report about Bob Stone");
    const keeps = within(report).getByTestId("queued-safety-keeps-block");
    expect(keeps.textContent).toBe("Withdrawing the report keeps the block of Bob Stone: Candor still sends the block on its own.");
    expect(withdraw.getAttribute("aria-describedby")).toBe(keeps.id);
    expect(within(report).queryByTestId("queued-safety-failure")).toBeNull();

    expect(block.textContent).toContain("Block Carol Diaz");
    expect(within(block).getByTestId("queued-safety-status").textContent?.trim()).toBe("Status: Waiting to send");
    expect(within(block).queryByRole("button")).toBeNull();
    expect(block.textContent).toContain("To undo it, unblock Carol Diaz under People you block.");

    expect(unblock.dataset.state).toBe("refused");
    expect(unblock.textContent).toContain("Unblock Dan Roy");
    expect(within(unblock).getByTestId("queued-safety-status").textContent?.trim()).toBe("Status: Not sent");
    expect(within(unblock).getByTestId("queued-safety-failure").textContent?.trim()).toBe(
      "The server refused this unblock: No such user.",
    );
    expect(within(unblock).getByTestId("queued-safety-dismiss").getAttribute("aria-label")).toBe("Dismiss: Unblock Dan Roy");
  });

  it("shows no such section when nothing waits", () => {
    render(SafetyView);
    expect(screen.queryByTestId("queued-safety")).toBeNull();
  });

  it("withdraws a waiting report and says the block it asked for stays", async () => {
    app.queuedSafety = [waitingReport()];
    render(SafetyView);
    // The core keeps the block, queued on its own.
    api.listQueuedSafety.mockResolvedValue([waitingReport({ action: "block", report: null })]);
    await fireEvent.click(screen.getByTestId("queued-safety-withdraw"));
    expect(api.discardQueuedSafety).toHaveBeenCalledWith(11);
    await vi.waitFor(() =>
      expect(screen.getByTestId("queued-safety-done").textContent).toBe(
        "The report about Bob Stone was withdrawn before it was sent. The block stays: Candor sends it on its own.",
      ),
    );
    expect(screen.getByTestId("queued-safety-done").getAttribute("role")).toBe("status");
    const [item] = screen.getAllByTestId("queued-safety-item");
    expect(item.dataset.action).toBe("block");
    expect(item.textContent).toContain("Block Bob Stone");
    expect(document.activeElement?.id).toBe("queued-title");
  });

  it("dismisses a refused action, and shows the sentence when discarding fails", async () => {
    app.queuedSafety = [waitingReport({ id: 14, report: { ...waitingReport().report!, also_block: false }, failure: "Too many reports" })];
    render(SafetyView);
    api.discardQueuedSafety.mockRejectedValueOnce({ code: "storage", message: "disk full" });
    await fireEvent.click(screen.getByTestId("queued-safety-dismiss"));
    expect((await screen.findByTestId("queued-safety-error")).textContent).toBe(errorSentence("storage"));
    expect(screen.getAllByTestId("queued-safety-item")).toHaveLength(1);

    api.listQueuedSafety.mockResolvedValue([]);
    await fireEvent.click(screen.getByTestId("queued-safety-dismiss"));
    await vi.waitFor(() =>
      expect(screen.getByTestId("queued-safety-done").textContent).toBe(
        "Removed “Report about Bob Stone — Extortion or blackmail” from this list.",
      ),
    );
    expect(api.discardQueuedSafety).toHaveBeenLastCalledWith(14);
    expect(screen.queryByTestId("queued-safety-item")).toBeNull();
    expect(screen.queryByTestId("queued-safety-error")).toBeNull();
    expect(screen.getByTestId("queued-safety").textContent).toContain("Nothing waits for the server.");
  });

  it("follows the queue on blocks_changed and reports_changed", async () => {
    render(SafetyView);
    api.listQueuedSafety.mockResolvedValue([waitingReport()]);
    app.handle({ type: "reports_changed" });
    await vi.waitFor(() => expect(screen.getAllByTestId("queued-safety-item")).toHaveLength(1));
    // Delivered: the server has the report and the block.
    api.listQueuedSafety.mockResolvedValue([]);
    api.listReports.mockResolvedValue([reportView()]);
    app.handle({ type: "blocks_changed" });
    await vi.waitFor(() => expect(screen.queryByTestId("queued-safety")).toBeNull());
    await vi.waitFor(() => expect(screen.getAllByTestId("report-item")).toHaveLength(1));
  });

  it("marks the incident step done for a report that waits to be sent", async () => {
    const { step, view } = reportAndBlockIncident();
    api.getIncident.mockResolvedValue(view);
    render(IncidentDetail, { props: { incidentId: "inc-1" } });
    await fireEvent.click(await screen.findByTestId("step-report-and-block"));
    const dialog = await screen.findByTestId("report-dialog");
    await vi.waitFor(() => expect(within(dialog).getAllByTestId("evidence-option")).toHaveLength(3));
    await fireEvent.click(within(dialog).getAllByTestId("evidence-option")[1]);
    await fireEvent.input(within(dialog).getByTestId("report-description"), { target: { value: "Threatens to share my numbers" } });
    api.reportUser.mockResolvedValue({
      state: "queued",
      queued: waitingReport({ report: { ...waitingReport().report!, category: "misuse_threat", evidence: [41] } }),
    });
    api.updateStep.mockResolvedValue({ ...view, incident: { ...view.incident, steps: [{ ...step, status: "done", done_at: today(9, 40) }] } });
    await fireEvent.click(within(dialog).getByTestId("submit-report"));
    await vi.waitFor(() => expect(api.updateStep).toHaveBeenCalled());
    expect(api.updateStep).toHaveBeenCalledWith(
      "inc-1",
      "report-block",
      expect.objectContaining({
        status: "done",
        note: "Reported Bob Stone (Threatens to misuse private information) and blocked them. Made while the server couldn't be reached: follow the report under Safety.",
      }),
    );
    expect(within(dialog).getByTestId("report-queued")).toBeTruthy();
  });
});

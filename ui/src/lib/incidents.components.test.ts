// Guided damage control in jsdom, with the IPC layer mocked: starting an
// incident from a message, each step's one-click action and what reaches
// `api`, the live recipient table, closing, the navigation and the setting.
import { cleanup, fireEvent, render, screen, within } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Incident } from "./bindings/Incident";
import type { IncidentView } from "./bindings/IncidentView";
import type { MessageView } from "./bindings/MessageView";
import type { SendCheck } from "./bindings/SendCheck";
import type { Step } from "./bindings/Step";

const { api } = vi.hoisted(() => ({
  api: {
    sessionState: vi.fn(),
    listConversations: vi.fn(async () => []),
    listConnections: vi.fn(async () => []),
    getSettings: vi.fn(),
    saveSettings: vi.fn(async () => null),
    updateProfile: vi.fn(),
    signOut: vi.fn(async () => null),
    sendMessage: vi.fn(async () => "client-7"),
    checkSend: vi.fn(),
    openIncident: vi.fn(),
    listIncidents: vi.fn(async (): Promise<Incident[]> => []),
    getIncident: vi.fn(),
    updateStep: vi.fn(),
    closeIncident: vi.fn(),
    remindIfUnread: vi.fn(),
    urgentAllowance: vi.fn(),
    callPhone: vi.fn(async () => {}),
    openDirect: vi.fn(),
    getDraft: vi.fn(async () => ""),
    saveDraft: vi.fn(async () => null),
    searchMessages: vi.fn(),
  },
}));

vi.mock("./api", () => ({
  api,
  onClientEvent: vi.fn(async () => () => {}),
  onOpenConversation: vi.fn(async () => () => {}),
  toIpcError: (e: unknown) => e,
}));

import IncidentDetail from "./components/IncidentDetail.svelte";
import IncidentsView from "./components/IncidentsView.svelte";
import MessageRow, { closeFollowUp } from "./components/MessageRow.svelte";
import SearchDialog from "./components/SearchDialog.svelte";
import SettingsView from "./components/SettingsView.svelte";
import Sidebar from "./components/Sidebar.svelte";
import SomethingWrongDialog from "./components/SomethingWrongDialog.svelte";
import { errorSentence } from "./errors";
import { app, DEFAULT_SETTINGS } from "./state.svelte";

const today = (h: number, m: number) => {
  const d = new Date();
  return new Date(d.getFullYear(), d.getMonth(), d.getDate(), h, m).getTime();
};

const ME = { user_id: 1, handle: "alice", display_name: "Alice Martin", headline: "", phone: null };
const BOB = { user_id: 2, handle: "bob", display_name: "Bob Okafor", headline: "", phone: "+44 20 7946 0958" };
const CAROL = { user_id: 3, handle: "carol", display_name: "Carol Diaz", headline: "", phone: null };

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

function check(over: Partial<SendCheck> = {}): SendCheck {
  return { findings: [], tone: [], cards: [], recipients: [BOB], hold_seconds: 10, read_it_over: false, ...over };
}

function original(over: Partial<MessageView> = {}): MessageView {
  return {
    id: 42,
    conversation_id: 3,
    seq: 7,
    sender: 1,
    sender_name: "Alice Martin",
    mine: true,
    client_id: "c",
    server_time: today(14, 2),
    kind: "text",
    reference: null,
    body: "The budget is 40k",
    correction: null,
    state: "delivered",
    verified: true,
    annotations: [],
    referenced: null,
    findings: [],
    ...over,
  };
}

function step(over: Partial<Step> = {}): Step {
  return {
    id: "retract",
    kind: { kind: "retract" },
    title: "Ask Bob Okafor to disregard it",
    detail: "Bob Okafor has not read it yet.",
    draft: "Please disregard my earlier message.",
    optional: false,
    status: "todo",
    done_at: null,
    message_client_id: null,
    call_outcome: null,
    note: null,
    ...over,
  };
}

const INCIDENT_ID = "0190a1b2-0000-7000-8000-000000000001";

function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: INCIDENT_ID,
    case: "wrong_person",
    conversation_id: 3,
    message_id: 42,
    excerpt: "The budget is 40k",
    recipient_names: ["Bob Okafor"],
    created_at: today(14, 3),
    updated_at: today(14, 3),
    resolved_at: null,
    closed_early: false,
    cancelled_follow_ups: [],
    steps: [step()],
    ...over,
  };
}

function incidentView(over: Partial<Incident> = {}, rest: Partial<Omit<IncidentView, "incident">> = {}): IncidentView {
  return {
    incident: incident(over),
    original: original(),
    recipients: [{ profile: BOB, original: "delivered", follow_ups: [] }],
    urgent: { sent_in_window: 0, limit: 3, next_possible_at: null },
    ...rest,
  };
}

/** Renders one incident's screen with `view` and waits for it. */
async function renderDetail(view: IncidentView) {
  api.getIncident.mockResolvedValue(view);
  const result = render(IncidentDetail, { props: { incidentId: view.incident.id } });
  await screen.findAllByTestId("step");
  return result;
}

/** The step whose id is `id`. */
function stepEl(id: string): HTMLElement {
  const el = screen.getAllByTestId("step").find((s) => s.dataset.stepId === id);
  if (!el) throw new Error(`no step ${id}`);
  return el;
}

beforeEach(() => {
  app.phase = "main";
  app.me = { ...ME };
  app.settings = { ...DEFAULT_SETTINGS };
  app.settingsError = null;
  app.now = Date.now();
  app.view = "welcome";
  app.incidentId = null;
  app.incidentSeed = null;
  app.incidents = [];
  app.incidentsLoaded = true;
  app.connections = [];
  app.problem = null;
  api.checkSend.mockResolvedValue(check());
  api.listIncidents.mockResolvedValue([]);
});

afterEach(() => {
  closeFollowUp();
  cleanup();
  vi.clearAllMocks();
});

describe("Entry points", () => {
  it("puts “Something is wrong with this message” first in my message's menu", async () => {
    render(MessageRow, { props: { message: original(), onjump: () => {} } });
    await fireEvent.click(screen.getByTestId("message-actions"));
    const items = within(screen.getByRole("menu")).getAllByRole("menuitem");
    expect(items[0].dataset.testid).toBe("action-something-wrong");
    await fireEvent.click(items[0]);
    expect(screen.queryByRole("menu")).toBeNull();
    expect(app.problem).toEqual(
      expect.objectContaining({ messageId: 42, conversationId: 3, body: "The budget is 40k" }),
    );
  });

  it("offers it on my search results only", async () => {
    api.searchMessages.mockResolvedValue([
      { message_id: 42, conversation_id: 3, conversation_title: "Bob Okafor", seq: 7, sender_name: "Alice Martin", mine: true, server_time: today(14, 2), kind: "text", snippet: [{ text: "The budget is 40k", matched: false }] },
      { message_id: 43, conversation_id: 3, conversation_title: "Bob Okafor", seq: 8, sender_name: "Bob Okafor", mine: false, server_time: today(14, 3), kind: "text", snippet: [{ text: "Thanks", matched: false }] },
    ]);
    const onclose = vi.fn();
    render(SearchDialog, { props: { onclose } });
    await fireEvent.input(screen.getByTestId("search-input"), { target: { value: "budget" } });
    await vi.waitFor(() => expect(screen.getAllByTestId("search-result")).toHaveLength(2));
    const buttons = screen.getAllByTestId("search-something-wrong");
    expect(buttons).toHaveLength(1);
    await fireEvent.click(buttons[0]);
    expect(onclose).toHaveBeenCalled();
    expect(app.problem).toEqual(expect.objectContaining({ messageId: 42, conversationId: 3, conversationTitle: "Bob Okafor" }));
  });
});

describe("SomethingWrongDialog", () => {
  const target = { messageId: 42, conversationId: 3, body: "The budget is 40k", serverTime: today(14, 2), conversationTitle: "Bob Okafor" };

  it("quotes the message, asks what went wrong and starts an incident with the chosen case", async () => {
    const view = incidentView({ case: "inaccurate" });
    api.openIncident.mockResolvedValue(view);
    const onclose = vi.fn();
    render(SomethingWrongDialog, { props: { target, onclose } });
    const dialog = screen.getByTestId("something-wrong-dialog");
    expect(within(dialog).getByText("The budget is 40k")).toBeTruthy();
    expect(within(dialog).getByText("What went wrong?")).toBeTruthy();
    for (const c of ["wrong_person", "inaccurate", "sensitive", "tone", "time_sensitive"]) {
      expect((screen.getByTestId(`case-${c}`) as HTMLInputElement).type).toBe("radio");
    }
    expect(within(dialog).getByText("The tone was unprofessional or hurtful")).toBeTruthy();
    // Nothing chosen yet: it says so instead of starting.
    await fireEvent.click(screen.getByTestId("start-incident"));
    expect(api.openIncident).not.toHaveBeenCalled();
    expect(screen.getByTestId("something-wrong-error").textContent).toMatch(/Choose what went wrong/);

    await fireEvent.click(screen.getByTestId("case-inaccurate"));
    await fireEvent.click(screen.getByTestId("start-incident"));
    await vi.waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(api.openIncident).toHaveBeenCalledWith(42, "inaccurate");
    expect(app.view).toBe("incidents");
    expect(app.incidentId).toBe(INCIDENT_ID);
    expect(app.incidentSeed).toBe(view);
  });

  it("offers the open incident that already exists for the message", async () => {
    api.listIncidents.mockResolvedValue([incident({ case: "tone" })]);
    const onclose = vi.fn();
    render(SomethingWrongDialog, { props: { target, onclose } });
    const existing = await screen.findByTestId("existing-incident");
    expect(existing.textContent).toContain("Tone");
    expect(screen.getByTestId("start-incident").textContent).toContain("Start a new incident");
    await fireEvent.click(screen.getByTestId("open-existing-incident"));
    expect(onclose).toHaveBeenCalled();
    expect(app.view).toBe("incidents");
    expect(app.incidentId).toBe(INCIDENT_ID);
    expect(api.openIncident).not.toHaveBeenCalled();
  });

  it("shows the sentence when the message is not mine", async () => {
    api.openIncident.mockRejectedValue({ code: "not_your_message", message: "no" });
    render(SomethingWrongDialog, { props: { target, onclose: () => {} } });
    await fireEvent.click(screen.getByTestId("case-tone"));
    await fireEvent.click(screen.getByTestId("start-incident"));
    expect((await screen.findByTestId("something-wrong-error")).textContent).toBe(errorSentence("not_your_message"));
  });
});

describe("IncidentDetail", () => {
  it("shows the case, the message, recipients and a live per-recipient table", async () => {
    const view = incidentView(
      {},
      {
        original: original({
          annotations: [
            { kind: "retraction", message_id: 50, seq: 9, sender_name: "Alice Martin", mine: true, server_time: today(14, 5), body: "Please disregard", correction: null, state: "read" },
          ],
        }),
        recipients: [
          { profile: BOB, original: "read", follow_ups: [{ message_id: 50, kind: "retraction", state: "read" }] },
          { profile: CAROL, original: "delivered", follow_ups: [{ message_id: 50, kind: "retraction", state: "sent" }] },
        ],
      },
    );
    await renderDetail(view);
    const detail = screen.getByTestId("incident-detail");
    expect(detail.dataset.resolved).toBe("false");
    expect(within(detail).getByRole("heading", { level: 2 }).textContent).toBe("Wrong person");
    expect(screen.getByTestId("incident-excerpt").textContent).toBe("The budget is 40k");
    expect(detail.textContent).toContain("Bob Okafor and Carol Diaz");
    const table = screen.getByTestId("recipient-progress");
    expect(within(table).getByText("Please disregard")).toBeTruthy();
    const rows = within(table).getAllByTestId("recipient-row");
    expect(rows[0].textContent).toContain("Bob Okafor");
    expect(within(rows[0]).getByTestId("recipient-original").textContent?.trim()).toBe("Read");
    expect(within(rows[1]).getByTestId("recipient-follow-up").textContent?.trim()).toBe("Not delivered yet");

    // A receipt arrives: the conversation changed, so the table is refetched.
    api.getIncident.mockResolvedValue({
      ...view,
      recipients: [view.recipients[0], { ...view.recipients[1], original: "read" }],
    });
    app.handle({ type: "conversation_changed", id: 3 });
    await vi.waitFor(() =>
      expect(within(screen.getAllByTestId("recipient-row")[1]).getByTestId("recipient-original").textContent?.trim()).toBe("Read"),
    );
  });

  it("goes to the message in its conversation", async () => {
    await renderDetail(incidentView());
    await fireEvent.click(screen.getByTestId("go-to-message"));
    expect(app.view).toBe("conversation");
    expect(app.activeId).toBe(3);
    expect(app.focus).toEqual(expect.objectContaining({ conversationId: 3, messageId: 42 }));
  });

  it("refetches when the incident changed on another device", async () => {
    await renderDetail(incidentView());
    api.getIncident.mockResolvedValue(incidentView({ steps: [step({ status: "done", done_at: today(14, 9) })] }));
    app.handle({ type: "incident_changed", id: INCIDENT_ID });
    await vi.waitFor(() => expect(stepEl("retract").dataset.status).toBe("done"));
  });

  it("sends a retraction from the retract step, linked to the original, and marks it done with the client id", async () => {
    await renderDetail(incidentView());
    const s = stepEl("retract");
    const box = within(s).getByTestId("step-draft") as HTMLTextAreaElement;
    expect(box.value).toBe("Please disregard my earlier message.");
    await fireEvent.input(box, { target: { value: "Please ignore that, it was meant for Carol." } });
    api.updateStep.mockResolvedValue(
      incidentView({ steps: [step({ status: "done", done_at: today(14, 9), message_client_id: "client-7" })] }),
    );
    await fireEvent.click(within(s).getByTestId("step-send"));
    await vi.waitFor(() => expect(api.updateStep).toHaveBeenCalled());
    expect(api.checkSend).toHaveBeenCalledWith(3, "Please ignore that, it was meant for Carol.");
    expect(api.sendMessage).toHaveBeenCalledWith(3, {
      kind: "retraction",
      reference: 42,
      body: "Please ignore that, it was meant for Carol.",
      correction: null,
      allow_sensitive: false,
    });
    expect(api.updateStep).toHaveBeenCalledWith(INCIDENT_ID, "retract", {
      status: "done",
      message_client_id: "client-7",
      call_outcome: null,
      note: null,
      draft: "Please ignore that, it was meant for Carol.",
    });
    await vi.waitFor(() => expect(stepEl("retract").dataset.status).toBe("done"));
    expect(within(stepEl("retract")).getByTestId("step-status").textContent).toContain("Done at 14:09");
    expect(within(stepEl("retract")).getByTestId("step-undo")).toBeTruthy();
  });

  it("asks for “Send anyway” before a draft with sensitive data leaves", async () => {
    const finding = {
      kind: "password" as const,
      label: "Password",
      start: 0,
      end: 5,
      masked: "hun•••",
      explanation: "A password was shared.",
      advice: "Change it.",
    };
    api.checkSend.mockResolvedValue(check({ findings: [finding] }));
    api.updateStep.mockResolvedValue(incidentView({ steps: [step({ status: "done", done_at: today(14, 9) })] }));
    await renderDetail(incidentView({ case: "tone", steps: [step({ id: "apologise", kind: { kind: "apologise" }, draft: "Sorry, my password is hunter2" })] }));
    const s = stepEl("apologise");
    await fireEvent.click(within(s).getByTestId("step-send"));
    const anyway = await within(s).findByTestId("step-send-anyway");
    expect(within(s).getByTestId("step-findings").textContent).toContain("hun•••");
    expect(api.sendMessage).not.toHaveBeenCalled();
    await fireEvent.click(anyway);
    await vi.waitFor(() => expect(api.updateStep).toHaveBeenCalled());
    expect(api.sendMessage).toHaveBeenCalledWith(3, expect.objectContaining({ kind: "apology", reference: 42, allow_sensitive: true }));
  });

  it("asks them not to share it with a retraction linked to the original", async () => {
    api.updateStep.mockResolvedValue(incidentView());
    await renderDetail(
      incidentView({ case: "sensitive", steps: [step({ id: "ask-not-to-share", kind: { kind: "ask_not_to_share" }, draft: "Please do not share it." })] }),
    );
    await fireEvent.click(within(stepEl("ask-not-to-share")).getByTestId("step-send"));
    await vi.waitFor(() => expect(api.updateStep).toHaveBeenCalled());
    expect(api.sendMessage).toHaveBeenCalledWith(3, expect.objectContaining({ kind: "retraction", reference: 42, body: "Please do not share it." }));
  });

  it("opens the correction dialog and marks the step done with the correction's client id", async () => {
    api.updateStep.mockResolvedValue(incidentView({ case: "inaccurate", steps: [step({ id: "correct", kind: { kind: "correct" }, status: "done", done_at: today(14, 9) })] }));
    await renderDetail(incidentView({ case: "inaccurate", steps: [step({ id: "correct", kind: { kind: "correct" }, draft: null })] }));
    await fireEvent.click(within(stepEl("correct")).getByTestId("step-correct"));
    const dialog = await screen.findByTestId("followup-dialog");
    await fireEvent.input(within(dialog).getByTestId("correction-wrong"), { target: { value: "40k" } });
    await fireEvent.input(within(dialog).getByTestId("correction-right"), { target: { value: "44k" } });
    await fireEvent.click(within(dialog).getByTestId("followup-send"));
    await vi.waitFor(() => expect(api.updateStep).toHaveBeenCalled());
    expect(api.sendMessage).toHaveBeenCalledWith(3, expect.objectContaining({ kind: "correction", reference: 42 }));
    expect(api.updateStep).toHaveBeenCalledWith(INCIDENT_ID, "correct", expect.objectContaining({ status: "done", message_client_id: "client-7" }));
  });

  it("calls through the system, copies the number and records how it went", async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    const callStep = step({ id: "call", kind: { kind: "call" }, title: "Call Bob Okafor", draft: null, optional: true });
    await renderDetail(incidentView({ case: "tone", steps: [callStep] }));
    const s = stepEl("call");
    expect(within(s).getByTestId("step-phone-number").textContent).toBe("+44 20 7946 0958");
    await fireEvent.click(within(s).getByTestId("step-call"));
    expect(api.callPhone).toHaveBeenCalledWith("+44 20 7946 0958");
    await fireEvent.click(within(s).getByTestId("step-copy-number"));
    await vi.waitFor(() => expect(writeText).toHaveBeenCalledWith("+44 20 7946 0958"));

    api.updateStep.mockResolvedValue(
      incidentView({ case: "tone", steps: [{ ...callStep, status: "done", done_at: today(14, 20), call_outcome: "voicemail" }] }),
    );
    await fireEvent.click(within(s).getByTestId("call-outcome-voicemail"));
    await vi.waitFor(() => expect(stepEl("call").dataset.status).toBe("done"));
    expect(api.updateStep).toHaveBeenCalledWith(INCIDENT_ID, "call", {
      status: "done",
      message_client_id: null,
      call_outcome: "voicemail",
      note: null,
      draft: null,
    });
    expect(within(stepEl("call")).getByTestId("step-outcome").textContent).toContain("Left a voicemail at 14:20");
  });

  it("says what to do when no app takes phone calls", async () => {
    api.callPhone.mockRejectedValueOnce({ code: "call_failed", message: "no handler" });
    await renderDetail(incidentView({ steps: [step({ id: "call", kind: { kind: "call" }, draft: null })] }));
    await fireEvent.click(within(stepEl("call")).getByTestId("step-call"));
    expect((await within(stepEl("call")).findByTestId("step-error")).textContent).toBe(errorSentence("call_failed"));
  });

  it("sends an urgent notice linked to the original within the allowance", async () => {
    const urgent = step({ id: "urgent", kind: { kind: "urgent_notice" }, title: "Send an urgent notice", draft: null });
    api.updateStep.mockResolvedValue(incidentView({ case: "time_sensitive", steps: [{ ...urgent, status: "done", done_at: today(14, 9) }] }));
    await renderDetail(incidentView({ case: "time_sensitive", steps: [urgent] }, { urgent: { sent_in_window: 1, limit: 3, next_possible_at: null } }));
    const s = stepEl("urgent");
    expect(within(s).getByTestId("urgent-allowance").textContent).toContain("2 of 3 left this hour");
    expect(s.textContent).toContain("every 2 minutes");
    const box = within(s).getByTestId("step-draft") as HTMLTextAreaElement;
    expect(box.value).toMatch(/^Urgent:/);
    await fireEvent.click(within(s).getByTestId("step-send-urgent"));
    await vi.waitFor(() => expect(api.updateStep).toHaveBeenCalled());
    expect(api.sendMessage).toHaveBeenCalledWith(3, expect.objectContaining({ kind: "urgent", reference: 42, body: box.value }));
    expect(api.updateStep).toHaveBeenCalledWith(INCIDENT_ID, "urgent", expect.objectContaining({ status: "done", message_client_id: "client-7" }));
  });

  it("disables the urgent notice when the allowance is used up, and says why", async () => {
    const next = Date.now() + 20 * 60_000;
    const urgent = step({ id: "urgent", kind: { kind: "urgent_notice" }, draft: null });
    await renderDetail(incidentView({ case: "time_sensitive", steps: [urgent] }, { urgent: { sent_in_window: 3, limit: 3, next_possible_at: next } }));
    const s = stepEl("urgent");
    const button = within(s).getByTestId("step-send-urgent") as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(within(s).getByTestId("urgent-blocked").textContent).toMatch(/the most allowed.*next one is possible/i);
    expect(within(s).getByTestId("urgent-allowance").textContent).toContain("None left");
    await fireEvent.click(button);
    expect(api.sendMessage).not.toHaveBeenCalled();
  });

  it("opens a message to the right person with the text", async () => {
    app.connections = [
      { peer: BOB, state: "accepted", updated_at: 0 },
      { peer: CAROL, state: "accepted", updated_at: 0 },
    ];
    api.openDirect.mockResolvedValue(9);
    api.updateStep.mockResolvedValue(incidentView());
    await renderDetail(
      incidentView({ steps: [step({ id: "send-to-right-person", kind: { kind: "send_to_right_person" }, draft: "The budget is 40k" })] }),
    );
    const s = stepEl("send-to-right-person");
    const select = within(s).getByTestId("step-pick-person") as HTMLSelectElement;
    // Bob received the original: only Carol is offered.
    expect([...select.options].filter((o) => !o.disabled).map((o) => o.textContent)).toEqual(["Carol Diaz (@carol)"]);
    await fireEvent.change(select, { target: { value: "3" } });
    await fireEvent.click(within(s).getByTestId("step-open-with-text"));
    await vi.waitFor(() => expect(app.view).toBe("conversation"));
    expect(api.openDirect).toHaveBeenCalledWith(3);
    expect(api.updateStep).toHaveBeenCalledWith(INCIDENT_ID, "send-to-right-person", expect.objectContaining({ status: "done", note: "Copied to a message to Carol Diaz" }));
    expect(api.saveDraft).toHaveBeenCalledWith(9, "The budget is 40k");
    expect(app.activeId).toBe(9);
  });

  it("sets a reminder and notes its time", async () => {
    const due = today(15, 30);
    api.remindIfUnread.mockResolvedValue(due);
    api.updateStep.mockResolvedValue(incidentView());
    await renderDetail(incidentView({ steps: [step({ id: "remind", kind: { kind: "remind_if_unread" }, draft: null, optional: true })] }));
    const s = stepEl("remind");
    expect(within(s).getByTestId("step-optional")).toBeTruthy();
    await fireEvent.change(within(s).getByTestId("step-remind-minutes"), { target: { value: "30" } });
    await fireEvent.click(within(s).getByTestId("step-remind"));
    await vi.waitFor(() => expect(api.updateStep).toHaveBeenCalled());
    expect(api.remindIfUnread).toHaveBeenCalledWith(42, 30, INCIDENT_ID);
    expect(api.updateStep).toHaveBeenCalledWith(INCIDENT_ID, "remind", expect.objectContaining({ status: "done", note: "Reminder at 15:30" }));
  });

  it("marks a rotated secret done with a note, skips and undoes steps", async () => {
    const rotate = step({ id: "rotate-0", kind: { kind: "rotate_secret", finding: "aws_access_key", masked: "AKIA…B4NM" }, draft: null });
    const report = step({ id: "report-block", kind: { kind: "report_and_block" }, draft: null, optional: true });
    await renderDetail(incidentView({ case: "sensitive", steps: [rotate, report] }));
    expect(within(stepEl("rotate-0")).getByTestId("step-secret").textContent).toBe("AKIA…B4NM");
    await fireEvent.input(within(stepEl("rotate-0")).getByTestId("step-note"), { target: { value: "Revoked in the AWS console" } });
    api.updateStep.mockResolvedValueOnce(
      incidentView({ case: "sensitive", steps: [{ ...rotate, status: "done", done_at: today(14, 30), note: "Revoked in the AWS console" }, report] }),
    );
    await fireEvent.click(within(stepEl("rotate-0")).getByTestId("step-done"));
    await vi.waitFor(() => expect(stepEl("rotate-0").dataset.status).toBe("done"));
    expect(api.updateStep).toHaveBeenLastCalledWith(INCIDENT_ID, "rotate-0", expect.objectContaining({ status: "done", note: "Revoked in the AWS console" }));
    expect(within(stepEl("rotate-0")).getByTestId("step-note-text").textContent).toBe("Revoked in the AWS console");

    // Report and block offers only done and skip.
    const r = stepEl("report-block");
    expect(within(r).queryByTestId("step-send")).toBeNull();
    api.updateStep.mockResolvedValueOnce(
      incidentView({ case: "sensitive", steps: [{ ...rotate, status: "done", done_at: today(14, 30) }, { ...report, status: "skipped", done_at: today(14, 31) }] }),
    );
    await fireEvent.click(within(r).getByTestId("step-skip"));
    await vi.waitFor(() => expect(stepEl("report-block").dataset.status).toBe("skipped"));
    expect(api.updateStep).toHaveBeenLastCalledWith(INCIDENT_ID, "report-block", expect.objectContaining({ status: "skipped" }));

    api.updateStep.mockResolvedValueOnce(incidentView({ case: "sensitive", steps: [{ ...rotate, status: "done", done_at: today(14, 30) }, report] }));
    await fireEvent.click(within(stepEl("report-block")).getByTestId("step-undo"));
    await vi.waitFor(() => expect(stepEl("report-block").dataset.status).toBe("todo"));
    expect(api.updateStep).toHaveBeenLastCalledWith(INCIDENT_ID, "report-block", expect.objectContaining({ status: "todo" }));
  });

  it("closes an incident and shows it resolved", async () => {
    await renderDetail(incidentView());
    api.closeIncident.mockResolvedValue(incidentView({ resolved_at: today(14, 40), closed_early: true }));
    await fireEvent.click(screen.getByTestId("close-incident"));
    await vi.waitFor(() => expect(screen.getByTestId("incident-detail").dataset.resolved).toBe("true"));
    expect(api.closeIncident).toHaveBeenCalledWith(INCIDENT_ID);
    expect(screen.getByTestId("incident-resolved").textContent).toContain("Closed at 14:40 with 1 step left undone");
    expect(screen.queryByTestId("close-incident")).toBeNull();
  });

  it("shows a resolved incident with its time", async () => {
    await renderDetail(incidentView({ resolved_at: today(14, 50), steps: [step({ status: "done", done_at: today(14, 50) })] }));
    expect(screen.getByTestId("incident-detail").dataset.resolved).toBe("true");
    expect(screen.getByTestId("incident-resolved").textContent).toContain("Resolved at 14:50");
  });
});

describe("Navigation", () => {
  it("lists incidents, open first, and shows the chosen one", async () => {
    const open = incident();
    const done = incident({ id: "resolved-1", case: "tone", resolved_at: today(13, 0), updated_at: today(15, 0) });
    app.incidents = [done, open];
    api.getIncident.mockImplementation(async (id: string) =>
      id === INCIDENT_ID ? incidentView() : incidentView({ id: "resolved-1", case: "tone", resolved_at: today(13, 0) }),
    );
    render(IncidentsView);
    const items = screen.getAllByTestId("incident-item");
    expect(items.map((i) => i.dataset.incidentId)).toEqual([INCIDENT_ID, "resolved-1"]);
    expect(items[0].getAttribute("aria-current")).toBe("true");
    await vi.waitFor(() => expect(screen.getByTestId("incident-detail").dataset.incidentId).toBe(INCIDENT_ID));
    await fireEvent.click(items[1]);
    expect(app.incidentId).toBe("resolved-1");
    await vi.waitFor(() => expect(screen.getByTestId("incident-detail").dataset.incidentId).toBe("resolved-1"));
  });

  it("explains how to start when there are none", () => {
    render(IncidentsView);
    expect(screen.getByTestId("incidents-empty").textContent).toContain("Something is wrong with this message");
  });

  it("shows the number of open incidents in the sidebar and opens the view", async () => {
    app.incidents = [incident(), incident({ id: "b" }), incident({ id: "c", resolved_at: 5 })];
    render(Sidebar);
    const button = screen.getByTestId("open-incidents");
    expect(screen.getByTestId("open-incidents-count").textContent).toBe("2");
    await fireEvent.click(button);
    expect(app.view).toBe("incidents");
  });

  it("refreshes the incident list when an incident changes", async () => {
    api.listIncidents.mockResolvedValue([incident()]);
    app.handle({ type: "incident_changed", id: INCIDENT_ID });
    await vi.waitFor(() => expect(app.incidents.map((i) => i.id)).toEqual([INCIDENT_ID]));
    expect(app.openIncidents).toBe(1);
  });
});

describe("Settings", () => {
  it("saves whether urgent notices break through do-not-disturb", async () => {
    render(SettingsView);
    const box = screen.getByTestId("setting-urgent-dnd") as HTMLInputElement;
    expect(box.checked).toBe(true);
    await fireEvent.click(box);
    expect(api.saveSettings).toHaveBeenCalledWith(expect.objectContaining({ urgent_breaks_dnd: false }));
  });
});

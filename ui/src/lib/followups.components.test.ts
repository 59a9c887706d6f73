// Follow-ups in jsdom, with the IPC layer mocked: the actions menu on your
// own messages, the follow-up dialog (correction, "please disregard",
// apology) and what reaches `api`, follow-ups attached beneath the original,
// the original quoted above a follow-up, and the Sending settings.
import { cleanup, fireEvent, render, screen, within } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Annotation } from "./bindings/Annotation";
import type { MessageView } from "./bindings/MessageView";
import type { SendCheck } from "./bindings/SendCheck";

const { api } = vi.hoisted(() => ({
  api: {
    sessionState: vi.fn(),
    listConversations: vi.fn(async () => []),
    listConnections: vi.fn(async () => []),
    getSettings: vi.fn(),
    saveSettings: vi.fn(async () => null),
    updateProfile: vi.fn(),
    signOut: vi.fn(async () => null),
    sendMessage: vi.fn(async () => "client-id"),
    checkSend: vi.fn(),
  },
}));

vi.mock("./api", () => ({
  api,
  onClientEvent: vi.fn(async () => () => {}),
  onOpenConversation: vi.fn(async () => () => {}),
  toIpcError: (e: unknown) => e,
}));

import FollowUpDialog from "./components/FollowUpDialog.svelte";
import MessageRow, { closeFollowUp } from "./components/MessageRow.svelte";
import SettingsView from "./components/SettingsView.svelte";
import { errorSentence } from "./errors";
import { correctionBody } from "./followup";
import { app, DEFAULT_SETTINGS } from "./state.svelte";

// Today, so times show as a clock.
const today = (h: number, m: number) => {
  const d = new Date();
  return new Date(d.getFullYear(), d.getMonth(), d.getDate(), h, m).getTime();
};

const ME = { user_id: 1, handle: "alice", display_name: "Alice Martin", headline: "", phone: null };

function check(over: Partial<SendCheck> = {}): SendCheck {
  return {
    findings: [],
    tone: [],
    cards: [],
    recipients: [{ user_id: 2, handle: "bob", display_name: "Bob Stone", headline: "", phone: null }],
    hold_seconds: 10,
    read_it_over: false,
    ...over,
  };
}

const CARD_FINDING = {
  kind: "payment_card" as const,
  label: "Payment card number",
  start: 0,
  end: 19,
  masked: "•••• •••• •••• 4242",
  explanation: "A card number lets anyone who reads it pay with the card.",
  advice: "Ask the bank to block the card if it was shared by mistake.",
};

function message(over: Partial<MessageView> = {}): MessageView {
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

function annotation(over: Partial<Annotation> = {}): Annotation {
  return {
    kind: "correction",
    message_id: 50,
    seq: 9,
    sender_name: "Alice Martin",
    mine: true,
    server_time: today(14, 10),
    body: "Sorry, wrong figure",
    correction: { what_was_wrong: "The budget said 40k", correct_information: "The budget is 44k" },
    state: "read",
    ...over,
  };
}

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

beforeEach(() => {
  app.me = { ...ME };
  app.settings = { ...DEFAULT_SETTINGS };
  app.settingsError = null;
  app.now = Date.now();
  api.checkSend.mockResolvedValue(check());
});

afterEach(() => {
  closeFollowUp();
  cleanup();
  vi.clearAllMocks();
});

describe("MessageRow actions", () => {
  it("offers a labelled actions button; follow-ups on my messages only, report and block on others'", async () => {
    render(MessageRow, { props: { message: message(), onjump: () => {} } });
    const button = screen.getByTestId("message-actions");
    expect(button.getAttribute("aria-label")).toBe("Message actions");
    expect(button.getAttribute("aria-haspopup")).toBe("menu");
    expect(button.getAttribute("aria-expanded")).toBe("false");
    expect(button.tagName).toBe("BUTTON");
    cleanup();
    render(MessageRow, { props: { message: message({ mine: false, sender: 2, sender_name: "Bob Stone" }), onjump: () => {} } });
    await fireEvent.click(screen.getByTestId("message-actions"));
    const items = within(screen.getByRole("menu")).getAllByRole("menuitem");
    expect(items.map((i) => i.dataset.testid)).toEqual(["action-report", "action-block"]);
  });

  it("offers no follow-ups on my own retraction or apology, only a guided repair, but does on a correction", async () => {
    for (const kind of ["retraction", "apology"] as const) {
      render(MessageRow, { props: { message: message({ kind, reference: 1 }), onjump: () => {} } });
      await fireEvent.click(screen.getByTestId("message-actions"));
      const items = within(screen.getByRole("menu")).getAllByRole("menuitem");
      expect(items.map((i) => i.dataset.testid)).toEqual(["action-something-wrong"]);
      cleanup();
    }
    render(MessageRow, {
      props: {
        message: message({
          kind: "correction",
          reference: 1,
          correction: { what_was_wrong: "a", correct_information: "b" },
        }),
        onjump: () => {},
      },
    });
    expect(screen.getByTestId("message-actions")).toBeTruthy();
  });

  it("opens a menu of a guided repair and three follow-ups, moves with the arrow keys and closes on Escape", async () => {
    render(MessageRow, { props: { message: message(), onjump: () => {} } });
    const button = screen.getByTestId("message-actions");
    await fireEvent.click(button);
    expect(button.getAttribute("aria-expanded")).toBe("true");
    const menu = screen.getByRole("menu");
    const items = within(menu).getAllByRole("menuitem");
    expect(items.map((i) => i.textContent?.trim())).toEqual([
      "Something is wrong with this message",
      "Send a correction",
      "Ask them to disregard it",
      "Apologise",
    ]);
    expect(items.map((i) => i.dataset.testid)).toEqual([
      "action-something-wrong",
      "action-correct",
      "action-retract",
      "action-apologise",
    ]);
    await vi.waitFor(() => expect(document.activeElement).toBe(items[0]));
    await fireEvent.keyDown(menu, { key: "ArrowDown" });
    expect(document.activeElement).toBe(items[1]);
    await fireEvent.keyDown(menu, { key: "ArrowUp" });
    await fireEvent.keyDown(menu, { key: "ArrowUp" });
    expect(document.activeElement).toBe(items[3]);
    await fireEvent.keyDown(menu, { key: "Escape" });
    expect(screen.queryByRole("menu")).toBeNull();
    expect(document.activeElement).toBe(button);
    // The keyboard opens it too.
    await fireEvent.keyDown(button, { key: "ArrowDown" });
    expect(screen.getByRole("menu")).toBeTruthy();
  });

  it("opens the correction dialog for the message, outside the row", async () => {
    const { container } = render(MessageRow, { props: { message: message(), onjump: () => {} } });
    await fireEvent.click(screen.getByTestId("message-actions"));
    await fireEvent.click(screen.getByTestId("action-correct"));
    expect(screen.queryByRole("menu")).toBeNull();
    const dialog = await screen.findByTestId("followup-dialog");
    expect(container.contains(dialog)).toBe(false);
    expect(within(dialog).getByText("The budget is 40k")).toBeTruthy();
    expect(within(dialog).getByTestId("correction-wrong")).toBeTruthy();
    await fireEvent.click(within(dialog).getByTestId("followup-cancel"));
    await vi.waitFor(() => expect(screen.queryByTestId("followup-dialog")).toBeNull());
  });

  it("opens the retraction dialog prefilled with my wording", async () => {
    app.settings = { ...DEFAULT_SETTINGS, retraction_template: "Please ignore that, it was for someone else." };
    render(MessageRow, { props: { message: message(), onjump: () => {} } });
    await fireEvent.click(screen.getByTestId("message-actions"));
    await fireEvent.click(screen.getByTestId("action-retract"));
    const body = (await screen.findByTestId("followup-body")) as HTMLTextAreaElement;
    expect(body.value).toBe("Please ignore that, it was for someone else.");
  });
});

describe("Follow-ups attached beneath the original", () => {
  it("shows a correction's fields, who sent it, whether it was read, and links to it", async () => {
    const onjump = vi.fn();
    render(MessageRow, { props: { message: message({ annotations: [annotation()] }), onjump } });
    const box = screen.getByTestId("attached-followup");
    expect(box.dataset.kind).toBe("correction");
    expect(within(box).getByText("Corrected")).toBeTruthy();
    expect(within(box).getByText("What was wrong")).toBeTruthy();
    expect(within(box).getByText("The budget said 40k")).toBeTruthy();
    expect(within(box).getByText("Correct information")).toBeTruthy();
    expect(within(box).getByText("The budget is 44k")).toBeTruthy();
    expect(within(box).getByText("Sorry, wrong figure")).toBeTruthy();
    expect(box.textContent).toContain("You,");
    expect(box.textContent).toContain("14:10");
    expect(within(box).getByTestId("attached-followup-state").textContent).toContain("Read");
    await fireEvent.click(within(box).getByText("Go to correction"));
    expect(onjump).toHaveBeenCalledWith(50);
  });

  it("does not repeat a correction text that was built from its fields", () => {
    const fields = { what_was_wrong: "The budget said 40k", correct_information: "The budget is 44k" };
    render(MessageRow, {
      props: { message: message({ annotations: [annotation({ body: correctionBody(fields), correction: fields })] }), onjump: () => {} },
    });
    expect(screen.getByTestId("attached-followup").textContent).not.toContain("Correction to my earlier message");
  });

  it("keeps a retracted message readable but marked, with the notice beneath it", () => {
    render(MessageRow, {
      props: {
        message: message({
          mine: false,
          sender: 2,
          sender_name: "Bob Stone",
          annotations: [
            annotation({ kind: "apology", message_id: 61, seq: 11, mine: false, sender_name: "Bob Stone", body: "Sorry about that.", correction: null }),
            annotation({
              kind: "retraction",
              message_id: 60,
              seq: 10,
              mine: false,
              sender_name: "Bob Stone",
              body: "Please disregard my earlier message.",
              correction: null,
              state: "sent",
            }),
          ],
        }),
        onjump: () => {},
      },
    });
    const row = screen.getByTestId("message");
    expect(row.classList.contains("retracted")).toBe(true);
    expect(row.getAttribute("aria-label")).toContain("retracted");
    expect(screen.getByTestId("message-body").textContent).toBe("The budget is 40k");
    const boxes = screen.getAllByTestId("attached-followup");
    // Most serious first.
    expect(boxes.map((b) => b.dataset.kind)).toEqual(["retraction", "apology"]);
    expect(within(boxes[0]).getByText("Retracted: please disregard")).toBeTruthy();
    expect(within(boxes[0]).getByText("Please disregard my earlier message.")).toBeTruthy();
    expect(boxes[0].textContent).toContain("Bob Stone");
    // Someone else's follow-up: no delivery state.
    expect(within(boxes[0]).queryByTestId("attached-followup-state")).toBeNull();
    expect(within(boxes[1]).getByText("Go to apology")).toBeTruthy();
  });

  it("renders follow-up text as text", () => {
    const { container } = render(MessageRow, {
      props: {
        message: message({ annotations: [annotation({ kind: "apology", correction: null, body: "<b>sorry</b><img src=x>" })] }),
        onjump: () => {},
      },
    });
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("b")).toBeNull();
    expect(screen.getByText("<b>sorry</b><img src=x>")).toBeTruthy();
  });
});

describe("A follow-up quotes the original", () => {
  const referenced = {
    id: 40,
    sender: 2,
    sender_name: "Bob Stone",
    kind: "text" as const,
    body: "Line one\nLine two\nLine three\nLine four",
    server_time: today(14, 2),
  };

  it("names the original and jumps to it", async () => {
    const onjump = vi.fn();
    render(MessageRow, {
      props: {
        message: message({
          id: 44,
          mine: false,
          sender: 2,
          sender_name: "Bob Stone",
          server_time: today(14, 20),
          kind: "correction",
          reference: 40,
          body: "Sorry",
          correction: { what_was_wrong: "a", correct_information: "b" },
          referenced,
        }),
        onjump,
      },
    });
    const quote = screen.getByTestId("referenced-quote");
    expect(quote.textContent).toContain("Corrects Bob Stone's message of 14:02");
    expect(quote.textContent).toContain("Line one\nLine two\nLine three…");
    expect(quote.textContent).not.toContain("Line four");
    expect(screen.queryByText(/Refers to an earlier message/)).toBeNull();
    await fireEvent.click(quote);
    expect(onjump).toHaveBeenCalledWith(40);
  });

  it("says 'your message' when the original is mine, per kind", () => {
    render(MessageRow, {
      props: {
        message: message({
          mine: false,
          sender: 2,
          sender_name: "Bob Stone",
          kind: "urgent",
          reference: 40,
          referenced: { ...referenced, sender: ME.user_id, sender_name: ME.display_name, body: "<script>x()</script>" },
        }),
        onjump: () => {},
      },
    });
    const quote = screen.getByTestId("referenced-quote");
    expect(quote.textContent).toContain("Urgent follow-up to your message of 14:02");
    expect(quote.querySelector("script")).toBeNull();
    expect(quote.textContent).toContain("<script>x()</script>");
  });
});

describe("FollowUpDialog", () => {
  const original = message();

  function renderDialog(kind: "correction" | "retraction" | "apology") {
    const onclose = vi.fn();
    const onsent = vi.fn();
    render(FollowUpDialog, { props: { original, kind, onclose, onsent } });
    return { onclose, onsent };
  }

  it("quotes the original and explains the link and the hold", () => {
    app.settings = { ...DEFAULT_SETTINGS, hold_seconds: 20 };
    renderDialog("correction");
    const dialog = screen.getByTestId("followup-dialog");
    expect(within(dialog).getByTestId("followup-original").textContent).toContain("Alice Martin");
    expect(within(dialog).getByTestId("followup-original").textContent).toContain("14:02");
    expect(within(dialog).getByTestId("followup-original-text").textContent).toBe("The budget is 40k");
    const explanation = within(dialog).getByTestId("followup-explanation").textContent ?? "";
    expect(explanation).toContain("linked to the message");
    expect(explanation).toContain("both sides");
    expect(explanation).toContain("20 s");
    expect(explanation).toContain("cancel");
  });

  it("clamps a long original to its first lines", () => {
    const long = Array.from({ length: 12 }, (_, i) => `Line ${i + 1}`).join("\n");
    render(FollowUpDialog, { props: { original: message({ body: long }), kind: "apology", onclose: () => {} } });
    const text = screen.getByTestId("followup-original-text");
    expect(text.textContent).toBe("Line 1\nLine 2\nLine 3\nLine 4\nLine 5\nLine 6");
    expect(text.classList.contains("faded")).toBe(true);
    expect(screen.getByText("Show the whole message")).toBeTruthy();
  });

  it("requires both correction fields before anything is checked or sent", async () => {
    renderDialog("correction");
    await fireEvent.click(screen.getByTestId("followup-send"));
    expect(screen.getByText("Say what was wrong in your message.")).toBeTruthy();
    expect(screen.getByText("Give the correct information.")).toBeTruthy();
    expect(screen.getByTestId("correction-wrong").getAttribute("aria-invalid")).toBe("true");
    expect(api.checkSend).not.toHaveBeenCalled();
    expect(api.sendMessage).not.toHaveBeenCalled();
  });

  it("checks, then sends a correction linked to the original, and closes", async () => {
    const { onclose, onsent } = renderDialog("correction");
    await fireEvent.input(screen.getByTestId("correction-wrong"), { target: { value: "The budget said 40k" } });
    await fireEvent.input(screen.getByTestId("correction-right"), { target: { value: "The budget is 44k" } });
    const body = correctionBody({ what_was_wrong: "The budget said 40k", correct_information: "The budget is 44k" });
    expect(screen.getByTestId("correction-preview").textContent).toBe(body);
    await fireEvent.click(screen.getByTestId("followup-send"));
    await vi.waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(api.checkSend).toHaveBeenLastCalledWith(3, body);
    expect(api.sendMessage).toHaveBeenCalledWith(3, {
      kind: "correction",
      reference: 42,
      body,
      correction: { what_was_wrong: "The budget said 40k", correct_information: "The budget is 44k" },
      allow_sensitive: false,
    });
    expect(onsent).toHaveBeenCalled();
  });

  it("sends the note as the text and checks the fields too", async () => {
    const { onclose } = renderDialog("correction");
    await fireEvent.input(screen.getByTestId("correction-wrong"), { target: { value: "40k" } });
    await fireEvent.input(screen.getByTestId("correction-right"), { target: { value: "44k" } });
    await fireEvent.input(screen.getByTestId("correction-note"), { target: { value: "Sorry, I misread the sheet." } });
    await fireEvent.click(screen.getByTestId("followup-send"));
    await vi.waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(api.checkSend).toHaveBeenLastCalledWith(3, "Sorry, I misread the sheet.\n40k\n44k");
    expect(api.sendMessage).toHaveBeenCalledWith(
      3,
      expect.objectContaining({ kind: "correction", reference: 42, body: "Sorry, I misread the sheet." }),
    );
  });

  it("sends an edited retraction and an apology from the templates", async () => {
    const first = renderDialog("retraction");
    const box = screen.getByTestId("followup-body") as HTMLTextAreaElement;
    expect(box.value).toBe(DEFAULT_SETTINGS.retraction_template);
    await fireEvent.input(box, { target: { value: "Please disregard: wrong file." } });
    await fireEvent.click(screen.getByTestId("followup-send"));
    await vi.waitFor(() => expect(first.onclose).toHaveBeenCalled());
    expect(api.sendMessage).toHaveBeenLastCalledWith(3, {
      kind: "retraction",
      reference: 42,
      body: "Please disregard: wrong file.",
      correction: null,
      allow_sensitive: false,
    });
    cleanup();
    const second = renderDialog("apology");
    expect((screen.getByTestId("followup-body") as HTMLTextAreaElement).value).toBe(DEFAULT_SETTINGS.apology_template);
    await fireEvent.click(screen.getByTestId("followup-send"));
    await vi.waitFor(() => expect(second.onclose).toHaveBeenCalled());
    expect(api.sendMessage).toHaveBeenLastCalledWith(
      3,
      expect.objectContaining({ kind: "apology", reference: 42, body: DEFAULT_SETTINGS.apology_template }),
    );
  });

  it("does not send an empty text", async () => {
    renderDialog("apology");
    await fireEvent.input(screen.getByTestId("followup-body"), { target: { value: "   " } });
    await fireEvent.click(screen.getByTestId("followup-send"));
    expect(screen.getByText("Write a few words to send.")).toBeTruthy();
    expect(api.sendMessage).not.toHaveBeenCalled();
  });

  it("shows sensitive data and sends only on Send anyway", async () => {
    api.checkSend.mockResolvedValue(check({ findings: [CARD_FINDING] }));
    const { onclose } = renderDialog("correction");
    await fireEvent.input(screen.getByTestId("correction-wrong"), { target: { value: "The card" } });
    await fireEvent.input(screen.getByTestId("correction-right"), { target: { value: "4242 4242 4242 4242" } });
    await fireEvent.click(screen.getByTestId("followup-send"));
    const finding = await screen.findByTestId("followup-finding");
    expect(finding.dataset.kind).toBe("payment_card");
    expect(finding.textContent).toContain("Payment card number");
    expect(finding.textContent).toContain("•••• •••• •••• 4242");
    expect(finding.textContent).toContain(CARD_FINDING.explanation);
    expect(finding.textContent).toContain(CARD_FINDING.advice);
    expect(api.sendMessage).not.toHaveBeenCalled();
    expect(screen.queryByTestId("followup-send")).toBeNull();
    await fireEvent.click(screen.getByTestId("followup-send-anyway"));
    await vi.waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(api.sendMessage).toHaveBeenCalledWith(3, expect.objectContaining({ kind: "correction", allow_sensitive: true }));
  });

  it("asks again when the text changes after sensitive data was shown", async () => {
    api.checkSend.mockResolvedValue(check({ findings: [CARD_FINDING] }));
    renderDialog("apology");
    await fireEvent.click(screen.getByTestId("followup-send"));
    await screen.findByTestId("followup-send-anyway");
    await fireEvent.input(screen.getByTestId("followup-body"), { target: { value: "Different text" } });
    expect(screen.queryByTestId("followup-send-anyway")).toBeNull();
    expect(screen.getByTestId("followup-send")).toBeTruthy();
  });

  it("shows tone hints without holding the message back", async () => {
    api.checkSend.mockResolvedValue(
      check({
        tone: [{ kind: "shouting", excerpt: "SORRY", explanation: "Capitals read as shouting.", suggestion: "Try lower case." }],
      }),
    );
    const { onclose } = renderDialog("apology");
    // Checked as it is written: the hint shows before Send is pressed.
    const hint = await screen.findByTestId("followup-tone-hint", {}, { timeout: 2000 });
    expect(hint.dataset.kind).toBe("shouting");
    expect(hint.textContent).toContain("Capitals read as shouting.");
    expect(hint.textContent).toContain("Try lower case.");
    expect(screen.getByTestId("followup-recipients").textContent).toContain("Bob Stone");
    await fireEvent.click(screen.getByTestId("followup-send"));
    await vi.waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(api.sendMessage).toHaveBeenCalledWith(3, expect.objectContaining({ kind: "apology", allow_sensitive: false }));
  });

  it("asks for a second press when 'Read it over' is on", async () => {
    api.checkSend.mockResolvedValue(check({ read_it_over: true }));
    const { onclose } = renderDialog("retraction");
    await fireEvent.click(screen.getByTestId("followup-send"));
    expect((await screen.findByTestId("followup-read-over")).textContent).toContain("Bob Stone");
    expect(api.sendMessage).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByTestId("followup-send"));
    await vi.waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(api.sendMessage).toHaveBeenCalledTimes(1);
  });

  it("keeps the dialog open and explains when sending fails", async () => {
    api.sendMessage.mockRejectedValueOnce({ code: "reference_not_own", message: "x" });
    const { onclose } = renderDialog("retraction");
    await fireEvent.click(screen.getByTestId("followup-send"));
    expect((await screen.findByTestId("followup-error")).textContent).toBe(errorSentence("reference_not_own"));
    expect(onclose).not.toHaveBeenCalled();
    expect((screen.getByTestId("followup-body") as HTMLTextAreaElement).value).toBe(DEFAULT_SETTINGS.retraction_template);
  });

  it("shows the findings when the send itself refuses sensitive data", async () => {
    api.checkSend.mockResolvedValueOnce(check()).mockResolvedValue(check({ findings: [CARD_FINDING] }));
    api.sendMessage.mockRejectedValueOnce({ code: "sensitive_data", message: "x" });
    renderDialog("apology");
    await fireEvent.click(screen.getByTestId("followup-send"));
    expect(await screen.findByTestId("followup-send-anyway")).toBeTruthy();
    expect(screen.getByTestId("followup-finding")).toBeTruthy();
  });
});

describe("Settings: Sending", () => {
  it("shows and saves the hold window", async () => {
    render(SettingsView);
    const select = screen.getByTestId("setting-hold") as HTMLSelectElement;
    expect(select.value).toBe("10");
    expect(Array.from(select.options).map((o) => [o.value, o.textContent?.trim()])).toEqual([
      ["0", "Send at once"],
      ["5", "5 seconds"],
      ["10", "10 seconds"],
      ["20", "20 seconds"],
      ["30", "30 seconds"],
      ["60", "60 seconds"],
      ["120", "120 seconds"],
    ]);
    await fireEvent.change(select, { target: { value: "0" } });
    expect(api.saveSettings).toHaveBeenLastCalledWith({ ...DEFAULT_SETTINGS, hold_seconds: 0 });
    expect(app.settings.hold_seconds).toBe(0);
  });

  it("turns reading over on", async () => {
    render(SettingsView);
    const box = screen.getByTestId("setting-read-it-over") as HTMLInputElement;
    expect(box.checked).toBe(false);
    expect(screen.getByText(/recipients and anything sensitive/)).toBeTruthy();
    await fireEvent.click(box);
    expect(api.saveSettings).toHaveBeenLastCalledWith({ ...DEFAULT_SETTINGS, read_it_over: true });
  });

  it("saves edited wording when the field is left, and restores the default", async () => {
    render(SettingsView);
    const retraction = screen.getByTestId("setting-retraction-template") as HTMLTextAreaElement;
    const apology = screen.getByTestId("setting-apology-template") as HTMLTextAreaElement;
    expect(retraction.value).toBe(DEFAULT_SETTINGS.retraction_template);
    expect(apology.value).toBe(DEFAULT_SETTINGS.apology_template);
    const restore = screen.getByTestId("setting-apology-template-restore") as HTMLButtonElement;
    expect(restore.disabled).toBe(true);

    await fireEvent.input(apology, { target: { value: "  My apologies for that message.  " } });
    await fireEvent.change(apology);
    await vi.waitFor(() =>
      expect(api.saveSettings).toHaveBeenLastCalledWith({ ...DEFAULT_SETTINGS, apology_template: "My apologies for that message." }),
    );
    expect(app.settings.apology_template).toBe("My apologies for that message.");
    expect(restore.disabled).toBe(false);

    await fireEvent.click(restore);
    await vi.waitFor(() => expect(api.saveSettings).toHaveBeenLastCalledWith({ ...DEFAULT_SETTINGS }));
    expect(apology.value).toBe(DEFAULT_SETTINGS.apology_template);
  });

  it("refuses empty wording without saving it", async () => {
    render(SettingsView);
    const retraction = screen.getByTestId("setting-retraction-template");
    await fireEvent.input(retraction, { target: { value: "   " } });
    await fireEvent.change(retraction);
    expect(screen.getByText(/wording can't be empty/)).toBeTruthy();
    expect(api.saveSettings).not.toHaveBeenCalled();
  });
});

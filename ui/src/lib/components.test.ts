// Component behaviour in jsdom, with the IPC layer mocked: what a user
// sees and what reaches `api`.
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { MessageView } from "./bindings/MessageView";
import type { PendingMessage } from "./bindings/PendingMessage";
import type { SendCheck } from "./bindings/SendCheck";

const { api } = vi.hoisted(() => ({
  api: {
    sessionState: vi.fn(),
    signIn: vi.fn(),
    signUp: vi.fn(),
    listConversations: vi.fn(async () => []),
    listConnections: vi.fn(async () => []),
    getSettings: vi.fn(),
    saveDraft: vi.fn(async () => null),
    getDraft: vi.fn(async () => ""),
    sendMessage: vi.fn(async () => "client-id"),
    checkSend: vi.fn(async (): Promise<SendCheck> => ({
      findings: [],
      tone: [],
      cards: [],
      recipients: [{ user_id: 2, handle: "bob", display_name: "Bob Stone", headline: "", phone: null }],
      hold_seconds: 10,
      read_it_over: false,
    })),
    cancelPending: vi.fn(async () => "taken back"),
    sendNow: vi.fn(async () => null),
  },
}));

vi.mock("./api", () => ({
  api,
  onClientEvent: vi.fn(async () => () => {}),
  onOpenConversation: vi.fn(async () => () => {}),
  toIpcError: (e: unknown) => e,
}));

import Composer from "./components/Composer.svelte";
import PendingRow from "./components/PendingRow.svelte";
import MessageRow from "./components/MessageRow.svelte";
import Setup from "./components/Setup.svelte";
import { errorSentence } from "./errors";
import { app } from "./state.svelte";

afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

describe("Setup", () => {
  beforeEach(() => {
    app.session = {
      signed_in: false,
      me: null,
      status: { state: "signed_out" },
      default_server_url: "https://candor.example.com",
      device_name: "alice-laptop",
      has_history: true,
    };
    app.signedOutNotice = null;
  });

  it("prefills the server and device, and says the history is kept", () => {
    render(Setup);
    expect((screen.getByTestId("server-url") as HTMLInputElement).value).toBe("https://candor.example.com");
    expect((screen.getByTestId("device-name") as HTMLInputElement).value).toBe("alice-laptop");
    expect(screen.getByText(/history on this device is kept/)).toBeTruthy();
    expect((screen.getByTestId("handle") as HTMLInputElement).value).toBe("");
    expect(screen.queryByTestId("display-name")).toBeNull();
  });

  it("offers the account whose history this device keeps", () => {
    app.session = {
      ...app.session!,
      me: { user_id: 1, handle: "alice", display_name: "Alice Martin", headline: "", phone: null },
    };
    render(Setup);
    expect((screen.getByTestId("handle") as HTMLInputElement).value).toBe("alice");
    expect(screen.getByText(/Alice Martin \(@alice\) on this device is kept/)).toBeTruthy();
  });

  it("shows the sentence for the error code when sign-in fails", async () => {
    api.signIn.mockRejectedValueOnce({ code: "invalid_credentials", message: "offline" });
    render(Setup);
    await fireEvent.input(screen.getByTestId("handle"), { target: { value: "@Alice" } });
    await fireEvent.input(screen.getByTestId("password"), { target: { value: "wrong" } });
    await fireEvent.click(screen.getByTestId("submit-auth"));
    const error = await screen.findByTestId("auth-error");
    expect(error.textContent).toBe(errorSentence("invalid_credentials"));
    expect(api.signIn).toHaveBeenCalledWith("https://candor.example.com", "alice", "wrong", "alice-laptop");
  });

  it("asks for 10 characters when creating an account, before calling the server", async () => {
    render(Setup);
    await fireEvent.click(screen.getByTestId("mode-sign-up"));
    await fireEvent.input(screen.getByTestId("handle"), { target: { value: "alice" } });
    await fireEvent.input(screen.getByTestId("display-name"), { target: { value: "Alice Martin" } });
    await fireEvent.input(screen.getByTestId("password"), { target: { value: "short" } });
    expect(screen.getByText(/5 more characters needed/)).toBeTruthy();
    await fireEvent.click(screen.getByTestId("submit-auth"));
    expect(screen.getByTestId("auth-error").textContent).toMatch(/at least 10 characters/);
    expect(api.signUp).not.toHaveBeenCalled();
  });
});

function message(over: Partial<MessageView> = {}): MessageView {
  return {
    id: 42,
    conversation_id: 1,
    seq: 7,
    sender: 2,
    sender_name: "Bob Stone",
    mine: false,
    client_id: "c",
    server_time: new Date(2024, 2, 14, 9, 5).getTime(),
    kind: "text",
    reference: null,
    body: "Hello",
    correction: null,
    state: "sent",
    verified: true,
    annotations: [],
    referenced: null,
    findings: [],
    ...over,
  };
}

describe("MessageRow", () => {
  it("renders the body as text, never as HTML", () => {
    const { container } = render(MessageRow, {
      props: { message: message({ body: '<img src=x onerror="alert(1)"><script>x()</script>' }), onjump: () => {} },
    });
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("script")).toBeNull();
    expect(screen.getByTestId("message-body").textContent).toBe('<img src=x onerror="alert(1)"><script>x()</script>');
    const row = screen.getByTestId("message");
    expect(row.dataset.messageId).toBe("42");
    expect(row.dataset.seq).toBe("7");
    expect(row.textContent).toContain("Bob Stone");
    expect(row.textContent).toContain("09:05");
  });

  it("shows a correction's fields and links back to the original", async () => {
    const onjump = vi.fn();
    render(MessageRow, {
      props: {
        message: message({
          kind: "correction",
          reference: 40,
          body: "Sorry for the confusion",
          correction: { what_was_wrong: "The total said 40k", correct_information: "The total is 44k" },
        }),
        onjump,
      },
    });
    expect(screen.getByText("Correction")).toBeTruthy();
    expect(screen.getByText("What was wrong")).toBeTruthy();
    expect(screen.getByText("The total is 44k")).toBeTruthy();
    await fireEvent.click(screen.getByText(/Refers to an earlier message/));
    expect(onjump).toHaveBeenCalledWith(40);
  });

  it("links an annotated original to its follow-ups and shows my delivery state", async () => {
    const onjump = vi.fn();
    render(MessageRow, {
      props: {
        message: message({
          mine: true,
          state: "read",
          annotations: [
            {
              kind: "correction",
              message_id: 50,
              seq: 8,
              sender_name: "Bob Stone",
              mine: true,
              server_time: new Date(2024, 2, 14, 9, 6).getTime(),
              body: "Sorry for the confusion",
              correction: { what_was_wrong: "The total said 40k", correct_information: "The total is 44k" },
              state: "delivered",
            },
            {
              kind: "retraction",
              message_id: 51,
              seq: 9,
              sender_name: "Bob Stone",
              mine: true,
              server_time: new Date(2024, 2, 14, 9, 7).getTime(),
              body: "Please disregard my earlier message.",
              correction: null,
              state: "sent",
            },
          ],
        }),
        onjump,
      },
    });
    await fireEvent.click(screen.getByText("Go to correction"));
    expect(onjump).toHaveBeenCalledWith(50);
    await fireEvent.click(screen.getByText("Go to retraction"));
    expect(onjump).toHaveBeenCalledWith(51);
    expect(screen.getByLabelText("Read").textContent).toBe("✓✓");
  });

  it("labels urgent notices and retractions", () => {
    render(MessageRow, { props: { message: message({ kind: "urgent", reference: 1 }), onjump: () => {} } });
    expect(screen.getByText("Urgent")).toBeTruthy();
    cleanup();
    render(MessageRow, { props: { message: message({ kind: "retraction", reference: 1 }), onjump: () => {} } });
    expect(screen.getByText("Please disregard")).toBeTruthy();
  });
});

describe("Composer", () => {
  it("sends on Enter, not on Shift+Enter, and clears the draft", async () => {
    const onsent = vi.fn();
    render(Composer, { props: { conversationId: 5, title: "Bob Stone", onsent } });
    const box = screen.getByTestId("composer") as HTMLTextAreaElement;
    const send = screen.getByTestId("send-button") as HTMLButtonElement;
    expect(send.disabled).toBe(true);
    await fireEvent.input(box, { target: { value: "   " } });
    expect(send.disabled).toBe(true);
    await fireEvent.input(box, { target: { value: "Numbers attached" } });
    expect(send.disabled).toBe(false);
    await fireEvent.keyDown(box, { key: "Enter", shiftKey: true });
    expect(api.sendMessage).not.toHaveBeenCalled();
    await fireEvent.keyDown(box, { key: "Enter" });
    await vi.waitFor(() => expect(onsent).toHaveBeenCalled());
    expect(api.checkSend).toHaveBeenCalledWith(5, "Numbers attached");
    expect(api.sendMessage).toHaveBeenCalledWith(5, {
      kind: "text",
      reference: null,
      body: "Numbers attached",
      correction: null,
      allow_sensitive: false,
    });
    expect(box.value).toBe("");
    expect(api.saveDraft).toHaveBeenLastCalledWith(5, "");
  });

  it("does not send while an input method composes", async () => {
    render(Composer, { props: { conversationId: 5, title: "Bob Stone", onsent: () => {} } });
    const box = screen.getByTestId("composer");
    await fireEvent.input(box, { target: { value: "日本" } });
    await fireEvent.keyDown(box, { key: "Enter", isComposing: true });
    expect(api.sendMessage).not.toHaveBeenCalled();
  });

  it("restores the saved draft", async () => {
    api.getDraft.mockResolvedValueOnce("half-written thought");
    render(Composer, { props: { conversationId: 8, title: "Bob Stone", onsent: () => {} } });
    await vi.waitFor(() => expect((screen.getByTestId("composer") as HTMLTextAreaElement).value).toBe("half-written thought"));
    expect(api.getDraft).toHaveBeenCalledWith(8);
  });

  it("keeps the text and explains when sending fails", async () => {
    api.sendMessage.mockRejectedValueOnce({ code: "invalid_body", message: "x" });
    render(Composer, { props: { conversationId: 5, title: "Bob Stone", onsent: () => {} } });
    const box = screen.getByTestId("composer") as HTMLTextAreaElement;
    await fireEvent.input(box, { target: { value: "Hello" } });
    await fireEvent.click(screen.getByTestId("send-button"));
    expect((await screen.findByRole("alert")).textContent).toBe(errorSentence("invalid_body"));
    expect(box.value).toBe("Hello");
  });
});

const CARD_FINDING = {
  kind: "payment_card" as const,
  label: "Payment card number",
  start: 13,
  end: 32,
  masked: "4111 •••• •••• 1111",
  explanation: "This looks like a payment card number.",
  advice: "Share card details only through your payment system.",
};

describe("Composer checks before sending", () => {
  const base: SendCheck = {
    findings: [],
    tone: [],
    cards: [],
    recipients: [{ user_id: 2, handle: "bob", display_name: "Bob Stone", headline: "", phone: null }],
    hold_seconds: 10,
    read_it_over: false,
  };

  it("asks for Send anyway when the text holds sensitive data, and sends only then", async () => {
    api.checkSend.mockResolvedValue({ ...base, findings: [CARD_FINDING] });
    const onsent = vi.fn();
    render(Composer, { props: { conversationId: 5, title: "Bob Stone", onsent } });
    const box = screen.getByTestId("composer") as HTMLTextAreaElement;
    await fireEvent.input(box, { target: { value: "My card is 4111 1111 1111 1111" } });
    await fireEvent.click(screen.getByTestId("send-button"));
    const finding = await screen.findByTestId("finding");
    expect(finding.textContent).toContain("4111 •••• •••• 1111");
    expect(screen.queryByTestId("send-confirm")).toBeNull();
    expect(api.sendMessage).not.toHaveBeenCalled();
    // Back to editing keeps the text and sends nothing.
    await fireEvent.click(screen.getByTestId("send-check-back"));
    expect(screen.queryByTestId("send-check")).toBeNull();
    expect(box.value).toBe("My card is 4111 1111 1111 1111");
    expect(api.sendMessage).not.toHaveBeenCalled();
    // Send anyway sends it, saying so.
    await fireEvent.click(screen.getByTestId("send-button"));
    await fireEvent.click(await screen.findByTestId("send-anyway"));
    await vi.waitFor(() => expect(onsent).toHaveBeenCalled());
    expect(api.sendMessage).toHaveBeenCalledWith(5, expect.objectContaining({ allow_sensitive: true }));
    api.checkSend.mockReset();
  });

  it("shows the recipient card with each reason, then sends on Send", async () => {
    api.checkSend.mockResolvedValue({
      ...base,
      cards: [
        {
          profile: { user_id: 2, handle: "bob", display_name: "Bob Stone", headline: "Buyer at Northwind", phone: null },
          last_talked: null,
          reasons: [
            { rule: "first_message", message: "This is your first message to Bob Stone." },
            { rule: "similar_name", message: "Another connection is also called Bob: Bob Okafor (@bob.o)" },
          ],
        },
      ],
    });
    render(Composer, { props: { conversationId: 5, title: "Bob Stone", onsent: () => {} } });
    await fireEvent.input(screen.getByTestId("composer"), { target: { value: "Hello" } });
    await fireEvent.click(screen.getByTestId("send-button"));
    const card = await screen.findByTestId("recipient-card");
    expect(card.textContent).toContain("Buyer at Northwind");
    expect(card.textContent).toContain("You have not talked before");
    expect(screen.getAllByTestId("recipient-reason").map((r) => r.textContent)).toEqual([
      "This is your first message to Bob Stone.",
      "Another connection is also called Bob: Bob Okafor (@bob.o)",
    ]);
    await fireEvent.click(screen.getByTestId("send-confirm"));
    await vi.waitFor(() => expect(api.sendMessage).toHaveBeenCalledWith(5, expect.objectContaining({ allow_sensitive: false })));
    api.checkSend.mockReset();
  });

  it("shows tone hints while typing without blocking the send", async () => {
    api.checkSend.mockResolvedValue({
      ...base,
      tone: [{ kind: "shouting", excerpt: "SEND IT NOW", explanation: "Most of this is in capital letters, which reads as shouting.", suggestion: "Write it in normal case." }],
    });
    const onsent = vi.fn();
    render(Composer, { props: { conversationId: 5, title: "Bob Stone", onsent } });
    await fireEvent.input(screen.getByTestId("composer"), { target: { value: "SEND IT NOW" } });
    const hints = await screen.findByTestId("composer-hints", {}, { timeout: 2000 });
    expect(hints.textContent).toContain("reads as shouting");
    await fireEvent.click(screen.getByTestId("send-button"));
    await vi.waitFor(() => expect(onsent).toHaveBeenCalled());
    expect(screen.queryByTestId("send-check")).toBeNull();
    api.checkSend.mockReset();
  });

  it("takes back the text of a cancelled message", async () => {
    render(Composer, { props: { conversationId: 5, title: "Bob Stone", onsent: () => {} } });
    const box = screen.getByTestId("composer") as HTMLTextAreaElement;
    app.restoreText(6, "for another conversation");
    app.restoreText(5, "Please wire the deposit");
    await vi.waitFor(() => expect(box.value).toBe("Please wire the deposit"));
  });
});

describe("PendingRow", () => {
  const held: PendingMessage = {
    client_id: "0190a1b2-0000-7000-8000-000000000001",
    conversation_id: 5,
    kind: "text",
    reference: null,
    body: "Please wire the deposit",
    correction: null,
    state: "held",
    created_at: Date.now(),
    hold_until: Date.now() + 8_000,
    attempts: 0,
    error_code: null,
    error_message: null,
  };

  it("counts the hold down and offers Cancel and Send now", async () => {
    render(PendingRow, { props: { pending: held } });
    expect(screen.getByTestId("pending-state").textContent).toMatch(/Sending in [78] s/);
    await fireEvent.click(screen.getByTestId("pending-send-now"));
    expect(api.sendNow).toHaveBeenCalledWith(held.client_id);
  });

  it("hands a cancelled message's text back to its composer", async () => {
    render(PendingRow, { props: { pending: held } });
    await fireEvent.click(screen.getByTestId("pending-cancel"));
    expect(api.cancelPending).toHaveBeenCalledWith(held.client_id);
    await vi.waitFor(() => expect(app.restoredText?.text).toBe("taken back"));
    expect(app.restoredText?.conversationId).toBe(5);
  });

  it("offers no Cancel once the message is on its way", () => {
    render(PendingRow, { props: { pending: { ...held, state: "sending" } } });
    expect(screen.queryByTestId("pending-cancel")).toBeNull();
    expect(screen.queryByTestId("pending-send-now")).toBeNull();
  });
});

// Component behaviour in jsdom, with the IPC layer mocked: what a user
// sees and what reaches `api`.
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { MessageView } from "./bindings/MessageView";

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
  },
}));

vi.mock("./api", () => ({
  api,
  onClientEvent: vi.fn(async () => () => {}),
  onOpenConversation: vi.fn(async () => () => {}),
  toIpcError: (e: unknown) => e,
}));

import Composer from "./components/Composer.svelte";
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
            { kind: "correction", message_id: 50 },
            { kind: "retraction", message_id: 51 },
          ],
        }),
        onjump,
      },
    });
    await fireEvent.click(screen.getByText("Corrected — see correction"));
    expect(onjump).toHaveBeenCalledWith(50);
    await fireEvent.click(screen.getByText("Retracted"));
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
    expect(api.sendMessage).toHaveBeenCalledWith(5, "Numbers attached");
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

// The app state's reaction to the core's change events, with the IPC layer mocked.
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { ConversationSummary } from "./bindings/ConversationSummary";
import type { QueuedSafetyAction } from "./bindings/QueuedSafetyAction";
import type { SessionState } from "./bindings/SessionState";

const { api } = vi.hoisted(() => ({
  api: {
    sessionState: vi.fn(),
    listConversations: vi.fn(),
    listConnections: vi.fn(async () => []),
    getSettings: vi.fn(),
    saveSettings: vi.fn(async () => null),
    signOut: vi.fn(async () => null),
    listQueuedSafety: vi.fn(async (): Promise<QueuedSafetyAction[]> => []),
    discardQueuedSafety: vi.fn(async () => null),
  },
}));
vi.mock("./api", () => ({
  api,
  onClientEvent: vi.fn(async () => () => {}),
  onOpenConversation: vi.fn(async () => () => {}),
  toIpcError: (e: unknown) => e,
}));

import { errorSentence } from "./errors";
import { app, DEFAULT_SETTINGS } from "./state.svelte";

const me = { user_id: 1, handle: "alice", display_name: "Alice Martin", headline: "", phone: null };
const signedIn: SessionState = {
  signed_in: true,
  me,
  status: { state: "online" },
  default_server_url: "https://candor.example.com",
  device_name: "laptop",
  has_history: true,
};
const summary = (id: number, unread = 0): ConversationSummary => ({
  id,
  kind: "direct",
  title: `Conversation ${id}`,
  members: [me],
  last_message: null,
  last_activity: id,
  unread,
  urgent_unread: 0,
  pending: 0,
  integrity_alarm: false,
});

beforeEach(async () => {
  vi.clearAllMocks();
  api.sessionState.mockResolvedValue(signedIn);
  api.listConversations.mockResolvedValue([summary(1)]);
  api.getSettings.mockResolvedValue({ ...DEFAULT_SETTINGS });
  api.listQueuedSafety.mockResolvedValue([]);
  await app.start();
});

const bob = { user_id: 2, handle: "bob", display_name: "Bob Okafor", headline: "", phone: null };
const blockBob: QueuedSafetyAction = {
  id: 7,
  action: "block",
  person: bob,
  queued_at: 5,
  report: null,
  attempts: 0,
  sending: false,
  failure: null,
};

describe("app state", () => {
  it("starts on the main screen when signed in, with the list loaded", () => {
    expect(app.phase).toBe("main");
    expect(app.me?.handle).toBe("alice");
    expect(app.conversations.map((c) => c.id)).toEqual([1]);
    expect(app.status).toEqual({ state: "online" });
  });

  it("refetches the list and tells the open conversation when it changed", async () => {
    const heard: number[] = [];
    const stop = app.onConversationChanged((id) => heard.push(id));
    api.listConversations.mockResolvedValue([summary(2, 3), summary(1)]);
    app.handle({ type: "conversation_changed", id: 2 });
    await vi.waitFor(() => expect(app.conversations.map((c) => c.id)).toEqual([2, 1]));
    expect(heard).toEqual([2]);
    stop();
    app.handle({ type: "conversation_changed", id: 2 });
    expect(heard).toEqual([2]);
  });

  it("shows the sync status as it changes", () => {
    app.handle({ type: "sync_status", status: { state: "offline", since: 5 } });
    expect(app.status).toEqual({ state: "offline", since: 5 });
  });

  it("refetches connections when they changed", async () => {
    api.listConnections.mockResolvedValueOnce([
      { peer: { ...me, user_id: 2, handle: "bob" }, state: "invited_me", updated_at: 0 },
    ] as never);
    app.handle({ type: "connections_changed" });
    await vi.waitFor(() => expect(app.pendingInvitations).toBe(1));
  });

  it("goes back to the setup screen with a sentence when the device is signed out", async () => {
    app.openConversation(1);
    api.sessionState.mockResolvedValue({ ...signedIn, signed_in: false, status: { state: "signed_out" } });
    app.handle({ type: "signed_out" });
    expect(app.phase).toBe("setup");
    expect(app.signedOutNotice).toMatch(/signed out/);
    expect(app.activeId).toBeNull();
    await vi.waitFor(() => expect(app.session?.signed_in).toBe(false));
    expect(app.phase).toBe("setup");
  });

  it("saves settings at once and reverts them when saving fails", async () => {
    await app.toggleMute(1);
    expect(app.isMuted(1)).toBe(true);
    expect(api.saveSettings).toHaveBeenLastCalledWith({ ...DEFAULT_SETTINGS, muted: [1] });
    api.saveSettings.mockRejectedValueOnce({ code: "storage", message: "disk full" });
    const ok = await app.saveSettings({ ...app.settings, theme: "dark" });
    expect(ok).toBe(false);
    expect(app.settings.theme).toBe("system");
    expect(app.settingsError).toBe(errorSentence("storage"));
  });

  it("opens a conversation at a message with a fresh request each time", () => {
    app.openConversation(1, 42);
    const first = app.focus;
    app.openConversation(1, 42);
    expect(app.focus?.messageId).toBe(42);
    expect(app.focus?.nonce).not.toBe(first?.nonce);
    app.openConversation(1);
    expect(app.focus).toBeNull();
  });

  it("loads what waits for the server, follows it on block and report events, and forgets it on sign-out", async () => {
    expect(app.queuedSafetyLoaded).toBe(true);
    expect(app.queuedSafety).toEqual([]);
    api.listQueuedSafety.mockResolvedValue([blockBob]);
    app.handle({ type: "blocks_changed" });
    await vi.waitFor(() => expect(app.queuedSafety).toEqual([blockBob]));
    api.listQueuedSafety.mockResolvedValue([]);
    app.handle({ type: "reports_changed" });
    await vi.waitFor(() => expect(app.queuedSafety).toEqual([]));

    api.listQueuedSafety.mockResolvedValue([blockBob]);
    app.handle({ type: "reports_changed" });
    await vi.waitFor(() => expect(app.queuedSafety).toHaveLength(1));
    api.sessionState.mockResolvedValue({ ...signedIn, signed_in: false, status: { state: "signed_out" } });
    await app.signOut();
    expect(app.queuedSafety).toEqual([]);
    expect(app.queuedSafetyLoaded).toBe(false);
  });

  it("refetches after a queued action is discarded, and keeps it when discarding fails", async () => {
    api.listQueuedSafety.mockResolvedValue([blockBob]);
    app.handle({ type: "blocks_changed" });
    await vi.waitFor(() => expect(app.queuedSafety).toHaveLength(1));
    api.discardQueuedSafety.mockRejectedValueOnce({ code: "still_queued", message: "undo it instead" });
    await expect(app.discardQueuedSafety(7)).rejects.toEqual({ code: "still_queued", message: "undo it instead" });
    expect(app.queuedSafety).toHaveLength(1);
    api.listQueuedSafety.mockResolvedValue([]);
    await app.discardQueuedSafety(7);
    expect(api.discardQueuedSafety).toHaveBeenLastCalledWith(7);
    expect(app.queuedSafety).toEqual([]);
  });
});

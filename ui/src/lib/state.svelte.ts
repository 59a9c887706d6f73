// The app-wide state: session, conversation list, connections, settings and
// navigation. One instance (`app`), created at start-up; components read its
// fields (runes make them reactive) and call its methods. Everything comes
// from `api`; change events from the core trigger refetches.

import { tick } from "svelte";
import { api, onClientEvent, onOpenConversation, toIpcError } from "./api";
import type { BlockedPerson } from "./bindings/BlockedPerson";
import type { BlockOutcome } from "./bindings/BlockOutcome";
import type { ClientEvent } from "./bindings/ClientEvent";
import type { Connection } from "./bindings/Connection";
import type { ConversationSummary } from "./bindings/ConversationSummary";
import type { Incident } from "./bindings/Incident";
import type { IncidentView } from "./bindings/IncidentView";
import type { ModerationNotice } from "./bindings/ModerationNotice";
import type { Profile } from "./bindings/Profile";
import type { QueuedSafetyAction } from "./bindings/QueuedSafetyAction";
import type { ReportView } from "./bindings/ReportView";
import type { SessionState } from "./bindings/SessionState";
import type { Settings } from "./bindings/Settings";
import type { SyncStatus } from "./bindings/SyncStatus";
import { coalesce } from "./async";
import { describeError } from "./errors";
import { openIncidentCount, sortIncidents } from "./incidents";
import { mergeRestored } from "./precheck";
import { changedReports, noticeForBanner, sortReports } from "./safety";

export type Phase = "loading" | "setup" | "main" | "unavailable";
export type View = "welcome" | "conversation" | "connections" | "settings" | "incidents" | "safety";

/** A request to show one message of a conversation (search result, notification). */
export interface FocusRequest {
  conversationId: number;
  messageId: number;
  /** Changes on every request, so asking twice for the same message works. */
  nonce: number;
}

/** A message of yours that "Something is wrong with this message" was chosen for. */
export interface ProblemTarget {
  messageId: number;
  conversationId: number;
  /** The message text, or the part of it known (a search snippet). */
  body: string;
  serverTime: number;
  /** Where it was sent: the other person's name or the group title. */
  conversationTitle: string;
}

export const DEFAULT_SETTINGS: Settings = {
  notifications: true,
  show_preview: true,
  dnd_enabled: false,
  dnd_start: 22 * 60,
  dnd_end: 7 * 60,
  muted: [],
  theme: "system",
  hold_seconds: 10,
  read_it_over: false,
  retraction_template:
    "Please disregard my earlier message. It was sent by mistake; please do not act on it or share it.",
  apology_template: "I am sorry about my earlier message. It was not how I want to speak to you, and I apologise.",
  urgent_breaks_dnd: true,
};

/** Someone to block, unblock or report: an id and a name to show. */
export interface Person {
  user_id: number;
  display_name: string;
  handle?: string;
}

const DISMISSED_NOTICE_KEY = "candor.dismissed-notice";

function readDismissedNotice(): number | null {
  try {
    const v = globalThis.localStorage?.getItem(DISMISSED_NOTICE_KEY);
    return v ? Number(v) || null : null;
  } catch {
    return null;
  }
}

function writeDismissedNotice(at: number): void {
  try {
    globalThis.localStorage?.setItem(DISMISSED_NOTICE_KEY, String(at));
  } catch {
    // Dismissed for this run only.
  }
}

type Listener = (conversationId: number) => void;
type IncidentListener = (incidentId: string) => void;

class AppState {
  phase = $state<Phase>("loading");
  /** Why the app cannot start (no desktop shell, storage failure). */
  startupError = $state<string | null>(null);
  session = $state<SessionState | null>(null);
  me = $state<Profile | null>(null);
  status = $state<SyncStatus>({ state: "signed_out" });
  /** Counts sync_status events, so a slower session read cannot overwrite a newer status. */
  private statusEvents = 0;
  /** A sentence for the setup screen after the device was signed out. */
  signedOutNotice = $state<string | null>(null);

  conversations = $state.raw<ConversationSummary[]>([]);
  conversationsLoaded = $state(false);
  listError = $state<string | null>(null);
  connections = $state.raw<Connection[]>([]);
  connectionsError = $state<string | null>(null);
  settings = $state<Settings>({ ...DEFAULT_SETTINGS });
  settingsError = $state<string | null>(null);

  view = $state<View>("welcome");
  activeId = $state<number | null>(null);
  focus = $state<FocusRequest | null>(null);
  searchOpen = $state(false);
  newConversationOpen = $state(false);
  /** The person whose profile the connections view shows. */
  profileUserId = $state<number | null>(null);
  /** Damage-control incidents, open ones first. */
  incidents = $state.raw<Incident[]>([]);
  incidentsLoaded = $state(false);
  incidentsError = $state<string | null>(null);
  /** The incident the incidents view shows. */
  incidentId = $state<string | null>(null);
  /** The view of a just-opened incident, so its screen shows without a fetch. */
  incidentSeed = $state.raw<IncidentView | null>(null);
  /** The message "Something is wrong with this message" was chosen for (its dialog is open). */
  problem = $state.raw<ProblemTarget | null>(null);
  /** Text of a cancelled message, for its conversation's composer to take back. */
  restoredText = $state<{ conversationId: number; text: string; nonce: number } | null>(null);

  /** People you block, most recent first. */
  blocked = $state.raw<BlockedPerson[]>([]);
  blockedLoaded = $state(false);
  blockedError = $state<string | null>(null);
  /** People you unblocked on this device since the app started (a new invitation is needed). */
  unblockedHere = $state.raw<number[]>([]);
  /** Group messages from people you block that you chose to show. */
  revealed = $state.raw<number[]>([]);
  /** Reports you made, newest first, with their latest status. */
  reports = $state.raw<ReportView[]>([]);
  reportsLoaded = $state(false);
  reportsError = $state<string | null>(null);
  /** Reports whose status changed since you last looked at them. */
  reportNews = $state.raw<number[]>([]);
  /** Blocks, unblocks and reports made while the server was unreachable, waiting or refused; oldest first. */
  queuedSafety = $state.raw<QueuedSafetyAction[]>([]);
  queuedSafetyLoaded = $state(false);
  queuedSafetyError = $state<string | null>(null);
  /** Moderators' notices to you, newest first. */
  notices = $state.raw<ModerationNotice[]>([]);
  /** The time of the newest notice dismissed from the banner. */
  dismissedNotice = $state<number | null>(readDismissedNotice());
  /** Notices that arrived while the app was running (by time). */
  private freshNotices = $state.raw<Set<number>>(new Set());

  /** Current time, refreshed every 30 s so relative times stay right. */
  now = $state(Date.now());

  private conversationListeners = new Set<Listener>();
  private alarmListeners = new Set<Listener>();
  private incidentListeners = new Set<IncidentListener>();
  private subscribed = false;
  private clock: ReturnType<typeof setInterval> | null = null;
  private focusNonce = 0;

  readonly refreshConversations = coalesce(async () => {
    if (this.phase !== "main") return;
    try {
      this.conversations = await api.listConversations();
      this.conversationsLoaded = true;
      this.listError = null;
    } catch (e) {
      this.listError = describeError(e);
    }
  });

  readonly refreshConnections = coalesce(async () => {
    if (this.phase !== "main") return;
    try {
      this.connections = await api.listConnections();
      this.connectionsError = null;
    } catch (e) {
      this.connectionsError = describeError(e);
    }
  });

  readonly refreshIncidents = coalesce(async () => {
    if (this.phase !== "main") return;
    try {
      this.incidents = sortIncidents(await api.listIncidents());
      this.incidentsLoaded = true;
      this.incidentsError = null;
    } catch (e) {
      this.incidentsError = describeError(e);
    }
  });

  readonly refreshBlocked = coalesce(async () => {
    if (this.phase !== "main") return;
    try {
      this.blocked = await api.listBlocked();
      this.blockedLoaded = true;
      this.blockedError = null;
    } catch (e) {
      this.blockedError = describeError(e);
    }
  });

  readonly refreshReports = coalesce(async () => {
    if (this.phase !== "main") return;
    try {
      const next = sortReports(await api.listReports());
      if (this.reportsLoaded && this.view !== "safety") {
        const changed = changedReports(this.reports, next).filter((id) => !this.reportNews.includes(id));
        if (changed.length > 0) this.reportNews = [...this.reportNews, ...changed];
      }
      this.reports = next;
      this.reportsLoaded = true;
      this.reportsError = null;
    } catch (e) {
      this.reportsError = describeError(e);
    }
  });

  readonly refreshQueuedSafety = coalesce(async () => {
    if (this.phase !== "main") return;
    try {
      this.queuedSafety = await api.listQueuedSafety();
      this.queuedSafetyLoaded = true;
      this.queuedSafetyError = null;
    } catch (e) {
      this.queuedSafetyError = describeError(e);
    }
  });

  readonly refreshNotices = coalesce(async () => {
    if (this.phase !== "main") return;
    try {
      const list = await api.listNotices();
      // A notice heard live stays in the list until the mirror has it too.
      const missing = this.notices.filter((n) => this.freshNotices.has(n.at) && !list.some((l) => l.at === n.at));
      this.notices = [...missing, ...list].sort((a, b) => b.at - a.at);
    } catch {
      // Keep the notices we have; the banner shows what arrived live.
    }
  });

  /** Loads the session and, when signed in, everything the main screen shows. */
  async start(): Promise<void> {
    if (!this.clock) this.clock = setInterval(() => (this.now = Date.now()), 30_000);
    await this.subscribe();
    await this.loadSession();
  }

  private async loadSession(): Promise<void> {
    let session: SessionState;
    const statusEventsBefore = this.statusEvents;
    try {
      session = await api.sessionState();
    } catch (e) {
      this.startupError = describeError(e);
      this.phase = "unavailable";
      return;
    }
    this.session = session;
    // A status event that arrived while the session was being read is newer.
    if (this.statusEvents === statusEventsBefore) this.status = session.status;
    this.startupError = null;
    if (session.signed_in && session.me) {
      this.me = session.me;
      await this.enterMain();
    } else {
      this.me = null;
      this.phase = "setup";
    }
  }

  private async enterMain(): Promise<void> {
    this.phase = "main";
    this.signedOutNotice = null;
    await Promise.all([
      this.refreshConversations(),
      this.refreshConnections(),
      this.loadSettings(),
      this.refreshIncidents(),
      this.refreshBlocked(),
      this.refreshReports(),
      this.refreshQueuedSafety(),
      this.refreshNotices(),
    ]);
  }

  /** Hands a cancelled message's text back to its conversation's composer. */
  restoreText(conversationId: number, text: string): void {
    this.restoredText = { conversationId, text, nonce: ++this.focusNonce };
  }

  /** After a successful sign-in or sign-up. */
  async signedIn(profile: Profile): Promise<void> {
    this.me = profile;
    this.view = "welcome";
    this.activeId = null;
    await this.loadSession();
  }

  async signOut(): Promise<void> {
    await api.signOut();
    this.leaveMain(null);
    await this.loadSession();
  }

  private leaveMain(notice: string | null): void {
    this.phase = "setup";
    this.signedOutNotice = notice;
    this.me = null;
    this.conversations = [];
    this.conversationsLoaded = false;
    this.connections = [];
    this.view = "welcome";
    this.activeId = null;
    this.focus = null;
    this.searchOpen = false;
    this.newConversationOpen = false;
    this.profileUserId = null;
    this.incidents = [];
    this.incidentsLoaded = false;
    this.incidentId = null;
    this.incidentSeed = null;
    this.problem = null;
    this.blocked = [];
    this.blockedLoaded = false;
    this.unblockedHere = [];
    this.revealed = [];
    this.reports = [];
    this.reportsLoaded = false;
    this.reportNews = [];
    this.queuedSafety = [];
    this.queuedSafetyLoaded = false;
    this.queuedSafetyError = null;
    this.notices = [];
    this.freshNotices = new Set();
  }

  private async loadSettings(): Promise<void> {
    try {
      this.settings = await api.getSettings();
      this.settingsError = null;
    } catch (e) {
      this.settingsError = describeError(e);
    }
  }

  /** Applies settings at once and saves them; reverts and reports on failure. */
  async saveSettings(next: Settings): Promise<boolean> {
    const previous = this.settings;
    this.settings = next;
    try {
      await api.saveSettings($state.snapshot(next) as Settings);
      this.settingsError = null;
      return true;
    } catch (e) {
      this.settings = previous;
      this.settingsError = describeError(e);
      return false;
    }
  }

  isMuted(conversationId: number): boolean {
    return this.settings.muted.includes(conversationId);
  }

  async toggleMute(conversationId: number): Promise<void> {
    const muted = this.isMuted(conversationId)
      ? this.settings.muted.filter((id) => id !== conversationId)
      : [...this.settings.muted, conversationId];
    await this.saveSettings({ ...this.settings, muted });
  }

  // ------------------------------------------------------------ navigation

  openConversation(id: number, messageId: number | null = null): void {
    this.view = "conversation";
    this.activeId = id;
    this.focus = messageId === null ? null : { conversationId: id, messageId, nonce: ++this.focusNonce };
  }

  showConnections(userId: number | null = null): void {
    this.view = "connections";
    this.profileUserId = userId;
  }

  showSettings(): void {
    this.view = "settings";
  }

  /** Your reports, the people you block and moderators' notices. */
  showSafety(): void {
    this.view = "safety";
    this.reportNews = [];
  }

  /** Shows the incidents view; with an id, that incident (a fresh view of it may come along). */
  openIncident(id: string | null = null, seed: IncidentView | null = null): void {
    this.view = "incidents";
    if (id !== null) this.incidentId = id;
    this.incidentSeed = seed && seed.incident.id === id ? seed : null;
  }

  /** Asks "What went wrong?" about one of your messages. */
  reportProblem(target: ProblemTarget): void {
    this.searchOpen = false;
    this.newConversationOpen = false;
    this.problem = target;
  }

  /**
   * Opens a conversation with `text` in its composer, kept together with a
   * draft already there. The text goes through the composer's checks (the
   * recipient double-check among them) when it is sent.
   */
  async openConversationWithText(id: number, text: string): Promise<void> {
    let draft = "";
    try {
      draft = await api.getDraft(id);
    } catch {
      // No draft to keep.
    }
    const merged = mergeRestored(draft, text);
    try {
      await api.saveDraft(id, merged);
      this.openConversation(id);
    } catch {
      // The composer takes it back directly once it is shown.
      this.openConversation(id);
      await tick();
      this.restoreText(id, merged);
    }
  }

  /** Open incidents (for the sidebar's count). */
  get openIncidents(): number {
    return openIncidentCount(this.incidents);
  }

  /** The conversation summary from the list, if it is there. */
  summary(id: number | null): ConversationSummary | null {
    if (id === null) return null;
    return this.conversations.find((c) => c.id === id) ?? null;
  }

  get pendingInvitations(): number {
    return this.connections.filter((c) => c.state === "invited_me").length;
  }

  // ------------------------------------------------------------ protection

  /** You block this person. */
  isBlocked(userId: number): boolean {
    return this.blocked.some((b) => b.profile.user_id === userId);
  }

  /** You unblocked this person on this device (the old connection stays removed). */
  wasUnblockedHere(userId: number): boolean {
    return this.unblockedHere.includes(userId);
  }

  /** A group message from someone you block that you chose to show. */
  isRevealed(messageId: number): boolean {
    return this.revealed.includes(messageId);
  }

  reveal(messageId: number, shown = true): void {
    if (shown === this.isRevealed(messageId)) return;
    this.revealed = shown ? [...this.revealed, messageId] : this.revealed.filter((id) => id !== messageId);
  }

  /** A name for someone, from what this device knows of them. */
  personName(userId: number): string | null {
    const b = this.blocked.find((x) => x.profile.user_id === userId);
    if (b) return b.profile.display_name;
    const c = this.connections.find((x) => x.peer.user_id === userId);
    if (c) return c.peer.display_name;
    for (const conversation of this.conversations) {
      const m = conversation.members.find((x) => x.user_id === userId);
      if (m) return m.display_name;
    }
    return null;
  }

  /**
   * Blocks someone; the lists follow at once (the event refetches them too).
   * `queued`: the server could not be reached, the block waits for it. Throws an `IpcError`.
   */
  async block(person: Person): Promise<BlockOutcome> {
    const outcome = await api.blockUser(person.user_id);
    this.applyBlock(person, outcome);
    return outcome;
  }

  /** Unblocks someone: they can be invited again; the old connection is not restored. Throws an `IpcError`. */
  async unblock(person: Person): Promise<BlockOutcome> {
    const outcome = await api.unblockUser(person.user_id);
    this.applyBlock(person, outcome);
    return outcome;
  }

  /** Shows a block change made here (or with a report) before the events refetch. */
  applyBlock(person: Person, outcome: BlockOutcome): void {
    const { change, queued } = outcome;
    const id = change.user_id;
    if (change.blocked) {
      if (!this.isBlocked(id)) {
        const known = this.connections.find((c) => c.peer.user_id === id)?.peer;
        const profile: Profile = known ?? {
          user_id: id,
          handle: person.handle ?? "",
          display_name: person.display_name,
          headline: "",
          phone: null,
        };
        this.blocked = [{ profile, blocked_at: change.at, pending: queued }, ...this.blocked];
      }
      this.unblockedHere = this.unblockedHere.filter((u) => u !== id);
      this.connections = this.connections.map((c) =>
        c.peer.user_id === id ? { ...c, state: "removed", updated_at: change.at } : c,
      );
    } else {
      this.blocked = this.blocked.filter((b) => b.profile.user_id !== id);
      if (!this.unblockedHere.includes(id)) this.unblockedHere = [...this.unblockedHere, id];
    }
    void this.refreshBlocked();
    void this.refreshConnections();
    void this.refreshQueuedSafety();
  }

  /**
   * Forgets a refused action, or withdraws a report that waits (a block it
   * asked for stays, queued on its own). Throws an `IpcError`.
   */
  async discardQueuedSafety(id: number): Promise<void> {
    await api.discardQueuedSafety(id);
    // Refetched, not filtered: a withdrawn report that also blocked stays, as a block.
    await this.refreshQueuedSafety();
  }

  /** The moderator's notice the banner shows, if any. */
  get noticeBanner(): ModerationNotice | null {
    return noticeForBanner(this.notices, this.dismissedNotice, this.now, this.freshNotices);
  }

  dismissNotice(): void {
    const n = this.noticeBanner;
    if (!n) return;
    this.dismissedNotice = n.at;
    writeDismissedNotice(n.at);
  }

  private noticeArrived(notice: ModerationNotice): void {
    this.freshNotices = new Set([...this.freshNotices, notice.at]);
    if (!this.notices.some((n) => n.at === notice.at && n.text === notice.text)) {
      this.notices = [notice, ...this.notices].sort((a, b) => b.at - a.at);
    }
    void this.refreshNotices();
  }

  // ---------------------------------------------------------------- events

  /** Called with a conversation id whenever that conversation changed. */
  onConversationChanged(listener: Listener): () => void {
    this.conversationListeners.add(listener);
    return () => this.conversationListeners.delete(listener);
  }

  /** Called with an incident's id whenever it changed (here or on another device). */
  onIncidentChanged(listener: IncidentListener): () => void {
    this.incidentListeners.add(listener);
    return () => this.incidentListeners.delete(listener);
  }

  /** Called with a conversation id when an integrity alarm was raised for it. */
  onIntegrityAlarm(listener: Listener): () => void {
    this.alarmListeners.add(listener);
    return () => this.alarmListeners.delete(listener);
  }

  private async subscribe(): Promise<void> {
    if (this.subscribed) return;
    this.subscribed = true;
    try {
      await onClientEvent((event) => this.handle(event));
      await onOpenConversation((id) => {
        if (this.phase === "main") {
          this.searchOpen = false;
          this.newConversationOpen = false;
          this.openConversation(id);
        }
      });
    } catch (e) {
      // Without the desktop shell there are no events; `loadSession` reports it.
      console.warn("Event subscription failed", toIpcError(e));
    }
  }

  handle(event: ClientEvent): void {
    switch (event.type) {
      case "conversation_changed":
        void this.refreshConversations();
        for (const l of this.conversationListeners) l(event.id);
        break;
      case "messages_arrived":
        void this.refreshConversations();
        break;
      case "connections_changed":
        void this.refreshConnections();
        break;
      case "profile_changed":
        void this.refreshConversations();
        void this.refreshConnections();
        if (this.me && event.user === this.me.user_id) void this.refreshMe();
        break;
      case "sync_status":
        this.statusEvents += 1;
        this.status = event.status;
        break;
      case "integrity_alarm":
        void this.refreshConversations();
        for (const l of this.alarmListeners) l(event.alarm.conversation_id);
        break;
      case "incident_changed":
        void this.refreshIncidents();
        for (const l of this.incidentListeners) l(event.id);
        break;
      case "blocks_changed":
        void this.refreshBlocked();
        void this.refreshConnections();
        void this.refreshQueuedSafety();
        break;
      case "reports_changed":
        void this.refreshReports();
        void this.refreshQueuedSafety();
        break;
      case "notice":
        this.noticeArrived(event.notice);
        break;
      case "signed_out":
        if (this.phase === "main") {
          this.leaveMain(
            "This device was signed out: the server no longer accepts its session. Sign in again to continue; the history on this device is kept.",
          );
          void this.loadSession();
        }
        break;
    }
  }

  private async refreshMe(): Promise<void> {
    try {
      const session = await api.sessionState();
      if (session.me) this.me = session.me;
    } catch {
      // Keep the profile we have.
    }
  }
}

export const app = new AppState();

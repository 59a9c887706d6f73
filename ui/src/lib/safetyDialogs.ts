// Opens the block, unblock and report dialogs. They are mounted on <body>,
// not inside what opened them: a message row lives in a virtualised list
// that may drop it while the dialog is open, and inside the list's live
// region, which must not announce a dialog as a new message. One at a time.

import { mount, unmount } from "svelte";
import type { BlockOutcome } from "./bindings/BlockOutcome";
import type { ReportCategory } from "./bindings/ReportCategory";
import type { ReportSubmission } from "./bindings/ReportSubmission";
import BlockDialog from "./components/BlockDialog.svelte";
import ReportDialog from "./components/ReportDialog.svelte";
import type { Person } from "./state.svelte";

/** What a report is about, and how the dialog starts. */
export interface ReportTarget {
  /** The person reported; null: the dialog asks who, among `candidates`. */
  person: Person | null;
  candidates?: Person[];
  /** The conversation whose messages are offered as evidence (null: none). */
  conversationId: number | null;
  /** The reported message: preselected, and the evidence list loads around it. */
  messageId?: number | null;
  /** Reporting a message or a conversation: at least one message is needed. */
  evidenceRequired: boolean;
  category?: ReportCategory | null;
  alsoBlock?: boolean;
}

let closeCurrent: (() => void) | null = null;

function show(open: (close: () => void) => ReturnType<typeof mount>): void {
  closeSafetyDialog();
  let instance: ReturnType<typeof mount> | null = null;
  const close = () => {
    if (closeCurrent === close) closeCurrent = null;
    if (instance) {
      const i = instance;
      instance = null;
      void unmount(i);
    }
  };
  instance = open(close);
  closeCurrent = close;
}

/** Asks to confirm blocking `person`; `onblocked` hears the outcome (queued: it waits for the server). */
export function openBlock(person: Person, onblocked?: (outcome: BlockOutcome) => void): void {
  show((close) =>
    mount(BlockDialog, { target: document.body, props: { person, mode: "block", onclose: close, ondone: onblocked } }),
  );
}

/** Asks to confirm unblocking `person`, saying what it restores and what not. */
export function openUnblock(person: Person, onunblocked?: (outcome: BlockOutcome) => void): void {
  show((close) =>
    mount(BlockDialog, { target: document.body, props: { person, mode: "unblock", onclose: close, ondone: onunblocked } }),
  );
}

/**
 * Opens the report dialog; `onreported` hears the report once it is made:
 * sent to the server, or kept on this device until the server can be reached.
 */
export function openReport(target: ReportTarget, onreported?: (submission: ReportSubmission, person: Person) => void): void {
  show((close) => mount(ReportDialog, { target: document.body, props: { target, onclose: close, onreported } }));
}

/** Closes the open block, unblock or report dialog, if any. */
export function closeSafetyDialog(): void {
  closeCurrent?.();
}

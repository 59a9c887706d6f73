import { describe, expect, it } from "vitest";
import type { MessageView } from "./bindings/MessageView";
import type { PendingMessage } from "./bindings/PendingMessage";
import { errorSentence } from "./errors";
import { buildOffsets, captureAnchor, restoreAnchor, type RowKey } from "./virtual";
import {
  buildRows,
  capMessages,
  countFromOthers,
  farSide,
  deliveryMark,
  estimateRowHeight,
  findFirstUnreadSeq,
  joinsWith,
  mergeMessages,
  messageKey,
  pendingLabel,
  canCancel,
  START_KEY,
  UNREAD_KEY,
} from "./timeline";

const at = (d: number, h: number) => new Date(2024, 2, d, h).getTime();
const NOW = at(14, 15);

function msg(seq: number, over: Partial<MessageView> = {}): MessageView {
  return {
    id: 1000 + seq,
    conversation_id: 1,
    seq,
    sender: 2,
    sender_name: "Bob Stone",
    mine: false,
    client_id: `c${seq}`,
    server_time: at(14, 9),
    kind: "text",
    reference: null,
    body: `message ${seq}`,
    correction: null,
    state: "sent",
    verified: true,
    annotations: [],
    referenced: null,
    findings: [],
    ...over,
  };
}

function pend(id: string, over: Partial<PendingMessage> = {}): PendingMessage {
  return {
    client_id: id,
    conversation_id: 1,
    kind: "text",
    reference: null,
    body: "on its way",
    correction: null,
    state: "waiting",
    created_at: at(14, 10),
    hold_until: 0,
    attempts: 0,
    error_code: null,
    error_message: null,
    ...over,
  };
}

const range = (a: number, b: number, f: (s: number) => Partial<MessageView> = () => ({})) =>
  Array.from({ length: b - a + 1 }, (_, i) => msg(a + i, f(a + i)));

describe("buildRows", () => {
  it("adds day separators, the unread divider and pending messages", () => {
    const messages = [msg(1, { server_time: at(13, 9) }), msg(2), msg(3)];
    const rows = buildRows(messages, [pend("p1")], 2, NOW, true);
    expect(rows.map((r) => r.key)).toEqual([START_KEY, "day:2024-03-13", "m:1001", "day:2024-03-14", UNREAD_KEY, "m:1002", "m:1003", "p:p1"]);
  });

  it("puts the unread divider after the day separator of the unread message", () => {
    const rows = buildRows([msg(1, { server_time: at(13, 9) }), msg(2)], [], 2, NOW);
    expect(rows.map((r) => r.kind)).toEqual(["day", "item", "day", "unread", "item"]);
  });

  it("leaves the divider out when the first unread message is not loaded", () => {
    const rows = buildRows([msg(5), msg(6)], [], 2, NOW);
    expect(rows.some((r) => r.kind === "unread")).toBe(false);
  });

  it("gives every row a unique key", () => {
    const rows = buildRows(range(1, 300, (s) => ({ server_time: at(1 + (s % 10), 9) })), [pend("a"), pend("b")], 40, NOW, true);
    const keys = rows.map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe("mergeMessages", () => {
  it("prepends an older page and appends a newer one", () => {
    expect(mergeMessages(range(51, 100), range(1, 50)).map((m) => m.seq)).toEqual(range(1, 100).map((m) => m.seq));
    expect(mergeMessages(range(1, 50), range(51, 60)).map((m) => m.seq)).toEqual(range(1, 60).map((m) => m.seq));
  });

  it("replaces overlapping messages with the fresh copies", () => {
    const current = range(1, 5);
    const fresh = [msg(4, { state: "read" }), msg(5, {
        annotations: [
          {
            kind: "correction",
            message_id: 1006,
            seq: 6,
            sender_name: "Bob Stone",
            mine: false,
            server_time: at(14, 10),
            body: "Correction",
            correction: { what_was_wrong: "The day", correct_information: "Thursday" },
            state: "sent",
          },
        ],
      }), msg(6)];
    const merged = mergeMessages(current, fresh);
    expect(merged.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(merged[3].state).toBe("read");
    expect(merged[4].annotations).toHaveLength(1);
  });

  it("keeps the current array when nothing comes in", () => {
    const current = range(1, 3);
    expect(mergeMessages(current, [])).toBe(current);
    expect(mergeMessages([], range(1, 2))).toHaveLength(2);
  });
});

describe("joinsWith", () => {
  it("accepts adjacent or overlapping pages and rejects gaps", () => {
    expect(joinsWith(range(10, 20), range(21, 30))).toBe(true);
    expect(joinsWith(range(10, 20), range(1, 9))).toBe(true);
    expect(joinsWith(range(10, 20), range(15, 40))).toBe(true);
    expect(joinsWith(range(10, 20), range(22, 30))).toBe(false);
    expect(joinsWith(range(10, 20), range(1, 8))).toBe(false);
    expect(joinsWith([], range(1, 8))).toBe(true);
  });
});

describe("findFirstUnreadSeq", () => {
  it("counts unread messages from others back from the newest", () => {
    const messages = [msg(1), msg(2), msg(3, { mine: true }), msg(4), msg(5, { mine: true })];
    expect(findFirstUnreadSeq(messages, 1)).toBe(4);
    expect(findFirstUnreadSeq(messages, 2)).toBe(2);
    expect(findFirstUnreadSeq(messages, 3)).toBe(1);
  });
  it("is null when nothing is unread or not enough is loaded", () => {
    expect(findFirstUnreadSeq(range(1, 5), 0)).toBeNull();
    expect(findFirstUnreadSeq(range(1, 5), 6)).toBeNull();
  });
  it("ignores messages that arrived after the count was taken", () => {
    expect(findFirstUnreadSeq(range(1, 10), 2, 8)).toBe(7);
  });
  it("counts messages from others", () => {
    expect(countFromOthers([msg(1), msg(2, { mine: true })])).toBe(1);
  });
});

describe("pendingLabel", () => {
  const now = 1_700_000_000_000;
  it("counts the hold down in whole seconds", () => {
    expect(pendingLabel({ state: "held", error_code: null, hold_until: now + 8_000 }, now)).toBe("Sending in 8 s");
    expect(pendingLabel({ state: "held", error_code: null, hold_until: now + 7_200 }, now)).toBe("Sending in 8 s");
    expect(pendingLabel({ state: "held", error_code: null, hold_until: now + 1 }, now)).toBe("Sending in 1 s");
  });
  it("says sending once the hold is over", () => {
    expect(pendingLabel({ state: "held", error_code: null, hold_until: now }, now)).toBe("Sending…");
    expect(pendingLabel({ state: "sending", error_code: null, hold_until: 0 }, now)).toBe("Sending…");
    expect(pendingLabel({ state: "waiting", error_code: null, hold_until: 0 }, now)).toBe("Waiting to send");
  });
  it("names the reason of a failure", () => {
    expect(pendingLabel({ state: "failed", error_code: "not_connected", hold_until: 0 }, now)).toBe(
      `Failed: ${errorSentence("not_connected")}`,
    );
    expect(pendingLabel({ state: "failed", error_code: null, hold_until: 0 }, now)).toBe(`Failed: ${errorSentence("internal")}`);
  });
});

describe("canCancel", () => {
  it("allows taking back only what has not reached the server", () => {
    expect(canCancel({ state: "held" })).toBe(true);
    expect(canCancel({ state: "waiting" })).toBe(true);
    expect(canCancel({ state: "failed" })).toBe(true);
    expect(canCancel({ state: "sending" })).toBe(false);
    expect(canCancel({ state: "sent" })).toBe(false);
  });
});

describe("deliveryMark", () => {
  it("shows one tick when sent, two when delivered, two coloured when read", () => {
    expect(deliveryMark("sent")).toEqual({ symbol: "✓", label: "Sent", read: false });
    expect(deliveryMark("delivered")).toEqual({ symbol: "✓✓", label: "Delivered", read: false });
    expect(deliveryMark("read")).toEqual({ symbol: "✓✓", label: "Read", read: true });
  });
});

describe("estimateRowHeight", () => {
  it("grows with the text and the extras of a message", () => {
    const short = estimateRowHeight({ kind: "item", key: "a", item: { type: "message", message: msg(1) } });
    const long = estimateRowHeight({
      kind: "item",
      key: "b",
      item: { type: "message", message: msg(2, { body: "x".repeat(500) }) },
    });
    const correction = estimateRowHeight({
      kind: "item",
      key: "c",
      item: {
        type: "message",
        message: msg(3, { kind: "correction", reference: 1, correction: { what_was_wrong: "a", correct_information: "b" } }),
      },
    });
    expect(long).toBeGreaterThan(short);
    expect(correction).toBeGreaterThan(short + 100);
    expect(estimateRowHeight({ kind: "day", key: "d", label: "Today", time: 0 })).toBeGreaterThan(0);
  });
});

describe("capMessages", () => {
  const seqs = (ms: readonly MessageView[]) => ms.map((m) => m.seq);

  it("returns the same array when the window is within the cap", () => {
    const ms = range(1, 10);
    const c = capMessages(ms, 10, "newer");
    expect(c.messages).toBe(ms);
    expect(c.droppedNewer).toEqual([]);
    expect(c.droppedOlder).toEqual([]);
  });

  it("drops the surplus at the newer end when scrolling up", () => {
    const c = capMessages(range(1, 20), 15, "newer");
    expect(seqs(c.messages)).toEqual(seqs(range(1, 15)));
    expect(seqs(c.droppedNewer)).toEqual([16, 17, 18, 19, 20]);
    expect(c.droppedOlder).toEqual([]);
  });

  it("drops the surplus at the older end when scrolling down", () => {
    const c = capMessages(range(1, 20), 15, "older");
    expect(seqs(c.messages)).toEqual(seqs(range(6, 20)));
    expect(seqs(c.droppedOlder)).toEqual([1, 2, 3, 4, 5]);
    expect(c.droppedNewer).toEqual([]);
  });

  it("never drops the rows on screen", () => {
    expect(seqs(capMessages(range(1, 20), 10, "newer", { first: 8, last: 13 }).messages)).toEqual(seqs(range(1, 13)));
    expect(seqs(capMessages(range(1, 20), 10, "older", { first: 6, last: 9 }).messages)).toEqual(seqs(range(6, 20)));
    const all = range(1, 20);
    expect(capMessages(all, 5, "older", { first: 1, last: 20 }).messages).toBe(all);
    expect(capMessages(all, 5, "newer", { first: 1, last: 20 }).messages).toBe(all);
  });

  it("picks the end away from a seq", () => {
    expect(farSide(range(1, 100), 10)).toBe("newer");
    expect(farSide(range(1, 100), 90)).toBe("older");
    expect(farSide([], 5)).toBe("older");
  });

  it("counts messages from others up to a seq", () => {
    const ms = range(1, 6, (s) => ({ mine: s % 2 === 0 }));
    expect(countFromOthers(ms, 3)).toBe(2);
    expect(countFromOthers(ms, 0)).toBe(0);
  });
});

// A long scroll as MessageList does it: pages of 50 loaded at one end, the
// window capped at the other; rows and offsets rebuilt for the window only.
describe("a capped window over a long conversation", () => {
  const PAGE = 50;
  const MAX = 1500;
  const TOTAL = 8000;
  // Several days, so that day separators come and go with the window.
  const history = range(1, TOTAL, (s) => ({ server_time: at(1 + Math.floor(s / 700), 9) + s }));
  const bySeq = (first: number, last: number) => history.slice(Math.max(0, first - 1), Math.max(0, last));

  function layout(window: readonly MessageView[], firstUnreadSeq: number | null, counter?: { n: number }) {
    const rows = buildRows(window, [], firstUnreadSeq, NOW, window.length > 0 && window[0].seq === 1);
    const keys: RowKey[] = rows.map((r) => r.key);
    const offsets = buildOffsets(keys, new Map(), (i) => {
      if (counter) counter.n++;
      return estimateRowHeight(rows[i]);
    });
    return { rows, keys, offsets };
  }

  it("keeps per-page work and memory bounded, the anchor in place and the keys unique", () => {
    let window = bySeq(TOTAL - PAGE + 1, TOTAL);
    let atLatest = true;
    const firstUnread = TOTAL - 120;
    const perPage: number[] = [];
    while (window[0].seq > 1) {
      const before = layout(window, firstUnread);
      // The view sits near the top: 7 px into the 4th row.
      const top = before.offsets[3] + 7;
      const anchor = captureAnchor(before.keys, before.offsets, top)!;
      const shown = { first: window[0].seq, last: window[Math.min(window.length - 1, 20)].seq };

      const page = bySeq(window[0].seq - PAGE, window[0].seq - 1);
      const merged = mergeMessages(window, page);
      const capped = capMessages(merged, MAX, "newer", shown);
      if (capped.droppedNewer.length > 0) atLatest = false;
      window = capped.messages;

      const counter = { n: 0 };
      const after = layout(window, firstUnread, counter);
      perPage.push(counter.n);
      expect(window.length).toBeLessThanOrEqual(MAX);
      expect(new Set(after.keys).size).toBe(after.keys.length);
      // The anchor row is still loaded and comes back to the same place on screen.
      const restored = restoreAnchor(anchor, after.keys, after.offsets);
      expect(restored).not.toBeNull();
      const i = after.keys.indexOf(anchor.key);
      expect(restored! - after.offsets[i]).toBe(7);
    }
    expect(atLatest).toBe(false);
    expect(window.map((m) => m.seq)).toEqual(bySeq(1, MAX).map((m) => m.seq));
    // Work per page does not grow with the pages loaded before: the last
    // page costs what a page costs once the window is full.
    const full = perPage.slice(Math.ceil(MAX / PAGE));
    expect(full.length).toBeGreaterThan(100);
    expect(Math.max(...full)).toBeLessThanOrEqual(MAX + 20);
    expect(Math.max(...full) - Math.min(...full)).toBeLessThanOrEqual(20);

    // Back down: newer pages load again in order, the older end is dropped.
    while (!atLatest) {
      const before = layout(window, firstUnread);
      const top = before.offsets[before.offsets.length - 1] - 600;
      const anchor = captureAnchor(before.keys, before.offsets, top)!;
      const last = window[window.length - 1].seq;
      const shown = { first: window[Math.max(0, window.length - 20)].seq, last };
      const page = bySeq(last + 1, last + PAGE);
      const capped = capMessages(mergeMessages(window, page), MAX, "older", shown);
      window = capped.messages;
      if (page.length < PAGE) atLatest = true;

      const after = layout(window, firstUnread);
      expect(window.length).toBeLessThanOrEqual(MAX);
      expect(new Set(after.keys).size).toBe(after.keys.length);
      const restored = restoreAnchor(anchor, after.keys, after.offsets);
      expect(restored).not.toBeNull();
      expect(restored! - after.offsets[after.keys.indexOf(anchor.key)]).toBe(anchor.delta);
    }
    expect(window.map((m) => m.seq)).toEqual(bySeq(TOTAL - MAX + 1, TOTAL).map((m) => m.seq));
    for (let i = 1; i < window.length; i++) expect(window[i].seq).toBe(window[i - 1].seq + 1);
    // The unread divider is back, before the first unread message.
    const { rows } = layout(window, firstUnread);
    const u = rows.findIndex((r) => r.key === UNREAD_KEY);
    expect(u).toBeGreaterThan(0);
    const next = rows.slice(u + 1).find((r) => r.kind === "item")!;
    expect(next.key).toBe(messageKey(history[firstUnread - 1].id));
  });

  it("drops the start row with the oldest messages and brings it back with them", () => {
    const all = bySeq(1, 100);
    expect(buildRows(all, [], null, NOW, true)[0].key).toBe(START_KEY);
    const capped = capMessages(all, 60, "older").messages;
    expect(capped[0].seq).toBe(41);
    expect(buildRows(capped, [], null, NOW, capped[0].seq === 1).some((r) => r.key === START_KEY)).toBe(false);
  });
});

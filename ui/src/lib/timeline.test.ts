import { describe, expect, it } from "vitest";
import type { MessageView } from "./bindings/MessageView";
import type { PendingMessage } from "./bindings/PendingMessage";
import { errorSentence } from "./errors";
import {
  buildRows,
  countFromOthers,
  deliveryMark,
  estimateRowHeight,
  findFirstUnreadSeq,
  joinsWith,
  mergeMessages,
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

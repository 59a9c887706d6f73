import { describe, expect, it } from "vitest";
import type { MessageView } from "./bindings/MessageView";
import { annotationLabel, annotationLinks, isCorrected, isRetracted, kindLabel, referenceLink } from "./annotations";

function message(over: Partial<MessageView> = {}): MessageView {
  return {
    id: 10,
    conversation_id: 1,
    seq: 3,
    sender: 7,
    sender_name: "Alice Martin",
    mine: false,
    client_id: "0190",
    server_time: 0,
    kind: "text",
    reference: null,
    body: "The budget is 40k",
    correction: null,
    state: "sent",
    verified: true,
    annotations: [],
    ...over,
  };
}

describe("kindLabel", () => {
  it("labels every special kind and leaves text plain", () => {
    expect(kindLabel("correction")).toBe("Correction");
    expect(kindLabel("retraction")).toBe("Please disregard");
    expect(kindLabel("apology")).toBe("Apology");
    expect(kindLabel("urgent")).toBe("Urgent");
    expect(kindLabel("text")).toBeNull();
  });
});

describe("annotationLinks", () => {
  it("is empty without follow-ups", () => {
    expect(annotationLinks(message())).toEqual([]);
  });

  it("links a corrected message to its correction", () => {
    const m = message({ annotations: [{ kind: "correction", message_id: 12 }] });
    expect(annotationLinks(m)).toEqual([{ kind: "correction", target: 12, label: "Corrected — see correction" }]);
    expect(isCorrected(m)).toBe(true);
    expect(isRetracted(m)).toBe(false);
  });

  it("puts the most serious follow-up first and numbers repeats", () => {
    const m = message({
      annotations: [
        { kind: "apology", message_id: 20 },
        { kind: "correction", message_id: 15 },
        { kind: "urgent", message_id: 16 },
        { kind: "retraction", message_id: 30 },
        { kind: "correction", message_id: 12 },
      ],
    });
    expect(annotationLinks(m).map((l) => [l.label, l.target])).toEqual([
      ["Retracted", 30],
      ["Corrected — see correction (1)", 12],
      ["Corrected — see correction (2)", 15],
      ["Urgent follow-up", 16],
      [annotationLabel("apology"), 20],
    ]);
    expect(isRetracted(m)).toBe(true);
  });

  it("does not change the message", () => {
    const annotations = [
      { kind: "urgent" as const, message_id: 2 },
      { kind: "retraction" as const, message_id: 1 },
    ];
    const m = message({ annotations });
    annotationLinks(m);
    expect(m.annotations).toEqual(annotations);
  });
});

describe("referenceLink", () => {
  it("links a follow-up back to the message it refers to", () => {
    expect(referenceLink(message({ kind: "correction", reference: 9 }))).toEqual({
      target: 9,
      label: "Refers to an earlier message",
    });
  });
  it("is null for a message without a reference", () => {
    expect(referenceLink(message())).toBeNull();
  });
});

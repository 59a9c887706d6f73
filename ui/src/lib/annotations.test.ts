import { describe, expect, it } from "vitest";
import type { Annotation } from "./bindings/Annotation";
import type { MessageKind } from "./bindings/MessageKind";
import type { MessageView } from "./bindings/MessageView";
import {
  annotationLabel,
  annotationLinks,
  attachedFollowUps,
  attachedTitle,
  isCorrected,
  isRetracted,
  kindLabel,
  referenceLink,
  sortAnnotations,
} from "./annotations";

/** A follow-up of `kind` with id `id` (its seq follows the id). */
function ann(kind: MessageKind, id: number, over: Partial<Annotation> = {}): Annotation {
  return {
    kind,
    message_id: id,
    seq: id,
    sender_name: "Alice Martin",
    mine: false,
    server_time: 0,
    body: "",
    correction: null,
    state: "sent",
    ...over,
  };
}

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
    referenced: null,
    findings: [],
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
    const m = message({ annotations: [ann("correction", 12)] });
    expect(annotationLinks(m)).toEqual([{ kind: "correction", target: 12, label: "Corrected — see correction" }]);
    expect(isCorrected(m)).toBe(true);
    expect(isRetracted(m)).toBe(false);
  });

  it("puts the most serious follow-up first and numbers repeats", () => {
    const m = message({
      annotations: [
        ann("apology", 20),
        ann("correction", 15),
        ann("urgent", 16),
        ann("retraction", 30),
        ann("correction", 12),
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
    const annotations = [ann("urgent", 2), ann("retraction", 1)];
    const m = message({ annotations });
    annotationLinks(m);
    expect(m.annotations).toEqual(annotations);
  });
});

describe("attachedFollowUps", () => {
  it("attaches every follow-up beneath the original, most serious first", () => {
    const correction = ann("correction", 12, {
      mine: true,
      state: "read",
      correction: { what_was_wrong: "The total said 40k", correct_information: "The total is 44k" },
    });
    const m = message({ annotations: [ann("apology", 20), correction, ann("retraction", 30), ann("urgent", 16)] });
    const attached = attachedFollowUps(m);
    expect(attached.map((a) => [a.title, a.jumpLabel, a.annotation.message_id])).toEqual([
      ["Retracted: please disregard", "Go to retraction", 30],
      ["Corrected", "Go to correction", 12],
      ["Urgent follow-up", "Go to urgent follow-up", 16],
      ["Apology", "Go to apology", 20],
    ]);
    // The annotation travels whole: the fields and delivery state are shown.
    expect(attached[1].annotation).toBe(correction);
  });

  it("numbers repeated corrections in the order they were sent", () => {
    const m = message({ annotations: [ann("correction", 15), ann("correction", 12)] });
    expect(attachedFollowUps(m).map((a) => [a.title, a.jumpLabel])).toEqual([
      ["Corrected (1)", "Go to correction (1)"],
      ["Corrected (2)", "Go to correction (2)"],
    ]);
  });

  it("is empty without follow-ups", () => {
    expect(attachedFollowUps(message())).toEqual([]);
    expect(attachedTitle("text")).toBe("Follow-up");
  });
});

describe("sortAnnotations", () => {
  it("orders by seriousness, then by delivery order", () => {
    const sorted = sortAnnotations([ann("apology", 3), ann("urgent", 9), ann("urgent", 4), ann("retraction", 8)]);
    expect(sorted.map((a) => a.message_id)).toEqual([8, 4, 9, 3]);
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

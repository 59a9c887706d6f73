import { describe, expect, it } from "vitest";
import {
  correctionBody,
  followUpActions,
  followUpDraft,
  followUpExplanation,
  isBuiltCorrectionBody,
  MAX_BODY_CHARS,
  MAX_CORRECTION_FIELD_CHARS,
  originalCaption,
  possessive,
  quoteText,
  referenceHeading,
  templateFor,
  textToCheck,
  validateFollowUp,
  type FollowUpInput,
} from "./followup";

// Local times, so the tests hold in any time zone.
const at = (y: number, mo: number, d: number, h = 0, mi = 0) => new Date(y, mo - 1, d, h, mi).getTime();

const input = (over: Partial<FollowUpInput> = {}): FollowUpInput => ({ wrong: "", right: "", note: "", body: "", ...over });

describe("followUpActions", () => {
  it("offers all three follow-ups on your own messages only", () => {
    expect(followUpActions({ mine: true, kind: "text" })).toEqual(["correction", "retraction", "apology"]);
    expect(followUpActions({ mine: false, kind: "text" })).toEqual([]);
  });

  it("lets a correction or urgent notice be followed up, but not a retraction or apology", () => {
    expect(followUpActions({ mine: true, kind: "correction" })).toHaveLength(3);
    expect(followUpActions({ mine: true, kind: "urgent" })).toHaveLength(3);
    expect(followUpActions({ mine: true, kind: "retraction" })).toEqual([]);
    expect(followUpActions({ mine: true, kind: "apology" })).toEqual([]);
  });
});

describe("correctionBody", () => {
  const fields = { what_was_wrong: "The total said 40k", correct_information: "The total is 44k" };

  it("builds a sentence from the two fields", () => {
    expect(correctionBody(fields)).toBe(
      "Correction to my earlier message. What was wrong: The total said 40k. What is correct: The total is 44k.",
    );
  });

  it("keeps the sender's own punctuation and folds line breaks", () => {
    expect(
      correctionBody({ what_was_wrong: "  Was it Tuesday?  ", correct_information: "It is Wednesday,\n at 10:00!" }),
    ).toBe("Correction to my earlier message. What was wrong: Was it Tuesday? What is correct: It is Wednesday, at 10:00!");
  });

  it("uses the note instead when there is one", () => {
    expect(correctionBody(fields, "  Sorry, my mistake: see below.  ")).toBe("Sorry, my mistake: see below.");
    expect(correctionBody(fields, "   ")).toBe(correctionBody(fields));
  });

  it("recognises a built text, so it is not shown twice", () => {
    expect(isBuiltCorrectionBody(correctionBody(fields), fields)).toBe(true);
    expect(isBuiltCorrectionBody("Sorry, my mistake", fields)).toBe(false);
  });
});

describe("validateFollowUp", () => {
  it("requires both correction fields", () => {
    expect(validateFollowUp("correction", input())).toEqual({
      wrong: "Say what was wrong in your message.",
      right: "Give the correct information.",
    });
    expect(validateFollowUp("correction", input({ wrong: "x", right: "  " }))).toEqual({
      right: "Give the correct information.",
    });
    expect(validateFollowUp("correction", input({ wrong: "x", right: "y" }))).toEqual({});
  });

  it("keeps within the server's limits", () => {
    const long = "a".repeat(MAX_CORRECTION_FIELD_CHARS + 1);
    expect(Object.keys(validateFollowUp("correction", input({ wrong: long, right: "y" })))).toEqual(["wrong"]);
    expect(validateFollowUp("correction", input({ wrong: "a".repeat(MAX_CORRECTION_FIELD_CHARS), right: "y" }))).toEqual({});
    expect(Object.keys(validateFollowUp("apology", input({ body: "b".repeat(MAX_BODY_CHARS + 1) })))).toEqual(["body"]);
  });

  it("requires a text for a retraction or an apology", () => {
    expect(validateFollowUp("retraction", input({ body: " \n " }))).toEqual({ body: "Write a few words to send." });
    expect(validateFollowUp("apology", input({ body: "Sorry" }))).toEqual({});
  });
});

describe("followUpDraft", () => {
  it("makes a correction that refers to the original", () => {
    expect(followUpDraft("correction", 42, input({ wrong: " 40k ", right: "44k", note: "" }))).toEqual({
      kind: "correction",
      reference: 42,
      body: "Correction to my earlier message. What was wrong: 40k. What is correct: 44k.",
      correction: { what_was_wrong: "40k", correct_information: "44k" },
      allow_sensitive: false,
    });
  });

  it("makes a retraction or apology with the text as written, and carries Send anyway", () => {
    expect(followUpDraft("retraction", 7, input({ body: "  Please disregard.  ", wrong: "ignored" }), true)).toEqual({
      kind: "retraction",
      reference: 7,
      body: "Please disregard.",
      correction: null,
      allow_sensitive: true,
    });
  });
});

describe("textToCheck", () => {
  it("checks a correction's fields too when the note replaces them", () => {
    const draft = followUpDraft("correction", 1, input({ wrong: "old pw", right: "hunter2", note: "See the fields" }));
    expect(textToCheck(draft)).toBe("See the fields\nold pw\nhunter2");
    const built = followUpDraft("correction", 1, input({ wrong: "old pw", right: "hunter2" }));
    expect(textToCheck(built)).toBe(built.body);
    expect(textToCheck({ body: "Sorry", correction: null })).toBe("Sorry");
  });
});

describe("templateFor", () => {
  it("picks the wording from the settings", () => {
    const s = { retraction_template: "Disregard", apology_template: "Sorry" };
    expect(templateFor("retraction", s)).toBe("Disregard");
    expect(templateFor("apology", s)).toBe("Sorry");
  });
});

describe("followUpExplanation", () => {
  it("says the follow-up is linked, and how long it waits", () => {
    expect(followUpExplanation("correction", 10)).toBe(
      "Your correction is linked to the message: both sides will see it attached to it. It waits 10 s on this device before it leaves, and you can cancel it until then.",
    );
    expect(followUpExplanation("apology", 0)).toMatch(/^Your apology is linked.*It leaves as soon as you send it\.$/);
    expect(followUpExplanation("retraction", 5)).toMatch(/request to disregard it.*5 s/);
  });
});

describe("referenceHeading", () => {
  const original = { sender: 7, sender_name: "Alice Martin", server_time: at(2024, 3, 14, 14, 2) };
  const sameDay = at(2024, 3, 14, 16, 0);

  it("names whose message of when, per kind", () => {
    expect(referenceHeading("correction", original, 2, sameDay)).toBe("Corrects Alice Martin's message of 14:02");
    expect(referenceHeading("retraction", original, 2, sameDay)).toBe("Retracts Alice Martin's message of 14:02");
    expect(referenceHeading("apology", original, 2, sameDay)).toBe("Apology for Alice Martin's message of 14:02");
    expect(referenceHeading("urgent", original, 2, sameDay)).toBe("Urgent follow-up to Alice Martin's message of 14:02");
    expect(referenceHeading("text", original, 2, sameDay)).toBe("Refers to Alice Martin's message of 14:02");
  });

  it("says 'your' for your own message and adds the date from another day", () => {
    expect(referenceHeading("correction", original, 7, sameDay)).toBe("Corrects your message of 14:02");
    expect(referenceHeading("correction", original, null, at(2024, 3, 16, 9, 0))).toBe(
      "Corrects Alice Martin's message of 14 Mar, 14:02",
    );
    expect(possessive("James", false)).toBe("James's");
  });
});

describe("originalCaption", () => {
  it("gives the time, with the date when it is not today", () => {
    const t = at(2024, 3, 14, 14, 2);
    expect(originalCaption({ server_time: t }, at(2024, 3, 14, 18, 0))).toBe("Your message of 14:02");
    expect(originalCaption({ server_time: t }, at(2024, 3, 20, 18, 0))).toBe("Your message of 14 Mar, 14:02");
  });
});

describe("quoteText", () => {
  it("keeps short texts whole", () => {
    expect(quoteText("  one\ntwo  ", 3, 100)).toEqual({ text: "one\ntwo", truncated: false });
  });

  it("cuts to the first lines", () => {
    expect(quoteText("1\n2\n3\n4", 3, 100)).toEqual({ text: "1\n2\n3", truncated: true });
  });

  it("cuts long lines without splitting a character", () => {
    expect(quoteText("ab😀cd", 3, 3)).toEqual({ text: "ab😀", truncated: true });
  });
});

import { describe, expect, it } from "vitest";
import type { Finding } from "./bindings/Finding";
import type { RecipientCard } from "./bindings/RecipientCard";
import { findingSummary, holdSentence, lastTalkedLabel, mergeRestored, needsConfirmation, reviewTitle } from "./precheck";

const none: { findings: Finding[]; cards: RecipientCard[]; read_it_over: boolean } = { findings: [], cards: [], read_it_over: false };
const finding: Finding = {
  kind: "payment_card",
  label: "Payment card number",
  start: 0,
  end: 19,
  masked: "4111 •••• •••• 1111",
  explanation: "",
  advice: "",
};
const card: RecipientCard = {
  profile: { user_id: 2, handle: "dana", display_name: "Dana Whitfield", headline: "", phone: null },
  last_talked: null,
  reasons: [{ rule: "first_message", message: "This is your first message to Dana Whitfield." }],
};

describe("needsConfirmation", () => {
  it("lets a plain message through", () => {
    expect(needsConfirmation(none)).toBe(false);
  });
  it("stops for findings, recipient cards, or when the user reads everything over", () => {
    expect(needsConfirmation({ ...none, findings: [finding] })).toBe(true);
    expect(needsConfirmation({ ...none, cards: [card] })).toBe(true);
    expect(needsConfirmation({ ...none, read_it_over: true })).toBe(true);
  });
});

describe("reviewTitle", () => {
  it("names the most serious reason", () => {
    expect(reviewTitle({ findings: [finding], cards: [card] })).toBe("This message contains sensitive data");
    expect(reviewTitle({ findings: [], cards: [card] })).toBe("Check the recipient");
    expect(reviewTitle({ findings: [], cards: [] })).toBe("Read it over");
  });
});

describe("findingSummary", () => {
  it("lists distinct kinds in order", () => {
    expect(findingSummary([])).toBe("");
    expect(findingSummary([{ label: "Payment card number" }])).toBe("payment card number");
    expect(findingSummary([{ label: "Password" }, { label: "IBAN" }, { label: "Password" }, { label: "JWT" }])).toBe(
      "password, iban and jwt",
    );
  });
});

describe("lastTalkedLabel", () => {
  it("says when you never talked", () => {
    expect(lastTalkedLabel(null, Date.now())).toBe("You have not talked before");
  });
  it("gives the moment otherwise", () => {
    const now = new Date(2026, 10, 29, 15, 0).getTime();
    expect(lastTalkedLabel(new Date(2026, 10, 29, 14, 2).getTime(), now)).toMatch(/^Last talked .*14.02/);
  });
});

describe("holdSentence", () => {
  it("explains the hold", () => {
    expect(holdSentence(10)).toBe("It waits 10 s on this device before it leaves; you can cancel it until then.");
    expect(holdSentence(0)).toMatch(/as soon as you send it/);
  });
});

describe("mergeRestored", () => {
  it("puts a cancelled message back into an empty box", () => {
    expect(mergeRestored("", "Hello Dana")).toBe("Hello Dana");
    expect(mergeRestored("  \n", "Hello Dana")).toBe("Hello Dana");
  });
  it("keeps what was typed since, after the restored text", () => {
    expect(mergeRestored("PS: see you", "Hello Dana")).toBe("Hello Dana\n\nPS: see you");
  });
  it("does not duplicate text already there", () => {
    expect(mergeRestored("Hello Dana", "Hello Dana")).toBe("Hello Dana");
  });
});

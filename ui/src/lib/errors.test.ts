import { describe, expect, it } from "vitest";
import { describeError, errorSentence, FALLBACK_SENTENCE, KNOWN_ERROR_CODES } from "./errors";

const CODES = [
  "sensitive_data",
  "already_sent",
  "invalid_id",
  "call_failed",
  "not_your_message",
  "invalid_reminder",
  "urgent_limit",
  "stale_version",
  "blocked",
  "recipient_unavailable",
  "cannot_block_self",
  "cannot_report_self",
  "evidence_required",
  "evidence_not_found",
  "evidence_mismatch",
  "evidence_not_in_conversation",
  "too_much_evidence",
  "still_queued",
  "already_sending",
  "maybe_sent",
  "report_limit",
  "restricted",
  "suspended",
  "invalid_hold",
  "invalid_dnd",
  "invalid_template",
  "offline",
  "not_signed_in",
  "account_mismatch",
  "invalid_body",
  "reference_required",
  "correction_fields_required",
  "not_found",
  "storage",
  "internal",
  "unauthorized",
  "invalid_credentials",
  "handle_taken",
  "invalid_handle",
  "weak_password",
  "invalid_field",
  "not_connected",
  "conversation_not_found",
  "user_not_found",
  "cannot_invite_self",
  "already_connected",
  "invitation_not_found",
  "invalid_group_size",
  "rate_limited",
  "reference_not_own",
  "invalid_reference",
  "keychain",
];

describe("errorSentence", () => {
  it.each(CODES)("has its own sentence for %s", (code) => {
    const sentence = errorSentence(code);
    expect(sentence).not.toBe(FALLBACK_SENTENCE);
    expect(sentence).toMatch(/^[A-Z].*\.$/);
    expect(sentence).not.toMatch(/\w_\w/); // no raw codes leak into sentences
  });

  it("knows exactly the listed codes", () => {
    expect([...KNOWN_ERROR_CODES].sort()).toEqual([...CODES].sort());
  });

  it("gives distinct sentences to distinct codes", () => {
    expect(new Set(CODES.map(errorSentence)).size).toBe(CODES.length);
  });

  it("falls back for unknown codes, including prototype names", () => {
    expect(errorSentence("no_such_code")).toBe(FALLBACK_SENTENCE);
    expect(errorSentence("")).toBe(FALLBACK_SENTENCE);
    expect(errorSentence("constructor")).toBe(FALLBACK_SENTENCE);
    expect(errorSentence("__proto__")).toBe(FALLBACK_SENTENCE);
  });

  it("branches on the code, never on the message", () => {
    expect(describeError({ code: "handle_taken", message: "offline" })).toBe(errorSentence("handle_taken"));
    expect(describeError(new Error("invalid_credentials"))).toBe(FALLBACK_SENTENCE);
    expect(describeError("offline")).toBe(FALLBACK_SENTENCE);
  });
});

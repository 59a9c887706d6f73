// Human sentences for the stable error codes that cross IPC (`IpcError.code`).
// The UI branches on the code only; the English `message` is for logs.

import type { IpcError } from "./bindings/IpcError";

const SENTENCES: Record<string, string> = {
  offline: "The server can't be reached right now. Check your connection; anything you send is kept and delivered later.",
  not_signed_in: "You're not signed in on this device.",
  account_mismatch: "This device's history belongs to another account. Sign in with that account, or use a separate profile for a second one.",
  invalid_body: "The message is empty or longer than 10,000 characters.",
  reference_required: "This kind of message has to refer to an earlier message.",
  correction_fields_required: "A correction needs both what was wrong and the correct information.",
  not_found: "That item couldn't be found on this device.",
  storage: "Candor couldn't read or write its local storage. Check the free disk space and try again.",
  internal: "Something went wrong inside Candor. Please try again.",
  unauthorized: "The server no longer accepts this device's session. Please sign in again.",
  invalid_credentials: "That handle and password don't match.",
  handle_taken: "That handle is already taken. Please choose another one.",
  invalid_handle: "A handle has 3 to 32 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter.",
  weak_password: "The password is too weak. Use at least 10 characters.",
  invalid_field: "One of the fields is not valid. Please check what you entered.",
  not_connected: "You can only message people you're connected with. Send them an invitation first.",
  conversation_not_found: "That conversation doesn't exist or you're no longer a member.",
  user_not_found: "No one with that handle was found.",
  cannot_invite_self: "You can't invite yourself.",
  already_connected: "You're already connected with this person, or an invitation is already pending.",
  invitation_not_found: "That invitation no longer exists.",
  invalid_group_size: "A group has between 2 and 50 members, including you.",
  rate_limited: "Too many requests in a short time. Please wait a moment and try again.",
  reference_not_own: "You can only correct or retract your own messages.",
  invalid_reference: "The message this refers to isn't in this conversation.",
  sensitive_data: "This message contains sensitive data. Review what was found and choose \"Send anyway\" if you really mean to send it.",
  already_sent: "It has already left this device. Sent messages are permanent; send a correction instead.",
  maybe_sent: "The connection broke while it was being sent, so it may already have been delivered. It can no longer be cancelled; if it arrives, send a correction.",
  invalid_id: "That item can't be found on this device.",
  call_failed: "No app on this computer takes phone calls (tel: links). Copy the number and call from your phone.",
  not_your_message: "Only messages you sent can have an incident.",
  invalid_reminder: "A reminder can be set from 1 minute to 24 hours ahead.",
  urgent_limit: "You have sent the most urgent notices allowed in this conversation for now (3 per hour). Call instead, or try again later.",
  blocked: "You blocked this person. Unblock them to write or connect again.",
  recipient_unavailable: "This person is not available.",
  cannot_block_self: "You can't block yourself.",
  cannot_report_self: "You can't report yourself.",
  evidence_required: "Choose at least one message as evidence when reporting a conversation.",
  evidence_not_found: "One of the messages chosen as evidence isn't in a conversation you're part of.",
  evidence_mismatch: "One of the messages chosen as evidence doesn't match the server's record, so it can't be used.",
  evidence_not_in_conversation: "Evidence must come from the conversation you are reporting.",
  too_much_evidence: "Choose at most 50 messages as evidence.",
  still_queued: "A block or unblock waiting for the server can't be withdrawn. To undo it, unblock or block the person again.",
  already_sending: "It is being sent to the server right now, so it can no longer be withdrawn.",
  report_limit: "You have made many reports today. Please try again tomorrow, or contact support.",
  restricted: "A moderator has restricted your account: you can't start conversations or send invitations for now.",
  suspended: "A moderator has suspended this account.",
  stale_version: "This incident changed on another device; it was merged. Please look again.",
  invalid_hold: "The hold before sending can be at most 120 seconds.",
  invalid_dnd: "Do-not-disturb hours must be within a day.",
  invalid_template: "The wording must be between 1 and 10,000 characters.",
  keychain: "Candor couldn't use the system keychain to store your session. Make sure the keychain is unlocked and try again.",
};

export const FALLBACK_SENTENCE = "Something went wrong. Please try again.";

/** Every code that has its own sentence. */
export const KNOWN_ERROR_CODES: readonly string[] = Object.keys(SENTENCES);

/** A sentence a person can act on, for an error code. */
export function errorSentence(code: string): string {
  return Object.hasOwn(SENTENCES, code) ? SENTENCES[code] : FALLBACK_SENTENCE;
}

/** The sentence for anything a command rejected with. */
export function describeError(e: unknown): string {
  if (e && typeof e === "object" && "code" in e) {
    return errorSentence(String((e as IpcError).code));
  }
  return FALLBACK_SENTENCE;
}

//! Care before a message leaves: the recipient double-check, the checks on
//! the text (sensitive data, tone) and the hold window's controls.
//!
//! [`Client::check_send`] gathers everything the app shows before sending
//! into one [`SendCheck`]. The recipient rules are pure functions over facts
//! read from the mirror ([`RecipientFacts`]), so each rule is tested without
//! a database. Nothing here talks to the server: a message composed offline
//! gets the same care.
//!
//! What this module must not do: decide for the user. Tone hints never
//! block; a recipient card asks for a second look. Only sensitive data is
//! enforced here, by [`Client::send`] refusing it unless the user chose
//! "Send anyway" ([`crate::Outgoing::allow_sensitive`]).

use std::collections::BTreeSet;

use candor_proto::{ConnectionState, ConversationId, ConversationKind, Profile, UserId};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::checks::{self, Finding, ToneHint};
use crate::client::Client;
use crate::error::{CoreError, CoreResult};
use crate::mirror::{self, now_ms};
use crate::model::ClientEvent;
use crate::search::normalise;

/// A recipient picked from the suggestions less than this long ago gets a
/// second look before the first message.
pub const PICKED_WINDOW_MS: i64 = 2 * 60 * 1000;

/// Why a recipient deserves a second look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum RecipientRule {
    /// You have never written to this person (a direct conversation).
    FirstMessage,
    /// A group member you have never written to.
    NeverMessagedInGroup,
    /// Another connection has the same first name or a close display name.
    SimilarName,
    /// You picked this person from the suggestions moments ago.
    PickedMomentsAgo,
}

/// One rule that fired, with the sentence the card shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RecipientReason {
    pub rule: RecipientRule,
    pub message: String,
}

/// The confirmation card for one recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RecipientCard {
    pub profile: Profile,
    /// The newest message between you two (ms since the epoch), if any.
    pub last_talked: Option<i64>,
    pub reasons: Vec<RecipientReason>,
}

/// Everything to show before a message leaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SendCheck {
    /// Sensitive data in the text; sending it needs "Send anyway".
    pub findings: Vec<Finding>,
    /// Gentle hints about tone; they never block.
    pub tone: Vec<ToneHint>,
    /// Recipients that deserve a second look (empty: none).
    pub cards: Vec<RecipientCard>,
    /// Everyone who will receive it.
    pub recipients: Vec<Profile>,
    /// The hold this device applies (seconds).
    pub hold_seconds: u16,
    /// The user asked to read every message over before it leaves.
    pub read_it_over: bool,
}

impl SendCheck {
    /// Whether the app shows a confirmation step before sending.
    pub fn needs_confirmation(&self) -> bool {
        self.read_it_over || !self.findings.is_empty() || !self.cards.is_empty()
    }
}

/// What the recipient rules look at, for one recipient.
#[derive(Debug, Clone)]
pub struct RecipientFacts {
    pub conversation_kind: ConversationKind,
    pub recipient: Profile,
    /// You have written to this person before (anywhere, or queued).
    pub ever_messaged: bool,
    /// Your other accepted connections.
    pub others: Vec<Profile>,
    /// How long ago you picked this conversation's recipient from the
    /// suggestions, if you did and have not written since.
    pub picked_ms_ago: Option<i64>,
}

/// The rules, in the order the card lists them.
pub fn recipient_reasons(facts: &RecipientFacts) -> Vec<RecipientReason> {
    let name = &facts.recipient.display_name;
    let mut reasons = Vec::new();
    if !facts.ever_messaged {
        reasons.push(match facts.conversation_kind {
            ConversationKind::Direct => RecipientReason {
                rule: RecipientRule::FirstMessage,
                message: format!("This is your first message to {name}."),
            },
            ConversationKind::Group => RecipientReason {
                rule: RecipientRule::NeverMessagedInGroup,
                message: format!("You have never written to {name} before."),
            },
        });
    }
    let first = first_name(name);
    let same_first: Vec<&Profile> = facts
        .others
        .iter()
        .filter(|o| o.user_id != facts.recipient.user_id)
        .filter(|o| !first.is_empty() && first_name(&o.display_name) == first)
        .collect();
    let close: Vec<&Profile> = facts
        .others
        .iter()
        .filter(|o| o.user_id != facts.recipient.user_id)
        .filter(|o| !same_first.iter().any(|s| s.user_id == o.user_id))
        .filter(|o| names_close(name, &o.display_name))
        .collect();
    if !same_first.is_empty() {
        let first_shown = name.split_whitespace().next().unwrap_or(name);
        reasons.push(RecipientReason {
            rule: RecipientRule::SimilarName,
            message: if same_first.len() == 1 {
                format!(
                    "Another connection is also called {first_shown}: {}",
                    describe(same_first[0])
                )
            } else {
                format!(
                    "Other connections are also called {first_shown}: {}",
                    list(&same_first)
                )
            },
        });
    }
    if !close.is_empty() {
        reasons.push(RecipientReason {
            rule: RecipientRule::SimilarName,
            message: if close.len() == 1 {
                format!(
                    "Another connection has a similar name: {}",
                    describe(close[0])
                )
            } else {
                format!("Other connections have similar names: {}", list(&close))
            },
        });
    }
    if let Some(ago) = facts.picked_ms_ago {
        if (0..PICKED_WINDOW_MS).contains(&ago) {
            reasons.push(RecipientReason {
                rule: RecipientRule::PickedMomentsAgo,
                message: format!(
                    "You picked {name} from the suggestions moments ago: is this the right person?"
                ),
            });
        }
    }
    reasons
}

fn describe(p: &Profile) -> String {
    format!("{} (@{})", p.display_name, p.handle)
}

fn list(people: &[&Profile]) -> String {
    people
        .iter()
        .map(|p| describe(p))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The first word of a display name, folded (case and accents ignored).
fn first_name(display_name: &str) -> String {
    display_name
        .split_whitespace()
        .next()
        .map(normalise)
        .unwrap_or_default()
}

/// Display names a slip of the finger apart: within one edit for names up to
/// eight letters, two edits beyond.
fn names_close(a: &str, b: &str) -> bool {
    let a: Vec<char> = normalise(a).chars().collect();
    let b: Vec<char> = normalise(b).chars().collect();
    if a == b {
        return true;
    }
    let shorter = a.len().min(b.len());
    if shorter < 4 {
        return false;
    }
    let allowed = if shorter <= 8 { 1 } else { 2 };
    a.len().abs_diff(b.len()) <= allowed && edit_distance(&a, &b) <= allowed
}

/// Levenshtein distance (insertions, deletions, substitutions).
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

fn picked_key(conversation: ConversationId) -> String {
    format!("picked:{conversation}")
}

/// Facts for every other member of a conversation, read from the mirror.
fn gather_facts(
    conn: &Connection,
    me: UserId,
    conversation: ConversationId,
    now: i64,
) -> CoreResult<Vec<(RecipientFacts, Option<i64>)>> {
    let kind: String = conn
        .query_row(
            "SELECT kind FROM conversations WHERE id = ?1",
            [conversation.0],
            |r| r.get(0),
        )
        .optional()?
        .ok_or(CoreError::NotFound("conversation"))?;
    let conversation_kind = if kind == "group" {
        ConversationKind::Group
    } else {
        ConversationKind::Direct
    };
    let members: Vec<i64> = conn
        .prepare_cached(
            "SELECT user_id FROM members WHERE conversation_id = ?1 AND user_id != ?2 ORDER BY user_id",
        )?
        .query_map(params![conversation.0, me.0], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let connections: Vec<Profile> = mirror::connections(conn)?
        .into_iter()
        .filter(|c| c.state == ConnectionState::Accepted)
        .map(|c| c.peer)
        .collect();
    let picked_at: Option<i64> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [picked_key(conversation)],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .and_then(|v| v.parse().ok());
    let mut out = Vec::with_capacity(members.len());
    for member in members {
        let user = UserId(member);
        let recipient = mirror::profile_or_stand_in(conn, user)?;
        let ever_messaged: bool = conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM members mm JOIN messages m ON m.conversation_id = mm.conversation_id
                                WHERE mm.user_id = ?1 AND m.sender = ?2)
                     OR EXISTS (SELECT 1 FROM members mm JOIN outbox o ON o.conversation_id = mm.conversation_id
                                WHERE mm.user_id = ?1 AND o.state != 'failed')",
            )?
            .query_row(params![member, me.0], |r| r.get(0))?;
        let last_talked = last_talked(conn, me, user)?;
        out.push((
            RecipientFacts {
                conversation_kind,
                recipient,
                ever_messaged,
                others: connections.clone(),
                picked_ms_ago: picked_at.map(|t| now - t),
            },
            last_talked,
        ));
    }
    Ok(out)
}

/// The newest message between `me` and `peer` in any conversation both are in.
fn last_talked(conn: &Connection, me: UserId, peer: UserId) -> CoreResult<Option<i64>> {
    let shared: Vec<i64> = conn
        .prepare_cached(
            "SELECT a.conversation_id FROM members a JOIN members b ON b.conversation_id = a.conversation_id
             WHERE a.user_id = ?1 AND b.user_id = ?2",
        )?
        .query_map(params![me.0, peer.0], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut newest: Option<i64> = None;
    let mut stmt = conn.prepare_cached(
        "SELECT server_time FROM messages WHERE conversation_id = ?1 AND sender IN (?2, ?3)
         ORDER BY seq DESC LIMIT 1",
    )?;
    for conversation in shared {
        let time: Option<i64> = stmt
            .query_row(params![conversation, me.0, peer.0], |r| r.get(0))
            .optional()?;
        newest = newest.max(time);
    }
    Ok(newest)
}

impl Client {
    /// Everything to show before `body` is sent to `conversation`: findings,
    /// tone hints, recipient cards, the hold. Works offline.
    pub async fn check_send(
        &self,
        conversation: ConversationId,
        body: &str,
    ) -> CoreResult<SendCheck> {
        let me = self.reader_me().await?;
        let findings = checks::scan(body);
        let tone = checks::tone_hints(body);
        let settings = self.settings().await?;
        let now = now_ms();
        let facts = self
            .inner
            .db
            .read(move |c| gather_facts(c, me, conversation, now))
            .await?;
        let recipients = facts.iter().map(|(f, _)| f.recipient.clone()).collect();
        let cards = facts
            .into_iter()
            .filter_map(|(facts, last_talked)| {
                let reasons = recipient_reasons(&facts);
                (!reasons.is_empty()).then_some(RecipientCard {
                    profile: facts.recipient,
                    last_talked,
                    reasons,
                })
            })
            .collect();
        Ok(SendCheck {
            findings,
            tone,
            cards,
            recipients,
            hold_seconds: settings.hold_seconds.min(crate::prefs::MAX_HOLD_SECONDS),
            read_it_over: settings.read_it_over,
        })
    }

    /// Notes that the user just picked this conversation's recipient from the
    /// suggestions, so the first message gets a second look.
    pub async fn note_recipient_picked(&self, conversation: ConversationId) -> CoreResult<()> {
        let now = now_ms();
        self.inner
            .db
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO settings (key, value) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    params![picked_key(conversation), now.to_string()],
                )?;
                Ok(())
            })
            .await
    }

    /// Cancels a message that has not left this device (held, waiting, or
    /// refused by the server) and returns its text for the composer. Once
    /// the server has it, it is permanent: `already_sent`.
    pub async fn cancel_pending(&self, client_id: Uuid) -> CoreResult<String> {
        let (conversation, body, reopened) = self
            .inner
            .db
            .write(move |tx| {
                let row: Option<(i64, String, String, bool)> = tx
                    .query_row(
                        "SELECT conversation_id, state, request, maybe_sent FROM outbox WHERE client_id = ?1",
                        [client_id.as_bytes().as_slice()],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                    )
                    .optional()?;
                let Some((conversation, state, request, maybe_sent)) = row else {
                    return Err(CoreError::NotFound("pending message"));
                };
                if !matches!(state.as_str(), "held" | "ready" | "failed") {
                    return Err(CoreError::invalid(
                        "already_sent",
                        "This message has already left the device; sent messages are permanent",
                    ));
                }
                if maybe_sent {
                    return Err(CoreError::invalid(
                        "maybe_sent",
                        "The connection broke while this message was being sent, so it may already be delivered; it can no longer be cancelled",
                    ));
                }
                let request: candor_proto::SendMessageRequest = serde_json::from_str(&request)?;
                tx.execute(
                    "DELETE FROM outbox WHERE client_id = ?1",
                    [client_id.as_bytes().as_slice()],
                )?;
                tx.execute(
                    "DELETE FROM sent_findings WHERE client_id = ?1",
                    [client_id.as_bytes().as_slice()],
                )?;
                // A damage-control step that sent it is to do again.
                let reopened =
                    crate::incidents::reopen_cancelled_follow_up(tx, client_id, now_ms())?;
                Ok((ConversationId(conversation), request.body, reopened))
            })
            .await?;
        self.inner
            .emit(ClientEvent::ConversationChanged { id: conversation });
        if !reopened.is_empty() {
            for id in reopened {
                self.inner.emit(ClientEvent::IncidentChanged { id });
            }
            self.inner.outbox_wake.notify_one();
        }
        Ok(body)
    }

    /// Ends the hold of a held message: it leaves now.
    pub async fn send_now(&self, client_id: Uuid) -> CoreResult<()> {
        let now = now_ms();
        let conversation = self
            .inner
            .db
            .write(move |tx| {
                let conversation: Option<i64> = tx
                    .query_row(
                        "UPDATE outbox SET state = 'ready', hold_until = ?2
                         WHERE client_id = ?1 AND state = 'held' RETURNING conversation_id",
                        params![client_id.as_bytes().as_slice(), now],
                        |r| r.get(0),
                    )
                    .optional()?;
                conversation.ok_or(CoreError::NotFound("held message"))
            })
            .await?;
        self.inner.emit(ClientEvent::ConversationChanged {
            id: ConversationId(conversation),
        });
        self.inner.outbox_wake.notify_one();
        Ok(())
    }
}

/// Records what the detector found in a queued message, and forgets that
/// its recipient was picked moments ago (it has been written to now).
pub(crate) fn record_send(
    tx: &rusqlite::Transaction<'_>,
    conversation: ConversationId,
    client_id: Uuid,
    findings: &[Finding],
    now: i64,
) -> CoreResult<()> {
    if !findings.is_empty() {
        tx.execute(
            "INSERT INTO sent_findings (client_id, findings, created_at) VALUES (?1, ?2, ?3)",
            params![
                client_id.as_bytes().as_slice(),
                serde_json::to_string(findings)?,
                now
            ],
        )?;
    }
    tx.execute(
        "DELETE FROM settings WHERE key = ?1",
        [picked_key(conversation)],
    )?;
    Ok(())
}

/// The kinds found, for an error message ("a payment card number and a password").
pub(crate) fn describe_findings(findings: &[Finding]) -> String {
    let labels: BTreeSet<String> = findings
        .iter()
        .map(|f| f.kind.label().to_lowercase())
        .collect();
    let labels: Vec<String> = labels.into_iter().collect();
    match labels.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: i64, handle: &str, name: &str) -> Profile {
        Profile {
            user_id: UserId(id),
            handle: handle.to_owned(),
            display_name: name.to_owned(),
            headline: String::new(),
            phone: None,
        }
    }

    fn facts(recipient: Profile, others: Vec<Profile>) -> RecipientFacts {
        RecipientFacts {
            conversation_kind: ConversationKind::Direct,
            recipient,
            ever_messaged: true,
            others,
            picked_ms_ago: None,
        }
    }

    fn rules(reasons: &[RecipientReason]) -> Vec<RecipientRule> {
        reasons.iter().map(|r| r.rule).collect()
    }

    #[test]
    fn a_familiar_recipient_gets_no_card() {
        let dana = person(2, "dana", "Dana Whitfield");
        let others = vec![dana.clone(), person(3, "bob", "Bob Okafor")];
        assert!(recipient_reasons(&facts(dana, others)).is_empty());
    }

    #[test]
    fn the_first_message_to_someone_is_named() {
        let dana = person(2, "dana", "Dana Whitfield");
        let mut f = facts(dana, vec![]);
        f.ever_messaged = false;
        let reasons = recipient_reasons(&f);
        assert_eq!(rules(&reasons), [RecipientRule::FirstMessage]);
        assert_eq!(
            reasons[0].message,
            "This is your first message to Dana Whitfield."
        );
    }

    #[test]
    fn a_group_member_never_written_to_is_named() {
        let dana = person(2, "dana", "Dana Whitfield");
        let mut f = facts(dana, vec![]);
        f.ever_messaged = false;
        f.conversation_kind = ConversationKind::Group;
        let reasons = recipient_reasons(&f);
        assert_eq!(rules(&reasons), [RecipientRule::NeverMessagedInGroup]);
        assert_eq!(
            reasons[0].message,
            "You have never written to Dana Whitfield before."
        );
    }

    #[test]
    fn another_connection_with_the_same_first_name_is_named() {
        let dana = person(2, "dana", "Dana Whitfield");
        let other = person(4, "dana.o", "Dana Ortiz");
        let reasons = recipient_reasons(&facts(dana.clone(), vec![dana, other]));
        assert_eq!(rules(&reasons), [RecipientRule::SimilarName]);
        assert_eq!(
            reasons[0].message,
            "Another connection is also called Dana: Dana Ortiz (@dana.o)"
        );
    }

    #[test]
    fn first_names_match_across_case_and_accents() {
        let zoe = person(2, "zoe", "Zoë Martin");
        let other = person(4, "zoe.k", "ZOE Keller");
        let reasons = recipient_reasons(&facts(zoe, vec![other]));
        assert_eq!(rules(&reasons), [RecipientRule::SimilarName]);
        assert!(reasons[0].message.contains("Zoë: ZOE Keller (@zoe.k)"));
    }

    #[test]
    fn several_namesakes_are_listed() {
        let dana = person(2, "dana", "Dana Whitfield");
        let others = vec![
            person(4, "dana.o", "Dana Ortiz"),
            person(5, "dana.k", "Dana Kim"),
        ];
        let reasons = recipient_reasons(&facts(dana, others));
        assert_eq!(
            reasons[0].message,
            "Other connections are also called Dana: Dana Ortiz (@dana.o), Dana Kim (@dana.k)"
        );
    }

    #[test]
    fn close_display_names_are_named() {
        let jon = person(2, "jon", "Jon Smith");
        let john = person(4, "john", "John Smith");
        let reasons = recipient_reasons(&facts(jon, vec![john]));
        assert_eq!(rules(&reasons), [RecipientRule::SimilarName]);
        assert_eq!(
            reasons[0].message,
            "Another connection has a similar name: John Smith (@john)"
        );
    }

    #[test]
    fn different_names_are_not_similar() {
        let ann = person(2, "ann", "Ann Lee");
        let others = vec![
            person(4, "bob", "Bob Okafor"),
            person(5, "anna", "Annabel Young"),
            person(6, "al", "Al Lee"),
        ];
        assert!(recipient_reasons(&facts(ann, others)).is_empty());
        assert!(!names_close("Ann Lee", "Al Lee"), "two edits apart");
        assert!(names_close("Katherine Smith", "Catherine Smyth"));
        assert!(!names_close("Katherine Smith", "Karen Smith"));
    }

    #[test]
    fn a_recipient_picked_moments_ago_is_named_within_the_window() {
        let dana = person(2, "dana", "Dana Whitfield");
        let mut f = facts(dana, vec![]);
        f.picked_ms_ago = Some(5_000);
        let reasons = recipient_reasons(&f);
        assert_eq!(rules(&reasons), [RecipientRule::PickedMomentsAgo]);
        assert!(reasons[0].message.starts_with("You picked Dana Whitfield"));
        f.picked_ms_ago = Some(PICKED_WINDOW_MS + 1);
        assert!(recipient_reasons(&f).is_empty());
    }

    #[test]
    fn all_rules_combine_in_order() {
        let dana = person(2, "dana", "Dana Whitfield");
        let mut f = facts(dana, vec![person(4, "dana.o", "Dana Ortiz")]);
        f.ever_messaged = false;
        f.picked_ms_ago = Some(1_000);
        assert_eq!(
            rules(&recipient_reasons(&f)),
            [
                RecipientRule::FirstMessage,
                RecipientRule::SimilarName,
                RecipientRule::PickedMomentsAgo
            ]
        );
    }

    #[test]
    fn edit_distance_counts_edits() {
        let d = |a: &str, b: &str| {
            edit_distance(
                &a.chars().collect::<Vec<_>>(),
                &b.chars().collect::<Vec<_>>(),
            )
        };
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("", "abc"), 3);
        assert_eq!(d("dana", "dana"), 0);
        assert_eq!(d("jon", "john"), 1);
    }
}

//! Guided damage control, the pure part: what an incident is, which steps
//! each case recommends in the current state, how two devices' edits of one
//! incident merge, and when urgent notices repeat and reminders fire.
//!
//! Nothing here touches the database, the network or the clock: callers pass
//! facts and `now`, so every rule is tested with an injected time and no
//! waiting. The I/O around it lives in `incidents.rs`.

use std::collections::BTreeMap;

use candor_proto::{ConversationId, MessageId, Profile};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::checks::{Finding, FindingKind};
use crate::model::DeliveryState;

/// What went wrong with a message, as its sender tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum IncidentCase {
    /// Sent to the wrong person.
    WrongPerson,
    /// The information was inaccurate.
    Inaccurate,
    /// It shared sensitive or confidential information.
    Sensitive,
    /// The tone was unprofessional or hurtful.
    Tone,
    /// They must act, or must not act, on it soon.
    TimeSensitive,
}

/// One recommended step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepKind {
    /// Ask the recipients to disregard it (a retraction).
    Retract,
    /// Send the intended text to the right person.
    SendToRightPerson,
    /// Send a correction linked to the original.
    Correct,
    /// Ask the recipients not to use or share what was sent.
    AskNotToShare,
    /// Change or revoke a credential the message disclosed.
    RotateSecret {
        finding: FindingKind,
        /// The masked secret, e.g. "AKIA…1234".
        masked: String,
    },
    /// If they threaten to misuse it: report them and block them.
    ReportAndBlock,
    /// Apologise.
    Apologise,
    /// An urgent notice: repeated critical notifications until read.
    UrgentNotice,
    /// Call the recipient.
    Call,
    /// A reminder if the message is still unread after a while.
    RemindIfUnread,
}

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Todo,
    Done,
    Skipped,
}

/// The outcome of a call, recorded with its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    Reached,
    Voicemail,
    NoAnswer,
}

/// One step of an incident's checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Step {
    /// Stable within the incident ("retract", "rotate-0", …).
    pub id: String,
    pub kind: StepKind,
    pub title: String,
    /// Why, in the current state ("Bob has not read it yet: …").
    pub detail: String,
    /// Editable wording for steps that send a message.
    pub draft: Option<String>,
    /// Recommended only in some situations ("if time matters").
    pub optional: bool,
    pub status: StepStatus,
    /// When it was done or skipped (ms since the epoch).
    pub done_at: Option<i64>,
    /// The follow-up this step sent, if any.
    pub message_client_id: Option<Uuid>,
    pub call_outcome: Option<CallOutcome>,
    /// A free note ("Revoked in the AWS console").
    pub note: Option<String>,
}

/// A damage-control incident: one message of yours, what went wrong, and
/// the checklist of what to do about it. Private to you; synced to your
/// other devices through the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Incident {
    pub id: Uuid,
    pub case: IncidentCase,
    pub conversation_id: ConversationId,
    pub message_id: MessageId,
    /// The start of the message, so the list reads without the thread.
    pub excerpt: String,
    /// Who received it (names as they were then).
    pub recipient_names: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Set when every required step is done or skipped, or the user closed it.
    pub resolved_at: Option<i64>,
    /// The user closed it before finishing.
    pub closed_early: bool,
    pub steps: Vec<Step>,
    /// Follow-ups cancelled in their hold: a step that sent one is to do
    /// again, whatever another device's older copy says.
    #[serde(default)]
    pub cancelled_follow_ups: Vec<Uuid>,
}

/// A recipient of the original, and whether it reached and was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RecipientFact {
    pub profile: Profile,
    pub state: DeliveryState,
}

/// What the checklist is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentFacts {
    pub case: IncidentCase,
    pub body: String,
    pub recipients: Vec<RecipientFact>,
    /// What the sensitive-data check found in the message when it was sent
    /// (or now, for messages sent before the check existed).
    pub findings: Vec<Finding>,
    pub retraction_template: String,
    pub apology_template: String,
}

impl IncidentFacts {
    fn names(&self) -> String {
        list_names(
            self.recipients
                .iter()
                .map(|r| r.profile.display_name.as_str()),
        )
    }

    fn unread(&self) -> Vec<&RecipientFact> {
        self.recipients
            .iter()
            .filter(|r| r.state != DeliveryState::Read)
            .collect()
    }

    fn callable(&self) -> Vec<&RecipientFact> {
        self.recipients
            .iter()
            .filter(|r| r.profile.phone.as_deref().is_some_and(|p| !p.is_empty()))
            .collect()
    }
}

fn list_names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    match names.as_slice() {
        [] => "the recipient".to_owned(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn step(id: &str, kind: StepKind, title: String, detail: String) -> Step {
    Step {
        id: id.to_owned(),
        kind,
        title,
        detail,
        draft: None,
        optional: false,
        status: StepStatus::Todo,
        done_at: None,
        message_client_id: None,
        call_outcome: None,
        note: None,
    }
}

impl Step {
    fn optional(mut self) -> Step {
        self.optional = true;
        self
    }

    fn with_draft(mut self, draft: String) -> Step {
        self.draft = Some(draft);
        self
    }
}

/// What reading state says about the original, in one sentence.
fn read_state(facts: &IncidentFacts) -> String {
    let unread = facts.unread();
    if unread.is_empty() {
        format!("{} has read it.", facts.names())
    } else if unread.len() == facts.recipients.len() {
        format!("{} has not read it yet.", facts.names())
    } else {
        format!(
            "{} has not read it yet.",
            list_names(unread.iter().map(|r| r.profile.display_name.as_str()))
        )
    }
}

/// Rotation advice for a credential the message disclosed.
fn rotate_title(f: &Finding) -> String {
    match f.kind {
        FindingKind::AwsAccessKey => {
            format!("Deactivate the AWS key {} and create a new one", f.masked)
        }
        FindingKind::GithubToken => format!("Revoke the GitHub token {}", f.masked),
        FindingKind::SlackToken => format!("Revoke the Slack token or webhook {}", f.masked),
        FindingKind::StripeKey => format!("Roll the Stripe key {}", f.masked),
        FindingKind::GoogleApiKey => format!("Delete or restrict the Google API key {}", f.masked),
        FindingKind::PrivateKey => "Replace the private key and revoke its certificate".to_owned(),
        FindingKind::Jwt => format!("Invalidate the session token {}", f.masked),
        FindingKind::Password => "Change the password that was shared".to_owned(),
        FindingKind::HighEntropyToken => format!("Revoke the token {}", f.masked),
        FindingKind::PaymentCard => format!("Ask your bank to block the card {}", f.masked),
        FindingKind::Iban => format!("Tell your bank the account {} was shared", f.masked),
        FindingKind::UsSsn => {
            "Consider a credit freeze for the shared social security number".to_owned()
        }
    }
}

/// The sensitive-data steps: ask them not to share it, rotate each secret,
/// and report and block if they threaten to misuse it.
fn sensitive_steps(facts: &IncidentFacts, out: &mut Vec<Step>) {
    let names = facts.names();
    out.push(
        step(
            "ask-not-to-share",
            StepKind::AskNotToShare,
            format!("Ask {names} not to use or share it"),
            "A message that says so plainly, linked to the original, is on the record if it is misused later."
                .to_owned(),
        )
        .with_draft(
            "My earlier message contained confidential information that was not meant to be shared. Please do not use, forward or keep it, and delete any copies outside this conversation."
                .to_owned(),
        ),
    );
    for (i, f) in facts.findings.iter().enumerate() {
        out.push(step(
            &format!("rotate-{i}"),
            StepKind::RotateSecret {
                finding: f.kind,
                masked: f.masked.clone(),
            },
            rotate_title(f),
            format!(
                "The message cannot be unsent, so the {} must be treated as known to others. Mark this done once it no longer works.",
                f.label.to_lowercase()
            ),
        ));
    }
    out.push(
        step(
            "report-block",
            StepKind::ReportAndBlock,
            "If they threaten to misuse it: report and block".to_owned(),
            "Report the person with the messages as evidence, and block them so they cannot contact you."
                .to_owned(),
        )
        .optional(),
    );
}

/// The recommended checklist for a case in the current state.
pub fn plan(facts: &IncidentFacts) -> Vec<Step> {
    let names = facts.names();
    let state = read_state(facts);
    let unread = !facts.unread().is_empty();
    let callable = facts.callable();
    let call_detail = |why: &str| {
        let who = list_names(callable.iter().map(|r| r.profile.display_name.as_str()));
        format!("{why} {who} shared a phone number with you.")
    };
    let mut out = Vec::new();
    match facts.case {
        IncidentCase::WrongPerson => {
            out.push(
                step(
                    "retract",
                    StepKind::Retract,
                    format!("Ask {names} to disregard it"),
                    format!(
                        "{state} A retraction is shown attached to the original on both sides."
                    ),
                )
                .with_draft(facts.retraction_template.clone()),
            );
            out.push(
                step(
                    "send-to-right-person",
                    StepKind::SendToRightPerson,
                    "Send it to the right person".to_owned(),
                    "The text is copied into a new message; the recipient check runs before it leaves."
                        .to_owned(),
                )
                .with_draft(facts.body.clone()),
            );
            if !facts.findings.is_empty() {
                sensitive_steps(facts, &mut out);
            }
            if unread {
                out.push(reminder_step(facts));
            }
        }
        IncidentCase::Inaccurate => {
            let detail = if unread {
                format!("{state} They will see the correction together with the original when they open it.")
            } else {
                format!("{state} The correction is attached beneath the original on both sides.")
            };
            out.push(step(
                "correct",
                StepKind::Correct,
                "Send a correction".to_owned(),
                detail,
            ));
            out.push(
                step(
                    "urgent",
                    StepKind::UrgentNotice,
                    "If time matters: send an urgent notice".to_owned(),
                    urgent_detail(facts),
                )
                .optional(),
            );
            if unread {
                out.push(reminder_step(facts));
            }
        }
        IncidentCase::Sensitive => {
            sensitive_steps(facts, &mut out);
            if facts.findings.is_empty() {
                out.push(step(
                    "rotate-manual",
                    StepKind::RotateSecret {
                        finding: FindingKind::Password,
                        masked: String::new(),
                    },
                    "Change whatever the message disclosed".to_owned(),
                    "The check found no known secret format; if it held a password, key or code, change it: it must be treated as known to others."
                        .to_owned(),
                ));
            }
        }
        IncidentCase::Tone => {
            out.push(
                step(
                    "apologise",
                    StepKind::Apologise,
                    format!("Apologise to {names}"),
                    "An apology is linked to the original and shown with it.".to_owned(),
                )
                .with_draft(facts.apology_template.clone()),
            );
            if !callable.is_empty() {
                out.push(
                    step(
                        "call",
                        StepKind::Call,
                        format!("Call {names}"),
                        call_detail("A call can repair more than a message."),
                    )
                    .optional(),
                );
            }
        }
        IncidentCase::TimeSensitive => {
            out.push(step(
                "urgent",
                StepKind::UrgentNotice,
                "Send an urgent notice".to_owned(),
                urgent_detail(facts),
            ));
            if !callable.is_empty() {
                out.push(step(
                    "call",
                    StepKind::Call,
                    format!("Call {names}"),
                    call_detail("When minutes count, a call is fastest."),
                ));
            }
            if unread {
                out.push(reminder_step(facts));
            }
        }
    }
    out
}

fn urgent_detail(facts: &IncidentFacts) -> String {
    format!(
        "{} On {}'s side, Candor shows a critical notification at once and repeats it every 2 minutes for up to 20 minutes until it is read, even during do-not-disturb unless they turned that off. At most 3 per conversation per hour.",
        read_state(facts),
        facts.names()
    )
}

fn reminder_step(facts: &IncidentFacts) -> Step {
    step(
        "remind",
        StepKind::RemindIfUnread,
        "Remind me if it is still unread".to_owned(),
        format!(
            "{} A local reminder comes only if it is still unread then.",
            read_state(facts)
        ),
    )
    .optional()
}

impl Incident {
    /// Whether every required step is done or skipped.
    pub fn steps_finished(&self) -> bool {
        self.steps
            .iter()
            .filter(|s| !s.optional)
            .all(|s| s.status != StepStatus::Todo)
    }

    /// A follow-up a step sent was cancelled before it left the device:
    /// the step is to do again (its edited wording stays). Returns whether
    /// any step changed.
    pub fn reopen_follow_up(&mut self, client_id: Uuid) -> bool {
        let sent_by_a_step = self
            .steps
            .iter()
            .any(|s| s.message_client_id == Some(client_id));
        if !sent_by_a_step {
            return false;
        }
        if !self.cancelled_follow_ups.contains(&client_id) {
            self.cancelled_follow_ups.push(client_id);
        }
        self.reopen_cancelled()
    }

    /// Reopens every step whose follow-up was cancelled.
    fn reopen_cancelled(&mut self) -> bool {
        let mut changed = false;
        for s in &mut self.steps {
            if s.message_client_id
                .is_some_and(|id| self.cancelled_follow_ups.contains(&id))
            {
                s.status = StepStatus::Todo;
                s.done_at = None;
                s.message_client_id = None;
                changed = true;
            }
        }
        changed
    }

    /// Marks the incident resolved once its steps are finished.
    pub fn settle(&mut self, now: i64) {
        if self.resolved_at.is_none() && self.steps_finished() {
            self.resolved_at = Some(now);
        } else if self.resolved_at.is_some() && !self.closed_early && !self.steps_finished() {
            self.resolved_at = None;
        }
    }
}

/// Merges two devices' versions of one incident: a step that is done or
/// skipped on either side stays so (the earlier time wins), notes, outcomes
/// and sent follow-ups are kept, steps known to only one side are kept, and
/// the incident is resolved if either side resolved it.
pub fn merge(a: &Incident, b: &Incident) -> Incident {
    // A follow-up cancelled on either device is cancelled on both before
    // anything else is compared, so an older copy's "done with it" cannot
    // come back, and a step skipped since stays skipped.
    let mut cancelled = a.cancelled_follow_ups.clone();
    for id in &b.cancelled_follow_ups {
        if !cancelled.contains(id) {
            cancelled.push(*id);
        }
    }
    let (mut a, mut b) = (a.clone(), b.clone());
    for copy in [&mut a, &mut b] {
        copy.cancelled_follow_ups.clone_from(&cancelled);
        if copy.reopen_cancelled() {
            copy.resolved_at = copy.resolved_at.filter(|_| copy.closed_early);
        }
    }
    let (a, b) = (&a, &b);
    let (newer, older) = if a.updated_at >= b.updated_at {
        (a, b)
    } else {
        (b, a)
    };
    let mut merged = newer.clone();
    let older_steps: BTreeMap<&str, &Step> =
        older.steps.iter().map(|s| (s.id.as_str(), s)).collect();
    for s in &mut merged.steps {
        let Some(o) = older_steps.get(s.id.as_str()) else {
            continue;
        };
        if s.status == StepStatus::Todo && o.status != StepStatus::Todo {
            s.status = o.status;
            s.done_at = o.done_at;
        } else if s.status != StepStatus::Todo && o.status != StepStatus::Todo {
            s.done_at = match (s.done_at, o.done_at) {
                (Some(x), Some(y)) => Some(x.min(y)),
                (x, y) => x.or(y),
            };
        }
        s.message_client_id = s.message_client_id.or(o.message_client_id);
        s.call_outcome = s.call_outcome.or(o.call_outcome);
        if s.note.is_none() {
            s.note.clone_from(&o.note);
        }
    }
    for o in &older.steps {
        if !merged.steps.iter().any(|s| s.id == o.id) {
            merged.steps.push(o.clone());
        }
    }
    merged.closed_early = a.closed_early || b.closed_early;
    merged.resolved_at = match (a.resolved_at, b.resolved_at) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
    merged.updated_at = a.updated_at.max(b.updated_at);
    merged.settle(merged.updated_at);
    merged
}

// ------------------------------------------------------------------ alerts

/// Urgent notices repeat this often until read…
pub const URGENT_REPEAT_MS: i64 = 2 * 60 * 1000;
/// …for at most this long after the first notification.
pub const URGENT_REPEAT_FOR_MS: i64 = 20 * 60 * 1000;

/// What to do about an urgent notice that has been notified before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertDecision {
    /// Notify again now.
    Repeat,
    /// Nothing yet; look again at this time.
    WaitUntil(i64),
    /// Read, or repeated long enough: stop.
    Stop,
}

/// The repeat rule for one urgent notice, first notified at `first_at` and
/// last at `last_at`, with `every` between repeats (normally
/// [`URGENT_REPEAT_MS`]).
pub fn urgent_decision(
    first_at: i64,
    last_at: i64,
    read: bool,
    now: i64,
    every: i64,
) -> AlertDecision {
    if read || now - first_at > URGENT_REPEAT_FOR_MS {
        return AlertDecision::Stop;
    }
    let next = last_at + every;
    if next > first_at + URGENT_REPEAT_FOR_MS {
        return AlertDecision::Stop;
    }
    if now >= next {
        AlertDecision::Repeat
    } else {
        AlertDecision::WaitUntil(next)
    }
}

/// What a due reminder does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReminderDecision {
    /// Not due yet.
    Wait,
    /// Due and still unread: notify.
    Fire,
    /// Due, but read meanwhile: end silently.
    Drop,
}

pub fn reminder_decision(due_at: i64, read: bool, now: i64) -> ReminderDecision {
    if now < due_at {
        ReminderDecision::Wait
    } else if read {
        ReminderDecision::Drop
    } else {
        ReminderDecision::Fire
    }
}

#[cfg(test)]
mod tests {
    use candor_proto::UserId;

    use super::*;

    fn bob(phone: Option<&str>, state: DeliveryState) -> RecipientFact {
        RecipientFact {
            profile: Profile {
                user_id: UserId(2),
                handle: "bob".to_owned(),
                display_name: "Bob Okafor".to_owned(),
                headline: String::new(),
                phone: phone.map(str::to_owned),
            },
            state,
        }
    }

    fn aws() -> Finding {
        crate::checks::scan("key AKIAZ7QW3RT5YU2XB4NM for the deploy user")
            .into_iter()
            .next()
            .expect("the detector finds the key id")
    }

    fn facts(case: IncidentCase, read: bool, secret: bool, phone: bool) -> IncidentFacts {
        IncidentFacts {
            case,
            body: "The deploy key is AKIAZ7QW3RT5YU2XB4NM".to_owned(),
            recipients: vec![bob(
                phone.then_some("+44 20 7946 0958"),
                if read {
                    DeliveryState::Read
                } else {
                    DeliveryState::Delivered
                },
            )],
            findings: if secret { vec![aws()] } else { vec![] },
            retraction_template: "Please disregard my earlier message.".to_owned(),
            apology_template: "I am sorry about my earlier message.".to_owned(),
        }
    }

    /// A compact, reviewable rendering of a checklist for snapshots.
    fn render(steps: &[Step]) -> String {
        steps
            .iter()
            .map(|s| {
                format!(
                    "[{}{}] {}\n    {}{}",
                    s.id,
                    if s.optional { ", optional" } else { "" },
                    s.title,
                    s.detail,
                    s.draft
                        .as_ref()
                        .map(|d| format!("\n    draft: {d}"))
                        .unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn every_case_in_every_state_has_a_reviewed_checklist() {
        let cases = [
            IncidentCase::WrongPerson,
            IncidentCase::Inaccurate,
            IncidentCase::Sensitive,
            IncidentCase::Tone,
            IncidentCase::TimeSensitive,
        ];
        let mut all = String::new();
        for case in cases {
            for read in [false, true] {
                for secret in [false, true] {
                    for phone in [false, true] {
                        let f = facts(case, read, secret, phone);
                        all.push_str(&format!(
                            "== {case:?} read={read} secret={secret} phone={phone}\n{}\n",
                            render(&plan(&f))
                        ));
                    }
                }
            }
        }
        insta::assert_snapshot!(all);
    }

    #[test]
    fn a_leaked_key_gets_a_rotation_step_naming_it_masked() {
        let steps = plan(&facts(IncidentCase::Sensitive, true, true, false));
        let rotate = steps
            .iter()
            .find(|s| s.id == "rotate-0")
            .expect("rotation step");
        assert!(rotate.title.starts_with("Deactivate the AWS key AKIA"));
        assert!(
            !rotate.title.contains("AKIAZ7QW3RT5YU2XB4NM"),
            "masked: {}",
            rotate.title
        );
    }

    #[test]
    fn call_steps_need_a_shared_phone_number() {
        let without = plan(&facts(IncidentCase::TimeSensitive, false, false, false));
        assert!(!without.iter().any(|s| s.kind == StepKind::Call));
        let with = plan(&facts(IncidentCase::TimeSensitive, false, false, true));
        assert!(with.iter().any(|s| s.kind == StepKind::Call && !s.optional));
    }

    #[test]
    fn an_incident_resolves_when_its_required_steps_are_done() {
        let f = facts(IncidentCase::Inaccurate, false, false, false);
        let mut incident = Incident {
            id: Uuid::nil(),
            case: f.case,
            conversation_id: ConversationId(1),
            message_id: MessageId(1),
            excerpt: String::new(),
            recipient_names: vec![],
            created_at: 0,
            updated_at: 0,
            resolved_at: None,
            closed_early: false,
            cancelled_follow_ups: Vec::new(),
            steps: plan(&f),
        };
        incident.settle(10);
        assert_eq!(incident.resolved_at, None);
        for s in &mut incident.steps {
            if !s.optional {
                s.status = StepStatus::Done;
            }
        }
        incident.settle(20);
        assert_eq!(incident.resolved_at, Some(20));

        // The correction that finished it is cancelled in its hold: the
        // step is to do again and the incident open again.
        let sent = Uuid::from_u128(7);
        let correct = incident
            .steps
            .iter_mut()
            .find(|s| s.kind == StepKind::Correct)
            .expect("a correction step");
        correct.message_client_id = Some(sent);
        correct.draft = Some("Correction: Monday".to_owned());
        let done_elsewhere = incident.clone();
        assert!(!incident.reopen_follow_up(Uuid::from_u128(8)));
        assert!(incident.reopen_follow_up(sent));
        incident.settle(30);
        assert_eq!(incident.resolved_at, None);
        let correct = incident.steps.iter().find(|s| s.kind == StepKind::Correct);
        assert_eq!(
            correct.map(|s| (s.status, s.done_at, s.message_client_id, s.draft.as_deref())),
            Some((StepStatus::Todo, None, None, Some("Correction: Monday")))
        );

        // Another device still has the step done with that follow-up, even
        // a copy edited later: merged either way, the step stays to do.
        for (updated_here, updated_there) in [(40, 35), (40, 50)] {
            incident.updated_at = updated_here;
            let mut there = done_elsewhere.clone();
            there.updated_at = updated_there;
            for merged in [merge(&incident, &there), merge(&there, &incident)] {
                let step = merged.steps.iter().find(|s| s.kind == StepKind::Correct);
                assert_eq!(step.map(|s| s.status), Some(StepStatus::Todo));
                assert_eq!(merged.resolved_at, None);
                assert_eq!(merged.cancelled_follow_ups, vec![sent]);
            }
        }
        // The user then skips the step: merged with the older copy (done
        // with the cancelled follow-up), it stays skipped.
        for s in &mut incident.steps {
            if s.kind == StepKind::Correct {
                s.status = StepStatus::Skipped;
                s.done_at = Some(45);
            }
        }
        incident.updated_at = 45;
        for merged in [
            merge(&incident, &done_elsewhere),
            merge(&done_elsewhere, &incident),
        ] {
            let step = merged.steps.iter().find(|s| s.kind == StepKind::Correct);
            assert_eq!(
                step.map(|s| (s.status, s.message_client_id)),
                Some((StepStatus::Skipped, None))
            );
        }
    }

    #[test]
    fn merging_keeps_what_either_device_did() {
        let f = facts(IncidentCase::TimeSensitive, false, false, true);
        let base = Incident {
            id: Uuid::nil(),
            case: f.case,
            conversation_id: ConversationId(1),
            message_id: MessageId(1),
            excerpt: String::new(),
            recipient_names: vec![],
            created_at: 0,
            updated_at: 0,
            resolved_at: None,
            closed_early: false,
            cancelled_follow_ups: Vec::new(),
            steps: plan(&f),
        };
        let mut laptop = base.clone();
        laptop.steps[0].status = StepStatus::Done;
        laptop.steps[0].done_at = Some(100);
        laptop.updated_at = 100;
        let mut desktop = base;
        desktop.steps[1].status = StepStatus::Done;
        desktop.steps[1].done_at = Some(150);
        desktop.steps[1].call_outcome = Some(CallOutcome::Voicemail);
        desktop.updated_at = 150;
        let merged = merge(&laptop, &desktop);
        assert_eq!(merged.steps[0].status, StepStatus::Done);
        assert_eq!(merged.steps[0].done_at, Some(100));
        assert_eq!(merged.steps[1].call_outcome, Some(CallOutcome::Voicemail));
        assert_eq!(merged.updated_at, 150);
        assert_eq!(merge(&desktop, &laptop), merged, "order does not matter");
    }

    #[test]
    fn urgent_notices_repeat_every_two_minutes_for_twenty_minutes_until_read() {
        let every = URGENT_REPEAT_MS;
        let t0 = 1_000_000;
        assert_eq!(
            urgent_decision(t0, t0, false, t0 + 60_000, every),
            AlertDecision::WaitUntil(t0 + every)
        );
        assert_eq!(
            urgent_decision(t0, t0, false, t0 + every, every),
            AlertDecision::Repeat
        );
        // Read: stop at once.
        assert_eq!(
            urgent_decision(t0, t0, true, t0 + every, every),
            AlertDecision::Stop
        );
        // Count the repeats a never-read notice gets.
        let (mut last, mut now, mut repeats) = (t0, t0, 0);
        loop {
            match urgent_decision(t0, last, false, now, every) {
                AlertDecision::Repeat => {
                    repeats += 1;
                    last = now;
                }
                AlertDecision::WaitUntil(t) => now = t,
                AlertDecision::Stop => break,
            }
        }
        assert_eq!(
            repeats, 10,
            "one notification and ten repeats over 20 minutes"
        );
        assert!(last <= t0 + URGENT_REPEAT_FOR_MS);
    }

    #[test]
    fn reminders_fire_only_when_due_and_unread() {
        assert_eq!(reminder_decision(100, false, 99), ReminderDecision::Wait);
        assert_eq!(reminder_decision(100, false, 100), ReminderDecision::Fire);
        assert_eq!(reminder_decision(100, true, 200), ReminderDecision::Drop);
    }
}

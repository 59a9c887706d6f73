//! A deterministic feed for one user ("me"): Membership events, then
//! messages interleaved across conversations the way a real feed is (a few
//! busy conversations, a long tail of quiet ones), each with its correct
//! chain hash and an ed25519 signature made by a fixed server key.

pub mod text;

use std::collections::HashMap;

use candor_proto::{
    chain, Conversation, ConversationId, ConversationKind, CorrectionFields, EventPayload,
    FeedEvent, Message, MessageId, MessageKind, Profile, UserId,
};
use ed25519_dalek::{SigningKey, VerifyingKey};
use rand::distributions::{Distribution, WeightedIndex};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// The mirror's owner.
pub const ME: UserId = UserId(1);
/// Other people.
const PEOPLE: i64 = 800;
/// 2024-01-01T00:00:00Z in ms.
const START_MS: i64 = 1_704_067_200_000;

#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub conversations: usize,
    /// Every `big_every`-th message goes to conversation 1 (0: none, it is
    /// just the busiest of the Zipf-distributed ones).
    pub big_every: u64,
    pub seed: u64,
}

struct ConvState {
    conversation: Conversation,
    announced: bool,
    seq: i64,
    head: [u8; 32],
    last_id: Option<MessageId>,
    last_by_sender: HashMap<UserId, MessageId>,
}

pub struct Feed {
    rng: StdRng,
    key: SigningKey,
    convs: Vec<ConvState>,
    weights: WeightedIndex<f64>,
    big_every: u64,
    next_id: i64,
    next_feed_seq: i64,
    time: i64,
    pub messages: u64,
}

fn profile(user: i64, rng: &mut StdRng) -> Profile {
    let first = if user == ME.0 { "Me" } else { text::name(rng) };
    let last = [
        "Andersen", "Kowalski", "García", "Okafor", "Nakamura", "Schmidt", "Dubois", "Patel",
        "Larsen", "Silva", "Novak", "O'Brien",
    ]
    .choose(rng)
    .copied()
    .unwrap_or("Smith");
    Profile {
        user_id: UserId(user),
        handle: format!("user{user}"),
        display_name: format!("{first} {last}"),
        headline: "Account manager".into(),
        phone: None,
    }
}

impl Feed {
    pub fn new(shape: Shape) -> Feed {
        let mut rng = StdRng::seed_from_u64(shape.seed);
        let people: Vec<Profile> = (1..=PEOPLE + 1).map(|u| profile(u, &mut rng)).collect();
        let mut convs = Vec::with_capacity(shape.conversations);
        for i in 0..shape.conversations {
            let id = ConversationId(i as i64 + 1);
            // One in five is a group of 3 to 9 people; the rest are direct.
            let group = i > 0 && rng.gen_bool(0.2);
            let mut members = vec![people[0].clone()];
            let others = if group { rng.gen_range(2..9) } else { 1 };
            while members.len() < others + 1 {
                let p = &people[rng.gen_range(1..people.len())];
                if !members.iter().any(|m| m.user_id == p.user_id) {
                    members.push(p.clone());
                }
            }
            let title = if group {
                format!(
                    "{} {}",
                    ["Project", "Team", "Client", "Weekly"]
                        .choose(&mut rng)
                        .copied()
                        .unwrap_or("Project"),
                    ["Atlas", "Finance", "Sales", "Ops", "Legal", "Platform", "Hiring"]
                        .choose(&mut rng)
                        .copied()
                        .unwrap_or("Atlas")
                )
            } else {
                String::new()
            };
            convs.push(ConvState {
                conversation: Conversation {
                    id,
                    kind: if group {
                        ConversationKind::Group
                    } else {
                        ConversationKind::Direct
                    },
                    title,
                    created_by: members[rng.gen_range(0..members.len())].user_id,
                    created_at: START_MS,
                    members,
                },
                announced: false,
                seq: 0,
                head: chain::genesis_hash(id),
                last_id: None,
                last_by_sender: HashMap::new(),
            });
        }
        // Zipf-like activity over the conversations (but the big one).
        let weights = WeightedIndex::new((1..=convs.len()).map(|r| {
            if r == 1 && shape.big_every > 0 {
                0.0
            } else {
                1.0 / r as f64
            }
        }))
        .expect("positive weights");
        Feed {
            rng,
            key: signing_key(),
            convs,
            weights,
            big_every: shape.big_every,
            next_id: 1,
            next_feed_seq: 1,
            time: START_MS,
            messages: 0,
        }
    }

    /// From now on every `every`-th message goes to conversation 1 (1: all
    /// of them). Only between non-zero values: conversation 1 has no Zipf
    /// share when the feed starts with `big_every > 0`.
    #[allow(dead_code)] // the app benchmark mixes 1 and 2 for a 60% share
    pub fn set_big_every(&mut self, every: u64) {
        self.big_every = every;
    }

    /// The next `n` messages (plus Membership events for conversations they
    /// open), chain-linked and signed (signing on two threads).
    pub fn batch(&mut self, n: usize) -> Vec<FeedEvent> {
        let mut events = Vec::with_capacity(n + 16);
        for _ in 0..n {
            let k = self.messages;
            self.messages += 1;
            let c = if self.big_every > 0 && k % self.big_every == 0 {
                0
            } else {
                self.weights.sample(&mut self.rng)
            };
            if !self.convs[c].announced {
                self.convs[c].announced = true;
                events.push(FeedEvent {
                    seq: self.next_feed_seq,
                    event: EventPayload::Membership(self.convs[c].conversation.clone()),
                });
                self.next_feed_seq += 1;
            }
            let message = self.message(c);
            events.push(FeedEvent {
                seq: self.next_feed_seq,
                event: EventPayload::Message(message),
            });
            self.next_feed_seq += 1;
        }
        sign_all(&self.key, &mut events);
        events
    }

    fn message(&mut self, c: usize) -> Message {
        let rng = &mut self.rng;
        self.time += rng.gen_range(1_000..90_000);
        self.next_id += rng.gen_range(1..4);
        let conv = &mut self.convs[c];
        let members = &conv.conversation.members;
        let sender = if rng.gen_bool(0.35) {
            ME
        } else {
            members[rng.gen_range(1..members.len())].user_id
        };
        let own_last = conv.last_by_sender.get(&sender).copied();
        let roll = rng.gen_range(0..1000);
        let (kind, reference, body, correction) = match (roll, own_last, conv.last_id) {
            (0..=9, Some(own), _) => (
                MessageKind::Correction,
                Some(own),
                "Correction to my previous message.".to_owned(),
                Some(CorrectionFields {
                    what_was_wrong: format!("The date: I wrote {}", text::body(rng)),
                    correct_information: format!(
                        "It is {} {}, not earlier.",
                        rng.gen_range(1..29),
                        ["March", "June", "September", "December"]
                            .choose(rng)
                            .copied()
                            .unwrap_or("March")
                    ),
                }),
            ),
            (10..=12, Some(own), _) => (
                MessageKind::Retraction,
                Some(own),
                "Please disregard my previous message, it went to the wrong thread.".to_owned(),
                None,
            ),
            (13..=15, _, Some(last)) => (
                MessageKind::Urgent,
                Some(last),
                "Urgent: please look at this before the client call.".to_owned(),
                None,
            ),
            (16..=19, _, _) => (
                MessageKind::Apology,
                None,
                "Sorry for the delay on this, it's been a hectic week.".to_owned(),
                None,
            ),
            _ => (MessageKind::Text, None, text::body(rng), None),
        };
        let mut random = [0u8; 10];
        rng.fill(&mut random);
        let client_id =
            uuid::Builder::from_unix_timestamp_millis(self.time as u64, &random).into_uuid();
        conv.seq += 1;
        let mut m = Message {
            id: MessageId(self.next_id),
            conversation_id: conv.conversation.id,
            seq: conv.seq,
            sender,
            client_id,
            server_time: self.time,
            kind,
            reference,
            body,
            correction,
            chain_hash: String::new(),
            signature: String::new(),
        };
        let hash = chain::chain_hash(&conv.head, &m.canonical());
        m.chain_hash = hex::encode(hash);
        conv.head = hash;
        conv.last_id = Some(m.id);
        conv.last_by_sender.insert(sender, m.id);
        m
    }
}

/// The fixed "server" key.
pub fn signing_key() -> SigningKey {
    SigningKey::from_bytes(&[42u8; 32])
}

pub fn verifying_key() -> VerifyingKey {
    signing_key().verifying_key()
}

fn sign_all(key: &SigningKey, events: &mut [FeedEvent]) {
    let half = events.len().div_ceil(2).max(1);
    std::thread::scope(|s| {
        for chunk in events.chunks_mut(half) {
            s.spawn(move || {
                for e in chunk {
                    if let EventPayload::Message(m) = &mut e.event {
                        let hash = chain::parse_hash(&m.chain_hash).expect("hash we made");
                        m.signature = chain::sign_chain_hash(key, m.conversation_id, m.seq, &hash);
                    }
                }
            });
        }
    });
}

/// The text the mirror puts in the FTS index for a message (folded), for the
/// sqlite3 baseline.
pub fn indexed_text(m: &Message) -> String {
    let text = match &m.correction {
        Some(c) => format!(
            "{}\n{}\n{}",
            m.body, c.what_was_wrong, c.correct_information
        ),
        None => m.body.clone(),
    };
    candor_core::search::fold(&text)
}

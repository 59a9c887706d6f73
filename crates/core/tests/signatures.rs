//! The server's signatures are checked on every page the mirror applies, on
//! a second thread for large pages and inline for small ones: a forged
//! signature raises the integrity alarm for exactly its conversation either
//! way, and an honest page raises none.

#[path = "../benches/support/mod.rs"]
#[allow(dead_code)]
mod support;

use candor_core::{mirror, Db};
use candor_proto::{ConversationId, EventPayload, FeedEvent};
use rusqlite::TransactionBehavior;
use support::{Feed, Shape, ME};

fn apply(db: &Db, events: &[FeedEvent]) {
    let key = support::verifying_key();
    let next = events.last().map_or(0, |e| e.seq);
    db.write_blocking(|conn| {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        mirror::apply_events(&tx, ME, &key, events, next)?;
        tx.commit()?;
        Ok(())
    })
    .expect("the page applies");
}

/// Forges the signature of the last message of the page in `conversation`.
fn forge_last(events: &mut [FeedEvent], conversation: ConversationId) {
    let last = events
        .iter_mut()
        .rev()
        .find_map(|e| match &mut e.event {
            EventPayload::Message(m) if m.conversation_id == conversation => Some(m),
            _ => None,
        })
        .expect("a message in that conversation");
    let flipped = if last.signature.starts_with('0') {
        "1"
    } else {
        "0"
    };
    last.signature.replace_range(0..1, flipped);
}

fn conversations_in(events: &[FeedEvent]) -> Vec<ConversationId> {
    let mut ids: Vec<ConversationId> = events
        .iter()
        .filter_map(|e| match &e.event {
            EventPayload::Message(m) => Some(m.conversation_id),
            _ => None,
        })
        .collect();
    ids.sort_by_key(|c| c.0);
    ids.dedup();
    ids
}

fn alarmed(db: &Db) -> Vec<ConversationId> {
    db.write_blocking(|conn| mirror::alarms(conn, None))
        .expect("alarms read")
        .into_iter()
        .map(|a| a.conversation_id)
        .collect()
}

#[test]
fn a_forged_signature_raises_the_alarm_for_its_conversation_on_a_large_page() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("mirror.sqlite3")).unwrap();
    let mut feed = Feed::new(Shape {
        conversations: 60,
        big_every: 0,
        seed: 11,
    });
    // An honest page first: many conversations, so checked in parallel.
    let honest = feed.batch(1000);
    assert!(conversations_in(&honest).len() >= 16);
    apply(&db, &honest);
    assert!(alarmed(&db).is_empty());

    let mut page = feed.batch(1000);
    let touched = conversations_in(&page);
    assert!(touched.len() >= 16, "{} conversations", touched.len());
    let victim = touched[touched.len() / 2];
    forge_last(&mut page, victim);
    apply(&db, &page);
    assert_eq!(alarmed(&db), vec![victim]);
}

#[test]
fn a_forged_signature_raises_the_alarm_on_a_small_page_too() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("mirror.sqlite3")).unwrap();
    let mut feed = Feed::new(Shape {
        conversations: 1,
        big_every: 0,
        seed: 12,
    });
    let honest = feed.batch(5);
    apply(&db, &honest);
    assert!(alarmed(&db).is_empty());
    let mut page = feed.batch(3);
    let only = conversations_in(&page);
    assert_eq!(only.len(), 1);
    forge_last(&mut page, only[0]);
    apply(&db, &page);
    assert_eq!(alarmed(&db), only);
}

#[test]
fn a_forged_message_repeated_intact_later_in_the_page_still_raises_the_alarm() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("mirror.sqlite3")).unwrap();
    let mut feed = Feed::new(Shape {
        conversations: 60,
        big_every: 0,
        seed: 13,
    });
    apply(&db, &feed.batch(1000));
    let mut page = feed.batch(1000);
    let touched = conversations_in(&page);
    assert!(touched.len() >= 16);
    let victim = touched[0];
    // The server sends the conversation's last message again at the end of
    // the page, intact, after a forged first copy.
    let intact = page
        .iter()
        .rev()
        .find_map(|e| match &e.event {
            EventPayload::Message(m) if m.conversation_id == victim => Some(m.clone()),
            _ => None,
        })
        .expect("a message in that conversation");
    forge_last(&mut page, victim);
    let seq = page.last().map_or(0, |e| e.seq) + 1;
    page.push(FeedEvent {
        seq,
        event: EventPayload::Message(intact),
    });
    apply(&db, &page);
    assert_eq!(alarmed(&db), vec![victim]);
}

//! Mirror benchmarks (DESIGN.md §5), printed as plain figures with our own
//! percentiles:
//!
//! - `ingest`: feed events applied with `mirror::apply_events` in pages of
//!   1000 on a fresh mirror file, against the `sqlite3` CLI inserting the same
//!   rows (same schema, same folded FTS text) in one transaction;
//! - `search`: `mirror::search` over 1,000,000 messages, fixed query set;
//! - `page`: `mirror::messages` on a 100,000-message conversation;
//! - `list`: `mirror::conversations` (the conversation list with unread
//!   counts) on the same mirror, nothing read, against counting the unread
//!   messages by reading them (what the list did before).
//!
//! `cargo bench -p candor-core --bench mirror [-- ingest|search|page|list ...]`
//! (all of them when none is named). The 1,000,000-message mirror is built
//! once and cached in `target/bench-data/`; add `rebuild` to build it again.

mod support;

use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use candor_core::mirror;
use candor_core::proto::{ConversationId, EventPayload, FeedEvent, MessageId};
use candor_core::{CoreResult, Db, Page};
use rusqlite::TransactionBehavior;
use support::{Feed, Shape, ME};

/// Bump when the generated data changes, so the cached mirror is rebuilt.
const GENERATOR_VERSION: u32 = 1;
const PAGE: usize = 1000;

const INGEST_MESSAGES: usize = 200_000;
const INGEST_CONVERSATIONS: usize = 300;
const INGEST_ROUNDS: usize = 3;

const SEARCH_MESSAGES: u64 = 1_000_000;
const SEARCH_CONVERSATIONS: usize = 400;
/// Conversation 1 gets every 10th message: 100,000 of the 1,000,000.
const BIG_EVERY: u64 = 10;
const SEARCH_ROUNDS: usize = 60;
const PAGE_ITERATIONS: usize = 3000;
/// Rounds of the ranked-versus-newest-first diagnostic (ranking is slow).
const RANK_ROUNDS: usize = 3;

const QUERIES: &[(&str, &str)] = &[
    ("common", "meeting"),
    ("common", "thanks"),
    ("common", "budget"),
    ("common", "review"),
    ("common", "the"),
    ("rare", "escrow"),
    ("rare", "ombudsman"),
    ("rare", "photolithography"),
    ("rare", "xylophone"),
    ("prefix", "pr"),
    ("prefix", "me"),
    ("prefix", "inv"),
    ("prefix", "sch"),
    ("two words", "budget review"),
    ("two words", "invoice march"),
    ("two words", "contract renewal"),
    ("two words", "soren budget"),
    ("two words", "standup invoice"),
    ("diacritic", "soren"),
    ("diacritic", "lukasz"),
    ("diacritic", "zurich"),
    ("diacritic", "françois"),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `cargo bench` passes `--bench`; anything else names the benchmarks.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let named = |name: &str| args.iter().any(|a| a == name);
    let all = !["ingest", "search", "page", "list"]
        .iter()
        .any(|n| named(n));
    let run = |name: &str| all || named(name);
    println!(
        "candor-core mirror benchmarks: bundled SQLite {}, sqlite3 CLI {}, {} cores",
        rusqlite::version(),
        sqlite3_version(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("load average at the start: {}", loadavg());
    let mut summary = String::new();
    if run("ingest") {
        ingest(&mut summary)?;
    }
    if run("search") || run("page") || run("list") {
        let path = large_mirror(args.iter().any(|a| a == "rebuild"))?;
        if run("search") {
            search(&path, &mut summary)?;
        }
        if run("page") {
            page(&path, &mut summary)?;
        }
        if run("list") {
            list(&path, &mut summary)?;
        }
    }
    println!("load average at the end: {}", loadavg());
    println!("\n== summary ==\n{summary}");
    Ok(())
}

// ------------------------------------------------------------------ helpers

/// Opens (creating) a mirror readied for its owner, as the app's client
/// does once the account is known: with the owner's partial index, whose
/// upkeep ingest pays for.
fn open_owned(path: &Path) -> CoreResult<Db> {
    let db = Db::open(path)?;
    db.write_blocking(|conn| mirror::prepare_for_owner(conn, ME))?;
    Ok(db)
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

fn bench_dir() -> std::io::Result<PathBuf> {
    let dir = target_dir().join("bench-data");
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// `/proc/loadavg`, to show whether something else shared the machine.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

fn sqlite3_version() -> String {
    Command::new("sqlite3")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "missing (apt-get install -y sqlite3)".into())
}

/// Nearest-rank percentile of sorted samples.
fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn thousands(n: f64) -> String {
    let s = format!("{:.0}", n);
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Applies events in pages of [`PAGE`], one immediate transaction each, the
/// way the sync engine does.
fn apply_all(db: &Db, events: &[FeedEvent]) -> CoreResult<()> {
    let key = support::verifying_key();
    for page in events.chunks(PAGE) {
        let next = page.last().map_or(0, |e| e.seq);
        db.write_blocking(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            mirror::apply_events(&tx, ME, &key, page, next)?;
            tx.commit()?;
            Ok(())
        })?;
    }
    Ok(())
}

fn count(db_path: &Path, sql: &str) -> rusqlite::Result<i64> {
    rusqlite::Connection::open(db_path)?.query_row(sql, [], |r| r.get(0))
}

// ------------------------------------------------------------------- ingest

fn sql_text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn sql_opt_text(s: Option<&String>) -> String {
    s.map_or_else(|| "NULL".into(), |s| sql_text(s))
}

fn sql_blob(b: &[u8]) -> String {
    format!("X'{}'", hex::encode(b))
}

/// The rows the mirror ends up with, as one SQL transaction for the CLI.
/// Without `fts`, the FTS inserts are left out (a diagnostic variant).
fn dump_sql(events: &[FeedEvent], path: &Path, fts: bool) -> std::io::Result<()> {
    use std::collections::BTreeMap;
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        out,
        "PRAGMA synchronous = NORMAL;\nPRAGMA foreign_keys = ON;\nPRAGMA cache_size = -16000;\nBEGIN IMMEDIATE;"
    )?;
    // conversation -> (last_seq, head, last id, last activity, delivered up to)
    let mut heads: BTreeMap<i64, (i64, Vec<u8>, i64, i64, i64)> = BTreeMap::new();
    let mut profiles = std::collections::BTreeSet::new();
    for e in events {
        match &e.event {
            EventPayload::Membership(c) => {
                let kind = match c.kind {
                    candor_core::proto::ConversationKind::Direct => "direct",
                    candor_core::proto::ConversationKind::Group => "group",
                };
                for p in &c.members {
                    if profiles.insert(p.user_id.0) {
                        writeln!(
                            out,
                            "INSERT INTO profiles (user_id, handle, display_name, headline, phone) VALUES ({}, {}, {}, {}, NULL);",
                            p.user_id.0,
                            sql_text(&p.handle),
                            sql_text(&p.display_name),
                            sql_text(&p.headline)
                        )?;
                    }
                }
                writeln!(
                    out,
                    "INSERT INTO conversations (id, kind, title, created_by, created_at, last_activity, head_hash) VALUES ({}, '{kind}', {}, {}, {}, {}, {});",
                    c.id.0,
                    sql_text(&c.title),
                    c.created_by.0,
                    c.created_at,
                    c.created_at,
                    sql_blob(&candor_core::proto::genesis_hash(c.id))
                )?;
                for p in &c.members {
                    writeln!(
                        out,
                        "INSERT INTO members (conversation_id, user_id) VALUES ({}, {});",
                        c.id.0, p.user_id.0
                    )?;
                }
            }
            EventPayload::Message(m) => {
                let hash = candor_core::proto::chain::parse_hash(&m.chain_hash)
                    .map_err(std::io::Error::other)?;
                let signature = hex::decode(&m.signature).map_err(std::io::Error::other)?;
                writeln!(
                    out,
                    "INSERT INTO messages (id, conversation_id, seq, sender, client_id, server_time, kind, reference, body, what_was_wrong, correct_information, chain_hash, signature, verified) VALUES ({}, {}, {}, {}, {}, {}, '{}', {}, {}, {}, {}, {}, {}, 1);",
                    m.id.0,
                    m.conversation_id.0,
                    m.seq,
                    m.sender.0,
                    sql_blob(m.client_id.as_bytes()),
                    m.server_time,
                    m.kind.as_str(),
                    m.reference.map_or_else(|| "NULL".into(), |r| r.0.to_string()),
                    sql_text(&m.body),
                    sql_opt_text(m.correction.as_ref().map(|c| &c.what_was_wrong)),
                    sql_opt_text(m.correction.as_ref().map(|c| &c.correct_information)),
                    sql_blob(&hash),
                    sql_blob(&signature),
                )?;
                if fts {
                    writeln!(
                        out,
                        "INSERT INTO messages_fts (rowid, body) VALUES ({}, {});",
                        m.id.0,
                        sql_text(&support::indexed_text(m))
                    )?;
                }
                let h = heads
                    .entry(m.conversation_id.0)
                    .or_insert((0, Vec::new(), 0, 0, 0));
                *h = (
                    m.seq,
                    hash.to_vec(),
                    m.id.0,
                    m.server_time,
                    if m.sender == ME { h.4 } else { m.seq },
                );
            }
            _ => {}
        }
    }
    for (id, (seq, hash, last_id, activity, delivered)) in heads {
        writeln!(
            out,
            "UPDATE conversations SET last_seq = {seq}, head_hash = {}, last_message_id = {last_id}, last_activity = MAX(last_activity, {activity}) WHERE id = {id};",
            sql_blob(&hash)
        )?;
        if delivered > 0 {
            writeln!(
                out,
                "INSERT INTO pending_receipts (conversation_id, delivered_up_to) VALUES ({id}, {delivered});"
            )?;
        }
    }
    let cursor = events.last().map_or(0, |e| e.seq);
    writeln!(
        out,
        "UPDATE sync_state SET cursor = {cursor} WHERE id = 1;\nCOMMIT;"
    )?;
    out.flush()
}

/// Inserts the message rows (and their folded FTS text) with prepared
/// statements in pages of [`PAGE`]: the floor under `apply_events`.
fn raw_insert(path: &Path, events: &[FeedEvent], fts: bool) -> rusqlite::Result<Duration> {
    let mut conn = rusqlite::Connection::open(path)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -16000;",
    )?;
    let t = Instant::now();
    for page in events.chunks(PAGE) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO messages (id, conversation_id, seq, sender, client_id, server_time, kind,
                     reference, body, what_was_wrong, correct_information, chain_hash, signature, verified)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 1)",
            )?;
            let mut index =
                tx.prepare_cached("INSERT INTO messages_fts (rowid, body) VALUES (?1, ?2)")?;
            for e in page {
                let EventPayload::Message(m) = &e.event else {
                    continue;
                };
                let hash = hex::decode(&m.chain_hash).unwrap_or_default();
                let signature = hex::decode(&m.signature).unwrap_or_default();
                insert.execute(rusqlite::params![
                    m.id.0,
                    m.conversation_id.0,
                    m.seq,
                    m.sender.0,
                    m.client_id.as_bytes().to_vec(),
                    m.server_time,
                    m.kind.as_str(),
                    m.reference.map(|r| r.0),
                    m.body,
                    m.correction.as_ref().map(|c| &c.what_was_wrong),
                    m.correction.as_ref().map(|c| &c.correct_information),
                    hash,
                    signature,
                ])?;
                if fts {
                    index.execute(rusqlite::params![m.id.0, support::indexed_text(m)])?;
                }
            }
        }
        tx.commit()?;
    }
    Ok(t.elapsed())
}

/// Runs `sqlite3 DB < SQL` and returns its wall-clock time (what
/// `/usr/bin/time` reports as elapsed).
fn time_cli(db: &Path, sql: &Path) -> std::io::Result<Duration> {
    let t = Instant::now();
    let status = Command::new("sqlite3")
        .arg(db)
        .stdin(Stdio::from(std::fs::File::open(sql)?))
        .stdout(Stdio::null())
        .status()?;
    let elapsed = t.elapsed();
    if !status.success() {
        return Err(std::io::Error::other(format!("sqlite3 failed: {status}")));
    }
    Ok(elapsed)
}

fn ingest(summary: &mut String) -> Result<(), Box<dyn std::error::Error>> {
    println!(
        "\n== ingest: {INGEST_MESSAGES} messages over {INGEST_CONVERSATIONS} conversations, pages of {PAGE} =="
    );
    let t = Instant::now();
    let mut feed = Feed::new(Shape {
        conversations: INGEST_CONVERSATIONS,
        big_every: 0,
        seed: 1,
    });
    let events = feed.batch(INGEST_MESSAGES);
    let messages = events
        .iter()
        .filter(|e| matches!(e.event, EventPayload::Message(_)))
        .count();
    let body_bytes: usize = events
        .iter()
        .filter_map(|e| match &e.event {
            EventPayload::Message(m) => Some(m.body.len()),
            _ => None,
        })
        .sum();
    println!(
        "generated {} events ({messages} messages, mean body {} bytes) with chain hashes and signatures in {:.1} s",
        events.len(),
        body_bytes / messages,
        t.elapsed().as_secs_f64()
    );
    let dir = tempfile::tempdir_in(bench_dir()?)?;
    let sql = dir.path().join("ingest.sql");
    dump_sql(&events, &sql, true)?;
    println!(
        "SQL dump for the sqlite3 CLI: {} MB",
        std::fs::metadata(&sql)?.len() / 1_000_000
    );
    let have_cli = Command::new("sqlite3").arg("--version").output().is_ok();
    let (mut ours, mut cli) = (Vec::new(), Vec::new());
    for round in 1..=INGEST_ROUNDS {
        let path = dir.path().join(format!("mirror-{round}.sqlite3"));
        let db = open_owned(&path)?;
        let t = Instant::now();
        apply_all(&db, &events)?;
        let elapsed = t.elapsed();
        drop(db);
        let stored = count(&path, "SELECT COUNT(*) FROM messages")?;
        let alarms = count(&path, "SELECT COUNT(*) FROM integrity_alarms")?;
        assert_eq!(stored as usize, messages, "every message is stored");
        assert_eq!(alarms, 0, "the generated chain verifies");
        let rate = messages as f64 / elapsed.as_secs_f64();
        ours.push(rate);
        println!(
            "round {round}: apply_events  {:>7.2} s  {:>9} msg/s",
            elapsed.as_secs_f64(),
            thousands(rate)
        );
        if !have_cli {
            continue;
        }
        let base = dir.path().join(format!("sqlite3-{round}.sqlite3"));
        drop(open_owned(&base)?); // the same schema, migrated by the core
        let elapsed = time_cli(&base, &sql)?;
        assert_eq!(
            count(&base, "SELECT COUNT(*) FROM messages")? as usize,
            messages
        );
        // The same folded text went into both indexes.
        for q in ["soren", "escrow", "budget"] {
            let sql = format!("SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH '{q}'");
            assert_eq!(count(&base, &sql)?, count(&path, &sql)?, "FTS rows for {q}");
        }
        let rate = messages as f64 / elapsed.as_secs_f64();
        cli.push(rate);
        println!(
            "round {round}: sqlite3 CLI   {:>7.2} s  {:>9} msg/s",
            elapsed.as_secs_f64(),
            thousands(rate)
        );
    }
    // Diagnostic: apply_events checks one signature per conversation per
    // page; time that many checks on their own.
    let key = support::verifying_key();
    let mut newest = Vec::new();
    for page in events.chunks(PAGE) {
        let mut last = std::collections::HashMap::new();
        for e in page {
            if let EventPayload::Message(m) = &e.event {
                last.insert(m.conversation_id, m);
            }
        }
        newest.extend(last.into_values());
    }
    let t = Instant::now();
    for m in &newest {
        let hash = candor_core::proto::chain::parse_hash(&m.chain_hash)?;
        candor_core::proto::chain::verify_signature(
            &key,
            m.conversation_id,
            m.seq,
            &hash,
            &m.signature,
        )?;
    }
    let verifying = t.elapsed();
    let line = format!(
        "ingest diagnostic: apply_events makes {} signature checks (one per conversation per page, {:.1} per page); alone they take {:.2} s ({:.1} us each)",
        newest.len(),
        newest.len() as f64 / events.chunks(PAGE).len() as f64,
        verifying.as_secs_f64(),
        verifying.as_secs_f64() * 1e6 / newest.len() as f64
    );
    println!("{line}");
    let _ = writeln!(summary, "{line}");
    // Diagnostic: the same message and FTS rows through prepared statements
    // on the bundled SQLite, pages of 1000, no verification or lookups.
    for fts in [true, false] {
        let path = dir.path().join(format!("raw-{fts}.sqlite3"));
        drop(open_owned(&path)?);
        let elapsed = raw_insert(&path, &events, fts)?;
        let name = if fts {
            "rusqlite prepared INSERTs, messages + FTS"
        } else {
            "rusqlite prepared INSERTs, messages only"
        };
        let rate = thousands(messages as f64 / elapsed.as_secs_f64());
        println!("diagnostic: {name}: {rate} msg/s");
        let _ = writeln!(summary, "ingest diagnostic: {name}: {rate} msg/s");
    }
    if have_cli {
        // Diagnostics, one run each: where the CLI's time goes.
        let no_fts = dir.path().join("ingest-no-fts.sql");
        dump_sql(&events, &no_fts, false)?;
        let variants = [
            ("messages only, no FTS inserts", no_fts.as_path(), ""),
            (
                "FTS without the prefix = '2 3' indexes",
                sql.as_path(),
                "DROP TABLE messages_fts; CREATE VIRTUAL TABLE messages_fts USING fts5(body, content = '', tokenize = 'unicode61 remove_diacritics 2');",
            ),
        ];
        for (i, (name, file, prepare)) in variants.into_iter().enumerate() {
            let base = dir.path().join(format!("variant-{i}.sqlite3"));
            drop(open_owned(&base)?);
            if !prepare.is_empty() {
                rusqlite::Connection::open(&base)?.execute_batch(prepare)?;
            }
            let rate = time_cli(&base, file)?;
            println!(
                "diagnostic: sqlite3 CLI, {name}: {} msg/s",
                thousands(messages as f64 / rate.as_secs_f64())
            );
            let _ = writeln!(
                summary,
                "ingest diagnostic: sqlite3 CLI, {name}: {} msg/s",
                thousands(messages as f64 / rate.as_secs_f64())
            );
        }
    }
    let ours_m = median(ours.clone());
    let _ = writeln!(
        summary,
        "ingest: apply_events median {} msg/s (rounds: {})",
        thousands(ours_m),
        ours.iter()
            .map(|r| thousands(*r))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if !cli.is_empty() {
        let cli_m = median(cli.clone());
        let _ = writeln!(
            summary,
            "ingest: sqlite3 CLI median {} msg/s (rounds: {}); apply_events = {:.0}% of it",
            thousands(cli_m),
            cli.iter()
                .map(|r| thousands(*r))
                .collect::<Vec<_>>()
                .join(", "),
            100.0 * ours_m / cli_m
        );
    }
    Ok(())
}

// ------------------------------------------------------------ large mirror

/// The cached 1,000,000-message mirror, built on first use.
fn large_mirror(rebuild: bool) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let path = bench_dir()?.join(format!(
        "mirror-1m-g{GENERATOR_VERSION}-s{}.sqlite3",
        candor_core::schema_version()
    ));
    if path.exists() && !rebuild {
        println!("\nusing the cached mirror {}", path.display());
        return Ok(path);
    }
    println!(
        "\n== building the {SEARCH_MESSAGES}-message mirror (cached at {}) ==",
        path.display()
    );
    let building = path.with_extension("building");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", building.display()));
    }
    let t = Instant::now();
    let db = open_owned(&building)?;
    let mut feed = Feed::new(Shape {
        conversations: SEARCH_CONVERSATIONS,
        big_every: BIG_EVERY,
        seed: 2,
    });
    let mut applying = Duration::ZERO;
    while feed.messages < SEARCH_MESSAGES {
        let n = (SEARCH_MESSAGES - feed.messages).min(50_000) as usize;
        let events = feed.batch(n);
        let a = Instant::now();
        apply_all(&db, &events)?;
        applying += a.elapsed();
    }
    db.write_blocking(|conn| {
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        Ok(())
    })?;
    drop(db);
    std::fs::rename(&building, &path)?;
    println!(
        "built in {:.1} s ({:.1} s applying: {} msg/s at this size)",
        t.elapsed().as_secs_f64(),
        applying.as_secs_f64(),
        thousands(SEARCH_MESSAGES as f64 / applying.as_secs_f64())
    );
    Ok(path)
}

// ------------------------------------------------------------------- search

fn search(path: &Path, summary: &mut String) -> Result<(), Box<dyn std::error::Error>> {
    let db = open_owned(path)?;
    let size = std::fs::metadata(path)?.len();
    println!(
        "\n== search: {} queries x {SEARCH_ROUNDS} rounds, limit 20, over {} messages ({} MB file) ==",
        QUERIES.len(),
        thousands(count(path, "SELECT COUNT(*) FROM messages")? as f64),
        size / 1_000_000
    );
    let mut first = Vec::new();
    let mut per_query: Vec<Vec<Duration>> = vec![Vec::new(); QUERIES.len()];
    let mut hits = vec![0usize; QUERIES.len()];
    db.write_blocking(|conn| {
        for round in 0..=SEARCH_ROUNDS {
            for (i, (_, q)) in QUERIES.iter().enumerate() {
                let tx = conn.transaction()?;
                let t = Instant::now();
                let found = mirror::search(&tx, ME, q, None, 20)?;
                let elapsed = t.elapsed();
                tx.finish()?;
                if round == 0 {
                    // The first run of each query, right after opening.
                    first.push(elapsed);
                    hits[i] = found.len();
                } else {
                    per_query[i].push(elapsed);
                }
            }
        }
        Ok(())
    })?;
    println!(
        "{:<10} {:<18} {:>5} {:>10} {:>10} {:>10} {:>10}",
        "kind", "query", "hits", "first", "p50", "p99", "max"
    );
    let mut all = Vec::new();
    for (i, (kind, q)) in QUERIES.iter().enumerate() {
        let s = &mut per_query[i];
        s.sort();
        println!(
            "{kind:<10} {q:<18} {:>5} {:>10} {:>10} {:>10} {:>10}",
            hits[i],
            ms(first[i]),
            ms(pct(s, 50.0)),
            ms(pct(s, 99.0)),
            ms(pct(s, 100.0))
        );
        all.extend_from_slice(s);
    }
    all.sort();
    first.sort();
    let line = format!(
        "search ({} samples): p50 {}, p95 {}, p99 {}, max {}; first run of each query: p50 {}, max {}",
        all.len(),
        ms(pct(&all, 50.0)),
        ms(pct(&all, 95.0)),
        ms(pct(&all, 99.0)),
        ms(pct(&all, 100.0)),
        ms(pct(&first, 50.0)),
        ms(pct(&first, 100.0)),
    );
    println!("{line}");
    let _ = writeln!(summary, "{line}");

    // Diagnostic: the bare FTS5 query, newest first (what `search` runs)
    // against ranked by bm25 (which scores every match).
    for (name, order) in [("rowid DESC", "rowid DESC"), ("rank", "rank")] {
        let sql = format!(
            "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1 ORDER BY {order} LIMIT 20"
        );
        let mut samples = Vec::new();
        db.write_blocking(|conn| {
            let mut stmt = conn.prepare(&sql)?;
            for round in 0..=RANK_ROUNDS {
                for (_, q) in QUERIES {
                    let Some(fts) = candor_core::search::fts_query(q) else {
                        continue;
                    };
                    let t = Instant::now();
                    let n = stmt.query_map([&fts], |r| r.get::<_, i64>(0))?.count();
                    let elapsed = t.elapsed();
                    assert!(n <= 20);
                    if round > 0 {
                        samples.push(elapsed);
                    }
                }
            }
            Ok(())
        })?;
        samples.sort();
        let line = format!(
            "search diagnostic: bare FTS5 MATCH ORDER BY {name} LIMIT 20 ({} samples): p50 {}, p95 {}, max {}",
            samples.len(),
            ms(pct(&samples, 50.0)),
            ms(pct(&samples, 95.0)),
            ms(pct(&samples, 100.0))
        );
        println!("{line}");
        let _ = writeln!(summary, "{line}");
    }
    Ok(())
}

// --------------------------------------------------------------------- page

const LIST_ROUNDS: usize = 30;

/// The conversation list, and the same unread counts taken by reading every
/// unread message (the list's former query), side by side in one run.
fn list(path: &Path, summary: &mut String) -> Result<(), Box<dyn std::error::Error>> {
    let db = open_owned(path)?;
    let (unread, conversations): (i64, usize) = db.write_blocking(|conn| {
        let list = mirror::conversations(conn, ME)?;
        Ok((list.iter().map(|c| c.unread).sum(), list.len()))
    })?;
    println!(
        "\n== list: {conversations} conversations, {} unread, {LIST_ROUNDS} rounds ==",
        thousands(unread as f64)
    );
    let mut by_key = Vec::with_capacity(LIST_ROUNDS);
    let mut by_rows = Vec::with_capacity(LIST_ROUNDS);
    let mut counted_by_rows = 0;
    db.write_blocking(|conn| {
        for _ in 0..LIST_ROUNDS {
            let t = Instant::now();
            let list = mirror::conversations(conn, ME)?;
            by_key.push(t.elapsed());
            assert_eq!(list.len(), conversations);

            let t = Instant::now();
            let mut stmt = conn.prepare_cached(
                "SELECT c.id, COALESCE(r.read_up_to, 0) FROM conversations c
                 LEFT JOIN receipts r ON r.conversation_id = c.id AND r.user_id = ?1",
            )?;
            let reads: Vec<(i64, i64)> = stmt
                .query_map([ME.0], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let mut count = conn.prepare_cached(
                "SELECT COUNT(*), COALESCE(SUM(kind = 'urgent'), 0) FROM messages
                 WHERE conversation_id = ?1 AND seq > ?2 AND sender != ?3",
            )?;
            counted_by_rows = 0;
            for (id, read) in reads {
                let (n, _urgent): (i64, i64) = count
                    .query_row(rusqlite::params![id, read, ME.0], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })?;
                counted_by_rows += n;
            }
            by_rows.push(t.elapsed());
        }
        Ok(())
    })?;
    assert_eq!(counted_by_rows, unread, "both ways count the same");
    // Diagnostic: what a long backlog costs each way. Every message of
    // conversation 1 after position 0, counted on the key and by reading
    // the rows (the counts differ by my own messages; the cost is the point).
    let mut key_walk = Vec::with_capacity(LIST_ROUNDS);
    let mut row_reads = Vec::with_capacity(LIST_ROUNDS);
    let mut sizes = (0, 0);
    db.write_blocking(|conn| {
        for _ in 0..LIST_ROUNDS {
            let t = Instant::now();
            sizes.0 = conn.query_row(
                "SELECT COUNT(*) FROM messages WHERE conversation_id = 1 AND seq > 0",
                [],
                |r| r.get::<_, i64>(0),
            )?;
            key_walk.push(t.elapsed());
            let t = Instant::now();
            sizes.1 = conn.query_row(
                "SELECT COUNT(*) FROM messages WHERE conversation_id = 1 AND seq > 0 AND sender != ?1",
                [ME.0],
                |r| r.get::<_, i64>(0),
            )?;
            row_reads.push(t.elapsed());
        }
        Ok(())
    })?;
    key_walk.sort();
    row_reads.sort();
    let line = format!(
        "list diagnostic: counting {} messages of one conversation on the key: p50 {}; reading the rows ({} not mine): p50 {}",
        thousands(sizes.0 as f64),
        ms(pct(&key_walk, 50.0)),
        thousands(sizes.1 as f64),
        ms(pct(&row_reads, 50.0))
    );
    println!("{line}");
    let _ = writeln!(summary, "{line}");
    by_key.sort();
    by_rows.sort();
    for (name, samples) in [
        ("mirror::conversations (whole list)", &by_key),
        ("unread counts alone, reading the rows", &by_rows),
    ] {
        let line = format!(
            "list {name}: p50 {}, p99 {}",
            ms(pct(samples, 50.0)),
            ms(pct(samples, 99.0))
        );
        println!("{line}");
        let _ = writeln!(summary, "{line}");
    }
    Ok(())
}

fn page(path: &Path, summary: &mut String) -> Result<(), Box<dyn std::error::Error>> {
    let db = open_owned(path)?;
    let conversation = ConversationId(1);
    let (total, middle): (i64, i64) = db.write_blocking(|conn| {
        let total: i64 = conn.query_row(
            "SELECT COUNT(*) FROM messages WHERE conversation_id = 1",
            [],
            |r| r.get(0),
        )?;
        let middle: i64 = conn.query_row(
            "SELECT id FROM messages WHERE conversation_id = 1 AND seq = ?1",
            [total / 2],
            |r| r.get(0),
        )?;
        Ok((total, middle))
    })?;
    println!(
        "\n== page: conversation of {} messages, 50 per page, {PAGE_ITERATIONS} iterations ==",
        thousands(total as f64)
    );
    let cases = [
        ("Latest 50", Page::Latest { limit: 50 }),
        (
            "Around the middle",
            Page::Around {
                message: MessageId(middle),
                limit: 50,
            },
        ),
    ];
    for (name, which) in cases {
        let mut samples = Vec::with_capacity(PAGE_ITERATIONS);
        let mut first = Duration::ZERO;
        db.write_blocking(|conn| {
            for i in 0..=PAGE_ITERATIONS {
                let tx = conn.transaction()?;
                let t = Instant::now();
                let rows = mirror::messages(&tx, ME, conversation, which)?;
                let elapsed = t.elapsed();
                tx.finish()?;
                assert_eq!(rows.len(), 50);
                if i == 0 {
                    first = elapsed;
                } else {
                    samples.push(elapsed);
                }
            }
            Ok(())
        })?;
        samples.sort();
        let line = format!(
            "page {name}: p50 {}, p99 {}, max {} (first call {})",
            ms(pct(&samples, 50.0)),
            ms(pct(&samples, 99.0)),
            ms(pct(&samples, 100.0)),
            ms(first)
        );
        println!("{line}");
        let _ = writeln!(summary, "{line}");
    }
    // The same first page the way the app asks: Db::read on the blocking pool.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let mut samples = Vec::with_capacity(PAGE_ITERATIONS);
    for _ in 0..=PAGE_ITERATIONS {
        let db = db.clone();
        let t = Instant::now();
        let rows = rt.block_on(db.read(move |conn| {
            mirror::messages(conn, ME, conversation, Page::Latest { limit: 50 })
        }))?;
        samples.push(t.elapsed());
        assert_eq!(rows.len(), 50);
    }
    samples.remove(0);
    samples.sort();
    let line = format!(
        "page Latest 50 through Db::read (blocking pool): p50 {}, p99 {}, max {}",
        ms(pct(&samples, 50.0)),
        ms(pct(&samples, 99.0)),
        ms(pct(&samples, 100.0))
    );
    println!("{line}");
    let _ = writeln!(summary, "{line}");
    Ok(())
}

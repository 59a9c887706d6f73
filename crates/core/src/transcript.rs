//! Exporting a conversation as a verifiable transcript: a JSON file anyone
//! can verify offline (the format and the verification live in
//! [`candor_proto::transcript`]) and a readable, printable HTML page.
//!
//! The transcript is built from the mirror alone, so it works offline. It
//! holds every message from seq 1 exactly as stored (the chain hash and the
//! server signature each message arrived with), the server key the account
//! trusts, and the names the mirror knows. A mirror that lacks a message
//! cannot produce a transcript that verifies, so the export refuses with
//! `transcript_incomplete` instead of writing one.
//!
//! The HTML page is generated here, not in the UI: it is a file for people
//! and printers, never shown in the app. It has no scripts (and a CSP that
//! forbids them), inline CSS only, and every piece of text in it is escaped.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use candor_proto::transcript::{
    verify_transcript, Transcript, TranscriptConversation, TranscriptMember, TranscriptMessage,
    TRANSCRIPT_FORMAT, TRANSCRIPT_VERSION,
};
use candor_proto::{
    chain, ConversationId, ConversationKind, CorrectionFields, MessageId, MessageKind, UserId,
};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::client::Client;
use crate::error::{CoreError, CoreResult};
use crate::mirror;

/// Where [`Client::export_transcript_files`] wrote a transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TranscriptFiles {
    /// The verifiable transcript (`candor-server verify-transcript` reads it).
    pub json: PathBuf,
    /// The readable, printable page.
    pub html: PathBuf,
}

impl Client {
    /// Every message of `conversation` in the mirror, from seq 1, with what
    /// it takes to verify them offline. Works offline. Fails with
    /// `transcript_incomplete` when the mirror lacks a message.
    pub async fn export_transcript(&self, conversation: ConversationId) -> CoreResult<Transcript> {
        let me = match self.user_id() {
            Some(me) => me,
            None => self.account_user().await?.ok_or(CoreError::NotSignedIn)?,
        };
        let exported_at = mirror::now_ms();
        self.inner
            .db
            .read(move |conn| build_transcript(conn, me, conversation, exported_at))
            .await
    }

    /// Exports `conversation` into `dir` (created if needed) as
    /// `<title>-<id>-<YYYYMMDD-HHMMSS>.json` and `.html`, each written to a
    /// temporary file in `dir` and renamed into place, so a crash never
    /// leaves a half-written transcript under the final name.
    pub async fn export_transcript_files(
        &self,
        conversation: ConversationId,
        dir: &Path,
    ) -> CoreResult<TranscriptFiles> {
        let transcript = self.export_transcript(conversation).await?;
        let dir = dir.to_owned();
        // Rendering checks every signature and writing touches the disk:
        // both stay off the async runtime.
        tokio::task::spawn_blocking(move || {
            let mut json = serde_json::to_vec_pretty(&transcript)?;
            json.push(b'\n');
            let html = render_transcript_html(&transcript);
            write_files(&dir, &file_stem(&transcript), &json, html.as_bytes())
        })
        .await
        .map_err(|e| CoreError::Internal(format!("Export task failed: {e}")))?
    }
}

fn incomplete(message: String) -> CoreError {
    CoreError::invalid("transcript_incomplete", message)
}

fn build_transcript(
    conn: &Connection,
    me: UserId,
    conversation: ConversationId,
    exported_at: i64,
) -> CoreResult<Transcript> {
    let (server_url, server_key, my_handle): (String, String, String) = conn
        .query_row(
            "SELECT server_url, server_key, handle FROM account WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?
        .ok_or(CoreError::NotSignedIn)?;
    let (kind, stored_title): (String, String) = conn
        .query_row(
            "SELECT kind, title FROM conversations WHERE id = ?1",
            [conversation.0],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or(CoreError::NotFound("conversation"))?;
    let kind = if kind == "direct" {
        ConversationKind::Direct
    } else {
        ConversationKind::Group
    };

    let mut members: Vec<TranscriptMember> = {
        let mut stmt = conn.prepare(
            "SELECT m.user_id, COALESCE(p.handle, ''), COALESCE(p.display_name, 'User ' || m.user_id)
             FROM members m LEFT JOIN profiles p ON p.user_id = m.user_id
             WHERE m.conversation_id = ?1 ORDER BY 3, 1",
        )?;
        let rows = stmt
            .query_map([conversation.0], |r| {
                Ok(TranscriptMember {
                    user_id: UserId(r.get(0)?),
                    handle: r.get(1)?,
                    display_name: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows
    };
    let title = if kind == ConversationKind::Group && !stored_title.is_empty() {
        stored_title
    } else {
        let others: Vec<&str> = members
            .iter()
            .filter(|m| m.user_id != me)
            .map(|m| m.display_name.as_str())
            .collect();
        if others.is_empty() {
            "Only you".to_owned()
        } else {
            others.join(", ")
        }
    };

    let mut messages: Vec<TranscriptMessage> = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT seq, id, sender, client_id, server_time, kind, reference, body,
                what_was_wrong, correct_information, chain_hash, signature
         FROM messages WHERE conversation_id = ?1 ORDER BY seq",
    )?;
    let mut rows = stmt.query([conversation.0])?;
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let expected = i64::try_from(messages.len()).unwrap_or(i64::MAX) + 1;
        if seq != expected {
            return Err(incomplete(if seq > expected {
                format!(
                    "This device lacks message #{expected} of the conversation, so its transcript \
                     would not verify. Let it sync, then export again."
                )
            } else {
                format!("This device holds message #{seq} of the conversation twice.")
            }));
        }
        let id = MessageId(r.get(1)?);
        let client_id: Vec<u8> = r.get(3)?;
        let kind_name: String = r.get(5)?;
        let kind = MessageKind::parse(&kind_name).ok_or_else(|| {
            CoreError::Internal(format!("Message {id} has an unknown kind {kind_name:?}"))
        })?;
        let wrong: Option<String> = r.get(8)?;
        let correct: Option<String> = r.get(9)?;
        let hash: Vec<u8> = r.get(10)?;
        let signature: Vec<u8> = r.get(11)?;
        messages.push(TranscriptMessage {
            seq,
            id,
            sender: UserId(r.get(2)?),
            client_id: Uuid::from_slice(&client_id).map_err(|_| {
                CoreError::Internal(format!("Message {id} has a malformed client id"))
            })?,
            server_time: r.get(4)?,
            kind,
            reference: r.get::<_, Option<i64>>(6)?.map(MessageId),
            body: r.get(7)?,
            correction: match (wrong, correct) {
                (Some(what_was_wrong), Some(correct_information)) => Some(CorrectionFields {
                    what_was_wrong,
                    correct_information,
                }),
                _ => None,
            },
            chain_hash: hex::encode(hash),
            signature: hex::encode(signature),
        });
    }
    drop(rows);
    // The mirror's own record of how far the conversation goes.
    let last_seq: i64 = conn.query_row(
        "SELECT last_seq FROM conversations WHERE id = ?1",
        [conversation.0],
        |r| r.get(0),
    )?;
    let count = i64::try_from(messages.len()).unwrap_or(i64::MAX);
    if last_seq > count {
        return Err(incomplete(format!(
            "This device lacks message #{} of the conversation, so its transcript would not \
             verify. Let it sync, then export again.",
            count + 1
        )));
    }

    // Everyone who wrote in it is named, members or not any more.
    let mut known: std::collections::HashSet<UserId> = members.iter().map(|m| m.user_id).collect();
    for m in &messages {
        if known.insert(m.sender) {
            members.push(member(conn, m.sender)?);
        }
    }
    let exported_by = match members.iter().find(|m| m.user_id == me) {
        Some(m) => m.clone(),
        None => {
            let mut m = member(conn, me)?;
            if m.handle.is_empty() {
                m.handle = my_handle;
            }
            m
        }
    };
    let chain_head = messages.last().map_or_else(
        || hex::encode(chain::genesis_hash(conversation)),
        |m| m.chain_hash.clone(),
    );
    Ok(Transcript {
        format: TRANSCRIPT_FORMAT.to_owned(),
        version: TRANSCRIPT_VERSION,
        server_url,
        server_public_key: server_key,
        conversation: TranscriptConversation {
            id: conversation,
            kind,
            title,
        },
        members,
        exported_by,
        exported_at,
        message_count: count,
        chain_head,
        messages,
    })
}

fn member(conn: &Connection, user: UserId) -> CoreResult<TranscriptMember> {
    let p = mirror::profile_or_stand_in(conn, user)?;
    Ok(TranscriptMember {
        user_id: user,
        handle: p.handle,
        display_name: p.display_name,
    })
}

// ------------------------------------------------------------------ files

/// `<safe title>-<conversation id>-<YYYYMMDD-HHMMSS>`, in UTC.
fn file_stem(t: &Transcript) -> String {
    let u = Utc::from_ms(t.exported_at);
    format!(
        "{}-{}-{:04}{:02}{:02}-{:02}{:02}{:02}",
        safe_title(&t.conversation.title),
        t.conversation.id,
        u.year,
        u.month,
        u.day,
        u.hour,
        u.minute,
        u.second
    )
}

/// Letters and digits of `title` (any script), every other run of
/// characters turned into one `-`: no separators, dots, spaces or control
/// characters reach the file name. At most 60 characters.
fn safe_title(title: &str) -> String {
    const MAX: usize = 60;
    let mut out = String::new();
    let mut chars = 0;
    let mut gap = false;
    for c in title.chars() {
        if !c.is_alphanumeric() {
            gap = true;
            continue;
        }
        if chars + usize::from(gap && chars > 0) + 1 > MAX {
            break;
        }
        if gap && chars > 0 {
            out.push('-');
            chars += 1;
        }
        gap = false;
        out.push(c);
        chars += 1;
    }
    if out.is_empty() {
        "conversation".to_owned()
    } else {
        out
    }
}

fn io_error(what: &str, path: &Path, e: &std::io::Error) -> CoreError {
    CoreError::Internal(format!("{what} {}: {e}", path.display()))
}

fn write_files(dir: &Path, stem: &str, json: &[u8], html: &[u8]) -> CoreResult<TranscriptFiles> {
    std::fs::create_dir_all(dir).map_err(|e| io_error("Creating", dir, &e))?;
    // Two exports within a second get distinct names.
    let mut n = 1;
    let files = loop {
        let name = if n == 1 {
            stem.to_owned()
        } else {
            format!("{stem}-{n}")
        };
        let files = TranscriptFiles {
            json: dir.join(format!("{name}.json")),
            html: dir.join(format!("{name}.html")),
        };
        if !files.json.exists() && !files.html.exists() {
            break files;
        }
        n += 1;
    };
    write_atomically(&files.json, json)?;
    write_atomically(&files.html, html)?;
    Ok(files)
}

/// Writes `bytes` to a new temporary file beside `path`, flushes it to disk
/// and renames it to `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> CoreResult<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", Uuid::now_v7().simple()));
    if let Err(e) = write_and_rename(&temp, path, bytes) {
        let _ = std::fs::remove_file(&temp);
        return Err(io_error("Writing", path, &e));
    }
    // Make the rename itself durable (directories cannot be opened for
    // syncing on Windows; there the rename is already durable enough).
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn write_and_rename(temp: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(temp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(temp, path)
}

// ------------------------------------------------------------------- time

/// A UTC calendar time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Utc {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
}

impl Utc {
    /// From milliseconds since the Unix epoch (proleptic Gregorian calendar;
    /// H. Hinnant's `civil_from_days`).
    fn from_ms(ms: i64) -> Utc {
        let secs = ms.div_euclid(1000);
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Utc {
            year,
            month,
            day,
            hour: rem / 3600,
            minute: rem % 3600 / 60,
            second: rem % 60,
        }
    }

    /// `2025-11-24 16:00:00 UTC`
    fn readable(self) -> String {
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// `2025-11-24T16:00:00Z`, for `<time datetime>`.
    fn iso(self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

// ------------------------------------------------------------------- HTML

/// Escapes text for HTML element content and quoted attribute values.
/// Control characters other than tab and line breaks become U+FFFD.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' | '\r' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn short_hash(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

fn kind_label(kind: MessageKind) -> Option<&'static str> {
    match kind {
        MessageKind::Text => None,
        MessageKind::Correction => Some("Correction"),
        MessageKind::Retraction => Some("Please disregard"),
        MessageKind::Apology => Some("Apology"),
        MessageKind::Urgent => Some("Urgent"),
    }
}

/// How an original is annotated by a later message that refers to it.
fn follow_up_label(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::Correction => "Corrected in",
        MessageKind::Retraction => "Retracted in",
        MessageKind::Apology => "Apology in",
        MessageKind::Urgent => "Urgent follow-up in",
        MessageKind::Text => "Referred to in",
    }
}

fn person(m: &TranscriptMember) -> String {
    if m.handle.is_empty() {
        esc(&m.display_name)
    } else {
        format!(
            "{} <span class=\"handle\">@{}</span>",
            esc(&m.display_name),
            esc(&m.handle)
        )
    }
}

const STYLE: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 46rem; padding: 2rem 1.25rem 3rem;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  color: #1d1d1f; background: #fff; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; overflow-wrap: anywhere; }
h2 { font-size: 1.05rem; margin: 2rem 0 .5rem; }
.subtitle { color: #555; margin: 0 0 1rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
dl.meta dt { color: #555; }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.handle { color: #666; font-weight: normal; }
.status { border-radius: 6px; padding: .6rem .8rem; margin: 1.25rem 0; }
.status.ok { background: #eef7ee; border: 1px solid #9c9; }
.status.failed { background: #fdecea; border: 1px solid #d66; font-weight: 600; }
ol.messages { list-style: none; padding: 0; margin: 1.5rem 0 0; }
li.message { border-left: 3px solid #ccd; padding: .5rem .9rem .6rem; margin: 0 0 1rem;
  break-inside: avoid; page-break-inside: avoid; }
li.message.correction { border-left-color: #2a7ab0; }
li.message.retraction { border-left-color: #888; }
li.message.apology { border-left-color: #7a5cb0; }
li.message.urgent { border-left-color: #c0392b; }
li.message.failed { background: #fdecea; }
.head { display: flex; flex-wrap: wrap; gap: .15rem .6rem; align-items: baseline; }
.sender { font-weight: 600; }
.head time { color: #555; font-size: .9em; }
.kind { font-size: .8em; font-weight: 600; text-transform: uppercase; letter-spacing: .03em;
  border: 1px solid currentColor; border-radius: 4px; padding: 0 .3rem; }
.urgent .kind { color: #c0392b; }
.ref, .followups { font-size: .9em; color: #444; }
.body { white-space: pre-wrap; overflow-wrap: anywhere; margin: .3rem 0 0; unicode-bidi: isolate; }
dl.correction { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .8rem;
  margin: .4rem 0 0; padding: .4rem .6rem; background: #f2f7fb; border-radius: 4px; }
dl.correction dt { color: #555; }
dl.correction dd { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.foot { color: #777; font-size: .8em; margin-top: .3rem; font-family: ui-monospace, Menlo, Consolas, monospace; }
footer { border-top: 1px solid #ddd; margin-top: 2rem; padding-top: 1rem; font-size: .9em; color: #333; }
code, .key { font-family: ui-monospace, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
a { color: #1a5f8f; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  a { color: inherit; text-decoration: none; }
  .status.ok, .status.failed, li.message.failed, dl.correction { background: none; }
}
@page { margin: 2cm; }
"#;

/// A self-contained, printable HTML page of a transcript: title, members,
/// export details, every message (sender, UTC time, kind, reference, body,
/// seq and a short chain hash) and how to verify the JSON file. No scripts;
/// every piece of text is escaped. The page also says whether the
/// transcript verified when the page was made.
pub fn render_transcript_html(t: &Transcript) -> String {
    let names: HashMap<UserId, &TranscriptMember> =
        t.members.iter().map(|m| (m.user_id, m)).collect();
    let seq_of: HashMap<MessageId, i64> = t.messages.iter().map(|m| (m.id, m.seq)).collect();
    let mut follow_ups: HashMap<MessageId, Vec<(MessageKind, i64)>> = HashMap::new();
    for m in &t.messages {
        if let Some(r) = m.reference {
            follow_ups.entry(r).or_default().push((m.kind, m.seq));
        }
    }
    let verification = verify_transcript(t);
    let failed_seq = verification.as_ref().err().and_then(|f| f.seq);
    let title = esc(&t.conversation.title);
    let kind = match t.conversation.kind {
        ConversationKind::Direct => "Direct conversation",
        ConversationKind::Group => "Group conversation",
    };

    let mut h = String::with_capacity(4096 + t.messages.len() * 600);
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
    );
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str("<meta name=\"generator\" content=\"Candor\">\n");
    h.push_str(&format!(
        "<title>{title} — Candor transcript</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
    ));

    // Header.
    h.push_str(&format!("<header>\n<h1>{title}</h1>\n"));
    h.push_str(&format!(
        "<p class=\"subtitle\">Candor transcript · {kind} #{}</p>\n<dl class=\"meta\">\n",
        t.conversation.id
    ));
    let members: Vec<String> = t.members.iter().map(person).collect();
    h.push_str(&format!(
        "<dt>Members</dt><dd>{}</dd>\n",
        members.join(", ")
    ));
    let exported = Utc::from_ms(t.exported_at);
    h.push_str(&format!(
        "<dt>Exported by</dt><dd>{}</dd>\n<dt>Exported at</dt><dd><time datetime=\"{}\">{}</time></dd>\n",
        person(&t.exported_by),
        exported.iso(),
        exported.readable()
    ));
    h.push_str(&format!(
        "<dt>Server</dt><dd>{}</dd>\n<dt>Messages</dt><dd>{}</dd>\n</dl>\n</header>\n",
        esc(&t.server_url),
        t.messages.len()
    ));
    match &verification {
        Ok(report) => h.push_str(&format!(
            "<p class=\"status ok\">All {} messages were checked against the server's signatures when this page was made: none was changed, removed or reordered.</p>\n",
            report.messages
        )),
        Err(f) => h.push_str(&format!(
            "<p class=\"status failed\" role=\"alert\">This transcript does NOT verify: {}. Do not rely on it.</p>\n",
            esc(&f.to_string())
        )),
    }

    // Messages.
    h.push_str("<main>\n<ol class=\"messages\">\n");
    for m in &t.messages {
        let mut classes = vec!["message", m.kind.as_str()];
        if failed_seq == Some(m.seq) {
            classes.push("failed");
        }
        h.push_str(&format!(
            "<li class=\"{}\" id=\"m{}\">\n<div class=\"head\">",
            classes.join(" "),
            m.seq
        ));
        let sender = match names.get(&m.sender) {
            Some(p) => person(p),
            None => esc(&format!("User {}", m.sender)),
        };
        let time = Utc::from_ms(m.server_time);
        h.push_str(&format!(
            "<span class=\"sender\">{sender}</span> <time datetime=\"{}\">{}</time>",
            time.iso(),
            time.readable()
        ));
        if let Some(label) = kind_label(m.kind) {
            h.push_str(&format!(" <span class=\"kind\">{label}</span>"));
        }
        if let Some(r) = m.reference {
            match seq_of.get(&r) {
                Some(seq) => h.push_str(&format!(
                    " <span class=\"ref\"><a href=\"#m{seq}\">refers to message #{seq}</a></span>"
                )),
                None => h.push_str(&format!(
                    " <span class=\"ref\">refers to message id {r} (not in this transcript)</span>"
                )),
            }
        }
        h.push_str("</div>\n");
        if let Some(c) = &m.correction {
            h.push_str(&format!(
                "<dl class=\"correction\"><dt>What was wrong</dt><dd>{}</dd><dt>Correct information</dt><dd>{}</dd></dl>\n",
                esc(&c.what_was_wrong),
                esc(&c.correct_information)
            ));
        }
        h.push_str(&format!(
            "<div class=\"body\" dir=\"auto\">{}</div>\n",
            esc(&m.body)
        ));
        if let Some(list) = follow_ups.get(&m.id) {
            let links: Vec<String> = list
                .iter()
                .map(|(kind, seq)| {
                    format!(
                        "{} <a href=\"#m{seq}\">message #{seq}</a>",
                        follow_up_label(*kind)
                    )
                })
                .collect();
            h.push_str(&format!(
                "<div class=\"followups\">{}</div>\n",
                links.join(" · ")
            ));
        }
        h.push_str(&format!(
            "<div class=\"foot\">#{} · id {} · hash {}</div>\n</li>\n",
            m.seq,
            m.id,
            esc(short_hash(&m.chain_hash))
        ));
    }
    if t.messages.is_empty() {
        h.push_str("<li class=\"message\">No messages.</li>\n");
    }
    h.push_str("</ol>\n</main>\n");

    // Footer: how to verify.
    h.push_str("<footer>\n<h2>How to verify this transcript</h2>\n");
    h.push_str(
        "<p>Each message is linked to the one before it by a SHA-256 hash chain, and the \
         server signed every link with its ed25519 key. This page is a readable copy of the \
         JSON file exported with it (same name, ending in <code>.json</code>). To check that no \
         message was changed, removed, added or reordered, run</p>\n\
         <p><code>candor-server verify-transcript FILE.json</code></p>\n\
         <p>on that file. It prints <code>OK</code> with the number of messages and the chain \
         head shown below, or names the first message that fails. Then compare the server key \
         below with the key the server publishes (<code>",
    );
    h.push_str(&esc(&format!(
        "{}/v1/server",
        t.server_url.trim_end_matches('/')
    )));
    h.push_str(
        "</code>, field <code>public_key</code>). The message text, senders, times, kinds, \
         references and order are covered by the signatures; names, the title and the export \
         details are not.</p>\n",
    );
    h.push_str(&format!(
        "<dl class=\"meta\">\n<dt>Server key</dt><dd class=\"key\">{}</dd>\n<dt>Chain head</dt><dd class=\"key\">{}</dd>\n<dt>Format</dt><dd>{} version {}</dd>\n</dl>\n",
        esc(&t.server_public_key),
        esc(&t.chain_head),
        esc(&t.format),
        t.version
    ));
    h.push_str("</footer>\n</body>\n</html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        let u = Utc::from_ms(0);
        assert_eq!(u.readable(), "1970-01-01 00:00:00 UTC");
        assert_eq!(
            Utc::from_ms(1_764_000_000_000).readable(),
            "2025-11-24 16:00:00 UTC"
        );
        assert_eq!(Utc::from_ms(951_782_400_000).iso(), "2000-02-29T00:00:00Z");
        assert_eq!(
            Utc::from_ms(1_709_251_199_999).readable(),
            "2024-02-29 23:59:59 UTC"
        );
        assert_eq!(Utc::from_ms(-1).readable(), "1969-12-31 23:59:59 UTC");
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(safe_title("Bob Okafor"), "Bob-Okafor");
        assert_eq!(safe_title("../../etc/passwd"), "etc-passwd");
        assert_eq!(safe_title("a\\b:c*?\"<>|\u{0}\n\u{202e}d"), "a-b-c-d");
        assert_eq!(
            safe_title("Carol Søndergaard, Ævar"),
            "Carol-Søndergaard-Ævar"
        );
        assert_eq!(safe_title("   "), "conversation");
        assert_eq!(safe_title("..."), "conversation");
        assert_eq!(safe_title(&"x".repeat(100)).chars().count(), 60);
        assert!(safe_title(&"ab ".repeat(40)).chars().count() <= 60);
        assert!(!safe_title(&"ab ".repeat(40)).ends_with('-'));
    }

    #[test]
    fn escaping_covers_markup_and_controls() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
        assert_eq!(
            esc("a\u{0}b\u{7}c\nd\u{85}"),
            "a\u{FFFD}b\u{FFFD}c\nd\u{FFFD}"
        );
    }
}

//! `candor-server admin`: moderation from the server's machine.
//!
//! The command opens the server's SQLite database directly, also while the
//! server runs (WAL lets both read, and writers wait for each other with a
//! busy timeout), and goes through the same [`Store`](crate::store::Store) operations as the
//! moderators' API, so the rules and the audit record are the same. It
//! cannot reach a running server's memory, so what the API does at once the
//! running server does within [`REVOCATION_POLL`](crate::REVOCATION_POLL)
//! (2 s): a suspension revokes the account's sessions in the database (its
//! requests fail at once) and the server closes their live connections; the
//! feed events an action appends (the report's new status for the reporter,
//! a notice for the reported account) are queued with them
//! ([`SqliteStore::open_external`]) and the server pushes them to their live
//! connections.
//!
//! This module renders the results as aligned text for people; `--json`
//! prints the wire types instead. Everything a user wrote (names,
//! descriptions, messages) is printed with control characters escaped, so
//! nothing in a report can drive the moderator's terminal.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use candor_proto::admin::{AccountSummary, AdminReport, ReportDetail};
use candor_proto::{ModerationAction, ReportStatus};

use crate::store::{utc, SqliteStore};

/// Opens the database of a data directory, refusing one that holds none
/// (the command must not create an empty server by mistake), as a process
/// beside the server: the feed events it appends are queued for a running
/// server to push.
pub fn open_store(data_dir: &Path) -> anyhow::Result<SqliteStore> {
    let file = data_dir.join("candor.sqlite3");
    if !file.is_file() {
        anyhow::bail!(
            "there is no Candor database in {} (give the server's --data-dir)",
            data_dir.display()
        );
    }
    SqliteStore::open_external(data_dir).with_context(|| format!("opening {}", file.display()))
}

/// User text made safe for a terminal, on one line: line breaks become
/// `⏎`, other control characters their escape.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str(" ⏎ "),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

fn shortened(text: &str, max: usize) -> String {
    let text = printable(text);
    if text.chars().count() <= max {
        return text;
    }
    let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
    short.push('…');
    short
}

/// Columns padded to their widest cell; the last column is not padded.
fn table(out: &mut String, indent: &str, header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = indent.to_owned();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let pad = widths[i].saturating_sub(cell.chars().count());
                line.push_str(cell);
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

/// `received`, `under review`, …
pub fn status_words(status: ReportStatus) -> &'static str {
    match status {
        ReportStatus::Received => "received",
        ReportStatus::UnderReview => "under review",
        ReportStatus::ActionTaken => "action taken",
        ReportStatus::Dismissed => "dismissed",
    }
}

fn wire_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// `restrict 7 days`, `warn`, …
pub fn action_words(action: ModerationAction) -> String {
    match action {
        ModerationAction::Review => "review".to_owned(),
        ModerationAction::Dismiss => "dismiss".to_owned(),
        ModerationAction::Warn => "warn".to_owned(),
        ModerationAction::Restrict { days } => format!("restrict {days} d"),
        ModerationAction::Suspend { days } => format!("suspend {days} d"),
    }
}

/// `bob (Bob Chen, user 2)` and what restricts the account.
pub fn account_line(account: &AccountSummary, now: i64) -> String {
    let mut line = format!(
        "{} ({}, user {})",
        printable(&account.handle),
        printable(&account.display_name),
        account.user_id
    );
    if account.moderator {
        line.push_str(" · moderator");
    }
    if let Some(until) = account.restricted_until.filter(|&u| u > now) {
        let _ = write!(line, " · restricted until {}", utc(until));
    }
    if let Some(until) = account.suspended_until.filter(|&u| u > now) {
        let _ = write!(line, " · suspended until {}", utc(until));
    }
    line
}

/// The report queue as a table.
pub fn format_report_list(reports: &[AdminReport], status: Option<ReportStatus>) -> String {
    if reports.is_empty() {
        return match status {
            Some(ReportStatus::ActionTaken) => "No reports with action taken.\n".to_owned(),
            Some(status) => format!("No reports {}.\n", status_words(status)),
            None => "No reports.\n".to_owned(),
        };
    }
    let rows: Vec<Vec<String>> = reports
        .iter()
        .map(|r| {
            vec![
                r.report.id.to_string(),
                status_words(r.report.status).to_owned(),
                wire_name(&r.report.category),
                printable(&r.reporter.handle),
                printable(&r.reported.handle),
                r.report.evidence.len().to_string(),
                utc(r.report.created_at),
                shortened(&r.report.description, 60),
            ]
        })
        .collect();
    let mut out = String::new();
    table(
        &mut out,
        "",
        &[
            "ID",
            "STATUS",
            "CATEGORY",
            "REPORTER",
            "REPORTED",
            "EVIDENCE",
            "FILED",
            "DESCRIPTION",
        ],
        &rows,
    );
    out
}

/// Everything about one report, for a moderator deciding on it.
pub fn format_report_detail(detail: &ReportDetail, now: i64) -> String {
    let report = &detail.report;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Report {} · {}",
        report.id,
        status_words(report.status)
    );
    let conversation = report
        .conversation
        .map_or_else(|| "—".to_owned(), |c| c.to_string());
    let outcome = report
        .outcome
        .as_deref()
        .map_or_else(|| "—".to_owned(), printable);
    let fields = [
        ("Category", wire_name(&report.category)),
        ("Reporter", account_line(&detail.reporter, now)),
        ("Reported", account_line(&detail.reported, now)),
        ("Conversation", conversation),
        ("Filed", utc(report.created_at)),
        ("Updated", utc(report.updated_at)),
        ("Outcome", outcome),
        ("Description", printable(&report.description)),
    ];
    for (name, value) in fields {
        let _ = writeln!(out, "  {name:<13} {value}");
    }

    let _ = writeln!(out, "\nEvidence ({})", detail.evidence.len());
    if detail.evidence.is_empty() {
        out.push_str("  none\n");
    }
    for (i, item) in detail.evidence.iter().enumerate() {
        let verdict = if item.verified {
            "VERIFIED: chain link and server signature check out"
        } else {
            "NOT VERIFIED: the stored chain or signature does not check out"
        };
        let _ = writeln!(
            out,
            "  #{} message {} · conversation {} · seq {} · {verdict}",
            i + 1,
            item.message_id,
            item.conversation_id,
            item.seq
        );
        let _ = writeln!(out, "     chain hash {}", item.chain_hash);
        let rows: Vec<Vec<String>> = item
            .context
            .iter()
            .map(|m| {
                vec![
                    if m.evidence { ">" } else { "" }.to_owned(),
                    m.seq.to_string(),
                    utc(m.server_time),
                    printable(&m.sender_handle),
                    wire_name(&m.kind),
                    shortened(&m.body, 200),
                ]
            })
            .collect();
        table(
            &mut out,
            "     ",
            &["", "SEQ", "TIME", "SENDER", "KIND", "TEXT"],
            &rows,
        );
    }

    let reported = printable(&detail.reported.handle);
    let _ = writeln!(
        out,
        "\nOther reports about {reported} ({})",
        detail.other_reports.len()
    );
    if detail.other_reports.is_empty() {
        out.push_str("  none\n");
    } else {
        let rows: Vec<Vec<String>> = detail
            .other_reports
            .iter()
            .map(|r| {
                vec![
                    r.report.id.to_string(),
                    status_words(r.report.status).to_owned(),
                    wire_name(&r.report.category),
                    printable(&r.reporter.handle),
                    utc(r.report.created_at),
                    r.report
                        .outcome
                        .as_deref()
                        .map_or_else(|| "—".to_owned(), printable),
                ]
            })
            .collect();
        table(
            &mut out,
            "  ",
            &["ID", "STATUS", "CATEGORY", "REPORTER", "FILED", "OUTCOME"],
            &rows,
        );
    }

    let _ = writeln!(
        out,
        "\nModeration actions on {reported} ({})",
        detail.actions.len()
    );
    if detail.actions.is_empty() {
        out.push_str("  none\n");
    } else {
        let rows: Vec<Vec<String>> = detail
            .actions
            .iter()
            .map(|a| {
                vec![
                    utc(a.at),
                    a.report_id.to_string(),
                    printable(&a.moderator),
                    action_words(a.action),
                    a.until.map_or_else(|| "—".to_owned(), utc),
                    shortened(&a.reason, 100),
                ]
            })
            .collect();
        table(
            &mut out,
            "  ",
            &["AT", "REPORT", "MODERATOR", "ACTION", "UNTIL", "REASON"],
            &rows,
        );
    }
    out
}

/// What `resolve` says once the action is recorded.
pub fn format_resolution(detail: &ReportDetail, revoked_sessions: usize) -> String {
    let mut out = format!(
        "Report {} is now {}",
        detail.report.id,
        status_words(detail.report.status)
    );
    match detail.report.outcome.as_deref() {
        Some(outcome) => {
            let _ = writeln!(out, ": {}", printable(outcome));
        }
        None => out.push_str(".\n"),
    }
    if revoked_sessions > 0 {
        let _ = writeln!(
            out,
            "{} session{} of {} revoked; a running server closes their live connections within {} s.",
            revoked_sessions,
            if revoked_sessions == 1 { "" } else { "s" },
            printable(&detail.reported.handle),
            crate::REVOCATION_POLL.as_secs()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_cannot_drive_the_terminal() {
        assert_eq!(
            printable("hi\u{1b}[2Jthere\nnext\u{7}"),
            "hi\\u{1b}[2Jthere ⏎ next\\u{7}"
        );
        assert_eq!(shortened("abcdef", 4), "abc…");
    }

    #[test]
    fn tables_are_aligned() {
        let mut out = String::new();
        table(
            &mut out,
            "",
            &["ID", "NAME", "NOTE"],
            &[
                vec!["1".into(), "alice".into(), "x".into()],
                vec!["12".into(), "bo".into(), "y".into()],
            ],
        );
        assert_eq!(out, "ID  NAME   NOTE\n1   alice  x\n12  bo     y\n");
    }

    #[test]
    fn times_are_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(1_709_210_096_000), "2024-02-29 12:34 UTC");
    }
}

//! Full-text search helpers: folding, query building and snippets.
//!
//! SQLite's `unicode61` tokenizer with `remove_diacritics 2` folds case and
//! most accents (é → e), but not letters that are distinct in Unicode, such as
//! ø, ł or æ. [`fold`] maps those before text enters the index and before a
//! query is built, so "soren" finds "Søren" and "lodz" finds "Łódź".
//! Snippets are built here from the original text, so they show it as written.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Maps letters `remove_diacritics` leaves alone to their ASCII look-alikes.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'ø' => out.push('o'),
            'Ø' => out.push('O'),
            'ł' => out.push('l'),
            'Ł' => out.push('L'),
            'đ' => out.push('d'),
            'Đ' => out.push('D'),
            'ħ' => out.push('h'),
            'Ħ' => out.push('H'),
            'ı' => out.push('i'),
            'æ' => out.push_str("ae"),
            'Æ' => out.push_str("AE"),
            'œ' => out.push_str("oe"),
            'Œ' => out.push_str("OE"),
            'ß' => out.push_str("ss"),
            'þ' => out.push_str("th"),
            'Þ' => out.push_str("TH"),
            c => out.push(c),
        }
    }
    out
}

/// Folds to the form the index compares: [`fold`], then accents removed and
/// lower case.
pub fn normalise(text: &str) -> String {
    fold(text)
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

fn terms(query: &str) -> Vec<String> {
    normalise(query)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .take(16)
        .map(str::to_owned)
        .collect()
}

/// Builds an FTS5 query where every word of the user's input must appear as a
/// prefix of some word. Returns `None` when the input has no words. Terms are
/// quoted, so FTS5 syntax in the input is matched literally, never executed.
pub fn fts_query(query: &str) -> Option<String> {
    let terms = terms(query);
    if terms.is_empty() {
        return None;
    }
    Some(
        terms
            .iter()
            .map(|t| format!("\"{t}\"*"))
            .collect::<Vec<_>>()
            .join(" AND "),
    )
}

/// A piece of a snippet: text and whether it matched the query.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SnippetPart {
    pub text: String,
    pub matched: bool,
}

/// A window of `text` around the first match, split into matched and plain
/// parts, at most about `width` characters, with "…" where it was cut.
pub fn snippet(text: &str, query: &str, width: usize) -> Vec<SnippetPart> {
    let terms = terms(query);
    // Words with their char ranges.
    let chars: Vec<char> = text.chars().collect();
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in chars.iter().enumerate() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                words.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push((s, chars.len()));
    }
    let matched: Vec<(usize, usize)> = words
        .into_iter()
        .filter(|&(s, e)| {
            let word: String = chars[s..e].iter().collect();
            let word = normalise(&word);
            terms.iter().any(|t| word.starts_with(t.as_str()))
        })
        .collect();
    let first = matched.first().map_or(0, |m| m.0);
    let from = if chars.len() <= width {
        0
    } else {
        first.saturating_sub(width / 3)
    };
    let to = (from + width).min(chars.len());
    let mut parts = Vec::new();
    let mut push = |text: String, matched: bool| {
        if text.is_empty() {
            return;
        }
        match parts.last_mut() {
            Some(SnippetPart {
                text: t,
                matched: m,
            }) if *m == matched => t.push_str(&text),
            _ => parts.push(SnippetPart { text, matched }),
        }
    };
    if from > 0 {
        push("…".into(), false);
    }
    let mut pos = from;
    for &(s, e) in matched.iter().filter(|&&(s, e)| s >= from && e <= to) {
        push(chars[pos..s].iter().collect(), false);
        push(chars[s..e].iter().collect(), true);
        pos = e;
    }
    push(chars[pos..to].iter().collect(), false);
    if to < chars.len() {
        push("…".into(), false);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_covers_what_the_tokenizer_does_not() {
        assert_eq!(
            normalise("Søren Łukasz Ærø Straße"),
            "soren lukasz aero strasse"
        );
        assert_eq!(normalise("Café Zürich"), "cafe zurich");
    }

    #[test]
    fn queries_are_quoted_prefixes() {
        assert_eq!(
            fts_query("Sør inv").as_deref(),
            Some("\"sor\"* AND \"inv\"*")
        );
        // FTS5 operators in the input are just words.
        assert_eq!(
            fts_query("body:x OR \"y").as_deref(),
            Some("\"body\"* AND \"x\"* AND \"or\"* AND \"y\"*")
        );
        assert_eq!(fts_query("  ?! "), None);
    }

    #[test]
    fn snippets_highlight_matches_in_the_original_text() {
        let parts = snippet("Ask Søren about the invoice", "soren inv", 80);
        let marked: Vec<&str> = parts
            .iter()
            .filter(|p| p.matched)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(marked, ["Søren", "invoice"]);
        let joined: String = parts.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(joined, "Ask Søren about the invoice");
    }

    #[test]
    fn long_texts_are_cut_around_the_first_match() {
        let text = format!("{} budget {}", "word ".repeat(100), "tail ".repeat(100));
        let parts = snippet(&text, "budget", 60);
        let joined: String = parts.iter().map(|p| p.text.as_str()).collect();
        assert!(joined.starts_with('…') && joined.ends_with('…'), "{joined}");
        assert!(joined.chars().count() <= 62);
        assert!(parts.iter().any(|p| p.matched && p.text == "budget"));
    }
}

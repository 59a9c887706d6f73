//! Gentle tone hints: shouting, insults, swearing, piled-up punctuation and
//! hostile phrasing.
//!
//! Hints never block a message; they point at the words that may land badly
//! and say why. Words are matched whole (so "class", "assessment", "Dickens",
//! "scrapbook" and "cocktail" never count as swearing), including the usual
//! disguises ("f*ck", "sh1t", "a**hole"). Capitalised acronyms ("ASAP",
//! "FYI", "Q3 KPI") and identifiers ("MAX_RETRIES") are not shouting.

use serde::{Deserialize, Serialize};

/// What a [`ToneHint`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum ToneKind {
    Shouting,
    Insult,
    Profanity,
    PiledPunctuation,
    Hostile,
}

impl ToneKind {
    /// Every kind, in the order hints are returned.
    pub const ALL: [Self; 5] = [
        Self::Shouting,
        Self::Insult,
        Self::Profanity,
        Self::PiledPunctuation,
        Self::Hostile,
    ];
}

/// A suggestion about the tone of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ToneHint {
    pub kind: ToneKind,
    /// The words the hint is about, as written.
    pub excerpt: String,
    /// Why it may land badly, in plain words.
    pub explanation: String,
    /// What to do instead.
    pub suggestion: String,
}

/// Gentle hints (never blocks), at most one per kind, in a stable order
/// (the order of [`ToneKind::ALL`]); each points at the first occurrence.
pub fn tone_hints(text: &str) -> Vec<ToneHint> {
    let words = split_words(text);
    let norm = Normalized::new(text);
    let mut hints = Vec::new();
    if let Some(excerpt) = shouting(text, &words) {
        hints.push(hint(
            ToneKind::Shouting,
            excerpt,
            "Long stretches in capital letters usually read as shouting.".to_owned(),
            "Write it in normal case; if something is urgent or important, say so in words.",
        ));
    }
    if let Some(excerpt) = insult(&words, &norm) {
        hints.push(hint(
            ToneKind::Insult,
            excerpt.clone(),
            format!("\u{201c}{excerpt}\u{201d} labels a person or their work and can feel like an insult."),
            "Describe the problem and its effect instead, for example \u{201c}the totals in this report are wrong, which delays the invoice\u{201d}.",
        ));
    }
    if let Some(excerpt) = profanity(&words) {
        hints.push(hint(
            ToneKind::Profanity,
            excerpt.clone(),
            format!("\u{201c}{excerpt}\u{201d} is swearing, which can come across as unprofessional, and a sent message is permanent."),
            "Consider saying the same thing without it.",
        ));
    }
    if let Some(excerpt) = piled_punctuation(text) {
        hints.push(hint(
            ToneKind::PiledPunctuation,
            excerpt,
            "Piled-up \u{201c}!!!\u{201d} or \u{201c}???\u{201d} can read as impatience or anger."
                .to_owned(),
            "One mark is enough; say what you need and by when.",
        ));
    }
    if let Some(excerpt) = hostile(&norm) {
        hints.push(hint(
            ToneKind::Hostile,
            excerpt.clone(),
            format!("\u{201c}{excerpt}\u{201d} can come across as hostile or dismissive."),
            "Say what you need directly and calmly, for example \u{201c}Could you look at this again? Here is what is still missing.\u{201d}",
        ));
    }
    hints
}

fn hint(kind: ToneKind, excerpt: String, explanation: String, suggestion: &str) -> ToneHint {
    ToneHint {
        kind,
        excerpt,
        explanation,
        suggestion: suggestion.to_owned(),
    }
}

/// A word of the message with its byte span.
#[derive(Debug, Clone, Copy)]
struct Word<'a> {
    start: usize,
    text: &'a str,
}

impl Word<'_> {
    fn end(&self) -> usize {
        self.start + self.text.len()
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(
            c,
            '*' | '@' | '$' | '#' | '\'' | '\u{2019}' | '-' | '!' | '_'
        )
}

/// Words: runs of letters and digits plus the characters used to disguise
/// swear words, without leading or trailing punctuation.
fn split_words(text: &str) -> Vec<Word<'_>> {
    let mut words = Vec::new();
    let mut start = None;
    let mut push = |s: usize, e: usize| {
        let raw = &text[s..e];
        let lead = raw.len()
            - raw
                .trim_start_matches(['@', '#', '\'', '\u{2019}', '-', '!', '_'])
                .len();
        let body = raw[lead..].trim_end_matches(['!', '\'', '\u{2019}', '-', '#', '@', '_']);
        if body.chars().any(char::is_alphanumeric) {
            words.push(Word {
                start: s + lead,
                text: body,
            });
        }
    };
    for (i, c) in text.char_indices() {
        match (is_word_char(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                push(s, i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        push(s, text.len());
    }
    words
}

fn clip(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

// ---------------------------------------------------------------------------
// Shouting

/// Capitalised words that are names, not shouting.
const ACRONYMS: &[&str] = &[
    "ASAP", "FYI", "KPI", "KPIS", "CEO", "CTO", "CFO", "COO", "CIO", "CMO", "CISO", "VP", "SVP",
    "EVP", "HR", "IT", "PR", "PRS", "QA", "UI", "UX", "API", "APIS", "URL", "URLS", "PDF", "PDFS",
    "CSV", "SQL", "AWS", "GCP", "EOD", "EOW", "EOM", "EOY", "ETA", "OOO", "TBD", "TBA", "TBC",
    "NDA", "SLA", "SLAS", "SLO", "ROI", "OKR", "OKRS", "PTO", "FAQ", "USA", "UK", "EU", "US",
    "NYC", "RSVP", "PS", "AM", "PM", "ID", "IDS", "OK", "HTTP", "HTTPS", "JSON", "XML", "HTML",
    "CSS", "SDK", "CLI", "VPN", "DNS", "SSO", "MFA", "CRM", "ERP", "SAAS", "GDPR", "HIPAA", "PCI",
    "DSS", "SOC", "ISO", "IBAN", "SWIFT", "BIC", "SSN", "PIN", "VAT", "EST", "EDT", "PST", "PDT",
    "CST", "CET", "CEST", "UTC", "GMT", "BST", "IST", "FY", "YOY", "QOQ", "MVP", "POC", "RFP",
    "RFC", "SOW", "PO", "SKU", "LLC", "INC", "LTD", "GMBH", "NASA", "IRS", "SEC", "IPO", "CPU",
    "GPU", "RAM", "SSD", "USB", "IOS", "NPM", "CI", "CD", "MR", "DM", "DMS", "CC", "BCC", "RE",
    "FW", "FWD", "AKA", "ETC", "NB", "TLDR", "TL", "DR", "IMO", "IMHO", "BTW", "AFAIK", "LGTM",
    "WIP", "WFH", "AOB", "SSH", "TLS", "SSL", "IP", "TCP", "UDP", "AI", "ML", "LLM", "BI", "ETL",
    "DB", "OS", "VM", "PC", "USD", "EUR", "GBP", "JPY", "CHF", "AUD", "CAD", "README", "TODO",
    "FIXME", "ATM", "CVV", "PPT", "XLS", "XLSX", "DOCX", "NPS", "ARR", "MRR", "EBITDA", "CAGR",
    "COGS", "OPEX", "CAPEX", "AP", "AR", "SAP", "IBM", "KYC", "AML", "DPO", "DPA", "SOP", "QBR",
    "AGM", "EULA", "MTTR", "RCA", "SRE", "HQ", "NY", "DC", "EMEA", "APAC", "LATAM", "REST", "CORS",
    "JWT", "OAUTH", "SAML", "LDAP", "SMTP", "IMAP", "FTP", "SFTP", "PEM", "RSA", "AES", "GPG",
    "PGP", "ACH", "UPS", "DHL", "USPS", "ISBN", "UUID", "MAC", "TV", "CV", "FAQS", "ASCII",
];

fn shouting(text: &str, words: &[Word<'_>]) -> Option<String> {
    #[derive(Default)]
    struct Run {
        words: usize,
        letters: usize,
        start: Option<usize>,
        end: usize,
    }
    let qualifies = |r: &Run| (r.words >= 2 && r.letters >= 10) || (r.words >= 3 && r.letters >= 8);
    let mut run = Run::default();
    for w in words {
        let letters = w.text.chars().filter(|c| c.is_alphabetic()).count();
        let has_lower = w.text.chars().any(char::is_lowercase);
        let neutral = !has_lower
            && (letters <= 1
                || w.text.chars().any(|c| c.is_ascii_digit() || c == '_')
                || (letters <= 7 && {
                    let bare = w.text.trim_end_matches(['\'', '\u{2019}']);
                    ACRONYMS.iter().any(|a| a.eq_ignore_ascii_case(bare))
                }));
        if has_lower {
            if qualifies(&run) {
                break;
            }
            run = Run::default();
        } else if !neutral {
            run.words += 1;
            run.letters += letters;
            run.start.get_or_insert(w.start);
            run.end = w.end();
        }
    }
    let start = run.start.filter(|_| qualifies(&run))?;
    Some(clip(&text[start..run.end], 80))
}

// ---------------------------------------------------------------------------
// Insults and profanity

const INSULTS: &[&str] = &[
    "idiot",
    "idiots",
    "idiotic",
    "moron",
    "morons",
    "moronic",
    "imbecile",
    "imbeciles",
    "incompetent",
    "incompetence",
    "useless",
    "stupid",
    "stupidity",
    "dumb",
    "dumber",
    "dumbest",
    "dumbass",
    "pathetic",
    "clueless",
    "brainless",
    "braindead",
    "brain-dead",
    "worthless",
    "loser",
    "losers",
    "dimwit",
    "halfwit",
    "nitwit",
    "numpty",
    "buffoon",
    "buffoons",
    "clown",
    "clowns",
    "ignorant",
    "inept",
    "retard",
    "retarded",
    "dunce",
    "cretin",
    "airhead",
    "bozo",
    "amateurs",
    "amateurish",
    "lazy",
];

/// Insults that are too common in other senses to match alone ("lazy
/// loading", "a dumb terminal"): they count only in these phrases.
const INSULT_PHRASES: &[Phrase] = &[
    p("you're lazy"),
    p("you are lazy"),
    p("you're so lazy"),
    p("so lazy"),
    p("you're a joke"),
    p("you are a joke"),
    p("what a joke"),
    p("amateur hour"),
    p("waste of space"),
    p("bunch of amateurs"),
    p("lazy people"),
];

/// Words after which an insult word describes oneself or a question.
const SELF_DIRECTED_NEXT: &[&str] = &["question", "questions", "mistake", "typo", "of me"];

const PROFANITY: &[&str] = &[
    "fuck",
    "fucks",
    "fucking",
    "fucked",
    "fucker",
    "fuckers",
    "fuckin",
    "fck",
    "fcking",
    "fuk",
    "fukin",
    "motherfucker",
    "motherfucking",
    "wtf",
    "stfu",
    "ffs",
    "shit",
    "shits",
    "shitty",
    "shitting",
    "bullshit",
    "horseshit",
    "shithead",
    "shitshow",
    "dipshit",
    "damn",
    "dammit",
    "damnit",
    "goddamn",
    "goddamnit",
    "goddammit",
    "crap",
    "crappy",
    "ass",
    "asses",
    "asshole",
    "assholes",
    "arse",
    "arsehole",
    "jackass",
    "bitch",
    "bitches",
    "bitching",
    "bastard",
    "bastards",
    "dick",
    "dicks",
    "dickhead",
    "cock",
    "cunt",
    "piss",
    "pissed",
    "pissing",
    "twat",
    "wanker",
    "prick",
    "pricks",
    "douche",
    "douchebag",
    "bollocks",
    "bloody",
    "bugger",
];

/// Swear words that are also names ("Dick", "Cock"): capitalised, they are
/// names.
const ALSO_NAMES: &[&str] = &["dick", "cock", "prick", "bugger"];

fn insult(words: &[Word<'_>], norm: &Normalized<'_>) -> Option<String> {
    let mut first: Option<(usize, String)> = None;
    let is = |w: Option<&Word<'_>>, list: &[&str]| {
        w.is_some_and(|w| list.iter().any(|l| l.eq_ignore_ascii_case(w.text)))
    };
    for (i, w) in words.iter().enumerate() {
        // "lazy" counts only in phrases ("lazy loading").
        if !is(Some(w), INSULTS) || w.text.eq_ignore_ascii_case("lazy") {
            continue;
        }
        let prev = i.checked_sub(1).and_then(|p| words.get(p));
        if is(words.get(i + 1), SELF_DIRECTED_NEXT) || is(prev, &["my"]) {
            continue;
        }
        first = Some((w.start, w.text.to_owned()));
        break;
    }
    if let Some((start, excerpt)) = norm.find_first(INSULT_PHRASES) {
        if first.as_ref().is_none_or(|(s, _)| start < *s) {
            first = Some((start, excerpt));
        }
    }
    first.map(|(_, e)| e)
}

fn profanity(words: &[Word<'_>]) -> Option<String> {
    words
        .iter()
        .find(|w| is_profane(w.text))
        .map(|w| w.text.to_owned())
}

fn is_profane(word: &str) -> bool {
    // Every listed word and disguise is ASCII.
    if !word.is_ascii() {
        return false;
    }
    let capitalised = word.starts_with(|c: char| c.is_ascii_uppercase())
        && word.bytes().skip(1).any(|c| c.is_ascii_lowercase());
    let listed = |w: &str| {
        PROFANITY.iter().any(|p| p.eq_ignore_ascii_case(w))
            && !(capitalised && ALSO_NAMES.iter().any(|n| n.eq_ignore_ascii_case(w)))
    };
    let stretched = word
        .as_bytes()
        .windows(3)
        .any(|w| w[0].eq_ignore_ascii_case(&w[1]) && w[1].eq_ignore_ascii_case(&w[2]));
    let disguised = word.contains(['0', '1', '3', '4', '5', '7', '!', '@', '$', '*', '#']);
    if !stretched && !disguised {
        return listed(word);
    }
    let letters = word.bytes().filter(u8::is_ascii_alphabetic).count();
    if letters < 2 {
        return false;
    }
    let lower = word.to_ascii_lowercase();
    if listed(&lower) {
        return true;
    }
    // Disguises: "sh1t", "$hit", "a$$hole", "f@ck".
    let unleet: String = lower
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' | '!' => 'i',
            '3' => 'e',
            '4' | '@' => 'a',
            '5' | '$' => 's',
            '7' => 't',
            c => c,
        })
        .collect();
    if unleet != lower && listed(&unleet) {
        return true;
    }
    // Stars: "f*ck", "f**k", "a**hole", "f***ing" (the first letter shown).
    if unleet.contains(['*', '#']) && unleet.starts_with(|c: char| c.is_ascii_alphabetic()) {
        let len = unleet.chars().count();
        let fits = |w: &&str| {
            w.len() == len
                && w.chars()
                    .zip(unleet.chars())
                    .all(|(a, b)| a == b || b == '*' || b == '#')
        };
        if PROFANITY.iter().any(fits) {
            return true;
        }
    }
    // Stretched: "fuuuuck", "shiiiit".
    let stretched = unleet
        .as_bytes()
        .windows(3)
        .any(|w| w[0] == w[1] && w[1] == w[2]);
    if stretched {
        let squeeze = |s: &str| {
            let mut out = String::new();
            for c in s.chars() {
                if !out.ends_with(c) {
                    out.push(c);
                }
            }
            out
        };
        let squeezed = squeeze(&unleet);
        return PROFANITY.iter().any(|w| squeeze(w) == squeezed);
    }
    false
}

// ---------------------------------------------------------------------------
// Punctuation

fn piled_punctuation(text: &str) -> Option<String> {
    let weight = |c: char| match c {
        '!' | '?' | '\u{ff01}' | '\u{ff1f}' => 1,
        '\u{203c}' | '\u{2047}' | '\u{2048}' | '\u{2049}' => 2,
        _ => 0,
    };
    let mut run_start = None;
    let mut count = 0;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        if weight(c) > 0 {
            run_start.get_or_insert(i);
            count += weight(c);
            continue;
        }
        // Emoji presentation selectors ("⁉️") do not end a run.
        if matches!(c, '\u{fe0e}' | '\u{fe0f}') && run_start.is_some() {
            continue;
        }
        if let Some(s) = run_start.take() {
            if count >= 3 {
                // Show the word the marks follow.
                let word_start = text[..s]
                    .trim_end()
                    .rfind(char::is_whitespace)
                    .map_or(0, |p| p + 1);
                let word_start = word_start.min(s);
                return Some(clip(&text[word_start..i], 40));
            }
        }
        count = 0;
    }
    None
}

// ---------------------------------------------------------------------------
// Hostile phrasing

/// A phrase, and continuations or lead-ins that make it harmless.
struct Phrase {
    text: &'static str,
    not_followed_by: &'static [&'static str],
    not_preceded_by: &'static [&'static str],
}

const fn p(text: &'static str) -> Phrase {
    Phrase {
        text,
        not_followed_by: &[],
        not_preceded_by: &[],
    }
}

const HOSTILE: &[Phrase] = &[
    p("what is wrong with you"),
    p("what's wrong with you"),
    p("whats wrong with you"),
    p("what the hell is wrong with you"),
    p("what the heck is wrong with you"),
    Phrase {
        text: "i don't care",
        not_followed_by: &[
            "which",
            "whether",
            "either",
            "where",
            "when",
            "how you",
            "what time",
            "about the order",
        ],
        not_preceded_by: &[],
    },
    Phrase {
        text: "i dont care",
        not_followed_by: &["which", "whether", "either", "where", "when"],
        not_preceded_by: &[],
    },
    Phrase {
        text: "i do not care",
        not_followed_by: &["which", "whether", "either", "where", "when"],
        not_preceded_by: &[],
    },
    p("i couldn't care less"),
    Phrase {
        text: "you always",
        not_followed_by: &[
            "know how",
            "have great",
            "have good",
            "bring",
            "make it fun",
            "go above",
            "find a way",
            "help",
            "do a great",
            "do great",
        ],
        not_preceded_by: &[
            "thank", "thanks", "as", "if", "can", "could", "know", "hope", "wish",
        ],
    },
    Phrase {
        text: "you never",
        not_followed_by: &[
            "know",
            "fail",
            "cease",
            "have to",
            "need to",
            "needed to",
            "disappoint",
            "have",
        ],
        not_preceded_by: &[
            "if",
            "hope",
            "so",
            "that",
            "thank",
            "thanks",
            "make sure",
            "ensure",
            "in case",
        ],
    },
    p("this is unacceptable"),
    p("that is unacceptable"),
    p("this is completely unacceptable"),
    p("this is totally unacceptable"),
    p("this is absolutely unacceptable"),
    p("this is simply unacceptable"),
    p("that's unacceptable"),
    p("it's unacceptable"),
    p("totally unacceptable"),
    p("completely unacceptable"),
    p("absolutely unacceptable"),
    p("utterly unacceptable"),
    p("do your job"),
    p("do your damn job"),
    p("do your bloody job"),
    p("per my last email"),
    p("per my previous email"),
    p("per my last message"),
    p("as i already said"),
    p("as i said before"),
    p("as i've already said"),
    p("as i have already said"),
    p("as i already told you"),
    p("i already told you"),
    p("i've told you"),
    p("shut up"),
    p("how many times do i have to"),
    p("how many times have i told you"),
    p("how many times do i need to"),
    p("are you kidding me"),
    p("are you serious"),
    p("you've got to be kidding"),
    p("not my problem"),
    p("figure it out yourself"),
    p("deal with it"),
    p("get it together"),
    p("get your act together"),
    p("use your brain"),
    p("use your head"),
    p("learn to read"),
    p("can't you read"),
    p("did you even read"),
    p("did you even look"),
    p("do i have to spell it out"),
    p("i'm sick of"),
    p("i am sick of"),
    p("i'm fed up"),
    p("i am fed up"),
    p("because i said so"),
    p("screw you"),
    p("go to hell"),
    p("piss off"),
    p("you people"),
    p("nobody asked you"),
    p("who asked you"),
    p("i told you so"),
    p("it's not rocket science"),
    p("not that hard"),
    p("grow up"),
    p("get a grip"),
    p("you should know better"),
    p("you should have known"),
    p("what were you thinking"),
    p("sort it out now"),
    p("or else"),
];

fn hostile(norm: &Normalized<'_>) -> Option<String> {
    norm.find_first(HOSTILE)
        .into_iter()
        .chain(verdict(norm, "unacceptable"))
        .min_by_key(|(start, _)| *start)
        .map(|(_, e)| e)
}

/// A judgement word that closes a clause ("This is f*cking unacceptable.",
/// "unacceptable and you know it") rather than describing a thing ("an
/// unacceptable risk").
fn verdict(norm: &Normalized<'_>, word: &str) -> Option<(usize, String)> {
    let t = &norm.text;
    let mut from = 0;
    while let Some(rel) = t.get(from..).and_then(|rest| rest.find(word)) {
        let s = from + rel;
        let e = s + word.len();
        from = e;
        let before_ok = t[..s]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let rest = t[e..].trim_start();
        let closes = rest.is_empty()
            || rest.starts_with(['.', '!', '?', ',', ';', ':', ')'])
            || ["and ", "to me", "to us"]
                .iter()
                .any(|w| rest.starts_with(w));
        if before_ok && closes {
            let (os, oe) = (norm.offsets[s], norm.offsets[e]);
            return Some((os, norm.original.get(os..oe)?.to_owned()));
        }
    }
    None
}

/// The text lower-cased, with typographic apostrophes straightened and runs
/// of whitespace squeezed, keeping each byte's original offset.
#[derive(Debug)]
struct Normalized<'a> {
    original: &'a str,
    text: String,
    /// Original byte offset of each byte of `text`, plus one past the end.
    offsets: Vec<usize>,
}

impl<'a> Normalized<'a> {
    fn new(original: &'a str) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut offsets = Vec::with_capacity(original.len() + 1);
        let mut last_space = false;
        for (i, c) in original.char_indices() {
            let c = match c {
                '\u{2019}' | '\u{2018}' | '`' => '\'',
                c if c.is_whitespace() => ' ',
                c => c,
            };
            if c == ' ' && last_space {
                continue;
            }
            last_space = c == ' ';
            for l in c.to_lowercase() {
                let before = text.len();
                text.push(l);
                offsets.extend(std::iter::repeat_n(i, text.len() - before));
            }
        }
        offsets.push(original.len());
        Self {
            original,
            text,
            offsets,
        }
    }

    /// The first whole-word occurrence of any of `phrases` that is not
    /// followed or preceded by one of its exceptions: its original offset and
    /// text. One pass over the words of the text.
    fn find_first(&self, phrases: &[Phrase]) -> Option<(usize, String)> {
        let mut by_letter: [Vec<&Phrase>; 26] = Default::default();
        for ph in phrases {
            if let Some(c) = ph.text.bytes().next().filter(u8::is_ascii_lowercase) {
                by_letter[usize::from(c - b'a')].push(ph);
            }
        }
        let mut prev: Option<char> = None;
        for (s, c) in self.text.char_indices() {
            let starts_word = prev.is_none_or(|p| !p.is_alphanumeric() && p != '\'');
            prev = Some(c);
            if !starts_word || !c.is_ascii_lowercase() {
                continue;
            }
            for ph in &by_letter[usize::from(c as u8 - b'a')] {
                if let Some(hit) = self.match_at(s, ph) {
                    return Some(hit);
                }
            }
        }
        None
    }

    fn match_at(&self, s: usize, ph: &Phrase) -> Option<(usize, String)> {
        let t = &self.text;
        if !t[s..].starts_with(ph.text) {
            return None;
        }
        let e = s + ph.text.len();
        if t[e..].chars().next().is_some_and(char::is_alphanumeric) {
            return None;
        }
        let whole = |rest: Option<char>| rest.is_none_or(|c| !c.is_alphanumeric());
        let after = t[e..].trim_start();
        if ph.not_followed_by.iter().any(|w| {
            after
                .strip_prefix(w)
                .is_some_and(|rest| whole(rest.chars().next()))
        }) {
            return None;
        }
        let before = t[..s].trim_end();
        if ph.not_preceded_by.iter().any(|w| {
            before
                .strip_suffix(w)
                .is_some_and(|rest| whole(rest.chars().next_back()))
        }) {
            return None;
        }
        let (os, oe) = (self.offsets[s], self.offsets[e]);
        Some((os, self.original.get(os..oe)?.trim_end().to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ToneKind as T;

    fn kinds(text: &str) -> Vec<ToneKind> {
        tone_hints(text).into_iter().map(|h| h.kind).collect()
    }

    fn excerpt(text: &str, kind: ToneKind) -> Option<String> {
        tone_hints(text)
            .into_iter()
            .find(|h| h.kind == kind)
            .map(|h| h.excerpt)
    }

    #[test]
    fn shouting_but_not_acronyms_or_identifiers() {
        assert_eq!(
            excerpt("Hi. PLEASE SEND THE REPORT today", T::Shouting).as_deref(),
            Some("PLEASE SEND THE REPORT")
        );
        assert_eq!(kinds("DO NOT MERGE"), vec![T::Shouting]);
        assert_eq!(kinds("ОТВЕТЬТЕ НЕМЕДЛЕННО"), vec![T::Shouting]);
        for calm in [
            "FYI the Q3 KPI review is ASAP, the CFO wants it by EOD.",
            "This is NOT okay.",
            "Set MAX_RETRY_COUNT and DB_POOL_SIZE.",
            "USA, UK and EU customers; see the PDF and the CSV.",
            "IMPORTANT: the office is closed.",
            "I",
        ] {
            assert_eq!(kinds(calm), vec![], "{calm}");
        }
    }

    #[test]
    fn insults_as_whole_words() {
        assert_eq!(
            excerpt("Whoever wrote this is an idiot.", T::Insult).as_deref(),
            Some("idiot")
        );
        assert_eq!(kinds("you're lazy"), vec![T::Insult]);
        assert_eq!(kinds("What a joke."), vec![T::Insult]);
        for calm in [
            "We use lazy loading.",
            "Sorry if this is a dumb question.",
            "I made a stupid typo.",
            "The IDIOT-proof checklist",
            "Idiotically", // not a listed form
        ] {
            assert_eq!(kinds(calm), vec![], "{calm}");
        }
    }

    #[test]
    fn profanity_with_disguises_and_no_scunthorpe() {
        for (text, word) in [
            ("what the fuck", "fuck"),
            ("f*ck this", "f*ck"),
            ("F**k.", "F**k"),
            ("sh1t happens", "sh1t"),
            ("$hit", "$hit"),
            ("a**hole", "a**hole"),
            ("fuuuuck", "fuuuuck"),
            ("stop being a dick", "dick"),
            ("bullsh*t!", "bullsh*t"),
        ] {
            assert_eq!(excerpt(text, T::Profanity).as_deref(), Some(word), "{text}");
        }
        for calm in [
            "The class assessment covers Dickens.",
            "a scrapbook and a cocktail",
            "Scunthorpe, Sussex, Middlesex, Essex",
            "Dick Smith joins at 3.",
            "Mr. Hancock and the cockpit crew",
            "Shitake mushrooms",
            "passion, assume, bass, glass",
            "A55 part number",
            "****",
        ] {
            assert_eq!(kinds(calm), vec![], "{calm}");
        }
    }

    #[test]
    fn piled_punctuation() {
        assert_eq!(
            excerpt("Where is the report???", T::PiledPunctuation).as_deref(),
            Some("report???")
        );
        assert_eq!(kinds("Seriously?!?"), vec![T::PiledPunctuation]);
        assert_eq!(
            kinds("Really\u{2049}\u{fe0f}\u{2049}\u{fe0f}"),
            vec![T::PiledPunctuation]
        );
        assert_eq!(kinds("！！！"), vec![T::PiledPunctuation]);
        for calm in ["Great!! Thanks", "Really?!", "Is it 3 or 4?", "!"] {
            assert_eq!(kinds(calm), vec![], "{calm}");
        }
    }

    #[test]
    fn hostile_phrasing() {
        assert_eq!(
            excerpt("Per my last email, it is due Friday.", T::Hostile).as_deref(),
            Some("Per my last email")
        );
        assert_eq!(
            excerpt("What\u{2019}s  wrong with you", T::Hostile).as_deref(),
            Some("What\u{2019}s  wrong with you")
        );
        for text in [
            "I don't care, just do it.",
            "You always miss the details.",
            "You never answer.",
            "This is unacceptable.",
            "This is f*cking unacceptable and you know it",
            "Do your job.",
            "Shut up.",
        ] {
            assert!(kinds(text).contains(&T::Hostile), "{text}");
        }
        for calm in [
            "You never know, it might work.",
            "Thank you always for your help.",
            "You always know how to cheer us up.",
            "I don't care which option we pick.",
            "I hope you never need it.",
            "An unacceptable risk was flagged in the audit.",
            "Let's not shut down the server.",
            "I told the client on Friday.",
        ] {
            assert_eq!(kinds(calm), vec![], "{calm}");
        }
    }

    #[test]
    fn one_hint_per_kind_in_a_stable_order() {
        let text =
            "WHAT IS WRONG WITH YOU??? you idiot, this is shit. You never listen!!! Useless.";
        let hints = tone_hints(text);
        let kinds: Vec<_> = hints.iter().map(|h| h.kind).collect();
        assert_eq!(kinds, ToneKind::ALL.to_vec());
        assert_eq!(hints[1].excerpt, "idiot", "the first insult");
        for h in &hints {
            assert!(!h.explanation.is_empty() && !h.suggestion.is_empty());
            assert!(!h.excerpt.is_empty());
        }
        assert!(tone_hints("Thanks, see you at 3.").is_empty());
    }

    #[test]
    fn serialises_kinds_in_snake_case() {
        assert_eq!(
            serde_json::to_string(&T::PiledPunctuation).unwrap(),
            "\"piled_punctuation\""
        );
    }

    #[test]
    fn survives_arbitrary_unicode() {
        let fragments = [
            "",
            " ",
            "\n",
            "İ",
            "ß",
            "ﬃ",
            "\u{0301}",
            "\u{202e}",
            "💥",
            "\u{fe0f}",
            "⁉",
            "!",
            "?",
            "*",
            "$",
            "@",
            "'",
            "\u{2019}",
            "-",
            "_",
            "FUCK",
            "f*",
            "sh",
            "1t",
            "YOU",
            "ARE",
            "idiot",
            "you never",
            "per my last email",
            "unacceptable",
            "ОЧЕНЬ",
            "ΑΒΓΔ",
            "日本",
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..3000 {
            let len = (next() % 30) as usize;
            let text: String = (0..len)
                .map(|_| fragments[(next() % fragments.len() as u64) as usize])
                .collect();
            let hints = tone_hints(&text);
            let mut kinds: Vec<_> = hints.iter().map(|h| h.kind).collect();
            let sorted = {
                let mut k = kinds.clone();
                k.sort();
                k.dedup();
                k
            };
            kinds.dedup();
            assert_eq!(kinds, sorted, "{text:?}");
        }
    }
}

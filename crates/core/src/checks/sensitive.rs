//! Sensitive data in a message: card numbers, bank accounts, identity
//! numbers, credentials and secret-looking tokens.
//!
//! [`scan`] is a set of hand-written, single-pass scanners over the message's
//! bytes (no regular expressions, no backtracking): every scanner moves
//! forward through the text and looks at most a bounded window around a
//! candidate, so the whole scan is linear in the message length.
//!
//! Rules are general, never tuned to particular strings:
//!
//! - **Card numbers** must pass the Luhn checksum *and* start with a known
//!   issuer prefix for their length, be bounded by non-alphanumerics, and be
//!   written as one block of digits or in the usual 4-4-4-4(-3) / 4-6-5
//!   groups. A plain block right after a word such as "order", "tracking" or
//!   "invoice" (and with no card word nearby) is taken for what it says it is.
//! - **IBANs** need a known country, that country's exact length and a valid
//!   mod-97 check.
//! - **US SSNs** need the AAA-GG-SSSS shape with valid area, group and serial;
//!   nine bare digits count only after a word like "SSN".
//! - **Vendor credentials** (AWS, GitHub, Slack, Stripe, Google) are matched
//!   by their documented prefixes and lengths; **private keys** by their PEM
//!   armour and a body; **JWTs** by a header that decodes to JSON with "alg".
//!   An AWS *secret* access key (40 base64 characters after a label such as
//!   `aws_secret_access_key`, or shortly after an access key ID) is reported
//!   as [`FindingKind::AwsAccessKey`] with its own explanation; Stripe
//!   restricted keys, test keys and webhook secrets as [`FindingKind::StripeKey`];
//!   Slack webhook addresses as [`FindingKind::SlackToken`].
//! - **Passwords** need a disclosure shape ("password: X", "my password is
//!   X", "the password for the VPN is X", "pwd=X", "login: bob / X", "PIN is
//!   4821", "the password changed to X", "has been reset to X") and a value
//!   that looks like one: "the password is on its way", "password: ********"
//!   or "reset your password" do not fire. The same shapes are recognised in
//!   other languages, each with its own verbs ("Das WLAN-Passwort lautet X",
//!   "le mot de passe du compte est X", "la contraseña es X", "wachtwoord:
//!   X", "a senha é X", "hasło to X", "lösenordet är X", "passordet er X",
//!   "salasana on X", "パスワードはX"), including compound words
//!   ("Routerpasswort"). After a user name ("user: bob, password X",
//!   "Login: a@b.example / password X") a value may follow the keyword with
//!   only a space, if it cannot be a word. Only the value after the keyword is
//!   the secret: a user name or e-mail address beside it is not. Values that
//!   are code, variable references, prompts or placeholders
//!   (`getpass.getpass(…)`, `$(pass show x)`, `${DB_PASSWORD}`,
//!   `os.environ["PW"]`, `process.env.DB_PASS`, `<password>`, `PASSWORD`)
//!   are not secrets. Passwords in connection strings and URLs
//!   (`postgres://user:password@host`) are reported with their own
//!   explanation, unless the password part is such a placeholder. PINs are
//!   reported as passwords.
//! - **High-entropy tokens** are runs of 24+ base64-ish characters that mix
//!   upper case, lower case and digits, read as random rather than as words
//!   (few common English letter pairs, few word-like runs, not a chain of
//!   words and numbers such as a file name or an object path), are not
//!   labelled as an id, and are not part of a URL's path. Digests written
//!   with their algorithm (`sha384-…` in an `integrity` attribute), base64 of
//!   JSON whose keys name no secret (a pagination cursor, saved settings) and
//!   documentation samples (containing `EXAMPLE`) are not reported.
//! - **Vendor tokens** with a documented prefix and shape (Mailgun `key-`,
//!   SendGrid `SG.`, GitLab `glpat-`, npm `npm_`, Slack `xapp-`, Shopify
//!   `shpat_`, Twilio `SK`/`AC` (the latter next to the word Twilio),
//!   DigitalOcean `dop_v1_`, Hugging Face `hf_`, OpenAI and Anthropic `sk-`,
//!   and others in `VENDORS`) are reported as high-entropy tokens with the
//!   vendor's own explanation and advice.
//! - **AWS documentation samples** (key IDs ending in `EXAMPLE`, secrets
//!   ending in `EXAMPLEKEY`, such as `AKIAIOSFODNN7EXAMPLE`) are not
//!   reported: they are quoted from AWS's documentation, not leaked.
//!
//! Deliberately *not* reported: hex strings and UUIDs on their own (commit
//! hashes, checksums, request and order ids are far more common in a work
//! chat than hex secrets), unless a word such as "token", "secret" or "API
//! key" right before them says they are a secret; URL paths (document links
//! are shared all the time) except for query parameters named like secrets;
//! public keys and certificates; Stripe *publishable* keys and object ids.

use serde::{Deserialize, Serialize};

/// What kind of sensitive data a [`Finding`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    PaymentCard,
    Iban,
    UsSsn,
    AwsAccessKey,
    GithubToken,
    SlackToken,
    StripeKey,
    GoogleApiKey,
    PrivateKey,
    Jwt,
    Password,
    HighEntropyToken,
}

impl FindingKind {
    /// Every kind, in declaration order.
    pub const ALL: [Self; 12] = [
        Self::PaymentCard,
        Self::Iban,
        Self::UsSsn,
        Self::AwsAccessKey,
        Self::GithubToken,
        Self::SlackToken,
        Self::StripeKey,
        Self::GoogleApiKey,
        Self::PrivateKey,
        Self::Jwt,
        Self::Password,
        Self::HighEntropyToken,
    ];

    /// A short name for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::PaymentCard => "Payment card number",
            Self::Iban => "Bank account number (IBAN)",
            Self::UsSsn => "US Social Security number",
            Self::AwsAccessKey => "AWS access key",
            Self::GithubToken => "GitHub token",
            Self::SlackToken => "Slack token",
            Self::StripeKey => "Stripe secret key",
            Self::GoogleApiKey => "Google API key",
            Self::PrivateKey => "Private key",
            Self::Jwt => "Access token (JWT)",
            Self::Password => "Password",
            Self::HighEntropyToken => "Secret-looking code",
        }
    }

    /// When two candidates overlap, the lower rank (the more specific kind)
    /// wins.
    fn rank(self) -> u8 {
        match self {
            Self::PrivateKey => 0,
            Self::Jwt => 1,
            Self::AwsAccessKey => 2,
            Self::GithubToken => 3,
            Self::SlackToken => 4,
            Self::StripeKey => 5,
            Self::GoogleApiKey => 6,
            Self::Iban => 7,
            Self::PaymentCard => 8,
            Self::UsSsn => 9,
            Self::Password => 10,
            Self::HighEntropyToken => 11,
        }
    }
}

/// One piece of sensitive data found in a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Finding {
    pub kind: FindingKind,
    /// `kind.label()`.
    pub label: String,
    /// UTF-8 byte offset of the sensitive part in the text (a UI working in
    /// UTF-16 converts it).
    pub start: u32,
    /// UTF-8 byte offset just past it.
    pub end: u32,
    /// Safe to show and store: never the whole secret.
    pub masked: String,
    /// What was found, in plain words.
    pub explanation: String,
    /// Why it matters and what to do instead.
    pub advice: String,
}

/// Finds sensitive data in a message, in text order, without overlaps (a more
/// specific kind wins over a high-entropy token).
pub fn scan(text: &str) -> Vec<Finding> {
    let s = Scanner::new(text);
    let mut cands = Vec::new();
    let quiet = s.pem_blocks(&mut cands);
    s.jwts(&mut cands);
    s.prefixed_tokens(&mut cands);
    s.vendor_tokens(&mut cands);
    s.url_passwords(&mut cands);
    s.aws_secrets(&mut cands);
    s.slack_webhooks(&mut cands);
    s.ibans(&mut cands);
    s.cards(&mut cands);
    s.ssns(&mut cands);
    s.passwords(&mut cands);
    s.cli_passwords(&mut cands);
    s.account_pairs(&mut cands);
    s.high_entropy(&quiet, &mut cands);
    resolve(cands)
        .into_iter()
        .filter_map(|c| finding(text, c))
        .collect()
}

/// A refinement of a kind that changes the wording of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    Plain,
    AwsSecret,
    StripeTest,
    StripeWebhook,
    SlackWebhook,
    Pin,
    /// A password in a connection string or URL (`scheme://user:password@host`).
    UrlPassword,
    /// A token with a known vendor's prefix: an index into [`VENDORS`].
    Vendor(u8),
}

#[derive(Debug, Clone, Copy)]
struct Cand {
    kind: FindingKind,
    variant: Variant,
    start: usize,
    end: usize,
}

impl Cand {
    fn new(kind: FindingKind, start: usize, end: usize) -> Self {
        Self {
            kind,
            variant: Variant::Plain,
            start,
            end,
        }
    }

    fn with(mut self, variant: Variant) -> Self {
        self.variant = variant;
        self
    }
}

/// Keeps the most specific candidates that do not overlap, in text order.
/// Within a kind, a token recognised by its vendor's prefix wins over the
/// same token found by its randomness alone.
fn resolve(mut cands: Vec<Cand>) -> Vec<Cand> {
    cands.sort_by_key(|c| {
        let generic = !matches!(c.variant, Variant::Vendor(_));
        (c.kind.rank(), generic, c.start, std::cmp::Reverse(c.end))
    });
    let mut kept: Vec<Cand> = Vec::new();
    for c in cands {
        if c.start < c.end && kept.iter().all(|k| c.end <= k.start || c.start >= k.end) {
            kept.push(c);
        }
    }
    kept.sort_by_key(|c| c.start);
    kept
}

fn finding(text: &str, c: Cand) -> Option<Finding> {
    let secret = text.get(c.start..c.end)?;
    let (explanation, advice) = words(c.kind, c.variant);
    Some(Finding {
        kind: c.kind,
        label: c.kind.label().to_owned(),
        start: u32::try_from(c.start).ok()?,
        end: u32::try_from(c.end).ok()?,
        masked: mask(c.kind, c.variant, secret),
        explanation: explanation.to_owned(),
        advice: advice.to_owned(),
    })
}

fn words(kind: FindingKind, variant: Variant) -> (&'static str, &'static str) {
    use FindingKind as K;
    match (kind, variant) {
        (K::PaymentCard, _) => (
            "This looks like a payment card number: it starts like a card issuer's numbers and passes the card checksum.",
            "Anyone who reads it could try to use the card, and a sent message cannot be taken back. Share card details only through your payment system, never in a message.",
        ),
        (K::Iban, _) => (
            "This looks like a bank account number (IBAN): its country, length and check digits are all valid.",
            "An account number can be used for fraudulent direct debits or to impersonate the account holder. Share it only with people who need it, ideally on an invoice or through your finance system.",
        ),
        (K::UsSsn, _) => (
            "This looks like a US Social Security number.",
            "A Social Security number is the key to identity theft and cannot be changed. Share it only through the secure form your HR or payroll team provides.",
        ),
        (K::AwsAccessKey, Variant::AwsSecret) => (
            "This looks like an AWS secret access key.",
            "With it, anyone can act in your AWS account and run up costs. If it is sent, deactivate the key in IAM right away; share credentials through a secrets manager.",
        ),
        (K::AwsAccessKey, _) => (
            "This looks like an AWS access key ID (it starts with AKIA or ASIA).",
            "Together with its secret it gives access to your AWS account. If it is sent, deactivate the key in IAM; share credentials through a secrets manager.",
        ),
        (K::GithubToken, _) => (
            "This looks like a GitHub access token.",
            "It can give access to your repositories and organisation. If it is sent, revoke it in GitHub's developer settings; grant access through team permissions instead.",
        ),
        (K::SlackToken, Variant::SlackWebhook) => (
            "This looks like a Slack incoming-webhook address: anyone who has it can post into your channel.",
            "If it is sent, regenerate the webhook in your Slack app's settings; keep webhook addresses in a secrets manager.",
        ),
        (K::SlackToken, _) => (
            "This looks like a Slack API token.",
            "It can read and post messages as your app or user. If it is sent, revoke it in your Slack app's settings; keep tokens in a secrets manager.",
        ),
        (K::StripeKey, Variant::StripeTest) => (
            "This looks like a Stripe test-mode secret key.",
            "Test keys cannot move real money but do expose your Stripe test data and settings. Roll it in the Stripe dashboard if it is sent; share keys through a secrets manager.",
        ),
        (K::StripeKey, Variant::StripeWebhook) => (
            "This looks like a Stripe webhook signing secret.",
            "With it, anyone can forge Stripe events to your servers. Roll it in the Stripe dashboard if it is sent; share it through a secrets manager.",
        ),
        (K::StripeKey, _) => (
            "This looks like a Stripe secret key.",
            "A Stripe secret key can move money and read customer data. Roll the key in the Stripe dashboard if it is sent; share it through a secrets manager.",
        ),
        (K::GoogleApiKey, _) => (
            "This looks like a Google API key (it starts with AIza).",
            "Others could use it and bill your Google Cloud project. Restrict or regenerate it in the Google Cloud console if it is sent.",
        ),
        (K::PrivateKey, _) => (
            "This is a private key (a \"BEGIN ... PRIVATE KEY\" block).",
            "Whoever holds a private key can impersonate its owner or read what was encrypted for them. Never send it; if it is sent, create a new key pair and revoke this one.",
        ),
        (K::Jwt, _) => (
            "This looks like a JSON Web Token, a signed access token.",
            "Until it expires, anyone holding it can act as the person it was issued to. Share how to obtain a token, not the token itself.",
        ),
        (K::Password, Variant::Pin) => (
            "This looks like a PIN written out in the message.",
            "Anyone who reads the message can use it, and sent messages are permanent. Share it in person or through a password manager, and change it if it is sent.",
        ),
        (K::Password, Variant::UrlPassword) => (
            "This looks like a password inside a connection string or web address (user:password@host).",
            "Anyone who reads it can connect as that user, and sent messages are permanent. Share the address with a placeholder instead of the password (such as ${DB_PASSWORD}), send the password through a password manager, and change it if it is sent.",
        ),
        (K::Password, _) => (
            "This looks like a password written out in the message.",
            "Anyone who reads the message can use it, and sent messages are permanent. Share passwords through a password manager, and change this one if it is sent.",
        ),
        (K::HighEntropyToken, Variant::Vendor(i)) => VENDORS
            .get(usize::from(i))
            .map_or(words(kind, Variant::Plain), |v| (v.explanation, v.advice)),
        (K::HighEntropyToken, _) => (
            "This long random-looking code may be a secret key or access token.",
            "If it is a credential, anyone who reads it could use it. Share secrets through a secrets manager; if it is only an identifier, you can ignore this warning.",
        ),
    }
}

const DOTS: &str = "••••";

fn head(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn tail(s: &str, n: usize) -> &str {
    let count = s.chars().count();
    if count <= n {
        return s;
    }
    match s.char_indices().nth(count - n) {
        Some((i, _)) => &s[i..],
        None => s,
    }
}

/// A safe-to-display form of a secret: never the whole of it.
fn mask(kind: FindingKind, variant: Variant, secret: &str) -> String {
    use FindingKind as K;
    let compact: String = secret.chars().filter(|c| !c.is_whitespace()).collect();
    match kind {
        K::PaymentCard => {
            let digits: String = secret.chars().filter(char::is_ascii_digit).collect();
            format!("{} {DOTS} {DOTS} {}", head(&digits, 4), tail(&digits, 4))
        }
        K::Iban => format!("{} {DOTS} {}", head(&compact, 4), tail(&compact, 4)),
        K::UsSsn => {
            let digits: String = secret.chars().filter(char::is_ascii_digit).collect();
            format!("•••-••-{}", tail(&digits, 4))
        }
        K::AwsAccessKey if variant == Variant::AwsSecret => format!("{DOTS}…{}", tail(&compact, 4)),
        K::SlackToken if variant == Variant::SlackWebhook => {
            format!("hooks.slack.com/services/…{}", tail(&compact, 4))
        }
        K::PrivateKey => {
            // The armour line ("-----BEGIN RSA PRIVATE KEY-----") is not secret.
            let header_end = secret
                .get(11..)
                .and_then(|rest| rest.find("-----"))
                .map_or(0, |p| 11 + p + 5);
            format!(
                "{} {DOTS}{DOTS}",
                secret
                    .get(..header_end)
                    .unwrap_or("-----BEGIN PRIVATE KEY-----")
            )
        }
        K::Password => format!("{DOTS}{DOTS}"),
        K::GithubToken | K::SlackToken | K::StripeKey => {
            let prefix_len = token_prefix_len(&compact);
            format!("{}…{}", &compact[..prefix_len], tail(&compact, 4))
        }
        K::Jwt => format!("{}…{}", head(&compact, 6), tail(&compact, 4)),
        K::HighEntropyToken if matches!(variant, Variant::Vendor(_)) => {
            let prefix = match variant {
                Variant::Vendor(i) => VENDORS.get(usize::from(i)).map_or("", |v| v.prefix),
                _ => "",
            };
            let prefix = if compact.starts_with(prefix) {
                prefix
            } else {
                ""
            };
            format!("{prefix}…{}", tail(&compact, 4))
        }
        K::AwsAccessKey | K::GoogleApiKey | K::HighEntropyToken => {
            format!("{}…{}", head(&compact, 4), tail(&compact, 4))
        }
    }
}

/// The length of a vendor prefix such as `ghp_`, `sk_live_`, `xoxb-`.
fn token_prefix_len(token: &str) -> usize {
    const PREFIXES: [&str; 14] = [
        "github_pat_",
        "sk_live_",
        "sk_test_",
        "rk_live_",
        "rk_test_",
        "whsec_",
        "ghp_",
        "gho_",
        "ghu_",
        "ghs_",
        "ghr_",
        "xox",
        "AIza",
        "AKIA",
    ];
    for p in PREFIXES {
        if token.starts_with(p) {
            if p == "xox" {
                return token.find('-').map_or(3, |i| i + 1).min(token.len());
            }
            return p.len();
        }
    }
    0
}

// ---------------------------------------------------------------------------
// Byte helpers

fn is_b64url(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_'
}

fn is_b64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'='
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The end of the run of bytes from `from` that satisfy `f`.
fn run_end(b: &[u8], from: usize, f: impl Fn(u8) -> bool) -> usize {
    let mut i = from;
    while i < b.len() && f(b[i]) {
        i += 1;
    }
    i
}

/// The first occurrence of `needle` in `hay` at or after `from`.
fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let (&first, _) = needle.split_first()?;
    let mut i = from;
    while i + needle.len() <= hay.len() {
        i += hay[i..].iter().position(|&c| c == first)?;
        if hay.get(i..i + needle.len())? == needle {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Whether `hay` holds `word` with no ASCII letter right before or after it.
fn has_word(hay: &[u8], word: &str) -> bool {
    let w = word.as_bytes();
    let mut from = 0;
    while let Some(i) = find(hay, w, from) {
        let j = i + w.len();
        let before = i == 0 || !hay[i - 1].is_ascii_alphabetic();
        let after = j >= hay.len() || !hay[j].is_ascii_alphabetic();
        if before && after {
            return true;
        }
        from = i + 1;
    }
    false
}

fn has_any_word(hay: &[u8], words: &[&str]) -> bool {
    // Single words are compared with the window's letter runs; phrases and
    // words with other characters ("api key", "sha-256") are searched.
    let is_single = |w: &&str| w.bytes().all(|c| c.is_ascii_alphabetic());
    hay.split(|c| !c.is_ascii_alphabetic())
        .filter(|run| !run.is_empty())
        .any(|run| words.iter().any(|w| w.as_bytes() == run))
        || words
            .iter()
            .filter(|w| !is_single(w))
            .any(|w| has_word(hay, w))
}

fn digit_at(b: &[u8], i: usize) -> bool {
    b.get(i).is_some_and(u8::is_ascii_digit)
}

fn alnum_at(b: &[u8], i: usize) -> bool {
    b.get(i).is_some_and(u8::is_ascii_alphanumeric)
}

/// Whether a number that starts at `start` continues one to its left: a
/// letter or digit, `+` (a phone number), or a joiner such as `.`, `,`, `-`,
/// `/`, `_` right after a letter or digit ("1.4111…", "INV-4111…").
fn glued_left(b: &[u8], start: usize) -> bool {
    let Some(p) = start.checked_sub(1) else {
        return false;
    };
    match b[p] {
        c if c.is_ascii_alphanumeric() || c == b'+' => true,
        // "1.4111…", "10:4111…" (but "card no.4111…" is fine)
        b'.' | b',' | b':' => p.checked_sub(1).is_some_and(|q| digit_at(b, q)),
        // "INV-4111…", "files/4111…"
        b'-' | b'/' | b'_' => p.checked_sub(1).is_some_and(|q| alnum_at(b, q)),
        _ => false,
    }
}

/// The same on the right of a number that ends at `end`.
fn glued_right(b: &[u8], end: usize) -> bool {
    match b.get(end) {
        None => false,
        Some(c) if c.is_ascii_alphanumeric() => true,
        Some(b'.' | b',' | b'-' | b'/' | b'_' | b':') => alnum_at(b, end + 1),
        Some(_) => false,
    }
}

// ---------------------------------------------------------------------------
// Checksums

/// The Luhn check over ASCII digits.
pub(crate) fn luhn_ok(digits: &[u8]) -> bool {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut sum = 0u32;
    for (i, &c) in digits.iter().rev().enumerate() {
        let mut d = u32::from(c - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// Whether a card number of this length starts with a known issuer prefix.
fn issuer_ok(d: &[u8]) -> bool {
    let len = d.len();
    let prefix = |k: usize| -> u32 {
        d.iter()
            .take(k)
            .fold(0, |acc, &c| acc * 10 + u32::from(c - b'0'))
    };
    if len < 13 {
        return false;
    }
    let (p1, p2, p3, p4, p6) = (prefix(1), prefix(2), prefix(3), prefix(4), prefix(6));
    let long = (16..=19).contains(&len);
    (p1 == 4 && matches!(len, 13 | 16 | 19))
        || (((51..=55).contains(&p2) || (2221..=2720).contains(&p4)) && len == 16)
        || (matches!(p2, 34 | 37) && len == 15)
        || ((p4 == 6011
            || p2 == 65
            || (644..=649).contains(&p3)
            || (622_126..=622_925).contains(&p6))
            && long)
        || (((300..=305).contains(&p3) || matches!(p2, 36 | 38 | 39)) && (14..=19).contains(&len))
        || ((3528..=3589).contains(&p4) && long)
        || (p2 == 62 && long)
        || (matches!(
            p4,
            5018 | 5020 | 5038 | 5893 | 6304 | 6759 | 6761 | 6762 | 6763
        ) && long)
        || ((2200..=2204).contains(&p4) && long)
}

/// Whether digit groups are written the way card numbers are: one block,
/// 4-4-4-4 (and 4-4-4-4-3, 4-4-4-1…), or 4-6-5 / 4-6-4 (Amex, Diners).
fn card_grouping_ok(lens: &[usize]) -> bool {
    match lens {
        [_] => true,
        [4, 6, 5] | [4, 6, 4] => true,
        [init @ .., last] => init.iter().all(|&l| l == 4) && (1..=4).contains(last),
        [] => false,
    }
}

/// IBAN lengths by country (the SWIFT registry).
fn iban_length(cc: &[u8]) -> Option<usize> {
    const TABLE: &[(&[u8; 2], usize)] = &[
        (b"AD", 24),
        (b"AE", 23),
        (b"AL", 28),
        (b"AT", 20),
        (b"AZ", 28),
        (b"BA", 20),
        (b"BE", 16),
        (b"BG", 22),
        (b"BH", 22),
        (b"BI", 27),
        (b"BR", 29),
        (b"BY", 28),
        (b"CH", 21),
        (b"CR", 22),
        (b"CY", 28),
        (b"CZ", 24),
        (b"DE", 22),
        (b"DJ", 27),
        (b"DK", 18),
        (b"DO", 28),
        (b"EE", 20),
        (b"EG", 29),
        (b"ES", 24),
        (b"FI", 18),
        (b"FK", 18),
        (b"FO", 18),
        (b"FR", 27),
        (b"GB", 22),
        (b"GE", 22),
        (b"GI", 23),
        (b"GL", 18),
        (b"GR", 27),
        (b"GT", 28),
        (b"HR", 21),
        (b"HU", 28),
        (b"IE", 22),
        (b"IL", 23),
        (b"IQ", 23),
        (b"IS", 26),
        (b"IT", 27),
        (b"JO", 30),
        (b"KW", 30),
        (b"KZ", 20),
        (b"LB", 28),
        (b"LC", 32),
        (b"LI", 21),
        (b"LT", 20),
        (b"LU", 20),
        (b"LV", 21),
        (b"LY", 25),
        (b"MC", 27),
        (b"MD", 24),
        (b"ME", 22),
        (b"MK", 19),
        (b"MN", 20),
        (b"MR", 27),
        (b"MT", 31),
        (b"MU", 30),
        (b"NI", 28),
        (b"NL", 18),
        (b"NO", 15),
        (b"OM", 23),
        (b"PK", 24),
        (b"PL", 28),
        (b"PS", 29),
        (b"PT", 25),
        (b"QA", 29),
        (b"RO", 24),
        (b"RS", 22),
        (b"RU", 33),
        (b"SA", 24),
        (b"SC", 31),
        (b"SD", 18),
        (b"SE", 24),
        (b"SI", 19),
        (b"SK", 24),
        (b"SM", 27),
        (b"SO", 23),
        (b"ST", 25),
        (b"SV", 28),
        (b"TL", 23),
        (b"TN", 24),
        (b"TR", 26),
        (b"UA", 29),
        (b"VA", 22),
        (b"VG", 24),
        (b"XK", 20),
        (b"YE", 30),
    ];
    TABLE.iter().find(|(c, _)| c[..] == *cc).map(|&(_, l)| l)
}

/// The IBAN check: move the first four characters to the end, turn letters
/// into numbers (A = 10 … Z = 35), and the result mod 97 must be 1.
/// `chars` are upper-case ASCII letters and digits.
pub(crate) fn iban_mod97_ok(chars: &[u8]) -> bool {
    if chars.len() < 5 {
        return false;
    }
    let mut r = 0u32;
    for &c in chars[4..].iter().chain(&chars[..4]) {
        r = match c {
            b'0'..=b'9' => (r * 10 + u32::from(c - b'0')) % 97,
            b'A'..=b'Z' => (r * 100 + u32::from(c - b'A') + 10) % 97,
            _ => return false,
        };
    }
    r == 1
}

/// Shannon entropy in bits per character.
fn entropy(s: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    for &c in s {
        counts[usize::from(c)] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Decodes base64url (padding optional).
fn b64url_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for &c in s {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

// ---------------------------------------------------------------------------
// Context words

/// Words that say a number is a card.
const CARD_WORDS: &[&str] = &[
    "card",
    "visa",
    "mastercard",
    "amex",
    "credit",
    "debit",
    "cc",
    "cvv",
    "cvc",
    "expiry",
    "exp",
    "expires",
    "discover",
    "maestro",
];

/// Words that say a number is a reference of some other kind.
const REFERENCE_WORDS: &[&str] = &[
    "asset",
    "tracking",
    "track",
    "order",
    "orders",
    "invoice",
    "inv",
    "ref",
    "reference",
    "shipment",
    "parcel",
    "awb",
    "consignment",
    "booking",
    "confirmation",
    "ticket",
    "case",
    "po",
    "transaction",
    "receipt",
    "waybill",
    "barcode",
    "serial",
    "part",
    "sku",
    "isbn",
    "imei",
    "phone",
    "tel",
    "fax",
    "ext",
    "account",
    "acct",
    "policy",
    "claim",
    "member",
];

const SSN_WORDS: &[&str] = &[
    "ssn",
    "ssns",
    "social security",
    "social-security",
    "ss#",
    "soc sec",
    "social sec",
    "social security number",
    "taxpayer",
    "tin",
    "tax id",
];

/// Words that say a token is a secret.
const SECRET_WORDS: &[&str] = &[
    "token",
    "tokens",
    "secret",
    "secrets",
    "api key",
    "api_key",
    "apikey",
    "api-key",
    "access key",
    "access_key",
    "accesskey",
    "private key",
    "auth",
    "authorization",
    "bearer",
    "credential",
    "credentials",
    "password",
    "passwd",
    "pwd",
    "key",
    "keys",
    "signing",
    "client_secret",
    "accountkey",
    "sharedaccesskey",
    "sig",
    "signature",
    "session",
    "cookie",
    "passphrase",
];

/// Words that say a token is an identifier or a checksum.
const IDENTIFIER_WORDS: &[&str] = &[
    "commit",
    "commits",
    "sha",
    "sha1",
    "sha256",
    "sha-256",
    "sha-1",
    "md5",
    "hash",
    "checksum",
    "digest",
    "fingerprint",
    "id",
    "ids",
    "uuid",
    "guid",
    "request",
    "trace",
    "correlation",
    "order",
    "invoice",
    "tracking",
    "build",
    "version",
    "revision",
    "rev",
    "ref",
    "reference",
    "ticket",
    "transaction",
    "txn",
    "etag",
    "object",
    "blob",
    "merge",
    "branch",
    "file",
    "filename",
    "document",
    "doc",
    "folder",
    "video",
    "image",
    "container",
    "pod",
    "instance",
    "run",
    "job",
    "pipeline",
    "address",
    "wallet",
    "integrity",
    "cursor",
];

// ---------------------------------------------------------------------------
// The scanners

#[derive(Debug)]
struct Scanner<'a> {
    text: &'a str,
    b: &'a [u8],
    /// ASCII-lower-cased copy: same length and offsets as `b`.
    lower: Vec<u8>,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            b: text.as_bytes(),
            lower: text.as_bytes().to_ascii_lowercase(),
        }
    }

    /// Up to `max` lower-cased bytes before `at`, within its line (or the
    /// previous line when nothing but blanks precede `at` on its own).
    fn context_before(&self, at: usize, max: usize) -> &[u8] {
        let from = at.saturating_sub(max);
        let w = &self.lower[from..at];
        match w.iter().rposition(|&c| c == b'\n') {
            Some(nl) if w[nl + 1..].iter().any(u8::is_ascii_alphanumeric) => &w[nl + 1..],
            Some(nl) => {
                // Keep only the previous line.
                let prev = &w[..nl];
                match prev.iter().rposition(|&c| c == b'\n') {
                    Some(p) => &w[p + 1..],
                    None => w,
                }
            }
            None => w,
        }
    }

    /// Up to `max` lower-cased bytes after `at`, within its line.
    fn context_after(&self, at: usize, max: usize) -> &[u8] {
        let to = (at + max).min(self.lower.len());
        let w = &self.lower[at..to];
        match w.iter().position(|&c| c == b'\n') {
            Some(nl) => &w[..nl],
            None => w,
        }
    }

    /// PEM blocks: private keys become findings; public ones (certificates,
    /// public keys) are returned so no token inside them is reported.
    fn pem_blocks(&self, out: &mut Vec<Cand>) -> Vec<(usize, usize)> {
        let b = self.b;
        let mut quiet = Vec::new();
        let all = |marker: &[u8]| {
            let mut at = Vec::new();
            let mut from = 0;
            while let Some(i) = find(b, marker, from) {
                at.push(i);
                from = i + 1;
            }
            at
        };
        let (begins, ends) = (all(b"-----BEGIN "), all(b"-----END "));
        let first_after =
            |at: &[usize], pos: usize| at.get(at.partition_point(|&x| x < pos)).copied();
        let mut from = 0;
        for &i in &begins {
            if i < from {
                continue;
            }
            let label_start = i + 11;
            let label_end = run_end(b, label_start, |c| {
                c.is_ascii_uppercase() || c.is_ascii_digit() || c == b' '
            });
            if label_end - label_start > 64 || !b[label_end..].starts_with(b"-----") {
                continue;
            }
            let label = &b[label_start..label_end];
            let header_end = label_end + 5;
            let next_begin = first_after(&begins, header_end);
            let end_marker =
                first_after(&ends, header_end).filter(|&e| next_begin.is_none_or(|n| e < n));
            let (body_end, end) = match end_marker {
                Some(e) => {
                    let k = run_end(b, e + 9, |c| {
                        c.is_ascii_uppercase() || c.is_ascii_digit() || c == b' '
                    });
                    let k = if b[k..].starts_with(b"-----") {
                        k + 5
                    } else {
                        k
                    };
                    (e, k)
                }
                None => {
                    let k = pem_body_end(b, header_end);
                    (k, k)
                }
            };
            let body_chars = b[header_end..body_end]
                .iter()
                .filter(|&&c| is_b64(c))
                .count();
            let private = label.ends_with(b"PRIVATE KEY") || label.ends_with(b"PRIVATE KEY BLOCK");
            if private {
                if body_chars >= 40 {
                    out.push(Cand::new(FindingKind::PrivateKey, i, end));
                }
            } else {
                quiet.push((i, end));
            }
            from = end.max(i + 1);
        }
        // OpenSSH public keys: "ssh-ed25519 AAAA…", "ssh-rsa AAAA…".
        for prefix in [&b"ssh-"[..], b"ecdsa-sha2-"] {
            let mut from = 0;
            while let Some(i) = find(b, prefix, from) {
                let type_end = run_end(b, i, |c| !c.is_ascii_whitespace());
                let key_start = run_end(b, type_end, |c| c == b' ');
                let key_end = run_end(b, key_start, is_b64);
                if b[key_start..].starts_with(b"AAAA") {
                    quiet.push((i, key_end));
                }
                from = key_end.max(i + 1);
            }
        }
        quiet
    }

    /// JWTs: `header.payload.signature` where the header decodes to a JSON
    /// object with an "alg".
    fn jwts(&self, out: &mut Vec<Cand>) {
        let b = self.b;
        let mut from = 0;
        while let Some(p) = find(b, b"eyJ", from) {
            from = p + 1;
            if p > 0 && is_b64url(b[p - 1]) {
                continue;
            }
            let h_end = run_end(b, p, is_b64url);
            if b.get(h_end) != Some(&b'.') {
                continue;
            }
            let p_end = run_end(b, h_end + 1, is_b64url);
            if p_end - (h_end + 1) < 2 || b.get(p_end) != Some(&b'.') {
                continue;
            }
            let s_end = run_end(b, p_end + 1, is_b64url);
            if !jwt_header_ok(&b[p..h_end]) || b64url_decode(&b[h_end + 1..p_end]).is_none() {
                continue;
            }
            out.push(Cand::new(FindingKind::Jwt, p, s_end));
            from = s_end.max(p + 1);
        }
    }

    /// Credentials recognised by their vendor prefix.
    fn prefixed_tokens(&self, out: &mut Vec<Cand>) {
        let b = self.b;
        for i in 0..b.len() {
            if !matches!(b[i], b'A' | b'g' | b'x' | b's' | b'r' | b'w') {
                continue;
            }
            if i > 0 && (is_word(b[i - 1]) || b[i - 1] == b'-') {
                continue;
            }
            let rest = &b[i..];
            let is_upper_alnum = |c: u8| c.is_ascii_uppercase() || c.is_ascii_digit();
            if rest.starts_with(b"AKIA") || rest.starts_with(b"ASIA") {
                let end = run_end(b, i + 4, is_upper_alnum);
                // AWS's documentation samples end in "EXAMPLE".
                if end - i == 20 && !alnum_at(b, end) && !b[i..end].ends_with(b"EXAMPLE") {
                    out.push(Cand::new(FindingKind::AwsAccessKey, i, end));
                }
            } else if rest.starts_with(b"AIza") {
                let end = run_end(b, i + 4, is_b64url);
                if end - i == 39 {
                    out.push(Cand::new(FindingKind::GoogleApiKey, i, end));
                }
            } else if rest.starts_with(b"github_pat_") {
                let end = run_end(b, i + 11, is_word);
                if end - (i + 11) >= 30 {
                    out.push(Cand::new(FindingKind::GithubToken, i, end));
                }
            } else if rest.len() > 4
                && rest.starts_with(b"gh")
                && matches!(rest[2], b'p' | b'o' | b'u' | b's' | b'r')
                && rest[3] == b'_'
            {
                let end = run_end(b, i + 4, |c| c.is_ascii_alphanumeric());
                if (36..=251).contains(&(end - (i + 4)))
                    && !is_word(b.get(end).copied().unwrap_or(b' '))
                {
                    out.push(Cand::new(FindingKind::GithubToken, i, end));
                }
            } else if rest.len() > 5
                && rest.starts_with(b"xox")
                && matches!(rest[3], b'b' | b'p' | b'a' | b'r' | b's' | b'e')
                && rest[4] == b'-'
            {
                let end = run_end(b, i + 5, |c| c.is_ascii_alphanumeric() || c == b'-');
                let body = &b[i + 5..end];
                if body.len() >= 20 && body.iter().filter(|c| c.is_ascii_digit()).count() >= 4 {
                    out.push(Cand::new(FindingKind::SlackToken, i, end));
                }
            } else {
                let stripe = [
                    (&b"sk_live_"[..], Variant::Plain, 16),
                    (b"rk_live_", Variant::Plain, 16),
                    (b"sk_test_", Variant::StripeTest, 16),
                    (b"rk_test_", Variant::StripeTest, 16),
                    (b"whsec_", Variant::StripeWebhook, 24),
                ];
                for (prefix, variant, min) in stripe {
                    if rest.starts_with(prefix) {
                        let end = run_end(b, i + prefix.len(), |c| c.is_ascii_alphanumeric());
                        if end - (i + prefix.len()) >= min
                            && !is_word(b.get(end).copied().unwrap_or(b' '))
                        {
                            out.push(Cand::new(FindingKind::StripeKey, i, end).with(variant));
                        }
                    }
                }
            }
        }
    }

    /// Tokens with a known vendor's prefix and shape (Mailgun, SendGrid,
    /// GitLab, npm, …), reported as high-entropy tokens with the vendor's
    /// own explanation.
    fn vendor_tokens(&self, out: &mut Vec<Cand>) {
        let b = self.b;
        let mut i = 0;
        while i < b.len() {
            if !VENDOR_FIRST[usize::from(b[i])]
                || (i > 0 && (is_word(b[i - 1]) || matches!(b[i - 1], b'-' | b'.')))
            {
                i += 1;
                continue;
            }
            let found = VENDORS.iter().enumerate().find_map(|(n, v)| {
                let body_start = i + v.prefix.len();
                let prefix = v.prefix.as_bytes();
                if prefix[0] != b[i] || !b[i..].starts_with(prefix) {
                    return None;
                }
                let end = run_end(b, body_start, |c| v.body.has(c));
                // Trailing punctuation belongs to the sentence.
                let end = body_start
                    + b[body_start..end]
                        .iter()
                        .rposition(u8::is_ascii_alphanumeric)
                        .map_or(0, |p| p + 1);
                let body = &b[body_start..end];
                let shape_ok = (v.min..=v.max).contains(&body.len())
                    && !matches!(b.get(end), Some(&c) if is_word(c))
                    && vendor_body_random(v.body, body)
                    && find(&b[i..end], b"EXAMPLE", 0).is_none();
                let context_ok = v.context.is_none_or(|w| {
                    has_any_word(self.context_before(i, 80), &[w])
                        || has_any_word(self.context_after(end, 80), &[w])
                });
                (shape_ok && context_ok).then_some((n, end))
            });
            match found {
                Some((n, end)) => {
                    let n = u8::try_from(n).unwrap_or(u8::MAX);
                    out.push(
                        Cand::new(FindingKind::HighEntropyToken, i, end).with(Variant::Vendor(n)),
                    );
                    i = end;
                }
                None => i += 1,
            }
        }
    }

    /// AWS secret access keys: 40 base64 characters right after a label such
    /// as `aws_secret_access_key` or "secret access key", or shortly after an
    /// access key ID (the two are shared as a pair).
    fn aws_secrets(&self, out: &mut Vec<Cand>) {
        let key_ids: Vec<usize> = out
            .iter()
            .filter(|c| c.kind == FindingKind::AwsAccessKey)
            .map(|c| c.end)
            .collect();
        for from in key_ids {
            self.aws_secret_after(from, 200, out);
        }
        // Labels: "aws_secret_access_key", "secret access key",
        // "SecretAccessKey", "AWS secret (key)".
        let lower = &self.lower;
        let mut from = 0;
        while let Some(i) = find(lower, b"secret", from) {
            from = i + 6;
            let rest = &lower[i..];
            let long = [
                &b"secret_access_key"[..],
                b"secret access key",
                b"secretaccesskey",
            ]
            .into_iter()
            .find(|l| rest.starts_with(l));
            let aws_before = i >= 4 && matches!(&lower[i - 4..i], b"aws " | b"aws_");
            let label_end = match long {
                Some(l) => i + l.len(),
                None if aws_before => {
                    let after = &lower[i + 6..];
                    if after.starts_with(b" key") || after.starts_with(b"_key") {
                        i + 10
                    } else {
                        i + 6
                    }
                }
                None => continue,
            };
            self.aws_secret_after(label_end, 80, out);
        }
    }

    /// The first 40-character base64 token within `window` bytes after `from`.
    fn aws_secret_after(&self, from: usize, window: usize, out: &mut Vec<Cand>) {
        let b = self.b;
        let window_end = (from + window).min(b.len());
        let is_secret_char = |c: u8| c.is_ascii_alphanumeric() || c == b'+' || c == b'/';
        let mut j = from;
        while j < window_end {
            if !is_secret_char(b[j]) || (j > 0 && is_secret_char(b[j - 1])) {
                j += 1;
                continue;
            }
            let end = run_end(b, j, is_secret_char);
            let token = &b[j..end];
            if token.len() == 40
                && classes(token) == 3
                && !matches!(b.get(end), Some(c) if is_word(*c))
                && find(token, b"EXAMPLE", 0).is_none()
            {
                out.push(Cand::new(FindingKind::AwsAccessKey, j, end).with(Variant::AwsSecret));
                return;
            }
            j = end;
        }
    }

    /// Slack incoming-webhook addresses.
    fn slack_webhooks(&self, out: &mut Vec<Cand>) {
        const HOST: &[u8] = b"hooks.slack.com/services/";
        let mut from = 0;
        while let Some(i) = find(&self.lower, HOST, from) {
            from = i + 1;
            let path_end = run_end(self.b, i + HOST.len(), |c| {
                is_word(c) || c == b'/' || c == b'-'
            });
            if path_end - (i + HOST.len()) < 20 {
                continue;
            }
            let start = [&b"https://"[..], b"http://"]
                .iter()
                .find(|s| i >= s.len() && self.lower[i - s.len()..i] == ***s)
                .map_or(i, |s| i - s.len());
            out.push(
                Cand::new(FindingKind::SlackToken, start, path_end).with(Variant::SlackWebhook),
            );
        }
    }

    /// IBANs, written solid or in groups of four.
    fn ibans(&self, out: &mut Vec<Cand>) {
        let b = self.b;
        let mut i = 0;
        while i + 4 <= b.len() {
            let starts = b[i].is_ascii_alphabetic()
                && b[i + 1].is_ascii_alphabetic()
                && b[i + 2].is_ascii_digit()
                && b[i + 3].is_ascii_digit()
                && (i == 0 || !is_word(b[i - 1]));
            let country = [b[i].to_ascii_uppercase(), b[i + 1].to_ascii_uppercase()];
            let Some(len) = starts.then(|| iban_length(&country)).flatten() else {
                i += 1;
                continue;
            };
            let mut chars: Vec<u8> = b[i..i + 4].to_ascii_uppercase();
            let mut j = i + 4;
            let spaced = b.get(j) == Some(&b' ');
            while chars.len() < len {
                if spaced {
                    // " " then a group: usually four characters, sometimes
                    // grouped as the bank writes it ("DE89 37040044 0532013000").
                    if b.get(j) != Some(&b' ') {
                        break;
                    }
                    let g_end = run_end(b, j + 1, |c| c.is_ascii_alphanumeric());
                    let g = &b[j + 1..g_end];
                    if g.is_empty() || g.len() > 12 || chars.len() + g.len() > len {
                        break;
                    }
                    chars.extend(g.iter().map(u8::to_ascii_uppercase));
                    j = g_end;
                } else {
                    match b.get(j) {
                        Some(c) if c.is_ascii_alphanumeric() => chars.push(c.to_ascii_uppercase()),
                        _ => break,
                    }
                    j += 1;
                }
            }
            if chars.len() == len && !alnum_at(b, j) && iban_mod97_ok(&chars) {
                out.push(Cand::new(FindingKind::Iban, i, j));
                i = j;
            } else {
                i += 1;
            }
        }
    }

    /// Payment card numbers.
    fn cards(&self, out: &mut Vec<Cand>) {
        let b = self.b;
        let mut i = 0;
        while i < b.len() {
            if !b[i].is_ascii_digit() || glued_left(b, i) {
                i += 1;
                continue;
            }
            // Digit groups joined by one kind of single separator.
            let mut groups: Vec<(usize, usize)> = Vec::new();
            let mut sep: Option<u8> = None;
            let mut j = i;
            loop {
                let g_end = run_end(b, j, |c| c.is_ascii_digit());
                groups.push((j, g_end));
                j = g_end;
                let next_sep = b.get(j).copied().filter(|&c| c == b' ' || c == b'-');
                match next_sep {
                    Some(c)
                        if digit_at(b, j + 1) && sep.is_none_or(|s| s == c) && groups.len() < 8 =>
                    {
                        sep = Some(c);
                        j += 1;
                    }
                    _ => break,
                }
            }
            if let Some((start, end)) = self.card_in(&groups) {
                out.push(Cand::new(FindingKind::PaymentCard, start, end));
            }
            i = j.max(i + 1);
        }
    }

    /// The longest card number made of `groups[..k]`: the whole run, or the
    /// run minus short trailing groups (an expiry date or a security code).
    fn card_in(&self, groups: &[(usize, usize)]) -> Option<(usize, usize)> {
        let b = self.b;
        for k in (1..=groups.len()).rev() {
            let dropped = &groups[k..];
            if dropped.iter().any(|&(s, e)| e - s > 4) {
                return None;
            }
            let used = &groups[..k];
            let lens: Vec<usize> = used.iter().map(|&(s, e)| e - s).collect();
            let total: usize = lens.iter().sum();
            if !(13..=19).contains(&total) {
                continue;
            }
            let (start, end) = (used[0].0, used[k - 1].1);
            if k == groups.len() && glued_right(b, end) {
                continue;
            }
            let digits: Vec<u8> = b[start..end]
                .iter()
                .copied()
                .filter(u8::is_ascii_digit)
                .collect();
            if !card_grouping_ok(&lens) || !luhn_ok(&digits) || !issuer_ok(&digits) {
                continue;
            }
            // A solid block, or the start of a longer run, labelled as some
            // other reference ("order 4…", "tracking 4… … …").
            if k == 1 || k < groups.len() {
                let before = self.context_before(start, 40);
                let around = [before, self.context_after(end, 40)];
                let says_card = around.iter().any(|w| has_any_word(w, CARD_WORDS));
                if !says_card && has_any_word(before, REFERENCE_WORDS) {
                    return None;
                }
            }
            return Some((start, end));
        }
        None
    }

    /// US Social Security numbers.
    fn ssns(&self, out: &mut Vec<Cand>) {
        let b = self.b;
        let mut i = 0;
        while i < b.len() {
            if !b[i].is_ascii_digit() || (i > 0 && alnum_at(b, i - 1)) {
                i += 1;
                continue;
            }
            let area_end = run_end(b, i, |c| c.is_ascii_digit());
            let next = area_end.max(i + 1);
            let parts = if area_end - i == 9 {
                // Nine bare digits: only after a word like "SSN".
                let before = self.context_before(i, 48);
                (!glued_left(b, i) && !glued_right(b, area_end) && has_any_word(before, SSN_WORDS))
                    .then_some((i, area_end, [i, i + 3, i + 5, i + 9]))
            } else if area_end - i == 3 {
                self.separated_ssn(i)
            } else {
                None
            };
            if let Some((start, end, cuts)) = parts {
                let num = |a: usize, z: usize| -> u32 {
                    b[a..z]
                        .iter()
                        .filter(|c| c.is_ascii_digit())
                        .fold(0, |acc, &c| acc * 10 + u32::from(c - b'0'))
                };
                let (area, group, serial) = (
                    num(cuts[0], cuts[1]),
                    num(cuts[1], cuts[2]),
                    num(cuts[2], cuts[3]),
                );
                if area != 0 && area != 666 && area < 900 && group != 0 && serial != 0 {
                    out.push(Cand::new(FindingKind::UsSsn, start, end));
                    i = end;
                    continue;
                }
            }
            i = next;
        }
    }

    /// `AAA-GG-SSSS` or `AAA GG SSSS` starting at `i`, standing alone.
    fn separated_ssn(&self, i: usize) -> Option<(usize, usize, [usize; 4])> {
        let b = self.b;
        let sep = *b.get(i + 3)?;
        if sep != b'-' && sep != b' ' {
            return None;
        }
        let g_end = run_end(b, i + 4, |c| c.is_ascii_digit());
        if g_end - (i + 4) != 2 || b.get(g_end) != Some(&sep) {
            return None;
        }
        let s_end = run_end(b, g_end + 1, |c| c.is_ascii_digit());
        if s_end - (g_end + 1) != 4 {
            return None;
        }
        // Not part of a longer number.
        let left_joined = i >= 2
            && matches!(b[i - 1], b'-' | b' ' | b'.' | b'/' | b'(' | b'+')
            && digit_at(b, i - 2);
        let right_joined = matches!(b.get(s_end), Some(b'-' | b' ' | b'.' | b'/' | b','))
            && digit_at(b, s_end + 1);
        if left_joined || right_joined || glued_left(b, i) || alnum_at(b, s_end) {
            return None;
        }
        let before = self.context_before(i, 80);
        if !has_any_word(before, SSN_WORDS) && has_any_word(before, REFERENCE_WORDS) {
            return None;
        }
        // Spaced groups are common in other numbers: ask for a hint.
        if sep == b' '
            && !has_any_word(before, SSN_WORDS)
            && !has_any_word(before, &["social", "security"])
        {
            return None;
        }
        Some((i, s_end, [i, i + 4, g_end + 1, s_end]))
    }

    /// Password and PIN disclosures.
    fn passwords(&self, out: &mut Vec<Cand>) {
        let lower = &self.lower;
        let mut i = 0;
        while i < lower.len() {
            let c = lower[i];
            if KEYWORD_MASKS[0][usize::from(c)] == 0 {
                i += 1;
                continue;
            }
            let hit = if !c.is_ascii() {
                // "пароль", "şifre"; "パスワード", "密码" are written onto
                // the words around them.
                keyword_at(lower, i).filter(|h| h.joined || !self.letter_before(i))
            } else if i > 0 && lower[i - 1].is_ascii_digit() {
                // "1Password" is a product.
                None
            } else if self.letter_before(i) {
                // The end of a compound word: "Routerpasswort",
                // "wifilösenordet", "dbpassword".
                compound_at(lower, i)
            } else {
                keyword_at(lower, i)
            };
            let Some(hit) = hit else {
                i += 1;
                continue;
            };
            match self.password_at(hit) {
                Some(c) => {
                    out.push(c);
                    i = c.end.max(i + 1);
                }
                None => i = hit.end,
            }
        }
    }

    /// A well-known account name and its password after a link, with no
    /// password keyword: "https://admin.example.io — admin / lagoon062maple",
    /// "https://10.0.0.5:8443 root:Tr0ub4dor".
    fn account_pairs(&self, out: &mut Vec<Cand>) {
        let (b, lower) = (self.b, &self.lower);
        let Some(first_link) = find(lower, b"://", 0) else {
            return;
        };
        // One pass: whether a link came earlier on the line, and each word
        // that starts after white space (not inside the link itself).
        let mut link_on_line = false;
        let mut i = b[..first_link]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |p| p + 1);
        while i < b.len() {
            match b[i] {
                b'\n' => link_on_line = false,
                b':' if lower[i..].starts_with(b"://") => link_on_line = true,
                c if link_on_line
                    && c.is_ascii_alphabetic()
                    && i > 0
                    && b[i - 1].is_ascii_whitespace() =>
                {
                    let end = run_end(b, i, |c| c.is_ascii_alphabetic());
                    let is_account = ACCOUNT_NAMES.iter().any(|n| lower[i..end] == *n.as_bytes());
                    if is_account && !alnum_at(b, end) && !lower[end..].starts_with(b"://") {
                        // A path or a key=value after the name is not a
                        // password: "root: /var/www", "root:cause=OOM".
                        let found = self.pair_secret(i).filter(|&(start, stop)| {
                            let value = &b[start..stop];
                            value.first() != Some(&b'/') && !value.contains(&b'=')
                        });
                        if let Some((start, stop)) = found {
                            out.push(Cand::new(FindingKind::Password, start, stop));
                            i = stop;
                            continue;
                        }
                    }
                    i = end;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
    }

    /// Passwords glued to the `-p` flag of the MySQL and MariaDB command-line
    /// tools: `mysql -u root -p'S3cret' db`, `mysqldump -pS3cret …` (a bare
    /// `-p` asks for the password instead, and `-P` is the port).
    fn cli_passwords(&self, out: &mut Vec<Cand>) {
        let (b, lower) = (self.b, &self.lower);
        let mut from = 0;
        while let Some(at) = find(lower, b"mysql", from) {
            // The command itself: `mysql`, `mysqldump`, `mysqladmin`, up to
            // the end of its line or the next command (`;`, `|`, `&&`).
            let name_end = run_end(b, at, |c| c.is_ascii_alphanumeric() || c == b'_');
            let end_of_command = run_end(b, name_end, |c| !matches!(c, b'\n' | b';' | b'|' | b'&'));
            from = end_of_command.max(at + 5);
            let command = &lower[at..name_end];
            let is_client = [
                &b"mysql"[..],
                b"mysqldump",
                b"mysqladmin",
                b"mariadb",
                b"mariadb-dump",
            ]
            .contains(&command);
            // Run as a command: its name is followed by its options
            // ("mysql data with tar -pczf" is prose).
            let first_arg = run_end(b, name_end, |c| c == b' ');
            if self.letter_before(at)
                || !is_client
                || first_arg == name_end
                || b.get(first_arg) != Some(&b'-')
            {
                continue;
            }
            let mut k = name_end;
            while let Some(flag) = find(&b[..end_of_command], b" -p", k) {
                let v = flag + 3;
                k = v;
                let Some(&first) = b.get(v).filter(|_| v < end_of_command) else {
                    break;
                };
                if first.is_ascii_whitespace() {
                    continue;
                }
                let (start, end) = if matches!(first, b'\'' | b'"') {
                    let Some(close) = b[v + 1..end_of_command].iter().position(|&c| c == first)
                    else {
                        break;
                    };
                    (v + 1, v + 1 + close)
                } else {
                    (
                        v,
                        run_end(b, v, |c| !c.is_ascii_whitespace()).min(end_of_command),
                    )
                };
                let value = self.text.get(start..end).unwrap_or("");
                if plausible_secret(value, Keyword::Password, Form::Labelled, true) {
                    out.push(Cand::new(FindingKind::Password, start, end));
                }
                break;
            }
        }
    }

    /// Whether the character right before byte `i` is a letter or digit.
    fn letter_before(&self, i: usize) -> bool {
        match i.checked_sub(1).map(|p| self.b[p]) {
            None => false,
            Some(c) if c.is_ascii() => c.is_ascii_alphanumeric(),
            Some(_) => self
                .text
                .get(..i)
                .and_then(|t| t.chars().next_back())
                .is_some_and(char::is_alphanumeric),
        }
    }

    /// The disclosure that follows a keyword, as a candidate.
    fn password_at(&self, hit: KwHit) -> Option<Cand> {
        // "palabra clave" is Spanish for "keyword".
        if self.lower[hit.start..hit.end] == *b"clave"
            && self
                .context_before(hit.start, 12)
                .trim_ascii_end()
                .ends_with(b"palabra")
        {
            return None;
        }
        let (start, end) = self.disclosure(hit)?;
        let variant = if hit.kw == Keyword::Pin {
            Variant::Pin
        } else {
            Variant::Plain
        };
        Some(Cand::new(FindingKind::Password, start, end).with(variant))
    }

    /// The value disclosed after a password keyword.
    fn disclosure(&self, hit: KwHit) -> Option<(usize, usize)> {
        let b = self.b;
        let lower = &self.lower;
        let KwHit {
            kw,
            start: kw_start,
            end: kw_end,
            ..
        } = hit;
        // "${DB_PASSWORD:?missing}", "${DB_PASSWORD:-}": the colon belongs
        // to a shell parameter expansion, not to a label.
        let name_start = kw_start
            - b[..kw_start]
                .iter()
                .rev()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                .count();
        if b[..name_start].ends_with(b"${") {
            // Only a default written into it discloses anything:
            // "${DB_PASSWORD:-Tr0ub4dor&3x}".
            let name_end = run_end(b, kw_end, |c| c.is_ascii_alphanumeric() || c == b'_');
            let rest = &b[name_end..];
            let op = [&b":-"[..], b":=", b"-", b"="]
                .into_iter()
                .find(|op| rest.starts_with(op))?;
            let start = name_end + op.len();
            let end = start + b[start..].iter().position(|&c| c == b'}')?;
            let value = self.text.get(start..end)?;
            return (end > start && plausible_secret(value, kw, Form::Labelled, true))
                .then_some((start, end));
        }
        let mut j = run_end(b, kw_end, |c| c == b' ' || c == b'\t');
        // "パスワードはX", "密码是X": a verb written onto the keyword.
        if hit.joined {
            if let Some(c) = JOINED_COPULAS
                .iter()
                .find(|c| b[j..].starts_with(c.as_bytes()))
            {
                return self.value(j + c.len(), kw, Form::Copula, false);
            }
        }
        // "password: X", "pwd=X", "password -> X"
        let sep_len = if b[j..].starts_with("→".as_bytes()) || b[j..].starts_with("：".as_bytes())
        {
            3
        } else if b[j..].starts_with(b":=")
            || b[j..].starts_with(b"->")
            || b[j..].starts_with(b"=>")
        {
            2
        } else if matches!(b.get(j), Some(b':' | b'=')) {
            1
        } else {
            0
        };
        let dash = [&b"- "[..], "– ".as_bytes(), "— ".as_bytes()]
            .into_iter()
            .find(|d| j > kw_end && b[j..].starts_with(d))
            .map_or(0, <[u8]>::len);
        let sep_len = if sep_len == 0 { dash } else { sep_len };
        let after_slash = kw_start > 0 && b[kw_start - 1] == b'/';
        if sep_len > 0 && (kw == Keyword::Login || after_slash) {
            // "login: bob / S3cret!", "user/password: bob:S3cret!"
            return self.pair_secret(j + sep_len);
        }
        if sep_len > 0 {
            let in_query = kw_start > 0 && matches!(b[kw_start - 1], b'?' | b'&');
            if in_query && kw != Keyword::Password {
                // "?pwd=…" is a meeting link's passcode, made to be shared
                // with the invitees.
                return None;
            }
            return self.value(j + sep_len, kw, Form::Labelled, in_query);
        }
        // "password 'X'", "password `X`"
        if j > kw_end && opening_quote(self.text.get(j..).unwrap_or("")).is_some() {
            if let Some((start, end)) = self.value(j, kw, Form::Copula, false) {
                let closed_at = end
                    + b[end..]
                        .iter()
                        .take_while(|&&c| !c.is_ascii() || matches!(c, b'"' | b'\'' | b'`'))
                        .count();
                if !alnum_at(b, closed_at) {
                    return Some((start, end));
                }
            }
            return None;
        }

        // "password is X", "password for the VPN is X", "password to the wifi: X",
        // "changed the password to X", "Passwort für das Intranet: X",
        // "le mot de passe du compte est X", "password changed to X".
        let set_before = has_any_word(
            self.context_before(kw_start, 24),
            &[
                "changed", "change", "set", "reset", "updated", "update", "changing", "setting",
            ],
        );
        let mut words_seen = 0;
        loop {
            if j >= b.len() || words_seen > 8 {
                return None;
            }
            let w_end = run_end(b, j, |c| !c.is_ascii_whitespace());
            let word = &lower[j..w_end];
            let (bare, colon) = strip_colon(word);
            if words_seen == 0 && bare == b"to" && set_before {
                return self.value(run_end(b, w_end, |c| c == b' '), kw, Form::Copula, false);
            }
            if let Some((v, form)) = self.change_phrase(j) {
                return self.value(v, kw, form, false);
            }
            let possessive = bare == b"'s" || bare == "’s".as_bytes();
            if is_copula(bare, hit.copulas) || (words_seen == 0 && possessive) {
                // Fillers between the verb and the value.
                let mut v = run_end(b, w_end, |c| c == b' ');
                let mut labelled = colon;
                if !colon {
                    loop {
                        let f_end = run_end(b, v, |c| c.is_ascii_alphabetic() || !c.is_ascii());
                        let filler = &lower[v..f_end];
                        if f_end > v && in_list(FILLERS, filler) && b.get(f_end) == Some(&b' ') {
                            v = run_end(b, f_end, |c| c == b' ');
                        } else {
                            break;
                        }
                    }
                    labelled = b.get(v) == Some(&b':');
                    if labelled {
                        v += 1;
                    }
                }
                if kw == Keyword::Login {
                    return self.pair_secret(v);
                }
                let form = if labelled {
                    Form::Labelled
                } else {
                    Form::Copula
                };
                return self.value(v, kw, form, false);
            }
            let arrow = matches!(bare, b"->" | b"=>") || bare == "→".as_bytes();
            if (colon || arrow) && words_seen > 0 {
                if kw == Keyword::Login {
                    return self.pair_secret(w_end);
                }
                return self.value(w_end, kw, Form::Labelled, false);
            }
            // "password wifi: Tulpen-Veld-88": what it opens, then the value;
            // it must look like a password ("password router: Fritz" names
            // the router).
            if (colon || arrow) && in_list(QUALIFIERS, bare) && kw != Keyword::Login {
                return self.value(w_end, kw, Form::Copula, false);
            }
            let elided = [&b"d'"[..], "d’".as_bytes(), b"l'", "l’".as_bytes()]
                .iter()
                .any(|e| bare.starts_with(e));
            let first_ok =
                words_seen > 0 || in_list(CONNECTORS, bare) || in_list(QUALIFIERS, bare) || elided;
            if !first_ok {
                // "user: bob, password Harbour!Light7": a bare value right
                // after the keyword, when a user name precedes it.
                if words_seen == 0 && j > kw_end && kw != Keyword::Login {
                    return self
                        .value(j, kw, Form::Bare, false)
                        .filter(|_| self.login_context(kw_start));
                }
                return None;
            }
            if word.is_empty() {
                return None;
            }
            // A sentence ends before any verb: no disclosure here. (An
            // ordinal such as "im 3. OG" does not end it.)
            let ordinal = bare.len() > 1
                && bare.ends_with(b".")
                && bare[..bare.len() - 1].iter().all(u8::is_ascii_digit);
            if !ordinal
                && word
                    .iter()
                    .any(|c| matches!(c, b'.' | b'?' | b'!' | b',' | b';' | b'(' | b')'))
            {
                return None;
            }
            if b.get(w_end) == Some(&b'\n') {
                return None;
            }
            words_seen += 1;
            j = run_end(b, w_end, |c| c == b' ' || c == b'\t');
        }
    }

    /// A change of password starting at word `j`: "changed to X", "has been
    /// reset to X", "was updated → X", "wurde auf X geändert". Returns where
    /// the value starts and how it was introduced.
    fn change_phrase(&self, j: usize) -> Option<(usize, Form)> {
        let b = self.b;
        let lower = &self.lower;
        let mut k = j;
        let mut verb = false;
        for _ in 0..5 {
            let w_end = run_end(b, k, |c| !c.is_ascii_whitespace());
            let (bare, colon) = strip_colon(&lower[k..w_end]);
            let next = run_end(b, w_end, |c| c == b' ' || c == b'\t');
            let form = if colon { Form::Labelled } else { Form::Copula };
            let prep = in_list(CHANGE_PREPOSITIONS, bare);
            if verb && prep {
                return Some((next, form));
            }
            if in_list(CHANGE_VERBS, bare) {
                if colon {
                    // "Password reset: done" reports a status.
                    return None;
                }
                verb = true;
            } else if prep && k > j {
                // The verb after the value: "wurde auf X geändert".
                let v_end = run_end(b, next, |c| !c.is_ascii_whitespace());
                let after = run_end(b, v_end, |c| c == b' ');
                let a_end = run_end(b, after, |c| !c.is_ascii_whitespace());
                let then = lower[after..a_end]
                    .strip_suffix(b".")
                    .unwrap_or(&lower[after..a_end]);
                return in_list(CHANGE_VERBS, then).then_some((next, Form::Copula));
            } else if !in_list(CHANGE_AUXILIARIES, bare) || colon {
                return None;
            }
            if b.get(w_end) != Some(&b' ') {
                return None;
            }
            k = next;
        }
        None
    }

    /// Whether a user name comes before a password keyword at `kw_start` on
    /// its line: "user: bob, password …", "Login: ops@x.example / password …",
    /// "email jane@x.example password …".
    fn login_context(&self, kw_start: usize) -> bool {
        let before = self.context_before(kw_start, 80);
        let is_word_byte = |c: &u8| c.is_ascii_alphanumeric() || *c == b'-' || !c.is_ascii();
        // A label with its colon: "user: bob", "E-Mail = bob@x.example".
        let mut offset = 0;
        let mut labelled = false;
        for w in before.split(|c| !is_word_byte(c)) {
            let after = offset + w.len();
            offset = after + 1;
            if in_list(USER_LABELS, w) || in_list(NETWORK_LABELS, w) {
                let rest = before.get(after..).unwrap_or_default().trim_ascii_start();
                labelled |= matches!(rest.first(), Some(b':' | b'='));
            }
        }
        // A label and a user name right before the keyword: "user jsmith pass …".
        let mut last = before
            .split(|c| c.is_ascii_whitespace() || matches!(c, b',' | b'/' | b'|' | b';'))
            .filter(|w| !w.is_empty())
            .rev();
        let (value, label) = (last.next(), last.next());
        let pair = matches!((label, value), (Some(l), Some(v))
            if (in_list(USER_LABELS, l) || in_list(NETWORK_LABELS, l)) && !in_list(USER_LABELS, v));
        let joined = before
            .trim_ascii_end()
            .last()
            .is_some_and(|c| matches!(c, b'/' | b',' | b'|' | b';'));
        labelled || pair || (joined && before.contains(&b'@'))
    }

    /// The second half of "user / secret" or "user:secret" after `from`.
    fn pair_secret(&self, from: usize) -> Option<(usize, usize)> {
        let b = self.b;
        let lower = &self.lower;
        let user = run_end(b, from, |c| c == b' ' || c == b'\t');
        let user_end = run_end(b, user, |c| {
            !c.is_ascii_whitespace() && c != b'/' && c != b':' && c != b','
        });
        if user_end == user {
            return None;
        }
        // "user: m.varga@x.example, pass: …": a label, not a user name; the
        // password keyword further on speaks for itself.
        if b.get(user_end) == Some(&b':') && in_list(USER_LABELS, &lower[user..user_end]) {
            return None;
        }
        let mut k = run_end(b, user_end, |c| c == b' ');
        if !matches!(b.get(k), Some(b'/' | b':' | b'|')) {
            return None;
        }
        k += 1;
        // "ops@x.example / password Harbour!Light7"
        let v = run_end(b, k, |c| c == b' ' || c == b'\t');
        if let Some(hit) = keyword_at(lower, v)
            .filter(|h| matches!(h.kw, Keyword::Password | Keyword::Pwd | Keyword::Pass))
        {
            let after = run_end(b, hit.end, |c| c == b' ' || c == b'\t');
            return match b.get(after) {
                Some(b':' | b'=') => {
                    self.value(after + 1, Keyword::Password, Form::Labelled, false)
                }
                _ if after > hit.end => self.value(after, Keyword::Password, Form::Bare, false),
                _ => None,
            };
        }
        self.value(k, Keyword::Password, Form::Copula, false)
    }

    /// The secret value starting around `from`, if it looks like one.
    fn value(
        &self,
        from: usize,
        kw: Keyword,
        form: Form,
        in_query: bool,
    ) -> Option<(usize, usize)> {
        let b = self.b;
        let mut v = run_end(b, from, |c| c == b' ' || c == b'\t');
        if form == Form::Labelled && b.get(v) == Some(&b'\r') {
            v += 1;
        }
        if form == Form::Labelled && b.get(v) == Some(&b'\n') {
            v = run_end(b, v + 1, |c| c == b' ' || c == b'\t');
        }
        let text_rest = self.text.get(v..)?;
        let (start, end, quoted) = if let Some((open_len, close)) = opening_quote(text_rest) {
            let inner = &text_rest[open_len..];
            let line_end = inner.find('\n').unwrap_or(inner.len()).min(128);
            let close_at = inner[..floor_char_boundary(inner, line_end)].find(close)?;
            (v + open_len, v + open_len + close_at, true)
        } else {
            let mut end = run_end(b, v, |c| !c.is_ascii_whitespace() && c != b';');
            if in_query {
                end = run_end(b, v, |c| !c.is_ascii_whitespace() && c != b'&' && c != b'#');
            }
            // A label ("Password:\nUsername:") is not a value.
            if end > v && b[end - 1] == b':' {
                return None;
            }
            let mut s = self.text.get(v..end)?;
            // Chinese, Japanese or Korean text right after a Latin value
            // is the sentence going on ("Hunter22です").
            if let Some((p, _)) = s.char_indices().find(|&(_, c)| is_cjk(c)) {
                if p > 0 {
                    s = &s[..p];
                }
            }
            loop {
                let t = s
                    .trim_end_matches(['.', ',', ':', '?', '"', '\'', '`', '”', '’', '»', ']', '}'])
                    .trim_end_matches(|c| c == ')' && !s.contains('('));
                if t.len() == s.len() {
                    break;
                }
                s = t;
            }
            (v, v + s.len(), false)
        };
        let value = self.text.get(start..end)?;
        // "Passwort: siehe Tresor", "mot de passe : voir le coffre": a plain
        // word that starts a sentence is not a password.
        let sentence_goes_on = !quoted
            && value.chars().all(char::is_alphabetic)
            && value.chars().skip(1).all(char::is_lowercase)
            && b.get(end) == Some(&b' ')
            && self
                .text
                .get(end..)
                .and_then(|t| t.trim_start_matches(' ').chars().next())
                .is_some_and(char::is_alphanumeric);
        (!sentence_goes_on && plausible_secret(value, kw, form, quoted)).then_some((start, end))
    }

    /// Passwords in connection strings and URLs:
    /// `postgres://app:S3cret@db.internal:5432/app`.
    fn url_passwords(&self, out: &mut Vec<Cand>) {
        let b = self.b;
        let mut from = 0;
        while let Some(i) = find(b, b"://", from) {
            from = i + 3;
            let scheme_len = b[..i]
                .iter()
                .rev()
                .take_while(|&&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-'))
                .count();
            if scheme_len == 0 || !b[i - scheme_len].is_ascii_alphabetic() {
                continue;
            }
            let auth_end = run_end(b, i + 3, |c| {
                !c.is_ascii_whitespace()
                    && !matches!(
                        c,
                        b'/' | b'?' | b'"' | b'\'' | b'`' | b'<' | b'>' | b'\\' | b'(' | b')'
                    )
            });
            from = auth_end.max(from);
            let auth = &b[i + 3..auth_end];
            let Some(at) = auth.iter().rposition(|&c| c == b'@') else {
                continue;
            };
            let Some(colon) = auth[..at].iter().position(|&c| c == b':') else {
                continue;
            };
            let (start, end) = (i + 3 + colon + 1, i + 3 + at);
            let Some(password) = self.text.get(start..end) else {
                continue;
            };
            let vendor_token = out
                .iter()
                .any(|c| matches!(c.variant, Variant::Vendor(_)) && c.start < end && c.end > start);
            if password.chars().count() >= 3 && !placeholder(password) && !vendor_token {
                out.push(Cand::new(FindingKind::Password, start, end).with(Variant::UrlPassword));
            }
        }
    }

    /// Long random-looking tokens.
    fn high_entropy(&self, quiet: &[(usize, usize)], out: &mut Vec<Cand>) {
        let b = self.b;
        let urls = std::cell::OnceCell::new();
        let mut i = 0;
        while i < b.len() {
            // Base64, base64url and URL-encoded base64 ("%2B").
            let is_tok = |c: u8| {
                c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'_' | b'-' | b'=' | b'%')
            };
            if !is_tok(b[i]) {
                i += 1;
                continue;
            }
            let run = run_end(b, i, is_tok);
            // Split at '=' inside the run ("api_key=…"); keep trailing padding.
            let mut s = i;
            while s < run {
                let mut e = s;
                while e < run {
                    if b[e] == b'=' {
                        let pad_end = run_end(b, e, |c| c == b'=');
                        if pad_end < run {
                            break;
                        }
                        e = pad_end;
                        break;
                    }
                    e += 1;
                }
                self.entropy_candidate(s, e, quiet, &urls, out);
                s = run_end(b, e, |c| c == b'=').max(e + 1);
            }
            i = run;
        }
    }

    fn entropy_candidate(
        &self,
        start: usize,
        end: usize,
        quiet: &[(usize, usize)],
        urls: &std::cell::OnceCell<Vec<(usize, usize, Option<usize>)>>,
        out: &mut Vec<Cand>,
    ) {
        let b = self.b;
        let start = run_end(b, start, |c| matches!(c, b'-' | b'_' | b'/' | b'+'));
        let mut end = end;
        while end > start && matches!(b[end - 1], b'-' | b'_' | b'/') {
            end -= 1;
        }
        if end < start + 24 {
            return;
        }
        let tok = &b[start..end];
        if quiet.iter().any(|&(s, e)| start < e && end > s)
            || NON_SECRET_PREFIXES.iter().any(|p| tok.starts_with(p))
            || identifier_like(tok)
            // Subresource-integrity and other prefixed digests ("sha384-…").
            || DIGEST_PREFIXES.iter().any(|p| self.lower[start..].starts_with(p))
            // Key fingerprints ("SHA256:ft+HSIYb…", as ssh prints them).
            || FINGERPRINT_PREFIXES.iter().any(|p| self.lower[..start].ends_with(p))
            // Documentation samples ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY").
            || find(tok, b"EXAMPLE", 0).is_some()
            // Base64 of readable JSON: a pagination cursor, saved settings.
            || encoded_json_without_secrets(tok)
        {
            return;
        }
        // What the token itself says, before any look at its context.
        let upper = tok.iter().filter(|c| c.is_ascii_uppercase()).count();
        let lowerc = tok.iter().filter(|c| c.is_ascii_lowercase()).count();
        let digits = tok.iter().filter(|c| c.is_ascii_digit()).count();
        let mixed = upper > 0 && lowerc > 0 && digits > 0;
        let random = if mixed {
            random_like(tok) && entropy(tok) >= 3.5
        } else {
            // Hex, UUIDs, single-case tokens: only with a label (below).
            digits >= 2 && upper + lowerc >= 2 && entropy(tok) >= 3.0
        };
        if !random {
            return;
        }
        let before = self.context_before(start, 48);
        if before.ends_with(b"base64,")
            || has_any_word(
                before,
                &[
                    "public",
                    "publishable",
                    "site key",
                    "publique",
                    "pública",
                    "público",
                    "öffentliche",
                    "öffentlicher",
                    "öffentlichen",
                    "pubblica",
                    "publieke",
                ],
            )
        {
            return;
        }
        let mut secret_ctx = has_any_word(before, SECRET_WORDS);
        let mut id_ctx = has_any_word(before, IDENTIFIER_WORDS);
        // Inside a URL only a query value named like a secret counts.
        let urls = urls.get_or_init(|| url_spans(&self.lower));
        if let Some(&(_, _, query)) = urls.iter().find(|&&(s, e, _)| start >= s && start < e) {
            let Some(q) = query.filter(|&q| start > q) else {
                return;
            };
            let name_start = self.lower[q..start]
                .iter()
                .rposition(|&c| matches!(c, b'?' | b'&' | b'#' | b';'))
                .map_or(q, |p| q + p + 1);
            let name = self.lower[name_start..start]
                .strip_suffix(b"=")
                .unwrap_or(&self.lower[name_start..start]);
            let secret_name = QUERY_SECRET_NAMES.iter().any(|w| name == w.as_bytes())
                || [
                    &b"_token"[..],
                    b"-token",
                    b"_key",
                    b"-key",
                    b"_secret",
                    b"-signature",
                    b"_signature",
                ]
                .iter()
                .any(|suffix| name.ends_with(suffix));
            if !secret_name {
                return;
            }
            secret_ctx = true;
            id_ctx = false;
        }
        // Mixed random tokens are secrets unless labelled as identifiers;
        // the others only when labelled as secrets.
        let report = if mixed {
            secret_ctx || !id_ctx
        } else {
            secret_ctx && !id_ctx
        };
        if report {
            out.push(Cand::new(FindingKind::HighEntropyToken, start, end));
        }
    }
}

/// Digests written with their algorithm ("sha384-oqVuAfXR…" in an
/// `integrity` attribute): checksums, not secrets.
const DIGEST_PREFIXES: &[&[u8]] = &[b"sha1-", b"sha256-", b"sha384-", b"sha512-", b"md5-"];

/// Public-key fingerprints written with their algorithm and a colon.
const FINGERPRINT_PREFIXES: &[&[u8]] = &[b"sha1:", b"sha256:", b"sha384:", b"sha512:", b"md5:"];

/// Query parameters whose values are secrets.
const QUERY_SECRET_NAMES: &[&str] = &[
    "token",
    "access_token",
    "id_token",
    "refresh_token",
    "auth_token",
    "api_key",
    "apikey",
    "key",
    "secret",
    "client_secret",
    "sig",
    "signature",
    "password",
    "passwd",
    "auth",
    "session",
    "sessionid",
    "x-amz-signature",
    "x-amz-security-token",
    "x-goog-signature",
    "code_verifier",
];

/// Public identifiers that look random: Stripe object ids and publishable keys.
const NON_SECRET_PREFIXES: &[&[u8]] = &[
    b"pk_live_",
    b"pk_test_",
    b"pi_",
    b"ch_",
    b"cus_",
    b"in_",
    b"sub_",
    b"req_",
    b"evt_",
    b"pm_",
    b"price_",
    b"prod_",
    b"acct_",
    b"txn_",
    b"po_",
    b"seti_",
    b"src_",
    b"tok_",
    b"cs_test_",
    b"cs_live_",
    b"re_",
    b"py_",
    b"tr_",
    b"ii_",
    b"il_",
];

/// The characters a vendor token's body is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    /// Hexadecimal digits, either case.
    Hex,
    /// ASCII letters and digits.
    Alnum,
    /// Lower-case ASCII letters and digits.
    LowerAlnum,
    /// Letters, digits, `-` and `_` (base64url).
    Url,
    /// Base64url with `.` separating its parts.
    Dotted,
    /// Upper-case letters and digits.
    Upper,
}

impl Body {
    fn has(self, c: u8) -> bool {
        match self {
            Self::Hex => c.is_ascii_hexdigit(),
            Self::Alnum => c.is_ascii_alphanumeric(),
            Self::LowerAlnum => c.is_ascii_lowercase() || c.is_ascii_digit(),
            Self::Url => is_b64url(c),
            Self::Dotted => is_b64url(c) || c == b'.',
            Self::Upper => c.is_ascii_uppercase() || c.is_ascii_digit(),
        }
    }
}

/// A credential recognised by its vendor's documented prefix and shape.
#[derive(Debug)]
struct VendorToken {
    prefix: &'static str,
    body: Body,
    /// Allowed body lengths, in bytes.
    min: usize,
    max: usize,
    /// A word that must appear on the same line, when the shape alone is
    /// also used for identifiers.
    context: Option<&'static str>,
    explanation: &'static str,
    advice: &'static str,
}

const fn vendor(
    prefix: &'static str,
    body: Body,
    min: usize,
    max: usize,
    explanation: &'static str,
    advice: &'static str,
) -> VendorToken {
    VendorToken {
        prefix,
        body,
        min,
        max,
        context: None,
        explanation,
        advice,
    }
}

const GITLAB: (&str, &str) = (
    "This looks like a GitLab access token.",
    "It can give access to your GitLab projects and pipelines. If it is sent, revoke it in GitLab's access token settings; share it through a secrets manager.",
);
const SLACK_APP: (&str, &str) = (
    "This looks like a Slack app-level token (xapp-).",
    "It lets anyone connect to your Slack app's events. If it is sent, revoke it in your Slack app's settings; keep tokens in a secrets manager.",
);
const SHOPIFY: (&str, &str) = (
    "This looks like a Shopify app access token or shared secret.",
    "It can read and change your store's orders, products and customers. If it is sent, rotate it in the Shopify admin; share it through a secrets manager.",
);
const DIGITALOCEAN: (&str, &str) = (
    "This looks like a DigitalOcean access token.",
    "It can create, change and delete resources in your DigitalOcean account. If it is sent, revoke it under API → Tokens; share it through a secrets manager.",
);
const OPENAI: (&str, &str) = (
    "This looks like an AI service API key (sk-…), as issued by OpenAI and similar services.",
    "Anyone who has it can use the service on your account and run up costs. If it is sent, revoke it in the provider's API key settings; share it through a secrets manager.",
);
const GRAFANA: (&str, &str) = (
    "This looks like a Grafana service account or Cloud access token.",
    "It can read and change your dashboards and data sources. If it is sent, revoke it in Grafana's administration settings; share it through a secrets manager.",
);
const NOTION: (&str, &str) = (
    "This looks like a Notion integration secret.",
    "It gives access to every page shared with the integration. If it is sent, regenerate it in Notion's integration settings; share it through a secrets manager.",
);
const SQUARE: (&str, &str) = (
    "This looks like a Square access token or application secret.",
    "It can take payments and read customer data. If it is sent, revoke it in the Square developer dashboard; share it through a secrets manager.",
);
const SENTRY: (&str, &str) = (
    "This looks like a Sentry auth token.",
    "It can read your error reports and change your projects. If it is sent, revoke it in Sentry's settings; share it through a secrets manager.",
);
const HUBSPOT: (&str, &str) = (
    "This looks like a HubSpot private app token.",
    "It can read and change your CRM data. If it is sent, rotate it in the private app's settings in HubSpot; share it through a secrets manager.",
);

/// Vendor tokens, most specific prefix first.
const VENDORS: &[VendorToken] = &[
    vendor(
        "key-",
        Body::LowerAlnum,
        32,
        32,
        "This looks like a Mailgun API key.",
        "It can send email in your domain's name and read your sending logs. If it is sent, rotate it in Mailgun's API security settings; share it through a secrets manager.",
    ),
    vendor(
        "SG.",
        Body::Dotted,
        60,
        80,
        "This looks like a SendGrid API key.",
        "It can send email in your company's name. If it is sent, delete it in SendGrid's API key settings and create a new one; share it through a secrets manager.",
    ),
    vendor("glpat-", Body::Url, 20, 80, GITLAB.0, GITLAB.1),
    vendor("gldt-", Body::Url, 20, 80, GITLAB.0, GITLAB.1),
    vendor("glrt-", Body::Url, 20, 80, GITLAB.0, GITLAB.1),
    vendor("glptt-", Body::Hex, 40, 40, GITLAB.0, GITLAB.1),
    vendor("gloas-", Body::Url, 20, 80, GITLAB.0, GITLAB.1),
    vendor(
        "npm_",
        Body::Alnum,
        36,
        36,
        "This looks like an npm access token.",
        "It can publish packages in your name. If it is sent, revoke it with `npm token revoke` or on npmjs.com; share it through a secrets manager.",
    ),
    vendor("xapp-", Body::Url, 30, 200, SLACK_APP.0, SLACK_APP.1),
    vendor("shpat_", Body::Hex, 32, 32, SHOPIFY.0, SHOPIFY.1),
    vendor("shpss_", Body::Hex, 32, 32, SHOPIFY.0, SHOPIFY.1),
    vendor("shpca_", Body::Hex, 32, 32, SHOPIFY.0, SHOPIFY.1),
    vendor("shppa_", Body::Hex, 32, 32, SHOPIFY.0, SHOPIFY.1),
    VendorToken {
        context: Some("twilio"),
        ..vendor(
            "AC",
            Body::Hex,
            32,
            32,
            "This looks like a Twilio account SID; with the account's auth token it gives full access.",
            "Keep it together with the auth token out of chat. If the auth token was shared too, rotate it in the Twilio console; share credentials through a secrets manager.",
        )
    },
    vendor(
        "SK",
        Body::Hex,
        32,
        32,
        "This looks like a Twilio API key SID.",
        "With its secret it can send messages and make calls on your Twilio account. If it is sent, delete the key in the Twilio console; share credentials through a secrets manager.",
    ),
    vendor("dop_v1_", Body::Hex, 64, 64, DIGITALOCEAN.0, DIGITALOCEAN.1),
    vendor("doo_v1_", Body::Hex, 64, 64, DIGITALOCEAN.0, DIGITALOCEAN.1),
    vendor("dor_v1_", Body::Hex, 64, 64, DIGITALOCEAN.0, DIGITALOCEAN.1),
    vendor(
        "hf_",
        Body::Alnum,
        30,
        40,
        "This looks like a Hugging Face access token.",
        "It can read your private models and datasets and, with write access, change them. If it is sent, invalidate it in your Hugging Face settings; share it through a secrets manager.",
    ),
    vendor(
        "sk-ant-",
        Body::Url,
        32,
        200,
        "This looks like an Anthropic API key.",
        "Anyone who has it can use the API on your account and run up costs. If it is sent, revoke it in the Anthropic console; share it through a secrets manager.",
    ),
    vendor("sk-proj-", Body::Url, 40, 200, OPENAI.0, OPENAI.1),
    vendor("sk-svcacct-", Body::Url, 40, 200, OPENAI.0, OPENAI.1),
    vendor("sk-admin-", Body::Url, 40, 200, OPENAI.0, OPENAI.1),
    vendor("sk-", Body::Alnum, 32, 64, OPENAI.0, OPENAI.1),
    vendor(
        "pypi-",
        Body::Url,
        50,
        300,
        "This looks like a PyPI API token.",
        "It can upload new versions of your Python packages. If it is sent, remove it in your PyPI account settings; share it through a secrets manager.",
    ),
    vendor(
        "dckr_pat_",
        Body::Url,
        20,
        60,
        "This looks like a Docker Hub access token.",
        "It can push and pull your images. If it is sent, delete it in Docker Hub's security settings; share it through a secrets manager.",
    ),
    vendor("glsa_", Body::Url, 32, 60, GRAFANA.0, GRAFANA.1),
    vendor("glc_", Body::Url, 32, 200, GRAFANA.0, GRAFANA.1),
    vendor(
        "lin_api_",
        Body::Alnum,
        40,
        40,
        "This looks like a Linear API key.",
        "It can read and change your team's issues. If it is sent, revoke it in Linear's API settings; share it through a secrets manager.",
    ),
    vendor("ntn_", Body::Alnum, 40, 60, NOTION.0, NOTION.1),
    vendor("secret_", Body::Alnum, 43, 43, NOTION.0, NOTION.1),
    vendor(
        "dapi",
        Body::Hex,
        32,
        32,
        "This looks like a Databricks access token.",
        "It can run jobs and read data in your workspace. If it is sent, revoke it in the Databricks user settings; share it through a secrets manager.",
    ),
    vendor("sq0atp-", Body::Url, 22, 22, SQUARE.0, SQUARE.1),
    vendor("sq0csp-", Body::Url, 43, 43, SQUARE.0, SQUARE.1),
    vendor(
        "PMAK-",
        Body::Url,
        55,
        65,
        "This looks like a Postman API key.",
        "It can read your workspaces, collections and their saved secrets. If it is sent, revoke it in Postman's API key settings; share it through a secrets manager.",
    ),
    vendor(
        "figd_",
        Body::Url,
        35,
        60,
        "This looks like a Figma personal access token.",
        "It can read your Figma files. If it is sent, revoke it in Figma's account settings; share it through a secrets manager.",
    ),
    vendor("sntrys_", Body::Url, 50, 400, SENTRY.0, SENTRY.1),
    vendor("sntryu_", Body::Hex, 64, 64, SENTRY.0, SENTRY.1),
    vendor(
        "NRAK-",
        Body::Upper,
        27,
        27,
        "This looks like a New Relic user API key.",
        "It can read your monitoring data and change your account's configuration. If it is sent, delete it in New Relic's API key settings; share it through a secrets manager.",
    ),
    vendor(
        "hvs.",
        Body::Url,
        24,
        200,
        "This looks like a HashiCorp Vault token.",
        "It unlocks whatever secrets its policy allows. If it is sent, revoke it with `vault token revoke`; let people log in to Vault themselves instead.",
    ),
    vendor(
        "pul-",
        Body::Hex,
        40,
        40,
        "This looks like a Pulumi access token.",
        "It can change your infrastructure stacks and read their secrets. If it is sent, delete it in the Pulumi console; share it through a secrets manager.",
    ),
    vendor(
        "AGE-SECRET-KEY-1",
        Body::Upper,
        58,
        58,
        "This looks like an age secret key.",
        "It decrypts everything encrypted for its public key. If it is sent, create a new key and re-encrypt your files for it.",
    ),
    vendor(
        "ATATT",
        Body::Url,
        100,
        300,
        "This looks like an Atlassian API token.",
        "It can act as you in Jira, Confluence and Bitbucket. If it is sent, revoke it in your Atlassian account's security settings; share it through a secrets manager.",
    ),
    vendor(
        "rubygems_",
        Body::Hex,
        48,
        48,
        "This looks like a RubyGems API key.",
        "It can publish versions of your gems. If it is sent, remove it in your RubyGems account settings; share it through a secrets manager.",
    ),
    vendor(
        "ya29.",
        Body::Url,
        50,
        500,
        "This looks like a Google OAuth access token.",
        "Until it expires, anyone holding it can call Google APIs as the signed-in account. Share how to obtain a token, not the token itself.",
    ),
    vendor("pat-na1-", Body::Url, 36, 36, HUBSPOT.0, HUBSPOT.1),
    vendor("pat-eu1-", Body::Url, 36, 36, HUBSPOT.0, HUBSPOT.1),
];

/// Whether some vendor prefix starts with this byte.
const VENDOR_FIRST: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < VENDORS.len() {
        table[VENDORS[i].prefix.as_bytes()[0] as usize] = true;
        i += 1;
    }
    table
};

/// Common English letter pairs, as a bit set per first letter.
const COMMON_BIGRAMS: [u32; 26] = bigram_table(
    b"th he in er an re on at en nd ti es or te of ed is it al ar st to nt ng se ha as ou io le ve \
      co me de hi ri ro ic ne ea ra ce li ch ll be ma si om ur ca el ta la ns di fo ho pe ec pr no \
      ct us ac ot il tr ly nc et ut ss so rs un lo wa ge ie wh ee wi em ad ol rt po we na ul ni ts \
      mo ow pa im mi ai sh ir su id os iv ia am fi ci vi pl ig tu ev ld ry mp fe bl ab gh ty op wo \
      sa ay ex ke fr oo av ag if ap gr od bo sp rd do uc bu ei ov by rm ep tt oc fa ef cu rn sc gi \
      da yo cr cl du ga qu ue ff ba ey ls va um pp ua up lu go ht ru ug ds lt pi rc rr eg au ck ew \
      mu br bi pt ak pu ui rg ib tl ny ki rk ys ob mm fu ph og ms ye ud mb ip ub oi rl gu dr",
);

const fn bigram_table(list: &[u8]) -> [u32; 26] {
    let mut table = [0u32; 26];
    let mut i = 0;
    while i + 1 < list.len() {
        let (a, b) = (list[i], list[i + 1]);
        if a.is_ascii_lowercase() && b.is_ascii_lowercase() {
            table[(a - b'a') as usize] |= 1 << (b - b'a');
            i += 2;
        } else {
            i += 1;
        }
    }
    table
}

/// The share of a token's letter pairs that are common in English (pairs
/// across a camel-case boundary and inside capitals are left out), and how
/// many pairs were counted.
fn english_pairs(tok: &[u8]) -> (f64, usize) {
    let (mut pairs, mut common) = (0usize, 0usize);
    for w in tok.windows(2) {
        let (a, b) = (w[0], w[1]);
        if !a.is_ascii_alphabetic() || !b.is_ascii_alphabetic() || b.is_ascii_uppercase() {
            continue;
        }
        pairs += 1;
        let (a, b) = (a.to_ascii_lowercase() - b'a', b - b'a');
        if COMMON_BIGRAMS[usize::from(a)] & (1 << b) != 0 {
            common += 1;
        }
    }
    if pairs == 0 {
        (1.0, 0)
    } else {
        (common as f64 / pairs as f64, pairs)
    }
}

/// Whether a token reads as random rather than made of words. Calibrated on
/// random base62/base64 strings of 24–40 characters (about 97–99.5% pass)
/// against identifiers built from English words, digits and acronyms (under
/// 0.5% pass).
fn random_like(tok: &[u8]) -> bool {
    english_pairs(tok).0 < 0.8 && wordiness(tok) < 0.6
}

/// Whether a token is made of separated parts that each read as a word, a
/// number or a short code: "Q3_Revenue_Report_2024_FINAL_v2",
/// "feature/PAY-2231-add-refund-reason". In a path
/// ("uploads/2024/09/293bef16-…/IMG_4471") a part may also be hexadecimal:
/// an object id or a UUID, one of many things a path names.
fn identifier_like(tok: &[u8]) -> bool {
    let several = tok.iter().any(|c| !c.is_ascii_alphanumeric());
    let path = tok.contains(&b'/');
    several
        && tok.split(|c| !c.is_ascii_alphanumeric()).all(|seg| {
            let (share, pairs) = english_pairs(seg);
            let hex = seg
                .iter()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
                || seg
                    .iter()
                    .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(c));
            seg.len() <= 4
                || seg.iter().all(u8::is_ascii_digit)
                || (pairs >= 3 && share >= 0.75)
                || wordiness(seg) >= 0.6
                || (path && hex)
        })
}

/// Which characters of a token belong to words of four letters or more
/// ("Quarterly", "report", "FINAL" between separators): random secrets have
/// few, identifiers and file names many.
fn wordiness(tok: &[u8]) -> f64 {
    let mut word_chars = 0usize;
    for segment in tok.split(|c| !c.is_ascii_alphanumeric()) {
        // An all-capitals segment ("FINAL", "README") is a word.
        if segment.len() >= 4 && segment.iter().all(u8::is_ascii_uppercase) {
            word_chars += segment.len();
            continue;
        }
        // Otherwise capitalised or lower-case runs: "Report", "draft".
        let mut i = 0;
        while i < segment.len() {
            let start = i;
            if segment[i].is_ascii_uppercase() {
                i += 1;
            }
            let lower_end = i + segment[i..]
                .iter()
                .take_while(|c| c.is_ascii_lowercase())
                .count();
            if lower_end - start >= 4 && lower_end > i {
                word_chars += lower_end - start;
            }
            i = lower_end.max(start + 1);
        }
    }
    word_chars as f64 / tok.len() as f64
}

/// Whether a vendor token's body reads as random: letters and digits mixed
/// (or both cases of letters), and not a chain of words.
fn vendor_body_random(body: Body, tok: &[u8]) -> bool {
    let letters = tok.iter().any(u8::is_ascii_alphabetic);
    let digits = tok.iter().any(u8::is_ascii_digit);
    match body {
        Body::Hex | Body::Upper | Body::LowerAlnum => {
            letters && digits && entropy(tok) >= 3.0 && wordiness(tok) < 0.6
        }
        Body::Alnum | Body::Url | Body::Dotted => {
            // Hex-heavy bodies have few letter pairs to judge by.
            let (share, pairs) = english_pairs(tok);
            classes(tok) >= 2
                && entropy(tok) >= 3.5
                && (pairs < 4 || share < 0.8)
                && wordiness(tok) < 0.6
                && !identifier_like(tok)
        }
    }
}

/// How many of upper case, lower case and digits a token uses.
fn classes(tok: &[u8]) -> usize {
    usize::from(tok.iter().any(u8::is_ascii_uppercase))
        + usize::from(tok.iter().any(u8::is_ascii_lowercase))
        + usize::from(tok.iter().any(u8::is_ascii_digit))
}

/// Whether a base64 or base64url token decodes to a JSON object or array
/// none of whose keys names a secret: encoded data such as a pagination
/// cursor (`{"page":2}`) or saved settings, not a key. (A JWT's header
/// carries "alg" and is found by the JWT scanner.)
fn encoded_json_without_secrets(tok: &[u8]) -> bool {
    if !tok.starts_with(b"ey") && !tok.starts_with(b"W3") && !tok.starts_with(b"WyJ") {
        return false;
    }
    let Some(json) = b64url_decode(tok) else {
        return false;
    };
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&json) else {
        return false;
    };
    fn secret_key(v: &serde_json::Value) -> bool {
        const NAMES: &[&str] = &[
            "alg",
            "token",
            "secret",
            "password",
            "passwd",
            "pwd",
            "auth",
            "key",
            "credential",
            "signature",
            "session",
            "cookie",
            "private",
        ];
        match v {
            serde_json::Value::Object(m) => m.iter().any(|(k, v)| {
                let k = k.to_ascii_lowercase();
                NAMES.iter().any(|n| k.contains(n)) || secret_key(v)
            }),
            serde_json::Value::Array(a) => a.iter().any(secret_key),
            _ => false,
        }
    }
    // A JSON Web Token's header on its own ("eyJhbGciOiJSUzI1NiJ9" without
    // the payload and signature) names an algorithm; it holds no secret.
    const JOSE_HEADER: &[&str] = &["alg", "typ", "kid", "cty", "enc", "zip", "crit", "x5t"];
    let jose_header = value.as_object().is_some_and(|m| {
        m.contains_key("alg") && m.keys().all(|k| JOSE_HEADER.contains(&k.as_str()))
    });
    jose_header || (value.is_object() || value.is_array()) && !secret_key(&value)
}

/// URLs as (start, end, start of query or fragment).
fn url_spans(lower: &[u8]) -> Vec<(usize, usize, Option<usize>)> {
    let mut spans = Vec::new();
    let mut from = 0;
    while let Some(i) = find(lower, b"://", from) {
        let start = i - lower[..i]
            .iter()
            .rev()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        let end = run_end(lower, i + 3, |c| {
            !c.is_ascii_whitespace() && !matches!(c, b'"' | b'<' | b'>')
        });
        let query = lower[i + 3..end]
            .iter()
            .position(|&c| c == b'?' || c == b'#')
            .map(|p| i + 3 + p);
        if start < i {
            spans.push((start, end, query));
        }
        from = end.max(i + 3);
    }
    // Bare host names followed by a path ("drive.google.com/file/d/…").
    let mut i = 0;
    while i < lower.len() {
        if lower[i].is_ascii_alphanumeric() && (i == 0 || lower[i - 1].is_ascii_whitespace()) {
            let end = run_end(lower, i, |c| {
                !c.is_ascii_whitespace() && !matches!(c, b'"' | b'<' | b'>')
            });
            let word = &lower[i..end];
            let host_end = word.iter().position(|&c| c == b'/').unwrap_or(word.len());
            let host = &word[..host_end];
            let tld_ok = host
                .rsplit(|&c| c == b'.')
                .next()
                .is_some_and(|t| t.len() >= 2 && t.iter().all(u8::is_ascii_alphabetic));
            if host_end < word.len()
                && host.contains(&b'.')
                && tld_ok
                && !spans.iter().any(|&(s, _, _)| s == i)
            {
                let query = word
                    .iter()
                    .position(|&c| c == b'?' || c == b'#')
                    .map(|p| i + p);
                spans.push((i, end, query));
            }
            i = end;
        } else {
            i += 1;
        }
    }
    spans
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn jwt_header_ok(header: &[u8]) -> bool {
    let Some(json) = b64url_decode(header) else {
        return false;
    };
    serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&json)
        .is_ok_and(|m| m.get("alg").is_some_and(serde_json::Value::is_string))
}

/// A quote that opens a value, and the one that closes it.
fn opening_quote(s: &str) -> Option<(usize, char)> {
    let c = s.chars().next()?;
    let close = match c {
        '"' => '"',
        '\'' => '\'',
        '`' => '`',
        '“' => '”',
        '‘' => '’',
        '«' => '»',
        '„' => '“',
        _ => return None,
    };
    Some((c.len_utf8(), close))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keyword {
    /// "password", "passwd", "passcode", "Passwort", "mot de passe"…
    Password,
    /// "pwd", "pw", "mdp"
    Pwd,
    /// "pass" (also a boarding pass, a day pass, a verb), "clave" (also a
    /// key): the value must look like a password.
    Pass,
    /// "PIN", "PIN code": the value must be digits.
    Pin,
    /// "login", "creds": only as "login: user / secret".
    Login,
}

/// A word for password, as written in the ASCII-lower-cased text.
#[derive(Debug, Clone, Copy)]
struct KeywordDef {
    word: &'static str,
    kw: Keyword,
    /// Verbs meaning "is" that only this word's language uses ("er" in
    /// Danish and Norwegian, "on" in Finnish, "to" in Polish); the
    /// unambiguous ones of every language are in [`COPULAS`].
    copulas: &'static [&'static str],
    /// Also the last part of a compound word ("Routerpasswort").
    compound: bool,
    /// Written without spaces around it (Chinese, Japanese, Korean).
    joined: bool,
}

const fn kw(word: &'static str, kw: Keyword) -> KeywordDef {
    KeywordDef {
        word,
        kw,
        copulas: &[],
        compound: false,
        joined: false,
    }
}

/// A password word that also ends compound words, with its language's own
/// copulas.
const fn compound(word: &'static str, copulas: &'static [&'static str]) -> KeywordDef {
    KeywordDef {
        copulas,
        compound: true,
        ..kw(word, Keyword::Password)
    }
}

const fn joined(word: &'static str) -> KeywordDef {
    KeywordDef {
        joined: true,
        ..kw(word, Keyword::Password)
    }
}

const DANISH_NORWEGIAN: &[&str] = &["er", "var"];
const SWEDISH: &[&str] = &["var"];
const FINNISH: &[&str] = &["on", "oli"];
const POLISH: &[&str] = &["to"];
const CZECH: &[&str] = &["je"];

/// Words for password, longest first where one starts another.
const KEYWORDS: &[KeywordDef] = &[
    kw("passwords", Keyword::Password),
    compound("password", &[]),
    compound("passwort", &[]),
    compound("passwd", &[]),
    kw("passcode", Keyword::Password),
    kw("passphrase", Keyword::Password),
    kw("pass phrase", Keyword::Password),
    compound("passordet", DANISH_NORWEGIAN),
    compound("passord", DANISH_NORWEGIAN),
    kw("pwd", Keyword::Pwd),
    kw("pw", Keyword::Pwd),
    kw("mdp", Keyword::Pwd),
    kw("pass", Keyword::Pass),
    kw("pin number", Keyword::Pin),
    kw("pin code", Keyword::Pin),
    kw("pincode", Keyword::Pin),
    kw("pin", Keyword::Pin),
    kw("contraseña", Keyword::Password),
    kw("contrasena", Keyword::Password),
    kw("contrasenya", Keyword::Password),
    kw("clave", Keyword::Pass),
    kw("mot de passe", Keyword::Password),
    compound("wachtwoord", &[]),
    kw("senha", Keyword::Password),
    kw("parola d'ordine", Keyword::Password),
    kw("parola d’ordine", Keyword::Password),
    KeywordDef {
        copulas: POLISH,
        ..kw("hasło", Keyword::Password)
    },
    KeywordDef {
        copulas: POLISH,
        ..kw("haslo", Keyword::Password)
    },
    KeywordDef {
        copulas: CZECH,
        ..kw("heslo", Keyword::Password)
    },
    compound("lösenordet", SWEDISH),
    compound("lösenord", SWEDISH),
    compound("losenord", SWEDISH),
    compound("kennwort", &[]),
    compound("adgangskoden", DANISH_NORWEGIAN),
    compound("adgangskode", DANISH_NORWEGIAN),
    compound("kodeordet", DANISH_NORWEGIAN),
    compound("kodeord", DANISH_NORWEGIAN),
    compound("salasana", FINNISH),
    kw("jelszó", Keyword::Password),
    kw("şifresi", Keyword::Password),
    kw("şifre", Keyword::Password),
    kw("пароль", Keyword::Password),
    kw("Пароль", Keyword::Password),
    kw("ПАРОЛЬ", Keyword::Password),
    joined("パスワード"),
    joined("密码"),
    joined("密碼"),
    joined("비밀번호"),
    kw("credentials", Keyword::Login),
    kw("creds", Keyword::Login),
    kw("login", Keyword::Login),
    kw("log-in", Keyword::Login),
    kw("user/pass", Keyword::Login),
    kw("user/password", Keyword::Login),
    kw("username/password", Keyword::Login),
    kw("user / pass", Keyword::Login),
    kw("username / password", Keyword::Login),
];

/// For each first byte, the keywords (as bits of their index in
/// [`KEYWORDS`]) that start with it: all of them, and those that also end
/// compound words.
const KEYWORD_MASKS: [[u128; 256]; 2] = {
    assert!(KEYWORDS.len() <= 128);
    let mut table = [[0u128; 256]; 2];
    let mut i = 0;
    while i < KEYWORDS.len() {
        let first = KEYWORDS[i].word.as_bytes()[0] as usize;
        table[0][first] |= 1 << i;
        if KEYWORDS[i].compound {
            table[1][first] |= 1 << i;
        }
        i += 1;
    }
    table
};

/// The keywords in `mask`, in table order.
fn keywords_in(mut mask: u128) -> impl Iterator<Item = &'static KeywordDef> {
    std::iter::from_fn(move || {
        if mask == 0 {
            return None;
        }
        let i = mask.trailing_zeros() as usize;
        mask &= mask - 1;
        KEYWORDS.get(i)
    })
}

/// A password keyword found in the text.
#[derive(Debug, Clone, Copy)]
struct KwHit {
    kw: Keyword,
    start: usize,
    end: usize,
    copulas: &'static [&'static str],
    joined: bool,
}

/// Whether a keyword may end at `end`: not inside a longer word
/// ("passport", "password_min_length", "Password-protected").
fn keyword_end_ok(lower: &[u8], end: usize) -> bool {
    match lower.get(end) {
        Some(c) if c.is_ascii_alphanumeric() || *c == b'_' || !c.is_ascii() => false,
        Some(b'-') => !lower.get(end + 1).is_some_and(u8::is_ascii_alphabetic),
        _ => true,
    }
}

/// A password word that ends a compound word at `i` of the lower-cased text.
fn compound_at(lower: &[u8], i: usize) -> Option<KwHit> {
    let rest = &lower[i..];
    let mask = rest
        .first()
        .map_or(0, |&c| KEYWORD_MASKS[1][usize::from(c)]);
    keywords_in(mask).find_map(|def| {
        let word = def.word.as_bytes();
        let end = i + word.len();
        (rest.starts_with(word) && keyword_end_ok(lower, end)).then_some(KwHit {
            kw: def.kw,
            start: i,
            end,
            copulas: def.copulas,
            joined: false,
        })
    })
}

/// A password keyword at `i` of the lower-cased text.
fn keyword_at(lower: &[u8], i: usize) -> Option<KwHit> {
    let rest = &lower[i..];
    let mask = rest
        .first()
        .map_or(0, |&c| KEYWORD_MASKS[0][usize::from(c)]);
    for def in keywords_in(mask) {
        let word = def.word.as_bytes();
        if !rest.starts_with(word) {
            continue;
        }
        let end = i + word.len();
        if !def.joined && !keyword_end_ok(lower, end) {
            continue;
        }
        if word == b"passwords" {
            // "passwords:" introduces several; not a single disclosure.
            return None;
        }
        return Some(KwHit {
            kw: def.kw,
            start: i,
            end,
            copulas: def.copulas,
            joined: def.joined,
        });
    }
    None
}

/// Verbs meaning "is" after a password keyword ("the password is X",
/// "Das Passwort lautet X", "le mot de passe est X", "la contraseña es X").
const COPULAS: &[&str] = &[
    "is", "was", "=", "remains", "ist", "war", "lautet", "lautete", "heißt", "heisst", "bleibt",
    "est", "était", "reste", "es", "era", "sigue", "é", "è", "är", "jest", "wynosi", "luidt",
    "blijft",
];

/// The same, written onto a keyword in Chinese, Japanese or Korean.
const JOINED_COPULAS: &[&str] = &["は", "是", "为", "為", "는", "은"];

fn is_copula(word: &[u8], own: &[&str]) -> bool {
    in_list(COPULAS, word) || in_list(own, word)
}

/// Words that may come between "is" and the value ("is now X", "ist
/// jetzt X", "est toujours X").
const FILLERS: &[&str] = &[
    "now",
    "still",
    "currently",
    "temporarily",
    "simply",
    "just",
    "set",
    "changed",
    "reset",
    "updated",
    "to",
    "literally",
    "actually",
    "since",
    "yesterday",
    "today",
    "jetzt",
    "seit",
    "gestern",
    "heute",
    "ab",
    "sofort",
    "depuis",
    "hier",
    "aujourd'hui",
    "desde",
    "ayer",
    "hoy",
    "sinds",
    "gisteren",
    "vandaag",
    "vanaf",
    "nun",
    "noch",
    "immer",
    "aktuell",
    "weiterhin",
    "vorübergehend",
    "maintenant",
    "toujours",
    "désormais",
    "actuellement",
    "ahora",
    "todavía",
    "aún",
    "actualmente",
    "nu",
    "nog",
    "steeds",
    "tijdelijk",
    "agora",
    "ainda",
    "atualmente",
    "ora",
    "ancora",
    "adesso",
    "teraz",
    "nadal",
    "wciąż",
    "fortfarande",
    "nå",
    "stadig",
    "fortsatt",
    "nyt",
    "edelleen",
];

/// What a password is for, written right after the keyword (as French,
/// Dutch, Italian and Spanish put it, and lists do): "mot de passe wifi :",
/// "wachtwoord wifi kantoor:", "Passwort WLAN:", "password admin:".
const QUALIFIERS: &[&str] = &[
    "wifi",
    "wi-fi",
    "wlan",
    "vpn",
    "router",
    "routeur",
    "guest",
    "guests",
    "gast",
    "gäste",
    "invité",
    "invités",
    "ospite",
    "ospiti",
    "invitado",
    "invitados",
    "office",
    "kantoor",
    "bureau",
    "büro",
    "ufficio",
    "oficina",
    "escritório",
];

/// Words that may follow a keyword before its verb: "password for the VPN
/// is", "Passwort für das Intranet:", "mot de passe du compte est",
/// "contraseña del router es", "wachtwoord van de mailbox:".
const CONNECTORS: &[&str] = &[
    "for",
    "to",
    "on",
    "of",
    "at",
    "in",
    "into",
    "für",
    "fürs",
    "zum",
    "zur",
    "vom",
    "von",
    "des",
    "der",
    "bei",
    "im",
    "am",
    "du",
    "de",
    "pour",
    "del",
    "para",
    "en",
    "van",
    "voor",
    "bij",
    "op",
    "do",
    "da",
    "dos",
    "das",
    "no",
    "na",
    "di",
    "della",
    "dello",
    "dei",
    "per",
    "nel",
    "sul",
    "dla",
    "för",
    "till",
    "på",
    "til",
    // Adjectives written after the noun: "la contraseña nueva es X".
    "nueva",
    "nuevo",
    "nouveau",
    "nouvelle",
    "nuovo",
    "nuova",
    "nova",
    "novo",
    "actual",
    "actuel",
    "actuelle",
    "temporal",
    "temporaire",
    "provisoire",
    "provisional",
    "provisória",
    "provvisoria",
    "temporanea",
];

/// Verbs of changing a password ("changed to X").
const CHANGE_VERBS: &[&str] = &[
    "changed",
    "reset",
    "updated",
    "set",
    "rotated",
    "switched",
    "geändert",
    "gesetzt",
    "zurückgesetzt",
    "changé",
    "modifié",
    "réinitialisé",
    "cambiado",
    "cambiada",
    "restablecido",
    "restablecida",
    "gewijzigd",
    "veranderd",
    "ingesteld",
    "alterado",
    "alterada",
    "mudado",
    "mudada",
    "redefinido",
    "redefinida",
    "cambiato",
    "cambiata",
    "impostato",
    "impostata",
    "ändrat",
    "ændret",
    "endret",
    "vaihdettu",
    "zmienione",
    "zmieniony",
];

/// Words that may come before such a verb ("has been reset to X").
const CHANGE_AUXILIARIES: &[&str] = &[
    "has", "have", "had", "been", "got", "gets", "was", "is", "will", "be", "now", "just", "also",
    "already", "finally", "wurde", "ist", "hat", "wird", "a", "été", "ha", "sido", "fue", "werd",
    "blev", "har", "ble", "blitt", "er", "on", "oli", "è", "stato", "stata", "foi", "zostało",
    "zostal", "zostało",
];

/// Words introducing the new value after such a verb ("changed to X",
/// "geändert auf X", "changé en X").
const CHANGE_PREPOSITIONS: &[&str] = &[
    "to", "into", "auf", "en", "a", "à", "naar", "in", "op", "til", "till", "para", "na", "→",
    "->", "=>",
];

/// Words that label a user name ("user: bob").
const USER_LABELS: &[&str] = &[
    "user",
    "username",
    "userid",
    "login",
    "email",
    "e-mail",
    "mail",
    "account",
    "benutzer",
    "benutzername",
    "nutzer",
    "utilisateur",
    "identifiant",
    "usuario",
    "gebruiker",
    "gebruikersnaam",
    "användare",
    "användarnamn",
    "brukernavn",
    "brugernavn",
    "käyttäjä",
    "käyttäjätunnus",
    "utente",
    "usuário",
];

/// Account names that come with a password in handovers of a service.
const ACCOUNT_NAMES: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "sa",
    "postgres",
    "ubuntu",
    "guest",
];

/// Words naming a wireless network, whose password often follows its name
/// with no separator: "rete ACME-Guest, password Pizza99", "SSID Lab5 pw …".
const NETWORK_LABELS: &[&str] = &[
    "ssid", "network", "netzwerk", "netz", "réseau", "reseau", "red", "rede", "rete", "netwerk",
    "sieć", "nätverk", "netværk", "nettverk", "verkko", "síť",
];

fn in_list(list: &[&str], word: &[u8]) -> bool {
    let Some(&first) = word.first() else {
        return false;
    };
    list.iter().any(|w| {
        let w = w.as_bytes();
        w.len() == word.len() && w[0] == first && w == word
    })
}

/// A word without its trailing colon (ASCII or full-width), and whether it
/// had one.
fn strip_colon(word: &[u8]) -> (&[u8], bool) {
    if let Some(w) = word.strip_suffix(b":") {
        (w, true)
    } else if let Some(w) = word.strip_suffix("：".as_bytes()) {
        (w, true)
    } else {
        (word, false)
    }
}

/// Chinese, Japanese and Korean characters and their full-width punctuation.
fn is_cjk(c: char) -> bool {
    matches!(
        c,
        '\u{3000}'..='\u{30FF}'
            | '\u{3400}'..='\u{4DBF}'
            | '\u{4E00}'..='\u{9FFF}'
            | '\u{AC00}'..='\u{D7AF}'
            | '\u{FF00}'..='\u{FFEF}'
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// "password: X", "pwd=X": the value is whatever follows.
    Labelled,
    /// "the password is X": the value must look like a password.
    Copula,
    /// "user: bob, password X": nothing but a space after the keyword, so
    /// the value must look like nothing else.
    Bare,
}

/// Words that follow "password:" or "password is" without being one.
const NOT_VALUES: &[&str] = &[
    "a",
    "an",
    "the",
    "is",
    "was",
    "on",
    "in",
    "at",
    "to",
    "of",
    "for",
    "by",
    "with",
    "from",
    "and",
    "or",
    "not",
    "no",
    "yes",
    "none",
    "null",
    "nil",
    "n/a",
    "na",
    "empty",
    "blank",
    "same",
    "different",
    "required",
    "optional",
    "needed",
    "mandatory",
    "missing",
    "invalid",
    "incorrect",
    "wrong",
    "correct",
    "right",
    "ok",
    "okay",
    "fine",
    "good",
    "bad",
    "weak",
    "strong",
    "expired",
    "expiring",
    "expires",
    "changed",
    "reset",
    "updated",
    "set",
    "sent",
    "attached",
    "below",
    "above",
    "here",
    "there",
    "this",
    "that",
    "it",
    "hidden",
    "redacted",
    "removed",
    "masked",
    "secret",
    "confidential",
    "unknown",
    "tbd",
    "tba",
    "pending",
    "unchanged",
    "your",
    "my",
    "his",
    "her",
    "their",
    "our",
    "its",
    "you",
    "we",
    "they",
    "i",
    "he",
    "she",
    "what",
    "which",
    "who",
    "true",
    "false",
    "enabled",
    "disabled",
    "policy",
    "manager",
    "protected",
    "please",
    "must",
    "should",
    "will",
    "can",
    "has",
    "have",
    "being",
    "been",
    "too",
    "very",
    "still",
    "now",
    "just",
    "also",
    "only",
    "see",
    "check",
    "use",
    "ask",
    "call",
    "stored",
    "saved",
    "shared",
    "inside",
    "somewhere",
    "locked",
    "rotated",
    "known",
    "obvious",
    "easy",
    "hard",
    "long",
    "short",
    "simple",
    "complex",
    "new",
    "old",
    "temporary",
    "default",
    "case-sensitive",
    "length",
    "requirements",
    "rules",
    "reset.",
    "change",
    "forgotten",
    "lost",
    "used",
    "valid",
    "unique",
    "different",
    "coming",
    "going",
    "being",
    "encrypted",
    "hashed",
    "stored",
    "generated",
    "random",
    "provided",
    "included",
    "requested",
    "unset",
    "off",
    "as",
    "if",
    "when",
    "so",
    "but",
    "because",
    "please",
    "thanks",
    "same.",
    "something",
    "anything",
    "nothing",
    "whatever",
    "welcome",
    "hint",
    "prompt",
    "field",
    "box",
    "screen",
    "page",
    "dialog",
    "expiry",
    "expiration",
    "reuse",
    "via",
    "under",
    "over",
    "about",
    "into",
    "onto",
    "again",
    "once",
    "twice",
    "another",
    "other",
    "like",
    "more",
    "less",
    "least",
    "most",
    "all",
    "any",
    "some",
    "each",
    "every",
    "tomorrow",
    "today",
    "yesterday",
    "soon",
    "later",
    "sorted",
    "done",
    "fixed",
    "working",
    "broken",
    "locked.",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "eight",
    "ten",
    "twelve",
    "sixteen",
    "characters",
    "chars",
    "digits",
    "letters",
    "minimum",
    "maximum",
    "min",
    "max",
    "at least",
    "stored.",
    "attached.",
    "xxx",
    "xxxx",
    "redacted.",
    "unchanged.",
    "etc",
    // The same in other languages.
    "geheim",
    "vertraulich",
    "erforderlich",
    "falsch",
    "leer",
    "keins",
    "obligatoire",
    "requis",
    "vide",
    "aucun",
    "secreto",
    "requerido",
    "obligatorio",
    "vacío",
    "ninguna",
    "verplicht",
    "leeg",
    "geen",
    "obrigatória",
    "obrigatório",
    "vazio",
    "nessuna",
    "obbligatoria",
    "krävs",
    "tomt",
    "påkrævet",
    "påkrevd",
    "pakollinen",
    "tyhjä",
    // Type names in code: "password: string;", "password: str".
    "string",
    "str",
    "bytes",
    "secretstr",
    "undefined",
    "varchar",
    "text",
    "char",
];

/// Whether `value` reads like a real password or PIN.
fn plausible_secret(value: &str, kw: Keyword, form: Form, quoted: bool) -> bool {
    let chars = value.chars().count();
    if kw == Keyword::Pin {
        return (4..=8).contains(&chars) && value.bytes().all(|c| c.is_ascii_digit());
    }
    let min_chars = if quoted { 3 } else { 4 };
    if !(min_chars..=100).contains(&chars) {
        return false;
    }
    let lower = value.to_lowercase();
    if NOT_VALUES.contains(&lower.as_str()) {
        return false;
    }
    let url = lower.starts_with("http") || lower.starts_with("www.") || lower.contains("://");
    if placeholder(value) || url || code(value) || email_address(value) {
        return false;
    }
    // A word in Chinese, Japanese, Cyrillic…: the sentence going on, not a
    // password (those are typed in Latin letters, digits and symbols).
    if !quoted && !value.bytes().any(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    let has_digit = value.bytes().any(|c| c.is_ascii_digit());
    let has_symbol = value.chars().any(|c| !c.is_alphanumeric());
    let inner_upper = value.chars().skip(1).any(char::is_uppercase);
    let has_letter = value.chars().any(char::is_alphabetic);
    if has_digit && !has_letter && !has_symbol && form == Form::Copula {
        // "the password is 1234" discloses, "the password is 12 characters" does not.
        return chars >= 4;
    }
    let strong = has_letter && (has_digit || (has_symbol && inner_upper));
    if kw == Keyword::Pass {
        // "pass:" is also a boarding pass, a day pass…: ask for a real-looking value.
        let real = has_letter && (has_digit || has_symbol || inner_upper);
        return real && (form != Form::Bare || strong);
    }
    match form {
        Form::Labelled => true,
        Form::Copula => quoted || has_digit || has_symbol || inner_upper,
        // Nothing but a space after the keyword: only what cannot be a word.
        Form::Bare => strong && has_digit && value.chars().any(char::is_lowercase),
    }
}

/// Whether a value stands in for a password instead of being one:
/// "********", "<password>", "${DB_PASS}", "$(pass show db)", "{{ vault }}",
/// "%PASS%", "xxxx", "PASSWORD", "your_password".
fn placeholder(value: &str) -> bool {
    let masked = value.chars().all(|c| {
        matches!(
            c,
            '*' | '•' | '●' | '.' | '#' | '_' | '-' | '?' | 'x' | 'X' | '…'
        )
    });
    // Shell, PHP, PowerShell and template variables: "$DB_PASS",
    // "${DB_PASSWORD}", "$(pass show x)", "$env:PW", "$db_password" (but
    // "$ecretPass1" is a password that starts with a dollar sign).
    let variable = value.strip_prefix('$').is_some_and(|rest| {
        let name = rest.rsplit(':').next().unwrap_or(rest);
        let ident = name
            .bytes()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
            && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_');
        let one_case = !name.bytes().any(|c| c.is_ascii_lowercase())
            || !name.bytes().any(|c| c.is_ascii_uppercase())
                && (name.contains('_') || rest.contains(':'));
        let names_a_password = !name.bytes().any(|c| c.is_ascii_digit())
            && ["pass", "pwd", "secret"]
                .iter()
                .any(|w| name.to_ascii_lowercase().contains(w));
        rest.starts_with(['{', '(']) || ident && (one_case || names_a_password)
    });
    let bracketed = value.starts_with(['<', '{', '[', '(', '%', '`'])
        || value.starts_with("xxx")
        || value.contains("***");
    // The name of a password rather than one: "PASSWORD", "DB_PASSWORD",
    // "your-password", "changeme".
    let letters: String = value
        .chars()
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
        .collect();
    let identifier = value
        .bytes()
        .all(|c| c.is_ascii_alphabetic() || matches!(c, b'_' | b'-'));
    let names_one = [
        "pass", "pwd", "secret", "kennwort", "passe", "senha", "clave",
    ]
    .iter()
    .any(|w| letters.contains(w));
    let shouted = value.bytes().any(|c| c.is_ascii_uppercase())
        && !value.bytes().any(|c| c.is_ascii_lowercase());
    let named = identifier
        && ((names_one
            && (shouted
                || value.contains('_')
                || letters.starts_with("your")
                || letters.starts_with("my")
                || matches!(
                    letters.as_str(),
                    "password" | "passwort" | "passwd" | "pass" | "secret"
                )))
            || matches!(letters.as_str(), "changeme" | "placeholder"));
    masked || variable || bracketed || named
}

/// Whether a value is a piece of code rather than a literal: a call
/// (`getpass.getpass("…")`, `os.getenv('PW')`), an index
/// (`os.environ["PW"]`), an attribute (`process.env.DB_PASS`,
/// `settings.DB_PASSWORD`) or a YAML tag (`!vault`).
fn code(value: &str) -> bool {
    let b = value.as_bytes();
    let ident_end = run_end(b, 0, |c| {
        c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b':')
    });
    let starts_ident = b
        .first()
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_');
    let call_or_index = starts_ident && matches!(b.get(ident_end), Some(b'(' | b'['));
    let dotted = value.contains('.')
        && value.split('.').all(|part| {
            let p = part.as_bytes();
            p.len() >= 2
                && (p[0].is_ascii_alphabetic() || p[0] == b'_')
                && p.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
        })
        && value
            .split('.')
            .all(|part| part.bytes().any(|c| !c.is_ascii_digit()));
    let yaml_tag = value.strip_prefix('!').is_some_and(|t| {
        !t.is_empty()
            && t.bytes()
                .all(|c| c.is_ascii_lowercase() || c == b'_' || c == b'!')
    });
    let both_parens = value.contains('(') && value.contains(')');
    call_or_index
        || dotted
        || yaml_tag
        || both_parens
        || value.contains("['")
        || value.contains("[\"")
}

/// Whether a value is an e-mail address: a user name, not a password.
fn email_address(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    let tld = domain.rsplit('.').next().unwrap_or("");
    !local.is_empty()
        && local
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b'+'))
        && domain.contains('.')
        && domain
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-'))
        && tld.len() >= 2
        && tld.bytes().all(|c| c.is_ascii_alphabetic())
}

/// Where the body of a PEM block without an END line stops: the last line
/// made only of base64 pieces.
fn pem_body_end(b: &[u8], from: usize) -> usize {
    let mut last = from;
    let mut line_start = from;
    let mut seen = false;
    while line_start < b.len() {
        let line_end = run_end(b, line_start, |c| c != b'\n');
        let line = &b[line_start..line_end];
        let pieces: Vec<&[u8]> = line
            .split(|c| c.is_ascii_whitespace())
            .filter(|p| !p.is_empty())
            .collect();
        let body = !pieces.is_empty()
            && pieces.iter().all(|p| {
                p.iter().all(|&c| is_b64(c))
                    && (p.len() >= 8 || p.ends_with(b"="))
                    && p.iter()
                        .any(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
            });
        if body {
            seen = true;
            let trimmed = line
                .iter()
                .rposition(|c| !c.is_ascii_whitespace())
                .map_or(0, |p| p + 1);
            last = line_start + trimmed;
        } else if pieces.is_empty() && !seen {
            // Blank lines before the body.
        } else if !seen && line.contains(&b':') {
            // Headers such as "Proc-Type: 4,ENCRYPTED".
        } else {
            // A line cut short ("MIIEpAIBAAK…"): keep its base64 part.
            let lead = run_end(line, 0, |c| c == b' ' || c == b'\t');
            let b64_end = run_end(line, lead, is_b64);
            if b64_end - lead >= 16 {
                last = line_start + b64_end;
            }
            break;
        }
        line_start = line_end + 1;
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;
    use FindingKind as K;

    fn kinds(text: &str) -> Vec<FindingKind> {
        scan(text).into_iter().map(|f| f.kind).collect()
    }

    /// The kinds found with the text each finding covers.
    fn found(text: &str) -> Vec<(FindingKind, &str)> {
        scan(text)
            .into_iter()
            .map(|f| (f.kind, &text[f.start as usize..f.end as usize]))
            .collect()
    }

    fn assert_only(kind: FindingKind, text: &str, secret: &str) {
        assert_eq!(found(text), vec![(kind, secret)], "in {text:?}");
    }

    fn assert_clean(text: &str) {
        assert_eq!(found(text), vec![], "in {text:?}");
    }

    #[test]
    fn luhn_checksum() {
        for valid in [
            "4111111111111111",
            "5555555555554444",
            "378282246310005",
            "0",
            "18",
            "79927398713",
        ] {
            assert!(luhn_ok(valid.as_bytes()), "{valid}");
        }
        for invalid in [
            "4111111111111112",
            "1234567812345678",
            "79927398710",
            "",
            "41111x1111111111",
        ] {
            assert!(!luhn_ok(invalid.as_bytes()), "{invalid}");
        }
    }

    #[test]
    fn issuer_prefixes_and_lengths() {
        for ok in [
            "4111111111111111",
            "4222222222222",
            "5105105105105100",
            "2223003122003222",
            "378282246310005",
            "6011111111111117",
            "3530111333300000",
            "30569309025904",
        ] {
            assert!(issuer_ok(ok.as_bytes()), "{ok}");
        }
        // Unknown prefixes, and known prefixes at the wrong length.
        for bad in [
            "1234567812345670",
            "9400100000000000",
            "411111111111111",
            "37828224631000",
            "5105105105105",
        ] {
            assert!(!issuer_ok(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn iban_check_digits() {
        for valid in [
            "GB82WEST12345698765432",
            "DE89370400440532013000",
            "FR1420041010050500013M02606",
            "NL91ABNA0417164300",
            "NO9386011117947",
            "BE68539007547034",
        ] {
            assert!(iban_mod97_ok(valid.as_bytes()), "{valid}");
            // Any single changed digit breaks the check.
            let mut broken = valid.as_bytes().to_vec();
            let last = broken.len() - 1;
            broken[last] = if broken[last] == b'9' {
                b'0'
            } else {
                broken[last] + 1
            };
            assert!(!iban_mod97_ok(&broken), "{valid} altered");
        }
        assert!(!iban_mod97_ok(b"GB82"));
        assert!(
            !iban_mod97_ok(b"gb82west12345698765432"),
            "the check works on upper case only"
        );
        assert_eq!(iban_length(b"DE"), Some(22));
        assert_eq!(iban_length(b"ZZ"), None);
    }

    #[test]
    fn payment_cards() {
        for (text, card) in [
            ("card 4111 1111 1111 1111 exp 09/27", "4111 1111 1111 1111"),
            ("4111-1111-1111-1111", "4111-1111-1111-1111"),
            ("Visa: 4012888888881881.", "4012888888881881"),
            ("Amex 3782 822463 10005", "3782 822463 10005"),
            (
                "use 5555 5555 5555 4444 123 for the deposit",
                "5555 5555 5555 4444",
            ),
            ("Mastercard 5105105105105100 08/29 123", "5105105105105100"),
            ("card no.4111111111111111", "4111111111111111"),
            ("(6011 1111 1111 1117)", "6011 1111 1111 1117"),
        ] {
            assert_only(K::PaymentCard, text, card);
        }
    }

    #[test]
    fn not_payment_cards() {
        for text in [
            "4111 1111 1111 1112", // Luhn fails
            "1234 5678 9012 3456", // no issuer starts with 1
            "Call +44 20 7946 0958 or (555) 123-4567",
            "Shipment 9400 1000 0000 0000 0000 00",
            "Tracking number 4111111111111111", // labelled as something else
            "Order 4111111111111111 shipped",
            "0.4111111111111111",   // a decimal
            "INV-4111111111111111", // part of an identifier
            "4111111111111111x",
            "41111 11111 11111 1", // not a card grouping
            "Q3 revenue: 4,111,111,111,111",
            "2024-06-11 14:30",
            "card ending in 1111",
        ] {
            assert_clean(text);
        }
    }

    #[test]
    fn ibans() {
        for (text, iban) in [
            (
                "IBAN GB82 WEST 1234 5698 7654 32, ref 7",
                "GB82 WEST 1234 5698 7654 32",
            ),
            ("to DE89370400440532013000.", "DE89370400440532013000"),
            ("iban: de89370400440532013000", "de89370400440532013000"),
            (
                "DE89 37040044 0532013000 (Commerzbank)",
                "DE89 37040044 0532013000",
            ),
            ("NO93 8601 1117 947", "NO93 8601 1117 947"),
            (
                "FR14 2004 1010 0505 0001 3M02 606",
                "FR14 2004 1010 0505 0001 3M02 606",
            ),
        ] {
            assert_only(K::Iban, text, iban);
        }
        for text in [
            "GB82 WEST 1234 5698 7654 33",   // check fails
            "GB82 WEST 1234 5698 7654 3212", // too long for GB
            "DE89 3704 0044 0532 0130",      // too short
            "ZZ82WEST12345698765432",        // no such country
            "XGB82WEST12345698765432",       // inside a word
            "VAT GB123456789",
        ] {
            assert_clean(text);
        }
    }

    #[test]
    fn us_social_security_numbers() {
        for (text, ssn) in [
            ("SSN 123-45-6789", "123-45-6789"),
            ("it's 078-05-1120.", "078-05-1120"),
            ("social security number 123 45 6789", "123 45 6789"),
            ("ssn: 123456789", "123456789"),
        ] {
            assert_only(K::UsSsn, text, ssn);
        }
        for text in [
            "000-12-3456",
            "666-12-3456",
            "900-12-3456",
            "123-00-4567",
            "123-45-0000",
            "123456789",   // nine bare digits need a word like SSN
            "123 45 6789", // spaced groups too
            "call 555-123-45-6789",
            "Invoice 123-45-6789",
            "Part number 123-45-6789 is discontinued, use 123-45-6790 instead.",
            "EIN 12-3456789",
        ] {
            assert_clean(text);
        }
    }

    #[test]
    fn aws_keys() {
        assert_only(
            K::AwsAccessKey,
            "key AKIA2R7QHXWM5TB3KLPD in the logs",
            "AKIA2R7QHXWM5TB3KLPD",
        );
        assert_only(
            K::AwsAccessKey,
            "ASIAY34FZKBOKMUTVV7A",
            "ASIAY34FZKBOKMUTVV7A",
        );
        let secret = "k8Vd2QpLx7Rf/T4mWz9NbY3cJh6GsE1aU0oPiK5t";
        assert_only(
            K::AwsAccessKey,
            &format!("aws_secret_access_key = {secret}"),
            secret,
        );
        assert_eq!(
            found(&format!("id AKIA2R7QHXWM5TB3KLPD\nsecret {secret}")),
            vec![
                (K::AwsAccessKey, "AKIA2R7QHXWM5TB3KLPD"),
                (K::AwsAccessKey, secret)
            ]
        );
        let finding = &scan(&format!("aws_secret_access_key={secret}"))[0];
        assert!(finding.explanation.contains("secret access key"));
        for text in [
            "AKIA2R7QHXWM5TB3KLP",
            "AKIA2R7QHXWM5TB3KLPD1",
            "XAKIA2R7QHXWM5TB3KLPD",
            "akia2r7qhxwm5tb3klpd",
            "Keys start with AKIA.",
        ] {
            assert_clean(text);
        }
    }

    /// AWS's documentation samples end in "EXAMPLE" / "EXAMPLEKEY": they
    /// are quoted in docs and tutorials, not leaked.
    #[test]
    fn aws_documentation_examples() {
        for text in [
            "The AWS docs use AKIAIOSFODNN7EXAMPLE as the sample access key id.",
            "aws_access_key_id = AKIAI44QH8DHBEXAMPLE",
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "secret: je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
            "Beispiel aus der Doku 📘: AKIAIOSFODNN7EXAMPLE",
        ] {
            assert_clean(text);
        }
        // A real-looking pair next to the sample is still found.
        assert_eq!(
            kinds("sample AKIAIOSFODNN7EXAMPLE, ours AKIA2R7QHXWM5TB3KLPD"),
            vec![K::AwsAccessKey]
        );
    }

    #[test]
    fn vendor_tokens() {
        let ghp = "ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5";
        assert_only(K::GithubToken, &format!("token: {ghp}"), ghp);
        assert_only(
            K::GithubToken,
            &format!("https://{ghp}@github.com/a/b"),
            ghp,
        );
        let pat = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUV";
        assert_only(K::GithubToken, pat, pat);
        // 35 characters: not a GitHub token, though still random-looking.
        assert_eq!(
            kinds("ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3x"),
            vec![K::HighEntropyToken]
        );
        assert_clean("tokens start with ghp_ or github_pat_");

        let bot = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx";
        assert_only(K::SlackToken, &format!("SLACK_BOT_TOKEN={bot}"), bot);
        let hook = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX";
        assert_only(K::SlackToken, &format!("webhook: {hook}."), hook);
        assert_clean("bot tokens start with xoxb- and user tokens with xoxp-");

        assert_only(
            K::StripeKey,
            "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
            "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        );
        assert_only(
            K::StripeKey,
            "rk_live_51HxAbCdEfGhIjKlMnOpQrSt!",
            "rk_live_51HxAbCdEfGhIjKlMnOpQrSt",
        );
        assert_only(
            K::StripeKey,
            "whsec_AbCdEfGhIjKlMnOpQrStUvWx12345678",
            "whsec_AbCdEfGhIjKlMnOpQrStUvWx12345678",
        );
        assert_clean("publishable key pk_live_51HxAbCdEfGhIjKlMnOpQrSt is public");
        assert_clean("never paste sk_live_ keys");

        let google = "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q";
        assert_only(K::GoogleApiKey, &format!("?key={google}&q=x"), google);
        assert!(!kinds("AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6").contains(&K::GoogleApiKey));
        // 38 characters
    }

    #[test]
    fn private_keys() {
        let key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n-----END RSA PRIVATE KEY-----";
        assert_only(K::PrivateKey, &format!("here:\n{key}\nthanks"), key);
        let one_line = "-----BEGIN PRIVATE KEY----- MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7 -----END PRIVATE KEY-----";
        assert_only(K::PrivateKey, one_line, one_line);
        let truncated = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACDx…";
        assert_eq!(kinds(truncated), vec![K::PrivateKey]);
        let masked = &scan(key)[0].masked;
        assert!(
            masked.starts_with("-----BEGIN RSA PRIVATE KEY-----") && !masked.contains("MIIE"),
            "{masked}"
        );
        // A header alone, certificates and public keys are not secrets.
        assert_clean("files start with -----BEGIN RSA PRIVATE KEY----- and end with the END line");
        assert_clean("-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\nRTESMBAGA1UEChMJQmFsdGltb3JlMRMwEQYDVQQLEwpDeWJlclRydXN0MSIwIAYD\n-----END CERTIFICATE-----");
        assert_clean("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@laptop");
    }

    #[test]
    fn jwts() {
        let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
        assert_only(K::Jwt, &format!("Authorization: Bearer {jwt}"), jwt);
        let unsigned = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.";
        assert_only(K::Jwt, &format!("{unsigned} is accepted?"), unsigned);
        // "eyJ" without a JSON header carrying "alg".
        assert_clean("eyJ is how every JWT starts");
        assert_clean("eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxIn0.abc"); // {"typ":"JWT"}: no alg
        assert_clean("eyJub3QganNvbg.eyJzdWIiOiIxIn0.abc");
    }

    #[test]
    fn password_disclosures() {
        for (text, secret) in [
            ("password: hunter2", "hunter2"),
            ("my password is Summer2024! if you need it", "Summer2024!"),
            ("pwd=Xk9#mP2$vL8q", "Xk9#mP2$vL8q"),
            ("the password for the VPN is Tr0ub4dor&3.", "Tr0ub4dor&3"),
            ("Password for the display: Meeting#123", "Meeting#123"),
            ("passwd: qwerty123", "qwerty123"),
            ("pass: Autumn#2023", "Autumn#2023"),
            ("PIN is 4821", "4821"),
            ("pin code: 1987 (storage)", "1987"),
            (
                "VPN password = \"correct horse battery staple\"",
                "correct horse battery staple",
            ),
            (
                "I reset the password to Blue-Falcon-77, tell me",
                "Blue-Falcon-77",
            ),
            ("the router password is still 'admin1234'", "admin1234"),
            (
                "Server=sql01;User Id=sa;Password=Pa55w0rd!;Database=crm",
                "Pa55w0rd!",
            ),
            (
                "The password's Mango!Tree42 \u{2014} same for both",
                "Mango!Tree42",
            ),
            ("Password \u{2013} Gr33nTea!", "Gr33nTea!"),
            ("login: admin / Xr7!kP2q", "Xr7!kP2q"),
            ("creds for the box \u{2192} root:Tr1cky#Pass", "Tr1cky#Pass"),
            ("Passwort: Sommer2024", "Sommer2024"),
            (
                "Wi-Fi: Guest\nPassword:\ncoffee-and-cake",
                "coffee-and-cake",
            ),
            ("SFTP password `x7Rq-99zT`", "x7Rq-99zT"),
        ] {
            assert_only(K::Password, text, secret);
        }
    }

    #[test]
    fn harmless_password_mentions() {
        for text in [
            "Please reset your password before Friday.",
            "Our password policy requires 12 characters.",
            "I forgot my password again.",
            "The password is on its way in a separate email.",
            "I changed my password yesterday.",
            "Your password is incorrect, please try again.",
            "The password for the portal is in the vault.",
            "password: ********",
            "Password: <redacted>",
            "Password: see 1Password",
            "Username: admin\nPassword: (ask IT)",
            "Password:\nUsername:",
            "Password-protected PDF attached",
            "Make sure the password is at least 12 characters long.",
            "db_password = os.environ[\"DB_PASSWORD\"]",
            "password=${DB_PASSWORD}",
            "password = settings.DB_PASSWORD",
            "password_min_length = 12",
            "Can you pin the checklist?",
            "Boarding pass: attached",
            "Day pass: $20",
            "Tests pass: 142, fail: 3",
            "I'll pass: too many meetings.",
            "Login: Monday/Tuesday, whichever works",
            "login: with SSO",
            "Your PIN is the last 4 digits of your phone number.",
            "Her passport expired.",
            "Passwords: see the vault",
            "https://zoom.us/j/85219374410?pwd=aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW",
        ] {
            assert_clean(text);
        }
    }

    #[test]
    fn password_disclosures_in_other_languages() {
        for (text, secret) in [
            // German
            (
                "Das WLAN-Passwort lautet: Kaffeemaschine!42",
                "Kaffeemaschine!42",
            ),
            ("Das Passwort lautet Sommer#2024", "Sommer#2024"),
            (
                "Passwort für das Intranet: Fruehling#2024",
                "Fruehling#2024",
            ),
            ("Das Kennwort ist jetzt Brezel-77.", "Brezel-77"),
            ("Routerpasswort: Grüße-2024!", "Grüße-2024!"),
            (
                "Das Passwort wurde auf Winter2025! geändert.",
                "Winter2025!",
            ),
            // French
            (
                "le mot de passe du compte partagé est Marguerite-1987",
                "Marguerite-1987",
            ),
            ("Mot de passe de l'imprimante : Toner#2024", "Toner#2024"),
            ("mdp : Chaton!42", "Chaton!42"),
            // Spanish, Catalan
            ("La contraseña del router es gatito2023", "gatito2023"),
            ("la clave del wifi es Perro#1234", "Perro#1234"),
            ("la contraseña nueva es Verano#2025", "Verano#2025"),
            ("contrasenya: Gaudí#1926", "Gaudí#1926"),
            // Dutch
            (
                "wachtwoord van de gedeelde mailbox: Stroopwafel88",
                "Stroopwafel88",
            ),
            ("het wachtwoord is Hagelslag#7", "Hagelslag#7"),
            // Portuguese, Italian
            ("a senha do wifi é Cafezinho#9", "Cafezinho#9"),
            ("la password del wifi è Girasole#7", "Girasole#7"),
            ("parola d'ordine: Girasole#7", "Girasole#7"),
            // Polish, Czech
            ("hasło do wifi to Kot2024!", "Kot2024!"),
            ("heslo je Pivo2024!", "Pivo2024!"),
            // Nordic
            ("Lösenordet är Kanelbulle#5", "Kanelbulle#5"),
            ("passordet er Fjord2024!", "Fjord2024!"),
            ("adgangskoden er Hygge#2024", "Hygge#2024"),
            ("Wifin salasana on Sauna2024!", "Sauna2024!"),
            // Others
            ("şifre: Kahve2024!", "Kahve2024!"),
            ("пароль: Hunter22", "Hunter22"),
            ("パスワードはHunter22です", "Hunter22"),
            ("WiFi密码是 Abc12345", "Abc12345"),
            ("비밀번호는 Hunter22입니다", "Hunter22"),
        ] {
            assert_only(K::Password, text, secret);
        }
    }

    #[test]
    fn harmless_mentions_in_other_languages() {
        for text in [
            "Passwort vergessen? Klick auf den Link.",
            "Das Passwort ist im Tresor.",
            "Das Passwort ist falsch.",
            "Ich habe das Passwort geändert.",
            "Passwort: siehe 1Password",
            "Kennwort: bitte bei der IT anfragen",
            "Passwort-Manager: Bitwarden",
            "Le mot de passe est dans le coffre-fort.",
            "mot de passe : voir le coffre",
            "La contraseña es incorrecta.",
            "Palabra clave: marketing",
            "Het wachtwoord is verlopen.",
            "A senha é muito fraca.",
            "Lösenordet är fel.",
            "Passordet er feil.",
            "Salasana on väärä.",
            "Hasło to podstawa bezpieczeństwa.",
            "Das Passwort ist 12 Zeichen lang.",
            "パスワードは変更しました",
            "密码：请问管理员",
        ] {
            assert_clean(text);
        }
    }

    #[test]
    fn passwords_in_connection_strings() {
        for (text, secret) in [
            (
                "postgres://app_rw:Q9vmTz3kLw@db.staging.example:5432/app",
                "Q9vmTz3kLw",
            ),
            ("mysql://root:S3cr3t!@10.0.0.5:3306/crm", "S3cr3t!"),
            (
                "MONGO_URL=mongodb+srv://svc:pa55-W0rd@cluster0.abc.mongodb.net/test",
                "pa55-W0rd",
            ),
            ("redis://:r3dis-Pass@cache:6379/0", "r3dis-Pass"),
            ("amqp://orders:Rabb1t!mq@mq.internal:5672/", "Rabb1t!mq"),
            (
                "Mirror: https://deploy:Upl0ad-now@files.example.com/",
                "Upl0ad-now",
            ),
            ("ftp://backup:Tape#2024@ftp.example.com", "Tape#2024"),
            // Multibyte text around it, and in the password.
            (
                "Zugang 🔑 postgres://app:Päss-w0rd@db/app — danke",
                "Päss-w0rd",
            ),
        ] {
            assert_only(K::Password, text, secret);
        }
        let finding = &scan("postgres://app:Q9vmTz3kLw@db/app")[0];
        assert!(finding.explanation.contains("connection string"));
        for text in [
            "postgres://app:${DB_PASSWORD}@db:5432/app",
            "postgres://app:<password>@db:5432/app",
            "postgres://app:****@db:5432/app",
            "postgres://app:PASSWORD@db:5432/app",
            "https://user:pass@example.com/",
            "mysql://user:your_password@localhost/db",
            "redis://:$REDIS_PASSWORD@cache:6379",
            "ssh://git@github.com/acme/repo.git",
            "https://example.com/a:b@c", // no user information before the path
            "https://bob@example.com:8443/",
        ] {
            assert_clean(text);
        }
        // A vendor token in the password place is reported as that token.
        assert_eq!(
            kinds("https://oauth2:glpat-ZZqS8nGl9W9Zx5eA_3R8x@gitlab.com/acme/x.git"),
            vec![K::HighEntropyToken]
        );
    }

    #[test]
    fn password_changes() {
        for (text, secret) in [
            (
                "The VPN password changed to Graphite&Moss3, old one no longer works.",
                "Graphite&Moss3",
            ),
            (
                "the password has been reset to Welcome2025!",
                "Welcome2025!",
            ),
            ("password got updated to: sunshine", "sunshine"),
            ("new password: Cedar&Pine19", "Cedar&Pine19"),
            ("New password → Cedar&Pine19", "Cedar&Pine19"),
            ("le mot de passe a été changé en Soleil#9", "Soleil#9"),
        ] {
            assert_only(K::Password, text, secret);
        }
        for text in [
            "The password changed yesterday.",
            "The password was changed to meet the policy.",
            "The password has been changed to a stronger one.",
            "password changed to default",
            "Password reset: done, you should have a temp one by SMS.",
            "Password changed: yes",
        ] {
            assert_clean(text);
        }
    }

    #[test]
    fn bare_password_after_a_user_name() {
        for (text, secret) in [
            (
                "Login: ops@example.com / password Harbour!Light7",
                "Harbour!Light7",
            ),
            ("user: bob, password Welcome1", "Welcome1"),
            ("Email: jane@acme.example\nPassword Sunset#77", "Sunset#77"),
            ("Benutzer: jdoe, Passwort Sonne2024", "Sonne2024"),
        ] {
            assert_only(K::Password, text, secret);
        }
        for text in [
            "user: bob, password reset needed",
            "username jsmith password reset required",
            "The login form asks for email / password SSO-only",
            "email / password login is disabled",
            "Login: ops@example.com / password (ask me)",
        ] {
            assert_clean(text);
        }
    }

    /// Only the value after the password keyword is the secret: a user name
    /// or e-mail address beside it is not.
    #[test]
    fn user_names_are_not_passwords() {
        for (text, secret) in [
            (
                "creds for the vendor portal → user: m.varga@example.com, pass: wintergreen7",
                "wintergreen7",
            ),
            ("login: user: admin / pw: Xr7!kP2q", "Xr7!kP2q"),
            (
                "Zugang 🙂 Benutzer: jürgen, Passwort: Grüße2024!",
                "Grüße2024!",
            ),
        ] {
            assert_only(K::Password, text, secret);
        }
        for text in [
            "password: m.varga@example.com",
            "creds → user: m.varga@example.com",
        ] {
            assert_clean(text);
        }
    }

    /// Code that handles a password without disclosing one.
    #[test]
    fn code_is_not_a_password() {
        for text in [
            "password = getpass.getpass(\"DB password: \")",
            "Set password=$(pass show candor/staging) in your shell",
            "password=${DB_PASSWORD}",
            "password: ${{ secrets.DB_PASSWORD }}",
            "password = os.environ[\"PASSWORD\"]",
            "password = os.getenv('DB_PASS', 'x')",
            "password := os.Getenv(\"DB_PASS\")",
            "password = ENV.fetch(\"DB_PASSWORD\")",
            "password: process.env.DB_PASS,",
            "DB_PASSWORD=process.env.DB_PASS",
            "const password = req.body.password;",
            "password = self.password",
            "password: \"{{ vault_db_password }}\"",
            "password: <%= ENV['DB_PASSWORD'] %>",
            "password: !vault |",
            "password: string;",
            "password: str",
            "PASSWORD=changeme",
            "password=your_password",
            "password: YOUR_PASSWORD_HERE",
            "password = db_password",
            "$env:DB_PASSWORD = $password",
            "read -sp \"Password: \" PW",
            "this.setPassword(newPassword)",
        ] {
            assert_clean(text);
        }
        // A literal is still a literal, even in code.
        for (text, secret) in [
            ("password = \"Tr0ub4dor&3\"", "Tr0ub4dor&3"),
            ("adminPassword: 'Tr0ub4dor&3'", "Tr0ub4dor&3"),
            ("password: $ecretPass1", "$ecretPass1"),
        ] {
            assert_only(K::Password, text, secret);
        }
    }

    #[test]
    fn high_entropy_tokens() {
        let token = "q8Zt3LmN9xW2vR7kP4yB6cF1hJ5sD0gA";
        assert_only(
            K::HighEntropyToken,
            &format!("API token for the sandbox: {token}"),
            token,
        );
        assert_only(
            K::HighEntropyToken,
            &format!("https://app.example.com/verify?token={token}&x=1"),
            token,
        );
        let hex = "8f14e45fceea167a5a36dedd4bea2543";
        assert_only(K::HighEntropyToken, &format!("Datadog API key: {hex}"), hex);
        let uuid = "123e4567-e89b-42d3-a456-426614174000";
        assert_only(
            K::HighEntropyToken,
            &format!("Heroku API key: {uuid}"),
            uuid,
        );
        for text in [
            "Fixed in commit 9fceb02d0ae598e95dc970b74767f19372d61af8".to_owned(),
            format!("sha256 {hex}{hex}"),
            format!("Trace id: {hex}"),
            format!("Request {uuid} failed"),
            format!("Order ID: {token}"),
            format!("https://drive.google.com/file/d/{token}/view"),
            format!("docs.example.com/d/{token}/edit"),
            format!("data:image/png;base64,{token}{token}"),
            "The file is Q3_Revenue_Report_2024_FINAL_v2.xlsx".to_owned(),
            "Branch feature/PAY-2231-add-refund-reason-dropdown".to_owned(),
            "getUserAccountSettingsByIdV2 is deprecated".to_owned(),
            "#AcmeSummit2024BerlinEdition".to_owned(),
            format!("publishable key pk_live_{token}"),
            format!("the reCAPTCHA site key is 6Le{token}"),
        ] {
            assert_clean(&text);
        }
    }

    #[test]
    fn encoded_data_and_digests_are_not_secrets() {
        for text in [
            // Subresource integrity.
            "<script src=\"https://cdn.example.com/lib.min.js\" integrity=\"sha384-sv+NlnWg/XVp9bqSynHlXs/LX5ciAwYNFtAxI1Z4htgFPuDYBiIrFilfcOwvRu4X\" crossorigin=\"anonymous\"></script>",
            "\"integrity\": \"sha512-zo9rFisVVhIPzR5Z0K8guJbtq55f5mhc34xaoTExIqiXAeb6FVCyOzcjE9IZYkOJJZiQvUHu8rK+hlk3TaxSVv==\"",
            "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            // Base64 of readable JSON: a cursor, saved settings.
            "cursor=eyJwYWdlIjoyLCJzaXplIjo1MH0 in the next-page link",
            "prefs: eyJ0aGVtZSI6ICJkYXJrIiwgImRlbnNpdHkiOiAiY29tcGFjdCIsICJzaWRlYmFyIjogdHJ1ZX0=",
            // Object paths with ids and file names.
            "S3 key: uploads/2024/09/293bef16-0027-4c51-a827-e883eb64c86c/IMG_4471.HEIC",
            "Ablage 📁 exports/2024/Q3/8f14e45fceea167a5a36dedd4bea2543/Bericht_final.pdf",
        ] {
            assert_clean(text);
        }
        // Encoded JSON that carries credentials is still reported.
        assert_eq!(
            kinds("dockerconfig: eyJhdXRocyI6eyJyZWdpc3RyeS5leGFtcGxlLmNvbSI6eyJhdXRoIjoiZFhObGNqcHdZWE56In19fQ=="),
            vec![K::HighEntropyToken]
        );
        // Random base64 with slashes is not a path.
        let token = "k8Vd2QpLx7Rf/T4mWz9NbY3cJh6GsE1aU0oPiK5tq8Zt3LmN9x";
        assert_only(K::HighEntropyToken, &format!("signing key {token}"), token);
    }

    #[test]
    fn vendor_tokens_have_their_own_explanation() {
        for (text, token, vendor) in [
            (
                "mailgun: key-991abcab68cabb094a86f4381ca8842c",
                "key-991abcab68cabb094a86f4381ca8842c",
                "Mailgun",
            ),
            (
                "SendGrid: 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.",
                "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",
                "SendGrid",
            ),
            (
                "glpat-ZZqS8nGl9W9Zx5eA_3R8x2xI96",
                "glpat-ZZqS8nGl9W9Zx5eA_3R8x2xI96",
                "GitLab",
            ),
            (
                "NPM_TOKEN=npm_XtSMoH3j6A5xvVMlYvD0tQcsePro0pFGbGH7",
                "npm_XtSMoH3j6A5xvVMlYvD0tQcsePro0pFGbGH7",
                "npm",
            ),
            (
                "SLACK_APP_TOKEN=xapp-1-A05ABCDEF12-5812345678901-0f1e2d3c4b5a69788796a5b4c3d2e1f0",
                "xapp-1-A05ABCDEF12-5812345678901-0f1e2d3c4b5a69788796a5b4c3d2e1f0",
                "Slack",
            ),
            (
                "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",
                "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",
                "Shopify",
            ),
            (
                "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",
                "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",
                "Shopify",
            ),
            (
                "Twilio account: AC4f1d2a9c8b7e6f5a4d3c2b1a0f9e8d7c",
                "AC4f1d2a9c8b7e6f5a4d3c2b1a0f9e8d7c",
                "Twilio",
            ),
            (
                "SK4f1d2a9c8b7e6f5a4d3c2b1a0f9e8d7c",
                "SK4f1d2a9c8b7e6f5a4d3c2b1a0f9e8d7c",
                "Twilio",
            ),
            (
                "dop_v1_4f1d2a9c8b7e6f5a4d3c2b1a0f9e8d7c4f1d2a9c8b7e6f5a4d3c2b1a0f9e8d7c",
                "dop_v1_4f1d2a9c8b7e6f5a4d3c2b1a0f9e8d7c4f1d2a9c8b7e6f5a4d3c2b1a0f9e8d7c",
                "DigitalOcean",
            ),
            (
                "HF_TOKEN=hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh",
                "hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh",
                "Hugging Face",
            ),
            (
                "Schlüssel 🔐 sk-proj-AbC1dEf2GhI3jKl4MnO5pQr6StU7vWx8YzA9bCd0EfG1",
                "sk-proj-AbC1dEf2GhI3jKl4MnO5pQr6StU7vWx8YzA9bCd0EfG1",
                "OpenAI",
            ),
        ] {
            let findings = scan(text);
            assert_eq!(findings.len(), 1, "{text}");
            let f = &findings[0];
            assert_eq!(f.kind, K::HighEntropyToken, "{text}");
            assert_eq!(&text[f.start as usize..f.end as usize], token);
            assert!(f.explanation.contains(vendor), "{}", f.explanation);
            assert!(!f.masked.contains(token) && f.masked.ends_with(&token[token.len() - 4..]));
        }
        for text in [
            // Twilio's account SID shape needs the word Twilio nearby.
            "Account AC4f1d2a9c8b7e6f5a4d3c2b1a0f9e8d7c",
            "key-991abcab68cabb094a86f4381ca8842", // 31 hex digits
            "key-not-a-real-mailgun-key-at-all-really",
            "glpat-token-rotation-guide-2024",
            "hf_hub_download is the function to use",
            "npm_config_registry is set in CI",
            "mailgun: key-abcdefabcdefabcdefabcdefEXAMPLE0",
        ] {
            assert_clean(text);
        }
    }

    #[test]
    fn the_more_specific_kind_wins() {
        let ghp = "ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5";
        assert_only(K::GithubToken, &format!("password: {ghp}"), ghp);
        assert_only(
            K::Password,
            "DB_PASSWORD=q8Zt3LmN9xW2vR7kP4yB6cF1hJ5sD0gA",
            "q8Zt3LmN9xW2vR7kP4yB6cF1hJ5sD0gA",
        );
        let found = scan("card 4111 1111 1111 1111, password: hunter22, SSN 123-45-6789");
        let kinds: Vec<_> = found.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            vec![K::PaymentCard, K::Password, K::UsSsn],
            "in text order"
        );
    }

    #[test]
    fn spans_are_byte_offsets_after_multibyte_text() {
        let text = "Zürich café — 💳 Karte: 4111 1111 1111 1111 — 日本語 IBAN DE89 3704 0044 0532 0130 00 🙂 Passwort: Grüße2024!";
        let found = found(text);
        assert_eq!(
            found,
            vec![
                (K::PaymentCard, "4111 1111 1111 1111"),
                (K::Iban, "DE89 3704 0044 0532 0130 00"),
                (K::Password, "Grüße2024!"),
            ]
        );
        let first = &scan(text)[0];
        assert_eq!(first.start as usize, text.find("4111").unwrap());
        assert_eq!(
            first.end as usize,
            first.start as usize + "4111 1111 1111 1111".len()
        );
    }

    #[test]
    fn masks_never_reveal_the_secret() {
        let cases = [
            ("4111 1111 1111 1111", "4111 •••• •••• 1111"),
            ("DE89 3704 0044 0532 0130 00", "DE89 •••• 3000"),
            ("SSN 123-45-6789", "•••-••-6789"),
            ("AKIA2R7QHXWM5TB3KLPD", "AKIA…KLPD"),
            ("password: hunter2", "••••••••"),
            ("PIN is 4821", "••••••••"),
            ("sk_test_4eC39HqLyjWDarjtT1zdp7dc", "sk_test_…p7dc"),
            ("ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5", "ghp_…3xY5"),
        ];
        for (text, masked) in cases {
            let findings = scan(text);
            assert_eq!(findings.len(), 1, "{text}");
            assert_eq!(findings[0].masked, masked);
        }
        let secrets = [
            "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
            "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
            "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
            "API token q8Zt3LmN9xW2vR7kP4yB6cF1hJ5sD0gA",
            "aws_secret_access_key = k8Vd2QpLx7Rf/T4mWz9NbY3cJh6GsE1aU0oPiK5t",
            "password: abcd",
            "postgres://app:Q9vmTz3kLw@db:5432/app",
            "mailgun: key-991abcab68cabb094a86f4381ca8842c",
            "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",
            "SK4f1d2a9c8b7e6f5a4d3c2b1a0f9e8d7c",
        ];
        for text in secrets {
            for f in scan(text) {
                let secret = &text[f.start as usize..f.end as usize];
                assert!(
                    !f.masked.contains(secret),
                    "{:?} reveals {secret:?}",
                    f.masked
                );
                assert_eq!(f.label, f.kind.label());
                assert!(!f.explanation.is_empty() && !f.advice.is_empty());
            }
        }
    }

    #[test]
    fn serialises_kinds_in_snake_case() {
        let json = serde_json::to_string(&K::HighEntropyToken).unwrap();
        assert_eq!(json, "\"high_entropy_token\"");
        let finding = &scan("SSN 123-45-6789")[0];
        let back: Finding = serde_json::from_str(&serde_json::to_string(finding).unwrap()).unwrap();
        assert_eq!(&back, finding);
    }

    /// Odd input: every finding is in order, non-overlapping and on
    /// character boundaries, and nothing panics.
    #[test]
    fn survives_arbitrary_unicode() {
        let fragments = [
            "",
            " ",
            "\n",
            "\t",
            "\r\n",
            "\0",
            "é",
            "💳",
            "👨‍👩‍👧",
            "\u{202e}",
            "\u{0301}",
            "İ",
            "ß",
            "ﬃ",
            "日本",
            "4111",
            "1111",
            "-",
            " ",
            ".",
            ",",
            ":",
            "=",
            "'",
            "\"",
            "“",
            "”",
            "`",
            "/",
            "+",
            "_",
            "%",
            "#",
            "@",
            "?",
            "&",
            "(",
            ")",
            "password",
            "PIN",
            "pass",
            "is",
            "for",
            "login",
            "eyJ",
            "eyJhbGciOiJub25lIn0",
            "AKIA",
            "ghp_",
            "xoxb-",
            "sk_live_",
            "AIza",
            "-----BEGIN ",
            "PRIVATE KEY-----",
            "-----END ",
            "RSA ",
            "DE89",
            "GB82",
            "WEST",
            "123-45-6789",
            "SSN",
            "https://",
            "hooks.slack.com/services/",
            "?token=",
            "base64,",
            "ssh-rsa ",
            "AAAA",
            "q8Zt3LmN9xW2vR7k",
            "8f14e45fceea167a",
            "ö",
            "→",
            "–",
            "Passwort",
            "WLAN-",
            "lautet",
            "mot de passe",
            "est",
            "contraseña",
            "hasło",
            "to",
            "salasana",
            "on",
            "パスワード",
            "は",
            "：",
            "密码",
            "postgres://",
            "user",
            "changed",
            "password ",
            "$(",
            "${",
            "key-",
            "991abcab68cabb094a86f4381ca8842c",
            "SG.",
            "glpat-",
            "xapp-",
            "AC",
            "twilio",
            "sha384-",
            "eyJwYWdlIjoyfQ",
            "EXAMPLE",
            "Harbour!Light7",
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..3000 {
            let len = (next() % 40) as usize;
            let text: String = (0..len)
                .map(|_| fragments[(next() % fragments.len() as u64) as usize])
                .collect();
            let findings = scan(&text);
            let mut last_end = 0;
            for f in &findings {
                let (start, end) = (f.start as usize, f.end as usize);
                assert!(
                    start >= last_end && start < end && end <= text.len(),
                    "{text:?}"
                );
                assert!(
                    text.is_char_boundary(start) && text.is_char_boundary(end),
                    "{text:?}"
                );
                last_end = end;
            }
        }
        for text in [
            "",
            "\u{0}",
            "🙂",
            "-----BEGIN ",
            "eyJ.",
            "eyJ..",
            "password:",
            "PIN is",
            "login: a /",
            "AKIA",
            "https://",
            "4",
        ] {
            let _ = scan(text);
        }
    }

    #[test]
    fn spans_of_new_kinds_after_multibyte_text() {
        let text = "Grüße aus Zürich 🙂 — Das WLAN-Passwort lautet: Kaffee-Müh1e! · DB: postgres://app:Pä55-wört@db/app · Mailgun 📨 key-991abcab68cabb094a86f4381ca8842c · 日本語 パスワードはHunter22です";
        assert_eq!(
            found(text),
            vec![
                (K::Password, "Kaffee-Müh1e!"),
                (K::Password, "Pä55-wört"),
                (K::HighEntropyToken, "key-991abcab68cabb094a86f4381ca8842c"),
                (K::Password, "Hunter22"),
            ]
        );
        for f in scan(text) {
            assert!(
                text.is_char_boundary(f.start as usize) && text.is_char_boundary(f.end as usize)
            );
        }
    }

    #[test]
    fn passwords_named_by_what_they_open_or_given_without_a_keyword() {
        for (text, secret) in [
            ("mot de passe routeur : Baguette#77", "Baguette#77"),
            ("wachtwoord gast: Fiets-Regen-12", "Fiets-Regen-12"),
            ("Passwort VPN: Ahorn!Baum55", "Ahorn!Baum55"),
            ("clave wifi oficina: Sol-y-Playa2023", "Sol-y-Playa2023"),
            ("SSID Lab-5G, password Kestrel4417", "Kestrel4417"),
            (
                "réseau Bureau-Invités, mot de passe Lavande2025",
                "Lavande2025",
            ),
            (
                "mysqldump -uops -pNebula_77x --all-databases > all.sql",
                "Nebula_77x",
            ),
            (
                "run: mysql -h db1 -u app -p\"Quartz-River-9\" shop",
                "Quartz-River-9",
            ),
            (
                "staging console https://ops.example.net:8443 root / Vanilla-Sky-31",
                "Vanilla-Sky-31",
            ),
            ("DB_PASSWORD=${DB_PASSWORD:-Tr0ub4dor&3x}", "Tr0ub4dor&3x"),
        ] {
            assert_only(FindingKind::Password, text, secret);
        }
        for text in [
            "export PGPASSWORD=${PGPASSWORD:?set it first}",
            "DB_PASSWORD=${DB_PASSWORD:-}",
            "password manager: 1Password, password policy: 12 characters",
            "mysql -u root -p crm (it asks for the password)",
            "mysql -P 3307 -h db1",
            "https://admin.example.io — log in as admin with your SSO account",
            "see https://wiki.example.io/setup then the test / staging split",
            "postgres://db.internal:5432/app is the new host",
            "mysql migration done; next: ssh -p2222 bastion",
            "backup the mysql data with tar -pczf db.tgz",
            "https://grafana.example.com root: /var/www/app",
            "https://app.example.com test: v2.3.1-rc4 deployed",
            "https://github.com/acme/app/pull/88 demo: build#4471",
            "https://x.example.com admin:/settings/users",
            "https://x.example.com root:cause=OOMKilled",
            "password db: users_v2, the password database: KeePassXC",
            "password admin: Maria",
            "DB_PASSWORD=${DB_PASSWORD:-}",
        ] {
            assert!(found(text).is_empty(), "in {text:?}: {:?}", found(text));
        }
    }

    #[test]
    fn public_key_material_and_identifiers_stay_quiet() {
        for text in [
            "server host key fingerprint: SHA256:Hk3b7Qx2PzVwR9mN4cL8sT1yU6oE5aF0gJ2dK7iZqWc",
            "the header was eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9 and nothing else",
            "Part 214-37-5820 goes back to the lab",
            "asset 301-22-4817 was returned",
        ] {
            assert!(found(text).is_empty(), "in {text:?}: {:?}", found(text));
        }
        // With a word for it, the same shape is an SSN; an "ID" may be one.
        assert_only(FindingKind::UsSsn, "his SSN is 214-37-5820", "214-37-5820");
        assert_only(FindingKind::UsSsn, "Tax ID: 214-37-5820", "214-37-5820");
        assert_only(FindingKind::UsSsn, "Patient ID: 214-37-5820", "214-37-5820");
        assert_only(
            FindingKind::PaymentCard,
            "billing id: 4539148803436467",
            "4539148803436467",
        );
    }

    /// Long inputs stay linear: repeated near-misses of every scanner.
    #[test]
    fn long_adversarial_input() {
        let unit = "4111 1111 1111 111 DE89 3704 0044 eyJhbGciOiJIUzI1NiJ9. password is the -----BEGIN X ghp_abc 123-45-678 ";
        let text = unit.repeat(10_000 / unit.len() + 1);
        let findings = scan(&text);
        assert!(findings.iter().all(|f| f.kind != K::PrivateKey));
        let digits = "7".repeat(10_000);
        assert!(scan(&digits).is_empty());
        let letters = "aB3".repeat(3_400);
        assert!(scan(&letters).len() <= 1);
        // Near-misses of the newer rules: keywords in many languages with no
        // value, URLs without user information, vendor prefixes without a body.
        let unit = "Das Passwort für das Konto lautet mot de passe du compte est postgres://a:b user: bob, password changed has been key- SG. glpat- eyJ sha384- パスワードは admin / mysql -p ${PASSWORD:? ";
        let text = unit.repeat(10_000 / unit.len() + 1);
        assert!(scan(&text).is_empty());
    }
}

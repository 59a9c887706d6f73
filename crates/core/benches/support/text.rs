//! Professional chat text of varying length: short replies, one-line
//! updates, and now and then a paragraph. Names include letters that
//! `remove_diacritics` does not fold (Søren, Łukasz), so the diacritic
//! queries have something to find.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;

pub const NAMES: &[&str] = &[
    "Anna",
    "Ben",
    "Chloé",
    "Dmitri",
    "Elena",
    "Fatima",
    "Grace",
    "Hannah",
    "Ingrid",
    "José",
    "Kenji",
    "Lars",
    "Marco",
    "Nadia",
    "Oliver",
    "Priya",
    "Raj",
    "Sofia",
    "Tomás",
    "Aoife",
    "Björn",
    "François",
    "Zoë",
    "Mateus",
    "Yuki",
    "Emily",
    "Daniel",
    "Laura",
    "Omar",
    "Wei",
    "Małgorzata",
    "Jürgen",
    "Inês",
    "Sven",
    "Carmen",
    "Ravi",
    "Mei",
    "Paul",
    "Julia",
    "Noah",
];
/// Rarer names whose letters need `search::fold`.
const FOLDED_NAMES: &[&str] = &["Søren", "Łukasz", "Øystein", "Ærøskøbing"];

const TOPICS: &[&str] = &[
    "quarterly roadmap",
    "pricing proposal",
    "hiring plan",
    "vendor audit",
    "data migration",
    "security review",
    "customer escalation",
    "release checklist",
    "onboarding flow",
    "travel policy",
    "board deck",
    "support backlog",
    "renewal terms",
    "marketing calendar",
    "incident report",
    "capacity planning",
    "procurement request",
    "performance reviews",
    "training budget",
    "partner agreement",
];
const DOCS: &[&str] = &[
    "slide deck",
    "spreadsheet",
    "draft agreement",
    "design spec",
    "status report",
    "meeting notes",
    "budget forecast",
    "statement of work",
    "invoice",
    "purchase order",
    "project plan",
    "risk register",
];
const CLIENTS: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Zürich Re",
    "Nordisk Energi",
    "Kraków Logistics",
    "Vandelay Industries",
    "Wayne Enterprises",
    "São Paulo Foods",
    "Müller & Söhne",
];
const PROJECTS: &[&str] = &[
    "Atlas", "Beacon", "Horizon", "Phoenix", "Orion", "Mercury", "Juniper", "Keystone",
];
const DAYS: &[&str] = &[
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "tomorrow",
    "next week",
    "end of day",
    "the end of the month",
];
const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const TIMES: &[&str] = &[
    "9:00", "9:30", "10:00", "11:15", "13:00", "14:00", "15:30", "16:45",
];
const TEAMS: &[&str] = &[
    "legal",
    "finance",
    "security",
    "the design team",
    "procurement",
    "HR",
    "the platform team",
    "sales ops",
];
const METRICS: &[&str] = &[
    "conversion",
    "churn",
    "revenue",
    "pipeline",
    "latency",
    "headcount",
    "margin",
    "NPS",
];
const ADJECTIVES: &[&str] = &[
    "better than expected",
    "a bit soft",
    "flat",
    "on track",
    "worrying",
    "strong",
];
const STATUSES: &[&str] = &[
    "on track",
    "slightly behind",
    "blocked",
    "ready for review",
    "in QA",
    "done",
];
const REASONS: &[&str] = &[
    "waiting on the vendor",
    "the test environment was down",
    "we found two edge cases",
    "the scope changed last week",
    "we are short one reviewer",
    "everything went smoothly",
];
const SYSTEMS: &[&str] = &["billing", "CRM", "payroll", "reporting", "search", "auth"];
/// Words that turn up in a tiny share of messages (the "rare" queries).
pub const RARE: &[&str] = &[
    "escrow",
    "ombudsman",
    "amortization",
    "subpoena",
    "arbitration",
    "indemnity",
    "photolithography",
    "hyperparameter",
    "quinoa",
    "zeppelin",
    "fiduciary",
    "sabbatical",
];
const SHORT: &[&str] = &[
    "Thanks!",
    "Sounds good.",
    "Will do.",
    "Agreed.",
    "On it.",
    "Perfect, thank you.",
    "Got it, thanks.",
    "Yes, that works for me.",
    "Let me check and get back to you.",
    "Good morning!",
    "Running five minutes late, sorry.",
    "Done.",
    "Noted.",
    "Can we talk later today?",
    "👍",
];

fn pick<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    list.choose(rng).copied().unwrap_or("")
}

pub fn name(rng: &mut StdRng) -> &'static str {
    if rng.gen_bool(0.04) {
        pick(rng, FOLDED_NAMES)
    } else {
        pick(rng, NAMES)
    }
}

fn sentence(rng: &mut StdRng) -> String {
    let n = name(rng);
    match rng.gen_range(0..24) {
        0 => format!(
            "Can we move the {} meeting to {} at {}?",
            pick(rng, TOPICS),
            pick(rng, DAYS),
            pick(rng, TIMES)
        ),
        1 => format!(
            "I've attached the {} for {}, please review it by {}.",
            pick(rng, DOCS),
            pick(rng, PROJECTS),
            pick(rng, DAYS)
        ),
        2 => format!(
            "{n} mentioned the {} numbers look {} this quarter.",
            pick(rng, METRICS),
            pick(rng, ADJECTIVES)
        ),
        3 => format!(
            "Thanks, I'll follow up with {n} about the {}.",
            pick(rng, TOPICS)
        ),
        4 => format!(
            "The {} contract renewal is due on {} {}; {} needs the redlines by {}.",
            pick(rng, CLIENTS),
            rng.gen_range(1..29),
            pick(rng, MONTHS),
            pick(rng, TEAMS),
            pick(rng, DAYS)
        ),
        5 => format!(
            "Quick update: {} is {}, {}.",
            pick(rng, PROJECTS),
            pick(rng, STATUSES),
            pick(rng, REASONS)
        ),
        6 => format!(
            "Let's sync after the standup about the {}.",
            pick(rng, TOPICS)
        ),
        7 => format!(
            "Could you send me the latest version of the {}?",
            pick(rng, DOCS)
        ),
        8 => format!(
            "{n} is out of office until {}, so I'll cover the {} review.",
            pick(rng, DAYS),
            pick(rng, TOPICS)
        ),
        9 => format!(
            "We need sign-off from {} before we ship the {} changes.",
            pick(rng, TEAMS),
            pick(rng, PROJECTS)
        ),
        10 => format!(
            "The invoice for {} was sent to {} on the {}th.",
            pick(rng, MONTHS),
            pick(rng, CLIENTS),
            rng.gen_range(4..29)
        ),
        11 => format!(
            "Budget for Q{} is {}k; we are {}% over on {}.",
            rng.gen_range(1..5),
            rng.gen_range(20..900),
            rng.gen_range(2..30),
            pick(rng, TOPICS)
        ),
        12 => format!(
            "Heads up: the {} deployment is scheduled for {} at {} CET.",
            pick(rng, SYSTEMS),
            pick(rng, DAYS),
            pick(rng, TIMES)
        ),
        13 => format!(
            "Please find the notes from today's {} meeting below.",
            pick(rng, TOPICS)
        ),
        14 => format!(
            "{n} and I walked through the {} with {} this morning.",
            pick(rng, DOCS),
            pick(rng, CLIENTS)
        ),
        15 => format!(
            "Do you have five minutes to go over the {} before the call with {}?",
            pick(rng, TOPICS),
            pick(rng, CLIENTS)
        ),
        16 => format!(
            "I pushed the {} deadline to {}; nobody objected.",
            pick(rng, PROJECTS),
            pick(rng, DAYS)
        ),
        17 => format!(
            "The {} dashboard shows {} down {}% week over week.",
            pick(rng, SYSTEMS),
            pick(rng, METRICS),
            rng.gen_range(1..15)
        ),
        18 => format!(
            "Reminder: expense reports for {} are due {}.",
            pick(rng, MONTHS),
            pick(rng, DAYS)
        ),
        19 => format!(
            "{n} approved the {} for {}.",
            pick(rng, DOCS),
            pick(rng, PROJECTS)
        ),
        20 => format!(
            "Can someone from {} join the {} review on {}?",
            pick(rng, TEAMS),
            pick(rng, TOPICS),
            pick(rng, DAYS)
        ),
        21 => format!(
            "I'm not sure the {} estimate holds, {}.",
            pick(rng, PROJECTS),
            pick(rng, REASONS)
        ),
        22 => format!(
            "Great work on the {}, {n}; {} was impressed.",
            pick(rng, DOCS),
            pick(rng, CLIENTS)
        ),
        _ => format!(
            "Let's put the {} on the agenda for {}.",
            pick(rng, TOPICS),
            pick(rng, DAYS)
        ),
    }
}

/// One message body: a short reply, one to three sentences, or (rarely) a
/// long paragraph.
pub fn body(rng: &mut StdRng) -> String {
    let roll = rng.gen_range(0..100);
    let mut text = if roll < 22 {
        pick(rng, SHORT).to_owned()
    } else {
        let sentences = match roll {
            22..=69 => 1,
            70..=89 => 2,
            90..=96 => 3,
            _ => rng.gen_range(5..12),
        };
        (0..sentences)
            .map(|_| sentence(rng))
            .collect::<Vec<_>>()
            .join(" ")
    };
    if rng.gen_bool(0.004) {
        text.push_str(&format!(
            " Also, the {} question is still open.",
            pick(rng, RARE)
        ));
    }
    text
}

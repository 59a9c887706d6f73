//! Checks run on a message before it is sent: sensitive data
//! ([`sensitive::scan`]) and tone ([`tone::tone_hints`]).
//!
//! What this module owns: pure functions from a message's text to findings
//! and hints, with their plain-language explanations and advice. Everything
//! runs offline on the device, in well under a millisecond for a message of
//! the maximum length.
//!
//! What it must not do: any I/O, network, database or clock access, logging
//! of message text, or keeping state between calls. A finding never carries
//! the whole secret in a field meant for display or storage (`masked`), so the
//! caller can persist findings without persisting the secret. Nothing here
//! blocks sending: the caller decides how to present the results.

pub mod sensitive;
pub mod tone;

pub use sensitive::{scan, Finding, FindingKind};
pub use tone::{tone_hints, ToneHint, ToneKind};

//! The pre-send checks' speed (`checks::scan` and `checks::tone_hints`),
//! which run on every pause while typing and once more on Send.
//!
//! Inputs: every message of the labelled corpora (realistic chat sizes) and
//! three 10,000-character messages (the longest a message may be): prose,
//! prose full of near-miss numbers and identifiers, and prose packed with
//! secrets. Baseline: one pass over the bytes that classifies each one
//! (digits, letters, other), the least any scanner must do, so the ratio
//! says how far the detectors are from reading the text once.
//!
//! `cargo bench -p candor-core --bench checks`

use std::hint::black_box;
use std::time::{Duration, Instant};

use candor_core::checks::{scan, tone_hints};

const ROUNDS: usize = 200;

fn corpus() -> Vec<String> {
    let mut out = Vec::new();
    for file in [
        include_str!("../tests/corpus/sensitive.jsonl"),
        include_str!("../tests/corpus/heldout.jsonl"),
        include_str!("../tests/corpus/blind.jsonl"),
        include_str!("../tests/corpus/tone.jsonl"),
    ] {
        for line in file.lines().filter(|l| !l.trim().is_empty()) {
            let value: serde_json::Value = serde_json::from_str(line).expect("corpus line is JSON");
            out.push(value["text"].as_str().unwrap_or_default().to_owned());
        }
    }
    out
}

fn long(kind: &str) -> String {
    let prose = "Thanks for the update on the Lisbon rollout. The vendor confirmed delivery for week 51, invoice INV-2026-0419 is approved, and the workshop moves to Thursday at 14:30. ";
    let near = "Order 4111-2222-3333-4444 ships via 1Z999AA10123456784, call +44 20 7946 0958, ref 2026-11-29, build 7f3c9a1e2b4d, DE00 1234 5678 9012 3456 78, SSN-like 000-12-3456. ";
    let secrets = "key AKIAZ7QW3RT5YU2XB4NM, token ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8, card 4539 1488 0343 6467, password: Tr1cky#Pass, IBAN GB82 WEST 1234 5698 7654 32. ";
    let unit = match kind {
        "prose" => prose,
        "near-misses" => near,
        _ => secrets,
    };
    unit.repeat(10_000 / unit.len() + 1)
        .chars()
        .take(10_000)
        .collect()
}

/// The floor: read every byte once and classify it.
fn one_pass(text: &str) -> usize {
    text.bytes()
        .map(|b| {
            if b.is_ascii_digit() {
                1
            } else if b.is_ascii_alphabetic() {
                2
            } else {
                3
            }
        })
        .sum()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn time_each(inputs: &[String], f: impl Fn(&str) -> usize) -> (Vec<Duration>, Duration) {
    let mut samples = Vec::with_capacity(inputs.len() * ROUNDS);
    let started = Instant::now();
    for _ in 0..ROUNDS {
        for text in inputs {
            let t = Instant::now();
            black_box(f(black_box(text)));
            samples.push(t.elapsed());
        }
    }
    let total = started.elapsed();
    samples.sort();
    (samples, total)
}

fn report(name: &str, inputs: &[String], f: impl Fn(&str) -> usize) {
    let bytes: usize = inputs.iter().map(String::len).sum::<usize>() * ROUNDS;
    let (samples, total) = time_each(inputs, f);
    println!(
        "  {name:<14} p50 {:>9.2} µs  p99 {:>9.2} µs  max {:>9.2} µs  {:>8.1} MB/s",
        percentile(&samples, 0.50).as_secs_f64() * 1e6,
        percentile(&samples, 0.99).as_secs_f64() * 1e6,
        samples.last().copied().unwrap_or_default().as_secs_f64() * 1e6,
        bytes as f64 / total.as_secs_f64() / 1e6,
    );
}

fn main() {
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("loadavg at start: {}", load.trim());
    }
    let corpus = corpus();
    let mean = corpus.iter().map(String::len).sum::<usize>() / corpus.len().max(1);
    println!(
        "corpus messages: {} (mean {mean} bytes), {ROUNDS} rounds",
        corpus.len()
    );
    report("one pass", &corpus, one_pass);
    report("scan", &corpus, |t| scan(t).len());
    report("tone_hints", &corpus, |t| tone_hints(t).len());
    for kind in ["prose", "near-misses", "secrets"] {
        let input = vec![long(kind)];
        println!("10,000 characters, {kind}:");
        report("one pass", &input, one_pass);
        report("scan", &input, |t| scan(t).len());
        report("tone_hints", &input, |t| tone_hints(t).len());
    }
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("loadavg at end: {}", load.trim());
    }
}

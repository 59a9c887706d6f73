//! `candor-bare`: the floor for the desktop startup benchmark
//! (`scripts/bench-app.sh`, BENCHMARKS.md "Desktop app").
//!
//! The same crate, profile, Tauri context (configuration, embedded UI build,
//! CSP, capabilities) and window size as `candor`, but no core, no database
//! and no Svelte app: one window on `bare.html`, a static page that calls the
//! `ui_ready` command after its first frame. The time from spawn to that mark
//! is what any Tauri window costs on this machine before Candor does
//! anything.

// Prevents an extra console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use tauri::{WebviewUrl, WebviewWindowBuilder};

fn main() {
    let mut context = tauri::generate_context!();
    // Only the bare window below, instead of the app's configured one.
    context.config_mut().app.windows.clear();
    let result = tauri::Builder::default()
        .setup(|app| {
            // Label "main": the capability file grants IPC to that label.
            WebviewWindowBuilder::new(app, "main", WebviewUrl::App("bare.html".into()))
                .title("Candor (bare)")
                .inner_size(1120.0, 740.0)
                .build()?;
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![candor_app::ui_ready])
        .run(context);
    if let Err(e) = result {
        eprintln!("candor-bare could not start: {e}");
        std::process::exit(1);
    }
}

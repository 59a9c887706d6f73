//! The mirror's SQLite connections.
//!
//! One writer and a few read-only readers (`PRAGMA query_only`), all on the
//! same WAL-mode file. SQLite allows one writer at a time anyway; holding a
//! single writer connection behind a mutex turns "database is locked" into an
//! orderly queue, while readers keep answering the UI during a large sync
//! transaction. Every call runs on tokio's blocking pool so the async runtime
//! never waits on disk.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::error::{CoreError, CoreResult};

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/001_mirror.sql")),
    (2, include_str!("migrations/002_careful_sending.sql")),
    (3, include_str!("migrations/003_incidents.sql")),
    (4, include_str!("migrations/004_safety.sql")),
    (5, include_str!("migrations/005_safety_outbox.sql")),
    (6, include_str!("migrations/006_outbox_maybe_sent.sql")),
    (7, include_str!("migrations/007_unread_indexes.sql")),
];
const READERS: usize = 3;

/// The mirror's connection pool. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Vec<Mutex<Connection>>>,
    next: Arc<AtomicUsize>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").finish_non_exhaustive()
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // NORMAL in WAL mode cannot corrupt the file on a crash; the newest
    // transactions may roll back on power loss, and sync re-applies them
    // because the cursor rolls back with them.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "cache_size", -16_000)?;
    Ok(())
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Db {
    /// Opens (creating and migrating) the mirror file.
    pub fn open(path: &Path) -> CoreResult<Db> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| CoreError::Internal(format!("Creating {}: {e}", dir.display())))?;
        }
        let mut writer = Connection::open(path)?;
        configure(&writer)?;
        migrate(&mut writer)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let reader = Connection::open(path)?;
            configure(&reader)?;
            reader.pragma_update(None, "query_only", "ON")?;
            readers.push(Mutex::new(reader));
        }
        Ok(Db {
            writer: Arc::new(Mutex::new(writer)),
            readers: Arc::new(readers),
            next: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// Runs `f` in one immediate write transaction on the blocking pool.
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> CoreResult<T> + Send + 'static,
    ) -> CoreResult<T> {
        let writer = Arc::clone(&self.writer);
        spawn(move || {
            let mut conn = lock(&writer);
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        })
        .await
    }

    /// Runs `f` on a reader, inside a read transaction (one snapshot).
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> CoreResult<T> + Send + 'static,
    ) -> CoreResult<T> {
        let readers = Arc::clone(&self.readers);
        let i = self.next.fetch_add(1, Ordering::Relaxed) % readers.len();
        spawn(move || {
            let mut conn = lock(&readers[i]);
            let tx = conn.transaction()?;
            let value = f(&tx)?;
            tx.finish()?;
            Ok(value)
        })
        .await
    }

    /// Runs `f` with the writer outside a transaction (checks, maintenance).
    pub fn write_blocking<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> CoreResult<T>,
    ) -> CoreResult<T> {
        f(&mut lock(&self.writer))
    }
}

async fn spawn<T: Send + 'static>(
    f: impl FnOnce() -> CoreResult<T> + Send + 'static,
) -> CoreResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| CoreError::Internal(format!("Database task failed: {e}")))?
}

fn migrate(conn: &mut Connection) -> CoreResult<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (version, sql) in MIGRATIONS {
        if *version <= current {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

/// The newest schema version this build knows.
pub fn schema_version() -> i64 {
    MIGRATIONS.last().map_or(0, |(v, _)| *v)
}

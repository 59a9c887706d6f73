//! Crashes at random moments: clients and the server are real child
//! processes killed with SIGKILL. Nothing may be lost, nothing duplicated,
//! and the mirror must pass `PRAGMA integrity_check`.

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use candor_proto::ConversationId;
use candor_tests::{all_messages, direct, init_tracing, open, Person, TestServer};
use rand::Rng;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const CLIENT: &str = env!("CARGO_BIN_EXE_candor-test-client");
const SERVER: &str = env!("CARGO_BIN_EXE_candor-test-server");

/// A device whose mirror is on disk and whose token the test holds.
struct Device {
    dir: tempfile::TempDir,
    account: String,
    token: String,
}

/// Signs `person` in on a new device, syncs it once, and closes it.
async fn device_of(person: &Person) -> Device {
    use candor_core::TokenStore;
    let device = person.second_device().await;
    // The device knows every conversation before the crash rounds begin.
    device.client.sync_now().await.expect("first sync");
    device.client.shutdown().await;
    let account = format!("{}#{}", person.server_url, person.profile.user_id);
    let token = device
        .tokens
        .load(&account)
        .expect("token store")
        .expect("token saved at sign-in");
    Device {
        dir: device.dir,
        account,
        token,
    }
}

fn client_command(device: &Device) -> Command {
    let mut cmd = Command::new(CLIENT);
    cmd.arg("--data-dir")
        .arg(device.dir.path())
        .arg("--account")
        .arg(&device.account)
        .arg("--token")
        .arg(&device.token)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    cmd
}

/// Lines the child printed before it ended.
async fn lines_until_exit(child: &mut Child) -> Vec<String> {
    let stdout = child.stdout.take().expect("piped stdout");
    let mut reader = BufReader::new(stdout).lines();
    let mut lines = Vec::new();
    while let Ok(Some(line)) = reader.next_line().await {
        lines.push(line);
    }
    lines
}

/// Runs the child, kills it with SIGKILL after `after`, returns what it printed.
async fn run_and_kill(mut cmd: Command, after: Duration) -> Vec<String> {
    let mut child = cmd.spawn().expect("spawn client");
    let stdout = child.stdout.take().expect("piped stdout");
    let reader = tokio::spawn(async move {
        let mut lines = Vec::new();
        let mut reader = BufReader::new(stdout).lines();
        while let Ok(Some(line)) = reader.next_line().await {
            lines.push(line);
        }
        lines
    });
    tokio::time::sleep(after).await;
    // SIGKILL on Unix: no destructors, no flush, no goodbye.
    let _ = child.start_kill();
    let _ = child.wait().await;
    reader.await.expect("reader task")
}

fn assert_mirror_healthy(dir: &std::path::Path) {
    let conn = rusqlite::Connection::open(dir.join("mirror.sqlite3")).expect("open mirror");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity check");
    assert_eq!(check, "ok");
}

#[tokio::test]
async fn a_client_killed_while_syncing_loses_and_duplicates_nothing() {
    init_tracing();
    let server = TestServer::start().await;
    let alice = candor_tests::alice(&server).await;
    let bob = candor_tests::bob(&server).await;
    let chat = direct(&alice, &bob).await;
    // Two feed pages' worth, so kills land between and inside transactions.
    for i in 1..=1_500 {
        alice
            .client
            .send_text(chat, &format!("Figures for week {i}"))
            .await
            .unwrap();
    }
    alice.wait_outbox_empty().await;
    alice.wait_for_messages(chat, 1_500).await;

    let device = device_of(&bob).await;
    let mut rng = rand::thread_rng();
    for _ in 0..25 {
        let mut cmd = client_command(&device);
        cmd.arg("sync");
        run_and_kill(cmd, Duration::from_millis(rng.gen_range(0..600))).await;
        assert_mirror_healthy(device.dir.path());
    }
    let mut cmd = client_command(&device);
    cmd.arg("sync");
    cmd.stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let lines = lines_until_exit(&mut child).await;
    let output = child.wait_with_output().await.unwrap();
    assert!(
        output.status.success(),
        "the final run failed after {lines:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(lines.last().map(String::as_str), Some("synced"));

    assert_mirror_healthy(device.dir.path());
    let tokens = std::sync::Arc::new(candor_core::MemoryTokenStore::default());
    let mirror = open(device.dir.path(), tokens).await;
    let messages = all_messages(&mirror, chat).await;
    assert_eq!(messages.len(), 1_500);
    assert_eq!(
        messages.iter().map(|m| m.seq).collect::<Vec<_>>(),
        (1..=1_500).collect::<Vec<_>>()
    );
    assert!(messages.iter().all(|m| m.verified));
    assert!(mirror.integrity_alarms(None).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_client_killed_while_flushing_its_outbox_delivers_each_message_once() {
    init_tracing();
    let server = TestServer::start().await;
    let alice = candor_tests::alice(&server).await;
    let bob = candor_tests::bob(&server).await;
    let chat = direct(&alice, &bob).await;
    let device = device_of(&alice).await;

    let mut queued = BTreeSet::new();
    let mut rng = rand::thread_rng();
    for round in 1..=25 {
        let mut cmd = client_command(&device);
        cmd.args(["send", "--conversation", &chat.0.to_string()])
            .args(["--prefix", &format!("round{round}"), "--count", "20"]);
        let lines = run_and_kill(cmd, Duration::from_millis(rng.gen_range(0..400))).await;
        queued.extend(
            lines
                .iter()
                .filter_map(|l| l.strip_prefix("queued ").map(str::to_owned)),
        );
        assert_mirror_healthy(device.dir.path());
    }
    assert!(
        queued.len() > 20,
        "the crash rounds queued only {} messages",
        queued.len()
    );
    // One last run drains whatever is left.
    let mut cmd = client_command(&device);
    cmd.args([
        "send",
        "--conversation",
        &chat.0.to_string(),
        "--prefix",
        "final",
        "--count",
        "1",
    ]);
    cmd.stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let lines = lines_until_exit(&mut child).await;
    let output = child.wait_with_output().await.unwrap();
    assert!(
        output.status.success(),
        "the final run failed after {lines:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(lines.last().map(String::as_str), Some("flushed"));
    queued.insert("final-1".to_owned());

    // Bob's view is the server's record.
    let expected = queued.len();
    bob.wait_until("every queued message arrived", |c| async move {
        let bodies: BTreeSet<String> = all_messages(&c, chat)
            .await
            .into_iter()
            .map(|m| m.body)
            .collect();
        bodies.len() >= expected
    })
    .await;
    bob.client.sync_now().await.unwrap();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for m in all_messages(&bob.client, chat).await {
        *seen.entry(m.body).or_default() += 1;
    }
    let duplicated: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(duplicated.is_empty(), "duplicated: {duplicated:?}");
    let lost: Vec<_> = queued.iter().filter(|b| !seen.contains_key(*b)).collect();
    assert!(lost.is_empty(), "lost: {lost:?}");
    assert_mirror_healthy(device.dir.path());
}

async fn spawn_server(addr: SocketAddr, dir: &std::path::Path) -> Child {
    let mut child = Command::new(SERVER)
        .arg("--listen")
        .arg(addr.to_string())
        .arg("--data-dir")
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn server");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("server starts in time")
        .expect("server output");
    assert!(first.is_some_and(|l| l.starts_with("listening")));
    child
}

fn free_addr() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr")
}

#[tokio::test]
async fn a_server_killed_under_load_keeps_every_acknowledged_message() {
    init_tracing();
    let dir = tempfile::tempdir().unwrap();
    let addr = free_addr();
    let url = format!("http://{addr}");
    let mut server = spawn_server(addr, dir.path()).await;

    let alice = Person::sign_up(&url, "alice", "Alice Martin").await;
    let bob = Person::sign_up(&url, "bob", "Bob Okafor").await;
    let carol = Person::sign_up(&url, "carol", "Carol Søndergaard").await;
    let ab = direct(&alice, &bob).await;
    candor_tests::connect(&carol, &bob).await;
    let cb = carol.client.open_direct(bob.profile.user_id).await.unwrap();
    let ca = {
        candor_tests::connect(&carol, &alice).await;
        carol
            .client
            .open_direct(alice.profile.user_id)
            .await
            .unwrap()
    };

    // Three writers keep the server busy while it is killed.
    let writers = [
        (alice.client.clone(), ab, "alice"),
        (carol.client.clone(), cb, "carol-to-bob"),
        (carol.client.clone(), ca, "carol-to-alice"),
    ];
    let mut tasks = Vec::new();
    for (client, conversation, name) in writers {
        tasks.push(tokio::spawn(async move {
            for i in 1..=150 {
                client
                    .send_text(conversation, &format!("{name} {i}"))
                    .await
                    .expect("queue");
                tokio::task::yield_now().await;
                if i % 10 == 0 {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(
        rand::thread_rng().gen_range(100..400),
    ))
    .await;
    // What Bob holds now, the server acknowledged.
    let acknowledged: Vec<(i64, String)> = all_messages(&bob.client, ab)
        .await
        .into_iter()
        .map(|m| (m.id.0, m.body))
        .collect();
    server.start_kill().unwrap();
    server.wait().await.unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    let _server = spawn_server(addr, dir.path()).await;

    // Clients reconnect by themselves and their outboxes redeliver the rest.
    alice.wait_outbox_empty().await;
    carol.wait_outbox_empty().await;
    let fresh_bob = bob.second_device().await;
    let fresh_alice = alice.second_device().await;
    for (who, conversation, prefix) in [
        (&fresh_bob, ab, "alice"),
        (&fresh_bob, cb, "carol-to-bob"),
        (&fresh_alice, ca, "carol-to-alice"),
    ] {
        who.wait_for_messages(conversation, 150).await;
        let messages = all_messages(&who.client, conversation).await;
        assert_eq!(
            messages.iter().map(|m| m.seq).collect::<Vec<_>>(),
            (1..=150).collect::<Vec<_>>(),
            "gapless in {conversation:?}"
        );
        let bodies: Vec<String> = messages.iter().map(|m| m.body.clone()).collect();
        assert_eq!(
            bodies,
            (1..=150)
                .map(|i| format!("{prefix} {i}"))
                .collect::<Vec<_>>()
        );
        assert!(messages.iter().all(|m| m.verified));
    }
    let after: HashMap<i64, String> = all_messages(&fresh_bob.client, ab)
        .await
        .into_iter()
        .map(|m| (m.id.0, m.body))
        .collect();
    for (id, body) in acknowledged {
        assert_eq!(
            after.get(&id),
            Some(&body),
            "acknowledged message {id} survived"
        );
    }
    let _ = ConversationId(0);
}

#[tokio::test]
async fn a_tampered_chain_raises_the_integrity_alarm() {
    init_tracing();
    let server = TestServer::start().await;
    let addr = server.server.addr;
    let alice = candor_tests::alice(&server).await;
    let bob = candor_tests::bob(&server).await;
    let chat = direct(&alice, &bob).await;
    for text in [
        "The offer is 42,000 EUR.",
        "I will confirm by Friday.",
        "Thanks!",
    ] {
        alice.client.send_text(chat, text).await.unwrap();
    }
    bob.wait_for_messages(chat, 3).await;
    assert!(bob.client.integrity_alarms(None).await.unwrap().is_empty());

    // Someone with access to the server's disk rewrites history.
    let data = server.stop().await;
    {
        let db = rusqlite::Connection::open(data.path().join("candor.sqlite3")).unwrap();
        db.execute_batch(
            "DROP TRIGGER messages_no_update;
             UPDATE messages SET body = 'The offer is 24,000 EUR.' WHERE seq = 1;",
        )
        .unwrap();
    }
    let server = candor_server::spawn(candor_tests::test_config(data.path()), addr)
        .await
        .unwrap();

    // A new device of Bob's downloads the altered history and refuses it.
    let bob_tablet = bob.second_device().await;
    bob_tablet
        .wait_until("the integrity alarm is raised", |c| async move {
            !c.integrity_alarms(Some(chat))
                .await
                .unwrap_or_default()
                .is_empty()
        })
        .await;
    let alarms = bob_tablet
        .client
        .integrity_alarms(Some(chat))
        .await
        .unwrap();
    assert_eq!(alarms[0].seq, 1);
    assert!(
        alarms[0].reason.contains("chain hash"),
        "{}",
        alarms[0].reason
    );
    let summary = bob_tablet.client.conversation(chat).await.unwrap();
    assert!(summary.integrity_alarm);
    let first = &all_messages(&bob_tablet.client, chat).await[0];
    assert!(!first.verified);
    // Bob's laptop, which got the original, still holds the honest text.
    assert_eq!(
        all_messages(&bob.client, chat).await[0].body,
        "The offer is 42,000 EUR."
    );
    server.stop().await.unwrap();
}

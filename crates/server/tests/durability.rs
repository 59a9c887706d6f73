//! An acknowledged message survives the server being killed mid-load.
//!
//! The real `candor-server` binary runs as a child process on its own data
//! directory; three clients send concurrently; the process gets SIGKILL while
//! requests are in flight; a new process opens the same directory. Every
//! message a client saw acknowledged must be there, unchanged, with gapless
//! sequence numbers, a valid chain and matching feeds; a retried in-flight
//! message must exist exactly once.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use candor_proto::chain::{parse_public_key, verify_link, verify_signature};
use candor_proto::{
    genesis_hash, ConversationId, EventPayload, Message, SendMessageRequest, SendMessageResponse,
    ServerInfo,
};
use common::{text, Person, Server};
use tokio::sync::{mpsc, oneshot};

/// Acknowledged messages to wait for before pulling the plug.
const ACKS_BEFORE_KILL: usize = 60;
/// Fails the test instead of hanging if the server never comes up.
const HANG_GUARD: Duration = Duration::from_secs(120);

/// A `candor-server` child process.
struct Node {
    child: Child,
    base: String,
}

impl Node {
    /// Starts the binary on a free loopback port and waits until it listens.
    async fn start(data_dir: &Path) -> Node {
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            probe.local_addr().expect("its address").port()
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_candor-server"))
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            // The load is the point here, not the limiter.
            .args(["--rate-burst", "1000000", "--rate-per-second", "1000000"])
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server binary starts");
        // The server logs a line once it is bound; wait for it, then keep
        // draining its output so it never blocks on a full pipe.
        let stdout = child.stdout.take().expect("piped stdout");
        let (listening, ready) = oneshot::channel::<()>();
        std::thread::spawn(move || {
            let mut listening = Some(listening);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.contains("candor-server listening") {
                    if let Some(tx) = listening.take() {
                        let _ = tx.send(());
                    }
                }
            }
        });
        let outcome = tokio::time::timeout(HANG_GUARD, ready).await;
        let node = Node {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(_)) => panic!("the server exited before listening (port {port} taken?)"),
            Err(_) => panic!("the server did not start listening"),
        }
        Server::remote(node.base.clone()).assert_healthy().await;
        node
    }

    /// SIGKILL: no shutdown, no flush, no goodbye.
    fn kill(&mut self) {
        self.child.kill().expect("the server can be killed");
        self.child.wait().expect("the killed server is reaped");
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A message a client saw acknowledged with 201.
#[derive(Debug)]
struct Ack {
    request: SendMessageRequest,
    message: Message,
}

/// Sends messages round-robin to `targets` until the server stops answering;
/// returns the request that was in flight when it died.
async fn keep_sending(
    base: String,
    who: Person,
    targets: Vec<ConversationId>,
    acks: mpsc::UnboundedSender<Ack>,
) -> Result<(ConversationId, SendMessageRequest), String> {
    let http = reqwest::Client::new();
    for i in 0.. {
        let conversation = targets[i % targets.len()];
        let request = text(&format!("{} #{i}", who.profile.handle));
        let sent = http
            .post(format!("{base}/v1/conversations/{conversation}/messages"))
            .bearer_auth(&who.token)
            .json(&request)
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(_) => return Ok((conversation, request)),
        };
        let status = response.status();
        if status != reqwest::StatusCode::CREATED {
            let body = response.text().await.unwrap_or_default();
            return Err(format!("{}: {status} {body}", who.profile.handle));
        }
        match response.json::<SendMessageResponse>().await {
            Ok(sent) => {
                let _ = acks.send(Ack {
                    request,
                    message: sent.message,
                });
            }
            // The answer was cut off: not acknowledged.
            Err(_) => return Ok((conversation, request)),
        }
    }
    unreachable!("the loop ends when the server dies")
}

fn verify_chain(public_key: &str, conversation: ConversationId, messages: &[Message]) {
    let key = parse_public_key(public_key).expect("a valid public key");
    let mut previous = genesis_hash(conversation);
    for (i, m) in messages.iter().enumerate() {
        assert_eq!(
            m.seq,
            i64::try_from(i + 1).expect("small"),
            "conversation {conversation}: sequence numbers have a gap"
        );
        let hash = verify_link(&previous, &m.canonical(), &m.chain_hash)
            .unwrap_or_else(|e| panic!("conversation {conversation}, message {}: {e}", m.seq));
        verify_signature(&key, conversation, m.seq, &hash, &m.signature)
            .unwrap_or_else(|e| panic!("conversation {conversation}, message {}: {e}", m.seq));
        previous = hash;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_messages_survive_a_kill_during_load() {
    let dir = tempfile::tempdir().expect("a data directory");
    let mut node = Node::start(dir.path()).await;
    let server = Server::remote(node.base.clone());
    let public_key = server
        .get("/v1/server", None)
        .await
        .ok::<ServerInfo>(200)
        .public_key;

    let alice = server.alice().await;
    let bob = server.bob().await;
    let carol = server.carol().await;
    server.connect(&alice, &bob).await;
    server.connect(&bob, &carol).await;
    server.connect(&carol, &alice).await;
    let group: candor_proto::Conversation = server
        .post(
            "/v1/conversations/group",
            alice.token(),
            &serde_json::json!({"title": "Launch", "members": [bob.id(), carol.id()]}),
        )
        .await
        .ok(201);
    let alice_bob = server.direct(&alice, &bob).await.id;
    let bob_carol = server.direct(&bob, &carol).await.id;
    let carol_alice = server.direct(&carol, &alice).await.id;
    // Who can read each conversation afterwards.
    let readers = [
        (group.id, &alice),
        (alice_bob, &alice),
        (bob_carol, &bob),
        (carol_alice, &carol),
    ];

    // Three clients, all writing to the shared group and to a direct
    // conversation of their own.
    let (acks_tx, mut acks_rx) = mpsc::unbounded_channel();
    let clients = [
        (alice.clone(), vec![group.id, alice_bob]),
        (bob.clone(), vec![group.id, bob_carol]),
        (carol.clone(), vec![group.id, carol_alice]),
    ]
    .map(|(who, targets)| {
        tokio::spawn(keep_sending(
            node.base.clone(),
            who,
            targets,
            acks_tx.clone(),
        ))
    });
    drop(acks_tx);

    let mut acked = Vec::new();
    while acked.len() < ACKS_BEFORE_KILL {
        let ack = acks_rx
            .recv()
            .await
            .expect("the clients keep sending until the server dies");
        acked.push(ack);
    }
    node.kill();

    let mut in_flight = Vec::new();
    for (client, who) in clients.into_iter().zip(["alice", "bob", "carol"]) {
        let outcome = client.await.expect("the client task ends");
        in_flight.push((who, outcome.expect("no client saw an unexpected answer")));
    }
    // Acknowledgements that arrived between the count and the kill count too.
    while let Some(ack) = acks_rx.recv().await {
        acked.push(ack);
    }
    assert!(acked.len() >= ACKS_BEFORE_KILL);

    // A new process on the same directory: same key, same sessions.
    let node = Node::start(dir.path()).await;
    let server = Server::remote(node.base.clone());
    let info: ServerInfo = server.get("/v1/server", None).await.ok(200);
    assert_eq!(info.public_key, public_key, "the signing key survives");

    let mut stored: BTreeMap<ConversationId, Vec<Message>> = BTreeMap::new();
    for (conversation, reader) in readers {
        let messages = server.messages(reader, conversation).await;
        verify_chain(&info.public_key, conversation, &messages);
        stored.insert(conversation, messages);
    }
    let by_id: HashMap<_, _> = stored.values().flatten().map(|m| (m.id, m)).collect();
    for ack in &acked {
        let found = by_id
            .get(&ack.message.id)
            .unwrap_or_else(|| panic!("acknowledged message lost: {:?}", ack.message));
        assert_eq!(**found, ack.message, "an acknowledged message changed");
        assert_eq!(found.client_id, ack.request.client_id);
    }

    // The clients retry what was in flight: each lands exactly once, whether
    // or not the killed server had committed it.
    let people = [("alice", &alice), ("bob", &bob), ("carol", &carol)];
    for (who, (conversation, request)) in &in_flight {
        let person = people
            .iter()
            .find(|(name, _)| name == who)
            .map(|(_, p)| *p)
            .expect("a known client");
        let reply = server
            .post(
                &format!("/v1/conversations/{conversation}/messages"),
                person.token(),
                request,
            )
            .await;
        let sent: SendMessageResponse = reply.json();
        match reply.status.as_u16() {
            201 => assert!(sent.created),
            200 => assert!(!sent.created),
            other => panic!("{who}'s retry answered {other}"),
        }
        assert_eq!(sent.message.body, request.body);
        let messages = server.messages(person, *conversation).await;
        let copies = messages
            .iter()
            .filter(|m| m.client_id == request.client_id)
            .count();
        assert_eq!(copies, 1, "{who}'s retried message");
        verify_chain(&info.public_key, *conversation, &messages);
        stored.insert(*conversation, messages);
    }

    // Every member's feed holds every message of their conversations exactly
    // once, numbered without gaps: message and feed events committed together.
    for person in [&alice, &bob, &carol] {
        let feed = server.feed(person).await;
        let seqs: Vec<i64> = feed.iter().map(|e| e.seq).collect();
        let gapless: Vec<i64> = (1..=i64::try_from(feed.len()).expect("small")).collect();
        assert_eq!(seqs, gapless, "{}'s feed", person.profile.handle);
        let mut in_feed: BTreeMap<ConversationId, Vec<&Message>> = BTreeMap::new();
        for event in &feed {
            if let EventPayload::Message(m) = &event.event {
                in_feed.entry(m.conversation_id).or_default().push(m);
            }
        }
        let conversations: Vec<candor_proto::Conversation> = server
            .get("/v1/conversations", person.token())
            .await
            .ok(200);
        for conversation in conversations {
            let expected: Vec<&Message> = stored[&conversation.id].iter().collect();
            let got = in_feed.remove(&conversation.id).unwrap_or_default();
            assert_eq!(
                got, expected,
                "{}'s feed for conversation {}",
                person.profile.handle, conversation.id
            );
        }
        assert!(in_feed.is_empty(), "messages of foreign conversations");
    }
    drop(node);
}

//! Durability under `kill -9`: every change the server acknowledged survives, on both backends.
//!
//! A tablet (a raw protocol peer with its own document) records visits as fast as it can while the
//! server process is killed with SIGKILL at a random moment. A change counts as acknowledged when a
//! sync message from the server lists it (or a later change) in its heads. After each restart the
//! stored document must hold every acknowledged change.

use std::collections::HashMap;
use std::time::Duration;

use automerge::sync::{self, SyncDoc};
use automerge::{Automerge, ChangeHash};
use serde_json::json;

use crate::both;
use crate::support::peers::{Got, RawPeer, add_greeting, msg_type, receive_sync};
use crate::support::{Client, PASSWORD, TestDb, seed, spawn_server};

const KILLS_PER_BACKEND: usize = 5;

both!(acknowledged_changes_survive_kill_9, crash_loop);
async fn crash_loop(db: TestDb) {
    let handle = db.open();
    let fx = seed(&handle);
    let ra1 = fx.resident("rA1").to_string();
    let url = db.url.to_string();
    let doc_id = handle
        .read_blocking({
            let ra1 = ra1.clone();
            move |conn| {
                Ok(mimamori::db::directory::resident_by_id(conn, &ra1)?
                    .unwrap()
                    .doc_id
                    .unwrap())
            }
        })
        .unwrap();

    // The tablet: its cookies, its document, and the hash of each visit it recorded.
    let mut cookies: HashMap<String, String> = HashMap::new();
    let mut doc = Automerge::new();
    let mut made: Vec<(String, ChangeHash)> = Vec::new();
    let mut acked = 0usize; // made[..acked] are acknowledged
    let mut attempts = 0usize;

    for round in 0..KILLS_PER_BACKEND {
        let mut server = spawn_server(&url, &[]).await;
        let mut client = Client::for_origin(&server.origin);
        client.cookies = cookies.clone();
        if round == 0 {
            let (st, b) = client
                .post("/api/devices/enrol", &json!({"code": fx.codes["comm-a"]}))
                .await;
            assert!(st.is_success(), "{b}");
            let (st, b) = client
                .post(
                    "/api/session",
                    &json!({"login": "comm-a", "password": PASSWORD}),
                )
                .await;
            assert!(st.is_success(), "{b}");
            cookies = client.cookies.clone();
        }
        let mut peer = RawPeer::connect_to(&server.origin, &client)
            .await
            .expect("connect");
        peer.join(&format!("peer-crash-{round}")).await;
        let mut state = sync::State::new();
        peer.sync_doc(&doc_id, &mut doc, &mut state)
            .await
            .expect("initial sync");

        // Kill the server at a random moment of the burst.
        let delay = Duration::from_millis(100 + (rand_u64() % 500));
        let kill_at = tokio::time::Instant::now() + delay;
        let mut i = 0;
        loop {
            if tokio::time::Instant::now() >= kill_at && server.child.id().is_some() {
                server.child.start_kill().unwrap();
                let _ = server.child.wait().await;
            }
            let id = format!("c-{round}-{i}");
            i += 1;
            add_greeting(&mut doc, &id);
            made.push((id, doc.get_heads()[0]));
            attempts += 1;
            if let Some(m) = doc.generate_sync_message(&mut state) {
                peer.send_sync("sync", &doc_id, m.encode()).await;
            }
            // Read whatever answers have arrived.
            let mut closed = false;
            loop {
                match peer.recv(Duration::from_millis(5)).await {
                    Got::Msg(m) if msg_type(&m) == "sync" => {
                        receive_sync(&m, &mut doc, &mut state);
                        if let Some(theirs) = &state.their_heads {
                            // History is linear (one writer): the newest of ours they list acks all before it.
                            if let Some(k) = made.iter().rposition(|(_, h)| theirs.contains(h)) {
                                acked = acked.max(k + 1);
                            }
                        }
                    }
                    Got::Msg(_) => {}
                    Got::Nothing => break,
                    Got::Closed(_) => {
                        closed = true;
                        break;
                    }
                }
            }
            if closed {
                break;
            }
        }
        // Restarted, the database holds every acknowledged visit.
        let stored = handle
            .read_blocking({
                let doc_id = doc_id.clone();
                move |conn| mimamori::sync::document_json(conn, &doc_id)
            })
            .unwrap();
        for (id, _) in &made[..acked] {
            assert!(
                stored["contacts"].get(id).is_some(),
                "acknowledged visit {id} lost after kill {round}"
            );
        }
        // What was not acknowledged is the tablet's to resend: it keeps its document.
    }
    assert!(acked > 0, "some visits were acknowledged");
    println!(
        "crash: {KILLS_PER_BACKEND} kills, {attempts} visits sent, {acked} acknowledged, none lost"
    );
}

fn rand_u64() -> u64 {
    u64::from_le_bytes(uuid::Uuid::new_v4().as_bytes()[..8].try_into().unwrap())
}

//! Fuzzing the sync path: mutated sync messages and frames through everything the server does with
//! a peer's frame before it touches the database (`sync::connection::offline_frame`: the wire
//! decode, the precheck, automerge's decode, the merge, the projection and the reply).
//!
//! ```text
//! cargo run --example fuzz_sync -- [--execs 10000000] [--seed N] [--save-corpus]
//! cargo run --example fuzz_sync -- --replay tests/fuzz/crashes/panic-….bin
//! ```
//!
//! It starts from real messages (two tablets and the server syncing resident documents, with
//! contacts short and long enough to be compressed, first contact and later rounds), mutates them
//! (bit flips, interesting bytes, LEB128 numbers made huge, cut, repeated or spliced runs) and keeps
//! an input that reaches a stage or size not seen before for further mutation: a crude stand-in for
//! coverage guidance that needs no nightly toolchain. It stops at the first input that
//!
//! - panics (saved under `tests/fuzz/crashes/panic-*`, and the run goes on),
//! - asks the allocator for more than 1 GiB (saved as `alloc-*`, then the process aborts, as the
//!   server would: an allocation failure cannot be caught), or
//! - takes longer than 1 s (saved as `slow-*`).
//!
//! `--save-corpus` writes the deepest inputs it kept to `tests/fuzz/corpus/`; the integration test
//! `bad_input::the_fuzz_corpus_and_crashes_are_refused_or_merged` runs every file in both folders
//! through the same path on every CI run.

// A harness that cannot set itself up has nothing to find; its allocator watches every request.
#![allow(clippy::unwrap_used, unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use automerge::sync::{self, SyncDoc};
use automerge::{Automerge, ObjType, ROOT, ReadDoc, transaction::Transactable};
use mimamori::sync::connection::{Stage, offline_frame};

/// One allocation bigger than this is what brought the server down before (17 GB for a bloom
/// filter, 4 GB for a compressed change); real tablets' messages never ask for more than a few MiB.
const HUGE_ALLOCATION: usize = 1 << 30;
const SLOW: Duration = Duration::from_secs(1);

// --- the allocator: a huge request saves the input being run, then aborts -------------------------

static CURRENT: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
static CURRENT_LEN: AtomicUsize = AtomicUsize::new(0);
static CURRENT_RAW: AtomicUsize = AtomicUsize::new(0);

struct Watch;

unsafe impl GlobalAlloc for Watch {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > HUGE_ALLOCATION {
            huge(layout.size());
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() > HUGE_ALLOCATION {
            huge(layout.size());
        }
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > HUGE_ALLOCATION {
            huge(new_size);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Watch = Watch;

fn huge(size: usize) -> ! {
    let ptr = CURRENT.load(Ordering::SeqCst);
    let len = CURRENT_LEN.load(Ordering::SeqCst);
    if !ptr.is_null() {
        // SAFETY: the loop keeps the input alive (and unchanged) while it runs.
        let input = unsafe { std::slice::from_raw_parts(ptr, len) };
        let raw = CURRENT_RAW.load(Ordering::SeqCst) == 1;
        let path = save(&crashes_dir(), "alloc", raw, input);
        eprintln!(
            "fuzz_sync: an input asked for a {size}-byte allocation; saved as {}",
            path.display()
        );
    }
    std::process::abort()
}

// --- inputs ---------------------------------------------------------------------------------------

#[derive(Clone)]
struct Input {
    /// The sync message itself, or a whole wire frame (CBOR) around one.
    raw: bool,
    bytes: Vec<u8>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
fn crashes_dir() -> PathBuf {
    root().join("tests/fuzz/crashes")
}
fn corpus_dir() -> PathBuf {
    root().join("tests/fuzz/corpus")
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn save(dir: &Path, kind: &str, raw: bool, bytes: &[u8]) -> PathBuf {
    let _ = std::fs::create_dir_all(dir);
    let path = dir.join(format!(
        "{kind}-{}-{:016x}.bin",
        if raw { "message" } else { "frame" },
        fnv(bytes)
    ));
    let _ = std::fs::write(&path, bytes);
    path
}

/// A resident document as the server registers it, with `n` contacts (every tenth with a note long
/// enough for automerge to compress its change).
fn resident(n: usize, author: &str, actor: u8) -> Automerge {
    let base = mimamori::sync::schema::new_document(&mimamori::sync::schema::NewProfile {
        resident_id: "r-fuzz",
        name: "試験 花子",
        kana: "しけん はなこ",
        address: "旭川市",
    })
    .expect("new document");
    let mut doc = Automerge::load(&base)
        .expect("load")
        .with_actor(automerge::ActorId::from(vec![actor; 16]));
    add_contacts(&mut doc, n, author);
    doc
}

fn add_contacts(doc: &mut Automerge, n: usize, author: &str) {
    let contacts = doc.get(ROOT, "contacts").unwrap().unwrap().1;
    for i in 0..n {
        let mut tx = doc.transaction();
        let id = format!("c-{author}-{i}-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed));
        let c = tx.put_object(&contacts, &id, ObjType::Map).unwrap();
        let note = if i % 10 == 9 {
            "郵便受けに新聞が三日分たまっていた。".repeat(12)
        } else {
            "特に変わりなし".to_string()
        };
        for (k, v) in [
            ("id", id.as_str()),
            ("occurredAt", "2026-12-01T10:00:00+09:00"),
            ("authorId", author),
            ("kind", if i % 2 == 0 { "visit" } else { "phone" }),
            ("outcome", "met"),
            ("concern", if i % 3 == 0 { "urgent" } else { "none" }),
            ("note", note.as_str()),
        ] {
            tx.put(&c, k, v).unwrap();
        }
        let checks = tx.put_object(&c, "checks", ObjType::Map).unwrap();
        for k in ["lights", "mailbox", "garbage", "snow"] {
            tx.put(&checks, k, "ok").unwrap();
        }
        tx.put(&c, "followUp", i % 4 == 0).unwrap();
        tx.commit();
    }
}

static PANIC_PLACES: std::sync::Mutex<Option<HashSet<String>>> = std::sync::Mutex::new(None);
static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

/// A wire frame around a sync message, as a tablet sends it.
fn frame(data: &[u8]) -> Vec<u8> {
    use ciborium::Value;
    let m = Value::Map(vec![
        (Value::Text("type".into()), Value::Text("sync".into())),
        (
            Value::Text("senderId".into()),
            Value::Text("tablet-1".into()),
        ),
        (Value::Text("targetId".into()), Value::Text("server".into())),
        (
            Value::Text("documentId".into()),
            Value::Text("4NMNnkMhL8jXrkJ6m2Hy2CRfXaHa".into()),
        ),
        (Value::Text("data".into()), Value::Bytes(data.to_vec())),
    ]);
    let mut out = Vec::new();
    ciborium::into_writer(&m, &mut out).expect("cbor");
    out
}

/// Real messages: a tablet and the server converging from several starting points.
fn seeds(server: &Automerge) -> Vec<Input> {
    let mut out = Vec::new();
    let mut record = |m: &sync::Message| {
        let bytes = m.clone().encode();
        out.push(Input {
            raw: false,
            bytes: frame(&bytes),
        });
        out.push(Input { raw: true, bytes });
    };
    for (contacts, fresh) in [(3, false), (12, false), (0, true), (25, true)] {
        let mut tablet = if fresh {
            resident(contacts, "u-comm-b", 2)
        } else {
            let mut t = server.fork();
            add_contacts(&mut t, contacts, "u-comm-a");
            t
        };
        let mut s = server.clone();
        let (mut ts, mut ss) = (sync::State::new(), sync::State::new());
        for _ in 0..8 {
            let a = tablet.generate_sync_message(&mut ts);
            if let Some(m) = &a {
                record(m);
                let _ = s.receive_sync_message(&mut ss, m.clone());
            }
            let b = s.generate_sync_message(&mut ss);
            if let Some(m) = &b {
                let _ = tablet.receive_sync_message(&mut ts, m.clone());
            }
            if a.is_none() && b.is_none() {
                break;
            }
        }
    }
    out
}

// --- mutation -------------------------------------------------------------------------------------

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const INTERESTING: [u8; 10] = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x40, 0x20, 0x10, 0x85, 0xfe];

fn mutate(rng: &mut Rng, input: &mut Vec<u8>, other: &[u8]) {
    let len = input.len();
    match rng.below(9) {
        0 if len > 0 => {
            let i = rng.below(len);
            input[i] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let i = rng.below(len);
            input[i] = INTERESTING[rng.below(INTERESTING.len())];
        }
        2 if len > 0 => {
            // A LEB128 number made huge (counts, lengths, probes, actor indexes).
            let i = rng.below(len);
            let big: &[u8] = match rng.below(4) {
                0 => &[0xff, 0xff, 0xff, 0xff, 0x0f],
                1 => &[0x80, 0x80, 0x80, 0x80, 0x08],
                2 => &[0xff, 0xff, 0x03],
                _ => &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
            };
            let end = (i + 1).min(len);
            input.splice(i..end, big.iter().copied());
        }
        3 if len > 1 => {
            let i = rng.below(len);
            let n = 1 + rng.below((len - i).min(64));
            input.drain(i..i + n);
        }
        4 if len > 1 => {
            // A run repeated in place.
            let i = rng.below(len);
            let n = 1 + rng.below((len - i).min(32));
            let run: Vec<u8> = input[i..i + n].to_vec();
            for _ in 0..1 + rng.below(8) {
                input.splice(i..i, run.iter().copied());
            }
        }
        5 if !other.is_empty() => {
            // A run from another input spliced in.
            let j = rng.below(other.len());
            let n = 1 + rng.below((other.len() - j).min(128));
            let at = rng.below(len + 1);
            input.splice(at..at, other[j..j + n].iter().copied());
        }
        6 if len > 0 => {
            input.truncate(rng.below(len));
        }
        7 => {
            let at = rng.below(len + 1);
            input.insert(at, rng.next() as u8);
        }
        _ if len > 1 => {
            let i = rng.below(len);
            let v = rng.next() as u8;
            input[i] = input[i].wrapping_add(v % 8).wrapping_sub(4);
        }
        _ => input.push(rng.next() as u8),
    }
}

// --- the loop -------------------------------------------------------------------------------------

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let execs: u64 = arg("--execs").map_or(10_000_000, |v| v.parse().expect("--execs N"));
    let seed: u64 = arg("--seed").map_or(0x6d69_6d61_6d6f_7269, |v| v.parse().expect("--seed N"));
    let save_corpus = args.iter().any(|a| a == "--save-corpus");

    let server = resident(5, "u-comm-a", 1);
    // A state that has seen the server's first message, as after a reconnect.
    let mut after_hello = sync::State::new();
    let _ = server.clone().generate_sync_message(&mut after_hello);
    if let Some(file) = arg("--replay") {
        // One saved input, with the panic message and where it came from.
        let bytes = std::fs::read(&file).expect("--replay FILE");
        let raw = file.contains("-message-");
        for mut state in [sync::State::new(), after_hello.clone()] {
            println!("{:?}", offline_frame(&server, &mut state, &bytes, raw));
        }
        return;
    }
    let mut pool = seeds(&server);
    // What earlier runs kept, and every crash found before (each must stay harmless).
    for dir in [corpus_dir(), crashes_dir()] {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Ok(bytes) = std::fs::read(entry.path()) {
                pool.push(Input {
                    raw: name.contains("-message-"),
                    bytes,
                });
            }
        }
    }

    // Panics are counted and their inputs saved; the message is printed once per place.
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        if let Ok(mut seen) = PANIC_PLACES.lock()
            && seen.get_or_insert_with(HashSet::new).insert(place.clone())
        {
            eprintln!("fuzz_sync: panic at {place}: {info}");
        }
    }));
    let mut rng = Rng(seed | 1);
    let mut seen: HashSet<(Stage, bool, usize)> = HashSet::new();
    let mut stages = std::collections::BTreeMap::<Stage, u64>::new();
    let (mut panics, mut slowest) = (0u64, Duration::ZERO);
    let started = Instant::now();
    let mut kept: Vec<(Stage, Input)> = Vec::new();
    for n in 0..execs {
        let a = rng.below(pool.len());
        let mut input = pool[a].clone();
        let other = pool[rng.below(pool.len())].bytes.clone();
        for _ in 0..1 + rng.below(4) {
            mutate(&mut rng, &mut input.bytes, &other);
        }
        CURRENT.store(input.bytes.as_ptr().cast_mut(), Ordering::SeqCst);
        CURRENT_LEN.store(input.bytes.len(), Ordering::SeqCst);
        CURRENT_RAW.store(usize::from(input.raw), Ordering::SeqCst);
        let mut state = if rng.below(2) == 0 {
            sync::State::new()
        } else {
            after_hello.clone()
        };
        let t = Instant::now();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            offline_frame(&server, &mut state, &input.bytes, input.raw)
        }));
        let took = t.elapsed();
        slowest = slowest.max(took);
        if took > SLOW {
            let path = save(&crashes_dir(), "slow", input.raw, &input.bytes);
            eprintln!(
                "fuzz_sync: {took:?} for one input; saved as {}",
                path.display()
            );
        }
        match result {
            Ok(stage) => {
                *stages.entry(stage).or_default() += 1;
                let key = (stage, input.raw, input.bytes.len() / 64);
                if stage > Stage::Precheck && seen.insert(key) && pool.len() < 20_000 {
                    kept.push((stage, input.clone()));
                    pool.push(input);
                }
            }
            Err(_) => {
                panics += 1;
                let path = save(&crashes_dir(), "panic", input.raw, &input.bytes);
                eprintln!("fuzz_sync: a panic; saved as {}", path.display());
            }
        }
        if (n + 1) % 1_000_000 == 0 {
            eprintln!(
                "fuzz_sync: {} executions in {:.0} s, pool {}, stages {stages:?}",
                n + 1,
                started.elapsed().as_secs_f64(),
                pool.len()
            );
        }
    }
    CURRENT.store(std::ptr::null_mut(), Ordering::SeqCst);
    let secs = started.elapsed().as_secs_f64();
    println!(
        "fuzz_sync: {execs} executions in {secs:.0} s ({:.0}/s), seed {seed}, {panics} panics, \
         slowest {slowest:?}, pool {}, stages reached {stages:?}",
        execs as f64 / secs,
        pool.len()
    );
    if save_corpus {
        // The document the corpus was run against: the test runs each input on it again.
        let _ = std::fs::create_dir_all(corpus_dir());
        std::fs::write(root().join("tests/fuzz/base.automerge"), server.save()).expect("base");
        kept.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.bytes.len().cmp(&b.1.bytes.len())));
        for (stage, input) in kept.iter().take(48) {
            save(
                &corpus_dir(),
                &format!("{stage:?}").to_lowercase(),
                input.raw,
                &input.bytes,
            );
        }
    }
    if panics > 0 {
        std::process::exit(1);
    }
}

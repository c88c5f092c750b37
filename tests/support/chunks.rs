//! Hand-made automerge chunks for the bad-input tests: a few bytes that declare a huge number of
//! ops through run-length encoding. Used by the integration tests (`sync.rs`) and by
//! `sync::precheck`'s unit tests (included there by path), so both send the same bytes.

use sha2::{Digest, Sha256};

pub const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

pub fn uleb(out: &mut Vec<u8>, v: u64) {
    leb128::write::unsigned(out, v).unwrap();
}

pub fn sleb(out: &mut Vec<u8>, v: i64) {
    leb128::write::signed(out, v).unwrap();
}

/// A chunk with a valid checksum (the first four bytes of the SHA-256 of type, length and body).
pub fn chunk(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut hashed = vec![kind];
    uleb(&mut hashed, body.len() as u64);
    hashed.extend(body);
    let sum = Sha256::digest(&hashed);
    let mut out = MAGIC.to_vec();
    out.extend(&sum[..4]);
    out.extend(hashed);
    out
}

/// A compressed change chunk holding `body` deflated (the checksum is left zero: nothing that reads
/// these gets as far as checking it).
pub fn compressed(body: impl FnOnce(&mut dyn std::io::Write)) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    body(&mut enc);
    let deflated = enc.finish().unwrap();
    let mut out = MAGIC.to_vec();
    out.extend([0, 0, 0, 0, 2]);
    uleb(&mut out, deflated.len() as u64);
    out.extend(deflated);
    out
}

/// A compressed chunk whose body inflates to `n` zero bytes (written a MiB at a time).
pub fn zeros_compressed(n: usize) -> Vec<u8> {
    compressed(|w| {
        let zeros = vec![0u8; 1 << 20];
        let mut left = n;
        while left > 0 {
            let k = left.min(zeros.len());
            w.write_all(&zeros[..k]).unwrap();
            left -= k;
        }
    })
}

/// Column metadata (specification and length of each) followed by the columns' data.
fn with_columns(out: &mut Vec<u8>, groups: &[&[(u32, Vec<u8>)]]) {
    for columns in groups {
        uleb(out, columns.len() as u64);
        for (spec, data) in *columns {
            uleb(out, u64::from(*spec));
            uleb(out, data.len() as u64);
        }
    }
    for columns in groups {
        for (_, data) in *columns {
            out.extend(data);
        }
    }
}

/// A run-length encoded column holding `n` copies of one unsigned value.
pub fn run_of(n: u64, value: u64) -> Vec<u8> {
    let mut c = Vec::new();
    sleb(&mut c, n as i64);
    uleb(&mut c, value);
    c
}

/// A document chunk with one change whose `maxOp` is `max_op` and no ops: automerge 0.7 allocates
/// a slot per declared op before reading any (`op_set2/change/collector.rs`). Its head is a hash
/// nobody has, so a peer that already has the document still reads it.
pub fn document_declaring(max_op: u64) -> Vec<u8> {
    let mut body = Vec::new();
    uleb(&mut body, 1);
    uleb(&mut body, 16);
    body.extend([0x11; 16]);
    uleb(&mut body, 1);
    body.extend([0xab; 32]);
    let mut max = Vec::new();
    sleb(&mut max, 1);
    sleb(&mut max, max_op as i64);
    let changes = [
        (0x01, run_of(1, 0)), // actor
        (0x03, run_of(1, 1)), // seq (delta)
        (0x13, max),          // maxOp (delta)
        (0x23, run_of(1, 0)), // time (delta)
        (0x40, run_of(1, 0)), // deps: none
    ];
    with_columns(&mut body, &[&changes, &[]]);
    chunk(0, &body)
}

/// A change chunk of `n` ops (each a put of null to key "k" at the root), in about sixty bytes:
/// every op column is one run. automerge 0.7 iterates them all while verifying the change.
pub fn change_declaring(n: u64) -> Vec<u8> {
    let mut body = Vec::new();
    uleb(&mut body, 0); // deps
    uleb(&mut body, 16);
    body.extend([0x22; 16]); // actor
    uleb(&mut body, 1); // seq
    uleb(&mut body, 1); // start op
    sleb(&mut body, 0); // time
    uleb(&mut body, 0); // message
    uleb(&mut body, 0); // other actors
    let mut key = Vec::new();
    sleb(&mut key, n as i64);
    uleb(&mut key, 1);
    key.push(b'k');
    let mut insert = Vec::new();
    uleb(&mut insert, n);
    let ops = [
        (0x15, key),          // key string
        (0x34, insert),       // insert: all false
        (0x42, run_of(n, 1)), // action: put
        (0x56, run_of(n, 0)), // value metadata: null
        (0x70, run_of(n, 0)), // pred: none
    ];
    with_columns(&mut body, &[&ops]);
    chunk(1, &body)
}

/// A sync message (version 1, no heads, needs or haves) carrying the given chunks.
pub fn message_with(chunks: &[Vec<u8>]) -> Vec<u8> {
    let mut m = vec![0x42, 0, 0, 0];
    uleb(&mut m, chunks.len() as u64);
    for c in chunks {
        uleb(&mut m, c.len() as u64);
        m.extend(c);
    }
    m
}

//! Checks a sync message's shape before the `automerge` crate sees it, so that the work one message
//! can cause is bounded (issues 18 and 26).
//!
//! automerge 0.7 trusts the numbers a peer sends: a `have` bloom filter declaring 2³²−1 probes made it
//! allocate 17 GB (an abort `catch_unwind` cannot catch); 2·10⁷ probes held a worker for 7 s; zero
//! bits per entry is a remainder by zero; a compressed change chunk, or a document chunk's
//! compressed columns, were inflated with no limit (a 4 MiB message became 4 GiB). [`check`]
//! walks the message's encoding (the same format `automerge::sync::Message::decode` reads) and
//! refuses, with a reason that holds no document content:
//!
//! - more hashes in `heads`, `need` or one `have`'s `lastSync` than [`MAX_HASHES`];
//! - more `have` entries than [`MAX_HAVES`];
//! - a bloom filter whose bits per entry or probe count is outside `1..=`[`MAX_BLOOM_PARAM`], or
//!   whose bits are not all present;
//! - compressed data that inflates past [`MAX_INFLATED_BYTES`] in one message;
//! - chunks that declare more than [`MAX_OPS`] ops or changes in one message, counted from the
//!   run lengths of every column of change and document chunks (one entry per op or change: an
//!   automerge column is run-length encoded, so ten bytes can declare 2⁶⁰ entries) and from a
//!   document chunk's change metadata (`maxOp` minus the deps' `maxOp`: automerge allocates that
//!   many slots per change before it reads one op);
//! - a column this walk cannot decode, and bundle chunks (automerge 0.7's new format, which no
//!   automerge-repo client sends in a sync message).
//!
//! These were found in automerge 0.7.0; the server has built on 0.12 since (issue 25) and keeps
//! every check: the bounds are what real tablets send, whichever release merges them, and the fuzz
//! corpus and crashes (`tests/fuzz/`) are refused or merged under 0.12 as they were under 0.7.
//! 0.12 joins a message's `changes` entries before reading chunks from them (0.7 read each entry
//! alone), so the walk reads them joined too: a chunk cut across two entries is checked whole.
//!
//! Where the bounds come from (what real tablets send): every automerge version writes its bloom
//! filters with 10 bits per entry and 7 probes (constants in `sync/bloom.rs`, unchanged since the
//! format was made), so 32 leaves room for any tuning; a document's heads are its concurrent
//! branches (one per tablet that wrote while apart: a handful), and `need` lists changes the peer
//! is missing, bounded in practice by one round of a tablet's offline work — 4,096 hashes (128 KiB)
//! is far above both; automerge sends one `have` (or none). A message's changes inflate to at most
//! the document's whole history: five years of weekly visits is well under 1 MiB, so 32 MiB per
//! message is generous while keeping one message's memory to tens of MiB instead of gigabytes.
//! Ops: a contact is about fifteen ops plus one per character of its memo (the app writes strings
//! as automerge text), so ten years of weekly visits with long memos is about 10⁵ ops; 2²⁰ per
//! message is ten times that, and keeps what automerge allocates for one message to ~100 MiB.
//! Data this walk cannot read at the chunk level (a bad header, a truncated chunk) is left for
//! automerge to refuse: its parser fails there before it reads any op.

use std::borrow::Cow;
use std::io::Read;

/// Most hashes in one list (`heads`, `need`, a `have`'s `lastSync`).
pub const MAX_HASHES: u64 = 4096;
/// Most `have` entries in one message.
pub const MAX_HAVES: u64 = 8;
/// Largest bits-per-entry or probe count of a bloom filter (automerge writes 10 and 7).
pub const MAX_BLOOM_PARAM: u64 = 32;
/// Most bytes that one message's compressed data may inflate to, all chunks together.
pub const MAX_INFLATED_BYTES: u64 = 32 * 1024 * 1024;
/// Most ops (or changes, whichever a chunk declares more of) in one message, all chunks together.
pub const MAX_OPS: u64 = 1 << 20;

const MESSAGE_V1: u8 = 0x42;
const MESSAGE_V2: u8 = 0x43;
const CHUNK_MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const CHUNK_DOCUMENT: u8 = 0;
const CHUNK_CHANGE: u8 = 1;
const CHUNK_COMPRESSED: u8 = 2;
const CHUNK_BUNDLE: u8 = 3;
/// The deflate bit of a column specification.
const COLUMN_DEFLATE: u32 = 0b1000;

/// A column's type: the low three bits of its specification (automerge's `ColumnType`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum ColumnType {
    /// Run-length encoded unsigned integers: group sizes, actor indexes, integers.
    Unsigned,
    /// Run-length encoded signed deltas.
    Delta,
    Boolean,
    /// Run-length encoded strings.
    String,
    /// Raw bytes whose entries the value-metadata column counts.
    Raw,
}

impl ColumnType {
    fn of(spec: u32) -> Self {
        match spec & 0b111 {
            0..=2 | 6 => Self::Unsigned,
            3 => Self::Delta,
            4 => Self::Boolean,
            5 => Self::String,
            _ => Self::Raw,
        }
    }
}

/// Whether a column holds actor indexes (automerge's `ColumnType::Actor`).
fn is_actor_column(spec: u32) -> bool {
    spec & 0b111 == 1
}

/// Every actor index in the chunk's actor columns names one of its `actors` (automerge decodes a
/// change by looking each index up and panics on one past its table).
fn actors_in_range(columns: &[Column<'_>], actors: u64, limit: u64) -> Result<(), Refusal> {
    for (_, data) in columns.iter().filter(|(spec, _)| is_actor_column(*spec)) {
        let mut unknown = false;
        rle_runs(data, ColumnType::Unsigned, limit, |_, v| {
            unknown |= v.is_some_and(|v| v >= i128::from(actors));
        })
        .map_err(|_| Refusal::BadColumn)?;
        if unknown {
            return Err(Refusal::UnknownActor);
        }
    }
    Ok(())
}

/// A document chunk's change-metadata columns that decide how many ops automerge expects:
/// `maxOp` (id 1, delta), the number of deps (id 4, group) and the deps' indexes (id 4, delta).
const MAX_OP_SPEC: u32 = (1 << 4) | 3;
const DEPS_GROUP_SPEC: u32 = 4 << 4;
const DEPS_INDEX_SPEC: u32 = (4 << 4) | 3;

/// Why a message was refused (no document content: field names and numbers only).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("not a sync message")]
    NotASyncMessage,
    #[error("truncated sync message")]
    Truncated,
    #[error("{0} lists more than {MAX_HASHES} hashes")]
    TooManyHashes(&'static str),
    #[error("more than {MAX_HAVES} have entries")]
    TooManyHaves,
    #[error("bloom filter parameters out of bounds")]
    BloomParameters,
    #[error("compressed changes inflate past {MAX_INFLATED_BYTES} bytes")]
    InflatesTooMuch,
    #[error("compressed data is corrupt")]
    BadCompression,
    #[error("changes declare more than {MAX_OPS} ops")]
    TooManyOps,
    #[error("a change column cannot be decoded")]
    BadColumn,
    #[error("bundle chunks are not accepted in a sync message")]
    Bundle,
    #[error("a change names an actor it does not list")]
    UnknownActor,
}

struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    fn uleb(&mut self) -> Result<u64, Refusal> {
        let mut value: u64 = 0;
        for (i, byte) in self.data.iter().enumerate().take(10) {
            let bits = u64::from(byte & 0x7f);
            if i == 9 && bits > 1 {
                return Err(Refusal::NotASyncMessage);
            }
            value |= bits << (7 * i);
            if byte & 0x80 == 0 {
                self.data = &self.data[i + 1..];
                return Ok(value);
            }
        }
        Err(Refusal::Truncated)
    }

    fn sleb(&mut self) -> Result<i64, Refusal> {
        let mut value: i64 = 0;
        for (i, byte) in self.data.iter().enumerate().take(10) {
            let bits = i64::from(byte & 0x7f);
            // The tenth byte holds the sign bit only: 0x00 or 0x7f.
            if i == 9 && bits != 0 && bits != 0x7f {
                return Err(Refusal::NotASyncMessage);
            }
            value |= bits << (7 * i);
            if byte & 0x80 == 0 {
                if i < 9 && bits & 0x40 != 0 {
                    value |= -1i64 << (7 * (i + 1));
                }
                self.data = &self.data[i + 1..];
                return Ok(value);
            }
        }
        Err(Refusal::Truncated)
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], Refusal> {
        let n = usize::try_from(n).map_err(|_| Refusal::Truncated)?;
        if n > self.data.len() {
            return Err(Refusal::Truncated);
        }
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        Ok(head)
    }

    fn hashes(&mut self, what: &'static str) -> Result<(), Refusal> {
        let n = self.uleb()?;
        if n > MAX_HASHES {
            return Err(Refusal::TooManyHashes(what));
        }
        self.take(n * 32).map(|_| ())
    }

    fn bytes(&mut self) -> Result<&'a [u8], Refusal> {
        let n = self.uleb()?;
        self.take(n)
    }
}

/// What one message may still cost: bytes inflated and ops declared.
struct Budget {
    inflated: u64,
    ops: u64,
}

impl Budget {
    /// Inflates compressed data, refusing once it passes the message's remaining byte budget.
    fn inflate(&mut self, compressed: &[u8]) -> Result<Vec<u8>, Refusal> {
        let decoder = flate2::bufread::DeflateDecoder::new(compressed);
        // One byte past the budget is enough to know it is exceeded.
        let mut out = Vec::new();
        decoder
            .take(self.inflated + 1)
            .read_to_end(&mut out)
            .map_err(|_| Refusal::BadCompression)?;
        let n = out.len() as u64;
        if n > self.inflated {
            return Err(Refusal::InflatesTooMuch);
        }
        self.inflated -= n;
        Ok(out)
    }

    /// Spends `n` ops of the message's budget.
    fn spend_ops(&mut self, n: u64) -> Result<(), Refusal> {
        self.ops = self.ops.checked_sub(n).ok_or(Refusal::TooManyOps)?;
        Ok(())
    }
}

/// Walks a run-length encoded column (automerge's RLE: a signed count n, then one value repeated n
/// times if n > 0, −n literal values if n < 0, or an unsigned count of nulls if n = 0), calling
/// `run(count, value)` per run (a literal is a run of one). Refuses once the entries pass `limit`,
/// before the caller sees the run that passes it. Work is linear in the column's bytes.
fn rle_runs(
    data: &[u8],
    kind: ColumnType,
    limit: u64,
    mut run: impl FnMut(u64, Option<i128>),
) -> Result<u64, Refusal> {
    let mut r = Reader { data };
    let mut entries: u64 = 0;
    let count = |entries: &mut u64, n: u64| -> Result<(), Refusal> {
        *entries = entries.checked_add(n).ok_or(Refusal::TooManyOps)?;
        if *entries > limit {
            return Err(Refusal::TooManyOps);
        }
        Ok(())
    };
    let value = |r: &mut Reader<'_>| -> Result<Option<i128>, Refusal> {
        Ok(match kind {
            ColumnType::Unsigned => Some(i128::from(r.uleb()?)),
            ColumnType::Delta => Some(i128::from(r.sleb()?)),
            _ => {
                r.bytes()?;
                None
            }
        })
    };
    while !r.data.is_empty() {
        let n = r.sleb()?;
        if n > 0 {
            let n = n.unsigned_abs();
            count(&mut entries, n)?;
            let v = value(&mut r)?;
            run(n, v);
        } else if n < 0 {
            for _ in 0..n.unsigned_abs() {
                if r.data.is_empty() {
                    return Err(Refusal::Truncated);
                }
                count(&mut entries, 1)?;
                let v = value(&mut r)?;
                run(1, v);
            }
        } else {
            let nulls = r.uleb()?;
            count(&mut entries, nulls)?;
            run(nulls, None);
        }
    }
    Ok(entries)
}

/// How many entries a column holds, refusing past `limit` or a column it cannot decode.
fn entries(spec: u32, data: &[u8], limit: u64) -> Result<u64, Refusal> {
    let counted = match ColumnType::of(spec) {
        ColumnType::Raw => return Ok(0),
        ColumnType::Boolean => {
            // Alternating run lengths of false and true.
            let mut r = Reader { data };
            let mut total: u64 = 0;
            while !r.data.is_empty() {
                total = total.checked_add(r.uleb()?).ok_or(Refusal::TooManyOps)?;
                if total > limit {
                    return Err(Refusal::TooManyOps);
                }
            }
            Ok(total)
        }
        kind => rle_runs(data, kind, limit, |_, _| {}),
    };
    counted.map_err(|e| match e {
        Refusal::TooManyOps => Refusal::TooManyOps,
        _ => Refusal::BadColumn,
    })
}

/// The integer values of a run-length encoded column (deltas summed for a delta column); the
/// caller has already bounded its entries. A null is −1, which no count or index can be.
fn values(spec: u32, data: &[u8], limit: u64) -> Result<Vec<i128>, Refusal> {
    let kind = ColumnType::of(spec);
    let mut out = Vec::new();
    let mut last: i128 = 0;
    rle_runs(data, kind, limit, |n, v| {
        for _ in 0..n {
            out.push(match (kind, v) {
                (ColumnType::Delta, Some(d)) => {
                    last += d;
                    last
                }
                (_, Some(v)) => v,
                (_, None) => -1,
            });
        }
    })
    .map_err(|_| Refusal::BadColumn)?;
    Ok(out)
}

/// The column specifications and lengths of a chunk's column metadata.
fn columns(r: &mut Reader<'_>) -> Result<Vec<(u32, u64)>, Refusal> {
    let n = r.uleb()?;
    let mut out = Vec::new();
    for _ in 0..n {
        // Each column takes at least two bytes: a count past the input is a truncated message.
        if r.data.len() < 2 {
            return Err(Refusal::Truncated);
        }
        let spec = u32::try_from(r.uleb()?).map_err(|_| Refusal::NotASyncMessage)?;
        out.push((spec, r.uleb()?));
    }
    Ok(out)
}

/// A column's specification (deflate bit cleared) and its data, inflated where it was deflated.
type Column<'a> = (u32, Cow<'a, [u8]>);

/// Reads the columns' data (inflating deflated ones under the budget) and charges the most
/// entries any of them holds: a chunk's ops (or changes) cannot outnumber its longest column.
fn read_columns<'a>(
    r: &mut Reader<'a>,
    specs: &[(u32, u64)],
    budget: &mut Budget,
) -> Result<Vec<Column<'a>>, Refusal> {
    let mut out = Vec::with_capacity(specs.len());
    for &(spec, len) in specs {
        let raw = r.take(len)?;
        // Only deflated columns are copied (inflated); the others are read where they lie.
        let data = if spec & COLUMN_DEFLATE != 0 {
            Cow::Owned(budget.inflate(raw)?)
        } else {
            Cow::Borrowed(raw)
        };
        out.push((spec & !COLUMN_DEFLATE, data));
    }
    let mut most = 0;
    for (spec, data) in &out {
        most = most.max(entries(*spec, data, budget.ops)?);
    }
    budget.spend_ops(most)?;
    Ok(out)
}

/// The ops a document chunk's change metadata makes automerge expect: for each change, its
/// `maxOp` minus the largest `maxOp` among its deps (automerge allocates that many slots).
fn declared_ops(changes: &[Column<'_>], limit: u64) -> Result<u64, Refusal> {
    let column = |want: u32| {
        changes
            .iter()
            .find(|(spec, _)| *spec == want)
            .map(|(spec, data)| values(*spec, data, limit))
            .unwrap_or(Ok(Vec::new()))
    };
    let max_op = column(MAX_OP_SPEC)?;
    let groups = column(DEPS_GROUP_SPEC)?;
    let indexes = column(DEPS_INDEX_SPEC)?;
    let mut deps = indexes.iter();
    let mut total: u64 = 0;
    for (i, &max) in max_op.iter().enumerate() {
        let n = groups.get(i).copied().unwrap_or(0).max(0);
        let mut start: i128 = 1;
        for _ in 0..n {
            let dep = *deps.next().ok_or(Refusal::BadColumn)?;
            let dep_max = usize::try_from(dep)
                .ok()
                .and_then(|d| max_op.get(d))
                .ok_or(Refusal::BadColumn)?;
            start = start.max(dep_max + 1);
        }
        let ops = u64::try_from((max + 1 - start).max(0)).map_err(|_| Refusal::TooManyOps)?;
        total = total.checked_add(ops).ok_or(Refusal::TooManyOps)?;
        if total > limit {
            return Err(Refusal::TooManyOps);
        }
    }
    Ok(total)
}

/// A document chunk's body: its columns are inflated and counted, and the ops its change
/// metadata declares are charged too.
fn check_document(body: &[u8], budget: &mut Budget) -> Result<(), Refusal> {
    let mut r = Reader { data: body };
    let actors = r.uleb()?;
    for _ in 0..actors {
        r.bytes()?;
    }
    r.hashes("document heads")?;
    let change_specs = columns(&mut r)?;
    let op_specs = columns(&mut r)?;
    let changes = read_columns(&mut r, &change_specs, budget)?;
    let ops = declared_ops(&changes, budget.ops)?;
    budget.spend_ops(ops)?;
    let op_columns = read_columns(&mut r, &op_specs, budget)?;
    actors_in_range(&changes, actors, budget.ops)?;
    actors_in_range(&op_columns, actors, budget.ops)
}

/// A change chunk's body (after the chunk header): its op columns are counted.
fn check_change(body: &[u8], budget: &mut Budget) -> Result<(), Refusal> {
    let mut r = Reader { data: body };
    r.hashes("change deps")?;
    r.bytes()?; // actor
    r.uleb()?; // seq
    r.uleb()?; // start op
    r.sleb()?; // time
    r.bytes()?; // message
    let others = r.uleb()?;
    for _ in 0..others {
        r.bytes()?;
    }
    let specs = columns(&mut r)?;
    let columns = read_columns(&mut r, &specs, budget)?;
    // Index 0 is the change's own actor, then the others it lists.
    actors_in_range(&columns, others.saturating_add(1), budget.ops)
}

/// The chunks in a message's `changes`, joined as automerge joins them before loading them as a
/// sequence of chunks, each checked against the message's budget.
fn check_chunks(mut data: &[u8], budget: &mut Budget) -> Result<(), Refusal> {
    while data.len() >= 9 && data[..4] == CHUNK_MAGIC {
        let chunk_type = data[8];
        let mut r = Reader { data: &data[9..] };
        let Ok(len) = r.uleb() else { return Ok(()) };
        let Ok(body) = r.take(len) else { return Ok(()) };
        let checked = match chunk_type {
            CHUNK_CHANGE => check_change(body, budget),
            CHUNK_COMPRESSED => {
                let inflated = budget.inflate(body)?;
                check_change(&inflated, budget)
            }
            CHUNK_DOCUMENT => check_document(body, budget),
            CHUNK_BUNDLE => return Err(Refusal::Bundle),
            _ => Ok(()),
        };
        match checked {
            // A chunk whose header or layout this walk cannot read is automerge's to refuse: its
            // parser fails there too, before it reads any op.
            Err(Refusal::Truncated | Refusal::NotASyncMessage) => {}
            other => other?,
        }
        data = r.data;
    }
    Ok(())
}

/// Checks one sync message (the `data` of a `sync` or `request` frame) against the bounds above.
pub fn check(message: &[u8]) -> Result<(), Refusal> {
    let mut r = Reader { data: message };
    match r.take(1)? {
        [MESSAGE_V1] | [MESSAGE_V2] => {}
        _ => return Err(Refusal::NotASyncMessage),
    }
    r.hashes("heads")?;
    r.hashes("need")?;
    let haves = r.uleb()?;
    if haves > MAX_HAVES {
        return Err(Refusal::TooManyHaves);
    }
    for _ in 0..haves {
        r.hashes("lastSync")?;
        let bloom = r.bytes()?;
        if !bloom.is_empty() {
            let mut b = Reader { data: bloom };
            let entries = b.uleb()?;
            let bits_per_entry = b.uleb()?;
            let probes = b.uleb()?;
            let params = 1..=MAX_BLOOM_PARAM;
            if entries > u64::from(u32::MAX)
                || !params.contains(&bits_per_entry)
                || !params.contains(&probes)
            {
                return Err(Refusal::BloomParameters);
            }
            // automerge reads ceil(entries × bits / 8) bytes of bits.
            if (entries * bits_per_entry).div_ceil(8) > b.data.len() as u64 {
                return Err(Refusal::BloomParameters);
            }
        }
    }
    let changes = r.uleb()?;
    let mut budget = Budget {
        inflated: MAX_INFLATED_BYTES,
        ops: MAX_OPS,
    };
    // automerge (0.12) joins the entries and reads chunks from the whole: a chunk may begin in one
    // entry and end in the next, so the walk reads them joined as well.
    let mut joined = Vec::new();
    for _ in 0..changes {
        joined.extend_from_slice(r.bytes()?);
    }
    check_chunks(&joined, &mut budget)
}

/// The hand-made chunks of the integration tests, so that both send the same bytes.
#[cfg(test)]
#[path = "../../../tests/support/chunks.rs"]
mod test_chunks;

#[cfg(test)]
mod tests {
    use super::test_chunks as chunks;
    use super::*;
    use automerge::sync::{self, SyncDoc};
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType, ROOT};
    use chunks::{message_with as with_changes, uleb};

    /// Sends `from`'s next sync message, if any, to `to` through [`check`]; whether one was sent.
    fn pass(
        from: &mut AutoCommit,
        from_state: &mut sync::State,
        to: &mut AutoCommit,
        to_state: &mut sync::State,
    ) -> bool {
        let Some(m) = from.sync().generate_sync_message(from_state) else {
            return false;
        };
        let bytes = m.encode();
        check(&bytes).expect("a real message passes");
        to.sync()
            .receive_sync_message(to_state, sync::Message::decode(&bytes).unwrap())
            .unwrap();
        true
    }

    /// A message with one `have` whose bloom filter says what the caller wants.
    fn with_bloom(entries: u64, bits: u64, probes: u64, bit_bytes: usize) -> Vec<u8> {
        let mut bloom = Vec::new();
        uleb(&mut bloom, entries);
        uleb(&mut bloom, bits);
        uleb(&mut bloom, probes);
        bloom.extend(std::iter::repeat_n(0xff, bit_bytes));
        let mut m = vec![MESSAGE_V1, 0, 0, 1, 0];
        uleb(&mut m, bloom.len() as u64);
        m.extend(bloom);
        m.push(0); // no changes
        m
    }

    #[test]
    fn real_messages_pass() {
        let mut a = AutoCommit::new();
        for i in 0..300 {
            a.put(ROOT, format!("k{i}"), "x".repeat(400)).unwrap();
            a.commit();
        }
        // A memo as the app writes it (automerge text: an op per character), typed and corrected.
        let memo = a.put_object(ROOT, "memo", ObjType::Text).unwrap();
        for _ in 0..20 {
            a.splice_text(&memo, 0, 0, &"郵便受けに新聞".repeat(100))
                .unwrap();
            a.splice_text(&memo, 10, 300, "").unwrap();
            a.commit();
        }
        let mut b = AutoCommit::new();
        let (mut sa, mut sb) = (sync::State::new(), sync::State::new());
        let mut rounds = 0;
        loop {
            let a_sent = pass(&mut a, &mut sa, &mut b, &mut sb);
            let b_sent = pass(&mut b, &mut sb, &mut a, &mut sa);
            let moved = a_sent || b_sent;
            rounds += 1;
            if !moved || rounds > 10 {
                break;
            }
        }
        assert_eq!(a.get_heads(), b.get_heads());
        // A whole saved document as one chunk (what a V2 message carries), compressed columns
        // included, passes too.
        check(&with_changes(&[a.save()])).expect("a saved document passes");
    }

    #[test]
    fn bloom_filters_outside_real_parameters_are_refused() {
        assert_eq!(check(&with_bloom(4, 10, 7, 5)), Ok(()));
        for (bits, probes) in [
            (10, u32::MAX as u64),
            (10, 20_000_000),
            (0, 7),
            (10, 0),
            (33, 7),
        ] {
            assert_eq!(
                check(&with_bloom(4, bits, probes, 5 * 33)),
                Err(Refusal::BloomParameters),
                "bits {bits}, probes {probes}"
            );
        }
        // Bits declared but not sent.
        assert_eq!(
            check(&with_bloom(1000, 10, 7, 3)),
            Err(Refusal::BloomParameters)
        );
    }

    #[test]
    fn counts_past_the_bounds_are_refused_before_reading_them() {
        let mut m = vec![MESSAGE_V1];
        uleb(&mut m, MAX_HASHES + 1);
        assert_eq!(check(&m), Err(Refusal::TooManyHashes("heads")));
        let mut m = vec![MESSAGE_V1, 0, 0];
        uleb(&mut m, u64::MAX);
        assert_eq!(check(&m), Err(Refusal::TooManyHaves));
        assert_eq!(check(b"\x99"), Err(Refusal::NotASyncMessage));
        assert_eq!(check(&[MESSAGE_V1, 5]), Err(Refusal::Truncated));
    }

    #[test]
    fn compressed_chunks_are_inflated_only_up_to_the_budget() {
        let small = chunks::zeros_compressed(1 << 20);
        assert_eq!(check(&with_changes(std::slice::from_ref(&small))), Ok(()));
        let bomb = chunks::zeros_compressed(64 << 20);
        assert!(
            bomb.len() < 100 * 1024,
            "a bomb is small: {} bytes",
            bomb.len()
        );
        assert_eq!(check(&with_changes(&[bomb])), Err(Refusal::InflatesTooMuch));
        // The budget is per message, not per chunk.
        let many: Vec<Vec<u8>> = (0..40).map(|_| small.clone()).collect();
        assert_eq!(check(&with_changes(&many)), Err(Refusal::InflatesTooMuch));
        // Corrupt deflate data (a reserved block type) is refused.
        let mut bad = CHUNK_MAGIC.to_vec();
        bad.extend([0, 0, 0, 0, CHUNK_COMPRESSED, 16]);
        bad.extend([0xff; 16]);
        assert_eq!(check(&with_changes(&[bad])), Err(Refusal::BadCompression));
    }

    /// automerge 0.12 joins a message's `changes` before reading chunks from them: a chunk cut
    /// across two entries is one chunk to it, and must be one to the check (found by review after
    /// the upgrade: each entry alone was a cut chunk, passed on unread).
    #[test]
    fn a_chunk_split_across_entries_is_checked_whole() {
        let split =
            |chunk: &[u8], at: usize| with_changes(&[chunk[..at].to_vec(), chunk[at..].to_vec()]);
        let bomb = chunks::zeros_compressed(64 << 20);
        for at in [5, 9, 10, bomb.len() / 2] {
            assert_eq!(
                check(&split(&bomb, at)),
                Err(Refusal::InflatesTooMuch),
                "cut at {at}"
            );
        }
        let declaring = chunks::document_declaring(1 << 40);
        assert_eq!(check(&split(&declaring, 9)), Err(Refusal::TooManyOps));
        // Whole chunks, one per entry, as clients send them, are unchanged.
        let small = chunks::zeros_compressed(1 << 10);
        assert_eq!(check(&with_changes(&[small.clone(), small])), Ok(()));
    }

    #[test]
    fn ops_declared_past_the_budget_are_refused() {
        // A document chunk whose one change declares 2⁴⁰ ops (automerge 0.7 allocated a slot for
        // each: the process aborted) and a change chunk whose op columns are single runs of 2⁴⁰.
        for (what, hostile, fine) in [
            (
                "document maxOp",
                chunks::document_declaring(1 << 40),
                chunks::document_declaring(1000),
            ),
            (
                "change op runs",
                chunks::change_declaring(1 << 40),
                chunks::change_declaring(1000),
            ),
        ] {
            assert!(hostile.len() < 200, "{what}: {} bytes", hostile.len());
            assert_eq!(
                check(&with_changes(&[hostile])),
                Err(Refusal::TooManyOps),
                "{what}"
            );
            assert_eq!(check(&with_changes(&[fine])), Ok(()), "{what}");
        }
        // The budget is per message: many chunks each under it add up.
        let many: Vec<Vec<u8>> = (0..2)
            .map(|_| chunks::change_declaring(MAX_OPS / 2 + 1))
            .collect();
        assert_eq!(check(&with_changes(&many)), Err(Refusal::TooManyOps));
        // Inside a compressed chunk too.
        let inner = chunks::change_declaring(1 << 40);
        let compressed = chunks::compressed(|w| w.write_all(&inner[9 + 1..]).unwrap());
        assert_eq!(
            check(&with_changes(&[compressed])),
            Err(Refusal::TooManyOps)
        );
        // A column that cannot be decoded (a run with its value cut off) is refused, not passed on.
        // deps, actor, seq, start op, time, message, other actors; one action column whose one
        // run (of five) has no value.
        let cut = chunks::chunk(CHUNK_CHANGE, &[0, 0, 1, 1, 0, 0, 0, 1, 0x42, 1, 0x05]);
        assert_eq!(check(&with_changes(&[cut])), Err(Refusal::BadColumn));
        // Bundles are not part of the sync protocol any client speaks.
        assert_eq!(
            check(&with_changes(&[chunks::chunk(CHUNK_BUNDLE, &[0; 8])])),
            Err(Refusal::Bundle)
        );
    }

    /// The walk reads a real document's columns as automerge wrote them: the ops its change
    /// metadata declares are exactly the ops of its changes (branches, merges, text and deletions
    /// included, deflated columns inflated).
    #[test]
    fn the_ops_a_real_document_declares_are_counted_exactly() {
        let mut a = AutoCommit::new();
        let memo = a.put_object(ROOT, "memo", ObjType::Text).unwrap();
        a.commit();
        let mut b = a.fork();
        for round in 0..30 {
            a.splice_text(&memo, 0, 0, &"雪かき".repeat(50)).unwrap();
            a.put(ROOT, format!("a{round}"), round).unwrap();
            a.commit();
            b.splice_text(&memo, 0, 5, "済み").unwrap();
            b.commit();
            if round % 7 == 0 {
                a.merge(&mut b).unwrap();
                b.merge(&mut a).unwrap();
            }
        }
        a.merge(&mut b).unwrap();
        let changes = a.get_changes(&[]);
        let ops: u64 = changes.iter().map(|c| c.len() as u64).sum();
        let saved = a.save();
        assert_eq!(saved[8], CHUNK_DOCUMENT);
        let mut r = Reader { data: &saved[9..] };
        let body = r.bytes().unwrap();
        let mut r = Reader { data: body };
        for _ in 0..r.uleb().unwrap() {
            r.bytes().unwrap();
        }
        r.hashes("heads").unwrap();
        let change_specs = columns(&mut r).unwrap();
        let op_specs = columns(&mut r).unwrap();
        assert!(
            change_specs
                .iter()
                .chain(&op_specs)
                .any(|(spec, _)| spec & COLUMN_DEFLATE != 0),
            "a document this size has deflated columns"
        );
        let mut budget = Budget {
            inflated: MAX_INFLATED_BYTES,
            ops: MAX_OPS,
        };
        let change_columns = read_columns(&mut r, &change_specs, &mut budget).unwrap();
        // A row per change; the deps column has a row per dependency (two at a merge).
        let rows = MAX_OPS - budget.ops;
        let n = changes.len() as u64;
        assert!(rows >= n && rows < 2 * n, "{rows} rows for {n} changes");
        assert_eq!(declared_ops(&change_columns, MAX_OPS), Ok(ops));
        let before = budget.ops;
        read_columns(&mut r, &op_specs, &mut budget).unwrap();
        let rows = before - budget.ops;
        assert!(rows > 0 && rows <= ops, "{rows} op rows of {ops} ops");
    }
}

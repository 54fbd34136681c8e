//! The class list: every accepted member id (to validate references from the other files), and the
//! full facts of the members some claim may resolve to.
//!
//! A defendant's class list runs to millions of members while claims name a small fraction of
//! them. When the engine knows the claims first, it passes their member ids and emails as the
//! [`Interest`], and only those members keep their name, email, subscriptions and evidence
//! summary; every other member costs one hash-table entry.

use std::cell::RefCell;
use std::hash::BuildHasher;

use hashbrown::hash_table::{Entry, HashTable};

use crate::hashing::Set;

use crate::ingest::{Known, KnownMembers};
use crate::model::{normalise, Member};
use crate::rules::{ClassList, EmailMatch, MemberFacts};

mod flat;
pub(crate) use flat::{FlatIds, FlatTable, Homes, Key, Near};

/// Which members' facts to keep.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Interest {
    /// Member ids as claims and cures give them.
    pub(crate) member_ids: Set<String>,
    /// Normalised emails claims and cures give.
    pub(crate) emails: Set<String>,
}

impl Interest {
    /// Notes a claimant's member id and email.
    pub(crate) fn add(&mut self, member_id: Option<&str>, email: Option<&str>) {
        if let Some(id) = member_id {
            self.member_ids.insert(id.to_string());
        }
        if let Some(email) = email.map(normalise).filter(|e| !e.is_empty()) {
            self.emails.insert(email);
        }
    }
}

/// A blocked Bloom filter: a set of keys that answers "maybe" or "certainly not" from one 64-bit
/// word. The interest of a large case holds a million ids and emails; checking ten million
/// members against its hash sets directly costs a memory access or two each, most of them for
/// members it does not name. At a byte per key the filter stays in the processor's cache.
#[derive(Debug, Clone, Default)]
struct Prefilter {
    /// A key sets three bits in one word.
    words: Vec<u64>,
}

impl Prefilter {
    /// About 8 bits per key: a false "maybe" for a few keys in a hundred.
    fn with_capacity(keys: usize) -> Self {
        Prefilter {
            words: vec![0; keys.div_ceil(8)],
        }
    }

    /// The word and the bits of a key.
    fn probe(&self, key: &[u8]) -> (usize, u64) {
        let hash = hash_id(key);
        // The high half picks the word (by multiplication, not division); the low half the bits.
        let word = ((hash >> 32) * self.words.len() as u64) >> 32;
        let bits =
            (1u64 << (hash & 63)) | (1u64 << ((hash >> 6) & 63)) | (1u64 << ((hash >> 12) & 63));
        (word as usize, bits)
    }

    fn insert(&mut self, key: &[u8]) {
        if self.words.is_empty() {
            return;
        }
        let (word, bits) = self.probe(key);
        self.words[word] |= bits;
    }

    /// False only for a key never inserted.
    fn may_contain(&self, key: &[u8]) -> bool {
        if self.words.is_empty() {
            return false;
        }
        let (word, bits) = self.probe(key);
        self.words[word] & bits == bits
    }
}

const NOT_KEPT: u32 = u32::MAX;

/// The hash of a member id, by which the class list files and finds it.
pub(crate) fn hash_id(member_id: &[u8]) -> u64 {
    foldhash::fast::FixedState::default().hash_one(member_id)
}

/// Member rows' ids stored end to end in one buffer, the accepted ones found through hash tables
/// of their positions: a few dozen bytes a member, and no allocation of its own.
///
/// The tables are split by the top bits of the hash into [`BUCKETS`] small ones. Listing millions
/// of rows at once (see [`ClassRecords::list_rows`]) then fills one small table at a time, which
/// stays in the processor's cache, and shares the tables among threads.
#[derive(Clone)]
struct MemberIds {
    bytes: Vec<u8>,
    /// Row `i`'s id is `bytes[ends[i - 1]..ends[i]]` (from 0 for the first).
    ends: Vec<usize>,
    /// Line of each row (for the duplicate message).
    lines: Vec<u64>,
    /// Index of each row's facts, `NOT_KEPT`, or `NOT_LISTED` for a row that is not a member
    /// (rejected, or a later row of an id).
    facts: Vec<u32>,
    /// Positions of the accepted rows, by hash: table `bucket(hash)`.
    tables: Vec<HashTable<usize>>,
    /// Rows accepted.
    accepted: usize,
}

/// Number of tables the ids are split into.
const BUCKETS: usize = 256;

/// The table of a hash: bits that the tables themselves do not use (they take the place from
/// the low bits and a tag from the top seven, which must differ among the ids of one table).
fn bucket(hash: u64) -> usize {
    ((hash >> 40) & 0xff) as usize
}

/// Facts index of a row that is not in the class list.
const NOT_LISTED: u32 = u32::MAX - 1;

impl Default for MemberIds {
    fn default() -> Self {
        MemberIds {
            bytes: Vec::new(),
            ends: Vec::new(),
            lines: Vec::new(),
            facts: Vec::new(),
            tables: (0..BUCKETS).map(|_| HashTable::new()).collect(),
            accepted: 0,
        }
    }
}

impl std::fmt::Debug for MemberIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemberIds")
            .field("rows", &self.ends.len())
            .field("accepted", &self.accepted)
            .finish_non_exhaustive()
    }
}

fn id_at<'a>(bytes: &'a [u8], ends: &[usize], i: usize) -> &'a [u8] {
    let start = if i == 0 { 0 } else { ends[i - 1] };
    &bytes[start..ends[i]]
}

/// What a row does to the class list when listed in bulk.
#[derive(Debug)]
pub(crate) enum RowKind {
    /// An accepted member whose facts are not kept.
    Listed,
    /// An accepted member whose facts are kept.
    Kept(Member),
    /// A rejected row with an id: only looked up (for the message).
    Rejected,
}

/// A [`RowKind`] once its member, if any, has gone into the batch's facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Listed,
    Kept,
    Rejected,
}

/// What [`ClassRecords::list_rows`] found.
#[derive(Debug)]
pub(crate) struct Listing {
    /// The batch's first row among all rows listed.
    pub(crate) first_row: usize,
    /// For each row of the batch, the line of an earlier accepted row with the same id.
    pub(crate) earlier: Vec<Option<u64>>,
}

/// Facts in one piece of a [`RowBatch`] at most: a few megabytes, so that a class of millions
/// is held in a few hundred pieces.
const FACTS_PIECE: usize = 8192;

/// Member rows to list at once, in file order (see [`ClassRecords::list_rows`]).
#[derive(Debug, Default)]
pub(crate) struct RowBatch {
    /// The rows' ids, end to end.
    ids: Vec<u8>,
    /// Where each row's id ends in `ids`.
    ends: Vec<usize>,
    /// Each id's [`hash_id`].
    hashes: Vec<u64>,
    /// Each row's line.
    lines: Vec<u64>,
    /// Each row's kind.
    kinds: Vec<Role>,
    /// The facts of the rows of kind [`RowKind::Kept`], in order, in the pieces the reading
    /// threads made them in (in parallel); the class list takes the pieces as they are when it
    /// can take them all (see [`ClassRecords::list_rows`]).
    kept: Vec<Vec<MemberFacts>>,
}

impl RowBatch {
    /// Adds a row; `hash` must be the id's [`hash_id`] (computed ahead, by a reading thread).
    pub(crate) fn push(&mut self, id: &[u8], hash: u64, line: u64, kind: RowKind) {
        debug_assert_eq!(hash, hash_id(id));
        self.ids.extend_from_slice(id);
        self.ends.push(self.ids.len());
        self.hashes.push(hash);
        self.lines.push(line);
        self.kinds.push(match kind {
            RowKind::Listed => Role::Listed,
            RowKind::Kept(member) => {
                // Pieces of a fixed size, never grown: growing one vector of hundreds of
                // megabytes would copy it over and over.
                if self
                    .kept
                    .last()
                    .is_none_or(|piece| piece.len() == FACTS_PIECE)
                {
                    self.kept.push(Vec::with_capacity(FACTS_PIECE));
                }
                if let Some(piece) = self.kept.last_mut() {
                    piece.push(MemberFacts::new(member));
                }
                Role::Kept
            }
            RowKind::Rejected => Role::Rejected,
        });
    }

    /// Adds the rows of `other`, their lines moved on by `lines`.
    pub(crate) fn append(&mut self, mut other: RowBatch, lines: u64) {
        let first = self.len();
        let other_kept = std::mem::take(&mut other.kept);
        if first == 0 {
            // The first part: its buffers become the batch's.
            *self = other;
        } else {
            let base = self.ids.len();
            self.ids.extend_from_slice(&other.ids);
            self.ends.extend(other.ends.iter().map(|&e| base + e));
            self.hashes.extend_from_slice(&other.hashes);
            self.lines.extend_from_slice(&other.lines);
            self.kinds.extend(other.kinds);
        }
        // The facts stay in their pieces.
        self.kept.extend(other_kept);
        for line in &mut self.lines[first..] {
            *line += lines;
        }
    }

    /// Rows so far.
    pub(crate) fn len(&self) -> usize {
        self.kinds.len()
    }
}

impl MemberIds {
    fn id(&self, i: usize) -> &[u8] {
        id_at(&self.bytes, &self.ends, i)
    }

    fn position(&self, id: &[u8], hash: u64) -> Option<usize> {
        self.tables[bucket(hash)]
            .find(hash, |&i| self.id(i) == id)
            .copied()
    }

    /// Adds an accepted row; `Err` with the position of the same id if it is already there.
    fn insert(&mut self, id: &[u8], hash: u64, line: u64, facts: u32) -> Result<usize, usize> {
        let MemberIds {
            bytes,
            ends,
            lines,
            facts: all_facts,
            tables,
            accepted,
        } = self;
        let entry = tables[bucket(hash)].entry(
            hash,
            |&i| id_at(bytes, ends, i) == id,
            |&i| hash_id(id_at(bytes, ends, i)),
        );
        match entry {
            Entry::Occupied(earlier) => Err(*earlier.get()),
            Entry::Vacant(slot) => {
                let i = ends.len();
                bytes.extend_from_slice(id);
                ends.push(bytes.len());
                lines.push(line);
                all_facts.push(facts);
                slot.insert(i);
                *accepted += 1;
                Ok(i)
            }
        }
    }

    /// Whether row `i` is an accepted member.
    fn is_member(&self, i: usize) -> bool {
        self.facts.get(i).is_some_and(|&f| f != NOT_LISTED)
    }

    fn len(&self) -> usize {
        self.accepted
    }

    fn rows(&self) -> usize {
        self.ends.len()
    }
}

/// Member facts by index, in the order they were kept, held in the pieces the reading threads
/// made them in: the facts of a class of millions (hundreds of megabytes) are never copied into
/// one vector. A look-up finds its piece among a few by binary search.
#[derive(Debug, Clone, Default)]
struct Facts {
    /// The pieces, in order, none empty.
    pieces: Vec<Vec<MemberFacts>>,
    /// The index of the first facts of each piece.
    starts: Vec<usize>,
    /// Facts in all pieces.
    len: usize,
}

impl Facts {
    fn len(&self) -> usize {
        self.len
    }

    /// The piece holding `index`, and the position in it.
    #[inline]
    fn locate(&self, index: usize) -> Option<(usize, usize)> {
        let piece = self
            .starts
            .partition_point(|&start| start <= index)
            .checked_sub(1)?;
        Some((piece, index - self.starts[piece]))
    }

    fn get(&self, index: usize) -> Option<&MemberFacts> {
        let (piece, at) = self.locate(index)?;
        self.pieces[piece].get(at)
    }

    fn get_mut(&mut self, index: usize) -> Option<&mut MemberFacts> {
        let (piece, at) = self.locate(index)?;
        self.pieces[piece].get_mut(at)
    }

    /// Adds facts at the end (at index `len()`).
    fn push(&mut self, facts: MemberFacts) {
        if self.pieces.is_empty() {
            self.starts.push(0);
            self.pieces.push(Vec::new());
        }
        if let Some(last) = self.pieces.last_mut() {
            last.push(facts);
            self.len += 1;
        }
    }

    /// Adds the facts of `piece` at the end, without moving them.
    fn push_piece(&mut self, piece: Vec<MemberFacts>) {
        if piece.is_empty() {
            return;
        }
        self.starts.push(self.len);
        self.len += piece.len();
        self.pieces.push(piece);
    }

    fn iter(&self) -> impl Iterator<Item = &MemberFacts> {
        self.pieces.iter().flatten()
    }

    /// Calls `f` with the index and the facts of each member, on up to `threads` threads, each
    /// taking a run of pieces (in order within each run).
    fn for_each_mut(&mut self, threads: usize, f: &(impl Fn(usize, &mut MemberFacts) + Sync)) {
        let per_thread = self.pieces.len().div_ceil(threads.max(1));
        let each = |starts: &[usize], pieces: &mut [Vec<MemberFacts>]| {
            for (start, piece) in starts.iter().zip(pieces) {
                for (i, facts) in piece.iter_mut().enumerate() {
                    f(start + i, facts);
                }
            }
        };
        crate::shares::zip_shares_mut(&self.starts, &mut self.pieces, per_thread, each);
    }
}

/// The class list with per-member facts, looked up by id and by normalised email. It comes from
/// [`crate::DataFolder::load`] or [`crate::DatasetBuilder::build`], as [`crate::Dataset::class`].
///
/// # Examples
///
/// ```
/// use premium_claims::{generate, rules::ClassList, DataFolder, Loading, MemberLookup, NoProgress, Plan};
///
/// let dir = std::env::temp_dir().join(format!("pc-class-doc-{}", std::process::id()));
/// generate(&dir, Plan::new(1_000, 3))?;
/// let folder = DataFolder::new(&dir);
/// let claimants_only = folder.load(&mut NoProgress)?;
/// // Most members file no claim: their facts are not kept, and the list says so.
/// let quiet = (1..=1_000)
///     .map(|i| format!("m-{i:08}"))
///     .find(|id| claimants_only.class.lookup(id) == MemberLookup::FactsNotKept)
///     .ok_or("every member filed a claim")?;
/// assert_eq!(claimants_only.class.lookup("m-nobody"), MemberLookup::NotListed);
///
/// let everyone = folder.with_loading(Loading::EveryMember).load(&mut NoProgress)?;
/// assert!(matches!(everyone.class.lookup(&quiet), MemberLookup::Facts(_)));
/// assert!(everyone.class.member(&quiet).is_some());
/// assert_eq!(everyone.class.every_member().count(), everyone.class.len());
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct ClassRecords {
    facts: Facts,
    ids: MemberIds,
    /// By normalised email: (facts position of the first member with it, members with it).
    by_email: EmailIndex,
    interest: Option<Interest>,
    /// The interest's ids and emails, to rule most members out without touching its sets.
    prefilter: Prefilter,
}

impl ClassRecords {
    /// An empty class list that keeps every member's facts.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// An empty class list that keeps the facts of the members `interest` names, by id or email.
    pub(crate) fn with_interest(interest: Interest) -> Self {
        let mut prefilter =
            Prefilter::with_capacity(interest.member_ids.len() + interest.emails.len());
        for key in interest.member_ids.iter().chain(&interest.emails) {
            prefilter.insert(key.as_bytes());
        }
        ClassRecords {
            interest: Some(interest),
            prefilter,
            ..Self::default()
        }
    }

    /// True when the facts of a member with this id and email are to be kept.
    pub(crate) fn wants(&self, member_id: &str, email: Option<&str>) -> bool {
        match &self.interest {
            None => true,
            Some(i) => {
                let named = |key: &str, set: &Set<String>| {
                    self.prefilter.may_contain(key.as_bytes()) && set.contains(key)
                };
                named(member_id, &i.member_ids)
                    || (!i.emails.is_empty()
                        && email.is_some_and(|e| {
                            // Most emails are already in normal form: skip the copy for them.
                            let e = e.trim();
                            if e.bytes().any(|b| b.is_ascii_uppercase()) {
                                named(&e.to_ascii_lowercase(), &i.emails)
                            } else {
                                named(e, &i.emails)
                            }
                        }))
            }
        }
    }

    /// Adds a member found on `line`, keeping its facts if [`ClassRecords::wants`] them.
    ///
    /// # Errors
    /// The line of an earlier accepted member with the same id; the list is then unchanged.
    pub(crate) fn insert(&mut self, member: Member, line: u64) -> Result<(), u64> {
        let keep = self.wants(&member.member_id.0, member.email.as_deref());
        let id = member.member_id.0.as_bytes();
        // The facts index is known only once the id proved new.
        let position = match self.ids.insert(id, hash_id(id), line, NOT_KEPT) {
            Ok(position) => position,
            Err(earlier) => return Err(self.ids.lines[earlier]),
        };
        if keep {
            self.ids.facts[position] = self.keep(member);
        }
        Ok(())
    }

    /// Lists many member rows at once, with the outcome of listing them one by one in order
    /// ([`RowKind::Listed`] as `ClassRecords::insert_listed`, [`RowKind::Kept`] as
    /// [`ClassRecords::insert`], [`RowKind::Rejected`] as [`ClassRecords::line_of`]), but
    /// faster: the duplicate checks run table by table, on up to `threads` threads. Returns, for
    /// each row, the line of the earlier accepted row with the same id, if any (for an accepted
    /// kind, the row is then a duplicate and not listed), and where the batch's rows start among
    /// the rows listed so far (see [`ClassRecords::row`]).
    pub(crate) fn list_rows(&mut self, batch: RowBatch, threads: usize) -> Listing {
        let RowBatch {
            ids,
            ends,
            hashes,
            lines,
            kinds,
            kept: kept_facts,
        } = batch;
        let first_row = self.ids.rows();
        if first_row == 0 {
            // The usual case: the batch's buffers become the list's.
            self.ids.bytes = ids;
            self.ids.ends = ends;
            self.ids.lines = lines;
        } else {
            let base = self.ids.bytes.len();
            self.ids.bytes.extend_from_slice(&ids);
            self.ids.ends.extend(ends.iter().map(|&e| base + e));
            self.ids.lines.extend_from_slice(&lines);
        }
        self.ids.facts.resize(first_row + kinds.len(), NOT_LISTED);

        // The rows of each table in file order, each with its hash and whether it is to be
        // listed (row * 2 + 1 if so), so that filling a table reads them in sequence.
        let (order, starts) = by_table(&hashes, |row| {
            row << 1 | usize::from(kinds[row] != Role::Rejected)
        });
        drop(hashes);

        // Each thread takes a run of tables holding about an equal share of the rows.
        let threads = threads.max(1);
        let share = order.len().div_ceil(threads).max(1);
        let MemberIds {
            bytes,
            ends: all_ends,
            tables,
            ..
        } = &mut self.ids;
        let (bytes, all_ends) = (&*bytes, &*all_ends);
        let (order, starts) = (&order, &starts);
        // The duplicate checks of a run of tables, on the thread it is given to.
        let fill = move |(from, mine): (usize, &mut [HashTable<usize>])| {
            let mut found = Vec::new();
            let id = |i: usize| id_at(bytes, all_ends, i);
            for (table, b) in mine.iter_mut().zip(from..) {
                let rows = &order[starts[b]..starts[b + 1]];
                table.reserve(rows.len(), |&i| hash_id(id(i)));
                for &(hash, packed) in rows {
                    let (row, accept) = (packed >> 1, packed & 1 == 1);
                    let at = first_row + row;
                    // The ids are compared only when a table entry's tag matches.
                    let same = |&i: &usize| id(i) == id(at);
                    if accept {
                        match table.entry(hash, same, |&i| hash_id(id(i))) {
                            Entry::Occupied(earlier) => found.push((row, *earlier.get())),
                            Entry::Vacant(slot) => {
                                slot.insert(at);
                            }
                        }
                    } else if let Some(&earlier) = table.find(hash, same) {
                        found.push((row, earlier));
                    }
                }
            }
            found
        };
        let runs = runs_of_tables(tables, starts, share, threads);
        let firsts: Vec<(usize, usize)> = crate::shares::map_each(runs, fill)
            .into_iter()
            .flatten()
            .collect();

        // Facts, in file order, for the rows that were listed.
        let mut earlier_line = vec![None; kinds.len()];
        for (row, earlier) in firsts {
            earlier_line[row] = Some(self.ids.lines[earlier]);
        }
        // The batch's facts become the list's in their pieces, without moving each member: but
        // for those of a repeated id (rare), which are dropped, and any beyond the room left.
        let mut pieces = kept_facts;
        let mut kept_listed = kinds
            .iter()
            .zip(&earlier_line)
            .filter(|(kind, _)| **kind == Role::Kept)
            .map(|(_, earlier)| earlier.is_none());
        let mut room = (NOT_LISTED as usize).saturating_sub(self.facts.len());
        for piece in &mut pieces {
            piece.retain(|_| {
                let keep = kept_listed.next().unwrap_or(false) && room > 0;
                room -= usize::from(keep);
                keep
            });
        }
        let first_index = self.facts.len() as u32;
        let mut next_index = first_index;
        for piece in pieces {
            self.facts.push_piece(piece);
        }
        for (row, kind) in kinds.into_iter().enumerate() {
            let listed = earlier_line[row].is_none();
            let facts = match kind {
                Role::Listed if listed => NOT_KEPT,
                Role::Kept if listed && (next_index as usize) < self.facts.len() => {
                    let index = next_index;
                    next_index += 1;
                    index
                }
                Role::Kept if listed => NOT_KEPT,
                _ => continue,
            };
            self.ids.facts[first_row + row] = facts;
            self.ids.accepted += 1;
        }
        self.by_email
            .add(&self.facts, first_index..next_index, threads);
        Listing {
            first_row,
            earlier: earlier_line,
        }
    }

    /// Keeps a member's facts (if there is room) and returns their index.
    fn keep(&mut self, member: Member) -> u32 {
        if self.facts.len() >= NOT_LISTED as usize {
            return NOT_KEPT;
        }
        let index = self.facts.len() as u32;
        self.facts.push(MemberFacts::new(member));
        self.index_email(index);
        index
    }

    /// Files the email of the facts at `index` (already in place) in the email index.
    fn index_email(&mut self, index: u32) {
        self.by_email.add_one(&self.facts, index);
    }

    /// The id and line of the `row`-th row listed, accepted or not (for messages).
    pub(crate) fn row(&self, row: usize) -> Option<(std::borrow::Cow<'_, str>, u64)> {
        let line = *self.ids.lines.get(row)?;
        Some((String::from_utf8_lossy(self.ids.id(row)), line))
    }

    /// Where an accepted member id is in the list.
    fn position(&self, member_id: &[u8]) -> Option<usize> {
        self.ids.position(member_id, hash_id(member_id))
    }

    /// The line of an accepted member id, if known.
    pub(crate) fn line_of(&self, member_id: &str) -> Option<u64> {
        self.position(member_id.as_bytes())
            .map(|i| self.ids.lines[i])
    }

    #[cfg(test)]
    /// Lists a member whose facts are not kept (see [`ClassRecords::wants`]).
    ///
    /// # Errors
    /// The line of an earlier accepted member with the same id; the list is then unchanged.
    pub(crate) fn insert_listed(&mut self, member_id: &str, line: u64) -> Result<(), u64> {
        let id = member_id.as_bytes();
        match self.ids.insert(id, hash_id(id), line, NOT_KEPT) {
            Ok(_) => Ok(()),
            Err(earlier) => Err(self.ids.lines[earlier]),
        }
    }

    #[cfg(test)]
    /// Mutable facts of a kept member, to fold in subscriptions, opt-outs and evidence.
    pub(crate) fn facts_mut(&mut self, member_id: &str) -> Option<&mut MemberFacts> {
        let i = self.position(member_id.as_bytes())?;
        self.facts.get_mut(self.ids.facts[i] as usize)
    }

    /// Facts by position (see [`Known::Kept`]).
    pub(crate) fn facts_at(&self, index: usize) -> Option<&MemberFacts> {
        self.facts.get(index)
    }

    /// Mutable facts by position.
    pub(crate) fn facts_at_mut(&mut self, index: usize) -> Option<&mut MemberFacts> {
        self.facts.get_mut(index)
    }

    /// Calls `f` with the position and the facts of every kept member, on up to `threads`
    /// threads (for work on each member that needs no other).
    pub(crate) fn for_each_facts_mut(
        &mut self,
        threads: usize,
        f: impl Fn(usize, &mut MemberFacts) + Sync,
    ) {
        self.facts.for_each_mut(threads, &f);
    }

    /// Number of accepted members.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when no member was accepted.
    pub fn is_empty(&self) -> bool {
        self.ids.len() == 0
    }

    /// Number of members whose facts are kept.
    pub fn kept(&self) -> usize {
        self.facts.len()
    }

    /// The members whose facts are kept, in the class list's order: with every member kept
    /// ([`crate::Loading::EveryMember`], or a built dataset), every accepted member.
    pub fn every_member(&self) -> impl Iterator<Item = &MemberFacts> {
        self.facts.iter()
    }

    /// True when every accepted member's facts are kept, so that any claim can be evaluated
    /// against this list (see [`crate::Loading`]).
    pub fn keeps_every_member(&self) -> bool {
        self.interest.is_none()
    }

    /// What the list knows of a member id: its facts, that it is listed but its facts were not
    /// kept (a folder loaded for its claimants only), or that it is not listed.
    pub fn lookup(&self, member_id: &str) -> MemberLookup<'_> {
        match self.position(member_id.as_bytes()) {
            None => MemberLookup::NotListed,
            Some(i) => match self.facts.get(self.ids.facts[i] as usize) {
                Some(facts) => MemberLookup::Facts(facts),
                None => MemberLookup::FactsNotKept,
            },
        }
    }
}

/// Kept members by normalised email: for each email, the facts position of the first member
/// with it and the number of members with it. Entries are facts positions, found by the email's
/// hash and compared with the facts' own normalised email: no second copy of each email. The
/// entries are spread over [`BUCKETS`] tables by hash bits, as the ids are, so that indexing a
/// class of millions fills one small table at a time, in cache, on several threads.
#[derive(Debug, Clone, Default)]
struct EmailIndex {
    tables: Vec<HashTable<(u32, u32)>>,
}

impl EmailIndex {
    /// The entry of `email` (normalised), if a kept member has it.
    fn find(&self, facts: &Facts, email: &str) -> Option<&(u32, u32)> {
        let hash = hash_id(email.as_bytes());
        self.tables
            .get(bucket(hash))?
            .find(hash, |&(i, _)| email_at(facts, i) == Some(email))
    }

    /// Files the emails of the facts at `indexes` (after any filed before), on up to `threads`
    /// threads: each email's entry keeps the first of them.
    fn add(&mut self, facts: &Facts, indexes: std::ops::Range<u32>, threads: usize) {
        if self.tables.is_empty() {
            self.tables.resize_with(BUCKETS, HashTable::new);
        }
        let (hashes, with_email): (Vec<u64>, Vec<u32>) = indexes
            .filter_map(|i| Some((hash_id(email_at(facts, i)?.as_bytes()), i)))
            .unzip();
        let (order, starts) = by_table(&hashes, |k| with_email[k]);
        drop((hashes, with_email));
        let fill = |tables: &mut [HashTable<(u32, u32)>], first: usize| {
            for (b, table) in (first..).zip(tables) {
                let rows = &order[starts[b]..starts[b + 1]];
                table.reserve(rows.len(), |&(i, _)| email_hash_at(facts, i));
                for &(hash, index) in rows {
                    file_email(table, facts, hash, index);
                }
            }
        };
        if threads <= 1 || order.len() < 4096 {
            fill(&mut self.tables, 0);
            return;
        }
        // Each thread takes a run of tables holding about an equal share of the entries.
        let share = order.len().div_ceil(threads).max(1);
        let runs = runs_of_tables(&mut self.tables, &starts, share, threads);
        crate::shares::map_each(runs, |(from, mine)| fill(mine, from));
    }

    /// Files the email (if any) of the facts at `index` (after any filed before): for members
    /// kept one at a time, without the sort by table a batch goes through.
    fn add_one(&mut self, facts: &Facts, index: u32) {
        let Some(email) = email_at(facts, index) else {
            return;
        };
        if self.tables.is_empty() {
            self.tables.resize_with(BUCKETS, HashTable::new);
        }
        let hash = hash_id(email.as_bytes());
        if let Some(table) = self.tables.get_mut(bucket(hash)) {
            file_email(table, facts, hash, index);
        }
    }
}

/// Files the facts at `index`, whose email has `hash`, in `table` (the one [`bucket`] chooses):
/// a new entry, or one more member for the entry of an email already filed.
fn file_email(table: &mut HashTable<(u32, u32)>, facts: &Facts, hash: u64, index: u32) {
    // The emails are read only when an entry's tag matches (rarely but for a repeated email):
    // the facts are not walked in the table's order.
    let same = |&(i, _): &(u32, u32)| email_at(facts, i) == email_at(facts, index);
    match table.entry(hash, same, |&(i, _)| email_hash_at(facts, i)) {
        Entry::Occupied(mut seen) => seen.get_mut().1 += 1,
        Entry::Vacant(slot) => {
            slot.insert((index, 1));
        }
    }
}

/// The entries `(hashes[k], value(k))` in a stable counting sort by the table each hash
/// chooses ([`bucket`]), and where each table's entries start: table `b`'s are
/// `starts[b]..starts[b + 1]`, in the order of `hashes`.
fn by_table<T: Copy + Default>(
    hashes: &[u64],
    value: impl Fn(usize) -> T,
) -> (Vec<(u64, T)>, Vec<usize>) {
    let mut starts = vec![0usize; BUCKETS + 1];
    for &hash in hashes {
        starts[bucket(hash) + 1] += 1;
    }
    for b in 0..BUCKETS {
        starts[b + 1] += starts[b];
    }
    let mut order = vec![(0, T::default()); hashes.len()];
    let mut next = starts.clone();
    for (k, &hash) in hashes.iter().enumerate() {
        order[next[bucket(hash)]] = (hash, value(k));
        next[bucket(hash)] += 1;
    }
    (order, starts)
}

/// `tables` cut into at most `threads` runs of consecutive tables holding about `share` entries
/// each (table `b` holding `starts[b]..starts[b + 1]`, as from [`by_table`]; the last run takes
/// whatever is left), each with the index of its first table: one run per thread.
fn runs_of_tables<'t, T>(
    mut tables: &'t mut [T],
    starts: &[usize],
    share: usize,
    threads: usize,
) -> Vec<(usize, &'t mut [T])> {
    let mut runs = Vec::new();
    let mut from = 0;
    while !tables.is_empty() {
        if runs.len() + 1 >= threads {
            runs.push((from, tables));
            break;
        }
        let mut to = from + 1;
        while to < from + tables.len() && starts[to] - starts[from] < share {
            to += 1;
        }
        let (run, rest) = tables.split_at_mut(to - from);
        runs.push((from, run));
        tables = rest;
        from = to;
    }
    runs
}

/// The hash by which a member's normalised email is found (see [`EmailIndex`]).
fn email_hash(facts: &MemberFacts) -> u64 {
    hash_id(facts.email_key.as_deref().unwrap_or("").as_bytes())
}

/// [`email_hash`] of the facts at `index` (always there for an entry of the email index).
fn email_hash_at(facts: &Facts, index: u32) -> u64 {
    facts.get(index as usize).map_or(0, email_hash)
}

/// The normalised email of the facts at `index`.
fn email_at(facts: &Facts, index: u32) -> Option<&str> {
    facts
        .get(index as usize)
        .and_then(|facts| facts.email_key.as_deref())
}

/// The answer of [`ClassRecords::lookup`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MemberLookup<'a> {
    /// A listed member, with the facts the rules use.
    Facts(&'a MemberFacts),
    /// A listed member whose facts were not kept: the list was loaded for the claims it held
    /// ([`crate::Loading::Claimants`]), and no claim named this member.
    FactsNotKept,
    /// No accepted row of `members.csv` has this id.
    NotListed,
}

/// The last member a reader looked up, and where it was in the class list.
#[derive(Debug, Default)]
pub(crate) struct RecentMember {
    /// The member's id.
    id: RecentId,
    known: Option<Known>,
    position: Option<usize>,
    /// Look-ups made, and wrong guesses of the next member in a row.
    lookups: u32,
    failed_guesses: u8,
}

/// An id kept by [`RecentMember`]: one of 8 to 16 bytes (the usual) as its first and last eight
/// bytes, which together cover it, so that remembering the member of every evidence row, and
/// comparing with it, costs two words rather than calls to `memcpy` and `memcmp`; any other in
/// full.
#[derive(Debug, Default)]
struct RecentId {
    /// The id's length; 0 for none.
    len: usize,
    words: [u64; 2],
    other: Vec<u8>,
}

/// The first and last eight bytes of an id of 8 to 16 bytes.
#[inline]
fn end_words(id: &[u8]) -> Option<[u64; 2]> {
    if !(8..=16).contains(&id.len()) {
        return None;
    }
    let first = id.first_chunk::<8>()?;
    let last = id.last_chunk::<8>()?;
    Some([u64::from_le_bytes(*first), u64::from_le_bytes(*last)])
}

impl RecentId {
    #[inline]
    fn is(&self, id: &[u8]) -> bool {
        if self.len != id.len() || self.len == 0 {
            return false;
        }
        match end_words(id) {
            Some(words) => words == self.words,
            None => self.other == id,
        }
    }

    #[inline]
    fn set(&mut self, id: &[u8]) {
        self.len = id.len();
        match end_words(id) {
            Some(words) => self.words = words,
            None => {
                self.other.clear();
                self.other.extend_from_slice(id);
            }
        }
    }
}

/// Member look-ups for a file that usually lists its rows member by member, in the class list's
/// order (as exports do): the same member as the last row's, or the one listed after it, is found
/// without a hash look-up.
pub(crate) struct CachedLookup<'a> {
    class: &'a ClassRecords,
    recent: &'a RefCell<RecentMember>,
    /// A flat table of the ids, for files whose rows come in no member order.
    flat: Option<&'a FlatIds<'a>>,
}

/// `a == b`, with ids of 8 to 16 bytes (the usual) compared as two overlapping words rather than
/// by a call to `memcmp`: this runs once per evidence row.
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    match end_words(a) {
        Some(words) => end_words(b) == Some(words),
        None => a == b,
    }
}

impl ClassRecords {
    /// Look-ups that remember the last member in `recent`.
    pub(crate) fn cached<'a>(&'a self, recent: &'a RefCell<RecentMember>) -> CachedLookup<'a> {
        CachedLookup {
            class: self,
            recent,
            flat: None,
        }
    }

    /// Look-ups that remember the last member in `recent` and find the others in `flat` (a
    /// table of this list's ids), or in the list's own tables when there is none.
    pub(crate) fn cached_flat<'a>(
        &'a self,
        recent: &'a RefCell<RecentMember>,
        flat: Option<&'a FlatIds<'a>>,
    ) -> CachedLookup<'a> {
        CachedLookup {
            class: self,
            recent,
            flat,
        }
    }

    fn known_at(&self, position: usize) -> Known {
        known(self.ids.facts[position])
    }
}

/// What a facts index says of a listed member.
fn known(facts: u32) -> Known {
    match facts {
        NOT_KEPT | NOT_LISTED => Known::Listed,
        facts => Known::Kept(facts as usize),
    }
}

impl KnownMembers for CachedLookup<'_> {
    fn find(&self, member_id: &[u8]) -> Option<Known> {
        let mut recent = self.recent.borrow_mut();
        if recent.id.is(member_id) {
            return recent.known;
        }
        let ids = &self.class.ids;
        // Guess the member listed after the last one, unless guesses keep failing (a log in time
        // order): then only now and then, as a wrong guess reads the list at a random place
        // (three cache misses, as costly as the look-up it was meant to save).
        recent.lookups = recent.lookups.wrapping_add(1);
        let guess = recent.failed_guesses < 4 || recent.lookups % 1024 == 0;
        let next = recent
            .position
            .filter(|_| guess)
            .map(|p| p + 1)
            .filter(|&p| ids.is_member(p) && ids.id(p) == member_id);
        if guess {
            recent.failed_guesses = match next {
                Some(_) => 0,
                None => recent.failed_guesses.saturating_add(1),
            };
        }
        let (position, found) = match (next, self.flat) {
            (Some(p), _) => (Some(p), Some(self.class.known_at(p))),
            (None, Some(flat)) => match flat.find(member_id) {
                Some((p, facts)) => (Some(p), Some(known(facts))),
                None => (None, None),
            },
            (None, None) => {
                let p = self.class.position(member_id);
                (p, p.map(|p| self.class.known_at(p)))
            }
        };
        recent.known = found;
        recent.position = position.or(recent.position);
        recent.id.set(member_id);
        recent.known
    }
}

impl ClassList for ClassRecords {
    fn member(&self, member_id: &str) -> Option<&MemberFacts> {
        self.position(member_id.as_bytes())
            .and_then(|i| self.facts.get(self.ids.facts[i] as usize))
    }

    fn members_with_email(&self, email_key: &str) -> EmailMatch<'_> {
        let found = self.by_email.find(&self.facts, email_key);
        match found {
            None => EmailMatch::None,
            Some(&(i, 1)) => self
                .facts
                .get(i as usize)
                .map_or(EmailMatch::None, EmailMatch::One),
            Some(&(_, n)) => EmailMatch::Many(n as usize),
        }
    }
}

impl KnownMembers for ClassRecords {
    fn find(&self, member_id: &[u8]) -> Option<Known> {
        self.position(member_id).map(|i| self.known_at(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MemberId;

    fn member(id: &str, email: &str) -> Member {
        Member {
            member_id: MemberId(id.into()),
            full_name: None,
            email: Some(email.into()),
            country: "US".into(),
            ai_training_opt_out_at: None,
            excluded_category: None,
        }
    }

    fn batch_push(batch: &mut RowBatch, id: &str, line: u64, kind: RowKind) {
        batch.push(id.as_bytes(), hash_id(id.as_bytes()), line, kind);
    }

    proptest::proptest! {
        /// The counting sort keeps each table's entries in their order, and the runs handed to
        /// the threads take every table once, in order, each run about its share.
        #[test]
        fn entries_by_table_and_runs_of_tables_cover_everything_once(
            hashes in proptest::collection::vec(proptest::num::u64::ANY, 0..3000),
            threads in 1usize..9,
        ) {
            let (order, starts) = by_table(&hashes, |k| k);
            proptest::prop_assert_eq!(starts.len(), BUCKETS + 1);
            proptest::prop_assert_eq!(starts[BUCKETS], hashes.len());
            for b in 0..BUCKETS {
                let mine = &order[starts[b]..starts[b + 1]];
                proptest::prop_assert!(mine.iter().all(|&(h, k)| bucket(h) == b && hashes[k] == h));
                proptest::prop_assert!(mine.windows(2).all(|w| w[0].1 < w[1].1));
            }
            let mut tables: Vec<usize> = (0..BUCKETS).collect();
            let share = hashes.len().div_ceil(threads).max(1);
            let runs = runs_of_tables(&mut tables, &starts, share, threads);
            proptest::prop_assert!(runs.len() <= threads);
            let mut next = 0;
            for (k, (from, run)) in runs.iter().enumerate() {
                proptest::prop_assert_eq!(*from, next);
                proptest::prop_assert_eq!(run.first(), Some(&next));
                next += run.len();
                // A run stops at the table that would take it past its share (the last run
                // takes what is left).
                if run.len() > 1 && k + 1 < runs.len() {
                    let last = from + run.len() - 1;
                    proptest::prop_assert!(starts[last] - starts[*from] < share);
                }
            }
            proptest::prop_assert_eq!(next, BUCKETS);
        }
    }

    /// Emails filed in bulk (in tables chosen by hash bits, on several threads) are found as
    /// filed one by one: each email's first member, or how many members share it, across two
    /// batches and members filed one at a time after them.
    #[test]
    fn emails_filed_in_bulk_are_found_with_their_first_member_and_count() {
        let email = |i: u64| match i % 10 {
            // Every tenth shares one of 90 emails with about twenty others; some are written in
            // upper case with spaces around.
            0 => format!("shared-{}@example.com", i % 900),
            7 => format!("  Member-{i}@Example.COM "),
            _ => format!("member-{i}@example.com"),
        };
        let mut class = ClassRecords::new();
        for (from, to) in [(0, 12_000), (12_000, 20_000)] {
            let mut batch = RowBatch::default();
            for i in from..to {
                let id = format!("m-{i}");
                batch_push(
                    &mut batch,
                    &id,
                    i + 2,
                    RowKind::Kept(member(&id, &email(i))),
                );
            }
            class.list_rows(batch, 2);
        }
        for i in 20_000..20_010 {
            class
                .insert(member(&format!("m-{i}"), &email(i)), i + 2)
                .unwrap();
        }
        let mut expected: std::collections::HashMap<String, (u64, usize)> = Default::default();
        for i in 0..20_010 {
            let key = email(i).trim().to_lowercase();
            expected.entry(key).or_insert((i, 0)).1 += 1;
        }
        assert_eq!(expected.len(), 18_009 + 90);
        for (key, (first, count)) in &expected {
            match class.members_with_email(key) {
                EmailMatch::One(facts) => {
                    assert_eq!(*count, 1, "{key}");
                    assert_eq!(facts.member.member_id.0, format!("m-{first}"));
                }
                EmailMatch::Many(n) => assert_eq!(n, *count, "{key}"),
                EmailMatch::None => panic!("{key} not found"),
            }
        }
        assert_eq!(
            class.members_with_email("nobody@example.com"),
            EmailMatch::None
        );
    }

    /// Work on every member's facts spread over threads visits each member once, with its own
    /// position, whatever the number of threads (the facts lie in pieces of 8192: 20,000
    /// members make three).
    #[test]
    fn every_members_facts_are_visited_once_with_their_position() {
        let mut class = ClassRecords::new();
        let mut batch = RowBatch::default();
        for i in 0..20_000u64 {
            let id = format!("m-{i}");
            let kind = RowKind::Kept(member(&id, &format!("{i}@example.com")));
            batch_push(&mut batch, &id, i + 2, kind);
        }
        class.list_rows(batch, 2);
        assert_eq!(class.kept(), 20_000);
        assert!(
            class.facts.pieces.len() >= 3,
            "{}",
            class.facts.pieces.len()
        );
        let origin = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
        for threads in [1, 2, 3, 8] {
            let visits = std::sync::atomic::AtomicUsize::new(0);
            class.for_each_facts_mut(threads, |index, facts| {
                assert_eq!(facts.member.member_id.0, format!("m-{index}"));
                facts.timely_opt_out =
                    Some(origin + chrono::Days::new(index as u64 + threads as u64));
                visits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            });
            assert_eq!(visits.into_inner(), 20_000, "{threads} threads");
            for index in 0..20_000 {
                let facts = class.facts_at(index).unwrap();
                let expected = origin + chrono::Days::new(index as u64 + threads as u64);
                assert_eq!(
                    facts.timely_opt_out,
                    Some(expected),
                    "{threads} threads, member {index}"
                );
            }
        }
    }

    proptest::proptest! {
        /// Rows listed in bulk from parts appended in turn (as the reading threads make them),
        /// with every member kept or only some, give each member its own facts, the facts in
        /// the same order and the same email matches as inserting the rows one by one.
        #[test]
        fn bulk_listing_in_parts_keeps_each_members_own_facts(
            rows in proptest::collection::vec((0u8..30, 0u8..4, 0u8..5), 0..200),
            cuts in proptest::collection::vec(0usize..200, 0..4),
            every in proptest::bool::ANY,
            before in 0usize..2,
            unique in proptest::bool::ANY,
        ) {
            let fresh = || {
                if every {
                    ClassRecords::new()
                } else {
                    let mut interest = Interest::default();
                    interest.add(Some("m-3"), Some("e1@example.com"));
                    interest.add(Some("m-11"), None);
                    ClassRecords::with_interest(interest)
                }
            };
            let (mut one, mut bulk) = (fresh(), fresh());
            for k in 0..before {
                let m = member(&format!("m-{k}"), &format!("E{k}@example.com"));
                let _ = one.insert(m.clone(), 2 + k as u64);
                let _ = bulk.insert(m, 2 + k as u64);
            }
            // Emails shared by several members, in either case.
            let email_of = |n: u8, variant: u8| {
                let email = format!("e{}@example.com", n % 6);
                if variant % 2 == 0 { email } else { email.to_uppercase() }
            };
            let mut cuts: Vec<usize> = cuts.into_iter().filter(|&c| c < rows.len()).collect();
            cuts.sort_unstable();
            let mut batch = RowBatch::default();
            let mut part = RowBatch::default();
            let mut part_start = 0;
            // Without repeated ids (as usual) the parts' facts are taken as they are; with them,
            // one by one.
            let id_of = |i: usize, n: u8| if unique { format!("m-{}", 100 + i) } else { format!("m-{n}") };
            let mut used = Vec::new();
            // The ids whose facts are kept, by a model independent of how facts are stored.
            let mut kept_ids: Vec<String> = (0..before).map(|k| format!("m-{k}")).filter(|id| one.lookup(id) != MemberLookup::FactsNotKept).collect();
            for (i, &(n, kind, variant)) in rows.iter().enumerate() {
                if cuts.contains(&i) && i > part_start {
                    batch.append(std::mem::take(&mut part), part_start as u64);
                    part_start = i;
                }
                let id = id_of(i, n);
                used.push(id.clone());
                let line = 10 + i as u64;
                let m = member(&id, &email_of(n, variant));
                let kind = match kind {
                    0 | 1 if one.wants(&id, m.email.as_deref()) => {
                        if one.insert(m.clone(), line).is_ok() {
                            kept_ids.push(id.clone());
                        }
                        RowKind::Kept(m)
                    }
                    0..=2 => {
                        let _ = one.insert_listed(&id, line);
                        RowKind::Listed
                    }
                    _ => RowKind::Rejected,
                };
                // Lines within the part; append moves them on by the part's start.
                batch_push(&mut part, &id, line - part_start as u64, kind);
            }
            batch.append(part, part_start as u64);
            bulk.list_rows(batch, 2);
            proptest::prop_assert_eq!(bulk.kept(), one.kept());
            let ids = |c: &ClassRecords| c.every_member().map(|f| f.member.member_id.0.clone()).collect::<Vec<_>>();
            proptest::prop_assert_eq!(ids(&bulk), ids(&one));
            proptest::prop_assert_eq!(bulk.kept(), kept_ids.len());
            for id in &kept_ids {
                let found = matches!(bulk.lookup(id), MemberLookup::Facts(f) if &f.member.member_id.0 == id);
                proptest::prop_assert!(found, "{} has not its own facts", id);
            }
            used.extend((0..30).map(|n| format!("m-{n}")));
            for id in &used {
                proptest::prop_assert_eq!(bulk.lookup(id), one.lookup(id));
                if let MemberLookup::Facts(facts) = bulk.lookup(id) {
                    proptest::prop_assert_eq!(&facts.member.member_id.0, id);
                }
                proptest::prop_assert_eq!(bulk.line_of(id), one.line_of(id));
            }
            for n in 0..6 {
                let email = format!("e{n}@example.com");
                proptest::prop_assert_eq!(
                    format!("{:?}", bulk.members_with_email(&email)),
                    format!("{:?}", one.members_with_email(&email))
                );
            }
        }

        /// Listing rows in bulk gives the class list, and the duplicate lines, that inserting
        /// them one by one gives: same members known, same facts kept, same first lines.
        #[test]
        fn bulk_listing_agrees_with_one_by_one(
            rows in proptest::collection::vec((0u8..40, 0u8..3, proptest::bool::ANY), 0..300),
            before in 0usize..3,
        ) {
            let mut interest = Interest::default();
            interest.add(Some("m-3"), Some("e7@example.com"));
            let mut one = ClassRecords::with_interest(interest.clone());
            let mut bulk = ClassRecords::with_interest(interest);
            // Some members listed one by one first, in both.
            for k in 0..before {
                let m = member(&format!("m-{k}"), &format!("e{k}@example.com"));
                let _ = one.insert(m.clone(), 2 + k as u64);
                let _ = bulk.insert(m, 2 + k as u64);
            }
            let mut expected = Vec::new();
            let mut batch = RowBatch::default();
            for (i, &(n, kind, keep)) in rows.iter().enumerate() {
                let id = format!("m-{n}");
                let line = 10 + i as u64;
                let m = member(&id, &format!("e{n}@example.com"));
                let kind = match kind {
                    0 if keep && one.wants(&id, m.email.as_deref()) => {
                        expected.push(one.insert(m.clone(), line).err());
                        RowKind::Kept(m)
                    }
                    0 | 1 => {
                        expected.push(one.insert_listed(&id, line).err());
                        RowKind::Listed
                    }
                    _ => {
                        expected.push(one.line_of(&id));
                        RowKind::Rejected
                    }
                };
                batch.push(id.as_bytes(), hash_id(id.as_bytes()), line, kind);
            }
            let listing = bulk.list_rows(batch, 2);
            proptest::prop_assert_eq!(listing.earlier, expected);
            proptest::prop_assert_eq!(bulk.len(), one.len());
            proptest::prop_assert_eq!(bulk.kept(), one.kept());
            for n in 0..40 {
                let id = format!("m-{n}");
                proptest::prop_assert_eq!(bulk.find(id.as_bytes()).is_some(), one.find(id.as_bytes()).is_some());
                proptest::prop_assert_eq!(bulk.line_of(&id), one.line_of(&id));
                let email = format!("e{n}@example.com");
                proptest::prop_assert_eq!(
                    format!("{:?}", bulk.members_with_email(&email)),
                    format!("{:?}", one.members_with_email(&email))
                );
            }
        }
    }

    proptest::proptest! {
        /// Comparing ids by their end words is comparing them byte for byte, whatever their
        /// lengths (those of 8 to 16 bytes compared by words, the others in full).
        #[test]
        fn ids_compared_by_words_compare_as_bytes(
            a in proptest::collection::vec(proptest::sample::select(vec![b'a', b'b']), 0..24),
            other in proptest::collection::vec(proptest::sample::select(vec![b'a', b'b']), 0..24),
            flip in proptest::option::of(0usize..24),
        ) {
            // Another id, or the same with one byte changed (anywhere, the middle included).
            let b = match flip {
                Some(i) if i < a.len() => {
                    let mut b = a.clone();
                    b[i] ^= 1;
                    b
                }
                _ => other,
            };
            proptest::prop_assert_eq!(same_bytes(&a, &b), a == b);
            proptest::prop_assert_eq!(same_bytes(&a, &a), true);
            let mut recent = RecentId::default();
            recent.set(&a);
            proptest::prop_assert_eq!(recent.is(&b), a == b && !a.is_empty());
        }
    }

    proptest::proptest! {
        /// Whatever the rows listed (repeated, rejected, in any order) and whatever the order of
        /// the look-ups, the cached look-up answers what a plain look-up answers.
        #[test]
        fn cached_look_ups_agree_with_plain_ones(
            rows in proptest::collection::vec((0u8..30, 0u8..4), 0..120),
            lookups in proptest::collection::vec(0u8..32, 0..200),
        ) {
            // Short ids, ids of 8 to 16 bytes, and ids longer than a flat slot holds that share
            // their first bytes.
            let id_of = |n: u8| match n % 3 {
                0 => format!("urn:li:member:shared-prefix-{n}"),
                1 => format!("member-{n:05}"),
                _ => format!("m-{n}"),
            };
            let mut interest = Interest::default();
            interest.add(Some("m-5"), None);
            let mut class = ClassRecords::with_interest(interest);
            let mut batch = RowBatch::default();
            for (i, &(n, kind)) in rows.iter().enumerate() {
                let id = id_of(n);
                let kind = match kind {
                    0 => RowKind::Rejected,
                    1 if n == 5 => RowKind::Kept(member(&id, "e@example.com")),
                    _ => RowKind::Listed,
                };
                batch.push(id.as_bytes(), hash_id(id.as_bytes()), i as u64 + 2, kind);
            }
            class.list_rows(batch, 2);
            let table = FlatTable::of(&class).expect("built");
            let flat = table.ids();
            let (recent, recent_flat) = (RefCell::default(), RefCell::default());
            let cached = class.cached(&recent);
            let cached_flat = class.cached_flat(&recent_flat, Some(&flat));
            for n in lookups {
                // Runs of the same member, and members in list order, as exports have them.
                for id in [id_of(n), id_of(n), id_of(n + 1)] {
                    let plain = class.find(id.as_bytes());
                    proptest::prop_assert_eq!(cached.find(id.as_bytes()), plain);
                    proptest::prop_assert_eq!(cached_flat.find(id.as_bytes()), plain);
                    proptest::prop_assert_eq!(flat.find(id.as_bytes()).map(|(_, f)| known(f)), plain);
                    // The look-ahead's answer, for an id a slot holds whole, is the plain one:
                    // the same member, or not listed, never another's facts.
                    let key = FlatIds::key(id.as_bytes());
                    let answer = flat.look_ahead_answer(flat.homes(id.as_bytes()), &key);
                    proptest::prop_assert_eq!(answer, (id.len() <= 20).then_some(plain));
                    // A key is its own id's, whole, and no other's.
                    proptest::prop_assert_eq!(key.is(id.as_bytes()), id.len() <= 20);
                    proptest::prop_assert!(!key.is(id_of(n.wrapping_add(3)).as_bytes()));
                }
            }
        }
    }

    #[test]
    fn cached_look_ups_never_find_a_rejected_row() {
        let mut class = ClassRecords::new();
        let mut batch = RowBatch::default();
        for (id, kind) in [
            ("m-1", RowKind::Listed),
            ("m-2", RowKind::Rejected),
            ("m-3", RowKind::Listed),
            ("m-3", RowKind::Listed),
            ("m-4", RowKind::Rejected),
        ] {
            let line = batch.len() as u64 + 2;
            batch.push(id.as_bytes(), hash_id(id.as_bytes()), line, kind);
        }
        let listing = class.list_rows(batch, 2);
        assert_eq!(listing.earlier, vec![None, None, None, Some(4), None]);
        let recent = RefCell::new(RecentMember::default());
        let lookup = class.cached(&recent);
        // Each look-up first tries the row after the last one found.
        assert_eq!(lookup.find(b"m-1"), Some(Known::Listed));
        assert_eq!(lookup.find(b"m-2"), None);
        assert_eq!(lookup.find(b"m-3"), Some(Known::Listed));
        assert_eq!(lookup.find(b"m-3"), Some(Known::Listed));
        assert_eq!(lookup.find(b"m-4"), None);
        assert_eq!(class.len(), 2);
    }

    #[test]
    fn the_prefilter_never_rules_out_a_key_it_holds_and_rules_out_most_others() {
        let mut filter = Prefilter::with_capacity(10_000);
        for i in 0..10_000 {
            filter.insert(format!("m-{i:08}").as_bytes());
        }
        assert!((0..10_000).all(|i| filter.may_contain(format!("m-{i:08}").as_bytes())));
        let false_maybes = (10_000..110_000)
            .filter(|i| filter.may_contain(format!("m-{i:08}").as_bytes()))
            .count();
        assert!(
            false_maybes < 6_000,
            "{false_maybes} false maybes in 100,000"
        );
        assert!(!Prefilter::default().may_contain(b"m-1"));
    }

    #[test]
    fn only_members_of_interest_keep_their_facts_but_all_are_known() {
        let mut interest = Interest::default();
        interest.add(Some("m-2"), None);
        interest.add(None, Some(" Shared@Example.com"));
        let mut class = ClassRecords::with_interest(interest);
        class.insert(member("m-1", "one@example.com"), 2).unwrap();
        class.insert(member("m-2", "two@example.com"), 3).unwrap();
        class
            .insert(member("m-3", "shared@example.com"), 4)
            .unwrap();
        class
            .insert(member("m-4", "SHARED@example.com"), 5)
            .unwrap();
        assert_eq!(class.insert(member("m-1", "x@example.com"), 6), Err(2));
        assert_eq!(class.len(), 4);
        assert_eq!(class.kept(), 3);
        assert_eq!(class.find(b"m-1"), Some(Known::Listed));
        assert_eq!(class.find(b"m-2"), Some(Known::Kept(0)));
        assert_eq!(class.find(b"m-9"), None);
        assert!(matches!(
            class.members_with_email("shared@example.com"),
            EmailMatch::Many(2)
        ));
        assert!(class.member("m-2").is_some());
    }
}

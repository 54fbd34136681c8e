//! The accepted member ids in one flat table whose slots hold each id whole, for the evidence
//! file's look-ups.
//!
//! An evidence log in time order names a different member on almost every row, so each row's
//! look-up lands on a random member. In the class list's own tables that costs a cache miss for
//! the table's control bytes, one for the slot, one for the id's end, one for its bytes and one
//! for its facts index. Here the id (when it is at most [`INLINE`] bytes, as member ids are) and
//! the facts index sit in a slot of one of two cache lines that the id's hash names, nearly nine
//! times in ten the first: a look-up reads those lines and nothing else, so that a reader which
//! fetches them ahead of time (the first, then the second if need be: see [`FlatIds::fetch`])
//! finds every member, or learns that the id is not listed, without waiting. The two lines lie
//! in the same 4 KiB of the table, one page of memory. The table is built once, read only, for
//! the length of one reading of the file.

use super::{hash_id, known, same_bytes, ClassRecords};
use crate::huge::HugeArray;
use crate::ingest::Known;

/// Id bytes kept in a slot. A longer id keeps its first bytes there and is compared in full
/// against the class list.
const INLINE: usize = 20;

/// One slot: 32 bytes.
#[derive(Clone, Copy, Default, bytemuck::Zeroable, bytemuck::Pod)]
#[repr(C)]
struct Slot {
    /// The id's first bytes, zero after its end.
    id: [u8; INLINE],
    /// The id's length; 0 for an empty slot (ids are never empty).
    len: u32,
    /// The row's facts index in the class list (as `MemberIds::facts`).
    facts: u32,
    /// The row's position in the class list.
    row: u32,
}

const _: () = assert!(std::mem::size_of::<Slot>() == 32);

impl Slot {
    /// Whether the slot holds the id `key` was made of (or its first bytes, for a longer id).
    /// An empty slot holds no id, not even an empty one.
    #[inline]
    fn holds(&self, key: &Key) -> bool {
        self.len != 0 && self.len == key.len && self.id == key.id
    }
}

/// What an id's first bucket says of it (see [`FlatIds::near`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Near {
    /// The answer: the member, or `None` when the id is not listed.
    Is(Option<Known>),
    /// The id may be in its second bucket.
    Second,
    /// The id is longer than a slot holds.
    Long,
}

/// Two slots in one cache line (all zero: both empty).
#[derive(Clone, Copy, Default, bytemuck::Zeroable, bytemuck::Pod)]
#[repr(C, align(64))]
struct Bucket([Slot; 2]);

impl Bucket {
    /// Puts `slot` in the bucket's first free slot (slots fill in order: the second is taken
    /// only once the first is); false when the bucket is full.
    fn put(&mut self, slot: Slot) -> bool {
        match self.0.iter_mut().find(|s| s.len == 0) {
            Some(free) => {
                *free = slot;
                true
            }
            None => false,
        }
    }
}

/// Buckets in a group: an id's two buckets lie in the same group, 4 KiB of the table.
const GROUP: usize = 64;

/// Moves tried to make room for one id before the table is rebuilt larger.
const MAX_MOVES: usize = 512;

/// Tables built, each a quarter larger than the last, before giving up: a class list whose ids
/// crowd together (more than a group can hold sharing the bits that choose it, which a list made
/// to defeat the hash could do) is then looked up through its own tables, more slowly.
const MAX_BUILDS: usize = 8;

/// A member id as a slot holds it, for a look-ahead to keep between the time it fetches the
/// slots and the time it reads them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Key {
    id: [u8; INLINE],
    len: u32,
}

impl Key {
    /// Whether `id` is the id this key was made of, when that was at most [`INLINE`] bytes long
    /// (false for longer ids).
    #[inline]
    pub(crate) fn is(&self, id: &[u8]) -> bool {
        self.id
            .get(..self.len as usize)
            .is_some_and(|mine| same_bytes(mine, id))
    }
}

/// Rows a table's build fetches the first bucket of before it puts them in.
const BUILD_AHEAD: usize = 16;

/// The two buckets where an id may be, from its hash.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Homes {
    first: usize,
    second: usize,
}

/// Accepted member ids by hash, in buckets of two slots, half full: each id is in one of its two
/// buckets (cuckoo hashing: an id whose buckets are both full takes the place of one of their
/// ids, which moves to its other bucket, and so on). Unlike probing from one home slot, where a
/// few members in ten lie further than the two cache lines a look-ahead can fetch, no member lies
/// outside its two lines.
///
/// The table owns its buckets (on huge pages: see [`crate::huge`]); look-ups go through the view
/// [`FlatTable::ids`] gives, which holds them as a plain slice.
pub(crate) struct FlatTable<'a> {
    buckets: HugeArray<Bucket>,
    class: &'a ClassRecords,
}

/// Look-ups in a [`FlatTable`].
#[derive(Clone, Copy)]
pub(crate) struct FlatIds<'a> {
    buckets: &'a [Bucket],
    class: &'a ClassRecords,
}

impl std::fmt::Debug for FlatIds<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlatIds")
            .field("buckets", &self.buckets.len())
            .finish_non_exhaustive()
    }
}

/// `id` padded with zeros to the inline width (its first bytes only, when longer).
#[inline]
fn padded(id: &[u8]) -> [u8; INLINE] {
    let mut key = [0u8; INLINE];
    let n = id.len().min(INLINE);
    key[..n].copy_from_slice(&id[..n]);
    key
}

/// [`FlatIds::homes`] in a table of `buckets` buckets.
#[inline]
fn homes_in(buckets: usize, id: &[u8]) -> Homes {
    let hash = hash_id(id);
    let first = ((u128::from(hash) * buckets as u128) >> 64) as usize;
    let flip = (hash % (GROUP as u64 - 1)) as usize + 1;
    Homes {
        first,
        second: first ^ flip,
    }
}

impl<'a> FlatTable<'a> {
    /// The table of `class`'s accepted rows (row positions and facts indexes must fit in `u32`,
    /// as the class list's own do); `None` for a list whose ids no table could hold (see
    /// [`MAX_BUILDS`]).
    pub(crate) fn of(class: &'a ClassRecords) -> Option<Self> {
        // A bucket per member: the slots half full.
        Self::with_groups(class, class.ids.len().div_ceil(GROUP).max(1))
    }

    /// The table in `groups` groups of buckets at least: should the moves for one id fail (a
    /// group that drew too many ids), it is built again a quarter larger, [`MAX_BUILDS`] times
    /// at most.
    fn with_groups(class: &'a ClassRecords, mut groups: usize) -> Option<Self> {
        for _ in 0..MAX_BUILDS {
            if let Some(table) = Self::build(class, groups * GROUP) {
                return Some(table);
            }
            groups += groups.div_ceil(4);
        }
        None
    }

    /// The table with `buckets` buckets (a multiple of [`GROUP`]), or `None` when an id found
    /// no room.
    fn build(class: &'a ClassRecords, buckets: usize) -> Option<Self> {
        let ids = &class.ids;
        let mut table = FlatTable {
            buckets: HugeArray::zeroed(buckets),
            class,
        };
        let buckets: &mut [Bucket] = &mut table.buckets;
        // The rows go in a few places behind the one whose first bucket is fetched: each
        // insert then finds its bucket in cache instead of waiting for it (the table is tens of
        // megabytes, read at random).
        let mut ahead = [(0usize, Homes::default()); BUILD_AHEAD];
        let members = (0..ids.rows()).filter(|&row| ids.is_member(row));
        for (n, row) in members.map(Some).chain([None; BUILD_AHEAD]).enumerate() {
            let at = n % BUILD_AHEAD;
            if n >= BUILD_AHEAD {
                let (behind, homes) = ahead[at];
                let id = ids.id(behind);
                let slot = Slot {
                    id: padded(id),
                    len: id.len() as u32,
                    facts: ids.facts[behind],
                    row: behind as u32,
                };
                insert(buckets, class, slot, homes)?;
            }
            if let Some(row) = row {
                let homes = homes_in(buckets.len(), ids.id(row));
                mem_prefetch::prefetch_write_data::<_, 3>(&buckets[homes.first]);
                ahead[at] = (row, homes);
            }
        }
        Some(table)
    }

    /// Look-ups in the table.
    pub(crate) fn ids(&self) -> FlatIds<'_> {
        FlatIds {
            buckets: &self.buckets,
            class: self.class,
        }
    }
}

/// Puts `slot` in one of its buckets, moving others to their other bucket to make room.
/// `None` when [`MAX_MOVES`] moves did not (the table then holds all but one id, and is
/// dropped).
fn insert(
    buckets: &mut [Bucket],
    class: &ClassRecords,
    mut slot: Slot,
    homes: Homes,
) -> Option<()> {
    if buckets[homes.first].put(slot) || buckets[homes.second].put(slot) {
        return Some(());
    }
    let mut bucket = homes.first;
    // Which of a full bucket's slots to take, drawn from a fixed sequence (a walk that
    // always took the same slot could go round in a circle of a few ids).
    let mut draw = 0x9e37_79b9_7f4a_7c15_u64 ^ (homes.first as u64);
    for _ in 0..MAX_MOVES {
        draw ^= draw << 13;
        draw ^= draw >> 7;
        draw ^= draw << 17;
        std::mem::swap(&mut slot, &mut buckets[bucket].0[(draw >> 32) as usize & 1]);
        let carried = class.ids.id(slot.row as usize);
        let homes = homes_in(buckets.len(), carried);
        bucket = if bucket == homes.first {
            homes.second
        } else {
            homes.first
        };
        if buckets[bucket].put(slot) {
            return Some(());
        }
    }
    None
}

impl<'a> FlatIds<'a> {
    /// Asks the processor to fetch the first bucket of each id at `homes` (from
    /// [`FlatIds::homes`]), without waiting for it: the fetches overlap one another and the work
    /// that follows, and the look-ups a run later find the slots in cache. Nearly nine ids in
    /// ten are in their first bucket; [`FlatIds::near`] says which are not.
    pub(crate) fn fetch(&self, homes: impl Iterator<Item = Homes>) {
        for homes in homes {
            mem_prefetch::prefetch_read_data::<_, 3>(&self.buckets[homes.first]);
        }
    }

    /// As [`FlatIds::fetch`], for the second bucket of an id [`FlatIds::near`] did not settle.
    pub(crate) fn fetch_second(&self, homes: Homes) {
        mem_prefetch::prefetch_read_data::<_, 3>(&self.buckets[homes.second]);
    }

    /// What a look-up of the id `key` (from [`FlatIds::key`]), whose buckets are `homes` (from
    /// [`FlatIds::homes`]), answers from its first bucket alone: for a look-ahead, which reads
    /// nothing but the bucket [`FlatIds::fetch`] fetched. [`Near::Second`] when the id may be
    /// in its second bucket (the first is full, and not with it); [`Near::Long`] when it is
    /// longer than a slot holds (then the look-up is the table's).
    pub(crate) fn near(&self, homes: Homes, key: &Key) -> Near {
        if key.len as usize > INLINE {
            return Near::Long;
        }
        let first = &self.buckets[homes.first].0;
        if let Some(slot) = first.iter().find(|s| s.holds(key)) {
            return Near::Is(Some(known(slot.facts)));
        }
        if first[1].len == 0 {
            return Near::Is(None);
        }
        Near::Second
    }

    /// What [`FlatIds::near`] left to the second bucket: the answer there (fetched by
    /// [`FlatIds::fetch_second`]).
    pub(crate) fn near_second(&self, homes: Homes, key: &Key) -> Option<Known> {
        self.buckets[homes.second]
            .0
            .iter()
            .find(|s| s.holds(key) && key.len as usize <= INLINE)
            .map(|slot| known(slot.facts))
    }

    /// The slots of an id's two buckets, the first bucket's first. An id is never in its second
    /// bucket while the first has room: a full bucket stays full (an id moved out of it is
    /// replaced by the one that moved it).
    #[inline]
    fn slots(&self, homes: Homes) -> impl Iterator<Item = &Slot> {
        let first = &self.buckets[homes.first].0;
        let second = (first[1].len != 0).then(|| &self.buckets[homes.second].0);
        first.iter().chain(second.into_iter().flatten())
    }

    /// [`FlatIds::key`] of the id at `at..at + len` in `bytes`: when `bytes` holds [`INLINE`]
    /// bytes from `at`, they are read whole and those after the id cleared, rather than copied
    /// one by one (a copy of a varying length, read back at once, stalls the processor).
    #[inline]
    pub(crate) fn key_at(bytes: &[u8], at: usize, len: usize) -> Key {
        match bytes.get(at..).and_then(<[u8]>::first_chunk::<INLINE>) {
            Some(whole) => {
                let mut id = *whole;
                for (i, byte) in id.iter_mut().enumerate() {
                    if i >= len {
                        *byte = 0;
                    }
                }
                Key {
                    id,
                    len: len as u32,
                }
            }
            None => Self::key(bytes.get(at..at + len).unwrap_or_default()),
        }
    }

    /// What [`FlatIds::near`] compares of `id`.
    #[inline]
    pub(crate) fn key(id: &[u8]) -> Key {
        Key {
            id: padded(id),
            len: id.len() as u32,
        }
    }

    /// The position and facts index of the accepted member `id`, if listed.
    #[inline]
    pub(crate) fn find(&self, id: &[u8]) -> Option<(usize, u32)> {
        let key = Self::key(id);
        self.slots(self.homes(id))
            .find(|slot| {
                slot.holds(&key)
                    && (id.len() <= INLINE || self.class.ids.id(slot.row as usize) == id)
            })
            .map(|slot| (slot.row as usize, slot.facts))
    }

    /// The two buckets where `id` may be: the first from the hash's high bits, scaled to the
    /// table's size; the second in the same group of [`GROUP`] buckets, chosen by its low bits
    /// (each bucket's index with the same low bits flipped: either bucket leads to the other).
    #[inline]
    pub(crate) fn homes(&self, id: &[u8]) -> Homes {
        homes_in(self.buckets.len(), id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::class::{Interest, RowBatch, RowKind};

    impl FlatIds<'_> {
        /// What the look-ahead answers for an id, from the first bucket and, when that does not
        /// settle it, the second: `None` for an id longer than a slot holds.
        pub(crate) fn look_ahead_answer(&self, homes: Homes, key: &Key) -> Option<Option<Known>> {
            match self.near(homes, key) {
                Near::Is(answer) => Some(answer),
                Near::Second => Some(self.near_second(homes, key)),
                Near::Long => None,
            }
        }
    }

    /// A class list of `n` listed members `m-0` to `m-{n-1}`, every third id long enough to be
    /// kept in a slot only in part.
    fn listed(n: usize) -> ClassRecords {
        let mut class = ClassRecords::with_interest(Interest::default());
        let mut batch = RowBatch::default();
        for i in 0..n {
            let id = id(i);
            batch.push(
                id.as_bytes(),
                hash_id(id.as_bytes()),
                i as u64 + 2,
                RowKind::Listed,
            );
        }
        class.list_rows(batch, 2);
        class
    }

    fn id(i: usize) -> String {
        if i % 3 == 0 {
            format!("urn:li:member:long-shared-prefix-{i}")
        } else {
            format!("m-{i}")
        }
    }

    /// Every member of a table half full, where many ids had to move to make room, is found at
    /// its own row, from its own two buckets; ids not listed are not found.
    #[test]
    fn every_member_is_in_one_of_its_two_buckets() {
        let class = listed(20_000);
        let built = FlatTable::of(&class).expect("built");
        let table = built.ids();
        assert_eq!(table.buckets.len(), 20_032);
        let mut in_second = 0;
        for i in 0..20_000 {
            let id = id(i);
            let (row, _) = table.find(id.as_bytes()).expect("listed");
            assert_eq!(class.ids.id(row), id.as_bytes());
            let homes = table.homes(id.as_bytes());
            assert_eq!(homes.second / GROUP, homes.first / GROUP);
            if table.buckets[homes.second]
                .0
                .iter()
                .any(|s| s.row as usize == row && s.len != 0)
            {
                in_second += 1;
            }
            let (_, facts) = table.find(id.as_bytes()).expect("listed");
            let answer = table.look_ahead_answer(homes, &FlatIds::key(id.as_bytes()));
            let expected = (id.len() <= INLINE).then_some(Some(known(facts)));
            assert_eq!(answer, expected, "{id}");
        }
        // Some ids went to their second bucket (so the search there is tested).
        assert!(in_second > 1_000, "{in_second}");
        // No id is empty, and an empty slot is no id's.
        assert_eq!(table.find(b""), None);
        let empty = table.look_ahead_answer(table.homes(b""), &FlatIds::key(b""));
        assert_eq!(empty, Some(None));
        for i in 20_000..30_000 {
            let id = id(i);
            assert_eq!(table.find(id.as_bytes()), None);
            let answer =
                table.look_ahead_answer(table.homes(id.as_bytes()), &FlatIds::key(id.as_bytes()));
            assert_eq!(answer, (id.len() <= INLINE).then_some(None), "{id}");
        }
    }

    /// A table large enough to be on huge pages (a map of its own) finds every member as well.
    #[test]
    fn a_mapped_table_finds_every_member() {
        let class = listed(70_000);
        let built = FlatTable::of(&class).expect("built");
        assert!(built.buckets.is_mapped());
        let table = built.ids();
        for i in 0..70_000 {
            let id = id(i);
            let (row, _) = table.find(id.as_bytes()).expect("listed");
            assert_eq!(class.ids.id(row), id.as_bytes());
        }
        assert_eq!(table.find(b"m-70000"), None);
    }

    /// A table too small for its ids is not built, and the table made for them instead is larger
    /// and holds them all.
    #[test]
    fn a_table_without_room_is_built_again_larger() {
        let class = listed(300);
        assert!(FlatTable::build(&class, GROUP).is_none());
        let built = FlatTable::with_groups(&class, 1).expect("built");
        let table = built.ids();
        assert!(table.buckets.len() >= 3 * GROUP);
        for i in 0..300 {
            assert!(table.find(id(i).as_bytes()).is_some());
        }
    }

    proptest::proptest! {
        /// An id's key read whole from the bytes around it is the key made of the id alone: ids
        /// shorter and longer than a slot holds, with bytes after them or at the end.
        #[test]
        fn a_key_read_in_place_is_the_ids_key(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
            at in 0usize..64,
            len in 0usize..40,
        ) {
            let at = at.min(bytes.len());
            let len = len.min(bytes.len() - at);
            let id = &bytes[at..at + len];
            proptest::prop_assert_eq!(FlatIds::key_at(&bytes, at, len), FlatIds::key(id));
        }
    }
}

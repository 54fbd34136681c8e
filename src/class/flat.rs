//! The accepted member ids in one flat table whose slots hold each id whole, for the evidence
//! file's look-ups.
//!
//! An evidence log in time order names a different member on almost every row, so each row's
//! look-up lands on a random member. In the class list's own tables that costs a cache miss for
//! the table's control bytes, one for the slot, one for the id's end, one for its bytes and one
//! for its facts index. Here the id (when it is at most [`INLINE`] bytes, as member ids are) and
//! the facts index sit in the slot the hash points to: one miss, usually, per row. The table is
//! built once, read only, for the length of one reading of the file.

use super::{hash_id, known, same_bytes, ClassRecords};
use crate::ingest::Known;

/// Id bytes kept in a slot. A longer id keeps its first bytes there and is compared in full
/// against the class list.
const INLINE: usize = 20;

/// One slot: 32 bytes, aligned so that a slot never straddles two cache lines.
#[derive(Clone, Copy, Default)]
#[repr(C, align(32))]
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

/// Accepted member ids by hash, with open addressing and linear probing, half full at most: a
/// look-up reads 1.5 slots on average (2.5 at three quarters full, measured on 20M evidence
/// rows), so that the two cache lines [`FlatIds::fetch`] fetches hold nearly every member.
pub(crate) struct FlatIds<'a> {
    slots: Vec<Slot>,
    class: &'a ClassRecords,
}

impl std::fmt::Debug for FlatIds<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlatIds")
            .field("slots", &self.slots.len())
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

impl<'a> FlatIds<'a> {
    /// The table of `class`'s accepted rows (row positions and facts indexes must fit in `u32`,
    /// as the class list's own do).
    pub(crate) fn of(class: &'a ClassRecords) -> Self {
        let ids = &class.ids;
        let wanted = (ids.len() * 2).max(8);
        let mut table = FlatIds {
            slots: vec![Slot::default(); wanted],
            class,
        };
        for row in 0..ids.rows() {
            if !ids.is_member(row) {
                continue;
            }
            let id = ids.id(row);
            let mut at = table.home(id);
            while table.slots[at].len != 0 {
                at = table.next(at);
            }
            table.slots[at] = Slot {
                id: padded(id),
                len: id.len() as u32,
                facts: ids.facts[row],
                row: row as u32,
            };
        }
        table
    }

    /// Asks the processor to fetch the slots where the look-ups of the ids at `homes` (from
    /// [`FlatIds::home`]) start, and the cache line after, without waiting for them: the
    /// fetches overlap one another and the work that follows, and the look-ups a run later find
    /// the slots in cache.
    pub(crate) fn fetch(&self, homes: impl Iterator<Item = usize>) {
        for at in homes {
            // Two slots on: the next cache line, wherever `at` sits in its own.
            let beyond = (at + 2).min(self.slots.len() - 1);
            mem_prefetch::prefetch_read_data::<_, 3>(&self.slots[at]);
            mem_prefetch::prefetch_read_data::<_, 3>(&self.slots[beyond]);
        }
    }

    /// What a look-up of the member whose look-up starts at `home` (from [`FlatIds::home`]) and
    /// whose id is `key` (from [`FlatIds::key`]) answers, if the member lies within the slots
    /// that [`FlatIds::fetch`] fetched (nearly every member does), for an id a slot holds whole:
    /// for a look-ahead, which reads nothing else. `None` says nothing (the member may be further
    /// on, or not listed).
    pub(crate) fn near(&self, home: usize, key: &Key) -> Option<Known> {
        if key.len as usize > INLINE {
            return None;
        }
        let mut at = home;
        for _ in 0..3 {
            let slot = self.slots.get(at)?;
            if slot.len == 0 {
                return None;
            }
            if slot.len == key.len && slot.id == key.id {
                return Some(known(slot.facts));
            }
            at = self.next(at);
        }
        None
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
        let key = padded(id);
        let len = id.len() as u32;
        let mut at = self.home(id);
        loop {
            let slot = &self.slots[at];
            if slot.len == 0 {
                return None;
            }
            if slot.len == len
                && slot.id == key
                && (id.len() <= INLINE || self.class.ids.id(slot.row as usize) == id)
            {
                return Some((slot.row as usize, slot.facts));
            }
            at = self.next(at);
        }
    }

    /// The slot where the search for `id` starts: the hash scaled to the table's size.
    #[inline]
    pub(crate) fn home(&self, id: &[u8]) -> usize {
        ((u128::from(hash_id(id)) * self.slots.len() as u128) >> 64) as usize
    }

    /// The slot after `at`, round to the start.
    #[inline]
    fn next(&self, at: usize) -> usize {
        if at + 1 == self.slots.len() {
            0
        } else {
            at + 1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

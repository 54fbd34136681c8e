//! Large tables on huge pages.
//!
//! The evidence reader looks members up at random in tables of tens of megabytes (the id table,
//! each thread's summaries): with the usual 4 KiB pages nearly every look-up also misses the
//! processor's address translation cache, and on a virtual machine each such miss walks two sets
//! of page tables. A 2 MiB page covers 512 times as much. These tables are therefore given memory
//! of their own (an anonymous map, zeroed by the system), which the system is asked to back with
//! transparent huge pages; it is returned to the system as soon as the table is dropped.
//!
//! Where no map can be made, or on a system without transparent huge pages, the table is an
//! ordinary zeroed vector: the values are the same, only the speed differs.

use std::ops::{Deref, DerefMut};

use bytemuck::Pod;
use memmap2::MmapMut;

/// Tables smaller than this stay in ordinary memory (a huge page is 2 MiB).
const HUGE_FROM: usize = 4 << 20;

/// A fixed-length array of plain values (all zero at first) in memory of its own.
pub(crate) struct HugeArray<T: Pod> {
    storage: Storage<T>,
}

enum Storage<T> {
    /// Exactly the values' bytes, checked to be seen as `[T]` when mapped.
    Mapped(MmapMut),
    Vec(Vec<T>),
}

impl<T: Pod> HugeArray<T> {
    /// `len` values, each all zero bytes.
    pub(crate) fn zeroed(len: usize) -> HugeArray<T> {
        let bytes = len.saturating_mul(size_of::<T>());
        let mapped = (bytes >= HUGE_FROM).then(|| Self::map(bytes)).flatten();
        let storage = match mapped {
            Some(map) => Storage::Mapped(map),
            None => Storage::Vec(bytemuck::zeroed_vec(len)),
        };
        HugeArray { storage }
    }

    /// An anonymous map of `bytes`, advised onto huge pages, if the system makes one whose
    /// start suits `T` (a map starts on a page boundary, so it always does).
    fn map(bytes: usize) -> Option<MmapMut> {
        let map = MmapMut::map_anon(bytes).ok()?;
        #[cfg(target_os = "linux")]
        {
            // Only advice: without huge pages the map works the same.
            let _ = map.advise(memmap2::Advice::HugePage);
        }
        bytemuck::try_cast_slice::<u8, T>(&map).ok()?;
        Some(map)
    }

    /// Whether the values are in a map of their own (false: in an ordinary vector).
    #[cfg(test)]
    pub(crate) fn is_mapped(&self) -> bool {
        matches!(self.storage, Storage::Mapped(_))
    }
}

impl<T: Pod> Deref for HugeArray<T> {
    type Target = [T];

    #[inline]
    fn deref(&self) -> &[T] {
        match &self.storage {
            // The cast was checked when the map was made, and the map never changes.
            Storage::Mapped(map) => bytemuck::cast_slice(map),
            Storage::Vec(values) => values,
        }
    }
}

impl<T: Pod> DerefMut for HugeArray<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        match &mut self.storage {
            Storage::Mapped(map) => bytemuck::cast_slice_mut(map),
            Storage::Vec(values) => values,
        }
    }
}

impl<T: Pod> Default for HugeArray<T> {
    fn default() -> Self {
        HugeArray::zeroed(0)
    }
}

impl<T: Pod + std::fmt::Debug> std::fmt::Debug for HugeArray<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HugeArray")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_array_is_mapped_zeroed_and_holds_what_is_written() {
        let len = (HUGE_FROM / size_of::<u64>()) * 2 + 3;
        let mut values = HugeArray::<u64>::zeroed(len);
        assert!(values.is_mapped());
        assert_eq!(values.len(), len);
        assert!(values.iter().all(|&v| v == 0));
        for (i, v) in values.iter_mut().enumerate() {
            *v = i as u64 * 7;
        }
        assert_eq!(values[len - 1], (len as u64 - 1) * 7);
        assert_eq!(
            values.iter().sum::<u64>(),
            7 * (len as u64 * (len as u64 - 1) / 2)
        );
    }

    #[test]
    fn a_small_array_is_an_ordinary_vector_with_the_same_values() {
        let mut values = HugeArray::<u32>::zeroed(10);
        assert!(!values.is_mapped());
        assert_eq!(&values[..], &[0; 10]);
        values[9] = 5;
        assert_eq!(values[9], 5);
        assert!(HugeArray::<u32>::default().is_empty());
    }
}

//! Hash maps for the hot paths: foldhash, which spreads patterned keys (`m-00000001`,
//! `m-00000002`, ...) well and is fast, with a fixed seed so that nothing in a run depends on
//! randomness, not even the memory layout of a table.

/// A hash map with a fast, fixed-seed hasher.
pub type Map<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

/// A hash set with a fast, fixed-seed hasher.
pub type Set<K> = std::collections::HashSet<K, foldhash::fast::FixedState>;

//! The per-replica store of the last-writer-wins protocols (`eventual`,
//! `quorum`, `causal` and `causal-memory`) and of Merkle anti-entropy
//! (`super::super::merkle`): per key, the value with the largest stamp
//! seen, the stamp kept beside it so that replicas merging in any order
//! keep the same entry.
//!
//! The other protocols (single copy, primary-backup, chain, state machine)
//! order writes by one copy, a primary or a log, so their stores are plain
//! `Vec<Option<i64>>`, one value per key, overwritten in that order.

/// A timestamp for last-writer-wins: `(clock, node)` ordered
/// lexicographically, so that ties between nodes are broken the same way
/// everywhere.
pub type Stamp = (u64, u32);

/// One replica's entry for a key: `None` while the key has no value.
pub type Entry = Option<(Stamp, i64)>;

/// Last-writer-wins merge: keeps the entry with the larger stamp (of equal
/// stamps, the one already there). True if `incoming` replaced the entry.
pub fn lww_merge(slot: &mut Entry, incoming: (Stamp, i64)) -> bool {
    match slot {
        Some((ts, _)) if *ts >= incoming.0 => false,
        _ => {
            *slot = Some(incoming);
            true
        }
    }
}

/// One replica's entries for keys `0..keys`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LwwStore {
    entries: Vec<Entry>,
}

impl LwwStore {
    /// A store in which no key has a value.
    pub fn new(keys: usize) -> LwwStore {
        LwwStore {
            entries: vec![None; keys],
        }
    }

    /// The value of `key`, `None` if it has none.
    pub fn read(&self, key: u32) -> Option<i64> {
        self.entries[key as usize].map(|(_, v)| v)
    }

    /// The entry of `key`, stamp included.
    pub fn entry(&self, key: u32) -> Entry {
        self.entries[key as usize]
    }

    /// Merges `value` stamped `stamp` into `key` by [`lww_merge`]; true if
    /// it replaced the entry.
    pub fn merge(&mut self, key: u32, stamp: Stamp, value: i64) -> bool {
        lww_merge(&mut self.entries[key as usize], (stamp, value))
    }

    /// Replaces the entry of `key` whatever the stamps (writes applied in
    /// delivery order).
    pub fn overwrite(&mut self, key: u32, stamp: Stamp, value: i64) {
        self.entries[key as usize] = Some((stamp, value));
    }

    /// Every key's entry, indexed by key (what a Merkle tree hashes).
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Every key's entry, to merge into (see [`merkle::merge_entries`]).
    ///
    /// [`merkle::merge_entries`]: crate::sim::merkle::merge_entries
    pub fn entries_mut(&mut self) -> &mut [Entry] {
        &mut self.entries
    }

    /// The keys that have a value, in key order, as `(key, stamp, value)`
    /// (what a replica ships to another).
    pub fn present(&self) -> Vec<(u32, Stamp, i64)> {
        self.entries
            .iter()
            .enumerate()
            .filter_map(|(k, e)| e.map(|(s, v)| (k as u32, s, v)))
            .collect()
    }

    /// The value of every key (for `Protocol::replica_values`).
    pub fn values(&self) -> Vec<Option<i64>> {
        self.entries.iter().map(|e| e.map(|(_, v)| v)).collect()
    }
}

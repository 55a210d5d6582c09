//! Merkle trees (hash trees; Merkle, CRYPTO 1987) for anti-entropy, as in
//! Dynamo (DeCandia et al., SOSP 2007) and Cassandra: a replica's keys are
//! split into buckets by a hash of the key; a leaf is the hash of its
//! bucket's entries, an inner node the hash of its two children. Two
//! replicas compare roots; where hashes differ they descend, one level per
//! message, and at differing leaves ship only those buckets' entries. When
//! few keys differ, that is far fewer bytes than shipping the whole state.
//!
//! ```text
//!                 root (1)
//!            ┌──────┴──────┐
//!           (2)           (3)        inner node = mix(left, right)
//!         ┌──┴──┐       ┌──┴──┐
//!        ...   ...     ...   ...
//!  leaves 64..127: hash of the (key, stamp, value) entries of one bucket
//! ```
//!
//! The tree is a heap-ordered array (node `i` has children `2i`, `2i+1`),
//! kept lazily: writes mark their leaf dirty and [`MerkleTree::refresh`]
//! rehashes dirty leaves and their ancestors before a comparison.
//!
//! The exchange itself is written as pure steps ([`compare_digest`],
//! [`bucket_entries`], [`newer_entries`]) that the eventual-consistency
//! protocol sends as messages and [`reconcile`] runs directly, so that the
//! byte savings can be tested without a network.

use super::protocols::store::{Stamp, lww_merge};
use super::protocols::{ENTRY_BYTES, HEADER_BYTES};
use super::rng::splitmix64;

/// Number of leaves (buckets). A power of two.
pub const LEAVES: usize = 64;
/// Bytes of one `(node index, hash)` pair in a digest message.
pub const DIGEST_NODE_BYTES: usize = 2 + 8;

pub use super::protocols::store::Entry;

/// The bucket a key belongs to.
pub fn bucket_of(key: u32) -> usize {
    let mut s = key as u64;
    (splitmix64(&mut s) % LEAVES as u64) as usize
}

fn mix(a: u64, b: u64) -> u64 {
    let mut s = a.rotate_left(17) ^ b.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    splitmix64(&mut s)
}

fn entry_hash(key: u32, stamp: Stamp, value: i64) -> u64 {
    mix(mix(key as u64, stamp.0), mix(stamp.1 as u64, value as u64))
}

/// A Merkle tree over one replica's store. See the module docs.
#[derive(Clone, Debug)]
pub struct MerkleTree {
    /// Heap-ordered; index 0 unused, 1 is the root, leaves at `LEAVES..`.
    hashes: Vec<u64>,
    /// Keys of each bucket, ascending.
    buckets: Vec<Vec<u32>>,
    dirty: Vec<bool>,
    any_dirty: bool,
}

impl MerkleTree {
    /// A tree for keys `0..keys`, all dirty.
    pub fn new(keys: usize) -> MerkleTree {
        let mut buckets = vec![Vec::new(); LEAVES];
        for k in 0..keys as u32 {
            buckets[bucket_of(k)].push(k);
        }
        MerkleTree {
            hashes: vec![0; 2 * LEAVES],
            buckets,
            dirty: vec![true; LEAVES],
            any_dirty: true,
        }
    }

    /// Records that `key` changed.
    pub fn mark(&mut self, key: u32) {
        self.dirty[bucket_of(key)] = true;
        self.any_dirty = true;
    }

    /// Rehashes dirty leaves and their ancestors.
    pub fn refresh(&mut self, store: &[Entry]) {
        if !self.any_dirty {
            return;
        }
        for leaf in 0..LEAVES {
            if !self.dirty[leaf] {
                continue;
            }
            self.dirty[leaf] = false;
            let h = self.buckets[leaf].iter().fold(0x5151_5151u64, |h, &k| {
                match store.get(k as usize).copied().flatten() {
                    Some((stamp, v)) => mix(h, entry_hash(k, stamp, v)),
                    None => h,
                }
            });
            let mut i = LEAVES + leaf;
            self.hashes[i] = h;
            while i > 1 {
                i /= 2;
                self.hashes[i] = mix(self.hashes[2 * i], self.hashes[2 * i + 1]);
            }
        }
        self.any_dirty = false;
    }

    /// The hash of node `index` (1 = root). Call [`refresh`](Self::refresh)
    /// first.
    pub fn hash(&self, index: u16) -> u64 {
        self.hashes[index as usize]
    }

    pub fn root(&self) -> u64 {
        self.hash(1)
    }

    /// True when `index` is a leaf.
    pub fn is_leaf(index: u16) -> bool {
        index as usize >= LEAVES
    }

    /// The keys of leaf `index`.
    pub fn leaf_keys(&self, index: u16) -> &[u32] {
        &self.buckets[index as usize - LEAVES]
    }
}

/// What a replica answers to a digest: the children (with its hashes) of
/// inner nodes whose hash differs, and the differing leaves.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DigestAnswer {
    pub children: Vec<(u16, u64)>,
    pub leaves: Vec<u16>,
}

/// Compares a peer's digest (node index, hash) against `tree`.
pub fn compare_digest(tree: &MerkleTree, digest: &[(u16, u64)]) -> DigestAnswer {
    let mut answer = DigestAnswer::default();
    for &(index, h) in digest {
        if index == 0 || index as usize >= 2 * LEAVES || tree.hash(index) == h {
            continue;
        }
        if MerkleTree::is_leaf(index) {
            answer.leaves.push(index);
        } else {
            for c in [2 * index, 2 * index + 1] {
                answer.children.push((c, tree.hash(c)));
            }
        }
    }
    answer
}

/// The present entries of the given leaves.
pub fn bucket_entries(
    tree: &MerkleTree,
    store: &[Entry],
    leaves: &[u16],
) -> Vec<(u32, Stamp, i64)> {
    let mut out = Vec::new();
    for &leaf in leaves {
        for &k in tree.leaf_keys(leaf) {
            if let Some((s, v)) = store[k as usize] {
                out.push((k, s, v));
            }
        }
    }
    out
}

/// Entries of the given leaves that are newer in `store` than in what the
/// peer sent (`theirs`): the answer that completes a two-way repair.
pub fn newer_entries(
    tree: &MerkleTree,
    store: &[Entry],
    leaves: &[u16],
    theirs: &[(u32, Stamp, i64)],
) -> Vec<(u32, Stamp, i64)> {
    bucket_entries(tree, store, leaves)
        .into_iter()
        .filter(|(k, s, _)| {
            theirs
                .iter()
                .find(|(tk, _, _)| tk == k)
                .is_none_or(|(_, ts, _)| ts < s)
        })
        .collect()
}

/// Merges entries into a store (last writer wins), marking the tree.
pub fn merge_entries(tree: &mut MerkleTree, store: &mut [Entry], entries: &[(u32, Stamp, i64)]) {
    for &(k, s, v) in entries {
        if let Some(slot) = store.get_mut(k as usize)
            && lww_merge(slot, (s, v))
        {
            tree.mark(k);
        }
    }
}

/// Wire sizes of the exchange, for the counters.
pub fn digest_bytes(nodes: usize) -> usize {
    HEADER_BYTES + DIGEST_NODE_BYTES * nodes
}

pub fn buckets_bytes(entries: usize, wanted: usize) -> usize {
    HEADER_BYTES + ENTRY_BYTES * entries + 2 * wanted
}

/// What shipping both replicas' whole state would cost (the baseline).
pub fn full_state_bytes(a: &[Entry], b: &[Entry]) -> usize {
    let count = |s: &[Entry]| s.iter().filter(|e| e.is_some()).count();
    2 * HEADER_BYTES + ENTRY_BYTES * (count(a) + count(b))
}

/// Counters of one reconciliation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReconcileStats {
    pub messages: u64,
    pub bytes: u64,
    pub full_state_bytes: u64,
    pub entries_shipped: u64,
}

/// Runs the whole exchange between replicas `a` (initiator) and `b`
/// directly, with the same steps and sizes the protocol's messages use.
/// Afterwards both stores hold, per key, the entry with the larger stamp.
pub fn reconcile(
    a: &mut [Entry],
    ta: &mut MerkleTree,
    b: &mut [Entry],
    tb: &mut MerkleTree,
) -> ReconcileStats {
    let mut stats = ReconcileStats {
        full_state_bytes: full_state_bytes(a, b) as u64,
        ..ReconcileStats::default()
    };
    ta.refresh(a);
    tb.refresh(b);
    // a → b: the root.
    let mut digest = vec![(1u16, ta.root())];
    stats.messages += 1;
    stats.bytes += digest_bytes(1) as u64;
    // Alternate sides, one tree level per message, as the protocol does.
    let mut at_b = true;
    while !digest.is_empty() {
        let (tree, store) = if at_b { (&*tb, &*b) } else { (&*ta, &*a) };
        let answer = compare_digest(tree, &digest);
        if !answer.leaves.is_empty() {
            // This side ships its differing buckets and asks for the other's.
            let mine = bucket_entries(tree, store, &answer.leaves);
            stats.messages += 1;
            stats.bytes += buckets_bytes(mine.len(), answer.leaves.len()) as u64;
            stats.entries_shipped += mine.len() as u64;
            let (other_tree, other_store, this_tree, this_store) = if at_b {
                (&mut *ta, &mut *a, &mut *tb, &mut *b)
            } else {
                (&mut *tb, &mut *b, &mut *ta, &mut *a)
            };
            let back = newer_entries(other_tree, other_store, &answer.leaves, &mine);
            merge_entries(other_tree, other_store, &mine);
            stats.messages += 1;
            stats.bytes += buckets_bytes(back.len(), 0) as u64;
            stats.entries_shipped += back.len() as u64;
            merge_entries(this_tree, this_store, &back);
        }
        if !answer.children.is_empty() {
            stats.messages += 1;
            stats.bytes += digest_bytes(answer.children.len()) as u64;
        }
        digest = answer.children;
        at_b = !at_b;
    }
    ta.refresh(a);
    tb.refresh(b);
    stats
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(keys: usize, f: impl Fn(u32) -> Entry) -> Vec<Entry> {
        (0..keys as u32).map(f).collect()
    }

    #[test]
    fn equal_stores_cost_one_digest() {
        let mut a = store(100, |k| Some(((1, 0), k as i64)));
        let mut b = a.clone();
        let (mut ta, mut tb) = (MerkleTree::new(100), MerkleTree::new(100));
        let s = reconcile(&mut a, &mut ta, &mut b, &mut tb);
        assert_eq!(s.messages, 1);
        assert!(s.bytes < s.full_state_bytes / 100);
    }

    #[test]
    fn one_difference_is_repaired_both_ways() {
        let mut a = store(1000, |k| Some(((1, 0), k as i64)));
        let mut b = a.clone();
        a[7] = Some(((2, 0), -7));
        b[900] = Some(((3, 1), -900));
        b[901] = None;
        let (mut ta, mut tb) = (MerkleTree::new(1000), MerkleTree::new(1000));
        let s = reconcile(&mut a, &mut ta, &mut b, &mut tb);
        assert_eq!(a, b);
        assert_eq!(a[7], Some(((2, 0), -7)));
        assert_eq!(a[900], Some(((3, 1), -900)));
        assert_eq!(ta.root(), tb.root());
        assert!(s.bytes * 10 < s.full_state_bytes, "{s:?}");
    }
}

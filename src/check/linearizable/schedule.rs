//! Partition scheduling for the searches: cheap partitions first, one
//! budget for all, and an early end once enough partitions are refuted.
//!
//! Linearizability is local (Herlihy & Wing, Theorem 1), so each key is
//! searched on its own; sequential consistency is not, but a key that is not
//! sequentially consistent alone refutes the whole history, so its per-key
//! refutation uses the same schedule. Partitions differ wildly in cost: in a
//! Porcupine-style kv log most keys are refuted in a few thousand steps
//! while a few with many concurrent writers of repeated values take
//! millions. Searching them all to the end before answering makes the user
//! wait for the hardest key, and a run's timeout then hides violations the
//! easy keys proved.
//!
//! # Rounds
//! The schedule runs in rounds with a growing step limit
//! ([`FIRST_ROUND_STEPS`], then × [`GROWTH`]): every partition not yet
//! decided is searched, in parallel and cheapest first (fewest operations ×
//! processes), until it is decided or pauses at the limit; a paused search
//! starts again in the next round (the restarts cost at most 1/(GROWTH − 1)
//! of the last round's work). After a round, once `want` partitions are
//! refuted, the undecided ones are left *stopped*. A partition that is the
//! last one open runs without a limit.
//!
//! Limits are counted in search steps, not time, so which partitions are
//! decided does not depend on the machine or the thread count: the only
//! timing-dependent ends are the run's own budgets (deadline, memory), which
//! end every open partition as *out of budget*.

use super::search::Budget;
use super::{Instance, PartEnd};
use rayon::prelude::*;

/// Step limit of the first round: a few milliseconds of search.
pub(crate) const FIRST_ROUND_STEPS: u64 = 1 << 14;

/// Factor by which each round's limit grows.
pub(crate) const GROWTH: u64 = 8;

/// Searches every partition of `insts` with `search` under `budget` in
/// rounds (see the module docs), until all are decided or `want`
/// partitions are refuted (`None`: decide all). Ends come back in the order
/// of `insts`; partitions left undecided after enough refutations end as
/// [`PartEnd::Stopped`].
pub(crate) fn schedule<O, F>(
    insts: &[Instance<O>],
    want: Option<usize>,
    budget: &Budget<'_>,
    search: F,
) -> Vec<PartEnd>
where
    O: Sync,
    F: Fn(&Instance<O>, &Budget<'_>) -> PartEnd + Sync,
{
    let mut ends: Vec<Option<PartEnd>> = (0..insts.len()).map(|_| None).collect();
    let mut order: Vec<usize> = (0..insts.len()).collect();
    order.sort_by_key(|&i| (cost(&insts[i]), insts[i].partition));
    let mut limit = FIRST_ROUND_STEPS;
    let mut refuted = 0usize;
    loop {
        let open: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| ends[i].is_none())
            .collect();
        if open.is_empty() {
            break;
        }
        if want.is_some_and(|w| refuted >= w) {
            for i in open {
                ends[i] = Some(PartEnd::Stopped);
            }
            break;
        }
        let round = Budget {
            steps_max: (open.len() > 1).then_some(limit),
            ..*budget
        };
        let got: Vec<(usize, PartEnd)> = open
            .par_iter()
            .map(|&i| (i, search(&insts[i], &round)))
            .collect();
        for (i, end) in got {
            match end {
                PartEnd::Paused => {}
                end => {
                    refuted += matches!(end, PartEnd::Refuted(_)) as usize;
                    ends[i] = Some(end);
                }
            }
        }
        limit = limit.saturating_mul(GROWTH);
    }
    ends.into_iter()
        .map(|e| e.expect("every partition ends"))
        .collect()
}

/// The schedule's estimate of a partition's cost: its operations times its
/// processes (the search's branching grows with concurrency).
fn cost<O>(inst: &Instance<O>) -> u64 {
    inst.items.len() as u64 * inst.processes.max(1) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::linearizable::search::Item;
    use crate::history::OpId;
    use std::sync::Mutex;
    use std::sync::atomic::AtomicBool;

    fn inst(partition: u32, ops: usize) -> Instance<()> {
        Instance {
            partition,
            items: (0..ops)
                .map(|i| Item {
                    id: OpId(i as u32),
                    op: (),
                    invoke: 0,
                    ret: 1,
                    required: true,
                    process: 0,
                    class: u32::MAX,
                })
                .collect(),
            processes: 1,
        }
    }

    /// A fake search: partition p needs `need[p]` steps and is refuted when
    /// `bad[p]`.
    fn fake(need: &[u64], bad: &[bool]) -> impl Fn(&Instance<()>, &Budget<'_>) -> PartEnd + Sync {
        let need = need.to_vec();
        let bad = bad.to_vec();
        move |inst, budget| {
            let p = inst.partition as usize;
            if budget.steps_max.is_some_and(|m| m < need[p]) {
                PartEnd::Paused
            } else if bad[p] {
                PartEnd::Refuted(crate::check::result::Violation {
                    pattern: crate::check::pattern::Pattern::NotLinearizable,
                    key: None,
                    ops: vec![OpId(0)],
                    edges: Vec::new(),
                    explanation: crate::check::sentence::Sentence::new(),
                    partial_order: Vec::new(),
                })
            } else {
                PartEnd::Found(Vec::new())
            }
        }
    }

    fn kinds(ends: &[PartEnd]) -> String {
        ends.iter()
            .map(|e| match e {
                PartEnd::Found(_) => 'F',
                PartEnd::Refuted(_) => 'R',
                PartEnd::OutOfBudget(_) => 'U',
                PartEnd::Stopped => 'S',
                PartEnd::Paused => 'P',
            })
            .collect()
    }

    #[test]
    fn an_easy_refutation_stops_the_hard_partitions() {
        let stop = AtomicBool::new(false);
        let budget = Budget {
            deadline: None,
            states_max: None,
            steps_max: None,
            stop: &stop,
            memory: None,
        };
        let insts: Vec<Instance<()>> = (0..4).map(|p| inst(p, 10)).collect();
        let need = [FIRST_ROUND_STEPS * 1000, 10, FIRST_ROUND_STEPS * 1000, 10];
        let bad = [false, true, true, false];
        let ends = schedule(&insts, Some(1), &budget, fake(&need, &bad));
        assert_eq!(kinds(&ends), "SRSF");
        // Deciding every partition reaches the hard refutation too.
        let ends = schedule(&insts, None, &budget, fake(&need, &bad));
        assert_eq!(kinds(&ends), "FRRF");
    }

    #[test]
    fn the_last_open_partition_runs_unbounded() {
        let stop = AtomicBool::new(false);
        let budget = Budget {
            deadline: None,
            states_max: None,
            steps_max: None,
            stop: &stop,
            memory: None,
        };
        let limits = Mutex::new(Vec::new());
        let insts = vec![inst(0, 5), inst(1, 5)];
        let need = [u64::MAX, 1];
        let search = fake(&need, &[false, false]);
        let ends = schedule(&insts, None, &budget, |i, b| {
            limits.lock().unwrap().push((i.partition, b.steps_max));
            search(i, b)
        });
        assert_eq!(kinds(&ends), "FF");
        let limits = limits.into_inner().unwrap();
        assert!(limits.contains(&(0, None)), "{limits:?}");
        assert!(limits.contains(&(1, Some(FIRST_ROUND_STEPS))), "{limits:?}");
    }
}

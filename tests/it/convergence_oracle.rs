//! A brute-force oracle for convergence (`check::convergence`) on small
//! random timed histories with a quiescence point. It enumerates the
//! definition: for every key whose writes all returned, the reads invoked
//! at or after the quiescence point and after the key's last write
//! returned agree on one value, and some arbitration of the writes that
//! took effect (a total order extending causal order, for some choice of
//! which unread writes of unknown outcome took effect) ends with the write
//! of that value, or has no write at all when the value is the initial one.

use crate::weak_support;

use concord::check::{CheckConfig, Guarantee, Verdict, weak_causal::check_many};
use concord::history::{Call, History, Observed, Outcome};
use weak_support::{Rng, read_hist};

/// A random timed history: 2–3 sessions, 1–2 keys, 3–8 operations,
/// unique written values, some failed writes, some writes of unknown
/// outcome (returned or not), reads of a write invoked before they returned
/// or of the initial value, and a `%quiescent` point.
fn random_timed_hist(rng: &mut Rng) -> String {
    let sessions = 2 + rng.below(2) as usize;
    let keys = 1 + rng.below(2) as usize;
    let n = 3 + rng.below(6);
    let mut last_ret = vec![0u64; sessions];
    let mut now = 0u64;
    // (key, value, invoke, failed)
    let mut writes: Vec<(usize, u64, u64, bool)> = Vec::new();
    let mut lines = Vec::new();
    let mut next_value = 1;
    let mut open = vec![false; sessions];
    for _ in 0..n {
        let p = rng.below(sessions as u64) as usize;
        if open[p] {
            continue;
        }
        now += rng.below(3);
        let invoke = now.max(last_ret[p] + 1);
        let ret = invoke + 1 + rng.below(4);
        last_ret[p] = ret;
        let key = rng.below(keys as u64) as usize;
        let name = ["x", "y"][key];
        if rng.below(2) == 0 {
            let v = next_value;
            next_value += 1;
            let roll = rng.below(100);
            let (timing, outcome, failed) = match roll {
                0..12 => (format!("{invoke}..{ret}"), " fail", true),
                12..18 => {
                    // Never returned: the session makes no more calls.
                    open[p] = true;
                    (format!("{invoke}..?"), "", false)
                }
                18..24 => (format!("{invoke}..{ret}"), " info", false),
                _ => (format!("{invoke}..{ret}"), "", false),
            };
            writes.push((key, v, invoke, failed));
            lines.push((invoke, format!("p{p} write {name} {v} @ {timing}{outcome}")));
        } else {
            let possible: Vec<u64> = writes
                .iter()
                .filter(|w| w.0 == key && !w.3 && w.2 <= ret)
                .map(|w| w.1)
                .collect();
            let value = if possible.is_empty() || rng.below(4) == 0 {
                "nil".to_string()
            } else {
                possible[rng.below(possible.len() as u64) as usize].to_string()
            };
            lines.push((
                invoke,
                format!("p{p} read {name} {value} @ {invoke}..{ret}"),
            ));
        }
    }
    let quiescent = rng.below(now + 4);
    let mut text = format!("%quiescent {quiescent}\n");
    for (_, line) in lines {
        text.push_str(&line);
        text.push('\n');
    }
    text
}

/// Causal order (so ∪ rf)⁺ over all operations, or session order alone
/// when it is cyclic (the check's documented fallback).
fn causal_order(h: &History) -> Vec<Vec<bool>> {
    let n = h.len();
    let ops = h.ops();
    let mut so = vec![vec![false; n]; n];
    for a in 0..n {
        for b in 0..n {
            so[a][b] = ops[a].process == ops[b].process && a < b;
        }
    }
    let mut co = so.clone();
    for r in ops {
        if let (Call::Read, Some(Observed::Value(v))) = (&r.call, r.observed())
            && let Some(w) = ops
                .iter()
                .find(|w| w.key == r.key && w.call == Call::Write(v))
        {
            co[w.id.index()][r.id.index()] = true;
        }
    }
    for m in 0..n {
        let via = co[m].clone();
        for row in co.iter_mut() {
            if row[m] {
                for (x, &y) in row.iter_mut().zip(&via) {
                    *x |= y;
                }
            }
        }
    }
    if (0..n).any(|a| co[a][a]) { so } else { co }
}

/// Is there a total order of `elems` extending `before` whose last element
/// is `last` (`None`: `elems` is empty)?
fn extension_ending_with(elems: &[usize], before: &[Vec<bool>], last: Option<usize>) -> bool {
    let Some(last) = last else {
        return elems.is_empty();
    };
    if !elems.contains(&last) {
        return false;
    }
    // Place elements one by one from the front; `last` goes last.
    fn place(rest: &mut Vec<usize>, before: &[Vec<bool>], last: usize) -> bool {
        if rest.len() == 1 {
            return rest[0] == last;
        }
        for i in 0..rest.len() {
            let e = rest[i];
            if e == last || rest.iter().any(|&p| p != e && before[p][e]) {
                continue;
            }
            rest.remove(i);
            let ok = place(rest, before, last);
            rest.insert(i, e);
            if ok {
                return true;
            }
        }
        false
    }
    let mut rest = elems.to_vec();
    place(&mut rest, before, last)
}

/// `None` when no key has a read after the quiescence point (nothing to
/// compare: the check is not-checked), else whether convergence holds.
fn oracle(h: &History) -> Option<bool> {
    let t = h
        .metadata
        .quiescent_at
        .expect("generated with a quiescence point");
    let co = causal_order(h);
    let ops = h.ops();
    let read_values: Vec<(u32, Observed)> = ops
        .iter()
        .filter(|o| o.call == Call::Read)
        .filter_map(|o| o.observed().map(|v| (o.key.0, v)))
        .collect();
    let mut compared = false;
    for key in 0..h.key_count() as u32 {
        let writes: Vec<usize> = ops
            .iter()
            .filter(|o| o.key.0 == key && matches!(o.call, Call::Write(_)) && !o.is_fail())
            .map(|o| o.id.index())
            .collect();
        if writes.iter().any(|&w| ops[w].ret.is_none()) {
            continue;
        }
        let last_ret = writes.iter().filter_map(|&w| ops[w].ret).max();
        let after: Vec<Observed> = ops
            .iter()
            .filter(|o| {
                o.key.0 == key
                    && o.call == Call::Read
                    && o.invoke >= t
                    && last_ret.is_none_or(|r| o.invoke > r)
            })
            .filter_map(|o| o.observed())
            .filter(|v| matches!(v, Observed::Value(_) | Observed::Absent))
            .collect();
        let Some(&value) = after.first() else {
            continue;
        };
        compared = true;
        if after.iter().any(|v| *v != value) {
            return Some(false);
        }
        let read = |w: usize| match &ops[w].call {
            Call::Write(v) => read_values.contains(&(key, Observed::Value(*v))),
            _ => false,
        };
        // Writes that took effect for sure, and those that may have.
        let sure: Vec<usize> = writes
            .iter()
            .copied()
            .filter(|&w| ops[w].outcome != Outcome::Info || read(w))
            .collect();
        let maybe: Vec<usize> = writes
            .iter()
            .copied()
            .filter(|w| !sure.contains(w))
            .collect();
        let last = match value {
            Observed::Value(v) => writes
                .iter()
                .copied()
                .find(|&w| ops[w].call == Call::Write(v)),
            _ => None,
        };
        let some_choice = (0..1u32 << maybe.len()).any(|mask| {
            let mut took_effect = sure.clone();
            took_effect.extend(
                (0..maybe.len())
                    .filter(|b| mask & (1 << b) != 0)
                    .map(|b| maybe[b]),
            );
            extension_ending_with(&took_effect, &co, last)
        });
        if !some_choice {
            return Some(false);
        }
    }
    compared.then_some(true)
}

#[test]
fn convergence_agrees_with_its_definition_on_random_histories() {
    let mut rng = Rng(0xc04e_76e5_0000_0007);
    let config = CheckConfig::default();
    let mut violated = 0;
    let mut not_checked = 0;
    for case in 0..4000 {
        let text = random_timed_hist(&mut rng);
        let h = read_hist(&text);
        let r = &check_many(&h, &[Guarantee::Convergence], &config)[0];
        let got = match r.verdict {
            Verdict::Holds => Some(true),
            Verdict::Violated => Some(false),
            Verdict::NotChecked => None,
            other => panic!("case {case}: {other:?} ({:?}) on\n{text}", r.reason),
        };
        let expect = oracle(&h);
        assert_eq!(
            got, expect,
            "case {case}: checker={got:?} oracle={expect:?} on\n{text}\n{:#?}",
            r.violations
        );
        violated += usize::from(got == Some(false));
        not_checked += usize::from(got.is_none());
    }
    assert!(
        (200..3800).contains(&violated),
        "convergence violated in {violated} of 4000 cases"
    );
    // Histories without a read after the quiescence point compare nothing:
    // not-checked, never a vacuous holds. Enough of the others must hold.
    let holds = 4000 - violated - not_checked;
    assert!(
        (200..3800).contains(&holds),
        "convergence holds in {holds} of 4000 cases ({not_checked} not checked)"
    );
}

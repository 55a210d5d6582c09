//! Shared helpers for the weak-consistency tests: reading `.hist` text with
//! the library's parser, and a seeded random generator of small histories.

#![allow(dead_code)]

use concord::history::History;

/// Parses a history in the concord language with the library's parser.
pub fn read_hist(text: &str) -> History {
    concord::parse(
        text,
        concord::Format::Hist,
        &concord::ParseOptions::default(),
    )
    .unwrap_or_else(|e| panic!("test history does not parse: {e:?}\n{text}"))
}

/// A small deterministic generator (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A random small register history as `.hist` text: 2–3 sessions, 1–2
/// keys, 3–7 operations, unique written values; reads return a value some
/// write of the key writes (possibly a later one), the initial value, or
/// rarely a value nobody wrote.
pub fn random_hist(rng: &mut Rng) -> String {
    let sessions = 2 + rng.below(2);
    let keys = 1 + rng.below(2);
    let n = 3 + rng.below(5);
    let mut plan = Vec::new();
    let mut next_value = 1;
    for _ in 0..n {
        let p = rng.below(sessions);
        let k = rng.below(keys);
        if rng.below(2) == 0 {
            plan.push((p, k, Some(next_value)));
            next_value += 1;
        } else {
            plan.push((p, k, None));
        }
    }
    let mut text = String::new();
    for (i, &(p, k, w)) in plan.iter().enumerate() {
        let key = ["x", "y"][k as usize];
        match w {
            Some(v) => text.push_str(&format!("p{p} write {key} {v}\n")),
            None => {
                // Mostly values written earlier in the plan (a real store
                // returns those), sometimes any write of the key.
                let earlier = rng.below(100) < 80;
                let written: Vec<u64> = plan
                    .iter()
                    .enumerate()
                    .filter(|(j, (_, k2, w2))| *k2 == k && w2.is_some() && (!earlier || *j < i))
                    .filter_map(|(_, x)| x.2)
                    .collect();
                let roll = rng.below(100);
                let value = if roll < 1 {
                    "99".to_string()
                } else if roll < 25 || written.is_empty() {
                    "nil".to_string()
                } else {
                    written[rng.below(written.len() as u64) as usize].to_string()
                };
                text.push_str(&format!("p{p} read {key} {value}\n"));
            }
        }
    }
    text
}

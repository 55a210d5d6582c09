//! A data model defined outside the library (`examples/bank_account.rs`,
//! compiled here as part of this test crate) checked for linearizability
//! and sequential consistency through the public API.

#[allow(dead_code)]
#[path = "../../examples/bank_account.rs"]
mod bank_account;

use bank_account::BankAccount;
use concord::check::{CheckConfig, linearizable, sequential};
use concord::{Format, History, Verdict};

fn hist(text: &str) -> History {
    concord::parse(text, Format::Hist, &Default::default()).expect("a valid history")
}

fn verdicts(text: &str) -> (Verdict, Verdict) {
    let h = hist(text);
    let config = CheckConfig {
        witness: true,
        ..CheckConfig::default()
    };
    let lin = linearizable::check_model(&h, &BankAccount, &config);
    let sc = sequential::check_model(&h, &BankAccount, &config);
    if lin.verdict == Verdict::Violated {
        assert!(!lin.violations.is_empty(), "a violation carries evidence");
    }
    if lin.verdict == Verdict::Holds {
        let w = lin.witness.as_ref().expect("a witness was asked for");
        let happened = h
            .ops()
            .iter()
            .filter(|o| o.outcome != concord::history::Outcome::Fail)
            .count();
        let completed = h
            .ops()
            .iter()
            .filter(|o| matches!(o.outcome, concord::history::Outcome::Ok(_)))
            .count();
        // Every completed operation is placed; unknown ones only if they
        // took effect; failed ones never.
        assert!((completed..=happened).contains(&w.len()), "{w:?}");
        let mut placed = w.clone();
        placed.sort();
        placed.dedup();
        assert_eq!(placed.len(), w.len(), "each operation is placed once");
    }
    (lin.verdict, sc.verdict)
}

#[test]
fn concurrent_withdrawals_that_fit_are_linearizable() {
    // 100, then two overlapping withdrawals of 40 and 50: both fit in
    // either order, and the final balance is 10.
    let text = "p1 add acct 100 @ 0..10\n\
                p2 add acct -40 @ 20..40\n\
                p3 add acct -50 @ 25..45\n\
                p1 read acct 10 @ 50..60\n";
    assert_eq!(verdicts(text), (Verdict::Holds, Verdict::Holds));
}

#[test]
fn an_overdraft_is_neither_linearizable_nor_sequential() {
    // 70 + 50 out of 100: whichever came second overdrew the account.
    let text = "p1 add acct 100 @ 0..10\n\
                p2 add acct -70 @ 20..30\n\
                p3 add acct -50 @ 40..50\n";
    assert_eq!(verdicts(text), (Verdict::Violated, Verdict::Violated));
}

#[test]
fn a_stale_balance_is_sequential_but_not_linearizable() {
    // p2 reads 0 after the deposit completed: stale in real time, but a
    // sequential order may put p2's query first.
    let text = "p1 add acct 100 @ 0..10\n\
                p2 read acct 0 @ 20..30\n";
    assert_eq!(verdicts(text), (Verdict::Violated, Verdict::Holds));
}

#[test]
fn a_refused_withdrawal_did_not_happen_and_unknown_ones_may_have() {
    // The refused withdrawal (fail) constrains nothing; the one whose
    // answer was lost (info) may have taken effect: the balance of 20 says
    // it did.
    let text = "p1 add acct 100 @ 0..10\n\
                p2 add acct -500 @ 20..30 fail\n\
                p3 add acct -80 @ 20..30 info\n\
                p1 read acct 20 @ 40..50\n";
    assert_eq!(verdicts(text), (Verdict::Holds, Verdict::Holds));
}

#[test]
fn an_operation_outside_the_model_is_not_checked_with_its_line() {
    let h = hist("p1 add acct 100 @ 0..10\np2 write acct 5 @ 20..30\n");
    let r = linearizable::check_model(&h, &BankAccount, &CheckConfig::default());
    assert_eq!(r.verdict, Verdict::NotChecked);
    assert!(
        r.reason
            .as_deref()
            .is_some_and(|why| why.contains("line 2")),
        "{:?}",
        r.reason
    );
}

#[test]
fn accounts_are_independent_partitions() {
    // Each key is its own account; one overdrawn account is reported.
    let text = "p1 add a 10 @ 0..10\n\
                p3 add b 10 @ 0..10\n\
                p2 add a -10 @ 20..30\n\
                p2 add b -20 @ 40..50\n";
    let h = hist(text);
    let r = linearizable::check_model(&h, &BankAccount, &CheckConfig::default());
    assert_eq!(r.verdict, Verdict::Violated);
    assert_eq!(r.violation_count, 1);
    let key = r.violations[0].key.expect("a per-key violation");
    assert_eq!(h.key_name(key), "b");
}

//! A data model of your own, checked for linearizability and sequential
//! consistency: a bank account that refuses overdrafts.
//!
//! The history is written in the concord language with the operations it
//! already has: `add acct 50` is a deposit of 50, `add acct -30` a
//! withdrawal of 30 that the bank accepted (`fail` if it refused it: a
//! refused withdrawal did not happen), `read acct 20` a balance query.
//! The model's rule is the bank's: an accepted withdrawal never takes the
//! balance below zero.
//!
//! ```text
//! cargo run --example bank_account                  # the built-in history below
//! cargo run --example bank_account -- FILE.hist     # your own
//! ```
//!
//! The model lives in this file only; the library knows nothing of it
//! (`tests/it/custom_model.rs` checks it on several histories).

use concord::check::{CheckConfig, DataModel, linearizable, sequential};
use concord::history::{Call, History, Observed, Operation, Outcome, Ret, Value};

/// One account per key; the balance starts at 0.
pub struct BankAccount;

/// An operation on the account, as the model sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountOp {
    Deposit(i64),
    /// An accepted withdrawal of this amount.
    Withdraw(i64),
    /// A balance query that returned this balance.
    Balance(i64),
}

impl DataModel for BankAccount {
    type State = i64;
    type Op = AccountOp;

    fn name(&self) -> &'static str {
        "bank-account"
    }

    fn init(&self, _history: &History, _account: u32) -> i64 {
        0
    }

    fn compile(&self, history: &History, op: &Operation) -> Result<Option<AccountOp>, String> {
        let amount = |v| match history.value(v) {
            Value::Int(n) => Ok(*n),
            other => Err(format!(
                "line {}: an amount must be a whole number, not {other}",
                op.source.line
            )),
        };
        Ok(Some(match (&op.call, &op.outcome) {
            (Call::Add(v), _) => match amount(*v)? {
                n if n >= 0 => AccountOp::Deposit(n),
                n => AccountOp::Withdraw(-n),
            },
            (Call::Read, Outcome::Ok(Ret::Value(Observed::Value(v)))) => {
                AccountOp::Balance(amount(*v)?)
            }
            // A query whose answer is unknown tells nothing.
            (Call::Read, _) => return Ok(None),
            _ => {
                return Err(format!(
                    "line {}: a bank account has deposits and withdrawals (add) and balance queries (read), not `{}`",
                    op.source.line,
                    history.describe(op.id)
                ));
            }
        }))
    }

    fn step(&self, balance: &i64, op: &AccountOp) -> Option<i64> {
        match *op {
            AccountOp::Deposit(n) => Some(balance + n),
            // The overdraft rule.
            AccountOp::Withdraw(n) => (*balance >= n).then_some(balance - n),
            AccountOp::Balance(b) => (*balance == b).then_some(b),
        }
    }

    fn read_only(&self, op: &AccountOp) -> bool {
        matches!(op, AccountOp::Balance(_))
    }

    fn describe_state(&self, _history: &History, balance: &i64) -> String {
        format!("the balance is {balance}")
    }
}

/// Two tellers accept withdrawals of 70 and 50 from an account holding
/// 100, one after the other: one of them broke the overdraft rule.
const OVERDRAWN: &str = "\
p1 add acct 100 @ 0..10
p2 add acct -70 @ 20..30
p3 add acct -50 @ 40..50
p1 read acct 30 @ 60..70
";

fn main() {
    let text = match std::env::args().nth(1) {
        Some(path) => std::fs::read_to_string(&path).unwrap_or_else(|e| {
            eprintln!("{path}: {e}");
            std::process::exit(2)
        }),
        None => OVERDRAWN.to_string(),
    };
    let history =
        concord::parse(&text, concord::Format::Hist, &Default::default()).unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(2)
        });
    let config = CheckConfig::default();
    for result in [
        linearizable::check_model(&history, &BankAccount, &config),
        sequential::check_model(&history, &BankAccount, &config),
    ] {
        println!("{:<12} {}", result.guarantee.name(), result.verdict.name());
        for v in &result.violations {
            println!("  {}", v.explanation.render(&history));
        }
    }
}

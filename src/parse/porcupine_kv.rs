//! Porcupine's key-value logs (the 6.824 Raft key-value service histories
//! in anishathalye/porcupine `test_data/`) → [`History`].
//!
//! One EDN map per line, each with a `:key`:
//!
//! ```text
//! {:process 9, :type :invoke, :f :append, :key "0", :value "x 9 0 y"}
//! {:process 4, :type :ok, :f :get, :key "5", :value "x 9 1 y"}
//! ```
//!
//! The events are mapped by the Jepsen mapping ([`super::jepsen`]: line
//! order is real-time order, `:get` reads, `:put` writes, `:append`
//! appends); this module only fixes the format's semantics, those of
//! Porcupine's kv model: every key starts at `""` (so
//! `metadata.initial` is `Str("")`), a get returns the key's string, a put
//! sets it, an append concatenates. Every operation must name its `:key`.

use super::jepsen::{MapConfig, parse_edn_records};
use super::semantics;
use super::{Format, ParseError, ParseOptions};
use crate::history::History;

/// Parses a Porcupine key-value log with the options' semantics.
pub fn parse(source: &str, options: &ParseOptions) -> Result<History, ParseError> {
    let sem = semantics::resolve(Format::PorcupineKv, options)?;
    let mut history = parse_edn_records(
        source,
        MapConfig {
            sem,
            independent: false,
            require_key: true,
            format: Format::PorcupineKv,
        },
    )?;
    if history.metadata.model.is_none() {
        history.metadata.model = Some(crate::history::Model::Kv);
    }
    Ok(history)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Call, Value};

    #[test]
    fn kv_semantics() {
        let src = r#"{:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}
{:process 1, :type :invoke, :f :get, :key "0", :value nil}
{:process 0, :type :ok, :f :append, :key "0", :value "x 0 0 y"}
{:process 1, :type :ok, :f :get, :key "0", :value ""}
"#;
        let h = parse(src, &ParseOptions::default()).unwrap();
        assert_eq!(h.len(), 2);
        assert!(matches!(h.ops()[0].call, Call::Append(_)));
        assert_eq!(h.describe(h.ops()[1].id), "1 read 0 -> \"\"");
        let key = h.find_key("0").unwrap();
        assert_eq!(
            h.initial(key).map(|v| h.value(v)),
            Some(&Value::Str("".into()))
        );
        let e = parse(
            "{:process 0, :type :invoke, :f :get, :value nil}",
            &ParseOptions::default(),
        )
        .unwrap_err();
        assert!(e.message.contains("no :key"), "{e}");
    }
}

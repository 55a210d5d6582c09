//! Every history of the shared corpus (`../shared/corpus/expected.tsv`) gets
//! its expected linearizability verdict, under the data model and initial
//! value the table names, with the format detected from the file. Sequential
//! consistency must hold wherever linearizability does.

use concord::check::{CheckConfig, Model, Verdict, linearizable, sequential};
use concord::parse::{ParseOptions, detect, parse};
use std::path::{Path, PathBuf};

/// `<crate>/../shared/corpus`, else `/work/shared/corpus`; a missing corpus
/// fails loudly (this test never passes by skipping).
pub(crate) fn corpus_dir() -> PathBuf {
    let next_to_crate = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if next_to_crate.join("expected.tsv").is_file() {
        return next_to_crate;
    }
    let fallback = PathBuf::from("/work/shared/corpus");
    if fallback.join("expected.tsv").is_file() {
        return fallback;
    }
    panic!(
        "the shared corpus is missing: looked in {} and {}",
        next_to_crate.display(),
        fallback.display()
    );
}

/// The model and initial value of a `model` column such as
/// `cas-register(init nil)` or `kv(get/put/append, init "")`.
pub(crate) fn model_and_initial(column: &str) -> (Model, String) {
    let (name, rest) = column.split_once('(').expect("model(...) column");
    let model = Model::from_name(name).unwrap_or_else(|| panic!("unknown model {name}"));
    let init = rest
        .trim_end_matches(')')
        .split(',')
        .find_map(|part| part.trim().strip_prefix("init "))
        .expect("init in the model column");
    (model, init.to_string())
}

#[test]
fn corpus_histories_get_their_expected_verdicts() {
    let dir = corpus_dir();
    let table =
        std::fs::read_to_string(dir.join("expected.tsv")).expect("expected.tsv is readable");
    let mut checked = 0;
    let mut failures = Vec::new();
    for row in table.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = row.split('\t').collect();
        let [file, expected, model_col, _semantics] = cols[..] else {
            panic!("malformed row: {row}");
        };
        let (model, initial) = model_and_initial(model_col);
        let path = dir.join(file);
        let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
        let options = ParseOptions {
            initial: Some(initial),
            ..ParseOptions::default()
        };
        let history = parse(&source, detect(&source, Some(&path)), &options)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let config = CheckConfig {
            model: Some(model),
            witness: true,
            ..CheckConfig::default()
        };
        let result = linearizable::check(&history, &config);
        let want = match expected {
            "linearizable" => Verdict::Holds,
            "not-linearizable" => Verdict::Violated,
            other => panic!("unknown expected verdict {other}"),
        };
        if result.verdict != want {
            failures.push(format!(
                "{file}: expected {expected}, got {:?} ({:?})",
                result.verdict, result.reason
            ));
            continue;
        }
        if let Some(w) = &result.witness
            && let Err(e) = linearizable::validate_witness(&history, model, w)
        {
            failures.push(format!("{file}: witness does not replay: {e}"));
        }
        for v in &result.violations {
            assert!(
                !v.partial_order.is_empty() || !v.ops.is_empty(),
                "{file}: empty evidence"
            );
        }
        if want == Verdict::Holds {
            let sc = sequential::check(&history, &config);
            if sc.verdict != Verdict::Holds {
                failures.push(format!(
                    "{file}: linearizable but sequential is {:?}",
                    sc.verdict
                ));
            }
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows wrong:\n{}",
        failures.len(),
        checked + failures.len(),
        failures.join("\n")
    );
    assert!(checked >= 100, "only {checked} rows");
}

/// Where Knossos names the first operation that cannot be linearized, the
/// evidence points at the same operation (by the process and value read).
#[test]
fn knossos_bad_histories_blame_the_known_read() {
    let dir = corpus_dir();
    for (file, process, read) in [
        ("knossos/cas-register/bad/bad-analysis.edn", "21", "2"),
        ("knossos/cas-register/bad/immediate-failure.edn", "1", "3"),
    ] {
        let path = dir.join(file);
        let source = std::fs::read_to_string(&path).expect("readable");
        let options = ParseOptions {
            initial: Some("0".into()),
            ..ParseOptions::default()
        };
        let history = parse(&source, detect(&source, Some(&path)), &options).expect("parses");
        let config = CheckConfig {
            model: Some(Model::CasRegister),
            ..CheckConfig::default()
        };
        let r = linearizable::check(&history, &config);
        assert_eq!(r.verdict, Verdict::Violated, "{file}");
        let v = &r.violations[0];
        let blamed = history.describe(v.ops[0]);
        assert!(
            blamed.contains(&format!("read -> {read}"))
                && history.process_name(history.op(v.ops[0]).process) == process,
            "{file}: blamed {blamed}; {}",
            v.explanation.render(&history)
        );
    }
}

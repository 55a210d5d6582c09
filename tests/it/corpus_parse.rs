//! Every history of the shared corpus (`../shared/corpus`, see its
//! README) is detected as the right format and parses, under the semantics
//! `expected.tsv` names; a few files are checked against counts made by
//! hand with grep (the command is in a comment next to each number).

use concord::history::{Observed, Outcome, Ret, Value};
use concord::parse::{Format, ParseOptions, detect, parse};
use std::path::{Path, PathBuf};

/// The corpus lives next to the crate (`<clone>/../shared/corpus`); in the
/// development layout it is `/work/shared/corpus`. A missing corpus fails
/// loudly: these tests must never pass by skipping.
fn corpus_dir() -> PathBuf {
    let next_to_crate = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if next_to_crate.is_dir() {
        return next_to_crate;
    }
    let fallback = PathBuf::from("/work/shared/corpus");
    if fallback.is_dir() {
        return fallback;
    }
    panic!(
        "the shared corpus is missing: looked in {} and {}",
        next_to_crate.display(),
        fallback.display()
    );
}

fn history_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("corpus directory is readable") {
        let path = entry.expect("corpus entry").path();
        if path.is_dir() {
            history_files(&path, out);
        } else if !matches!(
            path.file_name().and_then(|n| n.to_str()),
            Some("README.md" | "expected.tsv")
        ) {
            out.push(path);
        }
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn load(relative: &str, options: &ParseOptions) -> concord::History {
    let path = corpus_dir().join(relative);
    let source = read(&path);
    let format = detect(&source, Some(&path));
    parse(&source, format, options).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// The format each corpus folder holds.
fn expected_format(relative: &str) -> Format {
    match relative.split('/').next() {
        Some("porcupine-etcd") => Format::JepsenLog,
        Some("porcupine-kv") => Format::PorcupineKv,
        Some("knossos") => Format::JepsenEdn,
        other => panic!("unknown corpus folder {other:?}: add it here"),
    }
}

#[test]
fn every_file_is_detected_and_parses() {
    let root = corpus_dir();
    let mut files = Vec::new();
    history_files(&root, &mut files);
    assert!(files.len() >= 100, "only {} corpus files", files.len());
    for path in files {
        let relative = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let source = read(&path);
        let format = detect(&source, Some(&path));
        assert_eq!(format, expected_format(&relative), "{relative}");
        let h = parse(&source, format, &ParseOptions::default())
            .unwrap_or_else(|e| panic!("{relative}: {e}"));
        assert!(!h.is_empty(), "{relative}: no operations");
    }
}

#[test]
fn expected_tsv_names_existing_files_with_matching_semantics() {
    let root = corpus_dir();
    let tsv = read(&root.join("expected.tsv"));
    let mut rows = 0;
    for (i, line) in tsv.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 4, "expected.tsv line {}: {line:?}", i + 1);
        let (file, verdict, model, semantics) = (cols[0], cols[1], cols[2], cols[3]);
        assert!(
            matches!(verdict, "linearizable" | "not-linearizable"),
            "{file}: {verdict}"
        );
        let path = root.join(file);
        assert!(path.is_file(), "expected.tsv names a missing file {file}");
        let source = read(&path);
        let format = detect(&source, Some(&path));
        let semantics_format = match semantics {
            "jepsen-log" => Format::JepsenLog,
            "porcupine-kv" => Format::PorcupineKv,
            "knossos-edn" => Format::JepsenEdn,
            other => panic!("{file}: unknown semantics {other}"),
        };
        assert_eq!(format, semantics_format, "{file}");
        // The model column names the initial value the verdict assumes;
        // Knossos's `init 0` is the one that needs a flag.
        let options = ParseOptions {
            initial: model.contains("init 0").then(|| "0".to_string()),
            ..ParseOptions::default()
        };
        let h = parse(&source, format, &options).unwrap_or_else(|e| panic!("{file}: {e}"));
        let initial = h.metadata.initial.map(|v| h.value(v).clone());
        let expected_initial = if model.contains("init 0") {
            Some(Value::Int(0))
        } else if model.contains("init \"\"") {
            Some(Value::Str("".into()))
        } else {
            assert!(model.contains("init nil"), "{file}: model {model}");
            None
        };
        assert_eq!(initial, expected_initial, "{file}");
        rows += 1;
    }
    // Every history file has a verdict.
    let mut files = Vec::new();
    history_files(&root, &mut files);
    assert_eq!(rows, files.len(), "expected.tsv rows vs corpus files");
}

fn count(h: &concord::History, pred: impl Fn(&concord::history::Operation) -> bool) -> usize {
    h.ops().iter().filter(|op| pred(op)).count()
}

#[test]
fn etcd_log_counts_and_semantics() {
    let h = load("porcupine-etcd/etcd_000.log", &ParseOptions::default());
    // grep -c $'\t:invoke\t' etcd_000.log → 85
    assert_eq!(h.len(), 85);
    // grep -c $'\t:fail\t:cas' → 20: definite false answers.
    assert_eq!(
        count(&h, |op| op.outcome == Outcome::Ok(Ret::Bool(false))),
        20
    );
    // grep -c $'\t:info\t' → 16: unknown outcome.
    assert_eq!(count(&h, |op| op.is_unknown()), 16);
    // grep -c $'\t:ok\t:read\tnil' → 2: the register was absent.
    assert_eq!(count(&h, |op| op.observed() == Some(Observed::Absent)), 2);
    assert_eq!(count(&h, |op| op.is_fail()), 0);
    assert_eq!(h.metadata.initial, None);
}

#[test]
fn knossos_counts_nemesis_and_indices() {
    let h = load(
        "knossos/cas-register/bad/cas-failure.edn",
        &ParseOptions::default(),
    );
    // grep -c ':type :invoke' → 291 (no nemesis event is an :invoke).
    assert_eq!(h.len(), 291);
    // grep -c ':process :nemesis' → 8 annotations.
    assert_eq!(h.annotations.len(), 8);
    assert!(h.annotations[0].text.starts_with("nemesis info start"));
    // grep -c ':type :fail' → 85 did not happen.
    assert_eq!(count(&h, |op| op.is_fail()), 85);
    // grep ':type :info' | grep -v nemesis → 1 client :info (process 77),
    // and 291 invokes = 205 ok + 85 fail + 1 info: nothing pending.
    assert_eq!(count(&h, |op| op.is_unknown()), 1);
    assert_eq!(count(&h, |op| op.is_pending()), 0);
    // Knossos reports the `:ok :read 0` of process 70 at index 491: our
    // times are record positions, nemesis records included.
    let p70 = h
        .ops()
        .iter()
        .find(|op| op.ret == Some(491))
        .expect("an operation completes at index 491");
    assert_eq!(h.describe(p70.id), "70 read -> 0");

    let h = load(
        "knossos/cas-register/bad/bad-analysis.edn",
        &ParseOptions::default(),
    );
    // 9 invokes, 7 oks: the reads of process 6 and the write of 20 pend.
    assert_eq!(h.len(), 9);
    assert_eq!(count(&h, |op| op.is_pending()), 2);
    let op = h.ops().iter().find(|op| op.ret == Some(14)).unwrap();
    assert_eq!(h.describe(op.id), "21 read -> 2");
    // Process 14's invoke says `:value 4`; reads take the completion's.
    let h = load(
        "knossos/cas-register/bad/immediate-failure.edn",
        &ParseOptions::default(),
    );
    let op = h.ops().iter().find(|op| op.ret == Some(3)).unwrap();
    assert_eq!(h.describe(op.id), "1 read -> 3");
    // The :error key of the failed write is kept.
    assert!(
        h.metadata
            .extra
            .iter()
            .any(|(k, v)| k == "line 3 :error" && v == "[:temporarily-unavailable nil]"),
        "{:?}",
        h.metadata.extra
    );

    let h = load(
        "knossos/cas-register/good/memstress3-0.edn",
        &ParseOptions::default(),
    );
    // grep -c ':type :invoke' → 317; grep -c ':type :fail' → 86.
    assert_eq!(h.len(), 317);
    assert_eq!(count(&h, |op| op.is_fail()), 86);
    // Knossos: a nil read is unconstrained, never "absent".
    assert_eq!(count(&h, |op| op.observed() == Some(Observed::Absent)), 0);
}

#[test]
fn porcupine_kv_counts() {
    // grep -c ':type :invoke' → 58 and 405; grep -o ':key "[0-9]*"' | sort -u → 10 keys.
    let h = load("porcupine-kv/c01-ok.txt", &ParseOptions::default());
    assert_eq!(h.len(), 58);
    assert_eq!(h.key_count(), 10);
    let h = load("porcupine-kv/c10-bad.txt", &ParseOptions::default());
    assert_eq!(h.len(), 405);
    assert_eq!(count(&h, |op| op.is_pending()), 0);
    assert_eq!(h.process_count(), 10);
}

#[test]
fn corpus_round_trips_through_json_lines() {
    use concord::render::jsonl::write_jsonl;
    for file in [
        "porcupine-etcd/etcd_001.log",
        "knossos/cas-register/bad/cas-failure.edn",
        "porcupine-kv/c10-ok.txt",
    ] {
        let h = load(file, &ParseOptions::default());
        for events in [false, true] {
            let text = write_jsonl(&h, events);
            let back = parse(&text, Format::Jsonl, &ParseOptions::default())
                .unwrap_or_else(|e| panic!("{file} (events: {events}): {e}"));
            assert_eq!(back.len(), h.len(), "{file}");
            for (a, b) in h.ops().iter().zip(back.ops()) {
                assert_eq!(h.describe(a.id), back.describe(b.id), "{file}");
                assert_eq!((a.invoke, a.ret), (b.invoke, b.ret), "{file}");
            }
            let notes = |h: &concord::History| {
                h.annotations
                    .iter()
                    .map(|a| (a.time, a.ops_before, a.text.clone()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(notes(&back), notes(&h), "{file}");
            assert_eq!(
                back.metadata.initial.map(|v| back.value(v).clone()),
                h.metadata.initial.map(|v| h.value(v).clone())
            );
            assert_eq!(write_jsonl(&back, events), text, "{file}: not canonical");
        }
    }
}

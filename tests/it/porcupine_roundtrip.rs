//! `--to porcupine-kv` round trip: every Porcupine kv log of the corpus,
//! read, written and read again, is the same history (same operations,
//! outcomes, results and real-time order, hence the same verdicts), and
//! `concord convert --to porcupine-kv` gives the same linearizability
//! verdict from the command line.

use crate::cli::{concord, json_lines};
use crate::corpus_verdicts::corpus_dir;
use concord::parse::{Format, ParseOptions, parse};
use concord::render::porcupine_kv::to_porcupine_kv;

fn summary_of(h: &concord::History) -> Vec<(String, u64, Option<u64>, &'static str)> {
    h.ops()
        .iter()
        .map(|op| (h.describe(op.id), op.invoke, op.ret, op.outcome.name()))
        .collect()
}

#[test]
fn corpus_kv_logs_round_trip() {
    let dir = corpus_dir().join("porcupine-kv");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let options = ParseOptions::default();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let h = parse(&text, Format::PorcupineKv, &options).unwrap();
        let written = to_porcupine_kv(&h).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let back = parse(&written, Format::PorcupineKv, &options)
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert_eq!(summary_of(&h), summary_of(&back), "{}", f.display());
    }
}

#[test]
fn convert_to_porcupine_kv_keeps_the_verdict() {
    let dir = crate::report_formats::tempdir("porcupine-convert");
    let src = corpus_dir().join("porcupine-kv/c01-bad.txt");
    let out = dir.join("c01.txt");
    let status = concord()
        .args([
            "convert",
            "--format",
            "porcupine-kv",
            "--to",
            "porcupine-kv",
            "-o",
        ])
        .arg(&out)
        .arg(&src)
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(0), "{status:?}");
    let verdict = |path: &std::path::Path| {
        let o = concord()
            .args([
                "check",
                "-c",
                "lin",
                "--format",
                "porcupine-kv",
                "--report",
                "json",
            ])
            .arg(path)
            .output()
            .unwrap();
        json_lines(&String::from_utf8(o.stdout).unwrap())[1]["verdict"].clone()
    };
    assert_eq!(verdict(&src), verdict(&out));
    assert_eq!(verdict(&out), "violated");
    // A register history of integers has no Porcupine kv form: exit 2.
    let o = concord()
        .args(["generate", "--ops", "5", "--to", "porcupine-kv"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot be written as a Porcupine kv log"));
    let _ = std::fs::remove_dir_all(&dir);
}

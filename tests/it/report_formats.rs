//! The report formats of `check --report`: JSON against the published
//! schema (`docs/report.schema.json`, which every JSON output of the tests
//! is validated against through `cli::json_lines`), SARIF against the
//! vendored official SARIF 2.1.0 schema, JUnit parsed for its structure,
//! GitHub workflow commands by their syntax; `-o FILE`, `--quiet`, the
//! summary, directory inputs and the conventions (completions, man page,
//! version).

use crate::cli::{concord, json_lines, run};
use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::events::Event;
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const STALE: &str = "\
p1 write x 1 @ 0..10
p1 write x 2 @ 11..20
p2 read x 1 @ 25..30
";

const EVENTS: &str = "\
p1 invoke write x 1
p1 ok write x 1
p1 invoke write x 2
p1 ok write x 2
p2 invoke read x
p3 invoke write x 3
p2 ok read x 1
p3 ok write x 3
";

fn read_json(path: &Path) -> Json {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn crate_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The validators of `docs/report.schema.json`: the message stream, and
/// the `stats --report json` lines.
fn report_validators() -> &'static (jsonschema::Validator, jsonschema::Validator) {
    static V: OnceLock<(jsonschema::Validator, jsonschema::Validator)> = OnceLock::new();
    V.get_or_init(|| {
        let schema = read_json(&crate_path("docs/report.schema.json"));
        let stream = jsonschema::validator_for(&schema).expect("the report schema compiles");
        let mut stats = schema.clone();
        stats.as_object_mut().unwrap().remove("oneOf");
        stats["$ref"] = "#/$defs/stats_line".into();
        let stats = jsonschema::validator_for(&stats).expect("the stats schema compiles");
        (stream, stats)
    })
}

/// Fails unless `line` is a message of the published JSON report schema
/// (a `stats` line when it has no `type`).
pub(crate) fn validate_report_line(line: &Json) {
    let (stream, stats) = report_validators();
    let validator = if line.get("type").is_some() {
        stream
    } else {
        stats
    };
    let errors: Vec<String> = validator
        .iter_errors(line)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not in docs/report.schema.json: {line}\n{}",
        errors.join("\n")
    );
}

fn sarif_validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let schema = read_json(&crate_path("tests/schemas/sarif-2.1.0.json"));
        jsonschema::options()
            .should_validate_formats(false)
            .build(&schema)
            .expect("the SARIF schema compiles")
    })
}

/// Fails unless `log` validates against the SARIF 2.1.0 schema.
pub(crate) fn validate_sarif(log: &Json) {
    let errors: Vec<String> = sarif_validator()
        .iter_errors(log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
}

/// An XML element: its depth, name and attributes.
pub(crate) type Element = (usize, String, Vec<(String, String)>);

/// The elements of a JUnit document, after checking that it is well-formed
/// XML.
pub(crate) fn junit_elements(xml: &str) -> Vec<Element> {
    let mut reader = Reader::from_str(xml);
    let mut depth = 0;
    let mut out = Vec::new();
    loop {
        match reader.read_event() {
            Ok(event @ (Event::Start(_) | Event::Empty(_))) => {
                let (Event::Start(e) | Event::Empty(e)) = &event else {
                    unreachable!()
                };
                let name = e.name().into_inner().to_string();
                let attrs = e
                    .attributes()
                    .map(|a| {
                        let a = a.expect("well-formed attribute");
                        (
                            a.key.into_inner().to_string(),
                            a.normalized_value(XmlVersion::Implicit1_0)
                                .expect("escaped value")
                                .into_owned(),
                        )
                    })
                    .collect();
                out.push((depth, name, attrs));
                if matches!(event, Event::Start(_)) {
                    depth += 1;
                }
            }
            Ok(Event::End(_)) => depth -= 1,
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("malformed XML at {}: {e}\n{xml}", reader.buffer_position()),
        }
    }
    out
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn sarif_names_the_pattern_and_the_input_lines() {
    let (code, out, err) = run(&["check", "-", "-c", "lin,mr", "--report", "sarif"], STALE);
    assert_eq!(code, 1, "{err}");
    let log: Json = serde_json::from_str(&out).expect("one JSON document");
    validate_sarif(&log);
    let run0 = &log["runs"][0];
    assert_eq!(run0["tool"]["driver"]["name"], "concord");
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{out}");
    let r = &results[0];
    assert_eq!(r["ruleId"], "NotLinearizable");
    assert_eq!(r["level"], "error");
    let rule = &run0["tool"]["driver"]["rules"][r["ruleIndex"].as_u64().unwrap() as usize];
    assert_eq!(rule["id"], "NotLinearizable");
    assert!(!rule["help"]["text"].as_str().unwrap().is_empty());
    let lines: Vec<u64> = r["relatedLocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            l["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert!(lines.contains(&3), "the stale read is on line 3: {lines:?}");
    assert_eq!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "-"
    );
}

#[test]
fn sarif_regions_span_an_event_form_operation() {
    let (code, out, _) = run(&["check", "-", "-c", "lin", "--report", "sarif"], EVENTS);
    assert_eq!(code, 1, "{out}");
    let log: Json = serde_json::from_str(&out).unwrap();
    validate_sarif(&log);
    let regions: Vec<&Json> = log["runs"][0]["results"][0]["relatedLocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["physicalLocation"]["region"])
        .collect();
    assert!(
        regions
            .iter()
            .any(|r| r["startLine"] == 5 && r["endLine"] == 7),
        "the read is invoked on line 5 and returns on line 7: {regions:?}"
    );
}

#[test]
fn sarif_carries_input_errors_and_unknowns_as_notifications() {
    let dir = tempdir("sarif-errors");
    let bad = dir.join("bad.hist");
    std::fs::write(&bad, "p1 write x 1 @ 0..10\np1 frobnicate x\n").unwrap();
    let good = dir.join("good.hist");
    std::fs::write(&good, STALE).unwrap();
    let sarif = dir.join("out.sarif");
    let out = concord()
        .args(["check", "--report", "sarif", "-o"])
        .arg(&sarif)
        .arg(&bad)
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "the report went to the file");
    let log = read_json(&sarif);
    validate_sarif(&log);
    let inv = &log["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    assert_eq!(inv["exitCode"], 2);
    let notes = inv["toolExecutionNotifications"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n["level"] == "error"
            && n["locations"][0]["physicalLocation"]["region"]["startLine"] == 2),
        "{notes:?}"
    );
    assert!(!log["runs"][0]["results"].as_array().unwrap().is_empty());
}

#[test]
fn unknown_verdicts_are_warnings_not_findings() {
    let dir = tempdir("unknown");
    let hard = dir.join("hard.hist");
    let out = concord()
        .args([
            "generate",
            "--ops",
            "300",
            "--hard-keys",
            "1",
            "--repeat-values",
            "--seed",
            "3",
            "-o",
        ])
        .arg(&hard)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let check = |report: &str| {
        let out = concord()
            .args([
                "check",
                "-c",
                "lin",
                "--max-states",
                "5",
                "--report",
                report,
            ])
            .arg(&hard)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "a budget ran out: unknown");
        String::from_utf8(out.stdout).unwrap()
    };
    let log: Json = serde_json::from_str(&check("sarif")).unwrap();
    validate_sarif(&log);
    assert!(log["runs"][0]["results"].as_array().unwrap().is_empty());
    let notes = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(notes[0]["level"], "warning", "{notes}");
    let uri = notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        uri.starts_with("file:///") && uri.ends_with("/hard.hist"),
        "{uri}"
    );
    let github = check("github");
    assert!(
        github.starts_with("::warning file=") && github.contains("title=linearizable unknown::"),
        "{github}"
    );
    let xml = check("junit");
    let skipped = junit_elements(&xml)
        .into_iter()
        .find(|e| e.1 == "skipped")
        .expect("unknown is skipped");
    assert!(
        attr(&skipped.2, "message")
            .unwrap()
            .starts_with("unknown: "),
        "{xml}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn junit_has_a_suite_per_file_and_a_case_per_guarantee() {
    let dir = tempdir("junit");
    let stale = dir.join("stale.hist");
    std::fs::write(&stale, STALE).unwrap();
    let empty = dir.join("empty.hist");
    std::fs::write(&empty, "# nothing\n").unwrap();
    let bad = dir.join("bad.hist");
    std::fs::write(&bad, "p1 frobnicate x\n").unwrap();
    let out = concord()
        .args(["check", "--report", "junit", "-c", "lin,mr,convergence"])
        .arg(&stale)
        .arg(&empty)
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let xml = String::from_utf8(out.stdout).unwrap();
    let elements = junit_elements(&xml);
    let root = &elements[0];
    assert_eq!((root.0, root.1.as_str()), (0, "testsuites"), "{xml}");
    let suites: Vec<_> = elements.iter().filter(|e| e.1 == "testsuite").collect();
    assert_eq!(suites.len(), 3, "{xml}");
    let first = &suites[0].2;
    assert!(attr(first, "name").unwrap().ends_with("stale.hist"));
    assert_eq!(attr(first, "tests"), Some("3"));
    assert_eq!(attr(first, "failures"), Some("1"));
    assert_eq!(
        attr(first, "skipped"),
        Some("1"),
        "convergence: not checked"
    );
    let failure = elements
        .iter()
        .find(|e| e.1 == "failure")
        .expect("a failure");
    assert_eq!(attr(&failure.2, "type"), Some("NotLinearizable"));
    assert!(
        xml.contains("p2 read x -&gt; 1") || xml.contains("p2 read x -> 1"),
        "{xml}"
    );
    assert_eq!(attr(&suites[2].2, "errors"), Some("1"), "bad.hist");
    assert_eq!(attr(&root.2, "errors"), Some("1"));
    // Every suite's counts add up to its test cases.
    for s in &suites {
        let tests: usize = attr(&s.2, "tests").unwrap().parse().unwrap();
        assert!(tests >= 1);
    }
}

#[test]
fn github_commands_annotate_the_input_lines() {
    let (code, out, _) = run(
        &["check", "-", "-c", "lin,convergence", "--report", "github"],
        STALE,
    );
    assert_eq!(code, 1);
    let errors: Vec<&str> = out.lines().filter(|l| l.starts_with("::error ")).collect();
    assert_eq!(errors.len(), 1, "{out}");
    assert!(
        errors[0].starts_with("::error file=-,line="),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains("title=linearizable violated (NotLinearizable)::"));
    assert!(!errors[0].contains('\n'));
    assert!(
        out.lines().last().unwrap().starts_with("summary: 1 file"),
        "{out}"
    );
}

#[test]
fn json_summary_counts_files_verdicts_and_operations() {
    let (code, out, _) = run(&["check", "-", "-c", "lin,mr", "--report", "json"], STALE);
    assert_eq!(code, 1);
    let msgs = json_lines(&out);
    let summary = msgs.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["files"], 1);
    assert_eq!(summary["errors"], 0);
    assert_eq!(summary["operations"], 3);
    assert_eq!(summary["verdicts"]["violated"], 1);
    assert_eq!(summary["verdicts"]["holds"], 1);
    assert_eq!(summary["file_verdicts"]["violated"], 1);
    let op = &msgs[1]["violations"][0]["ops"][0];
    assert!(op.get("return_line").is_some(), "{op}");
}

#[test]
fn human_report_ends_with_a_summary_and_quiet_keeps_only_violations() {
    let (code, out, _) = run(&["check", "-", "-c", "lin,mr"], STALE);
    assert_eq!(code, 1);
    let last = out.lines().last().unwrap();
    assert!(
        last.starts_with(
            "summary: 1 file: 1 violated; 2 results: 1 holds, 1 violated; 3 operations; "
        ),
        "{last}"
    );
    let (code, quiet, _) = run(&["check", "-", "-c", "lin,mr", "--quiet"], STALE);
    assert_eq!(code, 1);
    assert!(quiet.contains("violated     linearizable"), "{quiet}");
    assert!(!quiet.contains("monotonic-reads"), "{quiet}");
    assert!(!quiet.contains("semantics:"), "{quiet}");
    assert!(
        quiet
            .lines()
            .last()
            .unwrap()
            .starts_with("summary: 1 file: "),
        "{quiet}"
    );
    let (code, quiet, _) = run(&["check", "-", "-c", "mr", "-q"], STALE);
    assert_eq!(code, 0);
    assert_eq!(quiet.lines().count(), 1, "only the summary: {quiet}");
}

#[test]
fn output_names_a_file_and_report_the_format() {
    let dir = tempdir("output");
    let file = dir.join("report.json");
    let out = concord()
        .args(["check", "-", "-c", "lin", "--report", "json", "-o"])
        .arg(&file)
        .write_stdin(STALE)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(json_lines(&text).last().unwrap()["type"], "summary");
    // The old spelling is refused with the new one, not written to a file
    // called `json`.
    let (code, _, err) = run(&["check", "-", "--output", "json"], STALE);
    assert_eq!(code, 2);
    assert!(err.contains("--report json"), "{err}");
    // --from is --format.
    let (code, out, _) = run(&["stats", "-", "--from", "hist", "--report", "json"], STALE);
    assert_eq!(code, 0);
    assert_eq!(json_lines(&out)[0]["format"], "hist");
}

/// A fresh directory under the system's temporary directory.
pub(crate) fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("concord-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_directory_of_a_hundred_histories_gets_a_readable_summary() {
    let dir = tempdir("hundred");
    // A Jepsen-like store: run directories holding history.edn beside
    // files that are not histories, plus plain .hist files.
    for i in 0..100 {
        let (sub, name, to) = if i % 4 == 0 {
            (format!("store/run-{i:03}"), "history.edn", "jepsen-edn")
        } else {
            (format!("hist/{}", i % 3), "", "hist")
        };
        let sub = dir.join(sub);
        std::fs::create_dir_all(&sub).unwrap();
        let file = if name.is_empty() {
            sub.join(format!("h{i:03}.hist"))
        } else {
            std::fs::write(sub.join("results.edn"), "{:valid? true}\n").unwrap();
            std::fs::write(sub.join("jepsen.log"), "INFO starting\n").unwrap();
            sub.join(name)
        };
        let stale = if i % 10 == 7 { "0.3" } else { "0" };
        let out = concord()
            .args(["generate", "--ops", "12", "--seed", &i.to_string()])
            .args(["--stale-reads", stale, "--to", to, "-o"])
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{:?}", out);
    }
    let out = concord()
        .current_dir(&dir)
        .args(["check", ".", "-c", "lin,mr", "--timeout", "20s"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.is_empty(),
        "results.edn and jepsen.log are not read: {stderr}"
    );
    let table: Vec<&str> = stdout
        .lines()
        .skip_while(|l| *l != "files:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert_eq!(table.len(), 100, "{stdout}");
    let paths: Vec<&str> = table
        .iter()
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted, "sorted by path");
    assert!(paths.iter().any(|p| p.ends_with("run-000/history.edn")));
    let last = stdout.lines().last().unwrap();
    assert!(last.starts_with("summary: 100 files: "), "{last}");
    assert!(last.contains("1200 operations"), "{last}");
    let violated = table.iter().filter(|l| l.contains("violated")).count();
    assert!(violated > 0, "{stdout}");
    assert_eq!(out.status.code(), Some(1));
    assert!(last.contains(&format!("{violated} violated")), "{last}");
    // JSON counts the same; its report, written into the directory being
    // checked, is not taken for a history.
    let out = concord()
        .current_dir(&dir)
        .args([
            "check",
            ".",
            "-c",
            "lin,mr",
            "--report",
            "json",
            "-o",
            "report.jsonl",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let msgs = json_lines(&std::fs::read_to_string(dir.join("report.jsonl")).unwrap());
    let summary = msgs.last().unwrap();
    assert_eq!(summary["files"], 100);
    assert_eq!(summary["file_verdicts"]["violated"], violated);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_empty_directory_is_an_input_error() {
    let dir = tempdir("empty-dir");
    let (code, _, err) = {
        let out = concord().arg("check").arg(&dir).output().unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    assert_eq!(code, 2);
    assert!(err.contains("no history files"), "{err}");
}

#[test]
fn completions_man_page_and_version() {
    for shell in ["bash", "zsh", "fish"] {
        let (code, out, _) = run(&["completions", shell], "");
        assert_eq!(code, 0);
        assert!(out.contains("concord"), "{shell}");
        assert!(out.contains("report"), "{shell}");
    }
    let (code, man, _) = run(&["man"], "");
    assert_eq!(code, 0);
    assert!(
        man.starts_with(".ie") || man.contains(".TH concord"),
        "{man}"
    );
    let (code, version, _) = run(&["--version"], "");
    assert_eq!(code, 0);
    assert!(
        version.starts_with(&format!("concord {}", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    for sub in [
        "check", "convert", "stats", "generate", "sim", "matrix", "shrink", "verify",
    ] {
        let (code, help, _) = run(&[sub, "--help"], "");
        assert_eq!(code, 0);
        assert!(help.contains("Examples:\n  concord "), "{sub}: {help}");
    }
}

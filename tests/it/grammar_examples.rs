//! Every worked example in `grammar/concord.ebnf` (a comment block opening
//! with `(* example:`) must parse, so the grammar's examples cannot drift
//! from the parser.

use concord::ParseOptions;
use concord::parse::hist;

/// The examples of the grammar file: (title, body).
fn examples(grammar: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in grammar.lines() {
        if let Some((title, body)) = &mut current {
            if line.trim_end() == "*)" {
                out.push((title.clone(), body.clone()));
                current = None;
            } else {
                body.push_str(line);
                body.push('\n');
            }
        } else if let Some(title) = line.strip_prefix("(* example:") {
            current = Some((title.trim().to_string(), String::new()));
        }
    }
    assert!(current.is_none(), "an example block is not closed");
    out
}

#[test]
fn every_grammar_example_parses() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/grammar/concord.ebnf");
    let grammar = std::fs::read_to_string(path).expect("grammar/concord.ebnf must exist");
    let examples = examples(&grammar);
    assert!(
        examples.len() >= 5,
        "expected at least 5 examples, found {}",
        examples.len()
    );
    for (title, body) in &examples {
        let h = hist::parse(body, &ParseOptions::default())
            .unwrap_or_else(|e| panic!("example {title:?} does not parse: {e}\n{body}"));
        let op_lines = body
            .lines()
            .filter(|l| {
                let l = l.trim_start();
                !(l.is_empty() || l.starts_with(['#', '%', '!']))
            })
            .count();
        assert!(!h.is_empty(), "example {title:?} has no operations");
        // Interval form has one line per operation; event form at most two.
        assert!(
            h.len() <= op_lines && op_lines <= 2 * h.len(),
            "example {title:?}: {} ops from {op_lines} lines",
            h.len()
        );
    }
}

#[test]
fn the_full_example_has_every_kind() {
    let grammar =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/grammar/concord.ebnf"))
            .unwrap();
    let examples = examples(&grammar);
    let (_, body) = examples
        .iter()
        .find(|(t, _)| t.contains("every call kind"))
        .expect("the every-kind example");
    let h = hist::parse(body, &ParseOptions::default()).unwrap();
    let kinds: std::collections::BTreeSet<_> = h.ops().iter().map(|o| o.kind()).collect();
    assert_eq!(kinds.len(), concord::history::OpKind::ALL.len());
    assert_eq!(h.metadata.model, Some(concord::Model::Kv));
    assert_eq!(h.annotations.len(), 1);
    assert_eq!(h.annotations[0].time, Some(40));
}

/// The example histories shipped in `examples/` parse, state what they show
/// in their leading comment, and have the shape their comments promise.
#[test]
fn shipped_examples_parse() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).expect("examples/ must exist") {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("hist") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        assert!(
            text.starts_with(&format!("# {name}:")),
            "{name}: the first line must be `# {name}: what it shows`"
        );
        let h = hist::parse(&text, &ParseOptions::default())
            .unwrap_or_else(|e| panic!("{name} does not parse: {e} {:?}", e.notes));
        assert!(!h.is_empty(), "{name} has no operations");
        // Its canonical text reads back as the same history.
        let canonical = concord::render::hist::to_hist(&h);
        let back = hist::parse(&canonical, &ParseOptions::default()).unwrap();
        assert_eq!(
            concord::render::hist::first_difference(&h, &back),
            None,
            "{name}"
        );
        match name.as_str() {
            "untimed-sessions" => assert!(!h.has_real_time()),
            "kv-events" => assert!(h.has_real_time() && h.key_count() == 3),
            "cas-register" => {
                assert!(h.ops().iter().any(|o| o.is_pending()));
                assert!(h.ops().iter().any(|o| matches!(
                    o.outcome,
                    concord::history::Outcome::Ok(concord::history::Ret::Bool(false))
                )));
            }
            _ => assert!(h.has_real_time()),
        }
        names.push(name);
    }
    names.sort();
    assert_eq!(
        names,
        [
            "bank-balance",
            "cas-register",
            "kv-events",
            "monotonic-reads",
            "monotonic-writes",
            "read-your-writes",
            "register-linearizable",
            "register-stale-read",
            "untimed-sessions"
        ]
    );
}

//! The house rule of ARCHITECTURE.md, checked over the source text: data
//! flows one way. Every `crate::` path (and `super::` path, and a parent's
//! use of a child module) in `src/` is resolved to the file that defines
//! it, following `pub use` re-exports; then
//!
//! * an import from one top-level module to another must run down the
//!   layers of [`LAYERS`] (a module may use only modules on lower floors;
//!   two modules on one floor do not use each other), and
//! * the files import each other without a cycle, where a file's use of
//!   its own module's root (`super::X` from `check/session.rs` to
//!   `check/mod.rs`, the module's declared interface) is not counted: the
//!   root only declares and dispatches.
//!
//! Comments are ignored (doc links may point anywhere); the binary's
//! `concord::` paths are the top floor and are not resolved.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level modules, bottom floor first. `lib.rs` is the façade over all
/// of them and the binary (`main.rs`, `cli/`) sits above the library.
const LAYERS: &[(&str, u32)] = &[
    ("guarantee", 0),
    ("history", 0),
    ("order", 1),
    ("parse", 1),
    ("check", 2),
    ("verify", 2),
    ("render", 3),
    ("report", 3),
    ("generate", 4),
    ("shrink", 4),
    ("sim", 4),
    ("record", 4),
];

/// One source file: its module path and its text without comments.
struct File {
    module: Vec<String>,
    code: String,
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let code = match line.find("//") {
            // A `//` inside a string literal is rare enough here; the line
            // keeps what comes before it.
            Some(i) => &line[..i],
            None => line,
        };
        out.push_str(code);
        out.push('\n');
    }
    out
}

fn library_files() -> BTreeMap<PathBuf, File> {
    let mut files = BTreeMap::new();
    let mut stack = vec![src()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/ is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src()).expect("under src/").to_path_buf();
            let mut module: Vec<String> = rel
                .with_extension("")
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
                module.pop();
            }
            if module.first().is_some_and(|m| m == "cli" || m == "main") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("a readable source file");
            files.insert(
                rel,
                File {
                    module,
                    code: strip_comments(&text),
                },
            );
        }
    }
    files
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The paths of a use tree starting at `s` (after `crate::`): `a::b::C`,
/// `a::{b, c::{D, E}}`, `a::b as c`. Returns the paths and the rest.
fn use_tree(s: &str, prefix: &[String], out: &mut Vec<Vec<String>>) -> usize {
    let mut i = 0;
    let bytes: Vec<char> = s.chars().collect();
    let mut path = prefix.to_vec();
    loop {
        while i < bytes.len() && bytes[i].is_whitespace() {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == '{' {
            i += 1;
            loop {
                let used = use_tree(&bytes[i..].iter().collect::<String>(), &path, out);
                i += used;
                while i < bytes.len() && (bytes[i].is_whitespace() || bytes[i] == ',') {
                    i += 1;
                }
                if i >= bytes.len() || bytes[i] == '}' {
                    return i + 1;
                }
            }
        }
        let start = i;
        while i < bytes.len() && is_ident(bytes[i]) {
            i += 1;
        }
        if i > start {
            path.push(bytes[start..i].iter().collect());
        }
        if i + 1 < bytes.len() && bytes[i] == ':' && bytes[i + 1] == ':' {
            i += 2;
            continue;
        }
        if path.len() > prefix.len() {
            out.push(path);
        }
        return i;
    }
}

/// Every module path this file names: `crate::…`, `super::…` (resolved),
/// and `child::…` for the child modules it declares.
fn references(file: &File) -> Vec<Vec<String>> {
    let code = &file.code;
    let mut out = Vec::new();
    let children: Vec<String> = code
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let l = l.strip_prefix("pub ").unwrap_or(l);
            let l = l.strip_prefix("pub(crate) ").unwrap_or(l);
            l.strip_prefix("mod ")?
                .strip_suffix(';')
                .map(str::to_string)
        })
        .collect();
    // Relative paths: `crate::`, `super::` (any number), `child::`.
    let chars: Vec<(usize, char)> = code.char_indices().collect();
    for (n, &(at, c)) in chars.iter().enumerate() {
        if !is_ident(c) || (n > 0 && (is_ident(chars[n - 1].1) || chars[n - 1].1 == ':')) {
            continue;
        }
        let rest = &code[at..];
        if let Some(tail) = rest.strip_prefix("crate::") {
            use_tree(tail, &[], &mut out);
        } else if rest.starts_with("super::") {
            let mut base = file.module.clone();
            let mut tail = rest;
            while let Some(t) = tail.strip_prefix("super::") {
                base.pop();
                tail = t;
            }
            use_tree(tail, &base, &mut out);
        } else if let Some(child) = children.iter().find(|ch| {
            rest.strip_prefix(ch.as_str())
                .is_some_and(|t| t.starts_with("::"))
        }) {
            let mut base = file.module.clone();
            base.push(child.clone());
            use_tree(&rest[child.len() + 2..], &base, &mut out);
        }
    }
    out
}

/// The file that defines the item `path` names, following `pub use`
/// re-exports of module files.
fn resolve(
    path: &[String],
    by_module: &BTreeMap<Vec<String>, PathBuf>,
    reexports: &BTreeMap<PathBuf, BTreeMap<String, Vec<String>>>,
    depth: u32,
) -> Option<PathBuf> {
    // The longest prefix that is a module with a file.
    let (len, file) = (1..=path.len())
        .rev()
        .find_map(|n| by_module.get(&path[..n]).map(|f| (n, f.clone())))?;
    if depth < 8
        && let Some(name) = path.get(len)
        && let Some(target) = reexports.get(&file).and_then(|r| r.get(name))
    {
        let mut next = target.clone();
        next.extend_from_slice(&path[len + 1..]);
        return resolve(&next, by_module, reexports, depth + 1).or(Some(file));
    }
    Some(file)
}

fn graph() -> (BTreeMap<PathBuf, File>, BTreeSet<(PathBuf, PathBuf)>) {
    let files = library_files();
    let by_module: BTreeMap<Vec<String>, PathBuf> = files
        .iter()
        .map(|(p, f)| (f.module.clone(), p.clone()))
        .collect();
    // `pub use a::b::Name;` and `pub use a::{B, C};` in each file: Name → path.
    let mut reexports: BTreeMap<PathBuf, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for (p, f) in &files {
        for stmt in f.code.split(';') {
            let Some(tail) = stmt.trim().strip_prefix("pub use ") else {
                continue;
            };
            let mut paths = Vec::new();
            if let Some(t) = tail.strip_prefix("crate::") {
                use_tree(t, &[], &mut paths);
            } else if tail.starts_with("super::") {
                let mut base = f.module.clone();
                let mut t = tail;
                while let Some(rest) = t.strip_prefix("super::") {
                    base.pop();
                    t = rest;
                }
                use_tree(t, &base, &mut paths);
            } else {
                use_tree(tail, &f.module, &mut paths);
            }
            for path in paths {
                let name = path.last().expect("a path has a name").clone();
                reexports.entry(p.clone()).or_default().insert(name, path);
            }
        }
    }
    let mut edges = BTreeSet::new();
    for (p, f) in &files {
        for path in references(f) {
            if let Some(target) = resolve(&path, &by_module, &reexports, 0)
                && &target != p
                && p != Path::new("lib.rs")
            {
                edges.insert((p.clone(), target));
            }
        }
    }
    (files, edges)
}

fn top(path: &Path) -> String {
    path.iter()
        .next()
        .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string())
        .unwrap_or_default()
}

#[test]
fn imports_run_down_the_layers() {
    let (files, edges) = graph();
    let floor = |m: &str| LAYERS.iter().find(|(n, _)| *n == m).map(|(_, f)| *f);
    for p in files.keys() {
        let m = top(p);
        assert!(
            m == "lib" || floor(&m).is_some(),
            "src/{} is in no layer: add `{m}` to LAYERS here and to ARCHITECTURE.md's code map",
            p.display()
        );
    }
    let upward: Vec<String> = edges
        .iter()
        .filter_map(|(a, b)| {
            let (ma, mb) = (top(a), top(b));
            if ma == mb || ma == "lib" {
                return None;
            }
            let (fa, fb) = (floor(&ma)?, floor(&mb)?);
            (fb >= fa).then(|| {
                format!(
                    "src/{} (floor {fa}) uses src/{} (floor {fb})",
                    a.display(),
                    b.display()
                )
            })
        })
        .collect();
    assert!(
        upward.is_empty(),
        "imports that do not run down the layers:\n{}",
        upward.join("\n")
    );
}

/// True when `to` is the `mod.rs` of a folder `from` lies in.
fn uses_own_root(from: &Path, to: &Path) -> bool {
    to.file_name().is_some_and(|n| n == "mod.rs")
        && to.parent().is_some_and(|dir| from.starts_with(dir))
}

#[test]
fn files_import_each_other_without_a_cycle() {
    let (files, edges) = graph();
    let names: Vec<&PathBuf> = files.keys().collect();
    let index = |p: &PathBuf| names.iter().position(|n| *n == p).expect("a known file");
    let mut adj = vec![Vec::new(); names.len()];
    for (a, b) in edges.iter().filter(|(a, b)| !uses_own_root(a, b)) {
        adj[index(a)].push(index(b));
    }
    // Kahn's algorithm: what is left over lies on or after a cycle; then
    // keep only what lies on one (it can also reach back to itself).
    let mut indeg = vec![0; names.len()];
    for outs in &adj {
        for &b in outs {
            indeg[b] += 1;
        }
    }
    let mut queue: Vec<usize> = (0..names.len()).filter(|&i| indeg[i] == 0).collect();
    while let Some(a) = queue.pop() {
        for &b in &adj[a] {
            indeg[b] -= 1;
            if indeg[b] == 0 {
                queue.push(b);
            }
        }
    }
    let reaches = |from: usize, to: usize| {
        let mut seen = vec![false; names.len()];
        let mut stack = adj[from].clone();
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if !std::mem::replace(&mut seen[n], true) {
                stack.extend(&adj[n]);
            }
        }
        false
    };
    let on_cycle: Vec<String> = (0..names.len())
        .filter(|&i| indeg[i] > 0 && reaches(i, i))
        .map(|i| {
            let outs: Vec<String> = adj[i]
                .iter()
                .filter(|&&b| indeg[b] > 0 && reaches(b, i))
                .map(|&b| format!("src/{}", names[b].display()))
                .collect();
            format!("src/{} -> {}", names[i].display(), outs.join(", "))
        })
        .collect();
    assert!(
        on_cycle.is_empty(),
        "files that import each other in a cycle:\n{}",
        on_cycle.join("\n")
    );
}

#[test]
fn the_resolver_sees_the_edges_it_must() {
    // A failing layer test is only worth something if the resolver finds
    // real edges: a few that exist for good reasons.
    let (_, edges) = graph();
    let has = |a: &str, b: &str| edges.contains(&(PathBuf::from(a), PathBuf::from(b)));
    assert!(has("order/graph.rs", "order/edge.rs"), "{edges:#?}");
    assert!(has("check/mod.rs", "guarantee.rs"));
    assert!(has("parse/hist.rs", "history/mod.rs"));
    assert!(
        has("parse/hist.rs", "history/model.rs"),
        "re-export followed"
    );
    assert!(has("sim/engine.rs", "sim/network.rs"));
}

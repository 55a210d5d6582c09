//! Sets `CONCORD_VERSION`: the package version, followed by the short
//! commit hash when the crate is built from a git checkout (`--version`
//! prints `concord 0.1.0 (abc1234)`). Without git, or outside a checkout
//! (a crate tarball, a copied tree), it is the package version alone.

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let version = env!("CARGO_PKG_VERSION");
    let commit = git(&["rev-parse", "--short", "HEAD"]);
    // Rebuild when HEAD moves: the HEAD file, the branch it names, and
    // packed refs (a worktree's HEAD is in its own git dir, its branches in
    // the common one).
    if let (Some(dir), Some(common)) = (
        git(&["rev-parse", "--git-dir"]),
        git(&["rev-parse", "--git-common-dir"]),
    ) {
        let mut watched = vec![format!("{dir}/HEAD"), format!("{common}/packed-refs")];
        if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
            watched.push(format!("{common}/{branch}"));
        }
        // A path that does not exist would make cargo rerun this script
        // (and rebuild the crate) on every build.
        for path in watched.iter().filter(|p| Path::new(p).exists()) {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    match commit {
        Some(c) => println!("cargo:rustc-env=CONCORD_VERSION={version} ({c})"),
        None => println!("cargo:rustc-env=CONCORD_VERSION={version}"),
    }
}

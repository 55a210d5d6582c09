//! The conventions of a command-line tool: the version (with the commit it
//! was built from, when built from a git checkout: `build.rs`), the
//! examples at the end of each subcommand's `--help`, shell completions
//! (clap_complete) and the manual page (clap_mangen).

use clap::CommandFactory;
use std::io::{self, Write};
use std::path::Path;

/// `0.1.0 (abc1234)`, or `0.1.0` when not built from a git checkout.
pub const VERSION: &str = env!("CONCORD_VERSION");

pub const MAIN_EXAMPLES: &str = "\
Examples:
  concord check history.hist                     check every guarantee that applies
  concord check store/ --quiet                   a Jepsen store/ tree: violations and a summary
  concord check h.edn -c lin --report sarif -o concord.sarif
  concord convert h.edn --to hist                a Jepsen history in the concord language
  concord sim --protocol quorum --fault sloppy-quorum -o h.hist
  concord completions bash > /etc/bash_completion.d/concord";

pub const CHECK_EXAMPLES: &str = "\
Examples:
  concord check history.hist                     every guarantee that applies
  concord check h.edn -c linearizable --model cas-register --initial 0
  concord check store/ --quiet                   every history under store/, then a summary
  concord check histories/ --report junit -o concord.xml
  concord check histories/ --report sarif -o concord.sarif
  concord check histories/ --report github       annotations in a GitHub Actions job
  concord check h.hist --report json | jq 'select(.type == \"result\")'";

pub const CONVERT_EXAMPLES: &str = "\
Examples:
  concord convert history.edn --to hist          a Jepsen history in the concord language
  concord convert h.hist --to jepsen-edn -o h.edn
  concord convert h.hist --to jsonl-events";

pub const STATS_EXAMPLES: &str = "\
Examples:
  concord stats history.hist
  concord stats *.edn --report json -o stats.jsonl";

pub const GENERATE_EXAMPLES: &str = "\
Examples:
  concord generate --ops 10000 --keys 4 -o big.hist
  concord generate --stale-reads 0.01 --seed 7 | concord check - -c lin";

pub const SIM_EXAMPLES: &str = "\
Examples:
  concord sim --list                             every protocol and fault knob
  concord sim --protocol quorum --seed 3 -o h.hist
  concord sim --protocol quorum --fault sloppy-quorum --to jepsen-edn -o h.edn";

pub const MATRIX_EXAMPLES: &str = "\
Examples:
  concord matrix --seeds 3
  concord matrix --protocol quorum --report json -o matrix.jsonl";

pub const SHRINK_EXAMPLES: &str = "\
Examples:
  concord shrink h.edn -c linearizable -o small.hist
  concord check h.edn -c lin --shrink             every violation, shrunk";

pub const VERIFY_EXAMPLES: &str = "\
Examples:
  concord check h.hist -c lin --certificate cert.json && concord verify cert.json h.hist";

pub const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  concord completions bash > ~/.local/share/bash-completion/completions/concord
  concord completions zsh > ~/.zfunc/_concord
  concord completions fish > ~/.config/fish/completions/concord.fish";

pub const MAN_EXAMPLES: &str = "\
Examples:
  concord man > concord.1 && man ./concord.1
  concord man --dir man/                         one page per subcommand";

/// Writes the completion script of `shell`.
pub fn completions<C: CommandFactory>(
    shell: clap_complete::Shell,
    out: &mut dyn Write,
) -> io::Result<i32> {
    let mut cmd = C::command();
    clap_complete::generate(shell, &mut cmd, "concord", out);
    Ok(0)
}

/// Writes the manual page to `out`, or one page per (sub)command into
/// `dir`.
pub fn man<C: CommandFactory>(dir: Option<&Path>, out: &mut dyn Write) -> io::Result<i32> {
    let cmd = C::command();
    match dir {
        None => clap_mangen::Man::new(cmd).render(out)?,
        Some(dir) => {
            if let Err(e) =
                std::fs::create_dir_all(dir).and_then(|()| clap_mangen::generate_to(cmd, dir))
            {
                return super::commands::usage_error(format!(
                    "cannot write the manual pages into {}: {e}",
                    dir.display()
                ));
            }
        }
    }
    Ok(0)
}

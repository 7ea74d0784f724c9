//! The shipped completion scripts, driven in the real shells as a user's
//! TAB drives them: bash through its programmable-completion variables
//! (`COMP_WORDS`, `COMP_CWORD`) and the function the script registers with
//! `complete -F`, after bash-completion's own setup; zsh interactively on
//! a pseudo-terminal (`zpty`), with `compinit` and a TAB, recording every
//! candidate the completion system adds; fish with `complete -C`.
//!
//! Each test runs in a directory holding two directories and a file, so a
//! completion that falls back to file names is seen.

use integration_tests::repo_root;
use integration_tests::{require, run};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const CTK: &str = "container-hooks-ctk";

fn script(rel: &str) -> PathBuf {
    repo_root().join("completions").join(rel)
}

/// A working directory with the directories `bundle-a` and `state` and the
/// file `notes.txt`.
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("bundle-a")).unwrap();
    fs::create_dir(dir.path().join("state")).unwrap();
    fs::write(dir.path().join("notes.txt"), "x").unwrap();
    dir
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// What every shell offers after `container-hooks-ctk ` in `workdir()`:
/// `offers` completes the last word of a line; fish shows directories
/// with `dir_suffix`.
fn completes_as_a_user_expects(offers: impl Fn(&str) -> BTreeSet<String>, dir_suffix: &str) {
    assert_eq!(
        offers("runtime configure --runtime "),
        set(&["docker", "containerd", "crio", "podman"])
    );
    let runtime = offers("runtime ");
    for sub in ["configure", "remove", "status", "unconfigure", "doctor"] {
        assert!(runtime.contains(sub), "runtime <TAB> offers {runtime:?}");
    }
    assert!(!runtime.contains("notes.txt"), "{runtime:?}");
    assert_eq!(offers("hooks list --output "), set(&["text", "json"]));
    let dirs = set(&[
        &format!("bundle-a{dir_suffix}"),
        &format!("state{dir_suffix}"),
    ]);
    for line in [
        "hooks preview --bundle ",
        "runtime configure --state-dir ",
        "runtime status --state-dir ",
    ] {
        assert_eq!(offers(line), dirs, "{line:?}: directories only");
    }
}

// ---- bash ----

/// What bash offers: the candidates of the completion function, or, when
/// it offers none and leaves bash's `-o default` on, readline's file
/// names (`FILES`).
const BASH_HARNESS: &str = r#"
source /usr/share/bash-completion/bash_completion
source "$1"
shift
# compopt works only while readline completes; record what the script asks.
__compopts=()
compopt() { __compopts+=("$@"); }
spec=$(complete -p container-hooks-ctk) || exit 3
fn=${spec#*-F }; fn=${fn%% *}
COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
COMPREPLY=()
"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
default=no
[[ $spec == *"-o default"* ]] && default=yes
for ((i = 0; i < ${#__compopts[@]}; i++)); do
    [[ ${__compopts[i]} == "+o" && ${__compopts[i+1]} == default ]] && default=no
done
if [[ ${#COMPREPLY[@]} -eq 0 && $default == yes ]]; then
    echo FILES
else
    printf '%s\n' "${COMPREPLY[@]}"
fi
"#;

fn bash_offers(cwd: &Path, line: &str) -> BTreeSet<String> {
    // The words as bash splits them; a trailing space starts an empty one.
    let mut words: Vec<&str> = line.split_whitespace().collect();
    if line.ends_with(' ') {
        words.push("");
    }
    let dir = tempfile::tempdir().unwrap();
    let harness = dir.path().join("harness.bash");
    fs::write(&harness, BASH_HARNESS).unwrap();
    let out = run(Command::new(require("bash"))
        .current_dir(cwd)
        .args(["--norc", "--noprofile"])
        .arg(&harness)
        .arg(script(&format!("bash/{CTK}")))
        .arg(CTK)
        .args(&words));
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "bash {line:?}: {out:?}"
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn bash_completes_engines_subcommands_formats_and_directories() {
    require("bash");
    assert!(
        Path::new("/usr/share/bash-completion/bash_completion").is_file(),
        "bash-completion is not installed"
    );
    let work = workdir();
    let w = work.path();
    completes_as_a_user_expects(|line| bash_offers(w, line), "");
    assert_eq!(
        bash_offers(w, "runtime remove --runtime c"),
        set(&["containerd", "crio"])
    );
    assert!(!bash_offers(w, "runtime ").contains("FILES"));
    assert_eq!(
        bash_offers(w, "hooks preview -b "),
        set(&["bundle-a", "state"])
    );
    // No directory matches: nothing, not the file names.
    assert_eq!(bash_offers(w, "hooks preview --bundle notes"), set(&[]));
}

// ---- zsh ----

/// Runs an interactive zsh on a pseudo-terminal, types the line and a TAB,
/// and appends every candidate the completion system adds to OUT (one per
/// line), then `DONE`.
const ZSH_HARNESS: &str = r#"
zmodload zsh/zpty || exit 2
local fdir=$1 work=$2 out=$3 line=$4
zpty z zsh -f -i
zpty -w z "fpath=(${(q)fdir} \$fpath); cd ${(q)work}"
zpty -w z "autoload -Uz compinit && compinit -u -D"
zpty -w z "zstyle ':completion:*' list-grouped false; zstyle ':completion:*' insert-tab false"
zpty -w z "bindkey '^I' complete-word"
zpty -w z "compadd() { if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then builtin compadd \"\$@\"; return; fi; local -a __hits; builtin compadd -A __hits \"\$@\"; local r=\$?; print -rl -- \$__hits >> ${(q)out}; builtin compadd \"\$@\"; return r }"
zpty -w z "comppostfuncs=( __done ); __done() { print DONE >> ${(q)out} }"
zpty -w z "$line"$'\t'
local i chunk
for i in {1..600}; do
  [[ -f $out ]] && grep -q '^DONE$' $out && break
  zpty -r -t z chunk 2>/dev/null
  sleep 0.1
done
zpty -d z
"#;

fn zsh_offers(cwd: &Path, line: &str) -> BTreeSet<String> {
    let dir = tempfile::tempdir().unwrap();
    let harness = dir.path().join("harness.zsh");
    let out_file = dir.path().join("candidates");
    fs::write(&harness, ZSH_HARNESS).unwrap();
    let out = run(Command::new(require("zsh"))
        .arg("-f")
        .arg(&harness)
        .arg(script("zsh"))
        .arg(cwd)
        .arg(&out_file)
        .arg(format!("{CTK} {line}")));
    let text = fs::read_to_string(&out_file).unwrap_or_default();
    assert!(
        out.status.success() && text.lines().any(|l| l == "DONE"),
        "zsh did not complete {line:?}: {out:?}\n{text}"
    );
    text.lines()
        .filter(|l| *l != "DONE" && !l.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn zsh_completes_engines_subcommands_formats_and_directories() {
    let work = workdir();
    completes_as_a_user_expects(|line| zsh_offers(work.path(), line), "");
}

// ---- fish ----

/// The candidates fish offers for `line`, without their descriptions.
fn fish_offers(cwd: &Path, line: &str) -> BTreeSet<String> {
    let out = run(Command::new(require("fish"))
        .current_dir(cwd)
        .arg("--no-config")
        .arg("-c")
        .arg("source $argv[1]; complete -C $argv[2]")
        .arg(script(&format!("fish/{CTK}.fish")))
        .arg(format!("{CTK} {line}")));
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "fish {line:?}: {out:?}"
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split('\t').next())
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn fish_completes_engines_subcommands_formats_and_directories() {
    let work = workdir();
    completes_as_a_user_expects(|line| fish_offers(work.path(), line), "/");
}

//! Shell completions of container-hooks-ctk for bash, zsh and fish, made
//! by clap_complete with three corrections:
//!
//! - path arguments say what they name: a value called `DIR` completes
//!   directories only, one called `FILE` files (clap gives every `PathBuf`
//!   "any path");
//! - bash: clap_complete names the states of its script in two ways when
//!   the program's name has a hyphen (`container__hooks__ctk__subcmd__x`
//!   where the words are read, `container__subcmd__hooks__subcmd__ctk__subcmd__x`
//!   in the case labels), so no label ever matched and every word after
//!   the first completed file names. The labels are renamed to the states
//!   the script reaches, and the script is checked for a label it cannot
//!   reach;
//! - bash: a directory argument completes directories only, also when
//!   none matches (clap_complete adds them to an empty list and leaves
//!   bash's file name fallback on).
//!
//! A correction that no longer finds what it corrects fails the
//! generation, so a clap_complete release that changes its output is
//! noticed rather than shipped.

use anyhow::{bail, Result};
use clap::{Command, ValueHint};
use clap_complete::Shell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// The completion scripts of `cmd`, by their paths under `completions/`.
pub fn scripts(cmd: Command) -> Result<BTreeMap<PathBuf, Vec<u8>>> {
    let mut cmd = with_path_hints(cmd);
    let name = cmd.get_name().to_string();
    let mut files = BTreeMap::new();
    for (shell, path) in [
        (Shell::Bash, format!("completions/bash/{name}")),
        (Shell::Zsh, format!("completions/zsh/_{name}")),
        (Shell::Fish, format!("completions/fish/{name}.fish")),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut cmd, &name, &mut buf);
        let mut text = String::from_utf8(buf)?;
        if shell == Shell::Bash {
            text = fix_bash(&text, &name)?;
        }
        files.insert(PathBuf::from(path), text.into_bytes());
    }
    Ok(files)
}

/// Every path argument, at any depth, whose value is named `DIR` or
/// `FILE` and that has no more precise hint gets one.
pub fn with_path_hints(cmd: Command) -> Command {
    cmd.mut_args(|arg| {
        if arg.get_value_hint() != ValueHint::AnyPath {
            return arg;
        }
        let name = arg
            .get_value_names()
            .and_then(|v| v.first())
            .map(|s| s.to_string());
        match name.as_deref() {
            Some("DIR") => arg.value_hint(ValueHint::DirPath),
            Some("FILE") => arg.value_hint(ValueHint::FilePath),
            _ => arg,
        }
    })
    .mut_subcommands(with_path_hints)
}

/// The block clap_complete writes for a directory argument.
const BASH_DIR_BLOCK: &str = "COMPREPLY=()
                    if [[ \"${BASH_VERSINFO[0]}\" -ge 4 ]]; then
                        compopt -o plusdirs
                    fi";

/// Directories only: the matching ones, quoted as file names, and no
/// fallback to file names when none matches.
const BASH_DIR_FIXED: &str = "local IFS=$'\\n'
                    COMPREPLY=($(compgen -d -- \"${cur}\"))
                    if [[ \"${BASH_VERSINFO[0]}\" -ge 4 ]]; then
                        compopt -o filenames +o default +o bashdefault
                    fi";

/// The bash script with its case labels named as its loop names the
/// states, and directory arguments completing directories only.
pub fn fix_bash(script: &str, bin: &str) -> Result<String> {
    let wrong = bin.replace('-', "__subcmd__");
    let right = bin.replace('-', "__");
    let mut renamed = 0;
    let mut out = String::with_capacity(script.len());
    for line in script.split_inclusive('\n') {
        let body = line.trim_start();
        let indent = &line[..line.len() - body.len()];
        match body.strip_prefix(&wrong) {
            Some(rest)
                if wrong != right && (rest.starts_with(")") || rest.starts_with("__subcmd__")) =>
            {
                out.push_str(indent);
                out.push_str(&right);
                out.push_str(rest);
                renamed += 1;
            }
            _ => out.push_str(line),
        }
    }
    if bin.contains('-') && renamed == 0 {
        bail!("bash completion: no case label starts with {wrong}; has clap_complete changed its output?");
    }
    let out = out.replace(BASH_DIR_BLOCK, BASH_DIR_FIXED);
    if out.contains("plusdirs") {
        bail!("bash completion: a directory argument is written in a form this fix does not know");
    }
    let unreachable = unreachable_bash_states(&out);
    if !unreachable.is_empty() {
        bail!(
            "bash completion: case labels that no word sequence reaches: {}",
            unreachable.join(", ")
        );
    }
    Ok(out)
}

/// The case labels of the second `case` (one branch per command) that the
/// loop over the words never assigns to `cmd`.
pub fn unreachable_bash_states(script: &str) -> Vec<String> {
    let assigned: BTreeSet<&str> = script
        .lines()
        .filter_map(|l| l.trim().strip_prefix("cmd=\""))
        .filter_map(|l| l.strip_suffix('"'))
        .collect();
    let Some((_, dispatch)) = script.split_once("case \"${cmd}\" in") else {
        return vec!["(no dispatch on ${cmd})".into()];
    };
    dispatch
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_suffix(')'))
        .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .filter(|l| !assigned.contains(l))
        .map(String::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Arg, Command};

    fn tool() -> Command {
        Command::new("my-tool").subcommand(
            Command::new("run")
                .arg(
                    Arg::new("bundle")
                        .long("bundle")
                        .value_name("DIR")
                        .value_parser(clap::value_parser!(std::path::PathBuf)),
                )
                .arg(
                    Arg::new("config")
                        .long("config")
                        .value_name("FILE")
                        .value_parser(clap::value_parser!(std::path::PathBuf)),
                ),
        )
    }

    #[test]
    fn clap_complete_output_has_the_unreachable_labels_this_fixes() {
        let mut cmd = with_path_hints(tool());
        let mut buf = Vec::new();
        clap_complete::generate(Shell::Bash, &mut cmd, "my-tool", &mut buf);
        let raw = String::from_utf8(buf).unwrap();
        assert!(
            unreachable_bash_states(&raw).contains(&"my__subcmd__tool__subcmd__run".to_string()),
            "{raw}"
        );
        let fixed = fix_bash(&raw, "my-tool").unwrap();
        assert!(unreachable_bash_states(&fixed).is_empty(), "{fixed}");
        assert!(
            fixed.contains("        my__tool__subcmd__run)\n"),
            "{fixed}"
        );
        assert!(fixed.contains("compgen -d -- \"${cur}\""), "{fixed}");
    }

    #[test]
    fn dir_and_file_values_get_their_hints() {
        let cmd = with_path_hints(tool());
        let run = cmd.find_subcommand("run").unwrap();
        let hint = |id: &str| {
            run.get_arguments()
                .find(|a| a.get_id() == id)
                .unwrap()
                .get_value_hint()
        };
        assert_eq!(hint("bundle"), ValueHint::DirPath);
        assert_eq!(hint("config"), ValueHint::FilePath);
    }
}

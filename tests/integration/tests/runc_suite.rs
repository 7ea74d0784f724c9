//! runc's own integration suite (bats, from Debian's source package of the
//! installed runc) run twice by `tests/runc-suite/run.sh`: with `RUNC` set
//! to runc, and with `RUNC` set to a wrapper that runs
//! container-hooks-runtime with a config holding one createRuntime hook.
//! Every test that passes with runc must pass through the shim: engines
//! cannot tell the shim from runc.
//!
//! The sources, the helpers built from them and the images are cached under
//! `target/runc-suite`; the last run's reports and bats' output stay in
//! `target/runc-suite/last-run/{runc,shim}/<file>/`.

use integration_tests::bin;
use integration_tests::debian::bookworm_tarball;
use integration_tests::repo_root;
use integration_tests::tap::{read_run, Counts, Failure, Outcome, Report};
use integration_tests::target_dir;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::process::Command;

/// The test files that must run (more run when runc's sources have them).
const REQUIRED: [&str; 28] = [
    "create",
    "run",
    "start",
    "start_detached",
    "start_hello",
    "exec",
    "kill",
    "delete",
    "list",
    "state",
    "ps",
    "events",
    "pause",
    "spec",
    "help",
    "version",
    "hooks",
    "tty",
    "root",
    "debug",
    "cwd",
    "mounts",
    "update",
    "dev",
    "mask",
    "umask",
    "seccomp",
    "userns",
];

/// Tests that fail with runc itself on a CI machine, and why. Any other
/// failure with runc means the machine lacks something the suite needs,
/// and the comparison would prove less than it claims.
const FAIL_WITH_RUNC: [(&str, &str, &str); 1] = [(
    "spec",
    "spec validator",
    "clones github.com/opencontainers/runtime-spec and `go get`s a JSON schema validator: no GitHub here",
)];

type Run = BTreeMap<String, Report>;

/// Reads one pass; a file without a complete report fails the test.
fn read_pass(name: &str) -> Run {
    let dir = target_dir().join("runc-suite/last-run").join(name);
    read_run(&dir)
        .into_iter()
        .map(|(file, report)| {
            let report = report.unwrap_or_else(|e| {
                let output =
                    fs::read_to_string(dir.join(&file).join("output.txt")).unwrap_or_default();
                panic!("{name} pass, {file}.bats: {e}\nbats printed:\n{output}")
            });
            (file, report)
        })
        .collect()
}

fn outcome<'a>(run: &'a Run, file: &str, test: &str) -> Option<&'a Outcome> {
    run.get(file)?
        .tests
        .iter()
        .find(|(name, _)| name == test)
        .map(|(_, o)| o)
}

fn describe(outcome: Option<&Outcome>) -> String {
    let Some(Outcome::Failed(diag)) = outcome else {
        return format!("{outcome:?}");
    };
    let f = Failure::of(diag);
    let mut text = f.assertion;
    if let Some(command) = f.command {
        let _ = write!(text, "; last command: {command}");
        for line in f.output.iter().take(5) {
            let _ = write!(text, "\n        {line}");
        }
    }
    text
}

#[test]
fn runc_integration_suite_passes_through_the_shim_wherever_it_passes_with_runc() {
    // run.sh checks for every program it needs and names the missing one.
    let shim = bin("container-hooks-runtime");
    let debian = bookworm_tarball(&[]);
    let cache = target_dir().join("runc-suite");
    let out = cache.join("last-run");
    let _ = fs::remove_dir_all(&out);
    let result = Command::new(repo_root().join("tests/runc-suite/run.sh"))
        .env("RUNC_SUITE_SHIM", &shim)
        .env("RUNC_SUITE_DEBIAN_TAR", &debian)
        .env("RUNC_SUITE_CACHE", &cache)
        .env("RUNC_SUITE_OUT", &out)
        .output()
        .expect("cannot run tests/runc-suite/run.sh");
    assert!(
        result.status.success(),
        "tests/runc-suite/run.sh failed ({}):\n{}{}",
        result.status,
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );

    let runc = read_pass("runc");
    let shim = read_pass("shim");
    let runc_counts = Counts::of(runc.values());
    let shim_counts = Counts::of(shim.values());

    let mut summary = format!(
        "runc's integration suite, {} files ({})\n  with runc:    {runc_counts}\n  through shim: {shim_counts}\n",
        runc.len(),
        out.display()
    );
    let mut regressions = Vec::new();
    let mut unexpected = Vec::new();
    for (file, report) in &runc {
        for (test, with_runc) in &report.tests {
            let through_shim = outcome(&shim, file, test);
            if with_runc.passed() && !through_shim.is_some_and(Outcome::passed) {
                regressions.push(format!(
                    "  {file}.bats: {test}\n      {}",
                    describe(through_shim)
                ));
            }
            if with_runc.failed() {
                let known = FAIL_WITH_RUNC
                    .iter()
                    .find(|(f, t, _)| f == file && t == test);
                let why = known.map_or_else(|| describe(Some(with_runc)), |k| k.2.to_string());
                let _ = writeln!(summary, "  fails with runc too: {file}.bats: {test}: {why}");
                if known.is_none() {
                    unexpected.push(format!("  {file}.bats: {test}\n      {why}"));
                }
            }
        }
    }
    let hook_calls = fs::read_to_string(out.join("hook-calls"))
        .map(|t| t.lines().count())
        .unwrap_or(0);
    let _ = writeln!(
        summary,
        "  createRuntime hook runs through the shim: {hook_calls}"
    );
    // run.sh's last line: files, passes and the wall time of both.
    if let Some(timing) = fs::read_to_string(out.join("jobs.log"))
        .ok()
        .and_then(|log| log.lines().last().map(String::from))
    {
        let _ = writeln!(summary, "  {timing}");
    }
    // Shown whether the test passes or not: cargo test keeps print!'s
    // output of a passing test to itself.
    let _ = std::io::stderr().write_all(summary.as_bytes());

    let missing: Vec<_> = REQUIRED
        .iter()
        .filter(|f| !runc.contains_key(**f) || !shim.contains_key(**f))
        .collect();
    assert!(missing.is_empty(), "no reports for {missing:?}");
    assert_eq!(
        runc.keys().collect::<Vec<_>>(),
        shim.keys().collect::<Vec<_>>(),
        "the passes ran different files"
    );
    let mut problems = Vec::new();
    if hook_calls == 0 {
        problems.push(
            "the shim's createRuntime hook never ran: the second pass did not go through the shim"
                .to_string(),
        );
    }
    if !regressions.is_empty() {
        problems.push(format!(
            "tests pass with runc and fail through the shim:\n{}",
            regressions.join("\n")
        ));
    }
    if !unexpected.is_empty() {
        problems.push(format!(
            "tests fail with runc itself (the machine lacks something the suite needs):\n{}",
            unexpected.join("\n")
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

//! bats' TAP reports (`bats --report-formatter tap`): read, and compared
//! between two runs of the same tests.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::Path;

/// How one test ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    /// With the reason bats printed, if any.
    Skipped(String),
    /// With bats' diagnostic lines (without their `# ` prefix).
    Failed(Vec<String>),
}

impl Outcome {
    pub fn passed(&self) -> bool {
        matches!(self, Outcome::Passed)
    }

    pub fn failed(&self) -> bool {
        matches!(self, Outcome::Failed(_))
    }
}

/// One test file's report: test name to outcome, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub tests: Vec<(String, Outcome)>,
}

/// Reads a TAP report. A report whose plan (`1..N`) does not match its
/// results (bats stopped halfway) is an error.
pub fn parse(text: &str) -> Result<Report, String> {
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r'));
    let plan = lines
        .next()
        .and_then(|l| l.strip_prefix("1.."))
        .and_then(|n| n.parse::<usize>().ok())
        .ok_or("no plan (`1..N`) on the first line")?;
    let mut tests: Vec<(String, Outcome)> = Vec::new();
    for line in lines {
        if let Some(diag) = line.strip_prefix('#') {
            if let Some((_, Outcome::Failed(d))) = tests.last_mut() {
                d.push(diag.strip_prefix(' ').unwrap_or(diag).to_string());
            }
            continue;
        }
        let (ok, rest) = if let Some(rest) = line.strip_prefix("not ok ") {
            (false, rest)
        } else if let Some(rest) = line.strip_prefix("ok ") {
            (true, rest)
        } else {
            continue;
        };
        let (number, name) = rest
            .split_once(' ')
            .ok_or_else(|| format!("malformed result line: {line}"))?;
        if number.parse::<usize>() != Ok(tests.len() + 1) {
            return Err(format!("result {number} out of order: {line}"));
        }
        let (name, directive) = match name.split_once(" # ") {
            Some((n, d)) => (n, Some(d)),
            None => (name, None),
        };
        let outcome = match directive {
            _ if !ok => Outcome::Failed(directive.map(String::from).into_iter().collect()),
            Some(d) if d.to_ascii_lowercase().starts_with("skip") => {
                Outcome::Skipped(d.get(4..).unwrap_or_default().trim().to_string())
            }
            _ => Outcome::Passed,
        };
        tests.push((name.to_string(), outcome));
    }
    if tests.len() != plan {
        return Err(format!("{} results for a plan of {plan}", tests.len()));
    }
    Ok(Report { tests })
}

/// Reads `dir/<file>/report.tap` for each subdirectory of `dir`: one run of
/// several test files, keyed by file name.
pub fn read_run(dir: &Path) -> BTreeMap<String, Result<Report, String>> {
    let mut run = BTreeMap::new();
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten().filter(|e| e.path().is_dir()) {
        let file = entry.file_name().to_string_lossy().into_owned();
        let tap = entry.path().join("report.tap");
        let report = fs::read_to_string(&tap)
            .map_err(|e| format!("{}: {e}", tap.display()))
            .and_then(|t| parse(&t).map_err(|e| format!("{}: {e}", tap.display())));
        run.insert(file, report);
    }
    run
}

/// Passed, skipped and failed tests of a run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub passed: usize,
    pub skipped: usize,
    pub failed: usize,
}

impl Counts {
    pub fn of<'a>(reports: impl IntoIterator<Item = &'a Report>) -> Counts {
        let mut c = Counts::default();
        for (_, outcome) in reports.into_iter().flat_map(|r| &r.tests) {
            match outcome {
                Outcome::Passed => c.passed += 1,
                Outcome::Skipped(_) => c.skipped += 1,
                Outcome::Failed(_) => c.failed += 1,
            }
        }
        c
    }
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} tests: {} passed, {} skipped, {} failed",
            self.passed + self.skipped + self.failed,
            self.passed,
            self.skipped,
            self.failed
        )
    }
}

/// What a failed test's diagnostics say: the first assertion that failed
/// (with its place), and the last command the test ran through runc's
/// `runc` helper with that command's output (helpers.bash prints
/// `runc ARGS (status=N):` and then the output before bats reports the
/// failure).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub assertion: String,
    pub command: Option<String>,
    pub output: Vec<String>,
}

impl Failure {
    pub fn of(diagnostics: &[String]) -> Failure {
        // "(in test file x.bats, line 53)" then "  `[ "$status" -eq 0 ]' failed"
        let place = diagnostics
            .iter()
            .position(|l| l.starts_with("(in test file ") || l.starts_with("(from function "));
        let assertion = place
            .and_then(|p| diagnostics[p..].iter().find(|l| l.starts_with("  `")))
            .map(|l| l.trim().to_string())
            .or_else(|| diagnostics.first().cloned())
            .unwrap_or_default();
        let at = place
            .and_then(|p| diagnostics[p..].iter().find(|l| l.contains(".bats, line ")))
            .map(|l| l.trim_start_matches(['(', ' ']).trim_end_matches(')'))
            // "in test file /path/to/x.bats, line 53" -> "x.bats, line 53"
            .map(|l| {
                let l = l.strip_prefix("in test file ").unwrap_or(l);
                l.rsplit_once('/').map_or(l, |(_, file)| file)
            });
        let assertion = match at {
            Some(at) => format!("{assertion} ({at})"),
            None => assertion,
        };
        let command_at = diagnostics.iter().rposition(|l| is_runc_command(l));
        Failure {
            assertion,
            command: command_at.map(|i| diagnostics[i].trim_end_matches(':').to_string()),
            output: command_at
                .map(|i| diagnostics[i + 1..].to_vec())
                .unwrap_or_default(),
        }
    }
}

/// `runc ARGS (status=N):`, as helpers.bash's `runc` prints each command.
fn is_runc_command(line: &str) -> bool {
    line.starts_with("runc ")
        && line.ends_with("):")
        && line
            .rsplit_once(" (status=")
            .is_some_and(|(_, s)| s.trim_end_matches("):").parse::<i32>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "1..4\r\n\
ok 1 runc -h\n\
not ok 2 runc command -h\n\
# (in test file /src/tests/integration/help.bats, line 53)\n\
#   `[ \"$status\" -eq 0 ]' failed\n\
# runc checkpoint -h (status=0):\n\
# NAME:\n\
# runc restore -h (status=1):\n\
# container-hooks-runtime: /x/config.json: no such file or directory\n\
ok 3 cwd # skip test requires rootless\n\
ok 4 runc foo -h\n";

    #[test]
    fn reads_passed_skipped_and_failed_tests_with_diagnostics() {
        let r = parse(REPORT).unwrap();
        let names: Vec<_> = r.tests.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["runc -h", "runc command -h", "cwd", "runc foo -h"]);
        assert_eq!(r.tests[0].1, Outcome::Passed);
        assert_eq!(
            r.tests[2].1,
            Outcome::Skipped("test requires rootless".into())
        );
        let Outcome::Failed(diag) = &r.tests[1].1 else {
            panic!("{:?}", r.tests[1])
        };
        assert_eq!(diag.len(), 6);
        assert_eq!(
            Counts::of([&r]),
            Counts {
                passed: 2,
                skipped: 1,
                failed: 1
            }
        );
    }

    #[test]
    fn names_the_failed_assertion_and_the_last_runc_command() {
        let r = parse(REPORT).unwrap();
        let Outcome::Failed(diag) = &r.tests[1].1 else {
            panic!()
        };
        let f = Failure::of(diag);
        assert_eq!(
            f.assertion,
            "`[ \"$status\" -eq 0 ]' failed (help.bats, line 53)"
        );
        assert_eq!(f.command.as_deref(), Some("runc restore -h (status=1)"));
        assert_eq!(
            f.output,
            ["container-hooks-runtime: /x/config.json: no such file or directory"]
        );
    }

    #[test]
    fn a_report_cut_short_or_without_a_plan_is_an_error() {
        assert!(parse("1..3\nok 1 a\nok 2 b\n").is_err());
        assert!(parse("ok 1 a\n").is_err());
        assert!(parse("1..2\nok 1 a\nok 3 b\n").is_err());
    }

    #[test]
    fn a_timeout_is_a_failure() {
        let r = parse("1..1\nnot ok 1 events # timeout after 120s\n").unwrap();
        assert_eq!(
            r.tests[0],
            (
                "events".to_string(),
                Outcome::Failed(vec!["timeout after 120s".into()])
            )
        );
    }
}

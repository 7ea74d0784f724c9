//! `cargo xtask reliability`: the long runs of the load, fault and fuzz
//! tests. The normal test command runs the same tests with small counts;
//! these tasks raise the counts (through the CHTK_* variables the tests
//! read) or run the fuzz targets for a while.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    run: Run,
}

#[derive(clap::Subcommand)]
enum Run {
    /// Concurrent container creates through the shim against real runc,
    /// and concurrent shim runs with /bin/true as the runtime.
    Load {
        /// runc creates started at once.
        #[arg(long, default_value_t = 200)]
        creates: usize,
        /// Shim runs (runtime /bin/true) started at once.
        #[arg(long, default_value_t = 1000)]
        runs: usize,
    },
    /// SIGKILL the shim at random moments while it injects hooks into a
    /// large config.json; config.json must always be whole.
    Kill {
        /// How many kills.
        #[arg(long, default_value_t = 1000)]
        kills: usize,
        /// Size of config.json in MiB.
        #[arg(long, default_value_t = 4)]
        mib: usize,
        /// Seed of the kill times (printed by every run).
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Run cargo-fuzz targets one after another (needs cargo-fuzz; uses
    /// RUSTC_BOOTSTRAP=1 on a stable toolchain).
    Fuzz {
        /// Seconds per target.
        #[arg(long, default_value_t = 600)]
        seconds: u64,
        /// Build without sanitizers (`-s none`).
        #[arg(long)]
        no_sanitizer: bool,
        /// Targets to run; all when none is named.
        targets: Vec<String>,
    },
    /// Cost of one create with many hook files in hooks.d, measured with
    /// hyperfine against the same create with two hook files (one
    /// matching).
    ManyHooks {
        /// Hook files in hooks.d.
        #[arg(long, default_value_t = 1000)]
        files: usize,
    },
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    c.current_dir(root());
    c
}

fn status(cmd: &mut Command) -> Result<()> {
    let st = cmd
        .status()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    if !st.success() {
        bail!("{cmd:?} failed: {st}");
    }
    Ok(())
}

/// Builds the binaries the integration tests run, then one test file with
/// the given environment.
fn integration(test: &str, filter: &str, env: &[(&str, String)]) -> Result<()> {
    status(cargo().args(["build", "--workspace", "--bins"]))?;
    let mut c = cargo();
    c.args([
        "test",
        "-p",
        "integration-tests",
        "--test",
        test,
        "--",
        "--nocapture",
        "--test-threads",
        "1",
        filter,
    ]);
    for (k, v) in env {
        c.env(k, v);
    }
    status(&mut c)
}

pub fn run(args: Args) -> Result<()> {
    match args.run {
        Run::Load { creates, runs } => integration(
            "load",
            "concurrent_",
            &[
                ("CHTK_LOAD_CREATES", creates.to_string()),
                ("CHTK_LOAD_RUNS", runs.to_string()),
            ],
        ),
        Run::Kill { kills, mib, seed } => {
            // The same number of kills again over `runtime configure`,
            // spread over the four engines.
            let mut env = vec![
                ("CHTK_KILLS", kills.to_string()),
                ("CHTK_KILL_MIB", mib.to_string()),
                ("CHTK_CONFIGURE_KILLS", kills.div_ceil(4).to_string()),
            ];
            if let Some(seed) = seed {
                env.push(("CHTK_SEED", seed.to_string()));
            }
            integration("faults", "sigkill", &env)
        }
        Run::Fuzz {
            seconds,
            no_sanitizer,
            targets,
        } => fuzz(seconds, no_sanitizer, targets),
        Run::ManyHooks { files } => integration(
            "many_hooks",
            "a_thousand_hook_files",
            &[
                ("CHTK_HOOK_FILES", files.to_string()),
                ("CHTK_BENCH", "1".to_string()),
            ],
        ),
    }
}

const FUZZ_TARGETS: &[&str] = &[
    "runc_args",
    "hooks_json",
    "hook_file",
    "config_json",
    "config_toml",
];

fn fuzz(seconds: u64, no_sanitizer: bool, targets: Vec<String>) -> Result<()> {
    let targets: Vec<String> = if targets.is_empty() {
        FUZZ_TARGETS.iter().map(|t| t.to_string()).collect()
    } else {
        targets
    };
    let dir = root().join("fuzz");
    for target in &targets {
        let corpus = dir.join("corpus").join(target);
        std::fs::create_dir_all(&corpus).with_context(|| corpus.display().to_string())?;
        let mut c = Command::new("cargo");
        c.current_dir(&dir)
            .env("RUSTC_BOOTSTRAP", "1")
            .args(["fuzz", "run"]);
        if no_sanitizer {
            c.args(["-s", "none"]);
        }
        c.arg(target)
            .arg(&corpus)
            .arg(dir.join("seeds").join(target))
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg("-print_final_stats=1");
        println!("fuzzing {target} for {seconds} s");
        status(&mut c)?;
    }
    Ok(())
}

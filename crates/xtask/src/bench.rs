//! `cargo xtask bench`: the shim's whole-process cost on `create`, against
//! a minimal C program that only `execv`s the same runtime (`/bin/true`):
//! the floor of "one extra exec". Samples of hundreds of invocations
//! alternate between the programs; the ratio of medians is reported, with
//! the shim's peak RSS.
//!
//! `--against BIN` measures another build of the shim (an earlier commit)
//! in the same samples, so two versions compare side by side on a busy
//! machine. `--instructions` also counts the instructions each shim runs
//! up to its `execve` with callgrind, which the machine's load does not
//! change; it needs binaries with symbols, so it builds one (the shipped
//! build is stripped), and `--against` must name one too.

use crate::build::{cargo, repo_root, run_cmd, static_release, target_dir, TARGET};
use anyhow::{bail, Context, Result};
use integration_tests::{fixtures, write_mode};
use serde_json::{json, Value};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Args {
    /// Invocations per sample.
    #[arg(long, default_value_t = 300)]
    invocations: usize,
    /// Samples per program and scenario (they alternate).
    #[arg(long, default_value_t = 11)]
    samples: usize,
    /// Another build of the shim to measure in the same samples.
    #[arg(long, value_name = "BIN")]
    against: Option<PathBuf>,
    /// Also count instructions up to execve with valgrind's callgrind.
    #[arg(long)]
    instructions: bool,
}

const FLOOR_C: &str = r#"#include <unistd.h>
int main(int argc, char **argv) {
    (void)argc;
    argv[0] = "/bin/true";
    execv("/bin/true", argv);
    return 127;
}
"#;

/// Runs argv[1..] in a forked child and prints the child's peak RSS in KiB
/// (from wait4). Spawning from this small C program keeps the parent's own
/// memory out of the figure: an exec inherits the peak of the process it
/// replaces.
const RSS_C: &str = r#"#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv) {
    (void)argc;
    pid_t pid = fork();
    if (pid == 0) { execv(argv[1], argv + 1); _exit(127); }
    int status; struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) return 1;
    printf("%ld\n", ru.ru_maxrss);
    return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
"#;

struct Scenario {
    name: &'static str,
    hooks: usize,
    spec: Vec<u8>,
    /// `create` with a fresh bundle per invocation, or a passthrough.
    create: bool,
}

pub fn run(args: Args) -> Result<()> {
    let root = repo_root();
    let release = static_release(&root)?;
    let shim = release.join("container-hooks-runtime");
    if let Some(other) = &args.against {
        if !other.is_file() {
            bail!("--against {}: no such file", other.display());
        }
    }
    let counted = if args.instructions {
        Some(symbols_build(&root)?)
    } else {
        None
    };
    let tmp = tempfile::Builder::new()
        .prefix("container-hooks-bench.")
        .tempdir()?;
    let dir = tmp.path();

    let floor = dir.join("floor");
    fs::write(dir.join("floor.c"), FLOOR_C)?;
    run_cmd(
        Command::new("cc")
            .args(["-O2", "-o"])
            .arg(&floor)
            .arg(dir.join("floor.c")),
    )?;
    let rss_probe = dir.join("rss");
    fs::write(dir.join("rss.c"), RSS_C)?;
    run_cmd(
        Command::new("cc")
            .args(["-O2", "-o"])
            .arg(&rss_probe)
            .arg(dir.join("rss.c")),
    )?;

    // Bundles live on tmpfs, as containerd and Docker keep them (under
    // /run); /dev/shm is a tmpfs on every Linux host.
    let bundle_fs = tempfile::Builder::new()
        .prefix("container-hooks-bench.")
        .tempdir_in(if Path::new("/dev/shm").is_dir() {
            "/dev/shm"
        } else {
            "/tmp"
        })?;
    println!("bundles: {}", bundle_fs.path().display());
    let docker = fs::read(fixtures().join("oci/docker-20.10.json"))?;
    let scenarios = [
        Scenario {
            name: "create, 3 hooks, Docker 20.10 config.json (9 KiB)",
            hooks: 3,
            spec: docker.clone(),
            create: true,
        },
        Scenario {
            name: "create, 100 hooks, Docker 20.10 config.json",
            hooks: 100,
            spec: docker.clone(),
            create: true,
        },
        Scenario {
            name: "create, 3 hooks, 1 MiB config.json",
            hooks: 3,
            spec: padded(&docker, 1024 * 1024)?,
            create: true,
        },
        Scenario {
            name: "state (passthrough, no injection)",
            hooks: 3,
            spec: docker,
            create: false,
        },
    ];

    println!(
        "shim: {} ({} bytes, static-pie)",
        shim.display(),
        fs::metadata(&shim)?.len()
    );
    println!("floor: C program that only execv()s /bin/true (cc -O2, dynamic)");
    println!(
        "{} samples x {} invocations each, alternating shim and floor\n",
        args.samples, args.invocations
    );
    if let Some(other) = &args.against {
        println!("against: {}", other.display());
    }
    let mut header =
        "| scenario | floor (µs/run) | shim (µs/run) | ratio | peak RSS floor | peak RSS shim |"
            .to_string();
    let mut rule = "| --- | ---: | ---: | ---: | ---: | ---: |".to_string();
    if args.against.is_some() {
        header.push_str(" against (µs/run) | ratio |");
        rule.push_str(" ---: | ---: |");
    }
    if args.instructions {
        header.push_str(" instructions |");
        rule.push_str(" ---: |");
        if args.against.is_some() {
            header.push_str(" against instructions |");
            rule.push_str(" ---: |");
        }
    }
    println!("{header}\n{rule}");
    for (i, sc) in scenarios.iter().enumerate() {
        let work = dir.join(format!("s{i}"));
        let config = setup_config(&work, sc.hooks)?;
        // Programs in the order they run in even samples: the floor, the
        // shim, the other build.
        let mut programs: Vec<&Path> = vec![&floor, &shim];
        if let Some(other) = &args.against {
            programs.push(other);
        }
        let mut times: Vec<Vec<Duration>> = vec![Vec::new(); programs.len()];
        for sample in 0..args.samples {
            let bundles = make_bundles(
                &bundle_fs.path().join(format!("s{i}")),
                &sc.spec,
                args.invocations,
            )?;
            // Alternate the order, so drift hits every program alike.
            let mut order: Vec<usize> = (0..programs.len()).collect();
            if sample % 2 == 1 {
                order.reverse();
            }
            for p in order {
                let t = time_invocations(programs[p], &config, &bundles, sc.create)?;
                times[p].push(t);
                if sc.create && p > 0 {
                    check_injected(&bundles[0], sc.hooks)?;
                    make_bundles_again(&bundles, &sc.spec)?;
                }
            }
        }
        let per_run =
            |v: &mut Vec<Duration>| median(v).as_secs_f64() * 1e6 / args.invocations as f64;
        let medians: Vec<f64> = times.iter_mut().map(per_run).collect();
        let f = medians[0];
        let s = medians[1];
        let bundles = make_bundles(&bundle_fs.path().join(format!("s{i}")), &sc.spec, 2)?;
        let rss_floor = peak_rss_kib(&rss_probe, &floor, &config, &bundles[0], sc.create)?;
        let rss_shim = peak_rss_kib(&rss_probe, &shim, &config, &bundles[1], sc.create)?;
        let mut row = format!(
            "| {} | {f:.0} | {s:.0} | {:.2}x | {:.1} MiB | {:.1} MiB |",
            sc.name,
            s / f,
            rss_floor as f64 / 1024.0,
            rss_shim as f64 / 1024.0
        );
        if let Some(&o) = medians.get(2) {
            row.push_str(&format!(" {o:.0} | {:.2}x |", o / f));
        }
        if let Some(counted) = &counted {
            let work = bundle_fs.path().join(format!("c{i}"));
            let mut binaries = vec![counted.as_path()];
            if let Some(other) = &args.against {
                binaries.push(other);
            }
            for bin in binaries {
                let n = instructions(bin, &config, &work, &sc.spec, sc.create)?;
                row.push_str(&format!(" {} |", n.map_or("n/a".to_string(), thousands)));
            }
        }
        println!("{row}");
    }
    Ok(())
}

/// The shim built as shipped but with its symbols, for callgrind to stop
/// at `execve`.
fn symbols_build(root: &Path) -> Result<PathBuf> {
    let dir = target_dir(root).join("bench-symbols");
    run_cmd(
        cargo(root)
            .env("RUSTFLAGS", "-C target-feature=+crt-static")
            .env("CARGO_PROFILE_RELEASE_STRIP", "none")
            .env("CARGO_TARGET_DIR", &dir)
            .args(["build", "--release", "--target", TARGET])
            .args(["-p", "container-hooks-runtime"]),
    )?;
    Ok(dir
        .join(TARGET)
        .join("release")
        .join("container-hooks-runtime"))
}

/// Instructions `bin` runs up to its `execve` (callgrind dumps on entering
/// it), on a fresh bundle; `None` when callgrind found no `execve` symbol.
fn instructions(
    bin: &Path,
    config: &Path,
    work: &Path,
    spec: &[u8],
    create: bool,
) -> Result<Option<u64>> {
    let bundle = make_bundles(work, spec, 1)?.remove(0);
    let out = work.join("callgrind.out");
    let inner = command(bin, config, &bundle, create);
    let status = Command::new("valgrind")
        .args(["--tool=callgrind", "--dump-before=execve"])
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(bin)
        .args(inner.get_args())
        .env("CONTAINER_HOOKS_CONFIG", config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .context("run valgrind (apt-get install valgrind)")?;
    if !status.success() {
        bail!("valgrind {} failed with {status}", bin.display());
    }
    let dump = work.join("callgrind.out.1");
    let Ok(text) = fs::read_to_string(&dump) else {
        return Ok(None);
    };
    Ok(text
        .lines()
        .find_map(|l| l.strip_prefix("summary: "))
        .and_then(|n| n.trim().parse().ok()))
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// config.toml, hooks.json with `hooks` hooks over the stages, an empty
/// hooks.d, `/bin/true` as the runtime, log at info (nothing logged).
fn setup_config(work: &Path, hooks: usize) -> Result<PathBuf> {
    fs::create_dir_all(work.join("hooks.d"))?;
    let stages = ["prestart", "createRuntime", "poststop"];
    let mut set = serde_json::Map::new();
    for n in 0..hooks {
        let stage = stages[n % stages.len()];
        let list = set.entry(stage).or_insert_with(|| json!([]));
        if let Value::Array(list) = list {
            list.push(json!({"path": "/usr/local/libexec/audit-hook", "args": ["audit-hook", stage, n.to_string()], "timeout": 10}));
        }
    }
    write_mode(
        &work.join("hooks.json"),
        &serde_json::to_string_pretty(&Value::Object(set))?,
        0o644,
    );
    let config = work.join("config.toml");
    write_mode(
        &config,
        &format!(
            "[container-hooks]\npath = {:?}\nhooks-dirs = [{:?}]\n\n[container-hooks-runtime]\ndebug = {:?}\nlog-level = \"info\"\nruntimes = [\"/bin/true\"]\n",
            work.join("hooks.json"),
            work.join("hooks.d"),
            work.join("runtime.log")
        ),
        0o644,
    );
    Ok(config)
}

/// The Docker config.json with annotations padding it to `size` bytes.
fn padded(spec: &[u8], size: usize) -> Result<Vec<u8>> {
    let mut v: Value = serde_json::from_slice(spec)?;
    let mut annotations = serde_json::Map::new();
    let mut len = spec.len();
    let mut n = 0;
    while len < size {
        let key = format!("io.example.bench.padding.{n:06}");
        // "key":"value", with quotes, colon and comma.
        len += key.len() + 40 + 6;
        annotations.insert(key, Value::from("x".repeat(40)));
        n += 1;
    }
    v["annotations"] = Value::Object(annotations);
    Ok(serde_json::to_vec(&v)?)
}

/// Puts the original config.json back into bundles a shim has injected
/// into, so that the next program injects too.
fn make_bundles_again(bundles: &[PathBuf], spec: &[u8]) -> Result<()> {
    for b in bundles {
        fs::write(b.join("config.json"), spec)?;
    }
    Ok(())
}

fn make_bundles(dir: &Path, spec: &[u8], n: usize) -> Result<Vec<PathBuf>> {
    if dir.exists() {
        fs::remove_dir_all(dir)?;
    }
    (0..n)
        .map(|i| {
            let b = dir.join(format!("b{i}"));
            fs::create_dir_all(&b)?;
            fs::write(b.join("config.json"), spec)?;
            Ok(b)
        })
        .collect()
}

fn command(program: &Path, config: &Path, bundle: &Path, create: bool) -> Command {
    let mut c = Command::new(program);
    c.env("CONTAINER_HOOKS_CONFIG", config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c.args([
        "--root",
        "/run/bench-state",
        "--log",
        "/dev/null",
        "--log-format",
        "json",
    ]);
    if create {
        c.arg("create")
            .arg("--bundle")
            .arg(bundle)
            .args(["--pid-file", "/dev/null", "bench"]);
    } else {
        c.args(["state", "bench"]);
    }
    c
}

fn time_invocations(
    program: &Path,
    config: &Path,
    bundles: &[PathBuf],
    create: bool,
) -> Result<Duration> {
    let start = Instant::now();
    for b in bundles {
        let status = command(program, config, b, create).status()?;
        if !status.success() {
            bail!("{} failed with {status}", program.display());
        }
    }
    Ok(start.elapsed())
}

fn check_injected(bundle: &Path, hooks: usize) -> Result<()> {
    let v: Value = serde_json::from_slice(&fs::read(bundle.join("config.json"))?)?;
    let n: usize = ["prestart", "createRuntime", "poststop"]
        .iter()
        .map(|s| v["hooks"][s].as_array().map_or(0, Vec::len))
        .sum();
    // Docker's own prestart hook is one more.
    if n != hooks + 1 {
        bail!(
            "{}: expected {} hooks after injection, found {n}",
            bundle.display(),
            hooks + 1
        );
    }
    Ok(())
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// Peak resident set of one run of `program`, through the C probe.
fn peak_rss_kib(
    probe: &Path,
    program: &Path,
    config: &Path,
    bundle: &Path,
    create: bool,
) -> Result<u64> {
    let inner = command(program, config, bundle, create);
    let out = Command::new(probe)
        .arg(program)
        .args(inner.get_args())
        .env("CONTAINER_HOOKS_CONFIG", config)
        .stderr(Stdio::null())
        .output()
        .context("run the RSS probe")?;
    if !out.status.success() {
        bail!("{} failed under the RSS probe", program.display());
    }
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .context("RSS probe output")
}

//! `cargo xtask demo`: a busybox container run through the shim with one
//! recording hook per stage, all in a temporary directory.

use crate::build::{dev_build, on_path, repo_root, run_cmd};
use anyhow::{bail, Context, Result};
use integration_tests::{read_record, recorder_hook, write_mode, Bundle, Toolkit};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// Keep the temporary directory and print its path.
    #[arg(long)]
    keep: bool,
}

const STAGES: [&str; 6] = [
    "createRuntime",
    "createContainer",
    "prestart",
    "startContainer",
    "poststart",
    "poststop",
];

pub fn run(args: Args) -> Result<()> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        bail!("the demo runs a container with runc and needs root");
    }
    ensure_installed(&[("runc", "runc"), ("busybox", "busybox-static")])?;
    let bins = dev_build(&repo_root())?;
    let shim = bins.join("container-hooks-runtime");

    let tmp = tempfile::Builder::new()
        .prefix("container-hooks-demo.")
        .tempdir()?;
    let dir = tmp.path();
    println!("Working in {}", dir.display());

    // The toolkit's config, reading hooks.json from the temporary directory.
    let toolkit = Toolkit::new(&dir.join("etc"), &["runc"]);
    let record = dir.join("hooks.record");
    let hook = dir.join("record-hook");
    recorder_hook(&hook, &record);
    let entry = |stage: &str, path: &str| json!({"path": path, "args": ["record-hook", stage], "timeout": 10});
    let host = hook.display().to_string();
    let mut hooks = serde_json::Map::new();
    for stage in STAGES {
        // startContainer hooks run inside the container: their path is
        // resolved in its root filesystem.
        let path = if stage == "startContainer" {
            "/bin/record-hook"
        } else {
            &host
        };
        hooks.insert(stage.into(), json!([entry(stage, path)]));
    }
    toolkit.write_hooks_json(&Value::Object(hooks));

    let bundle = Bundle::new(
        dir,
        "bundle",
        &["/bin/sh", "-c", "echo hello from inside the container"],
    );
    bundle.edit(|spec| spec["root"]["readonly"] = false.into());
    write_mode(
        &bundle.dir.join("rootfs/bin/record-hook"),
        "#!/bin/sh\nstate=$(cat)\nprintf '%s %s\\n' \"$1\" \"$state\" >> /hooks.record\n",
        0o755,
    );

    let state = dir.join("runc-state");
    let id = "demo";
    let shim_cmd = |args: &[&str]| {
        let mut c = Command::new(&shim);
        c.env("CONTAINER_HOOKS_CONFIG", &toolkit.config)
            .arg("--root")
            .arg(&state)
            .args(args);
        c
    };
    println!(
        "\n$ container-hooks-runtime --root {} create --bundle {} {id}",
        state.display(),
        bundle.dir.display()
    );
    run_cmd(&mut shim_cmd(&[
        "create",
        "--bundle",
        &bundle.dir.display().to_string(),
        id,
    ]))?;
    println!("$ container-hooks-runtime start {id}");
    run_cmd(&mut shim_cmd(&["start", id]))?;
    wait_stopped(&state, id)?;
    println!("$ container-hooks-runtime delete {id}");
    run_cmd(&mut shim_cmd(&["delete", id]))?;

    println!("\nHooks injected into {}:", bundle.config_path().display());
    let spec = bundle.config();
    for stage in STAGES {
        for h in spec["hooks"][stage].as_array().into_iter().flatten() {
            println!("  {stage:<16} {}", h);
        }
    }
    println!("\nWhat each hook recorded from the state JSON it read on stdin:");
    let mut lines = read_record(&record);
    lines.extend(read_record(&bundle.dir.join("rootfs/hooks.record")));
    lines.sort_by_key(|(stage, _)| STAGES.iter().position(|s| s == stage));
    for (stage, state) in &lines {
        println!(
            "  {stage:<16} id={} status={} bundle={}",
            state["id"].as_str().unwrap_or("?"),
            state["status"].as_str().unwrap_or("?"),
            state["bundle"].as_str().unwrap_or("?")
        );
    }
    if lines.len() != STAGES.len() {
        bail!("expected one record per stage, got {}", lines.len());
    }
    if args.keep {
        let kept = tmp.keep();
        println!("\nKept {}", kept.display());
    } else {
        println!(
            "\nAll {} stages ran once; removing {}",
            STAGES.len(),
            dir.display()
        );
    }
    Ok(())
}

fn wait_stopped(state: &Path, id: &str) -> Result<()> {
    for _ in 0..200 {
        let out = Command::new("runc")
            .arg("--root")
            .arg(state)
            .args(["state", id])
            .output()
            .context("cannot run runc state")?;
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        if v["status"] == "stopped" {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("container {id} did not stop within 10 s")
}

/// Installs the Debian packages whose programs are missing.
fn ensure_installed(programs: &[(&str, &str)]) -> Result<()> {
    let missing: Vec<&str> = programs
        .iter()
        .filter(|(program, _)| !on_path(program))
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    println!("Installing {} from Debian's archive", missing.join(", "));
    run_cmd(Command::new("apt-get").arg("update").arg("-q"))?;
    run_cmd(
        Command::new("apt-get")
            .args(["install", "-y", "-q"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

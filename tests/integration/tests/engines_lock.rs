//! One lock for every command that edits engine files or the state: 50
//! pairs of engine files, Docker's and containerd's, sharing one state
//! directory, each pair configured and removed while the other pairs are.
//! Without the lock, configure and remove read the state, edit, and write
//! it back over each other's records; with it, no record is lost and every
//! remove puts back the exact default that was there before.

use integration_tests::ctk;
use std::fs;
use std::path::Path;
use std::process::{Child, Command, Stdio};

const PAIRS: usize = 50;

const DAEMON_JSON: &str = r#"{
  "default-runtime": "nvidia",
  "runtimes": {
    "nvidia": {
      "path": "/usr/bin/nvidia-container-runtime"
    }
  }
}
"#;

const CONTAINERD_TOML: &str = r#"version = 2

[plugins."io.containerd.grpc.v1.cri".containerd]
  default_runtime_name = "kata"

  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata]
    runtime_type = "io.containerd.kata.v2"

  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
"#;

fn ctk_runtime(verb: &str, engine: &str, config: &Path, state: &Path) -> Child {
    let mut c: Command = ctk();
    c.args(["--quiet", "runtime", verb, "--runtime", engine, "--config"])
        .arg(config)
        .arg("--state-dir")
        .arg(state);
    if verb == "configure" {
        c.arg("--set-as-default");
    }
    c.stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for both, which must succeed.
fn both(a: Child, b: Child, what: &str) {
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn recorded_configs(state: &Path) -> Vec<String> {
    let text = fs::read(state.join("runtimes.json")).unwrap_or_else(|_| b"{}".to_vec());
    let v: serde_json::Value = serde_json::from_slice(&text).unwrap();
    v["records"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["config"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn fifty_configure_remove_pairs_at_once_keep_every_record_and_restore_every_default() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let threads: Vec<_> = (0..PAIRS)
        .map(|i| {
            let dir = tmp.path().join(i.to_string());
            let state = state.clone();
            std::thread::spawn(move || {
                fs::create_dir_all(&dir).unwrap();
                let (daemon, toml) = (dir.join("daemon.json"), dir.join("config.toml"));
                fs::write(&daemon, DAEMON_JSON).unwrap();
                fs::write(&toml, CONTAINERD_TOML).unwrap();
                both(
                    ctk_runtime("configure", "docker", &daemon, &state),
                    ctk_runtime("configure", "containerd", &toml, &state),
                    "configure",
                );
                // Both records are there, whatever the other pairs do.
                let recorded = recorded_configs(&state);
                for f in [&daemon, &toml] {
                    assert!(
                        recorded.iter().any(|c| Path::new(c) == f),
                        "pair {i}: the record of {} is lost",
                        f.display()
                    );
                }
                both(
                    ctk_runtime("remove", "docker", &daemon, &state),
                    ctk_runtime("remove", "containerd", &toml, &state),
                    "remove",
                );
                assert_eq!(
                    fs::read_to_string(&daemon).unwrap(),
                    DAEMON_JSON,
                    "pair {i}"
                );
                assert_eq!(
                    fs::read_to_string(&toml).unwrap(),
                    CONTAINERD_TOML,
                    "pair {i}"
                );
            })
        })
        .collect();
    let failed: Vec<String> = threads
        .into_iter()
        .filter_map(|t| t.join().err())
        .map(|e| {
            e.downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "a pair panicked".into())
        })
        .collect();
    assert!(
        failed.is_empty(),
        "{} pairs failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
    assert_eq!(recorded_configs(&state), Vec::<String>::new());
}

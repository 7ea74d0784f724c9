//! The containers that still need the shim: the engine calls the runtime
//! binary again to stop and delete a container, so the binaries must stay
//! while such a container exists.
//!
//! - containerd's runc shim keeps the runtime binary of each task in a
//!   `runtime` file of the task's bundle under containerd's state
//!   directory;
//! - CRI-O keeps each container's config.json, with the runtime handler
//!   its pod was created through (`io.kubernetes.cri-o.RuntimeHandler`, on
//!   the pod's sandbox), under its run root
//!   (`<run root>/<driver>-containers/<id>/userdata/config.json`). It finds
//!   a container's runtime by that handler's name when it stops it.

use super::host::Host;
use container_hooks_admin::engines::{crio, Engine};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// containerd's state directory unless its config names another.
const CONTAINERD_STATE: &str = "/run/containerd";
/// The annotation of a CRI-O sandbox naming its runtime handler.
const CRIO_HANDLER: &str = "io.kubernetes.cri-o.RuntimeHandler";
/// A CRI-O config.json larger than this is not read (none is).
const CONFIG_JSON_LIMIT: u64 = 8 << 20;

/// The containers that still run through the shim, for the operator: the
/// containerd tasks whose runtime binary is `shim` (namespace/id), or the
/// CRI-O pods created through the runtime handler `name`
/// (namespace/name and sandbox id).
pub fn using(
    host: &Host,
    engine: Engine,
    shim: &Path,
    name: &str,
    config: Option<&Path>,
) -> Vec<String> {
    let config = config.unwrap_or(engine.default_config());
    match engine {
        Engine::Containerd => containerd_tasks(host, shim, config),
        Engine::Crio => crio_pods(host, name, config),
        Engine::Docker | Engine::Podman => Vec::new(),
    }
}

/// The containerd tasks whose runtime binary is `shim`, from the state
/// directory of the main config (`state`, by default /run/containerd).
fn containerd_tasks(host: &Host, shim: &Path, config: &Path) -> Vec<String> {
    let state = fs::read_to_string(host.path(config))
        .ok()
        .and_then(|t| t.parse::<toml_edit::DocumentMut>().ok())
        .and_then(|d| d.get("state").and_then(|s| s.as_str()).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(CONTAINERD_STATE));
    let tasks = host.path(&state.join("io.containerd.runtime.v2.task"));
    let mut users = Vec::new();
    for ns in entries(&tasks) {
        for id in entries(&ns) {
            let runtime = fs::read_to_string(id.join("runtime")).unwrap_or_default();
            if Path::new(runtime.trim()) == shim {
                users.push(format!("{}/{}", file_name(&ns), file_name(&id)));
            }
        }
    }
    users.sort();
    users
}

/// The CRI-O pods whose sandbox was created through the runtime handler
/// `name`, from the config.json files under CRI-O's run root.
fn crio_pods(host: &Host, name: &str, config: &Path) -> Vec<String> {
    let run_root = crio::run_root(Some(&host.root), config, Path::new(crio::DEFAULT_DROP_IN))
        .unwrap_or_else(|_| PathBuf::from(crio::DEFAULT_RUN_ROOT));
    let mut pods = Vec::new();
    for driver in entries(&host.path(&run_root)) {
        if !file_name(&driver).ends_with("-containers") {
            continue;
        }
        for id in entries(&driver) {
            let path = id.join("userdata/config.json");
            let mut bytes = Vec::new();
            let read = fs::File::open(&path)
                .and_then(|f| f.take(CONFIG_JSON_LIMIT).read_to_end(&mut bytes));
            if read.is_err() {
                continue;
            }
            let Ok(spec) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
                continue;
            };
            let annotations = &spec["annotations"];
            if annotations[CRIO_HANDLER].as_str() != Some(name) {
                continue;
            }
            let of = |key: &str| {
                annotations[format!("io.kubernetes.cri-o.{key}")]
                    .as_str()
                    .unwrap_or("?")
                    .to_string()
            };
            let id = file_name(&id);
            let short: String = id.chars().take(13).collect();
            pods.push(format!(
                "pod {}/{} (sandbox {short})",
                of("Namespace"),
                of("KubeName")
            ));
        }
    }
    pods.sort();
    pods
}

/// The entries of a directory (none when it cannot be read).
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    v.sort();
    v
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sandbox(root: &Path, run_root: &str, id: &str, handler: &str, name: &str) {
        let dir = root
            .join(run_root.trim_start_matches('/'))
            .join("overlay-containers")
            .join(id)
            .join("userdata");
        fs::create_dir_all(&dir).unwrap();
        let spec = serde_json::json!({
            "ociVersion": "1.0.2-dev",
            "annotations": {
                "io.kubernetes.cri-o.ContainerType": "sandbox",
                "io.kubernetes.cri-o.RuntimeHandler": handler,
                "io.kubernetes.cri-o.Namespace": "default",
                "io.kubernetes.cri-o.KubeName": name,
            }
        });
        fs::write(dir.join("config.json"), spec.to_string()).unwrap();
    }

    /// The pods of the handler, found under the run root CRI-O's config
    /// names; those of other handlers (the default one is "") are not.
    #[test]
    fn crio_pods_of_the_handler_are_found_under_its_run_root() {
        let tmp = tempfile::tempdir().unwrap();
        let host = Host {
            root: tmp.path().to_path_buf(),
        };
        let none = using(
            &host,
            Engine::Crio,
            Path::new("/x"),
            "container-hooks",
            None,
        );
        assert!(none.is_empty());
        let ours = "0123456789abcdef0123";
        sandbox(
            tmp.path(),
            crio::DEFAULT_RUN_ROOT,
            ours,
            "container-hooks",
            "web",
        );
        sandbox(
            tmp.path(),
            crio::DEFAULT_RUN_ROOT,
            "fedcba9876543210",
            "",
            "plain",
        );
        sandbox(tmp.path(), crio::DEFAULT_RUN_ROOT, "aaaa", "runc", "other");
        let found = using(
            &host,
            Engine::Crio,
            Path::new("/x"),
            "container-hooks",
            None,
        );
        assert_eq!(found, ["pod default/web (sandbox 0123456789abc)"]);
        // A run root of CRI-O's own config.
        fs::create_dir_all(tmp.path().join("etc/crio")).unwrap();
        fs::write(
            tmp.path().join("etc/crio/crio.conf"),
            "[crio]\nrunroot = \"/var/run/crio-storage\"\n",
        )
        .unwrap();
        assert!(using(
            &host,
            Engine::Crio,
            Path::new("/x"),
            "container-hooks",
            None
        )
        .is_empty());
        sandbox(
            tmp.path(),
            "/var/run/crio-storage",
            "bbbb",
            "container-hooks",
            "db",
        );
        assert_eq!(
            using(
                &host,
                Engine::Crio,
                Path::new("/x"),
                "container-hooks",
                None
            ),
            ["pod default/db (sandbox bbbb)"]
        );
    }
}

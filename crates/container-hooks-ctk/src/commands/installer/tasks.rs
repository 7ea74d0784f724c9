//! The containerd tasks that still run through the shim: containerd's runc
//! shim calls the runtime binary again to stop and delete a container, so
//! the binaries must stay while such a task exists.

use super::host::Host;
use container_hooks_admin::engines::Engine;
use std::fs;
use std::path::{Path, PathBuf};

/// containerd's state directory unless its config names another.
const CONTAINERD_STATE: &str = "/run/containerd";

/// The containerd tasks whose runtime binary is `shim` (namespace/id),
/// from the `runtime` file containerd's runc shim keeps in each task's
/// bundle under its state directory (`state` of the main config, by
/// default /run/containerd). CRI-O keeps no such record: none found.
pub fn using(host: &Host, engine: Engine, shim: &Path, config: Option<&Path>) -> Vec<String> {
    if engine != Engine::Containerd {
        return Vec::new();
    }
    let config = config.unwrap_or(Engine::Containerd.default_config());
    let state = fs::read_to_string(host.path(config))
        .ok()
        .and_then(|t| t.parse::<toml_edit::DocumentMut>().ok())
        .and_then(|d| d.get("state").and_then(|s| s.as_str()).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(CONTAINERD_STATE));
    let tasks = host.path(&state.join("io.containerd.runtime.v2.task"));
    let mut users = Vec::new();
    let Ok(namespaces) = fs::read_dir(&tasks) else {
        return users;
    };
    for ns in namespaces.flatten() {
        let Ok(ids) = fs::read_dir(ns.path()) else {
            continue;
        };
        for id in ids.flatten() {
            let runtime = fs::read_to_string(id.path().join("runtime")).unwrap_or_default();
            if Path::new(runtime.trim()) == shim {
                users.push(format!(
                    "{}/{}",
                    ns.file_name().to_string_lossy(),
                    id.file_name().to_string_lossy()
                ));
            }
        }
    }
    users.sort();
    users
}

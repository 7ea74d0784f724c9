//! Wiring the shim into container engines and taking it out again.
//!
//! Read top to bottom:
//!
//! - [`engine`]: the engines and their facts (files, program, service,
//!   how each picks up a change, whether it is installed);
//! - [`plan`]: what the operator asked ([`Request`]), resolved against the
//!   record; [`plan_configure`] and [`plan_remove`] compute a [`Plan`]
//!   without touching anything, [`Plan::diff`] shows it, [`Plan::apply`]
//!   writes it under the [`crate::lock::Lock`];
//! - [`flow`]: the steps every engine shares (is this entry ours, clash and
//!   `--force`, the default runtime, the record carried forward);
//! - [`docker`], [`containerd`], [`crio`], [`podman`]: each engine's own
//!   facts: its files, where its runtime table and default live, what an
//!   entry looks like;
//! - [`state`]: the record of what configure did, so remove undoes exactly
//!   that, and the engines the operator took the shim out of;
//! - [`detect`]: which installed engines `configure --detected` wires;
//! - [`status`]: how each engine is wired, for `runtime status`;
//! - [`reload`]: making an engine read its changed file;
//! - [`files`] and [`toml_util`]: reading and writing the files, keeping
//!   everything configure does not own (comments, key order, indentation,
//!   unknown keys).

pub mod containerd;
pub mod crio;
pub mod detect;
pub mod docker;
pub mod engine;
pub mod files;
pub(crate) mod flow;
pub mod plan;
pub mod podman;
pub mod reload;
pub mod state;
pub mod status;
pub(crate) mod toml_runtimes;
pub mod toml_util;

pub use engine::{Engine, Reload, DOCKER_PID_FILE};
pub use files::{on_root, read_optional, DirRemoval, EngineFiles};
pub use plan::{plan_configure, plan_remove, wiring, FileChange, Plan, Request, Target};
pub use status::{is_shim_path, status, EngineStatus, Wiring};

use container_hooks_core::error::FileError;
use std::path::PathBuf;

/// The runtime name configure uses unless told otherwise.
pub const DEFAULT_NAME: &str = "container-hooks";
/// Where the packages install the shim.
pub const DEFAULT_SHIM_PATH: &str = "/usr/bin/container-hooks-runtime";
/// The file name of the shim, by which an engine entry is recognised as
/// the toolkit's own.
pub const SHIM_FILE_NAME: &str = "container-hooks-runtime";

/// An error of configure, remove or status: one line, naming the file, the
/// field and the fault.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A fault in an engine file (or the state file).
    #[error(transparent)]
    File(#[from] FileError),
    /// A runtime of that name exists and is not the shim.
    #[error("{}: {field} already exists and does not run {shim}: refusing to replace it (choose another --name, or --force)", file.display())]
    Clash {
        file: PathBuf,
        field: String,
        shim: String,
    },
    /// An option that makes no sense for this engine.
    #[error("{0}")]
    Usage(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn copy_fixture(rel: &str, to: &Path) {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(test_support::fixture(&format!("engines/{rel}")), to).unwrap();
    }

    /// Each error that wraps a file's fault prints it once through its
    /// whole chain, as an operator reads it (`anyhow`'s `{:#}`), also in
    /// the warning of the package dispatch.
    #[test]
    fn a_file_fault_reads_once_through_every_wrapper() {
        let fault = FileError::new("/etc/docker/daemon.json", "invalid JSON: expected `:`");
        let once = fault.to_string();
        let chains = [
            test_support::error_chain(&EngineError::from(fault.clone())),
            test_support::error_chain(&crate::lock::LockError::from(fault.clone())),
            test_support::error_chain(&reload::ReloadError::from(fault.clone())),
        ];
        for chain in chains {
            assert_eq!(chain, once);
        }
    }

    /// With a root, files are read and written below it while what goes
    /// into them (imports, BinaryName) and the state name host paths.
    #[test]
    fn containerd_below_a_root_writes_host_paths_into_the_files() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("host");
        copy_fixture(
            "containerd/v2-debian-package.toml",
            &root.join("etc/containerd/config.toml"),
        );
        let state = root.join("var/lib/container-hooks");
        let mut req = Request::new(Engine::Containerd, &state);
        req.root = Some(root.clone());
        req.drop_in = Some(containerd::suggested_drop_in());
        req.path = PathBuf::from("/usr/local/container-hooks/bin/container-hooks-runtime");
        let plan = plan_configure(&req).unwrap();
        let paths: Vec<_> = plan.changed_files().map(|f| f.path.clone()).collect();
        assert_eq!(
            paths,
            [
                root.join("etc/containerd/conf.d/99-container-hooks.toml"),
                root.join("etc/containerd/config.toml")
            ]
        );
        plan.apply_under_lock();
        let main = std::fs::read_to_string(root.join("etc/containerd/config.toml")).unwrap();
        assert!(
            main.contains("imports = [\"/etc/containerd/conf.d/*.toml\"]"),
            "{main}"
        );
        let din =
            std::fs::read_to_string(root.join("etc/containerd/conf.d/99-container-hooks.toml"))
                .unwrap();
        assert!(
            din.contains("BinaryName = \"/usr/local/container-hooks/bin/container-hooks-runtime\""),
            "{din}"
        );
        assert!(!din.contains(root.to_str().unwrap()), "{din}");
        let recorded = std::fs::read_to_string(state.join("runtimes.json")).unwrap();
        assert!(!recorded.contains(root.to_str().unwrap()), "{recorded}");
        // Again: nothing to change.
        assert!(!plan_configure(&req).unwrap().changes_files());
        // Remove puts the main file back and deletes the drop-in.
        plan_remove(&req).unwrap().apply_under_lock();
        assert_eq!(
            std::fs::read_to_string(root.join("etc/containerd/config.toml")).unwrap(),
            std::fs::read_to_string(test_support::fixture(
                "engines/containerd/v2-debian-package.toml"
            ))
            .unwrap()
        );
        assert!(!root
            .join("etc/containerd/conf.d/99-container-hooks.toml")
            .exists());
    }

    #[test]
    fn crio_below_a_root_reads_the_host_files() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("host");
        copy_fixture("crio/crio.conf", &root.join("etc/crio/crio.conf"));
        let state = root.join("var/lib/container-hooks");
        let mut req = Request::new(Engine::Crio, &state);
        req.root = Some(root.clone());
        req.path = PathBuf::from("/usr/local/container-hooks/bin/container-hooks-runtime");
        plan_configure(&req).unwrap().apply_under_lock();
        let drop_in = on_root(Some(&root), Path::new(crio::DEFAULT_DROP_IN));
        let din = std::fs::read_to_string(&drop_in).unwrap();
        assert!(
            din.contains(
                "runtime_path = \"/usr/local/container-hooks/bin/container-hooks-runtime\""
            ),
            "{din}"
        );
        plan_remove(&req).unwrap().apply_under_lock();
        assert!(!drop_in.exists());
    }

    /// `--force --set-as-default` over a runtime that was already the
    /// default: remove puts back both the entry and the default's name.
    #[test]
    fn force_over_the_default_runtime_restores_its_name() {
        let daemon_json = std::fs::read_to_string(test_support::fixture(
            "engines/docker/daemon-with-runtimes.json",
        ))
        .unwrap();
        let containers_conf =
            "[engine]\nruntime = \"kata\"\n\n[engine.runtimes]\nkata = [\"/usr/bin/kata-runtime\"]\n";
        for (engine, text, file) in [
            (Engine::Docker, daemon_json.as_str(), "daemon.json"),
            (Engine::Podman, containers_conf, "containers.conf"),
        ] {
            let tmp = tempfile::tempdir().unwrap();
            let config = tmp.path().join(file);
            std::fs::write(&config, text).unwrap();
            let original = std::fs::read(&config).unwrap();
            let name = if engine == Engine::Docker {
                "nvidia"
            } else {
                "kata"
            };
            let state = tmp.path().join("state");
            let mut req = Request::new(engine, &state);
            req.config = Some(config.clone());
            req.name = Some(name.into());
            req.force = true;
            req.set_as_default = true;
            let plan = plan_configure(&req).unwrap();
            assert!(plan.notes.iter().any(|n| n.contains("because of --force")));
            plan.apply_under_lock();
            let files = EngineFiles {
                config: config.clone(),
                drop_in: None,
            };
            let w = wiring(engine, &files, Path::new(DEFAULT_SHIM_PATH)).unwrap();
            assert_eq!(w.default_runtime.as_deref(), Some(name));
            assert_eq!(w.shim_runtimes.len(), 1, "{w:?}");
            let mut rm = Request::new(engine, &state);
            rm.config = Some(config.clone());
            plan_remove(&rm).unwrap().apply_under_lock();
            assert_eq!(
                String::from_utf8(std::fs::read(&config).unwrap()).unwrap(),
                String::from_utf8(original).unwrap(),
                "{engine}"
            );
        }
    }
}

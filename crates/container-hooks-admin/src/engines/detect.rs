//! Which engines `runtime configure --detected` wires: what the packages
//! run on install, from `dpkg-reconfigure`, and when an engine is
//! installed later (a dpkg file trigger on its program, an rpm trigger on
//! its package).
//!
//! It wires only engines it has never wired: an engine is installed when
//! its program is in the system PATH ([`Engine::installed`]); one that an
//! earlier configure recorded is left as it is, so that a trigger or an
//! upgrade never undoes what the operator changed since (a default runtime
//! set back by hand, the shim's entry taken out); one the operator took
//! the shim out of with `runtime remove --runtime ENGINE` is left out until
//! `runtime configure --runtime ENGINE` wires it again.

use super::files::EngineFiles;
use super::plan::wiring;
use super::state::State;
use super::Engine;
use std::path::{Path, PathBuf};

/// What `configure --detected` does with an installed engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detection {
    /// Never wired: wire it.
    Wire,
    /// Wired by an earlier configure, and the shim is still in its file:
    /// nothing to do.
    Wired,
    /// Wired by an earlier configure, but the shim is no longer in `file`
    /// (taken out by hand, or the file replaced): left as it is.
    TakenOut { file: PathBuf },
    /// The operator took the shim out with `runtime remove --runtime`.
    Declined,
}

/// An installed engine and what `configure --detected` does with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    pub engine: Engine,
    /// Its program, as the system names it.
    pub program: PathBuf,
    pub detection: Detection,
}

impl Detected {
    /// A line for the operator when the engine is left alone for a reason
    /// they should know, with the command that wires it anyway.
    pub fn note(&self) -> Option<String> {
        let again = format!(
            "to wire it, run: container-hooks-ctk runtime configure --runtime {} --set-as-default",
            self.engine
        );
        match &self.detection {
            Detection::Wire | Detection::Wired => None,
            Detection::TakenOut { file } => Some(format!(
                "{}: the shim is no longer in {} (taken out since it was wired); left as it is; {again}",
                self.engine,
                file.display()
            )),
            Detection::Declined => Some(format!(
                "{}: left out, as `runtime remove --runtime {}` asked; {again}",
                self.engine, self.engine
            )),
        }
    }
}

/// Every engine installed on the system whose root is `root` (None: `/`),
/// and what `configure --detected` does with it, by the state.
pub fn detect(root: Option<&Path>, state: &State) -> Vec<Detected> {
    Engine::ALL
        .into_iter()
        .filter_map(|engine| {
            let program = engine.installed(root)?;
            let detection = if state.is_declined(engine) {
                Detection::Declined
            } else if let Some(r) = state.find(engine, None) {
                let files = EngineFiles::recorded(r).on_root(root);
                match wiring(engine, &files, &r.path) {
                    Ok(w) if !w.shim_runtimes.iter().any(|(n, _)| *n == r.name) => {
                        Detection::TakenOut {
                            file: r.config.clone(),
                        }
                    }
                    _ => Detection::Wired,
                }
            } else {
                Detection::Wire
            };
            Some(Detected {
                engine,
                program,
                detection,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::state::Record;
    use std::os::unix::fs::PermissionsExt;

    fn program(root: &Path, rel: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, "").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn only_engines_never_wired_nor_declined_are_wired() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        for p in [
            "usr/sbin/dockerd",
            "usr/bin/containerd",
            "usr/bin/podman",
            "usr/local/bin/crio",
        ] {
            program(r, p);
        }
        // Podman: wired earlier, still wired. containerd: wired earlier,
        // its file no longer names the shim. Docker: declined.
        std::fs::create_dir_all(r.join("etc/containers")).unwrap();
        std::fs::write(
            r.join("etc/containers/containers.conf"),
            "[engine.runtimes]\ncontainer-hooks = [\"/usr/bin/container-hooks-runtime\"]\n",
        )
        .unwrap();
        let mut state = State::default();
        for engine in [Engine::Podman, Engine::Containerd] {
            state.put(Record::new(
                engine,
                engine.default_config(),
                "container-hooks",
                Path::new("/usr/bin/container-hooks-runtime"),
            ));
        }
        state.set_declined(Engine::Docker, true);
        let found = detect(Some(r), &state);
        let what: Vec<(Engine, &Detection)> =
            found.iter().map(|d| (d.engine, &d.detection)).collect();
        assert_eq!(
            what,
            [
                (Engine::Docker, &Detection::Declined),
                (
                    Engine::Containerd,
                    &Detection::TakenOut {
                        file: PathBuf::from("/etc/containerd/config.toml")
                    }
                ),
                (Engine::Crio, &Detection::Wire),
                (Engine::Podman, &Detection::Wired),
            ]
        );
        assert_eq!(found[2].program, Path::new("/usr/local/bin/crio"));
        let notes: Vec<String> = found.iter().filter_map(Detected::note).collect();
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(
            notes[0].contains("runtime configure --runtime docker"),
            "{notes:?}"
        );
        assert!(
            notes[1].contains("/etc/containerd/config.toml"),
            "{notes:?}"
        );
    }
}

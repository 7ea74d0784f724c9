//! Status: whether each engine is installed, and how the shim is wired
//! into it, as read from its files.

use super::files::EngineFiles;
use super::plan::wiring;
use super::state::State;
use super::{Engine, EngineError, DEFAULT_SHIM_PATH, SHIM_FILE_NAME};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Whether a runtime's program names the shim: its path (the one
/// configure was given, such as a wrapper), or any file called
/// `container-hooks-runtime`.
pub fn is_shim_path(program: &str, path: &Path) -> bool {
    Path::new(program) == path
        || Path::new(program)
            .file_name()
            .is_some_and(|n| n == SHIM_FILE_NAME)
}

/// How the engine is wired to the shim, as read from its files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Wiring {
    /// The runtime entries that run the shim: (name, program).
    pub shim_runtimes: Vec<(String, String)>,
    /// The engine's default runtime name, when a file sets one.
    pub default_runtime: Option<String>,
}

impl Wiring {
    /// The wiring of runtime entries (name, program) and a default, for
    /// the shim at `shim`.
    pub(crate) fn of(
        entries: impl IntoIterator<Item = (String, Option<String>)>,
        default_runtime: Option<String>,
        shim: &Path,
    ) -> Wiring {
        Wiring {
            shim_runtimes: entries
                .into_iter()
                .filter_map(|(name, program)| {
                    program.filter(|p| is_shim_path(p, shim)).map(|p| (name, p))
                })
                .collect(),
            default_runtime,
        }
    }
}

/// The status of one engine, as `runtime status` reports it.
#[derive(Debug, Clone, Serialize)]
pub struct EngineStatus {
    pub engine: Engine,
    /// The engine's program, when it is installed.
    pub installed: Option<PathBuf>,
    /// The file configure edits.
    pub config: PathBuf,
    pub drop_in: Option<PathBuf>,
    /// The runtime name of the shim in this engine, when wired.
    pub runtime: Option<String>,
    pub wired: bool,
    pub default: bool,
    pub default_runtime: Option<String>,
    /// The operator took the shim out with `runtime remove --runtime`:
    /// `configure --detected` leaves the engine alone.
    pub declined: bool,
    /// An error reading the engine's files.
    pub error: Option<String>,
}

/// Every engine of the system whose root is `root` (None: `/`; files,
/// programs and the state directory, given where this process reaches
/// it, are found below it): installed, file, wired, default. The shim is
/// recognised by the path configure recorded (a wrapper given with
/// `--path`), else by the packages' path, and by its file name.
pub fn status(state_dir: &Path, root: Option<&Path>) -> Result<Vec<EngineStatus>, EngineError> {
    let state = State::load(state_dir)?;
    let mut out = Vec::new();
    for engine in Engine::ALL {
        let recorded = state.find(engine, None);
        let files = EngineFiles::of(engine, recorded);
        let mut st = EngineStatus {
            engine,
            installed: engine.installed(root),
            config: files.config.clone(),
            drop_in: files.drop_in.clone(),
            runtime: None,
            wired: false,
            default: false,
            default_runtime: None,
            declined: state.is_declined(engine),
            error: None,
        };
        let shim = recorded.map_or(Path::new(DEFAULT_SHIM_PATH), |r| r.path.as_path());
        match wiring(engine, &files.on_root(root), shim) {
            Ok(w) => {
                let name = recorded
                    .map(|r| r.name.clone())
                    .filter(|n| w.shim_runtimes.iter().any(|(m, _)| m == n))
                    .or_else(|| w.shim_runtimes.first().map(|(n, _)| n.clone()));
                st.wired = name.is_some();
                st.default = name.is_some() && name == w.default_runtime;
                st.runtime = name;
                st.default_runtime = w.default_runtime;
            }
            Err(e) => st.error = Some(e.to_string()),
        }
        out.push(st);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::{plan_configure, Request};

    /// configure given a wrapper as `--path`: status finds it wired by the
    /// recorded path, though the wrapper is not called
    /// container-hooks-runtime.
    #[test]
    fn a_wrapper_given_as_path_is_wired() {
        let tmp = tempfile::tempdir().unwrap();
        let config = tmp.path().join("containers.conf");
        let state = tmp.path().join("state");
        let mut req = Request::new(Engine::Podman, &state);
        req.config = Some(config.clone());
        req.path = tmp.path().join("shim-wrapper");
        req.set_as_default = true;
        plan_configure(&req).unwrap().apply_under_lock();
        let podman = status(&state, None)
            .unwrap()
            .into_iter()
            .find(|s| s.engine == Engine::Podman)
            .unwrap();
        assert_eq!(podman.config, config);
        assert_eq!(podman.runtime.as_deref(), Some("container-hooks"));
        assert!(podman.wired && podman.default, "{podman:?}");
        // Read for another shim, the wrapper is not it.
        let files = EngineFiles {
            config,
            drop_in: None,
        };
        let w = wiring(Engine::Podman, &files, Path::new(DEFAULT_SHIM_PATH)).unwrap();
        assert!(w.shim_runtimes.is_empty(), "{w:?}");
    }
}

//! Finding the real OCI runtime to hand over to.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Searched for bare runtime names before `$PATH`, so that an engine's
/// odd PATH cannot pick a different runc.
pub const SYSTEM_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Why no runtime was found.
#[derive(Debug, thiserror::Error)]
#[error("no OCI runtime found: tried {tried} (set [container-hooks-runtime] runtimes in {config})")]
pub struct NoRuntime {
    pub tried: String,
    pub config: String,
}

/// The runtime to hand over to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runtime {
    /// The file to execute.
    pub path: PathBuf,
    /// The entry of `runtimes` as written (`runc`, `/usr/local/bin/runc`):
    /// the runtime's argv[0], as if the engine had called it by that name.
    pub name: String,
}

/// The first of `runtimes` that exists, is executable and is not this
/// program itself (by device and inode, so a link or copy is caught too
/// when it is the same file).
pub fn find_runtime(runtimes: &[String], config: &Path) -> Result<Runtime, NoRuntime> {
    let env_path = std::env::var_os("PATH");
    find(runtimes, config, env_path.as_deref(), None)
}

/// The runtime the shim of the system whose root is mounted at `root`
/// would find, as that system names it. Bare names are searched in the
/// system PATH only: this process's `$PATH` is not that system's.
pub fn find_runtime_below(
    root: &Path,
    runtimes: &[String],
    config: &Path,
) -> Result<Runtime, NoRuntime> {
    find(runtimes, config, None, Some(root))
}

fn find(
    runtimes: &[String],
    config: &Path,
    env_path: Option<&std::ffi::OsStr>,
    root: Option<&Path>,
) -> Result<Runtime, NoRuntime> {
    let me = std::fs::metadata("/proc/self/exe")
        .ok()
        .map(|m| (m.dev(), m.ino()));
    for entry in runtimes {
        for candidate in candidates(entry, env_path) {
            let found = match root {
                None => std::fs::metadata(&candidate),
                Some(r) => {
                    std::fs::metadata(r.join(candidate.strip_prefix("/").unwrap_or(&candidate)))
                }
            };
            let Ok(meta) = found else {
                continue;
            };
            if !meta.is_file() || meta.permissions().mode() & 0o111 == 0 {
                continue;
            }
            if Some((meta.dev(), meta.ino())) == me {
                continue;
            }
            return Ok(Runtime {
                path: candidate,
                name: entry.clone(),
            });
        }
    }
    Err(NoRuntime {
        tried: runtimes.join(", "),
        config: config.display().to_string(),
    })
}

fn candidates(entry: &str, env_path: Option<&std::ffi::OsStr>) -> Vec<PathBuf> {
    if entry.contains('/') {
        return vec![PathBuf::from(entry)];
    }
    let mut dirs: Vec<PathBuf> = std::env::split_paths(SYSTEM_PATH).collect();
    if let Some(p) = env_path {
        dirs.extend(std::env::split_paths(p).filter(|d| d.is_absolute()));
    }
    dirs.into_iter().map(|d| d.join(entry)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_entries_and_names_resolve_and_missing_is_an_error() {
        let cfg = Path::new("/etc/container-hooks/config.toml");
        assert_eq!(
            find_runtime(&["/bin/true".into()], cfg).unwrap(),
            Runtime {
                path: PathBuf::from("/bin/true"),
                name: "/bin/true".into()
            }
        );
        let found = find_runtime(&["/nonexistent/runc".into(), "sh".into()], cfg).unwrap();
        assert!(found.path.ends_with("sh") && found.path.is_absolute());
        assert_eq!(found.name, "sh");
        let err = find_runtime(
            &["/nonexistent/runc".into(), "no-such-runtime-xyz".into()],
            cfg,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("no-such-runtime-xyz") && err.contains("config.toml"),
            "{err}"
        );
    }

    #[test]
    fn below_a_root_names_are_searched_in_its_system_path() {
        let root = tempfile::tempdir().unwrap();
        let cfg = Path::new("/etc/container-hooks/config.toml");
        let err = find_runtime_below(root.path(), &["sh".into()], cfg).unwrap_err();
        assert!(err.to_string().contains("tried sh"), "{err}");
        let bin = root.path().join("usr/sbin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::copy("/bin/true", bin.join("crun")).unwrap();
        assert_eq!(
            find_runtime_below(root.path(), &["runc".into(), "crun".into()], cfg)
                .unwrap()
                .path,
            PathBuf::from("/usr/sbin/crun")
        );
        assert_eq!(
            find_runtime_below(root.path(), &["/usr/sbin/crun".into()], cfg)
                .unwrap()
                .path,
            PathBuf::from("/usr/sbin/crun")
        );
    }

    #[test]
    fn itself_is_skipped() {
        let me = std::fs::read_link("/proc/self/exe").unwrap();
        let cfg = Path::new("c");
        assert!(find_runtime(&[me.display().to_string()], cfg).is_err());
    }
}

//! The toolkit's own config.toml.
//!
//! A missing file or a missing key means the default; an unknown key is an
//! error that names it. The keys of the original tool keep working.

use crate::error::FileError;
use crate::trust::{read_trusted, MAX_SOURCE_BYTES};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Where config.toml is read from unless `CONTAINER_HOOKS_CONFIG` says
/// otherwise.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/container-hooks/config.toml";
/// The environment variable that overrides [`DEFAULT_CONFIG_PATH`].
pub const CONFIG_ENV: &str = "CONTAINER_HOOKS_CONFIG";

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(rename = "container-hooks", default)]
    pub hooks: HooksConfig,
    #[serde(rename = "container-hooks-runtime", default)]
    pub runtime: RuntimeConfig,
    #[serde(rename = "container-hooks-ctk", default)]
    pub ctk: CtkConfig,
}

/// `[container-hooks]`: where hooks come from.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HooksConfig {
    /// hooks.json, applied to every container.
    pub path: PathBuf,
    /// oci-hooks(5) directories, later ones masking earlier ones.
    #[serde(rename = "hooks-dirs")]
    pub hooks_dirs: Vec<PathBuf>,
    /// Whether a bad hook source fails the container create (true) or is
    /// skipped with an error in the log (false).
    pub strict: bool,
    /// What a hooks.d file whose hook program does not exist does.
    #[serde(rename = "missing-hook-program")]
    pub missing_hook_program: MissingHookProgram,
}

/// `[container-hooks] missing-hook-program`: what happens to a hooks.d
/// file whose `hook.path` does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MissingHookProgram {
    /// The file is skipped and a warning logged, as Podman and CRI-O skip
    /// it: a file left behind by an uninstalled package does nothing.
    #[default]
    Skip,
    /// The file is refused like an invalid one (with `strict = true` the
    /// create fails, naming the file and the program).
    Refuse,
}

impl MissingHookProgram {
    pub fn as_str(self) -> &'static str {
        match self {
            MissingHookProgram::Skip => "skip",
            MissingHookProgram::Refuse => "refuse",
        }
    }
}

impl Default for HooksConfig {
    fn default() -> Self {
        HooksConfig {
            path: PathBuf::from("/etc/container-hooks/hooks.json"),
            hooks_dirs: vec![PathBuf::from("/etc/container-hooks/hooks.d")],
            strict: true,
            missing_hook_program: MissingHookProgram::Skip,
        }
    }
}

/// `[container-hooks-runtime]`: the shim.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RuntimeConfig {
    /// The shim's own log file; empty for none.
    pub debug: PathBuf,
    /// The lowest level written to `debug`.
    #[serde(rename = "log-level")]
    pub log_level: LogLevel,
    /// Real runtimes to try, in order: a name is looked up in the system
    /// PATH, an entry with a `/` is a path.
    pub runtimes: Vec<String>,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            debug: PathBuf::from("/var/log/container-hooks-runtime.log"),
            log_level: LogLevel::Info,
            runtimes: vec!["runc".to_string(), "crun".to_string()],
        }
    }
}

/// `[container-hooks-ctk]`: the admin CLI.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CtkConfig {
    /// Where the CLI is installed (hook files of the original tool name it).
    pub path: PathBuf,
    /// How the package scripts apply an engine change: `none` prints the
    /// command to run, `signal` reloads engines that reload on SIGHUP,
    /// `systemd` restarts engines through systemctl.
    #[serde(rename = "restart-mode")]
    pub restart_mode: RestartMode,
}

impl Default for CtkConfig {
    fn default() -> Self {
        CtkConfig {
            path: PathBuf::from("/usr/bin/container-hooks-ctk"),
            restart_mode: RestartMode::None,
        }
    }
}

/// How an engine learns of a changed config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RestartMode {
    /// Change nothing; print the command the operator should run.
    #[default]
    None,
    /// Send SIGHUP to an engine that reloads on it (dockerd).
    Signal,
    /// `systemctl restart` the engine's unit.
    Systemd,
}

impl RestartMode {
    /// Every mode, in the order the documentation lists them.
    pub const ALL: [RestartMode; 3] =
        [RestartMode::None, RestartMode::Signal, RestartMode::Systemd];

    pub fn as_str(self) -> &'static str {
        match self {
            RestartMode::None => "none",
            RestartMode::Signal => "signal",
            RestartMode::Systemd => "systemd",
        }
    }
}

/// Levels of the shim's log, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Trace,
    Debug,
    #[default]
    Info,
    #[serde(alias = "warning")]
    Warn,
    Error,
    Off,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
            LogLevel::Off => "off",
        }
    }
}

/// The path of config.toml: `$CONTAINER_HOOKS_CONFIG` when set and not
/// empty, else the default.
pub fn config_path() -> PathBuf {
    match std::env::var_os(CONFIG_ENV) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(DEFAULT_CONFIG_PATH),
    }
}

impl Config {
    /// Loads config.toml from [`config_path`].
    pub fn load() -> Result<Config, FileError> {
        Config::load_from(&config_path())
    }

    /// Loads a config file; a missing file means the defaults. The file
    /// must pass the trust checks: it names the programs run as root.
    pub fn load_from(path: &Path) -> Result<Config, FileError> {
        let Some(text) = read_text(path)? else {
            return Ok(Config::default());
        };
        Config::parse(&text).map_err(|fault| FileError::new(path, fault))
    }

    /// Loads config.toml for the shim. A file that is valid TOML but wrong
    /// elsewhere (an unknown key, a bad value) still names the runtime that
    /// commands such as `delete` and `kill` must reach, because the
    /// container they act on was created by that runtime: then its
    /// `runtimes` alone are read, with the error kept for the commands that
    /// need the whole file. A file that cannot be read, is not trusted or is
    /// not TOML is an error for every command: falling back to a default
    /// runtime could send `delete` to a runtime that does not know the
    /// container.
    pub fn load_for_shim(path: &Path) -> Result<ShimConfig, FileError> {
        let Some(text) = read_text(path)? else {
            return Ok(ShimConfig::Whole(Config::default()));
        };
        match Config::parse(&text) {
            Ok(config) => Ok(ShimConfig::Whole(config)),
            Err(fault) => {
                let error = FileError::new(path, fault);
                match runtimes_alone(&text) {
                    Some(runtimes) => Ok(ShimConfig::RuntimesOnly { runtimes, error }),
                    None => Err(error),
                }
            }
        }
    }

    /// Parses config.toml text; the fault names the line, column and key.
    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| toml_fault(text, &e))?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), String> {
        check_runtime_names(&self.runtime.runtimes)?;
        // A relative path would be read from whatever directory the engine
        // runs the shim in.
        let paths = [
            ("[container-hooks] path", &self.hooks.path),
            ("[container-hooks-runtime] debug", &self.runtime.debug),
            ("[container-hooks-ctk] path", &self.ctk.path),
        ]
        .into_iter()
        .chain(
            self.hooks
                .hooks_dirs
                .iter()
                .map(|d| ("[container-hooks] hooks-dirs", d)),
        );
        for (key, path) in paths {
            if !path.as_os_str().is_empty() && !path.is_absolute() {
                return Err(format!(
                    "{key}: {:?} is a relative path: give an absolute path",
                    path.display().to_string()
                ));
            }
        }
        check_runtime_paths(&self.runtime.runtimes)
    }
}

/// `runtimes` names at least one runtime, and no empty name.
fn check_runtime_names(runtimes: &[String]) -> Result<(), String> {
    if runtimes.is_empty() {
        return Err(
            "[container-hooks-runtime] runtimes is empty: name at least one runtime".to_string(),
        );
    }
    if let Some(bad) = runtimes.iter().find(|r| r.is_empty()) {
        return Err(format!(
            "[container-hooks-runtime] runtimes holds an empty name {bad:?}"
        ));
    }
    Ok(())
}

/// No `runtimes` entry is a relative path: it would be looked up from
/// whatever directory the engine runs the shim in.
fn check_runtime_paths(runtimes: &[String]) -> Result<(), String> {
    match runtimes
        .iter()
        .find(|r| r.contains('/') && !r.starts_with('/'))
    {
        Some(bad) => Err(format!(
            "[container-hooks-runtime] runtimes: {bad:?} is a relative path: give a bare name or an absolute path"
        )),
        None => Ok(()),
    }
}

/// The text of a trusted config file; `None` when it does not exist.
fn read_text(path: &Path) -> Result<Option<String>, FileError> {
    let Some(bytes) = read_trusted(path, MAX_SOURCE_BYTES)? else {
        return Ok(None);
    };
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| FileError::new(path, "not valid UTF-8"))
}

/// config.toml as the shim reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShimConfig {
    /// The whole file is valid (or missing: the defaults).
    Whole(Config),
    /// The file is trusted TOML with a fault outside `runtimes`: the
    /// runtimes it names, and the fault.
    RuntimesOnly {
        runtimes: Vec<String>,
        error: FileError,
    },
}

impl ShimConfig {
    /// The runtimes to try, in order.
    pub fn runtimes(&self) -> &[String] {
        match self {
            ShimConfig::Whole(c) => &c.runtime.runtimes,
            ShimConfig::RuntimesOnly { runtimes, .. } => runtimes,
        }
    }
}

/// `[container-hooks-runtime] runtimes` of a TOML document whose other
/// keys may be wrong; `None` when the document is not TOML or `runtimes`
/// itself is wrong. A missing table or key means the default.
fn runtimes_alone(text: &str) -> Option<Vec<String>> {
    let table: toml::Table = toml::from_str(text).ok()?;
    let runtimes = match table.get("container-hooks-runtime") {
        None => return Some(RuntimeConfig::default().runtimes),
        Some(toml::Value::Table(t)) => t.get("runtimes"),
        Some(_) => return None,
    };
    let list = match runtimes {
        None => return Some(RuntimeConfig::default().runtimes),
        Some(toml::Value::Array(list)) => list,
        Some(_) => return None,
    };
    let names: Vec<String> = list
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect::<Option<_>>()?;
    check_runtime_names(&names).ok()?;
    check_runtime_paths(&names).ok()?;
    Some(names)
}

/// A toml parse error as one line: `line L, column C: message`.
pub fn toml_fault(text: &str, err: &toml::de::Error) -> String {
    let message = err.message().trim().replace('\n', " ");
    match err.span() {
        Some(span) => {
            let (line, col) = line_col(text, span.start);
            format!("line {line}, column {col}: {message}")
        }
        None => message,
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// The documented default config.toml, as shipped in
/// `/etc/container-hooks/config.toml` and printed by `ctk config default`.
pub const DEFAULT_TOML: &str = r#"# container-hooks-toolkit configuration.
#
# Read by container-hooks-runtime on every container create and by
# container-hooks-ctk. Every key is optional: a missing key (or a missing
# file) means the default shown here. An unknown key is an error.
# Set CONTAINER_HOOKS_CONFIG to read another file.
#
# This file names programs that run as root in every container: it must be
# owned by root and not writable by group or others.

[container-hooks]
# hooks.json: an object keyed by OCI hook stage (prestart, createRuntime,
# createContainer, startContainer, poststart, poststop), each a list of OCI
# hooks. Applied to every container. A missing file means no hooks.
path = "/etc/container-hooks/hooks.json"

# Directories of oci-hooks(5) files (one hook per *.json file, with "when"
# conditions), as Podman and CRI-O read them. Files apply in order of their
# lower-cased names; a file in a later directory masks one of the same name
# in an earlier directory. A missing directory is no error.
hooks-dirs = ["/etc/container-hooks/hooks.d"]

# true: a hook source that cannot be read or trusted fails the container
# create, naming the file. false: that source is skipped, the error is
# logged, and the container starts without its hooks.
strict = true

# A hooks.d file whose hook program (hook.path) does not exist.
# "skip": the file is skipped and a warning naming the file and the
# program is logged, as Podman and CRI-O skip it (a file left behind by an
# uninstalled package does nothing). "refuse": the file is refused like an
# invalid one, so with strict = true every create it applies to fails.
# hooks.json is not affected: runc reports its missing programs.
missing-hook-program = "skip"

[container-hooks-runtime]
# The shim's own log file. Empty for none. It is opened only when a line at
# log-level or above is written.
debug = "/var/log/container-hooks-runtime.log"

# Lowest level written to the log: trace, debug, info, warn, error or off.
log-level = "info"

# The real OCI runtimes, tried in order. A bare name is searched in
# /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin, then $PATH;
# an entry with a "/" is a path. The shim itself is always skipped.
runtimes = ["runc", "crun"]

[container-hooks-ctk]
# Where container-hooks-ctk is installed.
path = "/usr/bin/container-hooks-ctk"

# How the package scripts apply an engine config change: "none" prints the
# command to run; "signal" also reloads dockerd with SIGHUP (the default
# for Docker whatever this says, as it does not stop containers);
# "systemd" restarts containerd and CRI-O with systemctl.
restart-mode = "none"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_default_equals_built_in_default() {
        assert_eq!(Config::parse(DEFAULT_TOML).unwrap(), Config::default());
    }

    #[test]
    fn empty_file_is_default() {
        assert_eq!(Config::parse("").unwrap(), Config::default());
    }

    #[test]
    fn seed_keys_keep_working() {
        let c = Config::parse(
            r#"
[container-hooks]
path = "/opt/hooks.json"
[container-hooks-runtime]
debug = "/tmp/x.log"
log-level = "debug"
runtimes = ["/usr/local/bin/runc"]
[container-hooks-ctk]
path = "/opt/ctk"
"#,
        )
        .unwrap();
        assert_eq!(c.hooks.path, PathBuf::from("/opt/hooks.json"));
        assert_eq!(c.runtime.log_level, LogLevel::Debug);
        assert_eq!(c.runtime.runtimes, vec!["/usr/local/bin/runc"]);
        assert_eq!(c.ctk.path, PathBuf::from("/opt/ctk"));
        assert!(c.hooks.strict);
    }

    #[test]
    fn unknown_key_is_named() {
        let err = Config::parse("[container-hooks-runtime]\nruntime = [\"runc\"]\n").unwrap_err();
        assert!(err.contains("`runtime`") && err.contains("line 2"), "{err}");
        let err = Config::parse("[container-hook]\n").unwrap_err();
        assert!(err.contains("container-hook"), "{err}");
    }

    #[test]
    fn syntax_error_has_line_and_column() {
        let err = Config::parse("[container-hooks]\npath = \n").unwrap_err();
        assert!(err.starts_with("line 2, column"), "{err}");
        assert!(!err.contains('\n'));
    }

    #[test]
    fn missing_hook_program_is_skip_or_refuse() {
        let c = Config::parse("[container-hooks]\nmissing-hook-program = \"refuse\"\n").unwrap();
        assert_eq!(c.hooks.missing_hook_program, MissingHookProgram::Refuse);
        let err =
            Config::parse("[container-hooks]\nmissing-hook-program = \"fail\"\n").unwrap_err();
        assert!(err.contains("line 2") && err.contains("skip"), "{err}");
    }

    #[test]
    fn shim_reads_runtimes_alone_from_a_file_wrong_elsewhere() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        let load = |text: &str| {
            std::fs::write(&p, text).unwrap();
            std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o644))
                .unwrap();
            Config::load_for_shim(&p)
        };
        let got = load(
            "[container-hooks]\npaht = \"/x\"\n[container-hooks-runtime]\nruntimes = [\"crun\"]\n",
        )
        .unwrap();
        assert_eq!(got.runtimes(), ["crun"]);
        assert!(
            matches!(&got, ShimConfig::RuntimesOnly { error, .. } if error.to_string().contains("paht"))
        );
        let got = load("[container-hooks]\nstrict = \"yes\"\n").unwrap();
        assert_eq!(got.runtimes(), ["runc", "crun"]);
        assert!(matches!(got, ShimConfig::RuntimesOnly { .. }));
        for broken in [
            "[[[ broken",
            "[container-hooks-runtime]\nruntimes = \"crun\"\n",
            "[container-hooks-runtime]\nruntimes = [\"\"]\nx = 1\n",
            "[container-hooks-runtime]\nruntimes = [\"bin/runc\"]\nx = 1\n",
            "container-hooks-runtime = 3\n",
        ] {
            let err = load(broken).unwrap_err();
            assert!(err.to_string().contains("config.toml"), "{broken:?}: {err}");
        }
        assert_eq!(
            load("[container-hooks-runtime]\nruntimes = [\"crun\"]\n").unwrap(),
            ShimConfig::Whole(
                Config::parse("[container-hooks-runtime]\nruntimes = [\"crun\"]\n").unwrap()
            )
        );
        std::fs::remove_file(&p).unwrap();
        assert_eq!(
            Config::load_for_shim(&p).unwrap(),
            ShimConfig::Whole(Config::default())
        );
    }

    #[test]
    fn relative_paths_are_refused_naming_the_key() {
        for (text, key) in [
            (
                "[container-hooks]\npath = \"hooks.json\"\n",
                "[container-hooks] path",
            ),
            (
                "[container-hooks]\nhooks-dirs = [\"/etc/h\", \"h.d\"]\n",
                "[container-hooks] hooks-dirs",
            ),
            (
                "[container-hooks-runtime]\ndebug = \"log/x.log\"\n",
                "[container-hooks-runtime] debug",
            ),
            (
                "[container-hooks-ctk]\npath = \"./ctk\"\n",
                "[container-hooks-ctk] path",
            ),
            (
                "[container-hooks-runtime]\nruntimes = [\"bin/runc\"]\n",
                "[container-hooks-runtime] runtimes",
            ),
        ] {
            let err = Config::parse(text).unwrap_err();
            assert!(
                err.starts_with(key) && err.contains("relative path"),
                "{err}"
            );
        }
        // An empty log path means no log; bare names are searched.
        assert!(
            Config::parse("[container-hooks-runtime]\ndebug = \"\"\nruntimes = [\"runc\"]\n")
                .is_ok()
        );
    }

    #[test]
    fn empty_runtimes_is_refused() {
        assert!(Config::parse("[container-hooks-runtime]\nruntimes = []\n").is_err());
    }
}

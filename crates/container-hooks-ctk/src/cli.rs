//! The clap definition of container-hooks-ctk.

use crate::commands::installer;
use crate::report::Format;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{ArgGroup, Args, Parser, Subcommand};
use container_hooks_admin::engines::state::DEFAULT_STATE_DIR;
use container_hooks_admin::engines::{Engine, DEFAULT_NAME, DEFAULT_SHIM_PATH, DOCKER_PID_FILE};
use container_hooks_core::config::RestartMode;
use std::path::PathBuf;

/// Wire container-hooks-runtime into container engines, write its config,
/// and inspect hooks.
#[derive(Debug, Parser)]
#[command(name = "container-hooks-ctk", version, about, long_about = None)]
pub struct Cli {
    /// Print what is done, step by step.
    #[arg(long, global = true)]
    pub debug: bool,
    /// Print only errors.
    #[arg(long, short, global = true, conflicts_with = "debug")]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Wire the shim into a container engine, take it out, or report.
    #[command(
        subcommand,
        after_help = "Examples:\n  container-hooks-ctk runtime configure --runtime docker --set-as-default\n  container-hooks-ctk runtime remove --runtime docker\n  container-hooks-ctk runtime status"
    )]
    Runtime(RuntimeCommand),
    /// Print the config.toml in effect, or set keys in it; print the
    /// defaults.
    ///
    /// Without --set, prints the config file as it is (the defaults when
    /// it is missing), after checking it as the shim reads it: keys the
    /// file leaves out have their defaults, which `config default` shows.
    /// With --set, prints the file with those keys set, or writes it
    /// (--in-place, -o).
    #[command(
        args_conflicts_with_subcommands = true,
        after_help = "Examples:\n  container-hooks-ctk config\n  container-hooks-ctk config default > /etc/container-hooks/config.toml\n  container-hooks-ctk config --set container-hooks-runtime.runtimes=runc,crun --in-place\n  container-hooks-ctk config --set container-hooks.strict=false -o /tmp/config.toml"
    )]
    Config(ConfigArgs),
    /// Inspect hook sources: list them, validate them, preview a bundle.
    Hooks(crate::commands::hooks::HooksArgs),
    /// Install the toolkit's binaries from a directory, atomically.
    #[command(
        after_help = "Example:\n  container-hooks-ctk install --toolkit-root ./target/release --dest /usr/bin"
    )]
    Install(InstallArgs),
    /// Install onto a Kubernetes node from a DaemonSet pod, and take it out.
    #[command(subcommand)]
    Installer(InstallerCommand),
}

/// The command line's values of the domain's enums, each read from the
/// domain type itself (its values and their names), so the two cannot
/// drift apart.
pub mod values {
    use super::*;

    /// The values of `all`, each with its help; a value without help is
    /// accepted but not listed.
    fn one_of<T: Copy + Send + Sync + 'static>(
        all: &'static [T],
        name: fn(T) -> &'static str,
        help: fn(T) -> Option<&'static str>,
    ) -> impl TypedValueParser<Value = T> {
        PossibleValuesParser::new(all.iter().map(|v| match help(*v) {
            Some(h) => PossibleValue::new(name(*v)).help(h),
            None => PossibleValue::new(name(*v)).hide(true),
        }))
        .try_map(move |s| {
            all.iter()
                .copied()
                .find(|v| name(*v) == s)
                .ok_or_else(|| format!("{s:?} is not one of the possible values"))
        })
    }

    fn engine_help(e: Engine) -> Option<&'static str> {
        Some(match e {
            Engine::Docker => "dockerd: /etc/docker/daemon.json",
            Engine::Containerd => "containerd: /etc/containerd/config.toml",
            Engine::Crio => "CRI-O: a drop-in in /etc/crio/crio.conf.d",
            Engine::Podman => "Podman: /etc/containers/containers.conf",
        })
    }

    /// docker, containerd, crio, podman.
    pub fn engine() -> impl TypedValueParser<Value = Engine> {
        one_of(&Engine::ALL, Engine::as_str, engine_help)
    }

    /// The engines of a Kubernetes node.
    pub fn node_engine() -> impl TypedValueParser<Value = Engine> {
        one_of(
            &[Engine::Containerd, Engine::Crio],
            Engine::as_str,
            engine_help,
        )
    }

    /// How the engine learns of the change.
    pub fn restart_mode() -> impl TypedValueParser<Value = RestartMode> {
        one_of(&RestartMode::ALL, RestartMode::as_str, |m| {
            Some(match m {
                RestartMode::None => "Print the command to run",
                RestartMode::Signal => {
                    "Send SIGHUP to dockerd (through --pid-file); print the restart command for containerd and CRI-O, which SIGHUP does not apply a new runtime to"
                }
                RestartMode::Systemd => "systemctl reload docker, or restart containerd / crio",
            })
        })
    }

    /// How the engine of a node learns of the change. `signal` is read,
    /// to be refused with the reason (neither containerd nor CRI-O takes a
    /// new runtime on SIGHUP), and not listed.
    pub fn node_restart_mode() -> impl TypedValueParser<Value = RestartMode> {
        one_of(&RestartMode::ALL, RestartMode::as_str, |m| {
            match m {
            RestartMode::None => Some("Print the restart command; restart the engine yourself"),
            RestartMode::Signal => None,
            RestartMode::Systemd => Some(
                "systemctl restart containerd or crio, run chrooted in the host's root (needs hostPID)",
            ),
        }
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum RuntimeCommand {
    /// Add the shim as a runtime of an engine, or of every engine installed.
    ///
    /// With --runtime, the engine's file gets a runtime entry that runs the
    /// shim (and, with --set-as-default, becomes its default runtime); what
    /// was changed is recorded so that `runtime remove` can take out
    /// exactly that.
    ///
    /// With --detected, every engine whose program (dockerd, containerd,
    /// crio, podman) is in the system PATH and that was never wired is
    /// wired; an engine wired before is left as it is, even when its file
    /// no longer names the shim, and so is one the shim was taken out of
    /// with `runtime remove --runtime`. The packages run this on install,
    /// when an engine is installed later (a dpkg trigger on the engine's
    /// program, an rpm trigger on its package) and from `dpkg-reconfigure
    /// container-hooks-toolkit`, which wires an engine installed another
    /// way (under /usr/local, say).
    #[command(after_help = "Examples:
  container-hooks-ctk runtime configure --runtime docker --set-as-default --restart-mode signal
  container-hooks-ctk runtime configure --runtime containerd --drop-in /etc/containerd/conf.d/99-container-hooks.toml
  container-hooks-ctk runtime configure --runtime crio --dry-run
  container-hooks-ctk runtime configure --runtime containerd --pod-annotations 'io.example.*'
  # what the packages run (and dpkg-reconfigure):
  container-hooks-ctk runtime configure --detected --set-as-default")]
    Configure(ConfigureArgs),
    /// Take out what configure added and restore the previous default
    /// runtime.
    ///
    /// A file that configure created goes again: Docker's daemon.json,
    /// which keeps `"default-runtime": "runc"` until dockerd has read it
    /// (dockerd keeps its current default on reload when the key is
    /// missing), is deleted once dockerd has read it after its reload, or
    /// at once when no running dockerd reads it.
    ///
    /// An engine named with --runtime is left out by `configure
    /// --detected` from then on (the packages and their triggers do not
    /// wire it again), until `configure --runtime` wires it. --all, what
    /// the packages run on removal, takes the shim out of every engine.
    #[command(
        visible_alias = "unconfigure",
        after_help = "Examples:\n  container-hooks-ctk runtime remove --runtime docker --restart-mode signal\n  container-hooks-ctk runtime remove --all   # what the packages run"
    )]
    Remove(RemoveArgs),
    /// Report, for each engine, whether it is installed, which file would be
    /// edited, whether the shim is wired in and the default; and whether
    /// the shim finds a runtime and the hook sources are valid.
    ///
    /// Each problem found is printed with the command that fixes it, and
    /// the exit status says whether there was any: 0 when every engine
    /// installed is wired (or was taken out with `runtime remove
    /// --runtime`) and config.toml, the real runtime and every hook source
    /// are good; 3 when a problem was found; 1 when the status could not be
    /// read.
    #[command(
        visible_alias = "doctor",
        after_help = "Examples:\n  container-hooks-ctk runtime status --output json\n  container-hooks-ctk runtime status >/dev/null || echo \"the toolkit needs attention: run container-hooks-ctk runtime status\""
    )]
    Status(StatusArgs),
}

/// Options shared by configure and remove.
#[derive(Debug, Args)]
pub struct EngineArgs {
    /// The engine's config file (default: the engine's usual file). Its
    /// directory must exist: configure may create the file, not the
    /// directory.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A drop-in file the engine imports (containerd; CRI-O default
    /// /etc/crio/crio.conf.d/99-container-hooks.conf).
    #[arg(long, value_name = "FILE", visible_alias = "drop-in-config")]
    pub drop_in: Option<PathBuf>,
    /// The runtime name in the engine's config [default: container-hooks].
    #[arg(long, visible_alias = "runtime-name")]
    pub name: Option<String>,
    /// Print a unified diff of what would change; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// How the engine learns of the change [default: none; with --detected
    /// or --all, restart-mode of config.toml, and dockerd is sent SIGHUP
    /// when it runs].
    #[arg(long, value_parser = values::restart_mode())]
    pub restart_mode: Option<RestartMode>,
    /// dockerd's pid file, for --restart-mode signal.
    #[arg(long, value_name = "FILE", default_value = DOCKER_PID_FILE)]
    pub pid_file: PathBuf,
    /// Where configure records what it did [default:
    /// $CONTAINER_HOOKS_STATE_DIR or /var/lib/container-hooks].
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// The root of the system whose engines are edited: engine files and
    /// programs, config.toml, the state directory and the pid file are
    /// found below it, while what is written into the files names paths as
    /// that system sees them; systemctl runs chrooted there.
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub root: PathBuf,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("engines").required(true).args(["runtime", "detected"])))]
pub struct ConfigureArgs {
    /// The engine to edit.
    #[arg(long, value_parser = values::engine())]
    pub runtime: Option<Engine>,
    /// Every engine installed (its program in the system PATH) and never
    /// wired, one after the other; an engine that cannot be edited is a
    /// warning (what the packages run on install).
    #[arg(long, conflicts_with_all = ["config", "drop_in"])]
    pub detected: bool,
    #[command(flatten)]
    pub engine: EngineArgs,
    /// The shim's path, as the engine will run it. A path where no
    /// program is yet is a warning: the engine would fail every container
    /// it starts through the shim until it is installed there.
    #[arg(long, visible_alias = "runtime-path", default_value = DEFAULT_SHIM_PATH)]
    pub path: PathBuf,
    /// Make the shim the engine's default runtime (`--set-as-default=false`:
    /// do not).
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_value_t = false,
        default_missing_value = "true",
        hide_default_value = true,
        hide_possible_values = true,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub set_as_default: bool,
    /// Replace a runtime of the same name that is not the shim.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub annotations: AnnotationArgs,
}

/// The annotations containerd's CRI passes into config.json: only those
/// its runtime entry lists (CRI-O and Podman pass them all).
#[derive(Debug, Args)]
pub struct AnnotationArgs {
    /// containerd: pod annotations its CRI passes into the config.json of
    /// the pod's containers run by the shim, by key pattern (Go path.Match
    /// globs: io.example.*), comma-separated or repeated. Without it, what
    /// the runtime entry lists stays; '' takes the list out.
    #[arg(long, value_name = "PATTERN,...", value_delimiter = ',')]
    pub pod_annotations: Option<Vec<String>>,
    /// containerd: container annotations passed the same way.
    #[arg(long, value_name = "PATTERN,...", value_delimiter = ',')]
    pub container_annotations: Option<Vec<String>>,
}

impl AnnotationArgs {
    /// The lists as the engine editors take them.
    pub fn lists(&self) -> container_hooks_admin::engines::containerd::Annotations {
        use container_hooks_admin::engines::containerd::patterns;
        container_hooks_admin::engines::containerd::Annotations {
            pod: patterns(self.pod_annotations.clone()),
            container: patterns(self.container_annotations.clone()),
        }
    }
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("engines").required(true).args(["runtime", "all"])))]
pub struct RemoveArgs {
    /// The engine to edit.
    #[arg(long, value_parser = values::engine())]
    pub runtime: Option<Engine>,
    /// Every engine configure recorded and every engine installed, one
    /// after the other; an engine that cannot be edited is a warning (what
    /// the packages run on removal).
    #[arg(long, conflicts_with_all = ["config", "drop_in"])]
    pub all: bool,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub output: Format,
    /// Where configure recorded what it did.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// The root of the system to report on: engine files and programs,
    /// config.toml, the hook sources, the real runtime and the state
    /// directory are found below it.
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub root: PathBuf,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub command: Option<ConfigCommand>,
    /// The config file to start from [default: $CONTAINER_HOOKS_CONFIG or
    /// /etc/container-hooks/config.toml; a missing file starts from the
    /// defaults].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Set a key: TABLE.KEY=VALUE (arrays as comma-separated values).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Write the result back to the config file.
    #[arg(long, conflicts_with = "output")]
    pub in_place: bool,
    /// Write the result to FILE.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the default config.toml, with comments.
    #[command(
        after_help = "Example:\n  container-hooks-ctk config default > /etc/container-hooks/config.toml"
    )]
    Default,
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// The directory holding container-hooks-runtime, container-hooks-ctk
    /// and container-hooks.
    #[arg(long, value_name = "DIR")]
    pub toolkit_root: PathBuf,
    /// Where to install them.
    #[arg(long, value_name = "DIR", default_value = crate::commands::install::DEFAULT_DEST)]
    pub dest: PathBuf,
    /// The state directory, whose lock keeps the binaries from changing
    /// while an engine is being wired [default: $CONTAINER_HOOKS_STATE_DIR
    /// or /var/lib/container-hooks].
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum InstallerCommand {
    /// Install the toolkit onto the host mounted at --host-root, wire the
    /// node's containerd or CRI-O, keep the hook files in sync with
    /// --config-dir, and take it all out again on SIGTERM or SIGINT.
    #[command(
        after_help = "Example (the DaemonSet's container):\n  container-hooks-ctk installer run --host-root /host --config-dir /config --restart-mode systemd"
    )]
    Run(InstallerRunArgs),
    /// Take out what `installer run` put on the host (after a pod was
    /// killed without its cleanup).
    #[command(
        after_help = "Example:\n  container-hooks-ctk installer remove --host-root /host --restart-mode systemd"
    )]
    Remove(InstallerArgs),
}

/// Options shared by `installer run` and `installer remove`. Every path
/// but --host-root, --source-dir and --config-dir is a path on the host.
#[derive(Debug, Args)]
pub struct InstallerArgs {
    /// Where the host's root filesystem is mounted.
    #[arg(long, value_name = "DIR", default_value = installer::DEFAULT_HOST_ROOT)]
    pub host_root: PathBuf,
    /// The host directory the binaries are installed in.
    #[arg(
        long,
        value_name = "DIR",
        default_value = installer::DEFAULT_TOOLKIT_DIR
    )]
    pub toolkit_dir: PathBuf,
    /// The engine to wire [default: detected from the host's files].
    #[arg(long, value_parser = values::node_engine())]
    pub runtime: Option<Engine>,
    /// The engine's main config file on the host [default:
    /// /etc/containerd/config.toml or /etc/crio/crio.conf].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The drop-in on the host [default:
    /// /etc/containerd/conf.d/99-container-hooks.toml or
    /// /etc/crio/crio.conf.d/99-container-hooks.conf].
    #[arg(long, value_name = "FILE")]
    pub drop_in: Option<PathBuf>,
    /// The runtime name (the RuntimeClass handler).
    #[arg(long, default_value = DEFAULT_NAME)]
    pub name: String,
    /// How the engine learns of its changed config: a restart, as neither
    /// containerd nor CRI-O takes a new runtime on a signal.
    #[arg(long, value_parser = values::node_restart_mode(), default_value = RestartMode::Systemd.as_str())]
    pub restart_mode: RestartMode,
    /// The host directory of the toolkit's state.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_STATE_DIR)]
    pub state_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct InstallerRunArgs {
    #[command(flatten)]
    pub common: InstallerArgs,
    /// The directory holding the three binaries [default: the directory of
    /// this program].
    #[arg(long, value_name = "DIR")]
    pub source_dir: Option<PathBuf>,
    /// The mounted ConfigMap: config.toml, hooks.json, and oci-hooks(5)
    /// files (every other *.json, or files in a hooks.d subdirectory).
    #[arg(long, value_name = "DIR", default_value = installer::DEFAULT_CONFIG_DIR)]
    pub config_dir: PathBuf,
    /// Make the shim the engine's default runtime (without it, pods opt in
    /// with runtimeClassName).
    #[arg(long)]
    pub set_as_default: bool,
    // containerd's annotation lists, set on the runtime entry at every
    // start and re-sync (flags, not the ConfigMap: a change needs a restart
    // of containerd, which changing the DaemonSet's args brings).
    #[command(flatten)]
    pub annotations: AnnotationArgs,
    /// How often to look for changed hook files (10s, 500ms, 2m).
    #[arg(long, value_name = "DURATION", default_value = installer::DEFAULT_POLL_INTERVAL, value_parser = parse_duration)]
    pub poll_interval: std::time::Duration,
    /// Install and wire, then exit (no waiting, no cleanup).
    #[arg(long)]
    pub once: bool,
}

/// Parses 10s, 500ms, 2m or a number of seconds.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?}: expected a duration such as 10s, 500ms or 2m"))?;
    let d = match unit {
        "ms" => std::time::Duration::from_millis(n),
        "s" => std::time::Duration::from_secs(n),
        "m" => std::time::Duration::from_secs(n.saturating_mul(60)),
        _ => {
            return Err(format!(
                "{s:?}: expected a duration such as 10s, 500ms or 2m"
            ))
        }
    };
    if d.is_zero() {
        return Err(format!("{s:?}: must be more than zero"));
    }
    Ok(d)
}

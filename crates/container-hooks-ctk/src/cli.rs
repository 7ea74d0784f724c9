//! The clap definition of container-hooks-ctk.

use crate::report::Format;
use clap::{Args, Parser, Subcommand, ValueEnum};
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
    /// Print the default config.toml, or set keys in one.
    #[command(
        args_conflicts_with_subcommands = true,
        after_help = "Examples:\n  container-hooks-ctk config default > /etc/container-hooks/config.toml\n  container-hooks-ctk config --set container-hooks-runtime.runtimes=runc,crun --in-place\n  container-hooks-ctk config --set container-hooks.strict=false -o /tmp/config.toml"
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

/// A container engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    Docker,
    Containerd,
    Crio,
    Podman,
}

/// How the engine learns of the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum RestartModeArg {
    /// Print the command to run.
    #[default]
    None,
    /// Send SIGHUP to dockerd (found through --pid-file); other engines do
    /// not reload on a signal: print the command to run.
    Signal,
    /// systemctl reload docker, or restart containerd / crio.
    Systemd,
}

#[derive(Debug, Subcommand)]
pub enum RuntimeCommand {
    /// Add the shim as a runtime of the engine.
    #[command(
        after_help = "Examples:\n  container-hooks-ctk runtime configure --runtime docker --set-as-default --restart-mode signal\n  container-hooks-ctk runtime configure --runtime containerd --drop-in /etc/containerd/conf.d/99-container-hooks.toml\n  container-hooks-ctk runtime configure --runtime crio --dry-run"
    )]
    Configure(ConfigureArgs),
    /// Take out what configure added and restore the previous default
    /// runtime.
    #[command(
        visible_alias = "unconfigure",
        after_help = "Example:\n  container-hooks-ctk runtime remove --runtime docker --restart-mode signal"
    )]
    Remove(RemoveArgs),
    /// Report, for each engine, whether it is installed, which file would be
    /// edited, whether the shim is wired in and the default; and whether
    /// the shim finds a runtime and the hook sources are valid.
    #[command(
        visible_alias = "doctor",
        after_help = "Example:\n  container-hooks-ctk runtime status --output json"
    )]
    Status(StatusArgs),
}

/// Options shared by configure and remove.
#[derive(Debug, Args)]
pub struct EngineArgs {
    /// The engine to edit.
    #[arg(long, value_enum)]
    pub runtime: EngineArg,
    /// The engine's config file (default: the engine's usual file).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A drop-in file the engine imports (containerd; CRI-O default
    /// /etc/crio/crio.conf.d/99-container-hooks.conf).
    #[arg(long, value_name = "FILE")]
    pub drop_in: Option<PathBuf>,
    /// The runtime name in the engine's config [default: container-hooks].
    #[arg(long)]
    pub name: Option<String>,
    /// Print a unified diff of what would change; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// How the engine learns of the change.
    #[arg(long, value_enum, default_value_t = RestartModeArg::None)]
    pub restart_mode: RestartModeArg,
    /// dockerd's pid file, for --restart-mode signal.
    #[arg(long, value_name = "FILE", default_value = "/var/run/docker.pid")]
    pub pid_file: PathBuf,
    /// Where configure records what it did [default:
    /// $CONTAINER_HOOKS_STATE_DIR or /var/lib/container-hooks].
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ConfigureArgs {
    #[command(flatten)]
    pub engine: EngineArgs,
    /// The shim's path, as the engine will run it.
    #[arg(long, default_value = "/usr/bin/container-hooks-runtime")]
    pub path: PathBuf,
    /// Make the shim the engine's default runtime.
    #[arg(long)]
    pub set_as_default: bool,
    /// Replace a runtime of the same name that is not the shim.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
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
    #[arg(long, value_name = "DIR", default_value = "/usr/bin")]
    pub dest: PathBuf,
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

/// An engine the installer wires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NodeEngineArg {
    Containerd,
    Crio,
}

/// Options shared by `installer run` and `installer remove`. Every path
/// but --host-root, --source-dir and --config-dir is a path on the host.
#[derive(Debug, Args)]
pub struct InstallerArgs {
    /// Where the host's root filesystem is mounted.
    #[arg(long, value_name = "DIR", default_value = "/host")]
    pub host_root: PathBuf,
    /// The host directory the binaries are installed in.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "/usr/local/container-hooks/bin"
    )]
    pub toolkit_dir: PathBuf,
    /// The engine to wire [default: detected from the host's files].
    #[arg(long, value_enum)]
    pub runtime: Option<NodeEngineArg>,
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
    #[arg(long, default_value = "container-hooks")]
    pub name: String,
    /// How the engine learns of its changed config: systemd runs
    /// `systemctl restart` in the host's root (needs hostPID); signal sends
    /// SIGHUP to crio (containerd does not reload on a signal).
    #[arg(long, value_enum, default_value_t = RestartModeArg::Systemd)]
    pub restart_mode: RestartModeArg,
    /// The host directory of the toolkit's state.
    #[arg(long, value_name = "DIR", default_value = "/var/lib/container-hooks")]
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
    #[arg(long, value_name = "DIR", default_value = "/config")]
    pub config_dir: PathBuf,
    /// Make the shim the engine's default runtime (without it, pods opt in
    /// with runtimeClassName).
    #[arg(long)]
    pub set_as_default: bool,
    /// How often to look for changed hook files (10s, 500ms, 2m).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
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

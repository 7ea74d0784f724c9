//! clap descriptions of the toolkit's other two programs, used only to
//! generate their man pages. The shim and the marker do not parse their
//! arguments with clap (the shim passes runc's command line on untouched
//! and must start fast), so these commands are documentation, not parsers.

use clap::{Arg, ArgAction, Command};

/// `container-hooks-runtime`, the OCI runtime shim.
pub fn runtime_command() -> Command {
    Command::new("container-hooks-runtime")
        .version(env!("CARGO_PKG_VERSION"))
        .about("OCI runtime shim that adds configured hooks to a container, then executes runc")
        .long_about(
            "container-hooks-runtime sits where a container engine (Docker, containerd, CRI-O, \
Podman) expects runc. It takes runc's command line unchanged. On create, run and restore it \
reads the bundle's config.json, appends the hooks configured in \
/etc/container-hooks/hooks.json and the oci-hooks(5) files of /etc/container-hooks/hooks.d \
after the hooks already there (skipping a hook that is already present), writes config.json \
back atomically when something changed, and then executes the real runtime (the first of \
`runtimes` in config.toml that is found, runc or crun by default) with the same arguments, \
file descriptors and environment. Every other command is passed straight through. It never \
writes to standard output.\n\n\
On an error (unreadable config.json, a hook source that is invalid or not trusted, no runtime \
found) it leaves config.json unchanged, prints one line naming the file and the fault on \
standard error and in the file given with --log (in runc's JSON format with --log-format json), \
and exits 1.\n\n\
It reads /etc/container-hooks/config.toml, or the file named by the environment variable \
CONTAINER_HOOKS_CONFIG; hooks come from /etc/container-hooks/hooks.json and \
/etc/container-hooks/hooks.d/*.json, and it logs to /var/log/container-hooks-runtime.log. \
See also container-hooks-ctk(1), runc(8), oci-hooks(5).",
        )
        .disable_help_flag(true)
        .disable_version_flag(true)
        .override_usage("container-hooks-runtime [RUNC GLOBAL OPTIONS] COMMAND [ARGS]...")
        .arg(
            Arg::new("runc-args")
                .value_name("RUNC ARGS")
                .num_args(0..)
                .trailing_var_arg(true)
                .allow_hyphen_values(true)
                .help("runc's own command line, passed on unchanged"),
        )
}

/// `container-hooks`, the no-op marker hook.
pub fn marker_command() -> Command {
    Command::new("container-hooks")
        .version(env!("CARGO_PKG_VERSION"))
        .about("No-op OCI hook that marks a bundle whose hooks were already injected")
        .long_about(
            "container-hooks does nothing and exits 0. Hook files written for the original tool \
name it as their first prestart hook; container-hooks-runtime treats a bundle whose prestart \
hooks include a program of this name as already injected and adds nothing to it.",
        )
        .arg(
            Arg::new("args")
                .value_name("ARGS")
                .num_args(0..)
                .trailing_var_arg(true)
                .allow_hyphen_values(true)
                .action(ArgAction::Append)
                .help("Ignored"),
        )
}

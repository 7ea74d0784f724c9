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
/etc/container-hooks/hooks.json and the matching hook files of /etc/container-hooks/hooks.d \
after the hooks already there (skipping a hook that is already present), writes config.json \
back atomically when something changed, and then executes the real runtime (the first of \
`runtimes` in config.toml that is found, runc or crun by default) with the same arguments, \
file descriptors and environment. Every other command is passed straight through. It never \
writes to standard output.\n\n\
On an error (unreadable config.json, a hook source that is invalid or not trusted, no runtime \
found) it leaves config.json unchanged, prints one line naming the file and the fault on \
standard error and in the file given with --log (in runc's JSON format with --log-format json), \
and exits 1.",
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
            "container-hooks does nothing: run as a hook, it reads the container state that the \
runtime writes to its standard input and exits 0.\n\n\
It exists as a marker. hooks.json files written for the original tool name \
/usr/bin/container-hooks as their first prestart hook. container-hooks-runtime adds it to a \
bundle's config.json with the other hooks of hooks.json, and runc later runs it like any hook, \
to no effect. When container-hooks-runtime finds a prestart hook whose program is named \
container-hooks already in a bundle's config.json (the bundle went through the shim, or \
through the original tool, before), it takes the bundle as done: it adds no hook from \
hooks.json or hooks.d and goes on to execute the real runtime.\n\n\
New hook files need not name it: container-hooks-runtime never adds a hook that a stage \
already holds.",
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

/// What a man page says beyond the command line: the sections FILES,
/// ENVIRONMENT, EXIT STATUS and SEE ALSO. Each entry is a term and its
/// description; text in backticks is set in bold.
#[derive(Debug, Default)]
pub struct PageNotes {
    pub files: Vec<(&'static str, &'static str)>,
    pub environment: Vec<(&'static str, &'static str)>,
    pub exit_status: Vec<(&'static str, &'static str)>,
    /// Other pages, as `name(section)`.
    pub see_also: Vec<&'static str>,
}

const CONFIG_FILE: (&str, &str) = (
    "/etc/container-hooks/config.toml",
    "The toolkit's configuration; see container-hooks-config.toml(5).",
);
const HOOKS_JSON: (&str, &str) = (
    "/etc/container-hooks/hooks.json",
    "Hooks added to every container; see container-hooks-hooks.json(5).",
);
const HOOKS_D: (&str, &str) = (
    "/etc/container-hooks/hooks.d/",
    "Hook files with conditions, one hook per `*.json` file; see container-hooks-hooks.d(5).",
);
const SHIM_LOG: (&str, &str) = (
    "/var/log/container-hooks-runtime.log",
    "The shim's log (`debug` in config.toml), rotated by /etc/logrotate.d/container-hooks-toolkit.",
);
const STATE_FILE: (&str, &str) = (
    "/var/lib/container-hooks/runtimes.json",
    "What `runtime configure` changed in each engine's file, so that `runtime remove` can restore the previous default runtime; deleted when nothing is left to record.",
);
const ENGINE_FILES: [(&str, &str); 5] = [
    ("/etc/docker/daemon.json", "Docker's configuration."),
    (
        "/etc/containerd/config.toml",
        "containerd's configuration (version 1, 2 or 3).",
    ),
    (
        "/etc/crio/crio.conf.d/99-container-hooks.conf",
        "The drop-in written for CRI-O.",
    ),
    ("/etc/containers/containers.conf", "Podman's configuration."),
    (
        "/var/run/docker.pid",
        "dockerd's pid file, for `--restart-mode signal`.",
    ),
];
const CONFIG_ENV: (&str, &str) = (
    "CONTAINER_HOOKS_CONFIG",
    "The config.toml to read instead of /etc/container-hooks/config.toml.",
);
const STATE_ENV: (&str, &str) = (
    "CONTAINER_HOOKS_STATE_DIR",
    "The directory of runtimes.json instead of /var/lib/container-hooks (`--state-dir` wins).",
);
const EXIT_OK: (&str, &str) = ("0", "Success.");
const EXIT_ERROR: (&str, &str) = (
    "1",
    "An error; one line on standard error names the file and the fault.",
);
const EXIT_USAGE: (&str, &str) = ("2", "The command line is invalid.");
const FORMAT_PAGES: [&str; 3] = [
    "container-hooks-config.toml(5)",
    "container-hooks-hooks.json(5)",
    "container-hooks-hooks.d(5)",
];

/// The notes of the man page `page` (a program, or a subcommand as
/// `container-hooks-ctk-runtime-configure`). A page not named here gets
/// the exit status every container-hooks-ctk command has. The generator
/// adds the parent page to SEE ALSO.
pub fn page_notes(page: &str) -> PageNotes {
    let ctk_exit = vec![EXIT_OK, EXIT_ERROR, EXIT_USAGE];
    let mut notes = PageNotes {
        exit_status: ctk_exit.clone(),
        ..PageNotes::default()
    };
    match page {
        "container-hooks-runtime" => {
            notes.files = vec![CONFIG_FILE, HOOKS_JSON, HOOKS_D, SHIM_LOG];
            notes.environment = vec![
                CONFIG_ENV,
                (
                    "PATH",
                    "Searched for a runtime given by name in `runtimes`, after /usr/local/sbin, /usr/local/bin, /usr/sbin, /usr/bin, /sbin and /bin.",
                ),
            ];
            notes.exit_status = vec![
                (
                    "1",
                    "The shim failed before executing the runtime (bad config.json, a hook source that is invalid or not trusted, no runtime found); the message is on standard error and in the --log file.",
                ),
                (
                    "other",
                    "Otherwise the shim has become the runtime: the exit status is the runtime's own.",
                ),
            ];
            notes.see_also = vec!["container-hooks-ctk(1)", "runc(8)", "crun(1)"];
            notes.see_also.extend(FORMAT_PAGES);
        }
        "container-hooks" => {
            notes.exit_status = vec![("0", "Always.")];
            notes.see_also = vec![
                "container-hooks-runtime(1)",
                "container-hooks-hooks.json(5)",
            ];
        }
        "container-hooks-ctk" => {
            notes.files = vec![CONFIG_FILE, HOOKS_JSON, HOOKS_D, STATE_FILE];
            notes.environment = vec![CONFIG_ENV, STATE_ENV];
            notes.see_also = vec!["container-hooks-runtime(1)"];
            notes.see_also.extend(FORMAT_PAGES);
        }
        "container-hooks-ctk-runtime"
        | "container-hooks-ctk-runtime-configure"
        | "container-hooks-ctk-runtime-remove" => {
            notes.files = ENGINE_FILES.to_vec();
            notes.files.push(STATE_FILE);
            notes.environment = vec![STATE_ENV];
            notes.see_also = vec![
                "container-hooks-ctk-runtime-status(1)",
                "dockerd(8)",
                "containerd(8)",
                "crio(8)",
                "podman(1)",
            ];
        }
        "container-hooks-ctk-runtime-status" => {
            notes.files = ENGINE_FILES[..4].to_vec();
            notes
                .files
                .extend([STATE_FILE, CONFIG_FILE, HOOKS_JSON, HOOKS_D]);
            notes.environment = vec![CONFIG_ENV, STATE_ENV];
            notes.exit_status = vec![
                (
                    "0",
                    "Every engine installed is wired (or was taken out with `runtime remove --runtime`), and config.toml, the real runtime and every hook source are good.",
                ),
                (
                    "1",
                    "The status could not be read (the state file, for one); one line on standard error names the file and the fault.",
                ),
                EXIT_USAGE,
                (
                    "3",
                    "A problem was found: an engine installed is not wired or its file cannot be read, config.toml is invalid, no real runtime is found, or a hook source is refused. The report names each problem and the command that fixes it.",
                ),
            ];
            notes.see_also = vec![
                "container-hooks-ctk-runtime-configure(1)",
                "container-hooks-ctk-hooks-validate(1)",
            ];
        }
        "container-hooks-ctk-config" | "container-hooks-ctk-config-default" => {
            notes.files = vec![CONFIG_FILE];
            notes.environment = vec![CONFIG_ENV];
            notes.see_also = vec!["container-hooks-config.toml(5)"];
        }
        "container-hooks-ctk-hooks"
        | "container-hooks-ctk-hooks-list"
        | "container-hooks-ctk-hooks-preview" => {
            notes.files = vec![CONFIG_FILE, HOOKS_JSON, HOOKS_D];
            notes.environment = vec![CONFIG_ENV];
            notes.see_also = vec!["container-hooks-runtime(1)"];
            notes.see_also.extend(FORMAT_PAGES);
        }
        "container-hooks-ctk-hooks-validate" => {
            notes.files = vec![CONFIG_FILE, HOOKS_JSON, HOOKS_D];
            notes.environment = vec![CONFIG_ENV];
            notes.exit_status = vec![
                (
                    "0",
                    "No errors were found; warnings and notes may have been printed.",
                ),
                (
                    "1",
                    "At least one error was found, or the check could not be made.",
                ),
                EXIT_USAGE,
            ];
            notes.see_also = vec!["container-hooks-ctk-hooks-list(1)"];
            notes.see_also.extend(FORMAT_PAGES);
        }
        "container-hooks-ctk-install" => {
            notes.files = vec![
                ("/usr/bin/container-hooks-runtime", "The shim."),
                ("/usr/bin/container-hooks-ctk", "This program."),
                ("/usr/bin/container-hooks", "The marker hook."),
            ];
            notes.see_also = vec!["container-hooks-ctk-installer(1)"];
        }
        "container-hooks-ctk-installer"
        | "container-hooks-ctk-installer-run"
        | "container-hooks-ctk-installer-remove" => {
            notes.files = vec![
                (
                    "/usr/local/container-hooks/bin/",
                    "The host directory the binaries are installed in (`--toolkit-dir`).",
                ),
                (
                    "/etc/container-hooks/",
                    "The toolkit's configuration on the host, written from `--config-dir`.",
                ),
                (
                    "/etc/containerd/conf.d/99-container-hooks.toml",
                    "The containerd drop-in on the host.",
                ),
                (
                    "/etc/crio/crio.conf.d/99-container-hooks.conf",
                    "The CRI-O drop-in on the host.",
                ),
                (
                    "/var/lib/container-hooks/installer.json",
                    "What the installer created on the host, for `installer remove`; gone, with the directory when the installer made it, once nothing is left to record.",
                ),
                (
                    "/run/container-hooks/",
                    "Locked for as long as an installer runs; deleted by its cleanup.",
                ),
            ];
            notes.see_also = vec!["container-hooks-ctk-runtime-configure(1)", "kubectl(1)"];
        }
        _ => {}
    }
    notes
}

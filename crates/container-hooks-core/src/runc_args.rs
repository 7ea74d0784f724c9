//! The runc command line, read the way runc (urfave/cli v1) reads it.
//!
//! The shim must find two things without disturbing anything: the
//! subcommand (only `create`, `run` and `restore` read config.json) and the
//! bundle directory. Everything else is passed to the real runtime as is.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

/// Global flags that take a value (runc's, plus crun's `--cgroup-manager`
/// and `--log-level`, which engines pass to crun in the same position).
const GLOBAL_VALUE_FLAGS: &[&str] = &[
    "root",
    "log",
    "log-format",
    "criu",
    "rootless",
    "cgroup-manager",
    "log-level",
];

/// Flags of `create`, `run` and `restore` that take a value, so that their
/// value is never mistaken for the container id or the bundle.
const COMMAND_VALUE_FLAGS: &[&str] = &[
    "bundle",
    "b",
    "console-socket",
    "pid-file",
    "preserve-fds",
    "image-path",
    "work-path",
    "parent-path",
    "manage-cgroups-mode",
    "empty-ns",
    "status-fd",
    "lsm-profile",
    "lsm-mount-context",
];

/// The subcommands whose runc implementation reads `config.json`.
const SPEC_COMMANDS: &[&str] = &["create", "run", "restore"];

/// What the shim needs to know of one runc invocation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RuncArgs {
    /// The subcommand (`create`, `state`, ...), if any.
    pub command: Option<String>,
    /// The bundle named with `--bundle`/`-b` (last one wins).
    pub bundle: Option<PathBuf>,
    /// `--bundle` was given as the last argument with no value.
    pub bundle_missing_value: bool,
    /// The value of the global `--log` flag (last one wins).
    pub log: Option<PathBuf>,
    /// The value of the global `--log-format` flag (last one wins).
    pub log_format: Option<String>,
    /// The container id (first positional argument after the subcommand).
    pub container_id: Option<String>,
}

impl RuncArgs {
    /// Reads the arguments after argv[0].
    pub fn parse<S: AsRef<OsStr>>(args: &[S]) -> RuncArgs {
        let mut out = RuncArgs::default();
        let mut i = 0;
        // Global flags, up to the subcommand.
        while let Some(arg) = args.get(i) {
            let arg = arg.as_ref();
            i += 1;
            let Some(flag) = flag_name(arg) else {
                out.command = Some(arg.to_string_lossy().into_owned());
                break;
            };
            if flag.name.is_empty() {
                // A bare `--` ends the flags; runc would take the next
                // argument as the subcommand.
                if let Some(next) = args.get(i) {
                    out.command = Some(next.as_ref().to_string_lossy().into_owned());
                    i += 1;
                }
                break;
            }
            if GLOBAL_VALUE_FLAGS.contains(&flag.name.as_str()) {
                let value = match flag.inline_value {
                    Some(v) => Some(v),
                    None => {
                        let v = args.get(i).map(|v| v.as_ref().to_os_string());
                        i += 1;
                        v
                    }
                };
                match flag.name.as_str() {
                    "log" => out.log = value.map(PathBuf::from),
                    "log-format" => {
                        out.log_format = value.map(|v| v.to_string_lossy().into_owned())
                    }
                    _ => {}
                }
            }
        }
        let Some(command) = out.command.as_deref() else {
            return out;
        };
        if !SPEC_COMMANDS.contains(&command) {
            return out;
        }
        // Flags of the subcommand: urfave/cli v1 moves flags that follow
        // positional arguments in front of them, so scan everything up to
        // a bare `--`.
        let mut positional_done = false;
        while let Some(arg) = args.get(i) {
            let arg = arg.as_ref();
            i += 1;
            let Some(flag) = flag_name(arg) else {
                if out.container_id.is_none() {
                    out.container_id = Some(arg.to_string_lossy().into_owned());
                }
                continue;
            };
            if flag.name.is_empty() {
                positional_done = true;
                break;
            }
            if !COMMAND_VALUE_FLAGS.contains(&flag.name.as_str()) {
                continue;
            }
            let value = match flag.inline_value {
                Some(v) => Some(v),
                None => {
                    let v = args.get(i).map(|v| v.as_ref().to_os_string());
                    i += 1;
                    v
                }
            };
            if flag.name == "bundle" || flag.name == "b" {
                match value {
                    Some(v) => {
                        out.bundle = Some(PathBuf::from(v));
                        out.bundle_missing_value = false;
                    }
                    None => out.bundle_missing_value = true,
                }
            }
        }
        if positional_done && out.container_id.is_none() {
            if let Some(id) = args.get(i) {
                out.container_id = Some(id.as_ref().to_string_lossy().into_owned());
            }
        }
        out
    }

    /// Whether runc reads config.json for this subcommand.
    pub fn reads_spec(&self) -> bool {
        self.command
            .as_deref()
            .is_some_and(|c| SPEC_COMMANDS.contains(&c))
    }

    /// Whether runc was asked to log in JSON.
    pub fn log_is_json(&self) -> bool {
        self.log_format.as_deref() == Some("json")
    }
}

struct Flag {
    /// The name without dashes; empty for a bare `--`.
    name: String,
    inline_value: Option<OsString>,
}

/// `--name`, `-name`, `--name=value`, `-name=value` → the flag; anything
/// else (including a lone `-`) → `None`.
fn flag_name(arg: &OsStr) -> Option<Flag> {
    let bytes = arg.as_encoded_bytes();
    let rest = if let Some(rest) = bytes.strip_prefix(b"--") {
        rest
    } else if let Some(rest) = bytes.strip_prefix(b"-") {
        if rest.is_empty() {
            return None;
        }
        rest
    } else {
        return None;
    };
    match rest.iter().position(|&b| b == b'=') {
        Some(eq) => {
            let (name, value) = rest.split_at(eq);
            let value = value.get(1..).unwrap_or_default();
            Some(Flag {
                name: String::from_utf8_lossy(name).into_owned(),
                inline_value: Some(os_from_bytes(value)),
            })
        }
        None => Some(Flag {
            name: String::from_utf8_lossy(rest).into_owned(),
            inline_value: None,
        }),
    }
}

fn os_from_bytes(bytes: &[u8]) -> OsString {
    use std::os::unix::ffi::OsStrExt;
    OsStr::from_bytes(bytes).to_os_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> RuncArgs {
        let args: Vec<&str> = line.split_whitespace().collect();
        RuncArgs::parse(&args)
    }

    struct Case {
        line: &'static str,
        command: Option<&'static str>,
        bundle: Option<&'static str>,
        id: Option<&'static str>,
        reads_spec: bool,
    }

    #[test]
    fn command_lines_of_real_engines_and_every_flag_form() {
        let cases = [
            // containerd 1.6 (io.containerd.runc.v2 shim).
            Case {
                line: "--root /run/containerd/runc/default --log /run/containerd/io.containerd.runtime.v2.task/default/t2/log.json --log-format json create --bundle /run/containerd/io.containerd.runtime.v2.task/default/t2 --pid-file /run/containerd/io.containerd.runtime.v2.task/default/t2/init.pid t2",
                command: Some("create"),
                bundle: Some("/run/containerd/io.containerd.runtime.v2.task/default/t2"),
                id: Some("t2"),
                reads_spec: true,
            },
            // Docker 20.10.
            Case {
                line: "--root /var/run/docker/runtime-runc/moby --log /run/containerd/io.containerd.runtime.v2.task/moby/4f2a/log.json --log-format json --systemd-cgroup create --bundle /run/containerd/io.containerd.runtime.v2.task/moby/4f2a --pid-file /run/containerd/io.containerd.runtime.v2.task/moby/4f2a/init.pid --console-socket /tmp/pty123/pty.sock 4f2a",
                command: Some("create"),
                bundle: Some("/run/containerd/io.containerd.runtime.v2.task/moby/4f2a"),
                id: Some("4f2a"),
                reads_spec: true,
            },
            // Podman / conmon style.
            Case {
                line: "--systemd-cgroup --root /run/runc create --bundle /var/lib/containers/storage/overlay-containers/abc/userdata --pid-file /run/abc/pidfile abc",
                command: Some("create"),
                bundle: Some("/var/lib/containers/storage/overlay-containers/abc/userdata"),
                id: Some("abc"),
                reads_spec: true,
            },
            Case { line: "--root=/r create --bundle=/b id", command: Some("create"), bundle: Some("/b"), id: Some("id"), reads_spec: true },
            Case { line: "-root /r create -b /b id", command: Some("create"), bundle: Some("/b"), id: Some("id"), reads_spec: true },
            Case { line: "create -b=/b id", command: Some("create"), bundle: Some("/b"), id: Some("id"), reads_spec: true },
            Case { line: "create -bundle /b id", command: Some("create"), bundle: Some("/b"), id: Some("id"), reads_spec: true },
            Case { line: "create --bundle /a --bundle /b id", command: Some("create"), bundle: Some("/b"), id: Some("id"), reads_spec: true },
            Case { line: "create id --bundle /late", command: Some("create"), bundle: Some("/late"), id: Some("id"), reads_spec: true },
            Case { line: "create id", command: Some("create"), bundle: None, id: Some("id"), reads_spec: true },
            Case { line: "--log /l --log-format text --criu /c --rootless auto run -d --bundle /b id", command: Some("run"), bundle: Some("/b"), id: Some("id"), reads_spec: true },
            Case { line: "--debug restore --image-path /img --bundle /b id", command: Some("restore"), bundle: Some("/b"), id: Some("id"), reads_spec: true },
            // A container called `create` is not the subcommand.
            Case { line: "--root /r start create", command: Some("start"), bundle: None, id: None, reads_spec: false },
            Case { line: "--root /r delete --force create", command: Some("delete"), bundle: None, id: None, reads_spec: false },
            // A global value equal to a subcommand name is a value.
            Case { line: "--root create state x", command: Some("state"), bundle: None, id: None, reads_spec: false },
            Case { line: "--log run list", command: Some("list"), bundle: None, id: None, reads_spec: false },
            // A flag value equal to `--bundle` is a value.
            Case { line: "create --pid-file --bundle id", command: Some("create"), bundle: None, id: Some("id"), reads_spec: true },
            Case { line: "create --console-socket /s --bundle /b create", command: Some("create"), bundle: Some("/b"), id: Some("create"), reads_spec: true },
            Case { line: "--version", command: None, bundle: None, id: None, reads_spec: false },
            Case { line: "", command: None, bundle: None, id: None, reads_spec: false },
            Case { line: "features", command: Some("features"), bundle: None, id: None, reads_spec: false },
            Case { line: "--systemd-cgroup=true create --bundle /b x", command: Some("create"), bundle: Some("/b"), id: Some("x"), reads_spec: true },
            Case { line: "create --bundle /b -- --weird-id", command: Some("create"), bundle: Some("/b"), id: Some("--weird-id"), reads_spec: true },
            Case { line: "-- create --bundle /b x", command: Some("create"), bundle: Some("/b"), id: Some("x"), reads_spec: true },
        ];
        for case in cases {
            let got = parse(case.line);
            assert_eq!(
                got.command.as_deref(),
                case.command,
                "command of {:?}",
                case.line
            );
            assert_eq!(
                got.bundle.as_deref().and_then(|p| p.to_str()),
                case.bundle,
                "bundle of {:?}",
                case.line
            );
            assert_eq!(
                got.container_id.as_deref(),
                case.id,
                "id of {:?}",
                case.line
            );
            assert_eq!(
                got.reads_spec(),
                case.reads_spec,
                "reads_spec of {:?}",
                case.line
            );
            assert!(!got.bundle_missing_value, "{:?}", case.line);
        }
    }

    #[test]
    fn log_flags_are_found() {
        let got = parse("--log /run/x/log.json --log-format json create --bundle /b id");
        assert_eq!(
            got.log.as_deref(),
            Some(std::path::Path::new("/run/x/log.json"))
        );
        assert!(got.log_is_json());
        let got = parse("--log=/l -log-format=text create id");
        assert_eq!(got.log.as_deref(), Some(std::path::Path::new("/l")));
        assert!(!got.log_is_json());
    }

    #[test]
    fn bundle_without_value_is_reported() {
        let got = parse("create id --bundle");
        assert!(got.bundle_missing_value);
        assert_eq!(got.bundle, None);
        let got = parse("create id -b");
        assert!(got.bundle_missing_value);
    }
}

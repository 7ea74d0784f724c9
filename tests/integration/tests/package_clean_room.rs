//! A clean room: a minimal Debian 12 made with debootstrap from Debian's
//! archive, imported as an image into an isolated dockerd. The packages
//! are published as `cargo xtask repo` publishes them (signed APT and RPM
//! repositories, the public key, the .sources and .repo files) and used as
//! a user of the install section of README.md and docs/packages.md uses them:
//!
//! - APT: the keyring in /usr/share/keyrings, the .sources file with
//!   `Signed-By`, `apt-get install container-hooks-toolkit` by name, which
//!   brings runc from Debian's archive as the package's dependency; the
//!   shim then runs a busybox container with runc and the hook of
//!   hooks.json. A repository signed by another key is refused. Then
//!   docker.io from Debian's archive: the toolkit's dpkg file trigger wires
//!   it (and the containerd it brings), and purging the toolkit leaves
//!   their files as their packages shipped them, with no daemon.json.
//! - dnf (Debian's own dnf, in a clean room of its own, without network):
//!   the .repo file with `gpgcheck=1` and `repo_gpgcheck=1`, the package
//!   downloaded by name and its signature checked against the published
//!   key; repositories whose metadata or package was changed after signing
//!   are refused, and so is a package signed by another key.
//!
//! The debootstrap tarballs are made once and cached (see
//! `integration_tests::debian`).

use integration_tests::daemons::Dockerd;
use integration_tests::debian::bookworm_tarball;
use integration_tests::packages::signed_repos;
use integration_tests::{read_record, recorder_hook, require, run, run_ok, Bundle};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

/// A work directory that the clean room's users (apt's `_apt`) can read.
fn workdir() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o755)).unwrap();
    tmp
}

/// Runs `script` with /bin/sh in a container of `image`, with the host
/// directories `mounts` (host, container) and the given docker options.
fn in_clean_room(
    dockerd: &Dockerd,
    image: &str,
    options: &[&str],
    mounts: &[(&Path, &str)],
    script: &str,
) -> (Output, String) {
    let mut cmd = dockerd.docker();
    cmd.args(["run", "--rm"]).args(options);
    for (host, dir) in mounts {
        cmd.arg("-v").arg(format!("{}:{dir}", host.display()));
    }
    let out = run(cmd.args([image, "/bin/sh", "-c", script]));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, text)
}

const APT_SCRIPT: &str = r#"set -e
export DEBIAN_FRONTEND=noninteractive
# The install section (README.md): the keyring, the .sources file.
install -m 644 /repo/container-hooks-toolkit.gpg /usr/share/keyrings/container-hooks-toolkit.gpg
# First a repository that another key signed, under the same Signed-By.
sed 's|^URIs: .*|URIs: file:/other/apt|' /repo/container-hooks-toolkit.sources \
    > /etc/apt/sources.list.d/container-hooks-toolkit.sources
if apt-get update -q; then echo "OTHER-KEY: update succeeded"; else echo "OTHER-KEY: update refused"; fi
if apt-get install -y -q --no-install-recommends container-hooks-toolkit; then
    echo "OTHER-KEY: installed"
fi
# Then the repository signed by that key.
install -m 644 /repo/container-hooks-toolkit.sources /etc/apt/sources.list.d/
apt-get update -q
apt-get install -y -q --no-install-recommends container-hooks-toolkit
apt-cache policy container-hooks-toolkit
dpkg-query -W -f '${Package} ${db:Status-Status}\n' container-hooks-toolkit runc
printf '%s\n' '{"prestart": [{"path": "/work/recorder", "args": ["recorder", "prestart"]}]}' > /etc/container-hooks/hooks.json
container-hooks-runtime run --bundle /work/bundle clean-room
# An engine installed after the toolkit, from Debian's archive: the file
# trigger on its program wires it. No service is started in here.
if [ -e /etc/docker/daemon.json ]; then echo "BEFORE: daemon.json exists"; fi
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d
apt-get install -y -q --no-install-recommends docker.io
echo "DAEMON-JSON:"
cat /etc/docker/daemon.json
rc=0
container-hooks-ctk runtime status || rc=$?
echo "STATUS-EXIT: $rc"
# Purge: every engine file as its package left it, and no daemon.json.
apt-get purge -y -q container-hooks-toolkit
if [ -e /etc/docker/daemon.json ]; then echo "AFTER-PURGE: daemon.json left"; cat /etc/docker/daemon.json; fi
echo "VERIFY: $(dpkg --verify containerd docker.io)."
"#;

#[test]
fn deb_installs_by_name_from_the_signed_apt_repository_and_runs_a_container_through_the_shim() {
    let tarball = bookworm_tarball(&[]);
    let tmp = workdir();
    let repo = tmp.path().join("repo");
    let other = tmp.path().join("other");
    signed_repos(&repo, &tmp.path().join("key.asc"), "file:/repo");
    signed_repos(&other, &tmp.path().join("other-key.asc"), "file:/other");
    let work = tmp.path().join("work");
    fs::create_dir_all(&work).unwrap();
    Bundle::new(&work, "bundle", &["/bin/true"]);
    // The hook runs inside the clean room, where /work is this directory.
    recorder_hook(&work.join("recorder"), Path::new("/work/record"));

    let dockerd = Dockerd::start(&tmp.path().join("dockerd"), &tmp.path().join("daemon.json"));
    run_ok(
        dockerd
            .docker()
            .arg("import")
            .arg(&tarball)
            .arg("clean-room:bookworm"),
    );
    let (out, text) = in_clean_room(
        &dockerd,
        "clean-room:bookworm",
        &[
            "--cap-add",
            "ALL",
            "--cap-drop",
            "SYS_RESOURCE",
            "--security-opt",
            "seccomp=unconfined",
            "--security-opt",
            "apparmor=unconfined",
            "--device-cgroup-rule",
            "a *:* rwm",
            "-v",
            "/sys/fs/cgroup:/sys/fs/cgroup:rw",
            "--network",
            "host",
        ],
        &[(&work, "/work"), (&repo, "/repo:ro"), (&other, "/other:ro")],
        APT_SCRIPT,
    );
    assert!(
        out.status.success(),
        "the clean room failed ({}):\n{text}",
        out.status
    );
    // The other key's repository: refused, naming the key it lacks.
    assert!(
        text.contains("OTHER-KEY: update refused")
            && text.contains("NO_PUBKEY")
            && !text.contains("OTHER-KEY: installed"),
        "a repository signed by another key was not refused:\n{text}"
    );
    assert!(
        text.contains("file:/repo/apt stable/main amd64 Packages")
            && text.contains("container-hooks-toolkit installed")
            && text.contains("runc installed"),
        "{text}"
    );
    let stages: Vec<String> = read_record(&work.join("record"))
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_eq!(
        stages,
        ["prestart"],
        "the hook did not run in the clean room:\n{text}"
    );
    // docker.io after the toolkit: wired by the trigger, the shim made the
    // default; containerd, which docker.io brings, too.
    assert!(!text.contains("BEFORE: daemon.json exists"), "{text}");
    assert!(
        text.contains("Processing triggers for container-hooks-toolkit"),
        "the trigger did not run:\n{text}"
    );
    let daemon = text
        .split_once("DAEMON-JSON:\n")
        .and_then(|(_, rest)| rest.split_once("\n}\n"))
        .map(|(json, _)| format!("{json}\n}}"))
        .unwrap_or_else(|| panic!("no daemon.json was written:\n{text}"));
    let daemon: serde_json::Value =
        serde_json::from_str(&daemon).unwrap_or_else(|e| panic!("daemon.json: {e}:\n{daemon}"));
    assert_eq!(
        daemon,
        serde_json::json!({
            "runtimes": {"container-hooks": {"path": "/usr/bin/container-hooks-runtime"}},
            "default-runtime": "container-hooks"
        }),
        "{text}"
    );
    assert!(
        text.contains("configured containerd: wrote /etc/containerd/config.toml"),
        "{text}"
    );
    assert!(
        text.contains("dockerd is not running; it reads the change when it starts")
            && !text.contains("kill -HUP"),
        "{text}"
    );
    assert!(
        text.contains("STATUS-EXIT: 0"),
        "runtime status found a problem:\n{text}"
    );
    // Purged: daemon.json, which the toolkit created, is gone, and
    // containerd's conffile is as its package shipped it.
    assert!(!text.contains("AFTER-PURGE: daemon.json left"), "{text}");
    assert!(
        text.contains("VERIFY: ."),
        "dpkg --verify found changed files:\n{text}"
    );
}

/// The RPM repository `repo/rpm` changed after it was signed: a byte of
/// its repomd.xml, or of its package.
fn tampered_copy(repo: &Path, to: &Path, what: &str) {
    run_ok(Command::new("cp").arg("-a").arg(repo).arg(to));
    let file = match what {
        "metadata" => to.join("rpm/repodata/repomd.xml"),
        _ => fs::read_dir(to.join("rpm/Packages"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "rpm"))
            .unwrap(),
    };
    let mut bytes = fs::read(&file).unwrap();
    let at = if what == "metadata" {
        // A digit of the revision: still valid XML, no longer what was signed.
        let text = String::from_utf8_lossy(&bytes).into_owned();
        text.find("<revision>").unwrap() + "<revision>".len()
    } else {
        bytes.len() - 100
    };
    bytes[at] = if bytes[at] == b'1' { b'2' } else { b'1' };
    fs::write(&file, bytes).unwrap();
}

/// dnf as the .repo file of docs/packages.md sets it up, on repository `dir`
/// (mounted in the clean room), downloading the package by name into
/// /dl/NAME; then the package's signature checked against the published
/// key. Prints `NAME: downloaded`, `NAME: signature OK` or why not.
fn dnf_phase(name: &str, dir: &str) -> String {
    format!(
        r#"
mkdir -p /phase/{name}/repos /dl/{name}
sed 's|^baseurl=.*|baseurl=file://{dir}/rpm|' /repo/container-hooks-toolkit.repo > /phase/{name}/repos/container-hooks-toolkit.repo
if dnf -y --releasever 12 --disableplugin=local --setopt=reposdir=/phase/{name}/repos \
        --setopt=cachedir=/phase/{name}/cache --setopt=skip_if_unavailable=False \
        download --destdir /dl/{name} container-hooks-toolkit; then
    echo "{name}: downloaded"
    if rpmkeys --define '_pkgverify_level all' -Kv /dl/{name}/*.rpm; then echo "{name}: signature OK"; fi
else
    echo "{name}: refused"
fi
"#
    )
}

#[test]
fn dnf_reads_the_signed_rpm_repository_by_name_and_refuses_a_tampered_one() {
    // rpm for rpmkeys, which dnf does not bring.
    let tarball = bookworm_tarball(&["dnf", "dnf-plugins-core", "rpm"]);
    let tmp = workdir();
    let repo = tmp.path().join("repo");
    let other = tmp.path().join("other");
    signed_repos(&repo, &tmp.path().join("key.asc"), "file:///repo");
    signed_repos(&other, &tmp.path().join("other-key.asc"), "file:///other");
    tampered_copy(&repo, &tmp.path().join("tampered-metadata"), "metadata");
    tampered_copy(&repo, &tmp.path().join("tampered-package"), "package");
    // The other key's package under metadata signed by the published key.
    let mixed = tmp.path().join("mixed");
    run_ok(Command::new("cp").arg("-a").arg(&repo).arg(&mixed));
    for e in fs::read_dir(other.join("rpm/Packages")).unwrap() {
        let p = e.unwrap().path();
        fs::copy(&p, mixed.join("rpm/Packages").join(p.file_name().unwrap())).unwrap();
    }
    run_ok(
        Command::new(require("createrepo_c"))
            .args(["--quiet", "--no-database", "--simple-md-filenames"])
            .arg(mixed.join("rpm")),
    );
    let home = tmp.path().join("gnupg");
    fs::create_dir(&home).unwrap();
    fs::set_permissions(&home, fs::Permissions::from_mode(0o700)).unwrap();
    let gpg = |args: &[&str]| {
        run_ok(
            Command::new(require("gpg"))
                .env("GNUPGHOME", &home)
                .args(["--batch", "--quiet", "--pinentry-mode", "loopback"])
                .args(args),
        )
    };
    gpg(&[
        "--import",
        &tmp.path().join("key.asc").display().to_string(),
    ]);
    let repomd = mixed.join("rpm/repodata/repomd.xml");
    gpg(&[
        "--yes",
        "--armor",
        "--detach-sign",
        "--output",
        &format!("{}.asc", repomd.display()),
        &repomd.display().to_string(),
    ]);

    let mut script = String::from(
        "set -e\nrpmkeys --import /repo/container-hooks-toolkit.asc\ncat /repo/container-hooks-toolkit.repo\n",
    );
    for (name, dir) in [
        ("published", "/repo"),
        ("tampered-metadata", "/tampered-metadata"),
        ("tampered-package", "/tampered-package"),
        ("other-key-package", "/mixed"),
    ] {
        script.push_str(&dnf_phase(name, dir));
    }
    let dockerd = Dockerd::start(&tmp.path().join("dockerd"), &tmp.path().join("daemon.json"));
    run_ok(
        dockerd
            .docker()
            .arg("import")
            .arg(&tarball)
            .arg("clean-room:bookworm-dnf"),
    );
    let (out, text) = in_clean_room(
        &dockerd,
        "clean-room:bookworm-dnf",
        &["--network", "none"],
        &[
            (&repo, "/repo:ro"),
            (
                &tmp.path().join("tampered-metadata"),
                "/tampered-metadata:ro",
            ),
            (&tmp.path().join("tampered-package"), "/tampered-package:ro"),
            (&mixed, "/mixed:ro"),
        ],
        &script,
    );
    assert!(out.status.success(), "the clean room failed:\n{text}");
    assert!(
        text.contains("gpgcheck=1") && text.contains("repo_gpgcheck=1"),
        "{text}"
    );
    assert!(
        text.contains("published: downloaded") && text.contains("published: signature OK"),
        "dnf did not download the signed package by name:\n{text}"
    );
    assert!(
        text.contains("tampered-metadata: refused") && text.contains("Bad GPG signature"),
        "dnf read metadata changed after signing:\n{text}"
    );
    assert!(
        text.contains("tampered-package: refused") && text.contains("incorrect checksum"),
        "dnf took a package changed after signing:\n{text}"
    );
    assert!(
        text.contains("other-key-package: downloaded")
            && !text.contains("other-key-package: signature OK"),
        "a package signed by another key passed the check:\n{text}"
    );
}

//! A clean room: a minimal Debian 12 made with debootstrap from Debian's
//! archive, imported as an image into an isolated dockerd. Inside a
//! container of it, `apt-get install ./container-hooks-toolkit_*.deb`
//! brings runc from the archive as the package's dependency, and the shim
//! then runs a busybox container with runc and the hook of hooks.json. This
//! proves the package's dependencies and scripts work on a machine that has
//! nothing of ours on it.
//!
//! The debootstrap tarball is made once and cached (see
//! `integration_tests::debian`).

use integration_tests::daemons::Dockerd;
use integration_tests::debian::bookworm_tarball;
use integration_tests::packages::ensure_built;
use integration_tests::{read_record, recorder_hook, run, run_ok, Bundle};
use std::fs;
use std::path::Path;

const SCRIPT: &str = r#"set -e
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
cd /work
apt-get install -y -q --no-install-recommends ./container-hooks-toolkit_*.deb
dpkg-query -W -f '${Package} ${db:Status-Status}\n' container-hooks-toolkit runc
printf '%s\n' '{"prestart": [{"path": "/work/recorder", "args": ["recorder", "prestart"]}]}' > /etc/container-hooks/hooks.json
container-hooks-runtime run --bundle /work/bundle clean-room
"#;

#[test]
fn deb_installs_with_apt_on_a_bare_debian_12_and_runs_a_container_through_the_shim() {
    let (deb, _) = ensure_built();
    let tarball = bookworm_tarball();
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    fs::create_dir_all(&work).unwrap();
    fs::copy(&deb, work.join(deb.file_name().unwrap())).unwrap();
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
    let out = run(dockerd
        .docker()
        .args([
            "run",
            "--rm",
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
            "-v",
        ])
        .arg(format!("{}:/work", work.display()))
        .args(["clean-room:bookworm", "/bin/sh", "-c", SCRIPT]));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "the clean room failed ({}):\n{text}",
        out.status
    );
    assert!(
        text.contains("container-hooks-toolkit installed") && text.contains("runc installed"),
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
}

//! Podman live: `container-hooks-ctk runtime configure --runtime podman
//! --set-as-default` on a private containers.conf makes `podman run` go
//! through the shim, which adds the hooks.json hook to every container and
//! an annotation-conditioned hooks.d hook to the container run with
//! `--annotation`; `runtime remove` gives containers.conf back byte for
//! byte and `podman run` bypasses the shim again.
//!
//! Podman's own hooks directory is an empty one of the test's, so every
//! hook that runs was added by the shim. Podman starts conmon, and conmon
//! the runtime, with an environment of its own making (`PATH`, `HOME`,
//! `CONTAINERS_CONF`, `XDG_RUNTIME_DIR` and Podman's own variables; nothing
//! else of the caller's), so the runtime path configured is a wrapper that
//! gives the shim the test's config.toml.

use integration_tests::images::{busybox_image, BUSYBOX_IMAGE};
use integration_tests::podman::Podman;
use integration_tests::{ctk, recorded_for, run_ok, Toolkit};
use std::fs;
use std::path::Path;

/// `podman run --rm` of busybox's `true` with `flags`; returns the labels of
/// the recorder hooks that ran for it.
fn hooks_of(podman: &Podman, toolkit: &Toolkit, record: &Path, flags: &[&str]) -> Vec<String> {
    let cidfile = podman.dir.join(integration_tests::unique("cid"));
    let cid_flag = format!("--cidfile={}", cidfile.display());
    let mut all = vec![cid_flag.as_str()];
    all.extend_from_slice(flags);
    let out = podman.run(&all, BUSYBOX_IMAGE, &["/bin/true"]);
    assert!(
        out.status.success(),
        "podman run {flags:?} failed: {}\nthe shim's log:\n{}",
        String::from_utf8_lossy(&out.stderr),
        fs::read_to_string(&toolkit.log).unwrap_or_default()
    );
    let id = fs::read_to_string(&cidfile).unwrap();
    recorded_for(record, id.trim())
}

#[test]
fn set_as_default_runs_podman_containers_through_the_shim_and_remove_gives_the_file_back() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let toolkit = Toolkit::new(&dir.join("toolkit"), &["crun"]);
    let record = toolkit.record_every_container();
    toolkit.record_on_annotation("20-verify.json", "^io\\.example\\.verify$", "^true$");
    let podman = Podman::new(&dir.join("podman"));
    podman.load(&busybox_image());
    let original = fs::read(&podman.config).unwrap();
    let annotated = ["--annotation", "io.example.verify=true"];
    let hooks = |flags: &[&str]| hooks_of(&podman, &toolkit, &record, flags);
    assert!(hooks(&annotated).is_empty(), "hooks ran before configure");

    let ctk_runtime = |action: &str, extra: &[&str]| {
        let mut c = ctk();
        c.args(["runtime", action, "--runtime", "podman", "--config"])
            .arg(&podman.config)
            .arg("--state-dir")
            .arg(dir.join("state"))
            .args(extra);
        run_ok(&mut c);
    };
    let shim = toolkit.shim_wrapper();
    ctk_runtime(
        "configure",
        &["--set-as-default", "--path", shim.to_str().unwrap()],
    );
    assert_eq!(hooks(&annotated), ["hooks.json", "hooks.d"]);
    assert_eq!(
        hooks(&["--annotation", "io.example.verify=false"]),
        ["hooks.json"]
    );
    assert_eq!(hooks(&[]), ["hooks.json"]);
    // `--runtime crun` still bypasses the shim.
    assert!(hooks(&["--runtime", "crun"]).is_empty());

    ctk_runtime("remove", &[]);
    assert_eq!(
        String::from_utf8(fs::read(&podman.config).unwrap()).unwrap(),
        String::from_utf8(original).unwrap(),
        "remove did not give containers.conf back byte for byte"
    );
    assert!(hooks(&annotated).is_empty(), "hooks ran after remove");
}

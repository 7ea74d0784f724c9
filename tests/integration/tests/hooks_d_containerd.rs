//! A hooks.d file under an isolated containerd: `ctr run --runc-binary`
//! starts the shim, and an annotation-conditioned hook runs only for the
//! container that carries the annotation.

use integration_tests::daemons::Containerd;
use integration_tests::{busybox_rootfs, read_record, recorder_hook, require, write_mode, Toolkit};
use serde_json::json;
use std::fs;

#[test]
fn annotation_conditioned_hook_runs_only_for_the_annotated_container() {
    require("containerd");
    require("ctr");
    require("runc");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let toolkit = Toolkit::new(&dir.join("toolkit"), &["runc"]);
    let recorder = dir.join("recorder.sh");
    let record = dir.join("record");
    recorder_hook(&recorder, &record);
    let hook = json!({
        "version": "1.0.0",
        "hook": {"path": recorder, "args": ["recorder", "verify"], "timeout": 10},
        "when": {"annotations": {"^io\\.example\\.verify$": "^(true|yes)$"}},
        "stages": ["prestart"],
    });
    write_mode(
        &toolkit.hooks_d.join("20-verify.json"),
        &serde_json::to_string_pretty(&hook).unwrap(),
        0o644,
    );
    // containerd's runc shim starts the runtime with containerd's own
    // environment: a wrapper gives the shim this test's config.
    let wrapper = toolkit.shim_wrapper();
    let rootfs = dir.join("rootfs");
    busybox_rootfs(&rootfs);
    let containerd = Containerd::start(&dir.join("containerd"));
    let run = |id: &str, flags: &[&str]| {
        let out = containerd.run_rootfs(&wrapper, &rootfs, id, flags, &["/bin/true"]);
        assert!(
            out.status.success(),
            "ctr run {id} failed: {}\nstderr: {}\nshim log: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
            fs::read_to_string(&toolkit.log).unwrap_or_default()
        );
        let got = read_record(&record);
        let _ = fs::remove_file(&record);
        got
    };

    // ctr 1.6 puts `--label` into config.json's annotations (as well as
    // into the container's labels): the hook runs, and the state it reads
    // carries the annotation.
    let got = run("labelled", &["--label", "io.example.verify=true"]);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "verify");
    assert_eq!(got[0].1["id"], "labelled");
    assert_eq!(got[0].1["annotations"]["io.example.verify"], "true");

    // `--annotation` sets only the OCI annotation: the same.
    let got = run("annotated", &["--annotation", "io.example.verify=yes"]);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].1["id"], "annotated");

    // Another value of the annotation, and no annotation at all.
    assert!(run("other", &["--label", "io.example.verify=no"]).is_empty());
    assert!(run("other-key", &["--label", "io.example.other=true"]).is_empty());
    assert!(run("plain", &[]).is_empty());

    // The shim saw every create.
    let log = fs::read_to_string(&toolkit.log).unwrap_or_default();
    assert!(log.contains("hooks added"), "{log}");
}

//! Container images built offline, as OCI image layouts (one uncompressed
//! layer, its config, a manifest and an index) packed in a tar archive that
//! `ctr images import` and `podman load` read:
//!
//! - [`pause_image`]: the sandbox image of CRI pods, holding only a static
//!   `pause` built from `cri/pause.c`;
//! - [`busybox_image`]: the workload image, Debian's static busybox.
//!
//! Archives are kept under `target/test-images/` and rebuilt when an input
//! is newer.

use crate::{busybox_rootfs, require, run_ok, target_dir, unique};
use serde_json::{json, Value};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// The name the pause image is imported under (containerd's CRI
/// `sandbox_image` in the tests' configs).
pub const PAUSE_IMAGE: &str = "localhost/container-hooks-test/pause:1";
/// The name the busybox image is imported under.
pub const BUSYBOX_IMAGE: &str = "localhost/container-hooks-test/busybox:1";

const PAUSE_SOURCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/cri/pause.c");
const THIS_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/images.rs");

/// The pause image's archive.
pub fn pause_image() -> PathBuf {
    cached("pause.tar", &[Path::new(PAUSE_SOURCE)], |work, out| {
        let rootfs = work.join("rootfs");
        fs::create_dir_all(&rootfs).unwrap();
        run_ok(
            Command::new(require("gcc"))
                .args(["-static", "-O2", "-s", "-Wall", "-Werror", "-o"])
                .arg(rootfs.join("pause"))
                .arg(PAUSE_SOURCE),
        );
        oci_archive(
            &rootfs,
            json!({"Entrypoint": ["/pause"], "StopSignal": "SIGTERM"}),
            PAUSE_IMAGE,
            work,
            out,
        );
    })
}

/// The busybox image's archive: `sh` as its command.
pub fn busybox_image() -> PathBuf {
    let busybox = require("busybox");
    cached("busybox.tar", &[busybox.as_path()], |work, out| {
        let rootfs = work.join("rootfs");
        busybox_rootfs(&rootfs);
        oci_archive(
            &rootfs,
            json!({
                "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                "Cmd": ["sh"],
            }),
            BUSYBOX_IMAGE,
            work,
            out,
        );
    })
}

/// `target/test-images/NAME`, built by `build(work_dir, file)` unless it is
/// newer than every input (and this file). Built under a unique name and
/// renamed, so that tests building it at the same time never see half of
/// it.
fn cached(name: &str, inputs: &[&Path], build: impl FnOnce(&Path, &Path)) -> PathBuf {
    let dir = target_dir().join("test-images");
    fs::create_dir_all(&dir).unwrap();
    let out = dir.join(name);
    let mtime = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
    let newest_input = inputs
        .iter()
        .copied()
        .chain([Path::new(THIS_FILE)])
        .filter_map(mtime)
        .max()
        .unwrap_or(SystemTime::UNIX_EPOCH);
    if mtime(&out).is_some_and(|t| t >= newest_input) {
        return out;
    }
    let work = dir.join(unique(&format!("{name}.work")));
    fs::create_dir_all(&work).unwrap();
    let partial = work.join(name);
    build(&work, &partial);
    fs::rename(&partial, &out).unwrap();
    fs::remove_dir_all(&work).unwrap();
    out
}

/// The sha256 digest of a file, as `sha256:<hex>`.
fn digest(path: &Path) -> String {
    let out = run_ok(Command::new(require("sha256sum")).arg(path));
    let hex = out.split_whitespace().next().unwrap_or_default();
    assert_eq!(hex.len(), 64, "sha256sum {}: {out}", path.display());
    format!("sha256:{hex}")
}

/// A descriptor of `blob`, after moving it into the layout's blobs.
fn add_blob(layout: &Path, blob: &Path, media_type: &str) -> Value {
    let digest = digest(blob);
    let size = fs::metadata(blob).unwrap().len();
    let hex = digest.trim_start_matches("sha256:");
    fs::rename(blob, layout.join("blobs/sha256").join(hex)).unwrap();
    json!({"mediaType": media_type, "digest": digest, "size": size})
}

/// A descriptor of `value` written as a blob of the layout.
fn add_json_blob(layout: &Path, value: &Value, media_type: &str) -> Value {
    let blob = layout.join("blob.json");
    write_json(&blob, value);
    add_blob(layout, &blob, media_type)
}

fn write_json(path: &Path, value: &Value) {
    fs::write(path, serde_json::to_vec(value).unwrap()).unwrap();
}

/// Packs the files of `dir` into the tar archive `out`: owned by root, in
/// a fixed order and with fixed times, so that the same files give the same
/// digest.
fn tar(dir: &Path, out: &Path) {
    run_ok(
        Command::new(require("tar"))
            .args([
                "--sort=name",
                "--owner=0",
                "--group=0",
                "--numeric-owner",
                "--mtime=@0",
                "-C",
            ])
            .arg(dir)
            .arg("-cf")
            .arg(out)
            .arg("."),
    );
}

/// Packs `rootfs` as a one-layer image named `name` with the image config
/// `config` (Entrypoint, Cmd, Env...) into the archive `out`, working in
/// `work`.
fn oci_archive(rootfs: &Path, config: Value, name: &str, work: &Path, out: &Path) {
    let layout = work.join("layout");
    fs::create_dir_all(layout.join("blobs/sha256")).unwrap();
    let layer = work.join("layer.tar");
    tar(rootfs, &layer);
    let layer_digest = digest(&layer);
    let layer = add_blob(&layout, &layer, "application/vnd.oci.image.layer.v1.tar");
    let image_config = add_json_blob(
        &layout,
        &json!({
            "architecture": "amd64",
            "os": "linux",
            "config": config,
            "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
        }),
        "application/vnd.oci.image.config.v1+json",
    );
    let mut manifest = add_json_blob(
        &layout,
        &json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": image_config,
            "layers": [layer],
        }),
        "application/vnd.oci.image.manifest.v1+json",
    );
    manifest["platform"] = json!({"architecture": "amd64", "os": "linux"});
    // containerd names the image after `io.containerd.image.name`, Podman
    // after `org.opencontainers.image.ref.name`.
    manifest["annotations"] = json!({
        "io.containerd.image.name": name,
        "org.opencontainers.image.ref.name": name,
    });
    write_json(
        &layout.join("index.json"),
        &json!({"schemaVersion": 2, "manifests": [manifest]}),
    );
    write_json(
        &layout.join("oci-layout"),
        &json!({"imageLayoutVersion": "1.0.0"}),
    );
    tar(&layout, out);
}

//! containerd driven through its CRI plugin, as kubelet drives it: an
//! isolated containerd on an operator's config.toml, wired with
//! `container-hooks-ctk runtime configure --runtime containerd` and
//! restarted, runs pods (host network, a pause sandbox and a busybox
//! workload) through the shim by the runtime handler a RuntimeClass names:
//! `''` (the default), `container-hooks`, or `runc`, which bypasses it.
//! `runtime remove` gives the config file back byte for byte. Also: the
//! annotation lists of the runtime entry (`--pod-annotations`,
//! `--container-annotations`) that hooks.d conditions need, the deprecated
//! `default_runtime` table containerd 1.6 still honours, and a wrapper
//! given as `--path`, which `runtime status` recognises.
//!
//! The shim finds the test's config.toml through `CONTAINER_HOOKS_CONFIG`,
//! set on containerd and inherited by its runc shims and so by the runtime
//! they start: the runtime entry's BinaryName is then the shim itself, as
//! configure writes it for an operator.

use integration_tests::cri::{Cri, CriError, Pod};
use integration_tests::daemons::Containerd;
use integration_tests::images::{busybox_image, pause_image, BUSYBOX_IMAGE, PAUSE_IMAGE};
use integration_tests::{bin, ctk, read_record, recorded_for, shell_quote, Toolkit};
use serde_json::Value;
use std::fs;
use std::path::PathBuf;
use tempfile::TempDir;

const HANDLER: &str = "container-hooks";
const CRI: &str = "plugins.\"io.containerd.grpc.v1.cri\"";

/// A Kubernetes node of its own: containerd serving the CRI from the
/// operator's config.toml, the pause and busybox images imported, and a
/// toolkit whose hooks.json records every container the shim creates.
struct Node {
    tmp: TempDir,
    containerd: Containerd,
    cri: Cri,
    toolkit: Toolkit,
    record: PathBuf,
    /// The operator's config.toml, as it was before configure.
    original: Vec<u8>,
}

/// The hooks a pod got, by the label its recorder hook was given: those
/// that ran for the sandbox and those that ran for the workload; and the
/// annotations of the sandbox's and the workload's config.json, as the
/// hooks.json hook read them in the container's state.
#[derive(Debug)]
struct Hooked {
    sandbox: Vec<String>,
    workload: Vec<String>,
    annotations: [Value; 2],
}

impl Node {
    /// A node on the config.toml of [`Containerd::cri_config`].
    fn start() -> Node {
        Node::with_config(|config| config)
    }

    /// A node on the config.toml that `edit` makes of
    /// [`Containerd::cri_config`]'s.
    fn with_config(edit: impl FnOnce(String) -> String) -> Node {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let toolkit = Toolkit::new(&dir.join("toolkit"), &["runc"]);
        let record = toolkit.record_every_container();
        let own = dir.join("containerd");
        fs::create_dir_all(&own).unwrap();
        let config = own.join("config.toml");
        fs::write(
            &config,
            edit(Containerd::cri_config(&own, &own.join("state"))),
        )
        .unwrap();
        let original = fs::read(&config).unwrap();
        let containerd = Containerd::start_file(
            &own,
            &config,
            &own.join("c.sock"),
            &[("CONTAINER_HOOKS_CONFIG", toolkit.config.as_path())],
        );
        containerd.import_image(&pause_image());
        containerd.import_image(&busybox_image());
        let mut cri = containerd.cri();
        for image in [PAUSE_IMAGE, BUSYBOX_IMAGE] {
            assert!(cri.has_image(image), "the CRI does not see {image}");
        }
        Node {
            tmp,
            containerd,
            cri,
            toolkit,
            record,
            original,
        }
    }

    /// `container-hooks-ctk runtime ACTION --runtime containerd` on the
    /// node's config, with the shim of this build; then a restart of
    /// containerd, which reads its config only when it starts.
    fn ctk_runtime(&mut self, action: &str, extra: &[&str]) {
        let mut c = ctk();
        c.args(["runtime", action, "--runtime", "containerd", "--config"])
            .arg(&self.containerd.config)
            .arg("--state-dir")
            .arg(self.tmp.path().join("state"))
            .args(extra);
        if action == "configure" && !extra.contains(&"--path") {
            c.arg("--path").arg(bin("container-hooks-runtime"));
        }
        integration_tests::run_ok(&mut c);
        self.restart();
    }

    /// Restarts containerd (`systemctl restart containerd`) and connects
    /// again, as kubelet does.
    fn restart(&mut self) {
        self.containerd.restart();
        self.cri = self.containerd.cri();
    }

    fn config_text(&self) -> String {
        fs::read_to_string(&self.containerd.config).unwrap()
    }

    /// Runs `pod` and returns the hooks that ran for it.
    fn run_pod(&mut self, pod: &Pod) -> Result<Hooked, CriError> {
        let run = self.cri.run_pod(pod)?;
        assert_eq!(run.exit_code, 0, "{pod:?}: the workload failed");
        let annotations = |id: &str| {
            read_record(&self.record)
                .into_iter()
                .find(|(label, state)| label == "hooks.json" && state["id"] == id)
                .map_or(Value::Null, |(_, state)| state["annotations"].clone())
        };
        Ok(Hooked {
            sandbox: recorded_for(&self.record, &run.sandbox_id),
            workload: recorded_for(&self.record, &run.container_id),
            annotations: [annotations(&run.sandbox_id), annotations(&run.container_id)],
        })
    }

    /// `runtime configure --set-as-default`, then `runtime remove`, each
    /// followed by a restart: in between, pods with the default handler (no
    /// runtimeClassName) and with the handler `container-hooks` (RuntimeClass
    /// `container-hooks`) get the hooks.json hook once in the sandbox and once
    /// in the workload, and the `runc` handler bypasses the shim; after,
    /// the file is back byte for byte and pods bypass the shim.
    fn set_as_default_then_remove(&mut self) {
        self.ctk_runtime("configure", &["--set-as-default"]);
        assert_ne!(self.config_text().as_bytes(), self.original.as_slice());
        let got = self.hooks_of(&Pod::new("default", ""));
        assert_hooks("handler ''", &got, &["hooks.json"]);
        let got = self.hooks_of(&Pod::new("opted-in", HANDLER));
        assert_hooks("handler container-hooks", &got, &["hooks.json"]);
        let got = self.hooks_of(&Pod::new("runc", "runc"));
        assert_hooks("handler runc", &got, &[]);

        self.ctk_runtime("remove", &[]);
        assert_eq!(
            self.config_text(),
            String::from_utf8(self.original.clone()).unwrap(),
            "remove did not give the config back byte for byte"
        );
        let got = self.hooks_of(&Pod::new("after", ""));
        assert_hooks("after remove", &got, &[]);
    }

    /// Runs `pod`, which must succeed, and returns the hooks that ran.
    fn hooks_of(&mut self, pod: &Pod) -> Hooked {
        self.run_pod(pod).unwrap_or_else(|e| {
            panic!(
                "{pod:?}: {e}\ncontainerd's log:\n{}\nthe shim's log:\n{}",
                fs::read_to_string(&self.containerd.log).unwrap_or_default(),
                fs::read_to_string(&self.toolkit.log).unwrap_or_default()
            )
        })
    }
}

/// Asserts that a pod's sandbox and workload each got exactly `expected`.
fn assert_hooks(what: &str, got: &Hooked, expected: &[&str]) {
    assert_eq!(
        got.sandbox, expected,
        "{what}: the sandbox's hooks ({got:?})"
    );
    assert_eq!(
        got.workload, expected,
        "{what}: the workload's hooks ({got:?})"
    );
}

#[test]
fn set_as_default_runs_every_pod_through_the_shim_and_remove_gives_the_file_back() {
    let mut node = Node::start();
    // Before configure: pods run, and nothing records.
    let got = node.hooks_of(&Pod::new("before", ""));
    assert_hooks("before configure", &got, &[]);

    node.set_as_default_then_remove();
    // The RuntimeClass's handler is gone with it.
    let err = node.run_pod(&Pod::new("gone", HANDLER)).unwrap_err();
    assert!(err.message.contains(HANDLER), "{err}");
}

/// containerd's CRI passes a pod's or a container's annotations into
/// config.json only when the runtime entry lists them: `--pod-annotations`
/// and `--container-annotations` list them, a configure without them keeps
/// them, and remove takes them out with the entry. Its own
/// `io.kubernetes.cri.*` keys always arrive: a hooks.d file keyed on
/// containerd's `io.kubernetes.cri.container-type` or CRI-O's
/// `io.kubernetes.cri-o.ContainerType` runs for workloads on both.
#[test]
fn hooks_d_files_conditioned_on_annotations_run_where_the_runtime_entry_passes_them() {
    let mut node = Node::start();
    let t = &node.toolkit;
    t.record_on_annotation("20-verify.json", "^io\\.example\\.verify$", "^true$");
    t.record_on_annotation_as("30-audit.json", "audit", "^io\\.example\\.audit$", "^on$");
    t.record_on_annotation_as(
        "40-workload.json",
        "workload",
        "^io\\.kubernetes\\.(cri\\.container-type|cri-o\\.ContainerType)$",
        "^container$",
    );
    node.ctk_runtime("configure", &[]);
    let annotated = || {
        Pod::new("annotated", HANDLER)
            .annotation("io.example.verify", "true")
            .container_annotation("io.example.audit", "on")
    };
    // Not listed yet: neither annotation arrives; containerd's own keys do.
    let got = node.hooks_of(&annotated());
    assert_eq!(got.sandbox, ["hooks.json"], "{got:?}");
    assert_eq!(got.workload, ["hooks.json", "workload"], "{got:?}");
    for (annotations, kind) in got.annotations.iter().zip(["sandbox", "container"]) {
        assert_eq!(
            annotations["io.kubernetes.cri.container-type"], kind,
            "{got:?}"
        );
        let keys: Vec<&String> = annotations.as_object().unwrap().keys().collect();
        assert!(
            keys.iter().all(|k| k.starts_with("io.kubernetes.cri.")),
            "{keys:?}"
        );
    }

    node.ctk_runtime(
        "configure",
        &[
            "--pod-annotations",
            "io.example.*",
            "--container-annotations",
            "io.example.audit",
        ],
    );
    let listed = node.config_text();
    for line in [
        "pod_annotations = [\"io.example.*\"]",
        "container_annotations = [\"io.example.audit\"]",
    ] {
        assert!(listed.contains(line), "{listed}");
    }
    let got = node.hooks_of(&annotated());
    // The pod's annotation reaches its sandbox and its workload; the
    // container's, only the workload.
    assert_eq!(got.sandbox, ["hooks.json", "hooks.d"], "{got:?}");
    assert_eq!(
        got.workload,
        ["hooks.json", "hooks.d", "audit", "workload"],
        "{got:?}"
    );
    for annotations in &got.annotations {
        assert_eq!(annotations["io.example.verify"], "true", "{got:?}");
    }
    assert_eq!(got.annotations[1]["io.example.audit"], "on", "{got:?}");

    // configure again without the options: the lists stay.
    node.ctk_runtime("configure", &[]);
    assert_eq!(node.config_text(), listed);
    let got = node.hooks_of(&annotated());
    assert_eq!(got.sandbox, ["hooks.json", "hooks.d"], "{got:?}");
    for pod in [
        Pod::new("other-value", HANDLER)
            .annotation("io.example.verify", "no")
            .container_annotation("io.example.audit", "off"),
        Pod::new("plain", HANDLER),
    ] {
        let got = node.hooks_of(&pod);
        assert_eq!(got.sandbox, ["hooks.json"], "{got:?}");
        assert_eq!(got.workload, ["hooks.json", "workload"], "{got:?}");
    }
    // Without --set-as-default, the default handler bypasses the shim.
    let got = node.hooks_of(&Pod::new("default", "").annotation("io.example.verify", "true"));
    assert_hooks("handler ''", &got, &[]);

    node.ctk_runtime("remove", &[]);
    assert_eq!(
        node.config_text(),
        String::from_utf8(node.original.clone()).unwrap(),
        "remove did not give the config back byte for byte"
    );
}

/// containerd 1.6 still honours the deprecated `default_runtime` table of a
/// version-2 config, in place of `default_runtime_name`: configure
/// `--set-as-default` points that table at the shim too, so the default
/// handler runs pods through it; remove gives the file back.
#[test]
fn set_as_default_over_the_deprecated_default_runtime_table_runs_pods_through_the_shim() {
    let table = format!(
        "      snapshotter = \"overlayfs\"\n      [{CRI}.containerd.default_runtime]\n        runtime_type = \"io.containerd.runc.v2\"\n"
    );
    let mut node = Node::with_config(|c| {
        assert!(c.contains("      snapshotter = \"overlayfs\"\n"));
        c.replace("      snapshotter = \"overlayfs\"\n", &table)
    });
    // containerd uses the table (and says so).
    let log = fs::read_to_string(&node.containerd.log).unwrap();
    assert!(log.contains("`default_runtime` is deprecated"), "{log}");
    let got = node.hooks_of(&Pod::new("before", ""));
    assert_hooks("before configure", &got, &[]);

    node.set_as_default_then_remove();
}

/// configure given a wrapper as `--path` (a script that calls the shim):
/// `runtime status` finds the engine wired by the path configure recorded,
/// and every pod of the handler goes through the wrapper.
#[test]
fn a_wrapper_given_as_path_is_wired_in_status_and_runs_the_pods() {
    let mut node = Node::start();
    let dir = node.tmp.path().join("wrapper");
    fs::create_dir_all(&dir).unwrap();
    let wrapper = dir.join("shim-wrapper");
    let calls = dir.join("calls.txt");
    integration_tests::write_mode(
        &wrapper,
        &format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> {}\nexec {} \"$@\"\n",
            shell_quote(&calls.display().to_string()),
            shell_quote(&bin("container-hooks-runtime").display().to_string())
        ),
        0o755,
    );
    node.ctk_runtime("configure", &["--path", wrapper.to_str().unwrap()]);
    assert!(
        node.config_text()
            .contains(&format!("BinaryName = {:?}", wrapper.display().to_string())),
        "{}",
        node.config_text()
    );
    let out = integration_tests::run(
        ctk()
            .env("CONTAINER_HOOKS_CONFIG", &node.toolkit.config)
            .args(["runtime", "status", "--output", "json", "--state-dir"])
            .arg(node.tmp.path().join("state")),
    );
    let status: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "runtime status: {e}: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let containerd = status["engines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["engine"] == "containerd")
        .unwrap();
    assert_eq!(
        containerd["config"],
        node.containerd.config.to_str().unwrap()
    );
    assert_eq!(containerd["wired"], true, "{containerd}");
    assert_eq!(containerd["runtime"], HANDLER, "{containerd}");

    let run = node.hooks_of(&Pod::new("wrapped", HANDLER));
    assert_hooks("through the wrapper", &run, &["hooks.json"]);
    let calls = fs::read_to_string(&calls).unwrap();
    let creates = calls
        .lines()
        .filter(|l| l.split(' ').any(|w| w == "create"))
        .count();
    assert_eq!(creates, 2, "the sandbox and the workload: {calls}");

    node.ctk_runtime("remove", &[]);
    assert_eq!(
        node.config_text(),
        String::from_utf8(node.original.clone()).unwrap()
    );
}

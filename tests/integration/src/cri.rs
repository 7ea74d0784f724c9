//! A CRI client, to drive a runtime as kubelet does: the RuntimeService and
//! ImageService calls of `cri/cri.proto` (a subset of the CRI's
//! `runtime.v1` API), sent over gRPC by `cri/cri_client.py` with Python's
//! grpcio (pinned in `ci/install-deps.sh`). Its stubs are generated from
//! the .proto at test time, into `target/cri-client/`.
//!
//! [`Cri::run_pod`] runs a pod through its whole life, as kubelet would:
//! RunPodSandbox (host network, so no CNI), CreateContainer,
//! StartContainer, ContainerStatus until it exits, StopContainer,
//! RemoveContainer, StopPodSandbox, RemovePodSandbox.

use crate::{require, run_ok, target_dir, unique};
use serde_json::{json, Value};
use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeMap;
use std::fs;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

const PROTO_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/cri");

/// A gRPC error from the runtime: its status code name (`NOT_FOUND`,
/// `UNKNOWN`...) and message.
#[derive(Debug, Clone)]
pub struct CriError {
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for CriError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// The generated Python stubs of cri.proto: generated once per proto text,
/// under a unique name and renamed into place.
fn stubs() -> PathBuf {
    let proto = fs::read(Path::new(PROTO_DIR).join("cri.proto")).unwrap();
    let mut h = DefaultHasher::new();
    proto.hash(&mut h);
    let dir = target_dir()
        .join("cri-client")
        .join(format!("{:016x}", h.finish()));
    if dir.join("cri_pb2_grpc.py").is_file() {
        return dir;
    }
    let work = dir.with_extension(unique("work"));
    fs::create_dir_all(&work).unwrap();
    run_ok(
        Command::new(require("python3"))
            .args(["-m", "grpc_tools.protoc", "-I", PROTO_DIR])
            .arg(format!("--python_out={}", work.display()))
            .arg(format!("--grpc_python_out={}", work.display()))
            .arg("cri.proto"),
    );
    if fs::rename(&work, &dir).is_err() {
        // Another test generated them first.
        let _ = fs::remove_dir_all(&work);
    }
    dir
}

/// A connection to a runtime's CRI socket.
pub struct Cri {
    socket: PathBuf,
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Cri {
    /// Connects to the CRI at the unix socket `socket`. Calls wait for the
    /// socket to answer (up to two minutes), so a client outlives a
    /// restart of the runtime.
    pub fn connect(socket: &Path) -> Cri {
        let mut child = Command::new(require("python3"))
            .arg(Path::new(PROTO_DIR).join("cri_client.py"))
            .arg(stubs())
            .arg(format!("unix://{}", socket.display()))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the CRI client");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Cri {
            socket: socket.to_path_buf(),
            child,
            stdin,
            stdout,
        }
    }

    /// Calls `method` with `request` (the CRI message as protobuf JSON, with
    /// the .proto's field names) and returns the response, or the runtime's
    /// gRPC error.
    pub fn call(&mut self, method: &str, request: Value) -> Result<Value, CriError> {
        let line = json!({"method": method, "request": request}).to_string();
        writeln!(self.stdin, "{line}")
            .and_then(|()| self.stdin.flush())
            .unwrap_or_else(|e| panic!("CRI client for {}: {e}", self.socket.display()));
        let mut answer = String::new();
        self.stdout.read_line(&mut answer).unwrap();
        let answer: Value = serde_json::from_str(&answer).unwrap_or_else(|e| {
            panic!(
                "CRI client for {} gave no answer to {method} ({e}); see its stderr above",
                self.socket.display()
            )
        });
        match answer.get("error") {
            Some(err) => Err(CriError {
                code: err["code"].as_str().unwrap_or_default().to_string(),
                message: err["message"].as_str().unwrap_or_default().to_string(),
            }),
            None => Ok(answer["response"].clone()),
        }
    }

    fn call_ok(&mut self, method: &str, request: Value) -> Value {
        self.call(method, request.clone())
            .unwrap_or_else(|e| panic!("CRI {method} {request} failed: {e}"))
    }

    /// RuntimeService.Version.
    pub fn version(&mut self) -> Result<Value, CriError> {
        self.call("Version", json!({"version": "v1"}))
    }

    /// Whether ImageService.ImageStatus knows `image`.
    pub fn has_image(&mut self, image: &str) -> bool {
        self.call_ok("ImageStatus", json!({"image": {"image": image}}))
            .get("image")
            .is_some()
    }

    pub fn run_pod_sandbox(&mut self, config: &Value, handler: &str) -> Result<String, CriError> {
        let r = self.call(
            "RunPodSandbox",
            json!({"config": config, "runtime_handler": handler}),
        )?;
        Ok(r["pod_sandbox_id"].as_str().unwrap().to_string())
    }

    pub fn stop_pod_sandbox(&mut self, id: &str) -> Result<(), CriError> {
        self.call("StopPodSandbox", json!({"pod_sandbox_id": id}))
            .map(drop)
    }

    pub fn remove_pod_sandbox(&mut self, id: &str) -> Result<(), CriError> {
        self.call("RemovePodSandbox", json!({"pod_sandbox_id": id}))
            .map(drop)
    }

    pub fn create_container(
        &mut self,
        pod: &str,
        config: &Value,
        sandbox_config: &Value,
    ) -> Result<String, CriError> {
        let r = self.call(
            "CreateContainer",
            json!({"pod_sandbox_id": pod, "config": config, "sandbox_config": sandbox_config}),
        )?;
        Ok(r["container_id"].as_str().unwrap().to_string())
    }

    pub fn start_container(&mut self, id: &str) -> Result<(), CriError> {
        self.call("StartContainer", json!({"container_id": id}))
            .map(drop)
    }

    /// ContainerStatus's `status`.
    pub fn container_status(&mut self, id: &str) -> Value {
        self.call_ok("ContainerStatus", json!({"container_id": id}))["status"].clone()
    }

    pub fn stop_container(&mut self, id: &str, timeout_seconds: i64) -> Result<(), CriError> {
        self.call(
            "StopContainer",
            json!({"container_id": id, "timeout": timeout_seconds}),
        )
        .map(drop)
    }

    pub fn remove_container(&mut self, id: &str) -> Result<(), CriError> {
        self.call("RemoveContainer", json!({"container_id": id}))
            .map(drop)
    }

    /// Runs `pod` through its whole life (see the module's doc) and returns
    /// what happened; the first call the runtime refuses ends the pod
    /// (what was created is stopped and removed) and is returned.
    pub fn run_pod(&mut self, pod: &Pod) -> Result<PodRun, CriError> {
        let sandbox_config = pod.sandbox_config();
        let sandbox_id = self.run_pod_sandbox(&sandbox_config, &pod.handler)?;
        let result = self.run_workload(pod, &sandbox_id, &sandbox_config);
        let stopped = self
            .stop_pod_sandbox(&sandbox_id)
            .and_then(|()| self.remove_pod_sandbox(&sandbox_id));
        let (container_id, exit_code) = result?;
        stopped?;
        Ok(PodRun {
            sandbox_id,
            container_id,
            exit_code,
        })
    }

    fn run_workload(
        &mut self,
        pod: &Pod,
        sandbox_id: &str,
        sandbox_config: &Value,
    ) -> Result<(String, i64), CriError> {
        let config = json!({
            "metadata": {"name": "workload"},
            "image": {"image": pod.image},
            "command": pod.command,
            "annotations": pod.container_annotations,
        });
        let id = self.create_container(sandbox_id, &config, sandbox_config)?;
        let exited = self.start_container(&id).map(|()| {
            let mut status = Value::Null;
            let exited = crate::poll_until(Duration::from_secs(60), || {
                status = self.container_status(&id);
                status["state"] == "CONTAINER_EXITED"
            });
            assert!(exited, "container {id} did not exit: {status}");
            status["exit_code"].as_i64().unwrap_or(0)
        });
        let removed = self
            .stop_container(&id, 0)
            .and_then(|()| self.remove_container(&id));
        let exit_code = exited?;
        removed?;
        Ok((id, exit_code))
    }
}

impl Drop for Cri {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A pod as kubelet describes it: host network (no CNI), one container.
#[derive(Debug, Clone)]
pub struct Pod {
    pub name: String,
    /// The RuntimeClass handler; empty for the runtime's default.
    pub handler: String,
    pub annotations: BTreeMap<String, String>,
    pub container_annotations: BTreeMap<String, String>,
    pub image: String,
    pub command: Vec<String>,
}

impl Pod {
    /// A pod named `name` (made unique) whose busybox container runs
    /// `/bin/true`, through `handler`.
    pub fn new(name: &str, handler: &str) -> Pod {
        Pod {
            name: unique(name),
            handler: handler.to_string(),
            annotations: BTreeMap::new(),
            container_annotations: BTreeMap::new(),
            image: crate::images::BUSYBOX_IMAGE.to_string(),
            command: vec!["/bin/true".to_string()],
        }
    }

    /// With a pod annotation (as a pod's `metadata.annotations`).
    pub fn annotation(mut self, key: &str, value: &str) -> Pod {
        self.annotations.insert(key.to_string(), value.to_string());
        self
    }

    /// With an annotation of its container (as device plugins set them).
    pub fn container_annotation(mut self, key: &str, value: &str) -> Pod {
        self.container_annotations
            .insert(key.to_string(), value.to_string());
        self
    }

    /// The PodSandboxConfig kubelet would send.
    pub fn sandbox_config(&self) -> Value {
        json!({
            "metadata": {"name": self.name, "uid": self.name, "namespace": "default"},
            "annotations": self.annotations,
            "linux": {"security_context": {"namespace_options": {"network": "NODE"}}},
        })
    }
}

/// What became of a pod: its sandbox and container IDs, and the
/// container's exit code.
#[derive(Debug, Clone)]
pub struct PodRun {
    pub sandbox_id: String,
    pub container_id: String,
    pub exit_code: i64,
}

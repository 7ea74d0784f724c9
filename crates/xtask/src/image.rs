//! `cargo xtask image`: the installer image of deploy/Containerfile.
//!
//! Builds the three binaries statically (static-pie:
//! `RUSTFLAGS="-C target-feature=+crt-static"` with an explicit `--target`,
//! so the flags do not reach proc-macros and build scripts), checks that
//! none asks for a dynamic loader, copies them into a build context and runs
//! `docker build` with the legacy builder (`DOCKER_BUILDKIT=0`), which
//! builds `FROM scratch` without reaching a registry.

use crate::build::{cargo, repo_root, run_cmd, static_release, target_dir, BIN_CRATES, TARGET};
use anyhow::{bail, Context, Result};
use std::fs;
use std::path::Path;
use std::process::Command;

#[derive(clap::Args)]
pub struct Args {
    /// The image name and tag.
    #[arg(long, default_value = concat!("container-hooks-installer:", env!("CARGO_PKG_VERSION")))]
    pub tag: String,
    /// Cargo profile of the binaries (release for a published image; dev
    /// builds faster for tests).
    #[arg(long, default_value = "release")]
    pub profile: String,
    /// The Docker daemon to build with (docker -H), e.g.
    /// unix:///run/other/docker.sock [default: docker's own].
    #[arg(long, value_name = "URL")]
    pub docker_host: Option<String>,
    /// Only build the binaries and the context directory; print its path.
    #[arg(long)]
    pub context_only: bool,
}

pub fn run(args: Args) -> Result<()> {
    let root = repo_root();
    let out = if args.profile == "release" {
        static_release(&root)?
    } else {
        // The same static build in another profile (dev: faster, for tests).
        let mut build = cargo(&root);
        build
            .env("RUSTFLAGS", "-C target-feature=+crt-static")
            .args(["build", "--target", TARGET, "--profile"])
            .arg(&args.profile);
        for b in BIN_CRATES {
            build.args(["-p", b]);
        }
        run_cmd(&mut build)?;
        let dir = match args.profile.as_str() {
            "dev" | "test" => "debug",
            "bench" => "release",
            other => other,
        };
        target_dir(&root).join(TARGET).join(dir)
    };
    let context = target_dir(&root).join("image-context");
    let bin = context.join("bin");
    if context.exists() {
        fs::remove_dir_all(&context).with_context(|| format!("{}", context.display()))?;
    }
    fs::create_dir_all(&bin).with_context(|| format!("{}", bin.display()))?;
    for b in BIN_CRATES {
        let src = out.join(b);
        check_static(&src)?;
        fs::copy(&src, bin.join(b))
            .with_context(|| format!("copy {} into {}", src.display(), bin.display()))?;
    }
    let containerfile = context.join("Containerfile");
    fs::copy(root.join("deploy/Containerfile"), &containerfile).context("deploy/Containerfile")?;
    if args.context_only {
        println!("{}", context.display());
        return Ok(());
    }
    let mut docker = Command::new("docker");
    if let Some(h) = &args.docker_host {
        docker.args(["-H", h]);
    }
    let status = docker
        .env("DOCKER_BUILDKIT", "0")
        .args(["build", "-q", "-f"])
        .arg(&containerfile)
        .args(["-t", &args.tag])
        .arg(&context)
        .status()
        .context("cannot run docker build")?;
    if !status.success() {
        bail!("docker build failed ({status})");
    }
    eprintln!("built image {}", args.tag);
    Ok(())
}

/// Fails unless `path` is an ELF executable without a program interpreter
/// (a static or static-pie binary runs in an image with no libc).
pub fn check_static(path: &Path) -> Result<()> {
    let bytes = fs::read(path).with_context(|| format!("{}", path.display()))?;
    let u16_at = |o: usize| -> Option<u16> {
        bytes
            .get(o..o + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |o: usize| -> Option<u32> {
        bytes
            .get(o..o + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let u64_at = |o: usize| -> Option<u64> {
        bytes.get(o..o + 8).map(|b| {
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            u64::from_le_bytes(a)
        })
    };
    if bytes.get(0..4) != Some(b"\x7fELF") || bytes.get(4) != Some(&2) {
        bail!("{}: not a 64-bit ELF file", path.display());
    }
    let (Some(phoff), Some(phentsize), Some(phnum)) = (u64_at(0x20), u16_at(0x36), u16_at(0x38))
    else {
        bail!("{}: truncated ELF header", path.display());
    };
    for i in 0..usize::from(phnum) {
        let off = usize::try_from(phoff)
            .unwrap_or(usize::MAX)
            .saturating_add(i.saturating_mul(usize::from(phentsize)));
        const PT_INTERP: u32 = 3;
        if u32_at(off) == Some(PT_INTERP) {
            bail!(
                "{}: dynamically linked (it names a program interpreter); build with RUSTFLAGS=\"-C target-feature=+crt-static\" --target {TARGET}",
                path.display()
            );
        }
    }
    Ok(())
}

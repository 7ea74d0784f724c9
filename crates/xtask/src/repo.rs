//! `cargo xtask repo`: signed package repositories from the packages in
//! `dist/`, so that users install by name (`apt install
//! container-hooks-toolkit`, `dnf install container-hooks-toolkit`).
//!
//! Written under `--out` (default `dist/repo`):
//!
//! - `apt/`: `pool/main/c/container-hooks-toolkit/*.deb` and
//!   `dists/stable/` with `main/binary-amd64/Packages(.gz)` and a `Release`
//!   made by apt-ftparchive, signed inline (`InRelease`) and detached
//!   (`Release.gpg`);
//! - `rpm/`: `Packages/*.rpm`, each signed (rpmsign), and `repodata/` made
//!   by createrepo_c with `repomd.xml` signed detached and armored
//!   (`repomd.xml.asc`);
//! - the public key: `container-hooks-toolkit.gpg` (a keyring for apt's
//!   `Signed-By`, installed in /usr/share/keyrings) and
//!   `container-hooks-toolkit.asc` (armored, for dnf's `gpgkey`);
//! - `container-hooks-toolkit.sources` and `container-hooks-toolkit.repo`,
//!   the files a user puts in /etc/apt/sources.list.d and
//!   /etc/yum.repos.d, naming `--url`.
//!
//! The signing key is an OpenPGP secret key without a passphrase, given by
//! path (`--key`, as `gpg --export-secret-keys` writes it); `--new-key`
//! makes one there first, for tests and trials. The key is used in a
//! GnuPG home of its own, so the user's keyrings are never touched.

use crate::build::{on_path, run_cmd};
use anyhow::{bail, Context, Result};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The package name, and the file name of the public key.
const PACKAGE: &str = "container-hooks-toolkit";
/// The APT suite and component.
const SUITE: &str = "stable";
const COMPONENT: &str = "main";
const APT_ARCH: &str = "amd64";
/// apt verifies SHA256; MD5 and SHA1 sums would only be noise.
const NO_WEAK_HASHES: [&str; 4] = [
    "-o",
    "APT::FTPArchive::MD5=false",
    "-o",
    "APT::FTPArchive::SHA1=false",
];

#[derive(clap::Args)]
pub struct Args {
    /// The OpenPGP secret key to sign with (no passphrase), as
    /// `gpg --export-secret-keys` writes it.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// Make a new signing key at --key first (it must not exist yet).
    #[arg(long)]
    pub new_key: bool,
    /// Where the packages are [default: dist/].
    #[arg(long, value_name = "DIR")]
    pub dist: Option<PathBuf>,
    /// Where the repositories are written, replacing what is there
    /// [default: dist/repo].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The URL the output directory will be published at, written into the
    /// .sources and .repo files.
    #[arg(
        long,
        default_value = "https://example.invalid/container-hooks-toolkit"
    )]
    pub url: String,
}

pub fn run(args: Args) -> Result<()> {
    let root = crate::repo_root();
    let dist = args.dist.clone().unwrap_or_else(|| root.join("dist"));
    let out = args.out.clone().unwrap_or_else(|| dist.join("repo"));
    for tool in ["gpg", "apt-ftparchive", "createrepo_c", "rpmsign"] {
        if !on_path(tool) {
            bail!(
                "{tool} is not installed; run `apt-get install gnupg apt-utils createrepo-c rpm`"
            );
        }
    }
    let debs = packages(&dist, ".deb")?;
    let rpms = packages(&dist, ".rpm")?;
    if debs.is_empty() && rpms.is_empty() {
        bail!(
            "{}: no .deb or .rpm; run `cargo xtask package` first",
            dist.display()
        );
    }
    if args.new_key {
        new_key(&args.key)?;
    }
    let home = gnupg_home()?;
    let signer = Signer::import(home.path(), &args.key)?;

    if out.exists() {
        fs::remove_dir_all(&out).with_context(|| format!("{}: cannot remove", out.display()))?;
    }
    mkdir(&out)?;
    signer.export_public(&out)?;
    apt_repo(&out.join("apt"), &debs, &signer)?;
    rpm_repo(&out.join("rpm"), &rpms, &signer)?;
    client_files(&out, &args.url)?;
    println!(
        "signed repositories in {} (key {})",
        out.display(),
        signer.fingerprint
    );
    Ok(())
}

/// The files of `dist` ending in `ext`, sorted.
fn packages(dist: &Path, ext: &str) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let entries = fs::read_dir(dist).with_context(|| format!("{}: cannot list", dist.display()))?;
    for entry in entries {
        let path = entry
            .with_context(|| format!("{}: cannot list", dist.display()))?
            .path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_file() && name.starts_with(PACKAGE) && name.ends_with(ext) {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

fn mkdir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))
}

fn copy(from: &Path, to_dir: &Path) -> Result<PathBuf> {
    let name = from
        .file_name()
        .with_context(|| format!("{}: no file name", from.display()))?;
    let to = to_dir.join(name);
    fs::copy(from, &to)
        .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
    Ok(to)
}

/// Runs a command and returns its standard output; fails with its
/// standard error.
fn output(cmd: &mut Command) -> Result<Vec<u8>> {
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(out.stdout)
}

/// A new RSA signing key without a passphrase, written to `path`.
fn new_key(path: &Path) -> Result<()> {
    if path.exists() {
        bail!(
            "{}: exists already; leave out --new-key to use it",
            path.display()
        );
    }
    let home = gnupg_home()?;
    let uid = format!("{PACKAGE} repository signing key <{PACKAGE}@example.invalid>");
    output(
        gpg(home.path())
            .args(["--passphrase", "", "--quick-generate-key"])
            .arg(&uid)
            .args(["rsa3072", "sign", "never"]),
    )?;
    let secret = output(
        gpg(home.path())
            .args(["--armor", "--export-secret-keys"])
            .arg(&uid),
    )?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        mkdir(dir)?;
    }
    write_private(path, &secret)
}

/// Writes a file readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("{}: cannot create", path.display()))?;
    f.write_all(bytes)
        .with_context(|| format!("{}: cannot write", path.display()))
}

/// An empty GnuPG home, private to its owner as gpg wants it.
fn gnupg_home() -> Result<tempfile::TempDir> {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().context("cannot make a GnuPG home")?;
    fs::set_permissions(home.path(), fs::Permissions::from_mode(0o700))
        .with_context(|| format!("{}: cannot chmod", home.path().display()))?;
    Ok(home)
}

/// gpg in batch mode with its own home.
fn gpg(home: &Path) -> Command {
    let mut c = Command::new("gpg");
    c.env("GNUPGHOME", home).args([
        "--batch",
        "--no-tty",
        "--quiet",
        "--pinentry-mode",
        "loopback",
    ]);
    c
}

/// A signing key imported into a GnuPG home of its own.
struct Signer {
    home: PathBuf,
    fingerprint: String,
}

impl Signer {
    fn import(home: &Path, key: &Path) -> Result<Signer> {
        output(gpg(home).arg("--import").arg(key))
            .with_context(|| format!("{}: not an OpenPGP secret key", key.display()))?;
        let listing = output(gpg(home).args(["--with-colons", "--list-secret-keys"]))?;
        let listing = String::from_utf8_lossy(&listing);
        let fingerprints: Vec<&str> = listing
            .lines()
            .skip_while(|l| !l.starts_with("sec:"))
            .filter(|l| l.starts_with("fpr:"))
            .filter_map(|l| l.split(':').nth(9))
            .collect();
        let fingerprint = match fingerprints.as_slice() {
            [first, ..] => first.to_string(),
            [] => bail!("{}: holds no secret key", key.display()),
        };
        Ok(Signer {
            home: home.to_path_buf(),
            fingerprint,
        })
    }

    fn gpg(&self) -> Command {
        let mut c = gpg(&self.home);
        c.args(["--local-user", &self.fingerprint, "--digest-algo", "SHA256"]);
        c
    }

    /// The public key as a keyring and armored.
    fn export_public(&self, out: &Path) -> Result<()> {
        let keyring = out.join(format!("{PACKAGE}.gpg"));
        let armored = out.join(format!("{PACKAGE}.asc"));
        let binary = output(gpg(&self.home).arg("--export").arg(&self.fingerprint))?;
        fs::write(&keyring, binary)
            .with_context(|| format!("{}: cannot write", keyring.display()))?;
        let text = output(
            gpg(&self.home)
                .args(["--armor", "--export"])
                .arg(&self.fingerprint),
        )?;
        fs::write(&armored, text).with_context(|| format!("{}: cannot write", armored.display()))
    }

    /// `file` signed: inline (`clearsign`) or detached, armored or not.
    fn sign(&self, file: &Path, to: &Path, how: &[&str]) -> Result<()> {
        run_cmd(self.gpg().args(how).arg("--output").arg(to).arg(file))
    }

    /// Signs an rpm in place with rpmsign, through this GnuPG home.
    fn sign_rpm(&self, rpm: &Path) -> Result<()> {
        output(
            Command::new("rpmsign")
                .arg("--define")
                .arg(format!("_gpg_path {}", self.home.display()))
                .arg("--define")
                .arg(format!("_gpg_name {}", self.fingerprint))
                .args([
                    "--define",
                    "__gpg /usr/bin/gpg",
                    "--define",
                    "_gpg_digest_algo sha256",
                    "--define",
                    "_gpg_sign_cmd_extra_args --batch --no-tty --pinentry-mode loopback",
                ])
                .arg("--addsign")
                .arg(rpm),
        )
        .with_context(|| format!("{}: cannot sign", rpm.display()))?;
        Ok(())
    }
}

/// The APT repository: pool, Packages, Release, InRelease, Release.gpg.
fn apt_repo(dir: &Path, debs: &[PathBuf], signer: &Signer) -> Result<()> {
    let pool = dir.join(format!("pool/{COMPONENT}/c/{PACKAGE}"));
    mkdir(&pool)?;
    for deb in debs {
        copy(deb, &pool)?;
    }
    let suite = dir.join("dists").join(SUITE);
    let binary = suite.join(COMPONENT).join(format!("binary-{APT_ARCH}"));
    mkdir(&binary)?;
    let packages = output(
        Command::new("apt-ftparchive")
            .current_dir(dir)
            .args(NO_WEAK_HASHES)
            .args(["packages", "pool"]),
    )?;
    fs::write(binary.join("Packages"), &packages)
        .with_context(|| format!("{}: cannot write", binary.display()))?;
    let gz = output(
        Command::new("gzip")
            .args(["-9", "-n", "-c"])
            .arg(binary.join("Packages")),
    )?;
    fs::write(binary.join("Packages.gz"), gz)
        .with_context(|| format!("{}: cannot write", binary.display()))?;
    let release = output(
        Command::new("apt-ftparchive")
            .current_dir(&suite)
            .args(NO_WEAK_HASHES)
            .args([
                "-o",
                "APT::FTPArchive::Release::Origin=container-hooks-toolkit",
                "-o",
                "APT::FTPArchive::Release::Label=container-hooks-toolkit",
                "-o",
            ])
            .arg(format!("APT::FTPArchive::Release::Suite={SUITE}"))
            .arg("-o")
            .arg(format!("APT::FTPArchive::Release::Codename={SUITE}"))
            .arg("-o")
            .arg(format!(
                "APT::FTPArchive::Release::Architectures={APT_ARCH}"
            ))
            .arg("-o")
            .arg(format!("APT::FTPArchive::Release::Components={COMPONENT}"))
            .args([
                "-o",
                "APT::FTPArchive::Release::Description=container-hooks-toolkit packages",
                "release",
                ".",
            ]),
    )?;
    let release_file = suite.join("Release");
    fs::write(&release_file, release)
        .with_context(|| format!("{}: cannot write", release_file.display()))?;
    signer.sign(&release_file, &suite.join("InRelease"), &["--clearsign"])?;
    signer.sign(
        &release_file,
        &suite.join("Release.gpg"),
        &["--armor", "--detach-sign"],
    )
}

/// The RPM repository: signed packages, repodata, repomd.xml.asc.
fn rpm_repo(dir: &Path, rpms: &[PathBuf], signer: &Signer) -> Result<()> {
    let packages = dir.join("Packages");
    mkdir(&packages)?;
    for rpm in rpms {
        let copied = copy(rpm, &packages)?;
        signer.sign_rpm(&copied)?;
    }
    output(
        Command::new("createrepo_c")
            .args(["--quiet", "--no-database", "--simple-md-filenames"])
            .arg(dir),
    )?;
    let repomd = dir.join("repodata/repomd.xml");
    signer.sign(
        &repomd,
        &dir.join("repodata/repomd.xml.asc"),
        &["--armor", "--detach-sign"],
    )
}

/// The .sources and .repo files a user installs, naming `url`.
fn client_files(out: &Path, url: &str) -> Result<()> {
    let url = url.trim_end_matches('/');
    let sources = format!(
        "Types: deb\n\
         URIs: {url}/apt\n\
         Suites: {SUITE}\n\
         Components: {COMPONENT}\n\
         Architectures: {APT_ARCH}\n\
         Signed-By: /usr/share/keyrings/{PACKAGE}.gpg\n"
    );
    let repo = format!(
        "[{PACKAGE}]\n\
         name=container-hooks-toolkit\n\
         baseurl={url}/rpm\n\
         enabled=1\n\
         gpgcheck=1\n\
         repo_gpgcheck=1\n\
         gpgkey={url}/{PACKAGE}.asc\n"
    );
    for (name, text) in [
        (format!("{PACKAGE}.sources"), sources),
        (format!("{PACKAGE}.repo"), repo),
    ] {
        let path = out.join(name);
        fs::write(&path, text).with_context(|| format!("{}: cannot write", path.display()))?;
    }
    Ok(())
}

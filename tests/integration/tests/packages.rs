//! The .deb and the .rpm as files: contents, lints, scripts, linking.
//! Built with `cargo xtask package` when `dist/` lacks them.

use integration_tests::packages::{ensure_built, NAME};
use integration_tests::repo_root;
use integration_tests::{require, run, run_ok};
use std::fs;
use std::path::Path;
use std::process::Command;

#[test]
fn shipped_config_toml_is_the_documented_default() {
    let shipped = fs::read_to_string(repo_root().join("etc/container-hooks/config.toml")).unwrap();
    assert_eq!(
        shipped,
        container_hooks_core::config::DEFAULT_TOML,
        "etc/container-hooks/config.toml differs from container_hooks_core::config::DEFAULT_TOML; run `cargo xtask generate`"
    );
    let hooks: serde_json::Value = serde_json::from_slice(
        &fs::read(repo_root().join("etc/container-hooks/hooks.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(hooks, serde_json::json!({}));
}

/// The paths a package holds (files only), from `dpkg-deb -c`.
fn deb_files(deb: &Path) -> Vec<String> {
    run_ok(Command::new("dpkg-deb").arg("-c").arg(deb))
        .lines()
        .filter(|l| !l.starts_with('d'))
        .filter_map(|l| l.split_whitespace().nth(5))
        .map(|p| p.trim_start_matches('.').to_string())
        .collect()
}

fn man_pages() -> Vec<String> {
    let mut pages: Vec<String> = fs::read_dir(repo_root().join("man"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    pages
}

#[test]
fn deb_holds_binaries_man_pages_completions_config_and_docs() {
    let (deb, _) = ensure_built();
    let files = deb_files(&deb);
    let mut want: Vec<String> = [
        "/usr/bin/container-hooks-runtime",
        "/usr/bin/container-hooks-ctk",
        "/usr/bin/container-hooks",
        "/usr/share/bash-completion/completions/container-hooks-ctk",
        "/usr/share/zsh/vendor-completions/_container-hooks-ctk",
        "/usr/share/fish/vendor_completions.d/container-hooks-ctk.fish",
        "/etc/container-hooks/config.toml",
        "/etc/container-hooks/hooks.json",
        "/etc/container-hooks/hooks.d/README",
        "/usr/share/doc/container-hooks-toolkit/README.md",
        "/usr/share/doc/container-hooks-toolkit/copyright",
        "/usr/share/doc/container-hooks-toolkit/changelog.Debian.gz",
    ]
    .map(String::from)
    .to_vec();
    assert!(man_pages().len() >= 3, "man/ has {:?}", man_pages());
    for page in man_pages() {
        want.push(format!("/usr/share/man/man1/{page}.gz"));
    }
    for w in &want {
        assert!(
            files.contains(w),
            "{} lacks {w}; it holds {files:#?}",
            deb.display()
        );
    }
    // Configuration the package manager will not overwrite.
    let dir = tempfile::tempdir().unwrap();
    run_ok(Command::new("dpkg-deb").arg("-e").arg(&deb).arg(dir.path()));
    let conffiles = fs::read_to_string(dir.path().join("conffiles")).unwrap();
    for c in [
        "/etc/container-hooks/config.toml",
        "/etc/container-hooks/hooks.json",
        "/etc/container-hooks/hooks.d/README",
    ] {
        assert!(
            conffiles.lines().any(|l| l == c),
            "{c} is not a conffile: {conffiles}"
        );
    }
    // The maintainer scripts are debian/'s, byte for byte.
    for script in ["postinst", "prerm", "postrm"] {
        assert_eq!(
            fs::read(dir.path().join(script)).unwrap(),
            fs::read(repo_root().join("debian").join(script)).unwrap(),
            "{script} in the .deb differs from debian/{script}"
        );
    }
    let control = fs::read_to_string(dir.path().join("control")).unwrap();
    assert!(control.contains(&format!("Package: {NAME}\n")), "{control}");
    assert!(control.contains("Depends: runc | crun\n"), "{control}");
    // The shipped config is the documented default.
    let data = tempfile::tempdir().unwrap();
    run_ok(
        Command::new("dpkg-deb")
            .arg("-x")
            .arg(&deb)
            .arg(data.path()),
    );
    assert_eq!(
        fs::read_to_string(data.path().join("etc/container-hooks/config.toml")).unwrap(),
        container_hooks_core::config::DEFAULT_TOML
    );
    // Man pages are gzip-compressed roff.
    let page = data
        .path()
        .join("usr/share/man/man1/container-hooks-ctk.1.gz");
    let text = run_ok(Command::new("gzip").arg("-dc").arg(&page));
    assert!(text.contains(".TH container-hooks-ctk 1"), "{text}");
}

#[test]
fn rpm_holds_the_same_files_in_fedora_places() {
    let (_, rpm) = ensure_built();
    require("rpm");
    let files = run_ok(Command::new("rpm").arg("-qpl").arg(&rpm));
    let files: Vec<&str> = files.lines().collect();
    let mut want: Vec<String> = [
        "/usr/bin/container-hooks-runtime",
        "/usr/bin/container-hooks-ctk",
        "/usr/bin/container-hooks",
        "/usr/share/bash-completion/completions/container-hooks-ctk",
        "/usr/share/zsh/site-functions/_container-hooks-ctk",
        "/usr/share/fish/vendor_completions.d/container-hooks-ctk.fish",
        "/etc/container-hooks/config.toml",
        "/etc/container-hooks/hooks.json",
        "/etc/container-hooks/hooks.d/README",
        "/usr/share/doc/container-hooks-toolkit/README.md",
        "/usr/share/licenses/container-hooks-toolkit/copyright",
    ]
    .map(String::from)
    .to_vec();
    for page in man_pages() {
        want.push(format!("/usr/share/man/man1/{page}.gz"));
    }
    for w in &want {
        assert!(
            files.contains(&w.as_str()),
            "{} lacks {w}; it holds {files:#?}",
            rpm.display()
        );
    }
    let config = run_ok(Command::new("rpm").args(["-qp", "--configfiles"]).arg(&rpm));
    for c in [
        "/etc/container-hooks/config.toml",
        "/etc/container-hooks/hooks.json",
        "/etc/container-hooks/hooks.d/README",
    ] {
        assert!(
            config.lines().any(|l| l == c),
            "{c} is not %config: {config}"
        );
    }
    // %config(noreplace): the file flags hold RPMFILE_NOREPLACE (1 << 4).
    let flags = run_ok(
        Command::new("rpm")
            .args(["-qp", "--queryformat", "[%{FILENAMES} %{FILEFLAGS}\n]"])
            .arg(&rpm),
    );
    for line in flags.lines().filter(|l| l.starts_with("/etc/")) {
        let flag: u32 = line.rsplit(' ').next().unwrap().parse().unwrap();
        assert!(flag & (1 << 4) != 0, "not noreplace: {line}");
    }
    let requires = run_ok(Command::new("rpm").arg("-qpR").arg(&rpm));
    assert!(requires.contains("(runc or crun)"), "{requires}");
}

#[test]
fn rpm_scriptlets_are_the_real_scripts() {
    let (_, rpm) = ensure_built();
    let scripts = run_ok(
        Command::new(require("rpm"))
            .args(["-qp", "--scripts"])
            .arg(&rpm),
    );
    for (heading, file) in [
        ("postinstall scriptlet:", "post"),
        ("preuninstall scriptlet:", "preun"),
        ("postuninstall scriptlet:", "postun"),
    ] {
        let body = fs::read_to_string(repo_root().join("rpm").join(file)).unwrap();
        assert!(
            scripts.contains(&format!("{heading}\n{body}")),
            "rpm -qp --scripts does not show rpm/{file} under {heading:?}:\n{scripts}"
        );
    }
}

#[test]
fn deb_passes_lintian_without_errors_or_warnings() {
    let (deb, _) = ensure_built();
    let out = run(Command::new(require("lintian")).arg("--pedantic").arg(&deb));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let bad: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("E:") || l.starts_with("W:"))
        .collect();
    assert!(
        out.status.success() && bad.is_empty(),
        "lintian {}: {}\n{stdout}\n{}",
        deb.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn rpm_passes_rpmlint_without_errors() {
    let (_, rpm) = ensure_built();
    let out = run(Command::new(require("rpmlint"))
        .arg("-c")
        .arg(repo_root().join("rpm/rpmlint.toml"))
        .arg(&rpm));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains(" 0 errors"),
        "rpmlint {}: {}\n{stdout}\n{}",
        rpm.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether an ELF file has a PT_INTERP program header (a dynamic loader).
fn has_interpreter(elf: &[u8]) -> bool {
    let u16_at = |o: usize| u16::from_le_bytes([elf[o], elf[o + 1]]) as usize;
    let phoff = u64::from_le_bytes(elf[0x20..0x28].try_into().unwrap()) as usize;
    let (phentsize, phnum) = (u16_at(0x36), u16_at(0x38));
    (0..phnum).any(|i| {
        let o = phoff + i * phentsize;
        u32::from_le_bytes(elf[o..o + 4].try_into().unwrap()) == 3
    })
}

#[test]
fn packaged_binaries_are_static_pie() {
    let (deb, _) = ensure_built();
    let data = tempfile::tempdir().unwrap();
    run_ok(
        Command::new("dpkg-deb")
            .arg("-x")
            .arg(&deb)
            .arg(data.path()),
    );
    for bin in [
        "container-hooks-runtime",
        "container-hooks-ctk",
        "container-hooks",
    ] {
        let path = data.path().join("usr/bin").join(bin);
        let elf = fs::read(&path).unwrap();
        assert_eq!(&elf[..4], b"\x7fELF");
        // ET_DYN: position-independent; no PT_INTERP: no dynamic loader.
        assert_eq!(
            u16::from_le_bytes([elf[16], elf[17]]),
            3,
            "{bin} is not PIE"
        );
        assert!(!has_interpreter(&elf), "{bin} is linked dynamically");
    }
    // It starts in an empty environment (no loader, no library path).
    let out = run(Command::new(data.path().join("usr/bin/container-hooks"))
        .env_clear()
        .arg("--version"));
    assert!(out.status.success(), "{out:?}");
}

/// Runs a maintainer script with `args` and returns its output.
fn run_script(script: &Path, args: &[&str]) -> std::process::Output {
    run(Command::new("/bin/sh").arg(script).args(args))
}

#[test]
fn maintainer_scripts_are_posix_sh_and_reject_unknown_arguments() {
    let root = repo_root();
    let scripts = [
        "debian/postinst",
        "debian/prerm",
        "debian/postrm",
        "rpm/post",
        "rpm/preun",
        "rpm/postun",
    ];
    for s in scripts {
        let path = root.join(s);
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("#!/bin/sh\n"),
            "{s} is not a /bin/sh script"
        );
        assert!(text.lines().any(|l| l == "set -e"), "{s} lacks set -e");
        // dash is Debian's /bin/sh and knows no bashisms.
        let check = run(Command::new(require("dash")).arg("-n").arg(&path));
        assert!(
            check.status.success(),
            "{s}: {}",
            String::from_utf8_lossy(&check.stderr)
        );
    }
    // Arguments that must be accepted and change nothing on this machine.
    for (s, args) in [
        ("debian/postinst", vec!["triggered", "x"]),
        ("debian/prerm", vec!["upgrade", "0.1.0-1"]),
        ("debian/prerm", vec!["failed-upgrade", "0.1.0-1"]),
        ("debian/postrm", vec!["remove"]),
        ("debian/postrm", vec!["upgrade", "0.1.0-1"]),
        ("debian/postrm", vec!["failed-upgrade", "0.1.0-1"]),
        ("debian/postrm", vec!["abort-install"]),
        ("debian/postrm", vec!["abort-upgrade", "0.1.0-1"]),
        ("debian/postrm", vec!["disappear", "other", "1.0"]),
        ("rpm/preun", vec!["1"]),
        ("rpm/postun", vec!["1"]),
    ] {
        let out = run_script(&root.join(s), &args);
        assert!(
            out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
            "{s} {args:?}: {out:?}"
        );
    }
    for s in ["debian/postinst", "debian/prerm", "debian/postrm"] {
        let out = run_script(&root.join(s), &["no-such-action"]);
        assert_eq!(out.status.code(), Some(1), "{s} no-such-action: {out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("unknown argument 'no-such-action'"),
            "{s}: {out:?}"
        );
    }
    // Every argument dpkg passes is handled by name.
    let text = |s: &str| fs::read_to_string(root.join(s)).unwrap();
    for a in [
        "configure",
        "abort-upgrade",
        "abort-remove",
        "abort-deconfigure",
    ] {
        assert!(text("debian/postinst").contains(a), "postinst ignores {a}");
    }
    for a in ["remove", "deconfigure", "upgrade", "failed-upgrade"] {
        assert!(text("debian/prerm").contains(a), "prerm ignores {a}");
    }
    for a in [
        "purge",
        "remove",
        "upgrade",
        "failed-upgrade",
        "abort-install",
        "abort-upgrade",
        "disappear",
    ] {
        assert!(text("debian/postrm").contains(a), "postrm ignores {a}");
    }
}

/// A copy of a maintainer script that calls `ctk` instead of
/// /usr/bin/container-hooks-ctk.
fn script_with(dir: &Path, script: &str, ctk: &Path) -> std::path::PathBuf {
    let text = fs::read_to_string(repo_root().join(script)).unwrap();
    let text = text.replace(
        "CTK=/usr/bin/container-hooks-ctk",
        &format!("CTK={}", ctk.display()),
    );
    assert!(text.contains(&format!("CTK={}", ctk.display())), "{script}");
    let path = dir.join(script.replace('/', "-"));
    fs::write(&path, text).unwrap();
    path
}

/// A stand-in for container-hooks-ctk that logs its arguments and exits
/// with `code`.
fn logging_ctk(dir: &Path, code: i32) -> (std::path::PathBuf, std::path::PathBuf) {
    let log = dir.join(format!("ctk-{code}.log"));
    let ctk = dir.join(format!("ctk-{code}"));
    integration_tests::write_mode(
        &ctk,
        &format!("#!/bin/sh\necho \"$*\" >> {}\nexit {code}\n", log.display()),
        0o755,
    );
    (ctk, log)
}

/// The scripts only dispatch: each argument dpkg or rpm passes runs one
/// container-hooks-ctk command (which finds the engines, applies the
/// change and reports, tested in the CLI's own tests) or none; when that
/// command fails the package operation still succeeds, with a warning.
#[test]
fn scripts_dispatch_every_argument_to_one_ctk_command() {
    let dir = tempfile::tempdir().unwrap();
    let configure = "runtime configure --detected --set-as-default";
    let remove = "runtime remove --all";
    for (script, args, call) in [
        ("debian/postinst", vec!["configure", ""], Some(configure)),
        (
            "debian/postinst",
            vec!["configure", "0.1.0-1"],
            Some(configure),
        ),
        (
            "debian/postinst",
            vec!["abort-upgrade", "0.2.0-1"],
            Some(configure),
        ),
        ("debian/postinst", vec!["abort-remove"], Some(configure)),
        (
            "debian/postinst",
            vec!["abort-deconfigure", "in-favour", "x", "1"],
            Some(configure),
        ),
        ("debian/postinst", vec!["triggered", "x"], None),
        ("rpm/post", vec!["1"], Some(configure)),
        ("rpm/post", vec!["2"], Some(configure)),
        ("debian/prerm", vec!["remove"], Some(remove)),
        (
            "debian/prerm",
            vec!["deconfigure", "in-favour", "x", "1"],
            Some(remove),
        ),
        ("debian/prerm", vec!["upgrade", "0.2.0-1"], None),
        ("debian/prerm", vec!["failed-upgrade", "0.1.0-1"], None),
        ("rpm/preun", vec!["0"], Some(remove)),
        ("rpm/preun", vec!["1"], None),
    ] {
        for code in [0, 1] {
            let (ctk, log) = logging_ctk(dir.path(), code);
            let _ = fs::remove_file(&log);
            let out = run_script(&script_with(dir.path(), script, &ctk), &args);
            let what = format!("{script} {args:?} with ctk exiting {code}");
            assert!(out.status.success(), "{what}: {out:?}");
            let calls = fs::read_to_string(&log).unwrap_or_default();
            let calls: Vec<&str> = calls.lines().collect();
            assert_eq!(calls, call.into_iter().collect::<Vec<_>>(), "{what}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            let warned = stderr.contains("container-hooks-toolkit: warning:");
            assert_eq!(warned, code != 0 && call.is_some(), "{what}: {stderr}");
        }
    }
}

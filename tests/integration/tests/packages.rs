//! The .deb and the .rpm as files: contents, lints, scripts, linking.
//! Built with `cargo xtask package` when `dist/` lacks them.

use integration_tests::packages::{ensure_built, signed_repos, NAME};
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

/// Where the packages put each page of man/: its section's directory,
/// gzipped.
fn man_page_paths() -> Vec<String> {
    let pages = man_pages();
    assert!(
        pages.iter().any(|p| p.ends_with(".5")),
        "no section 5 page in man/: {pages:?}"
    );
    pages
        .iter()
        .map(|page| {
            let section = page.rsplit_once('.').unwrap().1;
            format!("/usr/share/man/man{section}/{page}.gz")
        })
        .collect()
}

/// The documents README.md links, where both packages put them: the
/// guides of `docs/`, BENCHMARKS.md and RELIABILITY.md.
fn doc_paths() -> Vec<String> {
    let mut paths: Vec<String> = fs::read_dir(repo_root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("/usr/share/doc/container-hooks-toolkit/docs/{name}"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 5, "docs/ has {paths:?}");
    for top in ["BENCHMARKS.md", "RELIABILITY.md"] {
        paths.push(format!("/usr/share/doc/container-hooks-toolkit/{top}"));
    }
    paths
}

/// The configuration files of both packages.
const CONFFILES: [&str; 4] = [
    "/etc/container-hooks/config.toml",
    "/etc/container-hooks/hooks.json",
    "/etc/container-hooks/hooks.d/README",
    "/etc/logrotate.d/container-hooks-toolkit",
];

/// The one-line summary and the long description, as Cargo.toml gives
/// them (the long one with its words only).
fn descriptions() -> (String, String) {
    let text =
        fs::read_to_string(repo_root().join("crates/container-hooks-ctk/Cargo.toml")).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    let package = doc["package"].as_table().unwrap();
    let summary = package["description"].as_str().unwrap().to_string();
    let long = package["metadata"]["deb"]["extended-description"]
        .as_str()
        .unwrap()
        .to_string();
    (summary, long)
}

fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
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
        "/etc/logrotate.d/container-hooks-toolkit",
        "/usr/share/doc/container-hooks-toolkit/README.md",
        "/usr/share/doc/container-hooks-toolkit/copyright",
        "/usr/share/doc/container-hooks-toolkit/changelog.Debian.gz",
    ]
    .map(String::from)
    .to_vec();
    assert!(man_pages().len() >= 3, "man/ has {:?}", man_pages());
    want.extend(man_page_paths());
    want.extend(doc_paths());
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
    for c in CONFFILES {
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
    assert!(control.contains("Recommends: logrotate\n"), "{control}");
    let (summary, long) = descriptions();
    assert!(summary.contains("Podman"), "{summary}");
    assert!(
        control.contains(&format!("Description: {summary}\n")),
        "{control}"
    );
    let extended: String = control
        .split_once(&format!("Description: {summary}\n"))
        .unwrap()
        .1
        .to_string();
    assert_eq!(words(&extended), words(&long), "{control}");
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
    assert!(text.contains(".TH CONTAINER\\-HOOKS\\-CTK 1 "), "{text}");
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
        "/etc/logrotate.d/container-hooks-toolkit",
        "/usr/share/doc/container-hooks-toolkit/README.md",
        "/usr/share/licenses/container-hooks-toolkit/copyright",
    ]
    .map(String::from)
    .to_vec();
    want.extend(man_page_paths());
    want.extend(doc_paths());
    for w in &want {
        assert!(
            files.contains(&w.as_str()),
            "{} lacks {w}; it holds {files:#?}",
            rpm.display()
        );
    }
    let config = run_ok(Command::new("rpm").args(["-qp", "--configfiles"]).arg(&rpm));
    for c in CONFFILES {
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
    for line in flags
        .lines()
        .filter(|l| CONFFILES.contains(&l.split(' ').next().unwrap()))
    {
        let flag: u32 = line.rsplit(' ').next().unwrap().parse().unwrap();
        assert!(flag & (1 << 4) != 0, "not noreplace: {line}");
    }
    let requires = run_ok(Command::new("rpm").arg("-qpR").arg(&rpm));
    assert!(requires.contains("(runc or crun)"), "{requires}");
    let recommends = run_ok(Command::new("rpm").args(["-qp", "--recommends"]).arg(&rpm));
    assert_eq!(recommends.trim(), "logrotate");
}

/// `rpm -qp --queryformat` of one tag (or array of tags) of the .rpm.
fn rpm_query(rpm: &Path, format: &str) -> String {
    run_ok(
        Command::new(require("rpm"))
            .args(["-qp", "--queryformat", format])
            .arg(rpm),
    )
}

#[test]
fn rpm_owns_its_directories_marks_its_license_and_describes_itself() {
    let (_, rpm) = ensure_built();
    // FILEMODES and FILEFLAGS by path: directories (S_IFDIR) the package
    // owns, and the %license file (RPMFILE_LICENSE, 1 << 7).
    let listing = rpm_query(&rpm, "[%{FILENAMES} %{FILEMODES:octal} %{FILEFLAGS}\n]");
    let entry = |path: &str| -> (u32, u32) {
        let line = listing
            .lines()
            .find(|l| l.split(' ').next() == Some(path))
            .unwrap_or_else(|| panic!("the .rpm does not own {path}:\n{listing}"));
        let mut f = line.split(' ').skip(1);
        let mode = u32::from_str_radix(f.next().unwrap(), 8).unwrap();
        let flags = f.next().unwrap().parse().unwrap();
        (mode, flags)
    };
    for dir in [
        "/etc/container-hooks",
        "/etc/container-hooks/hooks.d",
        "/usr/share/doc/container-hooks-toolkit",
        "/usr/share/doc/container-hooks-toolkit/docs",
        "/usr/share/licenses/container-hooks-toolkit",
    ] {
        let (mode, _) = entry(dir);
        assert_eq!(
            mode & 0o170000,
            0o040000,
            "{dir} is not a directory: {mode:o}"
        );
        assert_eq!(mode & 0o7777, 0o755, "{dir}: mode {mode:o}");
    }
    let (_, flags) = entry("/usr/share/licenses/container-hooks-toolkit/copyright");
    assert!(flags & (1 << 7) != 0, "copyright is not %license: {flags}");
    let (_, flags) = entry("/usr/share/doc/container-hooks-toolkit/README.md");
    assert!(flags & (1 << 1) != 0, "README.md is not %doc: {flags}");
    for doc in doc_paths() {
        let (_, flags) = entry(&doc);
        assert!(flags & (1 << 1) != 0, "{doc} is not %doc: {flags}");
    }

    let (summary, long) = descriptions();
    assert_eq!(rpm_query(&rpm, "%{SUMMARY}"), summary);
    assert!(summary.contains("Podman"), "{summary}");
    let description = rpm_query(&rpm, "%{DESCRIPTION}");
    assert_ne!(words(&description), words(&summary));
    assert_eq!(words(&description), words(&long));
    assert!(description.lines().all(|l| l.len() <= 79), "{description}");
    // debian/changelog, in rpm's form, with the package's version.
    let changelog = run_ok(Command::new("rpm").args(["-qp", "--changelog"]).arg(&rpm));
    assert!(
        changelog.starts_with("* ")
            && changelog
                .lines()
                .next()
                .unwrap()
                .ends_with(&format!(" - {}-1", env!("CARGO_PKG_VERSION"))),
        "{changelog}"
    );
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
        ("postinstall scriptlet (using /bin/sh):", "post"),
        ("preuninstall scriptlet (using /bin/sh):", "preun"),
        ("postuninstall scriptlet (using /bin/sh):", "postun"),
    ] {
        let body = fs::read_to_string(repo_root().join("rpm").join(file)).unwrap();
        assert!(
            scripts.contains(&format!("{heading}\n{body}")),
            "rpm -qp --scripts does not show rpm/{file} under {heading:?}:\n{scripts}"
        );
    }
}

/// The engines' programs, at the paths their packages install them, and
/// the packages that install them: what the triggers must name.
const ENGINE_PROGRAMS: [&str; 5] = [
    "/usr/sbin/dockerd",
    "/usr/bin/dockerd",
    "/usr/bin/containerd",
    "/usr/bin/crio",
    "/usr/bin/podman",
];
const ENGINE_PACKAGES: [&str; 7] = [
    "docker-ce",
    "moby-engine",
    "docker",
    "containerd",
    "containerd.io",
    "cri-o",
    "podman",
];

/// The .deb carries debian/triggers as its control file `triggers`: one
/// `interest-noawait` file trigger per engine program (comments aside,
/// nothing else), each an absolute path that a package installs.
#[test]
fn deb_triggers_on_every_engine_program() {
    let (deb, _) = ensure_built();
    let dir = tempfile::tempdir().unwrap();
    run_ok(Command::new("dpkg-deb").arg("-e").arg(&deb).arg(dir.path()));
    let shipped = fs::read_to_string(dir.path().join("triggers")).unwrap();
    assert_eq!(
        shipped,
        fs::read_to_string(repo_root().join("debian/triggers")).unwrap(),
        "the .deb's triggers differ from debian/triggers"
    );
    let mut paths: Vec<&str> = Vec::new();
    for line in shipped.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let path = line
            .strip_prefix("interest-noawait ")
            .unwrap_or_else(|| panic!("not an interest-noawait directive: {line:?}"));
        assert!(
            path.starts_with("/usr/") && !path.starts_with("/usr/local/"),
            "{path}: not a path a package installs"
        );
        paths.push(path);
    }
    paths.sort_unstable();
    let mut want = ENGINE_PROGRAMS.to_vec();
    want.sort_unstable();
    assert_eq!(paths, want);
}

/// `rpm -qp --triggers`: rpm/post, run again when any engine's package is
/// installed or upgraded.
#[test]
fn rpm_triggers_on_every_engine_package() {
    let (_, rpm) = ensure_built();
    let triggers = run_ok(
        Command::new(require("rpm"))
            .args(["-qp", "--triggers"])
            .arg(&rpm),
    );
    let body = fs::read_to_string(repo_root().join("rpm/post")).unwrap();
    let heading = "triggerin scriptlet (using /bin/sh) -- ";
    let (_, rest) = triggers
        .split_once(heading)
        .unwrap_or_else(|| panic!("no triggerin scriptlet:\n{triggers}"));
    let (names, script) = rest.split_once('\n').unwrap_or((rest, ""));
    let mut names: Vec<&str> = names.split(", ").collect();
    names.sort_unstable();
    let mut want = ENGINE_PACKAGES.to_vec();
    want.sort_unstable();
    assert_eq!(names, want, "{triggers}");
    assert!(
        script.starts_with(&body),
        "the triggerin scriptlet is not rpm/post:\n{triggers}"
    );
    assert_eq!(triggers.matches(heading).count(), 1, "{triggers}");
}

#[test]
fn deb_passes_lintian_pedantic_without_a_tag() {
    let (deb, _) = ensure_built();
    let out = run(Command::new(require("lintian")).arg("--pedantic").arg(&deb));
    let stdout = String::from_utf8_lossy(&out.stdout);
    // No tag at all, pedantic ones included (overrides keep their reasons
    // in debian/lintian-overrides).
    let bad: Vec<&str> = stdout
        .lines()
        .filter(|l| {
            ["E:", "W:", "I:", "P:", "X:"]
                .iter()
                .any(|t| l.starts_with(t))
        })
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
fn rpm_passes_rpmlint_without_errors_or_warnings() {
    let (_, rpm) = ensure_built();
    let out = run(Command::new(require("rpmlint"))
        .arg("-c")
        .arg(repo_root().join("rpm/rpmlint.toml"))
        .arg(&rpm));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains(" 0 errors, 0 warnings"),
        "rpmlint {}: {}\n{stdout}\n{}",
        rpm.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn lint_configurations_cite_only_files_of_the_repository() {
    let root = repo_root();
    for file in ["rpm/rpmlint.toml", "debian/lintian-overrides"] {
        let text = fs::read_to_string(root.join(file)).unwrap();
        let comments = text
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix('#'))
            .collect::<Vec<_>>()
            .join(" ");
        for word in comments.split(|c: char| c.is_whitespace() || "(),;\"".contains(c)) {
            let word = word.trim_end_matches(['.', ':']);
            let cited = [".md", ".toml", ".rs", ".sh", ".spec"]
                .iter()
                .any(|ext| word.ends_with(ext));
            if cited && !word.starts_with('/') {
                assert!(
                    root.join(word).exists(),
                    "{file} cites {word}, which is not in the repository"
                );
            }
        }
    }
}

#[test]
fn logrotate_rotates_the_shim_log_as_shipped() {
    let shipped =
        fs::read_to_string(repo_root().join("etc/logrotate.d/container-hooks-toolkit")).unwrap();
    // The log the shim writes by default.
    assert!(
        shipped.contains(&format!(
            "{} {{",
            container_hooks_core::config::Config::default()
                .runtime
                .debug
                .display()
        )),
        "{shipped}"
    );
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("container-hooks-runtime.log");
    let conf = dir.path().join("logrotate.conf");
    fs::write(
        &conf,
        shipped.replace(
            "/var/log/container-hooks-runtime.log",
            &log.display().to_string(),
        ),
    )
    .unwrap();
    fs::write(&log, "{\"level\":\"info\"}\n").unwrap();
    let state = dir.path().join("state");
    let out = run(Command::new(require("logrotate"))
        .arg("--verbose")
        .arg("--force")
        .arg("--state")
        .arg(&state)
        .arg(&conf));
    assert!(out.status.success(), "{out:?}");
    // Renamed, not copied; no empty file made in its place (the shim
    // creates it with its own mode at the next line); compressed one
    // rotation later.
    assert!(!log.exists(), "{out:?}");
    assert_eq!(
        fs::read_to_string(dir.path().join("container-hooks-runtime.log.1")).unwrap(),
        "{\"level\":\"info\"}\n"
    );
    fs::write(&log, "second\n").unwrap();
    run_ok(
        Command::new("logrotate")
            .arg("--force")
            .arg("--state")
            .arg(&state)
            .arg(&conf),
    );
    assert!(dir
        .path()
        .join("container-hooks-runtime.log.2.gz")
        .is_file());
    assert!(dir.path().join("container-hooks-runtime.log.1").is_file());
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
        "triggered",
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
        (
            "debian/postinst",
            vec!["triggered", "/usr/sbin/dockerd /usr/bin/containerd"],
            Some(configure),
        ),
        ("rpm/post", vec!["1"], Some(configure)),
        ("rpm/post", vec!["2"], Some(configure)),
        // %triggerin runs rpm/post with the counts of both packages.
        ("rpm/post", vec!["1", "1"], Some(configure)),
        ("rpm/post", vec!["2", "2"], Some(configure)),
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

#[test]
fn repositories_are_signed_with_the_key_given_by_path() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("signing-key.asc");
    let first = dir.path().join("first");
    let repo = dir.path().join("repo");
    signed_repos(&first, &key, "https://example.invalid/cht");
    // The same key, given by path, signs the next publication.
    signed_repos(&repo, &key, "https://example.invalid/cht");
    let keyring = repo.join(format!("{NAME}.gpg"));
    assert_eq!(
        fs::read(&keyring).unwrap(),
        fs::read(first.join(format!("{NAME}.gpg"))).unwrap()
    );
    // APT: InRelease and Release.gpg verify with the published keyring
    // alone, and Release names the Packages index by SHA256.
    let suite = repo.join("apt/dists/stable");
    run_ok(
        Command::new(require("gpgv"))
            .arg("--keyring")
            .arg(&keyring)
            .arg(suite.join("InRelease")),
    );
    run_ok(
        Command::new("gpgv")
            .arg("--keyring")
            .arg(&keyring)
            .arg(suite.join("Release.gpg"))
            .arg(suite.join("Release")),
    );
    let release = fs::read_to_string(suite.join("Release")).unwrap();
    for field in [
        "Suite: stable",
        "Components: main",
        "Architectures: amd64",
        "SHA256:",
    ] {
        assert!(release.contains(field), "{release}");
    }
    assert!(!release.contains("MD5Sum:"), "{release}");
    let packages = fs::read_to_string(suite.join("main/binary-amd64/Packages")).unwrap();
    assert!(
        packages.contains(&format!("Package: {NAME}\n"))
            && packages.contains("Filename: pool/main/c/container-hooks-toolkit/"),
        "{packages}"
    );
    // RPM: repomd.xml.asc verifies, and so does each package's signature,
    // against the armored key dnf is pointed at.
    run_ok(
        Command::new("gpgv")
            .arg("--keyring")
            .arg(&keyring)
            .arg(repo.join("rpm/repodata/repomd.xml.asc"))
            .arg(repo.join("rpm/repodata/repomd.xml")),
    );
    let db = dir.path().join("rpmdb");
    fs::create_dir(&db).unwrap();
    let rpmkeys = |args: &[&std::ffi::OsStr]| {
        run(Command::new(require("rpmkeys"))
            .arg("--dbpath")
            .arg(&db)
            .args(args))
    };
    let out = rpmkeys(&[
        "--import".as_ref(),
        repo.join(format!("{NAME}.asc")).as_os_str(),
    ]);
    assert!(out.status.success(), "{out:?}");
    let rpm = fs::read_dir(repo.join("rpm/Packages"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .next()
        .unwrap();
    let out = rpmkeys(&[
        "--define".as_ref(),
        "_pkgverify_level all".as_ref(),
        "-K".as_ref(),
        rpm.as_os_str(),
    ]);
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("signatures OK"),
        "{out:?}"
    );
    // The package built into dist/ stays unsigned; the repository's copy is.
    let unsigned = run(Command::new("rpmkeys")
        .arg("--dbpath")
        .arg(&db)
        .args(["--define", "_pkgverify_level all", "-K"])
        .arg(integration_tests::packages::rpm_path()));
    assert!(!unsigned.status.success(), "{unsigned:?}");
    // The files the install section (README.md, docs/packages.md) tells
    // users to put in place.
    let sources = fs::read_to_string(repo.join(format!("{NAME}.sources"))).unwrap();
    assert!(
        sources.contains("URIs: https://example.invalid/cht/apt\n")
            && sources.contains("Signed-By: /usr/share/keyrings/container-hooks-toolkit.gpg\n"),
        "{sources}"
    );
    let dotrepo = fs::read_to_string(repo.join(format!("{NAME}.repo"))).unwrap();
    for line in [
        "baseurl=https://example.invalid/cht/rpm",
        "gpgcheck=1",
        "repo_gpgcheck=1",
        "gpgkey=https://example.invalid/cht/container-hooks-toolkit.asc",
    ] {
        assert!(dotrepo.lines().any(|l| l == line), "{dotrepo}");
    }
}

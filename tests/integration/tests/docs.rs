//! The documentation as a reader meets it: a README that fits on one
//! screen and starts from the repository, sends the reader to every guide
//! in docs/, and links (between files and to headings) that lead
//! somewhere.

use integration_tests::repo_root;
use std::fs;
use std::path::{Path, PathBuf};

/// The Markdown files of the repository a reader follows links through.
fn documents() -> Vec<PathBuf> {
    let root = repo_root();
    let mut docs: Vec<PathBuf> = fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    assert!(docs.len() >= 5, "docs/ has {docs:?}");
    for file in [
        "README.md",
        "BENCHMARKS.md",
        "RELIABILITY.md",
        "deploy/kubernetes/README.md",
        "tests/fixtures/README.md",
    ] {
        docs.push(root.join(file));
    }
    docs
}

/// The targets of the inline links `[text](target)` of `text`, outside
/// code blocks.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let mut rest = line;
        while let Some(i) = rest.find("](") {
            rest = &rest[i + 2..];
            if let Some(end) = rest.find(')') {
                out.push(rest[..end].to_string());
                rest = &rest[end..];
            }
        }
    }
    out
}

/// The anchors GitHub gives the headings of `text`: lower-cased, without
/// punctuation, spaces made hyphens.
fn anchors(text: &str) -> Vec<String> {
    let mut fenced = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        }
        if fenced || !line.starts_with('#') {
            continue;
        }
        let title = line.trim_start_matches('#').trim();
        let slug: String = title
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        out.push(slug);
    }
    out
}

fn rel(path: &Path) -> String {
    path.strip_prefix(repo_root())
        .unwrap()
        .display()
        .to_string()
}

#[test]
fn every_relative_link_and_anchor_leads_somewhere() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for doc in documents() {
        let text = fs::read_to_string(&doc).unwrap();
        for link in links(&text) {
            if link.starts_with("http://") || link.starts_with("https://") {
                continue;
            }
            let (file, anchor) = match link.split_once('#') {
                Some((file, anchor)) => (file, Some(anchor)),
                None => (link.as_str(), None),
            };
            let target = if file.is_empty() {
                doc.clone()
            } else {
                doc.parent().unwrap().join(file)
            };
            checked += 1;
            if !target.exists() {
                broken.push(format!("{}: {link}: no such file", rel(&doc)));
                continue;
            }
            if let Some(anchor) = anchor {
                let text = fs::read_to_string(&target).unwrap();
                if !anchors(&text).iter().any(|a| a == anchor) {
                    broken.push(format!("{}: {link}: no such heading", rel(&doc)));
                }
            }
        }
    }
    assert!(checked > 20, "only {checked} links found");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn readme_is_one_screen_that_sends_the_reader_to_every_guide() {
    let readme = fs::read_to_string(repo_root().join("README.md")).unwrap();
    let lines = readme.lines().count();
    assert!(lines <= 90, "README.md has {lines} lines");
    let headings: Vec<&str> = readme.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(
        headings,
        ["## Install", "## Quick start", "## Tests", "## Reference"]
    );
    let linked = links(&readme);
    for doc in documents() {
        let name = rel(&doc);
        if name.starts_with("docs/") {
            assert!(linked.contains(&name), "README.md does not link {name}");
        }
    }
    // The reference pages are named as man(1) finds them.
    for page in fs::read_dir(repo_root().join("man")).unwrap() {
        let page = page.unwrap().file_name().into_string().unwrap();
        let (name, section) = page.rsplit_once('.').unwrap();
        if section == "5" || !name.contains("-ctk-") {
            assert!(
                readme.contains(&format!("`{name}({section})`")),
                "README.md does not name {name}({section})"
            );
        }
    }
}

#[test]
fn readme_installs_by_name_from_the_signed_repository_and_names_the_test_command() {
    let readme = fs::read_to_string(repo_root().join("README.md")).unwrap();
    let install = readme
        .split("## Install")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .unwrap();
    for step in [
        "/usr/share/keyrings/container-hooks-toolkit.gpg",
        "/etc/apt/sources.list.d/container-hooks-toolkit.sources",
        "apt install container-hooks-toolkit",
    ] {
        assert!(install.contains(step), "the install section lacks {step}");
    }
    let packages = fs::read_to_string(repo_root().join("docs/packages.md")).unwrap();
    for line in [
        "Signed-By: /usr/share/keyrings/container-hooks-toolkit.gpg",
        "gpgcheck=1",
        "repo_gpgcheck=1",
        "dnf install container-hooks-toolkit",
    ] {
        assert!(packages.contains(line), "docs/packages.md lacks {line}");
    }
    // CI runs exactly the command the README gives.
    assert!(readme.contains("```sh\n./ci/test.sh\n```"), "{readme}");
    let ci = fs::read_to_string(repo_root().join(".ci/run")).unwrap();
    assert!(ci.contains("exec bash ci/test.sh"), "{ci}");
}

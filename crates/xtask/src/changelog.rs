//! `debian/changelog`, the one changelog of the project: the .deb ships it,
//! the .rpm gets it in rpm's form, and its newest entry gives the man
//! pages their date and the packages their release.

use anyhow::{bail, Context, Result};
use std::fs;
use std::path::Path;

/// One entry of a Debian changelog.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// `0.1.0-1`.
    pub version: String,
    /// `Name <mail>`.
    pub maintainer: String,
    /// Weekday, day, month name and year: `["Sat", "28", "Nov", "2026"]`.
    pub day: [String; 4],
    /// The changes, each one item (continuation lines joined).
    pub changes: Vec<String>,
}

impl Entry {
    /// The upstream version: `0.1.0` of `0.1.0-1`.
    pub fn upstream(&self) -> &str {
        self.version
            .rsplit_once('-')
            .map_or(self.version.as_str(), |(u, _)| u)
    }

    /// The Debian revision: `1` of `0.1.0-1`.
    pub fn revision(&self) -> &str {
        self.version.rsplit_once('-').map_or("1", |(_, r)| r)
    }

    /// The date as `YYYY-MM-DD`.
    pub fn iso_date(&self) -> Result<String> {
        let months = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let month = months
            .iter()
            .position(|m| *m == self.day[2])
            .with_context(|| format!("{}: no month {:?}", self.version, self.day[2]))?;
        let day: u32 = self.day[1]
            .parse()
            .with_context(|| format!("{}: no day {:?}", self.version, self.day[1]))?;
        Ok(format!("{}-{:02}-{day:02}", self.day[3], month + 1))
    }

    /// The entry in rpm's `%changelog` form.
    pub fn to_rpm(&self) -> String {
        let [weekday, day, month, year] = &self.day;
        let mut out = format!(
            "* {weekday} {month} {day} {year} {} - {}\n",
            self.maintainer, self.version
        );
        for change in &self.changes {
            out.push_str(&format!("- {change}\n"));
        }
        out
    }
}

/// Reads `debian/changelog` under `root`; the newest entry first, and it
/// must be for `version`.
pub fn load(root: &Path, version: &str) -> Result<Vec<Entry>> {
    let path = root.join("debian/changelog");
    let text =
        fs::read_to_string(&path).with_context(|| format!("{}: cannot read", path.display()))?;
    let entries = parse(&text).with_context(|| format!("{}", path.display()))?;
    match entries.first() {
        Some(e) if e.upstream() == version => Ok(entries),
        Some(e) => bail!(
            "{}: the newest entry is for {}, the workspace is at {version}; add an entry for {version}",
            path.display(),
            e.version
        ),
        None => bail!("{}: no entry", path.display()),
    }
}

/// The entries of a Debian changelog, newest first.
pub fn parse(text: &str) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    let mut current: Option<(String, Vec<String>)> = None;
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            let version = line
                .split_once('(')
                .and_then(|(_, r)| r.split_once(')'))
                .map(|(v, _)| v.to_string())
                .with_context(|| format!("line {}: no version in {line:?}", n + 1))?;
            current = Some((version, Vec::new()));
        } else if let Some(trailer) = line.strip_prefix(" -- ") {
            let (version, changes) = current
                .take()
                .with_context(|| format!("line {}: a trailer without an entry", n + 1))?;
            let (maintainer, when) = trailer
                .split_once(">  ")
                .with_context(|| format!("line {}: no date in {line:?}", n + 1))?;
            let words: Vec<String> = when
                .split_whitespace()
                .take(4)
                .map(|w| w.trim_end_matches(',').to_string())
                .collect();
            let day: [String; 4] = words
                .try_into()
                .map_err(|_| anyhow::anyhow!("line {}: no date in {line:?}", n + 1))?;
            entries.push(Entry {
                version,
                maintainer: format!("{maintainer}>"),
                day,
                changes,
            });
        } else if let Some((_, changes)) = current.as_mut() {
            let t = line.trim();
            match t.strip_prefix("* ") {
                Some(item) => changes.push(item.to_string()),
                None => match changes.last_mut() {
                    Some(last) => {
                        last.push(' ');
                        last.push_str(t);
                    }
                    None => changes.push(t.to_string()),
                },
            }
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "pkg (1.2.3-2) unstable; urgency=medium

  * Second: a change that goes on
    over two lines.
  * Another.

 -- A B <a@b.invalid>  Sat, 28 Nov 2026 12:00:00 +0000

pkg (1.2.3-1) unstable; urgency=medium

  * First.

 -- A B <a@b.invalid>  Mon, 02 Nov 2026 09:00:00 +0000
";

    #[test]
    fn entries_parse_newest_first() {
        let e = parse(TEXT).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].version, "1.2.3-2");
        assert_eq!(e[0].upstream(), "1.2.3");
        assert_eq!(e[0].revision(), "2");
        assert_eq!(e[0].iso_date().unwrap(), "2026-11-28");
        assert_eq!(
            e[0].changes,
            ["Second: a change that goes on over two lines.", "Another."]
        );
        assert_eq!(e[1].iso_date().unwrap(), "2026-11-02");
    }

    #[test]
    fn rpm_form_has_the_date_the_maintainer_and_the_version() {
        let e = parse(TEXT).unwrap();
        assert_eq!(
            e[1].to_rpm(),
            "* Mon Nov 02 2026 A B <a@b.invalid> - 1.2.3-1\n- First.\n"
        );
    }
}

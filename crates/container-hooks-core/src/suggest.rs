//! "Did you mean ...?": the known name nearest to a misspelled one.
//!
//! Names are compared without regard to ASCII case, by the number of
//! single-character edits (insert, delete, replace, or swap two neighbours)
//! between them. A name is suggested when it is within a third of the
//! longer name's length (at least one edit) and nearer than any other;
//! the first of equally near names wins.

/// The name among `known` nearest to `word`, if one is near enough.
pub fn nearest<'k>(word: &str, known: impl IntoIterator<Item = &'k str>) -> Option<&'k str> {
    let word: Vec<char> = word.chars().map(|c| c.to_ascii_lowercase()).collect();
    let mut best: Option<(usize, &'k str)> = None;
    for name in known {
        let candidate: Vec<char> = name.chars().map(|c| c.to_ascii_lowercase()).collect();
        let limit = (word.len().max(candidate.len()) / 3).max(1);
        let d = distance(&word, &candidate);
        if d <= limit && best.map_or(true, |(b, _)| d < b) {
            best = Some((d, name));
        }
    }
    best.map(|(_, name)| name)
}

/// The edit distance where swapping two neighbouring characters is one
/// edit (optimal string alignment).
fn distance(a: &[char], b: &[char]) -> usize {
    // Three rows of the table: two back, one back, this one.
    let width = b.len() + 1;
    let mut before: Vec<usize> = vec![0; width];
    let mut last: Vec<usize> = (0..width).collect();
    let mut row: Vec<usize> = vec![0; width];
    for (i, &ca) in a.iter().enumerate() {
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let mut d = (last[j] + cost).min(last[j + 1] + 1).min(row[j] + 1);
            if i > 0 && j > 0 && a.get(i - 1) == Some(&cb) && b.get(j - 1) == Some(&ca) {
                d = d.min(before[j - 1] + 1);
            }
            row[j + 1] = d;
        }
        std::mem::swap(&mut before, &mut last);
        std::mem::swap(&mut last, &mut row);
    }
    last[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::hook::Stage;

    fn stages() -> [&'static str; 6] {
        Stage::ALL.map(Stage::as_str)
    }

    #[test]
    fn swapped_missing_and_miscased_letters_are_near() {
        assert_eq!(nearest("poststrat", stages()), Some("poststart"));
        assert_eq!(nearest("preStart", stages()), Some("prestart"));
        assert_eq!(nearest("createruntime", stages()), Some("createRuntime"));
        assert_eq!(nearest("post-stop", stages()), Some("poststop"));
        assert_eq!(nearest("createContainr", stages()), Some("createContainer"));
        assert_eq!(
            nearest("timout", ["path", "args", "env", "timeout"]),
            Some("timeout")
        );
        assert_eq!(
            nearest("arg", ["path", "args", "env", "timeout"]),
            Some("args")
        );
    }

    #[test]
    fn far_names_get_no_suggestion() {
        assert_eq!(nearest("precreate", stages()), None);
        assert_eq!(nearest("does-not-exist", stages()), None);
        assert_eq!(nearest("start", stages()), None);
        assert_eq!(nearest("", stages()), None);
        assert_eq!(nearest("x", ["path", "env"]), None);
    }

    #[test]
    fn distance_counts_a_swap_as_one_edit() {
        let d = |a: &str, b: &str| {
            distance(
                &a.chars().collect::<Vec<_>>(),
                &b.chars().collect::<Vec<_>>(),
            )
        };
        assert_eq!(d("ab", "ba"), 1);
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("", "abc"), 3);
        assert_eq!(d("abc", ""), 3);
        assert_eq!(d("same", "same"), 0);
    }
}

//! Object keys as Go's `encoding/json` matches them to struct fields.
//!
//! runc, containerd, Podman and CRI-O read config.json and hook files with
//! Go's decoder. It gives each key of an object to the struct field of
//! exactly that name, or else to the field whose name is equal under
//! Unicode simple case folding (`bytes.EqualFold`). So `"Hooks"`,
//! `"HOOKS"` and `"hooKs"` (with U+212A KELVIN SIGN) all set the field
//! `hooks`, and `"ſtages"` (U+017F LATIN SMALL LETTER LONG S) sets
//! `stages`. Every key that matches a field is decoded into it, in document
//! order; a later key overrides or merges into what an earlier one set.
//!
//! The field names this project reads are ASCII. The only non-ASCII
//! characters whose fold set holds an ASCII letter are U+212A (with `k`
//! and `K`) and U+017F (with `s` and `S`), so matching a key against an
//! ASCII field name needs no Unicode tables.

/// Whether Go's decoder gives the object key `key` to the struct field
/// named `field` (an ASCII name): the same text, or equal under simple
/// case folding.
pub fn matches(field: &str, key: &str) -> bool {
    if field.len() == key.len() && field.eq_ignore_ascii_case(key) {
        return true;
    }
    let mut fields = field.bytes();
    for c in key.chars() {
        let Some(f) = fields.next() else {
            return false;
        };
        if !char_folds_to(c, f) {
            return false;
        }
    }
    fields.next().is_none()
}

/// Whether the key character `c` is in the fold set of the ASCII byte `f`.
fn char_folds_to(c: char, f: u8) -> bool {
    match c {
        '\u{212A}' => f.eq_ignore_ascii_case(&b'k'),
        '\u{017F}' => f.eq_ignore_ascii_case(&b's'),
        _ => c.is_ascii() && (c as u8).eq_ignore_ascii_case(&f),
    }
}

/// The field among `fields` that Go's decoder gives `key` to: the one of
/// exactly that name, else the first equal under case folding (Go's
/// decoder takes the first field in declaration order).
pub fn field_for<'f>(fields: &[&'f str], key: &str) -> Option<&'f str> {
    fields
        .iter()
        .find(|f| **f == key)
        .or_else(|| fields.iter().find(|f| matches(f, key)))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_case_is_folded() {
        assert!(matches("hooks", "hooks"));
        assert!(matches("hooks", "Hooks"));
        assert!(matches("hooks", "HOOKS"));
        assert!(matches("createRuntime", "createruntime"));
        assert!(!matches("hooks", "hook"));
        assert!(!matches("hooks", "hooks "));
        assert!(!matches("has_bind", "has-bind"));
    }

    #[test]
    fn kelvin_sign_and_long_s_fold_as_in_go() {
        assert!(matches("hook", "hoo\u{212A}"));
        assert!(matches("hook", "HOO\u{212A}"));
        assert!(matches("stages", "\u{017F}tages"));
        assert!(matches("stages", "STAGE\u{017F}"));
        assert!(!matches("hooks", "hoo\u{212A}\u{212A}"));
    }

    #[test]
    fn other_non_ascii_letters_do_not_fold_to_ascii() {
        // U+0130 LATIN CAPITAL LETTER I WITH DOT ABOVE has no simple fold
        // with `i`; U+0131 DOTLESS I none with `I`.
        assert!(!matches("if", "\u{0130}f"));
        assert!(!matches("if", "\u{0131}f"));
        assert!(!matches("args", "\u{0430}rgs")); // Cyrillic a
    }

    #[test]
    fn exact_name_is_preferred() {
        assert_eq!(field_for(&["cmd", "cmds"], "cmds"), Some("cmds"));
        assert_eq!(field_for(&["a", "A"], "A"), Some("A"));
        assert_eq!(field_for(&["a", "b"], "A"), Some("a"));
        assert_eq!(field_for(&["a", "b"], "c"), None);
    }
}

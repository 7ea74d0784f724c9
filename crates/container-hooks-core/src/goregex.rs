//! Regular expressions as Go's `regexp.Compile` reads them.
//!
//! Podman and CRI-O match `when` conditions with Go's `regexp` package:
//! RE2 syntax with Perl extensions (`regexp/syntax` with the `Perl`
//! flags). Rust's `regex` crate speaks a close dialect that differs in
//! places a hook file can reach: `\<` and `\>` are literal `<` and `>` in
//! Go and word boundaries in Rust; `\Q...\E` and octal escapes (`\141`)
//! exist only in Go; `\d`, `\w`, `\s` and `\b` are ASCII-only in Go;
//! `[a[b]` is a class holding `[` in Go and a nested class in Rust; Go
//! refuses `a**`, `x{1001}` and `\p{greek}` (before Go 1.25), and Rust
//! accepts names and flags Go does not know.
//!
//! So a pattern is parsed here with Go's rules, into a tree of our own,
//! and that tree is compiled with the `regex` crate's engine (through
//! [`regex_syntax::hir::Hir`], never through Rust's pattern syntax). A
//! pattern Go accepts means the same here; a pattern Go refuses is refused
//! with Go's reason and the position. The rules follow Go 1.25:
//!
//! - flags `i`, `m`, `s`, `U` in `(?flags)` and `(?flags:re)`, `-` to
//!   clear; a flag holds to the end of the enclosing group;
//! - `^` and `$` match at the ends of the text (of lines with `m`); `.`
//!   matches any character but `\n` (any with `s`);
//! - `\d \s \w \b` and POSIX classes `[[:alpha:]]` are ASCII; `\s` is
//!   `[\t\n\f\r ]`;
//! - `\pN`, `\p{Name}`, `\PN`, `\p{^Name}`: Go's general categories, its
//!   scripts (Unicode 15.0), `Any`, `ASCII`, `Assigned`, `LC` and the long
//!   category names (`\p{Letter}`), matched ignoring case, `_`, `-` and
//!   spaces;
//! - escapes: punctuation stands for itself (`\<`, `\_`), `\a \f \t \n \r
//!   \v`, octal `\0`..`\777` (a single digit 1-7 is a back reference, not
//!   supported), `\xHH`, `\x{H...}`, `\Q...\E`, `\A`, `\z`;
//! - a repetition count is at most 1000, and so is the product of nested
//!   counts; two repetition operators in a row (`a**`, `a+*`) are refused;
//!   `{` that does not start a valid count is a literal;
//! - named groups `(?P<name>re)` and `(?<name>re)` with names of
//!   `[A-Za-z0-9_]`; a tree deeper than 1000 is refused.
//!
//! Where this differs from Go, deliberately: Unicode tables are those of
//! the `regex` crate (a code point assigned after Unicode 15.0 may belong
//! to a category here and to none in Go); and a pattern whose compiled
//! form would exceed [`NFA_SIZE_LIMIT`] is refused (Go allows about 3.3
//! million instructions, so `\pL{1000}` is fine there and refused here).

use regex_automata::meta;
use regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, Hir, Look, Repetition};
use std::fmt;

/// The largest count of one repetition, and of nested counts multiplied.
pub const MAX_REPEAT: u32 = 1000;
/// The deepest parse tree Go accepts.
pub const MAX_HEIGHT: u32 = 1000;
/// The largest compiled program (Thompson NFA) a pattern may make.
pub const NFA_SIZE_LIMIT: usize = 1 << 20;
/// The largest lazy DFA cache a pattern may use while matching.
pub const DFA_CACHE_LIMIT: usize = 2 << 20;
/// Patterns whose estimated size is at most this are compiled when first
/// needed; larger ones are compiled when read, so that a pattern over
/// [`NFA_SIZE_LIMIT`] is refused when its file is read. The estimate is
/// far above what a pattern this size compiles to (tens of bytes a unit).
const DEFER_COMPILE_WEIGHT: u64 = 4000;

/// Why Go refuses a pattern: its error code, the offending text, and
/// where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: ErrorCode,
    /// The part of the pattern Go names in its message.
    pub expr: String,
    /// 1-based character position of the fault in the pattern.
    pub position: usize,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: `{}` at character {}",
            self.code.as_str(),
            self.expr,
            self.position
        )
    }
}

impl std::error::Error for Error {}

/// Go's `regexp/syntax` error codes that a pattern from a hook file can
/// meet (the input is always valid UTF-8 here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidCharRange,
    InvalidEscape,
    InvalidNamedCapture,
    InvalidPerlOp,
    InvalidRepeatOp,
    InvalidRepeatSize,
    MissingBracket,
    MissingParen,
    MissingRepeatArgument,
    TrailingBackslash,
    UnexpectedParen,
    NestingDepth,
}

impl ErrorCode {
    /// The text Go uses for the code.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidCharRange => "invalid character class range",
            ErrorCode::InvalidEscape => "invalid escape sequence",
            ErrorCode::InvalidNamedCapture => "invalid named capture",
            ErrorCode::InvalidPerlOp => "invalid or unsupported Perl syntax",
            ErrorCode::InvalidRepeatOp => "invalid nested repetition operator",
            ErrorCode::InvalidRepeatSize => "invalid repeat count",
            ErrorCode::MissingBracket => "missing closing ]",
            ErrorCode::MissingParen => "missing closing )",
            ErrorCode::MissingRepeatArgument => "missing argument to repetition operator",
            ErrorCode::TrailingBackslash => "trailing backslash at end of expression",
            ErrorCode::UnexpectedParen => "unexpected )",
            ErrorCode::NestingDepth => "expression nests too deeply",
        }
    }
}

/// A pattern parsed with Go's rules.
#[derive(Debug, Clone)]
pub struct GoRegex {
    node: Node,
}

/// A pattern that is a plain string, and where it must be found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plain {
    /// `^text$`: the whole text.
    Whole(String),
    /// `^text`.
    Prefix(String),
    /// `text$`.
    Suffix(String),
    /// `text`: anywhere.
    Anywhere(String),
}

impl Plain {
    pub fn is_match(&self, text: &str) -> bool {
        match self {
            Plain::Whole(l) => text == l,
            Plain::Prefix(l) => text.starts_with(l.as_str()),
            Plain::Suffix(l) => text.ends_with(l.as_str()),
            Plain::Anywhere(l) => text.contains(l.as_str()),
        }
    }
}

impl GoRegex {
    /// Parses `pattern` as `regexp.Compile` does.
    pub fn parse(pattern: &str) -> Result<GoRegex, Error> {
        Parser::new(pattern).parse().map(|node| GoRegex { node })
    }

    /// The string this pattern stands for, when it is one: literal
    /// characters (escapes and `\Q...\E` included, no case folding that
    /// changes anything) between an optional `^` and an optional `$`.
    pub fn plain(&self) -> Option<Plain> {
        let mut atoms = Vec::new();
        flatten(&self.node, &mut atoms)?;
        let start = matches!(atoms.first(), Some(Atom::Start));
        if start {
            atoms.remove(0);
        }
        let end = matches!(atoms.last(), Some(Atom::End));
        if end {
            atoms.pop();
        }
        let mut text = String::new();
        for atom in atoms {
            match atom {
                Atom::Char(c) => text.push(c),
                Atom::Start | Atom::End => return None,
            }
        }
        Some(match (start, end) {
            (true, true) => Plain::Whole(text),
            (true, false) => Plain::Prefix(text),
            (false, true) => Plain::Suffix(text),
            (false, false) => Plain::Anywhere(text),
        })
    }

    /// Whether the pattern matches every text: it can match the empty
    /// string without any assertion (`.*`, `a*`, the empty pattern), and
    /// an unanchored search finds that empty match at the start.
    pub fn matches_everything(&self) -> bool {
        nullable(&self.node)
    }

    /// Whether the compiled form is small enough to compile only when a
    /// match needs it (it cannot then exceed the size limit).
    pub fn is_small(&self) -> bool {
        weight(&self.node) <= DEFER_COMPILE_WEIGHT
    }

    /// The pattern as the `regex` crate's syntax tree.
    pub fn to_hir(&self) -> Hir {
        to_hir(&self.node)
    }

    /// Compiles the pattern for unanchored searches. Fails only when the
    /// compiled form would exceed [`NFA_SIZE_LIMIT`].
    pub fn compile(&self) -> Result<meta::Regex, String> {
        let config = meta::Config::new()
            .nfa_size_limit(Some(NFA_SIZE_LIMIT))
            .hybrid_cache_capacity(DFA_CACHE_LIMIT)
            // Texts are short (a command, an annotation): building a one-pass
            // or full DFA costs more than it saves.
            .onepass(false)
            .dfa(false);
        meta::Builder::new()
            .configure(config)
            .build_from_hir(&self.to_hir())
            .map_err(|e| match e.size_limit() {
                Some(limit) => format!(
                    "compiled regex exceeds the size limit of {limit} bytes (Go's regexp allows larger ones; this tool bounds them)"
                ),
                None => e.to_string().replace('\n', " "),
            })
    }
}

// ---- the tree ----

/// A parsed pattern. Classes are resolved (case folding applied), so the
/// tree means the same whatever flags were in force.
#[derive(Debug, Clone)]
enum Node {
    Empty,
    /// One character, matched case-insensitively when `fold`.
    Literal {
        c: char,
        fold: bool,
    },
    Class(ClassUnicode),
    Look(Look),
    /// A capturing group: matching needs no captures, but Go counts the
    /// group in the tree's height.
    Capture(Box<Node>, u32),
    Repeat {
        min: u32,
        max: Option<u32>,
        /// `{n,m}` as written (Go checks counts only for these).
        counted: bool,
        sub: Box<Node>,
        height: u32,
    },
    Concat(Vec<Node>, u32),
    Alternate(Vec<Node>, u32),
}

fn height(node: &Node) -> u32 {
    match node {
        Node::Capture(_, h)
        | Node::Repeat { height: h, .. }
        | Node::Concat(_, h)
        | Node::Alternate(_, h) => *h,
        _ => 1,
    }
}

/// Whether Go would hold the node as (part of) a one-character class:
/// adjacent ones in an alternation are merged into one class.
fn is_char_class(node: &Node) -> bool {
    matches!(node, Node::Literal { .. } | Node::Class(_))
}

/// The height Go gives a concatenation: adjacent literals of the same
/// case folding are one string node.
fn concat_height(subs: &[Node]) -> u32 {
    let mut units = 0;
    let mut max = 0;
    let mut last_fold: Option<bool> = None;
    for sub in subs {
        if let Node::Literal { fold, .. } = sub {
            if last_fold == Some(*fold) {
                continue;
            }
            last_fold = Some(*fold);
        } else {
            last_fold = None;
        }
        units += 1;
        max = max.max(height(sub));
    }
    if units == 1 {
        max
    } else {
        max + 1
    }
}

/// The height Go gives an alternation: adjacent one-character branches
/// are one class.
fn alternate_height(subs: &[Node]) -> u32 {
    let mut units = 0;
    let mut max = 0;
    let mut last_class = false;
    for sub in subs {
        let class = is_char_class(sub);
        if !(class && last_class) {
            units += 1;
        }
        last_class = class;
        max = max.max(height(sub));
    }
    if units == 1 {
        max
    } else {
        max + 1
    }
}

enum Atom {
    Start,
    End,
    Char(char),
}

fn flatten(node: &Node, out: &mut Vec<Atom>) -> Option<()> {
    match node {
        Node::Empty => {}
        Node::Literal { c, fold } => {
            if *fold && fold_class(*c).ranges() != [ClassUnicodeRange::new(*c, *c)] {
                return None;
            }
            out.push(Atom::Char(*c));
        }
        Node::Look(Look::Start) => out.push(Atom::Start),
        Node::Look(Look::End) => out.push(Atom::End),
        Node::Capture(sub, _) => flatten(sub, out)?,
        Node::Concat(subs, _) => {
            for sub in subs {
                flatten(sub, out)?;
            }
        }
        _ => return None,
    }
    Some(())
}

fn nullable(node: &Node) -> bool {
    match node {
        Node::Empty => true,
        Node::Literal { .. } | Node::Class(_) | Node::Look(_) => false,
        Node::Capture(sub, _) => nullable(sub),
        Node::Repeat { min, sub, .. } => *min == 0 || nullable(sub),
        Node::Concat(subs, _) => subs.iter().all(nullable),
        Node::Alternate(subs, _) => subs.iter().any(nullable),
    }
}

/// A rough upper bound of the compiled size, in units of a few dozen
/// bytes.
fn weight(node: &Node) -> u64 {
    match node {
        Node::Empty | Node::Look(_) => 1,
        Node::Literal { fold, .. } => {
            if *fold {
                4
            } else {
                2
            }
        }
        Node::Class(c) => {
            1 + c
                .ranges()
                .iter()
                .map(|r| if r.end() <= '\x7f' { 1 } else { 16 })
                .sum::<u64>()
        }
        Node::Capture(sub, _) => 2 + weight(sub),
        Node::Repeat { min, max, sub, .. } => {
            let copies = u64::from(max.unwrap_or(*min).max(*min).max(1));
            weight(sub).saturating_mul(copies).saturating_add(2)
        }
        Node::Concat(subs, _) | Node::Alternate(subs, _) => subs
            .iter()
            .fold(subs.len() as u64, |a, s| a.saturating_add(weight(s))),
    }
}

fn to_hir(node: &Node) -> Hir {
    match node {
        Node::Empty => Hir::empty(),
        Node::Literal { c, fold: false } => {
            let mut buf = [0u8; 4];
            Hir::literal(c.encode_utf8(&mut buf).as_bytes())
        }
        Node::Literal { c, fold: true } => Hir::class(Class::Unicode(fold_class(*c))),
        Node::Class(c) => Hir::class(Class::Unicode(c.clone())),
        Node::Look(l) => Hir::look(*l),
        Node::Capture(sub, _) => to_hir(sub),
        Node::Repeat { min, max, sub, .. } => Hir::repetition(Repetition {
            min: *min,
            max: *max,
            greedy: true,
            sub: Box::new(to_hir(sub)),
        }),
        Node::Concat(subs, _) => Hir::concat(subs.iter().map(to_hir).collect()),
        Node::Alternate(subs, _) => Hir::alternation(subs.iter().map(to_hir).collect()),
    }
}

/// Whether the repetition's counts, multiplied with those nested in it,
/// stay within `n` copies of the innermost thing (Go's `repeatIsValid`).
fn repeat_is_valid(node: &Node, mut n: u32) -> bool {
    if let Node::Repeat {
        min, max, counted, ..
    } = node
    {
        if *counted {
            let m = match max {
                Some(0) => return true,
                Some(m) => *m,
                None => *min,
            };
            if m > n {
                return false;
            }
            if let Some(q) = n.checked_div(m) {
                n = q;
            }
        }
    }
    match node {
        Node::Capture(sub, _) | Node::Repeat { sub, .. } => repeat_is_valid(sub, n),
        Node::Concat(subs, _) | Node::Alternate(subs, _) => {
            subs.iter().all(|s| repeat_is_valid(s, n))
        }
        _ => true,
    }
}

// ---- character classes ----

/// A class of code point ranges; surrogates (which `\x{D800}` can name
/// and no text holds) are left out.
fn class_of(ranges: &[(u32, u32)]) -> ClassUnicode {
    let mut out = Vec::with_capacity(ranges.len() + 1);
    for &(lo, hi) in ranges {
        for (a, b) in [(lo, hi.min(0xD7FF)), (lo.max(0xE000), hi)] {
            if let (Some(a), Some(b)) = (char::from_u32(a), char::from_u32(b)) {
                if a <= b {
                    out.push(ClassUnicodeRange::new(a, b));
                }
            }
        }
    }
    ClassUnicode::new(out)
}

fn fold_class(c: char) -> ClassUnicode {
    let mut class = ClassUnicode::new([ClassUnicodeRange::new(c, c)]);
    class.case_fold_simple();
    class
}

/// A group such as `\d` or `[:alpha:]`, folded then negated as Go does.
fn group_class(ranges: &[(u32, u32)], negated: bool, fold: bool) -> ClassUnicode {
    let mut class = class_of(ranges);
    if fold {
        class.case_fold_simple();
    }
    if negated {
        class.negate();
    }
    class
}

const DIGIT: &[(u32, u32)] = &[(0x30, 0x39)];
const SPACE: &[(u32, u32)] = &[(0x09, 0x0A), (0x0C, 0x0D), (0x20, 0x20)];
const WORD: &[(u32, u32)] = &[(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)];

/// `\d \D \s \S \w \W`.
fn perl_group(c: u8) -> Option<(&'static [(u32, u32)], bool)> {
    Some(match c {
        b'd' => (DIGIT, false),
        b'D' => (DIGIT, true),
        b's' => (SPACE, false),
        b'S' => (SPACE, true),
        b'w' => (WORD, false),
        b'W' => (WORD, true),
        _ => return None,
    })
}

/// `[:name:]` and `[:^name:]`.
fn posix_group(name: &str) -> Option<(&'static [(u32, u32)], bool)> {
    let (negated, name) = match name.strip_prefix("[:^") {
        Some(rest) => (true, rest),
        None => (false, name.strip_prefix("[:")?),
    };
    let ranges: &'static [(u32, u32)] = match name.strip_suffix(":]")? {
        "alnum" => &[(0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)],
        "alpha" => &[(0x41, 0x5A), (0x61, 0x7A)],
        "ascii" => &[(0x00, 0x7F)],
        "blank" => &[(0x09, 0x09), (0x20, 0x20)],
        "cntrl" => &[(0x00, 0x1F), (0x7F, 0x7F)],
        "digit" => DIGIT,
        "graph" => &[(0x21, 0x7E)],
        "lower" => &[(0x61, 0x7A)],
        "print" => &[(0x20, 0x7E)],
        "punct" => &[(0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)],
        "space" => &[(0x09, 0x0D), (0x20, 0x20)],
        "upper" => &[(0x41, 0x5A)],
        "word" => WORD,
        "xdigit" => &[(0x30, 0x39), (0x41, 0x46), (0x61, 0x66)],
        _ => return None,
    };
    Some((ranges, negated))
}

/// Go's general categories (Go's `C` leaves out unassigned code points,
/// as its table always has).
const CATEGORIES: &[&str] = &[
    "C", "Cc", "Cf", "Cn", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn",
    "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm",
    "So", "Z", "Zl", "Zp", "Zs",
];

/// The long names of general categories (Unicode's
/// PropertyValueAliases), and the category each names.
const CATEGORY_ALIASES: &[(&str, &str)] = &[
    ("Other", "C"),
    ("Control", "Cc"),
    ("cntrl", "Cc"),
    ("Format", "Cf"),
    ("Unassigned", "Cn"),
    ("Private_Use", "Co"),
    ("Surrogate", "Cs"),
    ("Letter", "L"),
    ("Cased_Letter", "LC"),
    ("Lowercase_Letter", "Ll"),
    ("Modifier_Letter", "Lm"),
    ("Other_Letter", "Lo"),
    ("Titlecase_Letter", "Lt"),
    ("Uppercase_Letter", "Lu"),
    ("Mark", "M"),
    ("Combining_Mark", "M"),
    ("Spacing_Mark", "Mc"),
    ("Enclosing_Mark", "Me"),
    ("Nonspacing_Mark", "Mn"),
    ("Number", "N"),
    ("Decimal_Number", "Nd"),
    ("digit", "Nd"),
    ("Letter_Number", "Nl"),
    ("Other_Number", "No"),
    ("Punctuation", "P"),
    ("punct", "P"),
    ("Connector_Punctuation", "Pc"),
    ("Dash_Punctuation", "Pd"),
    ("Close_Punctuation", "Pe"),
    ("Final_Punctuation", "Pf"),
    ("Initial_Punctuation", "Pi"),
    ("Other_Punctuation", "Po"),
    ("Open_Punctuation", "Ps"),
    ("Symbol", "S"),
    ("Currency_Symbol", "Sc"),
    ("Modifier_Symbol", "Sk"),
    ("Math_Symbol", "Sm"),
    ("Other_Symbol", "So"),
    ("Separator", "Z"),
    ("Line_Separator", "Zl"),
    ("Paragraph_Separator", "Zp"),
    ("Space_Separator", "Zs"),
];

/// The scripts of Go's `unicode` package (Unicode 15.0).
const SCRIPTS: &[&str] = &[
    "Adlam",
    "Ahom",
    "Anatolian_Hieroglyphs",
    "Arabic",
    "Armenian",
    "Avestan",
    "Balinese",
    "Bamum",
    "Bassa_Vah",
    "Batak",
    "Bengali",
    "Bhaiksuki",
    "Bopomofo",
    "Brahmi",
    "Braille",
    "Buginese",
    "Buhid",
    "Canadian_Aboriginal",
    "Carian",
    "Caucasian_Albanian",
    "Chakma",
    "Cham",
    "Cherokee",
    "Chorasmian",
    "Common",
    "Coptic",
    "Cuneiform",
    "Cypriot",
    "Cypro_Minoan",
    "Cyrillic",
    "Deseret",
    "Devanagari",
    "Dives_Akuru",
    "Dogra",
    "Duployan",
    "Egyptian_Hieroglyphs",
    "Elbasan",
    "Elymaic",
    "Ethiopic",
    "Georgian",
    "Glagolitic",
    "Gothic",
    "Grantha",
    "Greek",
    "Gujarati",
    "Gunjala_Gondi",
    "Gurmukhi",
    "Han",
    "Hangul",
    "Hanifi_Rohingya",
    "Hanunoo",
    "Hatran",
    "Hebrew",
    "Hiragana",
    "Imperial_Aramaic",
    "Inherited",
    "Inscriptional_Pahlavi",
    "Inscriptional_Parthian",
    "Javanese",
    "Kaithi",
    "Kannada",
    "Katakana",
    "Kawi",
    "Kayah_Li",
    "Kharoshthi",
    "Khitan_Small_Script",
    "Khmer",
    "Khojki",
    "Khudawadi",
    "Lao",
    "Latin",
    "Lepcha",
    "Limbu",
    "Linear_A",
    "Linear_B",
    "Lisu",
    "Lycian",
    "Lydian",
    "Mahajani",
    "Makasar",
    "Malayalam",
    "Mandaic",
    "Manichaean",
    "Marchen",
    "Masaram_Gondi",
    "Medefaidrin",
    "Meetei_Mayek",
    "Mende_Kikakui",
    "Meroitic_Cursive",
    "Meroitic_Hieroglyphs",
    "Miao",
    "Modi",
    "Mongolian",
    "Mro",
    "Multani",
    "Myanmar",
    "Nabataean",
    "Nag_Mundari",
    "Nandinagari",
    "New_Tai_Lue",
    "Newa",
    "Nko",
    "Nushu",
    "Nyiakeng_Puachue_Hmong",
    "Ogham",
    "Ol_Chiki",
    "Old_Hungarian",
    "Old_Italic",
    "Old_North_Arabian",
    "Old_Permic",
    "Old_Persian",
    "Old_Sogdian",
    "Old_South_Arabian",
    "Old_Turkic",
    "Old_Uyghur",
    "Oriya",
    "Osage",
    "Osmanya",
    "Pahawh_Hmong",
    "Palmyrene",
    "Pau_Cin_Hau",
    "Phags_Pa",
    "Phoenician",
    "Psalter_Pahlavi",
    "Rejang",
    "Runic",
    "Samaritan",
    "Saurashtra",
    "Sharada",
    "Shavian",
    "Siddham",
    "SignWriting",
    "Sinhala",
    "Sogdian",
    "Sora_Sompeng",
    "Soyombo",
    "Sundanese",
    "Syloti_Nagri",
    "Syriac",
    "Tagalog",
    "Tagbanwa",
    "Tai_Le",
    "Tai_Tham",
    "Tai_Viet",
    "Takri",
    "Tamil",
    "Tangsa",
    "Tangut",
    "Telugu",
    "Thaana",
    "Thai",
    "Tibetan",
    "Tifinagh",
    "Tirhuta",
    "Toto",
    "Ugaritic",
    "Vai",
    "Vithkuqi",
    "Wancho",
    "Warang_Citi",
    "Yezidi",
    "Yi",
    "Zanabazar_Square",
];

/// Go's lookup form of a class name: separators (`_`, `-`, space) left
/// out, the first letter upper case and the others lower case.
fn canonical_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut first = true;
    for c in name.chars() {
        match c {
            '_' | '-' | ' ' => {}
            c if first => {
                out.push(c.to_ascii_uppercase());
                first = false;
            }
            c => out.push(c.to_ascii_lowercase()),
        }
    }
    out
}

/// The class a `\p` name stands for in Go, and whether it is to be
/// inverted (`Assigned` is "not unassigned").
fn unicode_table(name: &str) -> Option<(ClassUnicode, bool)> {
    let name = canonical_name(name);
    let category = |gc: &str| -> Option<ClassUnicode> {
        match gc {
            // Go's C table holds Cc, Cf, Co and Cs, not unassigned points.
            "C" => {
                let mut c = property("gc=Cc")?;
                c.union(&property("gc=Cf")?);
                c.union(&property("gc=Co")?);
                Some(c)
            }
            // Surrogates never occur in text.
            "Cs" => Some(ClassUnicode::empty()),
            gc => property(&format!("gc={gc}")),
        }
    };
    match name.as_str() {
        "Any" => return Some((class_of(&[(0, 0x10FFFF)]), false)),
        "Assigned" => return Some((category("Cn")?, true)),
        "Ascii" => return Some((class_of(&[(0, 0x7F)]), false)),
        "Lc" => return Some((category("LC")?, false)),
        _ => {}
    }
    if let Some(gc) = CATEGORIES.iter().find(|c| **c == name) {
        return Some((category(gc)?, false));
    }
    if let Some(sc) = SCRIPTS.iter().find(|s| canonical_name(s) == name) {
        return Some((property(&format!("sc={sc}"))?, false));
    }
    if let Some((_, gc)) = CATEGORY_ALIASES
        .iter()
        .find(|(alias, _)| canonical_name(alias) == name)
    {
        return Some((category(gc)?, false));
    }
    None
}

/// A Unicode property class from the `regex` crate's tables.
fn property(query: &str) -> Option<ClassUnicode> {
    let hir = regex_syntax::parse(&format!("\\p{{{query}}}")).ok()?;
    match hir.into_kind() {
        regex_syntax::hir::HirKind::Class(Class::Unicode(c)) => Some(c),
        _ => None,
    }
}

// ---- the parser ----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Flags {
    fold: bool,
    dot_nl: bool,
    /// `^`/`$` at the ends of the text only (no `m` flag).
    one_line: bool,
}

const PERL: Flags = Flags {
    fold: false,
    dot_nl: false,
    one_line: true,
};

enum Item {
    Node(Node),
    /// `(`: whether it captures, the flags to restore at `)`, and where
    /// it is.
    Paren {
        capture: bool,
        flags: Flags,
        at: usize,
    },
    Bar,
}

struct Parser<'s> {
    s: &'s str,
    flags: Flags,
    stack: Vec<Item>,
}

fn is_alnum(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

fn unhex(c: char) -> Option<u32> {
    c.to_digit(16)
}

impl<'s> Parser<'s> {
    fn new(s: &'s str) -> Parser<'s> {
        Parser {
            s,
            flags: PERL,
            stack: Vec::new(),
        }
    }

    fn err(&self, code: ErrorCode, from: usize, to: usize) -> Error {
        Error {
            code,
            expr: self.s.get(from..to).unwrap_or_default().to_string(),
            position: self.position(from),
        }
    }

    /// An error naming the whole pattern (Go does for these), pointing at
    /// `at`.
    fn err_whole(&self, code: ErrorCode, at: usize) -> Error {
        Error {
            code,
            expr: self.s.to_string(),
            position: self.position(at),
        }
    }

    fn position(&self, at: usize) -> usize {
        self.s.get(..at).map_or(0, |b| b.chars().count()) + 1
    }

    fn char_at(&self, i: usize) -> Option<char> {
        self.s.get(i..).and_then(|t| t.chars().next())
    }

    fn byte_at(&self, i: usize) -> Option<u8> {
        self.s.as_bytes().get(i).copied()
    }

    fn rest(&self, i: usize) -> &'s str {
        self.s.get(i..).unwrap_or_default()
    }

    fn push(&mut self, node: Node) {
        self.stack.push(Item::Node(node));
    }

    fn literal(&mut self, c: u32) {
        let fold = self.flags.fold;
        match char::from_u32(c) {
            Some(c) => self.push(Node::Literal { c, fold }),
            // A surrogate, from `\x{D800}`: Go keeps it and it never
            // matches.
            None => self.push(Node::Class(ClassUnicode::empty())),
        }
    }

    fn parse(mut self) -> Result<Node, Error> {
        let s = self.s;
        let mut i = 0;
        let mut last_repeat: Option<usize> = None;
        while i < s.len() {
            let mut repeat = None;
            let Some(c) = self.char_at(i) else { break };
            match c {
                '(' => {
                    if self.byte_at(i + 1) == Some(b'?') {
                        i = self.perl_flags(i)?;
                    } else {
                        self.stack.push(Item::Paren {
                            capture: true,
                            flags: self.flags,
                            at: i,
                        });
                        i += 1;
                    }
                }
                '|' => {
                    self.concat()?;
                    self.stack.push(Item::Bar);
                    i += 1;
                }
                ')' => {
                    self.right_paren(i)?;
                    i += 1;
                }
                '^' => {
                    self.push(Node::Look(if self.flags.one_line {
                        Look::Start
                    } else {
                        Look::StartLF
                    }));
                    i += 1;
                }
                '$' => {
                    self.push(Node::Look(if self.flags.one_line {
                        Look::End
                    } else {
                        Look::EndLF
                    }));
                    i += 1;
                }
                '.' => {
                    let class = if self.flags.dot_nl {
                        class_of(&[(0, 0x10FFFF)])
                    } else {
                        class_of(&[(0, 0x09), (0x0B, 0x10FFFF)])
                    };
                    self.push(Node::Class(class));
                    i += 1;
                }
                '[' => i = self.class(i)?,
                '*' | '+' | '?' => {
                    let (min, max) = match c {
                        '*' => (0, None),
                        '+' => (1, None),
                        _ => (0, Some(1)),
                    };
                    let after = self.repeat(min, max, false, i, i + 1, last_repeat)?;
                    repeat = Some(i);
                    i = after;
                }
                '{' => match parse_repeat(self.rest(i)) {
                    None => {
                        self.literal('{' as u32);
                        i += 1;
                    }
                    Some((min, max, len)) => {
                        let after = i + len;
                        let too_big = |n: i64| n < 0 || n > i64::from(MAX_REPEAT);
                        if too_big(min) || max.is_some_and(|m| too_big(m) || min > m) {
                            return Err(self.err(ErrorCode::InvalidRepeatSize, i, after));
                        }
                        // Both fit in u32 now.
                        let min = min as u32;
                        let max = max.map(|m| m as u32);
                        let after = self.repeat(min, max, true, i, after, last_repeat)?;
                        repeat = Some(i);
                        i = after;
                    }
                },
                '\\' => i = self.backslash(i)?,
                c => {
                    self.literal(c as u32);
                    i += c.len_utf8();
                }
            }
            last_repeat = repeat;
        }
        self.concat()?;
        self.alternate()?;
        match (self.stack.pop(), self.stack.last()) {
            (Some(Item::Node(node)), None) => Ok(node),
            _ => {
                let at = self
                    .stack
                    .iter()
                    .rev()
                    .find_map(|item| match item {
                        Item::Paren { at, .. } => Some(*at),
                        _ => None,
                    })
                    .unwrap_or(s.len());
                Err(self.err_whole(ErrorCode::MissingParen, at))
            }
        }
    }

    /// Applies a repetition to the top of the stack; returns where the
    /// pattern goes on (after a `?` that makes it non-greedy).
    fn repeat(
        &mut self,
        min: u32,
        max: Option<u32>,
        counted: bool,
        before: usize,
        mut after: usize,
        last_repeat: Option<usize>,
    ) -> Result<usize, Error> {
        if self.byte_at(after) == Some(b'?') {
            after += 1;
        }
        if let Some(last) = last_repeat {
            return Err(self.err(ErrorCode::InvalidRepeatOp, last, after));
        }
        let sub = match self.stack.pop() {
            Some(Item::Node(node)) => node,
            other => {
                if let Some(item) = other {
                    self.stack.push(item);
                }
                return Err(self.err(ErrorCode::MissingRepeatArgument, before, after));
            }
        };
        let h = height(&sub) + 1;
        let node = Node::Repeat {
            min,
            max,
            counted,
            sub: Box::new(sub),
            height: h,
        };
        self.check_height(h)?;
        if counted
            && (min >= 2 || max.is_some_and(|m| m >= 2))
            && !repeat_is_valid(&node, MAX_REPEAT)
        {
            return Err(self.err(ErrorCode::InvalidRepeatSize, before, after));
        }
        self.push(node);
        Ok(after)
    }

    fn check_height(&self, h: u32) -> Result<(), Error> {
        if h > MAX_HEIGHT {
            return Err(self.err_whole(ErrorCode::NestingDepth, 0));
        }
        Ok(())
    }

    /// Replaces the nodes above the topmost `|` or `(` with their
    /// concatenation.
    fn concat(&mut self) -> Result<(), Error> {
        let start = self
            .stack
            .iter()
            .rposition(|item| !matches!(item, Item::Node(_)))
            .map_or(0, |p| p + 1);
        self.collapse(start, Node::Concat, concat_height)
    }

    /// Replaces the branches above the topmost `(` with their alternation.
    fn alternate(&mut self) -> Result<(), Error> {
        let start = self
            .stack
            .iter()
            .rposition(|item| matches!(item, Item::Paren { .. }))
            .map_or(0, |p| p + 1);
        self.collapse(start, Node::Alternate, alternate_height)
    }

    /// Replaces the nodes from `start` up (leaving out `|` markers) with
    /// one node: nothing is the empty match, one node is itself, more are
    /// combined by `make`.
    fn collapse(
        &mut self,
        start: usize,
        make: fn(Vec<Node>, u32) -> Node,
        height_of: fn(&[Node]) -> u32,
    ) -> Result<(), Error> {
        let mut subs: Vec<Node> = self
            .stack
            .drain(start..)
            .filter_map(|item| match item {
                Item::Node(n) => Some(n),
                _ => None,
            })
            .collect();
        let node = match subs.len() {
            0 => Node::Empty,
            1 => subs.pop().unwrap_or(Node::Empty),
            _ => {
                let h = height_of(&subs);
                self.check_height(h)?;
                make(subs, h)
            }
        };
        self.push(node);
        Ok(())
    }

    fn right_paren(&mut self, at: usize) -> Result<(), Error> {
        self.concat()?;
        self.alternate()?;
        let node = match self.stack.pop() {
            Some(Item::Node(n)) => n,
            _ => return Err(self.err_whole(ErrorCode::UnexpectedParen, at)),
        };
        match self.stack.pop() {
            Some(Item::Paren { capture, flags, .. }) => {
                self.flags = flags;
                if capture {
                    let h = height(&node) + 1;
                    self.check_height(h)?;
                    self.push(Node::Capture(Box::new(node), h));
                } else {
                    self.push(node);
                }
                Ok(())
            }
            _ => Err(self.err_whole(ErrorCode::UnexpectedParen, at)),
        }
    }

    /// `(?` at `i`: a named group, a non-capturing group, or flags.
    fn perl_flags(&mut self, i: usize) -> Result<usize, Error> {
        let t = self.rest(i);
        let b = t.as_bytes();
        let with_p = b.len() > 4 && b[2] == b'P' && b[3] == b'<';
        let with_name = b.len() > 3 && b[2] == b'<';
        if with_p || with_name {
            let name_start = if with_p { 4 } else { 3 };
            let Some(end) = t.find('>') else {
                return Err(self.err(ErrorCode::InvalidNamedCapture, i, self.s.len()));
            };
            let name = t.get(name_start..end).unwrap_or_default();
            if name.is_empty() || !name.chars().all(|c| c == '_' || is_alnum(c)) {
                return Err(self.err(ErrorCode::InvalidNamedCapture, i, i + end + 1));
            }
            self.stack.push(Item::Paren {
                capture: true,
                flags: self.flags,
                at: i,
            });
            return Ok(i + end + 1);
        }
        let mut flags = self.flags;
        let mut negated = false;
        let mut saw_flag = false;
        let mut j = i + 2;
        while let Some(c) = self.char_at(j) {
            j += c.len_utf8();
            match c {
                'i' => {
                    flags.fold = !negated;
                    saw_flag = true;
                }
                'm' => {
                    flags.one_line = negated;
                    saw_flag = true;
                }
                's' => {
                    flags.dot_nl = !negated;
                    saw_flag = true;
                }
                // Non-greedy by default: no effect on whether it matches.
                'U' => saw_flag = true,
                '-' if !negated => {
                    negated = true;
                    saw_flag = false;
                }
                ':' | ')' if !negated || saw_flag => {
                    if c == ':' {
                        self.stack.push(Item::Paren {
                            capture: false,
                            flags: self.flags,
                            at: i,
                        });
                    }
                    self.flags = flags;
                    return Ok(j);
                }
                _ => break,
            }
        }
        Err(self.err(ErrorCode::InvalidPerlOp, i, j))
    }

    /// `\` at `i` outside a class.
    fn backslash(&mut self, i: usize) -> Result<usize, Error> {
        match self.byte_at(i + 1) {
            Some(b'A') => {
                self.push(Node::Look(Look::Start));
                return Ok(i + 2);
            }
            Some(b'z') => {
                self.push(Node::Look(Look::End));
                return Ok(i + 2);
            }
            Some(b'b') => {
                self.push(Node::Look(Look::WordAscii));
                return Ok(i + 2);
            }
            Some(b'B') => {
                self.push(Node::Look(Look::WordAsciiNegate));
                return Ok(i + 2);
            }
            Some(b'C') => return Err(self.err(ErrorCode::InvalidEscape, i, i + 2)),
            Some(b'Q') => {
                let body = self.rest(i + 2);
                let (lit, after) = match body.find("\\E") {
                    Some(e) => (&body[..e], i + 2 + e + 2),
                    None => (body, self.s.len()),
                };
                for c in lit.chars() {
                    self.literal(c as u32);
                }
                return Ok(after);
            }
            Some(b'p' | b'P') => {
                let (class, after) = self.unicode_class(i)?;
                self.push(Node::Class(class));
                return Ok(after);
            }
            Some(c) => {
                if let Some((ranges, negated)) = perl_group(c) {
                    self.push(Node::Class(group_class(ranges, negated, self.flags.fold)));
                    return Ok(i + 2);
                }
            }
            None => {}
        }
        let (c, after) = self.escape(i)?;
        self.literal(c);
        Ok(after)
    }

    /// A single-character escape at `i` (`\` included): the code point
    /// and where the pattern goes on.
    fn escape(&self, i: usize) -> Result<(u32, usize), Error> {
        let mut j = i + 1;
        let Some(c) = self.char_at(j) else {
            return Err(Error {
                code: ErrorCode::TrailingBackslash,
                expr: String::new(),
                position: self.position(i),
            });
        };
        j += c.len_utf8();
        let invalid = |to: usize| Err(self.err(ErrorCode::InvalidEscape, i, to));
        let octal = |b: Option<u8>| b.filter(|b| (b'0'..=b'7').contains(b));
        match c {
            c if c.is_ascii() && !is_alnum(c) => Ok((c as u32, j)),
            '1'..='7' if octal(self.byte_at(j)).is_none() => invalid(j),
            '0'..='7' => {
                let mut r = c as u32 - '0' as u32;
                for _ in 1..3 {
                    match octal(self.byte_at(j)) {
                        Some(d) => {
                            r = r * 8 + u32::from(d - b'0');
                            j += 1;
                        }
                        None => break,
                    }
                }
                Ok((r, j))
            }
            'x' => {
                let Some(c) = self.char_at(j) else {
                    return invalid(j);
                };
                j += c.len_utf8();
                if c == '{' {
                    let mut r: u32 = 0;
                    let mut digits = 0;
                    loop {
                        let Some(c) = self.char_at(j) else {
                            return invalid(j);
                        };
                        j += c.len_utf8();
                        if c == '}' {
                            break;
                        }
                        let Some(v) = unhex(c) else {
                            return invalid(j);
                        };
                        r = r * 16 + v;
                        if r > 0x10FFFF {
                            return invalid(j);
                        }
                        digits += 1;
                    }
                    if digits == 0 {
                        return invalid(j);
                    }
                    return Ok((r, j));
                }
                let x = unhex(c);
                let next = self.char_at(j);
                if let Some(n) = next {
                    j += n.len_utf8();
                }
                match (x, next.and_then(unhex)) {
                    (Some(x), Some(y)) => Ok((x * 16 + y, j)),
                    _ => invalid(j),
                }
            }
            'a' => Ok((0x07, j)),
            'f' => Ok((0x0C, j)),
            'n' => Ok((0x0A, j)),
            'r' => Ok((0x0D, j)),
            't' => Ok((0x09, j)),
            'v' => Ok((0x0B, j)),
            _ => invalid(j),
        }
    }

    /// `\p...` or `\P...` at `i`, outside or inside a class: the class
    /// (folded and negated as Go does) and where the pattern goes on.
    fn unicode_class(&self, i: usize) -> Result<(ClassUnicode, usize), Error> {
        let mut negated = self.byte_at(i + 1) == Some(b'P');
        let (name, after) = match self.char_at(i + 2) {
            Some('{') => match self.rest(i).find('}') {
                Some(end) => (self.s.get(i + 3..i + end).unwrap_or_default(), i + end + 1),
                None => {
                    return Err(self.err(ErrorCode::InvalidCharRange, i, self.s.len()));
                }
            },
            Some(c) => (
                self.s.get(i + 2..i + 2 + c.len_utf8()).unwrap_or_default(),
                i + 2 + c.len_utf8(),
            ),
            None => ("", i + 2),
        };
        let name = match name.strip_prefix('^') {
            Some(rest) => {
                negated = !negated;
                rest
            }
            None => name,
        };
        let Some((mut class, inverted)) = unicode_table(name) else {
            return Err(self.err(ErrorCode::InvalidCharRange, i, after));
        };
        if inverted {
            negated = !negated;
        }
        if self.flags.fold {
            class.case_fold_simple();
        }
        if negated {
            class.negate();
        }
        Ok((class, after))
    }

    /// A class `[...]` at `i`; returns where the pattern goes on.
    fn class(&mut self, i: usize) -> Result<usize, Error> {
        let fold = self.flags.fold;
        let mut j = i + 1;
        let negated = self.byte_at(j) == Some(b'^');
        if negated {
            j += 1;
        }
        let mut class = ClassUnicode::empty();
        let mut first = true;
        loop {
            let t = self.rest(j);
            if t.starts_with(']') && !first {
                break;
            }
            first = false;
            if t.len() > 2 && t.starts_with("[:") {
                if let Some(end) = t.get(2..).and_then(|r| r.find(":]")) {
                    let name = &t[..end + 4];
                    let Some((ranges, neg)) = posix_group(name) else {
                        return Err(self.err(ErrorCode::InvalidCharRange, j, j + name.len()));
                    };
                    class.union(&group_class(ranges, neg, fold));
                    j += name.len();
                    continue;
                }
            }
            if t.starts_with("\\p") || t.starts_with("\\P") {
                let (c, after) = self.unicode_class(j)?;
                class.union(&c);
                j = after;
                continue;
            }
            if let Some((ranges, neg)) = t
                .strip_prefix('\\')
                .and_then(|r| r.bytes().next())
                .and_then(perl_group)
            {
                class.union(&group_class(ranges, neg, fold));
                j += 2;
                continue;
            }
            let start = j;
            let (lo, after) = self.class_char(j, i)?;
            j = after;
            let mut hi = lo;
            let t = self.rest(j);
            if t.len() >= 2 && t.starts_with('-') && !t[1..].starts_with(']') {
                let (h, after) = self.class_char(j + 1, i)?;
                j = after;
                if h < lo {
                    return Err(self.err(ErrorCode::InvalidCharRange, start, j));
                }
                hi = h;
            }
            let mut range = class_of(&[(lo, hi)]);
            if fold {
                range.case_fold_simple();
            }
            class.union(&range);
        }
        if negated {
            class.negate();
        }
        self.push(Node::Class(class));
        Ok(j + 1)
    }

    /// One character of a class at `j` (the class starts at `class_at`).
    fn class_char(&self, j: usize, class_at: usize) -> Result<(u32, usize), Error> {
        match self.char_at(j) {
            None => Err(self.err(ErrorCode::MissingBracket, class_at, self.s.len())),
            Some('\\') => self.escape(j),
            Some(c) => Ok((c as u32, j + c.len_utf8())),
        }
    }
}

/// `{min}`, `{min,}` or `{min,max}` at the start of `s`: the counts (`-1`
/// for a number too large) and the length. `None` when `s` does not
/// start with that form (the `{` is then a literal).
fn parse_repeat(s: &str) -> Option<(i64, Option<i64>, usize)> {
    let b = s.as_bytes();
    let mut i = 1;
    let (min, n) = parse_int(b.get(i..)?)?;
    i += n;
    let max = match b.get(i)? {
        b',' => {
            i += 1;
            match b.get(i)? {
                b'}' => None,
                _ => {
                    let (max, n) = parse_int(b.get(i..)?)?;
                    i += n;
                    Some(max)
                }
            }
        }
        _ => Some(min),
    };
    if b.get(i)? != &b'}' {
        return None;
    }
    // A max too large makes the whole count invalid.
    let min = if max == Some(-1) { -1 } else { min };
    Some((min, max, i + 1))
}

/// A decimal number without leading zeros: its value (`-1` when it has
/// more than eight digits' worth) and its length.
fn parse_int(b: &[u8]) -> Option<(i64, usize)> {
    let len = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if len == 0 || (len >= 2 && b.first() == Some(&b'0')) {
        return None;
    }
    let mut n: i64 = 0;
    for &d in b.get(..len)? {
        if n >= 100_000_000 {
            n = -1;
            break;
        }
        n = n * 10 + i64::from(d - b'0');
    }
    Some((n, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(p: &str) -> GoRegex {
        GoRegex::parse(p).unwrap_or_else(|e| panic!("{p:?}: {e}"))
    }

    fn is_match(p: &str, text: &str) -> bool {
        let re = ok(p);
        let compiled = re.compile().unwrap().is_match(text);
        if let Some(plain) = re.plain() {
            assert_eq!(plain.is_match(text), compiled, "{p:?} on {text:?}");
        }
        if re.matches_everything() {
            assert!(compiled, "{p:?} on {text:?}");
        }
        compiled
    }

    fn refused(p: &str) -> Error {
        match GoRegex::parse(p) {
            Ok(_) => panic!("{p:?} parsed"),
            Err(e) => e,
        }
    }

    /// Go's `parse_test.go`: patterns Go's parser accepts.
    #[test]
    fn patterns_go_accepts() {
        for p in [
            "a",
            "a.",
            "a.b",
            "ab",
            "a.b.c",
            "abc",
            "a|^",
            "a|b",
            "(a)",
            "(a)|b",
            "a*",
            "a+",
            "a?",
            "a{2}",
            "a{2,3}",
            "a{2,}",
            "a*?",
            "a+?",
            "a??",
            "a{2}?",
            "a{2,3}?",
            "a{2,}?",
            "x{1001",
            "x{9876543210",
            "x{9876543210,",
            "x{2,1",
            "x{1,9876543210",
            "",
            "|",
            "|x|",
            ".",
            "^",
            "$",
            r"\|",
            r"\(",
            r"\)",
            r"\*",
            r"\+",
            r"\?",
            "{",
            "}",
            r"\.",
            r"\^",
            r"\$",
            r"\\",
            "[ace]",
            "[abc]",
            "[a-z]",
            "[a]",
            r"\-",
            "-",
            r"\_",
            "abc|def",
            "[[:lower:]]",
            "[^[:lower:]]",
            "[[:^lower:]]",
            "(?i)[[:lower:]]",
            r"\d",
            r"\D",
            r"\s",
            r"\S",
            r"\w",
            r"\W",
            r"(?i)\w",
            r"(?i)\W",
            r"[^\\]",
            r"\p{Braille}",
            r"\P{Braille}",
            r"\p{^Braille}",
            r"\P{^Braille}",
            r"\pZ",
            r"[\p{Braille}]",
            r"[\pZ]",
            r"\p{Lu}",
            r"\p{Uppercase_Letter}",
            r"\p{upper case-let ter}",
            r"\p{__upper case-let ter}",
            r"\p{Canadian_Aboriginal}",
            r"(?i)[\p{Lu}]",
            r"\p{Any}",
            r"\p{^Any}",
            r"(?i)\p{ascii}",
            r"\p{Assigned}",
            r"[\012-\234]\141",
            r"[\x{41}-\x7a]\x61",
            "a{,2}",
            r"\.\^\$\\",
            "[a-zABC]",
            "[^a]",
            "[α-ε☺]",
            "a*{",
            "(?:ab)*",
            "(ab)*",
            "ab|cd",
            "a(b|c)d",
            "(?:a)",
            "(?:ab)(?:cd)",
            "(?:a+b+)(?:c+d+)",
            "(?:a|b)|(?:c|d)",
            "a|.",
            ".|a",
            r"\Q+|*?{[\E",
            r"\Q+\E+",
            r"\Qab\E+",
            r"\Q\\E",
            r"\Q\\\E",
            "(?m)^",
            "(?m)$",
            "(?-m)^",
            "(?-m)$",
            r"(?m)\A",
            r"(?m)\z",
            "(?P<name>a)",
            "(?<name>a)",
            "[Aa]",
            r"[\x{100}\x{101}]",
            "[Δδ]",
            "(?:.)",
            "(?s).",
            "(?-s).",
            r"[\s\S]a",
            "x{2}|x{2}[0-9]",
            "a.*?c|a.*?b",
            "[a-b-c]",
            "(?)",
            "(?i)(?-i)a",
            "(?i-s:a)",
            "((((((((((x{2}){2}){2}){2}){2}){2}){2}){2}){2}))",
            "((((((((((x{1}){2}){2}){2}){2}){2}){2}){2}){2}){2})",
            "(?:[a-z]{4}){0,250}",
            r"\<",
            r"\>",
            "a(?i)*",
            "^*",
            "(?:)*",
            "a*(?i)*",
            "(?P<a>x)(?P<a>y)",
            "(?P<1>x)",
        ] {
            ok(p);
        }
        ok(&format!("{}{}", "(".repeat(999), ")".repeat(999)));
        ok(&format!("{}{}", "(?:".repeat(999), ")*".repeat(999)));
        ok(&format!("({})", "|".repeat(12345)));
    }

    /// Go's `parse_test.go`: patterns Go refuses with the Perl flags.
    #[test]
    fn patterns_go_refuses() {
        for (p, code) in [
            ("(", ErrorCode::MissingParen),
            (")", ErrorCode::UnexpectedParen),
            ("(a", ErrorCode::MissingParen),
            ("a)", ErrorCode::UnexpectedParen),
            ("(a))", ErrorCode::UnexpectedParen),
            ("(a|b|", ErrorCode::MissingParen),
            ("a|b|)", ErrorCode::UnexpectedParen),
            ("(a|b|))", ErrorCode::UnexpectedParen),
            ("[a-z", ErrorCode::MissingBracket),
            ("([a-z)", ErrorCode::MissingBracket),
            ("[a-z)", ErrorCode::MissingBracket),
            ("([a-z]))", ErrorCode::UnexpectedParen),
            ("x{1001}", ErrorCode::InvalidRepeatSize),
            ("x{9876543210}", ErrorCode::InvalidRepeatSize),
            ("x{2,1}", ErrorCode::InvalidRepeatSize),
            ("x{1,9876543210}", ErrorCode::InvalidRepeatSize),
            ("(?P<name>a", ErrorCode::MissingParen),
            ("(?P<name>", ErrorCode::MissingParen),
            ("(?P<name", ErrorCode::InvalidNamedCapture),
            ("(?P<x y>a)", ErrorCode::InvalidNamedCapture),
            ("(?P<>a)", ErrorCode::InvalidNamedCapture),
            ("(?<name>a", ErrorCode::MissingParen),
            ("(?<name", ErrorCode::InvalidNamedCapture),
            ("(?<x y>a)", ErrorCode::InvalidNamedCapture),
            ("(?<>a)", ErrorCode::InvalidNamedCapture),
            ("[a-Z]", ErrorCode::InvalidCharRange),
            ("(?i)[a-Z]", ErrorCode::InvalidCharRange),
            (r"\Q\E*", ErrorCode::MissingRepeatArgument),
            ("a{100000}", ErrorCode::InvalidRepeatSize),
            ("a{100000,}", ErrorCode::InvalidRepeatSize),
            (
                "((((((((((x{2}){2}){2}){2}){2}){2}){2}){2}){2}){2})",
                ErrorCode::InvalidRepeatSize,
            ),
            ("(?:[a-z]{4}){0,251}", ErrorCode::InvalidRepeatSize),
            ("a++", ErrorCode::InvalidRepeatOp),
            ("a**", ErrorCode::InvalidRepeatOp),
            ("a?*", ErrorCode::InvalidRepeatOp),
            ("a+*", ErrorCode::InvalidRepeatOp),
            ("a{1}*", ErrorCode::InvalidRepeatOp),
            (".{1}{2}.{3}", ErrorCode::InvalidRepeatOp),
            ("*", ErrorCode::MissingRepeatArgument),
            ("a|*", ErrorCode::MissingRepeatArgument),
            ("(*)", ErrorCode::MissingRepeatArgument),
            ("{2}", ErrorCode::MissingRepeatArgument),
            (r"\8", ErrorCode::InvalidEscape),
            (r"\1", ErrorCode::InvalidEscape),
            (r"\18", ErrorCode::InvalidEscape),
            (r"\C", ErrorCode::InvalidEscape),
            (r"\e", ErrorCode::InvalidEscape),
            (r"\Z", ErrorCode::InvalidEscape),
            (r"\é", ErrorCode::InvalidEscape),
            (r"[\b]", ErrorCode::InvalidEscape),
            (r"[a-\d]", ErrorCode::InvalidEscape),
            (r"\x{110000}", ErrorCode::InvalidEscape),
            (r"\x{}", ErrorCode::InvalidEscape),
            (r"\xZ1", ErrorCode::InvalidEscape),
            ("\\", ErrorCode::TrailingBackslash),
            ("[]", ErrorCode::MissingBracket),
            ("[[:foo:]]", ErrorCode::InvalidCharRange),
            (r"\p{Foo}", ErrorCode::InvalidCharRange),
            (r"\p{Garay}", ErrorCode::InvalidCharRange),
            (r"\pX", ErrorCode::InvalidCharRange),
            (r"\p", ErrorCode::InvalidCharRange),
            (r"\p{L", ErrorCode::InvalidCharRange),
            ("(?x)a", ErrorCode::InvalidPerlOp),
            ("(?i-)a", ErrorCode::InvalidPerlOp),
            ("(?-)a", ErrorCode::InvalidPerlOp),
            ("(?P=n)", ErrorCode::InvalidPerlOp),
            ("(?<", ErrorCode::InvalidPerlOp),
            ("(?=a)", ErrorCode::InvalidPerlOp),
            ("(?", ErrorCode::InvalidPerlOp),
        ] {
            assert_eq!(refused(p).code, code, "{p:?}");
        }
        for p in [
            format!("{}{}", "(".repeat(1000), ")".repeat(1000)),
            format!("{}{}", "(?:".repeat(1000), ")*".repeat(1000)),
        ] {
            assert_eq!(refused(&p).code, ErrorCode::NestingDepth);
        }
    }

    #[test]
    fn errors_give_go_text_and_position() {
        assert_eq!(
            refused("ab**").to_string(),
            "invalid nested repetition operator: `**` at character 3"
        );
        assert_eq!(
            refused("a(b").to_string(),
            "missing closing ): `a(b` at character 2"
        );
        assert_eq!(
            refused(r"x\8").to_string(),
            "invalid escape sequence: `\\8` at character 2"
        );
        assert_eq!(
            refused("é[z-a]").to_string(),
            "invalid character class range: `z-a` at character 3"
        );
        assert_eq!(
            refused("a{2}{3}").to_string(),
            "invalid nested repetition operator: `{2}{3}` at character 2"
        );
    }

    #[test]
    fn go_meanings_that_rust_syntax_gives_otherwise() {
        // \< and \> are literals in Go, word boundaries in Rust.
        assert!(is_match(r"^/bin/\<sh$", "/bin/<sh"));
        assert!(!is_match(r"^/bin/\<sh$", "/bin/sh"));
        assert!(is_match(r"^/bin/\<s(h)$", "/bin/<sh"));
        assert!(is_match(r"a\>", "a>"));
        // \Q...\E and octal escapes.
        assert!(is_match(r"^\Q/usr/bin/a+b\E$", "/usr/bin/a+b"));
        assert!(is_match(r"^/bin/\163h$", "/bin/sh"));
        assert!(is_match(r"\0", "\0"));
        assert!(is_match(r"\101\08", "A\u{0}8"));
        // ASCII-only Perl classes and word boundary.
        assert!(!is_match(r"^\d$", "٣"));
        assert!(!is_match(r"^\w$", "é"));
        assert!(!is_match(r"^\s$", "\u{a0}"));
        assert!(!is_match(r"^\s$", "\u{b}"));
        assert!(is_match(r"^[[:space:]]$", "\u{b}"));
        // é is no word character for Go's \b: a boundary lies between a
        // and é, and none after é.
        assert!(!is_match(r"é\b", "é"));
        assert!(is_match(r"a\bé", "aé"));
        assert!(!is_match(r"a\Bé", "aé"));
        // Case folding: (?i)\w holds the long s and the Kelvin sign.
        assert!(is_match(r"(?i)^\w$", "ſ"));
        assert!(is_match(r"(?i)^\w$", "\u{212A}"));
        assert!(!is_match(r"(?i)^\W$", "\u{212A}"));
        assert!(is_match(r"(?i)^k$", "\u{212A}"));
        assert!(!is_match(r"^[^k]$", "k"));
        assert!(is_match(r"^[^k]$", "K"));
        assert!(!is_match(r"(?i)^[^k]$", "K"));
        // A class holding `[` and set-operation look-alikes.
        assert!(is_match(r"^[a[b]$", "["));
        assert!(is_match(r"^[a&&b]$", "&"));
        assert!(is_match(r"^[+--]$", ","));
        assert!(GoRegex::parse(r"[a--b]").is_err());
        // Flags: scope, alternation, negation.
        assert!(is_match(r"(?i)foo|bar", "BAR"));
        assert!(!is_match(r"(?:(?i)foo)|bar", "BAR"));
        assert!(is_match(r"(?i:a)b", "Ab"));
        assert!(!is_match(r"(?i:a)b", "AB"));
        assert!(is_match(r"(?i)a(?-i)b", "Ab"));
        assert!(!is_match(r"(?i)a(?-i)b", "AB"));
        // ^ and $ are the ends of the text unless (?m); $ does not match
        // before a final newline.
        assert!(!is_match(r"^a$", "a\n"));
        assert!(is_match(r"(?m)^a$", "b\na\n"));
        assert!(!is_match(r"a.b", "a\nb"));
        assert!(is_match(r"(?s)a.b", "a\nb"));
        assert!(is_match(r"[^a]", "\n"));
        // Literal `{` when it does not start a count.
        assert!(is_match(r"^a{,2}$", "a{,2}"));
        assert!(is_match(r"^x{01}$", "x{01}"));
        assert!(is_match(r"^a*{$", "aa{"));
        // A repetition after flags applies to what came before.
        assert!(is_match(r"^a(?i)*$", "aaa"));
        // Unicode names as Go 1.25 reads them.
        assert!(is_match(r"^\p{greek}+$", "αβγ"));
        assert!(is_match(r"^\p{Letter}$", "é"));
        assert!(is_match(r"^\pL$", "é"));
        assert!(is_match(r"^\p{Old_Italic}$", "\u{10300}"));
        assert!(!is_match(r"^\p{C}$", "\u{378}"));
        assert!(is_match(r"^\p{Cn}$", "\u{378}"));
        assert!(!is_match(r"^\p{Assigned}$", "\u{378}"));
        assert!(!is_match(r"\x{D800}", "\u{FFFD}"));
        // Unanchored searches.
        assert!(is_match("sh", "/bin/bash"));
        assert!(is_match("", "x"));
        assert!(is_match(".*", ""));
    }

    #[test]
    fn plain_strings_and_everything() {
        for (p, want) in [
            ("^/bin/sh$", Some(Plain::Whole("/bin/sh".into()))),
            (
                r"^io\.example\.verify$",
                Some(Plain::Whole("io.example.verify".into())),
            ),
            (r"^\Qa.b\E", Some(Plain::Prefix("a.b".into()))),
            ("/init$", Some(Plain::Suffix("/init".into()))),
            ("sh", Some(Plain::Anywhere("sh".into()))),
            (r"\<", Some(Plain::Anywhere("<".into()))),
            (r"^/bin/\<s(h)$", Some(Plain::Whole("/bin/<sh".into()))),
            ("(?i)^/1$", Some(Plain::Whole("/1".into()))),
            ("(?i)^a$", None),
            ("^a|b$", None),
            ("^a$b", None),
            (".*/init$", None),
            (r"\d", None),
            ("(?m)^a$", None),
        ] {
            assert_eq!(ok(p).plain(), want, "{p:?}");
        }
        for (p, all) in [
            (".*", true),
            ("", true),
            ("(a|)", true),
            ("a*b*", true),
            ("^", false),
            ("a", false),
            ("(?s).*", true),
        ] {
            assert_eq!(ok(p).matches_everything(), all, "{p:?}");
        }
    }

    #[test]
    fn size_limit_refuses_what_go_allows_only_when_huge() {
        assert!(ok("(?:[a-z]{4}){0,250}").compile().is_ok());
        let big = ok(r"\pL{1000}");
        assert!(!big.is_small());
        let err = big.compile().unwrap_err();
        assert!(err.contains("size limit"), "{err}");
        assert!(ok("^/usr/(bin|sbin)/[a-z0-9_-]+$").is_small());
    }

    proptest::proptest! {
        /// Any pattern parses or fails without panicking, and a parsed one
        /// compiles (or hits the size limit) and its shortcuts agree with
        /// the compiled regex.
        #[test]
        fn shortcuts_agree_with_the_compiled_pattern(
            p in r"[\^$a-c.|()*+?{},0-9\\QEdDwWsSbBpPLx\[\]:\-^_<>i]{0,12}",
            text in "[a-c<>_ \n.]{0,6}",
        ) {
            if let Ok(re) = GoRegex::parse(&p) {
                if let Ok(compiled) = re.compile() {
                    let m = compiled.is_match(&text);
                    if let Some(plain) = re.plain() {
                        proptest::prop_assert_eq!(plain.is_match(&text), m, "{:?} on {:?}", p, text);
                    }
                    if re.matches_everything() {
                        proptest::prop_assert!(m, "{:?} on {:?}", p, text);
                    }
                }
            }
        }
    }
}

//! `$regex` as CouchDB runs it: PCRE on the UTF-8 bytes of the string.
//!
//! CouchDB 3.x compiles a `$regex` argument with `re:compile(Regex)` and
//! matches with `re:run(Value, Regex, [{capture, none}])`
//! (`mango_selector:norm_ops/1`, `match/3`): Erlang's PCRE without the
//! `unicode` option. The pattern and the subject are bytes, so `\w`, `\d`,
//! `\s`, `\b`, POSIX classes and `(?i)` know only ASCII, `.` matches one byte,
//! and a non-ASCII character in a class stands for its UTF-8 bytes.
//!
//! This module translates such a pattern into the syntax of the `regex`
//! crate, compiled for bytes with Unicode mode off, so that it means the same:
//! every non-ASCII character becomes its UTF-8 bytes as `\xHH` escapes, escaped
//! punctuation becomes a byte escape (the `regex` crate gives `\<` or `\>`
//! meanings PCRE does not), brackets and operators that the `regex` crate
//! reads differently inside a class (`[`, `&&`, `--`, `~~`) are escaped, a
//! `{` that does not start a PCRE quantifier is a literal, and PCRE escapes
//! the `regex` crate lacks (`\h`, `\v`, `\R`, `\N`, `\e`, `\cX`, octal, `\Q…\E`)
//! are spelled out. PCRE's `$` (outside multi-line mode) also matches before a
//! final newline; it is translated as "an optional newline, then the end",
//! which is exact when nothing but the end of its branch follows it, and
//! refused otherwise.
//!
//! PCRE features without an equivalent are refused with a message naming
//! them: look-ahead and look-behind, back-references, atomic groups,
//! possessive quantifiers, recursion, conditionals, branch reset, `\G`, `\K`,
//! `\X`, `\p{…}`, `(*VERB)`s, callouts and the `x` flag.

use regex::bytes::{Regex, RegexBuilder};

/// Compiles a CouchDB `$regex` pattern; the error explains what is refused.
pub(crate) fn compile(pattern: &str) -> Result<Regex, String> {
    let translated = Translator::new(pattern).run()?;
    RegexBuilder::new(&translated)
        .unicode(false)
        .build()
        .map_err(|e| e.to_string())
}

/// Length of a PCRE quantifier `{n}`, `{n,}` or `{n,m}` after its `{`
/// (`rest` starts after the `{`), or `None` if the `{` is a literal.
fn quantifier_len(rest: &[char]) -> Option<usize> {
    let digits = |from: usize| {
        rest[from..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let n = digits(0);
    if n == 0 {
        return None;
    }
    match rest.get(n) {
        Some('}') => Some(n + 1),
        Some(',') => {
            let m = digits(n + 1);
            (rest.get(n + 1 + m) == Some(&'}')).then_some(n + 1 + m + 1)
        }
        _ => None,
    }
}

/// Walks a PCRE pattern and writes the equivalent `regex` crate pattern.
struct Translator {
    chars: Vec<char>,
    pos: usize,
    out: String,
    /// Whether `(?m)` is in force.
    multiline: bool,
    /// The `multiline` value to restore at each open group's `)`.
    groups: Vec<bool>,
}

fn unsupported(feature: &str) -> String {
    format!("{feature} not supported by the development peer's $regex engine")
}

const END_OF_BRANCH_DOLLAR: &str = "$ (or \\Z) followed by more pattern is not supported: PCRE's $ also \
     matches before a final newline, which the development peer reproduces only when $ ends its \
     alternative; use \\z for the very end, or (?m)";

impl Translator {
    fn new(pattern: &str) -> Self {
        Translator {
            chars: pattern.chars().collect(),
            pos: 0,
            out: String::with_capacity(pattern.len() + 8),
            multiline: false,
            groups: Vec::new(),
        }
    }

    fn peek(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn byte(&mut self, b: u8) {
        self.out.push_str(&format!("\\x{b:02X}"));
    }

    fn char_bytes(&mut self, c: char) {
        let mut buf = [0u8; 4];
        for b in c.encode_utf8(&mut buf).bytes() {
            self.byte(b);
        }
    }

    fn run(mut self) -> Result<String, String> {
        while let Some(c) = self.peek(0) {
            self.pos += 1;
            match c {
                '\\' => self.escape()?,
                '[' => self.class()?,
                '(' => self.group()?,
                ')' => {
                    // An unmatched `)` is left to the regex compiler's error.
                    if let Some(saved) = self.groups.pop() {
                        self.multiline = saved;
                    }
                    self.out.push(')');
                }
                '{' => {
                    if let Some(len) = quantifier_len(&self.chars[self.pos..]) {
                        let q: String = self.chars[self.pos - 1..self.pos + len].iter().collect();
                        self.out.push_str(&q);
                        self.pos += len;
                        self.after_quantifier()?;
                    } else {
                        self.byte(b'{');
                    }
                }
                '}' | ']' | '#' | '&' | '~' | '-' | ' ' => self.byte(c as u8),
                '*' | '+' | '?' => {
                    self.out.push(c);
                    self.after_quantifier()?;
                }
                '$' => {
                    if self.multiline {
                        self.out.push('$');
                    } else {
                        self.final_dollar()?;
                    }
                }
                c if !c.is_ascii() => self.char_bytes(c),
                c => self.out.push(c),
            }
        }
        Ok(self.out)
    }

    /// After a quantifier: `?` makes it lazy (kept), `+` possessive (refused).
    fn after_quantifier(&mut self) -> Result<(), String> {
        match self.peek(0) {
            Some('?') => {
                self.out.push('?');
                self.pos += 1;
                Ok(())
            }
            Some('+') => Err(unsupported("possessive quantifiers (such as a*+) are")),
            _ => Ok(()),
        }
    }

    /// A `$` or `\Z` outside multi-line mode: end of subject, or before a final newline.
    fn final_dollar(&mut self) -> Result<(), String> {
        if !self.rest_of_branch_is_empty() {
            return Err(END_OF_BRANCH_DOLLAR.to_owned());
        }
        self.out.push_str("(?:\\n?\\z)");
        Ok(())
    }

    /// Whether nothing that consumes input can follow the current position:
    /// only group ends, quantifiers of those groups, other anchors, and
    /// alternatives (whose own branch is skipped).
    fn rest_of_branch_is_empty(&self) -> bool {
        let mut j = self.pos;
        while j < self.chars.len() {
            match self.chars[j] {
                ')' | '$' | '^' | '*' | '+' | '?' => j += 1,
                '{' => match quantifier_len(&self.chars[j + 1..]) {
                    Some(len) => j += 1 + len,
                    None => return false,
                },
                '\\' if matches!(
                    self.chars.get(j + 1),
                    Some('z' | 'Z' | 'b' | 'B' | 'A' | 'E')
                ) =>
                {
                    j += 2
                }
                '|' => match self.end_of_group(j + 1) {
                    Some(close) => j = close,
                    None => return true,
                },
                _ => return false,
            }
        }
        true
    }

    /// Index of the `)` closing the group that contains `from`, or `None` at top level.
    fn end_of_group(&self, from: usize) -> Option<usize> {
        let mut depth = 0usize;
        let mut j = from;
        while j < self.chars.len() {
            match self.chars[j] {
                '\\' => j += 1,
                '[' => {
                    j += 1;
                    if self.chars.get(j) == Some(&'^') {
                        j += 1;
                    }
                    if self.chars.get(j) == Some(&']') {
                        j += 1;
                    }
                    while j < self.chars.len() && self.chars[j] != ']' {
                        if self.chars[j] == '\\' {
                            j += 1;
                        }
                        j += 1;
                    }
                }
                '(' => depth += 1,
                ')' if depth == 0 => return Some(j),
                ')' => depth -= 1,
                _ => {}
            }
            j += 1;
        }
        None
    }

    fn hex_digits(&mut self, max: usize) -> u32 {
        let mut value = 0;
        for _ in 0..max {
            match self.peek(0).and_then(|c| c.to_digit(16)) {
                Some(d) => {
                    value = value * 16 + d;
                    self.pos += 1;
                }
                None => break,
            }
        }
        value
    }

    /// `\x..`, after the `x`: one or two hex digits, or `{hex}`; a byte value.
    fn hex_escape(&mut self) -> Result<u8, String> {
        if self.peek(0) == Some('{') {
            let close = self.chars[self.pos..].iter().position(|c| *c == '}');
            let Some(close) = close else {
                return Err("\\x{ without a closing }".to_owned());
            };
            let digits: String = self.chars[self.pos + 1..self.pos + close].iter().collect();
            self.pos += close + 1;
            let value = u32::from_str_radix(&digits, 16)
                .map_err(|_| format!("invalid hexadecimal escape \\x{{{digits}}}"))?;
            return u8::try_from(value).map_err(|_| {
                format!(
                    "character value \\x{{{digits}}} is too large: CouchDB's $regex works on \
                     bytes (0 to FF); write a non-ASCII character itself instead"
                )
            });
        }
        Ok(self.hex_digits(2) as u8)
    }

    /// Octal escape value, the first digit already consumed.
    fn octal(&mut self, first: u32) -> Result<u8, String> {
        let mut value = first;
        for _ in 0..2 {
            match self.peek(0).and_then(|c| c.to_digit(8)) {
                Some(d) => {
                    value = value * 8 + d;
                    self.pos += 1;
                }
                None => break,
            }
        }
        u8::try_from(value).map_err(|_| "octal escape above \\377".to_owned())
    }

    /// Escapes shared by both contexts that denote one byte; `None` if `c` is not one.
    fn byte_escape(&mut self, c: char) -> Result<Option<u8>, String> {
        Ok(Some(match c {
            'a' => 0x07,
            'e' => 0x1B,
            'f' => 0x0C,
            'n' => b'\n',
            'r' => b'\r',
            't' => b'\t',
            'x' => self.hex_escape()?,
            'c' => match self.peek(0) {
                Some(x) if x.is_ascii() => {
                    self.pos += 1;
                    (x.to_ascii_uppercase() as u8) ^ 0x40
                }
                _ => return Err("\\c at the end of the pattern".to_owned()),
            },
            '0' => self.octal(0)?,
            'o' => {
                if self.peek(0) != Some('{') {
                    return Err("\\o must be followed by {octal digits}".to_owned());
                }
                let close = self.chars[self.pos..].iter().position(|c| *c == '}');
                let Some(close) = close else {
                    return Err("\\o{ without a closing }".to_owned());
                };
                let digits: String = self.chars[self.pos + 1..self.pos + close].iter().collect();
                self.pos += close + 1;
                u32::from_str_radix(&digits, 8)
                    .ok()
                    .and_then(|v| u8::try_from(v).ok())
                    .ok_or_else(|| format!("invalid octal escape \\o{{{digits}}}"))?
            }
            c if c.is_ascii() && !c.is_ascii_alphanumeric() => c as u8,
            _ => return Ok(None),
        }))
    }

    fn refused_escape(c: char) -> String {
        match c {
            '1'..='9' | 'g' | 'k' => unsupported("back-references (\\1, \\g, \\k) are"),
            'p' | 'P' => "Unicode properties (\\p, \\P) are not supported: CouchDB's $regex \
                          matches bytes, not characters"
                .to_owned(),
            'G' => unsupported("\\G (start of match) is"),
            'K' => unsupported("\\K (reset match start) is"),
            'X' => unsupported("\\X (extended grapheme cluster) is"),
            c => unsupported(&format!("the escape \\{c} is")),
        }
    }

    /// `\Q…\E`: everything up to `\E` (or the end) is literal.
    fn quoted(&mut self) {
        while let Some(c) = self.peek(0) {
            if c == '\\' && self.peek(1) == Some('E') {
                self.pos += 2;
                return;
            }
            self.pos += 1;
            if c.is_ascii_alphanumeric() {
                self.out.push(c);
            } else {
                self.char_bytes(c);
            }
        }
    }

    /// An escape outside a class, the backslash consumed.
    fn escape(&mut self) -> Result<(), String> {
        let Some(c) = self.peek(0) else {
            return Err("the pattern ends with a backslash".to_owned());
        };
        self.pos += 1;
        match c {
            'd' | 'D' | 'w' | 'W' | 's' | 'S' | 'b' | 'B' | 'A' | 'z' => {
                self.out.push('\\');
                self.out.push(c);
            }
            'Z' => return self.final_dollar(),
            'Q' => self.quoted(),
            'E' => {}
            'h' => self.out.push_str("[\\t\\x20\\xA0]"),
            'H' => self.out.push_str("[^\\t\\x20\\xA0]"),
            'v' => self.out.push_str("[\\n\\x0B\\x0C\\r\\x85]"),
            'V' => self.out.push_str("[^\\n\\x0B\\x0C\\r\\x85]"),
            'R' => self.out.push_str("(?:\\r\\n|[\\n\\x0B\\x0C\\r\\x85])"),
            'N' => self.out.push_str("[^\\n]"),
            'C' => self.out.push_str("(?s:.)"),
            c if !c.is_ascii() => self.char_bytes(c),
            c => match self.byte_escape(c)? {
                Some(b) => self.byte(b),
                None => return Err(Self::refused_escape(c)),
            },
        }
        Ok(())
    }

    /// A character class, the `[` consumed.
    fn class(&mut self) -> Result<(), String> {
        self.out.push('[');
        if self.peek(0) == Some('^') {
            self.pos += 1;
            self.out.push('^');
        }
        // A `]` right after `[` or `[^` is a literal.
        if self.peek(0) == Some(']') {
            self.pos += 1;
            self.byte(b']');
        }
        // Whether the last item can start a range (`a` in `a-z`).
        let mut atom = false;
        loop {
            let Some(c) = self.peek(0) else {
                return Err("missing terminating ] for character class".to_owned());
            };
            self.pos += 1;
            match c {
                ']' => {
                    self.out.push(']');
                    return Ok(());
                }
                '[' if self.peek(0) == Some(':') => {
                    let rest: String = self.chars[self.pos..].iter().collect();
                    match rest.find(":]") {
                        Some(end) => {
                            self.out.push('[');
                            self.out.push_str(&rest[..end + 2]);
                            self.pos += rest[..end + 2].chars().count();
                            atom = false;
                        }
                        None => {
                            self.byte(b'[');
                            atom = true;
                        }
                    }
                }
                '-' => {
                    let next = self.peek(0);
                    let class_escape = next == Some('\\')
                        && matches!(self.peek(1), Some('d' | 'D' | 'w' | 'W' | 's' | 'S'));
                    if atom && next.is_some_and(|n| n != ']') && !class_escape {
                        self.out.push('-');
                        // The range's end is the next item; it cannot start another range.
                        self.class_item()?;
                        atom = false;
                    } else {
                        self.byte(b'-');
                        atom = true;
                    }
                }
                _ => {
                    self.pos -= 1;
                    atom = self.class_item()?;
                }
            }
        }
    }

    /// One class item (a character, an escape); returns whether it is a single
    /// byte that can start a range.
    fn class_item(&mut self) -> Result<bool, String> {
        let Some(c) = self.peek(0) else {
            return Err("missing terminating ] for character class".to_owned());
        };
        self.pos += 1;
        if c != '\\' {
            if c.is_ascii_alphanumeric() {
                self.out.push(c);
            } else if c.is_ascii() {
                self.byte(c as u8);
            } else {
                // A non-ASCII character is its bytes, each a member of the class;
                // a range from it starts at its last byte, as in PCRE.
                self.char_bytes(c);
            }
            return Ok(true);
        }
        let Some(e) = self.peek(0) else {
            return Err("the pattern ends with a backslash".to_owned());
        };
        self.pos += 1;
        match e {
            'd' | 'D' | 'w' | 'W' | 's' | 'S' => {
                self.out.push('\\');
                self.out.push(e);
                Ok(false)
            }
            'b' => {
                self.byte(0x08);
                Ok(true)
            }
            'h' => {
                self.out.push_str("\\t\\x20\\xA0");
                Ok(false)
            }
            'v' => {
                self.out.push_str("\\n\\x0B\\x0C\\r\\x85");
                Ok(false)
            }
            'Q' => {
                while let Some(q) = self.peek(0) {
                    if q == '\\' && self.peek(1) == Some('E') {
                        self.pos += 2;
                        break;
                    }
                    self.pos += 1;
                    self.char_bytes(q);
                }
                Ok(false)
            }
            'E' => Ok(false),
            d @ '1'..='7' => {
                let b = self.octal(d.to_digit(8).unwrap_or(0))?;
                self.byte(b);
                Ok(true)
            }
            e if !e.is_ascii() => {
                self.char_bytes(e);
                Ok(true)
            }
            e => match self.byte_escape(e)? {
                Some(b) => {
                    self.byte(b);
                    Ok(true)
                }
                None => Err(match e {
                    'H' | 'V' | 'N' | 'R' | 'X' | 'C' => {
                        unsupported(&format!("\\{e} inside a character class is"))
                    }
                    e => Self::refused_escape(e),
                }),
            },
        }
    }

    /// A group, the `(` consumed.
    fn group(&mut self) -> Result<(), String> {
        let saved = self.multiline;
        match (self.peek(0), self.peek(1), self.peek(2)) {
            (Some('*'), ..) => {
                return Err(unsupported("PCRE verbs such as (*UTF8) or (*SKIP) are"));
            }
            (Some('?'), Some(':'), _) => {
                self.pos += 2;
                self.out.push_str("(?:");
            }
            (Some('?'), Some('=' | '!'), _) => {
                return Err(unsupported("look-ahead assertions ((?=...), (?!...)) are"));
            }
            (Some('?'), Some('<'), Some('=' | '!')) => {
                return Err(unsupported(
                    "look-behind assertions ((?<=...), (?<!...)) are",
                ));
            }
            (Some('?'), Some('>'), _) => return Err(unsupported("atomic groups ((?>...)) are")),
            (Some('?'), Some('|'), _) => {
                return Err(unsupported("branch reset groups ((?|...)) are"));
            }
            (Some('?'), Some('('), _) => {
                return Err(unsupported("conditional groups ((?(...)...)) are"));
            }
            (Some('?'), Some('C'), _) => return Err(unsupported("callouts ((?C)) are")),
            (Some('?'), Some('R' | '&' | '+' | '0'..='9'), _)
            | (Some('?'), Some('-'), Some('0'..='9'))
            | (Some('?'), Some('P'), Some('>')) => {
                return Err(unsupported(
                    "recursion and subroutine calls ((?R), (?1)) are",
                ));
            }
            (Some('?'), Some('P'), Some('=')) => {
                return Err(unsupported("back-references ((?P=name)) are"));
            }
            (Some('?'), Some('#'), _) => {
                // A comment: dropped.
                match self.chars[self.pos..].iter().position(|c| *c == ')') {
                    Some(close) => self.pos += close + 1,
                    None => return Err("missing ) after a (?# comment".to_owned()),
                }
                return Ok(());
            }
            (Some('?'), Some('<' | '\''), _) | (Some('?'), Some('P'), Some('<')) => {
                let skip = if self.peek(1) == Some('P') { 3 } else { 2 };
                let close = if self.peek(1) == Some('\'') {
                    '\''
                } else {
                    '>'
                };
                self.pos += skip;
                let end = self.chars[self.pos..].iter().position(|c| *c == close);
                let Some(end) = end else {
                    return Err("unterminated group name".to_owned());
                };
                let name: String = self.chars[self.pos..self.pos + end].iter().collect();
                self.pos += end + 1;
                self.out.push_str(&format!("(?P<{name}>"));
            }
            (Some('?'), ..) => {
                self.pos += 1;
                return self.flags(saved);
            }
            _ => self.out.push('('),
        }
        self.groups.push(saved);
        Ok(())
    }

    /// `(?flags)` or `(?flags:`, after the `?`.
    fn flags(&mut self, saved: bool) -> Result<(), String> {
        let mut text = String::new();
        let mut on = true;
        let mut multiline = self.multiline;
        loop {
            let Some(c) = self.peek(0) else {
                return Err("unterminated (? group".to_owned());
            };
            self.pos += 1;
            match c {
                '-' => on = false,
                'i' | 's' | 'U' => {}
                'm' => multiline = on,
                'x' => {
                    return Err(unsupported("the x (extended) flag is"));
                }
                ')' | ':' => break,
                c => {
                    return Err(format!(
                        "unsupported flag {c:?} in (?{text}{c}: supported flags are i, m, s and U"
                    ));
                }
            }
            text.push(c);
        }
        if self.chars[self.pos - 1] == ')' {
            // Applies to the rest of the enclosing group.
            self.multiline = multiline;
            if !text.is_empty() {
                self.out.push_str(&format!("(?{text})"));
            }
        } else {
            self.groups.push(saved);
            self.multiline = multiline;
            self.out.push_str(&format!("(?{text}:"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_match(pattern: &str, subject: &str) -> bool {
        compile(pattern)
            .unwrap_or_else(|e| panic!("{pattern}: {e}"))
            .is_match(subject.as_bytes())
    }

    fn refused(pattern: &str) -> String {
        match compile(pattern) {
            Ok(_) => panic!("{pattern} should be refused"),
            Err(e) => e,
        }
    }

    // PCRE without the `unicode` option (CouchDB: `re:run(Value, Regex,
    // [{capture, none}])` in `mango_selector:match/3`): ASCII-only classes and
    // case folding, `.` and classes on bytes.
    #[test]
    fn byte_semantics() {
        assert!(is_match("^\\w+$", "Zoe"));
        assert!(!is_match("^\\w+$", "Zoë"));
        assert!(!is_match("^\\w+$", "李"));
        assert!(is_match("^.{3}$", "李"), "three bytes");
        assert!(!is_match("^.$", "李"));
        assert!(!is_match("(?i)émile", "Émile"));
        assert!(is_match("(?i)émile", "éMILE"));
        assert!(is_match("^[é]+$", "é"), "a class of the two bytes");
        assert!(
            !is_match("^[é]$", "é"),
            "the class matches one byte of the two"
        );
        assert!(is_match("^é+$", "é"));
        assert!(!is_match("^\\d$", "٣"));
        assert!(!is_match("^\\s$", "\u{a0}"));
        assert!(is_match("^[[:alpha:]]+$", "abc"));
        assert!(!is_match("^[[:alpha:]]+$", "àbc"));
    }

    #[test]
    fn pcre_syntax_is_translated() {
        assert!(is_match("a{", "xa{"), "a literal {{ in PCRE");
        assert!(is_match("^a{2}$", "aa"));
        assert!(is_match("x{,3}", "x{,3}"), "PCRE 8: not a quantifier");
        assert!(is_match("[a&&b]", "&"), "no class intersection in PCRE");
        assert!(is_match("[[]", "["));
        assert!(is_match("[]a]", "]"));
        assert!(is_match("\\<", "<"), "an escaped < is a literal");
        assert!(is_match("^\\Qa.b\\E$", "a.b"));
        assert!(!is_match("^\\Qa.b\\E$", "axb"));
        assert!(is_match("\\x41\\x{42}\\0101\\cC", "AB\u{8}1\u{3}"));
        assert!(is_match("^\\h\\v$", " \n"));
        assert!(is_match("a(?#comment)b", "ab"));
        assert!(is_match("(?<year>\\d{4})-(?'m'\\d\\d)", "2024-05"));
        assert!(is_match("[\\b]", "\u{8}"));
        assert!(is_match("[a-]", "-"));
        assert!(is_match("^[--/]$", "."));
    }

    // PCRE: "$ ... matches at the end of the subject string, or before a
    // newline at the end" (pcrepattern, "Circumflex and dollar").
    #[test]
    fn dollar_matches_before_a_final_newline() {
        assert!(is_match("^abc$", "abc\n"));
        assert!(is_match("^abc\\Z", "abc\n"));
        assert!(!is_match("^abc\\z", "abc\n"));
        assert!(!is_match("^abc$", "abc\n\n"));
        assert!(is_match("^(abc$|x)", "abc\n"));
        assert!(is_match("(?m)^abc$", "abc\nx"));
        assert!(!is_match("^abc$", "abc\nx"));
        assert!(refused("a$\\n").contains("$"));
        assert!(refused("(a$|b)c").contains("$"));
    }

    /// Every short pattern over PCRE's special characters either compiles or
    /// is refused with a message; none panics, in translation or matching.
    #[test]
    fn short_patterns_never_panic() {
        let alphabet: Vec<char> = "\\[](){}?*+$^|.-:é1,QEx<#".chars().collect();
        let mut patterns = vec![String::new()];
        let mut level = vec![String::new()];
        for _ in 0..3 {
            level = level
                .iter()
                .flat_map(|p| alphabet.iter().map(move |c| format!("{p}{c}")))
                .collect();
            patterns.extend(level.iter().cloned());
        }
        let mut compiled = 0;
        for pattern in &patterns {
            match compile(pattern) {
                Ok(re) => {
                    compiled += 1;
                    for subject in ["", "a\n", "é1x", "$^[]"] {
                        let _ = re.is_match(subject.as_bytes());
                    }
                }
                Err(reason) => assert!(!reason.is_empty(), "{pattern}"),
            }
        }
        assert!(compiled > 1000, "{compiled} of {} compiled", patterns.len());
    }

    #[test]
    fn missing_features_are_named() {
        for (pattern, feature) in [
            ("a(?=b)", "look-ahead"),
            ("a(?!b)", "look-ahead"),
            ("(?<=a)b", "look-behind"),
            ("(?<!a)b", "look-behind"),
            ("(a)\\1", "back-references"),
            ("(?<n>a)\\k<n>", "back-references"),
            ("(?>a)", "atomic"),
            ("a*+", "possessive"),
            ("(?R)", "recursion"),
            ("(?(1)a|b)", "conditional"),
            ("\\p{L}", "Unicode properties"),
            ("(*UTF8)a", "verbs"),
            ("(?x) a", "extended"),
            ("\\x{100}", "too large"),
        ] {
            let e = refused(pattern);
            assert!(e.contains(feature), "{pattern}: {e}");
        }
    }
}

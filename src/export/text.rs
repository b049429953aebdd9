//! Quoting and escaping for every output format, in one place, so each exporter writes values
//! the same safe way. Values come from catalogs and profiles a user may not have written:
//! nothing here may let a value end a string, a comment or a command early.

/// Makes text safe for a one-line comment in any format: control characters (newlines,
/// carriage returns, NUL, escape...) become spaces, so a value can never start a new line of
/// code after the comment marker. Bidirectional-override characters are dropped too, so the
/// comment reads the way it is parsed.
pub fn one_line(s: &str) -> String {
    // Almost every line is clean already: copied whole rather than character by character.
    if !s.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return s.to_string();
    }
    s.chars()
        .filter(|c| !is_bidi_control(*c))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Longest comment line any exporter writes. iptables-restore splits lines over 10,239 bytes and
/// Squid over 8,191, so a long value in a comment could otherwise end the comment early and be
/// read as a directive; every format wraps, so the rule holds everywhere.
pub const COMMENT_WIDTH: usize = 100;

/// Comment lines with a marker (`#`, `//`): every input line made safe by `one_line` and
/// wrapped to `COMMENT_WIDTH`.
pub fn comment_block(marker: &str, lines: &[String]) -> String {
    let mut out = String::new();
    for l in lines {
        for l in wrap(&one_line(l), COMMENT_WIDTH) {
            if l.is_empty() {
                out.push_str(marker);
            } else {
                out.push_str(marker);
                out.push(' ');
                out.push_str(&l);
            }
            out.push('\n');
        }
    }
    out
}

/// Greedy word wrap; continuation lines are indented two more spaces than the first, and a
/// word longer than the width is cut.
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    let indent_len = s.len() - s.trim_start_matches(' ').len();
    let indent = &s[..indent_len];
    let cont = format!("{indent}  ");
    let mut out: Vec<String> = Vec::new();
    let mut cur = indent.to_string();
    // The current line's length in characters, and whether it holds only white space. Kept
    // up to date rather than recounted for every word: exports wrap thousands of words.
    let (mut used, mut fresh) = (indent_len, true);
    for word in s.split(' ').filter(|w| !w.is_empty()) {
        let mut word = word;
        let mut chars = word.chars().count();
        loop {
            // A fresh line always takes at least one character, so the loop ends.
            let room = match width.saturating_sub(used + usize::from(!fresh)) {
                0 if fresh => 1,
                r => r,
            };
            if chars <= room {
                if !fresh {
                    cur.push(' ');
                    used += 1;
                }
                cur.push_str(word);
                used += chars;
                fresh = fresh && word.chars().all(char::is_whitespace);
                break;
            }
            if fresh {
                // Too long even on its own line: cut it.
                let cut = word.char_indices().nth(room).map_or(word.len(), |(i, _)| i);
                cur.push_str(&word[..cut]);
                word = &word[cut..];
                chars -= room;
            }
            out.push(std::mem::replace(&mut cur, cont.clone()));
            (used, fresh) = (indent_len + 2, true);
        }
    }
    if !cur.trim().is_empty() || out.is_empty() {
        out.push(if cur.trim().is_empty() {
            String::new()
        } else {
            cur
        });
    }
    out
}

/// `s` with ASCII letters and digits passed through `keep` (e.g. a case change) and every
/// other character as `other`: identifiers for formats that allow only these.
pub fn token(s: &str, keep: fn(char) -> char, other: char) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                keep(c)
            } else {
                other
            }
        })
        .collect()
}

/// A POSIX shell word: single-quoted, with embedded single quotes as `'\''`. Nothing inside
/// single quotes is expanded by bash, so `$(...)`, backticks and `${...}` stay inert.
pub fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=,@+%".contains(&b))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `s` between `quote`s, with the escapes HCL and Bicep share (`\\`, the quote, `\n`, `\r`,
/// `\t`); `other` writes what else the format escapes (it gets the next character too, for
/// `${`) and says whether it did.
fn quoted(s: &str, quote: char, other: impl Fn(char, Option<char>, &mut String) -> bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if other(c, chars.peek().copied(), &mut out) => {}
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// An HCL (Terraform) quoted string. JSON escaping covers quotes, backslashes and control
/// characters; `${` and `%{` start interpolation and directives, so they are doubled.
pub fn hcl_string(s: &str) -> String {
    quoted(s, '"', |c, next, out| {
        if c.is_control() {
            // HCL knows no \b or \f: every other control character as \uNNNN.
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else if matches!(c, '$' | '%') && next == Some('{') {
            out.push(c);
            out.push(c);
        } else {
            return false;
        }
        true
    })
}

/// A Bicep single-quoted string: `\`, `'` and `${` are escaped, and so are line breaks.
pub fn bicep_string(s: &str) -> String {
    quoted(s, '\'', |c, next, out| {
        if c == '$' && next == Some('{') {
            out.push_str("\\$");
        } else if c.is_control() {
            out.push_str(&format!("\\u{{{:X}}}", c as u32));
        } else {
            return false;
        }
        true
    })
}

/// An RFC 4180 CSV field: quoted when it holds a comma, quote, CR or LF, leading or trailing
/// space, or starts like a spreadsheet formula; quotes are doubled. The value itself is never
/// altered, so the CSV round-trips exactly.
pub fn csv_field(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_csv_field(&mut out, s);
    out
}

/// `csv_field`, appended to `out` (a field can be tens of kilobytes of prefixes).
pub fn push_csv_field(out: &mut String, s: &str) {
    let needs = s.bytes().any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
        || s.starts_with(' ')
        || s.ends_with(' ')
        || s.starts_with(['=', '+', '-', '@']);
    if needs {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// A Markdown table cell: pipes escaped, line breaks folded.
pub fn md_cell(s: &str) -> String {
    one_line(s)
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('*', "\\*")
}

/// A YAML double-quoted scalar (YAML 1.1 and 1.2, as PyYAML reads it): `\` and `"` escaped,
/// every non-printable character (C0, DEL, C1, line and paragraph separators, BOM) as an
/// escape, so a value can neither end the string nor start a new line of YAML.
pub fn yaml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x100 && (c.is_control() || c == '\u{7f}') => {
                out.push_str(&format!("\\x{:02X}", c as u32))
            }
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}') => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c if is_bidi_control(c) => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting_keeps_values_inert() {
        assert_eq!(sh_quote("plain-name_1"), "plain-name_1");
        assert_eq!(sh_quote("a b"), "'a b'");
        assert_eq!(sh_quote("$(rm -rf /)"), "'$(rm -rf /)'");
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
        assert_eq!(sh_quote(""), "''");
        assert_eq!(sh_quote("*.x.com"), "'*.x.com'");
    }

    #[test]
    fn hcl_strings_escape_interpolation() {
        assert_eq!(hcl_string("a${b}"), r#""a$${b}""#);
        assert_eq!(hcl_string("%{if}"), r#""%%{if}""#);
        assert_eq!(hcl_string("q\"\n"), r#""q\"\n""#);
        assert_eq!(hcl_string("a\u{8}b\u{c}"), r#""a\u0008b\u000c""#);
    }

    #[test]
    fn bicep_strings_escape_interpolation() {
        assert_eq!(bicep_string("a${b}'c\\"), r"'a\${b}\'c\\'");
        assert_eq!(bicep_string("x\ny"), r"'x\ny'");
    }

    #[test]
    fn csv_fields_quote_when_needed() {
        assert_eq!(csv_field("abc"), "abc");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=cmd"), "\"=cmd\"");
    }

    #[test]
    fn comments_are_wrapped_so_no_line_is_long() {
        let long = format!("{} -A INPUT -j ACCEPT", "x ".repeat(20_000));
        let out = comment_block("#", &[long]);
        assert!(out
            .lines()
            .all(|l| l.starts_with('#') && l.len() <= COMMENT_WIDTH + 2));
        let word = "y".repeat(5000);
        assert!(comment_block("//", &[word])
            .lines()
            .all(|l| l.len() <= COMMENT_WIDTH + 3));
    }

    #[test]
    fn comments_wrap_and_cut() {
        let w = wrap("  one two three", 9);
        assert_eq!(w, ["  one two", "    three"]);
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(wrap("a b c d e", 3), ["a b", "  c", "  d", "  e"]);
        let long = "x".repeat(25);
        assert_eq!(
            wrap(&long, 10),
            [
                "x".repeat(10),
                format!("  {}", "x".repeat(8)),
                format!("  {}", "x".repeat(7))
            ]
        );
        let c = comment_block("#", &[format!("a\n-A INPUT {}", "y".repeat(20_000))]);
        assert!(
            c.lines()
                .all(|l| l.starts_with("# ") && l.len() <= COMMENT_WIDTH + 2),
            "{c}"
        );
    }

    #[test]
    fn one_line_removes_breaks_and_bidi() {
        assert_eq!(one_line("a\nrm -rf /\r\0x"), "a rm -rf /  x");
        assert_eq!(one_line("ab\u{202E}cd"), "abcd");
    }

    #[test]
    fn yaml_strings_cannot_end_early_or_break_lines() {
        assert_eq!(yaml_string("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(yaml_string("x\ny\u{1b}\u{85}"), r#""x\ny\x1B\x85""#);
        assert_eq!(yaml_string("\u{2028}"), r#""\u2028""#);
        assert_eq!(yaml_string("tcp"), "\"tcp\"");
    }
}

//! Quoting and escaping for every output format, in one place, so each exporter writes values
//! the same safe way. Values come from catalogs and profiles a user may not have written:
//! nothing here may let a value end a string, a comment or a command early.

/// Makes text safe for a one-line comment in any format: control characters (newlines,
/// carriage returns, NUL, escape...) become spaces, so a value can never start a new line of
/// code after the comment marker. Bidirectional-override characters are dropped too, so the
/// comment reads the way it is parsed.
pub fn one_line(s: &str) -> String {
    s.chars()
        .filter(|c| !is_bidi_control(*c))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Comment lines with a marker (`#`, `//`), one per input line, each made safe by `one_line`.
pub fn comment_block(marker: &str, lines: &[String]) -> String {
    let mut out = String::new();
    for l in lines {
        let l = one_line(l);
        if l.is_empty() {
            out.push_str(marker);
        } else {
            out.push_str(marker);
            out.push(' ');
            out.push_str(&l);
        }
        out.push('\n');
    }
    out
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

/// An HCL (Terraform) quoted string. JSON escaping covers quotes, backslashes and control
/// characters; `${` and `%{` start interpolation and directives, so they are doubled.
pub fn hcl_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // HCL knows no \b or \f: every other control character as \uNNNN.
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Bicep single-quoted string: `\`, `'` and `${` are escaped, and so are line breaks.
pub fn bicep_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:X}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// An RFC 4180 CSV field: quoted when it holds a comma, quote, CR or LF, leading or trailing
/// space, or starts like a spreadsheet formula; quotes are doubled. The value itself is never
/// altered, so the CSV round-trips exactly.
pub fn csv_field(s: &str) -> String {
    let needs = s.contains([',', '"', '\r', '\n'])
        || s.starts_with(' ')
        || s.ends_with(' ')
        || s.starts_with(['=', '+', '-', '@']);
    if needs {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A Markdown table cell: pipes escaped, line breaks folded.
pub fn md_cell(s: &str) -> String {
    one_line(s).replace('\\', "\\\\").replace('|', "\\|").replace('*', "\\*")
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
    fn one_line_removes_breaks_and_bidi() {
        assert_eq!(one_line("a\nrm -rf /\r\0x"), "a rm -rf /  x");
        assert_eq!(one_line("ab\u{202E}cd"), "abcd");
    }
}

//! Quoting untrusted text (values from profile files, flags, file names) in diagnostics.
//!
//! A message on the admin's terminal must not be able to drive that terminal: ESC and BEL
//! start sequences that retitle, clear or reprogram it, CR and NUL hide what came before, and
//! bidirectional controls (U+202E ...) make text read differently from what it is. Such
//! characters are shown as Rust-style escapes (`\u{1b}`, `\r`) instead. Everything else,
//! letters of any script included, is shown as it is.

use std::borrow::Cow;

/// Whether `c` would act on a terminal or reorder text instead of being shown: a control
/// character (C0, DEL, C1), a bidirectional formatting character, or a line/paragraph
/// separator.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// `s` for one line of a diagnostic: every unsafe character (newlines too) escaped.
pub fn escape(s: &str) -> Cow<'_, str> {
    escape_with(s, |_| false)
}

/// `s` for a diagnostic of several lines (clap's usage errors): as `escape`, but line feeds
/// are kept.
pub fn escape_keeping_newlines(s: &str) -> Cow<'_, str> {
    escape_with(s, |c| c == '\n')
}

/// A whole file shown on a terminal (`amlfw profile show`): as `escape`, but line feeds and
/// tabs, which only lay the text out, are kept.
pub fn escape_for_terminal(s: &str) -> Cow<'_, str> {
    escape_with(s, |c| c == '\n' || c == '\t')
}

fn escape_with(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe_char(c) && !keep(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_unsafe_char(c) && !keep(c) {
            // escape_debug gives `\n`, `\r`, `\t`, `\0` and `\u{..}` for the rest, all of
            // them plain ASCII.
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_sequences_and_bidi_controls_are_escaped() {
        assert_eq!(
            escape("\u{1b}]0;PWNED\u{7}\u{1b}[2J"),
            "\\u{1b}]0;PWNED\\u{7}\\u{1b}[2J"
        );
        assert_eq!(escape("a\rb\0c\u{202E}d"), "a\\rb\\0c\\u{202e}d");
        assert_eq!(escape("x\u{9b}y\u{7f}"), "x\\u{9b}y\\u{7f}");
        assert_eq!(escape("a\nb"), "a\\nb");
        assert_eq!(escape_keeping_newlines("a\nb\u{1b}"), "a\nb\\u{1b}");
    }

    #[test]
    fn ordinary_text_is_untouched() {
        for s in ["réseau", "East US 2", "a'b\"c\\d", "日本", ""] {
            assert!(matches!(escape(s), Cow::Borrowed(_)), "{s}");
        }
    }
}

//! The fast path of `TagIndex::from_json_keeping` and `TagIndex::from_reader_keeping`: one
//! pass over the file, read in chunks into a buffer that is reused, that checks it is JSON of
//! the file's shape, finds each entry of `values` and its name, and hands only the kept entries
//! to serde_json (`read::ValueSeed`, as the full parse does).
//!
//! Two costs of the full parse are avoided: serde_json skipping the ~3,000 unrequested entries
//! (most of the instructions of `amlfw tags`), and reading the 4 MB file into fresh memory (a
//! page fault per 4 KiB: most of its system time). The scan handles only the plain form
//! Microsoft writes: ASCII without backslashes (so no string has escapes, a string ends at the
//! next quote, and names compare as the file spells them), no control character but line
//! breaks, no whitespace but spaces and line breaks, `changeNumber`, `cloud` and `values` in
//! that order and nothing else at the top level, each entry an object with one string `name`
//! before one `properties`, nesting no deeper than `MAX_DEPTH`. Anything else, and any JSON
//! error, returns `None` and the caller runs the full parse, which is the reference: it gives
//! the same result or the error with its line and column. So `Some` is only given for a file
//! that the full parse accepts as JSON with the same kept entries; the fuzz harness
//! (`service_tags`) checks that against `read::read_file`.
//!
//! How it goes fast (issue 21): the bytes are looked at 64 at a time, not one by one. A block
//! is classified with vector compares into bit masks (quotes, whitespace, line breaks, bytes
//! outside the plain form: `classify`); the quotes' prefix XOR gives which bytes are inside a
//! string, so the JSON tokens of the block (the opening quote of each string, every other byte
//! that is neither whitespace nor inside a string) are the set bits of one mask, and only
//! those are walked (`Walk::token`), by a pushdown automaton that checks the grammar. A
//! string's contents are never walked: the plain form makes any byte but a quote or a line
//! break valid in it. Runs of a string array (the ~96,000 address prefixes, nearly all of the
//! file) are checked a block at a time with bit operations (`Walk::string_run`). Less than half
//! the instructions of the byte-by-byte walk it replaced (18.9 M against 45.5 M for the public
//! file); memory is the 64 KiB buffer and the kept entries.

use super::read::{self, RawFile, RawValue, Text};
use serde::de::DeserializeSeed;
use std::borrow::Cow;
use std::io::Read;

mod block;
use block::{classify, newlines, prefix_xor};

/// Deeper nesting falls back: serde_json refuses past 128 levels, and no real file nests more
/// than 5.
const MAX_DEPTH: u32 = 64;

/// How much is read at a time: large enough that few reads are made, small enough to stay in
/// the cache and fault few pages in.
pub(super) const CHUNK: usize = 64 * 1024;

/// Bytes classified at once: one bit of a `u64` each.
const BLOCK: usize = 64;

/// Not the plain form, or not JSON: fall back to the full parse.
struct Bad;

type Step<T = ()> = Result<T, Bad>;

/// The file's kept entries and how many bytes were read, or `None` to fall back to the full
/// parse (see the module). `chunk` is the read size (`CHUNK`; the tests use small ones to cut
/// entries, strings and blocks everywhere).
pub(super) fn read_file<R: Read>(
    r: R,
    keep: &dyn Fn(&str) -> bool,
    chunk: usize,
) -> Option<(RawFile<'static>, u64)> {
    let mut src = Source {
        r,
        buf: Vec::new(),
        base: 0,
        len: 0,
        done: 0,
        eof: false,
        chunk: chunk.max(1),
        total: 0,
    };
    let mut walk = Walk::new(keep);
    loop {
        while src.len - src.done < BLOCK && !src.eof {
            src.fill(walk.hold())?;
        }
        let bytes = &src.buf[..src.len];
        src.done = walk.blocks(bytes, src.base, src.done).ok()?;
        if src.eof {
            // The last, partial block, filled up with spaces (whitespace: no token).
            let mut last = [b' '; BLOCK];
            last[..src.len - src.done].copy_from_slice(&bytes[src.done..]);
            walk.block(&last, bytes, src.base, src.base + src.done)
                .ok()?;
            return walk.finish(src.total);
        }
    }
}

/// A kept entry read as the full parse reads it, its name copied out of the buffer; any error
/// falls back (the full parse reports it with its position in the file).
fn parse_entry(entry: &[u8], keep: &dyn Fn(&str) -> bool) -> Step<RawValue<'static>> {
    let mut de = serde_json::Deserializer::from_slice(entry);
    let value = read::ValueSeed(keep)
        .deserialize(&mut de)
        .map_err(|_| Bad)?;
    de.end().map_err(|_| Bad)?;
    let value = value.ok_or(Bad)?;
    Ok(RawValue {
        name: Text(Cow::Owned(value.name.0.into_owned())),
        properties: value.properties,
    })
}

/// Bytes the scan has checked to be ASCII (`classify`) as text.
fn ascii(b: &[u8]) -> &str {
    // Cannot fail on ASCII; an empty name instead would only fall back or not be kept.
    std::str::from_utf8(b).unwrap_or_default()
}

struct Source<R> {
    r: R,
    /// The bytes read, up to `len`; `buf[0]` is byte `base` of the file.
    buf: Vec<u8>,
    base: usize,
    len: usize,
    /// Bytes up to here (from `buf[0]`) were walked, a block at a time.
    done: usize,
    eof: bool,
    chunk: usize,
    /// Bytes read in all.
    total: u64,
}

impl<R: Read> Source<R> {
    /// Drops the walked bytes before `hold` (a position in the file: what the walk still needs)
    /// and reads up to a chunk in all, or as much more as is held if that is more (so that
    /// holding a long entry copies it a logarithmic number of times, and a short one does not
    /// grow the buffer: growing it faulted in and copied 16 pages more per kept tag). `None` on
    /// a read error (the full parse reports it).
    fn fill(&mut self, hold: usize) -> Option<()> {
        // The buffer's length is its capacity; `len` is the part that holds bytes read. Kept
        // bytes move to the front; the buffer is zeroed only when it grows.
        let from = hold.saturating_sub(self.base).min(self.done);
        self.buf.copy_within(from..self.len, 0);
        self.base += from;
        self.done -= from;
        self.len -= from;
        let old = self.len;
        let want = self.chunk.saturating_sub(old).max(old).max(1);
        if self.buf.len() < old + want {
            self.buf.resize(old + want, 0);
        }
        let mut filled = old;
        while filled < old + want {
            match self.r.read(&mut self.buf[filled..old + want]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return None,
            }
        }
        self.len = filled;
        self.total += (filled - old) as u64;
        Some(())
    }
}

// ---- walking the tokens ----------------------------------------------------------------------

/// What the grammar allows next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// The file's first token: `{`.
    Start,
    /// A value (after `:`, or `,` in an array).
    Value,
    /// A value or `]` (after `[`).
    First,
    /// A key (after `,` in an object).
    Key,
    /// A key or `}` (after `{`).
    KeyFirst,
    Colon,
    /// `,` or the end of the container (after a value).
    After,
    /// Inside a number or literal: its next byte, else what follows a value.
    Scalar,
    /// After the file's object: nothing.
    Done,
}

/// What a value is, by its first token.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    String,
    Scalar,
    Object,
    Array,
}

/// Which member of an entry is being read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Member {
    Name,
    Other,
}

/// The pushdown automaton over the tokens, with what it learns of the file's shape. Depth 1
/// is the file's object, 2 its `values`, 3 an entry, 4 and deeper an entry's values: the
/// shape is only checked at depth 3 and less (`depth <= 3` guards every such step).
struct Walk<'k> {
    keep: &'k dyn Fn(&str) -> bool,
    /// All ones when the previous block ended inside a string.
    in_string: u64,
    expect: Expect,
    depth: u32,
    /// Bit `d - 1` is set when the container at depth `d` is an array.
    arrays: u64,
    /// The number or literal being read: its first and last byte (positions in the file).
    scalar_start: usize,
    scalar_last: usize,
    /// A string whose text is needed (a key at depth 1 or 3, an entry's name, the cloud) is
    /// open from here (its opening quote) until the token after it.
    text_start: usize,
    text_open: bool,
    /// Top-level keys seen: `changeNumber`, `cloud`, `values`, in that order.
    top: u8,
    change_number: Option<u64>,
    cloud: Option<String>,
    /// The entry being read: where it starts, its member, whether its name and properties
    /// were seen, and whether it is kept (`None` until the name is known).
    in_entry: bool,
    entry_start: usize,
    member: Member,
    named: bool,
    properties: bool,
    kept: Option<bool>,
    values: Vec<RawValue<'static>>,
}

impl<'k> Walk<'k> {
    fn new(keep: &'k dyn Fn(&str) -> bool) -> Walk<'k> {
        Walk {
            keep,
            in_string: 0,
            expect: Expect::Start,
            depth: 0,
            arrays: 0,
            scalar_start: 0,
            scalar_last: 0,
            text_start: 0,
            text_open: false,
            top: 0,
            change_number: None,
            cloud: None,
            in_entry: false,
            entry_start: 0,
            member: Member::Other,
            named: false,
            properties: false,
            kept: None,
            values: Vec::new(),
        }
    }

    /// The first byte of the file the walk still needs (`usize::MAX`: none): the entry being
    /// read unless it is known not to be kept, an open string whose text is needed, the number
    /// being read.
    fn hold(&self) -> usize {
        let mut hold = usize::MAX;
        if self.in_entry && self.kept != Some(false) {
            hold = self.entry_start;
        }
        if self.text_open {
            hold = hold.min(self.text_start);
        }
        if self.expect == Expect::Scalar {
            hold = hold.min(self.scalar_start);
        }
        hold
    }

    fn finish(self, total: u64) -> Option<(RawFile<'static>, u64)> {
        if self.expect != Expect::Done || self.in_string != 0 {
            return None;
        }
        Some((
            RawFile {
                change_number: self.change_number?,
                cloud: Text(Cow::Owned(self.cloud?)),
                values: self.values,
            },
            total,
        ))
    }

    fn in_array(&self) -> bool {
        self.depth > 0 && self.arrays >> (self.depth - 1) & 1 == 1
    }

    /// The whole blocks of `bytes` from `from` on (`bytes` holds the file from position `base`
    /// on): where they end.
    fn blocks(&mut self, bytes: &[u8], base: usize, from: usize) -> Step<usize> {
        let mut at = from;
        while let Some(block) = bytes.get(at..at + BLOCK) {
            let Ok(block) = <&[u8; BLOCK]>::try_from(block) else {
                unreachable!("a range of BLOCK bytes")
            };
            self.block(block, bytes, base, base + at)?;
            at += BLOCK;
        }
        Ok(at)
    }

    /// One block, which starts at position `at` of the file; `bytes` holds the file from
    /// position `base` on, this block included.
    #[inline(always)]
    fn block(&mut self, b: &[u8; BLOCK], bytes: &[u8], base: usize, at: usize) -> Step {
        let m = classify(b);
        if m.bad {
            return Err(Bad);
        }
        // Inside a string (its opening quote included, its closing one not).
        let inside = prefix_xor(m.quote) ^ self.in_string;
        self.in_string = ((inside as i64) >> 63) as u64;
        // JSON allows no raw line break in a string (spaces are fine, but rare).
        if m.space & inside != 0 && newlines(b) & inside != 0 {
            return Err(Bad);
        }
        // Opening quotes, and every byte outside strings that is not whitespace (closing
        // quotes are neither).
        let mut tokens = (m.quote & inside) | !(m.space | m.quote | inside);
        if self.depth > 3 && self.in_array() {
            tokens = self.string_run(tokens, m.quote & inside, m.comma & !inside);
        }
        while tokens != 0 {
            let i = tokens.trailing_zeros() as usize;
            tokens &= tokens - 1;
            self.token(b[i], at + i, bytes, base)?;
        }
        Ok(())
    }

    /// Inside an array deeper than the file's shape: takes the run of the block's first tokens
    /// that are strings and commas at once, when they alternate as the grammar wants, and
    /// returns the tokens left for `token` (all of them when the run is not valid: `token`
    /// then finds the error). `opening` are the opening quotes, `commas` the commas outside
    /// strings. In the prefix XOR of the run's bits, the `k`-th token has parity `k`: the
    /// strings must be the odd ones when a value comes first and the even ones after a value,
    /// the commas the others. The ~96,000 address prefixes are such runs.
    fn string_run(&mut self, tokens: u64, opening: u64, commas: u64) -> u64 {
        let value_first = match self.expect {
            Expect::Value | Expect::First => true,
            Expect::After => false,
            _ => return tokens,
        };
        let other = tokens & !(opening | commas);
        // The tokens before the first other one.
        let run = if other == 0 {
            tokens
        } else {
            tokens & ((other & other.wrapping_neg()) - 1)
        };
        if run == 0 {
            return tokens;
        }
        let odd = prefix_xor(run);
        let misplaced = if value_first {
            (opening & !odd) | (commas & odd)
        } else {
            (opening & odd) | (commas & !odd)
        };
        if misplaced & run != 0 {
            return tokens;
        }
        let last = 63 - run.leading_zeros();
        self.expect = if opening >> last & 1 == 1 {
            Expect::After
        } else {
            Expect::Value
        };
        tokens & !run
    }

    /// One token at position `pos` of the file: `c` is its byte, `bytes` the file from `base`.
    #[inline(always)]
    fn token(&mut self, c: u8, pos: usize, bytes: &[u8], base: usize) -> Step {
        if self.expect == Expect::Scalar {
            if pos == self.scalar_last + 1
                && !matches!(c, b'"' | b',' | b':' | b'[' | b']' | b'{' | b'}')
            {
                self.scalar_last = pos;
                return Ok(());
            }
            self.end_scalar(bytes, base)?;
        }
        match c {
            b'"' => match self.expect {
                Expect::Value | Expect::First => {
                    if self.depth <= 3 {
                        self.value_start(Kind::String, pos)?;
                    }
                    self.expect = Expect::After;
                }
                Expect::Key | Expect::KeyFirst => {
                    if self.depth == 1 || self.depth == 3 {
                        self.text_start = pos;
                        self.text_open = true;
                    }
                    self.expect = Expect::Colon;
                }
                _ => return Err(Bad),
            },
            b',' => {
                if self.expect != Expect::After {
                    return Err(Bad);
                }
                if self.text_open {
                    self.end_text_value(pos, bytes, base);
                }
                self.expect = if self.in_array() {
                    Expect::Value
                } else {
                    Expect::Key
                };
            }
            b':' => {
                if self.expect != Expect::Colon {
                    return Err(Bad);
                }
                if self.text_open {
                    self.key(pos, bytes, base)?;
                }
                self.expect = Expect::Value;
            }
            b'{' | b'[' => {
                let array = c == b'[';
                match self.expect {
                    Expect::Value | Expect::First => {}
                    Expect::Start if !array => {}
                    _ => return Err(Bad),
                }
                if self.depth <= 3 {
                    let kind = if array { Kind::Array } else { Kind::Object };
                    self.value_start(kind, pos)?;
                }
                if self.depth == MAX_DEPTH {
                    return Err(Bad);
                }
                self.depth += 1;
                let bit = 1u64 << (self.depth - 1);
                if array {
                    self.arrays |= bit;
                    self.expect = Expect::First;
                } else {
                    self.arrays &= !bit;
                    self.expect = Expect::KeyFirst;
                }
            }
            b'}' | b']' => {
                let array = c == b']';
                let empty = if array {
                    Expect::First
                } else {
                    Expect::KeyFirst
                };
                if self.depth == 0
                    || self.in_array() != array
                    || (self.expect != Expect::After && self.expect != empty)
                {
                    return Err(Bad);
                }
                if self.depth <= 3 {
                    self.close(pos, bytes, base)?;
                }
                self.depth -= 1;
                self.expect = if self.depth == 0 {
                    Expect::Done
                } else {
                    Expect::After
                };
            }
            _ => match self.expect {
                Expect::Value | Expect::First => {
                    if self.depth <= 3 {
                        self.value_start(Kind::Scalar, pos)?;
                    }
                    self.scalar_start = pos;
                    self.scalar_last = pos;
                    self.expect = Expect::Scalar;
                }
                _ => return Err(Bad),
            },
        }
        Ok(())
    }

    /// A value starts at depth 3 or less: is it what the file's shape has there?
    #[inline(never)]
    fn value_start(&mut self, kind: Kind, pos: usize) -> Step {
        match self.depth {
            0 => {}
            1 => match (self.top, kind) {
                (1, Kind::Scalar) | (3, Kind::Array) => {}
                (2, Kind::String) => {
                    self.text_start = pos;
                    self.text_open = true;
                }
                _ => return Err(Bad),
            },
            2 => {
                if kind != Kind::Object {
                    return Err(Bad);
                }
                self.in_entry = true;
                self.entry_start = pos;
                self.named = false;
                self.properties = false;
                self.kept = None;
            }
            _ => {
                if self.member == Member::Name {
                    if kind != Kind::String {
                        return Err(Bad);
                    }
                    self.text_start = pos;
                    self.text_open = true;
                }
            }
        }
        Ok(())
    }

    /// The text of the string opened at `text_start`, given the token after it at `pos`
    /// (only whitespace lies between its closing quote and that token).
    fn text<'b>(&mut self, pos: usize, bytes: &'b [u8], base: usize) -> &'b [u8] {
        self.text_open = false;
        let start = self.text_start - base + 1;
        let mut end = pos - base;
        while end > start && matches!(bytes[end - 1], b' ' | b'\n') {
            end -= 1;
        }
        // `end - 1` is the closing quote.
        &bytes[start..end.saturating_sub(1).max(start)]
    }

    /// A key at depth 1 or 3, ended by its colon at `pos`.
    #[inline(never)]
    fn key(&mut self, pos: usize, bytes: &[u8], base: usize) -> Step {
        let key = self.text(pos, bytes, base);
        if self.depth == 1 {
            let expected: &[u8] = match self.top {
                0 => b"changeNumber",
                1 => b"cloud",
                2 => b"values",
                _ => return Err(Bad),
            };
            if key != expected {
                return Err(Bad);
            }
            self.top += 1;
            return Ok(());
        }
        // The full parse reads the `properties` of an entry whatever its name when they come
        // before the name, so that form falls back, as do a second name or properties.
        self.member = Member::Other;
        match key {
            b"name" if !self.named => {
                self.named = true;
                self.member = Member::Name;
            }
            b"properties" if self.named && !self.properties => self.properties = true,
            b"name" | b"properties" => return Err(Bad),
            _ => {}
        }
        Ok(())
    }

    /// A string value whose text is needed (the cloud, an entry's name), ended by the token
    /// at `pos`.
    #[inline(never)]
    fn end_text_value(&mut self, pos: usize, bytes: &[u8], base: usize) {
        let text = ascii(self.text(pos, bytes, base));
        if self.depth == 1 {
            self.cloud = Some(text.to_string());
        } else {
            self.kept = Some((self.keep)(text));
        }
    }

    /// The end of a container at depth 3 or less, at `pos`.
    #[inline(never)]
    fn close(&mut self, pos: usize, bytes: &[u8], base: usize) -> Step {
        if self.text_open {
            self.end_text_value(pos, bytes, base);
        }
        match self.depth {
            // An entry.
            3 => {
                if !self.properties {
                    return Err(Bad);
                }
                self.in_entry = false;
                if self.kept == Some(true) {
                    let entry = &bytes[self.entry_start - base..=pos - base];
                    self.values.push(parse_entry(entry, self.keep)?);
                }
            }
            // The file's object.
            1 if self.top != 3 => return Err(Bad),
            _ => {}
        }
        Ok(())
    }

    /// The number or literal that ended before the current token: valid JSON, and at depth 1
    /// (`changeNumber`) a `u64` as serde_json reads it (no sign, fraction or exponent).
    #[inline(never)]
    fn end_scalar(&mut self, bytes: &[u8], base: usize) -> Step {
        self.expect = Expect::After;
        let s = &bytes[self.scalar_start - base..=self.scalar_last - base];
        if !(scalar(s)) {
            return Err(Bad);
        }
        if self.depth == 1 {
            let n = ascii(s).parse::<u64>().map_err(|_| Bad)?;
            self.change_number = Some(n);
        }
        Ok(())
    }
}

/// Whether `s` is a JSON number or literal:
/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, `true`, `false` or `null`.
fn scalar(s: &[u8]) -> bool {
    if matches!(s, b"true" | b"false" | b"null") {
        return true;
    }
    let digits = |s: &[u8]| s.iter().take_while(|b| b.is_ascii_digit()).count();
    let mut i = usize::from(s.first() == Some(&b'-'));
    match s.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i += digits(&s[i..]),
        _ => return false,
    }
    if s.get(i) == Some(&b'.') {
        let n = digits(&s[i + 1..]);
        if n == 0 {
            return false;
        }
        i += 1 + n;
    }
    if let Some(b'e' | b'E') = s.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = s.get(i) {
            i += 1;
        }
        let n = digits(&s[i..]);
        if n == 0 {
            return false;
        }
        i += n;
    }
    i == s.len()
}

#[cfg(test)]
mod tests;

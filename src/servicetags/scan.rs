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
//! breaks, `changeNumber`, `cloud` and `values` in that order and nothing else at the top level,
//! each entry an object with one string `name` before one `properties`, nesting no deeper than
//! `MAX_DEPTH`. Anything else, and any JSON error, returns `None` and the caller runs the full
//! parse, which is the reference: it gives the same result or the error with its line and
//! column. So `Some` is only given for a file that the full parse accepts as JSON with the same
//! kept entries; the fuzz harness (`service_tags`) checks that against `read::read_file`.

use super::read::{self, RawFile, RawValue, Text};
use serde::de::DeserializeSeed;
use std::borrow::Cow;
use std::io::Read;

/// Deeper nesting falls back: serde_json refuses past 128 levels, and no real file nests more
/// than 5.
const MAX_DEPTH: usize = 64;

/// How much is read at a time: large enough that the scan rarely restarts an entry cut by the
/// end of the buffer, small enough to stay in the cache and fault few pages in.
pub(super) const CHUNK: usize = 256 * 1024;

/// Why a step of the scan stopped.
enum Stop {
    /// The buffer ended inside the step: read more and run it again.
    More,
    /// Not the plain form (or not JSON): fall back to the full parse.
    Bad,
}

type Step<T> = Result<T, Stop>;

/// The file's kept entries and how many bytes were read, or `None` to fall back to the full
/// parse (see the module). `chunk` is the read size (`CHUNK`; the tests use small ones to cut
/// entries and strings everywhere).
pub(super) fn read_file<R: Read>(
    r: R,
    keep: &dyn Fn(&str) -> bool,
    chunk: usize,
) -> Option<(RawFile<'static>, u64)> {
    let mut src = Source {
        r,
        buf: Vec::new(),
        len: 0,
        pos: 0,
        eof: false,
        chunk: chunk.max(1),
        total: 0,
    };
    let (change_number, cloud) = src.step(|s| {
        s.eat(b'{')?;
        s.key(b"changeNumber")?;
        s.ws()?;
        let start = s.i;
        s.number()?;
        // serde_json reads it as `u64` (no sign, fraction or exponent).
        let n = ascii(&s.b[start..s.i])
            .parse::<u64>()
            .map_err(|_| Stop::Bad)?;
        s.eat(b',')?;
        s.key(b"cloud")?;
        let (cs, ce) = s.string()?;
        let cloud = ascii(&s.b[cs..ce]).to_string();
        s.eat(b',')?;
        s.key(b"values")?;
        s.eat(b'[')?;
        Ok((n, cloud))
    })?;
    let mut values = Vec::new();
    let mut more = !src.step(|s| s.ahead(b']'))?;
    while more {
        let (start, end, (ns, ne)) = src.step(|s| {
            s.ws()?;
            let start = s.i;
            let name = s.entry()?;
            Ok((start, s.i, name))
        })?;
        let b = &src.buf[..src.len];
        if keep(ascii(&b[ns..ne])) {
            values.push(parse_entry(&b[start..end], keep)?);
        }
        more = src.step(|s| s.comma_or(b']'))?;
    }
    src.step(|s| s.eat(b'}'))?;
    src.end()?;
    Some((
        RawFile {
            change_number,
            cloud: Text(Cow::Owned(cloud)),
            values,
        },
        src.total,
    ))
}

/// Bytes the scan has checked to be ASCII (`plain`) as text.
fn ascii(b: &[u8]) -> &str {
    // Cannot fail on ASCII; an empty name instead would only fall back or not be kept.
    std::str::from_utf8(b).unwrap_or_default()
}

/// A kept entry read as the full parse reads it, its name copied out of the buffer; any error
/// falls back (the full parse reports it with its position in the file).
fn parse_entry(entry: &[u8], keep: &dyn Fn(&str) -> bool) -> Option<RawValue<'static>> {
    let mut de = serde_json::Deserializer::from_slice(entry);
    let value = read::ValueSeed(keep).deserialize(&mut de).ok()?;
    de.end().ok()?;
    let value = value?;
    Some(RawValue {
        name: Text(Cow::Owned(value.name.0.into_owned())),
        properties: value.properties,
    })
}

/// Whether a chunk read is of the plain form: ASCII, no backslash, no control character but
/// `'\n'` (so a string is checked by looking for its closing quote and a line break only).
/// Written as a fold over fixed blocks so that it compiles to vector instructions.
fn plain(bytes: &[u8]) -> bool {
    bytes.chunks(64).all(|block| {
        block.iter().fold(true, |ok, &b| {
            ok & (((0x20..0x7f).contains(&b) & (b != b'\\')) | (b == b'\n'))
        })
    })
}

struct Source<R> {
    r: R,
    /// The bytes read, up to `len`, and not yet consumed from `pos` on.
    buf: Vec<u8>,
    len: usize,
    pos: usize,
    eof: bool,
    chunk: usize,
    /// Bytes read in all.
    total: u64,
}

impl<R: Read> Source<R> {
    /// Runs `f` on the buffer from `pos`; when the buffer ends inside it, reads more and runs
    /// it again from the same place (an entry cut by the end of a chunk is scanned twice).
    fn step<T>(&mut self, f: impl Fn(&mut Scanner) -> Step<T>) -> Option<T> {
        loop {
            let mut s = Scanner {
                b: &self.buf[..self.len],
                i: self.pos,
            };
            match f(&mut s) {
                Ok(v) => {
                    self.pos = s.i;
                    return Some(v);
                }
                Err(Stop::Bad) => return None,
                Err(Stop::More) => self.fill()?,
            }
        }
    }

    /// Drops the consumed bytes and reads at least a chunk more (as much as is kept, if that is
    /// more, so that a long entry takes a logarithmic number of restarts). `None` at the end of
    /// the file, on a read error (the full parse reports it) or on bytes that are not plain.
    fn fill(&mut self) -> Option<()> {
        if self.eof {
            return None;
        }
        // The buffer's length is its capacity; `len` is the part that holds bytes read. Kept
        // bytes move to the front; the buffer is zeroed only when it grows (`resize` on every
        // fill cost 8% of the instructions).
        self.buf.copy_within(self.pos..self.len, 0);
        let old = self.len - self.pos;
        self.pos = 0;
        let want = self.chunk.max(old);
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
        plain(&self.buf[old..filled]).then_some(())
    }

    /// Only whitespace up to the end of the file.
    fn end(&mut self) -> Option<()> {
        loop {
            let rest = &self.buf[self.pos..self.len];
            if rest.iter().any(|&b| !matches!(b, b' ' | b'\n')) {
                return None;
            }
            self.pos = self.len;
            if self.eof {
                return Some(());
            }
            self.fill()?;
        }
    }
}

struct Scanner<'b> {
    b: &'b [u8],
    i: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Step<u8> {
        self.b.get(self.i).copied().ok_or(Stop::More)
    }

    /// JSON whitespace (only spaces and line breaks are plain). Pretty-printed files put a line
    /// break and an indentation between every two prefixes, so this loop runs often. At the
    /// end of the buffer it asks for more: the next token may be anything.
    fn ws(&mut self) -> Step<()> {
        loop {
            match self.peek()? {
                b' ' | b'\n' => self.i += 1,
                _ => return Ok(()),
            }
        }
    }

    fn eat(&mut self, c: u8) -> Step<()> {
        self.ws()?;
        if self.peek()? == c {
            self.i += 1;
            Ok(())
        } else {
            Err(Stop::Bad)
        }
    }

    /// Whether `c` comes next (after whitespace), eaten if so.
    fn ahead(&mut self, c: u8) -> Step<bool> {
        self.ws()?;
        let is = self.peek()? == c;
        self.i += usize::from(is);
        Ok(is)
    }

    /// The key `k` and its colon.
    fn key(&mut self, k: &[u8]) -> Step<()> {
        let (s, e) = self.string()?;
        if &self.b[s..e] != k {
            return Err(Stop::Bad);
        }
        self.eat(b':')
    }

    /// A string (after whitespace): the positions of its contents. No escapes, no control
    /// character but `'\n'` (see `plain`), which JSON refuses inside a string.
    fn string(&mut self) -> Step<(usize, usize)> {
        self.eat(b'"')?;
        let start = self.i;
        match memchr::memchr2(b'"', b'\n', &self.b[start..]) {
            None => Err(Stop::More),
            Some(len) if self.b[start + len] == b'"' => {
                self.i = start + len + 1;
                Ok((start, start + len))
            }
            Some(_) => Err(Stop::Bad),
        }
    }

    /// Any JSON value, checked and skipped.
    fn value(&mut self, depth: usize) -> Step<()> {
        if depth > MAX_DEPTH {
            return Err(Stop::Bad);
        }
        self.ws()?;
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            b'{' => {
                self.i += 1;
                if self.ahead(b'}')? {
                    return Ok(());
                }
                loop {
                    self.string()?;
                    self.eat(b':')?;
                    self.value(depth + 1)?;
                    if !self.comma_or(b'}')? {
                        return Ok(());
                    }
                }
            }
            b'[' => {
                self.i += 1;
                if self.ahead(b']')? {
                    return Ok(());
                }
                loop {
                    self.value(depth + 1)?;
                    if !self.comma_or(b']')? {
                        return Ok(());
                    }
                }
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number(),
        }
    }

    /// After a member or element: `true` after a comma (another follows), `false` after
    /// `close`.
    fn comma_or(&mut self, close: u8) -> Step<bool> {
        self.ws()?;
        let c = self.peek()?;
        self.i += 1;
        match c {
            b',' => Ok(true),
            c if c == close => Ok(false),
            _ => Err(Stop::Bad),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Step<()> {
        let rest = &self.b[self.i..];
        if rest.starts_with(word) {
            self.i += word.len();
            Ok(())
        } else if word.starts_with(rest) {
            Err(Stop::More)
        } else {
            Err(Stop::Bad)
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, the JSON grammar. A number is never
    /// last in the file, so one that reaches the end of the buffer may go on: read more.
    fn number(&mut self) -> Step<()> {
        if self.peek()? == b'-' {
            self.i += 1;
        }
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => self.digits()?,
            _ => return Err(Stop::Bad),
        }
        if self.peek()? == b'.' {
            self.i += 1;
            self.digits1()?;
        }
        if let b'e' | b'E' = self.peek()? {
            self.i += 1;
            if let b'+' | b'-' = self.peek()? {
                self.i += 1;
            }
            self.digits1()?;
        }
        Ok(())
    }

    fn digits(&mut self) -> Step<()> {
        while self.peek()?.is_ascii_digit() {
            self.i += 1;
        }
        Ok(())
    }

    fn digits1(&mut self) -> Step<()> {
        let start = self.i;
        self.digits()?;
        if self.i > start {
            Ok(())
        } else {
            Err(Stop::Bad)
        }
    }

    /// One entry of `values`, checked and skipped: the position of its name. The full parse
    /// reads the `properties` of an entry whatever its name when they come before the name, so
    /// that form falls back.
    fn entry(&mut self) -> Step<(usize, usize)> {
        let (mut name, mut properties) = (None, false);
        self.eat(b'{')?;
        if self.ahead(b'}')? {
            return Err(Stop::Bad);
        }
        loop {
            let (ks, ke) = self.string()?;
            self.eat(b':')?;
            match &self.b[ks..ke] {
                b"name" if name.is_none() => name = Some(self.string()?),
                b"properties" if name.is_some() && !properties => {
                    properties = true;
                    self.value(2)?;
                }
                b"name" | b"properties" => return Err(Stop::Bad),
                _ => self.value(2)?,
            }
            if !self.comma_or(b'}')? {
                break;
            }
        }
        match name {
            Some(n) if properties => Ok(n),
            _ => Err(Stop::Bad),
        }
    }
}

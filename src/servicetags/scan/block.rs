//! Classifying a block of 64 bytes into bit masks (quotes, commas, whitespace, bytes outside
//! the plain form), with SSE2 compares on x86-64 and a byte loop elsewhere, and the prefix XOR
//! that turns the quotes into the inside of the strings.

use super::BLOCK;

/// One bit per byte of a block (bit `i` for byte `i`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Masks {
    pub(super) quote: u64,
    pub(super) comma: u64,
    /// Spaces and line breaks, the only whitespace of the plain form (for a block that is
    /// not `bad`: below, the other bytes up to a space are in it too).
    pub(super) space: u64,
    /// A byte outside the plain form: a control character but `'\n'`, a backslash, non-ASCII.
    pub(super) bad: bool,
}

/// `classify_bytes` with SSE2 compares, 16 bytes at a time (SSE2 is part of every x86-64 CPU,
/// so no detection is needed; `safe_arch` gives its intrinsics as safe functions).
#[cfg(target_arch = "x86_64")]
pub(super) fn classify(b: &[u8; BLOCK]) -> Masks {
    use safe_arch::{
        bitandnot_m128i, bitor_m128i, cmp_eq_mask_i8_m128i, cmp_lt_mask_i8_m128i,
        load_unaligned_m128i, move_mask_i8_m128i, set_splat_i8_m128i, zeroed_m128i,
    };
    let splat = |c: u8| set_splat_i8_m128i(c as i8);
    let (quote, comma, newline, backslash, control, space_or_less) = (
        splat(b'"'),
        splat(b','),
        splat(b'\n'),
        splat(b'\\'),
        splat(0x20),
        splat(0x21),
    );
    let mask = |v| u64::from(move_mask_i8_m128i(v) as u16);
    let mut m = Masks::default();
    let mut bad = zeroed_m128i();
    for (k, lane) in b.chunks_exact(16).enumerate() {
        let Ok(lane) = <&[u8; 16]>::try_from(lane) else {
            unreachable!("chunks_exact(16) gives 16 bytes")
        };
        let v = load_unaligned_m128i(lane);
        // As signed bytes, below 0x20 is a control character or not ASCII (0x80 and up):
        // bad unless a line break. Below 0x21 is a space or one of those.
        let low = cmp_lt_mask_i8_m128i(v, control);
        bad = bitor_m128i(
            bad,
            bitor_m128i(
                bitandnot_m128i(cmp_eq_mask_i8_m128i(v, newline), low),
                cmp_eq_mask_i8_m128i(v, backslash),
            ),
        );
        m.quote |= mask(cmp_eq_mask_i8_m128i(v, quote)) << (16 * k);
        m.comma |= mask(cmp_eq_mask_i8_m128i(v, comma)) << (16 * k);
        m.space |= mask(cmp_lt_mask_i8_m128i(v, space_or_less)) << (16 * k);
    }
    m.bad = move_mask_i8_m128i(bad) != 0;
    m
}

#[cfg(not(target_arch = "x86_64"))]
pub(super) fn classify(b: &[u8; BLOCK]) -> Masks {
    classify_bytes(b)
}

/// The masks of a block, a byte at a time: the reference of `classify` (a test compares them
/// on blocks that are not `bad`) and what other CPUs use.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
pub(super) fn classify_bytes(b: &[u8; BLOCK]) -> Masks {
    let mut m = Masks::default();
    for (i, &c) in b.iter().enumerate() {
        let bit = 1u64 << i;
        match c {
            b'"' => m.quote |= bit,
            b',' => m.comma |= bit,
            b' ' | b'\n' => m.space |= bit,
            b'\\' => m.bad = true,
            c if !(0x20..0x80).contains(&c) => m.bad = true,
            _ => {}
        }
    }
    m
}

/// The line breaks of a block: only needed when whitespace is found inside a string.
pub(super) fn newlines(b: &[u8; BLOCK]) -> u64 {
    b.iter()
        .enumerate()
        .fold(0, |m, (i, &c)| m | u64::from(c == b'\n') << i)
}

/// Bit `i` is the XOR of bits `0..=i`: over the quotes, 1 from an opening quote up to (not
/// including) its closing one.
pub(super) fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

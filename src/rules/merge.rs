//! The merge index of `resolve`: rules with the same kind, remote (any ASCII case), ports,
//! path and next hop are one rule.

use crate::model::{Kind, PortSpec};
use crate::shared::SharedStr;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// Rules with the same key are one rule: kind, remote (ignoring ASCII case), ports (sorted),
/// URL path and next hop. Everything in it is borrowed or shared: no allocation per rule.
#[derive(PartialEq, Eq, Hash)]
pub(super) struct MergeKey<'a> {
    pub kind: Kind,
    pub remote: Caseless,
    pub ports: &'a [PortSpec],
    pub path: Option<&'a str>,
    pub next_hop: Option<&'a str>,
}

/// A remote compared and hashed ignoring ASCII case (`Storage.EastUS2` = `storage.eastus2`).
pub(super) struct Caseless(pub SharedStr);

impl PartialEq for Caseless {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Eq for Caseless {}

impl Hash for Caseless {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for b in self.0.bytes() {
            state.write_u8(b.to_ascii_lowercase());
        }
        // Ends the string, as `str`'s own `Hash` does, so adjacent fields cannot run together.
        state.write_u8(0xff);
    }
}

/// A multiply-rotate hash (the scheme of rustc's FxHash) for the merge index. Its keys are a
/// few dozen short values from the catalog and a validated profile, so SipHash's resistance to
/// chosen keys buys nothing, and it was an eighth of resolve's instructions.
#[derive(Default)]
pub(super) struct QuickHasher(u64);

impl QuickHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for QuickHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u16(&mut self, n: u16) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub(super) type MergeIndex<'a> = HashMap<MergeKey<'a>, usize, BuildHasherDefault<QuickHasher>>;

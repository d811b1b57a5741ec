//! The Solidity ABI codec: call data, return data, event data and storage values. Types and
//! their ABI names (the same table as the AssemblyScript SDK):
//!
//!   bool -> bool, u8/u16/u32/u64 -> uintN, i8/i16/i32/i64 -> intN, U256 -> uint256,
//!   Address -> address, Bytes32 -> bytes32, Vec<u8> -> bytes, String -> string
//!
//! Decoding is strict like Solidity's: out-of-range words revert.

use alloc::string::String;
use alloc::vec::Vec;

use crate::revert;
use crate::types::{Address, Bytes32, U256};

const WORD: usize = 32;

/// A type that crosses the ABI.
pub trait AbiType: Sized {
    fn decode(d: &mut Decoder) -> Self;
    fn encode(&self, e: &mut Encoder);
}

/// Reads ABI-encoded values in order; offsets of dynamic values count from `base`.
pub struct Decoder<'a> {
    data: &'a [u8],
    base: usize,
    pos: usize,
}

impl<'a> Decoder<'a> {
    pub fn new(data: &'a [u8], base: usize) -> Decoder<'a> {
        Decoder { data, base, pos: base }
    }

    pub fn read<T: AbiType>(&mut self) -> T {
        T::decode(self)
    }

    /// The next head word; reverts if the data ends before it.
    pub fn word(&mut self) -> &'a [u8; 32] {
        let at = self.pos;
        if at + WORD > self.data.len() {
            revert("abi: call data too short");
        }
        self.pos = at + WORD;
        self.data[at..at + WORD].try_into().unwrap_or_else(|_| revert("abi: call data too short"))
    }

    /// An unsigned integer of `bits` bits: the bytes above it must be zero.
    pub fn uint(&mut self, bits: usize) -> u64 {
        let w = self.word();
        if w[..WORD - bits / 8].iter().any(|&b| b != 0) {
            revert("abi: integer out of range");
        }
        let mut low = [0u8; 8];
        low.copy_from_slice(&w[24..]);
        u64::from_be_bytes(low)
    }

    /// A signed integer of `bits` bits: the bytes above it must copy the sign.
    pub fn int(&mut self, bits: u32) -> i64 {
        let w = self.word();
        let mut low = [0u8; 8];
        low.copy_from_slice(&w[24..]);
        let v = i64::from_be_bytes(low);
        let extended = if bits == 64 { v } else { (v << (64 - bits)) >> (64 - bits) };
        let fill = if extended < 0 { 0xff } else { 0 };
        if extended != v || w[..24].iter().any(|&b| b != fill) {
            revert("abi: integer out of range");
        }
        extended
    }

    /// bytes or string: the head holds the offset of a length word followed by the data.
    pub fn dynamic(&mut self) -> Vec<u8> {
        let start = self.base as u64 + self.uint(32);
        let len_at = start as usize;
        if start + WORD as u64 > self.data.len() as u64 {
            revert("abi: call data too short");
        }
        let len_word = &self.data[len_at..len_at + WORD];
        if len_word[..28].iter().any(|&b| b != 0) {
            revert("abi: length out of range");
        }
        let len = u32::from_be_bytes([len_word[28], len_word[29], len_word[30], len_word[31]]) as u64;
        if start + WORD as u64 + len > self.data.len() as u64 {
            revert("abi: call data too short");
        }
        self.data[len_at + WORD..len_at + WORD + len as usize].to_vec()
    }
}

/// Builds an ABI encoding: static values in the head, dynamic ones in the tail.
#[derive(Default)]
pub struct Encoder {
    heads: Vec<[u8; 32]>,
    /// Per head: the tail of a dynamic value (length word + padded data), or None.
    tails: Vec<Option<Vec<u8>>>,
}

impl Encoder {
    pub fn new() -> Encoder {
        Encoder::default()
    }

    pub fn write<T: AbiType>(&mut self, v: &T) -> &mut Encoder {
        v.encode(self);
        self
    }

    pub fn head(&mut self, word: [u8; 32]) {
        self.heads.push(word);
        self.tails.push(None);
    }

    pub fn uint(&mut self, v: u64) {
        let mut w = [0u8; 32];
        w[24..].copy_from_slice(&v.to_be_bytes());
        self.head(w);
    }

    pub fn int(&mut self, v: i64) {
        let mut w = if v < 0 { [0xff; 32] } else { [0; 32] };
        w[24..].copy_from_slice(&v.to_be_bytes());
        self.head(w);
    }

    pub fn dynamic(&mut self, data: &[u8]) {
        let mut tail = Vec::with_capacity(WORD + (data.len() + 31) / 32 * 32);
        let mut len = [0u8; 32];
        len[24..].copy_from_slice(&(data.len() as u64).to_be_bytes());
        tail.extend_from_slice(&len);
        tail.extend_from_slice(data);
        tail.resize(WORD + (data.len() + 31) / 32 * 32, 0);
        self.heads.push([0; 32]);
        self.tails.push(Some(tail));
    }

    /// The encoding after `prefix` (a 4-byte selector for call data, or nothing).
    pub fn finish(&self, prefix: &[u8]) -> Vec<u8> {
        let head_size = self.heads.len() * WORD;
        let mut out = Vec::with_capacity(prefix.len() + head_size);
        out.extend_from_slice(prefix);
        let mut tail_at = head_size;
        for (head, tail) in self.heads.iter().zip(&self.tails) {
            match tail {
                Some(t) => {
                    let mut w = [0u8; 32];
                    w[24..].copy_from_slice(&(tail_at as u64).to_be_bytes());
                    out.extend_from_slice(&w);
                    tail_at += t.len();
                }
                None => out.extend_from_slice(head),
            }
        }
        for t in self.tails.iter().flatten() {
            out.extend_from_slice(t);
        }
        out
    }
}

/// The ABI encoding of one value: the storage value format and an indexed topic's word.
pub fn encode_one<T: AbiType>(v: &T) -> Vec<u8> {
    Encoder::new().write(v).finish(&[])
}

pub fn decode_one<T: AbiType>(data: &[u8]) -> T {
    Decoder::new(data, 0).read()
}

impl AbiType for bool {
    fn decode(d: &mut Decoder) -> bool {
        match d.uint(8) {
            0 => false,
            1 => true,
            _ => revert("abi: invalid bool"),
        }
    }
    fn encode(&self, e: &mut Encoder) {
        e.uint(*self as u64)
    }
}

macro_rules! abi_uint {
    ($($t:ty),*) => {$(
        impl AbiType for $t {
            fn decode(d: &mut Decoder) -> $t {
                d.uint(<$t>::BITS as usize) as $t
            }
            fn encode(&self, e: &mut Encoder) {
                e.uint(*self as u64)
            }
        }
    )*};
}
abi_uint!(u8, u16, u32, u64);

macro_rules! abi_int {
    ($($t:ty),*) => {$(
        impl AbiType for $t {
            fn decode(d: &mut Decoder) -> $t {
                d.int(<$t>::BITS) as $t
            }
            fn encode(&self, e: &mut Encoder) {
                e.int(*self as i64)
            }
        }
    )*};
}
abi_int!(i8, i16, i32, i64);

impl AbiType for U256 {
    fn decode(d: &mut Decoder) -> U256 {
        U256::from_be_bytes(d.word())
    }
    fn encode(&self, e: &mut Encoder) {
        e.head(self.to_be_bytes())
    }
}

impl AbiType for Address {
    fn decode(d: &mut Decoder) -> Address {
        let w = d.word();
        if w[..12].iter().any(|&b| b != 0) {
            revert("abi: invalid address");
        }
        let mut a = [0u8; 20];
        a.copy_from_slice(&w[12..]);
        Address(a)
    }
    fn encode(&self, e: &mut Encoder) {
        let mut w = [0u8; 32];
        w[12..].copy_from_slice(&self.0);
        e.head(w)
    }
}

impl AbiType for Bytes32 {
    fn decode(d: &mut Decoder) -> Bytes32 {
        Bytes32(*d.word())
    }
    fn encode(&self, e: &mut Encoder) {
        e.head(self.0)
    }
}

impl AbiType for Vec<u8> {
    fn decode(d: &mut Decoder) -> Vec<u8> {
        d.dynamic()
    }
    fn encode(&self, e: &mut Encoder) {
        e.dynamic(self)
    }
}

impl AbiType for String {
    /// Invalid UTF-8 becomes U+FFFD, as in the AssemblyScript SDK.
    fn decode(d: &mut Decoder) -> String {
        String::from_utf8_lossy(&d.dynamic()).into_owned()
    }
    fn encode(&self, e: &mut Encoder) {
        e.dynamic(self.as_bytes())
    }
}

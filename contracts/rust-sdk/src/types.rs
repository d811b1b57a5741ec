//! Value types of the ABI: 20-byte addresses, 32-byte words and checked 256-bit integers.

use crate::revert;

/// A 20-byte account or contract address.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
pub struct Address(pub [u8; 20]);

impl Address {
    pub const ZERO: Address = Address([0; 20]);

    pub fn is_zero(&self) -> bool {
        self.0 == [0; 20]
    }
}

/// A 32-byte value: a hash, a document digest, an ABI `bytes32`.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
pub struct Bytes32(pub [u8; 32]);

impl Bytes32 {
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 32]
    }
}

/// Unsigned 256-bit integer, four 64-bit limbs, least significant first. Arithmetic is
/// checked like Solidity 0.8 (and the AssemblyScript SDK's `u256`): overflow reverts.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
pub struct U256(pub [u64; 4]);

impl U256 {
    pub const ZERO: U256 = U256([0; 4]);
    pub const ONE: U256 = U256([1, 0, 0, 0]);
    pub const MAX: U256 = U256([u64::MAX; 4]);

    pub const fn from_u64(v: u64) -> U256 {
        U256([v, 0, 0, 0])
    }

    pub fn is_zero(&self) -> bool {
        *self == U256::ZERO
    }

    /// The value as u64; reverts if it does not fit.
    pub fn to_u64(&self) -> u64 {
        if self.0[1] | self.0[2] | self.0[3] != 0 {
            revert("u256: value does not fit in u64");
        }
        self.0[0]
    }

    pub fn from_be_bytes(b: &[u8; 32]) -> U256 {
        let limb = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[32 - 8 * (i + 1)..32 - 8 * i]);
            u64::from_be_bytes(w)
        };
        U256([limb(0), limb(1), limb(2), limb(3)])
    }

    pub fn to_be_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for i in 0..4 {
            out[32 - 8 * (i + 1)..32 - 8 * i].copy_from_slice(&self.0[i].to_be_bytes());
        }
        out
    }

    pub fn checked_add(self, b: U256) -> Option<U256> {
        let mut r = [0u64; 4];
        let mut carry = false;
        for i in 0..4 {
            let (s1, c1) = self.0[i].overflowing_add(b.0[i]);
            let (s2, c2) = s1.overflowing_add(carry as u64);
            r[i] = s2;
            carry = c1 | c2;
        }
        if carry { None } else { Some(U256(r)) }
    }

    pub fn checked_sub(self, b: U256) -> Option<U256> {
        let mut r = [0u64; 4];
        let mut borrow = false;
        for i in 0..4 {
            let (d1, b1) = self.0[i].overflowing_sub(b.0[i]);
            let (d2, b2) = d1.overflowing_sub(borrow as u64);
            r[i] = d2;
            borrow = b1 | b2;
        }
        if borrow { None } else { Some(U256(r)) }
    }

    pub fn checked_mul(self, b: U256) -> Option<U256> {
        let mut r = [0u64; 8];
        for i in 0..4 {
            let mut carry: u128 = 0;
            for j in 0..4 {
                let t = (self.0[i] as u128) * (b.0[j] as u128) + r[i + j] as u128 + carry;
                r[i + j] = t as u64;
                carry = t >> 64;
            }
            r[i + 4] = carry as u64;
        }
        if r[4] | r[5] | r[6] | r[7] != 0 { None } else { Some(U256([r[0], r[1], r[2], r[3]])) }
    }
}

impl From<u64> for U256 {
    fn from(v: u64) -> U256 {
        U256::from_u64(v)
    }
}

impl PartialOrd for U256 {
    fn partial_cmp(&self, other: &U256) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for U256 {
    fn cmp(&self, other: &U256) -> core::cmp::Ordering {
        for i in (0..4).rev() {
            match self.0[i].cmp(&other.0[i]) {
                core::cmp::Ordering::Equal => continue,
                o => return o,
            }
        }
        core::cmp::Ordering::Equal
    }
}

impl core::ops::Add for U256 {
    type Output = U256;
    fn add(self, b: U256) -> U256 {
        self.checked_add(b).unwrap_or_else(|| revert("u256: addition overflow"))
    }
}

impl core::ops::Sub for U256 {
    type Output = U256;
    fn sub(self, b: U256) -> U256 {
        self.checked_sub(b).unwrap_or_else(|| revert("u256: subtraction underflow"))
    }
}

impl core::ops::Mul for U256 {
    type Output = U256;
    fn mul(self, b: U256) -> U256 {
        self.checked_mul(b).unwrap_or_else(|| revert("u256: multiplication overflow"))
    }
}

//! keccak-256 as a `const fn`, so selectors and event topics are computed by the compiler
//! from their Solidity signatures (`const TRANSFER: u32 = selector("transfer(address,uint256)")`)
//! instead of being pasted in as magic numbers. Never runs in the contract.

const RC: [u64; 24] = [
    0x0000000000000001, 0x0000000000008082, 0x800000000000808a, 0x8000000080008000, 0x000000000000808b, 0x0000000080000001,
    0x8000000080008081, 0x8000000000008009, 0x000000000000008a, 0x0000000000000088, 0x0000000080008009, 0x000000008000000a,
    0x000000008000808b, 0x800000000000008b, 0x8000000000008089, 0x8000000000008003, 0x8000000000008002, 0x8000000000000080,
    0x000000000000800a, 0x800000008000000a, 0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
];
const ROTATIONS: [u32; 24] = [1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44];
const PI: [usize; 24] = [10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1];
const RATE: usize = 136;

const fn permute(mut st: [u64; 25]) -> [u64; 25] {
    let mut round = 0;
    while round < 24 {
        let mut bc = [0u64; 5];
        let mut i = 0;
        while i < 5 {
            bc[i] = st[i] ^ st[i + 5] ^ st[i + 10] ^ st[i + 15] ^ st[i + 20];
            i += 1;
        }
        i = 0;
        while i < 5 {
            let t = bc[(i + 4) % 5] ^ bc[(i + 1) % 5].rotate_left(1);
            let mut j = 0;
            while j < 25 {
                st[j + i] ^= t;
                j += 5;
            }
            i += 1;
        }
        let mut carry = st[1];
        i = 0;
        while i < 24 {
            let j = PI[i];
            let next = st[j];
            st[j] = carry.rotate_left(ROTATIONS[i]);
            carry = next;
            i += 1;
        }
        let mut j = 0;
        while j < 25 {
            let mut k = 0;
            while k < 5 {
                bc[k] = st[j + k];
                k += 1;
            }
            k = 0;
            while k < 5 {
                st[j + k] ^= !bc[(k + 1) % 5] & bc[(k + 2) % 5];
                k += 1;
            }
            j += 5;
        }
        st[0] ^= RC[round];
        round += 1;
    }
    st
}

/// keccak-256 (Ethereum's hash, not SHA3-256: padding byte 0x01).
pub const fn keccak256(data: &[u8]) -> [u8; 32] {
    let mut st = [0u64; 25];
    let mut block = [0u8; RATE];
    let mut at = 0;
    loop {
        // Fill one block: data, then padding once the data runs out.
        let remaining = data.len() - at;
        let last = remaining < RATE;
        let mut i = 0;
        while i < RATE {
            block[i] = if i < remaining { data[at + i] } else { 0 };
            i += 1;
        }
        if last {
            block[remaining] ^= 0x01;
            block[RATE - 1] ^= 0x80;
        }
        i = 0;
        while i < RATE / 8 {
            let b = [block[i * 8], block[i * 8 + 1], block[i * 8 + 2], block[i * 8 + 3], block[i * 8 + 4], block[i * 8 + 5], block[i * 8 + 6], block[i * 8 + 7]];
            st[i] ^= u64::from_le_bytes(b);
            i += 1;
        }
        st = permute(st);
        if last {
            break;
        }
        at += RATE;
    }
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 4 {
        let b = st[i].to_le_bytes();
        let mut k = 0;
        while k < 8 {
            out[i * 8 + k] = b[k];
            k += 1;
        }
        i += 1;
    }
    out
}

/// The 4-byte function selector of a Solidity signature such as `"transfer(address,uint256)"`.
pub const fn selector(signature: &str) -> u32 {
    let h = keccak256(signature.as_bytes());
    u32::from_be_bytes([h[0], h[1], h[2], h[3]])
}

/// Topic 0 of an event with this Solidity signature, e.g. `"Transfer(address,address,uint256)"`.
pub const fn event_topic(signature: &str) -> [u8; 32] {
    keccak256(signature.as_bytes())
}

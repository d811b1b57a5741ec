//! Rust before 1.68 has no default allocation-error handler for `no_std` crates that use
//! `alloc`, so the SDK must define one with the (then unstable) `#[alloc_error_handler]`.
//! This script tells the crate which case it is in; on such compilers the build needs
//! `RUSTC_BOOTSTRAP=1` (set by the examples' .cargo/config.toml and by `lingding contract build`).
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(rustc).arg("--version").output().map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default();
    // "rustc 1.63.0 (...)" -> 63
    let minor = version.split_whitespace().nth(1).and_then(|v| v.split('.').nth(1)).and_then(|m| m.parse::<u32>().ok()).unwrap_or(u32::MAX);
    if minor < 68 {
        println!("cargo:rustc-cfg=needs_alloc_error_handler");
    }
}

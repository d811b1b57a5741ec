//! A bump allocator: every run gets a fresh instance and memory, so nothing needs freeing;
//! allocation is a pointer increment (cheap in gas) and memory grows by whole pages.

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;

const PAGE: usize = 65536;

pub struct BumpAllocator;

/// Next free byte and end of memory; 0 until the first allocation.
static mut NEXT: usize = 0;
static mut LIMIT: usize = 0;

extern "C" {
    /// First byte after the stack and static data, provided by the linker.
    static __heap_base: u8;
}

unsafe impl GlobalAlloc for BumpAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if NEXT == 0 {
            NEXT = &__heap_base as *const u8 as usize;
            LIMIT = wasm32::memory_size(0) * PAGE;
        }
        let start = (NEXT + layout.align() - 1) & !(layout.align() - 1);
        let end = match start.checked_add(layout.size()) {
            Some(end) => end,
            None => return core::ptr::null_mut(),
        };
        if end > LIMIT {
            let pages = (end - LIMIT + PAGE - 1) / PAGE;
            if wasm32::memory_grow(0, pages) == usize::MAX {
                return core::ptr::null_mut();
            }
            LIMIT += pages * PAGE;
        }
        NEXT = end;
        start as *mut u8
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

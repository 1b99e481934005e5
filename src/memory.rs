//! How the process asks the allocator for memory.
//!
//! A password hash (Argon2id, see `auth::passwords`) takes a 19 MiB block. With
//! glibc's default, freeing the first such block raises the size from which
//! blocks are mapped on their own, so every later one comes from the heap, and
//! the heap keeps what it grew by: after 200 sign-ins the service held 345 MiB
//! where it started with 39. A fixed threshold keeps every block of 1 MiB or
//! more mapped on its own and handed back when freed (78 MiB at the peak of the
//! same sign-ins, 41 MiB after).

/// Blocks this large or larger are mapped on their own and returned when freed.
pub const OWN_MAPPING_FROM: usize = 1 << 20;

/// Sets the allocator's threshold for blocks of their own (glibc on Linux; a
/// no-op elsewhere). Call it first thing in `main`, before any thread starts.
/// Whether it was set.
pub fn keep_large_blocks_apart() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only changes a setting of glibc's allocator; an
        // explicit M_MMAP_THRESHOLD also turns its dynamic adjustment off.
        unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, OWN_MAPPING_FROM as libc::c_int) == 1 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn the_threshold_is_accepted() {
        assert!(super::keep_large_blocks_apart());
    }
}

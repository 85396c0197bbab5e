//! Bytes built in place: a fresh Compute instance pays for its first heap allocation (and the
//! pages it touches), so the key and decoded overrides live on the stack until they outgrow it.

use std::ops::Deref;

/// Where a key is written: a `String` for `kraken::assign`, a stack buffer in the Compute
/// adapter (where a fresh instance's first heap allocation is measurable).
pub trait KeyWriter {
    fn push_str(&mut self, s: &str);
    fn is_empty(&self) -> bool;
}

impl KeyWriter for String {
    fn push_str(&mut self, s: &str) {
        String::push_str(self, s);
    }

    fn is_empty(&self) -> bool {
        String::is_empty(self)
    }
}

/// Up to `N` bytes inline, then on the heap.
#[derive(Clone)]
pub struct InlineBytes<const N: usize> {
    inline: [u8; N],
    len: usize,
    spilled: Vec<u8>,
}

impl<const N: usize> Default for InlineBytes<N> {
    fn default() -> Self {
        Self {
            inline: [0; N],
            len: 0,
            spilled: Vec::new(),
        }
    }
}

impl<const N: usize> InlineBytes<N> {
    pub fn as_bytes(&self) -> &[u8] {
        if self.spilled.is_empty() {
            &self.inline[..self.len]
        } else {
            &self.spilled
        }
    }

    pub fn extend_from_slice(&mut self, bytes: &[u8]) {
        if self.spilled.is_empty() && self.len + bytes.len() <= N {
            self.inline[self.len..self.len + bytes.len()].copy_from_slice(bytes);
            self.len += bytes.len();
        } else {
            if self.spilled.is_empty() {
                self.spilled.extend_from_slice(&self.inline[..self.len]);
            }
            self.spilled.extend_from_slice(bytes);
        }
    }

    pub fn push(&mut self, byte: u8) {
        self.extend_from_slice(&[byte]);
    }
}

impl<const N: usize> Deref for InlineBytes<N> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl<const N: usize> std::fmt::Debug for InlineBytes<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_bytes()))
    }
}

impl<const N: usize> KeyWriter for InlineBytes<N> {
    fn push_str(&mut self, s: &str) {
        self.extend_from_slice(s.as_bytes());
    }

    fn is_empty(&self) -> bool {
        self.as_bytes().is_empty()
    }
}

/// A key built in place (it only ever holds ASCII).
pub type InlineKey<const N: usize> = InlineBytes<N>;

#[cfg(test)]
mod tests {
    use super::*;

    /// Pushes 31 bytes in five parts, checking the bytes after each.
    fn holds_every_part<const N: usize>() {
        let mut key = InlineKey::<N>::default();
        let mut want = String::new();
        assert!(KeyWriter::is_empty(&key));
        for part in ["exp:a=b", ";", "exp:ccc=control", ";", "ff:x=on"] {
            key.push_str(part);
            want.push_str(part);
            assert!(!KeyWriter::is_empty(&key));
            assert_eq!(key.as_bytes(), want.as_bytes(), "capacity {N}");
        }
        key.push(b'!');
        want.push('!');
        assert_eq!(&*key, want.as_bytes(), "capacity {N}");
    }

    #[test]
    fn holds_what_was_pushed_on_either_side_of_its_capacity() {
        holds_every_part::<0>();
        holds_every_part::<1>();
        holds_every_part::<7>();
        holds_every_part::<8>();
        holds_every_part::<30>();
        holds_every_part::<31>();
        holds_every_part::<32>();
        holds_every_part::<1024>();
    }
}

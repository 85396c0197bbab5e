//! `$regex` at request time: a DFA compiled by codegen from the JavaScript pattern, run over
//! the text's UTF-16 code units (each as its 1 to 3 byte generalised-UTF-8 form, so a
//! character outside the BMP is two surrogate units, as `RegExp.test` sees it).

/// A DFA as static tables: `table[state * stride + class]` is the next state; state 0 is dead.
#[derive(Debug)]
pub struct Dfa {
    pub classes: &'static [u8; 256],
    pub stride: usize,
    pub table: &'static [u16],
    /// Per state, the state after the end of the text.
    pub eoi: &'static [u16],
    /// Per state, whether a match has been seen.
    pub matches: &'static [bool],
    pub start: u16,
}

impl Dfa {
    /// `RegExp.prototype.test(text)` (no `g` or `y` flag: a match anywhere).
    pub fn test(&self, text: &str) -> bool {
        let mut state = self.start;
        let step = |byte: u8, state: &mut u16| -> Option<bool> {
            *state = self.table
                [usize::from(*state) * self.stride + usize::from(self.classes[usize::from(byte)])];
            if self.matches[usize::from(*state)] {
                return Some(true);
            }
            (*state == 0).then_some(false)
        };
        if self.matches[usize::from(state)] {
            return true;
        }
        // Below U+10000 a character's UTF-8 bytes are its code unit's form: stepped as they are.
        // Only a four-byte character (lead byte 0xf0 and up) becomes two surrogate forms.
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b < 0xf0 {
                if let Some(result) = step(b, &mut state) {
                    return result;
                }
                i += 1;
                continue;
            }
            let c = text[i..].chars().next().unwrap_or_default();
            let mut units = [0u16; 2];
            c.encode_utf16(&mut units);
            for u in units {
                // A surrogate's three-byte form: 1110xxxx 10xxxxxx 10xxxxxx.
                let form = [
                    0xe0 | (u >> 12) as u8,
                    0x80 | ((u >> 6) & 0x3f) as u8,
                    0x80 | (u & 0x3f) as u8,
                ];
                for b in form {
                    if let Some(result) = step(b, &mut state) {
                        return result;
                    }
                }
            }
            i += 4;
        }
        self.matches[usize::from(self.eoi[usize::from(state)])]
    }
}

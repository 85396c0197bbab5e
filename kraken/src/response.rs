//! What the answer says besides the key (SPEC §5): the `Kraken-Set-Cookie` value for a minted id.

use crate::request::{MAX_UNIT_LEN, UnitId};

/// Cookie attributes for a minted id (SPEC §5).
pub const COOKIE_ATTRIBUTES: &str = "; Path=/; Max-Age=31536000; SameSite=Lax; Secure";

/// Longest `Kraken-Set-Cookie` value.
pub const SET_COOKIE_MAX: usize = "kraken_uid=".len() + MAX_UNIT_LEN + COOKIE_ATTRIBUTES.len();

/// `Kraken-Set-Cookie` value for a minted unit id, written into `buf` (no allocation).
pub fn set_cookie<'b>(unit: &UnitId, buf: &'b mut [u8; SET_COOKIE_MAX]) -> &'b [u8] {
    let mut len = 0;
    for part in [
        &b"kraken_uid="[..],
        unit.as_bytes(),
        COOKIE_ATTRIBUTES.as_bytes(),
    ] {
        buf[len..len + part.len()].copy_from_slice(part);
        len += part.len();
    }
    &buf[..len]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_cookie_names_the_unit_with_the_spec_attributes() {
        let mut buf = [0; SET_COOKIE_MAX];
        let unit = UnitId::mint([0xa5; 16]);
        assert_eq!(
            set_cookie(&unit, &mut buf),
            format!("kraken_uid={}{COOKIE_ATTRIBUTES}", "a5".repeat(16)).as_bytes()
        );
        let longest = UnitId::parse(&[b'x'; MAX_UNIT_LEN]).unwrap();
        assert_eq!(set_cookie(&longest, &mut buf).len(), SET_COOKIE_MAX);
    }
}

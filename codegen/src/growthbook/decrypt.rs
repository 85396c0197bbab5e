//! `encryptedFeatures` / `encryptedSavedGroups`, decrypted at build time like the SDK's
//! `decrypt`: AES-CBC (PKCS#7), key and IV base64, `iv.ciphertext`.

use super::json::{self, Json};
use crate::diagnostic::Diagnostic;

/// Replaces the encrypted fields of `root` by their plaintext payload parts.
pub fn decrypt_payload(
    root: &mut Json,
    key: Option<&str>,
    file: &str,
) -> Result<(), Vec<Diagnostic>> {
    let Json::Obj(entries) = root else {
        return Ok(());
    };
    for (field, plain) in [
        ("encryptedFeatures", "features"),
        ("encryptedSavedGroups", "savedGroups"),
    ] {
        let Some(pos) = entries.iter().position(|(k, _)| k == field) else {
            continue;
        };
        let err = |m: String| vec![super::error(file, field, m)];
        let Json::Str(text) = &entries[pos].1 else {
            return Err(err("expected an encrypted string".into()));
        };
        let Some(key) = key else {
            return Err(err(format!(
                "the payload is encrypted: set {} to its decryption key",
                super::KEY_VARIABLE
            )));
        };
        let clear = decrypt(text, key).map_err(err)?;
        let value = json::parse(&clear).map_err(|e| err(format!("decrypted, but {e}")))?;
        entries.remove(pos);
        match entries.iter_mut().find(|(k, _)| k == plain) {
            Some(e) => e.1 = value,
            None => entries.push((plain.into(), value)),
        }
    }
    Ok(())
}

/// `atob`: forgiving base64 (ASCII white space ignored, padding optional).
fn atob(text: &str) -> Result<Vec<u8>, String> {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const FORGIVING: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let clean: String = text
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\u{c}' | '\r' | ' '))
        .collect();
    FORGIVING
        .decode(clean)
        .map_err(|e| format!("not base64: {e}"))
}

/// The SDK's `decrypt(encrypted, key)`: Web Crypto's AES-CBC with the raw key (16, 24 or 32
/// bytes), PKCS#7 padding, the plaintext read by `TextDecoder` (UTF-8, invalid sequences
/// replaced, a leading BOM dropped).
pub fn decrypt(encrypted: &str, key: &str) -> Result<String, String> {
    use cbc::cipher::{BlockDecryptMut, KeyIvInit, block_padding::Pkcs7};
    let failed = |why: &str| format!("failed to decrypt ({why})");
    let key = atob(key).map_err(|e| failed(&format!("key {e}")))?;
    let mut parts = encrypted.split('.');
    let (iv, body) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let iv = atob(iv).map_err(|e| failed(&format!("iv {e}")))?;
    let mut body = atob(body).map_err(|e| failed(&format!("ciphertext {e}")))?;
    if iv.len() != 16 {
        return Err(failed("the IV is not 16 bytes"));
    }
    let plain = match key.len() {
        16 => cbc::Decryptor::<aes::Aes128>::new_from_slices(&key, &iv)
            .map_err(|_| failed("bad key"))?
            .decrypt_padded_mut::<Pkcs7>(&mut body)
            .map(<[u8]>::to_vec),
        24 => cbc::Decryptor::<aes::Aes192>::new_from_slices(&key, &iv)
            .map_err(|_| failed("bad key"))?
            .decrypt_padded_mut::<Pkcs7>(&mut body)
            .map(<[u8]>::to_vec),
        32 => cbc::Decryptor::<aes::Aes256>::new_from_slices(&key, &iv)
            .map_err(|_| failed("bad key"))?
            .decrypt_padded_mut::<Pkcs7>(&mut body)
            .map(<[u8]>::to_vec),
        n => return Err(failed(&format!("a {n}-byte key; AES takes 16, 24 or 32"))),
    }
    .map_err(|_| failed("wrong key or corrupt ciphertext"))?;
    let text = String::from_utf8_lossy(&plain);
    Ok(text.strip_prefix('\u{feff}').unwrap_or(&text).to_owned())
}

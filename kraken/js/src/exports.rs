//! The wasm-bindgen glue: the functions `npm/index.cjs` calls, and the one JavaScript function
//! Rust calls (`crypto.getRandomValues`, only when a unit id is minted).

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
extern "C" {
    /// Web Crypto's CSPRNG, a global in Node 20+.
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(buf: &mut [u8]);
}

#[wasm_bindgen]
pub fn assign_packed(bytes: &[u8], lengths: &[i32]) -> String {
    crate::assign_packed(bytes, lengths, || {
        let mut id = [0; 16];
        get_random_values(&mut id);
        id
    })
}

#[wasm_bindgen]
pub fn declared_key(key: &[u8]) -> String {
    crate::declared_key(key)
}

#[wasm_bindgen]
pub fn config_digest() -> String {
    kraken::CONFIG.digest.to_owned()
}

#[wasm_bindgen]
pub fn set_cookie_parts() -> String {
    crate::set_cookie_parts()
}

//! The form token of a visitor not signed in (the `sg_csrf` cookie): made
//! and checked with a key derived from the master key, so any node can
//! check a token another made, and a cookie the site did not issue fails.

use rand::RngCore;

use crate::App;

/// A fresh pre-login form token: 16 random bytes and the first 16 bytes of
/// their HMAC-SM3 under a key derived from the master key, 64 hex digits.
/// A cookie the site did not issue (say, one planted from a sibling
/// domain) fails [`pre_login_token_valid`].
pub fn pre_login_token(app: &App) -> String {
    let mut nonce = [0u8; 16];
    rand::rng().fill_bytes(&mut nonce);
    let mac = app.pii.form_token_mac(&nonce);
    format!("{}{}", hex::encode(nonce), hex::encode(&mac[..16]))
}

/// Whether `token` is one [`pre_login_token`] made (on any node sharing
/// the master key). Compares in constant time.
pub fn pre_login_token_valid(app: &App, token: &str) -> bool {
    let Ok(raw) = hex::decode(token) else {
        return false;
    };
    if raw.len() != 32 {
        return false;
    }
    let mac = app.pii.form_token_mac(&raw[..16]);
    mac[..16]
        .iter()
        .zip(&raw[16..])
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

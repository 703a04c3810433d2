//! Razorpay's two signatures: the checkout handler's (`order_id|payment_id`, keyed with
//! the API key secret) and the webhook's (the raw body, keyed with the webhook secret).
//! Both are lowercase hex HMAC-SHA256; both are checked in constant time.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// SHA-256 output, in bytes; its lowercase hex is twice as long.
const MAC_LEN: usize = 32;

/// The lowercase hex HMAC-SHA256 of `message` under `secret`, as Razorpay writes it.
pub fn sign(secret: &[u8], message: &[u8]) -> String {
    let mut mac = mac(secret);
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `signature` is the lowercase hex HMAC-SHA256 of `message` under `secret`.
/// Anything but exactly 64 lowercase hex digits is refused before any comparison; the
/// comparison itself takes the same time wherever the bytes differ.
pub fn verify(secret: &[u8], message: &[u8], signature: &str) -> bool {
    let Some(claimed) = decode_lowercase_hex(signature) else {
        return false;
    };
    let mut mac = mac(secret);
    mac.update(message);
    mac.verify_slice(&claimed).is_ok()
}

/// The checkout handler's signature: valid when it signs `order_id|payment_id`, where
/// `order_id` must be the Razorpay order id the server stored, not one the client sent.
pub fn verify_checkout_signature(key_secret: &[u8], order_id: &str, payment_id: &str, signature: &str) -> bool {
    verify(key_secret, checkout_message(order_id, payment_id).as_bytes(), signature)
}

/// The checkout handler's signature for a payment, as Razorpay (or the simulator) makes it.
pub fn sign_checkout(key_secret: &[u8], order_id: &str, payment_id: &str) -> String {
    sign(key_secret, checkout_message(order_id, payment_id).as_bytes())
}

/// A webhook's `X-Razorpay-Signature` over the body exactly as received.
pub fn verify_webhook_signature(webhook_secret: &[u8], raw_body: &[u8], signature: &str) -> bool {
    verify(webhook_secret, raw_body, signature)
}

fn checkout_message(order_id: &str, payment_id: &str) -> String {
    format!("{order_id}|{payment_id}")
}

fn mac(secret: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length")
}

/// Razorpay signs in lowercase hex; an upper-case or odd-length string is not its signature.
fn decode_lowercase_hex(text: &str) -> Option<[u8; MAC_LEN]> {
    let is_lower_hex = |b: &u8| b.is_ascii_digit() || (b'a'..=b'f').contains(b);
    if text.len() != MAC_LEN * 2 || !text.as_bytes().iter().all(is_lower_hex) {
        return None;
    }
    let mut bytes = [0u8; MAC_LEN];
    hex::decode_to_slice(text, &mut bytes).ok()?;
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The published vectors of shared/razorpay.md: (secret, message, signature).
    const VECTORS: [(&str, &str, &str); 3] = [
        (
            "EnLs21M47BllR3X8PSFtjtbd",
            "order_IEIaMR65cu6nz3|pay_IH4NVgf4Dreq1l",
            "0d4e745a1838664ad6c9c9902212a32d627d68e917290b0ad5f08ff4561bc50f",
        ),
        (
            "key_secret",
            "fake_order_id|fake_payment_id",
            "b2335e3b0801106b84a7faff035df56ecffde06918c9ddd1f0fafbb37a51cc89",
        ),
        ("123456", r#"{"a":1,"b":2,"c":{"d":3}}"#, "2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bbc"),
    ];

    #[test]
    fn signing_reproduces_every_published_vector() {
        for (secret, message, expected) in VECTORS {
            assert_eq!(sign(secret.as_bytes(), message.as_bytes()), expected, "{message}");
        }
    }

    #[test]
    fn every_published_vector_verifies() {
        for (secret, message, signature) in VECTORS {
            assert!(verify(secret.as_bytes(), message.as_bytes(), signature), "{message}");
        }
    }

    #[test]
    fn checkout_signatures_join_order_and_payment_with_a_pipe() {
        let (secret, _, signature) = VECTORS[0];
        assert!(verify_checkout_signature(secret.as_bytes(), "order_IEIaMR65cu6nz3", "pay_IH4NVgf4Dreq1l", signature));
        assert_eq!(sign_checkout(secret.as_bytes(), "order_IEIaMR65cu6nz3", "pay_IH4NVgf4Dreq1l"), signature);
        let (secret, _, signature) = VECTORS[1];
        assert!(verify_checkout_signature(secret.as_bytes(), "fake_order_id", "fake_payment_id", signature));
    }

    #[test]
    fn a_checkout_signature_for_another_order_fails() {
        let (secret, _, signature) = VECTORS[0];
        assert!(!verify_checkout_signature(secret.as_bytes(), "order_IEIaMR65cu6nz4", "pay_IH4NVgf4Dreq1l", signature));
        assert!(!verify_checkout_signature(secret.as_bytes(), "pay_IH4NVgf4Dreq1l", "order_IEIaMR65cu6nz3", signature));
    }

    #[test]
    fn webhook_signatures_cover_the_raw_bytes() {
        let (secret, body, signature) = VECTORS[2];
        assert!(verify_webhook_signature(secret.as_bytes(), body.as_bytes(), signature));
        // The same JSON written differently is another message.
        assert!(!verify_webhook_signature(secret.as_bytes(), br#"{"a": 1,"b":2,"c":{"d":3}}"#, signature));
    }

    #[test]
    fn one_flipped_byte_anywhere_fails() {
        for (secret, message, signature) in VECTORS {
            for at in 0..message.len() {
                let mut tampered = message.as_bytes().to_vec();
                tampered[at] ^= 0x01;
                assert!(!verify(secret.as_bytes(), &tampered, signature), "message byte {at} of {message}");
            }
            for at in 0..signature.len() {
                let mut tampered = signature.as_bytes().to_vec();
                tampered[at] = if tampered[at] == b'0' { b'1' } else { b'0' };
                let tampered = String::from_utf8(tampered).unwrap();
                assert!(!verify(secret.as_bytes(), message.as_bytes(), &tampered), "signature digit {at}");
            }
        }
    }

    #[test]
    fn a_wrong_secret_fails() {
        let (_, message, signature) = VECTORS[2];
        assert!(!verify(b"1234567", message.as_bytes(), signature));
        assert!(!verify(b"", message.as_bytes(), signature));
    }

    #[test]
    fn signatures_of_the_wrong_length_fail() {
        let (secret, message, signature) = VECTORS[1];
        for bad in [&signature[..63], &signature[..62], &signature[..32], &signature[1..]] {
            assert!(!verify(secret.as_bytes(), message.as_bytes(), bad), "{bad}");
        }
        let longer = format!("{signature}00");
        assert!(!verify(secret.as_bytes(), message.as_bytes(), &longer));
    }

    #[test]
    fn upper_case_hex_is_not_razorpays_signature() {
        for (secret, message, signature) in VECTORS {
            assert!(!verify(secret.as_bytes(), message.as_bytes(), &signature.to_uppercase()));
        }
    }

    #[test]
    fn an_empty_or_non_hex_signature_fails() {
        let (secret, message, signature) = VECTORS[0];
        assert!(!verify(secret.as_bytes(), message.as_bytes(), ""));
        let spaced = format!(" {}", &signature[1..]);
        assert!(!verify(secret.as_bytes(), message.as_bytes(), &spaced));
        let non_hex = format!("{}g", &signature[..63]);
        assert!(!verify(secret.as_bytes(), message.as_bytes(), &non_hex));
    }

    #[test]
    fn an_empty_message_has_a_signature_of_its_own() {
        let signature = sign(b"secret", b"");
        assert!(verify(b"secret", b"", &signature));
        assert!(!verify(b"secret", b" ", &signature));
    }
}

//! Razorpay's ids: a prefix, `_`, and 14 base62 characters (`order_IEIaMR65cu6nz3`).

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

pub fn new_id(prefix: &str) -> String {
    let mut random = [0u8; 14];
    getrandom::fill(&mut random).expect("the operating system supplies random bytes");
    // 256 is not a multiple of 62; the slight bias does not matter for ids of a test double.
    let suffix: String = random.iter().map(|b| BASE62[usize::from(*b) % BASE62.len()] as char).collect();
    format!("{prefix}_{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_prefix_and_fourteen_base62_characters() {
        let id = new_id("pay");
        let suffix = id.strip_prefix("pay_").unwrap();
        assert_eq!(suffix.len(), 14);
        assert!(suffix.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(new_id("pay"), new_id("pay"));
    }
}

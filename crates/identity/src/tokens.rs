//! Access tokens (short-lived HS256 JWTs) and refresh tokens (opaque, 256 random bits,
//! stored only as a SHA-256 hash).

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Customer,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Admin => "admin",
        }
    }
}

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user's id.
    pub sub: Uuid,
    pub role: Role,
    /// Expiry and issue time, Unix seconds.
    pub exp: i64,
    pub iat: i64,
    /// This token's own id.
    pub jti: Uuid,
    /// The account's session version when the token was issued; a token from an older
    /// version is refused (its sessions were ended since). Absent in tokens from before
    /// this claim existed, which count as version 0, every account's first.
    #[serde(default)]
    pub sv: i32,
}

/// Why an access token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccessTokenError {
    #[error("the access token has expired")]
    Expired,
    #[error("the access token is not valid")]
    Invalid,
}

/// Issues and checks access tokens with one HMAC secret.
#[derive(Clone)]
pub struct AccessTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl fmt::Debug for AccessTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessTokens").field("ttl", &self.ttl).finish_non_exhaustive()
    }
}

impl AccessTokens {
    pub fn new(secret: &[u8], ttl: Duration) -> AccessTokens {
        // Only HS256 is accepted: a token naming another algorithm (or `none`) is refused.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        AccessTokens {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl,
        }
    }

    /// How long a new token lives.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// A signed token for `user` with `role` under their `session_version`, issued at `now`.
    pub fn issue(&self, user: Uuid, role: Role, session_version: i32, now: DateTime<Utc>) -> String {
        let iat = now.timestamp();
        let exp = iat + self.ttl.as_secs() as i64;
        let claims = AccessClaims { sub: user, role, iat, exp, jti: Uuid::new_v4(), sv: session_version };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing of plain claims cannot fail")
    }

    /// The claims of a token this service signed and that has not expired.
    pub fn verify(&self, token: &str) -> Result<AccessClaims, AccessTokenError> {
        jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation).map(|data| data.claims).map_err(
            |error| match error.kind() {
                ErrorKind::ExpiredSignature => AccessTokenError::Expired,
                _ => AccessTokenError::Invalid,
            },
        )
    }
}

/// A refresh token as given to the client. Only its hash is ever stored.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshToken(String);

impl RefreshToken {
    /// 256 bits from the operating system's generator, base64url-encoded.
    pub fn generate() -> RefreshToken {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the operating system's random generator is available");
        RefreshToken(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// A token the client presented.
    pub fn presented(raw: String) -> RefreshToken {
        RefreshToken(raw)
    }

    /// The hex SHA-256 under which the token is stored and looked up. A fast hash is
    /// right here: the token is random, not a guessable password.
    pub fn hash(&self) -> String {
        Sha256::digest(self.0.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The token itself, to send to the client once.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshToken(***)")
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    const SECRET: &[u8] = b"a-test-secret-of-at-least-32-bytes!!";

    fn tokens() -> AccessTokens {
        AccessTokens::new(SECRET, Duration::from_secs(900))
    }

    #[test]
    fn a_fresh_token_carries_its_claims() {
        let user = Uuid::new_v4();
        let token = tokens().issue(user, Role::Admin, 3, Utc::now());
        let claims = tokens().verify(&token).unwrap();
        assert_eq!((claims.sub, claims.role, claims.sv), (user, Role::Admin, 3));
        assert_eq!(claims.exp - claims.iat, 900);
    }

    #[test]
    fn an_expired_token_is_refused_as_expired() {
        let long_ago = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap();
        let token = tokens().issue(Uuid::new_v4(), Role::Customer, 0, long_ago);
        assert_eq!(tokens().verify(&token), Err(AccessTokenError::Expired));
    }

    #[test]
    fn a_tampered_token_is_refused() {
        let token = tokens().issue(Uuid::new_v4(), Role::Customer, 0, Utc::now());
        let (head_and_claims, signature) = token.rsplit_once('.').unwrap();
        // Promote ourselves to admin without re-signing.
        let (header, _) = head_and_claims.split_once('.').unwrap();
        let forged_claims = URL_SAFE_NO_PAD.encode(
            serde_json::json!({"sub": Uuid::new_v4(), "role": "admin", "iat": 0, "exp": i64::MAX / 2, "jti": Uuid::new_v4()})
                .to_string(),
        );
        assert_eq!(tokens().verify(&format!("{header}.{forged_claims}.{signature}")), Err(AccessTokenError::Invalid));
        let mut flipped = signature.to_owned();
        flipped.replace_range(0..1, if flipped.starts_with('A') { "B" } else { "A" });
        assert_eq!(tokens().verify(&format!("{head_and_claims}.{flipped}")), Err(AccessTokenError::Invalid));
    }

    #[test]
    fn alg_none_and_other_secrets_are_refused() {
        let claims = URL_SAFE_NO_PAD.encode(
            serde_json::json!({"sub": Uuid::new_v4(), "role": "admin", "iat": 0, "exp": i64::MAX / 2, "jti": Uuid::new_v4()})
                .to_string(),
        );
        let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        assert_eq!(tokens().verify(&format!("{none_header}.{claims}.")), Err(AccessTokenError::Invalid));

        let other = AccessTokens::new(b"another-secret-of-at-least-32-bytes!", Duration::from_secs(900));
        let token = other.issue(Uuid::new_v4(), Role::Admin, 0, Utc::now());
        assert_eq!(tokens().verify(&token), Err(AccessTokenError::Invalid));
        assert_eq!(tokens().verify("not.a.jwt"), Err(AccessTokenError::Invalid));
        assert_eq!(tokens().verify(""), Err(AccessTokenError::Invalid));
    }

    #[test]
    fn refresh_tokens_are_256_random_bits_stored_as_a_hash() {
        let token = RefreshToken::generate();
        assert_eq!(URL_SAFE_NO_PAD.decode(token.expose()).unwrap().len(), 32);
        assert_ne!(token, RefreshToken::generate());
        assert_eq!(token.hash().len(), 64);
        assert_eq!(token.hash(), RefreshToken::presented(token.expose().to_owned()).hash());
        assert!(!token.hash().contains(token.expose()));
        assert_eq!(format!("{token:?}"), "RefreshToken(***)");
    }
}

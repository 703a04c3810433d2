//! Passwords: the policy for new ones, and argon2id hashing off the async executor.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use kernel::InvalidInput;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A password as the user typed it. Its `Debug` shows nothing, so it cannot reach a log.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 128;

    /// A new password must be 8–128 characters; errors name `field`.
    pub fn parse_new(raw: String, field: &str) -> Result<Password, InvalidInput> {
        let length = raw.chars().count();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&length) {
            return Err(InvalidInput::field(
                field,
                format!("must be {} to {} characters", Self::MIN_CHARS, Self::MAX_CHARS),
            ));
        }
        Ok(Password(raw))
    }

    /// A password offered at login: not checked against the policy (an old password may
    /// predate it), only bounded so a huge one cannot tie up the hasher.
    pub fn offered(raw: String) -> Password {
        Password(raw.chars().take(Self::MAX_CHARS * 4).collect())
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// argon2id cost parameters. The defaults are OWASP's recommendation
/// (19 MiB, 2 iterations, 1 lane).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordCost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for PasswordCost {
    fn default() -> Self {
        PasswordCost { memory_kib: 19 * 1024, iterations: 2, parallelism: 1 }
    }
}

/// Every hashing turn stayed taken for the whole wait: the process is signing in more
/// people at once than it can hash for. Nothing was done; the same request may be sent
/// again in a moment. Carried inside the operation's `Unexpected` error.
#[derive(Debug, thiserror::Error)]
#[error("no password hashing turn came free within {waited:?}")]
pub struct HasherBusy {
    pub waited: Duration,
}

/// Hashes and verifies passwords on Tokio's blocking pool, so a burst of logins does not
/// stall other requests, and at most one per core at a time: each argon2 run holds its
/// memory cost (19 MiB by default), so 64 sign-ups at once would otherwise need 1.2 GiB,
/// and more threads than cores would only share the same CPUs.
#[derive(Clone)]
pub struct PasswordHasher {
    argon2: Arc<Argon2<'static>>,
    running: Arc<Semaphore>,
    max_running: usize,
    /// The longest a hash or verification waits for its turn; unbounded when `None`.
    turn_wait: Option<Duration>,
    /// Verified against when the account does not exist, so that an unknown e-mail takes
    /// as long as a wrong password.
    dummy_hash: Arc<str>,
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordHasher").finish_non_exhaustive()
    }
}

impl PasswordHasher {
    /// Errors when the cost parameters are out of argon2's range.
    pub fn new(cost: PasswordCost) -> anyhow::Result<PasswordHasher> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|error| anyhow::anyhow!("invalid argon2 parameters: {error}"))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let dummy_hash = argon2
            .hash_password(b"a password nobody has")
            .map_err(|error| anyhow::anyhow!("argon2 could not hash: {error}"))?
            .to_string();
        let max_running = std::thread::available_parallelism().map_or(1, |cores| cores.get());
        Ok(PasswordHasher {
            argon2: Arc::new(argon2),
            running: Arc::new(Semaphore::new(max_running)),
            max_running,
            turn_wait: None,
            dummy_hash: dummy_hash.into(),
        })
    }

    /// At most `max_running` hashes at once (0: one per core), and a wait for a turn of at
    /// most `turn_wait`, beyond which the caller gets [`HasherBusy`]: a burst of sign-ins
    /// is turned away quickly rather than queued for ever.
    pub fn with_turns(mut self, max_running: usize, turn_wait: Duration) -> PasswordHasher {
        if max_running > 0 {
            self.max_running = max_running;
            self.running = Arc::new(Semaphore::new(max_running));
        }
        self.turn_wait = Some(turn_wait);
        self
    }

    /// How many hashes or verifications are running now.
    pub fn running(&self) -> usize {
        self.max_running - self.running.available_permits()
    }

    /// A turn at the hasher; waits while every turn is taken, up to the turn wait.
    async fn turn(&self) -> anyhow::Result<OwnedSemaphorePermit> {
        let turn = self.running.clone().acquire_owned();
        let turn = match self.turn_wait {
            Some(wait) => tokio::time::timeout(wait, turn).await.map_err(|_| HasherBusy { waited: wait })?,
            None => turn.await,
        };
        turn.context("the password hasher is closed")
    }

    /// The PHC string (`$argon2id$v=19$…`) of `password`, with a fresh random salt.
    pub async fn hash(&self, password: Password) -> anyhow::Result<String> {
        let argon2 = self.argon2.clone();
        let turn = self.turn().await?;
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            argon2
                .hash_password(password.0.as_bytes())
                .map(|hash| hash.to_string())
                .map_err(|error| anyhow::anyhow!("argon2 could not hash: {error}"))
        })
        .await
        .context("the hashing task failed")?
    }

    /// Whether `password` matches `stored`. With no stored hash (unknown account) a dummy
    /// hash is checked instead and the answer is `false`, in about the same time.
    pub async fn verify(&self, password: Password, stored: Option<String>) -> anyhow::Result<bool> {
        let argon2 = self.argon2.clone();
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let turn = self.turn().await?;
        let matches = tokio::task::spawn_blocking(move || {
            let _turn = turn;
            let parsed = PasswordHash::new(&stored)
                .map_err(|error| anyhow::anyhow!("a stored password hash is malformed: {error}"))?;
            anyhow::Ok(argon2.verify_password(password.0.as_bytes(), &parsed).is_ok())
        })
        .await
        .context("the verification task failed")??;
        Ok(known && matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cheap parameters: these tests are about behaviour, not cost.
    fn hasher() -> PasswordHasher {
        PasswordHasher::new(PasswordCost { memory_kib: 64, iterations: 1, parallelism: 1 }).unwrap()
    }

    #[test]
    fn new_passwords_are_8_to_128_characters() {
        assert!(Password::parse_new("1234567".into(), "password").is_err());
        assert!(Password::parse_new("12345678".into(), "password").is_ok());
        assert!(Password::parse_new("é".repeat(128), "password").is_ok());
        let err = Password::parse_new("x".repeat(129), "password").unwrap_err();
        assert_eq!(err.0[0].field, "password");
    }

    #[test]
    fn a_password_never_shows_in_debug_output() {
        let password = Password::parse_new("hunter2-secret".into(), "password").unwrap();
        assert_eq!(format!("{password:?}"), "Password(***)");
    }

    #[tokio::test]
    async fn hashes_are_argon2id_phc_strings_with_distinct_salts() {
        let hasher = hasher();
        let first = hasher.hash(Password::offered("correct horse".into())).await.unwrap();
        let second = hasher.hash(Password::offered("correct horse".into())).await.unwrap();
        assert!(first.starts_with("$argon2id$v=19$"), "{first}");
        assert_ne!(first, second);
    }

    #[tokio::test]
    async fn verifies_the_right_password_only() {
        let hasher = hasher();
        let stored = hasher.hash(Password::offered("correct horse".into())).await.unwrap();
        assert!(hasher.verify(Password::offered("correct horse".into()), Some(stored.clone())).await.unwrap());
        assert!(!hasher.verify(Password::offered("wrong horse".into()), Some(stored)).await.unwrap());
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        let hasher = hasher();
        assert!(!hasher.verify(Password::offered("a password nobody has".into()), None).await.unwrap());
    }

    #[tokio::test]
    async fn a_hash_that_gets_no_turn_within_the_wait_is_refused_as_busy() {
        let hasher = hasher().with_turns(1, Duration::from_millis(20));
        let held = hasher.turn().await.unwrap();

        let busy = hasher.hash(Password::offered("correct horse".into())).await.unwrap_err();

        assert!(busy.downcast_ref::<HasherBusy>().is_some(), "{busy:#}");
        drop(held);
        hasher.hash(Password::offered("correct horse".into())).await.unwrap();
    }

    #[test]
    fn default_cost_is_owasps() {
        assert_eq!(PasswordCost::default(), PasswordCost { memory_kib: 19_456, iterations: 2, parallelism: 1 });
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_hashes_run_at_once_than_there_are_cores() {
        // Costly enough that the hashes overlap while the test watches.
        let hasher = PasswordHasher::new(PasswordCost { memory_kib: 8 * 1024, iterations: 2, parallelism: 1 }).unwrap();
        let cores = std::thread::available_parallelism().unwrap().get();
        let tasks: Vec<_> = (0..cores * 4)
            .map(|_| {
                let hasher = hasher.clone();
                tokio::spawn(async move { hasher.hash(Password("a burst of sign-ups".into())).await })
            })
            .collect();
        let mut most = 0;
        while tasks.iter().any(|task| !task.is_finished()) {
            most = most.max(hasher.running());
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert!(most >= 1, "the test never saw a hash running");
        assert!(most <= cores, "{most} hashes ran at once on {cores} cores");
    }
}

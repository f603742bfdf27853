//! Secrets: argon2id for on-site passwords and PINs (slow, salted, constant-time verify),
//! SHA-256 for API keys and session tokens (long random values need no stretching), and
//! random tokens.
//!
//! Every argon2 computation runs on a small fixed pool of threads behind a bounded queue
//! ([`HashLimits`]): a flood of PIN guesses waits or is refused with `Busy`, it never
//! multiplies 19 MiB by the number of requests.

use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use stampcard_core::ErrorCode;
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

use crate::error::Error;

/// The OWASP minimum for argon2id (19 MiB, 2 passes, 1 lane): PINs are short, so the hash
/// must be slow, but a stamp page must still answer quickly on a small server.
fn argon2() -> Result<Argon2<'static>, Error> {
    let params = Params::new(19_456, 2, 1, None).map_err(|e| Error::Internal(format!("argon2 params: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Each hashing thread's argon2 memory (19 MiB), allocated once and reused, so memory stays
/// at workers x 19 MiB however many hashes run: fresh 19 MiB allocations per hash were seen to
/// grow the process by about that much per hash (the allocator keeps what it was given).
type Memory = Vec<Block>;

/// The memory `params` need, taken from `memory` (grown once if a stored hash needs more).
fn blocks<'m>(memory: &'m mut Memory, params: &Params) -> &'m mut [Block] {
    let needed = params.block_count();
    if memory.len() < needed {
        memory.resize(needed, Block::default());
    }
    &mut memory[..needed]
}

/// An argon2 or PHC-string failure as a server fault naming the step.
fn internal<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> Error + '_ {
    move |e| Error::Internal(format!("argon2 {what}: {e}"))
}

fn hash_with(memory: &mut Memory, secret: &str) -> Result<String, Error> {
    let argon2 = argon2()?;
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_bytes).map_err(internal("salt"))?;
    let mut output = [0u8; argon2::Params::DEFAULT_OUTPUT_LEN];
    argon2
        .hash_password_into_with_memory(secret.as_bytes(), salt_bytes, &mut output, blocks(memory, argon2.params()))
        .map_err(internal("hash"))?;
    let hash = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: argon2.params().try_into().map_err(internal("params"))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&output).map_err(internal("output"))?),
    };
    Ok(hash.to_string())
}

fn verify_with(memory: &mut Memory, phc: &str, secret: &str) -> Result<bool, Error> {
    let parsed =
        PasswordHash::new(phc).map_err(|e| Error::Internal(format!("stored argon2 hash is unreadable: {e}")))?;
    let unreadable = |e: argon2::password_hash::Error| Error::Internal(format!("stored argon2 hash is unusable: {e}"));
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(unreadable)?;
    let version = parsed.version.map(Version::try_from).transpose().map_err(internal("version"))?.unwrap_or_default();
    let params = Params::try_from(&parsed).map_err(unreadable)?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Err(Error::Internal("stored argon2 hash has no salt or no hash".to_owned()));
    };
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(unreadable)?;
    let mut output = vec![0u8; expected.len()];
    Argon2::new(algorithm, version, params.clone())
        .hash_password_into_with_memory(secret.as_bytes(), salt_bytes, &mut output, blocks(memory, &params))
        .map_err(internal("verify"))?;
    // `Output`'s equality is constant-time.
    Ok(Output::new(&output).map_err(unreadable)? == expected)
}

/// How many argon2 computations run at once, how many may wait, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashLimits {
    /// Worker threads, each computing one hash at a time (19 MiB each).
    pub workers: usize,
    /// Hashes that may wait for a worker; more are refused at once.
    pub queue: usize,
    /// How long a hash may wait for a worker before the request is refused.
    pub max_wait: Duration,
}

impl Default for HashLimits {
    /// One worker per core, 16 waiting per worker, 5 s of waiting at most.
    fn default() -> HashLimits {
        let workers = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        HashLimits { workers, queue: 16 * workers, max_wait: Duration::from_secs(5) }
    }
}

type HashJob = Box<dyn FnOnce(&mut Memory) + Send>;

/// A fixed set of threads that compute argon2 hashes, fed by a bounded queue. Memory is
/// bounded by the number of workers (19 MiB each), never by the number of requests, and the
/// async threads and Tokio's blocking pool never run a hash.
struct HashPool {
    jobs: mpsc::SyncSender<HashJob>,
    limits: HashLimits,
}

static POOL: OnceLock<HashPool> = OnceLock::new();

impl HashPool {
    fn start(limits: HashLimits) -> HashPool {
        let limits = HashLimits { workers: limits.workers.max(1), queue: limits.queue.max(1), ..limits };
        let (jobs, receiver) = mpsc::sync_channel::<HashJob>(limits.queue);
        let receiver = Arc::new(Mutex::new(receiver));
        for index in 0..limits.workers {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new().name(format!("argon2-{index}")).spawn(move || {
                let mut memory = Memory::new();
                loop {
                    // The lock is held only while taking a job, never while hashing.
                    let job = match receiver.lock().unwrap_or_else(std::sync::PoisonError::into_inner).recv() {
                        Ok(job) => job,
                        Err(_) => return,
                    };
                    job(&mut memory);
                }
            });
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start a password-hashing thread");
            }
        }
        HashPool { jobs, limits }
    }

    /// Runs `work` on a worker; refuses with `Busy` when the queue is full or the wait too long.
    async fn run<T: Send + 'static>(&self, work: impl FnOnce(&mut Memory) -> T + Send + 'static) -> Result<T, Error> {
        let (answer, receive) = oneshot::channel();
        let (started, start) = oneshot::channel::<()>();
        let queued_at = Instant::now();
        let job: HashJob = Box::new(move |memory| {
            metrics::gauge!("stampcard_password_hash_waiting").decrement(1.0);
            // A request that gave up (timed out, client gone) costs no hash.
            if answer.is_closed() || started.send(()).is_err() {
                return;
            }
            metrics::histogram!("stampcard_password_hash_wait_seconds").record(queued_at.elapsed().as_secs_f64());
            metrics::gauge!("stampcard_password_hash_in_flight").increment(1.0);
            let value = work(memory);
            metrics::gauge!("stampcard_password_hash_in_flight").decrement(1.0);
            let _ = answer.send(value);
        });
        match self.jobs.try_send(job) {
            Ok(()) => metrics::gauge!("stampcard_password_hash_waiting").increment(1.0),
            Err(mpsc::TrySendError::Full(_)) => return Err(busy("too many password checks are waiting")),
            Err(mpsc::TrySendError::Disconnected(_)) => {
                return Err(Error::Internal("the password-hashing threads have stopped".to_owned()));
            }
        }
        // Only the wait for a thread is bounded; a hash once started takes what it takes.
        match tokio::time::timeout(self.limits.max_wait, start).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return Err(Error::Internal("a password-hashing thread dropped its job".to_owned())),
            Err(_) => return Err(busy("a password check waited too long for its turn")),
        }
        receive.await.map_err(|_| Error::Internal("a password-hashing thread dropped its job".to_owned()))
    }
}

fn busy(why: &str) -> Error {
    metrics::counter!("stampcard_password_hash_rejected_total").increment(1);
    Error::retry_after(ErrorCode::Busy, format!("the server is busy checking passwords ({why}); retry in a moment"), 1)
}

/// Sets the hashing limits; the first call (or first hash) wins, so call it before serving.
/// Returns false when the pool was already running with other limits.
pub fn configure_hashing(limits: HashLimits) -> bool {
    POOL.get_or_init(|| HashPool::start(limits)).limits == limits
}

fn pool() -> &'static HashPool {
    POOL.get_or_init(|| HashPool::start(HashLimits::default()))
}

/// Hashes an on-site password or PIN with argon2id on the hashing threads.
pub async fn hash_secret(secret: String) -> Result<String, Error> {
    pool().run(move |memory| hash_with(memory, &secret)).await?
}

/// Checks an on-site password or PIN against a stored argon2id hash on the hashing threads.
pub async fn verify_secret(phc: String, secret: String) -> Result<bool, Error> {
    pool().run(move |memory| verify_with(memory, &phc, &secret)).await?
}

/// SHA-256 of a high-entropy token (API key, session token): what the database stores.
pub fn sha256(data: &[u8]) -> Vec<u8> {
    Sha256::digest(data).to_vec()
}

/// 256 random bits from the OS, URL-safe base64 without padding (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `text` has the shape of a [`random_token`] (used to turn junk away early).
pub fn looks_like_token(text: &str) -> bool {
    text.len() == 43 && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Prefix of every API key, so a leaked key is recognisable in logs and secret scanners.
pub const API_KEY_PREFIX: &str = "sck_";

/// A new API key: the prefix plus 256 random bits.
pub fn new_api_key() -> String {
    format!("{API_KEY_PREFIX}{}", random_token())
}

/// A generated `userId` for stamps created without one: `u_` and 12 base32 characters
/// (60 random bits: unique enough per account, short enough to read aloud).
pub fn new_user_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut bytes = [0u8; 12];
    OsRng.fill_bytes(&mut bytes);
    let tail: String = bytes.iter().map(|b| char::from(ALPHABET[usize::from(b % 32)])).collect();
    format!("u_{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_wait_limit_bounds_the_wait_for_a_thread_not_the_hash() {
        // Work five times longer than the wait limit still answers when a thread is free. (The
        // limit is far above the time a free thread takes to start, even on a loaded machine.)
        let pool = HashPool::start(HashLimits { workers: 1, queue: 1, max_wait: Duration::from_millis(100) });
        let slow = |memory: &mut Memory| {
            std::thread::sleep(Duration::from_millis(500));
            hash_with(memory, "2580")
        };
        let hash = pool.run(slow).await.expect("not busy").expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
    }

    #[test]
    fn argon2_round_trip() {
        let mut memory = Memory::new();
        let hash = hash_with(&mut memory, "2580").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(verify_with(&mut memory, &hash, "2580").unwrap());
        assert!(!verify_with(&mut memory, &hash, "2581").unwrap());
        // Hashes made by the argon2 crate's own API (every stored hash so far) still verify.
        use argon2::password_hash::PasswordHasher as _;
        let salt = SaltString::generate(&mut OsRng);
        let stored = argon2().unwrap().hash_password(b"staff-pass", &salt).unwrap().to_string();
        assert!(verify_with(&mut memory, &stored, "staff-pass").unwrap());
        assert!(!verify_with(&mut memory, &stored, "staff-pasS").unwrap());
        use argon2::password_hash::PasswordVerifier as _;
        let ours = hash_with(&mut memory, "staff-pass").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(argon2().unwrap().verify_password(b"staff-pass", &parsed).is_ok(), "the crate verifies ours");
    }

    #[test]
    fn tokens_have_their_shape() {
        let token = random_token();
        assert!(looks_like_token(&token), "{token}");
        assert_ne!(token, random_token());
        assert!(new_api_key().starts_with(API_KEY_PREFIX));
        let user = new_user_id();
        assert_eq!(user.len(), 14);
        assert_eq!(sha256(b"abc").len(), 32);
    }
}

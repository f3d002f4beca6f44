//! Password hashing as a bounded resource. Every argon2id hash takes 19 MiB of memory and
//! about 25 ms of a core, so a flood of logins run all at once on Tokio's blocking pool took
//! gigabytes (which the allocator then kept). Here a fixed set of hasher threads (one per
//! core unless `hash_concurrency` says otherwise) takes jobs from a short queue
//! (`hash_queue`); when the queue is full the request is answered `429` at once. Each thread
//! owns one argon2 work area and reuses it for every hash, so memory for hashing is at most
//! threads × 19 MiB, allocated once, whatever the load. The threads run at a lower priority
//! than the request workers.
//!
//! Parameters: argon2id, m = 19,456 KiB, t = 2, p = 1 (the argon2 crate's default, OWASP's
//! recommended minimum). Unknown usernames are checked against a dummy hash with the same
//! parameters, through the same queue, so the answer takes as long as for a real account.

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::error::Error;
use crate::workers::Workers;

/// Handle to the hasher threads (`crate::workers`: nice 10, a `429` when the queue is full);
/// cheap to clone. Each thread's state is its argon2 work area.
#[derive(Clone)]
pub struct Hasher {
    workers: Workers<Vec<Block>>,
}

impl Hasher {
    /// Starts `threads` hasher threads (0: one per core) behind a queue of `queue` jobs.
    pub fn start(threads: usize, queue: usize) -> Result<Hasher, String> {
        Ok(Hasher {
            workers: Workers::start("chatd-hasher", threads, queue, Vec::new)?,
        })
    }

    async fn run<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut Vec<Block>) -> Result<T, Error> + Send + 'static,
    {
        self.workers.run(f).await
    }

    /// A PHC string for `password` with a fresh salt.
    pub async fn hash(&self, password: String) -> Result<String, Error> {
        self.run(move |memory| hash_with(password.as_bytes(), memory))
            .await
    }

    /// Whether `password` matches `hash`; `None` (unknown user) checks against a dummy hash
    /// and fails, taking the same time.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, Error> {
        self.run(move |memory| {
            let known = hash.is_some();
            let hash = hash.unwrap_or_else(|| DUMMY_HASH.to_string());
            Ok(verify_with(password.as_bytes(), &hash, memory)? && known)
        })
        .await
    }
}

/// The synchronous form, for `chatd seed` and `chatd user reset-password`.
pub fn hash_password_now(password: &str) -> Result<String, Error> {
    hash_with(password.as_bytes(), &mut Vec::new())
}

fn hash_with(password: &[u8], memory: &mut Vec<Block>) -> Result<String, Error> {
    let params = Params::default();
    let mut salt = [0u8; Salt::RECOMMENDED_LENGTH];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut salt);
    let output = compute(
        password,
        &salt,
        Algorithm::Argon2id,
        Version::V0x13,
        &params,
        memory,
    )?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(Error::internal)?,
        salt: Some(Salt::new(&salt).map_err(Error::internal)?),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

fn verify_with(password: &[u8], hash: &str, memory: &mut Vec<Block>) -> Result<bool, Error> {
    let phc = PasswordHash::new(hash).map_err(Error::internal)?;
    let (Some(salt), Some(expected)) = (&phc.salt, &phc.hash) else {
        return Err(Error::internal(
            "a stored password hash has no salt or output",
        ));
    };
    let algorithm = Algorithm::try_from(phc.algorithm.as_str()).map_err(Error::internal)?;
    let version = match phc.version {
        Some(v) => Version::try_from(v).map_err(Error::internal)?,
        None => Version::default(),
    };
    let params = Params::try_from(&phc).map_err(Error::internal)?;
    let computed = compute(password, salt, algorithm, version, &params, memory)?;
    // `Output`'s comparison is constant-time.
    Ok(&computed == expected)
}

/// The argon2 output for `password` and `salt`, in `memory` (grown once to the size the
/// parameters need, then reused).
fn compute(
    password: &[u8],
    salt: &[u8],
    algorithm: Algorithm,
    version: Version,
    params: &Params,
    memory: &mut Vec<Block>,
) -> Result<Output, Error> {
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let mut out = vec![0u8; len];
    Argon2::new(algorithm, version, params.clone())
        .hash_password_into_with_memory(password, salt, &mut out, &mut memory[..blocks])
        .map_err(Error::internal)?;
    Output::new(&out).map_err(Error::internal)
}

/// argon2id of a random string with the default parameters; never matches a real login.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0r4BdN0YVeAv6xKXkTQoY6sGkdP7fDz+8Lh3Vz1RtmQ";

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[test]
    fn reused_memory_agrees_with_the_argon2_crate_both_ways() {
        let mut memory = Vec::new();
        let ours = hash_with(b"correct horse", &mut memory).unwrap();
        assert!(ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        let theirs = Argon2::default()
            .hash_password(b"correct horse")
            .unwrap()
            .to_string();
        // Our hash verifies with the crate's verifier, and the crate's with ours, on memory
        // already used by another hash.
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse", &parsed)
            .is_ok());
        assert!(verify_with(b"correct horse", &theirs, &mut memory).unwrap());
        assert!(verify_with(b"correct horse", &ours, &mut memory).unwrap());
        assert!(!verify_with(b"wrong horse", &ours, &mut memory).unwrap());
        assert!(!verify_with(b"correct horse", DUMMY_HASH, &mut memory).unwrap());
        assert!(verify_with(b"x", "not a hash", &mut memory).is_err());
    }
}

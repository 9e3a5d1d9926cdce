//! Read-only viewers: people who read the archive with a name and password of their own instead
//! of the account's API key and secret, so a team can share the history without sharing the
//! credentials that change the account.
//!
//! The file named by `--viewers` holds one `name:hash` line per viewer, the hash an Argon2id PHC
//! string (`$argon2id$v=19$m=19456,t=2,p=1$…`) as `audit-archive viewer NAME` prints it; `#`
//! starts a comment. A viewer signs in with HTTP Basic as `name:password`. Checking a password
//! takes tens of milliseconds on purpose; a credential that passed is remembered (by its SHA-256)
//! for ten minutes, so a page of requests does not pay it each time.

use std::collections::HashMap;
use std::path::Path;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// The viewers of a `--viewers` file.
#[derive(Clone, Default)]
pub struct Viewers {
    hashes: HashMap<String, String>,
}

impl std::fmt::Debug for Viewers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Viewers({} names)", self.hashes.len())
    }
}

impl Viewers {
    /// Reads `path`; a line that is not `name:argon2-hash` is refused with its number.
    pub fn load(path: &Path) -> Result<Viewers, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read --viewers {}: {e}", path.display()))?;
        let mut hashes = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = || format!("{}:{}", path.display(), i + 1);
            let Some((name, hash)) = line.split_once(':') else {
                return Err(format!("{}: not a name:hash line", at()));
            };
            let name = name.trim();
            if name.is_empty() {
                return Err(format!("{}: the name is empty", at()));
            }
            match PasswordHash::new(hash.trim()) {
                Ok(h) if h.algorithm.as_str().starts_with("argon2") => {}
                _ => {
                    return Err(format!(
                        "{}: {name}'s hash is not an Argon2 PHC string (make one with: audit-archive viewer {name})",
                        at()
                    ))
                }
            }
            if hashes
                .insert(name.to_string(), hash.trim().to_string())
                .is_some()
            {
                return Err(format!("{}: {name} is listed twice", at()));
            }
        }
        Ok(Viewers { hashes })
    }

    /// How many viewers there are.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// Whether `password` is `name`'s (slow by design: run it off the request path).
    pub fn verify(&self, name: &str, password: &str) -> bool {
        self.hashes
            .get(name)
            .and_then(|h| PasswordHash::new(h).ok())
            .is_some_and(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
    }
}

/// An Argon2id hash of `password` with a fresh random salt, as a PHC string.
pub fn hash(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| format!("no randomness from the system: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let h = hash("correct horse").expect("hash");
        assert!(h.starts_with("$argon2id$v=19$"), "{h}");
        assert_ne!(
            h,
            hash("correct horse").expect("hash"),
            "a fresh salt each time"
        );
        let dir = std::env::temp_dir().join(format!("viewers-{}", std::process::id()));
        std::fs::write(&dir, format!("# the team\nana:{h}\n\n")).expect("write");
        let v = Viewers::load(&dir).expect("load");
        assert_eq!(v.len(), 1);
        assert!(v.verify("ana", "correct horse"));
        assert!(!v.verify("ana", "wrong"));
        assert!(!v.verify("bob", "correct horse"));
        std::fs::write(&dir, "ana:plaintext\n").expect("write");
        let e = Viewers::load(&dir).expect_err("refused");
        assert!(
            e.contains(":1: ana's hash is not an Argon2 PHC string"),
            "{e}"
        );
        std::fs::write(&dir, format!("ana:{h}\nana:{h}\n")).expect("write");
        assert!(Viewers::load(&dir)
            .expect_err("refused")
            .contains(":2: ana is listed twice"));
        let _ = std::fs::remove_file(&dir);
    }
}

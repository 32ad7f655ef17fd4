//! Password hashing with argon2id; only hashes are stored.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use std::sync::LazyLock;

use crate::error::{ApiError, ErrorCode, FieldIssue, IssueCode};

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 128;

/// Whether a new password is hard enough to guess: zxcvbn's estimate must reach score 2 (about
/// 10^8 guesses, "somewhat guessable"), told the user's e-mail and name so that neither, nor a
/// variant of them, passes. Common passwords, one character repeated, keyboard walks and dates
/// score lower. The reason is zxcvbn's own warning when it gives one.
pub fn check_strength(password: &str, user_inputs: &[&str]) -> Result<(), String> {
    let mut inputs: Vec<&str> = Vec::new();
    for input in user_inputs {
        inputs.push(input);
        // The parts of an e-mail address are guessable on their own.
        inputs.extend(
            input
                .split(['@', '.', ' ', '-', '_', '+'])
                .filter(|part| part.len() >= 3),
        );
    }
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    if u8::from(estimate.score()) >= 2 {
        return Ok(());
    }
    let warning = estimate.feedback().and_then(|f| f.warning()).map(|w| w.to_string());
    Err(match warning {
        Some(warning) => format!("is too easy to guess: {}", warning.trim_end_matches('.')),
        None => "is too easy to guess".to_owned(),
    })
}

/// [`check_strength`] as the 422 `weak_password` of the member at `pointer`.
pub fn require_strong(password: &str, pointer: &str, user_inputs: &[&str]) -> Result<(), ApiError> {
    check_strength(password, user_inputs).map_err(|message| {
        ApiError::new(
            ErrorCode::WeakPassword,
            "The password is too easy to guess; choose a longer or less common one.",
        )
        .with_errors(vec![FieldIssue::new(pointer, IssueCode::WeakPassword, message)])
    })
}

pub fn hash(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(format!("cannot hash a password: {e}")))
}

/// Compares in constant time. With `None` (no such user, or no password yet) it still spends
/// the time of a real check, so response times do not tell which e-mails exist.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: LazyLock<String> = LazyLock::new(|| hash("a password nobody has").unwrap_or_default());
    let (candidate, real) = match stored {
        Some(h) => (h, true),
        None => (DUMMY.as_str(), false),
    };
    let Ok(parsed) = PasswordHash::new(candidate) else {
        return false;
    };
    Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && real
}

/// [`hash`] on the blocking pool: argon2 is deliberately slow and must not stall a worker.
pub async fn hash_blocking(password: String) -> Result<String, ApiError> {
    actix_web::web::block(move || hash(&password))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
}

/// [`verify`] on the blocking pool.
pub async fn verify_blocking(password: String, stored: Option<String>) -> Result<bool, ApiError> {
    actix_web::web::block(move || verify(&password, stored.as_deref()))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = super::hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(super::verify("correct horse battery", Some(&h)));
        assert!(!super::verify("wrong horse battery", Some(&h)));
        assert!(!super::verify("correct horse battery", None));
    }
}

#[cfg(test)]
mod strength_tests {
    use super::check_strength;

    #[test]
    fn guessable_passwords_are_weak() {
        let email = "casey.jones@contoso.example";
        for weak in [
            "          ",
            "aaaaaaaaaa",
            "password12",
            "1234567890",
            "qwertyuiop",
            "casey.jones@contoso.example",
            "caseyjones1",
            "contoso2026",
        ] {
            assert!(
                check_strength(weak, &[email, "Casey Jones"]).is_err(),
                "{weak:?} passed"
            );
        }
        for strong in [
            "correct horse battery staple",
            "another password!",
            "Tr4vel-by-n1ght-tr@in",
        ] {
            assert_eq!(check_strength(strong, &[email, "Casey Jones"]), Ok(()), "{strong:?}");
        }
    }
}

//! Standard Webhooks signatures: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` with
//! each valid secret, space-separated; secrets are `whsec_` and the base64 of 32 random bytes.

use base64::Engine;

use crate::error::ApiError;

/// A new signing secret.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::Rng::fill(&mut rand::rngs::OsRng, &mut bytes[..]);
    format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// The `webhook-signature` header of `body`, sent as message `id` at `timestamp` (Unix
/// seconds): one signature for each of `secrets`.
pub fn signature(secrets: &[&str], id: &str, timestamp: i64, body: &[u8]) -> Result<String, ApiError> {
    let signatures = secrets
        .iter()
        .map(|secret| {
            standardwebhooks::Webhook::new(secret)
                .and_then(|hook| hook.sign(id, timestamp, body))
                .map_err(|e| ApiError::internal(format!("cannot sign a delivery: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(signatures.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_standard_one() {
        // The test vector of the Standard Webhooks specification.
        let body = br#"{"email":"test@example.com","username":"test_user"}"#;
        let signed = signature(
            &["whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"],
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1649367553,
            body,
        )
        .unwrap();
        assert_eq!(signed, "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=");
    }

    #[test]
    fn two_secrets_sign_side_by_side() {
        let (old, new) = (new_secret(), new_secret());
        assert!(old.starts_with("whsec_") && old != new);
        let both = signature(&[&new, &old], "evt", 1, b"{}").unwrap();
        let parts: Vec<&str> = both.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], signature(&[&new], "evt", 1, b"{}").unwrap());
        assert_eq!(parts[1], signature(&[&old], "evt", 1, b"{}").unwrap());
    }
}

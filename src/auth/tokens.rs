//! Access tokens: HS256 JWTs with `exp`, `iss`, `aud` and `sub` required and the algorithm
//! allow-listed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::roles::Role;
use crate::error::ApiError;
use crate::ids::{OrganizationId, UserId};
use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

pub const ISSUER: &str = "cosell";
pub const AUDIENCE: &str = "cosell-api";
/// Clock skew tolerated on `exp`, `nbf` and `iat`.
pub const LEEWAY_SECONDS: u64 = 30;
/// The longest lifetime (`exp - iat`) a token may claim.
pub const MAX_LIFETIME_SECONDS: i64 = 24 * 60 * 60;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    pub role: String,
    pub iat: i64,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    pub iss: String,
    pub aud: String,
}

impl Claims {
    /// Whether the time limits hold at `now` (seconds), with the same leeway as verification.
    fn current_at(&self, now: i64) -> bool {
        let leeway = LEEWAY_SECONDS as i64;
        self.exp >= now - leeway && self.nbf.is_none_or(|nbf| nbf <= now + leeway)
    }
}

/// How many verified tokens are remembered before the memory is emptied and starts over.
const VERIFIED_CAPACITY: usize = 10_000;

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// Tokens whose signature, algorithm, issuer and audience were checked, with their claims.
    /// What a verdict on them can still change is only time, which is checked at each use.
    verified: Mutex<HashMap<String, Arc<Claims>>>,
    pub ttl_seconds: i64,
}

impl TokenKeys {
    pub fn hs256(secret: &[u8], ttl_seconds: i64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            verified: Mutex::new(HashMap::new()),
            ttl_seconds,
        }
    }

    /// A token for the user; `valid_after` (the user's `tokens_valid_after`) is its earliest
    /// `iat`, so that a token minted in the second its user was enabled again is honoured.
    pub fn issue(
        &self,
        user_id: UserId,
        organization_id: Option<OrganizationId>,
        role: Role,
        valid_after: Option<i64>,
    ) -> Result<String, ApiError> {
        let now = Utc::now().timestamp().max(valid_after.unwrap_or(i64::MIN));
        let claims = Claims {
            sub: user_id.to_string(),
            org: organization_id.map(|o| o.to_string()),
            role: role.as_str().to_owned(),
            iat: now,
            exp: now + self.ttl_seconds,
            nbf: None,
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::internal(format!("cannot sign a token: {e}")))
    }

    /// Verifies signature, algorithm and claims; every failure is the same 401 to the client.
    /// A token seen before is not decoded again: only its time limits are checked.
    pub fn verify(&self, token: &str) -> Result<Arc<Claims>, ApiError> {
        let now = Utc::now().timestamp();
        let known = self.verified().get(token).cloned();
        if let Some(claims) = known {
            if claims.current_at(now) {
                return Ok(claims);
            }
            self.verified().remove(token);
        }
        let rejected = |reason: &dyn std::fmt::Display| {
            tracing::debug!(error = %reason, "token rejected");
            ApiError::unauthenticated("The access token is missing, expired or invalid.")
        };
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| Arc::new(data.claims))
            .map_err(|e| rejected(&e))?;
        if has_critical_header(token) {
            return Err(rejected(
                &"a `crit` header names extensions this service does not understand",
            ));
        }
        if claims.iat > now + LEEWAY_SECONDS as i64 {
            return Err(rejected(&"issued in the future"));
        }
        if claims.exp - claims.iat > MAX_LIFETIME_SECONDS {
            return Err(rejected(&"a lifetime longer than 24 hours"));
        }
        let mut verified = self.verified();
        if verified.len() >= VERIFIED_CAPACITY {
            verified.clear();
        }
        verified.insert(token.to_owned(), claims.clone());
        Ok(claims)
    }

    fn verified(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Claims>>> {
        self.verified.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Whether the (already verified) token's header carries `crit`: RFC 7515 says a recipient that
/// does not understand every extension it lists must refuse the token, and this one supports none.
fn has_critical_header(token: &str) -> bool {
    use base64::Engine;
    let Some(header) = token.split('.').next() else {
        return true;
    };
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header) else {
        return true;
    };
    match serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&bytes) {
        Ok(members) => members.contains_key("crit"),
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    const SECRET: &[u8] = b"an-hs256-secret-of-at-least-32-bytes!!";

    fn b64(v: &serde_json::Value) -> String {
        base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, v.to_string())
    }

    fn sign(header: serde_json::Value, claims: serde_json::Value, secret: &[u8]) -> String {
        let signing_input = format!("{}.{}", b64(&header), b64(&claims));
        let key = EncodingKey::from_secret(secret);
        let signature = jsonwebtoken::crypto::sign(signing_input.as_bytes(), &key, Algorithm::HS256).unwrap();
        format!("{signing_input}.{signature}")
    }

    fn valid_claims() -> serde_json::Value {
        let now = Utc::now().timestamp();
        serde_json::json!({"sub": Uuid::now_v7().to_string(), "role": "owner", "iat": now, "exp": now + 600, "iss": ISSUER, "aud": AUDIENCE})
    }

    #[test]
    fn a_token_it_issues_verifies() {
        let keys = TokenKeys::hs256(SECRET, 900);
        let id = UserId::generate();
        let token = keys.issue(id, None, Role::Support, None).unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!(claims.sub, id.to_string());
        assert_eq!(claims.role, "support");
    }

    #[test]
    fn a_remembered_token_still_expires() {
        let keys = TokenKeys::hs256(SECRET, 900);
        let hs256 = serde_json::json!({"alg": "HS256", "typ": "JWT"});
        let mut claims = valid_claims();
        // Expired 29 s ago: within the 30 s leeway for one more second.
        claims["exp"] = serde_json::json!(Utc::now().timestamp() - 29);
        let token = sign(hs256, claims, SECRET);
        assert!(keys.verify(&token).is_ok());
        assert!(keys.verify(&token).is_ok(), "remembered");
        std::thread::sleep(std::time::Duration::from_millis(2_100));
        assert!(keys.verify(&token).is_err(), "a remembered token outlived its expiry");
    }

    #[test]
    fn time_limits_are_those_of_verification() {
        let claims = |exp: i64, nbf: Option<i64>| Claims {
            sub: String::new(),
            org: None,
            role: String::new(),
            iat: 0,
            exp,
            nbf,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
        };
        let now = 1_000_000;
        assert!(claims(now - 30, None).current_at(now));
        assert!(!claims(now - 31, None).current_at(now));
        assert!(claims(now + 600, Some(now + 30)).current_at(now));
        assert!(!claims(now + 600, Some(now + 31)).current_at(now));
    }

    #[test]
    fn hand_signed_tokens_are_checked_claim_by_claim() {
        let keys = TokenKeys::hs256(SECRET, 900);
        let hs256 = serde_json::json!({"alg": "HS256", "typ": "JWT"});
        assert!(keys.verify(&sign(hs256.clone(), valid_claims(), SECRET)).is_ok());

        let now = Utc::now().timestamp();
        let mut cases: Vec<(&str, serde_json::Value)> = Vec::new();
        for (name, key) in [
            ("no exp", "exp"),
            ("no iss", "iss"),
            ("no aud", "aud"),
            ("no sub", "sub"),
        ] {
            let mut c = valid_claims();
            c.as_object_mut().unwrap().remove(key);
            cases.push((name, c));
        }
        let mut c = valid_claims();
        c["exp"] = serde_json::json!(now - 31);
        cases.push(("expired beyond the leeway", c));
        let mut c = valid_claims();
        c["exp"] = serde_json::json!((now + 600).to_string());
        cases.push(("string exp", c));
        let mut c = valid_claims();
        c["nbf"] = serde_json::json!(now + 120);
        cases.push(("nbf in the future", c));
        let mut c = valid_claims();
        c["iat"] = serde_json::json!(now + 120);
        c["exp"] = serde_json::json!(now + 600);
        cases.push(("issued in the future", c));
        let mut c = valid_claims();
        c["iat"] = serde_json::json!(now - 60);
        c["exp"] = serde_json::json!(now + 10 * 365 * 86_400);
        cases.push(("a ten-year lifetime", c));
        let mut c = valid_claims();
        c.as_object_mut().unwrap().remove("iat");
        cases.push(("no iat", c));
        let mut c = valid_claims();
        c["aud"] = serde_json::json!("someone-else");
        cases.push(("wrong audience", c));
        let mut c = valid_claims();
        c["iss"] = serde_json::json!("someone-else");
        cases.push(("wrong issuer", c));
        for (name, claims) in cases {
            assert!(
                keys.verify(&sign(hs256.clone(), claims, SECRET)).is_err(),
                "{name} was accepted"
            );
        }

        let critical = serde_json::json!({"alg": "HS256", "typ": "JWT", "crit": ["exp"]});
        assert!(
            keys.verify(&sign(critical, valid_claims(), SECRET)).is_err(),
            "a crit header was accepted"
        );

        let mut c = valid_claims();
        c["iat"] = serde_json::json!(now + 20);
        c["exp"] = serde_json::json!(now + 86_400);
        assert!(
            keys.verify(&sign(hs256.clone(), c, SECRET)).is_ok(),
            "an iat within the leeway and a 24-hour lifetime are tolerated"
        );
        let mut c = valid_claims();
        c["exp"] = serde_json::json!(now - 10);
        assert!(
            keys.verify(&sign(hs256, c, SECRET)).is_ok(),
            "expiry within the leeway is tolerated"
        );
    }

    #[test]
    fn other_algorithms_and_secrets_are_refused() {
        let keys = TokenKeys::hs256(SECRET, 900);
        for alg in ["none", "None", "NONE", "HS384", "HS512"] {
            let header = serde_json::json!({"alg": alg, "typ": "JWT"});
            let unsigned = format!("{}.{}.", b64(&header), b64(&valid_claims()));
            assert!(keys.verify(&unsigned).is_err(), "alg {alg} accepted");
        }
        let hs256 = serde_json::json!({"alg": "HS256", "typ": "JWT"});
        let other = sign(hs256.clone(), valid_claims(), b"another-secret-that-is-long-enough-too");
        assert!(keys.verify(&other).is_err());

        let good = sign(hs256, valid_claims(), SECRET);
        let mut flipped = good.clone().into_bytes();
        let last = flipped.len() - 2;
        flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
        assert!(keys.verify(std::str::from_utf8(&flipped).unwrap()).is_err());
        let parts: Vec<&str> = good.split('.').collect();
        let tampered = format!(
            "{}.{}.{}",
            parts[0],
            b64(&serde_json::json!({"sub": "x", "role": "owner"})),
            parts[2]
        );
        assert!(keys.verify(&tampered).is_err());
        assert!(keys.verify(&format!("{}.{}", parts[0], parts[1])).is_err());
        assert!(keys.verify(&format!("{good}.extra")).is_err());
    }
}

//! Signing and verifying access tokens: EdDSA (Ed25519) JWTs with a `kid`.

use std::collections::HashMap;
use std::sync::Mutex;

use ed25519_dalek::pkcs8::DecodePrivateKey;
use ed25519_dalek::SigningKey;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm,
    OctetKeyPairParameters, OctetKeyPairType, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::config::Config;

/// The claims of an access token.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The user's or the integration client's id.
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    /// The organisation.
    pub org: Uuid,
    /// `user` or `client`.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// A person's sign-in (refresh token family): revoking it ends this token too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Uuid>,
}

/// Why a key could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("ONPACE_JWT_PRIVATE_KEY_FILE {0}: {1}")]
    Read(String, String),
    #[error("ONPACE_JWT_PRIVATE_KEY_FILE {0} is not a PKCS#8 PEM Ed25519 private key ({1})")]
    Parse(String, String),
}

/// The signing key, its public half and the validation rules.
pub struct Keys {
    pub kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwk: Jwk,
    validation: Validation,
    pub issuer: String,
    pub audience: String,
    /// True when the key was generated at start: fine for development only.
    pub ephemeral: bool,
    /// Tokens whose signature has been checked, with their claims: a caller's
    /// next requests with the same token skip the Ed25519 check. Only the exact
    /// text of a verified token hits, and its expiry is checked on every use.
    verified: Mutex<HashMap<String, Claims>>,
}

/// How many verified tokens are remembered at most (a few MB).
const MAX_VERIFIED: usize = 10_000;

impl Keys {
    /// Loads the configured key, or generates a development key.
    pub fn from_config(config: &Config) -> Result<Self, KeyError> {
        let (signing, ephemeral) = match &config.jwt_private_key_file {
            Some(path) => {
                let pem = std::fs::read_to_string(path)
                    .map_err(|e| KeyError::Read(path.clone(), e.to_string()))?;
                let key = SigningKey::from_pkcs8_pem(&pem)
                    .map_err(|e| KeyError::Parse(path.clone(), e.to_string()))?;
                (key, false)
            }
            None => (SigningKey::generate(&mut rand::rngs::OsRng), true),
        };
        Ok(Self::new(
            signing,
            config.jwt_kid.clone(),
            &config.jwt_issuer,
            &config.jwt_audience,
            ephemeral,
        ))
    }

    /// Builds the keys from an Ed25519 signing key. Without an explicit kid the
    /// kid is derived from the public key, so it changes whenever the key does.
    pub fn new(
        signing: SigningKey,
        kid: Option<String>,
        issuer: &str,
        audience: &str,
        ephemeral: bool,
    ) -> Self {
        let public = signing.verifying_key().to_bytes();
        let kid = kid.unwrap_or_else(|| {
            let digest = Sha256::digest(public);
            base64_url(&digest[..12])
        });
        // PKCS#8 v1 (RFC 8410): a fixed 16-byte header, then the 32-byte seed.
        let mut der = vec![
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20,
        ];
        der.extend_from_slice(&signing.to_bytes());
        let encoding = EncodingKey::from_ed_der(&der);
        let decoding = DecodingKey::from_ed_der(&public);
        let jwk = Jwk {
            common: CommonParameters {
                key_id: Some(kid.clone()),
                public_key_use: Some(PublicKeyUse::Signature),
                key_algorithm: Some(KeyAlgorithm::EdDSA),
                ..Default::default()
            },
            algorithm: AlgorithmParameters::OctetKeyPair(OctetKeyPairParameters {
                key_type: OctetKeyPairType::OctetKeyPair,
                curve: EllipticCurve::Ed25519,
                x: base64_url(&public),
            }),
        };

        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Expired means expired: no grace past `exp` (the instances that sign
        // and check share a clock through NTP; a client renews ahead of
        // `expires_in`).
        validation.leeway = 0;
        Keys {
            kid,
            encoding,
            decoding,
            jwk,
            validation,
            issuer: issuer.to_string(),
            audience: audience.to_string(),
            ephemeral,
            verified: Mutex::new(HashMap::new()),
        }
    }

    pub fn sign(&self, claims: &Claims) -> String {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        header.typ = Some("at+jwt".into());
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .expect("signing with a loaded Ed25519 key cannot fail")
    }

    /// Checks the signature, algorithm, kid, issuer, audience and expiry.
    pub fn verify(&self, token: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
        self.verify_at(token, chrono::Utc::now().timestamp())
    }

    /// [`Keys::verify`] at `now` (Unix seconds) for a token verified before; a
    /// token seen for the first time is checked in full against the clock.
    fn verify_at(&self, token: &str, now: i64) -> Result<Claims, jsonwebtoken::errors::Error> {
        let seen = self
            .verified
            .lock()
            .ok()
            .and_then(|m| m.get(token).cloned());
        if let Some(claims) = seen {
            // The rule jsonwebtoken applies: expired once `exp` is over `leeway` seconds past (none).
            return if claims.exp < now - self.validation.leeway as i64 {
                Err(jsonwebtoken::errors::ErrorKind::ExpiredSignature.into())
            } else {
                Ok(claims)
            };
        }
        let header = jsonwebtoken::decode_header(token)?;
        if header.kid.as_deref() != Some(self.kid.as_str()) {
            return Err(jsonwebtoken::errors::ErrorKind::InvalidToken.into());
        }
        let claims =
            jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)?.claims;
        if let Ok(mut map) = self.verified.lock() {
            let leeway = self.validation.leeway as i64;
            crate::remembered::insert_bounded(
                &mut map,
                MAX_VERIFIED,
                token.to_string(),
                claims.clone(),
                |_, c| c.exp >= now - leeway,
            );
        }
        Ok(claims)
    }

    /// The public keys, as published at `/.well-known/jwks.json`.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: vec![self.jwk.clone()],
        }
    }
}

pub fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys::new(
            SigningKey::from_bytes(&[7u8; 32]),
            None,
            "onpace",
            "onpace-api",
            true,
        )
    }

    fn claims(exp_in: i64) -> Claims {
        let now = chrono::Utc::now().timestamp();
        Claims {
            iss: "onpace".into(),
            aud: "onpace-api".into(),
            sub: Uuid::nil().to_string(),
            exp: now + exp_in,
            iat: now,
            jti: "j".into(),
            org: Uuid::nil(),
            kind: "user".into(),
            role: Some("admin".into()),
            scope: None,
            sid: None,
        }
    }

    #[test]
    fn round_trip_and_jwks() {
        let k = keys();
        let c = claims(60);
        assert_eq!(k.verify(&k.sign(&c)).unwrap(), c);
        let jwks = serde_json::to_value(k.jwks()).unwrap();
        assert_eq!(jwks["keys"][0]["kty"], "OKP");
        assert_eq!(jwks["keys"][0]["crv"], "Ed25519");
        assert_eq!(jwks["keys"][0]["kid"], k.kid);
        // The published key verifies tokens on its own, as a gateway would use it.
        let x = jwks["keys"][0]["x"].as_str().unwrap();
        let dk = DecodingKey::from_ed_components(x).unwrap();
        let mut v = Validation::new(Algorithm::EdDSA);
        v.set_audience(&["onpace-api"]);
        assert!(jsonwebtoken::decode::<Claims>(&k.sign(&c), &dk, &v).is_ok());
    }

    #[test]
    fn refuses_expired_foreign_and_altered_tokens() {
        let k = keys();
        assert!(k.verify(&k.sign(&claims(-120))).is_err());
        let other = Keys::new(
            SigningKey::from_bytes(&[8u8; 32]),
            Some(k.kid.clone()),
            "onpace",
            "onpace-api",
            true,
        );
        assert!(k.verify(&other.sign(&claims(60))).is_err());
        let mut wrong_aud = claims(60);
        wrong_aud.aud = "someone-else".into();
        assert!(k.verify(&k.sign(&wrong_aud)).is_err());
        let mut wrong_iss = claims(60);
        wrong_iss.iss = "evil".into();
        assert!(k.verify(&k.sign(&wrong_iss)).is_err());
    }

    #[test]
    fn a_token_past_its_expiry_is_refused_to_the_second() {
        let k = keys();
        assert!(k.verify(&k.sign(&claims(5))).is_ok());
        // One second past `exp`, seen for the first time.
        assert!(k.verify(&k.sign(&claims(-1))).is_err());
    }

    #[test]
    fn a_verified_token_is_remembered_until_it_expires() {
        let k = keys();
        let c = claims(60);
        let token = k.sign(&c);
        assert_eq!(k.verify(&token).unwrap(), c);
        // Remembered: the same claims without the signature check, until its
        // `exp` second is past (no leeway).
        assert_eq!(k.verify_at(&token, c.exp).unwrap(), c);
        assert!(k.verify_at(&token, c.exp + 1).is_err());
        // Only the exact text hits: the token with another signature is checked anew.
        let (body, _) = token.rsplit_once('.').unwrap();
        let forged = format!("{body}.{}", base64_url(&[0u8; 64]));
        assert!(k.verify(&forged).is_err());
        // An unverifiable token is not remembered as verified.
        assert!(k.verify(&forged).is_err());
    }
}

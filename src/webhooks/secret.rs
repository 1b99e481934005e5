//! A webhook's signing secret: made, sealed for the database, opened to sign.
//!
//! A secret is `whsec_` and the standard base64 of 32 random bytes, as Standard
//! Webhooks libraries expect it. In the database it is sealed with
//! XChaCha20-Poly1305 under `ONPACE_SECRETS_KEY`, bound to its organisation and
//! endpoint: a dump of the database alone cannot sign, and a sealed secret
//! copied to another endpoint's row does not open.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use uuid::Uuid;

/// The prefix of a secret.
pub const PREFIX: &str = "whsec_";

/// The key used when `ONPACE_SECRETS_KEY` is unset: development only.
const DEVELOPMENT_KEY: [u8; 32] = *b"onpace-development-secrets-key!!";

/// A new secret: `whsec_` and base64 of 32 random bytes.
pub fn generate() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{PREFIX}{}", STANDARD.encode(bytes))
}

/// A sealed secret that does not open: another key, another row, or damage.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a webhook secret does not open with this ONPACE_SECRETS_KEY")]
pub struct Unreadable;

/// Seals and opens secrets with the installation's key.
#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
    development: bool,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer")
            .field("development", &self.development)
            .finish_non_exhaustive()
    }
}

impl Sealer {
    /// With `key`, or the development key when there is none.
    pub fn new(key: Option<[u8; 32]>) -> Self {
        let development = key.is_none();
        let key = key.unwrap_or(DEVELOPMENT_KEY);
        Sealer {
            cipher: XChaCha20Poly1305::new(&key.into()),
            development,
        }
    }

    /// Whether this is the development key (`ONPACE_SECRETS_KEY` unset).
    pub fn is_development(&self) -> bool {
        self.development
    }

    /// `secret` sealed for the endpoint `(org, webhook)`: a random nonce, then
    /// the ciphertext with its tag.
    pub fn seal(&self, org: Uuid, webhook: Uuid, secret: &str) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let aad = binding(org, webhook);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: secret.as_bytes(),
                    aad: &aad,
                },
            )
            .expect("XChaCha20-Poly1305 seals any message under 256 GiB");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        out
    }

    /// The secret sealed for `(org, webhook)`.
    pub fn open(&self, org: Uuid, webhook: Uuid, sealed: &[u8]) -> Result<String, Unreadable> {
        if sealed.len() < 24 {
            return Err(Unreadable);
        }
        let (nonce, body) = sealed.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| Unreadable)?;
        let aad = binding(org, webhook);
        let plain = self
            .cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: body,
                    aad: &aad,
                },
            )
            .map_err(|_| Unreadable)?;
        String::from_utf8(plain).map_err(|_| Unreadable)
    }
}

fn binding(org: Uuid, webhook: Uuid) -> [u8; 32] {
    let mut aad = [0u8; 32];
    aad[..16].copy_from_slice(org.as_bytes());
    aad[16..].copy_from_slice(webhook.as_bytes());
    aad
}

/// The `webhook-signature` header for a message: `v1,<base64>` for each secret
/// (the current one first), separated by spaces, made by the `standardwebhooks`
/// library over `{id}.{timestamp}.{body}`.
pub fn signature(secrets: &[String], id: &str, timestamp: i64, body: &str) -> String {
    secrets
        .iter()
        .filter_map(|s| standardwebhooks::Webhook::new(s).ok())
        .filter_map(|w| w.sign(id, timestamp, body.as_bytes()).ok())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_whsec_and_32_random_bytes() {
        let s = generate();
        let raw = STANDARD.decode(s.strip_prefix(PREFIX).unwrap()).unwrap();
        assert_eq!(raw.len(), 32);
        assert_ne!(s, generate());
    }

    #[test]
    fn a_sealed_secret_opens_only_for_its_endpoint_and_key() {
        let (org, hook) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let sealer = Sealer::new(Some([7; 32]));
        let secret = generate();
        let sealed = sealer.seal(org, hook, &secret);
        assert!(!sealed.windows(6).any(|w| w == PREFIX.as_bytes()));
        assert_eq!(sealer.open(org, hook, &sealed), Ok(secret));
        assert_eq!(
            sealer.open(org, Uuid::from_u128(3), &sealed),
            Err(Unreadable)
        );
        assert_eq!(
            Sealer::new(Some([8; 32])).open(org, hook, &sealed),
            Err(Unreadable)
        );
        assert_eq!(sealer.open(org, hook, &sealed[..10]), Err(Unreadable));
        assert!(Sealer::new(None).is_development());
    }

    #[test]
    fn signs_as_the_standard_webhooks_example_says() {
        // The example in the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_string();
        let sig = signature(
            std::slice::from_ref(&secret),
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        let two = signature(&[secret.clone(), generate()], "m", 1, "{}");
        assert_eq!(two.split(' ').count(), 2);
        assert!(two.starts_with(&signature(&[secret], "m", 1, "{}")));
    }
}

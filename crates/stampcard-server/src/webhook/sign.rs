//! Webhook signing secrets and the two signature formats (docs/webhooks.md shows a verifier
//! for each).
//!
//! - `vivoldi`: `X-Vivoldi-Signature: t=<ts>,v1=<hex>,alg=hmac-sha256`, the hex HMAC-SHA256 of
//!   `<ts>.<raw body>` keyed with the secret string's UTF-8 bytes (the hosted service hands its
//!   shops a string and does not say more), plus `X-Content-SHA256`, the hex SHA-256 of the body.
//! - `standard` (Standard Webhooks): `webhook-signature: v1,<base64>`, the base64 HMAC-SHA256 of
//!   `<id>.<ts>.<raw body>` keyed with the base64-decoded part of the `whsec_` secret.
//!
//! During a rotation's overlap both secrets sign: `v1=` twice in the vivoldi header, two
//! space-separated `v1,` signatures in the standard one (as that specification allows).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore as _;
use sha2::{Digest, Sha256};
use stampcard_core::webhook::{WebhookEventType, WebhookFormat};

/// The prefix of every signing secret (Standard Webhooks' convention, used for both formats).
pub const SECRET_PREFIX: &str = "whsec_";

/// A new signing secret: `whsec_` and the base64 of 32 random bytes.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The standard format's HMAC key: the bytes the `whsec_` secret encodes (the whole string's
/// bytes if it is not base64, which a secret made here always is).
fn standard_key(secret: &str) -> Vec<u8> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    STANDARD.decode(encoded).unwrap_or_else(|_| secret.as_bytes().to_vec())
}

/// What one attempt needs to sign.
#[derive(Debug, Clone, Copy)]
pub struct Signing<'a> {
    /// The endpoint's format.
    pub format: WebhookFormat,
    /// The secrets that sign: the current one first, then the previous one during an overlap.
    pub secrets: &'a [&'a str],
    /// The account (`X-Vivoldi-Comp-Idx`).
    pub account_idx: i64,
    /// `eventId`.
    pub event_id: &'a str,
    /// The event's type.
    pub event_type: WebhookEventType,
    /// This attempt's request id.
    pub request_id: &'a str,
    /// Unix seconds of this attempt.
    pub timestamp: i64,
}

/// The headers of one attempt (besides `Content-Type: application/json`), in sending order.
pub fn headers(signing: &Signing<'_>, body: &[u8]) -> Vec<(&'static str, String)> {
    let ts = signing.timestamp.to_string();
    match signing.format {
        WebhookFormat::Vivoldi => {
            let mut signature = format!("t={ts}");
            for secret in signing.secrets {
                let mac = hmac(secret.as_bytes(), &[ts.as_bytes(), b".", body]);
                signature.push_str(&format!(",v1={}", hex(&mac)));
            }
            signature.push_str(",alg=hmac-sha256");
            vec![
                ("X-Vivoldi-Request-Id", signing.request_id.to_owned()),
                ("X-Vivoldi-Event-Id", signing.event_id.to_owned()),
                ("X-Vivoldi-Webhook-Type", "GROUP".to_owned()),
                ("X-Vivoldi-Resource-Type", "STAMP".to_owned()),
                ("X-Vivoldi-Action-Type", signing.event_type.vivoldi_action_type().to_owned()),
                ("X-Vivoldi-Comp-Idx", signing.account_idx.to_string()),
                ("X-Vivoldi-Timestamp", ts),
                ("X-Content-SHA256", hex(&Sha256::digest(body))),
                ("X-Vivoldi-Signature", signature),
            ]
        }
        WebhookFormat::Standard => {
            let signature = signing
                .secrets
                .iter()
                .map(|secret| {
                    let mac =
                        hmac(&standard_key(secret), &[signing.event_id.as_bytes(), b".", ts.as_bytes(), b".", body]);
                    format!("v1,{}", STANDARD.encode(mac))
                })
                .collect::<Vec<_>>()
                .join(" ");
            vec![
                ("webhook-id", signing.event_id.to_owned()),
                ("webhook-timestamp", ts),
                ("webhook-signature", signature),
                // Not part of the specification: lets a log line name the attempt.
                ("X-Stampcard-Request-Id", signing.request_id.to_owned()),
            ]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vivoldi_signs_timestamp_dot_body_with_every_secret() {
        let signing = Signing {
            format: WebhookFormat::Vivoldi,
            secrets: &["whsec_new", "whsec_old"],
            account_idx: 7,
            event_id: "evt_1",
            event_type: WebhookEventType::Redeemed,
            request_id: "req_1",
            timestamp: 1_700_000_000,
        };
        let headers = headers(&signing, b"{}");
        let get = |name: &str| headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()).expect(name);
        // Computed independently with Python's hmac and Node's crypto.
        let expected_new = "dfd0c4ddb107e3a391f1dc89c9ba0bec585e31e42f82d6c6673f3d9b3a3429a8";
        let expected_old = "2a630fb62d83c712b7c3b6fc1dec6df3ef803228a2223a912c109f39e17c6983";
        assert_eq!(
            get("X-Vivoldi-Signature"),
            format!("t=1700000000,v1={expected_new},v1={expected_old},alg=hmac-sha256")
        );
        assert_eq!(get("X-Vivoldi-Action-Type"), "USE");
        assert_eq!(get("X-Content-SHA256"), "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    }

    #[test]
    fn secrets_are_whsec_base64_of_32_bytes() {
        let secret = new_secret();
        assert!(secret.starts_with(SECRET_PREFIX));
        assert_eq!(standard_key(&secret).len(), 32);
        assert_ne!(secret, new_secret());
    }
}

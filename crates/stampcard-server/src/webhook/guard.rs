//! Which addresses a webhook may reach: not loopback, private, link-local, shared (CGNAT),
//! multicast, reserved or cloud-metadata ones, unless the operator allows private addresses
//! (`--webhook-allow-private`). Checked on the resolved addresses right before every attempt,
//! and the connection is pinned to a checked address, so a DNS answer that changes between
//! the check and the connection cannot point an attempt inside the network.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use stampcard_core::ErrorCode;
use stampcard_core::webhook::{UrlRefusal, check_url};

use crate::error::Error;

/// How long name resolution may take before an attempt fails.
pub const RESOLVE_TIMEOUT: Duration = Duration::from_secs(2);

/// Whether an address is public (reachable by a webhook without `--webhook-allow-private`).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254/16, with the metadata address 169.254.169.254
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let segments = ip.segments();
    // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [.., hi, lo] = segments;
        return is_public_v4(Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo)));
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (segments[0] & 0xfe00) == 0xfc00 // unique local, with AWS's fd00:ec2::254
        || (segments[0] & 0xffc0) == 0xfe80 // link-local
        || (segments[0] == 0x2001 && segments[1] == 0x0db8)) // documentation
}

/// A host name that can only mean this machine (refused before any lookup).
pub fn is_local_name(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost")
}

/// Why an attempt did not connect.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    /// The name did not resolve in time, or to nothing.
    #[error("could not resolve {0}")]
    Resolve(String),
    /// It resolved to an address webhooks may not reach.
    #[error("address not allowed: {0} is not a public address")]
    NotAllowed(String),
}

/// Resolves `host` and returns the address to connect to: the first one, after checking that
/// every address it resolves to is public (unless `allow_private`).
pub async fn resolve(host: &str, port: u16, allow_private: bool) -> Result<SocketAddr, GuardError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        if !allow_private && !is_public(ip) {
            return Err(GuardError::NotAllowed(ip.to_string()));
        }
        return Ok(SocketAddr::new(ip, port));
    }
    if !allow_private && is_local_name(bare) {
        return Err(GuardError::NotAllowed(bare.to_owned()));
    }
    let addresses: Vec<SocketAddr> = tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((bare, port)))
        .await
        .map_err(|_| GuardError::Resolve(bare.to_owned()))?
        .map_err(|_| GuardError::Resolve(bare.to_owned()))?
        .collect();
    if !allow_private && let Some(bad) = addresses.iter().find(|a| !is_public(a.ip())) {
        return Err(GuardError::NotAllowed(bad.ip().to_string()));
    }
    addresses.first().copied().ok_or_else(|| GuardError::Resolve(bare.to_owned()))
}

/// Refuses a URL whose host is written as an address webhooks may not reach, or names this
/// machine, unless private addresses are allowed. Names are resolved (and checked again)
/// before every attempt; this early check only spares the shop a URL that can never work.
pub fn check_host(url: &str, allow_private: bool) -> Result<(), Error> {
    check_url(url, allow_private).map_err(|refusal| match refusal {
        UrlRefusal::Invalid(why) => Error::api(ErrorCode::InvalidWebhookUrl, why),
        UrlRefusal::NotAllowed(why) => Error::api(ErrorCode::WebhookAddressNotAllowed, why),
    })?;
    if allow_private {
        return Ok(());
    }
    // The core's form leaves only dotted host names here; the parsed URL is checked again, so
    // this refuses an address however the URL parser reads the host.
    let parsed = reqwest::Url::parse(url).map_err(|e| Error::api(ErrorCode::InvalidWebhookUrl, format!("url: {e}")))?;
    let refused = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => !is_public(ip.into()),
        Some(url::Host::Ipv6(ip)) => !is_public(ip.into()),
        Some(url::Host::Domain(name)) => is_local_name(name),
        None => true,
    };
    if refused {
        return Err(Error::api(
            ErrorCode::WebhookAddressNotAllowed,
            "url must not point at a loopback, private, link-local or metadata address (the operator can allow them with --webhook-allow-private)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_internal_addresses() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(!is_public(internal.parse().expect(internal)), "{internal}");
        }
        for public in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"] {
            assert!(is_public(public.parse().expect(public)), "{public}");
        }
        assert!(is_local_name("LOCALHOST."));
        assert!(is_local_name("a.localhost"));
        assert!(!is_local_name("localhost.example"));
    }

    #[test]
    fn literal_internal_hosts_are_refused_unless_allowed() {
        let code = |url: &str| check_host(url, false).err().and_then(|e| e.code());
        assert_eq!(code("https://127.0.0.1/h"), Some(ErrorCode::WebhookAddressNotAllowed));
        assert_eq!(code("https://[::1]/h"), Some(ErrorCode::WebhookAddressNotAllowed));
        assert_eq!(code("https://169.254.169.254/latest"), Some(ErrorCode::WebhookAddressNotAllowed));
        assert_eq!(code("https://localhost:8443/h"), Some(ErrorCode::WebhookAddressNotAllowed));
        assert_eq!(code("http://shop.example/h"), Some(ErrorCode::InvalidWebhookUrl));
        assert_eq!(code("https://shop.example/h"), None);
        assert!(check_host("http://127.0.0.1:9000/h", true).is_ok());
    }
}

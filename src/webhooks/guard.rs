//! Where a webhook may point: `https` only, and never at loopback, private,
//! link-local, multicast or otherwise internal addresses, checked when it is
//! registered and again at every delivery (a name may resolve differently
//! later). `ONPACE_WEBHOOK_ALLOW_INSECURE=true` lifts both rules.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use url::{Host, Url};

/// Why a URL may not receive webhooks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("not an absolute URL")]
    NotAUrl,
    #[error("only https URLs receive webhooks")]
    NotHttps,
    #[error("a webhook URL carries no user name or password")]
    Credentials,
    #[error("{0} is a loopback, private, link-local, multicast or reserved address")]
    Internal(IpAddr),
    #[error("{0} does not resolve")]
    Unresolved(String),
}

/// Whether `ip` is an address webhooks must never reach.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => internal_v4(v4),
            None => internal_v6(v6),
        },
    }
}

fn internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        // shared address space (carrier-grade NAT), 100.64.0.0/10
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments, 192.0.0.0/24
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        // benchmarking, 198.18.0.0/15
        || (a == 198 && (b == 18 || b == 19))
        // reserved, 240.0.0.0/4
        || a >= 240
}

fn internal_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        // unique local, fc00::/7
        || (first & 0xfe00) == 0xfc00
        // link-local, fe80::/10
        || (first & 0xffc0) == 0xfe80
        // site-local (deprecated), fec0::/10
        || (first & 0xffc0) == 0xfec0
        // documentation, 2001:db8::/32
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        // IPv4-compatible and NAT64 forms of internal IPv4 addresses
        || ip.to_ipv4().is_some_and(|v4| first == 0 && internal_v4(v4))
        || (first == 0x0064 && ip.segments()[1] == 0xff9b)
}

/// Checks the form of `url`: absolute, `https` (or `http` when insecure is
/// allowed), no credentials, and no internal address written as its host.
pub fn check_url(url: &str, allow_insecure: bool) -> Result<Url, Refusal> {
    let parsed = Url::parse(url.trim()).map_err(|_| Refusal::NotAUrl)?;
    match parsed.scheme() {
        "https" => {}
        "http" if allow_insecure => {}
        _ => return Err(Refusal::NotHttps),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Refusal::Credentials);
    }
    match parsed.host() {
        None => return Err(Refusal::NotAUrl),
        Some(Host::Ipv4(ip)) if !allow_insecure && is_internal(IpAddr::V4(ip)) => {
            return Err(Refusal::Internal(IpAddr::V4(ip)))
        }
        Some(Host::Ipv6(ip)) if !allow_insecure && is_internal(IpAddr::V6(ip)) => {
            return Err(Refusal::Internal(IpAddr::V6(ip)))
        }
        _ => {}
    }
    Ok(parsed)
}

/// The addresses `host` resolves to, refused whole when any of them is
/// internal (unless insecure is allowed) or when there are none.
pub async fn resolve(
    host: &str,
    port: u16,
    allow_insecure: bool,
) -> Result<Vec<SocketAddr>, Refusal> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| Refusal::Unresolved(host.to_string()))?
        .collect();
    if addrs.is_empty() {
        return Err(Refusal::Unresolved(host.to_string()));
    }
    if !allow_insecure {
        if let Some(bad) = addrs.iter().find(|a| is_internal(a.ip())) {
            return Err(Refusal::Internal(bad.ip()));
        }
    }
    Ok(addrs)
}

/// Checks `url` as [`check_url`] does and then resolves its host: what is
/// asked when a webhook is registered or changed.
pub async fn check(url: &str, allow_insecure: bool) -> Result<Url, Refusal> {
    let parsed = check_url(url, allow_insecure)?;
    if let Some(Host::Domain(name)) = parsed.host() {
        let port = parsed.port_or_known_default().unwrap_or(443);
        resolve(name, port, allow_insecure).await?;
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_refused_as_hosts() {
        for url in [
            "https://127.0.0.1/hook",
            "https://10.0.0.1/hook",
            "https://172.16.5.4/hook",
            "https://192.168.1.1/hook",
            "https://[::1]/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://224.0.0.1/hook",
            "https://0.0.0.0/hook",
            "https://100.64.0.1/hook",
            "https://[fd00::1]/hook",
            "https://[fe80::1]/hook",
            "https://[::ffff:127.0.0.1]/hook",
            "https://[::ffff:10.1.2.3]/hook",
        ] {
            assert!(
                matches!(check_url(url, false), Err(Refusal::Internal(_))),
                "{url}"
            );
            assert!(
                check_url(url, true).is_ok(),
                "{url} when insecure is allowed"
            );
        }
    }

    #[test]
    fn only_https_without_credentials() {
        assert_eq!(
            check_url("http://example.com/h", false),
            Err(Refusal::NotHttps)
        );
        assert!(check_url("http://example.com/h", true).is_ok());
        assert_eq!(
            check_url("ftp://example.com/h", true),
            Err(Refusal::NotHttps)
        );
        assert_eq!(check_url("example.com/h", false), Err(Refusal::NotAUrl));
        assert_eq!(
            check_url("https://user:pw@example.com/h", false),
            Err(Refusal::Credentials)
        );
        assert!(check_url("https://93.184.215.14/h", false).is_ok());
        assert!(check_url("https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/h", false).is_ok());
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_loopback_is_refused() {
        let refused = check("https://localhost/hook", false).await;
        assert!(
            matches!(refused, Err(Refusal::Internal(ip)) if ip.is_loopback()),
            "{refused:?}"
        );
        assert!(check("https://localhost/hook", true).await.is_ok());
    }
}

//! The client's address, as the sign-in throttle counts it.
//!
//! `X-Forwarded-For` is believed only when the direct peer is one of the trusted
//! proxies (`ONPACE_TRUSTED_PROXIES`); then the right-most address in it that is
//! not itself a trusted proxy is the client (entries left of it could be written
//! by anyone). Otherwise the peer is the client.

use std::net::{IpAddr, SocketAddr};

use actix_web::HttpRequest;
use ipnet::IpNet;

/// The client's address for `req` (empty when the peer is unknown).
pub fn of(req: &HttpRequest, trusted: &[IpNet]) -> String {
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    client(req.peer_addr().map(|a| a.ip()), &forwarded, trusted)
        .map(counted_as)
        .unwrap_or_default()
}

/// How an address is counted: an IPv4 address alone, an IPv6 address by its /64
/// (one subscriber's network, whose addresses its owner may rotate at will).
pub fn counted_as(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(_) => IpNet::new(ip, 64)
            .map(|n| n.trunc().to_string())
            .unwrap_or_else(|_| ip.to_string()),
    }
}

/// The client behind `peer`, given the `X-Forwarded-For` headers in order.
pub fn client(peer: Option<IpAddr>, forwarded: &[&str], trusted: &[IpNet]) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    let mut client = peer?.to_canonical();
    if !is_trusted(&client) {
        return Some(client);
    }
    let hops = forwarded.iter().flat_map(|h| h.split(',')).map(str::trim);
    for hop in hops.collect::<Vec<_>>().into_iter().rev() {
        // A hop that is no address ends the chain: the last trusted hop answers for it.
        let Some(ip) = parse(hop) else {
            return Some(client);
        };
        client = ip;
        if !is_trusted(&ip) {
            return Some(ip);
        }
    }
    Some(client)
}

/// An address, possibly with a port (`192.0.2.1:443`, `[2001:db8::1]:443`).
fn parse(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn an_ipv6_client_is_counted_by_its_64_bit_network() {
        let a = counted_as("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = counted_as("2001:db8:1:2:ffff:1:2:3".parse().unwrap());
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(a, b);
        assert_ne!(a, counted_as("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(counted_as("192.0.2.9".parse().unwrap()), "192.0.2.9");
        // An IPv4 client seen through an IPv6 socket is counted as IPv4.
        let mapped: IpAddr = "::ffff:192.0.2.9".parse().unwrap();
        assert_eq!(counted_as(mapped.to_canonical()), "192.0.2.9");
    }

    #[test]
    fn the_header_counts_only_behind_trusted_proxies() {
        let none = nets(&[]);
        let proxies = nets(&["10.0.0.0/8", "2001:db8::/32"]);
        // No trusted proxies: the peer, whatever the header says.
        assert_eq!(
            client(ip("192.0.2.9"), &["198.51.100.1"], &none),
            ip("192.0.2.9")
        );
        // An untrusted peer: its header is ignored.
        assert_eq!(
            client(ip("192.0.2.9"), &["198.51.100.1"], &proxies),
            ip("192.0.2.9")
        );
        // A trusted peer: the right-most untrusted entry.
        assert_eq!(
            client(
                ip("10.0.0.1"),
                &["203.0.113.5, 198.51.100.1, 10.2.2.2"],
                &proxies
            ),
            ip("198.51.100.1")
        );
        // Several headers are one list, in order.
        assert_eq!(
            client(ip("10.0.0.1"), &["198.51.100.1", "203.0.113.5"], &proxies),
            ip("203.0.113.5")
        );
        // Ports, IPv6 and IPv4-mapped addresses.
        assert_eq!(
            client(ip("2001:db8::1"), &["[2001:db9::7]:443"], &proxies),
            ip("2001:db9::7")
        );
        assert_eq!(
            client(ip("::ffff:10.0.0.1"), &["198.51.100.1:80"], &proxies),
            ip("198.51.100.1")
        );
        // Only proxies in the chain, or no header: the left-most hop, or the peer.
        assert_eq!(
            client(ip("10.0.0.1"), &["10.3.3.3, 10.2.2.2"], &proxies),
            ip("10.3.3.3")
        );
        assert_eq!(client(ip("10.0.0.1"), &[], &proxies), ip("10.0.0.1"));
        // Garbage stops at the last trusted hop.
        assert_eq!(
            client(ip("10.0.0.1"), &["198.51.100.1, unknown"], &proxies),
            ip("10.0.0.1")
        );
        assert_eq!(client(None, &["198.51.100.1"], &proxies), None);
    }
}

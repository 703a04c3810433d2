//! Who is asking, by address: the TCP peer, or, when the peer is one of the store's own
//! proxies, the address that proxy saw (`X-Forwarded-For`). Rate limits count per client.
//!
//! `X-Forwarded-For` is a list each proxy appends its peer to, so only its right end can be
//! believed: read from the right, every address that is itself a trusted proxy is
//! skipped, and the first that is not is the client. Anything left of it was written by
//! the client and is ignored. From a peer that is not trusted, the header is ignored
//! altogether (anyone can send it).

use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use actix_web::http::header::HeaderMap;
use ipnet::IpNet;

/// The header proxies append their peer's address to.
const FORWARDED_FOR: &str = "x-forwarded-for";

/// How the client of a request is told, from `[rate_limit]`'s `trusted_proxies` and
/// `ipv6_prefix_len`.
#[derive(Debug, Clone)]
pub struct ClientIpRule {
    trusted_proxies: Vec<IpNet>,
    ipv6_prefix_len: u8,
}

/// A client as rate limits count it: an IPv4 address, or an IPv6 network of the
/// configured prefix (one customer's /64 holds more addresses than anyone could rotate
/// through).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientIp(IpAddr);

impl fmt::Display for ClientIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl ClientIpRule {
    /// Parses the configured proxies (IP addresses or CIDR ranges); `Err` names the first
    /// entry that is neither, or a prefix length past 128.
    pub fn parse(trusted_proxies: &[String], ipv6_prefix_len: u8) -> Result<ClientIpRule, String> {
        if ipv6_prefix_len > 128 {
            return Err(format!("an IPv6 prefix is at most 128 bits, not {ipv6_prefix_len}"));
        }
        let trusted_proxies = trusted_proxies
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map(|net| net.trunc())
                    .map_err(|_| format!("{entry:?} is neither an IP address nor a CIDR range"))
                    .and_then(|net| match net.prefix_len() {
                        // Trusting every address would let anyone write their own client IP.
                        0 => Err(format!("{entry:?} trusts every address; name the proxies")),
                        _ => Ok(net),
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(ClientIpRule { trusted_proxies, ipv6_prefix_len })
    }

    /// The client of a request from `peer` carrying `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> ClientIp {
        let peer = peer.to_canonical();
        let address = if self.is_trusted(peer) { self.behind_proxies(peer, headers) } else { peer };
        self.counted_as(address)
    }

    fn is_trusted(&self, address: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|net| net.contains(&address))
    }

    /// The right-most forwarded address that is not a trusted proxy; when every one is,
    /// the left-most; `last_hop` (the nearest trusted proxy) when there are none or the
    /// next one cannot be read (a proxy wrote something that is not an address).
    fn behind_proxies(&self, last_hop: IpAddr, headers: &HeaderMap) -> IpAddr {
        // Several header lines are one list, in order (RFC 9110 §5.3). Read lossily: bytes
        // that are not text, written by the client at the left, must not make the proxy's own
        // entry at the right unreadable.
        let lines: Vec<String> = headers
            .get_all(FORWARDED_FOR)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
            .collect();
        let mut nearest = last_hop;
        for entry in lines.iter().rev().flat_map(|line| line.rsplit(',')) {
            let Some(address) = parse_forwarded(entry) else { return nearest };
            if !self.is_trusted(address) {
                return address;
            }
            nearest = address;
        }
        nearest
    }

    fn counted_as(&self, address: IpAddr) -> ClientIp {
        match address {
            IpAddr::V4(_) => ClientIp(address),
            IpAddr::V6(v6) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.ipv6_prefix_len)).unwrap_or(0);
                ClientIp(IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask)))
            }
        }
    }
}

/// One `X-Forwarded-For` entry: an address, also with a port (`1.2.3.4:5`, `[::1]:5`),
/// as some proxies write it. IPv4-mapped IPv6 addresses are read as IPv4.
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    let address = entry.parse::<IpAddr>().ok().or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))?;
    Some(address.to_canonical())
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn rule(proxies: &[&str]) -> ClientIpRule {
        ClientIpRule::parse(&proxies.iter().map(|p| p.to_string()).collect::<Vec<_>>(), 64).unwrap()
    }

    fn forwarded(lines: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for line in lines {
            headers.append(HeaderName::from_static(FORWARDED_FOR), HeaderValue::from_str(line).unwrap());
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn client(rule: &ClientIpRule, peer: &str, lines: &[&str]) -> String {
        rule.client(ip(peer), &forwarded(lines)).to_string()
    }

    #[test]
    fn a_range_trusting_every_address_is_refused() {
        for everyone in ["0.0.0.0/0", "::/0"] {
            let refusal = ClientIpRule::parse(&[everyone.to_owned()], 64).unwrap_err();
            assert!(refusal.contains("every address"), "{refusal}");
        }
    }

    #[test]
    fn bytes_that_are_not_text_left_of_the_proxys_entry_do_not_hide_the_client() {
        let rule = rule(&["10.0.0.1"]);
        let mut headers = HeaderMap::new();
        headers.append(HeaderName::from_static(FORWARDED_FOR), HeaderValue::from_bytes(b"\xff, 203.0.113.5").unwrap());
        assert_eq!(rule.client(ip("10.0.0.1"), &headers).to_string(), "203.0.113.5");
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says() {
        let rule = rule(&[]);
        assert_eq!(client(&rule, "203.0.113.7", &["198.51.100.1"]), "203.0.113.7");
        assert_eq!(client(&rule, "203.0.113.7", &[]), "203.0.113.7");
    }

    #[test]
    fn an_untrusted_peer_is_the_client_even_when_proxies_are_configured() {
        assert_eq!(client(&rule(&["10.0.0.0/8"]), "203.0.113.7", &["198.51.100.1"]), "203.0.113.7");
    }

    #[test]
    fn behind_a_trusted_proxy_the_right_most_untrusted_forwarded_address_is_the_client() {
        let rule = rule(&["10.0.0.0/8", "127.0.0.1"]);
        assert_eq!(client(&rule, "127.0.0.1", &["198.51.100.1"]), "198.51.100.1");
        // The client wrote 1.1.1.1 itself; its proxy appended what it saw.
        assert_eq!(client(&rule, "10.0.0.2", &["1.1.1.1, 198.51.100.1, 10.0.0.9"]), "198.51.100.1");
        assert_eq!(client(&rule, "10.0.0.2", &["1.1.1.1", "198.51.100.1,10.0.0.9"]), "198.51.100.1");
    }

    #[test]
    fn behind_a_trusted_proxy_without_the_header_the_proxy_is_the_client() {
        assert_eq!(client(&rule(&["127.0.0.1"]), "127.0.0.1", &[]), "127.0.0.1");
    }

    #[test]
    fn when_every_forwarded_address_is_trusted_the_left_most_is_the_client() {
        assert_eq!(client(&rule(&["10.0.0.0/8"]), "10.0.0.1", &["10.0.0.5, 10.0.0.6"]), "10.0.0.5");
    }

    #[test]
    fn an_unreadable_forwarded_entry_leaves_the_nearest_proxy_as_the_client() {
        let rule = rule(&["10.0.0.0/8"]);
        assert_eq!(client(&rule, "10.0.0.1", &["garbage"]), "10.0.0.1");
        assert_eq!(client(&rule, "10.0.0.1", &["198.51.100.1, unknown, 10.0.0.3"]), "10.0.0.3");
    }

    #[test]
    fn forwarded_entries_with_ports_are_read() {
        let rule = rule(&["127.0.0.1"]);
        assert_eq!(client(&rule, "127.0.0.1", &["198.51.100.1:4711"]), "198.51.100.1");
        assert_eq!(client(&rule, "127.0.0.1", &["[2001:db8::1]:4711"]), "2001:db8::");
    }

    #[test]
    fn ipv6_clients_are_counted_per_network_of_the_configured_prefix() {
        let rule = rule(&[]);
        assert_eq!(client(&rule, "2001:db8:1:2:aaaa::1", &[]), "2001:db8:1:2::");
        assert_eq!(client(&rule, "2001:db8:1:2:bbbb::9", &[]), "2001:db8:1:2::");
        assert_ne!(client(&rule, "2001:db8:1:3::1", &[]), "2001:db8:1:2::");
        let per_address = ClientIpRule::parse(&[], 128).unwrap();
        assert_eq!(client(&per_address, "2001:db8::1", &[]), "2001:db8::1");
        let everyone = ClientIpRule::parse(&[], 0).unwrap();
        assert_eq!(client(&everyone, "2001:db8::1", &[]), "::");
    }

    #[test]
    fn ipv4_mapped_ipv6_addresses_count_as_ipv4() {
        let rule = rule(&["127.0.0.1"]);
        assert_eq!(client(&rule, "::ffff:203.0.113.7", &[]), "203.0.113.7");
        // A mapped loopback peer is the trusted proxy, and a mapped entry is IPv4.
        assert_eq!(client(&rule, "::ffff:127.0.0.1", &["::ffff:198.51.100.1"]), "198.51.100.1");
    }

    #[test]
    fn proxies_are_addresses_or_ranges_and_anything_else_is_refused_by_name() {
        assert!(ClientIpRule::parse(&["10.0.0.0/8".into(), "::1".into(), "fd00::/8".into()], 64).is_ok());
        let error = ClientIpRule::parse(&["10.0.0.0/8".into(), "proxy.internal".into()], 64).unwrap_err();
        assert!(error.contains("proxy.internal"), "{error}");
        assert!(ClientIpRule::parse(&["10.0.0.0/33".into()], 64).is_err());
        assert!(ClientIpRule::parse(&[], 129).is_err());
    }
}

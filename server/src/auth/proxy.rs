//! The client's address behind a reverse proxy, for the per-address login limit.
//!
//! A city runs Mimamori behind its own TLS proxy: then every request comes from the proxy's
//! address, and a limit per address would count everyone together. With the proxy listed in
//! `MIMAMORI_TRUSTED_PROXIES`, the client is the nearest address in `X-Forwarded-For` that is not a
//! listed proxy (read from the right: the entries to its left were written by the client, who can
//! write anything there). A request from anywhere else is its own peer address, whatever headers it
//! sends.

use std::net::IpAddr;

use actix_web::HttpRequest;

/// One address or a CIDR block (`10.0.0.0/8`, `fd00::/8`, `192.0.2.7`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    net: IpAddr,
    prefix: u8,
}

impl Range {
    pub fn parse(raw: &str) -> Result<Range, String> {
        let (addr, prefix) = match raw.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (raw, None),
        };
        let net: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("{raw:?} is not an IP address or CIDR block"))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{raw:?}: the prefix length must be 0–{max}"))?,
        };
        Ok(Range { net, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4 client seen through an IPv6 socket (`::ffff:a.b.c.d`) is the IPv4 address.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        let bits = |a: IpAddr| -> u128 {
            match a {
                IpAddr::V4(v4) => u128::from(u32::from(v4)) << 96,
                IpAddr::V6(v6) => u128::from(v6),
            }
        };
        if self.net.is_ipv4() != ip.is_ipv4() {
            return false;
        }
        let mask = if self.prefix == 0 {
            0
        } else {
            u128::MAX << (128 - u32::from(self.prefix))
        };
        bits(self.net) & mask == bits(ip) & mask
    }
}

/// `10.0.0.1, 192.168.0.0/16` → ranges; empty → none (the default: no proxy is trusted).
pub fn parse_list(raw: &str) -> Result<Vec<Range>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(Range::parse)
        .collect()
}

/// The address a request comes from, seen through the trusted proxies.
pub fn client_address(req: &HttpRequest, trusted: &[Range]) -> String {
    address_of(req.peer_addr(), req.headers(), trusted)
}

/// [`client_address`] from a connection's peer address and a request's headers (the `/sync`
/// upgrade has no `HttpRequest`).
pub fn address_of(
    peer: Option<std::net::SocketAddr>,
    headers: &actix_web::http::header::HeaderMap,
    trusted: &[Range],
) -> String {
    let Some(peer) = peer.map(|a| a.ip()) else {
        return String::new();
    };
    let is_trusted = |ip: IpAddr| trusted.iter().any(|r| r.contains(ip));
    if !is_trusted(peer) {
        return peer.to_string();
    }
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in forwarded.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if is_trusted(ip) => client = ip,
            Ok(ip) => return ip.to_string(),
            // Garbage where an address should be: the last address we could trust is the client.
            Err(_) => break,
        }
    }
    client.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn from(peer: &str, xff: Option<&str>, trusted: &str) -> String {
        let mut req = TestRequest::default().peer_addr(peer.parse().unwrap());
        if let Some(v) = xff {
            req = req.insert_header(("X-Forwarded-For", v));
        }
        client_address(&req.to_http_request(), &parse_list(trusted).unwrap())
    }

    #[test]
    fn the_client_is_the_nearest_untrusted_hop() {
        let proxy = "10.0.0.5:443";
        // No trusted proxy: the header is ignored, whatever it says.
        assert_eq!(
            from("203.0.113.9:5000", Some("198.51.100.1"), ""),
            "203.0.113.9"
        );
        // A request from outside the trusted range cannot claim an address.
        assert_eq!(
            from("203.0.113.9:5000", Some("198.51.100.1"), "10.0.0.0/8"),
            "203.0.113.9"
        );
        // Through the proxy: the address it saw, not what the client wrote to the left of it.
        assert_eq!(
            from(proxy, Some("1.2.3.4, 198.51.100.7"), "10.0.0.0/8"),
            "198.51.100.7"
        );
        // Two proxies in a chain.
        assert_eq!(
            from(proxy, Some("198.51.100.7, 10.1.1.1"), "10.0.0.0/8"),
            "198.51.100.7"
        );
        // Through the proxy with no header: the proxy itself.
        assert_eq!(from(proxy, None, "10.0.0.5"), "10.0.0.5");
        // Garbage in the header stops the walk at the last trusted hop.
        assert_eq!(from(proxy, Some("nonsense"), "10.0.0.5"), "10.0.0.5");
        // IPv6 and IPv4-mapped peers.
        assert_eq!(
            from("[::ffff:10.0.0.5]:443", Some("198.51.100.7"), "10.0.0.0/8"),
            "198.51.100.7"
        );
        assert_eq!(
            from("[fd00::1]:443", Some("2001:db8::7"), "fd00::/8"),
            "2001:db8::7"
        );
    }

    #[test]
    fn ranges_are_checked_when_read() {
        assert!(Range::parse("10.0.0.0/33").is_err());
        assert!(Range::parse("proxy.city.example").is_err());
        assert!(parse_list("10.0.0.1, ::1, 192.168.0.0/16").is_ok());
        assert!(
            Range::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert!(
            !Range::parse("10.0.0.0/8")
                .unwrap()
                .contains("11.0.0.1".parse().unwrap())
        );
    }
}

//! The client's address, for per-address limits. It is the connection's peer, unless that
//! peer is one of `trusted_proxies`: then it is the address the proxy wrote into
//! `proxy_header` (for `X-Forwarded-For`, the right-most entry that is not itself a trusted
//! proxy, since entries further left were written by whoever sent the request). A header
//! from anyone else is ignored, so a client cannot pick the address it is counted under.

use std::net::{IpAddr, Ipv6Addr};

use rocket::request::{FromRequest, Outcome, Request};

use crate::config::Config;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// Decides the address from the peer and the headers under `config`'s proxy rule.
    pub fn decide(config: &Config, peer: Option<IpAddr>, header: Option<&str>) -> ClientAddr {
        // Requests without a peer (Rocket's local test client) count as one unknown address.
        let peer = peer.unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED));
        let trusted = |ip: &IpAddr| config.trusted_proxies.contains(&canonical(*ip));
        if !trusted(&peer) {
            return ClientAddr(canonical(peer));
        }
        let forwarded = header.and_then(|value| {
            value
                .rsplit(',')
                .filter_map(|item| parse_ip(item.trim()))
                .find(|ip| !trusted(ip))
        });
        ClientAddr(canonical(forwarded.unwrap_or(peer)))
    }

    /// The key limits count under: the address, or an IPv6 address's /64.
    pub fn key(self) -> IpAddr {
        match self.0 {
            IpAddr::V4(v4) => IpAddr::V4(v4),
            IpAddr::V6(v6) => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(Ipv6Addr::from(segments))
            }
        }
    }
}

/// An IPv4 address written as IPv6 (`::ffff:a.b.c.d`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// `1.2.3.4`, `1.2.3.4:5678`, `::1` or `[::1]:5678`.
fn parse_ip(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse() {
        return Some(ip);
    }
    text.parse::<std::net::SocketAddr>().ok().map(|s| s.ip())
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for ClientAddr {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        let Some(config) = req.rocket().state::<Config>() else {
            return Outcome::Error((rocket::http::Status::InternalServerError, ()));
        };
        let header = req.headers().get_one(&config.proxy_header);
        let peer = req.remote().map(|r| r.ip());
        Outcome::Success(ClientAddr::decide(config, peer, header))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(trusted: &[&str]) -> Config {
        Config {
            trusted_proxies: trusted.iter().map(|t| t.parse().unwrap()).collect(),
            ..Config::default()
        }
    }

    fn decide(config: &Config, peer: &str, header: Option<&str>) -> String {
        ClientAddr::decide(config, Some(peer.parse().unwrap()), header)
            .0
            .to_string()
    }

    #[test]
    fn a_header_from_an_untrusted_peer_is_ignored() {
        let none = config(&[]);
        assert_eq!(decide(&none, "10.0.0.5", Some("1.2.3.4")), "10.0.0.5");
    }

    #[test]
    fn a_trusted_proxy_names_the_client_right_to_left() {
        let proxy = config(&["127.0.0.1", "10.0.0.2"]);
        // The client forged "6.6.6.6"; the proxy appended what it saw.
        assert_eq!(
            decide(&proxy, "127.0.0.1", Some("6.6.6.6, 192.168.1.20")),
            "192.168.1.20"
        );
        // Two proxies in a row: the right-most untrusted entry.
        assert_eq!(
            decide(&proxy, "127.0.0.1", Some("192.168.1.20, 10.0.0.2")),
            "192.168.1.20"
        );
        assert_eq!(decide(&proxy, "::ffff:127.0.0.1", Some("[::1]:80")), "::1");
        // No usable header: the proxy itself.
        assert_eq!(decide(&proxy, "127.0.0.1", Some("garbage")), "127.0.0.1");
        assert_eq!(decide(&proxy, "127.0.0.1", None), "127.0.0.1");
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_bit_prefix() {
        let a = ClientAddr("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = ClientAddr("2001:db8:1:2:bbbb::9".parse().unwrap());
        let c = ClientAddr("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a.key(), b.key());
        assert_ne!(a.key(), c.key());
    }
}

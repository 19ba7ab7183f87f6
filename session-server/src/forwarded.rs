//! Who is really on the other end of a connection: the client's address and scheme, read from the forwarding headers of a trusted reverse proxy only.
//!
//! Behind nginx or Caddy every connection comes from the proxy. Only when the peer is one of the
//! configured trusted proxies are `X-Forwarded-For` / `Forwarded: for=` and `X-Forwarded-Proto` /
//! `Forwarded: proto=` believed; from anyone else they are ignored. The client is the rightmost
//! address of the chain that is not itself a trusted proxy: everything to the left of it was written
//! by the client and may be a lie. A forwarded client is never "this machine".

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;

/// Longest forwarding header looked at; a longer one from a trusted proxy is a bad request.
pub const MAX_HEADER: usize = 2048;
/// Hops of a chain looked at from the right; more trusted proxies in a row than this is a bad request.
pub const MAX_HOPS: usize = 16;

/// The client a connection serves, as the limits and the logs see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr {
    pub ip: IpAddr,
    /// A real local peer that is not a trusted proxy: the facilitator's app hosting the server, the
    /// load generator. Only this is exempt from per-address limits and may edit decks without a key.
    pub this_machine: bool,
    /// The page the client uses is on HTTPS: this server's own TLS, or a trusted proxy that says so.
    pub https: bool,
}

impl ClientAddr {
    /// A client that connected directly (no proxy in between, or none we trust).
    pub fn direct(ip: IpAddr, tls: bool) -> ClientAddr {
        ClientAddr { ip, this_machine: ip.to_canonical().is_loopback(), https: tls }
    }
}

/// The forwarding headers of one request, as they came (each header line once, in order).
#[derive(Debug, Default, Clone)]
pub struct Headers<'a> {
    pub x_forwarded_for: Vec<&'a str>,
    pub x_forwarded_proto: Vec<&'a str>,
    pub forwarded: Vec<&'a str>,
}

/// The trusted proxies: networks whose connections may say who the client is.
#[derive(Debug, Clone, Default)]
pub struct Proxies(Vec<IpNet>);

impl Proxies {
    pub fn new(nets: Vec<IpNet>) -> Proxies {
        Proxies(nets)
    }

    /// Reads a comma-separated list of addresses or networks (`127.0.0.1`, `10.0.0.0/8`, `::1`).
    pub fn parse(list: &str) -> Result<Proxies, String> {
        let mut nets = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            nets.push(parse_net(item)?);
        }
        Ok(Proxies(nets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// Who the client of a request from `peer` is. `tls` says whether `peer` reached us over TLS.
    /// Errors (a malformed or overlong header from a trusted proxy) are the sentence of a 400.
    pub fn client(&self, peer: IpAddr, tls: bool, headers: &Headers<'_>) -> Result<ClientAddr, &'static str> {
        if !self.contains(peer) {
            return Ok(ClientAddr::direct(peer, tls));
        }
        let total: usize =
            headers.x_forwarded_for.iter().chain(&headers.forwarded).chain(&headers.x_forwarded_proto).map(|h| h.len()).sum();
        if total > MAX_HEADER {
            return Err("forwarding headers too long");
        }
        // X-Forwarded-For is what every common proxy writes; Forwarded only counts without it.
        let (chain, protos): (Vec<&str>, Vec<&str>) = if !headers.x_forwarded_for.is_empty() {
            (split_list(&headers.x_forwarded_for).collect(), Vec::new())
        } else {
            let elements: Vec<&str> = split_list(&headers.forwarded).collect();
            let mut fors = Vec::new();
            let mut protos = Vec::new();
            for element in elements {
                for pair in element.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                    let (name, value) = pair.split_once('=').ok_or("a Forwarded pair without '='")?;
                    match name.trim().to_ascii_lowercase().as_str() {
                        "for" => fors.push(value.trim()),
                        "proto" => protos.push(value.trim()),
                        _ => {}
                    }
                }
            }
            (fors, protos)
        };
        let ip = self.rightmost_untrusted(&chain)?.unwrap_or(peer);
        let proto = match split_list(&headers.x_forwarded_proto).last().or(protos.last().copied()) {
            None => None,
            Some(p) => match p.trim_matches('"').to_ascii_lowercase().as_str() {
                "https" | "wss" => Some(true),
                "http" | "ws" => Some(false),
                _ => return Err("a forwarded scheme that is neither http nor https"),
            },
        };
        Ok(ClientAddr { ip: ip.to_canonical(), this_machine: false, https: proto.unwrap_or(tls) })
    }

    /// The rightmost hop that is not a trusted proxy; the leftmost when all are trusted; `None`
    /// for an empty chain.
    fn rightmost_untrusted(&self, chain: &[&str]) -> Result<Option<IpAddr>, &'static str> {
        let mut leftmost = None;
        for (n, hop) in chain.iter().rev().enumerate() {
            if n >= MAX_HOPS {
                return Err("too many proxies in the forwarding chain");
            }
            let ip = parse_hop(hop).ok_or("a forwarded address that is not an IP address")?;
            if !self.contains(ip) {
                return Ok(Some(ip));
            }
            leftmost = Some(ip);
        }
        Ok(leftmost)
    }
}

/// Items of comma-separated header lines, trimmed, empty ones left out.
fn split_list<'a>(lines: &'a [&'a str]) -> impl DoubleEndedIterator<Item = &'a str> + 'a {
    lines.iter().flat_map(|l| l.split(',')).map(str::trim).filter(|s| !s.is_empty())
}

/// One hop: `192.0.2.1`, `2001:db8::1`, `[2001:db8::1]`, with or without a port, quoted or not.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim().trim_matches('"');
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sock) = hop.parse::<SocketAddr>() {
        return Some(sock.ip());
    }
    hop.strip_prefix('[')?.strip_suffix(']')?.parse().ok()
}

/// `10.0.0.0/8`, or one address as its own network.
fn parse_net(item: &str) -> Result<IpNet, String> {
    if let Ok(net) = item.parse::<IpNet>() {
        return Ok(net.trunc());
    }
    match item.parse::<IpAddr>() {
        Ok(ip) => Ok(IpNet::from(ip)),
        Err(_) => Err(format!("\"{item}\" is not an address or network for --trusted-proxy; write e.g. 127.0.0.1, 10.0.0.0/8 or ::1")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies() -> Proxies {
        Proxies::parse("127.0.0.1, 10.0.0.0/8").unwrap()
    }

    fn xff(v: &str) -> Headers<'_> {
        Headers { x_forwarded_for: vec![v], ..Headers::default() }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn headers_from_a_peer_that_is_not_trusted_are_ignored() {
        let c = proxies().client(ip("192.0.2.7"), false, &xff("198.51.100.1")).unwrap();
        assert_eq!(c, ClientAddr { ip: ip("192.0.2.7"), this_machine: false, https: false });
        let local = Proxies::default().client(ip("127.0.0.1"), false, &xff("198.51.100.1")).unwrap();
        assert!(local.this_machine && local.ip == ip("127.0.0.1"), "no proxies trusted: loopback is this machine");
    }

    #[test]
    fn the_client_is_the_rightmost_address_that_is_not_a_trusted_proxy() {
        let p = proxies();
        let c = p.client(ip("127.0.0.1"), false, &xff("203.0.113.9, 198.51.100.1, 10.1.2.3")).unwrap();
        assert_eq!(c.ip, ip("198.51.100.1"), "what the client wrote on the left is not believed");
        assert!(!c.this_machine, "a forwarded client is never this machine");
        let lines = Headers { x_forwarded_for: vec!["203.0.113.9", "198.51.100.1"], ..Headers::default() };
        assert_eq!(p.client(ip("127.0.0.1"), false, &lines).unwrap().ip, ip("198.51.100.1"), "several header lines are one list");
        assert_eq!(p.client(ip("127.0.0.1"), false, &xff("10.0.0.5, 127.0.0.1")).unwrap().ip, ip("10.0.0.5"), "all trusted: the leftmost");
        let none = p.client(ip("127.0.0.1"), false, &Headers::default()).unwrap();
        assert_eq!((none.ip, none.this_machine), (ip("127.0.0.1"), false), "a proxy without the header is still not this machine");
        assert_eq!(p.client(ip("::ffff:127.0.0.1"), false, &xff("[2001:db8::7]:443")).unwrap().ip, ip("2001:db8::7"));
        assert_eq!(p.client(ip("127.0.0.1"), false, &xff("198.51.100.4:5000")).unwrap().ip, ip("198.51.100.4"));
    }

    #[test]
    fn forwarded_counts_only_without_x_forwarded_for() {
        let p = proxies();
        let h = Headers { forwarded: vec!["for=203.0.113.1;proto=http, for=\"[2001:db8::1]:4711\";proto=https"], ..Headers::default() };
        let c = p.client(ip("127.0.0.1"), false, &h).unwrap();
        assert_eq!((c.ip, c.https), (ip("2001:db8::1"), true));
        let both = Headers { x_forwarded_for: vec!["198.51.100.2"], ..h };
        assert_eq!(p.client(ip("127.0.0.1"), false, &both).unwrap().ip, ip("198.51.100.2"));
    }

    #[test]
    fn the_scheme_comes_from_the_proxy_or_the_connection() {
        let p = proxies();
        let https = Headers { x_forwarded_for: vec!["198.51.100.1"], x_forwarded_proto: vec!["https"], ..Headers::default() };
        assert!(p.client(ip("127.0.0.1"), false, &https).unwrap().https);
        assert!(!p.client(ip("127.0.0.1"), false, &xff("198.51.100.1")).unwrap().https);
        assert!(p.client(ip("127.0.0.1"), true, &xff("198.51.100.1")).unwrap().https, "TLS to us without the header");
        let spoofed = Headers { x_forwarded_proto: vec!["http"], ..Headers::default() };
        assert!(p.client(ip("192.0.2.1"), true, &spoofed).unwrap().https, "an untrusted peer cannot say http");
    }

    #[test]
    fn malformed_or_overlong_headers_from_a_trusted_proxy_are_refused() {
        let p = proxies();
        for bad in ["not-an-ip", "198.51.100.1, bogus", "unknown"] {
            assert!(p.client(ip("127.0.0.1"), false, &xff(bad)).is_err(), "{bad}");
        }
        assert!(p.client(ip("127.0.0.1"), false, &xff("bogus, 198.51.100.1")).is_ok(), "left of the client is never read");
        let long = "198.51.100.1, ".repeat(200);
        assert!(p.client(ip("127.0.0.1"), false, &xff(&long)).is_err());
        let hops = vec!["10.0.0.1"; MAX_HOPS + 1].join(",");
        assert!(p.client(ip("127.0.0.1"), false, &xff(&hops)).is_err());
        let proto = Headers { x_forwarded_proto: vec!["gopher"], ..Headers::default() };
        assert!(p.client(ip("127.0.0.1"), false, &proto).is_err());
        let pair = Headers { forwarded: vec!["for"], ..Headers::default() };
        assert!(p.client(ip("127.0.0.1"), false, &pair).is_err());
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let p = Proxies::parse("127.0.0.1,10.0.0.0/8, fd00::/8,::1").unwrap();
        assert!(p.contains(ip("10.200.0.1")) && p.contains(ip("::1")) && p.contains(ip("::ffff:127.0.0.1")));
        assert!(!p.contains(ip("127.0.0.2")));
        let e = Proxies::parse("127.0.0.1, nginx").unwrap_err();
        assert!(e.contains("\"nginx\""), "{e}");
        assert!(Proxies::parse("").unwrap().is_empty());
    }
}

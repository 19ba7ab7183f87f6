//! The addresses people in the room use: this machine's LAN address, and the join page's address for the QR code.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The network an address stands for in limits: the IPv4 address itself, or the /64 of an IPv6
/// address (one home or office network has a whole /64).
pub fn network(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

/// The address an IT department gives the service, e.g. `https://dilemma.gemeente.nl/`: what every
/// QR code, join link and projector page says, and an `Origin` the websocket accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    /// `scheme://host[:port]`, without a slash at the end: the pages' origin.
    base: String,
}

impl PublicUrl {
    /// Reads `http(s)://host[:port]` with at most a `/` after it: the pages live at the root.
    pub fn parse(url: &str) -> Result<PublicUrl, String> {
        let bad = |why: &str| format!("--public-url {url:?}: {why}; write it as https://dilemma.gemeente.nl/");
        let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("it has no scheme"))?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(bad("only http:// and https:// addresses can be opened by phones"));
        }
        let (authority, path) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
        if !path.is_empty() && path != "/" {
            return Err(bad("the pages live at the root of the address, so it cannot have a path, query or fragment"));
        }
        if authority.contains('@') {
            return Err(bad("it cannot hold a user name or password"));
        }
        let host = match authority.rsplit_once(':') {
            Some((h, port)) if !h.ends_with(':') && !port.contains(']') => {
                port.parse::<u16>().map_err(|_| bad("its port is not a number from 1 to 65535"))?;
                h
            }
            _ => authority,
        };
        if host.is_empty() || !plain_host(authority) {
            return Err(bad("its host name is empty or has characters a host name cannot have"));
        }
        Ok(PublicUrl { base: format!("{scheme}://{}", authority.to_ascii_lowercase()) })
    }

    /// `https://dilemma.gemeente.nl`: the join page is this with `/`.
    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn is_https(&self) -> bool {
        self.base.starts_with("https://")
    }

    /// The host name (or address) alone, without scheme and port.
    pub fn host(&self) -> &str {
        strip_port(self.base.split_once("://").map_or(&self.base, |(_, a)| a))
    }

    /// Whether a browser page's `Origin` is this address's.
    pub fn is_origin(&self, origin: &str) -> bool {
        origin.eq_ignore_ascii_case(&self.base)
    }
}

/// `host[:port]` without the port (an IPv6 literal keeps its brackets).
fn strip_port(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority.find(']').map_or(authority, |end| &authority[..=end]);
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    }
}

/// Whether a request's `Host` may be answered: an IP address literal, `localhost`, the public
/// address's host, or a name the operator allowed (`--allowed-host`). Any other name may be a page
/// that made its own name point at this machine (DNS rebinding), so it gets nothing. A request
/// without `Host` is no browser's.
pub fn host_allowed(host: Option<&str>, public: Option<&PublicUrl>, allowed: &[String]) -> bool {
    let Some(host) = host else { return true };
    let name = strip_port(host.trim()).trim_end_matches('.').to_ascii_lowercase();
    name.trim_matches(['[', ']']).parse::<IpAddr>().is_ok()
        || name == "localhost"
        || public.is_some_and(|p| p.host() == name)
        || allowed.iter().any(|a| a.eq_ignore_ascii_case(&name))
}

/// The first private IPv4 address of this machine, the one a phone or laptop in the room can reach.
pub fn lan_ip() -> Option<Ipv4Addr> {
    if_addrs::get_if_addrs().ok()?.into_iter().filter(|i| !i.is_loopback()).find_map(|i| match i.ip() {
        IpAddr::V4(v4) if v4.is_private() => Some(v4),
        _ => None,
    })
}

/// Where phones open the join page, as `http://host:port`, and whether that is only this machine.
///
/// A page opened on this machine (the projector's browser on the facilitator's laptop) must not put
/// 127.0.0.1 in its QR code: it gets the LAN address instead, when there is one. A page opened over
/// the network keeps the name it was opened with (`Host`), if that is a plain host name or address.
pub fn join_base(host_header: Option<&str>, local: SocketAddr, lan: Option<Ipv4Addr>) -> (String, bool) {
    if local.ip().is_loopback() {
        return match lan {
            Some(ip) => (format!("http://{}", SocketAddr::new(ip.into(), local.port())), false),
            None => (format!("http://{}", host_header.filter(|h| plain_host(h)).map_or(local.to_string(), str::to_owned)), true),
        };
    }
    match host_header.filter(|h| plain_host(h)) {
        Some(host) => (format!("http://{host}"), false),
        None => (format!("http://{local}"), false),
    }
}

/// A `Host` header that is safe to repeat in a page: letters, digits and `.-:[]`, at most 255 long.
pub fn plain_host(host: &str) -> bool {
    !host.is_empty() && host.len() <= 255 && host.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
}

/// The join page a server listening on `bound` announces: the LAN address when it listens on all
/// interfaces, and whether only this machine can reach it.
pub fn announced_page(bound: SocketAddr, lan: Option<Ipv4Addr>) -> (String, bool) {
    match (bound.ip(), lan) {
        (ip, Some(lan)) if ip.is_unspecified() => (format!("http://{}/", SocketAddr::new(lan.into(), bound.port())), false),
        (ip, _) => (format!("http://{bound}/"), ip.is_loopback() || ip.is_unspecified()),
    }
}

/// The join page of a websocket server address: `ws://h:7878/ws` → `http://h:7878`.
pub fn page_base(ws_url: &str) -> String {
    let (scheme, rest) = match ws_url.split_once("://") {
        Some(("wss", rest)) => ("https", rest),
        Some((_, rest)) => ("http", rest),
        None => ("http", ws_url),
    };
    let host = rest.split(['/', '?']).next().unwrap_or(rest);
    format!("{scheme}://{host}")
}

/// The join page of the server a client reaches at `ws_url`, as `(http://host:port, only this machine)`.
/// A server on this machine (loopback) is announced under this machine's LAN address when it has one.
pub fn room_page(ws_url: &str, lan: Option<Ipv4Addr>) -> (String, bool) {
    let base = page_base(ws_url);
    let (scheme, authority) = base.split_once("://").unwrap_or(("http", &base));
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => (h, Some(p)),
        _ => (authority, None),
    };
    let loopback = host == "localhost" || host.trim_matches(['[', ']']).parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    match (loopback, lan) {
        (true, Some(ip)) => (format!("{scheme}://{ip}{}", port.map_or(String::new(), |p| format!(":{p}"))), false),
        (true, None) => (base, true),
        (false, _) => (base, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_on_this_machine_points_phones_at_the_lan_address() {
        let local: SocketAddr = "127.0.0.1:7878".parse().unwrap();
        let lan = Some(Ipv4Addr::new(192, 168, 1, 20));
        assert_eq!(join_base(Some("127.0.0.1:7878"), local, lan), ("http://192.168.1.20:7878".into(), false));
        assert_eq!(join_base(Some("localhost:7878"), local, None), ("http://localhost:7878".into(), true));
    }

    #[test]
    fn a_page_opened_over_the_network_keeps_its_name_unless_it_is_not_plain() {
        let local: SocketAddr = "192.168.1.20:7878".parse().unwrap();
        assert_eq!(join_base(Some("laptop.local:7878"), local, None).0, "http://laptop.local:7878");
        assert_eq!(join_base(Some("\"><img src=x>"), local, None).0, "http://192.168.1.20:7878");
        assert_eq!(join_base(None, local, None).0, "http://192.168.1.20:7878");
    }

    #[test]
    fn a_server_on_this_machine_is_announced_under_the_lan_address() {
        let lan = Some(Ipv4Addr::new(10, 0, 0, 5));
        assert_eq!(room_page("ws://127.0.0.1:7878/ws", lan), ("http://10.0.0.5:7878".into(), false));
        assert_eq!(room_page("ws://localhost:7878/ws", None), ("http://localhost:7878".into(), true));
        assert_eq!(room_page("ws://[::1]:7878/ws", None), ("http://[::1]:7878".into(), true));
        assert_eq!(room_page("ws://192.168.1.9:7878/ws", lan), ("http://192.168.1.9:7878".into(), false));
    }

    #[test]
    fn a_server_on_all_interfaces_announces_its_lan_address() {
        let lan = Some(Ipv4Addr::new(10, 0, 0, 5));
        assert_eq!(announced_page("0.0.0.0:7878".parse().unwrap(), lan), ("http://10.0.0.5:7878/".into(), false));
        assert!(announced_page("127.0.0.1:7878".parse().unwrap(), lan).1, "loopback only");
        assert!(announced_page("0.0.0.0:7878".parse().unwrap(), None).1, "no LAN address");
    }

    #[test]
    fn a_public_address_is_an_http_or_https_origin_at_the_root() {
        for (given, base) in [
            ("https://dilemma.gemeente.nl/", "https://dilemma.gemeente.nl"),
            ("HTTPS://Dilemma.Gemeente.NL", "https://dilemma.gemeente.nl"),
            ("http://10.0.0.5:8080/", "http://10.0.0.5:8080"),
            ("https://[2001:db8::1]:8443", "https://[2001:db8::1]:8443"),
        ] {
            assert_eq!(PublicUrl::parse(given).unwrap().base(), base, "{given}");
        }
        for bad in [
            "dilemma.gemeente.nl",
            "ftp://x.nl/",
            "https://x.nl/dilemma/",
            "https://x.nl/?a=1",
            "https:///",
            "https://a@x.nl/",
            "https://x.nl:99999/",
            "https://x.nl/#top",
            "https://<x>/",
        ] {
            let e = PublicUrl::parse(bad).unwrap_err();
            assert!(e.contains("https://dilemma.gemeente.nl/"), "{bad}: {e}");
        }
        let p = PublicUrl::parse("https://dilemma.gemeente.nl/").unwrap();
        assert!(p.is_https() && p.is_origin("https://Dilemma.gemeente.nl") && !p.is_origin("http://dilemma.gemeente.nl"));
    }

    #[test]
    fn only_addresses_localhost_the_public_name_and_allowed_names_are_hosts() {
        let public = PublicUrl::parse("https://Dilemma.Gemeente.nl/").unwrap();
        let allowed = vec!["laptop-42.local".to_owned()];
        for yes in [
            "127.0.0.1:7878",
            "192.168.1.20",
            "[::1]:7878",
            "[2001:db8::1]",
            "localhost:7878",
            "LOCALHOST",
            "dilemma.gemeente.nl",
            "dilemma.gemeente.nl:443",
            "dilemma.gemeente.nl.",
            "laptop-42.local:7878",
        ] {
            assert!(host_allowed(Some(yes), Some(&public), &allowed), "{yes}");
        }
        for no in
            ["evil.example", "evil.example:7878", "127.0.0.1.nip.io:7878", "dilemma.gemeente.nl.evil.example", "localhost.evil.example", ""]
        {
            assert!(!host_allowed(Some(no), Some(&public), &allowed), "{no}");
        }
        assert!(host_allowed(None, None, &[]), "no Host: not a browser");
        assert!(!host_allowed(Some("dilemma.gemeente.nl"), None, &[]), "without a public address the name is unknown");
        assert_eq!(public.host(), "dilemma.gemeente.nl");
        assert_eq!(PublicUrl::parse("https://[2001:db8::1]:8443/").unwrap().host(), "[2001:db8::1]");
    }

    #[test]
    fn page_base_of_a_websocket_address() {
        assert_eq!(page_base("ws://10.0.0.5:7878/ws"), "http://10.0.0.5:7878");
        assert_eq!(page_base("wss://game.example.nl/ws?x=1"), "https://game.example.nl");
    }
}

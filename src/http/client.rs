//! The client address a request is counted against: the socket's peer, or, when the peer is a
//! proxy of `COSELL_TRUSTED_PROXIES`, the right-most `X-Forwarded-For` entry that no trusted
//! proxy wrote (entries left of it are the client's own say and may be forged).

use std::future::{Ready, ready};
use std::net::{IpAddr, SocketAddr};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use ipnet::IpNet;

use crate::auth::limiter::Client;
use crate::error::ApiError;
use crate::state::AppState;

/// The client of a request whose socket peer is `peer` and whose `X-Forwarded-For` headers are
/// `forwarded`, in the order received.
pub fn client_address<'a>(
    peer: Option<IpAddr>,
    forwarded: impl Iterator<Item = &'a str>,
    trusted: &[IpNet],
) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(&ip.to_canonical()));
    let peer = peer?;
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let entries: Vec<&str> = forwarded.flat_map(|h| h.split(',')).map(str::trim).collect();
    let mut client = peer;
    for entry in entries.iter().rev() {
        // An entry that is no address ends the chain: the last hop that wrote one is the client.
        let Some(ip) = parse_entry(entry) else { break };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    Some(client)
}

/// `192.0.2.1`, `2001:db8::1`, `[2001:db8::1]:443` or `192.0.2.1:8080`.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

impl FromRequest for Client {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let trusted = req
            .app_data::<web::Data<AppState>>()
            .map(|state| state.trusted_proxies.as_slice())
            .unwrap_or_default();
        let forwarded = req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok());
        ready(Ok(Client(client_address(
            req.peer_addr().map(|a| a.ip()),
            forwarded,
            trusted,
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn client(peer: &str, headers: &[&str], trusted: &[&str]) -> String {
        client_address(Some(peer.parse().unwrap()), headers.iter().copied(), &nets(trusted))
            .unwrap()
            .to_string()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        assert_eq!(client("198.51.100.4", &["203.0.113.9"], &[]), "198.51.100.4");
        assert_eq!(
            client("198.51.100.4", &["203.0.113.9"], &["10.0.0.0/8"]),
            "198.51.100.4"
        );
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_entry_is_the_client() {
        let trusted = ["10.0.0.0/8"];
        assert_eq!(client("10.0.0.1", &["203.0.113.9"], &trusted), "203.0.113.9");
        // The client prepended a forged entry; the proxies appended the real one and themselves.
        assert_eq!(
            client("10.0.0.1", &["1.1.1.1, 203.0.113.9, 10.0.0.2"], &trusted),
            "203.0.113.9"
        );
        // Several headers read as one list, in order.
        assert_eq!(client("10.0.0.1", &["1.1.1.1", "203.0.113.9"], &trusted), "203.0.113.9");
        assert_eq!(client("10.0.0.1", &["[2001:db8::7]:443"], &trusted), "2001:db8::7");
        // Nothing forwarded, or nothing usable: the last trusted hop.
        assert_eq!(client("10.0.0.1", &[], &trusted), "10.0.0.1");
        assert_eq!(client("10.0.0.1", &["10.0.0.3, unknown"], &trusted), "10.0.0.1");
        assert_eq!(client("10.0.0.1", &["203.0.113.9, 10.0.0.3"], &trusted), "203.0.113.9");
    }
}

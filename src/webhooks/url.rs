//! Where deliveries may go. A webhook URL is an absolute `https://` URL (plain `http://` only
//! when allowed) that every reader parses alike, without user info or fragment; and, unless
//! private addresses are allowed, it must not reach this machine's or its network's own
//! services: a loopback, private, link-local, unique-local, CGNAT or unspecified address is
//! refused as a literal at once, and as what a name resolves to at delivery time.

use std::net::IpAddr;

/// What the deployment allows of webhook URLs (`COSELL_WEBHOOK_ALLOW_HTTP`,
/// `COSELL_WEBHOOK_ALLOW_PRIVATE`).
#[derive(Debug, Clone, Copy, Default)]
pub struct UrlPolicy {
    pub allow_http: bool,
    pub allow_private: bool,
}

/// The URL as it is stored (the parser's serialization), or why it is refused.
pub fn check(raw: &str, policy: UrlPolicy) -> Result<String, &'static str> {
    let schemes: &[&str] = if policy.allow_http {
        &["https", "http"]
    } else {
        &["https"]
    };
    let url = crate::validate::unambiguous_url(raw, schemes).map_err(|reason| match reason {
        "must use an allowed scheme" if policy.allow_http => "must be an absolute https:// or http:// URL",
        "must use an allowed scheme" => "must be an absolute https:// URL",
        other => other,
    })?;
    if url.fragment().is_some() {
        return Err("must not have a fragment");
    }
    let Some(host) = url.host() else {
        return Err("must name a host");
    };
    if !policy.allow_private {
        let private = match host {
            url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost") || name.ends_with(".localhost"),
            url::Host::Ipv4(ip) => !is_public(IpAddr::V4(ip)),
            url::Host::Ipv6(ip) => !is_public(IpAddr::V6(ip)),
        };
        if private {
            return Err("must not be a loopback, private, link-local or otherwise local address");
        }
    }
    Ok(url.as_str().to_owned())
}

/// Whether `ip` is an address on the public internet: not loopback, private, link-local,
/// unique-local, CGNAT, unspecified, multicast, broadcast or reserved.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => {
            let [a, b, ..] = v.octets();
            !(v.is_private()
                || v.is_loopback()
                || v.is_link_local()
                || v.is_unspecified()
                || v.is_broadcast()
                || v.is_multicast()
                || v.is_documentation()
                || a == 0
                || (a == 100 && (b & 0xc0) == 64)
                || a >= 240)
        }
        IpAddr::V6(v) => match v.to_ipv4_mapped() {
            Some(mapped) => is_public(IpAddr::V4(mapped)),
            None => {
                let first = v.segments()[0];
                !(v.is_loopback()
                    || v.is_unspecified()
                    || v.is_multicast()
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: UrlPolicy = UrlPolicy {
        allow_http: false,
        allow_private: false,
    };

    #[test]
    fn a_webhook_url_is_https_and_stored_as_parsed() {
        assert_eq!(
            check("https://Hooks.Contoso.example/cosell?x=1", STRICT).unwrap(),
            "https://hooks.contoso.example/cosell?x=1"
        );
        for bad in [
            "http://hooks.contoso.example/",
            "https://user:pw@hooks.contoso.example/",
            "https://appsource.microsoft.com\\@evil.example/",
            "https:hooks.contoso.example",
            "https://hooks%2econtoso.example/",
            " https://hooks.contoso.example/",
            "https://hooks.contoso.example/\n",
            "https://hooks.contoso.example/#part",
            "ftp://hooks.contoso.example/",
        ] {
            assert!(check(bad, STRICT).is_err(), "{bad}");
        }
        assert!(check(&format!("https://h.example/{}", "a".repeat(2048)), STRICT).is_err());
    }

    #[test]
    fn local_addresses_are_refused_unless_allowed() {
        for local in [
            "https://localhost/",
            "https://127.0.0.1/",
            "https://10.1.2.3/",
            "https://192.168.0.1/",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
            "https://[::1]/",
            "https://[fd00::1]/",
            "https://[fe80::1]/",
            "https://[::ffff:127.0.0.1]/",
        ] {
            assert!(check(local, STRICT).is_err(), "{local}");
            let open = UrlPolicy {
                allow_http: false,
                allow_private: true,
            };
            assert!(check(local, open).is_ok(), "{local}");
        }
        assert!(check("https://93.184.216.34/", STRICT).is_ok());
        let http = UrlPolicy {
            allow_http: true,
            allow_private: true,
        };
        assert_eq!(
            check("http://127.0.0.1:9000/hook", http).unwrap(),
            "http://127.0.0.1:9000/hook"
        );
    }
}

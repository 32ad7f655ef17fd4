//! The HTTP client of webhook deliveries: no redirects, no proxies, bounded in time, and a
//! resolver that checks every address it hands out, so a connection goes only to an address
//! that was checked (no DNS rebinding between the check and the connection).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use super::url::{UrlPolicy, is_public};
use crate::config::WebhookSettings;

/// The HTTP client: no redirects, no proxies, bounded in time, and a resolver that lets
/// connections reach public addresses only (unless private ones are allowed); a connection is
/// made to an address it checked, so a name cannot be re-pointed between check and use.
pub(super) fn build(settings: &WebhookSettings, policy: UrlPolicy) -> reqwest::Result<reqwest::Client> {
    let timeout = Duration::from_millis(settings.timeout_ms.into());
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .pool_idle_timeout(Duration::from_secs(30))
        .user_agent(concat!("cosell-webhooks/", env!("CARGO_PKG_VERSION")))
        .dns_resolver(Arc::new(CheckedResolver { policy }))
        .build()
}

struct CheckedResolver {
    policy: UrlPolicy,
}

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        let allow_private = self.policy.allow_private;
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| allow_private || is_public(a.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(format!("{host} resolves to no address deliveries may go to").into());
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

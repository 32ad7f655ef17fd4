//! Field rules shared by request types, usable from validator's `custom(function = …)`.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;
use validator::ValidationError;

fn error(code: &'static str, message: &'static str) -> ValidationError {
    ValidationError::new(code).with_message(Cow::Borrowed(message))
}

/// ISO 3166-1 alpha-2 codes, sorted.
const COUNTRIES: &[&str] = &[
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA", "BB", "BD",
    "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA",
    "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE",
    "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA",
    "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK",
    "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP",
    "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT",
    "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS",
    "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ",
    "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS",
    "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST",
    "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW",
    "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI", "VN", "VU", "WF", "WS", "YE", "YT", "ZA",
    "ZM", "ZW",
];

/// The document's `Country`: the codes [`country`] takes, as an enum.
pub struct Country;

impl utoipa::PartialSchema for Country {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(COUNTRIES.iter().copied()))
            .description(Some("An ISO 3166-1 alpha-2 country code."))
            .examples([serde_json::json!("US")])
            .into()
    }
}

impl utoipa::ToSchema for Country {
    fn name() -> Cow<'static, str> {
        "Country".into()
    }
}

/// The document's `Confirmation`: a `confirm` member, which must be `true` (else 422
/// `confirmation_required`).
pub struct Confirmation;

impl utoipa::PartialSchema for Confirmation {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::Boolean)
            .enum_values(Some([true]))
            .description(Some("Must be `true`: the action cannot be undone by accident."))
            .into()
    }
}

impl utoipa::ToSchema for Confirmation {
    fn name() -> Cow<'static, str> {
        "Confirmation".into()
    }
}

pub fn is_country(code: &str) -> bool {
    COUNTRIES.binary_search(&code).is_ok()
}

pub fn country(code: &str) -> Result<(), ValidationError> {
    if is_country(code) {
        Ok(())
    } else {
        Err(error(
            "invalid_country",
            "must be an ISO 3166-1 alpha-2 code such as US",
        ))
    }
}

pub fn mpn_id(value: &str) -> Result<(), ValidationError> {
    let ok = (6..=10).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(error("invalid_mpn_id", "must be 6 to 10 digits"))
    }
}

pub fn publisher_id(value: &str) -> Result<(), ValidationError> {
    static RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[a-z0-9][a-z0-9_-]{2,49}$").expect("valid regex"));
    if RE.is_match(value) {
        Ok(())
    } else {
        Err(error(
            "invalid_publisher_id",
            "3–50 characters: lower-case letters, digits, _ and -, starting with a letter or digit",
        ))
    }
}

/// An absolute URL of `schemes` that WHATWG and RFC 3986 readers parse alike, or why not.
/// Where the two disagree is refused outright: white space, control characters and backslashes
/// anywhere (`https://appsource.microsoft.com\@evil.example/` has host `appsource…` for one and
/// `evil.example` for the other), a scheme without `//` (`https:host`) or with more
/// (`https:///host`), user info, and percent-encoded bytes in the host (`%2e`).
pub fn unambiguous_url(raw: &str, schemes: &[&str]) -> Result<url::Url, &'static str> {
    if raw.len() > 2048 {
        return Err("must be at most 2048 characters");
    }
    if raw
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '\\' || is_invisible(c))
    {
        return Err("must not contain white space, control characters or backslashes");
    }
    let Some((scheme, rest)) = raw.split_once("://") else {
        return Err("must be an absolute URL that starts with its scheme and `//`");
    };
    if !schemes.iter().any(|s| s.eq_ignore_ascii_case(scheme)) {
        return Err("must use an allowed scheme");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() {
        // `https:///host/path`: WHATWG skips the slashes and reads `host`; RFC 3986 an empty one.
        return Err("must name a host right after `//`");
    }
    if authority.contains('@') {
        return Err("must not carry user info");
    }
    if authority.contains('%') {
        return Err("must not percent-encode its host");
    }
    let url = url::Url::parse(raw).map_err(|_| "must be an absolute URL")?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err("must name a host");
    }
    Ok(url)
}

/// What is stored of an https URL: the parser's serialization (host lower-cased, default port
/// dropped, an empty path made `/`). A value [`unambiguous_url`] refuses is kept as sent, for
/// validation to answer 422 with its reason.
pub fn https_serialization(raw: String) -> String {
    match unambiguous_url(&raw, &["https"]) {
        Ok(url) => url.to_string(),
        Err(_) => raw,
    }
}

/// `deserialize_with` for a URL member: its [`https_serialization`].
pub fn url_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    <String as serde::Deserialize>::deserialize(deserializer).map(https_serialization)
}

/// `deserialize_with` for an optional URL member (`null` or absent: none).
pub fn optional_url_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    <Option<String> as serde::Deserialize>::deserialize(deserializer).map(|url| url.map(https_serialization))
}

/// `deserialize_with` for a URL member of a merge patch whose column cannot be empty: absent is
/// unchanged (with `#[serde(default)]`), `null` is refused.
pub fn patched_url_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    url_text(deserializer).map(Some)
}

/// An absolute `https://` URL, read alike by every parser ([`unambiguous_url`]).
pub fn https_url(value: &str) -> Result<(), ValidationError> {
    unambiguous_url(value, &["https"]).map(|_| ()).map_err(|reason| {
        ValidationError::new("invalid_url").with_message(format!("{reason}; an absolute https:// URL").into())
    })
}

/// The rules of [`single_line`], [`plain_text`] and [`https_url`] as the document states them:
/// each text member carries the custom `format` of its rule (`single-line`, `text`, `https-url`)
/// and the pattern here, which generators and form validators use. A pattern says what the rule
/// refuses of characters and of shape; what no pattern says (a URL's host as the parser reads it,
/// invisible characters in a name) the server checks on its own.
pub mod patterns {
    /// `format: single-line`: one line of at least one visible character, no control characters.
    pub const SINGLE_LINE: &str =
        "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$";
    /// `format: text`: lines, tabs allowed, not blank, no other control characters.
    pub const TEXT: &str = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$";
    /// `format: https-url`: `https://`, a host in ASCII (an international name in its `xn--` form,
    /// which is also how the server stores one it is sent as typed), an optional port, and a
    /// path, query or fragment without white space, control characters or backslashes.
    pub const HTTPS_URL: &str = "^[hH][tT][tT][pP][sS]://[A-Za-z0-9._~!$&'()*+,;=-]+(:[0-9]{1,5})?([/?#][^\\s\\u0000-\\u001f\\u007f-\\u009f\\\\]*)?$";
    /// `format: webhook-url`: an `https-url` without a fragment (a receiver's address).
    pub const WEBHOOK_URL: &str = "^[hH][tT][tT][pP][sS]://[A-Za-z0-9._~!$&'()*+,;=-]+(:[0-9]{1,5})?([/?][^\\s\\u0000-\\u001f\\u007f-\\u009f\\\\#]*)?$";
    /// `format: marketplace-listing-url`: an https URL on AppSource or Azure Marketplace.
    pub const MARKETPLACE_LISTING_URL: &str =
        "^https://(appsource|azuremarketplace)\\.microsoft\\.com([/?#][^\\s\\u0000-\\u001f\\u007f-\\u009f\\\\]*)?$";

    /// The pattern of a custom `format` of the document.
    pub fn of_format(format: &str) -> Option<&'static str> {
        match format {
            "single-line" => Some(SINGLE_LINE),
            "text" => Some(TEXT),
            "https-url" => Some(HTTPS_URL),
            "webhook-url" => Some(WEBHOOK_URL),
            "marketplace-listing-url" => Some(MARKETPLACE_LISTING_URL),
            _ => None,
        }
    }
}

/// Text a person typed: no control characters, and not only white space.
pub fn plain_text(value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(error("blank", "must not be blank"));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(error("invalid_characters", "must not contain control characters"));
    }
    Ok(())
}

/// A single-line name.
pub fn single_line(value: &str) -> Result<(), ValidationError> {
    plain_text(value)?;
    if value.contains(['\n', '\r', '\t']) {
        return Err(error("invalid_characters", "must be a single line"));
    }
    Ok(())
}

/// A list of short labels (categories, platforms, …): each 1–100 characters on one line, no repeats.
pub fn labels(values: &[String]) -> Result<(), ValidationError> {
    let mut seen = std::collections::HashSet::new();
    for value in values {
        if value.chars().count() > 100 {
            return Err(error("too_long", "each entry must be at most 100 characters"));
        }
        single_line(value)?;
        if !seen.insert(value.as_str()) {
            return Err(error("duplicate", "entries must not repeat"));
        }
    }
    Ok(())
}

/// An offer alias or plan id: `^[a-z0-9][a-z0-9_-]{0,49}$`.
pub fn alias(value: &str) -> Result<(), ValidationError> {
    static RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[a-z0-9][a-z0-9_-]{0,49}$").expect("valid regex"));
    if RE.is_match(value) {
        Ok(())
    } else {
        Err(error(
            "invalid_alias",
            "1–50 characters: lower-case letters, digits, _ and -, starting with a letter or digit",
        ))
    }
}

/// Contact countries: ISO 3166-1 alpha-2 codes, or `["OOO"]` alone for all countries.
pub fn contact_countries(values: &[String]) -> Result<(), ValidationError> {
    if values.is_empty() {
        return Err(error("required", "list at least one country, or OOO for all"));
    }
    if values.iter().any(|c| c == "OOO") {
        return if values.len() == 1 {
            Ok(())
        } else {
            Err(error("invalid_country", "OOO (all countries) stands alone"))
        };
    }
    if values.iter().all(|c| is_country(c)) {
        labels(values)
    } else {
        Err(error(
            "invalid_country",
            "must be ISO 3166-1 alpha-2 codes such as US, or OOO for all",
        ))
    }
}

/// An e-mail address as it is stored and compared: trimmed, lower-cased, and its domain mapped
/// with IDNA (UTS 46) to its ASCII form, so `casey@ＥＭ.example` is `casey@em.example` and a
/// look-alike domain shows as the `xn--` name it is.
pub fn normalize_email(email: &str) -> String {
    let email = email.trim().to_lowercase();
    match email.rsplit_once('@') {
        Some((local, domain)) => match idna::domain_to_ascii(domain) {
            Ok(ascii) if !ascii.is_empty() => format!("{local}@{ascii}"),
            _ => email,
        },
        None => email,
    }
}

/// Default-ignorable code points (invisible: U+200B zero width space, U+00AD soft hyphen, the
/// variation selectors, …) and bidirectional controls (which reorder what is shown), from
/// Unicode's DerivedCoreProperties and UAX #9.
pub fn is_invisible(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F..=0x1160 | 0x17B4..=0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF)
}

/// Text with nothing invisible in it (e-mail addresses).
pub fn visible(value: &str) -> Result<(), ValidationError> {
    if value.chars().any(is_invisible) {
        return Err(error(
            "invalid_characters",
            "must not contain invisible or bidirectional control characters",
        ));
    }
    Ok(())
}

/// An e-mail address as people type it: white space around it aside, an address (its domain
/// read with IDNA), with nothing invisible in it.
pub fn email_address(value: &str) -> Result<(), ValidationError> {
    visible(value)?;
    if validator::ValidateEmail::validate_email(&normalize_email(value)) {
        Ok(())
    } else {
        Err(error("invalid_email", "must be an e-mail address"))
    }
}

/// A person's or an organization's name: one line, nothing invisible.
pub fn name(value: &str) -> Result<(), ValidationError> {
    single_line(value)?;
    visible(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_patterns_accept_and_refuse_what_the_rules_do() {
        let matches = |pattern: &str, value: &str| Regex::new(pattern).unwrap().is_match(value);
        let samples = [
            "Contoso",
            " padded ",
            "two\nlines",
            "tab\there",
            "",
            "   ",
            "\n",
            "nul\0",
            "bell\u{7}",
            "c1\u{85}x",
            "del\u{7f}",
            "日本語",
            "\r\n",
            "a\u{2028}b",
            "\u{a0}",
        ];
        for value in samples {
            assert_eq!(
                matches(patterns::SINGLE_LINE, value),
                single_line(value).is_ok(),
                "single-line: {value:?}"
            );
            assert_eq!(
                matches(patterns::TEXT, value),
                plain_text(value).is_ok(),
                "text: {value:?}"
            );
        }
        for url in [
            "https://contoso.example/trial",
            "HTTPS://Contoso.Example:8443/a?b=c#d",
            "https://contoso.example",
            "https://xn--r8jz45g.jp/",
        ] {
            assert!(matches(patterns::HTTPS_URL, url), "{url}");
            assert!(https_url(url).is_ok(), "{url}");
        }
        // What the pattern refuses, the rule refuses too.
        for url in [
            "http://contoso.example/",
            "https://user@contoso.example/",
            "https://contoso.example\\@evil.example/",
            "https://%2e/",
            "https:contoso.example",
            "https://contoso.example/a b",
            "https:///path",
        ] {
            assert!(!matches(patterns::HTTPS_URL, url), "{url}");
            assert!(https_url(url).is_err(), "{url}");
        }
        // The narrower URL rules accept what they name, and refuse what their rule refuses.
        assert!(matches(
            patterns::WEBHOOK_URL,
            "https://hooks.contoso.example/cosell?x=1"
        ));
        assert!(!matches(
            patterns::WEBHOOK_URL,
            "https://hooks.contoso.example/cosell#part"
        ));
        assert!(!matches(patterns::WEBHOOK_URL, "https://user@hooks.contoso.example/"));
        let listing = "https://appsource.microsoft.com/en-us/product/web-apps/contoso.analytics";
        assert!(matches(patterns::MARKETPLACE_LISTING_URL, listing));
        assert!(!matches(
            patterns::MARKETPLACE_LISTING_URL,
            "https://appsource.microsoft.com.evil.example/"
        ));
        assert!(!matches(patterns::MARKETPLACE_LISTING_URL, "https://contoso.example/"));
        assert_eq!(patterns::of_format("single-line"), Some(patterns::SINGLE_LINE));
        assert_eq!(patterns::of_format("email"), None);
    }

    #[test]
    fn addresses_compare_after_uts46_and_names_show_everything() {
        assert_eq!(normalize_email(" Casey@ＥＭ.Example "), "casey@em.example");
        assert_eq!(normalize_email("casey@em.example"), "casey@em.example");
        // A Cyrillic `е` is another domain, and is kept in the form that says so.
        let lookalike = normalize_email("casey@\u{435}m.example");
        assert!(
            lookalike.starts_with("casey@xn--") && lookalike.ends_with(".example"),
            "{lookalike}"
        );
        assert!(visible("casey@em.example\u{200B}").is_err());
        assert!(name("Ada\u{202E}ecalevol").is_err());
        assert!(name("Ada Lovelace").is_ok());
        assert!(name("Zoë O'Brien-Ng").is_ok());
    }

    #[test]
    fn the_country_list_is_sorted_and_complete() {
        assert!(COUNTRIES.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(COUNTRIES.len(), 249);
        assert!(is_country("US") && is_country("DE") && is_country("ZW"));
        assert!(!is_country("us") && !is_country("UK") && !is_country("OOO"));
    }

    #[test]
    fn urls_must_be_https_with_a_host() {
        assert!(https_url("https://contoso.example/privacy").is_ok());
        for bad in [
            "http://contoso.example",
            "javascript:alert(1)",
            "https://",
            "ftp://x.example",
            "https://u:p@x.example",
            "contoso.example",
        ] {
            assert!(https_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn identifiers_follow_their_patterns() {
        assert!(publisher_id("contoso-ltd_1").is_ok());
        assert!(publisher_id("ab").is_err() && publisher_id("-contoso").is_err() && publisher_id("Contoso").is_err());
        assert!(mpn_id("123456").is_ok() && mpn_id("1234567890").is_ok());
        assert!(mpn_id("12345").is_err() && mpn_id("12345678901").is_err() && mpn_id("12345a").is_err());
    }

    #[test]
    fn text_rejects_blanks_and_control_characters() {
        assert!(single_line("Contoso").is_ok());
        assert!(single_line("   ").is_err() && single_line("a\u{0}b").is_err() && single_line("a\nb").is_err());
        assert!(plain_text("line one\nline two").is_ok());
    }
}

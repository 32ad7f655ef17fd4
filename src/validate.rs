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

/// An absolute `https` URL with a host, no credentials, at most 2,048 characters.
pub fn https_url(value: &str) -> Result<(), ValidationError> {
    let ok = value.len() <= 2048
        && url::Url::parse(value).is_ok_and(|u| {
            u.scheme() == "https"
                && u.host_str().is_some_and(|h| !h.is_empty())
                && u.username().is_empty()
                && u.password().is_none()
        });
    if ok {
        Ok(())
    } else {
        Err(error("invalid_url", "must be an absolute https:// URL"))
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

/// Lower-cases and trims an e-mail address, the form in which it is stored and compared.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

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

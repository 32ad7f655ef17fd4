//! Timestamps: stored as UTC `TIMESTAMP` columns, sent as RFC 3339 with milliseconds and `Z`.

use chrono::{DateTime, Datelike, NaiveDateTime, SubsecRound, Timelike, Utc};
use serde::{Serialize, Serializer};

/// The current time at the precision both databases keep (microseconds).
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub NaiveDateTime);

impl Timestamp {
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, written digit by digit: this runs for every timestamp of every
    /// answer, and chrono's format strings are parsed anew at each call.
    pub fn to_rfc3339(self) -> String {
        let (date, time) = (self.0.date(), self.0.time());
        let nanos = time.nanosecond();
        if !(0..=9999).contains(&date.year()) || nanos >= 1_000_000_000 {
            return self.0.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        }
        let mut out = [0u8; 24];
        let fields = [
            (0, 4, date.year() as u32),
            (5, 2, date.month()),
            (8, 2, date.day()),
            (11, 2, time.hour()),
            (14, 2, time.minute()),
            (17, 2, time.second()),
            (20, 3, nanos / 1_000_000),
        ];
        for (start, width, mut value) in fields {
            for i in (start..start + width).rev() {
                out[i] = b'0' + (value % 10) as u8;
                value /= 10;
            }
        }
        for (i, separator) in [
            (4, b'-'),
            (7, b'-'),
            (10, b'T'),
            (13, b':'),
            (16, b':'),
            (19, b'.'),
            (23, b'Z'),
        ] {
            out[i] = separator;
        }
        out.iter().map(|&b| b as char).collect()
    }
}

impl From<NaiveDateTime> for Timestamp {
    fn from(value: NaiveDateTime) -> Self {
        Self(value)
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(value: DateTime<Utc>) -> Self {
        Self(value.naive_utc())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

/// Reads the RFC 3339 form back (stored JSON keeps timestamps as they are sent).
impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| Timestamp(t.naive_utc()))
            .map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .description(Some("RFC 3339 timestamp in UTC with milliseconds"))
            .examples([serde_json::json!("2026-11-25T09:30:00.123Z")])
            .into()
    }
}

impl utoipa::ToSchema for Timestamp {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digit_writer_agrees_with_chrono() {
        let samples = [
            "0000-01-01 00:00:00.000000",
            "0999-12-31 23:59:59.999999",
            "2024-02-29 07:05:03.004001",
            "2026-11-25 09:30:00.123456",
            "9999-12-31 23:59:59.999999",
        ];
        for sample in samples {
            let t = NaiveDateTime::parse_from_str(sample, "%Y-%m-%d %H:%M:%S%.f").unwrap();
            assert_eq!(
                Timestamp(t).to_rfc3339(),
                t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
            );
        }
        let far = chrono::NaiveDate::from_ymd_opt(12026, 1, 2)
            .unwrap()
            .and_hms_opt(3, 4, 5)
            .unwrap();
        assert_eq!(
            Timestamp(far).to_rfc3339(),
            far.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
        );
        assert!(Timestamp(far).to_rfc3339().starts_with("+12026-01-02T03:04:05"));
    }

    #[test]
    fn a_sent_timestamp_reads_back() {
        let t = NaiveDateTime::parse_from_str("2026-11-25 09:30:00.123", "%Y-%m-%d %H:%M:%S%.f").unwrap();
        let read: Timestamp = serde_json::from_str(&serde_json::to_string(&Timestamp(t)).unwrap()).unwrap();
        assert_eq!(read, Timestamp(t));
    }

    #[test]
    fn timestamps_are_sent_in_utc_with_milliseconds() {
        let t = NaiveDateTime::parse_from_str("2026-11-25 09:30:00.123456", "%Y-%m-%d %H:%M:%S%.f").unwrap();
        assert_eq!(
            serde_json::to_string(&Timestamp(t)).unwrap(),
            "\"2026-11-25T09:30:00.123Z\""
        );
    }
}

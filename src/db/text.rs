//! Reading a `Text` column without copying it where the backend allows: what typed ids and
//! enums are read through, on every row.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::sql_types::Text;
use diesel::sqlite::Sqlite;

use super::MultiBackend;

/// A backend whose `Text` values can be lent as `&str`.
pub trait ReadText: Backend {
    fn read_text<T>(
        value: Self::RawValue<'_>,
        read: impl FnOnce(&str) -> deserialize::Result<T>,
    ) -> deserialize::Result<T>;
}

impl ReadText for Sqlite {
    fn read_text<T>(
        value: Self::RawValue<'_>,
        read: impl FnOnce(&str) -> deserialize::Result<T>,
    ) -> deserialize::Result<T> {
        let text = <*const str as FromSql<Text, Sqlite>>::from_sql(value)?;
        // SAFETY: diesel's pointer is valid while `value` lives, and `read` returns before it ends.
        read(unsafe { &*text })
    }
}

impl ReadText for Pg {
    fn read_text<T>(
        value: Self::RawValue<'_>,
        read: impl FnOnce(&str) -> deserialize::Result<T>,
    ) -> deserialize::Result<T> {
        read(std::str::from_utf8(value.as_bytes())?)
    }
}

impl ReadText for MultiBackend {
    fn read_text<T>(
        value: Self::RawValue<'_>,
        read: impl FnOnce(&str) -> deserialize::Result<T>,
    ) -> deserialize::Result<T> {
        read(&<String as FromSql<Text, MultiBackend>>::from_sql(value)?)
    }
}

//! Keyset pages: `limit` 1–100 (default 20) and a cursor. Rows are ordered by their UUIDv7 id,
//! newest first, so a page costs the same however large the table is. The cursor is the id after
//! which the next page starts: clients pass back what they were given and need not read it, and
//! any UUID is a valid position, so no cursor can be "forged" into something else.

use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// One page of a collection.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    #[schema(example = json!(null))]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PageRequest {
    pub limit: i64,
    /// Only rows whose id sorts before this one (the last id of the previous page); for lists
    /// in creation order, after it.
    pub cursor: Option<String>,
}

impl PageRequest {
    pub fn parse(limit: Option<i64>, cursor: Option<uuid::Uuid>) -> Result<Self, ApiError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid_parameter(format!(
                "`limit` must be between 1 and {MAX_LIMIT}."
            )));
        }
        Ok(Self {
            limit,
            cursor: cursor.map(|c| c.hyphenated().to_string()),
        })
    }

    /// Rows to fetch: one more than the page, to learn whether another page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// Cuts the fetched rows to a page; the cursor is the last row's id.
    pub fn page<R, T>(&self, mut rows: Vec<R>, id: impl Fn(&R) -> &str, map: impl FnMut(R) -> T) -> Page<T> {
        let next_cursor = if rows.len() as i64 > self.limit {
            rows.truncate(self.limit as usize);
            rows.last().map(|r| id(r).to_owned())
        } else {
            None
        };
        Page {
            items: rows.into_iter().map(map).collect(),
            next_cursor,
        }
    }

    /// [`PageRequest::page`] with a rendering that may fail (a stored value that cannot be read).
    pub fn try_page<R, T>(
        &self,
        rows: Vec<R>,
        id: impl Fn(&R) -> &str,
        map: impl FnMut(R) -> Result<T, ApiError>,
    ) -> Result<Page<T>, ApiError> {
        let page = self.page(rows, id, map);
        Ok(Page {
            items: page.items.into_iter().collect::<Result<_, _>>()?,
            next_cursor: page.next_cursor,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_outside_the_range_are_refused() {
        for limit in [0, -1, 101, 1_000_000] {
            assert_eq!(
                PageRequest::parse(Some(limit), None).unwrap_err().code,
                crate::error::ErrorCode::InvalidParameter
            );
        }
        assert_eq!(PageRequest::parse(None, None).unwrap().limit, DEFAULT_LIMIT);
    }

    #[test]
    fn a_full_page_points_to_the_next_and_the_last_does_not() {
        let request = PageRequest::parse(Some(2), None).unwrap();
        let ids: Vec<String> = (0..3).map(|_| uuid::Uuid::now_v7().to_string()).collect();
        let page = request.page(ids.clone(), |s| s.as_str(), |s| s);
        assert_eq!(page.items.len(), 2);
        let next = PageRequest::parse(Some(2), page.next_cursor.as_deref().map(|c| c.parse().unwrap())).unwrap();
        assert_eq!(next.cursor.as_deref(), Some(ids[1].as_str()));
        let last = request.page(ids[..2].to_vec(), |s| s.as_str(), |s| s);
        assert!(last.next_cursor.is_none());
    }
}

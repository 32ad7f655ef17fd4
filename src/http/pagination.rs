//! Keyset pagination: `limit` 1–100 (default 20), a `cursor`, `next_cursor` and a
//! `Link: rel="next"` header. Rows are ordered by their UUIDv7 id, newest first, so a page costs
//! the same however large the table is. The cursor is the position after which the next page
//! starts (a UUID): clients pass back what they were given and need not read it, and any UUID
//! is a valid position, so no cursor can be "forged" into something else.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
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
    /// Only rows whose id sorts before this one (the last id of the previous page).
    pub before_id: Option<String>,
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
            before_id: cursor.map(|c| c.to_string()),
        })
    }

    /// Rows to fetch: one more than the page, to learn whether another page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// Cuts the fetched rows to a page and computes its cursor from the last row's id.
    pub fn page<R, T>(&self, mut rows: Vec<R>, id: impl Fn(&R) -> &str, map: impl FnMut(R) -> T) -> Page<T> {
        let next_cursor = if rows.len() as i64 > self.limit {
            rows.truncate(self.limit as usize);
            rows.last().map(|r| encode_cursor(id(r)))
        } else {
            None
        };
        Page {
            items: rows.into_iter().map(map).collect(),
            next_cursor,
        }
    }
}

fn encode_cursor(id: &str) -> String {
    id.to_owned()
}

/// A comma-separated list filter of enum values (`status=draft,live`), as stored texts.
pub fn parse_list<T: std::str::FromStr<Err = String> + std::fmt::Display>(
    raw: Option<&str>,
    name: &str,
) -> Result<Vec<String>, ApiError> {
    let Some(raw) = raw else { return Ok(Vec::new()) };
    raw.split(',')
        .map(|v| {
            v.parse::<T>()
                .map(|t| t.to_string())
                .map_err(|e| ApiError::invalid_parameter(format!("`{name}`: {e}.")))
        })
        .collect()
}

impl<T: Serialize> Page<T> {
    /// 200 with the page, and a `Link` to the next one that keeps the request's filters.
    pub fn respond(&self, req: &HttpRequest) -> HttpResponse {
        let mut response = HttpResponse::Ok();
        if let Some(cursor) = &self.next_cursor {
            response.insert_header((header::LINK, next_link(req, cursor)));
        }
        response.json(self)
    }
}

/// Like [`Page::respond`], for items already rendered as JSON: the same body, byte for byte.
pub fn respond_rendered(items: &[Bytes], next_cursor: Option<&str>, req: &HttpRequest) -> HttpResponse {
    let cursor = serde_json::to_string(&next_cursor).unwrap_or_else(|_| "null".into());
    let mut body = Vec::with_capacity(items.iter().map(|i| i.len() + 1).sum::<usize>() + cursor.len() + 32);
    body.extend_from_slice(b"{\"items\":[");
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            body.push(b',');
        }
        body.extend_from_slice(item);
    }
    body.extend_from_slice(b"],\"next_cursor\":");
    body.extend_from_slice(cursor.as_bytes());
    body.push(b'}');
    let mut response = HttpResponse::Ok();
    if let Some(cursor) = next_cursor {
        response.insert_header((header::LINK, next_link(req, cursor)));
    }
    response.insert_header(header::ContentType::json()).body(body)
}

/// `<path?query>; rel="next"`: the request's own query with `cursor` replaced.
fn next_link(req: &HttpRequest, cursor: &str) -> String {
    let mut query: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .filter(|(k, _)| k != "cursor")
        .collect();
    query.push(("cursor".into(), cursor.to_owned()));
    let encoded = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query)
        .finish();
    format!("<{}?{}>; rel=\"next\"", req.path(), encoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_outside_the_range_are_refused() {
        for limit in [0, -1, 101, 1_000_000] {
            assert_eq!(
                PageRequest::parse(Some(limit), None).unwrap_err().code,
                "invalid_parameter"
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
        assert_eq!(next.before_id.as_deref(), Some(ids[1].as_str()));
        let last = request.page(ids[..2].to_vec(), |s| s.as_str(), |s| s);
        assert!(last.next_cursor.is_none());
    }

    #[actix_web::test]
    async fn a_rendered_page_is_the_serialized_page_byte_for_byte() {
        let req = actix_web::test::TestRequest::get()
            .uri("/v1/things?limit=2&status=live")
            .to_http_request();
        let items = [
            serde_json::json!({"id": "a", "n": 1}),
            serde_json::json!({"id": "b\"", "n": null}),
        ];
        let rendered: Vec<Bytes> = items
            .iter()
            .map(|i| Bytes::from(serde_json::to_vec(i).unwrap()))
            .collect();
        for cursor in [None, Some("0193a7f0-0000-7000-8000-000000000000".to_owned())] {
            for count in [0, 1, 2] {
                let page = Page {
                    items: items[..count].to_vec(),
                    next_cursor: cursor.clone(),
                };
                let direct = page.respond(&req);
                let assembled = respond_rendered(&rendered[..count], cursor.as_deref(), &req);
                assert_eq!(
                    direct.headers().get(header::LINK),
                    assembled.headers().get(header::LINK)
                );
                assert_eq!(
                    direct.headers().get(header::CONTENT_TYPE),
                    assembled.headers().get(header::CONTENT_TYPE)
                );
                let direct = actix_web::body::to_bytes(direct.into_body()).await.ok();
                let assembled = actix_web::body::to_bytes(assembled.into_body()).await.ok();
                assert!(direct.is_some());
                assert_eq!(direct, assembled);
            }
        }
    }
}

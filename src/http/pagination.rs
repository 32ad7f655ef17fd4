//! Pages on the wire: the JSON body `{items, next_cursor}` and a `Link: rel="next"` header that
//! keeps the request's filters.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::error::ApiError;
use crate::page::{Page, PageRequest};

/// A comma-separated list filter of enum values (`status=draft,live`).
pub fn parse_list<T: std::str::FromStr<Err = String>>(raw: Option<&str>, name: &str) -> Result<Vec<T>, ApiError> {
    let Some(raw) = raw else { return Ok(Vec::new()) };
    raw.split(',')
        .map(|v| {
            v.parse::<T>()
                .map_err(|e| ApiError::invalid_parameter(format!("`{name}`: {e}.")))
        })
        .collect()
}

/// The tail of every list handler: the fetched rows cut to a page, each rendered, answered.
pub fn respond_page<R, T: Serialize>(
    page: &PageRequest,
    rows: Vec<R>,
    id: impl Fn(&R) -> &str,
    render: impl FnMut(R) -> Result<T, ApiError>,
    req: &HttpRequest,
) -> Result<HttpResponse, ApiError> {
    Ok(page.try_page(rows, id, render)?.respond(req))
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
    link_with(req, "cursor", cursor)
}

/// `<path?query>; rel="next"`: the request's own query with `name` set to `value`.
pub fn link_with(req: &HttpRequest, name: &str, value: &str) -> String {
    let mut query: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .filter(|(k, _)| k != name)
        .collect();
    query.push((name.to_owned(), value.to_owned()));
    let encoded = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query)
        .finish();
    format!("<{}?{}>; rel=\"next\"", req.path(), encoded)
}

#[cfg(test)]
mod tests {
    use super::*;

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

//! Lists on the wire: `{"items": […], "next_cursor": "…" | null}`, paged by `limit` and an
//! opaque `cursor`.

use actix_web::HttpResponse;
use kernel::{Cursor, Page};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A list page on the wire: `{items, next_cursor}`.
pub fn page_response<T, V: Serialize>(page: Page<T>, view: impl FnMut(T) -> V) -> HttpResponse {
    let items: Vec<V> = page.items.into_iter().map(view).collect();
    HttpResponse::Ok().json(json!({ "items": items, "next_cursor": page.next_cursor.map(Cursor::into_string) }))
}

/// The query string of a list with no filters of its own: `limit` and `cursor`.
#[derive(Debug, Deserialize)]
pub struct PageParams {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// `cursor=`, where a blank value asks for the first page, as a blank form field does.
pub fn cursor_unless_blank(raw: Option<String>) -> Option<Cursor> {
    raw.filter(|c| !c.trim().is_empty()).map(Cursor::from_token)
}

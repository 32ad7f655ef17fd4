//! Field problems: where in a request (a JSON pointer) and what is wrong there.

use std::borrow::Cow;

use serde::Serialize;
use utoipa::ToSchema;

use super::{ApiError, IssueCode};

/// One problem with one field of a request, located by a JSON pointer.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct FieldIssue {
    /// JSON Pointer (as a URI fragment) to the field, e.g. `#/listing/summary`.
    #[schema(example = "#/owner/email")]
    pub pointer: String,
    pub code: IssueCode,
    #[schema(example = "must be an e-mail address")]
    pub message: String,
}

impl FieldIssue {
    pub fn new(pointer: impl Into<String>, code: IssueCode, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            code,
            message: message.into(),
        }
    }
}

/// A JSON pointer token (RFC 6901): `~` and `/` escaped.
pub fn pointer_token(token: &str) -> Cow<'_, str> {
    if token.contains(['~', '/']) {
        Cow::Owned(token.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(token)
    }
}

/// The pointer (`#/a/0/b`) of where a deserializer stopped.
pub fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::from("#");
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } => pointer.push_str(&format!("/{}", pointer_token(key))),
            Segment::Enum { variant } => pointer.push_str(&format!("/{}", pointer_token(variant))),
            Segment::Unknown => {}
        }
    }
    pointer
}

/// Turns validator's nested errors into field issues with JSON pointers.
impl From<validator::ValidationErrors> for ApiError {
    fn from(errors: validator::ValidationErrors) -> Self {
        Self::validation(issues_from(&errors, "#"))
    }
}

/// Field issues of `errors` with pointers below `prefix` (e.g. `#/listing`), sorted by pointer.
pub fn issues_from(errors: &validator::ValidationErrors, prefix: &str) -> Vec<FieldIssue> {
    let mut issues = Vec::new();
    collect_issues(errors, prefix, &mut issues);
    issues.sort_by(|a, b| a.pointer.cmp(&b.pointer));
    issues
}

fn collect_issues(errors: &validator::ValidationErrors, prefix: &str, out: &mut Vec<FieldIssue>) {
    use validator::ValidationErrorsKind as Kind;
    for (field, kind) in errors.errors() {
        let pointer = if field == "__all__" {
            prefix.to_owned()
        } else {
            format!("{prefix}/{}", pointer_token(field))
        };
        match kind {
            Kind::Field(list) => out.extend(list.iter().map(|e| {
                let message = e.message.as_ref().map(|m| m.to_string()).unwrap_or_else(|| describe(e));
                FieldIssue::new(pointer.clone(), IssueCode::of_rule(&e.code), message)
            })),
            Kind::Struct(inner) => collect_issues(inner, &pointer, out),
            Kind::List(items) => {
                for (index, inner) in items {
                    collect_issues(inner, &format!("{pointer}/{index}"), out);
                }
            }
        }
    }
}

fn describe(e: &validator::ValidationError) -> String {
    let param = |name: &str| e.params.get(name).map(|v| v.to_string());
    match e.code.as_ref() {
        "length" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("length must be between {min} and {max}"),
            (Some(min), None) => format!("length must be at least {min}"),
            (None, Some(max)) => format!("length must be at most {max}"),
            _ => "invalid length".to_owned(),
        },
        "email" => "must be an e-mail address".to_owned(),
        "range" => "out of range".to_owned(),
        other => format!("invalid value ({other})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn pointer_tokens_are_escaped() {
        assert_eq!(pointer_token("a/b~c"), "a~1b~0c");
        assert_eq!(pointer_token("plain"), "plain");
    }
}

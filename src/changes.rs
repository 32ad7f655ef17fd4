//! What an edit changed, as RFC 6902 JSON Patch operations: applied to the object before the
//! edit, they give the object after it.
//!
//! The operations come from the `json-patch` crate's `diff`, which compares arrays element by
//! element. That misleads for the lists this API holds (a plan moved to the front reads as every
//! plan rewritten field by field, a keyword removed from the middle as each later one replaced),
//! so every array is compared as one value: a changed array is a single `replace` of the whole
//! array, and an array that appears or goes is one `add` or `remove`.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

crate::string_enum! {
    /// The RFC 6902 operation.
    pub enum OperationKind {
        Add => "add",
        Remove => "remove",
        Replace => "replace",
        Move => "move",
        Copy => "copy",
        Test => "test",
    }
}

/// One RFC 6902 JSON Patch operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"op": "replace", "path": "/listing/summary", "value": "Invoices approved in one click"}))]
pub struct Operation {
    pub op: OperationKind,
    /// JSON Pointer (RFC 6901) of the member the operation changes.
    #[schema(example = "/listing/summary")]
    pub path: String,
    /// The new value: present for `add`, `replace` and `test` (and then possibly `null`).
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// Where `move` and `copy` take the value from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

/// A member that is present is `Some`, even when it holds `null`.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

/// The operations that turn `before` into `after`, arrays compared as whole values.
pub fn diff(before: &Value, after: &Value) -> Vec<Operation> {
    use json_patch::PatchOperation as P;
    let mut operations: Vec<Operation> = Vec::new();
    for operation in json_patch::diff(before, after).0 {
        let (op, path, value, from) = match operation {
            P::Add(o) => (OperationKind::Add, o.path.to_string(), Some(o.value), None),
            P::Remove(o) => (OperationKind::Remove, o.path.to_string(), None, None),
            P::Replace(o) => (OperationKind::Replace, o.path.to_string(), Some(o.value), None),
            P::Move(o) => (OperationKind::Move, o.path.to_string(), None, Some(o.from.to_string())),
            P::Copy(o) => (OperationKind::Copy, o.path.to_string(), None, Some(o.from.to_string())),
            P::Test(o) => (OperationKind::Test, o.path.to_string(), Some(o.value), None),
        };
        let operation = match enclosing_array(before, after, &path) {
            Some(array) => Operation {
                op: OperationKind::Replace,
                value: after.pointer(&array).cloned(),
                path: array,
                from: None,
            },
            None => Operation { op, path, value, from },
        };
        if !operations.contains(&operation) {
            operations.push(operation);
        }
    }
    operations
}

/// The outermost array that holds `path` (strictly inside it) in both documents.
fn enclosing_array(before: &Value, after: &Value, path: &str) -> Option<String> {
    let tokens: Vec<&str> = path.split('/').skip(1).collect();
    (1..tokens.len())
        .map(|depth| format!("/{}", tokens[..depth].join("/")))
        .find(|prefix| {
            before.pointer(prefix).is_some_and(Value::is_array) && after.pointer(prefix).is_some_and(Value::is_array)
        })
}

/// The operations of an edit of an object as its API view shows it: what the server maintains
/// (`version`, `updated_at`, `allowed_actions`) is not part of the edit.
pub fn between<T: Serialize>(before: &T, after: &T) -> Result<Vec<Operation>, serde_json::Error> {
    let view = |object: &T| -> Result<Value, serde_json::Error> {
        let mut value = serde_json::to_value(object)?;
        if let Some(members) = value.as_object_mut() {
            for maintained in ["version", "updated_at", "allowed_actions"] {
                members.remove(maintained);
            }
        }
        Ok(value)
    };
    Ok(diff(&view(before)?, &view(after)?))
}

/// Whether `operation` changes the member at `pointer` or something inside it.
pub fn touches(operation: &Operation, pointer: &str) -> bool {
    operation
        .path
        .strip_prefix(pointer)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn apply(before: &Value, operations: &[Operation]) -> Value {
        let patch: json_patch::Patch = serde_json::from_value(serde_json::to_value(operations).unwrap()).unwrap();
        let mut doc = before.clone();
        json_patch::patch(&mut doc, &patch).unwrap();
        doc
    }

    #[test]
    fn members_change_one_by_one_and_arrays_as_a_whole() {
        let before = json!({
            "listing": {"summary": "Old", "keywords": ["a", "b", "c"], "gone": 1},
            "plans": {"plans": [{"id": "basic"}, {"id": "pro"}]},
        });
        let after = json!({
            "listing": {"summary": "New", "keywords": ["a", "c"], "added": null},
            "plans": {"plans": [{"id": "pro"}, {"id": "basic"}]},
        });
        let operations = diff(&before, &after);
        assert_eq!(apply(&before, &operations), after);
        let paths: Vec<&str> = operations.iter().map(|o| o.path.as_str()).collect();
        for path in [
            "/listing/summary",
            "/listing/keywords",
            "/listing/gone",
            "/listing/added",
            "/plans/plans",
        ] {
            assert_eq!(paths.iter().filter(|p| **p == path).count(), 1, "{path} in {paths:?}");
        }
        assert!(
            paths
                .iter()
                .all(|p| !p.contains("/plans/plans/") && !p.contains("/keywords/")),
            "{paths:?}"
        );
        let reordered = operations.iter().find(|o| o.path == "/plans/plans").unwrap();
        assert_eq!(reordered.op, OperationKind::Replace);
        assert_eq!(reordered.value.as_ref(), after.pointer("/plans/plans"));
    }

    #[test]
    fn an_added_null_survives_storage() {
        let operations = diff(&json!({}), &json!({"website": null}));
        let stored = serde_json::to_string(&operations).unwrap();
        let read: Vec<Operation> = serde_json::from_str(&stored).unwrap();
        assert_eq!(read, operations);
        assert_eq!(apply(&json!({}), &read), json!({"website": null}));
    }

    #[test]
    fn equal_documents_have_no_operations_and_maintained_members_are_not_edits() {
        let doc = json!({"a": [1, {"b": 2}], "c": {"d": "e"}});
        assert!(diff(&doc, &doc.clone()).is_empty());
        let before = json!({"name": "A", "version": 1, "updated_at": "x", "allowed_actions": ["edit"]});
        let after = json!({"name": "B", "version": 2, "updated_at": "y", "allowed_actions": []});
        let operations = between(&before, &after).unwrap();
        assert_eq!(operations.len(), 1);
        assert_eq!(operations[0].path, "/name");
    }

    #[test]
    fn touches_means_the_member_or_inside_it() {
        let operation = Operation {
            op: OperationKind::Replace,
            path: "/listing/summary".into(),
            value: Some(json!("x")),
            from: None,
        };
        assert!(touches(&operation, "/listing"));
        assert!(touches(&operation, "/listing/summary"));
        assert!(!touches(&operation, "/list"));
        assert!(!touches(&operation, "/listing/summary_long"));
    }
}

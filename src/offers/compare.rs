//! The offer's content against a submitted version: the operations that turn the submission's
//! snapshot into the content now, and what they mean per section.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::sections::SectionName;
use crate::changes::{self, Operation};
use crate::ids::SubmissionId;
use crate::submissions::model::SubmissionState;

/// What to compare with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Against {
    /// The submission that went live last.
    Live,
    /// The submission in preview.
    Preview,
    /// One submission of the offer.
    Submission(SubmissionId),
}

impl std::str::FromStr for Against {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "live" => Ok(Against::Live),
            "preview" => Ok(Against::Preview),
            other => Uuid::parse_str(other)
                .map(|id| Against::Submission(SubmissionId::from(id)))
                .map_err(|_| format!("`against` is `live`, `preview` or a submission id, not `{other}`")),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// `live` (the default: what publishing would change), `preview`, or a submission id of
    /// the offer.
    #[param(
        pattern = "^(live|preview|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$",
        example = "live"
    )]
    pub against: Option<String>,
}

crate::string_enum! {
    /// How a section differs from the version compared with.
    pub enum SectionChangeKind {
        Added => "added",
        Removed => "removed",
        Edited => "edited",
        Unchanged => "unchanged",
    }
}

/// One section of the comparison.
#[derive(Debug, Serialize, ToSchema)]
pub struct SectionChange {
    pub section: SectionName,
    pub change: SectionChangeKind,
    /// The operations inside this section.
    pub operations: Vec<Operation>,
}

/// The submission compared with.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComparedSubmission {
    pub submission_id: SubmissionId,
    #[schema(example = 3)]
    pub sequence: i64,
    pub state: SubmissionState,
}

/// The offer's content now against a submitted version.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "against": {"submission_id": "01937e4a-7b1c-7000-8000-0000000000a3", "sequence": 3, "state": "completed"},
    "operations": [{"op": "replace", "path": "/listing/summary", "value": "Invoices approved in one click"}],
    "sections": [
        {"section": "setup", "change": "unchanged", "operations": []},
        {"section": "properties", "change": "unchanged", "operations": []},
        {"section": "listing", "change": "edited", "operations": [{"op": "replace", "path": "/listing/summary", "value": "Invoices approved in one click"}]},
        {"section": "plans", "change": "unchanged", "operations": []},
        {"section": "resell_csp", "change": "unchanged", "operations": []},
        {"section": "co_sell", "change": "unchanged", "operations": []}
    ]
}))]
pub struct Comparison {
    pub against: ComparedSubmission,
    /// RFC 6902 operations: applied to the submission's `snapshot`, they give the content now.
    /// Arrays are compared as whole values (one `replace` of a changed list).
    pub operations: Vec<Operation>,
    /// Every section, co-sell and CSP included, in the order of the offer.
    pub sections: Vec<SectionChange>,
}

/// The comparison of the content `now` with a submission's `snapshot`.
pub fn compare(against: ComparedSubmission, snapshot: &Value, now: &Value) -> Comparison {
    let operations = changes::diff(snapshot, now);
    let sections = SectionName::ALL
        .iter()
        .map(|section| {
            let name = section.as_str();
            let pointer = format!("/{name}");
            let inside: Vec<Operation> = operations
                .iter()
                .filter(|o| changes::touches(o, &pointer))
                .cloned()
                .collect();
            let present = |content: &Value| content.get(name).is_some_and(|s| !s.is_null());
            let change = match (present(snapshot), present(now)) {
                (false, true) => SectionChangeKind::Added,
                (true, false) => SectionChangeKind::Removed,
                _ if inside.is_empty() => SectionChangeKind::Unchanged,
                _ => SectionChangeKind::Edited,
            };
            SectionChange {
                section: *section,
                change,
                operations: inside,
            }
        })
        .collect();
    Comparison {
        against,
        operations,
        sections,
    }
}

/// Whether the content at the certification feedback's `pointer` (`#/listing/summary`)
/// differs between the failed submission's `snapshot` and the content `now`.
pub fn addressed(pointer: &str, snapshot: &Value, now: &Value) -> bool {
    let pointer = pointer.strip_prefix('#').unwrap_or(pointer);
    snapshot.pointer(pointer) != now.pointer(pointer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn against() -> ComparedSubmission {
        ComparedSubmission {
            submission_id: SubmissionId::from(Uuid::now_v7()),
            sequence: 1,
            state: SubmissionState::Completed,
        }
    }

    #[test]
    fn every_section_says_how_it_changed() {
        let snapshot = json!({"name": "A", "setup": {"x": 1}, "listing": {"summary": "Old"}, "co_sell": {"a": 1}});
        let now = json!({"name": "A", "setup": {"x": 1}, "listing": {"summary": "New"}, "resell_csp": {"b": 2}});
        let comparison = compare(against(), &snapshot, &now);
        let kinds: Vec<(&str, &str)> = comparison
            .sections
            .iter()
            .map(|s| (s.section.as_str(), s.change.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("setup", "unchanged"),
                ("properties", "unchanged"),
                ("listing", "edited"),
                ("plans", "unchanged"),
                ("resell_csp", "added"),
                ("co_sell", "removed"),
            ]
        );
        let in_sections: usize = comparison.sections.iter().map(|s| s.operations.len()).sum();
        assert_eq!(in_sections, comparison.operations.len());
    }

    #[test]
    fn feedback_is_addressed_once_its_member_changes() {
        let snapshot = json!({"listing": {"summary": "Old", "description": "Same"}});
        let now = json!({"listing": {"summary": "New", "description": "Same"}});
        assert!(addressed("#/listing/summary", &snapshot, &now));
        assert!(!addressed("#/listing/description", &snapshot, &now));
        assert!(addressed("#/listing/summary", &json!({}), &now), "added counts");
    }

    #[test]
    fn against_is_live_preview_or_a_submission() {
        assert_eq!("live".parse::<Against>(), Ok(Against::Live));
        assert_eq!("preview".parse::<Against>(), Ok(Against::Preview));
        assert!(matches!(
            "01937e4a-7b1c-7000-8000-0000000000a3".parse::<Against>(),
            Ok(Against::Submission(_))
        ));
        assert!("lives".parse::<Against>().is_err());
    }
}

//! Which events a filter or a webhook endpoint asks for: event types (`solution.merged`),
//! every type of one kind of object (`offer.*`), or all of them (`*`).

use crate::audit::model::{AuditAction, EntityType};

/// One entry of an event type list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    All,
    Of(EntityType),
    Exactly(AuditAction),
}

impl Pattern {
    pub fn parse(text: &str) -> Result<Self, String> {
        if text == "*" {
            return Ok(Pattern::All);
        }
        if let Some(prefix) = text.strip_suffix(".*") {
            return prefix
                .parse()
                .map(Pattern::Of)
                .map_err(|_| format!("`{text}` names no kind of object"));
        }
        text.parse()
            .ok()
            .filter(|t: &AuditAction| !t.is_staff_only())
            .map(Pattern::Exactly)
            .ok_or_else(|| format!("`{text}` is not an event type"))
    }

    pub fn matches(self, event_type: AuditAction) -> bool {
        match self {
            Pattern::All => true,
            Pattern::Of(entity) => event_type.entity() == entity,
            Pattern::Exactly(t) => t == event_type,
        }
    }
}

/// The document's `EventPattern`: [`all_patterns`] as an enum.
pub struct EventPattern;

impl utoipa::PartialSchema for EventPattern {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(all_patterns()))
            .description(Some(
                "An event type, every type of one kind of object (`offer.*`), or all of them (`*`).",
            ))
            .into()
    }
}

impl utoipa::ToSchema for EventPattern {
    fn name() -> std::borrow::Cow<'static, str> {
        "EventPattern".into()
    }
}

/// Every pattern a list may hold: `*`, each kind of object's `kind.*`, and each event type.
pub fn all_patterns() -> Vec<String> {
    let mut all = vec!["*".to_owned()];
    all.extend(EntityType::ALL.iter().map(|kind| format!("{}.*", kind.as_str())));
    all.extend(event_types().map(|t| t.as_str().to_owned()));
    all
}

/// The actions that are events: all but those partners never learn of.
pub fn event_types() -> impl Iterator<Item = AuditAction> {
    AuditAction::ALL.iter().copied().filter(|t| !t.is_staff_only())
}

/// The event types a comma-separated list of patterns takes in; all types for none.
pub fn expand(list: Option<&str>) -> Result<Vec<AuditAction>, String> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    let patterns = list.split(',').map(Pattern::parse).collect::<Result<Vec<_>, _>>()?;
    if patterns.contains(&Pattern::All) {
        return Ok(Vec::new());
    }
    Ok(event_types()
        .filter(|t| patterns.iter().any(|p| p.matches(*t)))
        .collect())
}

/// Whether `event_type` is one of those `patterns` (webhook endpoint subscriptions) ask for.
pub fn subscribed(patterns: &[String], event_type: AuditAction) -> bool {
    patterns
        .iter()
        .filter_map(|p| Pattern::parse(p).ok())
        .any(|p| p.matches(event_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_name_types_kinds_or_everything() {
        assert!(Pattern::parse("offer.*").unwrap().matches(AuditAction::OfferWentLive));
        assert!(!Pattern::parse("offer.*").unwrap().matches(AuditAction::SolutionMerged));
        assert!(Pattern::parse("*").unwrap().matches(AuditAction::UserInvited));
        assert_eq!(
            Pattern::parse("solution.merged").unwrap(),
            Pattern::Exactly(AuditAction::SolutionMerged)
        );
        for pattern in all_patterns() {
            assert!(Pattern::parse(&pattern).is_ok(), "{pattern}");
        }
        for bad in ["offer", "offers.*", "solution.merge", "", "*.*"] {
            assert!(Pattern::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_list_expands_to_the_types_it_takes_in() {
        let types = expand(Some("offer.*,solution.merged")).unwrap();
        assert!(types.contains(&AuditAction::OfferPublished) && types.contains(&AuditAction::SolutionMerged));
        assert!(!types.contains(&AuditAction::SolutionMigrated));
        assert!(expand(Some("*")).unwrap().is_empty(), "all types filter nothing");
        assert!(expand(None).unwrap().is_empty());
        assert!(expand(Some("offer.*,nonsense")).is_err());
        assert!(
            expand(Some("")).is_err(),
            "an empty filter is a mistake, not every type"
        );
    }
}

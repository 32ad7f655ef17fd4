//! An edit of an offer's content: the JSON merge patch of `name` and the sections, every value
//! it leaves checked, and the rules that span sections.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use validator::Validate;

use super::loaded::LoadedOffer;
use super::model::OfferContentChanges;
use super::sections::{CspOption, ResellCsp, Sections};
use crate::error::{ApiError, ErrorCode, FieldIssue, IssueCode, issues_from};

/// RFC 7396: objects merge member by member, `null` removes, anything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let target = target.as_object_mut().expect("made an object above");
    for (key, value) in patch {
        if value.is_null() {
            target.remove(key);
        } else {
            merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

/// Merges the patch into the offer's sections and checks every resulting value: the columns
/// to write and the sections they hold.
pub fn merge(offer: &LoadedOffer, patch: &Map<String, Value>) -> Result<(OfferContentChanges, Sections), ApiError> {
    let mut changes = OfferContentChanges::default();
    let mut merged = offer.sections.clone();
    let mut edit = Edit {
        patch,
        issues: Vec::new(),
    };
    if let Some(name) = patch.get("name").and_then(Value::as_str) {
        let trimmed = name.trim();
        if trimmed.is_empty() || trimmed.chars().count() > 200 || crate::validate::single_line(trimmed).is_err() {
            edit.issues.push(FieldIssue::new(
                "#/name",
                IssueCode::Length,
                "1 to 200 characters on one line",
            ));
        }
        changes.name = Some(trimmed.to_owned());
    }
    edit.section("setup", &mut merged.setup, &mut changes.setup)?;
    edit.section("properties", &mut merged.properties, &mut changes.properties)?;
    edit.section("listing", &mut merged.listing, &mut changes.listing)?;
    edit.section("plans", &mut merged.plans, &mut changes.plans)?;
    edit.section("resell_csp", &mut merged.resell_csp, &mut changes.resell_csp)?;
    edit.section("co_sell", &mut merged.co_sell, &mut changes.co_sell)?;
    let mut issues = edit.issues;
    if merged.resell_csp.is_some() && !offer.row.offer_type.is_csp_eligible() {
        issues.push(FieldIssue::new(
            "#/resell_csp",
            IssueCode::NotCspEligible,
            "this offer type cannot be resold through CSP partners",
        ));
    }
    if !issues.is_empty() {
        return Err(ApiError::validation(issues));
    }
    if offer.row.has_ever_been_live
        && csp_change_needs_support(offer.sections.resell_csp.as_ref(), merged.resell_csp.as_ref())
    {
        return Err(ApiError::new(
            ErrorCode::CspChangeRequiresSupport,
            "This offer has been live: narrowing who may resell it needs a support ticket (category csp_change).",
        ));
    }
    Ok((changes, merged))
}

/// One edit's patch, and the problems found in what it leaves.
struct Edit<'a> {
    patch: &'a Map<String, Value>,
    issues: Vec<FieldIssue>,
}

impl Edit<'_> {
    /// The patch of section `name`, if any, merged into `section` (`null` clears it); `column`
    /// is set to what is stored for it.
    fn section<T>(
        &mut self,
        name: &str,
        section: &mut Option<T>,
        column: &mut Option<Option<String>>,
    ) -> Result<(), ApiError>
    where
        T: Serialize + DeserializeOwned + Validate,
    {
        let Some(patch) = self.patch.get(name) else {
            return Ok(());
        };
        if patch.is_null() {
            *section = None;
            *column = Some(None);
            return Ok(());
        }
        let mut value = serde_json::to_value(&*section).unwrap_or(Value::Null);
        merge_patch(&mut value, patch);
        let merged: T = serde_json::from_value(value).map_err(|e| ApiError::bad_request(format!("`{name}`: {e}")))?;
        if let Err(errors) = merged.validate() {
            self.issues.extend(section_issues(&errors, name));
        }
        *column = Some(Some(serde_json::to_string(&merged)?));
        *section = Some(merged);
        Ok(())
    }
}

/// Validator issues of a section, below its pointer (the plans array is its own section).
fn section_issues(errors: &validator::ValidationErrors, name: &str) -> Vec<FieldIssue> {
    let pointer = format!("#/{name}");
    let mut issues = issues_from(errors, &pointer);
    if name == "plans" {
        for issue in &mut issues {
            if let Some(rest) = issue.pointer.strip_prefix("#/plans/plans") {
                issue.pointer = format!("#/plans{rest}");
            }
        }
    }
    issues
}

/// Leaving `any_partner`, or going from `specific_partners` to `no_partners`, after going live.
fn csp_change_needs_support(before: Option<&ResellCsp>, after: Option<&ResellCsp>) -> bool {
    let option = |r: Option<&ResellCsp>| r.and_then(|r| r.option);
    match (option(before), option(after)) {
        (Some(CspOption::AnyPartner), after) => after != Some(CspOption::AnyPartner),
        (Some(CspOption::SpecificPartners), None | Some(CspOption::NoPartners)) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_merge_patch_merges_objects_replaces_the_rest_and_null_removes() {
        let mut doc = json!({"a": {"b": 1, "c": [1, 2]}, "d": "x"});
        merge_patch(&mut doc, &json!({"a": {"b": null, "c": [3], "e": true}, "d": {"f": 1}}));
        assert_eq!(doc, json!({"a": {"c": [3], "e": true}, "d": {"f": 1}}));
    }

    #[test]
    fn narrowing_csp_resale_after_going_live_needs_support() {
        let csp = |option| ResellCsp {
            option: Some(option),
            ..Default::default()
        };
        let any = csp(CspOption::AnyPartner);
        let specific = csp(CspOption::SpecificPartners);
        let none = csp(CspOption::NoPartners);
        assert!(csp_change_needs_support(Some(&any), Some(&specific)));
        assert!(csp_change_needs_support(Some(&any), None));
        assert!(csp_change_needs_support(Some(&specific), Some(&none)));
        assert!(!csp_change_needs_support(Some(&specific), Some(&any)));
        assert!(!csp_change_needs_support(Some(&none), Some(&specific)));
        assert!(!csp_change_needs_support(None, Some(&none)));
    }
}

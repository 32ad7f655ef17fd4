//! Command-line administration: staff users are created here, never over HTTP.

pub mod bench;
pub mod demo;

use crate::auth::passwords;
use crate::auth::roles::Role;
use crate::db::{self, DbConn};
use crate::error::ErrorCode;
use crate::users::model::NewUser;

/// Creates an active staff user (`support` or `reviewer`) and returns its id.
pub fn create_staff(
    conn: &mut DbConn,
    email: &str,
    display_name: &str,
    role: Role,
    password: &str,
) -> Result<String, String> {
    if !role.is_staff() {
        return Err("--role must be support or reviewer".into());
    }
    let email = crate::validate::normalize_email(email);
    if !validator::ValidateEmail::validate_email(&email) {
        return Err(format!("`{email}` is not an e-mail address"));
    }
    let name = display_name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err("--display-name must be 1 to 100 characters".into());
    }
    let length = password.chars().count();
    if !(passwords::MIN_LEN..=passwords::MAX_LEN).contains(&length) {
        return Err(format!(
            "the password must be {} to {} characters",
            passwords::MIN_LEN,
            passwords::MAX_LEN
        ));
    }
    passwords::check_strength(password, &[&email, name]).map_err(|e| format!("the password {e}"))?;
    let hash = passwords::hash(password).map_err(|e| e.to_string())?;
    let user = NewUser::active(None, &email, name, role, &hash);
    db::write_tx(conn, |conn| crate::users::service::create(conn, &user, None)).map_err(|e| match e.code {
        ErrorCode::AlreadyExists => format!("a user with the e-mail {email} already exists"),
        _ => e.to_string(),
    })?;
    Ok(user.id.to_string())
}

/// Imports legacy solutions from a JSON file: `{"solutions": [...]}` or a bare array, in the
/// shape of `POST /v1/solutions/import`.
pub fn import_solutions_file(
    conn: &mut DbConn,
    path: &std::path::Path,
) -> Result<crate::solutions::dto::ImportReport, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
    let entries = match value {
        serde_json::Value::Array(entries) => entries,
        serde_json::Value::Object(mut object) => match object.remove("solutions") {
            Some(serde_json::Value::Array(entries)) => entries,
            _ => return Err(format!("{}: expected {{\"solutions\": [...]}}", path.display())),
        },
        _ => {
            return Err(format!(
                "{}: expected an array or {{\"solutions\": [...]}}",
                path.display()
            ));
        }
    };
    db::write_tx(conn, |conn| crate::solutions::import::import(conn, &entries, None)).map_err(|e| e.to_string())
}

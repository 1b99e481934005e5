//! Request and response types of `/v1/users` and `/v1/me`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::rules::{self, SellingStyle};
use super::store::UserRow;
use crate::auth::{Role, Scope};

crate::openapi::string_enum!(
    SellingStyle,
    "SellingStyle",
    "How a salesperson works: farmers manage existing customers, hunters chase new business."
);

/// A person of the organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub id: Uuid,
    #[schema(example = "ada@example.com")]
    pub email: String,
    pub name: String,
    pub role: Role,
    /// Salespeople only.
    pub selling_style: Option<SellingStyle>,
    /// A deactivated person keeps their history but can no longer sign in.
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: r.id,
            email: r.email,
            name: r.name,
            role: r.role,
            selling_style: r.selling_style,
            active: r.active,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A new person (admin).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    #[schema(format = "email", example = "ada@example.com", max_length = 254)]
    pub email: String,
    #[schema(min_length = 1, max_length = 200, example = "Ada Lovelace")]
    pub name: String,
    pub role: Role,
    /// Salespeople only.
    pub selling_style: Option<SellingStyle>,
    /// An initial password (10 to 128 characters); without one the person cannot
    /// sign in until one is set.
    #[schema(min_length = 10, max_length = 128)]
    pub password: Option<String>,
}

/// Changes to a person; absent fields stay as they are. Admins may change every
/// field; people may change their own `name`. (Deactivation is DELETE;
/// reactivation is POST /v1/users/{id}/reactivate.)
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchUser {
    #[schema(format = "email", max_length = 254)]
    pub email: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    pub role: Option<Role>,
    /// `null` removes it.
    #[serde(default, deserialize_with = "rules::double_option")]
    #[schema(nullable = true)]
    pub selling_style: Option<Option<SellingStyle>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Only this role.
    pub role: Option<Role>,
    /// Only active (true) or deactivated (false) people.
    pub active: Option<bool>,
    /// Part of the name or email, case-insensitive.
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A team the caller belongs to or manages.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyTeam {
    pub id: Uuid,
    pub name: String,
    /// `member` or `manager`.
    #[schema(example = "member")]
    pub relation: String,
    /// First day of membership (members).
    pub from: Option<NaiveDate>,
    /// Last day of membership, if it ends.
    pub to: Option<NaiveDate>,
}

/// Who is calling.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// `user` or `client`.
    #[schema(example = "user")]
    pub kind: String,
    pub id: Uuid,
    pub org_id: Uuid,
    pub name: String,
    /// People only.
    pub email: Option<String>,
    /// People only.
    pub role: Option<Role>,
    pub selling_style: Option<SellingStyle>,
    /// Integration clients only.
    pub scopes: Vec<Scope>,
    /// The teams a person belongs to today, and those they manage.
    pub teams: Vec<MyTeam>,
}

/// A new password for oneself.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    pub current_password: String,
    #[schema(min_length = 10, max_length = 128)]
    pub new_password: String,
}

//! Request and response types of `/v1/teams`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::store::{MemberRow, TeamRow};
use crate::users::rules::double_option;
use crate::values::IsoDate;

/// A team; teams nest (a region of teams, the company).
#[derive(Debug, Serialize, ToSchema)]
pub struct Team {
    pub id: Uuid,
    pub name: String,
    pub manager_id: Option<Uuid>,
    pub parent_team_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<TeamRow> for Team {
    fn from(r: TeamRow) -> Self {
        Team {
            id: r.id,
            name: r.name,
            manager_id: r.manager_id,
            parent_team_id: r.parent_team_id,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A new team (admin).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTeam {
    #[schema(min_length = 1, max_length = 200, example = "North")]
    pub name: String,
    /// An active manager or admin.
    pub manager_id: Option<Uuid>,
    pub parent_team_id: Option<Uuid>,
}

/// Changes to a team (admin); `null` clears the manager or the parent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchTeam {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(nullable = true)]
    pub manager_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(nullable = true)]
    pub parent_team_id: Option<Option<Uuid>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TeamQuery {
    /// Only the direct sub-teams of this team.
    pub parent_team_id: Option<Uuid>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// One dated membership.
#[derive(Debug, Serialize, ToSchema)]
pub struct Membership {
    pub team_id: Uuid,
    pub user_id: Uuid,
    /// The person's name.
    pub name: String,
    /// First day of membership.
    pub from: NaiveDate,
    /// Last day of membership; null while it lasts.
    pub to: Option<NaiveDate>,
}

impl From<MemberRow> for Membership {
    fn from(r: MemberRow) -> Self {
        Membership {
            team_id: r.team_id,
            user_id: r.user_id,
            name: r.name,
            from: r.from_on,
            to: r.to_on,
        }
    }
}

/// Join a team from a day.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinTeam {
    /// First day of membership. An open membership of another team that began
    /// earlier ends the day before (a move).
    pub from: IsoDate,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MembersQuery {
    /// Only memberships that cover this day.
    pub as_of: Option<IsoDate>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EndQuery {
    /// The last day of membership (default: today in the organisation's time zone).
    pub to: Option<IsoDate>,
}

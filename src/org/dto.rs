//! Request and response types of `/v1/org`.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::rules::OrgRow;
use super::rules::{Day, WeekStart};

crate::openapi::string_enum!(WeekStart, "WeekStart", "First day of the week.");
crate::openapi::string_enum!(Day, "Day", "A day of the week, as used in `working_days`.");

/// Ratios of a target to the subject's own history that rate it as attainable.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Attainability {
    /// At most this many times the history: `realistic` (default 1.2).
    #[schema(value_type = String, pattern = "^[0-9]{1,16}(\\.[0-9]{1,8})?$", example = "1.2")]
    #[serde(deserialize_with = "crate::values::amount")]
    pub realistic_max_ratio: Decimal,
    /// At most this many times: `stretch`; above it: `unrealistic` (default 1.5).
    #[schema(value_type = String, pattern = "^[0-9]{1,16}(\\.[0-9]{1,8})?$", example = "1.5")]
    #[serde(deserialize_with = "crate::values::amount")]
    pub stretch_max_ratio: Decimal,
}

/// Where progress counts as ahead, on track or behind: percentages of the
/// expected-to-date (below `behind_pct` a target is at risk).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaceSettings {
    /// Ahead from this pace (default 110).
    #[schema(value_type = String, pattern = "^[0-9]{1,16}(\\.[0-9]{1,8})?$", example = "110")]
    #[serde(deserialize_with = "crate::values::amount")]
    pub ahead_pct: Decimal,
    /// On track from this pace (default 95).
    #[schema(value_type = String, pattern = "^[0-9]{1,16}(\\.[0-9]{1,8})?$", example = "95")]
    #[serde(deserialize_with = "crate::values::amount")]
    pub on_track_pct: Decimal,
    /// Behind from this pace, at risk below it (default 80).
    #[schema(value_type = String, pattern = "^[0-9]{1,16}(\\.[0-9]{1,8})?$", example = "80")]
    #[serde(deserialize_with = "crate::values::amount")]
    pub behind_pct: Decimal,
}

/// The organisation and its calendar settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct Org {
    pub id: Uuid,
    pub name: String,
    /// Reporting currency (ISO 4217).
    #[schema(example = "EUR")]
    pub currency: String,
    /// First month of the fiscal year, 1-12.
    #[schema(minimum = 1, maximum = 12)]
    pub fiscal_year_start_month: i16,
    pub week_start: WeekStart,
    /// IANA time zone; "today" is taken in it.
    #[schema(example = "Europe/Amsterdam")]
    pub timezone: String,
    pub working_days: Vec<Day>,
    pub holidays: Vec<NaiveDate>,
    pub attainability: Attainability,
    pub pace: PaceSettings,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<OrgRow> for Org {
    fn from(r: OrgRow) -> Self {
        Org {
            id: r.id,
            name: r.name,
            currency: r.currency,
            fiscal_year_start_month: r.fiscal_year_start_month,
            week_start: r.week_start,
            timezone: r.timezone,
            working_days: r.working_days,
            holidays: r.holidays,
            attainability: Attainability {
                realistic_max_ratio: r.realistic_max_ratio.normalize(),
                stretch_max_ratio: r.stretch_max_ratio.normalize(),
            },
            pace: PaceSettings {
                ahead_pct: r.pace_ahead_pct.normalize(),
                on_track_pct: r.pace_on_track_pct.normalize(),
                behind_pct: r.pace_behind_pct.normalize(),
            },
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Changes to the organisation; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgPatch {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[schema(example = "EUR", pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
    #[schema(minimum = 1, maximum = 12)]
    pub fiscal_year_start_month: Option<i16>,
    pub week_start: Option<WeekStart>,
    pub timezone: Option<String>,
    #[schema(min_items = 1)]
    pub working_days: Option<Vec<Day>>,
    #[serde(default, deserialize_with = "crate::values::dates")]
    #[schema(value_type = Option<Vec<crate::values::IsoDate>>)]
    pub holidays: Option<Vec<NaiveDate>>,
    pub attainability: Option<Attainability>,
    pub pace: Option<PaceSettings>,
}

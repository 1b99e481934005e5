//! What a request needs to know of its organisation: its calendar, working week
//! and today in its time zone.

use chrono::{NaiveDate, Weekday};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::rules::OrgRow;
use crate::auth::Principal;
use crate::calendar::{Calendar, WorkWeek};
use crate::error::{AppError, AppResult};
use crate::org::rules::{timezone, UnknownTimezone};

/// The organisation's calendar settings for a request.
pub struct OrgContext {
    pub org: OrgRow,
    pub cal: Calendar,
    /// Its working days and holidays.
    pub week: WorkWeek,
    /// Its time zone, read from its settings (one that does not read is an
    /// error, never UTC).
    pub tz: chrono_tz::Tz,
    pub today: NaiveDate,
}

impl OrgContext {
    pub async fn load(c: &mut AsyncPgConnection, org: Uuid) -> AppResult<Self> {
        Ok(Self::of(crate::org::store::get(c, org).await?)?)
    }

    /// For reads: the organisation as read with the caller at the start of the
    /// request, without a query of its own.
    pub async fn for_read(c: &mut AsyncPgConnection, p: &Principal) -> AppResult<Self> {
        match Self::with_caller(p) {
            Some(ctx) => ctx,
            None => Self::load(c, p.org_id).await,
        }
    }

    /// The organisation as read with the caller, if it was.
    pub fn with_caller(p: &Principal) -> Option<AppResult<Self>> {
        p.org_row()
            .map(|org| Self::of(org.clone()).map_err(AppError::from))
    }

    fn of(org: OrgRow) -> Result<Self, UnknownTimezone> {
        let (cal, week) = calendar_of(&org);
        let tz = timezone(&org.timezone)?;
        let today = chrono::Utc::now().with_timezone(&tz).date_naive();
        Ok(OrgContext {
            org,
            cal,
            week,
            tz,
            today,
        })
    }
}

/// The organisation's calendar and working week.
pub fn calendar_of(org: &OrgRow) -> (Calendar, WorkWeek) {
    let days: Vec<Weekday> = org.working_days.iter().map(|d| d.weekday()).collect();
    (
        Calendar::new(org.fiscal_start_month()),
        WorkWeek::new(&days, org.holidays.iter().copied()),
    )
}

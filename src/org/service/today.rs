//! Today in the caller's organisation.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;

use super::super::{rules, store};
use crate::auth::Principal;
use crate::error::AppResult;

/// Today in the caller's organisation's time zone, from the organisation's row
/// read with the caller when there is one (no query then).
pub async fn today_for(c: &mut AsyncPgConnection, p: &Principal) -> AppResult<NaiveDate> {
    let timezone = match p.org_row() {
        Some(org) => org.timezone.clone(),
        None => store::get(c, p.org_id).await?.timezone,
    };
    Ok(rules::today_in(&timezone)?)
}

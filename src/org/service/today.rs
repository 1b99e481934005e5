//! Today in the caller's organisation.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;

use crate::auth::Principal;
use crate::error::AppResult;
use crate::org::context::OrgContext;

/// Today in the caller's organisation's time zone, from the organisation's row
/// read with the caller when there is one (no query then).
pub async fn today_for(c: &mut AsyncPgConnection, p: &Principal) -> AppResult<NaiveDate> {
    Ok(OrgContext::for_read(c, p).await?.today)
}

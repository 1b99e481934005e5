//! Setting up an organisation with its first admin (the `bootstrap` command,
//! the demo and the tests' set-up).

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::auth::passwords;
use crate::error::{AppError, Validator};
use crate::{org, users};

/// Creates an organisation and its first admin; returns the organisation's id.
pub async fn create_org_with_admin(
    c: &mut AsyncPgConnection,
    name: &str,
    currency: &str,
    admin_email: &str,
    admin_name: &str,
    password: &str,
) -> Result<(Uuid, Uuid), AppError> {
    let mut v = Validator::new();
    org::rules::check_name(&mut v, "org", name);
    org::rules::check_currency(&mut v, "currency", currency);
    users::rules::check_email(&mut v, "admin-email", admin_email);
    v.text("admin-name", admin_name, 200);
    if let Some((_, msg)) = passwords::check_policy(password) {
        v.check(false, "ONPACE_ADMIN_PASSWORD", "invalid_password", msg);
    }
    v.finish()?;
    crate::db::transaction_on(c, async |c| {
        let o = org::store::create(c, name.trim(), currency).await?;
        let hash = passwords::hash(password);
        let admin =
            users::service::write::first_admin_on(c, o.id, admin_email, admin_name, hash).await?;
        Ok((o.id, admin.id))
    })
    .await
}

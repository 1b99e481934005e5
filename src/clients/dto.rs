//! Request and response types of `/v1/clients`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::store::ClientRow;
use crate::auth::rules::Scope;

/// An integration client (a CRM connector, a dashboard).
#[derive(Debug, Serialize, ToSchema)]
pub struct Client {
    /// Also the `client_id` of the client_credentials grant.
    pub id: Uuid,
    pub name: String,
    pub scopes: Vec<Scope>,
    /// A deactivated client can no longer obtain or use tokens.
    pub active: bool,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

impl From<ClientRow> for Client {
    fn from(r: ClientRow) -> Self {
        Client {
            id: r.id,
            name: r.name,
            scopes: r.scopes,
            active: r.active,
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}

/// A new client, with its secret: shown this once only.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedClient {
    #[serde(flatten)]
    pub client: Client,
    /// The same as `id`.
    pub client_id: Uuid,
    /// Store it now: it cannot be shown again.
    pub client_secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateClient {
    #[schema(min_length = 1, max_length = 200, example = "Salesforce sync")]
    pub name: String,
    #[schema(min_items = 1)]
    pub scopes: Vec<Scope>,
}

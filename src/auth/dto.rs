//! Request and response types of authentication.

use super::rules::{Role, Scope};

crate::openapi::string_enum!(Role, "Role", "What a person may do.");
crate::openapi::string_enum!(Scope, "Scope", "What an integration client may do.");

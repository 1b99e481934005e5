//! Rules for integration clients.

use crate::auth::rules::Scope;
use crate::validation::Validator;

/// Why a client cannot be created or used.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("this client was deactivated; it can no longer obtain or use tokens")]
    Deactivated,
    #[error("an active client with this name exists")]
    NameTaken,
}

/// A deactivated client is gone.
pub fn check_live(active: bool) -> Result<(), ClientError> {
    if active {
        Ok(())
    } else {
        Err(ClientError::Deactivated)
    }
}

/// Scopes given to a client: at least one, each once, in a stable order.
pub fn normalise_scopes(v: &mut Validator, scopes: &[Scope]) -> Vec<Scope> {
    v.check(
        !scopes.is_empty(),
        "scopes",
        "required",
        "give the client at least one scope",
    );
    let mut s = scopes.to_vec();
    s.sort();
    s.dedup();
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_deduplicated_and_required() {
        let mut v = Validator::new();
        let s = normalise_scopes(&mut v, &[Scope::Read, Scope::SalesWrite, Scope::Read]);
        assert_eq!(s, vec![Scope::SalesWrite, Scope::Read]);
        assert!(v.finish().is_ok());
        let mut v = Validator::new();
        normalise_scopes(&mut v, &[]);
        assert_eq!(v.finish().unwrap_err().errors[0].field, "scopes");
    }
}

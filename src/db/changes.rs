//! What a `PATCH` asks to change, as a diesel changeset of `Option`s.

/// A changeset whose fields are all `None` changes nothing: a service answers
/// the object as it is, without writing it or moving its version, so that an
/// empty `PATCH` leaves other clients' `If-Match` good.
pub trait Changes: Default + PartialEq {
    fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

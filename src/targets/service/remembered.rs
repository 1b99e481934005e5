//! What measuring a target needs of it (its [`Aim`]), remembered for a moment
//! by each instance of the service (see [`crate::remembered`]), so that
//! dashboards and apps reading the progress of the same targets again and
//! again do not read each target every time: the statement left is the sum of
//! the results. Any write this instance answers forgets all it remembered
//! before; another instance's change to a target is seen within [`TTL`].

use uuid::Uuid;

use crate::remembered::Remembered;
pub use crate::remembered::TTL;
use crate::targets::store::Aim;

/// The targets one instance remembers, by (organisation, target).
pub type Aims = Remembered<(Uuid, Uuid), Aim>;

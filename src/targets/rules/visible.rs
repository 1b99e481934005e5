//! Whose targets a caller sees, as plain ids (worked out by the service).

use uuid::Uuid;

/// Whose targets a caller may see: everything, or the organisation's targets plus
/// those of these people and teams.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Visible {
    pub all: bool,
    pub users: Vec<Uuid>,
    pub teams: Vec<Uuid>,
}

impl Visible {
    pub fn everything() -> Self {
        Visible {
            all: true,
            ..Default::default()
        }
    }

    pub fn sees(&self, subject_type: &str, subject_id: Option<Uuid>) -> bool {
        self.all
            || match (subject_type, subject_id) {
                ("org", _) => true,
                ("user", Some(id)) => self.users.contains(&id),
                ("team", Some(id)) => self.teams.contains(&id),
                _ => false,
            }
    }
}

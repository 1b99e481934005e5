//! What the targets' events say of a target.

use uuid::Uuid;

use crate::events::data::{TargetData, TargetEventData};
use crate::targets::store::TargetRow;

/// A target as its events tell of it.
pub fn target_data(t: &TargetRow) -> TargetData {
    TargetData {
        id: t.id,
        title: t.title.clone(),
        subject_type: t.subject_type.as_str().to_string(),
        subject_id: t.subject_id,
        account_id: t.account_id,
        metric: t.metric.as_str().to_string(),
        activity_kind: t.activity_kind.clone(),
        value: t.value,
        currency: t.currency.clone(),
        period: t.period.clone(),
        starts_on: t.starts_on,
        ends_on: t.ends_on,
        status: t.status.as_str().to_string(),
        version: t.revision,
        parent_id: t.parent_id,
    }
}

/// The data of a workflow step's event on `t`, made by `by`.
pub fn step_data(t: &TargetRow, by: Option<Uuid>) -> TargetEventData {
    TargetEventData {
        target: target_data(t),
        by,
        previous_id: None,
        previous_value: None,
        actual: None,
        reached_on: None,
    }
}

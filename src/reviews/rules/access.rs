//! Who may do what in a review, and the state a review must be in for it.
//! Each refusal is a typed error; `crate::error` gives it its status and code.

use uuid::Uuid;

use super::{ItemStatus, ItemType, Status};

/// A review that no longer takes items or changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReviewClosed {
    #[error("this review is completed: its record is closed; add to the next review instead")]
    Completed,
    #[error("this review was cancelled")]
    Cancelled,
}

/// The caller may not do this, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub &'static str);

/// What cannot be done to an item, whoever asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ItemConflict {
    /// An item carried over from an earlier review is only opened or closed.
    #[error("an item carried over from an earlier review is only opened or closed here")]
    FromEarlierReview,
    /// Only actions and hurdles are closed.
    #[error("only actions and hurdles are closed")]
    NotClosable,
}

const SCHEDULERS: &str = "reviews are scheduled by the manager of the person or team, or an admin";

/// Reviews are scheduled by admins, and by managers for the people and teams
/// they manage (`allowed`: the caller is such an admin or manager).
pub fn may_schedule(allowed: bool) -> Result<(), Refused> {
    if allowed {
        Ok(())
    } else {
        Err(Refused(SCHEDULERS))
    }
}

/// Items and state changes are taken only while a review is scheduled.
pub fn require_scheduled(status: Status) -> Result<(), ReviewClosed> {
    match status {
        Status::Scheduled => Ok(()),
        Status::Completed => Err(ReviewClosed::Completed),
        Status::Cancelled => Err(ReviewClosed::Cancelled),
    }
}

/// What the caller is to a review they can see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capacity {
    /// The facilitator, a manager of the salesperson or team, or an admin: may do everything.
    Leader,
    /// The salesperson of a one-to-one, or a member of the team on the day.
    Participant(Uuid),
    /// Sees the review and nothing more (viewers, read clients, other people).
    Reader,
}

/// The capacity of `me` in a review.
pub fn capacity(me: Option<Uuid>, leads: bool, participants: &[Uuid]) -> Capacity {
    match me {
        _ if leads => Capacity::Leader,
        Some(me) if participants.contains(&me) => Capacity::Participant(me),
        _ => Capacity::Reader,
    }
}

/// Rescheduling, completing and cancelling are for leaders.
pub fn may_step(cap: Capacity) -> Result<(), Refused> {
    match cap {
        Capacity::Leader => Ok(()),
        _ => Err(Refused(
            "the facilitator, a manager of the person or team, or an admin reschedules, completes or cancels a review",
        )),
    }
}

/// Readers change no item.
pub fn may_change_items(cap: Capacity) -> Result<(), Refused> {
    match cap {
        Capacity::Reader => Err(Refused("only the people of this review change its items")),
        _ => Ok(()),
    }
}

/// Leaders add any item; participants add their own updates.
pub fn may_add(cap: Capacity, t: ItemType, owner: Option<Uuid>) -> Result<(), Refused> {
    match cap {
        Capacity::Leader => Ok(()),
        Capacity::Participant(me) if t == ItemType::Update && owner.is_none_or(|o| o == me) => {
            Ok(())
        }
        Capacity::Participant(_) => Err(Refused(
            "participants add their own updates; the facilitator or a manager records the rest",
        )),
        Capacity::Reader => Err(Refused("only the people of this review record items in it")),
    }
}

/// Leaders change anything; a participant edits their own updates and opens or
/// closes the hurdles and actions they own (`owner`: the item's owner, and the
/// new owner asked for).
pub fn may_change(
    cap: Capacity,
    t: ItemType,
    owner: (Option<Uuid>, Option<Uuid>),
    fields_other_than_status: bool,
    status_change: bool,
) -> Result<(), Refused> {
    let me = match cap {
        Capacity::Leader => return Ok(()),
        Capacity::Reader => return Err(Refused("only the people of this review change its items")),
        Capacity::Participant(me) => me,
    };
    let (current, new) = owner;
    if current != Some(me) || new.is_some_and(|o| o != me) {
        return Err(Refused(
            "participants change only the items they own, and keep them",
        ));
    }
    if fields_other_than_status && t != ItemType::Update {
        return Err(Refused(
            "participants edit their own updates, and close their own actions and hurdles",
        ));
    }
    if status_change && !t.is_closable() {
        return Err(Refused("only hurdles and actions are closed"));
    }
    Ok(())
}

/// An item carried over from an earlier review is only opened or closed.
pub fn may_edit_fields(carried: bool, fields_other_than_status: bool) -> Result<(), ItemConflict> {
    if carried && fields_other_than_status {
        Err(ItemConflict::FromEarlierReview)
    } else {
        Ok(())
    }
}

/// The status that closes an item of type `t`.
pub fn closed_status(t: ItemType) -> Result<ItemStatus, ItemConflict> {
    t.closed_status().ok_or(ItemConflict::NotClosable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_scheduled_review_takes_changes() {
        assert!(require_scheduled(Status::Scheduled).is_ok());
        assert_eq!(
            require_scheduled(Status::Completed),
            Err(ReviewClosed::Completed)
        );
        assert_eq!(
            require_scheduled(Status::Cancelled),
            Err(ReviewClosed::Cancelled)
        );
    }

    #[test]
    fn leaders_step_and_readers_change_nothing() {
        let me = Uuid::now_v7();
        assert!(may_schedule(true).is_ok());
        assert!(may_schedule(false).is_err());
        assert!(may_step(Capacity::Leader).is_ok());
        assert!(may_step(Capacity::Participant(me)).is_err());
        assert!(may_step(Capacity::Reader).is_err());
        assert!(may_change_items(Capacity::Participant(me)).is_ok());
        assert!(may_change_items(Capacity::Reader).is_err());
        assert_eq!(
            may_edit_fields(true, true),
            Err(ItemConflict::FromEarlierReview)
        );
        assert!(may_edit_fields(true, false).is_ok());
        assert!(may_edit_fields(false, true).is_ok());
        assert_eq!(closed_status(ItemType::Action), Ok(ItemStatus::Done));
        assert_eq!(closed_status(ItemType::Hurdle), Ok(ItemStatus::Resolved));
        assert_eq!(
            closed_status(ItemType::Update),
            Err(ItemConflict::NotClosable)
        );
    }

    #[test]
    fn who_may_do_what() {
        let me = Uuid::now_v7();
        let other = Uuid::now_v7();
        assert_eq!(capacity(Some(me), true, &[]), Capacity::Leader);
        assert_eq!(capacity(None, true, &[]), Capacity::Leader);
        assert_eq!(capacity(Some(me), false, &[me]), Capacity::Participant(me));
        assert_eq!(capacity(Some(me), false, &[other]), Capacity::Reader);
        assert_eq!(capacity(None, false, &[other]), Capacity::Reader);

        let p = Capacity::Participant(me);
        assert!(may_add(Capacity::Leader, ItemType::Action, Some(other)).is_ok());
        assert!(may_add(p, ItemType::Update, None).is_ok());
        assert!(may_add(p, ItemType::Update, Some(me)).is_ok());
        assert!(may_add(p, ItemType::Update, Some(other)).is_err());
        assert!(may_add(p, ItemType::Success, None).is_err());
        assert!(may_add(Capacity::Reader, ItemType::Update, None).is_err());

        // Leaders change anything.
        let mine = (Some(me), None);
        assert!(may_change(
            Capacity::Leader,
            ItemType::Success,
            (None, Some(other)),
            true,
            false
        )
        .is_ok());
        // A participant closes their own action, but not someone else's.
        assert!(may_change(p, ItemType::Action, mine, false, true).is_ok());
        assert!(may_change(p, ItemType::Action, (Some(other), None), false, true).is_err());
        // ... edits their own update, but not the text of an action, nor hands it on.
        assert!(may_change(p, ItemType::Update, mine, true, false).is_ok());
        assert!(may_change(p, ItemType::Update, (Some(me), Some(me)), true, false).is_ok());
        assert!(may_change(p, ItemType::Update, (Some(me), Some(other)), true, false).is_err());
        assert!(may_change(p, ItemType::Action, mine, true, false).is_err());
        assert!(may_change(Capacity::Reader, ItemType::Update, mine, true, false).is_err());
    }
}

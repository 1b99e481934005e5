//! Reviews' rule errors as statuses and problem codes.

use super::AppError;
use crate::reviews::rules::{ItemConflict, Refused, ReviewClosed};

impl From<ReviewClosed> for AppError {
    fn from(e: ReviewClosed) -> Self {
        let code = match e {
            ReviewClosed::Completed => "review_completed",
            ReviewClosed::Cancelled => "review_cancelled",
        };
        AppError::conflict(code, e.to_string())
    }
}

impl From<Refused> for AppError {
    fn from(e: Refused) -> Self {
        AppError::forbidden(e.0)
    }
}

impl From<ItemConflict> for AppError {
    fn from(e: ItemConflict) -> Self {
        let code = match e {
            ItemConflict::FromEarlierReview => "item_from_earlier_review",
            ItemConflict::NotClosable => "not_closable",
        };
        AppError::conflict(code, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(e: AppError) -> (u16, &'static str, String) {
        (e.status.as_u16(), e.code, e.detail)
    }

    #[test]
    fn review_errors_keep_their_statuses_and_codes() {
        assert_eq!(
            seen(ReviewClosed::Completed.into()),
            (
                409,
                "review_completed",
                "this review is completed: its record is closed; add to the next review instead"
                    .into()
            )
        );
        assert_eq!(
            seen(ReviewClosed::Cancelled.into()),
            (409, "review_cancelled", "this review was cancelled".into())
        );
        assert_eq!(
            seen(Refused("only the people of this review record items in it").into()),
            (
                403,
                "forbidden",
                "only the people of this review record items in it".into()
            )
        );
        assert_eq!(
            seen(ItemConflict::FromEarlierReview.into()),
            (
                409,
                "item_from_earlier_review",
                "an item carried over from an earlier review is only opened or closed here".into()
            )
        );
        assert_eq!(
            seen(ItemConflict::NotClosable.into()),
            (
                409,
                "not_closable",
                "only actions and hurdles are closed".into()
            )
        );
    }
}

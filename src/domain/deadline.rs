//! A case's next deadline: what the council must do next, and by when.

use chrono::NaiveDate;

use super::case::Status;

/// What a stage's clock holds, as far as deadlines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageDates {
    pub acknowledgement_due: NaiveDate,
    pub acknowledged: bool,
    pub response_due: Option<NaiveDate>,
    pub responded: bool,
}

/// The next thing due on a case and its date: the acknowledgement of a
/// received case (when one is due), then at the current stage its
/// acknowledgement, then its response. Nothing once the response is sent or
/// the case is no longer being handled.
pub fn next(
    status: Status,
    acknowledgement_due: Option<NaiveDate>,
    current: Option<StageDates>,
) -> Option<(NaiveDate, &'static str)> {
    match status {
        Status::Received => acknowledgement_due.map(|d| (d, "acknowledgement")),
        Status::Open => {
            let stage = current?;
            if !stage.acknowledged {
                Some((stage.acknowledgement_due, "acknowledgement"))
            } else if !stage.responded {
                stage.response_due.map(|d| (d, "response"))
            } else {
                None
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn the_next_deadline_follows_the_stage_clock() {
        let stage = StageDates {
            acknowledgement_due: date("2026-01-08"),
            acknowledged: false,
            response_due: None,
            responded: false,
        };
        assert_eq!(
            next(Status::Received, Some(date("2026-01-08")), None),
            Some((date("2026-01-08"), "acknowledgement"))
        );
        assert_eq!(
            next(Status::Open, None, Some(stage)),
            Some((date("2026-01-08"), "acknowledgement"))
        );
        let acknowledged = StageDates {
            acknowledged: true,
            response_due: Some(date("2026-01-22")),
            ..stage
        };
        assert_eq!(
            next(Status::Open, None, Some(acknowledged)),
            Some((date("2026-01-22"), "response"))
        );
        assert_eq!(
            next(
                Status::Open,
                None,
                Some(StageDates {
                    responded: true,
                    ..acknowledged
                })
            ),
            None
        );
        assert_eq!(
            next(Status::Closed, Some(date("2026-01-08")), Some(stage)),
            None
        );
    }
}

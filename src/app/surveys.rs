//! The satisfaction survey's use cases: the invitation a complaint's closure makes, and the
//! customer reading and answering it through its link. The link's token is the only
//! credential: whoever holds it may read the questions and answer once, without a login.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::NaiveDateTime;
use rand::RngCore;

use super::AppError;
use crate::auth::Caller;
use crate::db::cases::CaseRow;
use crate::db::events::{self, NewEvent};
use crate::db::surveys::{self, Answering, NewSurvey, SurveyRow};
use crate::db::DbConnection;
use crate::domain::case::events::{CaseEvent, Instant};
use crate::domain::case::{ActorRole, Kind, Stage, Status};
use crate::domain::survey::{self, SurveyPolicy, SurveyRating, Unavailable};

/// Who the timeline says answered a survey: the holder of its link, acting for the customer
/// (no token says who they are).
pub const SURVEY_SUBJECT: &str = "survey-link";

/// Bytes of randomness in a token: 256 bits, so that guessing one is hopeless however fast
/// the guesses come.
const TOKEN_BYTES: usize = 32;

/// A new token: bytes from the operating system's CSPRNG, as base64url without padding (43
/// characters, safe in a URL as they are).
pub fn new_token() -> String {
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `text` could be a token this service made: anything else names no survey, and is
/// answered without asking the database.
pub fn is_token(text: &str) -> bool {
    text.len() == 43
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The closure of case `case` (now closed), which was `from` at `stage`, invites its customer
/// to the survey where [`survey::invitation`] says so: a token expiring as `policy` says,
/// stored with the case's service and stage, an internal `survey_invited` event, and the
/// invitation's letter with the link, sent the customer's way. In the closure's transaction.
/// Gives the stage asked about, if any.
#[allow(clippy::too_many_arguments)]
pub fn invite(
    conn: &mut DbConnection,
    policy: SurveyPolicy,
    letters: &crate::letters::Templates,
    now: NaiveDateTime,
    caller: &Caller,
    case: &CaseRow,
    from: Status,
    stage: Option<Stage>,
) -> Result<Option<Stage>, AppError> {
    let invited = surveys::stages_invited(conn, case.id)?;
    let Some(stage) = survey::invitation(case.kind, from, stage, &invited) else {
        return Ok(None);
    };
    let token = new_token();
    let expires_at = policy.expires(now);
    surveys::insert(
        conn,
        &NewSurvey {
            case_id: case.id,
            token: &token,
            service_id: &case.service_id,
            stage,
            invited_at: now,
            expires_at,
        },
    )?;
    super::lifecycle::record(
        conn,
        case.id,
        caller,
        now,
        &CaseEvent::SurveyInvited {
            stage,
            expires_at: Instant(expires_at),
        },
    )?;
    super::letters::survey_invitation(conn, letters, now, case, &token)?;
    Ok(Some(stage))
}

/// A survey that still takes answers, with its case's reference and kind.
#[derive(Debug, Clone)]
pub struct OpenSurvey {
    pub survey: SurveyRow,
    pub reference: String,
    pub kind: Kind,
}

/// The survey whose link holds `token`, while it takes answers at `now`: no such survey is
/// [`AppError::NotFound`], one answered or expired [`AppError::Gone`].
pub fn open(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    token: &str,
) -> Result<OpenSurvey, AppError> {
    let not_found = || AppError::NotFound("there is no survey at this link".into());
    if !is_token(token) {
        return Err(not_found());
    }
    let (survey, reference, kind) = surveys::by_token(conn, token)?.ok_or_else(not_found)?;
    survey::availability(now, survey.expires_at, survey.answered_at.is_some())
        .map_err(AppError::Gone)?;
    Ok(OpenSurvey {
        survey,
        reference,
        kind,
    })
}

/// A customer's answers: a rating for each question, in [`survey::SurveyQuestion::ALL`]'s
/// order, and an optional comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers {
    pub ratings: [SurveyRating; 4],
    pub comment: Option<String>,
}

/// Records the answers to the survey at `token`, once: they are kept with the stage and
/// service the survey was made with, and an internal `survey_answered` event goes on the
/// case's timeline (without the answers). Gives the survey as it was opened.
pub fn answer(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    token: &str,
    answers: &Answers,
) -> Result<OpenSurvey, AppError> {
    let found = open(conn, now, token)?;
    let [easy, informed, clear, fair] = answers.ratings;
    let kept = surveys::answer(
        conn,
        found.survey.id,
        &Answering {
            answered_at: Some(now),
            easy_to_complain: Some(easy),
            kept_informed: Some(informed),
            response_clear: Some(clear),
            treated_fairly: Some(fair),
            comment: answers.comment.as_deref(),
        },
    )?;
    if !kept {
        // Answered by another request since it was read.
        return Err(AppError::Gone(Unavailable::Answered));
    }
    events::append(
        conn,
        &NewEvent::of(
            found.survey.case_id,
            SURVEY_SUBJECT,
            ActorRole::Customer,
            now,
            &CaseEvent::SurveyAnswered {
                stage: found.survey.stage,
            },
        ),
    )?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_url_safe_characters_and_never_repeat() {
        let tokens: Vec<String> = (0..1000).map(|_| new_token()).collect();
        for token in &tokens {
            assert!(is_token(token), "{token}");
        }
        let mut unique = tokens.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), tokens.len());
        assert!(!is_token("short"));
        assert!(!is_token(&"a".repeat(42)));
        assert!(!is_token(&format!("{}=", "a".repeat(42))));
        assert!(!is_token(&format!("{}/", "a".repeat(42))));
    }
}

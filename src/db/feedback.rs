//! How a compliment or comment was handled.

use diesel::prelude::*;

use super::schema::{cases, feedback_handling, feedback_staff};
use super::DbConnection;
use crate::domain::acknowledgement::AcknowledgementMethod;
use crate::domain::case::Kind;
use crate::domain::feedback::CommentAction;
use crate::domain::feedback::Handling;

/// The handling of one compliment or comment, as stored. A case has a row
/// once something was done with it.
#[derive(Debug, Clone, Default, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = feedback_handling, primary_key(case_id), treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct FeedbackRow {
    pub case_id: i64,
    pub forwarded_at: Option<chrono::NaiveDateTime>,
    pub forwarded_by: Option<String>,
    /// JSON list of the staff it was passed to.
    pub forwarded_to_staff: Option<String>,
    pub forward_note: Option<String>,
    pub acknowledged_at: Option<chrono::NaiveDateTime>,
    pub acknowledgement_method: Option<AcknowledgementMethod>,
    pub acknowledged_by: Option<String>,
    pub response_due: Option<chrono::NaiveDate>,
    pub replied_at: Option<chrono::NaiveDateTime>,
    pub reply_method: Option<AcknowledgementMethod>,
    pub replied_by: Option<String>,
    pub reply: Option<String>,
    pub action: Option<CommentAction>,
    pub action_details: Option<String>,
    pub action_recorded_by: Option<String>,
    pub action_recorded_at: Option<chrono::NaiveDateTime>,
}

/// What has been done, for the rules: a step is done once it is stored
/// (no row yet: nothing was done).
pub fn handling(row: Option<&FeedbackRow>) -> Handling {
    row.map(|r| Handling {
        forwarded: r.forwarded_at.is_some(),
        acknowledged: r.acknowledged_at.is_some(),
        replied: r.replied_at.is_some(),
        action_recorded: r.action.is_some(),
    })
    .unwrap_or_default()
}

pub fn find(conn: &mut DbConnection, case_id: i64) -> QueryResult<Option<FeedbackRow>> {
    feedback_handling::table
        .find(case_id)
        .first(conn)
        .optional()
}

/// Stores the handling, creating the row the first time.
pub fn save(conn: &mut DbConnection, row: &FeedbackRow) -> QueryResult<usize> {
    let updated = diesel::update(feedback_handling::table.find(row.case_id))
        .set(row)
        .execute(conn)?;
    if updated == 1 {
        return Ok(updated);
    }
    diesel::insert_into(feedback_handling::table)
        .values(row)
        .execute(conn)
}

/// A member of staff a compliment or comment was passed to, as stored.
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = feedback_staff, treat_none_as_default_value = false)]
pub struct StaffRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub case_id: i64,
    pub name_used: String,
    pub staff_id: Option<String>,
    pub recorded_at: chrono::NaiveDateTime,
}

/// Records the staff a case was passed to, in the order given.
pub fn add_staff(conn: &mut DbConnection, rows: &[StaffRow]) -> QueryResult<usize> {
    // Row by row: the multi-backend connection has no batch insert (a case names at most 20).
    let mut added = 0;
    for row in rows {
        added += diesel::insert_into(feedback_staff::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(added)
}

/// The staff a case was passed to, in the order given.
pub fn staff_for_case(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<StaffRow>> {
    feedback_staff::table
        .filter(feedback_staff::case_id.eq(case_id))
        .order(feedback_staff::id.asc())
        .load(conn)
}

/// A compliment naming a member of staff: (reference, service, received_at, name used).
pub type StaffCompliment = (String, String, chrono::NaiveDateTime, String);

/// The compliments received in `[from, before)` that were passed to `staff_id`, in the
/// `services` given (`None`: all), oldest first.
pub fn compliments_naming(
    conn: &mut DbConnection,
    staff_id: &str,
    from: chrono::NaiveDateTime,
    before: chrono::NaiveDateTime,
    services: Option<&[String]>,
) -> QueryResult<Vec<StaffCompliment>> {
    let mut query = feedback_staff::table
        .inner_join(cases::table)
        .filter(feedback_staff::staff_id.eq(staff_id))
        .filter(cases::kind.eq(Kind::Compliment.as_str()))
        .filter(cases::received_at.ge(from))
        .filter(cases::received_at.lt(before))
        .select((
            cases::reference,
            cases::service_id,
            cases::received_at,
            feedback_staff::name_used,
        ))
        .order((cases::received_at.asc(), cases::id.asc()))
        .into_boxed();
    if let Some(services) = services {
        query = query.filter(cases::service_id.eq_any(services.to_vec()));
    }
    query.load(conn)
}

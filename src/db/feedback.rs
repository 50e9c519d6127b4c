//! How a compliment or comment was handled.

use diesel::prelude::*;

use super::schema::feedback_handling;
use super::DbConnection;
use crate::domain::acknowledgement::AcknowledgementMethod;
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

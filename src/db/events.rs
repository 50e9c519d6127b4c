//! The append-only case event log: who did what, when.

use super::native::Native;
use diesel::prelude::*;

use super::schema::case_events;
use super::DbConnection;
use crate::domain::access::CaseScope;
use crate::domain::case::events::CaseEvent;
use crate::domain::case::{ActorRole, Stage, Visibility};

/// An event as stored.
#[derive(Debug, Clone, Queryable)]
pub struct EventRow {
    pub id: i64,
    pub case_id: i64,
    pub event_type: String,
    pub visibility: Visibility,
    pub actor_subject: String,
    pub actor_role: ActorRole,
    pub occurred_at: chrono::NaiveDateTime,
    pub details: String,
    /// The feed's order: see [`feed`].
    pub commit_order: i64,
    pub feed_type: String,
    pub stage: Option<Stage>,
    pub due: Option<chrono::NaiveDate>,
}

/// An event to append.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = case_events, treat_none_as_default_value = false)]
pub struct NewEvent<'a> {
    pub case_id: i64,
    pub event_type: &'a str,
    pub visibility: Visibility,
    pub actor_subject: &'a str,
    pub actor_role: ActorRole,
    pub occurred_at: chrono::NaiveDateTime,
    pub details: String,
    pub feed_type: &'static str,
    pub stage: Option<Stage>,
    pub due: Option<chrono::NaiveDate>,
}

impl<'a> NewEvent<'a> {
    /// The row for `event` on case `case_id`, done by `actor_subject` acting as `actor_role`.
    pub fn of(
        case_id: i64,
        actor_subject: &'a str,
        actor_role: impl Into<ActorRole>,
        occurred_at: chrono::NaiveDateTime,
        event: &CaseEvent,
    ) -> NewEvent<'a> {
        let (stage, due) = event.feed_facts();
        NewEvent {
            case_id,
            feed_type: event.feed_name(),
            stage,
            due,
            event_type: event.name(),
            visibility: event.visibility(),
            actor_subject,
            actor_role: actor_role.into(),
            occurred_at,
            details: event.details().to_string(),
        }
    }
}

/// Appends an event. One that moves a report's figure brings the case's lines in the reports'
/// projections up to date in the same transaction (see [`super::projections::refresh`]):
/// the change it records is written before its event.
pub fn append(conn: &mut DbConnection, event: &NewEvent<'_>) -> QueryResult<usize> {
    let appended = diesel::insert_into(case_events::table)
        .values(event)
        .run(conn)?;
    project(conn, std::slice::from_ref(event))?;
    Ok(appended)
}

/// Appends a case's `received` event as it is logged, and adds the case to the reports'
/// projections as the caller has just written it (nothing is read back). `along` are the
/// logging's other writes that need none of these: on PostgreSQL all are sent as one
/// statement ([`super::together`]).
pub fn append_received(
    conn: &mut DbConnection,
    event: &NewEvent<'_>,
    case: &super::cases::CaseRow,
    along: &[&dyn super::together::Write],
) -> QueryResult<usize> {
    let insert = diesel::insert_into(case_events::table).values(event);
    let mut writes: Vec<&dyn super::together::Write> = vec![&insert];
    writes.extend_from_slice(along);
    let appended = super::projections::add_case_as_written(conn, case, &writes)?;
    Ok(appended.first().copied().unwrap_or(0))
}

/// Refreshes the projections of the cases whose events move a figure or a tally, each once,
/// in id order. A case whose only such event is `received` was just logged: it is only added.
fn project(conn: &mut DbConnection, events: &[NewEvent<'_>]) -> QueryResult<()> {
    use super::projections::Moved;
    use crate::domain::projection::{moves_figures, moves_referrals, Measure};
    // By case: what its events move, and whether `received` is the only one.
    let mut cases: std::collections::BTreeMap<i64, (Moved, bool)> = Default::default();
    for event in events {
        let figures = moves_figures(event.event_type);
        let measures = Measure::moved_by(event.event_type);
        if !figures && measures.is_empty() {
            continue;
        }
        let (moved, only_received) = cases
            .entry(event.case_id)
            .or_insert_with(|| (Moved::default(), true));
        moved.figures |= figures;
        *only_received &= event.event_type == "received";
        moved.referred |= moves_referrals(event.event_type);
        for measure in measures {
            if !moved.measures.contains(measure) {
                moved.measures.push(*measure);
            }
        }
    }
    for (case_id, (moved, only_received)) in cases {
        if only_received {
            super::projections::add_new_case(conn, case_id)?;
        } else {
            super::projections::refresh(conn, case_id, &moved)?;
        }
    }
    Ok(())
}

/// Appends events in the order given: on PostgreSQL in one statement (a round trip saved per
/// event), on SQLite, in the process and without multi-row `DEFAULT`s, one by one.
pub fn append_all(conn: &mut DbConnection, events: &[NewEvent<'_>]) -> QueryResult<usize> {
    let appended = match conn {
        DbConnection::Pg(pg) if !events.is_empty() => diesel::insert_into(case_events::table)
            .values(events)
            .execute(pg)?,
        _ => events
            .iter()
            .map(|event| {
                diesel::insert_into(case_events::table)
                    .values(event)
                    .run(conn)
            })
            .sum::<QueryResult<usize>>()?,
    };
    project(conn, events)?;
    Ok(appended)
}

/// A case's events in the order they happened, after event id `after`.
pub fn for_case(
    conn: &mut DbConnection,
    case_id: i64,
    public_only: bool,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    let mut query = case_events::table
        .filter(case_events::case_id.eq(case_id))
        .into_boxed();
    if public_only {
        query = query.filter(case_events::visibility.eq("public"));
    }
    if let Some(after) = after {
        query = query.filter(case_events::id.gt(after));
    }
    query.order(case_events::id.asc()).limit(limit).load(conn)
}

/// A case's events of one type, oldest first, after event id `after`.
pub fn of_type(
    conn: &mut DbConnection,
    case_id: i64,
    event_type: &str,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    let mut query = case_events::table
        .filter(case_events::case_id.eq(case_id))
        .filter(case_events::event_type.eq(event_type.to_string()))
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(case_events::id.gt(after));
    }
    query.order(case_events::id.asc()).limit(limit).load(conn)
}

/// Appends an event and returns it as stored.
pub fn append_returning(conn: &mut DbConnection, event: &NewEvent<'_>) -> QueryResult<EventRow> {
    let row = diesel::insert_into(case_events::table)
        .values(event)
        .returning(case_events::all_columns)
        .fetch(conn)?;
    project(conn, std::slice::from_ref(event))?;
    Ok(row)
}

/// An event in the feed, with its case's reference.
pub type FeedRow = (EventRow, String);

/// What the feed shows a caller.
#[derive(Debug, Clone)]
pub struct FeedFilter {
    pub scope: CaseScope,
    /// Only events a customer may see (partners, customers).
    pub public_only: bool,
    /// Only these feed types (`None`: every type).
    pub types: Option<Vec<String>>,
    /// The last event of the previous page: (commit order, id).
    pub after: Option<(i64, i64)>,
    /// Events before this instant are no longer kept in the feed.
    pub kept_since: chrono::NaiveDateTime,
}

/// The event feed: events in the order of (commit order, id), after the cursor, at most
/// `limit`.
///
/// On PostgreSQL an event's commit order is the id of the transaction that wrote it, and only
/// events of transactions older than every transaction still running are shown: any event
/// that becomes visible later belongs to a transaction at least that new, so it sorts after
/// every event already shown and a consumer following the cursor never passes it. On SQLite
/// one transaction writes at a time, so ids are already in commit order.
pub fn feed(conn: &mut DbConnection, filter: &FeedFilter, limit: i64) -> QueryResult<Vec<FeedRow>> {
    use super::schema::cases;
    let settled = matches!(conn, DbConnection::Pg(_));
    let mut query = case_events::table
        .inner_join(cases::table)
        .select((case_events::all_columns, cases::reference))
        .filter(case_events::occurred_at.ge(filter.kept_since))
        .into_boxed();
    if settled {
        query = query.filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            "case_events.commit_order < pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
        ));
    }
    query = match &filter.scope {
        CaseScope::All => query,
        CaseScope::Services(services) => {
            use super::schema::case_services;
            query.filter(
                cases::service_id
                    .eq_any(services.clone())
                    .or(cases::id.eq_any(
                        case_services::table
                            .filter(case_services::service_id.eq_any(services.clone()))
                            .select(case_services::case_id),
                    )),
            )
        }
        CaseScope::PostedBy(client) => query.filter(cases::partner_client_id.eq(client.clone())),
        CaseScope::Customer(subject) => query.filter(cases::customer_subject.eq(subject.clone())),
        CaseScope::Nothing => query.filter(cases::id.lt(0)),
        CaseScope::Case(reference) => query.filter(cases::reference.eq(reference.clone())),
    };
    if filter.public_only {
        query = query.filter(case_events::visibility.eq("public"));
    }
    if let Some(types) = &filter.types {
        query = query.filter(case_events::feed_type.eq_any(types.clone()));
    }
    if !settled {
        // SQLite writes one transaction at a time: commit_order stays 0 and ids are the order,
        // so the cursor is a seek on the primary key (the two-column form scanned every event
        // from the start, commit_order being 0 throughout).
        if let Some((_, id)) = filter.after {
            query = query.filter(case_events::id.gt(id));
        }
        return query.order(case_events::id.asc()).limit(limit).load(conn);
    }
    if let Some((order, id)) = filter.after {
        query = query.filter(
            case_events::commit_order
                .gt(order)
                .or(case_events::commit_order
                    .eq(order)
                    .and(case_events::id.gt(id))),
        );
    }
    query
        .order((case_events::commit_order.asc(), case_events::id.asc()))
        .limit(limit)
        .load(conn)
}

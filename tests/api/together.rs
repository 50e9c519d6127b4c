//! Writes sent together (`db::together`): each gives its own rows changed, in the order given,
//! and on PostgreSQL they are one statement (a create's event, report line and sums; see
//! docs/PERFORMANCE.md, "A create's writes sent together").

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use diesel::connection::InstrumentationEvent;
use diesel::prelude::*;

use council_feedback::db::schema::reference_sequences as seq;
use council_feedback::db::together::{self, Write};
use council_feedback::db::DbConnection;

use crate::helpers::spawn_app;

#[actix_web::test]
async fn writes_sent_together_each_give_their_rows_changed_and_are_one_statement_on_postgresql() {
    let app = spawn_app().await;
    let mut conn = DbConnection::establish(&app.database_url).expect("connection");
    for (prefix, year, last) in [("TWA", 2031, 7), ("TWB", 2031, 40), ("TWC", 2032, 1)] {
        diesel::insert_into(seq::table)
            .values((
                seq::prefix.eq(prefix),
                seq::year.eq(year),
                seq::last_number.eq(last),
            ))
            .execute(&mut conn)
            .expect("row");
    }
    let statements = Arc::new(AtomicUsize::new(0));
    let counted = statements.clone();
    conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { .. } = event {
            counted.fetch_add(1, Ordering::SeqCst);
        }
    });

    let insert = diesel::insert_into(seq::table).values((
        seq::prefix.eq("TWD"),
        seq::year.eq(2033),
        seq::last_number.eq(3),
    ));
    let nobody = diesel::update(seq::table.filter(seq::prefix.eq("NONE")))
        .set(seq::last_number.eq(seq::last_number + 100));
    let both_of_2031 = diesel::update(seq::table.filter(seq::year.eq(2031)))
        .set(seq::last_number.eq(seq::last_number + 5));
    let gone = diesel::delete(seq::table.filter(seq::year.eq(2032)));
    let writes: [&dyn Write; 4] = [&insert, &nobody, &both_of_2031, &gone];
    let changed = together::run(&mut conn, &writes).expect("together");

    assert_eq!(
        changed,
        vec![1, 0, 2, 1],
        "rows changed by each write, in order"
    );
    let postgres = app.database_url.starts_with("postgres");
    assert_eq!(
        statements.load(Ordering::SeqCst),
        if postgres { 1 } else { 4 },
        "one statement on PostgreSQL, each on its own on SQLite"
    );
    let rows: Vec<(String, i32, i64)> = seq::table
        .filter(seq::prefix.like("TW%"))
        .order(seq::prefix.asc())
        .load(&mut conn)
        .expect("rows");
    assert_eq!(
        rows,
        vec![
            ("TWA".to_string(), 2031, 12),
            ("TWB".to_string(), 2031, 45),
            ("TWD".to_string(), 2033, 3),
        ]
    );
}

#[actix_web::test]
async fn nothing_to_send_together_sends_nothing() {
    let app = spawn_app().await;
    let mut conn = DbConnection::establish(&app.database_url).expect("connection");
    assert_eq!(
        together::run(&mut conn, &[]).expect("nothing"),
        Vec::<usize>::new()
    );
}

//! Both migration sets must give the same tables and columns. Each backend's
//! migrated schema is compared with one committed description, so the
//! SQLite run and the PostgreSQL run together prove they agree.

use council_feedback::db::{run_migrations, Database, DbConnection};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};

use crate::helpers::TestDatabase;

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Integer)]
    not_null: i32,
    #[diesel(sql_type = Integer)]
    primary_key: i32,
}

fn describe(conn: &mut DbConnection) -> String {
    let columns: Vec<Column> = match conn {
        DbConnection::Sqlite(_) => diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name, p.type AS data_type, \
                    p.\"notnull\" AS not_null, CASE WHEN p.pk > 0 THEN 1 ELSE 0 END AS primary_key \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations'",
        )
        .load(conn)
        .expect("sqlite columns"),
        DbConnection::Pg(_) => diesel::sql_query(
            "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name, \
                    c.data_type::text AS data_type, \
                    CASE WHEN c.is_nullable = 'NO' THEN 1 ELSE 0 END AS not_null, \
                    CASE WHEN EXISTS (SELECT 1 FROM information_schema.key_column_usage k \
                        JOIN information_schema.table_constraints t ON t.constraint_name = k.constraint_name \
                         AND t.table_schema = k.table_schema \
                        WHERE t.constraint_type = 'PRIMARY KEY' AND k.table_schema = c.table_schema \
                          AND k.table_name = c.table_name AND k.column_name = c.column_name) THEN 1 ELSE 0 END AS primary_key \
             FROM information_schema.columns c \
             WHERE c.table_schema = current_schema() AND c.table_name <> '__diesel_schema_migrations'",
        )
        .load(conn)
        .expect("postgres columns"),
    };
    let mut lines: Vec<String> = columns
        .into_iter()
        .map(|c| {
            // A primary key is never null, whether or not the backend says so.
            let not_null = c.not_null == 1 || c.primary_key == 1;
            format!(
                "{}.{} {}{}{}",
                c.table_name,
                c.column_name,
                normalise(&c.data_type, c.primary_key == 1),
                if not_null { " not null" } else { "" },
                if c.primary_key == 1 {
                    " primary key"
                } else {
                    ""
                },
            )
        })
        .collect();
    lines.sort();
    lines.join("\n") + "\n"
}

/// Both backends' spellings of one type, as diesel's `schema.rs` names it.
fn normalise(data_type: &str, primary_key: bool) -> &'static str {
    match data_type.to_ascii_lowercase().as_str() {
        "text" => "Text",
        "bigint" => "BigInt",
        // SQLite's rowid key must be declared INTEGER; it holds 64 bits.
        "integer" if primary_key => "BigInt",
        "integer" => "Integer",
        "boolean" => "Bool",
        "timestamp" | "timestamp without time zone" => "Timestamp",
        "date" => "Date",
        "bytea" | "blob" => "Binary",
        _ => "UNKNOWN",
    }
}

#[test]
fn both_migration_sets_give_the_same_tables_and_columns() {
    let expected = std::fs::read_to_string("tests/schema_snapshot.txt").unwrap_or_default();
    let mut described = Vec::new();
    // Always SQLite; PostgreSQL too when the suite runs against it.
    let sqlite_dir =
        std::env::temp_dir().join(format!("cf-schema-{}", uuid::Uuid::new_v4().simple()));
    let sqlite = Database::connect(
        &format!("sqlite://{}", sqlite_dir.join("s.db").display()),
        1,
    )
    .expect("sqlite");
    let mut conn = sqlite.connection().expect("connection");
    run_migrations(&mut conn).expect("sqlite migrations");
    described.push(("sqlite", describe(&mut conn)));
    drop(conn);

    let (store, url) = TestDatabase::new();
    if store.is_postgres() {
        let pg = Database::connect(&url, 1).expect("postgres");
        let mut conn = pg.connection().expect("connection");
        run_migrations(&mut conn).expect("postgres migrations");
        described.push(("postgres", describe(&mut conn)));
    }
    if std::env::var("UPDATE_SCHEMA_SNAPSHOT").is_ok() {
        std::fs::write("tests/schema_snapshot.txt", &described[0].1).expect("write snapshot");
        return;
    }
    for (backend, description) in described {
        assert!(
            description == expected,
            "the {backend} migrations differ from tests/schema_snapshot.txt:\n{description}"
        );
    }
    let _ = std::fs::remove_dir_all(sqlite_dir);
}

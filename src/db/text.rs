//! The domain's vocabularies stored as TEXT: each reads from and writes to its column as the
//! word its `as_str` gives, so a row's `status` is a [`Status`], not a string to parse again.
//! A word the code does not know is a deserialization error naming the word (a fault of ours:
//! nothing a client sends is stored unparsed), never a default.
//!
//! The impls delegate to `String`/`str` for whichever backend loads the row, so they hold for
//! PostgreSQL, SQLite and the [`super::DbConnection`] multi-backend alike. The domain types
//! carry no diesel derive (the domain does not know the database); the impls written here are
//! those `#[derive(AsExpression, FromSqlRow)]` would write.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::internal::derives::as_expression::Bound;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Nullable, SingleValue, Text};

use crate::domain::access_log::ReadKind;
use crate::domain::acknowledgement::AcknowledgementMethod;
use crate::domain::adjustment::{AdjustmentKind, AdjustmentReviewOutcome};
use crate::domain::alerts::Deadline;
use crate::domain::case::{
    ActorRole, Channel, ContactMethod, Kind, Outcome, Role, Stage, Status, Visibility,
};
use crate::domain::document::{DocumentType, DocumentVisibility};
use crate::domain::extension::{AgreementMethod, ExtensionStatus};
use crate::domain::feedback::CommentAction;
use crate::domain::flag::Flag;
use crate::domain::learning::LearningStatus;
use crate::domain::letter::{Language, LetterKind, LetterStatus};
use crate::domain::mailroom::{MessageChannel, MessageStatus, Provider};
use crate::domain::ombudsman::{OmbudsmanBody, OmbudsmanDecision};
use crate::domain::person::PersonMatch;
use crate::domain::remedy::{RemedyStatus, RemedyType};
use crate::domain::response::ResponseStatus;
use crate::domain::restriction::{ContactVia, RestrictionType, ReviewOutcome, Scope};
use crate::domain::survey::SurveyRating;
use crate::domain::triage::Decision;
use crate::domain::webhook::DeliveryStatus;

macro_rules! stored_as_text {
    ($($name:ident => $column:literal),+ $(,)?) => {$(
        impl<DB> FromSql<Text, DB> for $name
        where
            DB: Backend,
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let word = String::from_sql(bytes)?;
                $name::parse(&word).ok_or_else(|| {
                    format!(concat!("stored ", $column, " `{}` is not one we know"), word).into()
                })
            }
        }

        impl<DB> ToSql<Text, DB> for $name
        where
            DB: Backend,
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB, ST> Queryable<ST, DB> for $name
        where
            DB: Backend,
            ST: SingleValue,
            Self: FromSql<ST, DB>,
        {
            type Row = Self;
            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }

        impl AsExpression<Text> for $name {
            type Expression = Bound<Text, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl AsExpression<Nullable<Text>> for $name {
            type Expression = Bound<Nullable<Text>, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<Text> for &'a $name {
            type Expression = Bound<Text, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<Nullable<Text>> for &'a $name {
            type Expression = Bound<Nullable<Text>, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<DB> ToSql<Nullable<Text>, DB> for $name
        where
            DB: Backend,
            Self: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <Self as ToSql<Text, DB>>::to_sql(self, out)
            }
        }
    )+};
}

stored_as_text! {
    ReadKind => "read kind",
    Kind => "kind",
    Channel => "channel",
    Status => "status",
    Stage => "stage",
    Outcome => "outcome",
    Role => "role",
    ActorRole => "actor role",
    Visibility => "visibility",
    ContactMethod => "contact method",
    Decision => "triage decision",
    AcknowledgementMethod => "acknowledgement method",
    AgreementMethod => "agreement method",
    ExtensionStatus => "extension status",
    RemedyType => "remedy type",
    RemedyStatus => "remedy status",
    ResponseStatus => "response status",
    CommentAction => "comment action",
    Flag => "flag",
    PersonMatch => "person match",
    AdjustmentKind => "adjustment kind",
    AdjustmentReviewOutcome => "adjustment review outcome",
    LearningStatus => "learning action status",
    OmbudsmanBody => "ombudsman",
    LetterKind => "letter kind",
    LetterStatus => "letter status",
    Language => "language",
    OmbudsmanDecision => "ombudsman decision",
    DeliveryStatus => "webhook delivery status",
    Deadline => "deadline",
    DocumentType => "document type",
    DocumentVisibility => "document visibility",
    SurveyRating => "survey rating",
    MessageChannel => "message channel",
    Provider => "message provider",
    MessageStatus => "message status",
    RestrictionType => "restriction type",
    Scope => "restriction scope",
    ReviewOutcome => "restriction review outcome",
    ContactVia => "restricted contact route",
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::Text;

    use super::*;

    fn sqlite() -> SqliteConnection {
        SqliteConnection::establish(":memory:").unwrap()
    }

    #[test]
    fn a_word_reads_back_as_its_value_and_writes_as_its_word() {
        let mut conn = sqlite();
        let read: Stage = diesel::select(diesel::dsl::sql::<Text>("'stage_2'"))
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(read, Stage::Stage2);
        let written: String = diesel::select(Stage::Ombudsman.into_sql::<Text>())
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(written, "ombudsman");
    }

    #[test]
    fn an_unknown_stored_word_is_an_error_naming_it_not_a_default() {
        let mut conn = sqlite();
        let read =
            diesel::select(diesel::dsl::sql::<Text>("'stage1'")).get_result::<Stage>(&mut conn);
        // diesel's Display names only the field; the cause is in the error's source.
        let message = format!("{:?}", read.unwrap_err());
        assert!(message.contains("stored stage `stage1`"), "{message}");
    }
}

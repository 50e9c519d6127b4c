//! People (issue 14): who a new case's customer and representative are, the person records
//! as each caller may see them, confirming or correcting a match, and merging two records.

use chrono::NaiveDateTime;

use super::lifecycle::record;
use super::{cases, AppError};
use crate::auth::{Caller, CaseScope};
use crate::db::cases::{CaseRow, CustomerRow, RepresentativeRow};
use crate::db::people::{
    self as repo, Attention, Found, Matching, MergeRow, PersonDetails, PersonRow,
};
use crate::db::DbConnection;
use crate::domain::case::events::CaseEvent;
use crate::domain::person::{self, email_key, phone_key, CasePart, Matched, PersonMatch};
use crate::error::FieldError;

/// The people found, each merged record read as the person it was merged into, once each
/// and in the order found.
fn kept(conn: &mut DbConnection, found: Vec<Found>) -> Result<Vec<Found>, AppError> {
    let mut people: Vec<Found> = Vec::with_capacity(found.len());
    for found in found {
        // A merge points every earlier merge at the person kept: one step reaches them.
        let found = match found.person.merged_into {
            Some(kept) => match repo::find_with_attention(conn, kept)? {
                Some(kept) => kept,
                None => continue,
            },
            None => found,
        };
        if !people.iter().any(|p| p.person.id == found.person.id) {
            people.push(found);
        }
    }
    Ok(people)
}

/// The people a new case's customer or representative may be, read as the people kept: by
/// their account, their email address and their phone number.
fn candidates(
    conn: &mut DbConnection,
    subject: Option<&str>,
    email: Option<&str>,
    phone: Option<&str>,
) -> Result<Matching, AppError> {
    let email = email.and_then(email_key);
    let phone = phone.and_then(phone_key);
    let found = repo::matching(conn, subject, email.as_deref(), phone.as_deref())?;
    kept_matching(conn, found)
}

/// The people found for matching, each merged record read as the person kept.
fn kept_matching(conn: &mut DbConnection, found: Matching) -> Result<Matching, AppError> {
    Ok(Matching {
        by_subject: kept(conn, found.by_subject.into_iter().collect())?
            .into_iter()
            .next(),
        by_email: kept(conn, found.by_email)?,
        by_phone: kept(conn, found.by_phone)?,
    })
}

/// What intake reads before it writes: whether the service `service_id` takes new cases
/// (`None`: there is no such service), and, where it is one, the people the customer may be,
/// for [`identify`] to weigh. One statement (`db::people::matching_for_service`).
pub fn service_and_candidates(
    conn: &mut DbConnection,
    service_id: &str,
    customer: &CustomerRow,
) -> Result<(Option<bool>, Option<Matching>), AppError> {
    let email = customer.email.as_deref().and_then(email_key);
    let phone = customer.phone.as_deref().and_then(phone_key);
    Ok(
        match repo::matching_for_service(
            conn,
            service_id,
            customer.subject.as_deref(),
            email.as_deref(),
            phone.as_deref(),
        )? {
            Some((active, found)) => (Some(active), Some(kept_matching(conn, found)?)),
            None => (None, None),
        },
    )
}

/// The person with this account, read as the person kept if they were merged.
fn by_account(conn: &mut DbConnection, subject: &str) -> Result<Option<PersonRow>, AppError> {
    Ok(candidates(conn, Some(subject), None, None)?
        .by_subject
        .map(|found| found.person))
}

/// A new person, from the details given on a case.
fn new_person(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    subject: Option<String>,
    details: PersonDetails,
) -> Result<PersonRow, AppError> {
    Ok(repo::insert(conn, &person_row(now, subject, details))?)
}

/// A new person's row, to be written.
fn person_row(now: NaiveDateTime, subject: Option<String>, details: PersonDetails) -> PersonRow {
    PersonRow {
        id: 0,
        subject,
        name: details.name,
        email: details.email,
        phone: details.phone,
        address: details.address,
        postcode: details.postcode,
        preferred_contact: details.preferred_contact,
        language: details.language,
        email_key: details.email_key,
        phone_key: details.phone_key,
        merged_into: None,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

/// What a customer's row says of them, as a person's details.
fn details_of_customer(customer: &CustomerRow) -> PersonDetails {
    PersonDetails {
        subject: customer.subject.clone(),
        name: customer.name.clone(),
        email: customer.email.clone(),
        phone: customer.phone.clone(),
        address: customer.address.clone(),
        postcode: customer.postcode.clone(),
        preferred_contact: customer.preferred_contact.clone(),
        language: customer.interpreter_language.clone(),
        email_key: customer.email.as_deref().and_then(email_key),
        phone_key: customer.phone.as_deref().and_then(phone_key),
    }
}

/// The person's details with what they lack filled in from `more` (what they have is kept:
/// a later case's details never overwrite a record staff may have corrected). `None` when
/// nothing is new.
fn filled_in(
    person: &PersonRow,
    more: &PersonDetails,
    take_account: bool,
) -> Option<PersonDetails> {
    let fill = |have: &Option<String>, given: &Option<String>| -> Option<String> {
        have.clone().or_else(|| given.clone())
    };
    let details = PersonDetails {
        subject: if take_account && person.subject.is_none() {
            more.subject.clone()
        } else {
            person.subject.clone()
        },
        name: person.name.clone(),
        email: fill(&person.email, &more.email),
        phone: fill(&person.phone, &more.phone),
        address: fill(&person.address, &more.address),
        postcode: fill(&person.postcode, &more.postcode),
        preferred_contact: fill(&person.preferred_contact, &more.preferred_contact),
        language: fill(&person.language, &more.language),
        email_key: fill(&person.email_key, &more.email_key),
        phone_key: fill(&person.phone_key, &more.phone_key),
    };
    let same = details.subject == person.subject
        && details.email == person.email
        && details.phone == person.phone
        && details.address == person.address
        && details.postcode == person.postcode
        && details.preferred_contact == person.preferred_contact
        && details.language == person.language;
    (!same).then_some(details)
}

/// Who a customer is, as [`identify`] found them.
pub enum Identified {
    /// A person on record, with what intake must weigh of them.
    Known(Attention),
    /// Nobody matched: this person is to be made (not yet written).
    New(Box<PersonRow>),
}

impl Identified {
    /// What intake must weigh of the person (nothing, for a new one).
    pub fn attention(&self) -> Attention {
        match self {
            Identified::Known(attention) => *attention,
            Identified::New(_) => Attention::default(),
        }
    }
}

/// Writes a new case's customer as [`identify`] found them, with the new person
/// where nobody matched (on PostgreSQL, one statement for the two). Gives the customer as
/// stored.
pub fn write_customer(
    conn: &mut DbConnection,
    customer: &CustomerRow,
    identified: Identified,
) -> Result<CustomerRow, AppError> {
    Ok(match identified {
        Identified::Known(_) => crate::db::cases::insert_customer(conn, customer)?,
        Identified::New(person) => repo::insert_with_customer(conn, &person, customer)?,
    })
}

/// A new case's customer as [`identify`] found them, given the ids taken ahead
/// for their rows (`db::cases::next_number_and_ids`): the customer's row under its id, and
/// the new person's, where nobody matched, under theirs; for the caller to write with the
/// case ([`repo::insertion`], `db::cases::customer_insertion`).
pub fn customer_ahead(
    mut customer: CustomerRow,
    identified: Identified,
    ids: &crate::db::cases::IdsAhead,
) -> Result<(CustomerRow, Option<PersonRow>), AppError> {
    customer.id = ids.customer;
    let person = match identified {
        Identified::Known(_) => None,
        Identified::New(person) => {
            let id = ids.person.ok_or_else(|| {
                AppError::Internal("no id was taken ahead for a new person".into())
            })?;
            customer.person_id = Some(id);
            Some(PersonRow { id, ..*person })
        }
    };
    Ok((customer, person))
}

/// Who a customer is (`domain::person::choose`): the row is given its person, made new where
/// nobody matched, and a sure match fills in what the person's record lacks. Gives what
/// intake must weigh of the person matched (nothing, for a new one).
pub fn identify_customer(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    customer: &mut CustomerRow,
) -> Result<Attention, AppError> {
    match identify(conn, now, customer, None)? {
        Identified::Known(attention) => Ok(attention),
        Identified::New(person) => {
            customer.person_id = Some(repo::insert(conn, &person)?.id);
            Ok(Attention::default())
        }
    }
}

/// [`identify_customer`], leaving a new person to the caller to write ([`write_customer`], or
/// with the case's writes: [`customer_ahead`]), and the row's `person_id` unset for them.
/// Nothing is written but a sure match's fuller details. The people weighed are `read`, where
/// the caller read them ([`service_and_candidates`]), else read here.
pub fn identify(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    customer: &mut CustomerRow,
    read: Option<Matching>,
) -> Result<Identified, AppError> {
    let Matching {
        by_subject: by_account,
        by_email,
        by_phone,
    } = match read {
        Some(read) => read,
        None => candidates(
            conn,
            customer.subject.as_deref(),
            customer.email.as_deref(),
            customer.phone.as_deref(),
        )?,
    };
    // An account's person is who they are, whatever their details say.
    let (by_email, by_phone) = if by_account.is_some() {
        (vec![], vec![])
    } else {
        (by_email, by_phone)
    };
    let candidate = |found: &[Found]| {
        found
            .iter()
            .map(|f| f.person.candidate())
            .collect::<Vec<_>>()
    };
    let matched = person::choose(
        customer.subject.as_deref(),
        &customer.name,
        by_account.as_ref().map(|f| f.person.candidate()).as_ref(),
        &candidate(&by_email),
        &candidate(&by_phone),
    );
    let details = details_of_customer(customer);
    customer.person_match = Some(matched.how);
    customer.person_match_uncertain = matched.uncertain;
    let (person_id, attention) = match matched {
        Matched { person: None, .. } => {
            customer.person_id = None;
            return Ok(Identified::New(Box::new(person_row(
                now,
                customer.subject.clone(),
                details,
            ))));
        }
        Matched {
            person: Some(id),
            uncertain,
            takes_account,
            ..
        } => {
            let found = by_account
                .iter()
                .chain(&by_email)
                .chain(&by_phone)
                .find(|f| f.person.id == id);
            if let (Some(found), false) = (found, uncertain) {
                if let Some(more) = filled_in(&found.person, &details, takes_account) {
                    repo::update(conn, id, found.person.version, &more, now)?;
                }
            }
            (id, found.map(|f| f.attention).unwrap_or_default())
        }
    };
    customer.person_id = Some(person_id);
    Ok(Identified::Known(attention))
}

/// A resident signed in as account `subject` claims the case whose customer is `customer`
/// (issue 16 §2): the customer is the account's person from now on. The person the account
/// already has, if any; else the person intake matched them to, given the account, when it has
/// none; else a new person for the account. Gives the person, and the one the customer was
/// matched to before when that changed.
pub fn claim_for_account(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    customer: &CustomerRow,
    subject: &str,
) -> Result<(i64, Option<i64>), AppError> {
    let previous = customer.person_id;
    let person = match by_account(conn, subject)? {
        Some(theirs) => theirs.id,
        None => {
            let matched = match previous {
                Some(id) => repo::find(conn, id)?,
                None => None,
            };
            match matched {
                Some(person) if person.subject.is_none() && person.merged_into.is_none() => {
                    let details = PersonDetails {
                        subject: Some(subject.to_string()),
                        name: person.name.clone(),
                        email: person.email.clone(),
                        phone: person.phone.clone(),
                        address: person.address.clone(),
                        postcode: person.postcode.clone(),
                        preferred_contact: person.preferred_contact.clone(),
                        language: person.language.clone(),
                        email_key: person.email_key.clone(),
                        phone_key: person.phone_key.clone(),
                    };
                    repo::update(conn, person.id, person.version, &details, now)?
                        .ok_or_else(|| {
                            AppError::Internal(format!("person {} changed meanwhile", person.id))
                        })?
                        .id
                }
                _ => {
                    let mut details = details_of_customer(customer);
                    details.subject = Some(subject.to_string());
                    new_person(conn, now, Some(subject.to_string()), details)?.id
                }
            }
        }
    };
    repo::set_customer_person(conn, customer.id, person, PersonMatch::Account, false)?;
    Ok((person, previous.filter(|p| *p != person)))
}

/// Who a new case's representative is: a person with their email address or phone number
/// under the same name, or a new person (a representative's match is never left uncertain:
/// they have no account, and staff correct the customer's match, not theirs).
pub fn identify_representative(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    representative: &mut RepresentativeRow,
) -> Result<(), AppError> {
    let Matching {
        by_email, by_phone, ..
    } = candidates(
        conn,
        None,
        representative.email.as_deref(),
        representative.phone.as_deref(),
    )?;
    let sure = by_email
        .iter()
        .chain(&by_phone)
        .find(|f| person::same_name(&f.person.name, &representative.name));
    let id = match sure {
        Some(found) => found.person.id,
        None => {
            new_person(
                conn,
                now,
                None,
                PersonDetails {
                    subject: None,
                    name: representative.name.clone(),
                    email: representative.email.clone(),
                    phone: representative.phone.clone(),
                    address: representative.address.clone(),
                    postcode: None,
                    preferred_contact: None,
                    language: None,
                    email_key: representative.email.as_deref().and_then(email_key),
                    phone_key: representative.phone.as_deref().and_then(phone_key),
                },
            )?
            .id
        }
    };
    representative.person_id = Some(id);
    Ok(())
}

fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("there is no person {id} that you can see"))
}

/// The person `id`, if `caller` may see them: the complaints manager anyone; staff the
/// people on their services' cases; a customer only themselves. A person merged into
/// another is seen as the one kept is.
pub fn find(conn: &mut DbConnection, caller: &Caller, id: i64) -> Result<PersonRow, AppError> {
    let person = repo::find(conn, id)?.ok_or_else(|| not_found(id))?;
    let kept = match person.merged_into {
        Some(kept) => repo::find(conn, kept)?.ok_or_else(|| not_found(id))?,
        None => person.clone(),
    };
    if repo::visible_in(conn, &kept, &caller.case_scope())? {
        Ok(person)
    } else {
        Err(not_found(id))
    }
}

/// The caller's own person record: the person with their account.
pub fn me(conn: &mut DbConnection, caller: &Caller) -> Result<PersonRow, AppError> {
    by_account(conn, &caller.subject)?.ok_or_else(|| {
        AppError::NotFound(
            "there is no person record for your account yet: one is made with your first case"
                .into(),
        )
    })
}

/// A case of a person's, as their list shows it.
#[derive(Debug, Clone)]
pub struct PersonCase {
    pub case: CaseRow,
    pub part: CasePart,
    pub how: Option<PersonMatch>,
    pub uncertain: bool,
}

/// The person's cases the caller may see, newest first.
pub fn cases_of(
    conn: &mut DbConnection,
    caller: &Caller,
    id: i64,
) -> Result<Vec<PersonCase>, AppError> {
    let person = find(conn, caller, id)?;
    let scope = caller.case_scope();
    let contributing = match &scope {
        CaseScope::Services(services) => crate::db::ownership::contributed_to(conn, services)?,
        _ => vec![],
    };
    Ok(
        repo::cases_of(conn, person.merged_into.unwrap_or(person.id))?
            .into_iter()
            .filter(|(case, ..)| case.visible_in(&scope) || contributing.contains(&case.id))
            .map(|(case, part, how, uncertain)| PersonCase {
                case,
                part,
                how: how.filter(|_| caller.is_staff()),
                uncertain: uncertain && caller.is_staff(),
            })
            .collect(),
    )
}

/// Staff confirm who a case's customer is (`person`: the person they are, the same or
/// another), or say they are someone new (`None`). Gives the case as it now is.
pub fn confirm(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    expected: i32,
    person: Option<i64>,
) -> Result<CaseRow, AppError> {
    let case = cases::changing(conn, reference, caller, expected)?;
    let (customer, _) = crate::db::cases::people(conn, case.id)?;
    let chosen = match person {
        Some(id) => match repo::find(conn, id)? {
            Some(found) if found.merged_into.is_none() => found.id,
            Some(found) => {
                return Err(AppError::Invalid(vec![FieldError::new(
                    "person_id",
                    format!(
                        "was merged into person {}: name that person",
                        found.merged_into.unwrap_or_default()
                    ),
                )]))
            }
            None => {
                return Err(AppError::Invalid(vec![FieldError::new(
                    "person_id",
                    "is not a person on record",
                )]))
            }
        },
        None => {
            // Someone new: their own record, from what this case says of them (an account
            // already on another person stays there; this customer's record has none).
            let mut details = details_of_customer(&customer);
            let account_taken = match &details.subject {
                Some(subject) => by_account(conn, subject)?.is_some(),
                None => false,
            };
            if account_taken {
                details.subject = None;
            }
            new_person(conn, now, details.subject.clone(), details)?.id
        }
    };
    let case = cases::claim_version(conn, &case, expected, now)?;
    repo::set_customer_person(conn, customer.id, chosen, PersonMatch::Staff, false)?;
    // The case may have carried the previous person's adjustments' reviews, and may now carry
    // the chosen person's.
    if let Some(previous) = customer.person_id.filter(|p| *p != chosen) {
        super::alerts::sync_adjustments_of_person(conn, previous)?;
    }
    super::alerts::sync_adjustments_of_person(conn, chosen)?;
    record(
        conn,
        case.id,
        caller,
        now,
        &CaseEvent::PersonMatched {
            person_id: chosen,
            previous_person_id: customer.person_id.filter(|p| *p != chosen),
        },
    )?;
    Ok(case)
}

/// A change to a person's details: for each field, `None` leaves it as it is, `Some(None)`
/// clears it, `Some(Some(value))` sets it (values as checked and cleaned by the caller).
#[derive(Debug, Clone, Default)]
pub struct DetailsChange {
    pub name: Option<String>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub postcode: Option<Option<String>>,
    pub preferred_contact: Option<Option<String>>,
    pub language: Option<Option<String>>,
}

/// Staff who can see person `id` change their details, if `expected` is still their version.
/// The email and phone keys matching compares follow the new address and number. A record
/// merged into another is not changed (409: change the person kept).
pub fn update(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    id: i64,
    expected: i32,
    change: DetailsChange,
) -> Result<PersonRow, AppError> {
    let person = find(conn, caller, id)?;
    if let Some(kept) = person.merged_into {
        return Err(AppError::Conflict {
            detail: format!("person {id} was merged into person {kept}: change that person"),
            field: None,
        });
    }
    if person.version != expected {
        return Err(AppError::Stale { expected });
    }
    let or = |changed: Option<Option<String>>, stored: &Option<String>| match changed {
        Some(value) => value,
        None => stored.clone(),
    };
    let email = or(change.email, &person.email);
    let phone = or(change.phone, &person.phone);
    let details = PersonDetails {
        subject: person.subject.clone(),
        name: change.name.unwrap_or_else(|| person.name.clone()),
        email_key: email.as_deref().and_then(email_key),
        phone_key: phone.as_deref().and_then(phone_key),
        email,
        phone,
        address: or(change.address, &person.address),
        postcode: or(change.postcode, &person.postcode),
        preferred_contact: or(change.preferred_contact, &person.preferred_contact),
        language: or(change.language, &person.language),
    };
    repo::update(conn, id, expected, &details, now)?.ok_or(AppError::Stale { expected })
}

/// The complaints manager folds person `merged` into person `id`: every case and reasonable
/// adjustment of the one becomes the other's, with the cases' clocks untouched, and the merge
/// is recorded. The kept person fills in what they lack from the merged one. Two people with
/// different accounts are never one. Gives the kept person as they now are.
pub fn merge(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    id: i64,
    expected: i32,
    merged: i64,
    reason: &str,
) -> Result<PersonRow, AppError> {
    let invalid = |message: &str| AppError::Invalid(vec![FieldError::new("person_id", message)]);
    let kept = find(conn, caller, id)?;
    if kept.merged_into.is_some() {
        return Err(AppError::Conflict {
            detail: format!(
                "person {id} was merged into person {}: merge into that person",
                kept.merged_into.unwrap_or_default()
            ),
            field: None,
        });
    }
    if kept.version != expected {
        return Err(AppError::Stale { expected });
    }
    if merged == id {
        return Err(invalid(
            "is this person: a person cannot be merged into themselves",
        ));
    }
    let other = match repo::find(conn, merged)? {
        Some(other) if other.merged_into.is_none() => other,
        Some(_) => return Err(invalid("was merged already")),
        None => return Err(invalid("is not a person on record")),
    };
    if let (Some(a), Some(b)) = (&kept.subject, &other.subject) {
        if a != b {
            return Err(AppError::Conflict {
                detail: "the two people have different accounts: they are not one person".into(),
                field: Some("person_id"),
            });
        }
    }
    let more = PersonDetails::from(&other);
    let details = filled_in(&kept, &more, true).unwrap_or_else(|| PersonDetails::from(&kept));
    let updated =
        repo::update(conn, id, expected, &details, now)?.ok_or(AppError::Stale { expected })?;
    repo::merge(
        conn,
        id,
        merged,
        &MergeRow {
            id: 0,
            person_id: id,
            merged_person_id: merged,
            reason: reason.trim().to_string(),
            merged_by: caller.subject.clone(),
            merged_at: now,
        },
    )?;
    // The merged person's adjustments are the kept person's now: their reviews' alerts go
    // where the kept person's cases say.
    super::alerts::sync_adjustments_of_person(conn, id)?;
    Ok(updated)
}

/// Matches the customers and representatives of cases from before people, a batch at a
/// time, as a new case would be matched. A no-op once all are matched. Returns how many it
/// matched.
pub fn identify_missing(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, AppError> {
    let mut done = 0;
    loop {
        let batch = repo::unmatched_customers(conn, 500)?;
        if batch.is_empty() {
            break;
        }
        for mut customer in batch {
            identify_customer(conn, now, &mut customer)?;
            if let Some(person) = customer.person_id {
                repo::set_customer_person(
                    conn,
                    customer.id,
                    person,
                    customer.person_match.unwrap_or(PersonMatch::New),
                    customer.person_match_uncertain,
                )?;
            }
            done += 1;
        }
    }
    loop {
        let batch = repo::unmatched_representatives(conn, 500)?;
        if batch.is_empty() {
            break;
        }
        for mut representative in batch {
            identify_representative(conn, now, &mut representative)?;
            if let Some(person) = representative.person_id {
                repo::set_representative_person(conn, representative.id, person)?;
            }
            done += 1;
        }
    }
    Ok(done)
}

//! What can happen to a case: one variant per event on its timeline (SPEC §9: "every change to
//! a case is an append-only event: who, when, what"). Each variant's fields are the event's
//! `details` exactly as the timeline has always stored and shown them, so the stored JSON
//! does not change; the list of names, with who may see each and what it carries, is
//! published at `GET /api/v1/event-types` for the event feed and webhooks.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Serialize, Serializer};
use utoipa::ToSchema;

use super::{Channel, Kind, Outcome, Stage, Status, Visibility};
use crate::domain::alerts::Deadline;
use crate::domain::correspondence::{CorrespondenceMethod, Direction};
use crate::domain::document::{DocumentType, DocumentVisibility};
use crate::domain::mailroom::{MessageChannel, MessageStatus, Provider};
use crate::domain::restriction::{ContactVia, RestrictionType, Scope};
use crate::domain::triage::Decision;

/// An instant, shown as RFC 3339 in UTC (`2026-11-22T10:31:24Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ToSchema)]
#[schema(value_type = String, format = DateTime)]
pub struct Instant(pub NaiveDateTime);

impl Instant {
    /// The RFC 3339 text.
    pub fn rfc3339(self) -> String {
        self.0
            .and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    }
}

impl Serialize for Instant {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.rfc3339())
    }
}

/// What triage recorded with its decision (also kept on the case as `triage.details`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, ToSchema)]
pub struct TriageDetails {
    /// Why, as the manager put it.
    pub reason: Option<String>,
    /// Whether the complaint was raised after the policy's time limit.
    pub out_of_time: bool,
    /// `resolve_informally` when a complaint resolved informally went formal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previously: Option<Decision>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub special_circumstances: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referral: Option<String>,
    /// The procedure that applies (an exclusion).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::domain::triage::Procedure>)]
    pub procedure: Option<String>,
    /// The organisation a matter outside the remit is referred to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// When the outside-remit referral is due.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub referral_due: Option<NaiveDate>,
}

/// The customer's agreement to a longer extension.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Agreement {
    pub agreed_at: Instant,
    #[schema(value_type = crate::domain::extension::AgreementMethod)]
    pub method: String,
}

/// An acknowledgement: of a complaint's stage, or of a compliment or comment whose customer
/// asked for a reply.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Acknowledgement {
    /// A complaint's stage.
    Stage {
        stage: Stage,
        #[schema(value_type = crate::domain::acknowledgement::AcknowledgementMethod)]
        method: String,
        acknowledged_at: Instant,
        on_time: bool,
        #[schema(value_type = String, format = Date)]
        response_due: NaiveDate,
    },
    /// A compliment or comment.
    Feedback {
        #[schema(value_type = crate::domain::acknowledgement::AcknowledgementMethod)]
        method: String,
        acknowledged_at: Instant,
        on_time: Option<bool>,
        #[schema(value_type = Option<String>, format = Date)]
        reply_due: Option<NaiveDate>,
    },
}

/// Everything that can happen to a case.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(tag = "type", content = "details", rename_all = "snake_case")]
pub enum CaseEvent {
    /// The case was logged.
    Received {
        kind: Kind,
        channel: Channel,
        service: String,
        received_at: Instant,
        back_dated_because: Option<String>,
    },
    /// Triage decided what the complaint is.
    Triaged {
        decision: Decision,
        status: Status,
        stage: Option<Stage>,
        details: TriageDetails,
    },
    /// A stage, or a compliment or comment, was acknowledged.
    Acknowledged(Acknowledgement),
    /// The stage's investigating officer was named.
    Assigned {
        stage: Stage,
        investigator: String,
        previous_investigator: Option<String>,
    },
    /// A member of staff added an internal note.
    Note { text: String },
    /// The investigator asked for more time.
    ExtensionRequested {
        extension: i64,
        stage: Stage,
        #[schema(value_type = String, format = Date)]
        new_due: NaiveDate,
        reason: String,
        customer_agreement: Option<Agreement>,
    },
    /// An extension was agreed: the stage's response is due later.
    Extended {
        extension: i64,
        #[schema(value_type = String, format = Date)]
        previous_due: NaiveDate,
        #[schema(value_type = String, format = Date)]
        new_due: NaiveDate,
        reason: String,
    },
    /// An extension was refused.
    ExtensionRefused {
        extension: i64,
        #[schema(value_type = String, format = Date)]
        previous_due: NaiveDate,
        #[schema(value_type = String, format = Date)]
        new_due: NaiveDate,
        reason: String,
    },
    /// The investigator drafted the stage's response.
    ResponseDrafted {
        response: i64,
        stage: Stage,
        outcome: Outcome,
    },
    /// The Head of Service approved and sent the stage's response.
    ResponseSent {
        response: i64,
        stage: Stage,
        outcome: Outcome,
        on_time: bool,
        sent_at: Instant,
        back_dated_because: Option<String>,
        stands_as_acknowledgement: bool,
        #[schema(value_type = Option<String>, format = Date)]
        escalation_window_closes: Option<NaiveDate>,
    },
    /// Stage 2 was asked for.
    Escalated {
        stage: Stage,
        #[schema(value_type = Vec<crate::domain::escalation::Ground>)]
        grounds: Vec<String>,
        late: bool,
        reopened: bool,
        late_acceptance_reason: Option<String>,
        #[schema(value_type = String, format = Date)]
        acknowledgement_due: NaiveDate,
    },
    /// A request for stage 2 was refused: the reasons, and the day the customer asked where
    /// the complaints manager gave it. The refusal's letter tells the customer of the
    /// Ombudsman.
    EscalationRefused {
        reasons: String,
        #[schema(value_type = Option<String>, format = Date)]
        requested_on: Option<NaiveDate>,
    },
    /// The customer withdrew the case.
    Withdrawn {
        from: Status,
        to: Status,
        reason: Option<String>,
    },
    /// The case was closed.
    Closed {
        from: Status,
        to: Status,
        reason: Option<String>,
        /// Promised remedies still outstanding when the complaints manager closed it.
        #[serde(skip_serializing_if = "Option::is_none")]
        outstanding_remedies: Option<Vec<i64>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        outstanding_remedies_reason: Option<String>,
    },
    /// The complaints manager reopened the case.
    Reopened {
        from: Status,
        to: Status,
        reason: Option<String>,
    },
    /// The complaint was referred to the Ombudsman.
    ReferredToOmbudsman {
        #[schema(value_type = crate::domain::ombudsman::OmbudsmanBody)]
        body: String,
        their_reference: Option<String>,
        #[schema(value_type = String, format = Date)]
        referred_on: NaiveDate,
    },
    /// The Ombudsman decided.
    OmbudsmanDecision {
        #[schema(value_type = crate::domain::ombudsman::OmbudsmanDecision)]
        decision: String,
        #[schema(value_type = String, format = Date)]
        decided_on: NaiveDate,
    },
    /// The council promised a remedy.
    RemedyPromised {
        remedy: i64,
        #[serde(rename = "type")]
        #[schema(value_type = crate::domain::remedy::RemedyType)]
        remedy_type: String,
        description: String,
        #[schema(value_type = String, format = Date)]
        due: NaiveDate,
    },
    /// A remedy was done, or reported undeliverable.
    RemedyOutcome {
        remedy: i64,
        /// `done`, or `cannot_deliver`.
        #[schema(value_type = crate::domain::remedy::RemedyStatus)]
        status: String,
        #[schema(value_type = String, format = Date)]
        done_on: NaiveDate,
    },
    /// A flag that changes handling was raised, with its referral.
    Flagged {
        #[schema(value_type = crate::domain::flag::Flag)]
        flag: String,
        referred_to: Option<String>,
        #[schema(value_type = String, format = Date)]
        referred_on: NaiveDate,
    },
    /// The case was linked to a related one.
    Linked { linked_to: String },
    /// Staff confirmed or corrected who the customer is.
    PersonMatched {
        /// The person the customer is now recorded as.
        person_id: i64,
        /// The person they were matched to before, if another.
        previous_person_id: Option<i64>,
    },
    /// The complaints manager moved the lead service.
    LeadServiceChanged {
        from: String,
        to: String,
        reason: String,
    },
    /// A service was named as contributing.
    ContributingServiceAdded { service: String },
    /// A contributing service was taken off.
    ContributingServiceRemoved { service: String },
    /// A compliment or comment was passed to its service and the staff named.
    Forwarded {
        service: String,
        /// How many members of staff it was passed to.
        staff: usize,
    },
    /// A compliment or comment was answered.
    Replied {
        #[schema(value_type = crate::domain::acknowledgement::AcknowledgementMethod)]
        method: String,
        replied_at: Instant,
        on_time: Option<bool>,
        stands_for_acknowledgement: bool,
    },
    /// What was done with a comment.
    CommentActionRecorded {
        #[schema(value_type = crate::domain::feedback::CommentAction)]
        action: String,
        details: String,
    },
    /// A warning about unreasonable behaviour, given before a restriction was decided, on
    /// `given_on` (recorded with the restriction, on the case it arose from).
    RestrictionWarningRecorded {
        restriction: i64,
        person_id: i64,
        #[schema(value_type = String, format = Date)]
        given_on: NaiveDate,
    },
    /// A restriction on the person's contact was decided (on the case it arose from).
    RestrictionDecided {
        restriction: i64,
        person_id: i64,
        restriction_type: RestrictionType,
        scope: Scope,
        #[schema(value_type = String, format = Date)]
        starts_on: NaiveDate,
        #[schema(value_type = String, format = Date)]
        review_on: NaiveDate,
        decided_by: String,
        /// Whether a warning came first.
        warned: bool,
    },
    /// The restriction's notice was written to the person and put in the mail room.
    RestrictionNoticeSent {
        restriction: i64,
        letter: i64,
        #[schema(value_type = String, format = Date)]
        told_on: NaiveDate,
    },
    /// Contact from a restricted person reached this case: recorded, flagged
    /// `restricted_contact`, and routed to the single point of contact where there is one.
    RestrictedContact {
        restriction: i64,
        restriction_type: RestrictionType,
        via: ContactVia,
        /// The officer the case was routed to, where it was.
        routed_to: Option<String>,
        /// The matter's case this one was linked to (or found a duplicate of).
        matter_case: Option<String>,
        /// Whether it must be read for new issues before the case closes.
        needs_new_issue_review: bool,
    },
    /// A restriction was lifted at its review.
    RestrictionLifted {
        restriction: i64,
        reasons: Option<String>,
    },
    /// A restriction was extended at its review, with reasons, to a new review date.
    RestrictionExtended {
        restriction: i64,
        reasons: String,
        #[schema(value_type = String, format = Date)]
        previous_review_on: NaiveDate,
        #[schema(value_type = String, format = Date)]
        new_review_on: NaiveDate,
    },
    /// Staff read restricted contact on the case for new issues or safeguarding concerns.
    NewIssuesReviewed {
        new_issues: bool,
        safeguarding_concern: bool,
        notes: String,
    },
    /// A deadline is the policy's reminder number of working days away (or nearer).
    DeadlineApproaching(DeadlineAlert),
    /// A deadline passed without being met: said on the first working day after it.
    DeadlineMissed(DeadlineAlert),
    /// A promised remedy was not done by its date.
    RemedyOverdue {
        remedy: i64,
        #[schema(value_type = String, format = Date)]
        due: NaiveDate,
    },
    /// A learning action from the case was not completed by its date.
    LearningActionOverdue {
        learning_action: i64,
        #[schema(value_type = String, format = Date)]
        due: NaiveDate,
    },
    /// A message to the customer was handed to its provider (or printed locally).
    CorrespondenceSent {
        /// The outgoing message.
        message: i64,
        /// The letter it carries, when written from a template.
        letter: Option<i64>,
        channel: MessageChannel,
        provider: Provider,
    },
    /// The provider delivered a message (a letter: posted).
    CorrespondenceDelivered {
        message: i64,
        channel: MessageChannel,
        /// When, as the provider said.
        delivered_at: Option<Instant>,
    },
    /// A message did not reach the customer: the case is in the failed-correspondence queue.
    CorrespondenceFailed {
        message: i64,
        channel: MessageChannel,
        provider: Provider,
        status: MessageStatus,
        /// What the provider said, with no personal data.
        reason: Option<String>,
    },
    /// A posted letter came back.
    CorrespondenceReturned { message: i64, letter: Option<i64> },
    /// The customer was invited to say how their complaint was handled at `stage`, through a
    /// single-use link that works until `expires_at`. The link's token is never on the
    /// timeline: it is the survey's only credential.
    SurveyInvited { stage: Stage, expires_at: Instant },
    /// The customer answered the satisfaction survey about `stage`. The answers are counted
    /// in the reports, never shown against the case.
    SurveyAnswered { stage: Stage },
    /// A resident without an account was sent a link back to the case (`link`), by `channel`,
    /// working until `expires_at`. The link itself is never on the timeline.
    CaseAccessLinkSent {
        link: i64,
        channel: MessageChannel,
        expires_at: Instant,
    },
    /// Staff revoked the case link `link`: it, and every token it gave, stop working.
    CaseAccessLinkRevoked { link: i64, reason: String },
    /// The resident signed in with an account and claimed the case through link `link`: the
    /// case is in their account, and its links stop working.
    CaseAccessLinkClaimed { link: i64 },
    /// Information from the customer, shared with them: added by the customer, or logged by
    /// staff who chose to let the customer see it.
    CorrespondenceReceived(Correspondence),
    /// Incoming contact that staff logged for staff only.
    CorrespondenceLogged(Correspondence),
    /// A document the customer sees was added: uploaded by the customer, or shared by staff.
    DocumentAdded(DocumentAdded),
    /// A document for staff only was added.
    StaffDocumentAdded(DocumentAdded),
    /// A legal hold was placed on the case, or on its customer's person: the retention
    /// schedule and erasure stop until it is lifted.
    LegalHoldPlaced {
        hold: i64,
        /// Whether the hold is on the case itself, or on the person (and all their cases).
        #[schema(value_type = crate::domain::retention::HoldTarget)]
        on: String,
        reason: String,
    },
    /// A legal hold was lifted.
    LegalHoldLifted {
        hold: i64,
        #[schema(value_type = crate::domain::retention::HoldTarget)]
        on: String,
        reason: Option<String>,
    },
    /// The case's personal data was removed: by the retention schedule, or to carry out an
    /// erasure request. What the reports count was kept.
    Anonymised {
        #[schema(value_type = crate::domain::retention::AnonymisationBasis)]
        basis: String,
        /// The day the case had closed, for the schedule.
        #[schema(value_type = Option<String>, format = Date)]
        closed_on: Option<NaiveDate>,
        erasure_request: Option<i64>,
    },
    /// The case's documents were deleted, their time after closure having come.
    DocumentsDeleted { documents: usize },
    /// The customer's person asked for their personal data to be erased.
    ErasureRequested { erasure_request: i64 },
    /// An erasure request was decided: refused with its lawful basis, or carried out.
    ErasureDecided {
        erasure_request: i64,
        #[schema(value_type = crate::domain::retention::ErasureDecision)]
        decision: String,
        #[schema(value_type = Option<crate::domain::retention::LawfulBasis>)]
        lawful_basis: Option<String>,
    },
}

/// Information that reached the council about the case.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Correspondence {
    pub direction: Direction,
    pub method: CorrespondenceMethod,
    /// The customer's own words, or staff's summary of the call, letter or email.
    pub text: String,
    /// When the council received it.
    pub received_at: Instant,
}

/// A document added to the case (its bytes are at `GET …/documents/{document}`).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DocumentAdded {
    pub document: i64,
    /// The name the client gave it.
    pub filename: String,
    /// What its bytes are.
    pub document_type: DocumentType,
    pub size_bytes: i64,
    /// SHA-256 of its bytes, lower-case hex.
    pub sha256: String,
}

impl CaseEvent {
    /// Correspondence as the event whose visibility is `visibility`'s: shared with the
    /// customer, or for staff only.
    pub fn correspondence(item: Correspondence, visibility: DocumentVisibility) -> CaseEvent {
        match visibility {
            DocumentVisibility::Customer => CaseEvent::CorrespondenceReceived(item),
            DocumentVisibility::Staff => CaseEvent::CorrespondenceLogged(item),
        }
    }

    /// A new document as the event whose visibility is the document's.
    pub fn document(item: DocumentAdded, visibility: DocumentVisibility) -> CaseEvent {
        match visibility {
            DocumentVisibility::Customer => CaseEvent::DocumentAdded(item),
            DocumentVisibility::Staff => CaseEvent::StaffDocumentAdded(item),
        }
    }
}

/// Which deadline an alert is about.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DeadlineAlert {
    pub deadline: Deadline,
    /// The stage whose deadline it is, for a complaint's stage deadlines.
    pub stage: Option<Stage>,
    #[schema(value_type = String, format = Date)]
    pub due: NaiveDate,
    /// The remedy, for a remedy's deadline.
    pub remedy: Option<i64>,
    /// The learning action, for a learning action's deadline.
    pub learning_action: Option<i64>,
    /// The restriction, for a restriction's review date (left out for other deadlines, as
    /// their alerts have always been stored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restriction: Option<i64>,
    /// The person's reasonable adjustment, for its review's deadline (left out for other
    /// deadlines).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjustment: Option<i64>,
    /// The person's subject-access request, for its due date (left out for other deadlines).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_access_request: Option<i64>,
}

/// One kind of event, as published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventType {
    /// The `type` on the timeline.
    pub name: &'static str,
    /// The `type` in the event feed and on webhooks: dotted, the thing then what happened to
    /// it (`case.created`), at [`FEED_VERSION`].
    pub feed_name: &'static str,
    /// Who may see it.
    pub visibility: Visibility,
    /// What it means.
    pub description: &'static str,
}

/// The version of the feed's events: a payload's fields change only with a new version.
pub const FEED_VERSION: u32 = 1;

macro_rules! event_types {
    ($($variant:ident => $name:literal, $feed_name:literal, $visibility:ident, $description:literal;)+) => {
        impl CaseEvent {
            /// The event's `type`.
            pub fn name(&self) -> &'static str {
                match self { $(CaseEvent::$variant { .. } => $name),+ }
            }

            /// The event's `type` in the feed and on webhooks.
            pub fn feed_name(&self) -> &'static str {
                match self { $(CaseEvent::$variant { .. } => $feed_name),+ }
            }

            /// Who may see the event: the customer (and the partner who posted the case), or
            /// staff only.
            pub fn visibility(&self) -> Visibility {
                match self { $(CaseEvent::$variant { .. } => Visibility::$visibility),+ }
            }
        }

        /// Every kind of event, in the order a case usually meets them.
        pub const EVENT_TYPES: &[EventType] = &[
            $(EventType {
                name: $name,
                feed_name: $feed_name,
                visibility: Visibility::$visibility,
                description: $description,
            }),+
        ];
    };
}

event_types! {
    Received => "received", "case.created", Public, "The case was logged.";
    Triaged => "triaged", "case.triaged", Public, "Triage decided what the complaint is.";
    Acknowledged => "acknowledged", "stage.acknowledged", Public, "A stage, or a compliment or comment, was acknowledged.";
    Assigned => "assigned", "stage.assigned", Internal, "The stage's investigating officer was named.";
    Note => "note", "case.note_added", Internal, "A member of staff added an internal note.";
    ExtensionRequested => "extension_requested", "extension.requested", Internal, "The investigator asked for more time.";
    Extended => "extended", "extension.agreed", Public, "An extension was agreed: the stage's response is due later.";
    ExtensionRefused => "extension_refused", "extension.refused", Internal, "An extension was refused.";
    ResponseDrafted => "response_drafted", "response.drafted", Internal, "The investigator drafted the stage's response.";
    ResponseSent => "response_sent", "response.sent", Public, "The stage's response was approved and sent.";
    Escalated => "escalated", "stage_2.requested", Public, "Stage 2 was asked for.";
    Withdrawn => "withdrawn", "case.withdrawn", Public, "The customer withdrew the case.";
    Closed => "closed", "case.closed", Public, "The case was closed.";
    Reopened => "reopened", "case.reopened", Public, "The complaints manager reopened the case.";
    ReferredToOmbudsman => "referred_to_ombudsman", "ombudsman.referred", Public, "The complaint was referred to the Ombudsman.";
    OmbudsmanDecision => "ombudsman_decision", "ombudsman.decision_recorded", Public, "The Ombudsman decided.";
    RemedyPromised => "remedy_promised", "remedy.promised", Public, "The council promised a remedy.";
    RemedyOutcome => "remedy_outcome", "remedy.outcome_recorded", Public, "A remedy was done, or reported undeliverable.";
    Flagged => "flagged", "case.flagged", Internal, "A flag that changes handling was raised, with its referral.";
    Linked => "linked", "case.linked", Internal, "The case was linked to a related one.";
    PersonMatched => "person_matched", "case.person_matched", Internal, "Staff confirmed or corrected who the customer is.";
    LeadServiceChanged => "lead_service_changed", "case.lead_service_changed", Internal, "The complaints manager moved the lead service.";
    ContributingServiceAdded => "contributing_service_added", "case.contributing_service_added", Internal, "A service was named as contributing.";
    ContributingServiceRemoved => "contributing_service_removed", "case.contributing_service_removed", Internal, "A contributing service was taken off.";
    Forwarded => "forwarded", "feedback.forwarded", Public, "A compliment or comment was passed to its service and the staff named.";
    Replied => "replied", "feedback.replied", Public, "A compliment or comment was answered.";
    CommentActionRecorded => "comment_action_recorded", "feedback.comment_action_recorded", Public, "What was done with a comment was recorded.";
    DeadlineApproaching => "deadline_approaching", "deadline.approaching", Internal, "A deadline is the policy's reminder number of working days away.";
    DeadlineMissed => "deadline_missed", "deadline.missed", Internal, "A deadline passed without being met (said on the first working day after it).";
    RemedyOverdue => "remedy_overdue", "remedy.overdue", Internal, "A promised remedy was not done by its date.";
    LearningActionOverdue => "learning_action_overdue", "learning_action.overdue", Internal, "A learning action from the case was not completed by its date.";
    CorrespondenceReceived => "correspondence_received", "correspondence.received", Public, "Information from the customer was added: by the customer, or logged by staff and shared with the customer.";
    CorrespondenceLogged => "correspondence_logged", "correspondence.logged", Internal, "Staff logged an incoming call, letter or email, for staff only.";
    DocumentAdded => "document_added", "document.added", Public, "A document the customer sees was added: uploaded by the customer, or shared with them by staff.";
    StaffDocumentAdded => "staff_document_added", "document.added_for_staff", Internal, "A document for staff only was added.";
    SurveyInvited => "survey_invited", "survey.invited", Internal, "The customer was invited to say how their complaint was handled.";
    SurveyAnswered => "survey_answered", "survey.answered", Internal, "The customer answered the satisfaction survey.";
    CaseAccessLinkSent => "case_access_link_sent", "case_access_link.sent", Internal, "A resident without an account was sent a link back to the case, by email or text message.";
    CaseAccessLinkRevoked => "case_access_link_revoked", "case_access_link.revoked", Internal, "Staff revoked a resident's case link: it and the tokens it gave stop working.";
    CaseAccessLinkClaimed => "case_access_link_claimed", "case_access_link.claimed", Internal, "The resident signed in and claimed the case into their account; its links stop working.";
    CorrespondenceSent => "correspondence_sent", "correspondence.sent", Public, "A message to the customer was handed to its provider, or printed locally.";
    CorrespondenceDelivered => "correspondence_delivered", "correspondence.delivered", Public, "The provider delivered a message to the customer (a letter: posted).";
    CorrespondenceFailed => "correspondence_failed", "correspondence.failed", Internal, "A message did not reach the customer: the case is in the failed-correspondence work queue.";
    CorrespondenceReturned => "correspondence_returned", "correspondence.returned", Internal, "A posted letter came back: the case is in the failed-correspondence work queue.";
    EscalationRefused => "escalation_refused", "stage_2.refused", Public, "A request for stage 2 was refused, with the reasons; the customer was told they may go to the Ombudsman.";
    RestrictionWarningRecorded => "restriction_warning_recorded", "restriction.warning_recorded", Internal, "A warning about unreasonable behaviour, given before a restriction, was recorded with its date.";
    RestrictionDecided => "restriction_decided", "restriction.decided", Internal, "A restriction on the person's contact was decided by a senior officer.";
    RestrictionNoticeSent => "restriction_notice_sent", "restriction.notice_sent", Internal, "The restriction's notice (why, what, for how long, the review date, the Ombudsman) was written to the person.";
    RestrictedContact => "restricted_contact", "restriction.contact_received", Internal, "Contact from a restricted person reached the case: recorded, flagged and routed, never dropped.";
    RestrictionLifted => "restriction_lifted", "restriction.lifted", Internal, "A restriction was lifted at its review.";
    RestrictionExtended => "restriction_extended", "restriction.extended", Internal, "A restriction was extended at its review, with reasons, to a new review date.";
    NewIssuesReviewed => "new_issues_reviewed", "case.new_issues_reviewed", Internal, "Staff read restricted contact on the case for new issues or safeguarding concerns.";
    LegalHoldPlaced => "legal_hold_placed", "legal_hold.placed", Internal, "A legal hold was placed on the case or its customer's person: retention and erasure stop while it is in force.";
    LegalHoldLifted => "legal_hold_lifted", "legal_hold.lifted", Internal, "A legal hold on the case or its customer's person was lifted.";
    Anonymised => "anonymised", "case.anonymised", Internal, "The case's personal data was removed (retention schedule or erasure); what the reports count was kept.";
    DocumentsDeleted => "documents_deleted", "case.documents_deleted", Internal, "The case's documents were deleted, their time after closure having come.";
    ErasureRequested => "erasure_requested", "erasure.requested", Internal, "The customer's person asked for their personal data to be erased.";
    ErasureDecided => "erasure_decided", "erasure.decided", Internal, "An erasure request was decided: refused with its lawful basis, or carried out as anonymisation.";
}

impl CaseEvent {
    /// The stage the event concerns, and the due date it sets, where it has them: all the
    /// feed says of an event beyond its type, case and time (no personal data; a consumer
    /// reads the rest through the API, where access is checked).
    pub fn feed_facts(&self) -> (Option<Stage>, Option<NaiveDate>) {
        match self {
            CaseEvent::Triaged { stage, details, .. } => (*stage, details.referral_due),
            CaseEvent::Acknowledged(Acknowledgement::Stage {
                stage,
                response_due,
                ..
            }) => (Some(*stage), Some(*response_due)),
            CaseEvent::Acknowledged(Acknowledgement::Feedback { reply_due, .. }) => {
                (None, *reply_due)
            }
            CaseEvent::Assigned { stage, .. } | CaseEvent::ResponseDrafted { stage, .. } => {
                (Some(*stage), None)
            }
            CaseEvent::ExtensionRequested { stage, new_due, .. } => (Some(*stage), Some(*new_due)),
            CaseEvent::Extended { new_due, .. } => (None, Some(*new_due)),
            CaseEvent::ResponseSent {
                stage,
                escalation_window_closes,
                ..
            } => (Some(*stage), *escalation_window_closes),
            CaseEvent::Escalated {
                stage,
                acknowledgement_due,
                ..
            } => (Some(*stage), Some(*acknowledgement_due)),
            CaseEvent::RemedyPromised { due, .. } => (None, Some(*due)),
            CaseEvent::DeadlineApproaching(alert) | CaseEvent::DeadlineMissed(alert) => {
                (alert.stage, Some(alert.due))
            }
            CaseEvent::RemedyOverdue { due, .. } | CaseEvent::LearningActionOverdue { due, .. } => {
                (None, Some(*due))
            }
            // The link's expiry is the customer's, not a deadline of the council's.
            CaseEvent::SurveyInvited { stage, .. } | CaseEvent::SurveyAnswered { stage } => {
                (Some(*stage), None)
            }
            CaseEvent::EscalationRefused { .. } => (Some(Stage::Stage1), None),
            CaseEvent::RestrictionDecided { review_on, .. } => (None, Some(*review_on)),
            CaseEvent::RestrictionExtended { new_review_on, .. } => (None, Some(*new_review_on)),
            CaseEvent::RestrictionWarningRecorded { .. }
            | CaseEvent::RestrictionNoticeSent { .. }
            | CaseEvent::RestrictedContact { .. }
            | CaseEvent::RestrictionLifted { .. }
            | CaseEvent::NewIssuesReviewed { .. } => (None, None),
            CaseEvent::LegalHoldPlaced { .. }
            | CaseEvent::LegalHoldLifted { .. }
            | CaseEvent::Anonymised { .. }
            | CaseEvent::DocumentsDeleted { .. }
            | CaseEvent::ErasureRequested { .. }
            | CaseEvent::ErasureDecided { .. }
            | CaseEvent::CaseAccessLinkSent { .. }
            | CaseEvent::CaseAccessLinkRevoked { .. }
            | CaseEvent::CaseAccessLinkClaimed { .. } => (None, None),
            CaseEvent::Received { .. }
            | CaseEvent::Note { .. }
            | CaseEvent::ExtensionRefused { .. }
            | CaseEvent::Withdrawn { .. }
            | CaseEvent::Closed { .. }
            | CaseEvent::Reopened { .. }
            | CaseEvent::ReferredToOmbudsman { .. }
            | CaseEvent::OmbudsmanDecision { .. }
            | CaseEvent::RemedyOutcome { .. }
            | CaseEvent::Flagged { .. }
            | CaseEvent::Linked { .. }
            | CaseEvent::PersonMatched { .. }
            | CaseEvent::LeadServiceChanged { .. }
            | CaseEvent::ContributingServiceAdded { .. }
            | CaseEvent::ContributingServiceRemoved { .. }
            | CaseEvent::Forwarded { .. }
            | CaseEvent::Replied { .. }
            | CaseEvent::CommentActionRecorded { .. }
            | CaseEvent::CorrespondenceReceived(_)
            | CaseEvent::CorrespondenceLogged(_)
            | CaseEvent::DocumentAdded(_)
            | CaseEvent::StaffDocumentAdded(_)
            | CaseEvent::CorrespondenceSent { .. }
            | CaseEvent::CorrespondenceDelivered { .. }
            | CaseEvent::CorrespondenceFailed { .. }
            | CaseEvent::CorrespondenceReturned { .. } => (None, None),
        }
    }

    /// The event's details, as stored on the timeline.
    pub fn details(&self) -> serde_json::Value {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(mut tagged)) => {
                tagged.remove("details").unwrap_or(serde_json::Value::Null)
            }
            _ => serde_json::Value::Null,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(text: &str) -> Instant {
        Instant(NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").expect("instant"))
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn an_acknowledgement_is_stored_as_the_timeline_has_always_shown_it() {
        let event = CaseEvent::Acknowledged(Acknowledgement::Stage {
            stage: Stage::Stage1,
            method: "email".into(),
            acknowledged_at: at("2025-12-23 15:00:00"),
            on_time: true,
            response_due: date("2026-01-09"),
        });
        assert_eq!(event.name(), "acknowledged");
        assert_eq!(event.feed_name(), "stage.acknowledged");
        assert_eq!(
            event.feed_facts(),
            (Some(Stage::Stage1), Some(date("2026-01-09")))
        );
        assert_eq!(event.visibility(), Visibility::Public);
        assert_eq!(
            event.details(),
            json!({"stage": "stage_1", "method": "email", "acknowledged_at": "2025-12-23T15:00:00Z",
                   "on_time": true, "response_due": "2026-01-09"})
        );
    }

    #[test]
    fn a_closure_records_outstanding_remedies_only_when_there_were_some() {
        let plain = CaseEvent::Closed {
            from: Status::Open,
            to: Status::Closed,
            reason: None,
            outstanding_remedies: None,
            outstanding_remedies_reason: None,
        };
        assert_eq!(
            plain.details(),
            json!({"from": "open", "to": "closed", "reason": null})
        );
        let promised = CaseEvent::RemedyPromised {
            remedy: 7,
            remedy_type: "apology".into(),
            description: "Say sorry".into(),
            due: date("2026-12-18"),
        };
        assert_eq!(
            promised.details(),
            json!({"remedy": 7, "type": "apology", "description": "Say sorry", "due": "2026-12-18"})
        );
    }

    #[test]
    fn information_and_documents_are_seen_as_their_visibility_says() {
        let item = Correspondence {
            direction: Direction::Incoming,
            method: CorrespondenceMethod::Phone,
            text: "Rang to say the bin was missed again".into(),
            received_at: at("2026-12-04 09:30:00"),
        };
        let shared = CaseEvent::correspondence(item.clone(), DocumentVisibility::Customer);
        assert_eq!(shared.name(), "correspondence_received");
        assert_eq!(shared.feed_name(), "correspondence.received");
        assert_eq!(shared.visibility(), Visibility::Public);
        let logged = CaseEvent::correspondence(item, DocumentVisibility::Staff);
        assert_eq!(logged.name(), "correspondence_logged");
        assert_eq!(logged.visibility(), Visibility::Internal);
        assert_eq!(
            logged.details(),
            json!({"direction": "incoming", "method": "phone",
                   "text": "Rang to say the bin was missed again",
                   "received_at": "2026-12-04T09:30:00Z"})
        );
        let document = DocumentAdded {
            document: 4,
            filename: "bin.png".into(),
            document_type: DocumentType::Png,
            size_bytes: 70,
            sha256: "ab".into(),
        };
        let staff = CaseEvent::document(document.clone(), DocumentVisibility::Staff);
        assert_eq!(staff.feed_name(), "document.added_for_staff");
        assert_eq!(staff.visibility(), Visibility::Internal);
        let shared = CaseEvent::document(document, DocumentVisibility::Customer);
        assert_eq!(shared.feed_name(), "document.added");
        assert_eq!(shared.visibility(), Visibility::Public);
        assert_eq!(
            shared.details(),
            json!({"document": 4, "filename": "bin.png", "document_type": "png",
                   "size_bytes": 70, "sha256": "ab"})
        );
    }

    #[test]
    fn staff_only_events_are_internal() {
        let internal: Vec<&str> = EVENT_TYPES
            .iter()
            .filter(|t| t.visibility == Visibility::Internal)
            .map(|t| t.name)
            .collect();
        assert_eq!(
            internal,
            vec![
                "assigned",
                "note",
                "extension_requested",
                "extension_refused",
                "response_drafted",
                "flagged",
                "linked",
                "person_matched",
                "lead_service_changed",
                "contributing_service_added",
                "contributing_service_removed",
                "deadline_approaching",
                "deadline_missed",
                "remedy_overdue",
                "learning_action_overdue",
                "correspondence_logged",
                "staff_document_added",
                "survey_invited",
                "survey_answered",
                "case_access_link_sent",
                "case_access_link_revoked",
                "case_access_link_claimed",
                "correspondence_failed",
                "correspondence_returned",
                "restriction_warning_recorded",
                "restriction_decided",
                "restriction_notice_sent",
                "restricted_contact",
                "restriction_lifted",
                "restriction_extended",
                "new_issues_reviewed",
                "legal_hold_placed",
                "legal_hold_lifted",
                "anonymised",
                "documents_deleted",
                "erasure_requested",
                "erasure_decided"
            ]
        );
    }

    #[test]
    fn feed_names_are_dotted_unique_and_the_issues_examples() {
        let mut names: Vec<&str> = EVENT_TYPES.iter().map(|t| t.feed_name).collect();
        for name in &names {
            let (thing, happened) = name.split_once('.').expect("dotted");
            assert!(!thing.is_empty() && !happened.is_empty() && !happened.contains('.'));
        }
        for example in [
            "case.created",
            "case.triaged",
            "stage.acknowledged",
            "extension.agreed",
            "response.sent",
            "stage_2.requested",
            "case.closed",
            "ombudsman.decision_recorded",
            "deadline.approaching",
            "deadline.missed",
            "remedy.overdue",
            "learning_action.overdue",
            "survey.invited",
            "survey.answered",
        ] {
            assert!(names.contains(&example), "{example}");
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 58);
    }

    #[test]
    fn every_event_type_is_listed_once() {
        let mut names: Vec<&str> = EVENT_TYPES.iter().map(|t| t.name).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count);
        assert_eq!(count, 58);
    }
}

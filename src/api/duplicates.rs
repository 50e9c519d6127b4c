//! Possible duplicates found at intake (issue 14 §5), for staff.

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::database::ApiDatabase;
use super::{responses, rfc3339};
use crate::app;
use crate::auth::Staff;
use crate::db::duplicates::CandidateRow;
use crate::db::Database;
use crate::domain::case::{Kind, Stage, Status};
use crate::error::ApiError;

/// An earlier case intake found the case may repeat.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "reference": "CMP-2026-000017", "kind": "complaint", "service": "waste-care",
    "received_at": "2026-11-02T09:14:00Z", "status": "in_progress", "stage": "stage_1",
    "score": 0.6, "linked": false, "found_at": "2026-11-20T10:31:24Z"
}))]
pub struct PossibleDuplicate {
    pub reference: String,
    pub kind: Kind,
    /// The earlier case's lead service.
    pub service: String,
    #[schema(format = DateTime)]
    pub received_at: String,
    pub status: Status,
    pub stage: Option<Stage>,
    /// How alike the two cases' texts are, from 0 to 1: the Jaccard similarity of their
    /// content words (summary and description, stop words left out), to three places.
    /// Offered from 0.4.
    #[schema(minimum = 0.4, maximum = 1.0)]
    pub score: f64,
    /// Staff have linked the two cases (`POST /cases/{reference}/links`): the candidate is
    /// resolved.
    pub linked: bool,
    #[schema(format = DateTime)]
    pub found_at: String,
}

/// The possible duplicates of a case, the most similar first (at most 10).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PossibleDuplicateList {
    pub items: Vec<PossibleDuplicate>,
}

fn view(row: CandidateRow) -> PossibleDuplicate {
    let case = row.candidate;
    PossibleDuplicate {
        reference: case.reference,
        kind: case.kind,
        service: case.service_id,
        received_at: rfc3339(case.received_at),
        status: case.status,
        stage: case.stage,
        score: f64::from(row.score_permille) / 1000.0,
        linked: row.linked_at.is_some(),
        found_at: rfc3339(row.found_at),
    }
}

#[utoipa::path(
    tag = "cases",
    operation_id = "list_possible_duplicates",
    description = "Roles: investigating_officer and head_of_service of the case's lead or a \
                   contributing service, complaints_manager.\n\n\
                   The complaints intake found this complaint may repeat: the same person (a \
                   sure match), the same service, received within `DUPLICATE_WINDOW_DAYS` \
                   (60 by default) either side, with similar text (Jaccard similarity of the \
                   content words of summary and description, 0.4 or more). Such a case is \
                   flagged `possible_duplicate`. Linking a candidate (`POST \
                   /cases/{reference}/links`) resolves it (`linked: true`) and leaves both \
                   cases' references, stages and deadlines as they were. Candidates the caller \
                   may not see are left out.",
    params(("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The possible duplicates, most similar first", body = PossibleDuplicateList),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
    )
)]
#[get("/cases/{reference}/possible-duplicates")]
pub async fn list(
    req: actix_web::HttpRequest,
    staff: Staff,
    db: web::Data<Database>,
    reference: web::Path<String>,
) -> Result<web::Json<PossibleDuplicateList>, ApiError> {
    let caller = staff.0;
    let reference = reference.into_inner();
    let reader = caller.clone();
    let (case, candidates) = db
        .read(move |conn| Ok(app::duplicates::of_case(conn, &reader, &reference)?))
        .await?;
    super::access_log::record(
        &req,
        &caller,
        [crate::domain::access_log::Read::case(case.reference)],
    );
    Ok(web::Json(PossibleDuplicateList {
        items: candidates.into_iter().map(view).collect(),
    }))
}

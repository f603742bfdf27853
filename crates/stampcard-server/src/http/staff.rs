//! The staff API (our extension; same envelope, auth, idempotency and tenancy as the stamp
//! API): the counter's people, each with their own password for some or all of the cards.

use axum::extract::{RawQuery, State};
use stampcard_core::ErrorCode;
use stampcard_core::staff::{StaffCreateRequest, StaffUpdateRequest, StaffView, paths};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiCaller, BodylessIdempotency, JsonRequest, query_idx};
use super::openapi::{AUTH, BODY, EnvelopeNull, HASHING, IDEMPOTENCY, QUERY, Refusing};
use super::{ApiResult, AppState, ok};
use crate::ops;
use crate::secrets;
use crate::store::op;

/// A staff member's fields.
const STAFF_FIELDS: &[ErrorCode] = &[
    ErrorCode::OutOfRange,
    ErrorCode::TooLong,
    ErrorCode::EmptyField,
    ErrorCode::InvalidText,
    ErrorCode::InvalidFlag,
    ErrorCode::InvalidStaffPassword,
    ErrorCode::InvalidCardIdxs,
];

/// The staff API's routes, each with what it can refuse.
pub fn router() -> OpenApiRouter<AppState> {
    use ErrorCode::*;
    OpenApiRouter::new()
        .routes(routes!(create).refusing(&[AUTH, BODY, IDEMPOTENCY, STAFF_FIELDS, &[CardNotFound], HASHING]))
        .routes(routes!(list).refusing(&[AUTH]))
        .routes(routes!(update).refusing(&[
            AUTH,
            BODY,
            IDEMPOTENCY,
            STAFF_FIELDS,
            &[StaffNotFound, CardNotFound],
            HASHING,
        ]))
        .routes(routes!(delete_staff).refusing(&[AUTH, QUERY, IDEMPOTENCY, &[StaffNotFound]]))
}

/// Success; `result` is a staff member.
#[derive(ToSchema)]
// Documentation only: the server builds envelopes with `stampcard_core::wire::Envelope`.
#[allow(dead_code)]
pub struct EnvelopeStaff {
    /// 0 on success.
    #[schema(example = 0)]
    code: i32,
    /// Empty on success.
    #[schema(example = "")]
    message: String,
    /// The staff member.
    result: StaffView,
}

/// Success; `result` is the account's staff members.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct EnvelopeStaffList {
    /// 0 on success.
    #[schema(example = 0)]
    code: i32,
    /// Empty on success.
    #[schema(example = "")]
    message: String,
    /// The staff members, oldest first.
    result: Vec<StaffView>,
}

/// Add a staff member. `staffPwd` is write-only (stored as an argon2id hash); at the counter
/// they type `<staffIdx>:<staffPwd>` where a card's `onsitePwd` is asked for. Without
/// `cardIdxs` they may act on every card, including cards created later. `result` is the
/// staff member.
#[utoipa::path(
    post, path = paths::STAFF_CREATE, operation_id = "createStaff", tag = "staff",
    request_body = StaffCreateRequest,
    responses((status = 200, description = "Added; `result` is the staff member", body = EnvelopeStaff)),
    security(("APIKey" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    mut request: JsonRequest<StaffCreateRequest>,
) -> ApiResult {
    let new = request.value.check()?;
    let hash = secrets::hash_secret(new.password.clone()).await?;
    let ctx = state.ctx(&caller);
    let idempotency = request.idempotency(caller.scope());
    state.write(op(move |tx| Box::pin(ops::staff::create(tx, ctx, new, hash))), idempotency).await
}

/// The account's staff members, oldest first.
#[utoipa::path(
    get, path = paths::STAFF_LIST, operation_id = "listStaff", tag = "staff",
    responses((status = 200, description = "The staff members", body = EnvelopeStaffList)),
    security(("APIKey" = []))
)]
pub async fn list(State(state): State<AppState>, caller: ApiCaller) -> ApiResult {
    ok(&ops::staff::list(state.store.as_ref(), caller.account_idx).await?)
}

/// Change a staff member; absent fields are unchanged. `cardIdxs` replaces their cards,
/// `allCardsYn: "Y"` gives them every card, `activeYn: "N"` turns their password off.
/// `result` is the staff member.
#[utoipa::path(
    put, path = paths::STAFF_UPDATE, operation_id = "updateStaff", tag = "staff",
    request_body = StaffUpdateRequest,
    responses((status = 200, description = "Updated; `result` is the staff member", body = EnvelopeStaff)),
    security(("APIKey" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    mut request: JsonRequest<StaffUpdateRequest>,
) -> ApiResult {
    let patch = request.value.check()?;
    let hash = match &patch.password {
        Some(password) => Some(secrets::hash_secret(password.clone()).await?),
        None => None,
    };
    let staff_idx = request.value.staff_idx;
    let ctx = state.ctx(&caller);
    let idempotency = request.idempotency(caller.scope());
    state.write(op(move |tx| Box::pin(ops::staff::update(tx, ctx, staff_idx, patch, hash))), idempotency).await
}

/// Remove a staff member: their password stops working at once; the history keeps their
/// `staffIdx`.
#[utoipa::path(
    delete, path = paths::STAFF_DELETE, operation_id = "deleteStaff", tag = "staff",
    params(("staffIdx" = i64, Query, minimum = 1, maximum = 9007199254740991_i64, description = "The staff member")),
    responses((status = 200, description = "Deleted; `result` is null", body = EnvelopeNull)),
    security(("APIKey" = []))
)]
pub async fn delete_staff(
    State(state): State<AppState>,
    caller: ApiCaller,
    BodylessIdempotency(key): BodylessIdempotency,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let staff_idx = query_idx(query.as_deref(), "staffIdx")?;
    let ctx = state.ctx(&caller);
    let idempotency = key.map(|key| key.scoped(caller.scope()));
    state.write(op(move |tx| Box::pin(ops::staff::delete(tx, ctx, staff_idx))), idempotency).await
}

//! HTTP plumbing shared by the handlers: extractors whose rejections are the API's JSON errors,
//! versions as `ETag`s and the `If-Match` they must come back in, and page limits.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{ApiError, ApiResult};

/// The largest page a list answers (`?limit=`); the default is [`DEFAULT_PAGE`].
pub const MAX_PAGE: u32 = 500;
/// The page size without `?limit=`.
pub const DEFAULT_PAGE: u32 = 50;

/// A JSON request body; a malformed one is a 400 (413 when too large) in the API's format.
pub struct Body<T>(pub T);

impl<S, T> FromRequest<S> for Body<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Body(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    let status = rejection.status();
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "too-large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported-media-type",
        _ => "bad-request",
    };
    let mut error = ApiError::new(status, code, rejection.body_text());
    if status == StatusCode::UNPROCESSABLE_ENTITY {
        // A body of the wrong shape: the JSON parsed but did not fit.
        error.code = "bad-request";
        error.status = StatusCode::BAD_REQUEST;
    }
    error
}

/// Query parameters; malformed ones are a 400.
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(rejection) => Err(query_rejection(rejection)),
        }
    }
}

fn query_rejection(rejection: QueryRejection) -> ApiError {
    ApiError::bad_request(rejection.body_text())
}

/// Path parameters; ones that do not parse (a project id that is not a number) name nothing
/// that exists: 404.
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(rejection) => Err(path_rejection(rejection)),
        }
    }
}

fn path_rejection(rejection: PathRejection) -> ApiError {
    match rejection {
        PathRejection::FailedToDeserializePathParams(_) => ApiError::not_found("object"),
        other => {
            tracing::error!(error = %other.body_text(), "path parameters");
            ApiError::internal()
        }
    }
}

/// The `ETag` of a version: a strong tag, the version number in quotes.
pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// The version an update or delete names in `If-Match`: 428 without one, 412 when it is not one
/// of ours (so it cannot match).
pub fn if_match(headers: &HeaderMap) -> ApiResult<i64> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Err(ApiError::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition-required",
            "send the object's ETag in `If-Match`, so that nobody's change is overwritten unseen",
        ));
    };
    let text = value.to_str().unwrap_or_default().trim();
    let text = text.strip_prefix("W/").unwrap_or(text);
    text.trim_matches('"').parse().map_err(|_| {
        ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "stale",
            "`If-Match` does not name a version of this object",
        )
    })
}

/// A JSON answer with an `ETag`.
pub fn tagged<T: Serialize>(status: StatusCode, version: i64, body: &T) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(header::ETAG, etag(version));
    response
}

/// The page size a list asks for, within 1..=[`MAX_PAGE`].
pub fn page_limit(limit: Option<u32>) -> ApiResult<u32> {
    match limit {
        None => Ok(DEFAULT_PAGE),
        Some(limit @ 1..=MAX_PAGE) => Ok(limit),
        Some(_) => Err(ApiError::bad_request(format!(
            "`limit` must be between 1 and {MAX_PAGE}"
        ))),
    }
}

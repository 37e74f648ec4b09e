//! HTTP plumbing shared by the handlers: extractors whose rejections are the API's JSON errors,
//! versions as `ETag`s and the `If-Match` they must come back in, and page limits.

use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
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

/// A JSON request body, whatever its `Content-Type` says (the CSRF token, not the media type,
/// is what protects cookie requests); a malformed one is a 400 (413 when too large) in the API's
/// format.
pub struct Body<T>(pub T);

impl<S, T> FromRequest<S> for Body<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                let status = rejection.status();
                let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    "too-large"
                } else {
                    "bad-request"
                };
                ApiError::new(status, code, rejection.body_text())
            })?;
        serde_json::from_slice(&bytes).map(Body).map_err(|error| {
            ApiError::bad_request(format!("the body is not the JSON expected: {error}"))
        })
    }
}

/// Reads a whole number that JSON may write as `3` or `3.0` (JSON Schema's `integer` allows
/// both).
pub fn whole_number<'de, D>(deserializer: D) -> Result<Option<u32>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let value: Option<f64> = serde::Deserialize::deserialize(deserializer)?;
    match value {
        None => Ok(None),
        Some(number) if number.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&number) => {
            Ok(Some(number as u32))
        }
        Some(number) => Err(serde::de::Error::custom(format!(
            "{number} is not a whole number in range"
        ))),
    }
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

/// Reads a whole number that JSON may write as `3` or `3.0`, as an `i64`.
pub fn whole_i64<'de, D>(deserializer: D) -> Result<Option<i64>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let value: Option<serde_json::Number> = serde::Deserialize::deserialize(deserializer)?;
    match value {
        None => Ok(None),
        Some(number) => match (number.as_i64(), number.as_f64()) {
            (Some(integer), _) => Ok(Some(integer)),
            // Floats within ±2^53 are exact; beyond they may not be the integer meant.
            (None, Some(float))
                if float.fract() == 0.0 && float.abs() <= 9_007_199_254_740_992.0 =>
            {
                Ok(Some(float as i64))
            }
            _ => Err(serde::de::Error::custom(format!(
                "{number} is not a whole number in range"
            ))),
        },
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

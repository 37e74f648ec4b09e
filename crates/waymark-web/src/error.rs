//! The API's one error type and its JSON: `{"error": {"code", "message"}}`, with the plan
//! reader's diagnostics when a plan was refused. Store errors map to status codes here; database
//! faults are logged and answered with a bare 500, never with SQL, paths or backtraces.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use waymark_core::Diagnostic;
use waymark_store::StoreError;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub diagnostics: Vec<DiagnosticBody>,
    pub retry_after: Option<u64>,
}

/// The JSON of an error answer.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable, machine-readable code: `not-found`, `stale`, `precondition-required`, ...
    pub code: String,
    /// A sentence for people.
    pub message: String,
    /// The plan reader's findings, when a plan was refused (`invalid-plan`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<DiagnosticBody>,
}

/// One finding of the plan reader, as in `waymark check --json`, with the file's line and column.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DiagnosticBody {
    pub severity: String,
    pub code: String,
    pub message: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub help: Option<String>,
}

impl DiagnosticBody {
    pub fn from_diagnostic(diagnostic: &Diagnostic) -> DiagnosticBody {
        DiagnosticBody {
            severity: diagnostic.severity.as_str().to_owned(),
            code: diagnostic.code.to_owned(),
            message: diagnostic.message.clone(),
            line: diagnostic.location.map(|l| l.line),
            column: diagnostic.location.map(|l| l.column),
            help: diagnostic.help.clone(),
        }
    }
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            diagnostics: Vec::new(),
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad-request", message)
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "sign in, or send an API token as `Authorization: Bearer wmt_...`",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("{what} not found"),
        )
    }

    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; the server log has the details",
        )
    }

    /// A plan (a file, or the stored project) that the plan reader refuses: 422 with every
    /// finding.
    pub fn invalid_plan(message: impl Into<String>, diagnostics: &[Diagnostic]) -> ApiError {
        let mut error = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-plan", message);
        error.diagnostics = diagnostics
            .iter()
            .map(DiagnosticBody::from_diagnostic)
            .collect();
        error
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::NotFound(what) => ApiError::not_found(what),
            StoreError::Stale { .. } => ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "stale",
                "the object changed since you read it: read it again (its ETag) and retry",
            ),
            StoreError::Duplicate(_) => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                "the object already exists",
            ),
            StoreError::Invalid(message) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
            }
            other => {
                tracing::error!(error = %other, "store error");
                ApiError::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
                diagnostics: self.diagnostics,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

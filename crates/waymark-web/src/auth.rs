//! Who is calling, and the account routes: signing in and out (cookie sessions with a CSRF
//! token), API tokens (`Authorization: Bearer`), password changes, and the one-time setup of the
//! first administrator.
//!
//! Everything here lives in the store (sessions, rate-limit counters, setup links), never in this
//! process's memory, so several servers on one database share it.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use waymark_store::{auth, Actor, ApiToken, NewUser, StoreError, TokenId, User};

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{Body, Path};
use crate::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "waymark_session";
/// The header that must carry the session's CSRF token on every state change made with the
/// session cookie.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The signed-in user of a request and how they proved it.
pub struct Caller {
    pub user: User,
    pub via: Via,
}

pub enum Via {
    /// The session cookie; `secret` is its value.
    Session {
        secret: String,
        csrf_token: String,
    },
    Token(TokenId),
}

impl Caller {
    pub fn actor(&self) -> Actor {
        Actor::User(self.user.id)
    }
}

pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"').to_owned())
}

/// Whether a request that signs someone in (or creates the first administrator) was sent by
/// this server's own pages, not by a form on another site: login CSRF would sign the victim in
/// to the attacker's account. Browsers say where a request comes from in `Sec-Fetch-Site` (and
/// `Origin`), which a page cannot forge; a request with neither is not from a browser's
/// cross-site form (curl, scripts with a token) and passes.
pub(crate) fn from_this_site(headers: &HeaderMap) -> bool {
    let text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    if let Some(site) = headers.get("sec-fetch-site") {
        // "none" is the user's own navigation (typed address, bookmark).
        return site == "same-origin" || site == "none";
    }
    let Some(origin) = text("origin") else {
        return true;
    };
    // `Origin: null` (sandboxed frames, some redirects) names no site: refused.
    let Some((_, authority)) = origin.split_once("://") else {
        return false;
    };
    [text("host"), text("x-forwarded-host")]
        .into_iter()
        .flatten()
        .any(|host| host.eq_ignore_ascii_case(authority))
}

/// The refusal of a sign-in or setup request that came from another site.
pub(crate) fn cross_site() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "cross-site",
        "this request came from another site: sign in on Waymark's own page",
    )
}

/// Compares two secrets in time that does not depend on where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |difference, (x, y)| difference | (x ^ y))
            == 0
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Caller> {
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let text = value.to_str().unwrap_or_default();
            let Some(secret) = text
                .strip_prefix("Bearer ")
                .or_else(|| text.strip_prefix("bearer "))
            else {
                return Err(ApiError::unauthorized());
            };
            return match state.store.authenticate_token(secret.trim()).await? {
                Some((token, user)) => Ok(Caller {
                    user,
                    via: Via::Token(token.id),
                }),
                None => Err(ApiError::unauthorized()),
            };
        }
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(ApiError::unauthorized());
        };
        let Some((session, user)) = state.store.session(&secret).await? else {
            return Err(ApiError::unauthorized());
        };
        // A cookie is sent by the browser whoever made the page that sends it, so every state
        // change made with it must also carry the session's CSRF token, which only our pages
        // (same origin) can read.
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default();
            if !same_secret(sent, &session.csrf_token) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "csrf",
                    "a change made with the session cookie needs the session's token in \
                     `X-CSRF-Token`",
                ));
            }
        }
        Ok(Caller {
            user,
            via: Via::Session {
                secret,
                csrf_token: session.csrf_token,
            },
        })
    }
}

/// An account as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct UserBody {
    pub id: i64,
    pub name: String,
    pub display_name: String,
    pub email: Option<String>,
    pub is_admin: bool,
}

impl UserBody {
    pub fn of(user: &User) -> UserBody {
        UserBody {
            id: user.id.0,
            name: user.name.clone(),
            display_name: user.display_name.clone(),
            email: user.email.clone(),
            is_admin: user.is_admin,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub name: String,
    pub password: String,
}

/// The signed-in user, and for a cookie session the token to send in `X-CSRF-Token`.
#[derive(Serialize, ToSchema)]
pub struct SessionBody {
    pub user: UserBody,
    pub csrf_token: Option<String>,
}

pub(crate) fn session_cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let text = format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    );
    HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static(""))
}

/// The client's IP address, for rate limits ("unknown" where the server was not given one, as in
/// tests that call the router directly).
pub struct ClientAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or_else(|| "unknown".to_owned(), |info| info.0.ip().to_string()),
        ))
    }
}

/// An argon2id hash of a random password, made once, to verify against when there is no account.
fn stand_in_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| auth::hash_password(&auth::new_secret("")).unwrap_or_default())
}

/// Sign in with name and password: sets the session cookie (a new session every time).
#[utoipa::path(post, path = "/session", tag = "accounts", request_body = SignIn, security(()),
    responses(
        (status = 200, description = "Signed in; the cookie is set", body = SessionBody),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, description = "Sent from another site's page", body = ErrorBody),
        (status = 429, description = "Too many attempts", body = ErrorBody),
    ))]
async fn sign_in(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Body(SignIn { name, password }): Body<SignIn>,
) -> ApiResult<Response> {
    if !from_this_site(&headers) {
        return Err(cross_site());
    }
    let (user, issued) = check_sign_in(&state, &address, &name, password).await?;
    let config = &state.config;
    let mut response = axum::Json(SessionBody {
        user: UserBody::of(&user),
        csrf_token: Some(issued.record.csrf_token),
    })
    .into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(
            &state,
            &issued.secret,
            config.session_lifetime.num_seconds(),
        ),
    );
    Ok(response)
}

/// Checks a name and password under the sign-in rate limits and opens a session: the one rule
/// of signing in, shared by the API (`POST /session`) and the sign-in page.
pub(crate) async fn check_sign_in(
    state: &AppState,
    address: &str,
    name: &str,
    password: String,
) -> ApiResult<(User, waymark_store::Issued<waymark_store::Session>)> {
    let bad_credentials = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad-credentials",
            "unknown name or wrong password",
        )
    };
    // No account name holds a NUL character, and the databases cannot store one in a key.
    if name.contains('\0') {
        return Err(bad_credentials());
    }
    let config = &state.config;
    let window = config.sign_in_window;
    let limited = || {
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            "too many sign-in attempts: wait and try again",
        );
        error.retry_after = Some(window.num_seconds().max(1) as u64);
        error
    };
    // The address first: once it is limited, nothing about the name is stored at all.
    let by_address = state
        .store
        .rate_limit_hit(&format!("sign-in-ip:{address}"), window)
        .await?;
    if by_address > config.sign_in_attempts_per_address {
        return Err(limited());
    }
    // No account has a longer name (the store refuses them), so a longer one is answered
    // before its counter is kept: an attempt counts against the address only.
    if name.chars().count() > waymark_store::MAX_USER_NAME {
        return Err(bad_credentials());
    }
    let by_name = state
        .store
        .rate_limit_hit(&format!("sign-in:{name}"), window)
        .await?;
    if by_name > config.sign_in_attempts_per_name {
        return Err(limited());
    }
    let credentials = state.store.credentials(name).await?;
    // Unknown names and disabled accounts are checked against a stand-in hash, so that the time
    // an answer takes does not tell whether the account exists.
    let (user, hash) = match credentials {
        Some((user, hash)) if !user.disabled => (Some(user), Some(hash)),
        _ => (None, None),
    };
    let ok = tokio::task::spawn_blocking(move || match hash {
        Some(hash) => auth::verify_password(&password, &hash),
        None => {
            let _ = auth::verify_password(&password, stand_in_hash());
            false
        }
    })
    .await
    .map_err(|_| ApiError::internal())?;
    let verified = user.filter(|_| ok);
    let Some(user) = verified else {
        return Err(bad_credentials());
    };
    state
        .store
        .rate_limit_reset(&format!("sign-in:{name}"))
        .await?;
    let issued = state
        .store
        .create_session(user.id, config.session_lifetime)
        .await?;
    Ok((user, issued))
}

/// The signed-in user (and the session's CSRF token).
#[utoipa::path(get, path = "/session", tag = "accounts",
    responses((status = 200, body = SessionBody), (status = 401, body = ErrorBody)))]
async fn current_session(caller: Caller) -> axum::Json<SessionBody> {
    axum::Json(SessionBody {
        user: UserBody::of(&caller.user),
        csrf_token: match caller.via {
            Via::Session { csrf_token, .. } => Some(csrf_token),
            Via::Token(_) => None,
        },
    })
}

/// Sign out: ends this session and clears the cookie.
#[utoipa::path(delete, path = "/session", tag = "accounts",
    responses((status = 204, description = "Signed out"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
async fn sign_out(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    if let Via::Session { secret, .. } = &caller.via {
        state.store.revoke_session(secret).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, "", 0));
    Ok(response)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// At least 8 characters.
    #[schema(min_length = 8)]
    pub new_password: String,
}

/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 8;

/// Change your password; every session of yours ends (sign in again).
#[utoipa::path(put, path = "/me/password", tag = "accounts", request_body = PasswordChange,
    responses((status = 204, description = "Changed; all sessions ended"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    Body(change): Body<PasswordChange>,
) -> ApiResult<Response> {
    if change.new_password.chars().count() < MIN_PASSWORD {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "weak-password",
            format!("a password needs at least {MIN_PASSWORD} characters"),
        ));
    }
    let Some((user, hash)) = state.store.credentials(&caller.user.name).await? else {
        return Err(ApiError::forbidden("this account has no password"));
    };
    let current = change.current_password;
    let new = change.new_password;
    let new_hash = tokio::task::spawn_blocking(move || {
        auth::verify_password(&current, &hash).then(|| auth::hash_password(&new))
    })
    .await
    .map_err(|_| ApiError::internal())?;
    let Some(new_hash) = new_hash else {
        return Err(ApiError::forbidden("the current password is wrong"));
    };
    state
        .store
        .set_password(caller.actor(), user.id, user.version, &new_hash?)
        .await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    if matches!(caller.via, Via::Session { .. }) {
        response
            .headers_mut()
            .insert(header::SET_COOKIE, session_cookie(&state, "", 0));
    }
    Ok(response)
}

/// An API token (never its secret, except once in [`NewTokenBody`]).
#[derive(Serialize, ToSchema)]
pub struct TokenBody {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl TokenBody {
    fn of(token: &ApiToken) -> TokenBody {
        TokenBody {
            id: token.id.0,
            name: token.name.clone(),
            created_at: token.created_at,
            expires_at: token.expires_at,
            revoked_at: token.revoked_at,
            last_used_at: token.last_used_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct NewTokenBody {
    /// The secret, shown this once: send it as `Authorization: Bearer <token>`.
    pub token: String,
    #[serde(flatten)]
    pub record: TokenBody,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for (1 to 200 characters, not only spaces).
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
    /// Days until the token expires (1..=3650); without it, it lasts until revoked.
    #[schema(minimum = 1, maximum = 3650)]
    #[serde(default, deserialize_with = "crate::http::whole_number")]
    pub expires_in_days: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenList {
    pub items: Vec<TokenBody>,
}

/// Your API tokens, revoked and expired ones included.
#[utoipa::path(get, path = "/me/tokens", tag = "accounts",
    responses((status = 200, body = TokenList), (status = 401, body = ErrorBody)))]
async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<axum::Json<TokenList>> {
    let tokens = state.store.tokens(caller.user.id).await?;
    Ok(axum::Json(TokenList {
        items: tokens.iter().map(TokenBody::of).collect(),
    }))
}

/// Create an API token for yourself; the answer holds its secret, once.
#[utoipa::path(post, path = "/me/tokens", tag = "accounts", request_body = NewToken,
    responses((status = 201, body = NewTokenBody), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    Body(new): Body<NewToken>,
) -> ApiResult<Response> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "a token needs a name of 1 to 200 characters",
        ));
    }
    let expires_at = match new.expires_in_days {
        None => None,
        Some(days @ 1..=3650) => Some(Utc::now() + chrono::Duration::days(i64::from(days))),
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "`expires_in_days` must be between 1 and 3650",
            ))
        }
    };
    let issued = state
        .store
        .create_token(caller.actor(), caller.user.id, name, expires_at)
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(NewTokenBody {
            token: issued.secret,
            record: TokenBody::of(&issued.record),
        }),
    )
        .into_response())
}

/// Revoke one of your API tokens.
#[utoipa::path(delete, path = "/me/tokens/{token}", tag = "accounts",
    params(("token" = i64, Path, description = "The token's id")),
    responses((status = 204, description = "Revoked"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let token = match state.store.token(TokenId(id)).await {
        Ok(token) if token.user == caller.user.id => token,
        Ok(_) | Err(StoreError::NotFound(_)) => return Err(ApiError::not_found("token")),
        Err(other) => return Err(other.into()),
    };
    state.store.revoke_token(caller.actor(), token.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    /// The secret of the setup link printed at the first start.
    pub token: String,
    /// The sign-in name, 1 to 100 characters, not only spaces.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    pub display_name: Option<String>,
    /// At least 8 characters.
    #[schema(min_length = 8)]
    pub password: String,
}

/// Creates the first administrator with the one-time setup secret (shared by the JSON route and
/// the setup page).
pub async fn complete_setup(state: &AppState, setup: Setup) -> ApiResult<User> {
    let name = setup.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "a user name needs 1 to 100 characters",
        ));
    }
    if setup.password.chars().count() < MIN_PASSWORD {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "weak-password",
            format!("a password needs at least {MIN_PASSWORD} characters"),
        ));
    }
    // Once anyone has an account every setup link is spent: answer before hashing, so that
    // posts to the setup route cost nothing after the first start.
    if state.store.user_count().await? > 0 {
        return Err(ApiError::not_found("setup link"));
    }
    let password = setup.password;
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|_| ApiError::internal())??;
    let new = NewUser {
        display_name: setup.display_name.unwrap_or_else(|| name.clone()),
        name,
        email: None,
        password_hash: Some(hash),
        is_admin: true,
    };
    match state.store.complete_setup(&setup.token, &new).await {
        Err(StoreError::NotFound(_)) => Err(ApiError::not_found("setup link")),
        other => Ok(other?),
    }
}

/// Create the first administrator with the setup link's secret (only on a fresh database).
#[utoipa::path(post, path = "/setup", tag = "accounts", request_body = Setup, security(()),
    responses((status = 201, body = UserBody), (status = 400, body = ErrorBody),
        (status = 404, description = "Unknown, spent or expired setup secret", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn setup(State(state): State<AppState>, Body(body): Body<Setup>) -> ApiResult<Response> {
    let user = complete_setup(&state, body).await?;
    Ok((StatusCode::CREATED, axum::Json(UserBody::of(&user))).into_response())
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_in, current_session, sign_out))
        .routes(routes!(change_password))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
        .routes(routes!(setup))
}

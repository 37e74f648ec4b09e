//! Sign-in and sign-out by form: the API's sign-in rule and rate limits, then the session
//! cookie.

use axum::extract::{Form, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;

use super::{error_page, form_token_is_valid, page, PageUser, TokenForm};
use crate::auth::{self, ClientAddress};
use crate::error::ApiError;
use crate::AppState;

fn signin_form(error: Option<&str>, name: &str) -> Markup {
    html! {
        div.card.narrow {
            h1 { "Sign in" }
            @if let Some(error) = error {
                p.error role="alert" { (error) }
            }
            form method="post" action="/signin" {
                label for="name" { "Username" }
                input #name type="text" name="name" value=(name) autocomplete="username"
                    required autofocus;
                label for="password" { "Password" }
                input #password type="password" name="password"
                    autocomplete="current-password" required;
                p { button type="submit" { "Sign in" } }
            }
        }
    }
}

pub(super) async fn signin_page() -> Response {
    page(StatusCode::OK, "Sign in", None, signin_form(None, ""))
}

#[derive(Deserialize)]
pub(super) struct SignInForm {
    name: String,
    password: String,
}

/// The answer to a sign-in by form (or the setup form): the session cookie and a redirect to
/// the portfolio.
pub(crate) fn signed_in(state: &AppState, secret: &str) -> Response {
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        auth::session_cookie(state, secret, state.config.session_lifetime.num_seconds()),
    );
    response
}

/// Sign-in by form: the API's rule and rate limits, then the cookie and a redirect to `/`.
pub(super) async fn signin_post(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    if !auth::from_this_site(&headers) {
        return cross_site_page();
    }
    match auth::check_sign_in(&state, &address, &form.name, form.password).await {
        Ok((_, issued)) => signed_in(&state, &issued.secret),
        Err(error) => {
            let (status, message) = match error.status {
                StatusCode::UNAUTHORIZED => (error.status, "Unknown username or wrong password."),
                StatusCode::TOO_MANY_REQUESTS => (
                    error.status,
                    "Too many sign-in attempts. Wait a few minutes and try again.",
                ),
                _ => return error.into_response(),
            };
            let mut response = page(
                status,
                "Sign in",
                None,
                signin_form(Some(message), &form.name),
            );
            if let Some(seconds) = error.retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
    }
}

/// The answer to a sign-in or setup form sent from another site's page (login CSRF).
pub(crate) fn cross_site_page() -> Response {
    error_page(
        StatusCode::FORBIDDEN,
        "Sign in on Waymark's own page",
        "This form was sent from another site, so Waymark did not act on it. Open Waymark's \
         sign-in page and sign in there.",
    )
}

/// Sign-out by form: ends the session (with its CSRF token) and clears the cookie.
pub(super) async fn signout_post(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<TokenForm>,
) -> Response {
    if !form_token_is_valid(&user, form.csrf_token.as_deref()) {
        return error_page(
            StatusCode::FORBIDDEN,
            "This form has expired",
            "The form did not carry this session's token. Reload the page and try again.",
        );
    }
    if let auth::Via::Session { secret, .. } = &user.caller.via {
        if let Err(error) = state.store.revoke_session(secret).await {
            return ApiError::from(error).into_response();
        }
    }
    let mut response = Redirect::to("/signin").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, auth::session_cookie(&state, "", 0));
    response
}

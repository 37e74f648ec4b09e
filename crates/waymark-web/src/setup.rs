//! The setup page: the one-time link printed at the first start of an empty database opens a
//! form that creates the first administrator (the same function as `POST /api/v1/setup`,
//! `complete_setup`) and signs them in, so a first run goes from the link to the portfolio in
//! one step. Plain HTML in the pages' layout, no script; the secret in the link is what
//! authorises it, so the form carries no CSRF token (there is no session yet).

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use serde::Deserialize;

use crate::auth::{complete_setup, Setup, MIN_PASSWORD};
use crate::error::ApiError;
use crate::http::Query;
use crate::pages::page;
use crate::AppState;

/// The longest field the form takes; longer input is refused before any work.
const MAX_FIELD: usize = 1_000;

/// What the user typed, and the problems to show next to the fields.
#[derive(Default)]
struct SetupView<'a> {
    token: &'a str,
    name: &'a str,
    display_name: &'a str,
    /// A problem of the whole form (the link), shown above it.
    general: Option<&'a str>,
    name_error: Option<&'a str>,
    password_error: Option<&'a str>,
}

fn setup_form(view: &SetupView) -> Markup {
    let invalid = |error: Option<&str>| error.map(|_| "true");
    html! {
        div.card.narrow {
            h1 { "Set up Waymark" }
            p { "Create the first administrator. This link works once." }
            @if let Some(error) = view.general {
                p.error role="alert" { (error) }
            }
            // The server checks every field and shows its problems next to them (no script).
            form method="post" action="/setup" novalidate {
                input type="hidden" name="token" value=(view.token);
                label for="setup-name" { "Username" }
                input #setup-name type="text" name="name" value=(view.name)
                    autocomplete="username" required maxlength="100"
                    autofocus[view.password_error.is_none()]
                    aria-invalid=[invalid(view.name_error)]
                    aria-describedby=[view.name_error.map(|_| "setup-name-error")];
                @if let Some(error) = view.name_error {
                    span.field-error #setup-name-error { (error) }
                }
                label for="setup-display-name" { "Display name" }
                input #setup-display-name type="text" name="display_name"
                    value=(view.display_name) autocomplete="name" maxlength="200";
                label for="setup-password" { "Password" }
                input #setup-password type="password" name="password"
                    autocomplete="new-password" required minlength=(MIN_PASSWORD)
                    autofocus[view.password_error.is_some()]
                    aria-invalid=[invalid(view.password_error)]
                    aria-describedby={ "setup-password-hint"
                        @if view.password_error.is_some() { " setup-password-error" } };
                span.muted #setup-password-hint { (MIN_PASSWORD) " characters or more." }
                @if let Some(error) = view.password_error {
                    span.field-error #setup-password-error { (error) }
                }
                p { button type="submit" { "Create administrator" } }
            }
        }
    }
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

async fn form(Query(query): Query<TokenQuery>) -> Response {
    let token = query.token.unwrap_or_default();
    let view = SetupView {
        token: if token.len() <= MAX_FIELD { &token } else { "" },
        ..SetupView::default()
    };
    page(StatusCode::OK, "Set up Waymark", None, setup_form(&view))
}

#[derive(Deserialize)]
struct SetupForm {
    token: String,
    name: String,
    display_name: Option<String>,
    password: String,
}

async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> Response {
    if !crate::auth::from_this_site(&headers) {
        return crate::pages::cross_site_page();
    }
    let display_name = form.display_name.clone().unwrap_or_default();
    let too_long = [&form.token, &form.name, &display_name, &form.password]
        .iter()
        .any(|field| field.len() > MAX_FIELD);
    let result = if too_long {
        Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "a user name needs 1 to 100 characters",
        ))
    } else {
        let setup = Setup {
            token: form.token.clone(),
            name: form.name.clone(),
            display_name: form.display_name.filter(|d| !d.trim().is_empty()),
            password: form.password,
        };
        complete_setup(&state, setup).await
    };
    let error = match result {
        Ok(user) => {
            // Sign the new administrator in, as the sign-in form does.
            let issued = match state
                .store
                .create_session(user.id, state.config.session_lifetime)
                .await
            {
                Ok(issued) => issued,
                Err(error) => return ApiError::from(error).into_response(),
            };
            return crate::pages::signed_in(&state, &issued.secret);
        }
        Err(error) => error,
    };
    let mut view = SetupView {
        token: if form.token.len() <= MAX_FIELD {
            &form.token
        } else {
            ""
        },
        name: if too_long { "" } else { &form.name },
        display_name: if too_long { "" } else { &display_name },
        ..SetupView::default()
    };
    let status = error.status;
    let weak = format!("The password needs {MIN_PASSWORD} characters or more.");
    match (status, error.code) {
        (StatusCode::NOT_FOUND, _) => {
            view.general = Some(
                "This setup link is unknown, already used or expired. Restart the server on the \
                 empty database for a new link, or use `waymark admin create-user NAME --admin`.",
            )
        }
        (_, "weak-password") => view.password_error = Some(&weak),
        (_, "invalid") => view.name_error = Some("Enter a username of 1 to 100 characters."),
        (StatusCode::CONFLICT, _) => view.name_error = Some("That username is taken."),
        (status, _) if status.is_server_error() => return error.into_response(),
        _ => view.general = Some("That did not work. Check the fields and try again."),
    }
    page(status, "Set up Waymark", None, setup_form(&view))
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/setup", get(form).post(submit))
}

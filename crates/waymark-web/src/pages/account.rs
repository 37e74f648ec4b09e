//! The account page: who you are, your password and your API tokens. The page shows only the
//! signed-in user's own account and tokens; every change goes through the JSON API
//! (`PUT /api/v1/me/password`, `POST` and `DELETE /api/v1/me/tokens`) from `static/account.js`.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{html, Markup};

use super::{page_with_script, PageUser};
use crate::auth::MIN_PASSWORD;
use crate::error::ApiError;
use crate::AppState;

/// A record time as the page shows it: minutes, UTC.
pub(crate) fn utc_minute(time: &DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn optional_time(time: Option<&DateTime<Utc>>, none: &str) -> String {
    time.map_or_else(|| none.to_owned(), utc_minute)
}

fn token_rows(tokens: &[waymark_store::ApiToken], now: DateTime<Utc>) -> Markup {
    html! {
        @for token in tokens {
            @let expired = token.expires_at.is_some_and(|at| at <= now);
            tr data-token-id=(token.id.0) {
                td data-label="Name" { (token.name) }
                td data-label="Created" { (utc_minute(&token.created_at)) }
                td data-label="Expires" { (optional_time(token.expires_at.as_ref(), "never")) }
                td data-label="Last used" { (optional_time(token.last_used_at.as_ref(), "never")) }
                td data-label="Status" {
                    @if token.revoked_at.is_some() {
                        span.muted { "revoked" }
                    } @else if expired {
                        span.muted { "expired" }
                    } @else {
                        "active"
                    }
                }
                td {
                    @if token.revoked_at.is_none() && !expired {
                        button.secondary type="button" data-revoke=(token.id.0)
                            data-name=(token.name)
                            aria-label={ "Revoke token " (token.name) } { "Revoke" }
                    }
                }
            }
        }
    }
}

pub(super) async fn page(State(state): State<AppState>, user: PageUser) -> Response {
    let me = &user.caller.user;
    let tokens = match state.store.tokens(me.id).await {
        Ok(tokens) => tokens,
        Err(error) => return ApiError::from(error).into_response(),
    };
    let content = html! {
        h1 { "Account" }
        section aria-labelledby="who" {
            h2 #who { "Who you are" }
            dl.facts {
                dt { "Username" } dd { (me.name) }
                dt { "Display name" } dd { (me.display_name) }
                @if let Some(email) = &me.email { dt { "Email" } dd { (email) } }
                dt { "Administrator" } dd { @if me.is_admin { "yes" } @else { "no" } }
            }
        }
        section aria-labelledby="password-heading" {
            h2 #password-heading { "Change password" }
            p.muted {
                "Changing your password ends every session of yours, on every device; "
                "you then sign in again with the new password. API tokens keep working."
            }
            form #password-form.card method="post" action="/account" novalidate {
                label for="current-password" { "Current password" }
                input #current-password type="password" name="current_password"
                    autocomplete="current-password" required
                    aria-describedby="current-password-error";
                span.field-error #current-password-error {}
                label for="new-password" { "New password" }
                input #new-password type="password" name="new_password"
                    autocomplete="new-password" required minlength=(MIN_PASSWORD)
                    aria-describedby="new-password-hint new-password-error";
                span.muted #new-password-hint { (MIN_PASSWORD) " characters or more." }
                span.field-error #new-password-error {}
                label for="repeat-password" { "Repeat new password" }
                input #repeat-password type="password" name="repeat_password"
                    autocomplete="new-password" required
                    aria-describedby="repeat-password-error";
                span.field-error #repeat-password-error {}
                p { button type="submit" { "Change password" } }
            }
        }
        section aria-labelledby="tokens-heading" {
            h2 #tokens-heading tabindex="-1" { "API tokens" }
            p.muted {
                "Tokens let scripts and the command line use the API as you: send one as "
                code { "Authorization: Bearer …" } "."
            }
            div.table-wrap {
                table #tokens.stack aria-labelledby="tokens-heading" {
                    thead { tr {
                        th { "Name" } th { "Created" } th { "Expires" } th { "Last used" }
                        th { "Status" } th { span.visually-hidden { "Actions" } }
                    } }
                    tbody { (token_rows(&tokens, Utc::now())) }
                }
            }
            p #no-tokens.muted hidden[!tokens.is_empty()] { "No tokens yet." }
            h3 { "New token" }
            form #token-form.card method="post" action="/account" novalidate {
                label for="token-name" { "Token name" }
                input #token-name type="text" name="name" required maxlength="200"
                    aria-describedby="token-name-error";
                span.field-error #token-name-error {}
                label for="token-days" { "Expires in (days)" }
                input #token-days type="number" name="expires_in_days" min="1" max="3650"
                    inputmode="numeric" aria-describedby="token-days-hint token-days-error";
                span.muted #token-days-hint { "1 to 3650; leave empty for a token that lasts until revoked." }
                span.field-error #token-days-error {}
                p { button type="submit" { "Create token" } }
            }
            div #new-token.card.secret role="region" aria-labelledby="new-token-heading" hidden {
                h3 #new-token-heading { "New token created" }
                p.warning {
                    strong { "Copy it now: it is shown only this once." }
                    " Waymark keeps only a digest and cannot show it again. Anyone holding it can "
                    "act as you; keep it secret, and revoke it when it is no longer needed."
                }
                label for="new-token-value" { "Your token" }
                input #new-token-value type="text" readonly;
                p {
                    button #copy-token type="button" { "Copy token" }
                    " "
                    button #dismiss-token.secondary type="button" { "Done" }
                }
            }
        }
    };
    page_with_script("Account", &user, "account", content)
}

//! The setup page: the one-time link printed at the first start of an empty database opens a
//! form that creates the first administrator (the same function as `POST /api/v1/setup`).
//! Plain HTML, no script; the secret in the link is what authorises it.

use axum::extract::{Form, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::auth::{complete_setup, Setup};
use crate::http::Query;
use crate::AppState;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>Waymark setup</title>\
         <link rel=\"stylesheet\" href=\"/static/waymark.css\"></head><body><h1>Waymark</h1>{body}</body></html>\n"
    ))
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

async fn form(Query(query): Query<TokenQuery>) -> Html<String> {
    let token = escape(query.token.as_deref().unwrap_or_default());
    page(&format!(
        "<p>Create the first administrator. This link works once.</p>\
         <form method=\"post\" action=\"/setup\">\
         <input type=\"hidden\" name=\"token\" value=\"{token}\">\
         <label>User name <input name=\"name\" required autocomplete=\"username\"></label>\
         <label>Display name <input name=\"display_name\"></label>\
         <label>Password (8 characters or more) <input name=\"password\" type=\"password\" \
         minlength=\"8\" required autocomplete=\"new-password\"></label>\
         <button type=\"submit\">Create administrator</button></form>"
    ))
}

#[derive(Deserialize)]
struct SetupForm {
    token: String,
    name: String,
    display_name: Option<String>,
    password: String,
}

async fn submit(State(state): State<AppState>, Form(form): Form<SetupForm>) -> Response {
    let setup = Setup {
        token: form.token,
        name: form.name,
        display_name: form.display_name.filter(|d| !d.trim().is_empty()),
        password: form.password,
    };
    match complete_setup(&state, setup).await {
        Ok(user) => page(&format!(
            "<p>The administrator <b>{}</b> is ready. Sign in through the API \
             (<code>POST /api/v1/session</code>) and create projects.</p>",
            escape(&user.name)
        ))
        .into_response(),
        Err(error) => (
            error.status,
            page(&format!(
                "<p>That did not work: {}</p><p><a href=\"javascript:history.back()\">Back</a></p>",
                escape(&error.message)
            )),
        )
            .into_response(),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/setup", get(form).post(submit))
}

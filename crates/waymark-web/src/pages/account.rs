//! The account page: the user's password and API tokens.

use axum::response::Response;
use maud::html;

use super::{page_with_script, PageUser};

pub(super) async fn page(user: PageUser) -> Response {
    page_with_script("Account", &user, "account", html! { h1 { "Account" } })
}

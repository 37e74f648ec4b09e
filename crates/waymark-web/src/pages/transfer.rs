//! The project's "Import and export" tab: download the project as a plan file or Microsoft
//! Project XML (links to the API's export, which names the file), and import a file as a new
//! project. The import form is shared with the portfolio, so it works before any project exists;
//! `static/transfer.js` posts the file's bytes to `POST /api/v1/projects/import` with the file's
//! content type and lists the reader's diagnostics with their lines and columns.

use axum::extract::State;
use axum::response::Response;
use maud::{html, Markup};

use super::{project_page, ProjectRequest, Tab};
use crate::AppState;

/// The largest file the form sends, in bytes: the server's request limit (32 MiB), checked in
/// the page before the upload.
const MAX_IMPORT_BYTES: usize = 32 * 1024 * 1024;

/// The import form: a file input, a button, and the place for the file's problems.
pub(super) fn import_form() -> Markup {
    html! {
        form #import-form.card method="post" action="/api/v1/projects/import"
            enctype="multipart/form-data" data-max-bytes=(MAX_IMPORT_BYTES) novalidate {
            label for="import-file" { "Plan file or Microsoft Project XML" }
            input #import-file type="file" name="file" accept=".toml,.xml,application/xml,text/xml"
                required aria-describedby="import-file-hint import-file-error";
            span.muted #import-file-hint {
                "A Waymark plan file (" code { ".plan.toml" } ") or a Microsoft Project XML file ("
                code { ".xml" } "). It becomes a new project that you own."
            }
            div.field-error #import-file-error role="alert" {}
            p { button type="submit" { "Import" } }
        }
    }
}

pub(super) async fn page(
    State(_state): State<AppState>,
    ProjectRequest {
        user,
        context: project,
    }: ProjectRequest,
) -> Response {
    let id = project.project.id.0;
    let export = |format: &str| format!("/api/v1/projects/{id}/export?format={format}");
    let content = html! {
        h1 { "Import and export" }
        h2 { "Download this project" }
        ul.downloads {
            li {
                a href=(export("plan")) download { "Download as a plan file" }
                " " span.muted { "(" code { ".plan.toml" } ": everything, for git and "
                    code { "waymark" } " on the command line)" }
            }
            li {
                a href=(export("mspdi")) download { "Download as Microsoft Project XML" }
                " " span.muted { "(" code { ".xml" } ": tasks, links, resources and calendars; "
                    "no estimates or risks)" }
            }
        }
        h2 { "Import a file as a new project" }
        p.muted { "Importing never changes this project: the file becomes a project of its own." }
        (import_form())
    };
    project_page(&user, &project, Tab::Transfer, Some("transfer"), content)
}

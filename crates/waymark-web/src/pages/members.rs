//! The project's members page: who is in the project and with which role. Owners (and
//! administrators, who act as owners) get the controls: invite an existing user with a role,
//! change a role, remove a member; `static/members.js` sends each through the JSON API with the
//! membership's version in `If-Match`, so the API's rules hold (the last owner stays). Everyone
//! else sees the list read-only, with no controls.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use waymark_store::{Membership, Role, User};

use super::{project_page, ProjectRequest, Tab};
use crate::error::ApiError;
use crate::AppState;

/// What each role may do, for the page's explanation.
const ROLE_HELP: [(Role, &str); 4] = [
    (Role::Viewer, "reads everything"),
    (Role::Member, "also reports progress and actual dates"),
    (
        Role::Manager,
        "also edits the plan: tasks, resources, calendars, risks",
    ),
    (
        Role::Owner,
        "also manages members and may delete the project",
    ),
];

fn role_select(id: &str, label: &str, selected: Role) -> Markup {
    html! {
        select id=(id) name="role" aria-label=(label) data-role-select {
            @for role in Role::ALL {
                option value=(role.as_str()) selected[role == selected] { (role.as_str()) }
            }
        }
    }
}

fn member_row(membership: &Membership, user: &User, can_manage: bool) -> Markup {
    let who = &user.display_name;
    html! {
        tr data-user-id=(user.id.0) data-version=(membership.version) data-name=(who) {
            td data-label="Member" {
                (who) " " span.muted { "(" (user.name) ")" }
            }
            td data-label="Role" {
                @if can_manage {
                    (role_select(&format!("role-{}", user.id.0), &format!("Role of {who}"),
                        membership.role))
                    span.field-error.row-error {}
                } @else {
                    (membership.role.as_str())
                }
            }
            @if can_manage {
                td {
                    button.secondary type="button" data-remove
                        aria-label={ "Remove " (who) } { "Remove" }
                }
            }
        }
    }
}

pub(super) async fn page(
    State(state): State<AppState>,
    ProjectRequest {
        user,
        context: project,
    }: ProjectRequest,
) -> Response {
    let id = project.project.id.0;
    let members = match state.store.members(project.project.id).await {
        Ok(members) => members,
        Err(error) => return ApiError::from(error).into_response(),
    };
    let can_manage = project.role.at_least(Role::Owner);
    let content = html! {
        h1 { "Members" }
        @if !can_manage {
            p.muted { "You are a " (project.role.as_str()) " here; owners manage the members." }
        }
        div.table-wrap {
            table #members.stack aria-label="Members" data-me=(user.caller.user.id.0) {
                thead { tr {
                    th { "Member" } th { "Role" }
                    @if can_manage { th { span.visually-hidden { "Actions" } } }
                } }
                tbody {
                    @for (membership, member) in &members {
                        (member_row(membership, member, can_manage))
                    }
                }
            }
        }
        @if can_manage {
            h2 { "Invite someone" }
            form #invite-form.card method="post" action={ "/projects/" (id) "/members" } novalidate {
                label for="invite-user" { "Username" }
                input #invite-user type="text" name="user" required maxlength="100"
                    autocomplete="off" aria-describedby="invite-user-hint invite-user-error";
                span.muted #invite-user-hint { "The sign-in name of someone who has an account." }
                span.field-error #invite-user-error {}
                label for="invite-role" { "Role" }
                select #invite-role name="role" {
                    @for role in Role::ALL {
                        option value=(role.as_str()) selected[role == Role::Member] { (role.as_str()) }
                    }
                }
                p { button type="submit" { "Invite" } }
            }
        }
        h2 { "Roles" }
        dl.roles {
            @for (role, help) in ROLE_HELP {
                dt { (role.as_str()) } dd { (help) }
            }
        }
    };
    project_page(&user, &project, Tab::Members, Some("members"), content)
}

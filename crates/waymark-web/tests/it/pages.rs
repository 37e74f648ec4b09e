//! The web pages through HTTP: the sign-in form (labels, a wrong password, a right one), the
//! redirect of signed-out visitors, the portfolio, the overview and the forecast page seen
//! through the API's permission rule, the security headers of every page, and the CSRF field of
//! form posts.

use axum::http::{header, Method, StatusCode};
use waymark_store::Role;

use crate::harness::{Answer, Call, TestApp, FIXTURE};

async fn sign_in(app: &TestApp, name: &str, password: &str) -> Answer {
    app.send(Call::new(Method::POST, "/signin").form(&[("name", name), ("password", password)]))
        .await
}

/// The page's hidden CSRF field's value.
fn csrf_field(html: &str) -> String {
    let at = html
        .find("name=\"csrf_token\" value=\"")
        .expect("a CSRF field")
        + 25;
    html[at..].split('"').next().unwrap().to_owned()
}

async fn sign_in_page_has_labelled_fields(app: &TestApp) {
    let answer = app.send(Call::new(Method::GET, "/signin")).await;
    assert_eq!(answer.status, StatusCode::OK);
    let html = &answer.text;
    assert!(
        html.contains("<label for=\"name\">Username</label>"),
        "{html}"
    );
    assert!(
        html.contains("<label for=\"password\">Password</label>"),
        "{html}"
    );
    assert!(html.contains("id=\"name\""), "{html}");
    assert!(html.contains("id=\"password\""), "{html}");
    assert!(html.contains(">Sign in</button>"), "{html}");
    assert!(html.contains("<meta name=\"viewport\""), "{html}");
}

async fn wrong_password_re_renders_with_an_error(app: &TestApp) {
    app.user_with_password("ana", "correct horse").await;
    let answer = sign_in(app, "ana", "wrong horse").await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(answer.headers.get(header::SET_COOKIE).is_none());
    assert!(answer.text.contains("role=\"alert\""), "{}", answer.text);
    assert!(answer.text.contains("wrong password"), "{}", answer.text);
    assert!(answer.text.contains("value=\"ana\""), "{}", answer.text);
}

async fn right_password_sets_the_cookie_and_redirects(app: &TestApp) {
    app.user_with_password("ana", "correct horse").await;
    let answer = sign_in(app, "ana", "correct horse").await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.headers[header::LOCATION], "/");
    let set = answer.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(set.starts_with("waymark_session="), "{set}");
    assert!(set.contains("HttpOnly"), "{set}");
    let cookie = set.split(';').next().unwrap();
    let portfolio = app.page("/", cookie).await;
    assert_eq!(portfolio.status, StatusCode::OK);
    assert!(portfolio.text.contains("Portfolio"));
}

async fn form_sign_in_keeps_the_rate_limit(app: &TestApp) {
    app.user_with_password("ana", "correct horse").await;
    for _ in 0..10 {
        let answer = sign_in(app, "ana", "wrong horse").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    // The right password does not help once the limit is reached.
    let limited = sign_in(app, "ana", "correct horse").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers.get(header::SET_COOKIE).is_none());
    assert!(limited.headers.get(header::RETRY_AFTER).is_some());
    assert!(
        limited.text.contains("Too many sign-in attempts"),
        "{}",
        limited.text
    );
}

async fn signed_out_visitors_are_sent_to_sign_in(app: &TestApp) {
    for uri in ["/", "/projects/1"] {
        let answer = app.send(Call::new(Method::GET, uri)).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(answer.headers[header::LOCATION], "/signin", "{uri}");
    }
    let stale = app.page("/", "waymark_session=nonsense").await;
    assert_eq!(stale.status, StatusCode::SEE_OTHER);
}

async fn portfolio_lists_only_the_users_projects(app: &TestApp) {
    let ana = app.user_with_password("ana", "correct horse").await;
    let bob = app.user_with_password("bob", "battery staple").await;
    let mine = app.project(&ana, FIXTURE).await;
    let theirs = app
        .project(&bob, &FIXTURE.replace("\"Fixture\"", "\"Secret plan\""))
        .await;
    let shared = app
        .project(&bob, &FIXTURE.replace("\"Fixture\"", "\"Shared plan\""))
        .await;
    app.add(shared.id, &ana, Role::Viewer).await;

    let cookie = app.form_cookie("ana", "correct horse").await;
    let answer = app.page("/", &cookie).await;
    assert_eq!(answer.status, StatusCode::OK);
    let html = &answer.text;
    assert!(
        html.contains(&format!("href=\"/projects/{}\"", mine.id.0)),
        "{html}"
    );
    assert!(
        html.contains(&format!("href=\"/projects/{}\"", shared.id.0)),
        "{html}"
    );
    assert!(html.contains("Shared plan"), "{html}");
    assert!(!html.contains("Secret plan"), "{html}");
    assert!(
        !html.contains(&format!("href=\"/projects/{}\"", theirs.id.0)),
        "{html}"
    );
    // The deadline and a forecast with a chance of meeting it.
    assert!(html.contains("2027-03-01"), "{html}");
    assert!(html.contains(" %"), "{html}");
}

async fn overview_shows_the_plan_and_hides_other_projects(app: &TestApp) {
    let ana = app.user_with_password("ana", "correct horse").await;
    let bob = app.user_with_password("bob", "battery staple").await;
    let mine = app.project(&ana, FIXTURE).await;
    let theirs = app.project(&bob, FIXTURE).await;
    let cookie = app.form_cookie("ana", "correct horse").await;

    let answer = app.page(&format!("/projects/{}", mine.id.0), &cookie).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    for part in [
        "Key dates",
        "Critical path",
        "Design → Build",
        "Red flags",
        "Top risks",
        "Late",
    ] {
        assert!(answer.text.contains(part), "{part}: {}", answer.text);
    }
    for uri in [
        format!("/projects/{}", theirs.id.0),
        "/projects/999999".to_owned(),
        // Not a number: the same page, not an error of the address.
        "/projects/abc".to_owned(),
        "/projects/abc/timeline".to_owned(),
    ] {
        let answer = app.page(&uri, &cookie).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(answer.text.contains("Not found"), "{}", answer.text);
        assert!(!answer.text.contains("Fixture"), "{}", answer.text);
    }
}

async fn forecast_page_shows_the_chart_and_hides_other_projects(app: &TestApp) {
    let ana = app.user_with_password("ana", "correct horse").await;
    let bob = app.user_with_password("bob", "battery staple").await;
    let mine = app.project(&ana, FIXTURE).await;
    let theirs = app.project(&bob, FIXTURE).await;
    let cookie = app.form_cookie("ana", "correct horse").await;

    let overview = app.page(&format!("/projects/{}", mine.id.0), &cookie).await;
    let uri = format!("/projects/{}/forecast", mine.id.0);
    assert!(
        overview.text.contains(&format!("href=\"{uri}\"")),
        "{}",
        overview.text
    );
    let answer = app.page(&uri, &cookie).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let html = &answer.text;
    for part in [
        "<svg",
        "P10",
        "P50",
        "P80",
        "P90",
        "P95",
        "2027-03-01",
        " %",
        "Tasks by criticality",
        "Design",
        "Build",
        "Risks by P80 days saved",
        "Late",
    ] {
        assert!(html.contains(part), "{part}: {html}");
    }
    // The finish dates are the API view's, with its defaults.
    let api = app
        .send(
            Call::new(
                Method::GET,
                &format!("/api/v1/projects/{}/forecast", mine.id.0),
            )
            .header("cookie", &cookie),
        )
        .await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.text);
    let json: serde_json::Value = serde_json::from_str(&api.text).unwrap();
    for p in ["p10", "p50", "p80", "p90", "p95"] {
        let date = &json["finish"][p].as_str().unwrap()[..10];
        assert!(html.contains(date), "{p} {date}: {html}");
    }
    assert!(!html.contains("<script>"), "{html}");
    let policy = answer.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");

    for uri in [
        format!("/projects/{}/forecast", theirs.id.0),
        "/projects/999999/forecast".to_owned(),
    ] {
        let answer = app.page(&uri, &cookie).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(answer.text.contains("Not found"), "{}", answer.text);
        assert!(!answer.text.contains("<svg"), "{}", answer.text);
    }
    let signed_out = app.send(Call::new(Method::GET, &uri)).await;
    assert_eq!(signed_out.status, StatusCode::SEE_OTHER);
}

async fn unknown_paths_answer_a_page_to_browsers_and_json_to_the_api(app: &TestApp) {
    let browser = app
        .send(Call::new(Method::GET, "/no/such/page").header("accept", "text/html"))
        .await;
    assert_eq!(browser.status, StatusCode::NOT_FOUND);
    assert!(
        browser.text.contains("<h1>Not found</h1>"),
        "{}",
        browser.text
    );
    for call in [
        Call::new(Method::GET, "/no/such/page"),
        Call::new(Method::GET, "/api/v1/nothing").header("accept", "text/html"),
    ] {
        let answer = app.send(call).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND);
        assert_eq!(answer.code(), "not-found", "{}", answer.text);
    }
}

async fn every_page_sends_the_security_headers(app: &TestApp) {
    let ana = app.user_with_password("ana", "correct horse").await;
    let project = app.project(&ana, FIXTURE).await;
    let cookie = app.form_cookie("ana", "correct horse").await;
    let overview = format!("/projects/{}", project.id.0);
    for uri in [
        "/signin",
        "/",
        overview.as_str(),
        "/projects/999999",
        "/static/waymark.css",
    ] {
        let answer = app.page(uri, &cookie).await;
        let policy = answer.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(policy.contains("script-src 'self'"), "{uri}: {policy}");
        assert!(!policy.contains("unsafe-inline"), "{uri}: {policy}");
        assert!(policy.contains("frame-ancestors 'none'"), "{uri}: {policy}");
        assert_eq!(answer.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(
            answer.headers.get(header::REFERRER_POLICY).is_some(),
            "{uri}"
        );
        // No inline script: every script element names a source.
        assert!(!answer.text.contains("<script>"), "{uri}");
    }
    let script = app.send(Call::new(Method::GET, "/static/waymark.js")).await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert!(script.headers[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .contains("max-age"));
}

async fn form_posts_need_the_csrf_field(app: &TestApp) {
    app.user_with_password("ana", "correct horse").await;
    let cookie = app.form_cookie("ana", "correct horse").await;
    let token = csrf_field(&app.page("/", &cookie).await.text);

    for fields in [vec![], vec![("csrf_token", "forged")]] {
        let refused = app
            .send(
                Call::new(Method::POST, "/signout")
                    .header("cookie", &cookie)
                    .form(&fields),
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{fields:?}");
        // The session still works.
        assert_eq!(app.page("/", &cookie).await.status, StatusCode::OK);
    }

    let signed_out = app
        .send(
            Call::new(Method::POST, "/signout")
                .header("cookie", &cookie)
                .form(&[("csrf_token", &token)]),
        )
        .await;
    assert_eq!(signed_out.status, StatusCode::SEE_OTHER);
    assert_eq!(signed_out.headers[header::LOCATION], "/signin");
    assert_eq!(app.page("/", &cookie).await.status, StatusCode::SEE_OTHER);
}

/// The forecast P50 date of the forecast page.
fn p50(html: &str) -> String {
    let at = html.find("data-label=\"P50\">").expect("a P50 cell") + 17;
    html[at..at + 10].to_owned()
}

async fn computed_pages_follow_every_change(app: &TestApp) {
    let ana = app.user_with_password("ana", "correct horse").await;
    let project = app.project(&ana, FIXTURE).await;
    let token = app.token(&ana).await;
    let cookie = app.form_cookie("ana", "correct horse").await;
    let uri = format!("/projects/{}/forecast", project.id.0);
    let first = app.page(&uri, &cookie).await;
    // Kept by revision: the same revision shows the same numbers.
    let again = app.page(&uri, &cookie).await;
    assert_eq!(p50(&first.text), p50(&again.text));
    // A change to the content is a new revision: the page computes it afresh.
    let build = format!("/api/v1/projects/{}/tasks/build", project.id.0);
    let read = app.get(&build, &token).await;
    let changed = app
        .send(
            Call::new(Method::PATCH, &build)
                .token(&token)
                .if_match(&read.etag())
                .json(&serde_json::json!({"duration": "40d"})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    let after = app.page(&uri, &cookie).await;
    assert!(
        p50(&after.text) > p50(&first.text),
        "{} then {}",
        p50(&first.text),
        p50(&after.text)
    );
    let api = app
        .get(
            &format!("/api/v1/projects/{}/forecast", project.id.0),
            &token,
        )
        .await;
    let json: serde_json::Value = serde_json::from_str(&api.text).unwrap();
    assert_eq!(
        p50(&after.text),
        json["finish"]["p50"].as_str().unwrap()[..10]
    );
}

async fn pages_are_gzipped_for_browsers_that_accept_it(app: &TestApp) {
    let ana = app.user_with_password("ana", "correct horse").await;
    let project = app.project(&ana, FIXTURE).await;
    let cookie = app.form_cookie("ana", "correct horse").await;
    let uri = format!("/projects/{}/timeline", project.id.0);
    let plain = app.page(&uri, &cookie).await;
    assert!(plain.headers.get(header::CONTENT_ENCODING).is_none());
    let zipped = app
        .send(
            Call::new(Method::GET, &uri)
                .header("cookie", &cookie)
                .header("accept-encoding", "gzip"),
        )
        .await;
    assert_eq!(zipped.status, StatusCode::OK);
    assert_eq!(zipped.headers[header::CONTENT_ENCODING], "gzip");
    // The gzip magic number (its second byte is not UTF-8), and far fewer bytes than the page.
    assert!(zipped.text.starts_with("\u{1f}\u{fffd}"), "not gzip");
    assert!(!zipped.text.contains("<html"));
    assert!(zipped.text.len() < plain.text.len() / 2);
}

async fn overview_shows_the_status_date_as_the_plan_says_it(app: &TestApp) {
    let ana = app.user_with_password("ana", "correct horse").await;
    let text = include_str!("../../../../examples/mobile-app.plan.toml");
    assert!(text.contains("status_date = 2027-03-19"));
    let project = app.project(&ana, text).await;
    let cookie = app.form_cookie("ana", "correct horse").await;
    let html = app
        .page(&format!("/projects/{}", project.id.0), &cookie)
        .await
        .text;
    assert!(
        html.contains("<td data-label=\"Status date\">2027-03-19</td>"),
        "{html}"
    );
}

web_tests!(
    sign_in_page_has_labelled_fields,
    wrong_password_re_renders_with_an_error,
    right_password_sets_the_cookie_and_redirects,
    form_sign_in_keeps_the_rate_limit,
    signed_out_visitors_are_sent_to_sign_in,
    portfolio_lists_only_the_users_projects,
    overview_shows_the_plan_and_hides_other_projects,
    forecast_page_shows_the_chart_and_hides_other_projects,
    unknown_paths_answer_a_page_to_browsers_and_json_to_the_api,
    every_page_sends_the_security_headers,
    form_posts_need_the_csrf_field,
    computed_pages_follow_every_change,
    pages_are_gzipped_for_browsers_that_accept_it,
    overview_shows_the_status_date_as_the_plan_says_it,
);

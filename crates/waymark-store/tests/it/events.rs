//! The event log: every change records who, when, what, before and after, in the same
//! transaction as the change; failed changes leave nothing; the log cannot be rewritten.

use serde_json::{json, Value};
use waymark_store::{
    Actor, EntityKind, EntityUpdate, Event, NewEntity, PlanContent, Project, Role, StoreError,
    UserUpdate,
};

use crate::harness::{fields, TestDb};

/// `(entity, key, action, before?, after?)` of each event.
fn summary(events: &[Event]) -> Vec<(String, String, &'static str, bool, bool)> {
    events
        .iter()
        .map(|e| {
            (
                e.entity.clone(),
                e.key.clone(),
                e.action.as_str(),
                e.before.is_some(),
                e.after.is_some(),
            )
        })
        .collect()
}

fn row(
    entity: &str,
    key: &str,
    action: &'static str,
) -> (String, String, &'static str, bool, bool) {
    (
        entity.into(),
        key.into(),
        action,
        action != "create",
        action != "delete",
    )
}

async fn every_change_is_recorded_with_before_and_after(db: &TestDb) {
    let ana = db.user("ana").await;
    let bob = db.user("bob").await;
    let actor = Actor::User(ana.id);
    db.advance(chrono::Duration::hours(1));
    let project = db
        .store
        .create_project(actor, &fields(json!({"name": "P"})))
        .await
        .unwrap();
    let (p, a, b) = (
        project.id.to_string(),
        ana.id.to_string(),
        bob.id.to_string(),
    );
    db.store
        .update_project(actor, project.id, 1, &fields(json!({"name": "Q"})))
        .await
        .unwrap();
    db.store
        .add_member(actor, project.id, bob.id, Role::Viewer)
        .await
        .unwrap();
    db.store
        .update_member(actor, project.id, bob.id, 1, Role::Member)
        .await
        .unwrap();
    for kind in EntityKind::ALL {
        let new = NewEntity {
            key: "x".into(),
            data: fields(json!({"n": 1})),
            position: None,
        };
        db.store
            .create_entity(actor, project.id, kind, &new)
            .await
            .unwrap();
        let update = EntityUpdate {
            data: fields(json!({"n": 2})),
            position: None,
        };
        db.store
            .update_entity(actor, project.id, kind, "x", 1, &update)
            .await
            .unwrap();
        db.store
            .delete_entity(actor, project.id, kind, "x", 2)
            .await
            .unwrap();
    }
    db.store
        .remove_member(actor, project.id, bob.id, 2)
        .await
        .unwrap();
    let plan = PlanContent {
        project: fields(json!({"name": "Q"})),
        tasks: vec![("t".into(), fields(json!({"duration": "1d"})))],
        ..PlanContent::default()
    };
    db.store
        .replace_project_content(actor, project.id, None, &plan)
        .await
        .unwrap();

    let events = db.store.events(project.id, None, 100).await.unwrap();
    let mut expected = vec![
        row("project", &p, "create"),
        row("membership", &a, "create"),
        row("project", &p, "update"),
        row("membership", &b, "create"),
        row("membership", &b, "update"),
    ];
    for kind in ["calendar", "resource", "task", "risk"] {
        expected.extend([
            row(kind, "x", "create"),
            row(kind, "x", "update"),
            row(kind, "x", "delete"),
        ]);
    }
    expected.extend([row("membership", &b, "delete"), row("task", "t", "create")]);
    assert_eq!(summary(&events), expected);
    for event in &events {
        assert_eq!(event.project, Some(project.id));
        assert_eq!(event.actor, actor);
        assert_eq!(event.at, db.now());
    }
    let task_update = &events[12];
    assert_eq!(
        task_update.before.as_ref().unwrap()["data"],
        json!({"n": 1})
    );
    assert_eq!(task_update.after.as_ref().unwrap()["data"], json!({"n": 2}));
    assert_eq!(task_update.after.as_ref().unwrap()["version"], json!(2));
    assert_eq!(events[4].before.as_ref().unwrap()["role"], json!("viewer"));
    assert_eq!(events[4].after.as_ref().unwrap()["role"], json!("member"));
    assert_eq!(
        events[2].before.as_ref().unwrap()["fields"],
        json!({"name": "P"})
    );
    assert_eq!(
        events[2].after.as_ref().unwrap()["fields"],
        json!({"name": "Q"})
    );

    // Accounts and tokens are in the audit log, outside any project; no secret is.
    let ana2 = db
        .store
        .update_user(
            Actor::System,
            ana.id,
            1,
            &UserUpdate {
                display_name: "Ana R".into(),
                ..UserUpdate::from(&ana)
            },
        )
        .await
        .unwrap();
    db.store
        .set_password(actor, ana.id, ana2.version, "$argon2id$secret-hash")
        .await
        .unwrap();
    let token = db
        .store
        .create_token(actor, ana.id, "ci", None)
        .await
        .unwrap();
    db.store.revoke_token(actor, token.record.id).await.unwrap();
    db.store.revoke_token(actor, token.record.id).await.unwrap();
    let audit = db.store.all_events(None, 1000).await.unwrap();
    let accounts: Vec<_> = audit
        .iter()
        .filter(|e| e.project.is_none())
        .cloned()
        .collect();
    let t = token.record.id.to_string();
    assert_eq!(
        summary(&accounts),
        vec![
            row("user", &a, "create"),
            row("user", &b, "create"),
            row("user", &a, "update"),
            row("user", &a, "update"),
            row("token", &t, "create"),
            row("token", &t, "update"),
        ]
    );
    assert_eq!(accounts[0].actor, Actor::System);
    assert_eq!(
        accounts[3].after.as_ref().unwrap()["password_changed"],
        json!(true)
    );
    assert!(accounts[5].after.as_ref().unwrap()["revoked_at"].is_string());
    let everything = serde_json::to_string(
        &audit
            .iter()
            .map(|e| (&e.before, &e.after))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert!(!everything.contains("secret-hash"));
    assert!(!everything.contains(&token.secret));
    assert_eq!(audit.len(), events.len() + accounts.len());
}

/// A project with one task, `a`, and the number of its events so far.
async fn project_with_a_task(db: &TestDb) -> (Project, usize) {
    let project = db.project(Actor::System, "P").await;
    db.add(project.id, EntityKind::Task, "a", json!({"duration": "1d"}))
        .await
        .unwrap();
    let count = db.store.events(project.id, None, 100).await.unwrap().len();
    (project, count)
}

/// The plan of project `P` with one task, `key`.
fn plan_with_task(key: &str) -> PlanContent {
    PlanContent {
        project: fields(json!({"name": "P"})),
        tasks: vec![(key.into(), Default::default())],
        ..PlanContent::default()
    }
}

async fn a_failed_change_leaves_no_event(db: &TestDb) {
    let (project, count) = project_with_a_task(db).await;
    let revision = db.store.project(project.id).await.unwrap().revision;

    let duplicate = db.add(project.id, EntityKind::Task, "a", json!({})).await;
    assert_matches!(duplicate, Err(StoreError::Duplicate(_)));
    let stale = db
        .update(
            project.id,
            EntityKind::Task,
            "a",
            5,
            json!({"duration": "9d"}),
        )
        .await;
    assert_stale!(stale, 5, 1);
    let plan = plan_with_task("bad key");
    let invalid = db
        .store
        .replace_project_content(Actor::System, project.id, None, &plan)
        .await;
    assert_matches!(invalid, Err(StoreError::Invalid(_)));
    assert_eq!(
        db.store.events(project.id, None, 100).await.unwrap().len(),
        count
    );
    assert_eq!(
        db.store.project(project.id).await.unwrap().revision,
        revision
    );
}

async fn a_change_and_its_event_commit_together(db: &TestDb) {
    let (project, count) = project_with_a_task(db).await;
    let task = db.store.entity(project.id, EntityKind::Task, "a").await;
    let task = task.unwrap();

    // Take the log away: the entity update runs, then writing its event fails, and the
    // transaction must take the update back with it.
    db.execute("ALTER TABLE events RENAME TO events_away")
        .await
        .unwrap();
    let nine_days = json!({"duration": "9d"});
    let update = || db.update(project.id, EntityKind::Task, "a", 1, nine_days.clone());
    let failed = update().await;
    let plan = plan_with_task("b");
    let failed_import = db
        .store
        .replace_project_content(Actor::System, project.id, None, &plan)
        .await;
    db.execute("ALTER TABLE events_away RENAME TO events")
        .await
        .unwrap();
    assert_matches!(failed, Err(StoreError::Database(_)));
    assert_matches!(failed_import, Err(StoreError::Database(_)));
    assert_eq!(
        db.store
            .entity(project.id, EntityKind::Task, "a")
            .await
            .unwrap(),
        task
    );
    assert!(db
        .store
        .entity(project.id, EntityKind::Task, "b")
        .await
        .is_err());
    assert_eq!(
        db.store.events(project.id, None, 100).await.unwrap().len(),
        count
    );

    // And with the log back, the same update works and is recorded.
    update().await.unwrap();
    assert_eq!(
        db.store.events(project.id, None, 100).await.unwrap().len(),
        count + 1
    );
}

async fn the_event_log_is_append_only(db: &TestDb) {
    let project = db.project(Actor::System, "P").await;
    assert!(db
        .execute("UPDATE events SET entity = 'forged'")
        .await
        .is_err());
    assert!(db.execute("DELETE FROM events").await.is_err());
    let events = db.store.events(project.id, None, 100).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].entity, "project");
}

async fn events_page_by_id(db: &TestDb) {
    let one = db.project(Actor::System, "One").await;
    let two = db.project(Actor::System, "Two").await;
    for index in 0..7 {
        for project in [one.id, two.id] {
            let key = format!("t{index}");
            db.add(project, EntityKind::Task, &key, json!({}))
                .await
                .unwrap();
        }
    }
    let mut keys = Vec::new();
    let mut after = None;
    loop {
        let page = db.store.events(one.id, after, 3).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        assert!(page.iter().all(|e| e.project == Some(one.id)));
        keys.extend(page.iter().map(|e| e.key.clone()));
    }
    let expected: Vec<String> = std::iter::once(one.id.to_string())
        .chain((0..7).map(|i| format!("t{i}")))
        .collect();
    assert_eq!(keys, expected);
    let all = db.store.all_events(None, 1000).await.unwrap();
    assert_eq!(all.len(), 16);
    assert!(all.windows(2).all(|pair| pair[0].id < pair[1].id));
    let data: Vec<&Value> = all.iter().filter_map(|e| e.after.as_ref()).collect();
    assert_eq!(data.len(), 16);
}

store_tests!(
    every_change_is_recorded_with_before_and_after,
    a_failed_change_leaves_no_event,
    a_change_and_its_event_commit_together,
    the_event_log_is_append_only,
    events_page_by_id,
);

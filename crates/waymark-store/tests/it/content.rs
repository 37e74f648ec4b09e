//! Project content: calendars, resources, tasks and risks in the plan file's shape; versions,
//! pagination and filters, import, replacement and the plan document.

use serde_json::json;
use waymark_store::{
    Actor, Entity, EntityCursor, EntityKind, EntityQuery, EntityUpdate, Fields, NewEntity, Page,
    ParentFilter, PlanContent, ProjectId, StoreError, POSITION_STEP,
};

use crate::harness::{fields, TestDb};

async fn every_kind_is_created_read_updated_and_deleted(db: &TestDb) {
    let project = db.project(Actor::System, "P").await;
    let samples = [
        (
            EntityKind::Calendar,
            "office",
            json!({"days": ["mon", "tue"], "hours": ["09:00-17:00"]}),
            "office",
        ),
        (
            EntityKind::Resource,
            "ana",
            json!({"name": "Ana Ruiz", "units": 0.5, "rate": 95.0}),
            "Ana Ruiz",
        ),
        (
            EntityKind::Task,
            "build-api",
            json!({
                "name": "Build the API",
                "parent": "delivery",
                "estimate": ["3d", "5d", "10d"],
                "after": ["design", "kickoff SS+2d"],
                "resources": ["ana", "bob 50%"],
                "progress": 0.4,
            }),
            "Build the API",
        ),
        (
            EntityKind::Risk,
            "vendor-late",
            json!({"title": "Vendor late", "probability": 0.3}),
            "Vendor late",
        ),
    ];
    for (kind, key, data, name) in samples {
        let created = db.add(project.id, kind, key, data.clone()).await.unwrap();
        assert_eq!(created.kind, kind);
        assert_eq!(created.name, name);
        assert_eq!(created.version, 1);
        assert_eq!(created.position, POSITION_STEP);
        assert_eq!(
            created.data,
            fields(data.clone()),
            "the fields come back as given"
        );
        assert_eq!(
            created.parent.as_deref(),
            (kind == EntityKind::Task).then_some("delivery")
        );
        assert_eq!(
            db.store.entity(project.id, kind, key).await.unwrap(),
            created
        );

        let mut changed = data;
        changed["note"] = json!("changed");
        let updated = db.update(project.id, kind, key, 1, changed.clone()).await;
        let updated = updated.unwrap();
        assert_eq!((updated.version, updated.position), (2, POSITION_STEP));
        assert_eq!(updated.data, fields(changed));
        db.store
            .delete_entity(Actor::System, project.id, kind, key, 2)
            .await
            .unwrap();
        let gone = db.store.entity(project.id, kind, key).await;
        assert_matches!(gone, Err(StoreError::NotFound(what)) if what == kind.as_str());
    }
    // A key is unique within its kind only.
    for kind in [EntityKind::Task, EntityKind::Resource] {
        db.add(project.id, kind, "ana", json!({})).await.unwrap();
    }
    let again = db.add(project.id, EntityKind::Task, "ana", json!({})).await;
    assert_matches!(again, Err(StoreError::Duplicate(ref what)) if what == "task `ana`");
    assert_eq!(
        db.store
            .entity(project.id, EntityKind::Task, "ana")
            .await
            .unwrap()
            .name,
        "ana"
    );
}

async fn versions_guard_updates_and_deletes(db: &TestDb) {
    let project = db.project(Actor::System, "P").await;
    let task = EntityKind::Task;
    db.add(project.id, task, "a", json!({"duration": "1d"}))
        .await
        .unwrap();
    let update = |key, version, duration: &str| {
        let data = json!({ "duration": duration });
        db.update(project.id, task, key, version, data)
    };
    update("a", 1, "2d").await.unwrap();
    let stale = update("a", 1, "3d").await;
    assert_stale!(stale, 1, 2);
    let stale = db
        .store
        .delete_entity(Actor::System, project.id, task, "a", 1)
        .await;
    assert_stale!(stale, 1, 2);
    let kept = db.store.entity(project.id, task, "a").await.unwrap();
    assert_eq!(
        (kept.version, kept.data["duration"].as_str()),
        (2, Some("2d"))
    );

    assert_matches!(
        update("b", 1, "1d").await,
        Err(StoreError::NotFound("task"))
    );
    let missing = db
        .update(ProjectId(999), task, "a", 2, json!({"duration": "1d"}))
        .await;
    assert_matches!(missing, Err(StoreError::NotFound("project")));
    let missing = db.add(ProjectId(999), task, "a", json!({})).await;
    assert_matches!(missing, Err(StoreError::NotFound("project")));

    for (key, data) in [
        ("has space", json!({})),
        ("", json!({})),
        ("dot.ted", json!({})),
        ("ok", json!({"name": 3})),
        ("ok", json!({"parent": ["x"]})),
        ("ok", json!({"name": "nul\u{0}"})),
    ] {
        let result = db.add(project.id, task, key, data).await;
        assert_matches!(result, Err(StoreError::Invalid(_)), "{key:?}:");
    }
}

async fn concurrent_updates_let_exactly_one_win(db: &TestDb) {
    let project = db.project(Actor::System, "P").await;
    db.add(project.id, EntityKind::Task, "a", json!({"duration": "1d"}))
        .await
        .unwrap();
    let mut writers = Vec::new();
    for writer in 0..8 {
        let store = db.store.clone();
        writers.push(tokio::spawn(async move {
            store
                .update_entity(
                    Actor::System,
                    project.id,
                    EntityKind::Task,
                    "a",
                    1,
                    &EntityUpdate {
                        data: fields(json!({"duration": format!("{}d", writer + 2)})),
                        position: None,
                    },
                )
                .await
        }));
    }
    let mut won = 0;
    for writer in writers {
        match writer.await.unwrap() {
            Ok(entity) => {
                won += 1;
                assert_eq!(entity.version, 2);
            }
            Err(StoreError::Stale {
                expected: 1,
                current: 2,
            }) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(won, 1);
    let events = db.store.events(project.id, None, 100).await.unwrap();
    let updates = events
        .iter()
        .filter(|e| e.action.as_str() == "update")
        .count();
    assert_eq!(updates, 1, "one update, one event");
}

async fn lists_page_by_position_and_filter(db: &TestDb) {
    let project = db.project(Actor::System, "P").await;
    let task = EntityKind::Task;
    db.add(project.id, task, "phase", json!({"name": "Phase"}))
        .await
        .unwrap();
    for index in 0..24 {
        let name = if index % 5 == 0 {
            format!("Review {index}")
        } else {
            format!("Build {index}")
        };
        let data = json!({"name": name, "parent": "phase", "duration": "1d"});
        let key = format!("t{index:02}");
        db.add(project.id, task, &key, data).await.unwrap();
    }
    // An explicit position puts a task between two others.
    let between = db
        .store
        .create_entity(
            Actor::System,
            project.id,
            task,
            &NewEntity {
                key: "a-late-idea".into(),
                data: fields(json!({"name": "100% done_marker", "parent": "phase"})),
                position: Some(POSITION_STEP * 2 + POSITION_STEP / 2),
            },
        )
        .await
        .unwrap();
    let count = |kind| db.store.entity_count(project.id, kind);
    assert_eq!(count(task).await.unwrap(), 26);
    assert_eq!(count(EntityKind::Risk).await.unwrap(), 0);

    let page = |query: EntityQuery| {
        let store = db.store.clone();
        async move { store.entities(project.id, task, &query).await.unwrap() }
    };
    let keys_of = |page: Page<Entity, EntityCursor>| {
        page.items.into_iter().map(|e| e.key).collect::<Vec<_>>()
    };
    let mut keys = Vec::new();
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = page(EntityQuery {
            after: after.clone(),
            limit: 10,
            ..EntityQuery::default()
        })
        .await;
        pages.push(page.items.len());
        keys.extend(page.items.iter().map(|e| e.key.clone()));
        match page.next {
            // The cursor survives a trip through text (a URL parameter).
            Some(next) => after = Some(next.to_string().parse::<EntityCursor>().unwrap()),
            None => break,
        }
    }
    assert_eq!(pages, [10, 10, 6]);
    assert_eq!(&keys[..4], ["phase", "t00", between.key.as_str(), "t01"]);
    assert_eq!(keys.len(), 26);

    let exact = page(EntityQuery {
        limit: 26,
        ..EntityQuery::default()
    })
    .await;
    assert_eq!((exact.items.len(), exact.next), (26, None));

    let top = page(EntityQuery {
        parent: Some(ParentFilter::None),
        ..EntityQuery::default()
    });
    assert_eq!(keys_of(top.await), ["phase"]);
    let children = page(EntityQuery {
        parent: Some(ParentFilter::Of("phase".into())),
        limit: 3,
        ..EntityQuery::default()
    });
    assert_eq!(keys_of(children.await), ["t00", "a-late-idea", "t01"]);
    let search = |needle: &str| {
        let found = page(EntityQuery {
            name_contains: Some(needle.into()),
            ..EntityQuery::default()
        });
        async { keys_of(found.await) }
    };
    assert_eq!(search("REVIEW").await, ["t00", "t05", "t10", "t15", "t20"]);
    assert_eq!(search("view 1").await, ["t10", "t15"]);
    // `%` and `_` are matched literally.
    assert_eq!(search("100%").await, ["a-late-idea"]);
    assert_eq!(search("e_m").await, ["a-late-idea"]);
    assert!(search("%").await.len() == 1);
    assert!(search("nothing like it").await.is_empty());

    let missing = db
        .store
        .entities(ProjectId(999), task, &EntityQuery::default())
        .await;
    assert_matches!(missing, Err(StoreError::NotFound("project")));
    assert!("12".parse::<EntityCursor>().is_err());
    assert!("x.key".parse::<EntityCursor>().is_err());
}

fn sample_plan() -> PlanContent {
    PlanContent {
        project: fields(
            json!({"name": "Website launch", "start": "2027-01-04", "deadline": "2027-04-30"}),
        ),
        calendars: vec![(
            "office".into(),
            fields(json!({"days": ["mon", "tue", "wed", "thu"]})),
        )],
        resources: vec![
            (
                "ana".into(),
                fields(json!({"name": "Ana", "calendar": "office"})),
            ),
            ("bob".into(), fields(json!({"name": "Bob", "units": 0.5}))),
        ],
        // Not in key order: the store keeps the plan's order.
        tasks: vec![
            (
                "zeta".into(),
                fields(json!({"name": "Kick-off", "milestone": true})),
            ),
            ("delivery".into(), fields(json!({"name": "Delivery"}))),
            (
                "design".into(),
                fields(
                    json!({"parent": "delivery", "duration": "5d", "after": ["zeta"], "resources": ["ana"]}),
                ),
            ),
            (
                "build".into(),
                fields(
                    json!({"parent": "delivery", "estimate": ["3d", "5d", "10d"], "after": ["design SS+2d"], "resources": ["ana", "bob 50%"]}),
                ),
            ),
        ],
        risks: vec![(
            "late".into(),
            fields(
                json!({"title": "Late", "probability": 0.3, "tasks": ["build"], "delay": ["1d", "2d", "5d"]}),
            ),
        )],
    }
}

async fn an_imported_plan_comes_back_in_order(db: &TestDb) {
    let ana = db.user("ana").await;
    let plan = sample_plan();
    let project = db
        .store
        .import_project(Actor::User(ana.id), &plan)
        .await
        .unwrap();
    assert_eq!(project.name, "Website launch");
    assert_eq!(project.fields, plan.project);
    let document = db.store.project_document(project.id).await.unwrap();
    assert_eq!(document, plan);
    let json = document.to_json();
    assert_eq!(json["tasks"]["build"]["after"], json!(["design SS+2d"]));
    assert_eq!(json["project"]["deadline"], json!("2027-04-30"));
    assert_eq!(json["risks"]["late"]["probability"], json!(0.3));
    assert_eq!(
        db.store.role(project.id, ana.id).await.unwrap(),
        Some(waymark_store::Role::Owner)
    );
    let design = db
        .store
        .entity(project.id, EntityKind::Task, "design")
        .await
        .unwrap();
    assert_eq!(design.parent.as_deref(), Some("delivery"));
    let missing = db.store.project_document(ProjectId(999)).await;
    assert_matches!(missing, Err(StoreError::NotFound("project")));

    // The snapshot: the same document, the project's row, and the tasks as stored, in order.
    let changed = db
        .store
        .update_entity(
            Actor::User(ana.id),
            project.id,
            EntityKind::Task,
            "design",
            design.version,
            &EntityUpdate {
                data: fields(
                    json!({"parent": "delivery", "duration": "6d", "after": ["zeta"], "resources": ["ana"]}),
                ),
                position: None,
            },
        )
        .await
        .unwrap();
    let snapshot = db.store.project_snapshot(project.id).await.unwrap();
    assert_eq!(
        snapshot.project,
        db.store.project(project.id).await.unwrap()
    );
    assert_eq!(
        snapshot.content,
        db.store.project_document(project.id).await.unwrap()
    );
    let keys: Vec<&str> = snapshot
        .tasks
        .iter()
        .map(|task| task.key.as_str())
        .collect();
    let document_keys: Vec<&str> = snapshot
        .content
        .tasks
        .iter()
        .map(|(key, _)| key.as_str())
        .collect();
    assert_eq!(keys, document_keys);
    let stored_design = snapshot
        .tasks
        .iter()
        .find(|task| task.key == "design")
        .unwrap();
    assert_eq!(stored_design.version, changed.version);
    assert_eq!(stored_design.version, design.version + 1);
    assert!(snapshot
        .tasks
        .iter()
        .all(|task| task.kind == EntityKind::Task));
    let missing = db.store.project_snapshot(ProjectId(999)).await;
    assert_matches!(missing, Err(StoreError::NotFound("project")));

    let mut twice = sample_plan();
    twice.tasks.push(("zeta".into(), Fields::new()));
    let refused = db.store.import_project(Actor::System, &twice).await;
    assert_matches!(refused, Err(StoreError::Invalid(_)));
    assert_eq!(db.store.projects(None, 10).await.unwrap().len(), 1);
}

async fn replacing_content_changes_only_what_differs(db: &TestDb) {
    let plan = sample_plan();
    let project = db.store.import_project(Actor::System, &plan).await.unwrap();
    let revision = db.store.project(project.id).await.unwrap().revision;

    let same = db
        .store
        .replace_project_content(Actor::System, project.id, Some(revision), &plan)
        .await
        .unwrap();
    assert_eq!(
        (same.created, same.updated, same.deleted, same.unchanged),
        (0, 0, 0, 8)
    );
    assert_eq!(same.revision, revision + 1);

    let mut next = plan.clone();
    next.project
        .insert("status_date".into(), json!("2027-02-15"));
    next.tasks[2].1.insert("progress".into(), json!(1.0)); // design: changed
    next.tasks.remove(0); // zeta: deleted, and everything after it moves up
    next.tasks.push((
        "launch".into(),
        fields(json!({"milestone": true, "after": ["build"]})),
    ));
    next.risks.clear();
    let stale = db
        .store
        .replace_project_content(Actor::System, project.id, Some(revision), &next)
        .await;
    assert_matches!(stale, Err(StoreError::Stale { .. }));
    let events_before = db.store.events(project.id, None, 1000).await.unwrap().len();
    let changes = db
        .store
        .replace_project_content(Actor::System, project.id, Some(revision + 1), &next)
        .await
        .unwrap();
    // delivery, design and build moved up a place: updated; launch new; zeta and late deleted.
    assert_eq!(
        (
            changes.created,
            changes.updated,
            changes.deleted,
            changes.unchanged
        ),
        (1, 3, 2, 3)
    );
    assert_eq!(db.store.project_document(project.id).await.unwrap(), next);
    let after = db.store.project(project.id).await.unwrap();
    assert_eq!((after.version, after.revision), (2, revision + 2));
    let design = db
        .store
        .entity(project.id, EntityKind::Task, "design")
        .await
        .unwrap();
    assert_eq!(design.version, 2);
    let office = db
        .store
        .entity(project.id, EntityKind::Calendar, "office")
        .await
        .unwrap();
    assert_eq!(office.version, 1, "untouched");
    let events = db.store.events(project.id, None, 1000).await.unwrap();
    // One event per changed object: the project fields, 3 updates, 1 creation, 2 deletions.
    assert_eq!(events.len() - events_before, 7);

    let missing = db
        .store
        .replace_project_content(Actor::System, ProjectId(999), None, &next)
        .await;
    assert_matches!(missing, Err(StoreError::NotFound("project")));
}

async fn a_large_plan_is_written_in_batches(db: &TestDb) {
    let mut plan = PlanContent {
        project: fields(json!({"name": "Big", "start": "2027-01-04"})),
        ..PlanContent::default()
    };
    for index in 0..1500 {
        plan.tasks.push((
            format!("t{index}"),
            fields(json!({"duration": "1d", "after": if index > 0 { json!([format!("t{}", index - 1)]) } else { json!([]) }})),
        ));
    }
    let project = db.store.import_project(Actor::System, &plan).await.unwrap();
    let count = db.store.entity_count(project.id, EntityKind::Task).await;
    assert_eq!(count.unwrap(), 1500);
    let document = db.store.project_document(project.id).await.unwrap();
    assert_eq!(document.tasks, plan.tasks);
    let events = db.store.events(project.id, None, 0).await.unwrap();
    assert_eq!(events.len(), 1000, "a page is at most MAX_PAGE_SIZE");
    let rest = db
        .store
        .events(project.id, Some(events[999].id), 1000)
        .await
        .unwrap();
    assert_eq!(events.len() + rest.len(), 1 + 1500);
    plan.tasks.truncate(10);
    let changes = db
        .store
        .replace_project_content(Actor::System, project.id, None, &plan)
        .await
        .unwrap();
    assert_eq!((changes.deleted, changes.unchanged), (1490, 10));
}

/// PostgreSQL cannot store a NUL character; SQLite can. Both must answer the same: refused
/// writes, not-found reads, never a database error.
async fn text_with_nul_is_refused_or_not_found(db: &TestDb) {
    let project = db.project(Actor::System, "P").await;
    let task = EntityKind::Task;
    db.add(project.id, task, "a", json!({"name": "A"}))
        .await
        .unwrap();
    let nul = "a\u{0}";
    assert_matches!(
        db.store.user_by_name(nul).await,
        Err(StoreError::NotFound("user"))
    );
    assert!(db.store.credentials(nul).await.unwrap().is_none());
    let read = db.store.entity(project.id, task, nul).await;
    assert_matches!(read, Err(StoreError::NotFound("task")));
    let write = db.update(project.id, task, nul, 1, json!({})).await;
    assert_matches!(write, Err(StoreError::NotFound("task")));
    let delete = db
        .store
        .delete_entity(Actor::System, project.id, task, nul, 1);
    assert_matches!(delete.await, Err(StoreError::NotFound("task")));
    for query in [
        EntityQuery {
            name_contains: Some(nul.into()),
            ..EntityQuery::default()
        },
        EntityQuery {
            parent: Some(ParentFilter::Of(nul.into())),
            ..EntityQuery::default()
        },
        EntityQuery {
            after: Some(EntityCursor {
                position: 0,
                key: nul.into(),
            }),
            ..EntityQuery::default()
        },
    ] {
        let page = db.store.entities(project.id, task, &query).await.unwrap();
        assert!(page.items.is_empty(), "{query:?}");
    }
    for fields_with_nul in [
        json!({"name": "P", "currency": "E\u{0}R"}),
        json!({"name": "P", "x\u{0}": 1}),
    ] {
        let refused = db
            .store
            .update_project(Actor::System, project.id, 1, &fields(fields_with_nul))
            .await;
        assert_matches!(refused, Err(StoreError::Invalid(_)));
    }
    let ana = db.user("ana").await;
    let refused = db
        .store
        .create_token(Actor::System, ana.id, nul, None)
        .await;
    assert_matches!(refused, Err(StoreError::Invalid(_)));
    let minute = chrono::Duration::minutes(1);
    assert_matches!(
        db.store.rate_limit_hit(nul, minute).await,
        Err(StoreError::Invalid(_))
    );
    assert_eq!(db.store.rate_limit_count(nul, minute).await.unwrap(), 0);
    db.store.rate_limit_reset(nul).await.unwrap();
    assert!(db.store.session(nul).await.unwrap().is_none());
    let token = db.store.authenticate_token("wmt_\u{0}").await;
    assert!(token.unwrap().is_none());
}

store_tests!(
    text_with_nul_is_refused_or_not_found,
    every_kind_is_created_read_updated_and_deleted,
    versions_guard_updates_and_deletes,
    concurrent_updates_let_exactly_one_win,
    lists_page_by_position_and_filter,
    an_imported_plan_comes_back_in_order,
    replacing_content_changes_only_what_differs,
    a_large_plan_is_written_in_batches,
);

//! "What changed since": a project's events at or after a time, newest first, bounded, with the
//! count of all of them; other projects' events and older ones stay out.

use chrono::Duration;
use serde_json::json;
use waymark_store::{Actor, EntityKind, NewEntity};

use crate::harness::{fields, TestDb};

async fn events_since_a_time_newest_first_with_the_total(db: &TestDb) {
    let ana = db.user("ana").await;
    let actor = Actor::User(ana.id);
    let project = db.project(actor, "P").await;
    let other = db.project(actor, "Other").await;
    db.advance(Duration::days(2));
    let since = db.now();
    for (project, key) in [
        (&project, "a"),
        (&project, "b"),
        (&project, "c"),
        (&other, "x"),
    ] {
        db.advance(Duration::seconds(1));
        let new = NewEntity {
            key: key.into(),
            data: fields(json!({ "name": key })),
            position: None,
        };
        db.store
            .create_entity(actor, project.id, EntityKind::Task, &new)
            .await
            .unwrap();
    }

    let (events, total) = db.store.events_since(project.id, since, 2).await.unwrap();
    assert_eq!(total, 3);
    let keys: Vec<&str> = events.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["c", "b"]);
    assert!(events.iter().all(|e| e.project == Some(project.id)));

    // From before the project's creation: its creation and membership too.
    let (events, total) = db
        .store
        .events_since(project.id, since - Duration::days(3), 500)
        .await
        .unwrap();
    assert_eq!(total as usize, events.len());
    assert_eq!(events.last().unwrap().entity, "project");
    assert!(events.windows(2).all(|pair| pair[0].id.0 > pair[1].id.0));

    // Nothing since a later time.
    let (events, total) = db
        .store
        .events_since(project.id, db.now() + Duration::seconds(1), 10)
        .await
        .unwrap();
    assert!(events.is_empty());
    assert_eq!(total, 0);
}

store_tests!(events_since_a_time_newest_first_with_the_total);

//! Projects, their members and roles, revisions, and deleting a project.

use serde_json::json;
use waymark_store::{Actor, EntityKind, ProjectId, Role, StoreError, UserId};

use crate::harness::{fields, TestDb};

async fn a_creator_owns_the_project(db: &TestDb) {
    let ana = db.user("ana").await;
    let project = db
        .store
        .create_project(
            Actor::User(ana.id),
            &fields(json!({"name": "Website launch", "start": "2027-01-04"})),
        )
        .await
        .unwrap();
    assert_eq!(project.name, "Website launch");
    assert_eq!((project.version, project.revision), (1, 1));
    assert_eq!(db.store.project(project.id).await.unwrap(), project);
    assert_eq!(
        db.store.role(project.id, ana.id).await.unwrap(),
        Some(Role::Owner)
    );
    let mine = db.store.projects_of_user(ana.id, None, 10).await.unwrap();
    assert_eq!(mine, vec![(project.clone(), Role::Owner)]);

    // The system creates projects nobody is a member of (the demo assigns them afterwards).
    let system = db
        .store
        .create_project(Actor::System, &fields(json!({"start": "2027-01-04"})))
        .await
        .unwrap();
    assert_eq!(system.name, "", "the plan file's default name");
    assert!(db.store.members(system.id).await.unwrap().is_empty());
    let all = db.store.projects(None, 10).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(
        db.store.projects(Some(project.id), 10).await.unwrap(),
        vec![system]
    );
    assert_eq!(
        db.store
            .projects_of_user(ana.id, Some(project.id), 10)
            .await
            .unwrap(),
        vec![]
    );

    let missing = db.store.project(ProjectId(999)).await;
    assert_matches!(missing, Err(StoreError::NotFound("project")));
    let members = db.store.members(ProjectId(999)).await;
    assert_matches!(members, Err(StoreError::NotFound("project")));
    let bad = db
        .store
        .create_project(Actor::System, &fields(json!({"name": 5})))
        .await;
    assert_matches!(bad, Err(StoreError::Invalid(_)));
}

async fn project_updates_need_the_current_version(db: &TestDb) {
    let project = db.project(Actor::System, "A").await;
    let updated = db
        .store
        .update_project(Actor::System, project.id, 1, &fields(json!({"name": "B"})))
        .await
        .unwrap();
    assert_eq!((updated.name.as_str(), updated.version), ("B", 2));
    assert_eq!(updated.revision, 2);
    let stale = db
        .store
        .update_project(Actor::System, project.id, 1, &fields(json!({"name": "C"})))
        .await;
    assert_stale!(stale, 1, 2);
    assert_eq!(db.store.project(project.id).await.unwrap(), updated);
    let missing = db
        .store
        .update_project(Actor::System, ProjectId(999), 1, &fields(json!({})))
        .await;
    assert_matches!(missing, Err(StoreError::NotFound("project")));

    // Content changes move the revision, not the version.
    db.add(project.id, EntityKind::Task, "a", json!({"duration": "1d"}))
        .await
        .unwrap();
    let after = db.store.project(project.id).await.unwrap();
    assert_eq!((after.version, after.revision), (2, 3));
}

async fn members_have_one_role_each(db: &TestDb) {
    let ana = db.user("ana").await;
    let bob = db.user("bob").await;
    let cy = db.user("cy").await;
    let project = db.project(Actor::User(ana.id), "P").await;
    let owner = Actor::User(ana.id);
    let bob_member = db
        .store
        .add_member(owner, project.id, bob.id, Role::Viewer)
        .await
        .unwrap();
    assert_eq!((bob_member.role, bob_member.version), (Role::Viewer, 1));
    let again = db
        .store
        .add_member(owner, project.id, bob.id, Role::Member)
        .await;
    assert_matches!(again, Err(StoreError::Duplicate(_)));
    let nobody = db
        .store
        .add_member(owner, project.id, UserId(999), Role::Member)
        .await;
    assert_matches!(nobody, Err(StoreError::NotFound("user")));
    let nowhere = db
        .store
        .add_member(owner, ProjectId(999), cy.id, Role::Member)
        .await;
    assert_matches!(nowhere, Err(StoreError::NotFound("project")));

    let promoted = db
        .store
        .update_member(owner, project.id, bob.id, 1, Role::Manager)
        .await
        .unwrap();
    assert_eq!((promoted.role, promoted.version), (Role::Manager, 2));
    let stale = db
        .store
        .update_member(owner, project.id, bob.id, 1, Role::Owner)
        .await;
    assert_stale!(stale, 1, 2);
    let members = db.store.members(project.id).await.unwrap();
    let roles: Vec<_> = members
        .iter()
        .map(|(m, u)| (u.name.as_str(), m.role))
        .collect();
    assert_eq!(roles, [("ana", Role::Owner), ("bob", Role::Manager)]);
    assert_eq!(db.store.role(project.id, cy.id).await.unwrap(), None);

    // The last owner can neither step down nor leave; with a second owner both work.
    let step_down = db
        .store
        .update_member(owner, project.id, ana.id, 1, Role::Manager)
        .await;
    assert_matches!(step_down, Err(StoreError::Invalid(_)));
    let leave = db.store.remove_member(owner, project.id, ana.id, 1).await;
    assert_matches!(leave, Err(StoreError::Invalid(_)));
    assert_eq!(
        db.store.role(project.id, ana.id).await.unwrap(),
        Some(Role::Owner)
    );
    db.store
        .update_member(owner, project.id, bob.id, 2, Role::Owner)
        .await
        .unwrap();
    db.store
        .remove_member(owner, project.id, ana.id, 1)
        .await
        .unwrap();
    assert_eq!(db.store.role(project.id, ana.id).await.unwrap(), None);
    let gone = db.store.remove_member(owner, project.id, ana.id, 1).await;
    assert_matches!(gone, Err(StoreError::NotFound("membership")));
    let stale = db.store.remove_member(owner, project.id, bob.id, 1).await;
    assert_stale!(stale, 1, 3);

    // Roles are ordered by power.
    assert!(Role::Owner.at_least(Role::Manager));
    assert!(Role::Manager.at_least(Role::Member));
    assert!(Role::Member.at_least(Role::Viewer));
    assert!(!Role::Viewer.at_least(Role::Member));
    for role in Role::ALL {
        assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
    }
    assert!("admin".parse::<Role>().is_err());
}

async fn deleting_a_project_deletes_its_content(db: &TestDb) {
    let ana = db.user("ana").await;
    let project = db.project(Actor::User(ana.id), "P").await;
    db.add(
        project.id,
        EntityKind::Task,
        "design",
        json!({"duration": "5d"}),
    )
    .await
    .unwrap();
    let stale = db
        .store
        .delete_project(Actor::User(ana.id), project.id, 7)
        .await;
    assert_stale!(stale, 7, 1);
    db.store
        .delete_project(Actor::User(ana.id), project.id, 1)
        .await
        .unwrap();
    let gone = db.store.project(project.id).await;
    assert_matches!(gone, Err(StoreError::NotFound("project")));
    let gone = db
        .store
        .entity(project.id, EntityKind::Task, "design")
        .await;
    assert_matches!(gone, Err(StoreError::NotFound("task")));
    assert!(db
        .store
        .projects_of_user(ana.id, None, 10)
        .await
        .unwrap()
        .is_empty());
    let rows = db.column("SELECT key FROM entities").await;
    assert!(rows.is_empty(), "{rows:?}");
    let deleted = db
        .store
        .delete_project(Actor::User(ana.id), project.id, 1)
        .await;
    assert_matches!(deleted, Err(StoreError::NotFound("project")));
    // The history stays, and its last event holds the whole project.
    let events = db.store.events(project.id, None, 100).await.unwrap();
    let last = events.last().unwrap();
    assert_eq!(
        (last.entity.as_str(), last.action.as_str()),
        ("project", "delete")
    );
    let before = last.before.as_ref().unwrap();
    assert_eq!(before["fields"], json!({"name": "P"}));
    assert_eq!(
        before["content"]["tasks"]["design"],
        json!({"duration": "5d"})
    );
}

store_tests!(
    a_creator_owns_the_project,
    project_updates_need_the_current_version,
    members_have_one_role_each,
    deleting_a_project_deletes_its_content,
);

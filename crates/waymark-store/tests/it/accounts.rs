//! Migrations, durability settings, and accounts: creation, lookup, pagination, versions.

use waymark_store::{Actor, NewUser, Store, StoreError, UserId, UserUpdate};

use crate::harness::TestDb;

async fn migrations_are_idempotent(db: &TestDb) {
    let ana = db.user("ana").await;
    db.store.migrate().await.unwrap();
    db.store.migrate().await.unwrap();
    assert_eq!(db.store.user_count().await.unwrap(), 1);
    assert_eq!(db.store.user(ana.id).await.unwrap(), ana);
    let applied = db
        .column("SELECT CAST(version AS TEXT) FROM _sqlx_migrations ORDER BY version")
        .await;
    assert_eq!(applied, vec![Some("1".to_owned()), Some("2".to_owned())]);
    db.store.ping().await.unwrap();
}

async fn sqlite_runs_durable(db: &TestDb) {
    let settings = db.store.sqlite_settings().await.unwrap();
    if db.is_postgres() {
        assert_eq!(settings, None);
        return;
    }
    // Ask several pooled connections at once: each must have been set up the same way.
    let (one, two, three) = tokio::join!(
        db.store.sqlite_settings(),
        db.store.sqlite_settings(),
        db.store.sqlite_settings()
    );
    for settings in [settings, one.unwrap(), two.unwrap(), three.unwrap()] {
        let settings = settings.unwrap();
        assert_eq!(settings.journal_mode, "wal");
        assert_eq!(settings.synchronous, 2, "synchronous=FULL");
        assert!(settings.foreign_keys);
        assert_eq!(settings.busy_timeout_ms, 10_000);
    }
}

async fn users_are_created_found_and_listed(db: &TestDb) {
    assert_eq!(db.store.user_count().await.unwrap(), 0);
    let ana = db
        .store
        .create_user(
            Actor::System,
            &NewUser {
                name: "ana".into(),
                display_name: "Ana Ruiz".into(),
                email: Some("ana@example.com".into()),
                password_hash: Some("$argon2id$not-a-real-hash".into()),
                is_admin: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(ana.version, 1);
    assert!(ana.is_admin && !ana.disabled);
    assert_eq!(ana.created_at, db.now());
    for name in ["bob", "cy", "dee", "eve"] {
        db.user(name).await;
    }
    assert_eq!(db.store.user_count().await.unwrap(), 5);
    assert_eq!(db.store.user(ana.id).await.unwrap(), ana);
    assert_eq!(db.store.user_by_name("ana").await.unwrap(), ana);
    let (user, hash) = db.store.credentials("ana").await.unwrap().unwrap();
    assert_eq!(
        (user, hash.as_str()),
        (ana.clone(), "$argon2id$not-a-real-hash")
    );
    assert!(
        db.store.credentials("bob").await.unwrap().is_none(),
        "no password"
    );
    assert!(db.store.credentials("nobody").await.unwrap().is_none());

    let first = db.store.users(None, 2).await.unwrap();
    let names: Vec<_> = first.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["ana", "bob"]);
    let rest = db.store.users(Some(first[1].id), 10).await.unwrap();
    let names: Vec<_> = rest.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["cy", "dee", "eve"]);

    let again = db
        .store
        .create_user(
            Actor::System,
            &NewUser {
                name: "ana".into(),
                ..NewUser::default()
            },
        )
        .await;
    assert_matches!(again, Err(StoreError::Duplicate(_)));
    for bad in ["", " ana", "a\nb", "nul\0"] {
        let result = db
            .store
            .create_user(
                Actor::System,
                &NewUser {
                    name: bad.into(),
                    ..NewUser::default()
                },
            )
            .await;
        assert_matches!(result, Err(StoreError::Invalid(_)), "{bad:?}:");
    }
    assert_matches!(
        db.store.user(UserId(999)).await,
        Err(StoreError::NotFound("user"))
    );
    assert_matches!(
        db.store.user_by_name("nobody").await,
        Err(StoreError::NotFound("user"))
    );
}

async fn user_updates_need_the_current_version(db: &TestDb) {
    let ana = db.user("ana").await;
    let mut update = UserUpdate::from(&ana);
    update.display_name = "Ana Ruiz".into();
    update.disabled = true;
    db.advance(chrono::Duration::minutes(5));
    let updated = db
        .store
        .update_user(Actor::User(ana.id), ana.id, 1, &update)
        .await
        .unwrap();
    assert_eq!(updated.version, 2);
    assert_eq!(updated.display_name, "Ana Ruiz");
    assert!(updated.disabled);
    assert_eq!(updated.updated_at, db.now());
    assert_eq!(updated.created_at, ana.created_at);

    update.display_name = "Lost update".into();
    let stale = db
        .store
        .update_user(Actor::User(ana.id), ana.id, 1, &update)
        .await;
    assert_stale!(stale, 1, 2);
    assert_eq!(db.store.user(ana.id).await.unwrap(), updated);
    let missing = db
        .store
        .update_user(Actor::System, UserId(999), 1, &update)
        .await;
    assert_matches!(missing, Err(StoreError::NotFound("user")));
    let stale = db.store.set_password(Actor::System, ana.id, 1, "x").await;
    assert_stale!(stale, 1, 2);
}

async fn the_first_administrator_comes_from_a_setup_link(db: &TestDb) {
    let hour = chrono::Duration::hours(1);
    // Two server processes started on the empty database: each prints a link.
    let one = db.store.create_setup_token(hour).await.unwrap().unwrap();
    let two = db.store.create_setup_token(hour).await.unwrap().unwrap();
    assert_eq!(one.record, db.now() + hour);
    assert_ne!(one.secret, two.secret);
    let stored = db.column("SELECT token_hash FROM setup_tokens").await;
    assert!(!stored.contains(&Some(one.secret.clone())));
    let root = NewUser {
        name: "root".into(),
        display_name: "Administrator".into(),
        password_hash: Some("$argon2id$x".into()),
        ..NewUser::default()
    };
    let wrong = db.store.complete_setup("wrong", &root).await;
    assert_matches!(wrong, Err(StoreError::NotFound("setup token")));
    let other = NewUser {
        name: "other".into(),
        ..root.clone()
    };
    let (first, second) = tokio::join!(
        db.store.complete_setup(&two.secret, &root),
        db.store.complete_setup(&one.secret, &other),
    );
    let admin = match (first, second) {
        (Ok(admin), Err(StoreError::NotFound(_))) | (Err(StoreError::NotFound(_)), Ok(admin)) => {
            admin
        }
        other => panic!("exactly one setup must succeed: {other:?}"),
    };
    assert!(admin.is_admin);
    assert_eq!(db.store.user_count().await.unwrap(), 1);
    let spent = db.store.complete_setup(&one.secret, &root).await;
    assert_matches!(spent, Err(StoreError::NotFound(_)));
    assert!(db.store.create_setup_token(hour).await.unwrap().is_none());
    assert!(db
        .column("SELECT token_hash FROM setup_tokens")
        .await
        .is_empty());
    let events = db.store.all_events(None, 10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].entity.as_str(), events[0].actor),
        ("user", Actor::System)
    );
}

async fn an_expired_setup_link_is_refused(db: &TestDb) {
    let half_an_hour = chrono::Duration::minutes(30);
    let new_link = || db.store.create_setup_token(half_an_hour);
    let link = new_link().await.unwrap().unwrap();
    db.advance(half_an_hour);
    let root = NewUser {
        name: "root".into(),
        ..NewUser::default()
    };
    let late = db.store.complete_setup(&link.secret, &root).await;
    assert_matches!(late, Err(StoreError::NotFound(_)));
    assert_eq!(db.store.user_count().await.unwrap(), 0);
    // An account made another way (the CLI) spends the links.
    let link = new_link().await.unwrap().unwrap();
    db.user("ana").await;
    let spent = db.store.complete_setup(&link.secret, &root).await;
    assert_matches!(spent, Err(StoreError::NotFound(_)));
    assert!(db
        .column("SELECT token_hash FROM setup_tokens")
        .await
        .is_empty());
}

store_tests!(
    migrations_are_idempotent,
    the_first_administrator_comes_from_a_setup_link,
    an_expired_setup_link_is_refused,
    sqlite_runs_durable,
    users_are_created_found_and_listed,
    user_updates_need_the_current_version,
);

/// Opens and migrates the store at `url` and creates the user `ana` in it.
async fn store_with_ana(url: &str) -> Store {
    let store = Store::connect(url).await.unwrap();
    store.migrate().await.unwrap();
    let ana = NewUser {
        name: "ana".into(),
        ..NewUser::default()
    };
    store.create_user(Actor::System, &ana).await.unwrap();
    store
}

#[tokio::test]
async fn an_in_memory_database_keeps_its_data() {
    let store = store_with_ana("sqlite::memory:").await;
    // Other tasks, the same (only) connection.
    let counts = futures_join(&store).await;
    assert_eq!(counts, [1, 1, 1]);
    assert_eq!(store.backend_name(), "sqlite");
    assert_eq!(
        store.sqlite_settings().await.unwrap().unwrap().journal_mode,
        "memory"
    );
}

async fn futures_join(store: &Store) -> [i64; 3] {
    let (a, b, c) = tokio::join!(store.user_count(), store.user_count(), store.user_count());
    [a.unwrap(), b.unwrap(), c.unwrap()]
}

#[tokio::test]
async fn sqlite_urls_and_paths_open_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.db");
    let store = store_with_ana(path.to_str().unwrap()).await;
    store.close().await;
    let url = format!("sqlite://{}", path.display());
    let again = Store::connect(&url).await.unwrap();
    again.migrate().await.unwrap();
    assert_eq!(again.user_count().await.unwrap(), 1);
    again.close().await;
}

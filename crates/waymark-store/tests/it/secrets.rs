//! API tokens, sessions and sign-in rate limits: stored as digests, found by their secret,
//! expiring, revocable, shared by every process on the database; and password hashing.

use chrono::Duration;
use waymark_store::auth::{self, hash_password, needs_rehash, verify_password};
use waymark_store::{
    Actor, ApiToken, Issued, Session, StoreError, TokenId, User, UserId, UserUpdate,
};

use crate::harness::TestDb;

/// The token and user `secret` authenticates as.
async fn authenticate(db: &TestDb, secret: &str) -> Option<(ApiToken, User)> {
    db.store.authenticate_token(secret).await.unwrap()
}

/// Whether `secret` authenticates as a token.
async fn authenticates(db: &TestDb, secret: &str) -> bool {
    authenticate(db, secret).await.is_some()
}

/// A session of an hour for `user`.
async fn session_for(db: &TestDb, user: UserId) -> Issued<Session> {
    let hour = Duration::hours(1);
    db.store.create_session(user, hour).await.unwrap()
}

async fn tokens_are_found_by_their_secret_and_stored_hashed(db: &TestDb) {
    let ana = db.user("ana").await;
    let issued = db
        .store
        .create_token(Actor::User(ana.id), ana.id, "ci", None)
        .await
        .unwrap();
    assert!(issued.secret.starts_with(auth::TOKEN_PREFIX));
    assert_eq!(issued.record.name, "ci");
    assert_eq!(issued.record.last_used_at, None);
    let stored = db.column("SELECT token_hash FROM api_tokens").await;
    assert_eq!(stored, vec![Some(auth::secret_digest(&issued.secret))]);
    let everything = db
        .column("SELECT CAST(after_data AS TEXT) FROM events")
        .await;
    assert!(everything
        .iter()
        .flatten()
        .all(|text| !text.contains(&issued.secret)));

    let (token, user) = authenticate(db, &issued.secret).await.unwrap();
    assert_eq!((token.id, user.id), (issued.record.id, ana.id));
    assert_eq!(token.last_used_at, Some(db.now()));
    assert_eq!(
        db.store.token(token.id).await.unwrap().last_used_at,
        Some(db.now())
    );
    // Uses within a minute do not write; later ones do.
    let first_use = db.now();
    db.advance(Duration::seconds(30));
    let (token, _) = authenticate(db, &issued.secret).await.unwrap();
    assert_eq!(token.last_used_at, Some(first_use));
    db.advance(Duration::seconds(31));
    let (token, _) = authenticate(db, &issued.secret).await.unwrap();
    assert_eq!(token.last_used_at, Some(db.now()));

    let wrong = format!("{}0", &issued.secret[..issued.secret.len() - 1]);
    let wrong = if wrong == issued.secret {
        format!("{}1", &issued.secret[..issued.secret.len() - 1])
    } else {
        wrong
    };
    for wrong in [wrong.as_str(), "", auth::TOKEN_PREFIX] {
        assert!(!authenticates(db, wrong).await, "{wrong:?}");
    }
    let none = db
        .store
        .create_token(Actor::System, UserId(999), "x", None)
        .await;
    assert_matches!(none, Err(StoreError::NotFound("user")));
    let missing = db.store.token(TokenId(999)).await;
    assert_matches!(missing, Err(StoreError::NotFound("token")));
    let revoke = db.store.revoke_token(Actor::System, TokenId(999)).await;
    assert_matches!(revoke, Err(StoreError::NotFound("token")));
}

async fn tokens_expire_and_are_revoked(db: &TestDb) {
    let ana = db.user("ana").await;
    let day = db
        .store
        .create_token(
            Actor::System,
            ana.id,
            "one day",
            Some(db.now() + Duration::days(1)),
        )
        .await
        .unwrap();
    let forever = db
        .store
        .create_token(Actor::System, ana.id, "forever", None)
        .await
        .unwrap();
    db.advance(Duration::hours(23));
    assert!(authenticates(db, &day.secret).await);
    db.advance(Duration::hours(1));
    assert!(!authenticates(db, &day.secret).await, "expired");
    assert!(authenticates(db, &forever.secret).await);

    let revoked = db
        .store
        .revoke_token(Actor::User(ana.id), forever.record.id)
        .await
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(db.now()));
    assert!(revoked.revoked());
    db.advance(Duration::hours(1));
    let again = db
        .store
        .revoke_token(Actor::User(ana.id), forever.record.id)
        .await
        .unwrap();
    assert_eq!(
        again.revoked_at, revoked.revoked_at,
        "revoking again changes nothing"
    );
    assert!(!authenticates(db, &forever.secret).await);

    let tokens = db.store.tokens(ana.id).await.unwrap();
    let names: Vec<_> = tokens
        .iter()
        .map(|t| (t.name.as_str(), t.revoked()))
        .collect();
    assert_eq!(names, [("one day", false), ("forever", true)]);

    // A disabled account's tokens stop working.
    let third = db
        .store
        .create_token(Actor::System, ana.id, "third", None)
        .await
        .unwrap();
    assert!(authenticates(db, &third.secret).await);
    let update = UserUpdate {
        disabled: true,
        ..UserUpdate::from(&ana)
    };
    db.store
        .update_user(Actor::System, ana.id, 1, &update)
        .await
        .unwrap();
    assert!(!authenticates(db, &third.secret).await);
}

async fn sessions_are_found_expire_and_are_revoked(db: &TestDb) {
    let ana = db.user("ana").await;
    let bob = db.user("bob").await;
    let issued = db
        .store
        .create_session(ana.id, Duration::hours(12))
        .await
        .unwrap();
    assert_eq!(issued.secret.len(), 64);
    assert_eq!(issued.record.expires_at, db.now() + Duration::hours(12));
    let stored = db.column("SELECT id_hash FROM sessions").await;
    assert_eq!(stored, vec![Some(auth::secret_digest(&issued.secret))]);

    let (session, user) = db.store.session(&issued.secret).await.unwrap().unwrap();
    assert_eq!(session, issued.record);
    assert_eq!(user.id, ana.id);
    assert_eq!(session.csrf_token.len(), 64);
    assert!(db.store.session("not-a-session").await.unwrap().is_none());

    db.advance(Duration::hours(12));
    assert!(
        db.store.session(&issued.secret).await.unwrap().is_none(),
        "expired"
    );
    assert!(
        !db.store.revoke_session(&issued.secret).await.unwrap(),
        "already inactive"
    );

    let one = session_for(db, ana.id).await;
    let two = session_for(db, ana.id).await;
    let three = session_for(db, ana.id).await;
    let bobs = session_for(db, bob.id).await;
    assert!(db.store.revoke_session(&one.secret).await.unwrap());
    assert!(!db.store.revoke_session(&one.secret).await.unwrap());
    assert!(db.store.session(&one.secret).await.unwrap().is_none());
    assert!(db.store.session(&two.secret).await.unwrap().is_some());
    assert_eq!(db.store.revoke_user_sessions(ana.id).await.unwrap(), 2);
    assert!(db.store.session(&three.secret).await.unwrap().is_none());
    assert!(db.store.session(&bobs.secret).await.unwrap().is_some());

    // A password change signs the user out everywhere, in the same transaction.
    let four = session_for(db, ana.id).await;
    db.store
        .set_password(Actor::User(ana.id), ana.id, 1, "$argon2id$x")
        .await
        .unwrap();
    assert!(db.store.session(&four.secret).await.unwrap().is_none());

    assert_eq!(
        db.store.purge_sessions().await.unwrap(),
        5,
        "1 expired and 4 revoked"
    );
    assert_eq!(db.column("SELECT id_hash FROM sessions").await.len(), 1);
    let none = db
        .store
        .create_session(UserId(999), Duration::hours(1))
        .await;
    assert_matches!(none, Err(StoreError::NotFound("user")));
}

async fn sign_in_attempts_are_counted_per_window(db: &TestDb) {
    let window = Duration::minutes(15);
    let key = "sign-in:ana";
    assert_eq!(db.store.rate_limit_count(key, window).await.unwrap(), 0);
    for expected in 1..=3 {
        assert_eq!(
            db.store.rate_limit_hit(key, window).await.unwrap(),
            expected
        );
        db.advance(Duration::minutes(1));
    }
    assert_eq!(db.store.rate_limit_count(key, window).await.unwrap(), 3);
    assert_eq!(
        db.store
            .rate_limit_count("sign-in:bob", window)
            .await
            .unwrap(),
        0
    );
    // The window opened at the first attempt, 3 minutes ago; it closes 12 minutes from now.
    db.advance(Duration::minutes(11));
    assert_eq!(db.store.rate_limit_hit(key, window).await.unwrap(), 4);
    db.advance(Duration::minutes(1));
    assert_eq!(db.store.rate_limit_count(key, window).await.unwrap(), 0);
    assert_eq!(
        db.store.rate_limit_hit(key, window).await.unwrap(),
        1,
        "a new window"
    );
    db.store.rate_limit_reset(key).await.unwrap();
    assert_eq!(db.store.rate_limit_count(key, window).await.unwrap(), 0);

    // Attempts from many connections at once each count once.
    let mut attempts = Vec::new();
    for _ in 0..20 {
        let store = db.store.clone();
        attempts.push(tokio::spawn(async move {
            store
                .rate_limit_hit("sign-in-ip:192.0.2.1", Duration::minutes(15))
                .await
        }));
    }
    let mut counts = Vec::new();
    for attempt in attempts {
        counts.push(attempt.await.unwrap().unwrap());
    }
    counts.sort_unstable();
    assert_eq!(counts, (1..=20).collect::<Vec<_>>());

    // A key is kept as its digest: an attacker's 4 MB user name takes 64 bytes (and fits
    // PostgreSQL's btree index, whose rows are limited to about 2,700 bytes).
    let huge = format!("sign-in:{}", "x".repeat(4 << 20));
    assert_eq!(db.store.rate_limit_hit(&huge, window).await.unwrap(), 1);
    assert_eq!(db.store.rate_limit_hit(&huge, window).await.unwrap(), 2);
    assert_eq!(db.store.rate_limit_count(&huge, window).await.unwrap(), 2);
    let keys = db.column("SELECT key FROM rate_limits").await;
    assert!(
        keys.iter()
            .all(|key| key.as_ref().map(String::len) == Some(64)),
        "{keys:?}"
    );
    db.store.rate_limit_reset(&huge).await.unwrap();
    assert_eq!(db.store.rate_limit_count(&huge, window).await.unwrap(), 0);

    db.store.rate_limit_hit("old", window).await.unwrap();
    db.advance(window);
    assert_eq!(db.store.purge_rate_limits(window).await.unwrap(), 2);
    assert_eq!(
        db.store
            .rate_limit_count("sign-in-ip:192.0.2.1", window)
            .await
            .unwrap(),
        0
    );
}

store_tests!(
    tokens_are_found_by_their_secret_and_stored_hashed,
    tokens_expire_and_are_revoked,
    sessions_are_found_expire_and_are_revoked,
    sign_in_attempts_are_counted_per_window,
);

#[test]
fn passwords_are_hashed_with_argon2id_and_owasp_parameters() {
    let hash = hash_password("correct horse").unwrap();
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert_ne!(hash, hash_password("correct horse").unwrap(), "salted");
    assert!(verify_password("correct horse", &hash));
    assert!(!verify_password("correct horse!", &hash));
    assert!(!verify_password("correct horse", "not a hash"));
    assert!(!needs_rehash(&hash));
    let weaker = "$argon2id$v=19$m=4096,t=3,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG";
    assert!(needs_rehash(weaker));
}

//! The server's limits on what one project may hold and what one user may run at once, so that
//! no request, however large or repeated, takes the server's memory or cores from everyone
//! else. Each limit is documented in docs/api.md with what exceeding it answers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::http::StatusCode;
use waymark_store::{EntityKind, PlanContent, UserId};

use crate::error::ApiError;

/// How much one project may hold. A project past a limit is refused whole at import (422
/// `too-large`), and a create that would pass it is refused (422 `too-large`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub tasks: usize,
    pub resources: usize,
    pub calendars: usize,
    pub risks: usize,
}

impl Default for Limits {
    /// 20,000 tasks: ten times the largest plan the pages are measured on (docs/benchmarks.md),
    /// and far past any plan people schedule by hand (Microsoft Project's own large samples
    /// hold a few thousand).
    fn default() -> Self {
        Limits {
            tasks: 20_000,
            resources: 5_000,
            calendars: 1_000,
            risks: 5_000,
        }
    }
}

impl Limits {
    /// The most objects of `kind` a project may hold.
    pub fn of(&self, kind: EntityKind) -> usize {
        match kind {
            EntityKind::Task => self.tasks,
            EntityKind::Resource => self.resources,
            EntityKind::Calendar => self.calendars,
            EntityKind::Risk => self.risks,
        }
    }

    /// Whether `content` is within every limit; the refusal names the first one it passes.
    pub fn check(&self, content: &PlanContent) -> Result<(), ApiError> {
        for kind in EntityKind::ALL {
            let count = content.entities(kind).len();
            if count > self.of(kind) {
                return Err(self.too_large(kind, count));
            }
        }
        Ok(())
    }

    /// The refusal of `count` objects of `kind`.
    pub fn too_large(&self, kind: EntityKind, count: usize) -> ApiError {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too-large",
            format!(
                "a project holds at most {} {}; this one would hold {count}: split it into \
                 projects that share their people (docs/api.md, limits)",
                self.of(kind),
                kind.table()
            ),
        )
    }
}

/// Engine work in flight per user (schedules, levellings, forecasts, imports): past
/// [`crate::Config::engine_jobs_per_user`] a request is answered 429 at once instead of queuing
/// behind the user's own work, so one user cannot take every core.
#[derive(Default)]
pub struct EngineSlots {
    running: Mutex<HashMap<UserId, usize>>,
}

/// One engine job of one user; the slot is given back when it drops (also on a panic or a
/// dropped request).
pub struct EngineSlot {
    slots: Arc<EngineSlots>,
    user: UserId,
}

impl EngineSlots {
    /// A slot for `user`, or the 429 that says to wait.
    pub fn take(self: &Arc<Self>, user: UserId, per_user: usize) -> Result<EngineSlot, ApiError> {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        let count = running.entry(user).or_default();
        if *count >= per_user {
            let mut error = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "busy",
                format!(
                    "you already have {per_user} computations running (schedule, levelling, \
                     forecast or import): wait for them to finish and try again"
                ),
            );
            error.retry_after = Some(1);
            return Err(error);
        }
        *count += 1;
        Ok(EngineSlot {
            slots: self.clone(),
            user,
        })
    }

    /// How many jobs `user` has running.
    pub fn running(&self, user: UserId) -> usize {
        let running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        running.get(&user).copied().unwrap_or(0)
    }
}

impl Drop for EngineSlot {
    fn drop(&mut self) {
        let mut running = self
            .slots
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = running.get_mut(&self.user) {
            *count -= 1;
            if *count == 0 {
                running.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_counted_per_user_and_given_back() {
        let slots = Arc::new(EngineSlots::default());
        let (ana, bob) = (UserId(1), UserId(2));
        let first = slots.take(ana, 2).ok();
        let second = slots.take(ana, 2).ok();
        assert!(first.is_some() && second.is_some());
        let refused = slots.take(ana, 2).err().map(|error| error.status);
        assert_eq!(refused, Some(StatusCode::TOO_MANY_REQUESTS));
        // Another user is not held back.
        assert!(slots.take(bob, 2).is_ok());
        drop(first);
        assert_eq!(slots.running(ana), 1);
        assert!(slots.take(ana, 2).is_ok());
        drop(second);
        assert_eq!(slots.running(ana), 0);
        assert_eq!(slots.running(bob), 0);
    }
}

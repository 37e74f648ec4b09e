//! Computed views kept by project revision: a forecast or an overview of a plan is a pure
//! function of the project's content, and the store bumps a project's `revision` in every
//! transaction that changes anything about it, so a result computed for `(project, revision)`
//! stays right for as long as the revision holds, on every server process at once (each keeps
//! its own, nothing is shared or invalidated). The cache is small and bounded: the most recently
//! used entries are kept.

use std::any::Any;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use waymark_store::ProjectId;

/// How many computed results a server keeps.
pub const CAPACITY: usize = 64;

type Key = (ProjectId, i64, String);
type Value = Arc<dyn Any + Send + Sync>;

/// The most recently used computed results, newest at the back.
#[derive(Default)]
pub struct ViewCache {
    entries: Mutex<VecDeque<(Key, Value)>>,
}

impl ViewCache {
    /// The result computed for `what` of `project` at `revision`, if it is still kept.
    pub fn get<T: Send + Sync + 'static>(
        &self,
        project: ProjectId,
        revision: i64,
        what: &str,
    ) -> Option<Arc<T>> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let at = entries
            .iter()
            .position(|((p, r, w), _)| *p == project && *r == revision && w == what)?;
        let entry = entries.remove(at)?;
        let value = entry.1.clone().downcast::<T>().ok();
        entries.push_back(entry);
        value
    }

    /// Keeps `value` as `what` of `project` at `revision`; older revisions of the same view are
    /// dropped, and the least recently used entry when the cache is full.
    pub fn put<T: Send + Sync + 'static>(
        &self,
        project: ProjectId,
        revision: i64,
        what: &str,
        value: Arc<T>,
    ) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.retain(|((p, _, w), _)| !(*p == project && w == what));
        while entries.len() >= CAPACITY {
            entries.pop_front();
        }
        entries.push_back(((project, revision, what.to_owned()), value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_by_revision_and_forgets_older_ones() {
        let cache = ViewCache::default();
        let project = ProjectId(1);
        cache.put(project, 3, "overview", Arc::new(30_u32));
        assert_eq!(
            cache.get::<u32>(project, 3, "overview").as_deref(),
            Some(&30)
        );
        assert!(cache.get::<u32>(project, 4, "overview").is_none());
        assert!(cache.get::<u32>(project, 3, "forecast").is_none());
        assert!(cache.get::<u32>(ProjectId(2), 3, "overview").is_none());
        // A wrong type is a miss, not a panic.
        assert!(cache.get::<String>(project, 3, "overview").is_none());
        cache.put(project, 4, "overview", Arc::new(40_u32));
        assert!(cache.get::<u32>(project, 3, "overview").is_none());
        assert_eq!(
            cache.get::<u32>(project, 4, "overview").as_deref(),
            Some(&40)
        );
    }

    #[test]
    fn is_bounded_and_keeps_the_most_recently_used() {
        let cache = ViewCache::default();
        for id in 0..CAPACITY as i64 {
            cache.put(ProjectId(id), 1, "v", Arc::new(id));
        }
        // Using project 0 makes project 1 the least recently used.
        assert!(cache.get::<i64>(ProjectId(0), 1, "v").is_some());
        cache.put(ProjectId(1000), 1, "v", Arc::new(1000_i64));
        assert!(cache.get::<i64>(ProjectId(0), 1, "v").is_some());
        assert!(cache.get::<i64>(ProjectId(1), 1, "v").is_none());
        assert!(cache.get::<i64>(ProjectId(1000), 1, "v").is_some());
        assert_eq!(
            cache
                .entries
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .len(),
            CAPACITY
        );
    }
}

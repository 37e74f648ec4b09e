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
/// A computed result of any type.
pub type Value = Arc<dyn Any + Send + Sync>;

/// The most recently used computed results, newest at the back.
#[derive(Default)]
pub struct ViewCache {
    entries: Mutex<VecDeque<(Key, Value)>>,
}

impl ViewCache {
    /// The newest kept result for `what` of `project`, at whatever revision it was computed
    /// (only one revision of each is kept), with that revision.
    pub fn latest<T: Send + Sync + 'static>(
        &self,
        project: ProjectId,
        what: &str,
    ) -> Option<(i64, Arc<T>)> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let at = entries
            .iter()
            .position(|((p, _, w), _)| *p == project && w == what)?;
        let entry = entries.remove(at)?;
        let found = entry
            .1
            .clone()
            .downcast::<T>()
            .ok()
            .map(|value| (entry.0 .1, value));
        entries.push_back(entry);
        found
    }

    /// Whether `what` of `project` is kept for `revision` or a later one.
    pub fn has(&self, project: ProjectId, what: &str, revision: i64) -> bool {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .iter()
            .any(|((p, r, w), _)| *p == project && w == what && *r >= revision)
    }

    /// Keeps `value` as `what` of `project` at `revision`; older revisions of the same view are
    /// dropped, and the least recently used entry when the cache is full. A result for an older
    /// revision than the one kept is not kept.
    pub fn put<T: Send + Sync + 'static>(
        &self,
        project: ProjectId,
        revision: i64,
        what: &str,
        value: Arc<T>,
    ) {
        self.put_value(project, revision, what, value);
    }

    /// [`ViewCache::put`] for a result whose type has been erased.
    pub fn put_value(&self, project: ProjectId, revision: i64, what: &str, value: Value) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries
            .iter()
            .any(|((p, r, w), _)| *p == project && w == what && *r > revision)
        {
            return;
        }
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

    /// The kept result for `what` of `project`, with its revision.
    fn kept(cache: &ViewCache, project: ProjectId, what: &str) -> Option<(i64, u32)> {
        cache.latest::<u32>(project, what).map(|(r, v)| (r, *v))
    }

    #[test]
    fn keeps_by_revision_and_forgets_older_ones() {
        let cache = ViewCache::default();
        let project = ProjectId(1);
        cache.put(project, 3, "overview", Arc::new(30_u32));
        assert_eq!(kept(&cache, project, "overview"), Some((3, 30)));
        assert!(kept(&cache, project, "forecast").is_none());
        assert!(kept(&cache, ProjectId(2), "overview").is_none());
        // A wrong type is a miss, not a panic.
        assert!(cache.latest::<String>(project, "overview").is_none());
        assert!(cache.has(project, "overview", 3));
        assert!(!cache.has(project, "overview", 4));
        cache.put(project, 4, "overview", Arc::new(40_u32));
        assert_eq!(kept(&cache, project, "overview"), Some((4, 40)));
        // A later revision answers for an earlier one; a result computed late for an earlier
        // revision does not replace it.
        assert!(cache.has(project, "overview", 3));
        cache.put(project, 3, "overview", Arc::new(31_u32));
        assert_eq!(kept(&cache, project, "overview"), Some((4, 40)));
    }

    #[test]
    fn is_bounded_and_keeps_the_most_recently_used() {
        let cache = ViewCache::default();
        for id in 0..CAPACITY as i64 {
            cache.put(ProjectId(id), 1, "v", Arc::new(id));
        }
        // Using project 0 makes project 1 the least recently used.
        assert!(cache.latest::<i64>(ProjectId(0), "v").is_some());
        cache.put(ProjectId(1000), 1, "v", Arc::new(1000_i64));
        assert!(cache.latest::<i64>(ProjectId(0), "v").is_some());
        assert!(cache.latest::<i64>(ProjectId(1), "v").is_none());
        assert!(cache.latest::<i64>(ProjectId(1000), "v").is_some());
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

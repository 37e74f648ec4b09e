//! Computed panels (what a page shows of a project's figures, `crate::figures::Panel`) kept by
//! project revision: a forecast or an overview of a plan is a pure
//! function of the project's content, and the store bumps a project's `revision` in every
//! transaction that changes anything about it, so a result computed for `(project, revision)`
//! stays right for as long as the revision holds, on every server process at once (each keeps
//! its own, nothing is shared or invalidated). The cache is bounded in bytes: each entry carries
//! an estimate of the memory it holds, and the least recently used go first once the budget is
//! spent, so many large projects open at once cannot take the server's memory.

use std::any::Any;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use waymark_store::ProjectId;

/// The default budget of a server's computed panels: 512 MiB.
pub const DEFAULT_BUDGET: usize = 512 << 20;

/// The estimated memory of one panel per object of its plan (task, resource, calendar, risk):
/// the largest panels hold a few strings and dates per task (a 2,000-task timeline is about
/// 1.5 MB as JSON, 750 bytes a task), so 2 KiB errs on the side of keeping less.
pub const BYTES_PER_OBJECT: usize = 2048;

/// The estimated memory of a panel computed from a plan of `objects` tasks, resources,
/// calendars and risks.
pub fn weight(objects: usize) -> usize {
    objects.saturating_add(16).saturating_mul(BYTES_PER_OBJECT)
}

type Key = (ProjectId, i64, String);
/// A computed result of any type.
pub type Value = Arc<dyn Any + Send + Sync>;

struct Entries {
    /// Newest at the back, each with its estimated bytes.
    kept: VecDeque<(Key, Value, usize)>,
    /// The sum of the kept entries' bytes.
    bytes: usize,
}

/// The most recently used computed results within a budget of bytes.
pub struct PanelCache {
    entries: Mutex<Entries>,
    budget: usize,
}

impl Default for PanelCache {
    fn default() -> Self {
        PanelCache::with_budget(DEFAULT_BUDGET)
    }
}

impl PanelCache {
    /// An empty cache that keeps at most `budget` bytes (estimated).
    pub fn with_budget(budget: usize) -> PanelCache {
        PanelCache {
            entries: Mutex::new(Entries {
                kept: VecDeque::new(),
                bytes: 0,
            }),
            budget,
        }
    }

    /// The estimated bytes kept.
    pub fn bytes(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .bytes
    }

    /// The newest kept result for `what` of `project`, at whatever revision it was computed
    /// (only one revision of each is kept), with that revision.
    pub fn latest<T: Send + Sync + 'static>(
        &self,
        project: ProjectId,
        what: &str,
    ) -> Option<(i64, Arc<T>)> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let at = entries
            .kept
            .iter()
            .position(|((p, _, w), _, _)| *p == project && w == what)?;
        let entry = entries.kept.remove(at)?;
        let found = entry
            .1
            .clone()
            .downcast::<T>()
            .ok()
            .map(|value| (entry.0 .1, value));
        entries.kept.push_back(entry);
        found
    }

    /// Whether `what` of `project` is kept for `revision` or a later one.
    pub fn has(&self, project: ProjectId, what: &str, revision: i64) -> bool {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .kept
            .iter()
            .any(|((p, r, w), _, _)| *p == project && w == what && *r >= revision)
    }

    /// Keeps `value` (of about `bytes` bytes) as `what` of `project` at `revision`; older
    /// revisions of the same panel are dropped, and the least recently used entries while the
    /// budget would be passed. A result for an older revision than the one kept is not kept, nor
    /// one larger than the whole budget.
    pub fn put<T: Send + Sync + 'static>(
        &self,
        project: ProjectId,
        revision: i64,
        what: &str,
        value: Arc<T>,
        bytes: usize,
    ) {
        self.put_value(project, revision, what, value, bytes);
    }

    /// [`PanelCache::put`] for a result whose type has been erased.
    pub fn put_value(
        &self,
        project: ProjectId,
        revision: i64,
        what: &str,
        value: Value,
        bytes: usize,
    ) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let Entries { kept, bytes: used } = &mut *entries;
        if kept
            .iter()
            .any(|((p, r, w), _, _)| *p == project && w == what && *r > revision)
        {
            return;
        }
        kept.retain(|((p, _, w), _, size)| {
            let same = *p == project && w == what;
            if same {
                *used -= size;
            }
            !same
        });
        if bytes > self.budget {
            return;
        }
        while *used + bytes > self.budget {
            match kept.pop_front() {
                Some((_, _, size)) => *used -= size,
                None => break,
            }
        }
        *used += bytes;
        kept.push_back(((project, revision, what.to_owned()), value, bytes));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kept result for `what` of `project`, with its revision.
    fn kept(cache: &PanelCache, project: ProjectId, what: &str) -> Option<(i64, u32)> {
        cache.latest::<u32>(project, what).map(|(r, v)| (r, *v))
    }

    #[test]
    fn keeps_by_revision_and_forgets_older_ones() {
        let cache = PanelCache::default();
        let project = ProjectId(1);
        cache.put(project, 3, "overview", Arc::new(30_u32), 1);
        assert_eq!(kept(&cache, project, "overview"), Some((3, 30)));
        assert!(kept(&cache, project, "forecast").is_none());
        assert!(kept(&cache, ProjectId(2), "overview").is_none());
        // A wrong type is a miss, not a panic.
        assert!(cache.latest::<String>(project, "overview").is_none());
        assert!(cache.has(project, "overview", 3));
        assert!(!cache.has(project, "overview", 4));
        cache.put(project, 4, "overview", Arc::new(40_u32), 1);
        assert_eq!(kept(&cache, project, "overview"), Some((4, 40)));
        // A later revision answers for an earlier one; a result computed late for an earlier
        // revision does not replace it.
        assert!(cache.has(project, "overview", 3));
        cache.put(project, 3, "overview", Arc::new(31_u32), 1);
        assert_eq!(kept(&cache, project, "overview"), Some((4, 40)));
    }

    #[test]
    fn is_bounded_in_bytes_and_keeps_the_most_recently_used() {
        let cache = PanelCache::with_budget(1000);
        for id in 0..10 {
            cache.put(ProjectId(id), 1, "v", Arc::new(id), 100);
        }
        assert_eq!(cache.bytes(), 1000);
        // Using project 0 makes project 1 the least recently used.
        assert!(cache.latest::<i64>(ProjectId(0), "v").is_some());
        cache.put(ProjectId(1000), 1, "v", Arc::new(1000_i64), 100);
        assert!(cache.latest::<i64>(ProjectId(0), "v").is_some());
        assert!(cache.latest::<i64>(ProjectId(1), "v").is_none());
        assert!(cache.latest::<i64>(ProjectId(1000), "v").is_some());
        assert_eq!(cache.bytes(), 1000);
        // A large panel pushes out as many small ones as it needs.
        cache.put(ProjectId(2000), 1, "v", Arc::new(2000_i64), 550);
        assert_eq!(cache.bytes(), 950);
        assert!(cache.latest::<i64>(ProjectId(2), "v").is_none());
        assert!(cache.latest::<i64>(ProjectId(7), "v").is_none());
        assert!(cache.latest::<i64>(ProjectId(8), "v").is_some());
        // A newer revision replaces the older one's bytes.
        cache.put(ProjectId(2000), 2, "v", Arc::new(2001_i64), 50);
        assert_eq!(cache.bytes(), 450);
        // One larger than the whole budget is not kept, and takes nothing out.
        cache.put(ProjectId(3000), 1, "v", Arc::new(3000_i64), 1001);
        assert!(cache.latest::<i64>(ProjectId(3000), "v").is_none());
        assert_eq!(cache.bytes(), 450);
    }
}

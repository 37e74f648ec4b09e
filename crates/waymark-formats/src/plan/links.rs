//! Link text in `after`: `TASK [FS|SS|FF|SF][+|-LAG]`, with working, elapsed and percentage lags.

use super::suggest::did_you_mean;
use super::tasks::Draft;
use super::tree::Origin;
use super::Reader;
use crate::duration::{self, Amount, Scale};
use rustc_hash::{FxHashMap, FxHashSet};
use waymark_core::{Diagnostic, Lag, LinkKind};

/// A link being read: the predecessor's id borrowed from the file, the link type and the lag.
pub(super) struct LinkRef<'t> {
    pub(super) task: &'t str,
    pub(super) kind: LinkKind,
    pub(super) lag: Lag,
}

/// A link as written in `after`: the predecessor's id, the link type and the lag.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkSpec {
    pub task: String,
    pub kind: LinkKind,
    pub lag: Lag,
}

/// Parse link text `TASK [FS|SS|FF|SF][+|-LAG]`: `design`, `design FS`, `kickoff SS+2d`,
/// `review FF-1d`, `design +2d` (FS implied), `build FS+50%` (a share of the predecessor's
/// duration), `pour FS+2ed` (elapsed). The type is case-insensitive. Errors are messages for a
/// `malformed-link` diagnostic.
pub fn parse_link(text: &str, scale: &Scale) -> Result<LinkSpec, String> {
    parse_link_in(text, scale).map(|(task, kind, lag)| LinkSpec {
        task: task.to_string(),
        kind,
        lag,
    })
}

/// [`parse_link`] borrowing the predecessor's id from `text`: the reader parses one link per
/// `after` entry (300,000 in a large plan) and needs the id only to look it up.
pub(super) fn parse_link_in<'t>(
    text: &'t str,
    scale: &Scale,
) -> Result<(&'t str, LinkKind, Lag), String> {
    let trimmed = text.trim();
    let split = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
    let (task, rest) = trimmed.split_at(split);
    if task.is_empty() {
        return Err(
            "empty link: write the id of the predecessor task, e.g. `design` or `design FS+2d`"
                .to_string(),
        );
    }
    let mut rest = rest.trim_start();
    let mut kind = LinkKind::FinishToStart;
    if let Some(code) = rest.get(..2) {
        let found = match code.to_ascii_uppercase().as_str() {
            "FS" => Some(LinkKind::FinishToStart),
            "SS" => Some(LinkKind::StartToStart),
            "FF" => Some(LinkKind::FinishToFinish),
            "SF" => Some(LinkKind::StartToFinish),
            _ => None,
        };
        if let Some(found) = found {
            kind = found;
            rest = rest.get(2..).unwrap_or("").trim_start();
        }
    }
    let lag = if rest.is_empty() {
        Lag::Working(0)
    } else {
        let (sign, amount) = if let Some(amount) = rest.strip_prefix('+') {
            (1, amount.trim())
        } else if let Some(amount) = rest.strip_prefix('-') {
            (-1, amount.trim())
        } else {
            return Err(format!(
                "malformed link `{trimmed}`: after the task id write a link type FS, SS, FF or SF \
                 and/or a signed lag, e.g. `{task} SS+2d` or `{task} -1d`"
            ));
        };
        parse_lag(amount, sign, scale).ok_or_else(|| {
            format!(
                "malformed lag `{amount}` in link `{trimmed}`: use a number and a unit (working \
                 m, h, d, w, mo; elapsed em, eh, ed, ew) or a percentage of the predecessor's \
                 duration, e.g. `+2d`, `-4h`, `+3ed` or `+50%`"
            )
        })?
    };
    if let Lag::Percent(share) = lag {
        if share.abs() * 100.0 > duration::MAX_LAG_PERCENT {
            return Err(format!(
                "lag `{}` in link `{trimmed}` is too large: a percentage lag may be at most \
                 {}% of the predecessor's duration",
                rest.trim(),
                duration::MAX_LAG_PERCENT
            ));
        }
    }
    Ok((task, kind, lag))
}

pub(super) fn parse_lag(amount: &str, sign: i64, scale: &Scale) -> Option<Lag> {
    if let Some(number) = amount.strip_suffix('%') {
        let number = number.trim();
        if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return None;
        }
        let percent: f64 = number.parse().ok()?;
        return percent
            .is_finite()
            .then_some(Lag::Percent(sign as f64 * percent / 100.0));
    }
    match duration::parse(amount, scale).ok()? {
        Amount::Working(minutes) => Some(Lag::Working(sign * minutes)),
        Amount::Elapsed(minutes) => Some(Lag::Elapsed(sign * minutes)),
    }
}

impl Reader<'_> {
    /// Every task's `after` as links `(predecessor, successor, type, lag, where)` by file
    /// index, reporting links that are malformed, name no task, the task itself or a summary
    /// of it, and repeats.
    pub(super) fn read_links(
        &mut self,
        drafts: &[Draft<'_>],
        ids: &FxHashMap<&str, usize>,
        parents: &[Option<usize>],
        scale: &Scale,
    ) -> Vec<(usize, usize, LinkKind, Lag, Option<Origin>)> {
        let link_count: usize = drafts.iter().map(|draft| draft.after.len()).sum();
        let mut links: Vec<(usize, usize, LinkKind, Lag, Option<Origin>)> =
            Vec::with_capacity(link_count);
        let mut seen: FxHashSet<(usize, usize, LinkKind)> = FxHashSet::default();
        seen.reserve(link_count);
        for (successor, draft) in drafts.iter().enumerate() {
            for text in &draft.after {
                let spec = match parse_link_in(text.value, scale) {
                    Ok((task, kind, lag)) => LinkRef { task, kind, lag },
                    Err(message) => {
                        self.error("malformed-link", text.at, message);
                        continue;
                    }
                };
                let id = &draft.task.id;
                let Some(&predecessor) = ids.get(spec.task) else {
                    let hint = did_you_mean(spec.task, ids.keys().copied());
                    self.error(
                        "unknown-task",
                        text.at,
                        format!(
                            "task `{id}` is after `{}`, which does not exist{hint}",
                            spec.task
                        ),
                    );
                    continue;
                };
                if predecessor == successor {
                    self.error(
                        "self-link",
                        text.at,
                        format!("task `{id}` is linked to itself"),
                    );
                    continue;
                }
                let relation = if is_ancestor(parents, predecessor, successor) {
                    Some("its own summary task")
                } else if is_ancestor(parents, successor, predecessor) {
                    Some("its own subtask")
                } else {
                    None
                };
                if let Some(relation) = relation {
                    self.report(
                        Diagnostic::error(
                            "link-to-ancestor",
                            format!("task `{id}` is after `{}`, which is {relation}", spec.task),
                        )
                        .with_help("a summary task spans its subtasks; link tasks outside the summary instead"), text.at);
                    continue;
                }
                if !seen.insert((predecessor, successor, spec.kind)) {
                    self.warning(
                        "duplicate-link",
                        text.at,
                        format!(
                            "task `{id}` is after `{}` ({}) more than once; the repeat is ignored",
                            spec.task,
                            spec.kind.code()
                        ),
                    );
                    continue;
                }
                links.push((predecessor, successor, spec.kind, spec.lag, text.at));
            }
        }

        links
    }
}

/// Whether `ancestor` is a (transitive) parent of `task`.
fn is_ancestor(parents: &[Option<usize>], ancestor: usize, task: usize) -> bool {
    let mut current = task;
    // The outline has no cycles left, but bound the walk anyway.
    for _ in 0..parents.len() {
        match parents.get(current).copied().flatten() {
            Some(parent) if parent == ancestor => return true,
            Some(parent) => current = parent,
            None => return false,
        }
    }
    false
}

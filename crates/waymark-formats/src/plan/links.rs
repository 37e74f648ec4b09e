//! Link text in `after`: `TASK [FS|SS|FF|SF][+|-LAG]`, with working, elapsed and percentage lags.

use crate::duration::{self, Amount, Scale};
use waymark_core::{Lag, LinkKind};

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

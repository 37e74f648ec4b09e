//! Reading an element's children as values: integers, numbers, flags, date-times, times of day
//! and ISO 8601 durations, each refused with a located diagnostic when malformed; and byte
//! offsets as lines and columns.

use super::Reader;
use chrono::{NaiveDate, NaiveDateTime};
use roxmltree::Node;
use waymark_core::time::{self, DAY};
use waymark_core::Location;

/// Byte offsets to line and column. `Document::text_pos_at` scans from the start of the text
/// on every call, which is quadratic over a large file; this counts forward from the previous
/// answer (elements are visited in document order) and falls back to a search of line starts.
pub(super) struct Positions<'input> {
    pub(super) source: &'input str,
    /// Byte offset of the start of every line.
    pub(super) line_starts: Vec<usize>,
    /// The last answer: byte offset, line, column.
    pub(super) last: std::cell::Cell<(usize, u32, u32)>,
}

impl<'input> Positions<'input> {
    pub(super) fn new(source: &'input str) -> Positions<'input> {
        let mut line_starts = vec![0];
        line_starts.extend(source.match_indices('\n').map(|(at, _)| at + 1));
        Positions {
            source,
            line_starts,
            last: std::cell::Cell::new((0, 1, 1)),
        }
    }

    pub(super) fn location(&self, offset: usize) -> Location {
        let offset = offset.min(self.source.len());
        let (last_offset, last_line, last_column) = self.last.get();
        let (from, mut line, mut column) = if offset >= last_offset {
            (last_offset, last_line, last_column)
        } else {
            let line = self.line_starts.partition_point(|&start| start <= offset);
            let start = self
                .line_starts
                .get(line.saturating_sub(1))
                .copied()
                .unwrap_or(0);
            (start, u32::try_from(line).unwrap_or(u32::MAX), 1)
        };
        for character in self.source.get(from..offset).unwrap_or_default().chars() {
            if character == '\n' {
                line = line.saturating_add(1);
                column = 1;
            } else {
                column = column.saturating_add(1);
            }
        }
        self.last.set((offset, line, column));
        Location { line, column }
    }
}

/// The first child element of `node` with local name `name`.
pub(super) fn child<'a, 'input>(node: Node<'a, 'input>, name: &str) -> Option<Node<'a, 'input>> {
    node.children()
        .find(|child| child.is_element() && child.tag_name().name() == name)
}

/// All child elements of `node` with local name `name`.
pub(super) fn children<'a, 'input: 'a>(
    node: Node<'a, 'input>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'input>> + 'a {
    node.children()
        .filter(move |child| child.is_element() && child.tag_name().name() == name)
}

/// Trimmed text of the child element `name`, `None` when absent or empty.
pub(super) fn text<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    child(node, name)
        .and_then(|element| element.text())
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

/// Whether a duration format (`DurationFormat`, `LagFormat`) is elapsed time.
pub(super) fn is_elapsed_format(format: i64) -> bool {
    let format = if format >= 35 { format - 32 } else { format };
    matches!(format, 4 | 6 | 8 | 10 | 12 | 20)
}

/// `2006-09-21T08:00:00`, also without seconds, with fractional seconds or a zone suffix (which
/// is ignored: project times are local).
pub(super) fn parse_datetime(value: &str) -> Option<NaiveDateTime> {
    let value = value.trim();
    // Cut a fraction of a second and any zone designator after the seconds.
    let main = value
        .get(..19)
        .filter(|head| head.len() == 19)
        .unwrap_or(value);
    NaiveDateTime::parse_from_str(main, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M"))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .ok()
                .and_then(|date| date.and_hms_opt(0, 0, 0))
        })
}

/// `08:00:00` or `08:00` to minutes after midnight; `24:00:00` is 1440.
pub(super) fn parse_time(value: &str) -> Option<u32> {
    let mut parts = value.trim().split(':');
    let hours: u32 = parts.next()?.trim().parse().ok()?;
    let minutes: u32 = parts.next()?.trim().parse().ok()?;
    let seconds: f64 = match parts.next() {
        Some(seconds) => seconds.trim().parse().ok()?,
        None => 0.0,
    };
    if parts.next().is_some() || minutes >= 60 || !(0.0..60.0).contains(&seconds) {
        return None;
    }
    let total = hours.checked_mul(60)?.checked_add(minutes)?;
    (total <= DAY as u32).then_some(total)
}

/// An ISO 8601 duration (`PT8H0M0S`, `PT7H59M59.9S`, `-PT4H`, `P2DT4H`) in whole minutes. Days
/// are working days of `minutes_per_day` (Microsoft Project writes hours; MPXJ reads a day part
/// as days of the project). Years and months are refused.
pub(super) fn parse_duration(value: &str, minutes_per_day: i64) -> Option<i64> {
    let value = value.trim();
    let (negative, rest) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    let rest = rest.strip_prefix('P')?;
    let mut minutes = 0.0f64;
    let mut in_time = false;
    let mut number = String::new();
    let mut any = false;
    for character in rest.chars() {
        match character {
            'T' if !in_time && number.is_empty() => in_time = true,
            '0'..='9' | '.' => number.push(character),
            unit => {
                let amount: f64 = number.parse().ok()?;
                number.clear();
                any = true;
                minutes += match (in_time, unit) {
                    (false, 'W') => amount * 5.0 * minutes_per_day as f64,
                    (false, 'D') => amount * minutes_per_day as f64,
                    (true, 'H') => amount * 60.0,
                    (true, 'M') => amount,
                    (true, 'S') => amount / 60.0,
                    _ => return None,
                };
            }
        }
    }
    if !number.is_empty() || !any || !minutes.is_finite() || minutes > 1e13 {
        return None;
    }
    let minutes = minutes.round() as i64;
    Some(if negative { -minutes } else { minutes })
}

impl<'a, 'input> Reader<'a, 'input> {
    /// The child element `name` of `node` with its trimmed text, when present and not empty.
    pub(super) fn field(
        &self,
        node: Node<'a, 'input>,
        name: &str,
    ) -> Option<(Node<'a, 'input>, &'a str)> {
        let element = child(node, name)?;
        let value = element.text().map(str::trim).filter(|v| !v.is_empty())?;
        Some((element, value))
    }

    /// An integer field; a malformed one is reported and read as absent.
    pub(super) fn int(&mut self, node: Node<'a, 'input>, name: &str) -> Option<i64> {
        let (element, value) = self.field(node, name)?;
        match value.parse::<i64>() {
            Ok(number) => Some(number),
            Err(_) => {
                // Some writers put `5.0` where an integer belongs; accept whole decimals.
                match value.parse::<f64>() {
                    Ok(number) if number.is_finite() && number.fract() == 0.0 => {
                        Some(number as i64)
                    }
                    _ => {
                        self.error(
                            "mspdi-number",
                            element,
                            format!("<{name}> should be a whole number, not `{value}`"),
                        );
                        None
                    }
                }
            }
        }
    }

    /// An integer field that must be more than 0, as the plan format's `out-of-range` rule has
    /// it; 0 or less is reported and read as absent.
    pub(super) fn positive_int(
        &mut self,
        node: Node<'a, 'input>,
        name: &str,
        owner: &str,
    ) -> Option<i64> {
        let value = self.int(node, name)?;
        if value > 0 {
            return Some(value);
        }
        let element = child(node, name).unwrap_or(node);
        self.error(
            "out-of-range",
            element,
            format!("<{name}> of {owner} must be more than 0, found {value}"),
        );
        None
    }

    /// A decimal field; a malformed one is reported and read as absent.
    pub(super) fn float(&mut self, node: Node<'a, 'input>, name: &str) -> Option<f64> {
        let (element, value) = self.field(node, name)?;
        match value.parse::<f64>() {
            Ok(number) if number.is_finite() => Some(number),
            _ => {
                self.error(
                    "mspdi-number",
                    element,
                    format!("<{name}> should be a number, not `{value}`"),
                );
                None
            }
        }
    }

    /// A boolean field (`1`/`0`, `true`/`false`).
    pub(super) fn flag(&mut self, node: Node<'a, 'input>, name: &str) -> Option<bool> {
        let (element, value) = self.field(node, name)?;
        match value {
            "1" | "true" | "True" | "TRUE" => Some(true),
            "0" | "false" | "False" | "FALSE" => Some(false),
            _ => {
                self.error(
                    "mspdi-number",
                    element,
                    format!("<{name}> should be 0 or 1, not `{value}`"),
                );
                None
            }
        }
    }

    /// A date-time field, `2006-09-21T08:00:00`.
    pub(super) fn datetime(&mut self, node: Node<'a, 'input>, name: &str) -> Option<NaiveDateTime> {
        let (element, value) = self.field(node, name)?;
        match parse_datetime(value) {
            Some(datetime) => Some(datetime),
            None => {
                self.error(
                    "mspdi-date",
                    element,
                    format!("<{name}> should be a date and time like 2027-01-04T08:00:00, not `{value}`"),
                );
                None
            }
        }
    }

    pub(super) fn instant(&mut self, node: Node<'a, 'input>, name: &str) -> Option<i64> {
        self.datetime(node, name).map(time::instant)
    }

    /// A time-of-day field in minutes after midnight (`24:00:00` is 1440).
    pub(super) fn time_of_day(&mut self, node: Node<'a, 'input>, name: &str) -> Option<u32> {
        let (element, value) = self.field(node, name)?;
        match parse_time(value) {
            Some(minutes) => Some(minutes),
            None => {
                self.error(
                    "mspdi-time",
                    element,
                    format!("<{name}> should be a time of day like 08:00:00, not `{value}`"),
                );
                None
            }
        }
    }

    /// An ISO 8601 duration field (`PT8H0M0S`) in minutes.
    pub(super) fn duration(
        &mut self,
        node: Node<'a, 'input>,
        name: &str,
        minutes_per_day: i64,
    ) -> Option<i64> {
        let (element, value) = self.field(node, name)?;
        match parse_duration(value, minutes_per_day) {
            Some(minutes) => Some(minutes),
            None => {
                self.error(
                    "mspdi-duration",
                    element,
                    format!("<{name}> should be an ISO 8601 duration like PT8H0M0S, not `{value}`"),
                );
                None
            }
        }
    }
}

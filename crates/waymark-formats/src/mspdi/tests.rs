//! The MSPDI reader's own pieces: line and column positions, durations, times and dates, and
//! recurring exceptions against the dates Microsoft Project expanded.

#![allow(clippy::unwrap_used)]

use super::recurrence::{occurrences_of, Recurrence};
use super::values::{parse_datetime, parse_duration, parse_time, Positions};
use chrono::NaiveDate;
use roxmltree::Document;
use waymark_core::time;

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

#[test]
fn positions_agree_with_roxmltree() {
    let source = "<a>\n  <b>é</b>\n\n <c/>\n</a>";
    let document = Document::parse(source).unwrap();
    let positions = Positions::new(source);
    // Forward, then backward, then forward again.
    let offsets: Vec<usize> = (0..source.len())
        .chain((0..source.len()).rev())
        .chain([3, 20, 7])
        .filter(|&at| source.is_char_boundary(at))
        .collect();
    for at in offsets {
        let expected = document.text_pos_at(at);
        let ours = positions.location(at);
        assert_eq!(
            (ours.line, ours.column),
            (expected.row, expected.col),
            "at {at}"
        );
    }
}

#[test]
fn durations() {
    assert_eq!(parse_duration("PT8H0M0S", 480), Some(480));
    assert_eq!(parse_duration("PT7H59M59.9S", 480), Some(480));
    assert_eq!(parse_duration("-PT4H30M0S", 480), Some(-270));
    assert_eq!(parse_duration("P2DT1H", 480), Some(1020));
    assert_eq!(parse_duration("PT", 480), None);
    assert_eq!(parse_duration("8h", 480), None);
    assert_eq!(parse_duration("P1Y", 480), None);
}

#[test]
fn times_and_dates() {
    assert_eq!(parse_time("08:00:00"), Some(480));
    assert_eq!(parse_time("24:00:00"), Some(1440));
    assert_eq!(parse_time("25:00:00"), None);
    assert_eq!(
        parse_datetime("2006-09-21T08:00:00.000+02:00").map(time::instant),
        parse_datetime("2006-09-21T08:00").map(time::instant)
    );
    assert_eq!(parse_datetime("2006-13-21T08:00:00"), None);
}

#[test]
fn recurrences_match_what_project_expanded() {
    // Dates Microsoft Project itself wrote as type-0 week days for the same exceptions.
    let weekly = Recurrence::Weekly { period: 7, mask: 1 };
    let dates = occurrences_of(&weekly, date("2001-01-01"), date("2002-03-17"), 9);
    assert_eq!(dates.first(), Some(&date("2001-02-18")));
    assert_eq!(dates.len(), 9);
    let last_friday = Recurrence::MonthlyByPosition {
        period: 6,
        item: 8,
        position: 4,
    };
    let dates = occurrences_of(&last_friday, date("2002-01-01"), date("2005-01-28"), 7);
    assert_eq!(dates.get(1), Some(&date("2002-07-26")));
    let yearly = Recurrence::YearlyByPosition {
        month: 3,
        item: 5,
        position: 0,
    };
    let dates = occurrences_of(&yearly, date("2004-01-01"), date("2007-03-06"), 4);
    assert_eq!(dates.first(), Some(&date("2004-03-02")));
    assert_eq!(dates.last(), Some(&date("2007-03-06")));
}

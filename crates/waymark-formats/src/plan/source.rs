//! Where things were written: byte offsets of the parsed text as lines and columns (counted in
//! the characters of the text as given, before Unicode normalisation), and the TOML parser's
//! errors in a person's words.

use std::cell::Cell;
use toml::de::DeTable;
use waymark_core::Location;

/// `text` in Unicode normalisation form C; borrowed when it already is (all ASCII text is).
pub(super) fn nfc(text: &str) -> std::borrow::Cow<'_, str> {
    use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
    if text.is_ascii() || is_nfc_quick(text.chars()) == IsNormalized::Yes {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.nfc().collect())
    }
}

/// The column (0-based, in characters) in `original_line` of the character at `column` of the
/// line's NFC form. Normalisation never joins or splits lines, so only columns need mapping: the
/// answer is the longest prefix of the original whose NFC form is at most `column` characters
/// (an `e` and its combining accent are one character of the NFC form, two of the original).
pub(super) fn original_column(original_line: &str, column: usize) -> usize {
    use unicode_normalization::UnicodeNormalization;
    let ends = original_line
        .char_indices()
        .map(|(offset, _)| offset)
        .skip(1)
        .chain([original_line.len()]);
    std::iter::once(0)
        .chain(ends)
        .enumerate()
        .filter(|&(_, end)| original_line[..end].nfc().count() <= column)
        .map(|(count, _)| count)
        .last()
        .unwrap_or(0)
}

/// The parsed document, or the earliest syntax error as a byte offset and a message.
pub(super) fn parse(source: &str) -> Result<toml::Spanned<DeTable<'_>>, (usize, String)> {
    DeTable::parse(source).map_err(|error| {
        // The parser's first error is the first it met, not always the first in the file
        // (strings are checked after the structure); name the earliest one, as a person reads
        // top to bottom.
        let (_, errors) = DeTable::parse_recoverable(source);
        let error = errors
            .into_iter()
            .min_by_key(|error| error.span().map_or(usize::MAX, |span| span.start))
            .unwrap_or(error);
        syntax_problem(source, &error)
    })
}

/// A TOML syntax error as a byte offset and a message: the parser's own words, and for a
/// duplicate key the key and its table, at the start of the key or header line as before.
fn syntax_problem(source: &str, error: &toml::de::Error) -> (usize, String) {
    let span = error.span().unwrap_or(0..0);
    let message = error.message();
    if message != "duplicate key" {
        return (span.start, message.to_string());
    }
    let key = source.get(span.clone()).unwrap_or("").trim();
    let key = key
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .or_else(|| key.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')))
        .unwrap_or(key);
    let line_start = source
        .get(..span.start)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |newline| newline + 1);
    let before = source.get(line_start..span.start).unwrap_or("");
    let indent = before.len() - before.trim_start().len();
    let first = line_start + indent;
    let before = before.trim_start();
    if let Some(header) = before.strip_prefix('[').filter(|_| !before.contains('=')) {
        // A table header names a table that exists already.
        let path = table_path(
            header
                .trim_start_matches('[')
                .trim_end()
                .trim_end_matches('.'),
        );
        return (
            first,
            format!("invalid table header; duplicate key `{key}` in {path}"),
        );
    }
    if before.contains(['=', '{', ',']) {
        // Inside an inline table.
        return (span.start, format!("duplicate key `{key}`"));
    }
    // A `key = value` line: its table is the last header above it.
    let header = source
        .get(..line_start)
        .unwrap_or("")
        .lines()
        .rev()
        .map(str::trim)
        .find(|line| line.starts_with('[') && !line.contains('='))
        .map_or("", |line| {
            let line = line.split('#').next().unwrap_or(line).trim();
            line.trim_start_matches('[').trim_end_matches(']').trim()
        });
    (
        first,
        format!("duplicate key `{key}` in {}", table_path(header)),
    )
}

/// "table `a.b`" from header text, or "document root".
fn table_path(header: &str) -> String {
    let parts: Vec<&str> = header
        .split('.')
        .map(|part| part.trim().trim_matches(['"', '\'']))
        .filter(|part| !part.is_empty())
        .collect();
    if parts.is_empty() {
        "document root".to_string()
    } else {
        format!("table `{}`", parts.join("."))
    }
}

/// The plan text being read, to turn byte offsets into lines and columns.
pub(super) struct Text<'s> {
    source: &'s str,
    /// The text as given, when `source` is its NFC form and differs from it (for locations).
    original: Option<&'s str>,
    /// Byte offset of the start of every line.
    line_starts: Vec<usize>,
    /// The line (1-based) of the last offset [`Text::location`] looked up: the reader asks in
    /// nearly file order, so the next answer is almost always this line or the next one.
    last_line: Cell<usize>,
}

impl<'s> Text<'s> {
    /// `source` is the text read; `original` the text as given, when `source` is its NFC form
    /// and differs from it.
    pub(super) fn new(source: &'s str, original: Option<&'s str>) -> Text<'s> {
        let mut line_starts = vec![0];
        line_starts.extend(source.match_indices('\n').map(|(offset, _)| offset + 1));
        Text {
            source,
            original,
            line_starts,
            last_line: Cell::new(1),
        }
    }

    /// Line and column (in characters) of a byte offset.
    pub(super) fn location(&self, offset: usize) -> Location {
        let mut offset = offset.min(self.source.len());
        while offset > 0 && !self.source.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_of(offset);
        let start = self
            .line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(0);
        let mut column = self
            .source
            .get(start..offset)
            .map_or(0, |text| text.chars().count());
        if let Some(original) = self.original {
            let original_line = original
                .split('\n')
                .nth(line.saturating_sub(1))
                .unwrap_or_default();
            column = original_column(original_line, column);
        }
        Location {
            line: u32::try_from(line.max(1)).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }

    /// The number of lines that start at or before `offset` (its 1-based line), trying the
    /// line of the previous lookup and the one after it before a binary search.
    fn line_of(&self, offset: usize) -> usize {
        let on_line = |line: usize| {
            line >= 1
                && self
                    .line_starts
                    .get(line - 1)
                    .is_some_and(|&start| start <= offset)
                && self.line_starts.get(line).is_none_or(|&next| offset < next)
        };
        let last = self.last_line.get();
        let line = if on_line(last) {
            last
        } else if on_line(last + 1) {
            last + 1
        } else {
            self.line_starts.partition_point(|&start| start <= offset)
        };
        self.last_line.set(line);
        line
    }
}

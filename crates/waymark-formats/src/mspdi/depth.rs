//! A bound on how deeply an XML document nests its elements, checked before `roxmltree` parses
//! it: `roxmltree` parses an element's content by recursion (`parse_element` calls
//! `parse_content` calls `parse_element`), so a file of a few thousand `<a>` overflows the stack
//! and aborts the process. This scan is iterative and allocation-free; it only finds the first
//! element that is too deep and leaves every other judgement of the text to `roxmltree`.

/// The deepest element nesting a Microsoft Project XML file may have; the root `<Project>` is
/// level 1. Real files stay under about 10 (`Project/Calendars/Calendar/WorkWeeks/WorkWeek/
/// WeekDays/WeekDay/WorkingTimes/WorkingTime/FromTime`), and 100 levels of recursion are far
/// from any thread's stack limit.
pub const MAX_DEPTH: usize = 100;

/// The byte offset of the `<` of the first element nested deeper than `limit`, if any.
///
/// Comments, CDATA sections, processing instructions and declarations (`<!DOCTYPE ...>` with
/// its internal subset) are skipped whole, and quoted attribute values are skipped inside tags,
/// so a `<` or `>` in any of them does not count. On text that is not well-formed the count may
/// differ from `roxmltree`'s, but never below the depth `roxmltree` reaches before it stops at
/// the first error: up to that error, both read the same elements.
pub fn too_deep(source: &str, limit: usize) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    let mut at = 0usize;
    while let Some(found) = find_byte(bytes, at, b'<') {
        let rest = bytes.get(found..).unwrap_or_default();
        at = if rest.starts_with(b"<!--") {
            skip_past(bytes, found + 4, b"-->")?
        } else if rest.starts_with(b"<![CDATA[") {
            skip_past(bytes, found + 9, b"]]>")?
        } else if rest.starts_with(b"<?") {
            skip_past(bytes, found + 2, b"?>")?
        } else if rest.starts_with(b"<!") {
            skip_declaration(bytes, found + 2)?
        } else if rest.starts_with(b"</") {
            depth = depth.saturating_sub(1);
            find_byte(bytes, found + 2, b'>')? + 1
        } else {
            let (end, empty) = skip_tag(bytes, found + 1)?;
            if !empty {
                depth += 1;
                if depth > limit {
                    return Some(found);
                }
            }
            end
        };
    }
    None
}

fn find_byte(bytes: &[u8], from: usize, byte: u8) -> Option<usize> {
    let position = bytes.get(from..)?.iter().position(|&b| b == byte)?;
    Some(from + position)
}

/// The offset just past the first `pattern` at or after `from`; `None` when there is none (the
/// text ends inside a comment, CDATA or instruction: no element can follow).
fn skip_past(bytes: &[u8], from: usize, pattern: &[u8]) -> Option<usize> {
    let position = bytes
        .get(from..)?
        .windows(pattern.len())
        .position(|window| window == pattern)?;
    Some(from + position + pattern.len())
}

/// The end of a start tag whose name begins at `from`, and whether it is an empty-element tag
/// (`<a/>`). Quoted attribute values may hold `>` (and `/`).
fn skip_tag(bytes: &[u8], from: usize) -> Option<(usize, bool)> {
    let mut at = from;
    let mut previous = 0u8;
    loop {
        let byte = *bytes.get(at)?;
        match byte {
            b'"' | b'\'' => {
                at = find_byte(bytes, at + 1, byte)? + 1;
                previous = byte;
            }
            b'>' => return Some((at + 1, previous == b'/')),
            _ => {
                if !byte.is_ascii_whitespace() {
                    previous = byte;
                }
                at += 1;
            }
        }
    }
}

/// The end of a declaration `<!...>` whose body begins at `from`: a `<!DOCTYPE` with an
/// internal subset `[...]` ends at the `>` after the subset. Quoted literals, and comments and
/// processing instructions inside the subset, may hold `>`, `[` and `]`.
fn skip_declaration(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    let mut in_subset = false;
    loop {
        let byte = *bytes.get(at)?;
        let rest = bytes.get(at..).unwrap_or_default();
        if in_subset && rest.starts_with(b"<!--") {
            at = skip_past(bytes, at + 4, b"-->")?;
            continue;
        }
        if in_subset && rest.starts_with(b"<?") {
            at = skip_past(bytes, at + 2, b"?>")?;
            continue;
        }
        match byte {
            b'"' | b'\'' => at = find_byte(bytes, at + 1, byte)? + 1,
            b'[' if !in_subset => {
                in_subset = true;
                at += 1;
            }
            b']' if in_subset => {
                in_subset = false;
                at += 1;
            }
            b'>' if !in_subset => return Some(at + 1),
            _ => at += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(depth: usize) -> String {
        "<a>".repeat(depth) + &"</a>".repeat(depth)
    }

    #[test]
    fn counts_open_elements_not_empty_or_closed_ones() {
        assert_eq!(too_deep(&nested(3), 3), None);
        assert_eq!(too_deep(&nested(4), 3), Some(9));
        // Siblings do not add up; empty elements do not open a level.
        let siblings = "<a><b></b><b></b><b/><b x='1'/><b></b></a>";
        assert_eq!(too_deep(siblings, 2), None);
        assert_eq!(too_deep(siblings, 1), Some(3));
        assert_eq!(too_deep("<a><b><c/></b></a>", 2), None);
    }

    #[test]
    fn markup_inside_comments_cdata_instructions_doctype_and_values_does_not_count() {
        let hidden = [
            "<!-- <a><a><a> -->",
            "<![CDATA[<a><a><a>]]>",
            "<?pi <a><a><a> ?>",
            "<!DOCTYPE p [ <!ENTITY e '<a><a>]>'> <!-- ]> <a> --> <?x ]> ?> ]>",
            "<x t='>' u=\"/>\"><y v='<a><a>'/></x>",
        ];
        for text in hidden {
            assert_eq!(too_deep(text, 1), None, "{text}");
        }
        // The same markup outside them counts.
        assert_eq!(too_deep("<!-- c --><a><a></a></a>", 1), Some(13));
        // An attribute value holding `/>` does not make the tag empty.
        assert_eq!(too_deep("<a x='/>'><b></b></a>", 1), Some(10));
    }

    #[test]
    fn unfinished_text_ends_the_scan() {
        assert_eq!(too_deep("<a><!-- <b><b><b>", 1), None);
        assert_eq!(too_deep("<a x='", 0), None);
        assert_eq!(too_deep(&"<a>".repeat(50), 10), Some(30));
    }
}

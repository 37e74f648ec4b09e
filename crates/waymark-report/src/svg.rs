//! Small helpers for writing SVG text by hand: XML escaping and fixed number formatting.
//!
//! Charts are built as strings rather than through a DOM so the output is byte-for-byte
//! deterministic and cheap at thousands of elements. Everything that reaches the output passes
//! through [`escape`] (text) or [`num`] (coordinates); nothing here does I/O.

use std::fmt::Write;

/// Text with the five XML special characters escaped, safe in element content and in
/// double- or single-quoted attributes. Characters XML 1.0 forbids (most C0 controls) are
/// dropped, so a stray control character in a task name cannot make the document invalid.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A coordinate rounded to one decimal, without a trailing `.0` and never `-0`.
///
/// Fixed rounding keeps the output identical across platforms and small; a tenth of a pixel is
/// below what any renderer shows.
pub fn num(value: f64) -> String {
    if !value.is_finite() {
        return "0".to_string();
    }
    let tenths = (value * 10.0).round() as i64;
    let mut out = String::new();
    if tenths < 0 {
        out.push('-');
    }
    let magnitude = tenths.unsigned_abs();
    let _ = write!(out, "{}", magnitude / 10);
    let tenth = magnitude % 10;
    if tenth > 0 {
        let _ = write!(out, ".{tenth}");
    }
    out
}

/// An estimate of the rendered width of `text` in a sans-serif face at `font_size` pixels.
///
/// SVG has no text metrics without a renderer; 0.58 em per character is a slightly generous
/// average for Latin text in common sans-serif faces, so labels sized with it do not collide.
pub fn text_width(text: &str, font_size: f64) -> f64 {
    text.chars().count() as f64 * font_size * 0.58
}

/// `text` cut to fit `width` pixels at `font_size`, ending in an ellipsis when cut.
pub fn fit(text: &str, width: f64, font_size: f64) -> String {
    if text_width(text, font_size) <= width {
        return text.to_string();
    }
    let per_char = font_size * 0.58;
    let keep = ((width / per_char).floor() as usize).saturating_sub(1);
    let mut out: String = text.chars().take(keep).collect();
    out = out.trim_end().to_string();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_fixed() {
        assert_eq!(num(0.0), "0");
        assert_eq!(num(-0.04), "0");
        assert_eq!(num(12.25), "12.3");
        assert_eq!(num(-3.5), "-3.5");
        assert_eq!(num(7.0), "7");
        assert_eq!(num(f64::NAN), "0");
    }

    #[test]
    fn escaping_and_fitting() {
        assert_eq!(
            escape("a<b & 'c' \"d\">\u{1}"),
            "a&lt;b &amp; &#39;c&#39; &quot;d&quot;&gt;"
        );
        assert_eq!(fit("short", 100.0, 10.0), "short");
        assert_eq!(fit("a rather long task name", 60.0, 10.0), "a rather…");
    }
}

//! "Did you mean": the closest known word to a misspelt key, id or value.

/// Edit distance with adjacent transpositions (optimal string alignment), case-insensitive.
pub(super) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let width = b.len() + 1;
    let mut table = vec![0usize; (a.len() + 1) * width];
    let at = |i: usize, j: usize| i * width + j;
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            let value = if i == 0 {
                j
            } else if j == 0 {
                i
            } else {
                let same = a.get(i - 1) == b.get(j - 1);
                let mut best = (table.get(at(i - 1, j)).copied().unwrap_or(0) + 1)
                    .min(table.get(at(i, j - 1)).copied().unwrap_or(0) + 1)
                    .min(table.get(at(i - 1, j - 1)).copied().unwrap_or(0) + usize::from(!same));
                if i > 1 && j > 1 && a.get(i - 1) == b.get(j - 2) && a.get(i - 2) == b.get(j - 1) {
                    best = best.min(table.get(at(i - 2, j - 2)).copied().unwrap_or(0) + 1);
                }
                best
            };
            if let Some(slot) = table.get_mut(at(i, j)) {
                *slot = value;
            }
        }
    }
    table
        .get(at(a.len(), b.len()))
        .copied()
        .unwrap_or(usize::MAX)
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub(super) fn suggest<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let length = word.chars().count();
    // Long words are not typos of ids, and comparing them costs quadratic time.
    if length > 64 {
        return None;
    }
    let limit = (length / 3).clamp(1, 3);
    candidates
        .into_iter()
        .filter(|candidate| candidate.chars().count().abs_diff(length) <= limit)
        .map(|candidate| (distance(word, candidate), candidate))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, candidate)| candidate)
}

/// "; did you mean `x`?" or nothing.
pub(super) fn did_you_mean<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> String {
    suggest(word, candidates)
        .map(|found| format!("; did you mean `{found}`?"))
        .unwrap_or_default()
}

//! Meaning beyond the synonym list: which words of the corpus are related to a word of a
//! question ("kidney" → renal, "swallow" → dysphagia) or are a near spelling of it
//! ("metotrexate" → methotrexate). Related words come from a table of word neighbours distilled
//! from the sentence-transformer all-MiniLM-L6-v2 (`data/semantic/neighbours.tsv`, made by
//! `benches/semantic/distill.py`), so no model runs at query time: a lookup per word. It works on
//! analysed words (stems) and knows nothing of queries, passages or answers.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use crate::analysis::words;

/// The table compiled into the binary: `serve` works offline with nothing beside it.
const BUILTIN_TABLE: &str = include_str!("../data/semantic/neighbours.tsv");
/// `MEDCITE_SEMANTIC`: unset for the built-in table, `off` for BM25 and synonyms alone, or the
/// path of another table in the same format.
pub const SEMANTIC_ENV: &str = "MEDCITE_SEMANTIC";

#[derive(Debug, thiserror::Error)]
pub enum SemanticError {
    #[error("cannot read the word-neighbour table {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("word-neighbour table {path}, line {line}: {problem}")]
    Bad {
        path: String,
        line: usize,
        problem: String,
    },
}

/// How related words are chosen. The defaults are the ones measured in BENCHMARKS.md.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Least cosine similarity (after the table's centring) for a neighbour to count.
    pub min_similarity: f32,
    /// Most related words returned per word.
    pub max_related: usize,
    /// Whether near spellings of a word the corpus lacks count as related (typos).
    pub spelling: bool,
    /// Weight of a related word in a query, relative to the word typed, times its similarity.
    pub weight: f32,
    /// Whether words the corpus has are expanded too, or only the words it lacks.
    pub expand_known: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            min_similarity: 0.6,
            max_related: 3,
            spelling: true,
            weight: 0.5,
            expand_known: false,
        }
    }
}

/// Word → its nearest words with their similarity, all as analysed stems, best first. Words
/// whose surface forms share a stem ("malignant", "malignancy") share one entry.
#[derive(Debug, Default)]
pub struct WordTable {
    neighbours: HashMap<String, Vec<(String, f32)>>,
}

impl WordTable {
    /// Parses the table format of `benches/semantic/distill.py`: `#` comments, then one line
    /// per word, `word<TAB>neighbour:cosine neighbour:cosine …`.
    pub fn parse<'a>(text: &'a str, origin: &str) -> Result<WordTable, SemanticError> {
        let mut stems: HashMap<&str, Option<String>> = HashMap::new();
        let mut stem = |word: &'a str| -> Option<String> {
            stems
                .entry(word)
                .or_insert_with(|| match words(word).as_slice() {
                    [single] => Some(single.clone()),
                    _ => None,
                })
                .clone()
        };
        let mut neighbours: HashMap<String, Vec<(String, f32)>> = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |problem: String| SemanticError::Bad {
                path: origin.to_string(),
                line: n + 1,
                problem,
            };
            let (word, list) = line
                .split_once('\t')
                .ok_or_else(|| bad("expected a word, a tab, then neighbours".into()))?;
            let Some(key) = stem(word) else { continue };
            // A word whose only neighbours share its stem ("tick", "ticking") is still known.
            neighbours.entry(key.clone()).or_default();
            for item in list.split_whitespace() {
                let (other, similarity) = item
                    .rsplit_once(':')
                    .ok_or_else(|| bad(format!("'{item}' is not neighbour:similarity")))?;
                let similarity: f32 = similarity
                    .parse()
                    .map_err(|_| bad(format!("'{similarity}' is not a number")))?;
                let Some(other) = stem(other) else { continue };
                if other == key {
                    continue;
                }
                let entry = neighbours.entry(key.clone()).or_default();
                match entry.iter_mut().find(|(w, _)| *w == other) {
                    Some((_, best)) => *best = best.max(similarity),
                    None => entry.push((other, similarity)),
                }
            }
        }
        for list in neighbours.values_mut() {
            list.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        }
        Ok(WordTable { neighbours })
    }

    pub fn load(path: &Path) -> Result<WordTable, SemanticError> {
        let text = std::fs::read_to_string(path).map_err(|source| SemanticError::Read {
            path: path.display().to_string(),
            source,
        })?;
        WordTable::parse(&text, &path.display().to_string())
    }

    /// The table `MEDCITE_SEMANTIC` selects (see [`SEMANTIC_ENV`]), read once per process;
    /// `None` when it is `off` or cannot be read, which is logged: search then uses BM25 and
    /// the synonym table alone.
    pub fn configured() -> Option<Arc<WordTable>> {
        static TABLE: OnceLock<Option<Arc<WordTable>>> = OnceLock::new();
        TABLE
            .get_or_init(|| {
                let chosen = std::env::var(SEMANTIC_ENV).ok();
                let loaded = match chosen.as_deref().map(str::trim) {
                    Some("off") => {
                        tracing::info!(
                            "semantic matching off ({SEMANTIC_ENV}=off): BM25 and synonyms only"
                        );
                        return None;
                    }
                    Some(path) if !path.is_empty() => WordTable::load(Path::new(path)),
                    _ => WordTable::parse(BUILTIN_TABLE, "data/semantic/neighbours.tsv"),
                };
                match loaded {
                    Ok(table) => Some(Arc::new(table)),
                    Err(e) => {
                        tracing::warn!("semantic matching off, BM25 and synonyms only: {e}");
                        None
                    }
                }
            })
            .clone()
    }

    /// Number of words the table holds (some with no neighbour of another stem).
    pub fn len(&self) -> usize {
        self.neighbours.len()
    }

    pub fn is_empty(&self) -> bool {
        self.neighbours.is_empty()
    }
}

/// The word table restricted to one corpus's vocabulary.
#[derive(Debug, Clone)]
pub struct Semantic {
    table: Arc<WordTable>,
    vocabulary: HashSet<String>,
    /// The vocabulary by length in characters, each word with its letter mask (see
    /// [`letter_mask`]), for near spellings.
    by_length: Vec<Vec<(u64, String)>>,
    pub settings: Settings,
}

impl Semantic {
    /// `vocabulary`: the analysed words the corpus has (the index's terms).
    pub fn new(table: Arc<WordTable>, vocabulary: impl IntoIterator<Item = String>) -> Semantic {
        let vocabulary: HashSet<String> = vocabulary.into_iter().collect();
        let mut by_length: Vec<Vec<(u64, String)>> = Vec::new();
        for word in &vocabulary {
            let len = word.chars().count();
            if by_length.len() <= len {
                by_length.resize(len + 1, Vec::new());
            }
            by_length[len].push((letter_mask(word), word.clone()));
        }
        for bucket in &mut by_length {
            bucket.sort_unstable_by(|a, b| a.1.cmp(&b.1));
        }
        Semantic {
            table,
            vocabulary,
            by_length,
            settings: Settings::default(),
        }
    }

    /// Whether the word table holds the analysed word `word`: an English word or term it
    /// embedded, not unread shorthand ("etoh", "ppx").
    pub fn knows(&self, word: &str) -> bool {
        self.table.neighbours.contains_key(word)
    }

    /// Whether a word of the corpus is near the analysed word `word` (itself excluded): any
    /// neighbour the table holds for it, however weak ("doc", doctor: 0.51), or a near
    /// spelling when the corpus lacks it.
    pub fn has_near(&self, word: &str) -> bool {
        self.has_near_in(word, &|w| self.vocabulary.contains(w))
    }

    /// [`Semantic::has_near`] among the words `has` says a scope has (one article and its
    /// references), not the whole corpus: near spellings are the corpus's, read only when the
    /// scope lacks the word.
    pub fn has_near_in(&self, word: &str, has: &dyn Fn(&str) -> bool) -> bool {
        let neighbour = self
            .table
            .neighbours
            .get(word)
            .is_some_and(|neighbours| neighbours.iter().any(|(w, _)| w != word && has(w)));
        neighbour || (!has(word) && self.near_spellings(word).iter().any(|(near, _)| has(near)))
    }

    /// Whether the analysed word `word` is among the words `has` says a scope has, or one of
    /// them is a near spelling of it: [`Semantic::has_near_in`] without meaning.
    pub fn spelt_near_in(&self, word: &str, has: &dyn Fn(&str) -> bool) -> bool {
        has(word) || self.near_spellings(word).iter().any(|(near, _)| has(near))
    }

    /// The corpus words that begin with the first `letters` letters of the analysed word
    /// `word` (itself excluded), at most [`Settings::max_related`], shortest first: its other
    /// forms, which the stemmer leaves apart ("immunotherapeut" for "immunotherapi").
    pub fn beginning_alike(&self, word: &str, letters: usize) -> Vec<String> {
        let Some((end, _)) = word.char_indices().nth(letters.saturating_sub(1)) else {
            return Vec::new();
        };
        let end = end + word[end..].chars().next().map_or(0, char::len_utf8);
        let prefix = &word[..end];
        // Each length's words are in order: those beginning with the prefix stand together.
        let mut out: Vec<String> = Vec::new();
        for bucket in self.by_length.iter().skip(letters) {
            let from = bucket.partition_point(|(_, w)| w.as_str() < prefix);
            out.extend(
                bucket[from..]
                    .iter()
                    .take_while(|(_, w)| w.starts_with(prefix))
                    .filter(|(_, w)| w != word)
                    .map(|(_, w)| w.clone()),
            );
        }
        out.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
        out.truncate(self.settings.max_related);
        out
    }

    /// Whether the corpus has this analysed word.
    pub fn in_corpus(&self, word: &str) -> bool {
        self.vocabulary.contains(word)
    }

    /// Words of the corpus related to the analysed word `word` (itself excluded), with their
    /// similarity in (0, 1], best first: its table neighbours above
    /// [`Settings::min_similarity`], and, when the corpus lacks `word`, its near spellings
    /// (similarity 1 − edits/length).
    pub fn related(&self, word: &str) -> Vec<(String, f32)> {
        let mut out: Vec<(String, f32)> = Vec::new();
        if let Some(neighbours) = self.table.neighbours.get(word) {
            out.extend(
                neighbours
                    .iter()
                    .take_while(|(_, s)| *s >= self.settings.min_similarity)
                    .filter(|(w, _)| self.vocabulary.contains(w))
                    .cloned(),
            );
        }
        if self.settings.spelling && !self.vocabulary.contains(word) {
            for candidate in self.near_spellings(word) {
                let similarity = spelling_similarity(word, &candidate.0, candidate.1);
                match out.iter_mut().find(|(w, _)| *w == candidate.0) {
                    Some((_, s)) => *s = s.max(similarity),
                    None => out.push((candidate.0, similarity)),
                }
            }
        }
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out.truncate(self.settings.max_related);
        out
    }

    /// The corpus words nearest in spelling to the analysed word `word` when the corpus lacks
    /// it (a misspelling): those fewest edits away, with their spelling similarity, at most
    /// [`Settings::max_related`]; none when the corpus has `word`.
    pub fn spellings(&self, word: &str) -> Vec<(String, f32)> {
        if self.vocabulary.contains(word) {
            return Vec::new();
        }
        let near = self.near_spellings(word);
        let Some(fewest) = near.iter().map(|(_, edits)| *edits).min() else {
            return Vec::new();
        };
        let mut out: Vec<(String, f32)> = near
            .into_iter()
            .filter(|(_, edits)| *edits == fewest)
            .map(|(w, edits)| {
                let similarity = spelling_similarity(word, &w, edits);
                (w, similarity)
            })
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out.truncate(self.settings.max_related);
        out
    }

    /// The corpus words the table relates to the analysed word `word`, without near spellings
    /// (for callers that correct spelling their own way), best first.
    pub fn neighbours(&self, word: &str) -> Vec<(String, f32)> {
        let Some(neighbours) = self.table.neighbours.get(word) else {
            return Vec::new();
        };
        neighbours
            .iter()
            .take_while(|(_, s)| *s >= self.settings.min_similarity)
            .filter(|(w, _)| w != word && self.vocabulary.contains(w))
            .take(self.settings.max_related)
            .cloned()
            .collect()
    }

    /// How alike two analysed words are: 1 for the same word, the table's similarity for
    /// neighbours (either way round), spelling similarity for a likely misspelling, else 0.
    pub fn similar(&self, a: &str, b: &str) -> f32 {
        if a == b {
            return 1.0;
        }
        let listed = |x: &str, y: &str| {
            self.table
                .neighbours
                .get(x)
                .and_then(|list| list.iter().find(|(w, _)| w == y))
                .map_or(0.0, |(_, s)| *s)
        };
        let mut best = listed(a, b).max(listed(b, a));
        if let Some(edits) = spelling_edits(a, b) {
            best = best.max(spelling_similarity(a, b, edits));
        }
        best
    }

    /// Corpus words within the allowed edits of `word`, with the number of edits.
    fn near_spellings(&self, word: &str) -> Vec<(String, usize)> {
        let len = word.chars().count();
        let Some(allowed) = allowed_edits(word) else {
            return Vec::new();
        };
        let lengths = len.saturating_sub(allowed)..=len + allowed;
        let mask = letter_mask(word);
        let mut out = Vec::new();
        for bucket in lengths.filter_map(|l| self.by_length.get(l)) {
            // One edit changes which letters occur by at most two, so most words are ruled out
            // by their masks alone.
            let plausible = bucket
                .iter()
                .filter(|(m, _)| (m ^ mask).count_ones() as usize <= 2 * allowed);
            for (_, candidate) in plausible {
                if let Some(edits) = bounded_edit_distance(word, candidate, allowed) {
                    out.push((candidate.clone(), edits));
                }
            }
        }
        out
    }
}

/// Which letters and digits occur in `word`: bit n for the n-th of a–z and 0–9, bit 63 for any
/// other character.
fn letter_mask(word: &str) -> u64 {
    word.chars().fold(0u64, |mask, c| {
        let bit = match c {
            'a'..='z' => c as u32 - 'a' as u32,
            '0'..='9' => 26 + c as u32 - '0' as u32,
            _ => 63,
        };
        mask | 1 << bit
    })
}

/// Edits a misspelling of `word` may have: 1 for 5 to 8 letters, 2 for 9 or more; none for
/// shorter words or numbers, which must match exactly.
pub(crate) fn allowed_edits(word: &str) -> Option<usize> {
    if word.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    match word.chars().count() {
        0..=4 => None,
        5..=8 => Some(1),
        _ => Some(2),
    }
}

/// The edits between a word as typed and `b` when they are few enough for a misspelling of it
/// (see [`allowed_edits`]).
pub(crate) fn spelling_edits(a: &str, b: &str) -> Option<usize> {
    edits_within(a, b, allowed_edits(a)?)
}

/// [`spelling_edits`] of a typed word from a name as long as it was meant to be: letters left
/// out shorten the word typed, not the name, so "vncomycn" may be as many edits from
/// vancomycin as "vancomycn" is (read against drug names only: an ordinary word may be short).
pub(crate) fn spelling_edits_of_name(typed: &str, name: &str) -> Option<usize> {
    let allowed = allowed_edits(typed)?.max(allowed_edits(name).unwrap_or(0));
    edits_within(typed, name, allowed)
}

fn edits_within(a: &str, b: &str, allowed: usize) -> Option<usize> {
    let edits = match (
        bounded_edit_distance(a, b, allowed),
        as_sounded(a, b, allowed),
    ) {
        (Some(written), Some(sounded)) => written.min(sounded),
        (written, sounded) => written.or(sounded)?,
    };
    // Two letters before the whole of the other word are a prefix, not a slip: "rechallenge"
    // is another word than "challenge", as "unstable" is than "stable".
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let prefixed = edits >= 2
        && long.chars().count() == short.chars().count() + edits
        && long.ends_with(short);
    (!prefixed).then_some(edits)
}

/// The edits between `a` and `b` with letters written as they sound
/// (`shorthand.sounds_alike` in `data/retrieval-model.toml`: "ph" as "f") written alike, the
/// sound itself one edit: "mycofnolate", mycophenolate as it sounds with one letter left out,
/// is two edits from it, not three.
fn as_sounded(a: &str, b: &str, allowed: usize) -> Option<usize> {
    let pairs = &crate::retrieval_model::retrieval_model()
        .shorthand
        .sounds_alike;
    let sounded = |word: &str| {
        pairs
            .iter()
            .fold(word.to_string(), |word, (written, sound)| {
                word.replace(written.as_str(), sound)
            })
    };
    // Most words have no such letters: nothing to write again.
    let has = |word: &str| {
        pairs
            .iter()
            .any(|(written, _)| word.contains(written.as_str()))
    };
    if !has(a) && !has(b) {
        return None;
    }
    let (a_sounded, b_sounded) = (sounded(a), sounded(b));
    let edits = bounded_edit_distance(&a_sounded, &b_sounded, allowed.checked_sub(1)?)?;
    Some(edits + 1)
}

fn spelling_similarity(a: &str, b: &str, edits: usize) -> f32 {
    let len = a.chars().count().max(b.chars().count()).max(1);
    1.0 - edits as f32 / len as f32
}

/// The edits between `a` and `b` (a letter added, dropped or changed, or two neighbouring
/// letters swapped, as typing slips make them: optimal string alignment distance) when they
/// are at most `max`; stops as soon as every cell of a row exceeds it.
fn bounded_edit_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    if a.is_ascii() && b.is_ascii() {
        return bounded_distance(a.as_bytes(), b.as_bytes(), max);
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    bounded_distance(&a, &b, max)
}

fn bounded_distance<T: PartialEq>(a: &[T], b: &[T], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    // Three rows: the one before last holds what a swap of two letters starts from.
    let mut before: Vec<usize> = Vec::new();
    let mut last: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut row = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let change = last[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            let mut cell = change.min(row[j - 1] + 1).min(last[j] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cell = cell.min(before[j - 2] + 1);
            }
            row[j] = cell;
        }
        if row.iter().all(|&cell| cell > max) {
            return None;
        }
        before = std::mem::replace(&mut last, row);
    }
    (last[b.len()] <= max).then_some(last[b.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "# test table\n\
        kidney\trenal:0.81 kidneys:0.90 liver:0.55\n\
        malignancy\tcancer:0.77 malignant:0.95\n\
        lupus\tmyositis:0.41\n\
        tick\tticking:0.64\n";

    fn semantic(vocabulary: &[&str]) -> Semantic {
        let table = WordTable::parse(TABLE, "test").unwrap();
        Semantic::new(Arc::new(table), vocabulary.iter().map(|w| w.to_string()))
    }

    #[test]
    fn related_words_are_corpus_words_above_the_threshold() {
        let s = semantic(&["renal", "liver", "methotrex"]);
        assert_eq!(s.related("kidney"), vec![("renal".to_string(), 0.81)]);
        assert!(s.related("lupus").is_empty(), "0.41 is below the threshold");
    }

    #[test]
    fn surface_forms_sharing_a_stem_share_an_entry() {
        let s = semantic(&["cancer"]);
        // "malignancy" and "malignant" both stem to "malign", which is not its own neighbour.
        assert_eq!(s.related("malign"), vec![("cancer".to_string(), 0.77)]);
        assert_eq!(s.similar("cancer", "malign"), 0.77);
    }

    #[test]
    fn a_word_of_the_table_is_known_even_with_no_neighbour_of_its_own() {
        let s = semantic(&[]);
        // "ticking" shares the stem of "tick": no neighbour is left, the word is still known.
        assert!(s.knows("tick"));
        assert!(s.related("tick").is_empty());
        assert!(s.knows("lupus"));
        assert!(
            !s.knows("etoh"),
            "shorthand the table never embedded is unknown"
        );
        // A neighbour below the threshold of related words is still near.
        assert!(semantic(&["myositi"]).has_near("lupus"));
        assert!(!s.has_near("lupus"));
    }

    #[test]
    fn misspellings_find_the_corpus_word() {
        let s = semantic(&["methotrex", "azathioprin", "myositi"]);
        let related = s.related("metotrex");
        assert_eq!(related.len(), 1, "{related:?}");
        assert_eq!(related[0].0, "methotrex");
        assert_eq!(s.related("aziathioprin")[0].0, "azathioprin");
        assert!(
            s.related("methotrex").is_empty(),
            "a word the corpus has gets no spelling variants"
        );
        assert!(s.related("lupus").is_empty());
    }

    #[test]
    fn spellings_are_the_nearest_corpus_words_only() {
        let s = semantic(&["dexamethason", "dexamethasonx", "methotrex"]);
        let near = s.spellings("dexamethson");
        assert_eq!(near.len(), 1, "{near:?}");
        assert_eq!(near[0].0, "dexamethason");
        assert!(
            s.spellings("methotrex").is_empty(),
            "a corpus word is no misspelling"
        );
        assert!(s.spellings("lupus").is_empty());
    }

    #[test]
    fn short_words_and_numbers_need_exact_spelling() {
        assert_eq!(bounded_edit_distance("kitten", "sitting", 3), Some(3));
        assert_eq!(bounded_edit_distance("kitten", "sitting", 2), None);
        assert_eq!(
            bounded_edit_distance("nracan", "narcan", 1),
            Some(1),
            "two letters swapped are one slip"
        );
        assert_eq!(bounded_edit_distance("ab", "ba", 1), Some(1));
        assert_eq!(allowed_edits("cat"), None);
        assert_eq!(allowed_edits("2018"), None);
        let s = semantic(&["car", "2016"]);
        assert!(s.related("cat").is_empty());
        assert!(s.related("2018").is_empty());
    }

    #[test]
    fn a_letter_written_as_it_sounds_is_one_edit() {
        // "ph" typed "f" is one edit, not two, and a slip on top of it one more.
        assert_eq!(spelling_edits("fenytoin", "phenytoin"), Some(1));
        assert_eq!(spelling_edits("mycofnolate", "mycophenolate"), Some(2));
        assert_eq!(spelling_edits("mycofenolate", "mycophenolate"), Some(1));
        // Three edits as written and two as sounded are still too many for eight letters.
        assert_eq!(spelling_edits("fenytion", "phenytoin"), None);
    }

    #[test]
    fn letters_left_out_of_a_name_are_counted_against_the_name() {
        assert_eq!(spelling_edits("vncomycn", "vancomycin"), None);
        assert_eq!(spelling_edits_of_name("vncomycn", "vancomycin"), Some(2));
        assert_eq!(spelling_edits_of_name("ritximib", "rituximab"), Some(2));
        // A short typed word is still one edit from a short name.
        assert_eq!(spelling_edits_of_name("fagly", "flagyl"), None);
    }

    #[test]
    fn malformed_lines_are_reported_with_their_number() {
        let err = WordTable::parse("# c\nkidney renal:0.8\n", "t.tsv").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        let err = WordTable::parse("kidney\trenal:high\n", "t.tsv").unwrap_err();
        assert!(err.to_string().contains("high"), "{err}");
    }

    #[test]
    fn builtin_table_relates_lay_and_clinical_words() {
        let table = Arc::new(WordTable::parse(BUILTIN_TABLE, "builtin").unwrap());
        let vocabulary = ["renal", "malign", "cardiac", "myositi", "hepat"];
        let s = Semantic::new(table, vocabulary.iter().map(|w| w.to_string()));
        let stem = |w: &str| words(w).remove(0);
        let finds = |query: &str, target: &str| {
            s.related(&stem(query))
                .iter()
                .any(|(w, _)| *w == stem(target))
        };
        assert!(finds("kidney", "renal"));
        assert!(finds("cancer", "malignancy"));
        assert!(finds("heart", "cardiac"));
        assert!(
            !finds("lupus", "myositis"),
            "another disease is not related"
        );
        assert!(!finds("kidney", "hepatic"), "another organ is not related");
    }
}

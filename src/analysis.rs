//! Text analysis shared by indexing and querying: the English analyzer (words, lower case, stop
//! words out, Porter2 stems) and helpers over analysed tokens. Pure functions; no I/O.

use std::cell::RefCell;

use rustc_hash::FxHashMap;

use tantivy::tokenizer::{
    Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter,
    TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

use crate::text::english;

/// Name of our analyzer in tantivy's tokenizer manager.
pub const ANALYZER: &str = "en_med";

/// Name of the tokenizer of the searched fields. Their values are words the build thread has
/// already analysed ([`write_analysed`]), so tantivy's indexing threads only split them
/// ([`AnalysedWords`]) instead of analysing every passage a second time.
pub const ANALYSED: &str = "en_med_analysed";

/// The analyzer used for indexing and for queries: words, lower-cased, stop words out (those of
/// `data/english.toml`), English (Porter2) stems (remembered per thread, see [`RememberedStems`]).
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(48))
        .filter(LowerCaser)
        .filter(StopWordFilter::remove(english().stop_words.iter().cloned()))
        .filter(RememberedStems)
        .build()
}

/// Most stems one thread remembers; past it the memory starts afresh (a corpus's vocabulary is
/// tens of thousands of words, so this is only a bound, never reached in practice).
const MAX_REMEMBERED_STEMS: usize = 500_000;

thread_local! {
    /// Word → its English (Porter2) stem, and the stemmer that makes them, per thread. Looked up
    /// for every word of a build, so with a fast hash rather than a flooding-resistant one: a
    /// question, the only text a user chooses, adds a few words of bounded length.
    static STEMS: RefCell<(FxHashMap<String, String>, TextAnalyzer)> = RefCell::new((
        FxHashMap::default(),
        TextAnalyzer::builder(RawTokenizer::default())
            .filter(Stemmer::new(Language::English))
            .build(),
    ));
}

/// tantivy's English [`Stemmer`], each word stemmed once per thread and then remembered: the
/// same stems, without running the stemmer again on the words a corpus repeats millions of
/// times (the stemmer was a fifth of the index build and of query analysis).
#[derive(Clone, Copy, Debug, Default)]
struct RememberedStems;

impl TokenFilter for RememberedStems {
    type Tokenizer<T: Tokenizer> = RememberedStemsFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> RememberedStemsFilter<T> {
        RememberedStemsFilter { inner: tokenizer }
    }
}

#[derive(Clone)]
struct RememberedStemsFilter<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for RememberedStemsFilter<T> {
    type TokenStream<'a> = RememberedStemsStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        RememberedStemsStream {
            tail: self.inner.token_stream(text),
        }
    }
}

struct RememberedStemsStream<T> {
    tail: T,
}

impl<T: TokenStream> TokenStream for RememberedStemsStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        STEMS.with(|cell| {
            let (stems, stemmer) = &mut *cell.borrow_mut();
            if let Some(stem) = stems.get(&token.text) {
                token.text.clear();
                token.text.push_str(stem);
                return;
            }
            let mut stem = None;
            stemmer
                .token_stream(&token.text)
                .process(&mut |t| stem = Some(t.text.clone()));
            let stem = stem.unwrap_or_default();
            if stems.len() >= MAX_REMEMBERED_STEMS {
                stems.clear();
            }
            stems.insert(std::mem::replace(&mut token.text, stem.clone()), stem);
        });
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// Writes into `out` the analysed words of `text` as [`AnalysedWords`] reads them back, and hands
/// each word to `each`. A word's position is its place among the space-separated pieces, so a
/// word the analyzer dropped (a stop word) leaves an empty piece and every position is kept.
pub fn write_analysed(
    analyzer: &mut TextAnalyzer,
    text: &str,
    out: &mut String,
    mut each: impl FnMut(&str, &str),
) {
    out.clear();
    let mut pieces = 0;
    analyzer.token_stream(text).process(&mut |token| {
        for piece in pieces..=token.position {
            if piece > 0 {
                out.push(' ');
            }
        }
        out.push_str(&token.text);
        pieces = token.position + 1;
        each(
            &token.text,
            text.get(token.offset_from..token.offset_to)
                .unwrap_or_default(),
        );
    });
}

/// tantivy's tokenizer for text written by [`write_analysed`]: each non-empty space-separated
/// piece is a word, at the position of its piece.
#[derive(Clone, Default)]
pub struct AnalysedWords {
    token: Token,
}

impl Tokenizer for AnalysedWords {
    type TokenStream<'a> = AnalysedWordsStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> AnalysedWordsStream<'a> {
        self.token.reset();
        AnalysedWordsStream {
            pieces: text.split(' '),
            position: 0,
            offset: 0,
            token: &mut self.token,
        }
    }
}

pub struct AnalysedWordsStream<'a> {
    pieces: std::str::Split<'a, char>,
    /// Position and byte offset of the next piece.
    position: usize,
    offset: usize,
    token: &'a mut Token,
}

impl TokenStream for AnalysedWordsStream<'_> {
    fn advance(&mut self) -> bool {
        for piece in self.pieces.by_ref() {
            let (position, offset) = (self.position, self.offset);
            self.position += 1;
            self.offset += piece.len() + 1;
            if piece.is_empty() {
                continue;
            }
            self.token.text.clear();
            self.token.text.push_str(piece);
            self.token.position = position;
            self.token.offset_from = offset;
            self.token.offset_to = offset + piece.len();
            return true;
        }
        false
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// Analysed tokens of `text` with their positions.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    stream.process(&mut |token| out.push((token.position, token.text.clone())));
    out
}

/// Analysed words of `text` (stop words out, stemmed), in order. The analyzer is built once
/// per thread: callers such as the extractive composer analyse every sentence of a passage.
pub fn words(text: &str) -> Vec<String> {
    with_analyzer(|analyzer| tokens(analyzer, text).into_iter().map(|(_, t)| t).collect())
}

/// Analysed words of `text` with the byte range each was read from, in order (see [`words`]).
pub fn word_spans(text: &str) -> Vec<(std::ops::Range<usize>, String)> {
    with_analyzer(|analyzer| {
        let mut out = Vec::new();
        analyzer
            .token_stream(text)
            .process(&mut |t| out.push((t.offset_from..t.offset_to, t.text.clone())));
        out
    })
}

/// `f` given this thread's analyzer, built once per thread.
fn with_analyzer<T>(f: impl FnOnce(&mut TextAnalyzer) -> T) -> T {
    thread_local! {
        static ANALYZER: std::cell::RefCell<TextAnalyzer> = std::cell::RefCell::new(analyzer());
    }
    ANALYZER.with(|cell| f(&mut cell.borrow_mut()))
}

/// Whether `needle` occurs contiguously in `haystack`.
pub fn contains_sequence(haystack: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_written_as_an_abbreviation_is_searched() {
        // "IM" and "I'm" analyse alike; the route must not be dropped as a stop word.
        assert_eq!(words("IM dose"), vec!["im", "dose"]);
    }

    #[test]
    fn remembered_stems_are_the_stemmers_stems() {
        let text = "Patients treated with prednisone relapsed; relapsing patients' doses were tapered \
                    and the tapering of corticosteroids was slower in children than in adults";
        let mut plain = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(48))
            .filter(LowerCaser)
            .filter(StopWordFilter::remove(english().stop_words.iter().cloned()))
            .filter(Stemmer::new(Language::English))
            .build();
        let expected = tokens(&mut plain, text);
        // Twice: the first pass stems and remembers, the second reads what it remembered.
        assert_eq!(tokens(&mut analyzer(), text), expected);
        assert_eq!(tokens(&mut analyzer(), text), expected);
    }

    #[test]
    fn analysed_words_read_back_the_analyzers_words_at_their_positions() {
        let mut analysis = analyzer();
        for text in [
            "The dose of the drug was tapered, and then it was stopped in the end",
            "  leading and trailing stop words are kept as positions: the",
            "",
            "a an the",
            "x\nHeading Title\n\nCorticosteroids in children (aged 2-5 years)",
        ] {
            let mut written = String::new();
            let mut handed = Vec::new();
            let mut surfaces = Vec::new();
            write_analysed(&mut analysis, text, &mut written, |w, surface| {
                handed.push(w.to_string());
                surfaces.push(surface.to_lowercase());
            });
            let expected = tokens(&mut analyzer(), text);
            let mut reader = TextAnalyzer::from(AnalysedWords::default());
            assert_eq!(tokens(&mut reader, &written), expected, "{text:?}");
            let words: Vec<String> = expected.into_iter().map(|(_, w)| w).collect();
            assert_eq!(handed, words);
            // Each analysed word comes with the word as the text writes it.
            for (word, surface) in handed.iter().zip(&surfaces) {
                assert_eq!(
                    &super::words(surface),
                    std::slice::from_ref(word),
                    "{surface}"
                );
            }
        }
    }
}

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
    thread_local! {
        static ANALYZER: std::cell::RefCell<TextAnalyzer> = std::cell::RefCell::new(analyzer());
    }
    ANALYZER.with(|cell| {
        tokens(&mut cell.borrow_mut(), text)
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    })
}

/// Whether `needle` occurs contiguously in `haystack`.
pub fn contains_sequence(haystack: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}

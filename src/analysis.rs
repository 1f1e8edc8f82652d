//! Text analysis shared by indexing and querying: the English analyzer (words, lower case, stop
//! words out, Porter2 stems) and helpers over analysed tokens. Pure functions; no I/O.

use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
};

/// Name of our analyzer in tantivy's tokenizer manager.
pub const ANALYZER: &str = "en_med";

/// Words that carry no meaning in a clinician's question. Lucene's English list plus the
/// question words and pronouns of conversational follow-ups ("what about", "should we").
#[rustfmt::skip]
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they",
    "this", "to", "was", "will", "with", "what", "which", "who", "whom", "whose", "how", "when",
    "where", "why", "do", "does", "did", "can", "could", "should", "would", "shall", "might",
    "must", "i", "me", "my", "we", "our", "us", "you", "your", "he", "she", "him", "her", "his",
    "its", "them", "those", "about", "tell", "any", "some", "have", "has", "had", "been", "being",
    "were", "am", "so", "than", "too", "very", "just", "also", "from", "please", "know", "say",
    "said", "give", "here", "get", "got", "anything", "something", "ok", "okay", "thanks", "thank",
    "whats", "hows", "im", "ive", "hers", "pls",
];

/// The analyzer used for indexing and for queries: words, lower-cased, stop words out, English
/// (Porter2) stems.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(48))
        .filter(LowerCaser)
        .filter(StopWordFilter::remove(
            STOP_WORDS.iter().map(|w| (*w).to_string()),
        ))
        .filter(Stemmer::new(Language::English))
        .build()
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

//! The retrieval model: the weights of the search clauses and the thresholds of the coverage
//! decision and of reading shorthand, read from `data/retrieval-model.toml`, so that changing
//! one is a change of data measured by `medcite eval`, not of code.

use std::sync::LazyLock;

use serde::Deserialize;

/// The model compiled into the binary.
pub fn retrieval_model() -> &'static RetrievalModel {
    static MODEL: LazyLock<RetrievalModel> = LazyLock::new(|| {
        RetrievalModel::parse(include_str!("../data/retrieval-model.toml"))
            .expect("data/retrieval-model.toml is valid (a unit test parses it)")
    });
    &MODEL
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetrievalModel {
    pub search: Search,
    pub coverage: Coverage,
    pub shorthand: Shorthand,
}

impl RetrievalModel {
    pub fn parse(text: &str) -> Result<RetrievalModel, String> {
        toml::from_str(text).map_err(|e| format!("the retrieval model is not valid: {e}"))
    }
}

/// The weight of each kind of search clause (see the data file for what each means).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Search {
    pub text: f32,
    pub heading: f32,
    pub reference: f32,
    pub synonym: f32,
    pub history: f32,
    pub fuzzy: f32,
    pub aspect: f32,
    pub negated: f32,
    pub fuzzy_two_edits_letters: usize,
    pub keyword_share: f64,
}

/// The thresholds of the coverage decision.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coverage {
    pub related_similarity: f32,
    pub source_share: f32,
    pub unknown_term_letters: usize,
    pub form_share: f32,
    pub topic_form_share: f32,
    pub derived_endings: Vec<(String, String)>,
    pub derived_letters: usize,
    pub uncovered_articles_tried: usize,
    pub scoped_retry_k: usize,
    pub inside_letters: usize,
    pub prefix_letters: usize,
}

/// How far shorthand is read.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shorthand {
    pub clipped_letters: usize,
    pub min_clipped: usize,
    pub min_clipped_ending: usize,
    pub min_misspelt_drug: usize,
    pub max_senses: usize,
    pub max_class_members: usize,
    pub min_headed_names: usize,
    pub sounds_alike: Vec<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_model_parses_with_sane_values() {
        let model = retrieval_model();
        assert!(model.search.synonym <= model.search.text);
        assert!(model.search.heading > 0.0 && model.search.reference > 0.0);
        assert!((0.5..1.0).contains(&model.coverage.source_share));
        assert!(model.shorthand.max_senses >= 1);
    }

    #[test]
    fn an_unknown_setting_is_an_error_naming_it() {
        let text = include_str!("../data/retrieval-model.toml")
            .replace("[coverage]", "[coverage]\nsource_shaer = 0.5");
        let error = RetrievalModel::parse(&text).unwrap_err();
        assert!(error.contains("source_shaer"), "{error}");
    }
}

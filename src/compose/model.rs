//! The offline composer's answer model: the named features of a candidate quote, the one
//! function that scores them, and the limits of an answer, all weights and limits read from
//! `data/answer-model.toml` (fitted by `benches/fit_answer_model.py`, explained by
//! `medcite ask --explain`).

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

/// The model compiled into the binary.
pub fn model() -> &'static Model {
    static MODEL: LazyLock<Model> = LazyLock::new(|| {
        Model::parse(include_str!("../../data/answer-model.toml"))
            .expect("data/answer-model.toml is valid (a unit test parses it)")
    });
    &MODEL
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    pub weights: Weights,
    pub places: Places,
    pub answer: Limits,
    pub structure: Structure,
}

impl Model {
    pub fn parse(text: &str) -> Result<Model, String> {
        toml::from_str(text).map_err(|e| format!("the answer model is not valid: {e}"))
    }

    /// The share of its earlier turn's words a candidate counts: all of them, unless it names
    /// nothing the question itself asks while another candidate does (`history_alone`).
    fn history_share(&self, f: &Features) -> f64 {
        if f.history_alone {
            self.places.history_alone_share
        } else {
            1.0
        }
    }

    /// A candidate's score: the asked concepts it names (a share of them when it comes from
    /// background), and, when it names any, its flags.
    pub fn score(&self, f: &Features) -> f64 {
        let w = &self.weights;
        let mut words = w.question_words * f.question_words
            + w.phrasing_words * f.phrasing_words
            + w.history_words * f.history_words * self.history_share(f)
            + w.aspect_words * f.aspect_words;
        if f.background {
            words *= self.places.background_share;
        }
        if f.crowded {
            words *= self.places.crowded_share;
        }
        if words <= 0.0 {
            return 0.0;
        }
        let flag = |on: bool, weight: f64| if on { weight } else { 0.0 };
        words
            + flag(f.answer_section, w.answer_section)
            + w.rank * f.rank
            + flag(f.label_names_question, w.label_names_question)
            + flag(f.heads_option, w.heads_option)
            + w.states_aspect_of_subject * f.states_aspect_of_subject
            + flag(f.says_what_is_cited, w.says_what_is_cited)
            + flag(f.on_subject, w.on_subject)
            + flag(f.lead_in, w.lead_in)
            + flag(f.age_fits, w.age_fits)
            + flag(f.age_conflicts, w.age_conflicts)
            + flag(f.child_unasked, w.child_unasked)
            + flag(f.value_fits, w.value_fits)
            + flag(f.value_conflicts, w.value_conflicts)
            + flag(f.excludes_asked, w.excludes_asked)
            + flag(f.warns_of_condition, w.warns_of_condition)
    }
}

/// The weight of each feature (see the data file for what each means).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    pub question_words: f64,
    pub phrasing_words: f64,
    pub history_words: f64,
    pub aspect_words: f64,
    pub answer_section: f64,
    pub rank: f64,
    pub label_names_question: f64,
    pub heads_option: f64,
    pub states_aspect_of_subject: f64,
    pub says_what_is_cited: f64,
    pub on_subject: f64,
    pub lead_in: f64,
    pub age_fits: f64,
    pub age_conflicts: f64,
    pub child_unasked: f64,
    pub value_fits: f64,
    pub value_conflicts: f64,
    pub excludes_asked: f64,
    pub warns_of_condition: f64,
}

/// Where a concept is named, as a share of its count.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Places {
    pub quote: f64,
    pub label: f64,
    pub long_label: f64,
    pub section: f64,
    pub background_share: f64,
    pub crowded_share: f64,
    pub derived_share: f64,
    pub history_alone_share: f64,
}

/// The size of an answer and when two quotes say one fact.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub max_quotes: usize,
    pub max_list_quotes: usize,
    pub word_budget: usize,
    pub list_word_budget: usize,
    pub max_per_passage: usize,
    pub relevance_share: f64,
    pub lead_in_share: f64,
    pub same_fact: f64,
}

/// How quotes are cut from passages and read with their labels.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Structure {
    pub max_lead_label_words: usize,
    pub max_followers: usize,
    pub negation_reach: usize,
    pub min_quote_words: usize,
    pub min_labelled_words: usize,
    pub head_words: usize,
    pub short_label_words: usize,
    pub aspect_near_subject_words: usize,
    pub derived_word_letters: usize,
    pub further_item_options: usize,
    pub continued_items: usize,
    pub crowded_drugs: usize,
    pub option_name_words: usize,
}

/// The named features of one candidate quote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Features {
    /// The question's topic concepts it names, each by its rarity and place.
    pub question_words: f64,
    pub phrasing_words: f64,
    pub history_words: f64,
    pub aspect_words: f64,
    /// It names only what the earlier turn named, while another candidate names what the
    /// question itself asks: context, not the answer.
    pub history_alone: bool,
    /// From background, aims or methods, when the question does not ask what methods state.
    pub background: bool,
    pub answer_section: bool,
    /// 1 / the rank of its passage.
    pub rank: f64,
    pub label_names_question: bool,
    pub heads_option: bool,
    /// The share of the asked aspects it states of the asked subject.
    pub states_aspect_of_subject: f64,
    pub says_what_is_cited: bool,
    pub on_subject: bool,
    pub lead_in: bool,
    /// It says it is for ages that include the patient's ("over 70 years" for "78 yo").
    pub age_fits: bool,
    /// It says it is for ages none of which include the patient's.
    pub age_conflicts: bool,
    /// It is for children only, and the question (and the turn before it) names no age or
    /// population: a clinician's question is about an adult unless it says otherwise.
    pub child_unasked: bool,
    /// Asked of one subject, not for a list, it names `structure.crowded_drugs` drugs or more
    /// besides it: an overview rather than a statement about the subject.
    pub crowded: bool,
    /// It says it is for values that include the one the question gives ("CIWA-Ar <8" for
    /// "CIWA 6").
    pub value_fits: bool,
    /// It says it is for values none of which include the question's ("≥15" for "CIWA 6").
    pub value_conflicts: bool,
    /// A condition it sets names a topic word of the question only as absent ("without
    /// cardiac disease" for "dose in CAD pt"): it is for other patients.
    pub excludes_asked: bool,
    /// It says to avoid something (it states contraindications) in a condition the question
    /// places the patient in ("Contraindicated in … asthma" for "labetalol ok in asthma?" or
    /// after "pt has asthma").
    pub warns_of_condition: bool,
}

/// Where an asked concept came from, for [`Features`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Question,
    Phrasing,
    History,
    Aspect,
}

impl Source {
    pub fn weight(self, weights: &Weights) -> f64 {
        match self {
            Source::Question => weights.question_words,
            Source::Phrasing => weights.phrasing_words,
            Source::History => weights.history_words,
            Source::Aspect => weights.aspect_words,
        }
    }
}

impl Features {
    /// The asked concepts it names, of every source, before weighting.
    pub fn named_words(&self) -> f64 {
        self.question_words + self.phrasing_words + self.history_words + self.aspect_words
    }

    /// Forgets the asked concepts counted so far.
    pub fn clear_words(&mut self) {
        self.question_words = 0.0;
        self.phrasing_words = 0.0;
        self.history_words = 0.0;
        self.aspect_words = 0.0;
    }

    /// Counts the topics of the question and of the turn before that `other` counts, in place
    /// of its own.
    pub fn take_subject_words_of(&mut self, other: &Features) {
        self.question_words = other.question_words;
        self.history_words = other.history_words;
    }

    /// Counts `value` (a concept's rarity at its place) as asked by `source`.
    pub fn add_words(&mut self, source: Source, value: f64) {
        match source {
            Source::Question => self.question_words += value,
            Source::Phrasing => self.phrasing_words += value,
            Source::History => self.history_words += value,
            Source::Aspect => self.aspect_words += value,
        }
    }

    /// The features by name, as `--explain` prints them: only those that are set.
    pub fn named(&self) -> Vec<(&'static str, f64)> {
        let flag = |on: bool| if on { 1.0 } else { 0.0 };
        [
            ("question_words", self.question_words),
            ("phrasing_words", self.phrasing_words),
            ("history_words", self.history_words),
            ("aspect_words", self.aspect_words),
            ("history_alone", flag(self.history_alone)),
            ("background", flag(self.background)),
            ("answer_section", flag(self.answer_section)),
            ("rank", self.rank),
            ("label_names_question", flag(self.label_names_question)),
            ("heads_option", flag(self.heads_option)),
            ("states_aspect_of_subject", self.states_aspect_of_subject),
            ("says_what_is_cited", flag(self.says_what_is_cited)),
            ("on_subject", flag(self.on_subject)),
            ("lead_in", flag(self.lead_in)),
            ("age_fits", flag(self.age_fits)),
            ("age_conflicts", flag(self.age_conflicts)),
            ("child_unasked", flag(self.child_unasked)),
            ("crowded", flag(self.crowded)),
            ("value_fits", flag(self.value_fits)),
            ("value_conflicts", flag(self.value_conflicts)),
            ("excludes_asked", flag(self.excludes_asked)),
            ("warns_of_condition", flag(self.warns_of_condition)),
        ]
        .into_iter()
        .filter(|(_, v)| *v != 0.0)
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_model_parses() {
        let model = model();
        assert!(model.answer.max_quotes >= 1);
        assert!(model.answer.max_list_quotes >= model.answer.max_quotes);
    }

    #[test]
    fn an_unknown_weight_is_an_error_naming_it() {
        let text = include_str!("../../data/answer-model.toml")
            .replace("[weights]", "[weights]\nquestion_wrods = 1.0");
        let error = Model::parse(&text).unwrap_err();
        assert!(error.contains("question_wrods"), "{error}");
    }

    #[test]
    fn a_candidate_naming_no_asked_concept_scores_nothing_whatever_its_flags() {
        let model = model();
        let flags = Features {
            answer_section: true,
            states_aspect_of_subject: 1.0,
            rank: 1.0,
            ..Features::default()
        };
        assert_eq!(model.score(&flags), 0.0);
        let named = Features {
            question_words: 1.0,
            ..flags
        };
        assert!(
            model.score(&named)
                > model.score(&Features {
                    question_words: 1.0,
                    ..Features::default()
                })
        );
    }

    #[test]
    fn background_counts_a_share_of_its_words() {
        let model = model();
        let plain = Features {
            question_words: 2.0,
            ..Features::default()
        };
        let background = Features {
            background: true,
            ..plain
        };
        assert!(model.score(&background) < model.score(&plain));
    }
}

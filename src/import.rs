//! Importing PubMedQA items (`pqal_*.json`) as a medcite corpus: one article per abstract, its
//! labelled sections as `##` sections and its conclusion last, plus gold questions for
//! `medcite eval --quality`. It only writes files; it knows nothing of the index or of answers.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::contracts::DocKind;
use crate::corpus::parse_document;
use crate::eval::split::{hold_out, test_table};
use crate::text::english;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("could not read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path} is not a PubMedQA file (a JSON object from PMID to {{QUESTION, CONTEXTS, LABELS, LONG_ANSWER, …}}): {problem}"
    )]
    Format { path: String, problem: String },
    #[error("item {pmid}: {problem}")]
    Item { pmid: String, problem: String },
    #[error("could not write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path} already holds articles; import into an empty or new folder so no stale article stays behind"
    )]
    NotEmpty { path: String },
}

/// One PubMedQA item, as the dataset spells its fields.
#[derive(Debug, Clone, Deserialize)]
pub struct Item {
    #[serde(rename = "QUESTION")]
    pub question: String,
    #[serde(rename = "CONTEXTS")]
    pub contexts: Vec<String>,
    #[serde(rename = "LABELS")]
    pub labels: Vec<String>,
    #[serde(rename = "MESHES", default)]
    pub meshes: Vec<String>,
    #[serde(rename = "YEAR", default)]
    pub year: Option<String>,
    #[serde(rename = "LONG_ANSWER")]
    pub long_answer: String,
    #[serde(default)]
    pub final_decision: Option<String>,
}

/// Reads a PubMedQA JSON file: PMID → item, in PMID order.
pub fn read_items(path: &Path) -> Result<BTreeMap<String, Item>, ImportError> {
    let shown = path.display().to_string();
    let text = fs::read_to_string(path).map_err(|source| ImportError::Read {
        path: shown.clone(),
        source,
    })?;
    let items: BTreeMap<String, Item> =
        serde_json::from_str(&text).map_err(|e| ImportError::Format {
            path: shown,
            problem: e.to_string(),
        })?;
    for (pmid, item) in &items {
        let bad = |problem: &str| ImportError::Item {
            pmid: pmid.clone(),
            problem: problem.to_string(),
        };
        if pmid.is_empty() || !pmid.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("the key must be a PMID (digits)"));
        }
        if item.contexts.len() != item.labels.len() {
            return Err(bad("CONTEXTS and LABELS differ in length"));
        }
        if item.question.trim().is_empty() || item.long_answer.trim().is_empty() {
            return Err(bad("QUESTION or LONG_ANSWER is empty"));
        }
    }
    Ok(items)
}

/// Reads a list of PMIDs, one a line (`#` starts a comment), e.g. the items a leave-out corpus
/// holds back.
pub fn read_pmid_list(path: &Path) -> Result<BTreeSet<String>, ImportError> {
    let text = fs::read_to_string(path).map_err(|source| ImportError::Read {
        path: path.display().to_string(),
        source,
    })?;
    let mut pmids = BTreeSet::new();
    for (n, line) in text.lines().enumerate() {
        let pmid = line.split('#').next().unwrap_or("").trim();
        if pmid.is_empty() {
            continue;
        }
        if !pmid.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ImportError::Format {
                path: path.display().to_string(),
                problem: format!("line {}: '{pmid}' is not a PMID", n + 1),
            });
        }
        pmids.insert(pmid.to_string());
    }
    Ok(pmids)
}

/// The document id of an imported item.
pub fn article_id(pmid: &str) -> String {
    format!("pubmedqa-{pmid}")
}

/// The section holding the conclusion (`LONG_ANSWER`), last in every imported article.
pub const CONCLUSION: &str = "Conclusion";

/// Front matter of an imported article, in the order it is written.
#[derive(Serialize)]
struct FrontMatter<'a> {
    id: String,
    title: &'a str,
    question: &'a str,
    pmid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    year: Option<u16>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    mesh: &'a [String],
}

/// The Markdown file of one item: front matter, the question as the title, each labelled context
/// as a `##` section, and the conclusion last as `## Conclusion`.
pub fn article_markdown(pmid: &str, item: &Item) -> Result<String, ImportError> {
    let question = item.question.trim();
    let front = FrontMatter {
        id: article_id(pmid),
        title: question,
        question,
        pmid,
        year: item.year.as_deref().and_then(|y| y.trim().parse().ok()),
        mesh: &item.meshes,
    };
    let front = toml::to_string(&front).map_err(|e| ImportError::Item {
        pmid: pmid.to_string(),
        problem: format!("front matter: {e}"),
    })?;
    let mut text = format!("+++\n{front}+++\n\n# {}\n", escape_markdown(question));
    for (label, context) in item.labels.iter().zip(&item.contexts) {
        if context.trim().is_empty() {
            continue;
        }
        text.push_str(&format!(
            "\n## {}\n\n{}\n",
            section_name(label),
            escape_markdown(context)
        ));
    }
    text.push_str(&format!(
        "\n## {CONCLUSION}\n\n{}\n",
        escape_markdown(&item.long_answer)
    ));
    Ok(text)
}

/// "MATERIALS AND METHODS" → "Materials and Methods"; an unlabelled abstract is "Abstract".
pub fn section_name(label: &str) -> String {
    let label = label.trim();
    if label.is_empty() || label.eq_ignore_ascii_case("unlabelled") {
        return "Abstract".to_string();
    }
    let minor = &english().title_minor_words;
    label
        .split_whitespace()
        .enumerate()
        .map(|(i, word)| {
            let lower = word.to_lowercase();
            if i > 0 && minor.contains(&lower) {
                return lower;
            }
            let mut chars = lower.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One line of plain text as Markdown whose parsed text is the same line: inline syntax and
/// entities are backslash-escaped, and a start that would open a heading, list, quote or code
/// block is neutralised.
pub fn escape_markdown(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(line.len() + 8);
    for c in line.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '~' | '|' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    // A line opening with "-", "+" or "=" (list, setext underline) or "12." / "3)" (ordered
    // list) escapes that punctuation.
    let digits = out.bytes().take_while(u8::is_ascii_digit).count();
    let at = match out.as_bytes().get(digits) {
        Some(b'.' | b')') if digits > 0 => Some(digits),
        Some(b'-' | b'+' | b'=') if digits == 0 => Some(0),
        _ => None,
    };
    if let Some(at) = at {
        out.insert(at, '\\');
    }
    out
}

/// A question of the answer-quality gold format (`medcite eval --quality`).
#[derive(Debug, Clone, Serialize)]
pub struct GoldQuestion {
    pub id: String,
    pub question: String,
    pub covered: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_section: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The item's own question: its article must be in the top 5 and cited, and the passage cited
/// first must be its conclusion.
pub fn own_question(pmid: &str, item: &Item) -> GoldQuestion {
    GoldQuestion {
        id: format!("pq-own-{pmid}"),
        question: item.question.trim().to_string(),
        covered: true,
        doc: Some(article_id(pmid)),
        first_section: Some(CONCLUSION.to_string()),
        note: item
            .final_decision
            .as_ref()
            .map(|d| format!("final_decision: {d}")),
    }
}

/// The own question of an item left out of the corpus: nothing left in it answers it.
pub fn left_out_question(pmid: &str, item: &Item) -> GoldQuestion {
    GoldQuestion {
        id: format!("pq-out-{pmid}"),
        question: item.question.trim().to_string(),
        covered: false,
        doc: None,
        first_section: None,
        note: Some(format!("{} is left out of this corpus", article_id(pmid))),
    }
}

/// A gold file named `file_name`: a comment header, its hold-out split (the test ids chosen by
/// id alone, so a regenerated file keeps it), and `[[question]]` tables.
pub fn gold_toml(
    header: &str,
    file_name: &str,
    questions: &[GoldQuestion],
) -> Result<String, ImportError> {
    #[derive(Serialize)]
    struct File<'a> {
        question: &'a [GoldQuestion],
    }
    let body = toml::to_string(&File {
        question: questions,
    })
    .map_err(|e| ImportError::Format {
        path: "gold".into(),
        problem: e.to_string(),
    })?;
    let comment: String = header.lines().map(|l| format!("# {l}\n")).collect();
    let test = hold_out(questions.iter().map(|q| q.id.as_str()));
    let split = test_table(file_name, &test);
    Ok(format!("{comment}\n{split}\n{body}"))
}

/// The dosing rules file of an imported corpus: no rules, so every dose an answer states is
/// reported `unverified` rather than judged (`serve` and `ask` need the file to exist).
const NO_DOSING_RULES: &str = "# No dosing rules for this corpus (imported PubMed abstracts): every dose is reported\n# unverified (or not_in_sources), never judged ok. Replace with [[drug]] tables to check doses.\ndrug = []\n";

/// What an import wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub articles: usize,
    pub excluded: usize,
    pub out: PathBuf,
}

/// Writes every item not in `exclude` as `out/articles/pubmedqa-<pmid>.md`, and
/// `out/dosing/rules.toml` without rules. Each article is parsed back before it is written, so a
/// file the corpus would reject is never written.
pub fn write_corpus(
    items: &BTreeMap<String, Item>,
    exclude: &BTreeSet<String>,
    out: &Path,
) -> Result<ImportSummary, ImportError> {
    let articles = out.join("articles");
    let write_err = |path: &Path| {
        let path = path.display().to_string();
        move |source| ImportError::Write { path, source }
    };
    if fs::read_dir(&articles)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false)
    {
        return Err(ImportError::NotEmpty {
            path: articles.display().to_string(),
        });
    }
    fs::create_dir_all(&articles).map_err(write_err(&articles))?;
    let dosing = out.join("dosing");
    fs::create_dir_all(&dosing).map_err(write_err(&dosing))?;
    let rules = dosing.join("rules.toml");
    fs::write(&rules, NO_DOSING_RULES).map_err(write_err(&rules))?;
    let mut written = 0;
    for (pmid, item) in items {
        if exclude.contains(pmid) {
            continue;
        }
        let text = article_markdown(pmid, item)?;
        let path = articles.join(format!("{}.md", article_id(pmid)));
        parse_document(DocKind::Article, &path, &text).map_err(|problem| ImportError::Item {
            pmid: pmid.clone(),
            problem: format!("the article written for it does not parse: {problem}"),
        })?;
        fs::write(&path, text).map_err(write_err(&path))?;
        written += 1;
    }
    Ok(ImportSummary {
        articles: written,
        excluded: items.len() - written,
        out: out.to_path_buf(),
    })
}

/// Writes a gold file.
pub fn write_gold(
    path: &Path,
    header: &str,
    questions: &[GoldQuestion],
) -> Result<(), ImportError> {
    let file_name = path
        .file_name()
        .map_or_else(|| "FILE".into(), |n| n.to_string_lossy());
    let text = gold_toml(header, &file_name, questions)?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|source| ImportError::Write {
            path: parent.display().to_string(),
            source,
        })?;
    }
    fs::write(path, text).map_err(|source| ImportError::Write {
        path: path.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::DocMeta;

    fn item(contexts: &[(&str, &str)], answer: &str) -> Item {
        Item {
            question: "Does X help Y?".into(),
            contexts: contexts.iter().map(|(_, c)| c.to_string()).collect(),
            labels: contexts.iter().map(|(l, _)| l.to_string()).collect(),
            meshes: vec!["Humans".into(), "Female".into()],
            year: Some("2004".into()),
            long_answer: answer.into(),
            final_decision: Some("yes".into()),
        }
    }

    #[test]
    fn labels_become_title_cased_sections() {
        assert_eq!(
            section_name("MATERIALS AND METHODS"),
            "Materials and Methods"
        );
        assert_eq!(section_name("BACKGROUND"), "Background");
        assert_eq!(section_name("UNLABELLED"), "Abstract");
        assert_eq!(section_name("AIM OF THE STUDY"), "Aim of the Study");
    }

    #[test]
    fn markdown_syntax_in_abstracts_survives_as_text() {
        let tricky = [
            "1. First we did this",
            "66. Some cases",
            "- a dash",
            "# not a heading",
            "p < 0.05 & x > 3 with *stars* and _under_ `code` ~~strike~~ a|b \\ [1] &amp;",
            "+ plus",
            "    indented four spaces",
        ];
        for text in tricky {
            let markdown = format!(
                "+++\nid = \"demo\"\ntitle = \"T\"\nquestion = \"Q?\"\n+++\n\n## Results\n\n{}\n",
                escape_markdown(text)
            );
            let doc =
                parse_document(DocKind::Article, Path::new("articles/demo.md"), &markdown).unwrap();
            assert_eq!(doc.chunks.len(), 1, "{text}");
            assert_eq!(doc.chunks[0].text, text.trim(), "{markdown}");
            assert_eq!(doc.chunks[0].section, "Results");
        }
    }

    #[test]
    fn an_article_has_its_sections_in_order_and_the_conclusion_last() {
        let item = item(
            &[
                ("BACKGROUND", "Why we asked."),
                ("RESULTS", "What we found [3]."),
            ],
            "So X helps Y.",
        );
        let text = article_markdown("123", &item).unwrap();
        let doc = parse_document(
            DocKind::Article,
            Path::new("articles/pubmedqa-123.md"),
            &text,
        )
        .unwrap();
        let sections: Vec<(&str, &str)> = doc
            .chunks
            .iter()
            .map(|c| (c.section.as_str(), c.text.as_str()))
            .collect();
        assert_eq!(
            sections,
            [
                ("Background", "Why we asked."),
                ("Results", "What we found [3]."),
                ("Conclusion", "So X helps Y."),
            ]
        );
        assert_eq!(doc.title, "Does X help Y?");
        let DocMeta::Article(meta) = &doc.meta else {
            panic!("an article has article front matter");
        };
        assert_eq!(meta.pmid.as_deref(), Some("123"));
        assert_eq!(meta.year, Some(2004));
        assert_eq!(meta.mesh, ["Humans", "Female"]);
        assert_eq!(meta.question, "Does X help Y?");
    }

    #[test]
    fn a_question_with_quotes_is_valid_front_matter() {
        let mut item = item(&[("RESULTS", "Found.")], "Done.");
        item.question = "Is \"watchful waiting\" safe?".into();
        item.year = None;
        let text = article_markdown("9", &item).unwrap();
        let doc =
            parse_document(DocKind::Article, Path::new("articles/pubmedqa-9.md"), &text).unwrap();
        assert_eq!(doc.title, "Is \"watchful waiting\" safe?");
    }

    #[test]
    fn gold_questions_are_answer_quality_toml() {
        let item = item(&[("RESULTS", "Found.")], "Done.");
        let text = gold_toml(
            "own questions",
            "own.toml",
            &[own_question("7", &item), left_out_question("8", &item)],
        )
        .unwrap();
        let parsed: toml::Table = toml::from_str(&text).unwrap();
        // A quarter of two, rounded, is one: the id with the lower sha256.
        let test = parsed["test"].as_array().unwrap();
        assert_eq!(test.len(), 1);
        assert!(text.contains("head -1 "), "{text}");
        let questions = parsed["question"].as_array().unwrap();
        assert_eq!(questions[0]["doc"].as_str(), Some("pubmedqa-7"));
        assert_eq!(questions[0]["first_section"].as_str(), Some("Conclusion"));
        assert_eq!(questions[0]["covered"].as_bool(), Some(true));
        assert_eq!(questions[1]["covered"].as_bool(), Some(false));
        assert!(questions[1].get("doc").is_none());
        assert!(text.starts_with("# own questions\n"));
    }
}

//! Articles nobody wrote synonyms for, asked in clinicians' shorthand: abbreviations read in the
//! sense their article names ("CAP" is pneumonia under a pneumonia article, a limit when written
//! "cap"), acronyms the article spells out ("BQT"), clipped drug names ("vanc"); and the structure
//! the chunker keeps: a list item answered under its lead-in, a table row with its headers, a
//! class word that does not stand for a class-mate.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use medcite::add::add_file;
use medcite::contracts::AskReply;
use medcite::retrieve::Retriever;
use tempfile::TempDir;

fn library(root: &Path) -> PathBuf {
    let pages = root.join("pages");
    fs::create_dir_all(&pages).unwrap();
    let write = |name: &str, text: &str| {
        let path = pages.join(name);
        fs::write(&path, text).unwrap();
        path
    };
    let corpus = root.join("corpus");
    for page in [
        write(
            "pneumonia.txt",
            "Treatment of Community-Acquired Pneumonia\nHealthy outpatients with community-acquired pneumonia receive amoxicillin. 1\nAmoxicillin\n- Dose: 1 g orally three times daily for 5 days 1\nVancomycin\n- Reserved for MRSA risk: 15 mg/kg IV every 12 hours 2\n",
        ),
        write(
            "h-pylori.txt",
            "First-Line Treatment of H. pylori\nBismuth quadruple therapy for 14 days is first-line for H. pylori infection. 1\nThe standard bismuth quadruple therapy consists of:\n- Metronidazole: 500 mg orally three times daily 1\n- Tetracycline: 500 mg four times daily 1\n",
        ),
        write(
            "bones.md",
            "# Osteoporosis Medications\n\n## First-line\n\nAlendronate (Fosamax):\n\n- Treatment dose: 70 mg once weekly\n\nZoledronic acid (Reclast):\n\n- Treatment dose: 5 mg IV once yearly\n",
        ),
    ] {
        add_file(&page, &corpus).unwrap();
    }
    // A Markdown table, written as a corpus article.
    fs::write(
        corpus.join("articles/dka.md"),
        "+++\nid = \"dka\"\ntitle = \"Diabetic Ketoacidosis\"\nquestion = \"How severe is DKA?\"\n\n[references]\n+++\n\n# Diabetic Ketoacidosis\n\n## Severity\n\n| Parameter | Mild | Severe |\n|---|---|---|\n| Arterial pH | 7.25-7.30 | < 7.00 |\n| Bicarbonate | 15-18 mEq/L | < 10 mEq/L |\n",
    )
    .unwrap();
    corpus
}

fn ask(corpus: &Path, index: &Path, article: &str, question: &str) -> AskReply {
    common::ask_in_article(corpus, index, article, question)
}

#[test]
fn shorthand_is_read_in_the_sense_its_article_names() {
    let dir = TempDir::new().unwrap();
    let corpus = library(dir.path());
    let index = dir.path().join("index");
    let (retriever, _) = Retriever::open(&corpus, &index, false).unwrap();
    // Readings are written as the article writes them; compared here without case.
    let read = |question: &str, article: &str| {
        retriever
            .read_shorthand(question, Some(article))
            .to_lowercase()
    };

    // "CAP" under the pneumonia article is the pneumonia; under another article, nothing.
    // "abx", antibiotics, a class the article does not name, is the drugs of the class
    // (data/drug-classes.tsv) it names.
    assert_eq!(
        read("abx for CAP?", "pneumonia"),
        "abx (= amoxicillin; vancomycin) for cap (= community-acquired pneumonia)?",
        "as the article writes it"
    );
    assert_eq!(read("abx for CAP?", "h-pylori"), "abx for cap?");
    // An untraced reference's notice, written by `add`, spells nothing out: "what the article
    // cites it for" is no reading of "CI".
    assert_eq!(read("amoxicillin CI?", "pneumonia"), "amoxicillin ci?");
    // Written small after "dose", "cap" is an ordinary word: a limit, read as it is.
    assert_eq!(read("max dose cap?", "pneumonia"), "max dose cap?");
    // An acronym the article spells out, a clipped drug name of the article.
    assert_eq!(
        read("flagyl dose in BQT?", "h-pylori"),
        "flagyl dose in bqt (= bismuth quadruple therapy)?"
    );
    assert_eq!(
        read("vanc dose if MRSA?", "pneumonia"),
        "vanc (= vancomycin) dose if mrsa?"
    );
    assert_eq!(read("vanc dose?", "h-pylori"), "vanc dose?");
}

#[test]
fn shorthand_questions_are_answered_from_their_article() {
    let dir = TempDir::new().unwrap();
    let corpus = library(dir.path());
    let index = dir.path().join("index");

    let reply = ask(&corpus, &index, "h-pylori", "flagyl dose in BQT?");
    assert!(reply.covered, "{}", reply.answer);
    assert!(
        reply.answer.contains("500 mg orally three times daily"),
        "{}",
        reply.answer
    );
    // The reply is the user's question, not the reading.
    assert_eq!(reply.question, "flagyl dose in BQT?");

    // Asked of the whole library, where no other article spells BQT out, the article that
    // reads it answers, and the reply names it.
    let out = common::run_offline(&corpus, &index, &["ask", "flagyl dose in BQT?", "--json"]);
    let reply: AskReply = serde_json::from_slice(&out.stdout).unwrap();
    assert!(reply.covered, "{}", reply.answer);
    assert!(
        reply.answer.contains("500 mg orally three times daily"),
        "{}",
        reply.answer
    );
    let named: Vec<&str> = reply.articles.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(named, ["h-pylori"]);
    // A question no article's words cover is still declined.
    let out = common::run_offline(&corpus, &index, &["ask", "flagyl dose in XQZT?", "--json"]);
    let reply: AskReply = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!reply.covered, "{}", reply.answer);

    // Shorthand of three letters ("tet") names what it is read as: the question is not left
    // with only an ordinary word the article lacks ("relative") and declined.
    let reply = ask(&corpus, &index, "h-pylori", "tet dose relative to abx?");
    assert!(reply.covered, "{}", reply.answer);
    assert!(
        reply.answer.contains("500 mg four times daily"),
        "{}",
        reply.answer
    );

    let reply = ask(
        &corpus,
        &index,
        "pneumonia",
        "abx for CAP in healthy outpatients?",
    );
    assert!(reply.covered, "{}", reply.answer);
    assert!(reply.answer.contains("amoxicillin"), "{}", reply.answer);
}

#[test]
fn list_items_table_rows_and_class_members_are_read_with_what_they_belong_to() {
    let dir = TempDir::new().unwrap();
    let corpus = library(dir.path());
    let index = dir.path().join("index");

    // A table row is one passage, each cell after its header.
    let reply = ask(&corpus, &index, "dka", "bicarbonate in severe DKA?");
    assert!(reply.covered, "{}", reply.answer);
    let first = reply.answer.lines().next().unwrap_or_default();
    assert!(
        first.contains("Parameter: Bicarbonate") && first.contains("Severe: < 10 mEq/L"),
        "{}",
        reply.answer
    );
    assert!(reply.verified, "{}", reply.answer);

    // An item under a short lead-in ("Alendronate (Fosamax):") is labelled by it, and a brand
    // of one class member is not answered by a class-mate.
    let reply = ask(&corpus, &index, "bones", "fosamax dose");
    let first = reply.answer.lines().next().unwrap_or_default();
    assert!(
        first.contains("Alendronate (Fosamax)") && first.contains("70 mg once weekly"),
        "{}",
        reply.answer
    );
    assert!(!first.contains("Zoledronic"), "{}", reply.answer);
    assert!(reply.verified, "{}", reply.answer);
}

#[test]
fn a_drug_the_article_does_not_name_is_not_found_through_a_brand_spelt_like_another_word() {
    // "Activir", a brand of acyclovir, begins like "activity": no mention of acyclovir.
    let dir = TempDir::new().unwrap();
    let page = dir.path().join("meningitis.txt");
    fs::write(
        &page,
        "Empiric Therapy for Bacterial Meningitis\nVancomycin has bactericidal activity against resistant pneumococci. 1\nCeftriaxone covers meningococci. 2\n",
    )
    .unwrap();
    let corpus = dir.path().join("corpus");
    add_file(&page, &corpus).unwrap();
    let index = dir.path().join("index");
    let reply = ask(
        &corpus,
        &index,
        "meningitis",
        "acyclovir against pneumococci?",
    );
    assert!(!reply.covered, "{}", reply.answer);
    assert!(reply.answer.contains("acyclovir"), "{}", reply.answer);
    // The drug the article names is found as before.
    let reply = ask(
        &corpus,
        &index,
        "meningitis",
        "vancomycin against pneumococci?",
    );
    assert!(reply.covered, "{}", reply.answer);
}

#[test]
fn a_part_of_the_body_is_found_as_its_adjective() {
    let dir = TempDir::new().unwrap();
    let pages = dir.path().join("pages");
    fs::create_dir_all(&pages).unwrap();
    let corpus = dir.path().join("corpus");
    for (name, text) in [
        (
            "withdrawal.txt",
            "Alcohol Withdrawal\nLong-acting benzodiazepines such as diazepam are preferred for most patients. 1\nShort-acting lorazepam is preferred in hepatic dysfunction. 1\n",
        ),
        (
            "hepatitis.txt",
            "Hepatitis A\nHepatitis A is an infection of the liver spread by the faecal-oral route. 1\n",
        ),
    ] {
        let path = pages.join(name);
        fs::write(&path, text).unwrap();
        add_file(&path, &corpus).unwrap();
    }
    let index = dir.path().join("index");
    // "liver" is in the library, not in this article, which writes "hepatic".
    let reply = ask(
        &corpus,
        &index,
        "withdrawal",
        "diazepam ok in liver failure?",
    );
    assert!(reply.covered, "{}", reply.answer);
    assert!(
        reply.answer.contains("hepatic dysfunction"),
        "{}",
        reply.answer
    );
}

#[test]
fn an_item_going_on_about_the_drug_before_it_is_brought_and_answers_for_it() {
    let dir = TempDir::new().unwrap();
    let page = dir.path().join("urgency.txt");
    fs::write(
        &page,
        "Treatment of Hypertensive Urgency\nStart an oral antihypertensive. 1\nACE Inhibitors\n- Captopril is a first-line choice at very low doses 2\n- Onset of action: 0.5-1 hour 3\nCombined Alpha/Beta Blockers\n- Labetalol (oral) provides dual mechanism of action and is highly effective 1\n- Maximal effect at 2-4 hours 3\n- Contraindicated in AV block, asthma and bradycardia 2\n",
    )
    .unwrap();
    let corpus = dir.path().join("corpus");
    add_file(&page, &corpus).unwrap();
    let index = dir.path().join("index");
    // The bullet after labetalol's names no drug and no word of the question: retrieval brings
    // it after labetalol's, and it states labetalol's onset, not captopril's.
    let (retriever, _) = Retriever::open(&corpus, &index, false).unwrap();
    let request = medcite::retrieve::SearchRequest {
        article: Some("urgency"),
        query: "labetalol",
        history: &[],
        k: 1,
    };
    let labetalol = retriever.search(&request).unwrap().remove(0);
    assert!(
        labetalol.text.starts_with("Labetalol"),
        "{}",
        labetalol.text
    );
    let next = retriever.continuation_of(&labetalol).unwrap().unwrap();
    assert_eq!(next.text, "Maximal effect at 2-4 hours");
    // An item naming no drug brings nothing after it.
    assert!(retriever.continuation_of(&next).unwrap().is_none());
    drop(retriever);
    let reply = ask(&corpus, &index, "urgency", "labetalol onset?");
    assert!(reply.covered, "{}", reply.answer);
    let first = reply.answer.lines().next().unwrap_or_default();
    assert!(
        first.contains("Maximal effect at 2-4 hours"),
        "{}",
        reply.answer
    );
}

#[test]
fn a_score_in_a_question_is_answered_by_its_tier_with_every_item_of_it() {
    // Three tiers of one score, each a lead-in and its items; most items do not repeat the
    // score's name. Asked of one value, its tier's items answer, all of them, even when
    // another tier's list came first in the search.
    let dir = TempDir::new().unwrap();
    let page = dir.path().join("withdrawal.txt");
    fs::write(
        &page,
        "Withdrawal Management by Score\n\
         Treatment by Score\n\
         Severe Withdrawal (Score ≥15):\n\
         - Give diazepam at once\n\
         - Reassess the score hourly\n\
         - Admit to a monitored bed\n\
         - Add thiamine before glucose\n\
         Moderate Withdrawal (Score 8-14):\n\
         - Start the symptom-triggered protocol\n\
         - Reassess the score every 2-4 hours\n\
         Mild Withdrawal (Score <8):\n\
         - Monitor every 4-8 hours\n\
         - No pharmacological intervention needed\n\
         - Ensure adequate hydration\n",
    )
    .unwrap();
    let corpus = dir.path().join("corpus");
    add_file(&page, &corpus).unwrap();
    let index = dir.path().join("index");
    let reply = ask(&corpus, &index, "withdrawal", "score 5 meds?");
    assert!(reply.covered, "{}", reply.answer);
    let first = reply.answer.lines().next().unwrap_or_default();
    assert!(first.contains("Mild Withdrawal"), "{}", reply.answer);
    assert!(
        reply
            .answer
            .contains("No pharmacological intervention needed"),
        "{}",
        reply.answer
    );
    assert!(!reply.answer.contains("diazepam"), "{}", reply.answer);
    assert!(reply.verified, "{}", reply.answer);
}

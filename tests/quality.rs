//! Answer quality as a clinician reads it (issue 10), offline: the coverage gate declines on
//! topics, not words; aspects the sources do not state are said to be missing first; the quote
//! that answers leads; a fact is quoted once; answers stay short; elliptical follow-ups resolve
//! against the previous turn; and the figures of `medcite eval --quality` on the gold set hold.

mod common;

use common::{bundled_retriever, repo};
use medcite::answer::Engine;
use medcite::contracts::{AskReply, AskRequest, ModeChoice, Turn};
use medcite::eval::quality::{
    QualityReport, evaluate_quality, first_unit, load_quality, word_count,
};
use medcite::eval::split::ByPart;
use medcite::verify::verify;

fn turns(history: &[&str]) -> Vec<Turn> {
    history
        .iter()
        .map(|content| Turn {
            role: "user".into(),
            content: (*content).into(),
        })
        .collect()
}

async fn ask(engine: &Engine, question: &str, history: &[&str]) -> AskReply {
    let request = AskRequest {
        article: None,
        question: question.into(),
        history: turns(history),
        k: None,
        mode: ModeChoice::Offline,
    };
    let reply = engine.ask(&request, false, &mut |_| {}).await.expect("ask");
    let check = verify(&reply.answer, &reply.passages);
    assert!(
        !reply.covered || check.verified(),
        "{question}: {:?}\n{}",
        check.issues,
        reply.answer
    );
    reply
}

fn engine() -> (tempfile::TempDir, Engine) {
    let (dir, retriever) = bundled_retriever();
    (dir, Engine::new(retriever, None))
}

#[tokio::test]
async fn shorthand_comparisons_numbers_and_typos_do_not_decline() {
    let (_dir, engine) = engine();
    for question in [
        "PJP prophylaxis threshold",
        "PJP ppx threshold?",
        "MTX vs AZA?",
        "aziathioprine ok instead of metotrexate?",
        "does ritux work?",
        "is pred alone enough, or skip the steroid sparer?",
        "rituximib dose?",
    ] {
        let reply = ask(&engine, question, &[]).await;
        assert!(reply.covered, "{question} was declined: {}", reply.answer);
    }
}

#[tokio::test]
async fn a_missing_topic_declines_in_the_users_own_words() {
    let (_dir, engine) = engine();
    for (question, topic) in [
        ("is MTX safe in pregnancy?", "pregnancy"),
        ("IMNM in children - same tx?", "children"),
        ("eculizumab for refractory IMNM?", "eculizumab"),
        (
            "What is the first-line treatment for hypertension?",
            "hypertension",
        ),
        ("anti-HMGCR in a 12yo - same tx?", "12yo"),
        // An age is named with its number, however typed.
        ("anti-HMGCR in a 12 yo - same tx?", "12 yo"),
        ("anti-HMGCR in a 12 year old - same tx?", "12 year old"),
    ] {
        let reply = ask(&engine, question, &[]).await;
        assert!(!reply.covered, "{question} was answered: {}", reply.answer);
        assert!(
            reply.answer.contains(topic),
            "{question}: the decline should name {topic}: {}",
            reply.answer
        );
        assert!(reply.passages.is_empty());
    }
    let reply = ask(
        &engine,
        "are treatment-naive pts different in pregnancy?",
        &[],
    )
    .await;
    assert!(
        !reply.answer.contains("naiv ") && !reply.answer.contains("naiv."),
        "stems never leak into the message: {}",
        reply.answer
    );
}

#[tokio::test]
async fn an_aspect_the_sources_do_not_state_is_said_first() {
    let (_dir, engine) = engine();
    for (question, history, first) in [
        (
            "duration of IVIG therapy",
            &[][..],
            "give no duration for IVIG",
        ),
        (
            "how long to continue prednisone?",
            &[],
            "give no duration for prednisone",
        ),
        (
            "side effects?",
            &["tell me about rituximab"],
            "give no side effects for rituximab",
        ),
        ("IVIG dose?", &[], "give no dose for IVIG"),
        // An earlier turn that is only a name is named whole, not by its rarest word.
        (
            "doses?",
            &["intensive combined therapy"],
            "give no dose for intensive combined therapy;",
        ),
    ] {
        let reply = ask(&engine, question, history).await;
        assert!(reply.covered, "{question}");
        let opening = first_unit(&reply.answer);
        assert!(
            opening.contains(first),
            "{question}: first line {opening:?}"
        );
        assert!(
            reply.answer.lines().count() > 1,
            "{question}: what the sources do say follows: {}",
            reply.answer
        );
    }
    let reply = ask(&engine, "pt is 70kg, how much pred?", &[]).await;
    assert!(
        !reply.answer.contains("give no"),
        "a stated dose is not said to be missing: {}",
        reply.answer
    );
}

#[tokio::test]
async fn the_quote_that_answers_comes_first() {
    let (_dir, engine) = engine();
    for (question, first) in [
        ("IV methylpred for severe dysphagia pt, dose?", "1-2 mg/kg"),
        ("PJP ppx threshold?", "≥20 mg"),
        ("RTX response rate in refractory pts?", "62%"),
        ("how common is relapse on taper?", "55%"),
    ] {
        let reply = ask(&engine, question, &[]).await;
        let opening = first_unit(&reply.answer);
        assert!(
            opening.contains(first),
            "{question}: first line {opening:?}\n{}",
            reply.answer
        );
    }
}

#[tokio::test]
async fn answers_are_short_and_state_each_fact_once() {
    let (_dir, engine) = engine();
    for question in [
        "rituximab for refractory disease",
        "what CPK level should we aim for on treatment?",
        "PJP ppx threshold?",
        "cancer screening in IMNM?",
    ] {
        let reply = ask(&engine, question, &[]).await;
        let bullets = reply
            .answer
            .lines()
            .filter(|l| l.trim_start().starts_with("- "))
            .count();
        assert!(
            bullets <= 4,
            "{question}: {bullets} bullets\n{}",
            reply.answer
        );
        assert!(
            word_count(&reply.answer) <= 110,
            "{question}: {} words\n{}",
            word_count(&reply.answer),
            reply.answer
        );
        // No 'The article cites X for …' restatement when the question is not about sources.
        assert!(
            !reply.answer.contains("The article cites")
                && !reply.answer.contains("reference 4 is cited"),
            "{question}: restatement quoted\n{}",
            reply.answer
        );
        let mut seen = std::collections::HashSet::new();
        for number in reply
            .answer
            .split(|c: char| !(c.is_ascii_digit() || c == '%'))
            .filter(|w| w.ends_with('%'))
        {
            assert!(
                seen.insert(number.to_string()),
                "{question}: {number} stated twice\n{}",
                reply.answer
            );
        }
    }
}

#[tokio::test]
async fn markers_are_numbered_in_order_of_first_use() {
    let (_dir, engine) = engine();
    for question in ["what are the options if MTX fails?", "MTX vs AZA?"] {
        let reply = ask(&engine, question, &[]).await;
        let mut expected = 1;
        let mut at = 0;
        while let Some(found) = reply.answer[at..].find("[S") {
            let start = at + found + 2;
            let digits: String = reply.answer[start..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let n: usize = digits.parse().expect("marker number");
            assert!(
                n <= expected,
                "{question}: [S{n}] before [S{expected}]\n{}",
                reply.answer
            );
            if n == expected {
                expected += 1;
            }
            at = start;
        }
        assert!(expected > 1, "{question}: no marker");
    }
}

#[tokio::test]
async fn a_comparison_gives_both_sides_and_a_list_every_option() {
    let (_dir, engine) = engine();
    let reply = ask(&engine, "MTX vs AZA?", &[]).await;
    let answer = reply.answer.to_lowercase();
    assert!(
        answer.contains("methotrexate") && answer.contains("azathioprine"),
        "{answer}"
    );
    let reply = ask(&engine, "what are the options if MTX fails?", &[]).await;
    let answer = reply.answer.to_lowercase();
    for option in ["ivig", "rituximab", "tacrolimus"] {
        assert!(answer.contains(option), "{option} missing: {answer}");
    }
}

#[tokio::test]
async fn elliptical_follow_ups_resolve_against_the_previous_turn() {
    let (_dir, engine) = engine();
    let reply = ask(&engine, "and if that fails?", &["first-line?"]).await;
    assert!(reply.covered);
    let answer = reply.answer.to_lowercase();
    assert!(
        answer.contains("rituximab") || answer.contains("ivig"),
        "'and if that fails?' names what comes next: {answer}"
    );
    let reply = ask(&engine, "is 15 mg enough to need it?", &["PJP prophylaxis"]).await;
    assert!(reply.covered, "{}", reply.answer);
    assert!(reply.answer.contains("≥20 mg"), "{}", reply.answer);
    let reply = ask(&engine, "and anti-SRP?", &["anti-HMGCR treatment"]).await;
    assert!(reply.covered);
    assert!(reply.answer.contains("SRP"), "{}", reply.answer);
    let reply = ask(&engine, "side effects?", &["tell me about rituximab"]).await;
    assert!(
        first_unit(&reply.answer).contains("rituximab"),
        "{}",
        reply.answer
    );
}

/// The figures of `medcite eval --quality tests/gold/quality.toml`, offline. Floors at the
/// level reached (the issue's bars where they are met), so a change that makes answers worse
/// fails here.
#[tokio::test]
async fn gold_set_figures_hold() {
    let (_dir, engine) = engine();
    let gold = load_quality(&repo().join("tests/gold/quality.toml")).expect("gold");
    assert!(gold.len() >= 120);
    assert!(gold.iter().filter(|q| !q.covered).count() >= 40);
    let report = evaluate_quality(&engine, &gold, ModeChoice::Offline, &mut |_, _| {})
        .await
        .expect("eval");
    // The hold-out split: the test part is a quarter, and the parts add up to the whole.
    let (all, train, test) = match &report.parts {
        ByPart {
            all,
            train: Some(train),
            test: Some(test),
        } => (all, train, test),
        parts => panic!("quality.toml has a split: {parts:#?}"),
    };
    assert_eq!((train.questions, test.questions), (148, 49));
    assert_eq!(train.facts_present + test.facts_present, all.facts_present);
    assert_eq!(train.first_right + test.first_right, all.first_right);
    let report = all;
    let rate = QualityReport::rate;
    let wrongly_declined = rate(report.wrongly_declined, report.expected_covered);
    let declined = rate(report.rightly_declined, report.expected_declined);
    let facts = rate(report.facts_present, report.facts_required);
    let first = rate(report.first_right, report.first_required);
    let not_stated = rate(report.not_stated_right, report.not_stated_required);
    assert!(
        wrongly_declined <= 0.05,
        "wrongly declined {wrongly_declined:.3}"
    );
    assert!(
        declined >= 0.95,
        "outside the sources declined {declined:.3}"
    );
    assert!(not_stated >= 0.80, "not stated said first {not_stated:.3}");
    assert!(facts >= 0.80, "facts present {facts:.3}");
    assert!(first >= 0.55, "first right {first:.3}");
    assert_eq!(report.verified, report.questions, "every answer verifies");
    assert!(
        report.mean_words <= 90.0,
        "mean words {}",
        report.mean_words
    );
}

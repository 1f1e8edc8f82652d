//! A library of articles: `medcite add` on each format (a page's text in both stored layouts,
//! Markdown without front matter), the seed page giving the bundled article's sentences and
//! markers, every dev page added unedited (read from ../shared/droracle-dev at run time, never
//! copied), and an article's box answering from that article alone on every route.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use medcite::add::{AddError, add_file};
use medcite::contracts::{AskReply, DocKind, SearchReply};
use medcite::corpus::{Corpus, DocMeta};
use medcite::server::{AppState, Settings, router};
use serde_json::{Value, json};
use tempfile::TempDir;
use tower::ServiceExt;

fn shared() -> PathBuf {
    common::repo().join("../shared")
}

/// Each article chunk of `corpus`'s article `id` as (text, citation numbers).
fn article_chunks(corpus: &Corpus, id: &str) -> Vec<(String, Vec<String>)> {
    let doc = corpus.document(id).expect("article");
    let DocMeta::Article(meta) = &doc.meta else {
        panic!("{id} is not an article");
    };
    let number: BTreeMap<&String, &String> = meta.references.iter().map(|(n, r)| (r, n)).collect();
    doc.chunks
        .iter()
        .map(|c| {
            let cites = c.cites.iter().map(|r| number[r].clone()).collect();
            (c.text.clone(), cites)
        })
        .collect()
}

#[test]
fn the_seed_page_gives_the_bundled_articles_sentences_and_markers() {
    let seed = shared().join("seed/necrotizing-myopathy.txt");
    if !seed.exists() {
        eprintln!("skipped: {} is not here", seed.display());
        return;
    }
    let dir = TempDir::new().unwrap();
    let report = add_file(&seed, dir.path()).expect("add the seed page");
    assert_eq!(report.id, "necrotizing-myopathy");
    let added = Corpus::load(dir.path()).expect("the added corpus loads");
    let bundled = Corpus::load(&common::bundled_corpus()).unwrap();
    let ours = article_chunks(&added, "necrotizing-myopathy");
    // The bundled article keeps the site's disclaimer as a section; `add` leaves it out as
    // furniture. Everything else is the same, sentence for sentence and marker for marker.
    let theirs: Vec<_> = article_chunks(&bundled, "necrotizing-myopathy-treatment")
        .into_iter()
        .filter(|(text, _)| !text.contains("intended for healthcare professionals"))
        .collect();
    assert_eq!(ours, theirs);
    let DocMeta::Article(meta) = &added.document("necrotizing-myopathy").unwrap().meta else {
        unreachable!()
    };
    assert_eq!(
        meta.question,
        "What is the treatment for necrotizing myopathy?"
    );
    assert_eq!(meta.updated, "2025-08-21");
    assert_eq!(meta.review_status.as_deref(), Some("pending human review"));
    assert_eq!(
        meta.references.len(),
        6,
        "one untraced stub per citation number"
    );
}

/// What each dev page yields: (slug, sections, bullets, citation numbers).
const DEV_PAGES: &[(&str, usize, usize, &[u32])] = &[
    ("acute-pancreatitis-initial", 4, 9, &[1, 2, 3, 4, 5, 6]),
    ("alcohol-withdrawal-ciwa", 3, 14, &[1, 2]),
    ("asthma-exacerbation-dosing", 6, 17, &[1, 2, 3, 4, 5]),
    ("bacterial-meningitis-empiric", 1, 0, &[1, 2, 3, 4]),
    ("copd-exacerbation-prednisone-antibiotics", 1, 6, &[1, 2, 3]),
    ("h-pylori-first-line", 3, 9, &[1, 2, 3]),
    ("hfref-optimal-therapy", 4, 12, &[1, 2, 3]),
    ("hyperkalemia-acute-treatment", 3, 9, &[1, 2, 3, 4]),
    ("hypertensive-urgency", 6, 12, &[1, 2, 3]),
    ("levothyroxine-starting-dose", 3, 10, &[1, 2, 3, 4, 5]),
    ("lyme-erythema-migrans", 3, 17, &[1, 2, 3, 4, 5]),
    ("naloxone-opioid-overdose", 7, 14, &[1, 2, 3, 4, 5, 6]),
    ("osteoporosis-medications", 3, 21, &[1, 2, 3]),
    ("pulmonary-embolism-anticoagulation", 2, 5, &[1, 2, 3, 4]),
    ("pyelonephritis-treatment", 4, 11, &[1, 2, 3, 4, 5]),
    (
        "septic-shock-initial-management",
        4,
        10,
        &[1, 2, 3, 4, 5, 6],
    ),
];

#[test]
fn every_dev_page_is_added_unedited_with_its_sections_bullets_and_markers() {
    let pages = shared().join("droracle-dev/pages");
    if !pages.exists() {
        eprintln!("skipped: {} is not here", pages.display());
        return;
    }
    let dir = TempDir::new().unwrap();
    for (slug, sections, bullets, markers) in DEV_PAGES {
        let report = add_file(&pages.join(format!("{slug}.txt")), dir.path())
            .unwrap_or_else(|e| panic!("{slug}: {e}"));
        assert_eq!(report.id, *slug);
        assert_eq!(
            (report.sections, report.bullets),
            (*sections, *bullets),
            "{slug}: sections, bullets"
        );
        assert_eq!(
            report.markers.iter().copied().collect::<Vec<_>>(),
            *markers,
            "{slug}: citation numbers"
        );
    }
    let corpus = Corpus::load(dir.path()).expect("the 16 pages load as one corpus");
    let bare_marker = regex::Regex::new(r"[a-z)%.] \d(, \d)*\.?$").unwrap();
    for chunk in corpus.chunks().filter(|c| c.kind == DocKind::Article) {
        for furniture in [
            "Personalize",
            "Medical Advisory Board",
            "View editorial policy",
            "Last updated",
        ] {
            assert!(
                !chunk.text.contains(furniture),
                "{}: {}",
                chunk.id,
                chunk.text
            );
        }
        for line in chunk.text.lines() {
            assert!(
                !bare_marker.is_match(line),
                "a bare marker is left: {}: {line}",
                chunk.id
            );
        }
        // A bullet under a lead-in ("For Children:") is searchable with it.
        if chunk.text.starts_with("Amoxicillin: 50 mg/kg/day") {
            assert_eq!(chunk.context, "For Children:");
        }
    }
}

#[test]
fn markdown_without_front_matter_and_adding_again_update_the_article() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("My Note.md");
    fs::write(
        &file,
        "# Drug X for disease Y\n\nDrug X is first-line for disease Y 1, 2\n\n## Dosing\n\n- Drug X: 10 mg daily for 5 days 2\n",
    )
    .unwrap();
    let corpus = dir.path().join("corpus");
    let report = add_file(&file, &corpus).unwrap();
    assert_eq!(report.id, "my-note");
    assert!(!report.updated);
    assert_eq!(report.markers.iter().copied().collect::<Vec<_>>(), [1, 2]);
    let loaded = Corpus::load(&corpus).unwrap();
    let chunks = article_chunks(&loaded, "my-note");
    assert_eq!(
        chunks,
        [
            (
                "Drug X is first-line for disease Y".to_string(),
                vec!["1".to_string(), "2".to_string()]
            ),
            (
                "Drug X: 10 mg daily for 5 days".to_string(),
                vec!["2".to_string()]
            ),
        ]
    );
    let stub = loaded.document("my-note-ref-1").expect("an untraced stub");
    let DocMeta::Reference(meta) = &stub.meta else {
        panic!()
    };
    assert!(!meta.identified && meta.confidence == "unknown");
    assert_eq!(meta.cited_for, "Drug X is first-line for disease Y");
    // The same file again, now citing only 2: the article is replaced, the stub of 1 goes.
    fs::write(&file, "# Drug X for disease Y\n\nDrug X is first-line 2\n").unwrap();
    let report = add_file(&file, &corpus).unwrap();
    assert!(report.updated);
    let loaded = Corpus::load(&corpus).unwrap();
    assert!(loaded.document("my-note-ref-1").is_none());
    assert!(loaded.document("my-note-ref-2").is_some());
}

#[test]
fn a_format_add_does_not_read_is_a_clear_error_and_writes_nothing() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("page.pdf");
    fs::write(&file, "%PDF-1.4").unwrap();
    let corpus = dir.path().join("corpus");
    let error = add_file(&file, &corpus).unwrap_err();
    assert!(matches!(error, AddError::Format { .. }), "{error}");
    assert!(error.to_string().contains(".txt"), "{error}");
    assert!(!corpus.exists());
}

async fn send(router: &Router, request: Request<Body>) -> (StatusCode, String) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

async fn post(router: &Router, uri: &str, body: Value) -> (StatusCode, String) {
    let request = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    send(router, request).await
}

fn docs_cited(reply: &AskReply) -> Vec<String> {
    reply
        .passages
        .iter()
        .filter(|p| {
            reply.answer.contains(&format!("[{}]", p.marker))
                || reply.answer.contains(&format!("{},", p.marker))
        })
        .map(|p| p.doc_id.clone())
        .collect()
}

/// The router over the two articles `common::write_two_articles` writes under `root`.
fn two_article_app(root: &Path) -> Router {
    let corpus = common::write_two_articles(root);
    let (state, _) = AppState::open(
        &corpus,
        &root.join("index"),
        None,
        Settings::default(),
        false,
    )
    .expect("open state");
    router(Arc::new(state))
}

/// Whether document `doc` is `article` or one of its reference notes.
fn in_scope(doc: &str, article: &str) -> bool {
    doc == article || doc.starts_with(&format!("{article}-ref-"))
}

#[tokio::test]
async fn an_articles_box_answers_from_that_article_alone_on_every_route() {
    let dir = TempDir::new().unwrap();
    let app = two_article_app(dir.path());

    // The same question in each box is answered from that box's article.
    for (article, other) in [
        ("gout-flare", "cdi-treatment"),
        ("cdi-treatment", "gout-flare"),
    ] {
        let (status, body) = post(
            &app,
            "/api/v1/ask",
            json!({"question": "first-line treatment and dose?", "article": article}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let reply: AskReply = serde_json::from_str(&body).unwrap();
        assert!(reply.covered, "{body}");
        assert!(
            reply.passages.iter().all(|p| in_scope(&p.doc_id, article)),
            "{article}: {body}"
        );
        assert!(!docs_cited(&reply).iter().any(|d| d.starts_with(other)));

        let (status, body) = post(
            &app,
            "/api/v1/ask/stream",
            json!({"question": "how long?", "article": article}),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let done = body
            .split("\n\n")
            .find(|b| b.contains("event: done"))
            .and_then(|b| b.lines().find_map(|l| l.strip_prefix("data: ")))
            .expect("done event");
        let reply: AskReply = serde_json::from_str(done).unwrap();
        assert!(
            reply.passages.iter().all(|p| in_scope(&p.doc_id, article)),
            "{done}"
        );

        let (status, body) = send(
            &app,
            Request::get(format!("/api/v1/search?q=dose&k=10&article={article}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let search: SearchReply = serde_json::from_str(&body).unwrap();
        assert!(!search.hits.is_empty());
        assert!(
            search.hits.iter().all(|h| in_scope(&h.doc_id, article)),
            "{body}"
        );

        let (status, body) = post(
            &app,
            "/v1/chat/completions",
            json!({"model": format!("medcite/{article}"), "messages": [{"role": "user", "content": "dose?"}]}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let chat: Value = serde_json::from_str(&body).unwrap();
        let sources = chat["medcite"]["sources"].as_array().expect("sources");
        assert!(!sources.is_empty());
        for source in sources {
            assert!(
                in_scope(source["doc_id"].as_str().unwrap_or_default(), article),
                "{source}"
            );
        }
    }

    // A question on the other article's subject is declined in this box.
    let (_, body) = post(
        &app,
        "/api/v1/ask",
        json!({"question": "oral vancomycin dose?", "article": "gout-flare"}),
    )
    .await;
    let reply: AskReply = serde_json::from_str(&body).unwrap();
    assert!(!reply.covered, "{body}");

    let (status, body) = send(
        &app,
        Request::get("/v1/models").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<String> = serde_json::from_str::<Value>(&body).unwrap()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids,
        ["medcite", "medcite/cdi-treatment", "medcite/gout-flare"]
    );

    let (status, body) = post(
        &app,
        "/api/v1/ask",
        json!({"question": "dose?", "article": "no-such-article"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(body.contains("unknown_article"), "{body}");
}

/// `GET uri` as (status, content type, CSP, body).
async fn page(router: &Router, uri: &str) -> (StatusCode, String, String, String) {
    let response = router
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let header_text = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let (status, content_type, csp) = (
        response.status(),
        header_text(header::CONTENT_TYPE),
        header_text(header::CONTENT_SECURITY_POLICY),
    );
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let body = String::from_utf8_lossy(&bytes).into_owned();
    (status, content_type, csp, body)
}

/// The suggested follow-ups on a page.
fn suggestions_on(html: &str) -> Vec<String> {
    html.split("<button type=\"button\" class=\"suggestion\">")
        .skip(1)
        .filter_map(|rest| rest.split("</button>").next())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn each_article_has_its_page_whose_box_asks_about_it_and_home_lists_them() {
    let dir = TempDir::new().unwrap();
    let app = two_article_app(dir.path());

    for (article, title, sentence, other) in [
        (
            "gout-flare",
            "Treatment of Gout Flares",
            "Colchicine is first-line for an acute gout flare.",
            "Oral vancomycin",
        ),
        (
            "cdi-treatment",
            "Treatment of C. difficile Infection",
            "Oral vancomycin is first-line for C. difficile infection.",
            "acute gout flare",
        ),
    ] {
        let (status, content_type, csp, html) = page(&app, &format!("/articles/{article}")).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(content_type.starts_with("text/html"), "{content_type}");
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(html.contains(&format!("<h1>{title}</h1>")), "{html}");
        assert!(html.contains(sentence), "{article}: {html}");
        assert!(
            !html.contains(other),
            "{article} shows the other article: {html}"
        );
        assert!(
            html.contains(&format!(
                "<form id=\"ask-form\" class=\"ask-form\" data-article=\"{article}\">"
            )),
            "the box carries its article: {html}"
        );
        assert!(
            html.contains("href=\"../assets/app.css\"")
                && html.contains("src=\"../assets/app.js\""),
            "assets resolve from /articles/: {html}"
        );
        assert!(html.contains("<a href=\"#ref-1\""), "markers link: {html}");
        assert!(!html.contains("{{"), "every slot is filled");
        // Its suggestions are answered in its own scope.
        for question in suggestions_on(&html) {
            let (_, body) = post(
                &app,
                "/api/v1/ask",
                json!({"question": question, "article": article}),
            )
            .await;
            let reply: AskReply = serde_json::from_str(&body).unwrap();
            assert!(reply.covered, "{article}: {question}: {body}");
        }
    }

    for unknown in ["no-such-article", "gout-flare-ref-1"] {
        let (status, content_type, csp, html) = page(&app, &format!("/articles/{unknown}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{unknown}: {html}");
        assert!(content_type.starts_with("text/html"), "{content_type}");
        assert!(csp.contains("default-src 'none'"), "{csp}");
        assert!(html.contains("Article not found"), "{html}");
        assert!(html.contains("<a href=\"../\">"), "links home: {html}");
    }

    let (status, content_type, csp, html) = page(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    for (article, title) in [
        ("gout-flare", "Treatment of Gout Flares"),
        ("cdi-treatment", "Treatment of C. difficile Infection"),
    ] {
        assert!(
            html.contains(&format!("<a href=\"articles/{article}\">{title}</a>")),
            "{article} listed: {html}"
        );
    }
    assert!(html.contains("<form id=\"ask-form\""), "one box: {html}");
    assert!(
        !html.contains("data-article"),
        "the box asks the library: {html}"
    );
    assert!(
        !html.contains("Colchicine is first-line"),
        "no article body: {html}"
    );
    assert!(
        html.contains("Your question about these articles"),
        "{html}"
    );
    // Both articles fit on the first page of the list; asked for another, the page says so.
    let (status, _, _, same) = page(&app, "/?page=1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(same, html);
    let (status, content_type, _, missing) = page(&app, "/?page=2").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(missing.contains("no page 2"), "{missing}");
    let (status, _, _, _) = page(&app, "/?page=two").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[test]
fn the_command_line_scopes_search_and_ask_without_dosing_rules() {
    let dir = TempDir::new().unwrap();
    let corpus = common::write_two_articles(dir.path());
    let index = dir.path().join("index");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_medcite"))
            .arg("--corpus")
            .arg(&corpus)
            .arg("--index")
            .arg(&index)
            .args(args)
            .env_remove("MEDCITE_LLM_BASE_URL")
            .output()
            .unwrap()
    };
    let out = run(&[
        "search",
        "dose",
        "--json",
        "--k",
        "10",
        "--article",
        "cdi-treatment",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let search: SearchReply = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        search
            .hits
            .iter()
            .all(|h| h.doc_id.starts_with("cdi-treatment"))
    );
    let out = run(&[
        "ask",
        "max dose in the first hour?",
        "--json",
        "--article",
        "gout-flare",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reply: AskReply = serde_json::from_slice(&out.stdout).unwrap();
    assert!(reply.answer.contains("1.8 mg"), "{}", reply.answer);
    assert!(
        !reply.dosing.claims.is_empty(),
        "doses are checked: {:?}",
        reply.dosing
    );
    assert!(
        reply
            .passages
            .iter()
            .all(|p| p.doc_id.starts_with("gout-flare"))
    );
    let out = run(&["ask", "dose?", "--article", "nope"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no article 'nope'"));
}

/// `ask(question, article)`, offline, in the box of one of the two articles
/// `common::write_two_articles` writes under `root`.
fn two_article_box(root: &Path) -> impl Fn(&str, &str) -> AskReply {
    let corpus = common::write_two_articles(root);
    let index = root.join("index");
    move |question, article| common::ask_in_article(&corpus, &index, article, question)
}

#[test]
fn brand_names_find_the_generic_the_article_writes_and_name_a_topic_when_absent() {
    let dir = TempDir::new().unwrap();
    let ask = two_article_box(dir.path());
    // "Flagyl" is metronidazole's brand: the article's metronidazole line answers it.
    let reply = ask("flagyl dose?", "cdi-treatment");
    assert!(reply.covered, "{}", reply.answer);
    assert!(
        reply.answer.contains("500 mg orally three times daily"),
        "{}",
        reply.answer
    );
    // A drug the article does not name, by its brand, is a topic it does not cover.
    let reply = ask("zofran dose?", "cdi-treatment");
    assert!(!reply.covered, "{}", reply.answer);
}

#[test]
fn a_decline_names_the_words_no_passage_holds() {
    let dir = TempDir::new().unwrap();
    let ask = two_article_box(dir.path());
    // Nothing in the article holds "lipase": no passage is found, and the decline says so.
    let reply = ask("lipase?", "cdi-treatment");
    assert!(!reply.covered, "{}", reply.answer);
    assert!(
        reply.answer.ends_with("Nothing in them mentions lipase."),
        "{}",
        reply.answer
    );
    // A word of a missing phrase is named once, with it.
    let reply = ask("colchicine in liver disease?", "gout-flare");
    assert!(!reply.covered, "{}", reply.answer);
    assert!(
        reply
            .answer
            .ends_with("Nothing in them mentions liver disease."),
        "{}",
        reply.answer
    );
}

#[test]
fn a_decline_names_what_the_sources_do_not_write_as_typed() {
    let dir = TempDir::new().unwrap();
    let corpus = common::add_pages(
        dir.path(),
        &[(
            "gout-flare",
            "Treatment of Gout Flares\nColchicine is first-line for an acute gout flare. 1\nColchicine therapy acts by an anti-inflammatory mechanism. 1\n",
        )],
    );
    let index = dir.path().join("index");
    // The passage on colchicine therapy is found, but nothing of "physical", which is near
    // "mechanism" in meaning only: the decline names it, with the word typed after it that
    // names a kind of treatment by it, as the clinician wrote them.
    let reply = common::ask_in_article(&corpus, &index, "gout-flare", "physical therapy?");
    assert!(!reply.covered, "{}", reply.answer);
    assert!(
        reply
            .answer
            .ends_with("Nothing in them mentions physical therapy."),
        "{}",
        reply.answer
    );
    // What is asked of a drug is no kind of it: "allopurinol", not "allopurinol dose".
    let reply = common::ask_in_article(&corpus, &index, "gout-flare", "allopurinol dose?");
    assert!(!reply.covered, "{}", reply.answer);
    assert!(
        reply
            .answer
            .ends_with("Nothing in them mentions allopurinol."),
        "{}",
        reply.answer
    );
}

#[test]
fn shorthand_read_as_a_route_declines_nothing() {
    let dir = TempDir::new().unwrap();
    let ask = two_article_box(dir.path());
    // "SL" is read as sublingual, how a drug is given, like "IM": the question asks of
    // colchicine, which the article names.
    let reply = ask("SL colchicine ok?", "gout-flare");
    assert!(reply.covered, "{}", reply.answer);
    assert!(reply.answer.contains("Colchicine"), "{}", reply.answer);
}

#[test]
fn a_condition_the_patient_lacks_declines_nothing() {
    let dir = TempDir::new().unwrap();
    let ask = two_article_box(dir.path());
    // The patient has no diabetes: the article's dose is for them, and the answer says the
    // article never mentions diabetes.
    let reply = ask("colchicine dose, no diabetes?", "gout-flare");
    assert!(reply.covered, "{}", reply.answer);
    assert!(
        reply
            .answer
            .starts_with("The article and its references do not mention diabetes;"),
        "{}",
        reply.answer
    );
    // A patient with diabetes is one the article does not cover.
    let reply = ask("colchicine dose in diabetes?", "gout-flare");
    assert!(!reply.covered, "{}", reply.answer);
}

#[test]
fn a_declined_follow_up_names_what_of_the_earlier_turn_no_passage_holds() {
    let dir = TempDir::new().unwrap();
    let corpus = common::write_two_articles(dir.path());
    let index = dir.path().join("index");
    // The follow-up asks of the infusion, which the article never mentions: it says so. Of a
    // patient the article never mentions, with an ordinary word it never writes either
    // ("adjust"), it names the patient's state, as the state.
    for (earlier, question, named) in [
        ("infusion?", "how long to continue?", "infusion"),
        ("pt is pregnant", "adjust dose?", "pregnancy"),
    ] {
        let reply = common::ask_after(&corpus, &index, "cdi-treatment", &[earlier], question);
        assert!(!reply.covered, "{}", reply.answer);
        assert!(
            reply
                .answer
                .ends_with(&format!("Nothing in them mentions {named}.")),
            "{earlier}: {}",
            reply.answer
        );
    }
}

#[test]
fn a_follow_up_of_its_own_topic_says_the_earlier_turns_condition_is_never_mentioned() {
    let dir = TempDir::new().unwrap();
    let corpus = common::write_two_articles(dir.path());
    let index = dir.path().join("index");
    // The patient is still the pregnant one: the dose the article gives is not said of her.
    // So is the one measured, by a measure the article never names, by its name or its symbol.
    for (earlier, named) in [
        ("vancomycin in pregnancy?", "pregnancy"),
        ("creatinine 2.5", "creatinine"),
        ("K 5.6", "potassium"),
    ] {
        let reply = common::ask_after(
            &corpus,
            &index,
            "cdi-treatment",
            &[earlier],
            "fidaxomicin dose?",
        );
        assert!(reply.covered, "{}", reply.answer);
        assert!(
            reply.answer.starts_with(&format!(
                "The article and its references do not mention {named};"
            )),
            "{earlier}: {}",
            reply.answer
        );
    }
}

#[test]
fn a_lead_in_ending_its_section_leads_the_options_headed_after_it() {
    let dir = TempDir::new().unwrap();
    let corpus = common::add_pages(
        dir.path(),
        &[(
            "bp-oral",
            "Oral Treatment of High Blood Pressure
Start an oral agent and lower pressure gradually. 1
First-Line Oral Medications
Choose among these agents:
ACE Inhibitors
- Captopril is a first-line choice at a low dose 1
Calcium Channel Blockers
- Extended-release nifedipine is acceptable 1
Special Populations
- Black patients: start with a thiazide 1
",
        )],
    );
    let index = dir.path().join("index");
    // The options are the sections after the lead-in, each under its heading, and the
    // section after them, which names no drug, is none.
    let reply = common::ask_in_article(&corpus, &index, "bp-oral", "oral agents to choose?");
    let lines: Vec<&str> = reply.answer.lines().collect();
    let lead = lines
        .iter()
        .position(|l| l.contains("Choose among these agents"));
    let nested = |text: &str| {
        lead.is_some_and(|at| {
            lines[at + 1..]
                .iter()
                .take_while(|l| l.starts_with("  - "))
                .any(|l| l.contains(text))
        })
    };
    assert!(
        nested("Captopril") && nested("nifedipine"),
        "{}",
        reply.answer
    );
    assert!(!nested("Black patients"), "{}", reply.answer);
}

#[test]
fn a_patient_asked_of_without_a_condition_gets_the_dose_for_patients_without_it() {
    let dir = TempDir::new().unwrap();
    let corpus = common::add_pages(
        dir.path(),
        &[(
            "levo-start",
            "Levothyroxine Starting Dose\nFor most adults under 70 years without cardiac disease, initiate levothyroxine at the full replacement dose of 1.6 mcg/kg/day. 1\nElderly Patients\nFor patients over 70 years, start with 25-50 mcg/day. 1\nCritical Dosing in Cardiac Patients\nFor patients with coronary artery disease, start at 25-50 mcg/day:\n- Obtain a baseline ECG before starting therapy 1\n- Monitor for new or worsening angina 1\n- Use dose increments of 12.5-25 mcg 1\n",
        )],
    );
    let index = dir.path().join("index");
    // "CAD" is read as coronary artery disease; the patient has none, so the cardiac dose is
    // for other patients.
    let reply = common::ask_in_article(
        &corpus,
        &index,
        "levo-start",
        "levothyroxine dose without CAD?",
    );
    assert!(reply.covered, "{}", reply.answer);
    let first = reply.answer.lines().next().unwrap_or_default();
    assert!(first.contains("For most adults"), "{}", reply.answer);
    let reply = common::ask_in_article(&corpus, &index, "levo-start", "starting dose in CAD?");
    let first = reply.answer.lines().next().unwrap_or_default();
    assert!(
        first.contains("coronary artery disease"),
        "{}",
        reply.answer
    );
}

#[test]
fn a_word_the_article_writes_beyond_its_first_passages_declines_nothing() {
    let dir = TempDir::new().unwrap();
    // Its cardiac section holds more passages than the first ones searched.
    let cardiac: String = (1..=8)
        .map(|n| format!("- Cardiac disease point {n}: heart risk rises 1\n"))
        .collect();
    let levo = format!(
        "Levothyroxine in Cardiac Patients\nStandard Starting Dose for Healthy Adults\nFor most adults without cardiac disease, start at the full dose of 1.6 mcg/kg/day. 1\nElderly Patients\nFor patients over 70 years, start low and titrate gradually every 6-8 weeks. 1\nCritical Dosing for Coronary Artery Disease or Heart Failure\nFor patients with coronary artery disease or heart failure, start at 25-50 mcg/day: 1\n- Rapid correction can worsen cardiac ischemia 1\n- The cardiac workload can precipitate heart failure 1\n- Obtain a baseline ECG in cardiac disease 1\n- Monitor for angina in heart disease 1\n- Cardiac arrhythmias may appear 1\n- Heart failure may decompensate 1\n{cardiac}"
    );
    // Another article writes "titrate" often, so the word weighs little in search.
    let steps: String = (1..=10)
        .map(|n| format!("- Step {n}: titrate the beta blocker every 2 weeks 1\n"))
        .collect();
    let titration = format!("Beta Blocker Titration\nTitration\n{steps}");
    let corpus = common::add_pages(
        dir.path(),
        &[("levo-cad", &levo), ("bb-titrate", &titration)],
    );
    let index = dir.path().join("index");
    // The question's words fill the first passages with the cardiac section; "titrate" is in
    // the article all the same.
    let reply = common::ask_in_article(&corpus, &index, "levo-cad", "CAD pt how to titrate");
    assert!(reply.covered, "{}", reply.answer);
    // A word the article never writes still declines the question.
    let reply = common::ask_in_article(
        &corpus,
        &index,
        "levo-cad",
        "CAD pt in pregnancy, how to titrate",
    );
    assert!(!reply.covered, "{}", reply.answer);
}

#[test]
fn a_drug_the_article_does_not_name_is_not_read_as_one_spelt_alike() {
    let dir = TempDir::new().unwrap();
    let corpus = common::add_pages(
        dir.path(),
        &[(
            "hp-ppi",
            "H. pylori Treatment\nAcid Suppression\n- High-dose PPI twice daily (esomeprazole 40 mg preferred) 1\n- Take the PPI before meals 1\n",
        )],
    );
    let index = dir.path().join("index");
    // Omeprazole shares most of its letters with esomeprazole, but is another drug.
    let reply = common::ask_in_article(&corpus, &index, "hp-ppi", "can i use omeprazole 20 daily");
    assert!(!reply.covered, "{}", reply.answer);
    assert!(reply.answer.contains("omeprazole"), "{}", reply.answer);
}

#[test]
fn a_route_no_passage_gives_the_drug_by_is_said_unmentioned() {
    let dir = TempDir::new().unwrap();
    let corpus = common::add_pages(
        dir.path(),
        &[
            (
                "od-naloxone",
                "Naloxone for Opioid Overdose\nIntravenous Administration\n- Standard dose: 0.4 to 2 mg IV, repeated at 2-3 minute intervals 1\nIntranasal Administration\n- 4 mg intranasally, repeated in 3-5 minutes 1\n",
            ),
            (
                "k-shift",
                "Hyperkalemia Treatment\nShifting Potassium\n- Nebulized albuterol 10-20 mg shifts potassium into cells 1\n",
            ),
        ],
    );
    let index = dir.path().join("index");
    let reply = common::ask_in_article(&corpus, &index, "od-naloxone", "nebulized naloxone dose?");
    assert!(
        reply
            .answer
            .starts_with("The article and its references do not mention nebulized; what they say:"),
        "{}",
        reply.answer
    );
    // A route written another way is written: "IN" is intranasal, "inhaled" nebulized.
    for (article, question) in [
        ("od-naloxone", "IN naloxone dose?"),
        ("k-shift", "inhaled albuterol dose?"),
    ] {
        let reply = common::ask_in_article(&corpus, &index, article, question);
        assert!(!reply.answer.contains("do not mention"), "{}", reply.answer);
    }
}

/// A box on one article of erythema migrans treatment, written here: its contraindications
/// and a lead-in of whom the macrolides are for, with its items.
fn em_box(root: &Path) -> impl Fn(&str) -> AskReply {
    let corpus = common::add_pages(
        root,
        &[(
            "em-treatment",
            "Treatment of Erythema Migrans\nDoxycycline (100 mg twice daily for 10 days) is the preferred first-line treatment for erythema migrans in adults without contraindications. 1\nContraindications\nDoxycycline has important contraindications:\n- Children under 8 years: contraindicated because of tooth staining 1\n- Pregnancy and lactation: avoid because of effects on fetal bone 1\nFor Adults\n- Amoxicillin: 500 mg three times daily for 14 days 1\nMacrolides\nMacrolide antibiotics are not recommended as first-line therapy because of lower efficacy compared to the primary options. They should be reserved for patients who:\n- Have allergies to all first-line agents 1\n- Cannot take doxycycline or amoxicillin for other reasons 1\n",
        )],
    );
    let index = root.join("index");
    move |question| common::ask_in_article(&corpus, &index, "em-treatment", question)
}

#[test]
fn a_quote_for_the_state_the_patient_is_in_comes_first() {
    let dir = TempDir::new().unwrap();
    let ask = em_box(dir.path());
    // Asked for a pregnant patient, what the article says of pregnancy comes first, not the
    // drug it says to avoid in pregnancy.
    let reply = ask("pregnant pt with EM what abx");
    let first = reply.answer.lines().next().unwrap_or_default();
    assert!(
        first.contains("Pregnancy and lactation"),
        "{}",
        reply.answer
    );
    let reply = ask("EM what abx");
    let first = reply.answer.lines().next().unwrap_or_default();
    assert!(first.contains("preferred first-line"), "{}", reply.answer);
}

#[test]
fn a_bullet_is_never_quoted_without_the_lead_in_it_needs() {
    let dir = TempDir::new().unwrap();
    let ask = em_box(dir.path());
    // Whom the macrolides are reserved for: read without "They should be reserved for patients
    // who:", "Have allergies to all first-line agents" says nothing.
    for question in [
        "pregnant pt alternative",
        "pregnant pt alternative abx",
        "macrolides?",
    ] {
        let reply = ask(question);
        let lines: Vec<&str> = reply.answer.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            if line.contains("Have allergies") || line.contains("Cannot take doxycycline") {
                let led = lines[..n]
                    .iter()
                    .any(|l| l.contains("reserved for patients who"));
                assert!(led, "{question}: {}", reply.answer);
            }
        }
    }
}

#[test]
fn asking_which_drug_of_a_class_and_how_long_is_asked_of_that_class() {
    let dir = TempDir::new().unwrap();
    let ask = two_article_box(dir.path());
    // The gout article names no antibiotic: which one, and for how long, it does not say,
    // though it says how long colchicine is continued.
    for question in ["which abx for how long?", "which abx and for how many days"] {
        let reply = ask(question, "gout-flare");
        assert!(
            !reply.covered
                || reply
                    .answer
                    .starts_with("The article and its references give no duration for abx;"),
            "{question}: {}",
            reply.answer
        );
    }
    // The C. difficile article does: its antibiotics and their courses answer.
    let reply = ask("which abx for how long?", "cdi-treatment");
    assert!(reply.covered, "{}", reply.answer);
    assert!(reply.answer.contains("10 days"), "{}", reply.answer);
    // An article naming antibiotics but no course of them says it gives none, though it gives
    // another drug's ("prednisone … for 5 days").
    let corpus = common::add_pages(
        &dir.path().join("copd"),
        &[(
            "copd-flare",
            "Treatment of COPD Exacerbations\nPrescribe prednisone 40 mg orally once daily for 5 days, and add antibiotics only if sputum purulence increases. 1\n",
        )],
    );
    let index = dir.path().join("copd/index");
    let reply = common::ask_in_article(
        &corpus,
        &index,
        "copd-flare",
        "which abx and for how many days",
    );
    assert!(
        reply
            .answer
            .starts_with("The article and its references give no duration for abx;"),
        "{}",
        reply.answer
    );
}

/// The ids and titles a reply names as the articles it draws on.
fn named(reply: &AskReply) -> Vec<(String, String)> {
    reply
        .articles
        .iter()
        .map(|a| (a.id.clone(), a.title.clone()))
        .collect()
}

#[tokio::test]
async fn an_unscoped_question_is_answered_from_one_article_which_the_reply_names() {
    let dir = TempDir::new().unwrap();
    let app = two_article_app(dir.path());
    let cdi = ("cdi-treatment", "Treatment of C. difficile Infection");
    let gout = ("gout-flare", "Treatment of Gout Flares");

    for (question, (article, title), fact) in [
        ("oral vancomycin dose?", cdi, "125 mg"),
        ("max colchicine in the first hour?", gout, "1.8 mg"),
    ] {
        let (status, body) = post(&app, "/api/v1/ask", json!({"question": question})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let reply: AskReply = serde_json::from_str(&body).unwrap();
        assert!(reply.covered, "{question}: {body}");
        assert!(reply.answer.contains(fact), "{question}: {}", reply.answer);
        assert!(
            reply.passages.iter().all(|p| in_scope(&p.doc_id, article)),
            "{question}: every passage from {article}: {body}"
        );
        assert_eq!(
            named(&reply),
            [(article.to_string(), title.to_string())],
            "{question}"
        );
        let raw: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(raw["articles"][0]["id"], article, "the JSON field: {body}");
    }

    // Both articles have a first-line treatment and doses: one of them answers, not a mix.
    let (_, body) = post(
        &app,
        "/api/v1/ask",
        json!({"question": "first-line treatment and dose?"}),
    )
    .await;
    let reply: AskReply = serde_json::from_str(&body).unwrap();
    let [(article, _)] = named(&reply).try_into().expect("one article named");
    assert!(
        reply.passages.iter().all(|p| in_scope(&p.doc_id, &article)),
        "{body}"
    );

    // The streamed reply and the OpenAI facade's `medcite` object name it too.
    let (_, body) = post(
        &app,
        "/api/v1/ask/stream",
        json!({"question": "oral vancomycin dose?"}),
    )
    .await;
    let done = body
        .split("\n\n")
        .find(|b| b.contains("event: done"))
        .and_then(|b| b.lines().find_map(|l| l.strip_prefix("data: ")))
        .expect("done event");
    let reply: AskReply = serde_json::from_str(done).unwrap();
    assert_eq!(named(&reply)[0].0, "cdi-treatment", "{done}");
    let (status, body) = post(
        &app,
        "/v1/chat/completions",
        json!({"model": "medcite", "messages": [{"role": "user", "content": "max colchicine in the first hour?"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let chat: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(chat["medcite"]["articles"][0]["id"], "gout-flare", "{body}");
    assert_eq!(
        chat["medcite"]["articles"].as_array().map(Vec::len),
        Some(1)
    );

    // A follow-up stays with its conversation's article while that article covers it.
    let (_, body) = post(
        &app,
        "/api/v1/ask",
        json!({"question": "for how long?", "history": [{"role": "user", "content": "oral vancomycin dose?"}]}),
    )
    .await;
    let reply: AskReply = serde_json::from_str(&body).unwrap();
    assert!(reply.covered, "{body}");
    assert!(reply.answer.contains("10 days"), "{}", reply.answer);
    assert_eq!(named(&reply)[0].0, "cdi-treatment", "{body}");

    // A question the library does not cover is declined in no article's name.
    let (_, body) = post(
        &app,
        "/api/v1/ask",
        json!({"question": "colchicine in pregnancy?"}),
    )
    .await;
    let reply: AskReply = serde_json::from_str(&body).unwrap();
    assert!(!reply.covered, "{body}");
    assert!(reply.articles.is_empty(), "{body}");

    // A scoped reply names its article.
    let (_, body) = post(
        &app,
        "/api/v1/ask",
        json!({"question": "dose?", "article": "gout-flare"}),
    )
    .await;
    let reply: AskReply = serde_json::from_str(&body).unwrap();
    assert_eq!(
        named(&reply),
        [(gout.0.to_string(), gout.1.to_string())],
        "{body}"
    );
}

#[test]
fn the_command_line_says_which_article_an_unscoped_answer_is_from() {
    let dir = TempDir::new().unwrap();
    let corpus = common::write_two_articles(dir.path());
    let out = common::run_offline(
        &corpus,
        &dir.path().join("index"),
        &["ask", "oral vancomycin dose?", "--offline"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("From: Treatment of C. difficile Infection (cdi-treatment)"),
        "{stdout}"
    );
    assert!(!stdout.contains("gout"), "{stdout}");
}

#[test]
fn an_article_box_reads_a_question_without_a_topic_as_about_the_article() {
    let dir = TempDir::new().unwrap();
    let ask = two_article_box(dir.path());
    // Nothing in "how fast?" names a topic: in the gout article's box it asks about gout flares,
    // and the article's time course answers it.
    let reply = ask("how fast?", "gout-flare");
    assert!(reply.covered, "{}", reply.answer);
    assert!(reply.answer.contains("over one hour"), "{}", reply.answer);
    // A question with nothing to search that no passage of the article answers stays declined.
    let reply = ask("why?", "gout-flare");
    assert!(!reply.covered, "{}", reply.answer);
}

#[test]
fn a_conversation_naming_no_topic_in_a_box_is_about_the_article() {
    let dir = TempDir::new().unwrap();
    let corpus = common::write_two_articles(dir.path());
    let index = dir.path().join("index");
    // Neither "what do we give?" nor "how much" names a topic: in the gout article's box the
    // conversation asks of a gout flare, and the article's doses answer it, first.
    let reply = common::ask_after(
        &corpus,
        &index,
        "gout-flare",
        &["what do we give?"],
        "how much",
    );
    assert!(reply.covered, "{}", reply.answer);
    let first = reply.answer.lines().next().unwrap_or_default();
    assert!(first.contains(" mg"), "{}", reply.answer);
    // Asked first, "what do we give?" asks for a drug: the article's passage naming one
    // answers it.
    let reply = common::ask_in_article(&corpus, &index, "gout-flare", "what do we give?");
    assert!(reply.covered, "{}", reply.answer);
    let first = reply.answer.lines().next().unwrap_or_default();
    assert!(first.contains("Colchicine"), "{}", reply.answer);
    // A follow-up asking nothing of its own ("and then?") asks again what that turn asked.
    let reply = common::ask_after(
        &corpus,
        &index,
        "gout-flare",
        &["what do we give?"],
        "and then?",
    );
    assert!(reply.covered, "{}", reply.answer);
    assert!(reply.answer.contains("Colchicine"), "{}", reply.answer);
    // An earlier turn naming a topic the article lacks still leaves the follow-up declined.
    let reply = common::ask_after(&corpus, &index, "gout-flare", &["lipase?"], "how much");
    assert!(!reply.covered, "{}", reply.answer);
}

#[test]
fn an_option_the_article_does_not_name_is_said_to_be_missing() {
    let dir = TempDir::new().unwrap();
    let ask = two_article_box(dir.path());
    // One alternative is enough to answer, but the other is not passed over in silence.
    let reply = ask("fidaxomicin or rifaximin?", "cdi-treatment");
    assert!(reply.covered, "{}", reply.answer);
    assert!(
        reply.answer.contains("do not mention rifaximin"),
        "{}",
        reply.answer
    );
    assert!(
        reply.answer.contains("200 mg twice daily"),
        "{}",
        reply.answer
    );
    // Both named: nothing is said to be missing.
    let reply = ask("fidaxomicin or vancomycin?", "cdi-treatment");
    assert!(!reply.answer.contains("do not mention"), "{}", reply.answer);
}

#[test]
fn a_word_only_another_article_writes_is_said_missing_in_a_box_whose_sources_lack_it() {
    let dir = TempDir::new().unwrap();
    let corpus = common::add_pages(
        dir.path(),
        &[
            (
                "pancreatitis",
                "Initial Treatment of Acute Pancreatitis\nBegin fluid resuscitation with Lactated Ringer's solution and provide adequate pain control. 1\n",
            ),
            (
                "overdose",
                "Treatment of Opioid Overdose\nGive naloxone 0.4 mg IV for a suspected opioid overdose. 1\n",
            ),
        ],
    );
    let index = dir.path().join("index");
    // The library spells "opioid" as its authors do, so it is no slip: the pancreatitis box,
    // whose sources never name one, says so before what they say of pain.
    let reply = common::ask_in_article(&corpus, &index, "pancreatitis", "opioids ok for pain?");
    assert!(reply.covered, "{}", reply.answer);
    assert!(
        reply
            .answer
            .starts_with("The article and its references do not mention opioids"),
        "{}",
        reply.answer
    );
    assert!(
        reply.answer.contains("adequate pain control"),
        "{}",
        reply.answer
    );
}

#[test]
fn a_word_near_one_only_another_article_writes_is_said_missing_in_a_box_without_it() {
    let dir = TempDir::new().unwrap();
    let corpus = common::add_pages(
        dir.path(),
        &[
            (
                "pancreatitis",
                "Initial Treatment of Acute Pancreatitis\nBegin fluid resuscitation with Lactated Ringer's solution at 1.5 ml/kg/hour. 1\n",
            ),
            (
                "gastroenteritis",
                "Treatment of Gastroenteritis\nGive ondansetron for vomiting that prevents oral rehydration. 1\n",
            ),
        ],
    );
    let index = dir.path().join("index");
    // "vomiting", near "nausea" in meaning, is the other article's word: in the pancreatitis
    // box nothing names nausea, and the answer says so before what it says of fluids.
    let reply = common::ask_in_article(&corpus, &index, "pancreatitis", "fluid rate with nausea?");
    assert!(reply.covered, "{}", reply.answer);
    assert!(
        reply
            .answer
            .starts_with("The article and its references do not mention nausea"),
        "{}",
        reply.answer
    );
}

#[test]
fn an_unscoped_question_goes_to_the_article_naming_its_drug_not_one_sharing_its_phrasing() {
    let dir = TempDir::new().unwrap();
    let corpus = common::add_pages(
        dir.path(),
        &[
            (
                "asthma-dosing",
                "Asthma Cocktail Dosing\nGive a single dose of prednisone after the second albuterol dose. 1\nDosing\n- A single dose of magnesium after the first hour if no response 1\n- Repeat the single dose after 20 minutes 1\n",
            ),
            (
                "lyme-em",
                "Erythema Migrans Treatment\nDoxycycline 100 mg twice daily for 10 days is first-line for erythema migrans. 1\nChildren\n- Amoxicillin 50 mg/kg/day for 14 days 1\n",
            ),
        ],
    );
    // The asthma article shares the question's phrasing ("single dose after") and ranks first,
    // but only the Lyme article names the drug ("doxy"): no article names the tick bite, and
    // the one missing nothing else answers.
    let out = common::run_offline(
        &corpus,
        &dir.path().join("index"),
        &["ask", "single dose doxy after tick bite?", "--json"],
    );
    let reply: AskReply = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(named(&reply)[0].0, "lyme-em", "{}", reply.answer);
    assert!(
        reply.answer.contains("Doxycycline 100 mg"),
        "{}",
        reply.answer
    );
}

#[test]
fn a_question_naming_no_subject_in_a_box_is_about_the_article_s_subject() {
    let dir = TempDir::new().unwrap();
    let corpus = common::add_pages(
        dir.path(),
        &[(
            "gout-nsaids",
            "Treatment of Acute Gout with NSAIDs\nNaproxen is a first-line option for an acute gout flare. 1\nNaproxen\n- Naproxen 500 mg twice daily until the flare resolves 1\n- Do not use in patients with severe kidney disease or an active peptic ulcer 1\n",
        )],
    );
    let index = dir.path().join("index");
    let ask = |question: &str| common::ask_in_article(&corpus, &index, "gout-nsaids", question);
    // "What to avoid?" names no subject, and the article never writes "avoid": its statement
    // of what not to do answers it, first, with no claim that it states none.
    let reply = ask("what to avoid?");
    assert!(reply.covered, "{}", reply.answer);
    assert!(
        reply
            .answer
            .starts_with("- Naproxen: \"Do not use in patients with severe kidney"),
        "{}",
        reply.answer
    );
    // Asked only by a body weight, the dose is the article's subject's: the article states it
    // (no "give no dose for Acute Gout" because the dose line does not name gout).
    let reply = ask("dose for 80 kg pt?");
    assert!(
        reply.answer.starts_with("- \"Naproxen 500 mg twice daily"),
        "{}",
        reply.answer
    );
    // A population the sources do not name, or a subject asked of one, is still declined.
    assert!(!ask("dose for young athletes?").covered);
    assert!(!ask("what to avoid in pregnancy?").covered);
}

#[test]
fn a_lead_in_states_what_it_states_of_what_its_heading_names() {
    let dir = TempDir::new().unwrap();
    let corpus = common::add_pages(
        dir.path(),
        &[(
            "levo",
            "Levothyroxine for Hypothyroidism\nLevothyroxine is the treatment of choice for hypothyroidism. 1\nStandard Dose for Healthy Adults\nFor most adults under 70 years, initiate levothyroxine at approximately 1.6 mcg/kg/day. 1\n- This allows rapid normalization of thyroid function 1\n- Recheck TSH at 6-8 weeks 1\nDose for Older Adults\nFor patients over 70 years, start at 25-50 mcg/day. 1\n",
        )],
    );
    let index = dir.path().join("index");
    // "Healthy" is named only by the heading: the lead-in under it states the dose for them,
    // and the answer does not say the sources give none.
    let reply =
        common::ask_in_article(&corpus, &index, "levo", "starting dose for a healthy 30 yo");
    assert!(
        reply
            .answer
            .starts_with("- \"For most adults under 70 years, initiate levothyroxine"),
        "{}",
        reply.answer
    );
}

#[test]
fn an_abbreviation_no_source_writes_in_any_sense_is_named_as_typed_and_said_missing() {
    let dir = TempDir::new().unwrap();
    let corpus = common::add_pages(
        dir.path(),
        &[
            (
                "pyelo",
                "Treatment of Acute Pyelonephritis\nGive ciprofloxacin 500 mg orally twice daily for 7 days. 1\n",
            ),
            (
                "pancreatitis",
                "Fluids in Acute Pancreatitis\nGive lactated Ringer's at 1.5 ml/kg/hour for the first 24 hours, never hydroxyethyl starch (HES) fluids. 1\n",
            ),
        ],
    );
    let index = dir.path().join("index");
    // Named by an earlier turn, trimethoprim-sulfamethoxazole is written in none of its forms:
    // the answer says so rather than that no duration is given for it.
    let reply = common::ask_after(&corpus, &index, "pyelo", &["TMP-SMX"], "how many days?");
    assert!(
        reply
            .answer
            .starts_with("The article and its references do not mention TMP-SMX;"),
        "{}",
        reply.answer
    );
    // Declined, it is named as typed, not as its analysed words ("tmp smx").
    let reply = common::ask_in_article(&corpus, &index, "pyelo", "TMP-SMX how many days?");
    assert!(!reply.covered, "{}", reply.answer);
    assert!(
        reply.answer.contains("mentions TMP-SMX."),
        "{}",
        reply.answer
    );
    // "hour for the first" and "(HES) fluids" do not spell heart failure out.
    let reply = common::ask_in_article(&corpus, &index, "pancreatitis", "fluids if pt has HF?");
    assert!(!reply.covered, "{}", reply.answer);
}

#[test]
fn a_form_of_a_drug_the_sources_do_not_write_is_said_unmentioned() {
    let dir = TempDir::new().unwrap();
    let corpus = common::add_pages(
        dir.path(),
        &[(
            "hf",
            "Beta-Blockers in Heart Failure\nStart metoprolol succinate 12.5 mg daily in heart failure. 1\nTitration\n- Titrate every 2-4 weeks as tolerated 1\n",
        )],
    );
    let index = dir.path().join("index");
    // The sources name metoprolol, but only as the succinate: the tartrate asked is not theirs.
    let reply = common::ask_in_article(&corpus, &index, "hf", "metoprolol tartrate ok?");
    assert!(
        reply
            .answer
            .starts_with("The article and its references do not mention tartrate;"),
        "{}",
        reply.answer
    );
    let reply = common::ask_in_article(&corpus, &index, "hf", "metoprolol succinate dose?");
    assert!(!reply.answer.contains("do not mention"), "{}", reply.answer);
}

//! Retrieval through the public library API: lenient queries, synonyms, citation expansion,
//! follow-up context, atomic rebuilds and the gold-question bar.

mod common;

use std::fs;

use common::{bundled_corpus, bundled_retriever, repo, write_mini_corpus, write_one_article};
use medcite::contracts::{DocKind, Hit, Turn};
use medcite::corpus::{Corpus, corpus_hash};
use medcite::eval::{evaluate_retrieval, load_gold};
use medcite::index::{Freshness, IndexError, SearchIndex, build, build_from_dir, open_fresh};
use medcite::retrieve::{RetrieveError, Retriever, SearchRequest, Synonyms};
use tempfile::TempDir;

fn search(retriever: &Retriever, query: &str, k: usize) -> Vec<Hit> {
    retriever
        .search(&SearchRequest {
            article: None,
            query,
            history: &[],
            k,
        })
        .unwrap_or_else(|e| panic!("search {query:?} failed: {e}"))
}

fn user(content: &str) -> Turn {
    Turn {
        role: "user".into(),
        content: content.into(),
    }
}

#[test]
fn refractory_rituximab_query_finds_the_62_percent_passage_in_top_3() {
    let (_dir, retriever) = bundled_retriever();
    let hits = search(&retriever, "rituximab for refractory disease", 5);
    let rank = hits
        .iter()
        .position(|h| h.text.contains("62%"))
        .map(|p| p + 1);
    assert!(
        matches!(rank, Some(1..=3)),
        "62% passage at {rank:?}: {hits:#?}"
    );
    assert_eq!(hits[0].kind, DocKind::Article);
}

#[test]
fn query_syntax_in_user_text_is_searched_as_words() {
    let (_dir, retriever) = bundled_retriever();
    for query in [
        "\"IVIG dose",
        "dose: IVIG",
        "(rituximab",
        "rituximab AND IVIG OR NOT tacrolimus",
        "title:rituximab",
        "prednisone^2 ~ taper* [S1] {x} \\ /",
        "anti-SRP + anti-HMGCR -statin",
        "méthotrexate – weekly ≥20 mg?",
    ] {
        let hits = search(&retriever, query, 5);
        assert!(!hits.is_empty(), "no hit for {query:?}");
    }
}

#[test]
fn empty_or_wordless_queries_are_clear_errors() {
    let (_dir, retriever) = bundled_retriever();
    let request = |query| SearchRequest {
        article: None,
        query,
        history: &[],
        k: 5,
    };
    assert!(matches!(
        retriever.search(&request("   ")),
        Err(RetrieveError::EmptyQuery)
    ));
    let err = retriever.search(&request("what is the?!")).unwrap_err();
    assert!(matches!(err, RetrieveError::NoTerms(_)), "{err}");
    assert!(err.to_string().contains("no searchable words"), "{err}");
}

#[test]
fn abbreviations_find_passages_that_spell_them_out() {
    let (_dir, retriever) = bundled_retriever();
    for (query, expected) in [
        ("MTX", "Methotrexate (preferred"),
        ("Bactrim", "trimethoprim-sulfamethoxazole"),
        ("DEXA scan", "dual-energy x-ray absorptiometry"),
        ("CPK target", "creatine kinase (CK)"),
        ("trouble swallowing", "dysphagia"),
        ("cancer screening", "Screen for underlying malignancy"),
        // Shorthand that is question phrasing too: "dx" is still the diagnosis.
        ("when to rethink the dx", "histopathological diagnosis"),
    ] {
        let hits = search(&retriever, query, 5);
        assert!(
            hits.iter().any(|h| h.text.contains(expected)),
            "{query:?} should find {expected:?}: {:#?}",
            hits.iter().map(|h| &h.text).collect::<Vec<_>>()
        );
    }
}

#[test]
fn without_the_synonym_table_abbreviations_find_nothing() {
    let dir = TempDir::new().unwrap();
    let (index, _) = open_fresh(&bundled_corpus(), &dir.path().join("index"), false).unwrap();
    let retriever = Retriever::new(index, Synonyms::default());
    let hits = search(&retriever, "Bactrim", 5);
    assert!(hits.is_empty(), "{hits:#?}");
}

#[test]
fn an_article_passage_is_followed_by_the_best_passage_of_the_reference_it_cites() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    write_mini_corpus(&corpus);
    let (retriever, _) = Retriever::open(&corpus, &dir.path().join("index"), false).unwrap();
    let hits = search(&retriever, "rituximab refractory", 5);
    let ids: Vec<&str> = hits.iter().map(|h| h.chunk_id.as_str()).collect();
    // The reference's passage comes right after the article passage citing it.
    assert_eq!(ids[0], "mini#1", "{hits:#?}");
    assert_eq!(ids[1], "mini-ref#1", "{hits:#?}");
    assert!(hits[1].score < hits[0].score);
}

#[test]
fn citation_expansion_on_the_bundled_corpus_adds_no_duplicates() {
    let (_dir, retriever) = bundled_retriever();
    let hits = search(&retriever, "relapse during steroid taper", 10);
    let expanded = hits.windows(2).any(|pair| {
        pair[0].kind == DocKind::Article
            && pair[1].kind == DocKind::Reference
            && pair[0].cites.contains(&pair[1].doc_id)
    });
    assert!(
        expanded,
        "no reference passage follows its citing passage: {hits:#?}"
    );
    let ids: Vec<&str> = hits.iter().map(|h| h.chunk_id.as_str()).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "duplicates in {ids:?}");
    let ranks: Vec<usize> = hits.iter().map(|h| h.rank).collect();
    assert_eq!(ranks, (1..=hits.len()).collect::<Vec<_>>());
}

#[test]
fn an_elliptical_follow_up_searches_the_previous_topic() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    write_mini_corpus(&corpus);
    fs::copy(
        bundled_corpus().join("synonyms.toml"),
        corpus.join("synonyms.toml"),
    )
    .unwrap();
    let (retriever, _) = Retriever::open(&corpus, &dir.path().join("index"), false).unwrap();
    let alone = search(&retriever, "what dose?", 3);
    let history = [user("tell me about rituximab")];
    let follow_up = retriever
        .search(&SearchRequest {
            article: None,
            query: "what dose?",
            history: &history,
            k: 3,
        })
        .unwrap();
    assert!(
        follow_up[0].text.starts_with("Rituximab dosing"),
        "{follow_up:#?}"
    );
    assert!(
        follow_up.iter().all(|h| h.text.contains("ituximab")),
        "{follow_up:#?}"
    );
    assert!(
        alone.iter().any(|h| h.text.contains("prednisone")),
        "{alone:#?}"
    );
}

#[test]
fn the_previous_turn_steers_a_vague_follow_up_on_the_bundled_corpus() {
    let (_dir, retriever) = bundled_retriever();
    let history = [
        user("tell me about rituximab"),
        Turn {
            role: "assistant".into(),
            content: "Rituximab helped about 62% of refractory patients.".into(),
        },
    ];
    let hits = retriever
        .search(&SearchRequest {
            article: None,
            query: "what dose?",
            history: &history,
            k: 3,
        })
        .unwrap();
    assert!(
        hits.iter()
            .all(|h| h.text.to_lowercase().contains("rituximab")),
        "{hits:#?}"
    );
}

#[test]
fn asked_whether_a_source_is_confirmed_search_brings_that_sources_own_statement() {
    let (_dir, retriever) = bundled_retriever();
    let history = [user("where does the 62% rituximab figure come from?")];
    let hits = retriever
        .search(&SearchRequest {
            article: None,
            query: "is that source confirmed?",
            history: &history,
            k: 5,
        })
        .unwrap();
    let cited_for = hits
        .iter()
        .position(|h| h.doc_id == "article-ref-4-untraced")
        .unwrap_or_else(|| panic!("{hits:#?}"));
    // Right after the reference's first passage comes the one saying it could not be traced.
    assert!(
        hits[cited_for + 1].doc_id == "article-ref-4-untraced"
            && hits[cited_for + 1].text.contains("could not be traced"),
        "{hits:#?}"
    );
    // A question that is not about a source's standing brings no such passage.
    let hits = search(&retriever, "rituximab in refractory disease", 5);
    assert!(
        !hits.iter().any(|h| h.text.contains("could not be traced")),
        "{hits:#?}"
    );
}

#[test]
fn the_previous_turn_adds_weight_without_overriding_a_new_topic() {
    let (_dir, retriever) = bundled_retriever();
    let history = [user("does rituximab help anti-SRP patients?")];
    let hits = retriever
        .search(&SearchRequest {
            article: None,
            query: "what about tacrolimus?",
            history: &history,
            k: 3,
        })
        .unwrap();
    assert!(hits[0].text.contains("Tacrolimus"), "{hits:#?}");
}

#[test]
fn a_build_that_fails_midway_leaves_the_old_index_searchable() {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("index");
    let first = build_from_dir(&bundled_corpus(), &root, false).unwrap();
    let corpus = Corpus::load(&bundled_corpus()).unwrap();
    let hash = corpus_hash(&bundled_corpus()).unwrap();
    let synonyms = Synonyms::load(&bundled_corpus().join("synonyms.toml")).unwrap();
    let failed = build(&corpus, &synonyms, &root, "another-hash", false, |n| {
        if n == 5 {
            Err(IndexError::Cancelled(
                "simulated failure at passage 5".into(),
            ))
        } else {
            Ok(())
        }
    });
    assert!(matches!(failed, Err(IndexError::Cancelled(_))));
    let index = SearchIndex::open(&root).unwrap();
    assert_eq!(index.generation, first.generation);
    assert_eq!(index.manifest.corpus_hash, hash);
    let leftovers: Vec<String> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("build-"))
        .collect();
    assert!(leftovers.is_empty(), "staging left behind: {leftovers:?}");
    let retriever = Retriever::new(index, Synonyms::default());
    assert!(!search(&retriever, "rituximab", 3).is_empty());
}

#[test]
fn a_changed_corpus_is_reindexed_and_a_broken_one_keeps_the_old_index() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    let root = dir.path().join("index");
    write_mini_corpus(&corpus);
    let (_, freshness) = open_fresh(&corpus, &root, false).unwrap();
    assert!(matches!(freshness, Freshness::Rebuilt(_)));
    let (_, freshness) = open_fresh(&corpus, &root, false).unwrap();
    assert!(matches!(freshness, Freshness::Fresh));

    let article = corpus.join("articles/mini.md");
    let text = fs::read_to_string(&article).unwrap();
    fs::write(
        &article,
        format!("{text}\nPlasmapheresis was also tried.\n"),
    )
    .unwrap();
    let (index, freshness) = open_fresh(&corpus, &root, false).unwrap();
    assert!(matches!(freshness, Freshness::Rebuilt(_)));
    let retriever = Retriever::new(index, Synonyms::default());
    assert_eq!(search(&retriever, "plasmapheresis", 3).len(), 1);

    fs::write(&article, text.replace("[1]", "[9]")).unwrap();
    let (index, freshness) = open_fresh(&corpus, &root, false).unwrap();
    let Freshness::Stale { reason } = freshness else {
        panic!("expected the old index to keep serving");
    };
    assert!(
        reason.contains("mini.md") && reason.contains("[9]"),
        "{reason}"
    );
    let retriever = Retriever::new(index, Synonyms::default());
    assert_eq!(search(&retriever, "plasmapheresis", 3).len(), 1);
}

#[test]
fn gold_questions_reach_recall_at_5_of_at_least_0_9() {
    let (_dir, retriever) = bundled_retriever();
    let gold = load_gold(&repo().join("tests/gold/retrieval.toml")).unwrap();
    assert!(gold.len() >= 30, "only {} gold questions", gold.len());
    let report = evaluate_retrieval(&retriever, &gold, 10).unwrap().parts.all;
    println!(
        "recall@1 {:.3} recall@5 {:.3} MRR {:.3} on {} questions",
        report.recall_at_1, report.recall_at_5, report.mrr, report.questions
    );
    assert!(report.recall_at_5 >= 0.9, "{report:#?}");
}

/// A corpus nobody wrote synonyms for: a question in other words than the passage's still finds
/// it through the word table (with semantic matching off, BM25 alone does not, unless the words
/// are a general synonym group), a misspelt drug through its near spelling.
#[test]
fn related_words_and_misspellings_find_passages_without_synonyms() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    write_one_article(
        &corpus,
        "plain",
        "+++\nid = \"plain\"\ntitle = \"Plain Article\"\nquestion = \"How is it managed?\"\nupdated = \"2025-01-01\"\n+++\n\n# Plain Article\n\n## Monitoring\n\nRenal function is checked every month.\n\n## Screening\n\nMalignancy screening is advised at diagnosis.\n\n## Drugs\n\nMethotrexate is given weekly; it is an immune suppressant.\n",
    );
    let (retriever, _) = Retriever::open(&corpus, &dir.path().join("index"), false).unwrap();
    assert!(retriever.semantic().is_some(), "the built-in table loads");
    for (query, expected) in [
        ("kidney tests", "Renal function"),
        ("cancer workup", "Malignancy screening"),
        ("metotrexate", "Methotrexate"),
    ] {
        let hits = search(&retriever, query, 3);
        assert!(
            hits.first().is_some_and(|h| h.text.starts_with(expected)),
            "{query:?}: {hits:#?}"
        );
    }
    // Coverage: a closely related word stands for the question's term; a loosely related one
    // ("vaccine" and "immune") does not.
    let covered = |retriever: &Retriever, query: &str| {
        let request = SearchRequest {
            article: None,
            query,
            history: &[],
            k: 5,
        };
        let hits = retriever.search(&request).unwrap_or_default();
        retriever.coverage(&request, &hits).covered
    };
    assert!(covered(&retriever, "how often to check kidney function?"));
    assert!(!covered(
        &retriever,
        "vaccine schedule before starting methotrexate?"
    ));
    let bm25_only = retriever.with_semantic(None);
    // A part of the body and its adjective ("kidney", "renal") are general synonyms, compiled
    // in (data/body-adjectives.tsv): BM25 finds them alone.
    assert!(covered(&bm25_only, "how often to check kidney function?"));
    // "cancer" ↔ "malignancy" is a general synonym group, compiled in: BM25 finds it alone.
    let general = search(&bm25_only, "cancer workup", 3);
    assert!(
        general
            .first()
            .is_some_and(|h| h.text.starts_with("Malignancy screening")),
        "{general:#?}"
    );
}

/// A misspelt drug is searched as the drug it is nearest to (its BM25 weight and its synonym
/// group), so a passage naming it once in a long sentence outranks short passages that only
/// share an ordinary word of the question; a drug the synonym table knows ("ampicillin") is no
/// misspelling of another ("amoxicillin"), even when no passage names it.
#[test]
fn a_misspelt_drug_counts_as_the_drug_and_a_known_drug_is_not_respelt() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    let mut body = String::from(
        "+++\nid = \"mixed\"\ntitle = \"Mixed Article\"\nquestion = \"What is given?\"\nupdated = \"2025-01-01\"\n+++\n\n# Mixed Article\n\n## Summary\n\nThe best empiric therapy for this patient is dexamethasone plus ceftriaxone and vancomycin, given before the first antibiotic dose in a patient with fever, neck stiffness and confusion whose spinal fluid shows many neutrophils.\n\n## Doses\n\n",
    );
    for n in 1..=6 {
        body.push_str(&format!(
            "- Dose {n}: one tablet; repeat the dose when needed.\n"
        ));
    }
    body.push_str("\n## Rash\n\nAmoxicillin 500 mg three times daily for 14 days.\n");
    write_one_article(&corpus, "mixed", &body);
    let (retriever, _) = Retriever::open(&corpus, &dir.path().join("index"), false).unwrap();
    let hits = search(&retriever, "dexamethsone dose", 3);
    assert!(
        hits.first()
            .is_some_and(|h| h.text.contains("dexamethasone plus ceftriaxone")),
        "{hits:#?}"
    );
    let request = SearchRequest {
        article: None,
        query: "need ampicillin for listeria?",
        history: &[],
        k: 5,
    };
    let hits = retriever.search(&request).unwrap_or_default();
    assert!(
        !hits.iter().any(|h| h.text.contains("Amoxicillin")),
        "{hits:#?}"
    );
    assert!(!retriever.coverage(&request, &hits).covered);
}

/// BM25's statistics are the searcher's, over all segments, so a search over the build's
/// segments (searched in parallel) finds and scores the same passages as over one segment.
#[test]
fn the_same_passages_in_one_segment_rank_and_score_the_same() {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("index");
    let built = build_from_dir(&bundled_corpus(), &root, false).unwrap();
    let gold = load_gold(&repo().join("tests/gold/retrieval.toml")).unwrap();
    let ranked = |index: SearchIndex| -> Vec<Vec<(String, u32)>> {
        let retriever = Retriever::new(
            index,
            Synonyms::load(&bundled_corpus().join("synonyms.toml")).unwrap(),
        );
        gold.iter()
            .map(|q| {
                let mut hits: Vec<(String, u32)> = search(&retriever, &q.question, 10)
                    .into_iter()
                    .map(|h| (h.chunk_id, h.score.to_bits()))
                    .collect();
                // Passages of exactly the same score may come in either order.
                hits.sort_by(|a, b| {
                    f32::from_bits(b.1)
                        .total_cmp(&f32::from_bits(a.1))
                        .then_with(|| a.0.cmp(&b.0))
                });
                hits
            })
            .collect()
    };
    let as_built = ranked(SearchIndex::open(&root).unwrap());

    let index = tantivy::Index::open_in_dir(&built.generation).unwrap();
    let segments = index.searchable_segment_ids().unwrap();
    let mut writer: tantivy::IndexWriter = index.writer(50_000_000).unwrap();
    writer.merge(&segments).wait().unwrap();
    writer.wait_merging_threads().unwrap();
    let merged = SearchIndex::open(&root).unwrap();
    assert_eq!(merged.reader.searcher().segment_readers().len(), 1);

    // The same passages with the same scores, up to the last bits of a float sum, which the
    // scorer may add up in another order over one segment than over several.
    let merged = ranked(merged);
    assert_eq!(merged.len(), as_built.len());
    for (one, many) in merged.iter().zip(&as_built) {
        let ids = |hits: &[(String, u32)]| {
            let mut ids: Vec<String> = hits.iter().map(|(id, _)| id.clone()).collect();
            ids.sort();
            ids
        };
        assert_eq!(ids(one), ids(many), "{one:?} against {many:?}");
        for (id, bits) in one {
            let score = f32::from_bits(*bits);
            let other = many
                .iter()
                .find(|(other, _)| other == id)
                .map(|(_, b)| f32::from_bits(*b))
                .unwrap();
            assert!(
                (score - other).abs() <= 1e-5 * score.abs().max(1.0),
                "{id}: {score} against {other}"
            );
        }
    }
}

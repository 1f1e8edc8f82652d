//! The JSON handlers of `/api/v1` and `/healthz`: each parses its input, calls one library
//! function and returns the contract shape of DESIGN.md (or an [`ApiError`]).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::error::{ApiError, ApiJson, ApiPath, ApiQuery};
use super::ratelimit::Caller;
use super::sse::AskRun;
use crate::answer::AskEvent;
use crate::contracts::{AskReply, AskRequest, DocKind, DosingReport, ErrorBody, SearchReply};
use crate::corpus::{DocMeta, is_valid_id};
use crate::retrieve::{MAX_K, SearchRequest};

/// Hits a search returns when the request does not say (as the CLI).
pub const DEFAULT_SEARCH_K: usize = 5;

/// Query of `GET /api/v1/search`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// What to look for; any text.
    #[serde(default)]
    pub q: String,
    /// Number of hits, 1 to 100 (default 5).
    #[param(minimum = 1, maximum = 100)]
    pub k: Option<usize>,
    /// Only this article (its id) and the references it cites.
    #[serde(default)]
    pub article: Option<String>,
}

/// Body of `POST /api/v1/check-dosing`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckDosingRequest {
    /// Any text with dose statements.
    pub text: String,
}

/// Reply of `GET /healthz`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok` once an index generation is loaded.
    pub status: String,
    /// Passages in the served index.
    pub passages: usize,
    /// The served index generation (`gen-000003`).
    pub generation: String,
    /// `llm` when an LLM is configured, else `offline`.
    pub mode: String,
}

/// Reply of `GET /api/v1/documents/{id}`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DocumentReply {
    pub id: String,
    pub kind: DocKind,
    pub title: String,
    /// The front matter as written (article: question, updated, references; reference note:
    /// bibliographic facts).
    #[schema(value_type = Object)]
    pub meta: serde_json::Value,
    /// The Markdown body.
    pub body: String,
    /// For an article, its numbered references; for a reference note, empty.
    pub references: Vec<ReferenceEntry>,
    /// For a reference note, the ids of the articles that cite it.
    pub cited_by: Vec<String>,
}

/// One numbered reference of an article.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReferenceEntry {
    pub number: u32,
    pub id: String,
    pub title: String,
    /// The bibliographic line ("Authors. Title. Journal Year;Vol(Issue):Pages. PMID …").
    pub citation: String,
    /// False when the publication behind the citation could not be traced.
    pub identified: bool,
}

#[utoipa::path(get, path = "/api/v1/search", tag = "api", params(SearchParams),
    responses((status = 200, description = "Passages, best first", body = SearchReply),
        (status = 400, description = "Empty query, no searchable words, or k out of 1..=100", body = ErrorBody)))]
/// Offline passage search, no LLM.
pub async fn search(
    State(state): State<Arc<AppState>>,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Json<SearchReply>, ApiError> {
    search_reply(&state, params).await.map(Json)
}

/// The search of `params` on the CPU pool (the route's and the MCP tool's).
pub(super) async fn search_reply(
    state: &AppState,
    params: SearchParams,
) -> Result<SearchReply, ApiError> {
    let k = params.k.unwrap_or(DEFAULT_SEARCH_K);
    if k == 0 || k > MAX_K {
        return Err(ApiError::bad_request(
            "bad_k",
            format!("k must be between 1 and {MAX_K}, not {k}"),
        ));
    }
    let loaded = state.loaded();
    let query = params.q.clone();
    let article = params.article.clone();
    let hits = state
        .pool
        .run(move || {
            loaded.engine.retriever.search(&SearchRequest {
                article: article.as_deref(),
                query: &query,
                history: &[],
                k,
            })
        })
        .await??;
    Ok(SearchReply {
        query: params.q,
        hits,
    })
}

#[utoipa::path(post, path = "/api/v1/ask", tag = "api", request_body = AskRequest,
    responses((status = 200, description = "A verified, cited answer", body = AskReply),
        (status = 400, description = "Empty or too long question, bad k or history role", body = ErrorBody),
        (status = 409, description = "Mode llm asked for but no LLM is configured", body = ErrorBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 415, description = "Body not sent as application/json", body = ErrorBody),
        (status = 422, description = "Unknown or mistyped field", body = ErrorBody)))]
/// A grounded answer: quotes from the article and its references, verified and dose-checked.
pub async fn ask(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ApiJson(request): ApiJson<AskRequest>,
) -> Result<Json<AskReply>, ApiError> {
    ask_reply(state, caller, request).await.map(Json)
}

/// The whole answer to `request`, within the model budget and the CPU pool, audited (the
/// route's and the MCP tool's).
pub(super) async fn ask_reply(
    state: Arc<AppState>,
    caller: Caller,
    request: AskRequest,
) -> Result<AskReply, ApiError> {
    let (first, run) = AskRun::start(state, caller, request, false).await?;
    Ok(match first {
        AskEvent::Done(reply) => *reply,
        _ => run.reply().await?,
    })
}

#[utoipa::path(post, path = "/api/v1/check-dosing", tag = "api", request_body = CheckDosingRequest,
    responses((status = 200, description = "Every dose statement with its verdict", body = DosingReport),
        (status = 422, description = "Body is not {\"text\": \"...\"}", body = ErrorBody),
        (status = 503, description = "The corpus has no dosing rules", body = ErrorBody)))]
/// The dosing check of any text.
pub async fn check_dosing(
    State(state): State<Arc<AppState>>,
    ApiJson(request): ApiJson<CheckDosingRequest>,
) -> Result<Json<DosingReport>, ApiError> {
    dosing_report(&state, request).await.map(Json)
}

/// The dosing check of `request.text` on the CPU pool (the route's and the MCP tool's).
pub(super) async fn dosing_report(
    state: &AppState,
    request: CheckDosingRequest,
) -> Result<DosingReport, ApiError> {
    let loaded = state.loaded();
    if loaded.engine.dosing().is_none() {
        return Err(ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "no_dosing_rules",
            "this corpus has no dosing/rules.toml, so doses cannot be checked",
        ));
    }
    let report = state
        .pool
        .run(move || {
            loaded
                .engine
                .dosing()
                .map(|rules| crate::dosing::check_text(rules, &request.text))
                .unwrap_or_default()
        })
        .await?;
    crate::telemetry::dosing("check_dosing", &report);
    Ok(report)
}

/// Reply of `GET /api/v1/articles`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ArticleList {
    /// The corpus's articles, in catalogue order.
    pub articles: Vec<ArticleEntry>,
}

/// One article of the corpus, with what a client needs to ask about it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ArticleEntry {
    /// The id to pass as `article` to search and ask.
    pub id: String,
    pub title: String,
    /// The clinical question the article answers.
    pub question: String,
    /// Date of last update, `YYYY-MM-DD`; empty when unknown.
    pub updated: String,
    /// Numbered references the article cites.
    pub references: usize,
}

#[utoipa::path(get, path = "/api/v1/articles", tag = "api",
    responses((status = 200, description = "The corpus's articles", body = ArticleList)))]
/// The articles of the corpus, to choose one to ask about.
pub async fn articles(State(state): State<Arc<AppState>>) -> Json<ArticleList> {
    Json(article_list(&state))
}

/// The articles of the served generation (the route's and the MCP tool's).
pub(super) fn article_list(state: &AppState) -> ArticleList {
    let loaded = state.loaded();
    let articles = loaded
        .corpus
        .documents
        .iter()
        .filter_map(|doc| match &doc.meta {
            DocMeta::Article(article) => Some(ArticleEntry {
                id: doc.id.clone(),
                title: doc.title.clone(),
                question: article.question.clone(),
                updated: article.updated.clone(),
                references: article.references.len(),
            }),
            DocMeta::Reference(_) => None,
        })
        .collect();
    ArticleList { articles }
}

#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "api",
    params(("id" = String, Path, description = "Document id: lowercase letters, digits, dashes")),
    responses((status = 200, description = "The document with its metadata and references", body = DocumentReply),
        (status = 400, description = "Not the shape of a document id", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody)))]
/// A corpus document (article or reference note) with its metadata and references.
pub async fn document(
    State(state): State<Arc<AppState>>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<DocumentReply>, ApiError> {
    if !is_valid_id(&id) {
        return Err(ApiError::bad_request(
            "bad_id",
            "a document id is 1 to 128 lowercase letters, digits and dashes",
        ));
    }
    let loaded = state.loaded();
    let corpus = &loaded.corpus;
    let Some(doc) = corpus.document(&id) else {
        return Err(ApiError::not_found(format!(
            "no document has the id '{id}'"
        )));
    };
    let meta = serde_json::to_value(&doc.meta)
        .map_err(|e| ApiError::internal(format!("could not describe the document: {e}")))?;
    let references = match &doc.meta {
        DocMeta::Article(article) => super::page::numbered_references(corpus, article)
            .into_iter()
            .map(|(number, reference)| ReferenceEntry {
                number,
                id: reference.id.clone(),
                title: reference.title.clone(),
                citation: reference.citation_line(),
                identified: reference.identified,
            })
            .collect(),
        DocMeta::Reference(_) => Vec::new(),
    };
    let cited_by = corpus
        .documents
        .iter()
        .filter(|d| matches!(&d.meta, DocMeta::Article(a) if a.references.values().any(|r| *r == doc.id)))
        .map(|d| d.id.clone())
        .collect();
    Ok(Json(DocumentReply {
        id: doc.id.clone(),
        kind: doc.kind,
        title: doc.title.clone(),
        meta,
        body: doc
            .read_body()
            .map_err(|e| ApiError::internal(format!("could not read the document: {e}")))?,
        references,
        cited_by,
    }))
}

#[utoipa::path(get, path = "/healthz", tag = "service",
    responses((status = 200, description = "An index generation is loaded", body = Health)))]
/// 200 when the index is loaded.
pub async fn healthz(State(state): State<Arc<AppState>>) -> Json<Health> {
    let loaded = state.loaded();
    Json(Health {
        status: "ok".into(),
        passages: loaded.engine.retriever.index.manifest.chunks,
        generation: loaded.generation_name(),
        mode: if loaded.engine.llm().is_some() {
            "llm"
        } else {
            "offline"
        }
        .into(),
    })
}

/// Reply of `GET /readyz`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Readiness {
    /// `ready`; `saturated` when a new search or offline answer would be turned away (503);
    /// `index_missing` when the served generation's folder is gone.
    pub status: String,
    /// The served index generation (`gen-000003`).
    pub generation: String,
    /// Requests running or waiting on the CPU pool, and its threads.
    pub pool_in_use: usize,
    pub pool_threads: usize,
    /// Questions with the model now.
    pub model_in_flight: usize,
}

#[utoipa::path(get, path = "/readyz", tag = "service",
    responses((status = 200, description = "Ready for more requests", body = Readiness),
        (status = 503, description = "Saturated, or the index is missing", body = Readiness)))]
/// Whether this server should be sent more requests now (for a load balancer).
pub async fn readyz(
    State(state): State<Arc<AppState>>,
) -> (axum::http::StatusCode, Json<Readiness>) {
    let loaded = state.loaded();
    let status = if !loaded.generation.is_dir() {
        "index_missing"
    } else if state.pool.saturated() {
        "saturated"
    } else {
        "ready"
    };
    let code = if status == "ready" {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    };
    (
        code,
        Json(Readiness {
            status: status.into(),
            generation: loaded.generation_name(),
            pool_in_use: state.pool.in_use(),
            pool_threads: state.pool.size(),
            model_in_flight: state.budget.in_flight(),
        }),
    )
}

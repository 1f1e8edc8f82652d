//! `medcite serve`: the HTTP API of DESIGN.md (docs/api.md), its OpenAI-compatible facade, MCP
//! (`/mcp`, and `medcite mcp` on stdio), `/metrics` and the follow-up chat page, over one shared
//! [`AppState`]. Handlers are thin: they call the same library
//! functions as the CLI (`Engine::ask`, `Retriever::search`, `dosing::check_text`) and decide
//! nothing about answers themselves. A background task swaps in a new index generation when
//! `medcite index` writes one, without a restart.

mod audit;
mod budget;
mod connections;
mod error;
mod feedback;
mod limits;
mod mcp;
mod metrics;
mod openai;
mod openapi;
mod page;
mod pool;
mod ratelimit;
mod routes;
mod sse;
mod suggest;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Request, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::answer::Engine;
use crate::compose::LlmComposer;
use crate::corpus::{Corpus, CorpusError};
use crate::dosing::{DosingError, DosingRules};
use crate::index::{Freshness, IndexError, SearchIndex, current_generation};
use crate::retrieve::{RetrieveError, Retriever, Synonyms};

pub use audit::{AuditContext, AuditDose, AuditError, AuditLog, AuditRecord, AuditSettings};
pub use connections::{ConnectionLimits, fd_limit};
pub use error::ApiError;
pub use limits::{
    DEFAULT_TIMEOUT_SECS, MAX_BODY_BYTES, MAX_HEADER_BYTES, MAX_HEADERS, MAX_URI_BYTES, Settings,
    SettingsError,
};
pub use mcp::McpServer;
pub use openapi::openapi_document;
pub use ratelimit::{Client, REQUEST_ID};

use budget::ModelBudget;
use pool::CpuPool;
use ratelimit::{Caller, RateLimits};

/// How often the background task looks at `index/CURRENT` for a new generation.
pub const RELOAD_EVERY: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Retrieve(#[from] RetrieveError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    #[error(transparent)]
    Dosing(#[from] DosingError),
    #[error(transparent)]
    Synonyms(#[from] crate::synonyms::SynonymsError),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error("cannot listen on {addr}: {source}; pass another --addr HOST:PORT")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the server stopped with an error: {0}")]
    Io(#[from] std::io::Error),
    #[error("loading the index failed unexpectedly: {0}")]
    Task(String),
    #[error("the MCP session failed: {0}")]
    Mcp(String),
}

/// What `medcite serve` needs from the command line.
pub struct ServeConfig {
    /// `HOST:PORT` to listen on.
    pub addr: String,
    pub corpus: PathBuf,
    pub index: PathBuf,
    /// The LLM composer, or `None` for offline (extractive) answers.
    pub llm: Option<LlmComposer>,
    /// Whether to draw a progress bar while (re)building the index at start.
    pub progress: bool,
    /// Where the audit log goes, or `None` to serve without one.
    pub audit: Option<AuditSettings>,
    /// How the log lines on standard error are written.
    pub log_format: LogFormat,
}

/// How the log lines on standard error are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// For people: one line per event.
    #[default]
    Text,
    /// For log collectors: one JSON object per line.
    Json,
}

/// Everything one index generation serves; replaced whole when a new generation is swapped in,
/// so a request never mixes two.
pub struct Loaded {
    /// The engine, with the corpus's dosing rules when it has `dosing/rules.toml`.
    pub engine: Engine,
    pub corpus: Corpus,
    /// The generation directory being served.
    pub generation: PathBuf,
    /// The page at `/`, rendered once from the corpus: its only article, or the list of its
    /// articles.
    page: String,
    /// Suggested follow-ups of each article page rendered so far (each costs a few offline
    /// asks, so they are found once per generation, when the page is first asked for).
    suggestions: Mutex<HashMap<String, Arc<[String]>>>,
}

impl Loaded {
    pub fn new(engine: Engine, corpus: Corpus, generation: PathBuf) -> Loaded {
        let page = if page::articles(&corpus).nth(1).is_some() {
            page::render_library(&corpus, mode_line(&engine, true), 1).unwrap_or_default()
        } else {
            let suggestions = page::first_article(&corpus)
                .and_then(|(doc, _)| doc.read_body().ok())
                .map(|markdown| suggest::suggestions(&engine, &markdown, None))
                .unwrap_or_default();
            page::render(&corpus, mode_line(&engine, false), &suggestions)
        };
        Loaded {
            engine,
            corpus,
            generation,
            page,
            suggestions: Mutex::new(HashMap::new()),
        }
    }

    /// Page `page` of the library's list of articles, when it has several articles and such a
    /// page.
    pub fn library_page(&self, page: usize) -> Option<String> {
        page::articles(&self.corpus).nth(1)?;
        page::render_library(&self.corpus, mode_line(&self.engine, true), page)
    }

    /// The page of article `id` with a box that asks about it alone (blocking: the first time,
    /// its suggestions are asked offline).
    pub fn article_page(&self, id: &str) -> Result<String, page::NoArticle> {
        let Some((doc, meta)) = page::articles(&self.corpus).find(|(doc, _)| doc.id == id) else {
            return Err(page::NoArticle(id.to_string()));
        };
        let suggestions = self.article_suggestions(doc);
        Ok(page::render_article(
            &self.corpus,
            doc,
            meta,
            mode_line(&self.engine, false),
            &suggestions,
            page::Place::article(&doc.id),
        ))
    }

    fn article_suggestions(&self, doc: &crate::corpus::Document) -> Arc<[String]> {
        let known = |cache: &HashMap<String, Arc<[String]>>| cache.get(&doc.id).cloned();
        if let Some(found) = known(&self.lock_suggestions()) {
            return found;
        }
        let found: Arc<[String]> = doc
            .read_body()
            .map(|markdown| suggest::suggestions(&self.engine, &markdown, Some(&doc.id)))
            .unwrap_or_default()
            .into();
        self.lock_suggestions()
            .insert(doc.id.clone(), found.clone());
        found
    }

    fn lock_suggestions(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<[String]>>> {
        self.suggestions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The generation's directory name (`gen-000003`).
    pub fn generation_name(&self) -> String {
        self.generation
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// The server's shared state: the loaded generation (swappable), the settings and the limits
/// they set, the audit log, and where the corpus and index live.
pub struct AppState {
    loaded: RwLock<Arc<Loaded>>,
    pub settings: Settings,
    rate_limits: RateLimits,
    budget: ModelBudget,
    pool: CpuPool,
    audit: Option<AuditLog>,
    /// Readers' feedback, beside the audit log (none without one).
    feedback: Option<Arc<feedback::FeedbackLog>>,
    corpus_dir: PathBuf,
    index_dir: PathBuf,
}

impl AppState {
    pub fn new(loaded: Loaded, settings: Settings, corpus_dir: &Path, index_dir: &Path) -> Self {
        AppState {
            loaded: RwLock::new(Arc::new(loaded)),
            rate_limits: RateLimits::new(settings.rate_limit, settings.bad_tokens_per_minute),
            budget: ModelBudget::new(settings.llm_concurrency, settings.llm_asks_per_minute),
            pool: CpuPool::sized(settings.cpu_slots, settings.queue_depth),
            audit: None,
            feedback: None,
            settings,
            corpus_dir: corpus_dir.to_path_buf(),
            index_dir: index_dir.to_path_buf(),
        }
    }

    /// The state writing one line per answered question to `audit`, and readers' feedback
    /// beside it.
    pub fn with_audit(mut self, audit: AuditLog) -> Self {
        self.feedback = Some(Arc::new(feedback::FeedbackLog::new(
            audit.dir(),
            feedback::MAX_FILE_BYTES,
        )));
        self.audit = Some(audit);
        self
    }

    /// Writes the audit line of `reply` (blocking; from the thread that answered).
    fn audit(
        &self,
        caller: &Caller,
        loaded: &Loaded,
        question: &str,
        reply: &crate::contracts::AskReply,
        started: Instant,
    ) {
        let Some(audit) = &self.audit else {
            return;
        };
        let is_article = |id: &str| {
            loaded
                .corpus
                .document(id)
                .is_some_and(|d| d.kind == crate::contracts::DocKind::Article)
        };
        audit.record(
            &AuditContext {
                request_id: &caller.request_id,
                question,
                model: loaded.engine.llm().map(|llm| llm.config().model.as_str()),
                is_article: &is_article,
                latency: started.elapsed(),
            },
            reply,
        );
    }

    /// Forgets rate-limit state of clients idle long enough for their quotas to be whole.
    pub fn forget_idle_clients(&self) {
        self.rate_limits.forget_idle();
        self.budget.forget_idle();
    }

    /// Opens (building or refreshing first, as the CLI does) the index for the corpus, loads the
    /// corpus and its dosing rules, and says how it found the index.
    pub fn open(
        corpus_dir: &Path,
        index_dir: &Path,
        llm: Option<LlmComposer>,
        settings: Settings,
        progress: bool,
    ) -> Result<(AppState, Freshness), ServeError> {
        let (mut retriever, freshness) = Retriever::open(corpus_dir, index_dir, progress)?;
        retriever.index.executor = pool::search_executor(settings.search_threads);
        let corpus = Corpus::load_catalogue(corpus_dir)?;
        let generation = retriever.index.generation.clone();
        let rules = load_dosing(corpus_dir)?;
        let engine = Engine::new(retriever, llm).with_dosing(Arc::new(rules));
        let loaded = Loaded::new(engine, corpus, generation);
        Ok((
            AppState::new(loaded, settings, corpus_dir, index_dir),
            freshness,
        ))
    }

    /// The generation being served now.
    pub fn loaded(&self) -> Arc<Loaded> {
        match self.loaded.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// When `index/CURRENT` names another generation than the one served, opens it (with the
    /// corpus and rules as they are now) and swaps it in; returns the new generation. On any
    /// error the old generation keeps serving.
    pub fn reload_if_changed(&self) -> Result<Option<PathBuf>, ServeError> {
        let current = current_generation(&self.index_dir)?;
        let old = self.loaded();
        if current == old.generation {
            return Ok(None);
        }
        let mut index = SearchIndex::open(&self.index_dir)?;
        index.executor = pool::search_executor(self.settings.search_threads);
        let synonyms = Synonyms::load(&self.corpus_dir.join("synonyms.toml"))?;
        let corpus = Corpus::load_catalogue(&self.corpus_dir)?;
        let generation = index.generation.clone();
        // The previous rules stay unless the file now holds valid ones.
        let mut engine = old
            .engine
            .with_retriever(Retriever::new(index, synonyms).with_catalogue(&corpus));
        match load_dosing(&self.corpus_dir) {
            Ok(rules) => engine = engine.with_dosing(Arc::new(rules)),
            Err(e) => tracing::warn!("keeping the previous dosing rules: {e}"),
        }
        let loaded = Arc::new(Loaded::new(engine, corpus, generation.clone()));
        match self.loaded.write() {
            Ok(mut guard) => *guard = loaded,
            Err(poisoned) => *poisoned.into_inner() = loaded,
        }
        Ok(Some(generation))
    }
}

/// The page's line on how answers are composed, for a box about one article or the library.
fn mode_line(engine: &Engine, library: bool) -> &'static str {
    match (engine.llm().is_some(), library) {
        (true, false) => {
            "Answers are written by a language model from this article and its cited references; every quote is checked word for word against them before you see it."
        }
        (false, false) => {
            "Answers are quoted word for word from this article and its cited references."
        }
        (true, true) => {
            "Answers are written by a language model from one of these articles and its cited references, named with each answer; every quote is checked word for word against them before you see it."
        }
        (false, true) => {
            "Answers are quoted word for word from one of these articles and its cited references, named with each answer."
        }
    }
}

/// The compiled formulary with the corpus's `dosing/rules.toml` when it has a `dosing/` folder
/// (one that is there but broken is an error: no answer is served with its doses unchecked).
fn load_dosing(corpus_dir: &Path) -> Result<DosingRules, DosingError> {
    DosingRules::for_corpus(corpus_dir)
}

/// The whole application: the page, the API, the OpenAI facade, and the layers for limits,
/// errors, security headers, request ids, access logs and (when configured) CORS.
pub fn router(state: Arc<AppState>) -> Router {
    let settings = state.settings.clone();
    metrics::handle();
    let auth = from_fn_with_state(state.clone(), limits::require_token);
    let rate = from_fn_with_state(state.clone(), ratelimit::rate_limit);
    let page = Router::new()
        .route("/", get(page::index))
        .route("/articles/{id}", get(page::article))
        .route("/assets/app.js", get(page::script))
        .route("/assets/app.css", get(page::style))
        .route("/healthz", get(routes::healthz))
        .route("/readyz", get(routes::readyz));
    let operate = Router::new()
        .route("/metrics", get(metrics::metrics_page))
        .route_layer(auth.clone());
    let api = Router::new()
        .route("/api/v1/search", get(routes::search))
        .route("/api/v1/ask", post(routes::ask))
        .route("/api/v1/ask/stream", post(sse::ask_stream))
        .route("/api/v1/check-dosing", post(routes::check_dosing))
        .route("/api/v1/documents/{id}", get(routes::document))
        .route("/api/v1/articles", get(routes::articles))
        .route("/api/v1/feedback", post(feedback::feedback))
        .route("/api/openapi.json", get(openapi::openapi_json))
        .route_layer(rate.clone())
        .route_layer(auth.clone());
    let mcp = Router::new()
        .route_service("/mcp", mcp::http_service(state.clone()))
        .route_layer(rate.clone())
        .route_layer(auth.clone());
    let openai = Router::new()
        .route("/v1/chat/completions", post(openai::chat_completions))
        .route("/v1/models", get(openai::models))
        .route("/v1/models/{*id}", get(openai::model))
        .route_layer(rate)
        .route_layer(auth);
    let app = Router::new()
        .merge(page)
        .merge(operate)
        .merge(api)
        .merge(mcp)
        .merge(openai)
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .with_state(state)
        .layer(from_fn_with_state(
            limits::BodyLimits {
                max_bytes: settings.max_body_bytes,
                timeout: settings.body_timeout,
            },
            limits::limit_body,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::GATEWAY_TIMEOUT,
            settings.request_timeout,
        ))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(from_fn(error::json_errors))
        .layer(from_fn(metrics::track))
        .layer(from_fn(limits::limit_head))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(access_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        );
    let app = match settings.cors() {
        Some(cors) => app.layer(cors),
        None => app,
    };
    let request_id = HeaderName::from_static(REQUEST_ID);
    app.layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .layer(from_fn(limits::drop_odd_request_id))
}

/// The access log's span of a request: method, path and request id. The query string stays out
/// of it: it holds what clinicians searched for.
fn access_span<B>(request: &Request<B>) -> tracing::Span {
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %id,
    )
}

/// Runs the server until Ctrl-C or SIGTERM: opens (or builds) the index, loads the corpus and the
/// dosing rules, prints the URL, and swaps in new index generations as they appear.
pub async fn serve(config: ServeConfig) -> Result<(), ServeError> {
    init_tracing(config.log_format);
    let settings = Settings::from_env()?;
    match &config.llm {
        Some(llm) => tracing::info!(
            "answers by the LLM {} at {} (checked against the sources; offline answer on failure)",
            llm.config().model,
            llm.config().base_url
        ),
        None => tracing::info!(
            "offline mode: answers quote the sources word for word; set MEDCITE_LLM_BASE_URL and MEDCITE_LLM_MODEL to use an LLM"
        ),
    }
    if settings.api_token.is_some() {
        tracing::info!("/api and /v1 require the bearer token in MEDCITE_API_TOKEN");
    }
    if let Some(origin) = &settings.cors_origin {
        tracing::info!("CORS allowed for origin {origin}");
    }
    let ServeConfig {
        addr,
        corpus,
        index,
        llm,
        progress,
        audit,
        log_format: _,
    } = config;
    let audit = match audit {
        Some(audit) => {
            let log = AuditLog::open(audit)?;
            tracing::info!(
                "audit log: one line per answered question in {}",
                log.dir().display()
            );
            Some(log)
        }
        None => {
            tracing::warn!("no audit log: answered questions are not recorded");
            None
        }
    };
    let (state, freshness) = tokio::task::spawn_blocking(move || {
        AppState::open(&corpus, &index, llm, settings, progress)
    })
    .await
    .map_err(|e| ServeError::Task(e.to_string()))??;
    let loaded = state.loaded();
    match freshness {
        Freshness::Fresh => tracing::info!(
            "index {} is up to date: {} passages",
            loaded.generation.display(),
            loaded.engine.retriever.index.manifest.chunks
        ),
        Freshness::Rebuilt(summary) => tracing::info!(
            "built the index {}: {} passages in {:.2} s",
            summary.generation.display(),
            summary.manifest.chunks,
            summary.elapsed.as_secs_f64()
        ),
        Freshness::Stale { reason } => tracing::warn!(
            "the corpus changed but rebuilding the index failed, so the previous index serves: {reason}"
        ),
    }
    match loaded.engine.dosing() {
        Some(rules) => tracing::info!(
            "dosing rules: {} drug(s) from {}",
            rules.drugs().len(),
            rules.origin()
        ),
        None => tracing::error!("no dosing rules loaded"),
    }
    drop(loaded);
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|source| ServeError::Bind {
            addr: addr.clone(),
            source,
        })?;
    let local = listener.local_addr()?;
    println!("medcite is serving http://{local}/ (Ctrl-C to stop)");
    let limits = ConnectionLimits::new(&state.settings, fd_limit());
    tracing::info!(
        "at most {} connections ({} per address); {} s to send a request's headers",
        limits.max,
        limits.per_client,
        limits.header_timeout.as_secs()
    );
    let state = Arc::new(match audit {
        Some(audit) => state.with_audit(audit),
        None => state,
    });
    let reloader = tokio::spawn(watch_index(state.clone()));
    serve_on(listener, state, shutdown_signal()).await;
    reloader.abort();
    tracing::info!("stopped");
    Ok(())
}

/// Serves MCP on standard input and output (`medcite mcp`) until the client closes them: the
/// same state as `serve` (index, rules, model budget, audit log), logs on standard error only.
pub async fn serve_mcp_stdio(config: ServeConfig) -> Result<(), ServeError> {
    use rmcp::ServiceExt;
    init_tracing(config.log_format);
    let settings = Settings::from_env()?;
    let ServeConfig {
        corpus,
        index,
        llm,
        progress,
        audit,
        ..
    } = config;
    let audit = audit.map(AuditLog::open).transpose()?;
    let (state, freshness) = tokio::task::spawn_blocking(move || {
        AppState::open(&corpus, &index, llm, settings, progress)
    })
    .await
    .map_err(|e| ServeError::Task(e.to_string()))??;
    if let Freshness::Stale { reason } = freshness {
        tracing::warn!(
            "the corpus changed but rebuilding the index failed, so the previous index serves: {reason}"
        );
    }
    tracing::info!(
        "index {}: {} passages",
        state.loaded().generation.display(),
        state.loaded().engine.retriever.index.manifest.chunks
    );
    let state = Arc::new(match audit {
        Some(audit) => state.with_audit(audit),
        None => state,
    });
    let reloader = tokio::spawn(watch_index(state.clone()));
    let session = McpServer::new(state)
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| ServeError::Mcp(e.to_string()))?;
    tracing::info!("MCP on standard input and output");
    let ended = session.waiting().await;
    reloader.abort();
    ended.map_err(|e| ServeError::Mcp(e.to_string()))?;
    Ok(())
}

/// Serves `state` on `listener`, with the connection limits of its settings (the cap lowered
/// to fit this process's file-descriptor limit), until `shutdown` resolves.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let limits = ConnectionLimits::new(&state.settings, fd_limit());
    connections::serve(listener, router(state), limits, shutdown).await;
}

/// Checks `index/CURRENT` every [`RELOAD_EVERY`] and swaps in a new generation; a failure is
/// logged once per distinct error and the old generation keeps serving.
async fn watch_index(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(RELOAD_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_error = String::new();
    let mut ticks: u64 = 0;
    loop {
        tick.tick().await;
        ticks += 1;
        if ticks.is_multiple_of(30) {
            state.forget_idle_clients();
        }
        let check = state.clone();
        match tokio::task::spawn_blocking(move || check.reload_if_changed()).await {
            Ok(Ok(Some(generation))) => {
                last_error.clear();
                tracing::info!("now serving index {}", generation.display());
            }
            Ok(Ok(None)) => last_error.clear(),
            Ok(Err(e)) => {
                let message = e.to_string();
                if message != last_error {
                    tracing::warn!(
                        "could not load the new index; still serving the previous one: {message}"
                    );
                    last_error = message;
                }
            }
            Err(e) => tracing::error!("the index check failed: {e}"),
        }
    }
}

/// Resolves on Ctrl-C or (on Unix) SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing the requests in flight");
}

/// Logs to stderr, `RUST_LOG` style filters (default: info, tantivy quiet), as text or as
/// one JSON object per line (with the request span's method, path and request id).
fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tantivy=warn,rmcp=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}

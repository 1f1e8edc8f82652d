//! The Model Context Protocol face of the server, for AI assistants and IDEs: the tools
//! `search`, `ask`, `check_dosing` and `list_articles`, and the articles as resources, over stdio
//! (`medcite mcp`) or streamable HTTP (`/mcp` on `serve`). Every tool calls the same function as
//! its `/api/v1` route and returns the same JSON, so an answer keeps its verification and its
//! dosing verdicts; the model budget, the CPU pool and the audit log apply as to the API.

use std::borrow::Cow;
use std::sync::Arc;

use axum::http::request::Parts;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation, JsonObject,
    ListResourcesResult, ListToolsResult, PaginatedRequestParams, ReadResourceRequestParams,
    ReadResourceResponse, ReadResourceResult, Resource, ResourceContents, ServerCapabilities,
    ServerConfig, Tool, ToolAnnotations,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, ServerHandler};
use serde::Serialize;
use serde_json::{Value, json};

use super::AppState;
use super::error::ApiError;
use super::ratelimit::{Caller, Client};
use super::routes::{self, CheckDosingRequest, SearchParams};
use crate::contracts::{AskRequest, DocKind};
use crate::corpus::is_valid_id;

/// Where the articles live as resources: `medcite://documents/<id>`.
const RESOURCE_PREFIX: &str = "medcite://documents/";

/// What the server tells an assistant about itself when it connects.
const INSTRUCTIONS: &str = "medcite answers clinicians' follow-up questions about medical \
    evidence articles, grounded in the article and its cited references. Call list_articles to \
    find an article's id, then ask with that article. Every answer carries `verified` (its quotes \
    checked word for word against the sources), `fallback_reason` when the offline answer was \
    given instead of the model's, and `dosing` (each dose statement with its verdict). Show the \
    answer with its sources; never present an unverified answer or a dose whose verdict is not \
    `ok` as fact.";

/// The MCP server over one [`AppState`]; one per stdio session or per HTTP request.
#[derive(Clone)]
pub struct McpServer {
    state: Arc<AppState>,
}

impl McpServer {
    pub fn new(state: Arc<AppState>) -> McpServer {
        McpServer { state }
    }

    /// The caller a tool call counts against: over HTTP, the client the rate limiter named and
    /// the request id; over stdio, the local user.
    fn caller(context: &RequestContext<RoleServer>) -> Caller {
        match context.extensions.get::<Parts>() {
            Some(parts) => Caller::of(parts),
            None => Caller {
                client: Client::Unknown,
                request_id: format!("mcp-{}", context.id),
            },
        }
    }

    async fn call(
        &self,
        name: &str,
        arguments: JsonObject,
        caller: Caller,
    ) -> Result<Value, ApiError> {
        let arguments = Value::Object(arguments);
        match name {
            "search" => {
                let params: SearchArguments = parse(arguments)?;
                let params = SearchParams {
                    q: params.query,
                    k: params.k,
                    article: params.article,
                };
                to_json(&routes::search_reply(&self.state, params).await?)
            }
            "ask" => {
                let request: AskRequest = parse(arguments)?;
                to_json(&routes::ask_reply(self.state.clone(), caller, request).await?)
            }
            "check_dosing" => {
                let request: CheckDosingRequest = parse(arguments)?;
                to_json(&routes::dosing_report(&self.state, request).await?)
            }
            "list_articles" => to_json(&routes::article_list(&self.state)),
            other => Err(ApiError::not_found(format!(
                "no tool is called '{other}'; the tools are search, ask, check_dosing and list_articles"
            ))),
        }
    }
}

/// Arguments of the `search` tool (`query` rather than the route's `q`, for a model to read).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchArguments {
    query: String,
    #[serde(default)]
    k: Option<usize>,
    #[serde(default)]
    article: Option<String>,
}

fn parse<T: serde::de::DeserializeOwned>(arguments: Value) -> Result<T, ApiError> {
    serde_json::from_value(arguments).map_err(|e| {
        ApiError::bad_request(
            "bad_arguments",
            format!("the tool's arguments do not fit its input schema: {e}"),
        )
    })
}

fn to_json(reply: &impl Serialize) -> Result<Value, ApiError> {
    serde_json::to_value(reply)
        .map_err(|e| ApiError::internal(format!("could not write the reply: {e}")))
}

/// The tools with their input schemas.
fn tools() -> Vec<Tool> {
    let read_only = || ToolAnnotations::new().read_only(true).open_world(false);
    let tool = |name: &'static str, description: &'static str, schema: Value| {
        let schema = match schema {
            Value::Object(map) => map,
            _ => JsonObject::new(),
        };
        Tool::new(name, description, Arc::new(schema)).with_annotations(read_only())
    };
    let article = json!({"type": "string",
        "description": "Only this article (its id, from list_articles) and the references it cites"});
    vec![
        tool(
            "search",
            "Offline passage search of the articles and their references, best first; no model.",
            json!({"type": "object", "required": ["query"], "additionalProperties": false,
                "properties": {
                    "query": {"type": "string", "description": "What to look for; any text"},
                    "k": {"type": "integer", "minimum": 1, "maximum": 100,
                        "description": "Number of passages (default 5)"},
                    "article": article}}),
        ),
        tool(
            "ask",
            "A grounded answer to a clinician's follow-up question: quotes from the article and \
             its references, each checked word for word (`verified`), with every dose statement \
             checked against the dosing rules (`dosing`). Same JSON as POST /api/v1/ask.",
            json!({"type": "object", "required": ["question"],
                "properties": {
                    "question": {"type": "string", "description": "The follow-up question"},
                    "article": article,
                    "history": {"type": "array", "description": "Earlier turns, oldest first",
                        "items": {"type": "object", "required": ["role", "content"],
                            "properties": {
                                "role": {"type": "string", "enum": ["user", "assistant"]},
                                "content": {"type": "string"}}}},
                    "k": {"type": "integer", "minimum": 1, "maximum": 100,
                        "description": "Passages to draw on"},
                    "mode": {"type": "string", "enum": ["auto", "llm", "offline"],
                        "description": "auto (default): the model when configured, else offline"}}}),
        ),
        tool(
            "check_dosing",
            "Deterministic dosing check of any text: every dose statement with its verdict \
             (ok, out_of_range, wrong_frequency, ..., or unverified when no rule covers it). \
             Same JSON as POST /api/v1/check-dosing.",
            json!({"type": "object", "required": ["text"], "additionalProperties": false,
                "properties": {"text": {"type": "string",
                    "description": "Text with dose statements"}}}),
        ),
        tool(
            "list_articles",
            "The articles of the library: id, title, the clinical question each answers.",
            json!({"type": "object", "properties": {}, "additionalProperties": false}),
        ),
    ]
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(Implementation::new("medcite", env!("CARGO_PKG_VERSION")))
        .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(tools()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let caller = McpServer::caller(&context);
        let name: Cow<'static, str> = request.name;
        let result = match self
            .call(&name, request.arguments.unwrap_or_default(), caller)
            .await
        {
            Ok(reply) => CallToolResult::structured(reply),
            Err(error) => CallToolResult::structured_error(
                serde_json::to_value(error.body()).unwrap_or(Value::Null),
            ),
        };
        Ok(result.into())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let resources = routes::article_list(&self.state)
            .articles
            .into_iter()
            .map(|article| {
                Resource::new(format!("{RESOURCE_PREFIX}{}", article.id), &article.id)
                    .with_title(&article.title)
                    .with_description(article.question)
                    .with_mime_type("text/markdown")
            })
            .collect();
        Ok(ListResourcesResult::with_all_items(resources))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let not_found = || {
            ErrorData::resource_not_found(
                format!(
                    "no document at {}; list_resources names the articles as {RESOURCE_PREFIX}<id>",
                    request.uri
                ),
                None,
            )
        };
        let id = request
            .uri
            .strip_prefix(RESOURCE_PREFIX)
            .filter(|id| is_valid_id(id))
            .ok_or_else(not_found)?;
        let loaded = self.state.loaded();
        let doc = loaded.corpus.document(id).ok_or_else(not_found)?;
        let body = doc
            .read_body()
            .map_err(|e| ErrorData::internal_error(format!("could not read {id}: {e}"), None))?;
        let heading = match doc.kind {
            DocKind::Article => format!("# {}\n\n", doc.title),
            DocKind::Reference => format!("# Reference: {}\n\n", doc.title),
        };
        let contents = ResourceContents::text(format!("{heading}{body}"), request.uri.clone())
            .with_mime_type("text/markdown");
        Ok(ReadResourceResult::new(vec![contents]).into())
    }
}

/// The `/mcp` endpoint: streamable HTTP without sessions (each POST is answered on its own, as
/// JSON), so the server keeps no state per client and the request limits of `/api` hold.
pub fn http_service(state: Arc<AppState>) -> StreamableHttpService<McpServer, NeverSessionManager> {
    let settings = &state.settings;
    let mut config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_max_request_body_bytes(settings.max_body_bytes);
    config = match &settings.mcp_allowed_hosts {
        Some(hosts) if hosts.iter().any(|h| h == "*") => config.disable_allowed_hosts(),
        Some(hosts) => config.with_allowed_hosts(hosts.clone()),
        None => config,
    };
    StreamableHttpService::new(
        move || Ok(McpServer::new(state.clone())),
        Arc::new(NeverSessionManager::default()),
        config,
    )
}

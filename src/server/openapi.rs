//! `GET /api/openapi.json`: the OpenAPI description of every route, generated from the handlers'
//! annotations and the contract types, so it cannot drift from the code.

use std::sync::LazyLock;

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{feedback, openai, page, routes, sse};
use crate::contracts::{
    ArticleRef, AskReply, AskRequest, DocKind, DoseBasis, DoseClaim, DosingReport, ErrorBody,
    ErrorDetail, Hit, Mode, ModeChoice, Passage, QuoteCheck, QuoteProblem, SearchReply, Turn,
    Verdict, Via,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "medcite",
        description = "Grounded answers to clinicians' follow-up questions about a medical article. \
            Errors are always {\"error\": {\"code\", \"message\"}}. When MEDCITE_API_TOKEN is set, \
            /api and /v1 require Authorization: Bearer <token>."
    ),
    paths(
        page::index,
        page::article,
        routes::healthz,
        routes::readyz,
        routes::search,
        routes::ask,
        sse::ask_stream,
        routes::check_dosing,
        routes::document,
        routes::articles,
        feedback::feedback,
        openai::chat_completions,
        openai::models,
        openai::model,
        openapi_json,
    ),
    components(schemas(
        SearchReply, Hit, Via, DocKind, AskRequest, Turn, ModeChoice, AskReply, ArticleRef, Mode, Passage,
        QuoteCheck, QuoteProblem, DosingReport, DoseClaim, DoseBasis, Verdict, ErrorBody,
        ErrorDetail, routes::CheckDosingRequest, routes::Health, routes::Readiness, routes::DocumentReply,
        routes::ReferenceEntry, routes::ArticleList, routes::ArticleEntry, openai::ChatRequest, openai::ChatMessage, openai::ChatCompletion,
        openai::ChatChunk, openai::ModelList, openai::Usage, openai::MedciteResult, openai::Source,
        openai::StreamOptions, openai::ModelCard, feedback::FeedbackRequest, feedback::FeedbackReply,
        feedback::Reason, crate::answer::VerifiedPoint,
    )),
    modifiers(&BearerToken),
    tags(
        (name = "api", description = "The JSON API of DESIGN.md"),
        (name = "openai", description = "OpenAI-compatible facade"),
        (name = "service", description = "The chat page, health and this description"),
    )
)]
struct ApiDoc;

/// Declares the optional bearer token.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
        }
    }
}

/// The OpenAPI description as JSON.
pub fn openapi_document() -> String {
    static JSON: LazyLock<String> = LazyLock::new(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }).to_string())
    });
    JSON.clone()
}

#[utoipa::path(get, path = "/api/openapi.json", tag = "service",
    responses((status = 200, description = "This OpenAPI description", content_type = "application/json")))]
/// The OpenAPI description of all routes.
pub async fn openapi_json() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        openapi_document(),
    )
}

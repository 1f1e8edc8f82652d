//! The LLM composer: any OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, llama.cpp
//! server) through async-openai, configured from the environment, streaming or not, every call
//! bounded by the configured timeout.

use std::time::Duration;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestAssistantMessageArgs, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessageArgs, ChatCompletionRequestUserMessageArgs,
    CreateChatCompletionRequest, CreateChatCompletionRequestArgs,
};
use futures::StreamExt;
use futures::future::BoxFuture;

use super::{
    ComposeError, ComposeRequest, Composer, DeltaSink, MAX_ANSWER_CHARS, Prompts,
    attribute_copied_sentences, bounded_history, expand_sentence_ids, render_with_sentence_ids,
    tidy, with_list_items,
};

/// Seconds an LLM call may take when `MEDCITE_LLM_TIMEOUT_SECS` is not set.
pub const DEFAULT_TIMEOUT_SECS: u64 = 30;
/// Most tokens a model may write for one answer: a short answer of a few quoted sentences
/// needs far fewer, and a small model that rambles or loops is cut off instead of running
/// into the timeout.
pub const MAX_ANSWER_TOKENS: u32 = 400;
/// Most passages shown to the model, best first: a small model answers better from a few
/// passages than from many, and reads them faster. The reply still lists every passage.
pub const MAX_LLM_PASSAGES: usize = 6;

/// Where the LLM is and how long to wait for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LlmConfig {
    pub base_url: String,
    pub model: String,
    pub api_key: Option<String>,
    pub timeout: Duration,
}

impl LlmConfig {
    /// Reads `MEDCITE_LLM_BASE_URL`, `MEDCITE_LLM_MODEL`, `MEDCITE_LLM_API_KEY` and
    /// `MEDCITE_LLM_TIMEOUT_SECS`; `None` when no base URL is set (offline mode).
    pub fn from_env() -> Result<Option<LlmConfig>, ComposeError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like `from_env`, with the variables looked up by `var`.
    pub fn from_lookup(
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<LlmConfig>, ComposeError> {
        let set = |name: &str| {
            var(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let Some(base_url) = set("MEDCITE_LLM_BASE_URL") else {
            return Ok(None);
        };
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(ComposeError::Config(format!(
                "MEDCITE_LLM_BASE_URL = '{base_url}' must start with http:// or https:// (e.g. http://127.0.0.1:8000/v1)"
            )));
        }
        let Some(model) = set("MEDCITE_LLM_MODEL") else {
            return Err(ComposeError::Config(
                "MEDCITE_LLM_BASE_URL is set but MEDCITE_LLM_MODEL is not: set it to the model name the endpoint serves".into(),
            ));
        };
        let timeout = match set("MEDCITE_LLM_TIMEOUT_SECS") {
            None => DEFAULT_TIMEOUT_SECS as f64,
            Some(text) => match text.parse::<f64>() {
                Ok(secs) if secs > 0.0 && secs <= 3600.0 => secs,
                _ => {
                    return Err(ComposeError::Config(format!(
                        "MEDCITE_LLM_TIMEOUT_SECS = '{text}' must be a number of seconds between 0 and 3600"
                    )));
                }
            },
        };
        Ok(Some(LlmConfig {
            base_url: base_url.trim_end_matches('/').to_string(),
            model,
            api_key: set("MEDCITE_LLM_API_KEY"),
            timeout: Duration::from_secs_f64(timeout),
        }))
    }
}

/// Composes with an LLM, following `prompts/`.
pub struct LlmComposer {
    client: Client<OpenAIConfig>,
    config: LlmConfig,
    prompts: Prompts,
}

impl LlmComposer {
    pub fn new(config: LlmConfig, prompts: Prompts) -> LlmComposer {
        let openai = OpenAIConfig::new()
            .with_api_base(config.base_url.clone())
            .with_api_key(config.api_key.clone().unwrap_or_default());
        LlmComposer {
            client: Client::with_config(openai),
            config,
            prompts,
        }
    }

    pub fn config(&self) -> &LlmConfig {
        &self.config
    }

    /// Composes as [`Composer::compose`] does, the model writing at most `max_tokens` tokens
    /// (and never more than [`MAX_ANSWER_TOKENS`]).
    pub async fn compose_capped(
        &self,
        request: &ComposeRequest<'_>,
        max_tokens: Option<u32>,
        sink: DeltaSink<'_>,
    ) -> Result<String, ComposeError> {
        let limit = self.config.timeout;
        let started = std::time::Instant::now();
        let result = match tokio::time::timeout(limit, self.call(request, max_tokens, sink)).await {
            Ok(result) => result,
            Err(_) => Err(ComposeError::Timeout(limit.as_secs_f64().ceil() as u64)),
        };
        let outcome = result.as_ref().map_or_else(ComposeError::kind, |_| "ok");
        crate::telemetry::model_call(outcome, started.elapsed());
        result
    }

    /// The answer the model's `raw` text stands for: its echoes of the question dropped, its
    /// sentence ids written out as quotes, copied sentences attributed, tidied, and lead-ins
    /// given their list items, as a whole reply is; `None` when nothing is left. Applied to the
    /// whole points of a reply still being written, it gives them as the whole reply will.
    pub fn answer_from(&self, raw: &str, request: &ComposeRequest<'_>) -> Option<String> {
        let answer = without_echoes(raw, request.question);
        if answer.is_empty() {
            return None;
        }
        let expanded = expand_sentence_ids(&answer, request.passages);
        let tidied = tidy(&attribute_copied_sentences(&expanded, request.passages));
        Some(with_list_items(&tidied, request.passages))
    }

    fn chat_request(
        &self,
        request: &ComposeRequest<'_>,
        max_tokens: Option<u32>,
    ) -> Result<CreateChatCompletionRequest, ComposeError> {
        let build = |e: OpenAIError| ComposeError::Config(e.to_string());
        let mut messages: Vec<ChatCompletionRequestMessage> = vec![
            ChatCompletionRequestSystemMessageArgs::default()
                .content(self.prompts.system.clone())
                .build()
                .map_err(build)?
                .into(),
        ];
        for turn in bounded_history(request.history) {
            let message: ChatCompletionRequestMessage = if turn.role == "assistant" {
                ChatCompletionRequestAssistantMessageArgs::default()
                    .content(turn.content)
                    .build()
                    .map_err(build)?
                    .into()
            } else {
                ChatCompletionRequestUserMessageArgs::default()
                    .content(turn.content)
                    .build()
                    .map_err(build)?
                    .into()
            };
            messages.push(message);
        }
        let shown = &request.passages[..request.passages.len().min(MAX_LLM_PASSAGES)];
        let user = self.prompts.user_message(
            &render_with_sentence_ids(shown),
            &with_notes(request.question, request.glossary, request.best),
        );
        messages.push(
            ChatCompletionRequestUserMessageArgs::default()
                .content(user)
                .build()
                .map_err(build)?
                .into(),
        );
        if let Some((answer, problems)) = request.retry {
            messages.push(
                ChatCompletionRequestAssistantMessageArgs::default()
                    .content(answer.to_string())
                    .build()
                    .map_err(build)?
                    .into(),
            );
            messages.push(
                ChatCompletionRequestUserMessageArgs::default()
                    .content(self.prompts.retry_message(answer, problems))
                    .build()
                    .map_err(build)?
                    .into(),
            );
        }
        CreateChatCompletionRequestArgs::default()
            .model(self.config.model.clone())
            .messages(messages)
            .temperature(0.0)
            .max_tokens(max_tokens.map_or(MAX_ANSWER_TOKENS, |t| t.min(MAX_ANSWER_TOKENS)))
            .build()
            .map_err(build)
    }

    async fn call(
        &self,
        request: &ComposeRequest<'_>,
        max_tokens: Option<u32>,
        sink: DeltaSink<'_>,
    ) -> Result<String, ComposeError> {
        let chat = self.chat_request(request, max_tokens)?;
        let answer = if request.stream {
            let mut stream = self
                .client
                .chat()
                .create_stream(chat)
                .await
                .map_err(|e| self.error(e))?;
            let mut answer = String::new();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| self.error(e))?;
                for choice in chunk.choices {
                    if let Some(piece) = choice.delta.content {
                        answer.push_str(&piece);
                        if answer.chars().count() > MAX_ANSWER_CHARS {
                            return Err(ComposeError::TooLong);
                        }
                        sink(&piece);
                    }
                }
            }
            answer
        } else {
            let reply = self
                .client
                .chat()
                .create(chat)
                .await
                .map_err(|e| self.error(e))?;
            let answer = reply
                .choices
                .into_iter()
                .next()
                .and_then(|c| c.message.content)
                .unwrap_or_default();
            if answer.chars().count() > MAX_ANSWER_CHARS {
                return Err(ComposeError::TooLong);
            }
            answer
        };
        if answer.trim().is_empty() {
            return Err(ComposeError::Empty);
        }
        self.answer_from(&answer, request)
            .ok_or(ComposeError::Empty)
    }

    fn error(&self, error: OpenAIError) -> ComposeError {
        match error {
            OpenAIError::Reqwest(e) if e.is_connect() || e.is_timeout() || e.is_request() => {
                ComposeError::Unreachable {
                    url: self.config.base_url.clone(),
                    detail: e.to_string(),
                }
            }
            OpenAIError::Reqwest(e) if e.is_decode() || e.is_body() => {
                ComposeError::Malformed(e.to_string())
            }
            OpenAIError::Reqwest(e) => ComposeError::Api(e.to_string()),
            OpenAIError::ApiError(e) => ComposeError::Api(e.to_string()),
            OpenAIError::JSONDeserialize(e, _) => ComposeError::Malformed(e.to_string()),
            OpenAIError::StreamError(e) => ComposeError::Malformed(format!("stream failed: {e}")),
            other => ComposeError::Api(other.to_string()),
        }
    }
}

impl Composer for LlmComposer {
    fn compose<'a>(
        &'a self,
        request: &'a ComposeRequest<'a>,
        sink: DeltaSink<'a>,
    ) -> BoxFuture<'a, Result<String, ComposeError>> {
        Box::pin(self.compose_capped(request, None, sink))
    }
}

/// How the note naming the best sentences opens and goes on: "(Start with [S1.2], the
/// sentence that answers the question; then [S2.1].)".
const START_NOTE: &str = "Start with";
const BEST_NOTE: &str = "the sentence that answers the question";
/// How the note on the question's words opens.
const WORDS_NOTE: &str = "Words of the question as the passages write them";

/// `answer` without the lines in which a small model repeats the question or a note that
/// follows it instead of answering ("[Start with [S1.2], the sentence that answers …]").
fn without_echoes(answer: &str, question: &str) -> String {
    let key = |text: &str| {
        crate::text::normalize(
            text.trim()
                .trim_matches(['[', ']', '(', ')', '-', '*', ' ']),
        )
        .to_lowercase()
    };
    let question = key(question);
    let echo = |line: &str| {
        line.contains(BEST_NOTE)
            || line.contains(WORDS_NOTE)
            || line.contains(&format!("{START_NOTE} ["))
            || (!question.is_empty() && key(line) == question)
    };
    let kept: Vec<&str> = answer.lines().filter(|line| !echo(line)).collect();
    kept.join("\n").trim().to_string()
}

/// The question with, each on a line of its own, how the passages write its words and which
/// sentences answer it best.
fn with_notes(question: &str, glossary: &[(String, String)], best: &[String]) -> String {
    let mut out = question.to_string();
    if !glossary.is_empty() {
        let glosses: Vec<String> = glossary
            .iter()
            .map(|(typed, wording)| format!("{typed}: \"{wording}\""))
            .collect();
        out.push_str(&format!("\n({WORDS_NOTE}: {}.)", glosses.join("; ")));
    }
    if let Some((first, others)) = best.split_first() {
        out.push_str(&format!("\n({START_NOTE} [{first}], {BEST_NOTE}"));
        if !others.is_empty() {
            let ids: Vec<String> = others.iter().map(|id| format!("[{id}]")).collect();
            out.push_str(&format!("; then {}", ids.join(", ")));
        }
        out.push_str(".)");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Option<LlmConfig>, ComposeError> {
        LlmConfig::from_lookup(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_string())
        })
    }

    #[test]
    fn the_notes_follow_the_question_each_on_its_own_line() {
        assert_eq!(with_notes("MTX?", &[], &[]), "MTX?");
        let glossary = [
            ("CTD".to_string(), "connective tissue diseases".to_string()),
            ("MTX".to_string(), "methotrexate".to_string()),
        ];
        assert_eq!(
            with_notes("MTX for CTD?", &glossary, &[]),
            "MTX for CTD?\n(Words of the question as the passages write them: CTD: \"connective tissue diseases\"; MTX: \"methotrexate\".)"
        );
        assert_eq!(
            with_notes("MTX?", &[], &["S1.2".to_string(), "S3.1".to_string()]),
            "MTX?\n(Start with [S1.2], the sentence that answers the question; then [S3.1].)"
        );
    }

    #[test]
    fn a_repeated_question_or_note_is_not_part_of_the_answer() {
        let answer = "[Start with [S1.2], the sentence that answers the question; then [S2.1].]\n[MTX vs AZA?]\n- Methotrexate: [S1.2]\n(Words of the question as the passages write them: MTX: \"methotrexate\".)\n- Azathioprine: [S2.1]";
        assert_eq!(
            without_echoes(answer, "MTX vs AZA?"),
            "- Methotrexate: [S1.2]\n- Azathioprine: [S2.1]"
        );
        assert_eq!(
            without_echoes("- MTX vs AZA: [S1.2]", "MTX vs AZA?"),
            "- MTX vs AZA: [S1.2]",
            "a point labelled with the question's words stays"
        );
    }

    #[test]
    fn no_base_url_means_offline() {
        assert_eq!(config(&[("MEDCITE_LLM_MODEL", "m")]), Ok(None));
        assert_eq!(config(&[("MEDCITE_LLM_BASE_URL", "  ")]), Ok(None));
    }

    #[test]
    fn configuration_is_read_and_checked() {
        let full = config(&[
            ("MEDCITE_LLM_BASE_URL", "http://127.0.0.1:9/v1/"),
            ("MEDCITE_LLM_MODEL", "llama"),
            ("MEDCITE_LLM_TIMEOUT_SECS", "2.5"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(full.base_url, "http://127.0.0.1:9/v1");
        assert_eq!(full.timeout, Duration::from_millis(2500));
        assert_eq!(full.api_key, None);
        let err = config(&[("MEDCITE_LLM_BASE_URL", "http://x")]).unwrap_err();
        assert!(err.to_string().contains("MEDCITE_LLM_MODEL"), "{err}");
        let err = config(&[
            ("MEDCITE_LLM_BASE_URL", "http://x"),
            ("MEDCITE_LLM_MODEL", "m"),
            ("MEDCITE_LLM_TIMEOUT_SECS", "soon"),
        ])
        .unwrap_err();
        assert!(
            err.to_string().contains("MEDCITE_LLM_TIMEOUT_SECS"),
            "{err}"
        );
        let err = config(&[
            ("MEDCITE_LLM_BASE_URL", "localhost:8000"),
            ("MEDCITE_LLM_MODEL", "m"),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("http://"), "{err}");
    }
}

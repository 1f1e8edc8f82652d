//! `POST /api/v1/ask/stream`: the engine's progress as server-sent events: `passages` (JSON array
//! of passages), `draft`… (JSON strings: the model's words as it writes them, not yet checked,
//! shown only as provisional and never as the answer), `point`… (a point of the model's answer
//! that verified on its own as soon as it was written whole: `{text, separator, passages}`),
//! `delta` (JSON string: the verified answer text, for every reply, a declined question
//! included, which replaces any points shown) and `done` (the ask JSON, verified and
//! dose-checked, whose `answer` is the delta's text and replaces any draft or point). Unverified text is
//! only ever sent as `draft`. A request the engine rejects fails as a plain JSON error before the
//! stream starts; a failure later is an `error` event.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use tokio::sync::mpsc;

use super::AppState;
use super::error::{ApiError, ApiJson};
use super::ratelimit::Caller;
use crate::answer::{AskEvent, AskOptions};
use crate::contracts::{AskReply, AskRequest, ErrorBody, ModeChoice};

/// One step of a running `ask`.
enum Step {
    Event(AskEvent),
    Failed(ApiError),
}

/// An `ask` running on a blocking thread (a thread of the CPU pool, or for a question with the
/// model, one of the model budget's places), reporting steps; cancelled when dropped (say, when
/// the client goes away).
pub struct AskRun {
    steps: mpsc::UnboundedReceiver<Step>,
}

impl AskRun {
    /// Starts `ask` and waits for its first step: an error then (a rejected request) is
    /// returned as such, so the caller can answer with a plain JSON error. A question the model
    /// budget turns away is answered offline with the reason; one the CPU pool has no room for
    /// is a 503. The finished reply is written to the audit log before it is reported.
    pub async fn start(
        state: Arc<AppState>,
        caller: Caller,
        request: AskRequest,
        stream: bool,
    ) -> Result<(AskEvent, AskRun), ApiError> {
        AskRun::start_with(state, caller, request, AskOptions::default(), stream).await
    }

    /// [`AskRun::start`], the answer bounded by `options`.
    pub async fn start_with(
        state: Arc<AppState>,
        caller: Caller,
        mut request: AskRequest,
        options: AskOptions,
        stream: bool,
    ) -> Result<(AskEvent, AskRun), ApiError> {
        let loaded = state.loaded();
        let wants_model = loaded.engine.llm().is_some() && request.mode != ModeChoice::Offline;
        let mut refused = None;
        let mut ticket = None;
        if wants_model {
            match state.budget.admit(&caller.client) {
                Ok(admitted) => ticket = Some(admitted),
                Err(reason) => {
                    crate::telemetry::fallback("model_budget");
                    request.mode = ModeChoice::Offline;
                    refused = Some(reason);
                }
            }
        }
        // A question with the model waits on the network, not the CPU: its place in the
        // model budget bounds it. Any other takes a thread of the CPU pool.
        let thread = match ticket {
            Some(_) => None,
            None => Some(state.pool.reserve().await?),
        };
        let (tx, steps) = mpsc::unbounded_channel();
        let runtime = tokio::runtime::Handle::current();
        let started = Instant::now();
        tokio::task::spawn_blocking(move || {
            // Held until the reply is done, and given back before the client sees it, so that a
            // client reading a reply may ask again at once.
            let mut held = Some((ticket, thread));
            super::pool::yield_to_the_async_workers();
            let events = tx.clone();
            let mut send = |event: AskEvent| {
                let event = match event {
                    AskEvent::Done(mut reply) => {
                        if let Some(reason) = &refused
                            && reply.fallback_reason.is_none()
                        {
                            reply.fallback_reason = Some(reason.clone());
                        }
                        state.audit(&caller, &loaded, &request.question, &reply, started);
                        crate::telemetry::answer(&reply);
                        held.take();
                        AskEvent::Done(reply)
                    }
                    other => other,
                };
                let _ = events.send(Step::Event(event));
            };
            runtime.block_on(async {
                tokio::select! {
                    asked = loaded.engine.ask_with(&request, options, stream, &mut send) => {
                        if let Err(e) = asked {
                            let _ = tx.send(Step::Failed(e.into()));
                        }
                    }
                    () = tx.closed() => {}
                }
            });
        });
        let mut run = AskRun { steps };
        match run.next().await {
            Ok(first) => Ok((first, run)),
            Err(e) => Err(e),
        }
    }

    /// The next event, or the error that ended the run.
    pub async fn next(&mut self) -> Result<AskEvent, ApiError> {
        match self.steps.recv().await {
            Some(Step::Event(event)) => Ok(event),
            Some(Step::Failed(e)) => Err(e),
            None => Err(ApiError::internal(
                "the answer stopped before it was complete",
            )),
        }
    }

    /// Events up to and including `done` (the final reply), or the error that ended the run.
    pub async fn reply(mut self) -> Result<AskReply, ApiError> {
        loop {
            if let AskEvent::Done(reply) = self.next().await? {
                return Ok(*reply);
            }
        }
    }
}

#[utoipa::path(post, path = "/api/v1/ask/stream", tag = "api", request_body = AskRequest,
    responses((status = 200, description = "text/event-stream: `passages` (JSON array of Passage); with an LLM, `draft`… (JSON strings: the model's unchecked words, provisional, never the answer) and `point`… (VerifiedPoint: a point of the model's answer that verified on its own, sent as soon as it was written whole); `delta` (JSON string: the verified answer text, declines included, replacing any points); then `done` (the ask JSON, whose `answer` replaces any draft or point); `error` (the error JSON) if it fails midway",
            content_type = "text/event-stream", body = AskReply),
        (status = 400, description = "Empty or too long question, bad k or history role", body = ErrorBody),
        (status = 409, description = "Mode llm asked for but no LLM is configured", body = ErrorBody),
        (status = 422, description = "Unknown or mistyped field", body = ErrorBody)))]
/// A grounded answer as server-sent events.
pub async fn ask_stream(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ApiJson(request): ApiJson<AskRequest>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let (first, run) = AskRun::start(state, caller, request, true).await?;
    let stream =
        futures::stream::unfold((Some(Ok(first)), Some(run)), |(pending, run)| async move {
            let mut run = run?;
            let step = match pending {
                Some(step) => step,
                None => run.next().await,
            };
            let (event, more) = match step {
                Ok(AskEvent::Done(reply)) => (encode("done", &*reply), false),
                Ok(AskEvent::Passages(passages)) => (encode("passages", &passages), true),
                Ok(AskEvent::Draft(piece)) => (encode("draft", &piece), true),
                Ok(AskEvent::Point(point)) => (encode("point", &point), true),
                Ok(AskEvent::Delta(text)) => (encode("delta", &text), true),
                Err(e) => (encode("error", &e.body()), false),
            };
            Some((Ok(event), (None, more.then_some(run))))
        });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// An SSE event named `name` with `data` as JSON (an `error` event if that fails).
fn encode(name: &str, data: &impl serde::Serialize) -> Event {
    Event::default()
        .event(name)
        .json_data(data)
        .unwrap_or_else(|e| {
            let body: ErrorBody =
                ApiError::internal(format!("could not encode the {name} event: {e}")).body();
            Event::default()
                .event("error")
                .data(serde_json::to_string(&body).unwrap_or_default())
        })
}

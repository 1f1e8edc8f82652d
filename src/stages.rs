//! Where one search or ask spends its time, stage by stage, for the bench (`medcite bench`).
//! Serving passes no timer, so it reads no clock: a stage is timed only when a caller hands a
//! [`Stages`] down. It measures and reports; it decides nothing.

use std::time::{Duration, Instant};

/// Time spent in each stage of one request, and how many query clauses expansion made.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Stages {
    /// Analysing the question and the turn before it into weighted clauses (synonyms, related
    /// words, near spellings, aspect and history words).
    pub plan: Duration,
    /// Term queries the plan became (each word searches text and heading).
    pub clauses: usize,
    /// Making the main search's weight: each term's statistics looked up in every segment, on
    /// the calling thread, before the segments are searched.
    pub weight: Duration,
    /// The BM25 top-k search in tantivy (the weight aside).
    pub search: Duration,
    /// Reading the candidates' stored fields and ranking them.
    pub fetch: Duration,
    /// Citation expansion and per-source statements (their own searches and reads).
    pub citations: Duration,
    /// The lead-in lists, context passages and coverage decision of an ask.
    pub coverage: Duration,
    /// The extractive answer, its verification and dosing check.
    pub compose: Duration,
}

/// Laps of one request: each [`Laps::lap`] adds the time since the previous one to a stage. With
/// no [`Stages`] it does nothing, and reads no clock.
pub struct Laps<'a> {
    stages: Option<&'a mut Stages>,
    since: Option<Instant>,
}

impl<'a> Laps<'a> {
    pub fn new(stages: Option<&'a mut Stages>) -> Laps<'a> {
        let since = stages.is_some().then(Instant::now);
        Laps { stages, since }
    }

    /// Adds the time since the last lap to the stage `pick` chooses.
    pub fn lap(&mut self, pick: impl FnOnce(&mut Stages) -> &mut Duration) {
        if let (Some(stages), Some(since)) = (self.stages.as_deref_mut(), self.since.as_mut()) {
            let now = Instant::now();
            *pick(stages) += now - *since;
            *since = now;
        }
    }

    /// Records a count (the plan's clauses).
    pub fn count(&mut self, pick: impl FnOnce(&mut Stages) -> &mut usize, n: usize) {
        if let Some(stages) = self.stages.as_deref_mut() {
            *pick(stages) += n;
        }
    }

    /// The timer again, for a callee to lap in (the clock restarts there).
    pub fn stages(&mut self) -> Option<&mut Stages> {
        self.stages.as_deref_mut()
    }

    /// Restarts the clock after a callee timed its own stages.
    pub fn restart(&mut self) {
        if self.since.is_some() {
            self.since = Some(Instant::now());
        }
    }
}

//! The model budget: how many questions may be with the model at once (over all clients) and how
//! many one client may send it per minute. A question past either is answered offline, with the
//! reason in `fallback_reason`; nothing waits in a queue for the model. One question makes at
//! most two model calls, one after the other (the answer and its one retry), so the calls in
//! flight never exceed the questions admitted.

use std::num::NonZeroU32;
use std::sync::Arc;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::ratelimit::Client;

pub struct ModelBudget {
    in_flight: Arc<Semaphore>,
    concurrency: usize,
    per_client: Option<DefaultKeyedRateLimiter<Client>>,
    asks_per_minute: u32,
}

/// A question's place with the model; the place is free again when this is dropped.
#[derive(Debug)]
pub struct ModelTicket {
    _permit: OwnedSemaphorePermit,
}

impl ModelBudget {
    /// `concurrency` questions with the model at once (0: none), `asks_per_minute` per client
    /// (0: no per-client limit).
    pub fn new(concurrency: usize, asks_per_minute: u32) -> ModelBudget {
        ModelBudget {
            in_flight: Arc::new(Semaphore::new(concurrency)),
            concurrency,
            per_client: NonZeroU32::new(asks_per_minute)
                .map(|n| RateLimiter::keyed(Quota::per_minute(n))),
            asks_per_minute,
        }
    }

    /// A place with the model for one question of `client`, or why there is none (said to the
    /// reader as the fallback reason).
    pub fn admit(&self, client: &Client) -> Result<ModelTicket, String> {
        let permit = self.in_flight.clone().try_acquire_owned().map_err(|_| {
            format!(
                "the model is already answering {} other question(s), this server's limit; showing the offline answer instead",
                self.concurrency
            )
        })?;
        if let Some(limiter) = &self.per_client
            && limiter.check_key(client).is_err()
        {
            return Err(format!(
                "this client has sent the model {} questions in the last minute, this server's limit; showing the offline answer instead",
                self.asks_per_minute
            ));
        }
        Ok(ModelTicket { _permit: permit })
    }

    /// Questions with the model now.
    pub fn in_flight(&self) -> usize {
        self.concurrency - self.in_flight.available_permits()
    }

    /// Forgets clients whose per-minute quota is whole again.
    pub fn forget_idle(&self) {
        if let Some(limiter) = &self.per_client {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_more_questions_than_the_cap_are_with_the_model() {
        let budget = ModelBudget::new(2, 0);
        let first = budget.admit(&Client::Unknown).unwrap();
        let _second = budget.admit(&Client::Unknown).unwrap();
        let refused = budget.admit(&Client::Unknown).unwrap_err();
        assert!(refused.contains("offline answer"), "{refused}");
        assert_eq!(budget.in_flight(), 2);
        drop(first);
        assert!(budget.admit(&Client::Unknown).is_ok());
    }

    #[test]
    fn a_client_past_its_questions_per_minute_is_answered_offline_and_others_are_not() {
        let budget = ModelBudget::new(8, 2);
        let me = Client::Address([127, 0, 0, 1].into());
        assert!(budget.admit(&me).is_ok());
        assert!(budget.admit(&me).is_ok());
        let refused = budget.admit(&me).unwrap_err();
        assert!(refused.contains("in the last minute"), "{refused}");
        assert!(
            budget
                .admit(&Client::Address([127, 0, 0, 2].into()))
                .is_ok()
        );
    }

    #[test]
    fn a_zero_cap_sends_every_question_offline() {
        let budget = ModelBudget::new(0, 0);
        assert!(budget.admit(&Client::Unknown).is_err());
    }
}

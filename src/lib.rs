//! medcite: grounded answers to follow-up questions about a medical article.
//!
//! Modules in flow order: (import →) corpus → index → retrieve → compose → verify → dosing → server.
//! Lower modules never import higher ones; `contracts` holds the JSON shapes all of them share.

pub mod add;
pub mod analysis;
pub mod answer;
pub mod bench;
pub mod compose;
pub mod config;
pub mod contracts;
pub mod corpus;
pub mod dosing;
pub mod eval;
pub mod import;
pub mod index;
pub mod numbers;
pub mod question;
pub mod retrieval_model;
pub mod retrieve;
pub mod semantic;
pub mod server;
pub mod shorthand;
pub mod stages;
pub mod synonyms;
pub mod telemetry;
pub mod text;
pub mod verify;

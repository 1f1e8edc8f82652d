//! The HTTP JSON bodies (ask, chat history turns) never panic when decoded, and a decoded ask
//! request round-trips.
#![no_main]
use libfuzzer_sys::fuzz_target;
use medcite::contracts::{AskRequest, Turn};

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = serde_json::from_slice::<AskRequest>(data) {
        let text = serde_json::to_string(&request).expect("an ask request serialises");
        let again: AskRequest = serde_json::from_str(&text).expect("and reads back");
        assert_eq!(again, request);
    }
    let _ = serde_json::from_slice::<Vec<Turn>>(data);
});

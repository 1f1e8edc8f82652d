//! The dose extractor never panics and is deterministic on any text.
#![no_main]
use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use medcite::dosing::{DosingRules, check_against_sources, check_text};

fn rules() -> &'static DosingRules {
    static RULES: OnceLock<DosingRules> = OnceLock::new();
    RULES.get_or_init(|| {
        DosingRules::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/dosing/rules.toml"))
            .expect("the bundled rules load")
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let first = check_text(rules(), text);
        assert_eq!(first, check_text(rules(), text), "same text, same verdicts");
        let middle = (0..=text.len() / 2).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        let (answer, source) = text.split_at(middle);
        let _ = check_against_sources(rules(), answer, &[source]);
    }
});

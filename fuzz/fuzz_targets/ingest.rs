//! Markdown and front-matter ingestion never panics, whatever the file holds.
#![no_main]
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use medcite::contracts::DocKind;
use medcite::corpus::parse_document;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_document(DocKind::Article, Path::new("articles/demo.md"), text);
        let _ = parse_document(DocKind::Reference, Path::new("references/demo.md"), text);
    }
});

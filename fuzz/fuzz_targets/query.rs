//! The query builder and search never panic on any user text or history, over the bundled
//! corpus indexed once into a temporary folder.
#![no_main]
use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use medcite::contracts::{Hit, Turn};
use medcite::retrieve::{Retriever, SearchRequest};

fn retriever() -> &'static Retriever {
    static RETRIEVER: OnceLock<(tempfile_dir::Dir, Retriever)> = OnceLock::new();
    &RETRIEVER
        .get_or_init(|| {
            let dir = tempfile_dir::Dir::new();
            let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus");
            let (retriever, _) = Retriever::open(&corpus, &dir.0.join("index"), false)
                .expect("the bundled corpus indexes");
            (dir, retriever)
        })
        .1
}

mod tempfile_dir {
    /// A folder under the system temp dir, removed at exit.
    pub struct Dir(pub std::path::PathBuf);
    impl Dir {
        pub fn new() -> Dir {
            let path = std::env::temp_dir().join(format!("medcite-fuzz-query-{}", std::process::id()));
            std::fs::create_dir_all(&path).expect("temp dir");
            Dir(path)
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (query, previous) = text.split_once('\u{1}').unwrap_or((text, ""));
    let history = [Turn {
        role: "user".into(),
        content: previous.to_string(),
    }];
    let request = SearchRequest {
        query,
        history: &history,
        k: 1 + data.len() % 20,
    };
    let retriever = retriever();
    let hits: Vec<Hit> = retriever.search(&request).unwrap_or_default();
    let _ = retriever.coverage(&request, &hits);
    for hit in &hits {
        let _ = retriever.highlight_ranges(query, &hit.text);
    }
});

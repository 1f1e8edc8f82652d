//! Answer verification never panics, and a quote it marks verified really is in its passage.
#![no_main]
use libfuzzer_sys::fuzz_target;
use medcite::contracts::Passage;
use medcite::verify::{comparable, verify};

fn passage(n: usize, text: &str) -> Passage {
    Passage {
        marker: format!("S{n}"),
        chunk_id: format!("doc#{n}"),
        doc_id: "doc".into(),
        title: "Doc".into(),
        section: "Section".into(),
        text: text.into(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (answer, sources) = text.split_once('\u{1}').unwrap_or((text, "Rituximab:\n- Effective in approximately 62% of patients"));
    let passages: Vec<Passage> = sources
        .split('\u{2}')
        .enumerate()
        .map(|(i, t)| passage(i + 1, t))
        .collect();
    let checked = verify(answer, &passages);
    for quote in checked.quotes.iter().filter(|q| q.verified) {
        let n: usize = quote.marker.trim_start_matches('S').parse().expect("a verified quote has a marker");
        assert!(
            comparable(&passages[n - 1].text).contains(&comparable(&quote.quote)),
            "verified quote {:?} is not in {}",
            quote.quote,
            quote.marker
        );
    }
});

//! The synthetic corpus generator: articles and reference notes in the real corpus format, deterministic
//! for a given seed. Their words come from a real word distribution (PubMedQA abstracts'
//! counts, `benches/data/pubmedqa-dev-words.tsv`) or, as before, from the bundled corpus's
//! sentences and 1,907 words. It only writes files under the folder it is given.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::corpus::Corpus;

/// Passages one synthetic article yields with its references (24 of its own, 8 per reference).
pub const CHUNKS_PER_ARTICLE: usize = SECTIONS * (1 + BULLETS) + REFERENCES * REF_CHUNKS;
const SECTIONS: usize = 6;
const BULLETS: usize = 3;
const REFERENCES: usize = 6;
const REF_CHUNKS: usize = 8;
/// Share of words (out of 100) replaced by a random corpus word, so passages differ.
const MUTATION_PERCENT: u64 = 35;

/// SplitMix64: a small, fast, well-mixed generator; the same seed gives the same corpus on
/// every platform and version.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What the generator draws from: the bundled corpus's sentences, headings and words, or a word
/// distribution counted in real text.
#[derive(Debug, Clone)]
pub struct Material {
    sentences: Vec<String>,
    headings: Vec<String>,
    words: Vec<String>,
    /// When set, words are drawn by their real frequency and sentences are made of such draws.
    weights: Option<Weights>,
}

/// Running totals of word counts (same order as `Material::words`), for weighted draws.
#[derive(Debug, Clone)]
struct Weights {
    cumulative: Vec<u64>,
    headings: Vec<u64>,
}

impl Weights {
    fn draw(cumulative: &[u64], rng: &mut Rng) -> usize {
        let total = cumulative.last().copied().unwrap_or(0).max(1);
        let at = rng.next_u64() % total;
        cumulative.partition_point(|&c| c <= at)
    }
}

/// Words in a generated sentence drawn from a word distribution: PubMed abstracts' sentences run
/// about 10 to 35 words.
const SENTENCE_WORDS: std::ops::RangeInclusive<usize> = 10..=35;

/// Cumulative sums of `counts`.
fn running_totals(counts: &[u64]) -> Vec<u64> {
    counts
        .iter()
        .scan(0u64, |sum, &c| {
            *sum += c;
            Some(*sum)
        })
        .collect()
}

impl Material {
    /// Collects sentences (passage lines), headings and words from `corpus`.
    pub fn from_corpus(corpus: &Corpus) -> Material {
        let mut sentences = Vec::new();
        let mut headings = Vec::new();
        let mut words = Vec::new();
        for chunk in corpus.chunks() {
            for line in chunk.text.lines() {
                let line = line.trim().trim_start_matches("- ").trim();
                if line.split_whitespace().count() >= 3 {
                    sentences.push(line.to_string());
                }
                words.extend(
                    line.split_whitespace()
                        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
                        .filter(|w| w.len() > 2)
                        .map(str::to_string),
                );
            }
            for heading in chunk.section.split(" › ") {
                if !headings.iter().any(|h| h == heading) {
                    headings.push(heading.to_string());
                }
            }
        }
        words.sort();
        words.dedup();
        Material {
            sentences,
            headings,
            words,
            weights: None,
        }
    }

    /// Reads a word distribution written by `benches/word_counts.py`: `#` comments, then
    /// `heading<TAB>name<TAB>count` and `word<TAB>word<TAB>count` lines.
    pub fn from_word_counts(text: &str) -> Result<Material, String> {
        let mut words = Vec::new();
        let mut word_counts = Vec::new();
        let mut headings = Vec::new();
        let mut heading_counts = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let bad = || format!("line {}: expected kind<TAB>text<TAB>count", n + 1);
            let mut fields = line.split('\t');
            let (Some(kind), Some(name), Some(count), None) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                return Err(bad());
            };
            let count: u64 = count.trim().parse().map_err(|_| bad())?;
            let name = name.replace(['"', '\\', '[', ']', '+'], "");
            if name.is_empty() || count == 0 {
                continue;
            }
            match kind {
                "word" => {
                    words.push(name);
                    word_counts.push(count);
                }
                "heading" => {
                    headings.push(name);
                    heading_counts.push(count);
                }
                _ => return Err(format!("line {}: unknown kind '{kind}'", n + 1)),
            }
        }
        if words.is_empty() || headings.is_empty() {
            return Err("no words or no headings".into());
        }
        Ok(Material {
            sentences: Vec::new(),
            headings,
            words,
            weights: Some(Weights {
                cumulative: running_totals(&word_counts),
                headings: running_totals(&heading_counts),
            }),
        })
    }

    /// Distinct words the generator can write.
    pub fn vocabulary(&self) -> usize {
        self.words.len()
    }

    fn word(&self, rng: &mut Rng) -> &str {
        match &self.weights {
            Some(w) => &self.words[Weights::draw(&w.cumulative, rng)],
            None => rng.pick(&self.words).as_str(),
        }
    }

    pub(crate) fn heading(&self, rng: &mut Rng) -> &str {
        match &self.weights {
            Some(w) => &self.headings[Weights::draw(&w.headings, rng)],
            None => rng.pick(&self.headings).as_str(),
        }
    }

    /// A sentence: words drawn by their real frequency, or a bundled sentence with some words
    /// swapped for other corpus words.
    pub(crate) fn sentence(&self, rng: &mut Rng) -> String {
        if self.weights.is_some() {
            let len = SENTENCE_WORDS.start()
                + rng.below(SENTENCE_WORDS.end() - SENTENCE_WORDS.start() + 1);
            let mut out = String::with_capacity(len * 8);
            for i in 0..len {
                let word = self.word(rng);
                if i == 0 {
                    let mut chars = word.chars();
                    if let Some(first) = chars.next() {
                        out.extend(first.to_uppercase());
                        out.push_str(chars.as_str());
                    }
                } else {
                    out.push(' ');
                    out.push_str(word);
                }
            }
            out.push('.');
            return out;
        }
        let base = rng.pick(&self.sentences);
        base.split_whitespace()
            .map(|w| {
                if rng.below(100) < MUTATION_PERCENT as usize {
                    self.word(rng)
                } else {
                    w
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
            .replace(['[', ']', '+'], "")
    }

    pub(crate) fn title(&self, rng: &mut Rng, words: usize) -> String {
        (0..words)
            .map(|_| self.word(rng))
            .collect::<Vec<_>>()
            .join(" ")
            .replace('"', "")
    }
}

/// What `generate` wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generated {
    pub articles: usize,
    pub references: usize,
    pub chunks: usize,
    pub bytes: u64,
}

/// Writes `articles` synthetic articles, each with its reference notes, under `out`
/// (`articles/`, `references/`, and, from the bundled corpus `bundled` when given, copies of
/// `synonyms.toml` and `dosing/rules.toml`).
pub fn generate(
    material: &Material,
    articles: usize,
    seed: u64,
    out: &Path,
    bundled: Option<&Path>,
) -> std::io::Result<Generated> {
    fs::create_dir_all(out.join("articles"))?;
    fs::create_dir_all(out.join("references"))?;
    if let Some(bundled) = bundled {
        fs::copy(bundled.join("synonyms.toml"), out.join("synonyms.toml"))?;
        fs::create_dir_all(out.join("dosing"))?;
        fs::copy(
            bundled.join("dosing/rules.toml"),
            out.join("dosing/rules.toml"),
        )?;
    }
    let mut rng = Rng::new(seed);
    let mut bytes = 0u64;
    for a in 0..articles {
        let id = format!("synth-article-{a:07}");
        let refs: Vec<String> = (1..=REFERENCES)
            .map(|n| format!("synth-ref-{a:07}-{n}"))
            .collect();
        let mut text = String::with_capacity(8 * 1024);
        text.push_str(&format!(
            "+++\nid = \"{id}\"\ntitle = \"{}\"\nquestion = \"{}?\"\nupdated = \"2025-01-01\"\n\n[references]\n",
            material.title(&mut rng, 4),
            material.title(&mut rng, 6)
        ));
        for (n, r) in refs.iter().enumerate() {
            text.push_str(&format!("{} = \"{r}\"\n", n + 1));
        }
        text.push_str("+++\n\n");
        text.push_str(&format!("# {}\n", material.title(&mut rng, 4)));
        for _ in 0..SECTIONS {
            let heading = material.heading(&mut rng).to_string();
            text.push_str(&format!("\n## {heading}\n\n"));
            text.push_str(&format!(
                "{} [{}]\n\n",
                material.sentence(&mut rng),
                1 + rng.below(REFERENCES)
            ));
            for _ in 0..BULLETS {
                text.push_str(&format!("- {}:\n", material.title(&mut rng, 2)));
                for _ in 0..2 + rng.below(3) {
                    text.push_str(&format!(
                        "  - {} [{}]\n",
                        material.sentence(&mut rng),
                        1 + rng.below(REFERENCES)
                    ));
                }
            }
        }
        bytes += write(&out.join("articles").join(format!("{id}.md")), &text)?;
        for (n, r) in refs.iter().enumerate() {
            let mut note = String::with_capacity(4 * 1024);
            note.push_str(&format!(
                "+++\nid = \"{r}\"\ntitle = \"Reference {} of {id} (synthetic)\"\nidentified = false\nconfidence = \"unknown\"\ncited_for = \"{}\"\n+++\n",
                n + 1,
                material.title(&mut rng, 6)
            ));
            for section in 0..REF_CHUNKS / 2 {
                note.push_str(&format!(
                    "\n## {}\n\n",
                    if section == 0 {
                        "What the article cites it for"
                    } else {
                        material.heading(&mut rng)
                    }
                ));
                for _ in 0..2 {
                    note.push_str(&format!(
                        "{} {}\n\n",
                        material.sentence(&mut rng),
                        material.sentence(&mut rng)
                    ));
                }
            }
            bytes += write(&out.join("references").join(format!("{r}.md")), &note)?;
        }
    }
    Ok(Generated {
        articles,
        references: articles * REFERENCES,
        chunks: articles * CHUNKS_PER_ARTICLE,
        bytes,
    })
}

fn write(path: &Path, text: &str) -> std::io::Result<u64> {
    let mut file = BufWriter::new(fs::File::create(path)?);
    file.write_all(text.as_bytes())?;
    file.flush()?;
    Ok(text.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn material() -> Material {
        let corpus = Corpus::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")).unwrap();
        Material::from_corpus(&corpus)
    }

    #[test]
    fn generated_corpus_loads_with_the_promised_passage_count() {
        let dir = tempfile::tempdir().unwrap();
        let made = generate(&material(), 3, 7, dir.path(), None).unwrap();
        let corpus = Corpus::load(dir.path()).unwrap();
        assert_eq!(corpus.chunk_count(), made.chunks);
        assert_eq!(made.chunks, 3 * CHUNKS_PER_ARTICLE);
        assert_eq!(corpus.documents.len(), 3 + 3 * REFERENCES);
        assert!(corpus.chunks().any(|c| !c.cites.is_empty()));
    }

    #[test]
    fn a_word_distribution_makes_a_corpus_with_its_words_at_their_frequencies() {
        let counts = "# test\nheading\tResults\t3\nheading\tMethods\t1\nword\tthe\t90\nword\tdysphagia\t9\nword\trenal\t1\n";
        let m = Material::from_word_counts(counts).unwrap();
        assert_eq!(m.vocabulary(), 3);
        let dir = tempfile::tempdir().unwrap();
        let made = generate(&m, 3, 7, dir.path(), None).unwrap();
        let corpus = Corpus::load(dir.path()).unwrap();
        assert_eq!(corpus.chunk_count(), made.chunks);
        let text: String = corpus
            .chunks()
            .map(|c| c.text.to_lowercase() + " ")
            .collect();
        let count = |w: &str| {
            text.split_whitespace()
                .filter(|t| t.trim_matches('.') == w)
                .count()
        };
        let (the, dysphagia, renal) = (count("the"), count("dysphagia"), count("renal"));
        assert!(
            the > 5 * dysphagia && dysphagia > 2 * renal,
            "{the} {dysphagia} {renal}"
        );
        assert!(corpus.chunks().all(|c| c.section != "Conclusion"));
        assert!(Material::from_word_counts("word\tx\n").is_err());
    }

    #[test]
    fn same_seed_same_corpus() {
        let (a, b, c) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        let m = material();
        generate(&m, 2, 42, a.path(), None).unwrap();
        generate(&m, 2, 42, b.path(), None).unwrap();
        generate(&m, 2, 43, c.path(), None).unwrap();
        let read =
            |d: &Path| fs::read_to_string(d.join("articles/synth-article-0000001.md")).unwrap();
        assert_eq!(read(a.path()), read(b.path()));
        assert_ne!(read(a.path()), read(c.path()));
    }
}

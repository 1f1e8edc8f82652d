//! The hold-out split of a gold file: a top-level `test = ["id", …]` names the questions that are
//! only run to report; the rest are the train part, read and tuned on. It sorts questions and
//! figures into parts; it never decides what a question expects or how it is scored.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::EvalError;

/// Which part of its gold file's hold-out split a question is in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// Read and tuned on; also every question of a file without a split.
    #[default]
    Train,
    /// Only run to report: a change is kept when this part's figure rises.
    Test,
}

/// Gives every question its part from the file's `test` ids, which must each name a question.
pub fn assign<Q>(
    path: &str,
    test: &[String],
    questions: &mut [Q],
    id: impl Fn(&Q) -> &str,
    set: impl Fn(&mut Q, Part),
) -> Result<(), EvalError> {
    let known: BTreeSet<&str> = questions.iter().map(&id).collect();
    if let Some(unknown) = test.iter().find(|t| !known.contains(t.as_str())) {
        return Err(EvalError::Bad {
            path: path.to_string(),
            problem: format!(
                "the test split names {unknown}, which is no question's id; correct or remove it from `test`"
            ),
        });
    }
    let test: BTreeSet<&str> = test.iter().map(String::as_str).collect();
    for q in questions.iter_mut() {
        let part = if test.contains(id(q)) {
            Part::Test
        } else {
            Part::Train
        };
        set(q, part);
    }
    Ok(())
}

/// Figures of a gold file: over all its questions (as without a split) and, when the file has a
/// split, over its train and its test part apart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ByPart<F> {
    #[serde(flatten)]
    pub all: F,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub train: Option<F>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<F>,
}

impl<F> ByPart<F> {
    /// `figures` of all `rows`, and of each part's rows when any row is in the test part.
    pub fn of<R>(rows: &[R], part: impl Fn(&R) -> Part, figures: impl Fn(&[&R]) -> F) -> Self {
        let all: Vec<&R> = rows.iter().collect();
        let of_part =
            |wanted: Part| -> Vec<&R> { rows.iter().filter(|r| part(r) == wanted).collect() };
        let test = of_part(Part::Test);
        let split = !test.is_empty();
        ByPart {
            all: figures(&all),
            train: split.then(|| figures(&of_part(Part::Train))),
            test: split.then(|| figures(&test)),
        }
    }

    /// The parts to print, labelled: `all` alone without a split, else all, train and test.
    pub fn labelled(&self) -> Vec<(&'static str, &F)> {
        let mut out = vec![("all", &self.all)];
        if let (Some(train), Some(test)) = (&self.train, &self.test) {
            out.push(("train", train));
            out.push(("test", test));
        }
        out
    }
}

/// The test part chosen blind to content: the quarter (rounded) of the ids with the lowest
/// sha256 of the id string, in that order. The same rule as the shell one-liner in each gold file.
pub fn hold_out<'a>(ids: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut hashed: Vec<(String, &str)> = ids
        .into_iter()
        .map(|id| (hex(&Sha256::digest(id.as_bytes())), id))
        .collect();
    hashed.sort();
    let take = (hashed.len() + 2) / 4;
    hashed
        .into_iter()
        .take(take)
        .map(|(_, id)| id.to_string())
        .collect()
}

/// The comment and `test` array that open a gold file's questions: the ids [`hold_out`] chose
/// from `file_name`, one a line. `import-pubmedqa` writes it into the gold it generates; the
/// hand-written gold files hold the same text.
pub fn test_table(file_name: &str, ids: &[String]) -> String {
    let listed: String = ids.iter().map(|id| format!("  \"{id}\",\n")).collect();
    format!(
        "{}\n#   grep '^id = ' {file_name} | cut -d'\"' -f2 | while read -r id; do echo \"$(echo -n \"$id\" | sha256sum) $id\"; done | LC_ALL=C sort | head -{} | awk '{{print $3}}'\n{}\ntest = [\n{listed}]\n",
        DISCIPLINE.trim_end(),
        ids.len(),
        WRITTEN_BEFORE,
    )
}

const DISCIPLINE: &str = "\
# Hold-out split (issue 23). The questions named in `test` are the test part: run only to report,
# their rows not read to decide what to change (`medcite eval` prints their figures, and their
# misses only with --all). The rest are the train part, read and tuned on. A feature or weight is
# kept only when the test figure rises. Chosen by id alone, blind to content: the quarter (rounded)
# of the ids with the lowest sha256 of the id string:
";

const WRITTEN_BEFORE: &str =
    "# The questions were written before the split: the test part is held out from now on.";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Q {
        id: &'static str,
        part: Part,
    }

    fn questions() -> Vec<Q> {
        ["a", "b", "c"]
            .into_iter()
            .map(|id| Q {
                id,
                part: Part::Train,
            })
            .collect()
    }

    #[test]
    fn test_ids_put_their_questions_in_the_test_part() {
        let mut qs = questions();
        assign(
            "g.toml",
            &["b".into()],
            &mut qs,
            |q| q.id,
            |q, p| q.part = p,
        )
        .unwrap();
        let parts: Vec<Part> = qs.iter().map(|q| q.part).collect();
        assert_eq!(parts, [Part::Train, Part::Test, Part::Train]);
    }

    #[test]
    fn a_test_id_that_names_no_question_is_an_error_naming_it() {
        let mut qs = questions();
        let err = assign(
            "g.toml",
            &["b".into(), "zz9".into()],
            &mut qs,
            |q| q.id,
            |q, p| q.part = p,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("zz9") && err.contains("g.toml"), "{err}");
    }

    #[test]
    fn figures_are_given_per_part_only_when_there_is_a_test_part() {
        let rows = [(Part::Train, 1), (Part::Test, 10), (Part::Train, 100)];
        let sum = |rows: &[&(Part, i32)]| rows.iter().map(|r| r.1).sum::<i32>();
        let split = ByPart::of(&rows, |r| r.0, sum);
        assert_eq!(
            (split.all, split.train, split.test),
            (111, Some(101), Some(10))
        );
        let labels: Vec<&str> = split.labelled().iter().map(|(l, _)| *l).collect();
        assert_eq!(labels, ["all", "train", "test"]);

        let whole = ByPart::of(&rows[..1], |r| r.0, sum);
        assert_eq!((whole.all, whole.train, whole.test), (1, None, None));
        assert_eq!(whole.labelled().len(), 1);
    }

    /// Each gold file's `test` is what its comment says: [`hold_out`] of its ids, under the
    /// comment and one-liner [`test_table`] writes.
    #[test]
    fn every_gold_file_holds_out_the_quarter_its_comment_names() {
        let gold = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/gold");
        for name in [
            "quality.toml",
            "retrieval.toml",
            "offtopic.toml",
            "pubmedqa/rewritten.toml",
            "pubmedqa/left_out_rewritten.toml",
            "pubmedqa/own.toml",
            "pubmedqa/left_out.toml",
        ] {
            let text = std::fs::read_to_string(gold.join(name)).unwrap();
            let file: toml::Table = toml::from_str(&text).unwrap();
            let ids: Vec<&str> = file["question"]
                .as_array()
                .unwrap()
                .iter()
                .map(|q| q["id"].as_str().unwrap())
                .collect();
            let test: Vec<&str> = file["test"]
                .as_array()
                .unwrap()
                .iter()
                .map(|id| id.as_str().unwrap())
                .collect();
            let chosen = hold_out(ids.iter().copied());
            assert_eq!(test, chosen, "{name}");
            let file_name = name.rsplit('/').next().unwrap_or(name);
            assert!(text.contains(&test_table(file_name, &chosen)), "{name}");
        }
    }

    #[test]
    fn hold_out_takes_the_rounded_quarter_with_the_lowest_sha256() {
        // `echo -n q08 | sha256sum` is 05c3…, q05 3cf4…: the lowest of the eight.
        let ids = ["q01", "q02", "q03", "q04", "q05", "q06", "q07", "q08"];
        assert_eq!(hold_out(ids), ["q08", "q05"]);
        assert_eq!(hold_out(["x"; 0]).len(), 0);
        assert_eq!(hold_out((0..197).map(|_| "x")).len(), 49);
        assert_eq!(hold_out((0..30).map(|_| "x")).len(), 8);
    }
}

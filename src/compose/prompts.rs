//! The prompt files in `prompts/`: loaded once at start-up and checked for their placeholders.

use std::fs;
use std::path::Path;

use super::ComposeError;

/// The system prompt and the templates of the user message and of the retry message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompts {
    /// `answer.md`: the rules the model follows.
    pub system: String,
    /// `user.md`: holds `{{passages}}` and `{{question}}`.
    pub user: String,
    /// `retry.md`: holds `{{answer}}` and `{{problems}}`.
    pub retry: String,
}

impl Prompts {
    /// Reads `answer.md`, `user.md` and `retry.md` from `dir`; a missing file, an empty one or a
    /// missing placeholder is an error naming the file.
    pub fn load(dir: &Path) -> Result<Prompts, ComposeError> {
        let read = |name: &str, placeholders: &[&str]| -> Result<String, ComposeError> {
            let path = dir.join(name);
            let shown = path.display().to_string();
            let text = fs::read_to_string(&path).map_err(|e| ComposeError::Prompt {
                path: shown.clone(),
                problem: format!(
                    "{e} (set MEDCITE_PROMPTS to the folder holding answer.md, user.md and retry.md)"
                ),
            })?;
            if text.trim().is_empty() {
                return Err(ComposeError::Prompt {
                    path: shown,
                    problem: "the file is empty".into(),
                });
            }
            for placeholder in placeholders {
                if !text.contains(placeholder) {
                    return Err(ComposeError::Prompt {
                        path: shown,
                        problem: format!("the placeholder {placeholder} is missing"),
                    });
                }
            }
            Ok(text)
        };
        Ok(Prompts {
            system: read("answer.md", &[])?,
            user: read("user.md", &["{{passages}}", "{{question}}"])?,
            retry: read("retry.md", &["{{answer}}", "{{problems}}"])?,
        })
    }

    /// The user message: passages and question put into `user.md`.
    pub fn user_message(&self, passages: &str, question: &str) -> String {
        // Fill the question last so that text in the passages can never inject a placeholder.
        self.user
            .replace("{{passages}}", "\u{0}P\u{0}")
            .replace("{{question}}", question)
            .replace("\u{0}P\u{0}", passages)
    }

    /// The retry message: the failed answer and its problems put into `retry.md`.
    pub fn retry_message(&self, answer: &str, problems: &[String]) -> String {
        let problems = problems
            .iter()
            .map(|p| format!("- {p}"))
            .collect::<Vec<_>>()
            .join("\n");
        self.retry
            .replace("{{answer}}", "\u{0}A\u{0}")
            .replace("{{problems}}", &problems)
            .replace("\u{0}A\u{0}", answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn bundled_prompts_load() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("prompts");
        let prompts = Prompts::load(&dir).unwrap();
        assert!(prompts.system.contains("[S1]"));
    }

    #[test]
    fn missing_file_and_placeholder_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let err = Prompts::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("answer.md"), "{err}");
        write(dir.path(), "answer.md", "rules");
        write(dir.path(), "user.md", "{{passages}} only");
        write(dir.path(), "retry.md", "{{answer}} {{problems}}");
        let err = Prompts::load(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("user.md") && err.contains("{{question}}"),
            "{err}"
        );
    }

    #[test]
    fn text_in_the_question_or_passages_cannot_fill_another_placeholder() {
        let prompts = Prompts {
            system: String::new(),
            user: "P: {{passages}}\nQ: {{question}}".into(),
            retry: "{{answer}} / {{problems}}".into(),
        };
        assert_eq!(
            prompts.user_message("has {{question}}", "asks {{passages}}"),
            "P: has {{question}}\nQ: asks {{passages}}"
        );
        assert_eq!(
            prompts.retry_message("said {{problems}}", &["x".into()]),
            "said {{problems}} / - x"
        );
    }
}

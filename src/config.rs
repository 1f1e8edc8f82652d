//! The settings file `medcite.toml` and the one table of every setting: its key in the file,
//! its environment variable, whether it is a secret. A setting is read where it always was
//! (a flag or `MEDCITE_*` variable through clap, `server::Settings::from_env`,
//! `compose::LlmConfig::from_env`); the file only fills in the variables the environment leaves
//! unset, so the order is flag > environment > file > default. Never prints a secret.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The file read when neither `--config` nor `MEDCITE_CONFIG` names one (and it exists).
pub const DEFAULT_FILE: &str = "medcite.toml";
/// The variable naming the settings file.
pub const CONFIG_ENV: &str = "MEDCITE_CONFIG";

/// One setting: its key in `medcite.toml`, its environment variable, and its default as shown
/// by `medcite config`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    pub key: &'static str,
    pub env: &'static str,
    /// Shown as `(hidden)` by `medcite config`.
    pub secret: bool,
    /// The default, as a value of the file would write it; empty for none (unset).
    pub default: &'static str,
    pub about: &'static str,
}

const fn setting(
    key: &'static str,
    env: &'static str,
    default: &'static str,
    about: &'static str,
) -> Setting {
    Setting {
        key,
        env,
        secret: false,
        default,
        about,
    }
}

const fn secret(key: &'static str, env: &'static str, about: &'static str) -> Setting {
    Setting {
        key,
        env,
        secret: true,
        default: "",
        about,
    }
}

/// Every setting of medcite, in the order `medcite config` prints them.
pub const SETTINGS: &[Setting] = &[
    setting("corpus", "MEDCITE_CORPUS", "corpus", "corpus folder"),
    setting("index", "MEDCITE_INDEX", "index", "index folder"),
    setting(
        "prompts",
        "MEDCITE_PROMPTS",
        "prompts",
        "prompt folder for the LLM",
    ),
    setting(
        "log_format",
        "MEDCITE_LOG_FORMAT",
        "text",
        "serve and mcp logs: text or json",
    ),
    setting(
        "addr",
        "MEDCITE_ADDR",
        "127.0.0.1:8080",
        "serve: address to listen on",
    ),
    setting(
        "audit_dir",
        "MEDCITE_AUDIT_DIR",
        "",
        "audit log folder (default: audit beside the index)",
    ),
    setting(
        "no_audit",
        "MEDCITE_NO_AUDIT",
        "false",
        "serve without an audit log",
    ),
    setting(
        "audit_redact",
        "MEDCITE_AUDIT_REDACT",
        "false",
        "keep question text out of the audit log",
    ),
    setting(
        "semantic",
        "MEDCITE_SEMANTIC",
        "",
        "semantic expansion table: unset built-in, off, or a file",
    ),
    setting(
        "llm_base_url",
        "MEDCITE_LLM_BASE_URL",
        "",
        "OpenAI-compatible endpoint; unset: offline answers",
    ),
    setting(
        "llm_model",
        "MEDCITE_LLM_MODEL",
        "",
        "model name the endpoint serves",
    ),
    secret(
        "llm_api_key",
        "MEDCITE_LLM_API_KEY",
        "API key of the endpoint",
    ),
    setting(
        "llm_timeout_secs",
        "MEDCITE_LLM_TIMEOUT_SECS",
        "30",
        "seconds one model call may take",
    ),
    setting(
        "request_timeout_secs",
        "MEDCITE_REQUEST_TIMEOUT_SECS",
        "90",
        "seconds a request may take",
    ),
    setting(
        "header_timeout_secs",
        "MEDCITE_HEADER_TIMEOUT_SECS",
        "10",
        "seconds to send a request's headers",
    ),
    setting(
        "body_timeout_secs",
        "MEDCITE_BODY_TIMEOUT_SECS",
        "10",
        "seconds to send a request's body",
    ),
    setting(
        "max_connections",
        "MEDCITE_MAX_CONNECTIONS",
        "1024",
        "connections served at once",
    ),
    setting(
        "max_connections_per_client",
        "MEDCITE_MAX_CONNECTIONS_PER_CLIENT",
        "256",
        "connections one address may hold",
    ),
    setting(
        "rate_limit_per_minute",
        "MEDCITE_RATE_LIMIT_PER_MINUTE",
        "1200",
        "requests per client per minute to /api, /v1, /mcp (0: no limit)",
    ),
    setting(
        "rate_limit_burst",
        "MEDCITE_RATE_LIMIT_BURST",
        "100",
        "requests per client at once",
    ),
    setting(
        "bad_tokens_per_minute",
        "MEDCITE_BAD_TOKENS_PER_MINUTE",
        "10",
        "wrong tokens per address per minute before a lock-out",
    ),
    setting(
        "llm_concurrency",
        "MEDCITE_LLM_CONCURRENCY",
        "4",
        "model calls in flight at once",
    ),
    setting(
        "llm_asks_per_minute",
        "MEDCITE_LLM_ASKS_PER_MINUTE",
        "30",
        "questions per client per minute to the model",
    ),
    setting(
        "cpu_slots",
        "MEDCITE_CPU_SLOTS",
        "",
        "threads for search and offline answers (default: one per core)",
    ),
    setting(
        "search_threads",
        "MEDCITE_SEARCH_THREADS",
        "",
        "threads searching one query's index segments side by side (default: one per core, at most 4)",
    ),
    setting(
        "queue_depth",
        "MEDCITE_QUEUE_DEPTH",
        "",
        "requests that may wait for a thread (default: 8 per thread)",
    ),
    secret(
        "api_token",
        "MEDCITE_API_TOKEN",
        "bearer token required by /api, /v1, /mcp, /metrics",
    ),
    setting(
        "cors_origin",
        "MEDCITE_CORS_ORIGIN",
        "",
        "browser origin allowed to call the API, or *",
    ),
    setting(
        "mcp_allowed_hosts",
        "MEDCITE_MCP_ALLOWED_HOSTS",
        "",
        "Host names /mcp answers, comma-separated, or * (default: loopback)",
    ),
];

/// The setting whose environment variable is `env`.
pub fn by_env(env: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.env == env)
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "cannot read the settings file {path}: {source}; pass --config FILE or set {CONFIG_ENV}"
    )]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the settings file {path} is not valid TOML: {detail}")]
    Syntax { path: PathBuf, detail: String },
    #[error("the settings file {path} has an unknown setting '{key}'; the settings are: {known}")]
    Unknown {
        path: PathBuf,
        key: String,
        known: String,
    },
    #[error(
        "the settings file {path} gives '{key}' a {kind}; write a string, a number or true/false"
    )]
    Value {
        path: PathBuf,
        key: String,
        kind: &'static str,
    },
}

/// The values of a settings file, by environment variable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSettings {
    /// Where they were read; `None` when there is no file.
    pub path: Option<PathBuf>,
    values: BTreeMap<&'static str, String>,
}

impl FileSettings {
    /// Reads `path`.
    pub fn load(path: &Path) -> Result<FileSettings, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        FileSettings::parse(&text, path)
    }

    /// Reads the settings of `text`: `key = value` at the top, or under a table, whose name
    /// prefixes the key when that names a setting (`[llm]` `model = …` is `llm_model`) and else
    /// only groups it (`[limits]` `api_token = …` is `api_token`).
    pub fn parse(text: &str, path: &Path) -> Result<FileSettings, ConfigError> {
        let table: toml::Table =
            text.parse()
                .map_err(|e: toml::de::Error| ConfigError::Syntax {
                    path: path.to_path_buf(),
                    detail: e.to_string(),
                })?;
        let mut values = BTreeMap::new();
        let mut put = |key: String, value: &toml::Value| -> Result<(), ConfigError> {
            let Some(setting) = SETTINGS.iter().find(|s| s.key == key) else {
                return Err(ConfigError::Unknown {
                    path: path.to_path_buf(),
                    known: SETTINGS
                        .iter()
                        .map(|s| s.key)
                        .collect::<Vec<_>>()
                        .join(", "),
                    key,
                });
            };
            let text = match value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(n) => n.to_string(),
                toml::Value::Float(x) => x.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                toml::Value::Array(items) if items.iter().all(toml::Value::is_str) => items
                    .iter()
                    .filter_map(toml::Value::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
                other => {
                    return Err(ConfigError::Value {
                        path: path.to_path_buf(),
                        key,
                        kind: other.type_str(),
                    });
                }
            };
            values.insert(setting.env, text);
            Ok(())
        };
        for (key, value) in &table {
            match value {
                toml::Value::Table(inner) => {
                    for (name, value) in inner {
                        let prefixed = format!("{key}_{name}");
                        if SETTINGS.iter().any(|s| s.key == prefixed) {
                            put(prefixed, value)?;
                        } else {
                            put(name.clone(), value)?;
                        }
                    }
                }
                value => put(key.clone(), value)?,
            }
        }
        Ok(FileSettings {
            path: Some(path.to_path_buf()),
            values,
        })
    }

    /// The file's value of the variable `env`.
    pub fn get(&self, env: &str) -> Option<&str> {
        self.values.get(env).map(String::as_str)
    }

    /// The file's values of the variables `is_set` says the environment leaves unset: the ones
    /// to put into the environment before the flags are read.
    pub fn unset_in(&self, is_set: impl Fn(&str) -> bool) -> Vec<(&'static str, &str)> {
        self.values
            .iter()
            .filter(|(env, _)| !is_set(env))
            .map(|(env, value)| (*env, value.as_str()))
            .collect()
    }
}

/// The settings file to read: `--config FILE` among `args`, else `MEDCITE_CONFIG`, else
/// `medcite.toml` in the working directory when it exists. The flag or variable must name a
/// file that exists (an error later); the default file may be absent.
pub fn locate(args: &[OsString], env: Option<OsString>) -> Option<PathBuf> {
    let mut args = args.iter().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--" {
            break;
        }
        if arg == "--config" {
            return args.next().map(PathBuf::from);
        }
        if let Some(path) = arg.to_str().and_then(|a| a.strip_prefix("--config=")) {
            return Some(PathBuf::from(path));
        }
    }
    if let Some(path) = env.filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let default = PathBuf::from(DEFAULT_FILE);
    default.is_file().then_some(default)
}

/// Where a setting's effective value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Flag,
    Env,
    File,
    Default,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Flag => "flag",
            Source::Env => "environment",
            Source::File => "file",
            Source::Default => "default",
        }
    }
}

/// One line of `medcite config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effective {
    pub setting: &'static Setting,
    /// The value, `(hidden)` for a set secret; `None` when unset.
    pub value: Option<String>,
    pub source: Source,
}

/// The effective value of every setting: `flags` (variable → value given on the command line),
/// then the environment as it was before the file was read (`env`), then `file`, then the
/// default. Secrets are replaced by `(hidden)`.
pub fn effective(
    file: &FileSettings,
    env: impl Fn(&str) -> Option<String>,
    flags: &BTreeMap<&str, String>,
) -> Vec<Effective> {
    SETTINGS
        .iter()
        .map(|setting| {
            let found = flags
                .get(setting.env)
                .map(|v| (Some(v.clone()), Source::Flag))
                .or_else(|| {
                    env(setting.env)
                        .filter(|v| !v.trim().is_empty())
                        .map(|v| (Some(v), Source::Env))
                })
                .or_else(|| {
                    file.get(setting.env)
                        .map(|v| (Some(v.to_string()), Source::File))
                });
            let (value, source) = found.unwrap_or_else(|| {
                let default = (!setting.default.is_empty()).then(|| setting.default.to_string());
                (default, Source::Default)
            });
            let value = match value {
                Some(_) if setting.secret => Some("(hidden)".to_string()),
                other => other,
            };
            Effective {
                setting,
                value,
                source,
            }
        })
        .collect()
}

/// `medcite config`'s text: a settings file of the effective values, each with its source.
pub fn render(file: &FileSettings, lines: &[Effective]) -> String {
    let mut out =
        String::from("# medcite's effective settings (flag > environment > file > default)\n");
    match &file.path {
        Some(path) => out.push_str(&format!("# settings file: {}\n", path.display())),
        None => out.push_str(&format!(
            "# settings file: none ({DEFAULT_FILE} absent; --config FILE or {CONFIG_ENV} names one)\n"
        )),
    }
    for line in lines {
        let key = line.setting.key;
        let origin = format!("{}, {}", line.source.as_str(), line.setting.env);
        match &line.value {
            Some(value) => out.push_str(&format!(
                "{key} = {}  # {origin}\n",
                toml::Value::String(value.clone())
            )),
            None => out.push_str(&format!("# {key} unset  # {}\n", line.setting.about)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> FileSettings {
        FileSettings::parse(text, Path::new("medcite.toml")).expect("valid settings")
    }

    #[test]
    fn keys_map_to_their_variables_flat_or_in_a_table() {
        let f = file(
            "addr = \"0.0.0.0:8080\"\nllm_timeout_secs = 5\n[llm]\nmodel = \"qwen\"\n[limits]\nqueue_depth = 3\n",
        );
        assert_eq!(f.get("MEDCITE_QUEUE_DEPTH"), Some("3"));
        assert_eq!(f.get("MEDCITE_ADDR"), Some("0.0.0.0:8080"));
        assert_eq!(f.get("MEDCITE_LLM_TIMEOUT_SECS"), Some("5"));
        assert_eq!(f.get("MEDCITE_LLM_MODEL"), Some("qwen"));
    }

    #[test]
    fn an_unknown_key_is_an_error_naming_the_known_ones() {
        let error = FileSettings::parse("adress = \"x\"", Path::new("m.toml")).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("'adress'") && message.contains("addr"),
            "{message}"
        );
    }

    #[test]
    fn the_environment_wins_over_the_file() {
        let f = file("corpus = \"/srv/corpus\"\nindex = \"/srv/index\"\n");
        let unset = f.unset_in(|env| env == "MEDCITE_INDEX");
        assert_eq!(unset, vec![("MEDCITE_CORPUS", "/srv/corpus")]);
    }

    #[test]
    fn secrets_are_hidden_and_sources_named() {
        let f = file("llm_api_key = \"sk-secret\"\naddr = \"0.0.0.0:9000\"\n");
        let env = |name: &str| (name == "MEDCITE_API_TOKEN").then(|| "tok".to_string());
        let flags = BTreeMap::from([("MEDCITE_CORPUS", "c".to_string())]);
        let lines = effective(&f, env, &flags);
        let text = render(&f, &lines);
        assert!(
            !text.contains("sk-secret") && !text.contains("tok\""),
            "{text}"
        );
        let of = |key: &str| lines.iter().find(|l| l.setting.key == key).expect(key);
        assert_eq!(of("llm_api_key").value.as_deref(), Some("(hidden)"));
        assert_eq!(of("api_token").source, Source::Env);
        assert_eq!(of("addr").source, Source::File);
        assert_eq!(of("corpus").source, Source::Flag);
        assert_eq!(of("index").source, Source::Default);
    }

    #[test]
    fn the_config_flag_comes_before_the_variable() {
        let args: Vec<OsString> = ["medcite", "--config", "a.toml", "serve"]
            .iter()
            .map(OsString::from)
            .collect();
        assert_eq!(
            locate(&args, Some("b.toml".into())),
            Some(PathBuf::from("a.toml"))
        );
        let args: Vec<OsString> = ["medcite", "serve"].iter().map(OsString::from).collect();
        assert_eq!(
            locate(&args, Some("b.toml".into())),
            Some(PathBuf::from("b.toml"))
        );
    }

    #[test]
    fn the_defaults_shown_are_the_servers_own() {
        let lookup = |name: &str| {
            by_env(name)
                .map(|s| s.default.to_string())
                .filter(|d| !d.is_empty())
        };
        assert_eq!(
            crate::server::Settings::from_lookup(lookup).expect("defaults parse"),
            crate::server::Settings::default()
        );
        let llm = crate::compose::LlmConfig::from_lookup(|name| match name {
            "MEDCITE_LLM_BASE_URL" => Some("http://127.0.0.1:9/v1".to_string()),
            "MEDCITE_LLM_MODEL" => Some("m".to_string()),
            _ => None,
        })
        .expect("valid")
        .expect("configured");
        assert_eq!(
            by_env("MEDCITE_LLM_TIMEOUT_SECS").map(|s| s.default),
            Some(llm.timeout.as_secs().to_string().as_str())
        );
    }
}

//! The chat page at `/`: the article rendered on the server from the corpus (pulldown-cmark, raw
//! HTML escaped, citation markers linked to the numbered references), its references with their
//! bibliographic lines, and the follow-up box driven by `assets/app.js`. Everything the page
//! needs is embedded in the binary: no CDN, no web font, and a Content-Security-Policy that
//! allows nothing from elsewhere.

use std::sync::{Arc, LazyLock};

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use regex::Regex;

use super::AppState;
use crate::answer::MAX_QUESTION_CHARS;
use crate::corpus::{ArticleMeta, Corpus, DocMeta, Document, ReferenceMeta};

const TEMPLATE: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/app.js");
const STYLE: &str = include_str!("assets/app.css");

/// Nothing but this server's own script, style and API.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

static MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\[(\d{1,3}(?:[ \t]*[,–-][ \t]*\d{1,3})*)\]").expect("marker regex is valid")
});
static NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d{1,3}|[,–-]").expect("number regex is valid"));

#[utoipa::path(get, path = "/", tag = "service",
    responses((status = 200, description = "The article with the follow-up chat", content_type = "text/html")))]
/// The chat page.
pub async fn index(State(state): State<Arc<AppState>>) -> Response {
    let loaded = state.loaded();
    let mut response = (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        loaded.page.clone(),
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    secure(response)
}

pub async fn script() -> Response {
    secure(
        (
            [(
                header::CONTENT_TYPE,
                "application/javascript; charset=utf-8",
            )],
            SCRIPT,
        )
            .into_response(),
    )
}

pub async fn style() -> Response {
    secure(([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response())
}

fn secure(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The first article of the corpus with its Markdown body, if it has one.
pub fn first_article(corpus: &Corpus) -> Option<(&Document, &ArticleMeta)> {
    corpus.documents.iter().find_map(|d| match &d.meta {
        DocMeta::Article(meta) => Some((d, meta)),
        DocMeta::Reference(_) => None,
    })
}

/// The page for the corpus's first article; `mode` says how answers are composed, and
/// `suggestions` are follow-ups the sources answer (see `suggest`).
pub fn render(corpus: &Corpus, mode: &str, suggestions: &[String]) -> String {
    let suggestions = suggestions_html(suggestions);
    let Some((doc, meta)) = first_article(corpus) else {
        return fill(&Slots {
            title: "medcite",
            article: "<p>This corpus has no article.</p>",
            references: "",
            about: "",
            status: "",
            suggestions: &suggestions,
            mode,
        });
    };
    let body = match doc.read_body() {
        Ok(markdown) => article_html(&markdown, meta),
        Err(e) => format!(
            "<p>{}</p>",
            escape(&format!("The article could not be read: {e}"))
        ),
    };
    let references = references_html(corpus, meta);
    let mut about = format!("Question: {}", escape(&meta.question));
    if let Some(year) = meta.year {
        about.push_str(&format!(" · Published {year}"));
    }
    if let Some(pmid) = &meta.pmid {
        about.push_str(&format!(" · PMID {}", escape(pmid)));
    }
    fill(&Slots {
        title: &meta.title,
        article: &body,
        references: &references,
        about: &about,
        status: &status_html(meta),
        suggestions: &suggestions,
        mode,
    })
}

/// "Educational purpose only · Review status: … · Last updated …", from the front matter.
fn status_html(meta: &ArticleMeta) -> String {
    let mut parts = vec!["<strong>Educational purpose only</strong>".to_string()];
    if let Some(status) = meta
        .review_status
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        parts.push(format!(
            "<span class=\"review\">Review status: {}</span>",
            escape(status.trim())
        ));
    }
    if !meta.updated.is_empty() {
        parts.push(format!(
            "<span>Last updated <time datetime=\"{0}\">{0}</time></span>",
            escape(&meta.updated)
        ));
    }
    parts.join(" <span aria-hidden=\"true\">•</span> ")
}

fn suggestions_html(suggestions: &[String]) -> String {
    suggestions
        .iter()
        .map(|q| {
            format!(
                "<li><button type=\"button\" class=\"suggestion\">{}</button></li>",
                escape(q)
            )
        })
        .collect()
}

/// The text that fills the template's `{{slots}}` (HTML, already escaped where it must be).
struct Slots<'a> {
    title: &'a str,
    article: &'a str,
    references: &'a str,
    about: &'a str,
    status: &'a str,
    suggestions: &'a str,
    mode: &'a str,
}

fn fill(slots: &Slots<'_>) -> String {
    let max_question = MAX_QUESTION_CHARS.to_string();
    let title = escape(slots.title);
    let mode = escape(slots.mode);
    // One pass over the template, so text inserted for one slot is never read as another slot.
    let mut out =
        String::with_capacity(TEMPLATE.len() + slots.article.len() + slots.references.len());
    let mut rest = TEMPLATE;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            rest = &rest[start..];
            break;
        };
        let value = match &after[..end] {
            "title" => title.as_str(),
            "article" => slots.article,
            "references" => slots.references,
            "about" => slots.about,
            "status" => slots.status,
            "suggestions" => slots.suggestions,
            "suggestions_hidden" if slots.suggestions.is_empty() => " hidden",
            "mode" => mode.as_str(),
            "max_question" => max_question.as_str(),
            _ => "",
        };
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// An article's references in citation order, as (number, note).
pub fn numbered_references<'a>(
    corpus: &'a Corpus,
    meta: &ArticleMeta,
) -> Vec<(u32, &'a ReferenceMeta)> {
    let mut out: Vec<(u32, &ReferenceMeta)> = meta
        .references
        .iter()
        .filter_map(|(number, id)| {
            let number = number.parse().ok()?;
            match &corpus.document(id)?.meta {
                DocMeta::Reference(reference) => Some((number, reference)),
                DocMeta::Article(_) => None,
            }
        })
        .collect();
    out.sort_by_key(|(n, _)| *n);
    out
}

fn references_html(corpus: &Corpus, meta: &ArticleMeta) -> String {
    let mut html = String::new();
    for (number, reference) in numbered_references(corpus, meta) {
        html.push_str(&format!(
            "<li id=\"ref-{number}\" value=\"{number}\" data-doc=\"{}\" data-confidence=\"{}\" data-identified=\"{}\"><span class=\"citation\">{}</span>",
            escape(&reference.id),
            escape(&reference.confidence),
            reference.identified,
            escape(&reference.citation_line())
        ));
        if !reference.identified {
            html.push_str(" <span class=\"badge warn\">Source not traced</span>");
        } else if reference.confidence != "confirmed" {
            html.push_str(" <span class=\"badge warn\">Identification unconfirmed</span>");
        }
        let mut links = Vec::new();
        if let Some(pmid) = reference
            .pmid
            .as_deref()
            .filter(|p| p.chars().all(|c| c.is_ascii_digit()))
        {
            links.push(format!(
                "<a href=\"https://pubmed.ncbi.nlm.nih.gov/{pmid}/\" rel=\"noopener noreferrer\">PubMed</a>"
            ));
        }
        if let Some(doi) = &reference.doi {
            links.push(format!(
                "<a href=\"https://doi.org/{}\" rel=\"noopener noreferrer\">DOI</a>",
                escape(&percent_path(doi))
            ));
        }
        if !links.is_empty() {
            html.push_str(&format!(
                " <span class=\"links\">{}</span>",
                links.join(" · ")
            ));
        }
        html.push_str(&format!(
            "<div class=\"cited-for\">Cited for: {}</div></li>\n",
            escape(&reference.cited_for)
        ));
    }
    html
}

/// The article body as HTML: raw HTML in the Markdown is shown as text, links keep only safe
/// schemes, images become their alt text, `[N]` markers link to the reference list, and a
/// leading `# Title` is left out (the page heads itself with the title).
pub fn article_html(markdown: &str, meta: &ArticleMeta) -> String {
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut in_code = false;
    let mut text = String::new();
    let flush = |text: &mut String, events: &mut Vec<Event<'_>>| {
        if !text.is_empty() {
            link_markers(text, meta, events);
            text.clear();
        }
    };
    let mut leading_title = 0;
    for (n, event) in Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    )
    .enumerate()
    {
        // The page shows the title from the front matter; a leading `# Title` would repeat it.
        match &event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            }) if n == 0 => {
                leading_title = 1;
                continue;
            }
            Event::End(TagEnd::Heading(HeadingLevel::H1)) if leading_title == 1 => {
                leading_title = 2;
                continue;
            }
            _ if leading_title == 1 => continue,
            _ => {}
        }
        match event {
            Event::Text(t) if !in_code => text.push_str(&t),
            other => {
                flush(&mut text, &mut events);
                match other {
                    Event::Start(Tag::CodeBlock(_)) => {
                        in_code = true;
                        events.push(other);
                    }
                    Event::End(TagEnd::CodeBlock) => {
                        in_code = false;
                        events.push(other);
                    }
                    Event::Html(raw) | Event::InlineHtml(raw) => events.push(Event::Text(raw)),
                    Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => {}
                    Event::Start(Tag::Link {
                        link_type,
                        dest_url,
                        title,
                        id,
                    }) => events.push(Event::Start(Tag::Link {
                        link_type,
                        dest_url: safe_url(dest_url),
                        title,
                        id,
                    })),
                    other => events.push(other),
                }
            }
        }
    }
    flush(&mut text, &mut events);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    html
}

/// Splits `text` at citation markers, linking each number that names a reference.
fn link_markers<'a>(text: &str, meta: &ArticleMeta, events: &mut Vec<Event<'a>>) {
    let mut at = 0;
    for found in MARKER.find_iter(text) {
        events.push(Event::Text(CowStr::from(
            text[at..found.start()].to_string(),
        )));
        let mut html = String::from("<sup class=\"cite\">[");
        for piece in NUMBER.find_iter(found.as_str()) {
            let piece = piece.as_str();
            if piece == "," {
                html.push_str(", ");
            } else if piece == "-" || piece == "–" {
                html.push('–');
            } else if meta.references.contains_key(piece) {
                html.push_str(&format!(
                    "<a href=\"#ref-{piece}\" aria-label=\"reference {piece}\">{piece}</a>"
                ));
            } else {
                html.push_str(piece);
            }
        }
        html.push_str("]</sup>");
        events.push(Event::InlineHtml(CowStr::from(html)));
        at = found.end();
    }
    events.push(Event::Text(CowStr::from(text[at..].to_string())));
}

/// `url` when its scheme is http, https or mailto (or it has none), else `#`.
fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let scheme_end = url.find([':', '/', '?', '#']);
    let safe = match scheme_end {
        Some(i) if url[i..].starts_with(':') => {
            let scheme = url[..i].to_ascii_lowercase();
            matches!(scheme.as_str(), "http" | "https" | "mailto")
        }
        _ => !url.starts_with("//"),
    };
    if safe { url } else { CowStr::from("#") }
}

/// Percent-encodes what may not stand in a URL path (DOIs hold `<`, `>`, `#`, spaces…).
fn percent_path(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/:;()".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `text` safe to place in HTML text or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn meta(numbers: &[&str]) -> ArticleMeta {
        ArticleMeta {
            id: "a".into(),
            title: "A".into(),
            question: "Q?".into(),
            updated: "2025-01-01".into(),
            pmid: None,
            year: None,
            mesh: Vec::new(),
            review_status: None,
            references: numbers
                .iter()
                .map(|n| (n.to_string(), format!("ref-{n}")))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    #[test]
    fn raw_html_in_markdown_is_shown_as_text() {
        let html = article_html(
            "Hello <script>alert(1)</script> and <img src=x onerror=alert(2)>\n\n<div onclick=x>block</div>\n",
            &meta(&[]),
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<div"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn markers_link_to_known_references_only() {
        let html = article_html(
            "Steroids first [1]. Also [2, 9] and [1-2].\n",
            &meta(&["1", "2"]),
        );
        assert!(html.contains("<a href=\"#ref-1\""), "{html}");
        assert!(html.contains("<a href=\"#ref-2\""), "{html}");
        assert!(!html.contains("#ref-9"), "{html}");
        assert!(html.contains("9]"), "{html}");
    }

    #[test]
    fn unsafe_link_schemes_are_dropped_and_images_become_text() {
        let html = article_html(
            "[click](javascript:alert(1)) [ok](https://example.org) ![alt words](http://x/y.png)\n",
            &meta(&[]),
        );
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("href=\"https://example.org\""), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("alt words"), "{html}");
    }

    #[test]
    fn escape_covers_attribute_quotes() {
        assert_eq!(
            escape("<a href=\"x\">'"),
            "&lt;a href=&quot;x&quot;&gt;&#39;"
        );
    }
}

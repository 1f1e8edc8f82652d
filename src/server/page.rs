//! The pages: `/articles/{id}` (and `/` when the corpus holds one article), the article rendered
//! on the server from the corpus (pulldown-cmark, raw HTML escaped, citation markers linked to the
//! numbered references), its references with their bibliographic lines, and the follow-up box
//! driven by `assets/app.js`; `/` of a library lists its articles above one box. Everything a
//! page needs is embedded in the binary: no CDN, no web font, and a Content-Security-Policy that
//! allows nothing from elsewhere. It decides nothing about answers.

use std::sync::{Arc, LazyLock};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use regex::Regex;
use serde::Deserialize;

use super::AppState;
use super::error::ApiError;
use crate::answer::MAX_QUESTION_CHARS;
use crate::corpus::{ArticleMeta, Corpus, DocMeta, Document, ReferenceMeta};

/// The page: head, reading pane, chat box, footer.
const TEMPLATE: &str = include_str!("assets/index.html");
/// The reading pane of an article's page.
const ARTICLE: &str = include_str!("assets/article.html");
/// The reading pane of `/` when the library holds several articles.
const LIBRARY: &str = include_str!("assets/library.html");
const NOT_FOUND: &str = include_str!("assets/not_found.html");
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

/// `?page=N` of `/`: which page of a library's list of articles.
#[derive(Debug, Deserialize)]
pub struct ListPage {
    page: Option<usize>,
}

#[utoipa::path(get, path = "/", tag = "service",
    params(("page" = Option<usize>, Query, description = "Which page of a library's list of articles (100 to a page), from 1")),
    responses((status = 200, description = "The article with the follow-up chat, or with several articles a page of their list and a box asking the whole library", content_type = "text/html"),
        (status = 404, description = "No such page of the list: a page linking to the first", content_type = "text/html")))]
/// The chat page: the only article with its box, or the library's articles (a page of them,
/// `?page=N`) and one box.
pub async fn index(
    State(state): State<Arc<AppState>>,
    Query(list): Query<ListPage>,
) -> Result<Response, ApiError> {
    let loaded = state.loaded();
    let page = match list.page {
        None | Some(1) => Some(loaded.page.clone()),
        Some(n) => state.pool.run(move || loaded.library_page(n)).await?,
    };
    Ok(match page {
        Some(page) => html(StatusCode::OK, page),
        None => html(StatusCode::NOT_FOUND, no_list_page(list.page.unwrap_or(0))),
    })
}

#[utoipa::path(get, path = "/articles/{id}", tag = "service",
    params(("id" = String, Path, description = "Article id, as `GET /api/v1/articles` lists them")),
    responses((status = 200, description = "The article with a follow-up box that asks in its scope", content_type = "text/html"),
        (status = 404, description = "No such article: a page linking to the list", content_type = "text/html")))]
/// One article with its follow-up box, which asks about that article alone.
pub async fn article(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let loaded = state.loaded();
    let page = state.pool.run(move || loaded.article_page(&id)).await?;
    Ok(match page {
        Ok(page) => html(StatusCode::OK, page),
        Err(NoArticle(id)) => html(StatusCode::NOT_FOUND, not_found(&id)),
    })
}

/// A page of ours with the headers that keep it to this server's own script and style.
fn html(status: StatusCode, page: String) -> Response {
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
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
    articles(corpus).next()
}

/// Where a page is served: the way back to the server's root (relative, so the server may sit
/// under a proxy's path prefix) and the article its box asks about, if it asks about one.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub root: &'static str,
    pub article: Option<&'a str>,
}

impl Place<'_> {
    /// `/`: the box asks without a scope.
    pub const HOME: Place<'static> = Place {
        root: "",
        article: None,
    };
}

impl<'a> Place<'a> {
    /// `/articles/{id}`: the box asks about that article alone.
    pub fn article(id: &'a str) -> Place<'a> {
        Place {
            root: "../",
            article: Some(id),
        }
    }
}

/// No article has this id.
#[derive(Debug)]
pub struct NoArticle(pub String);

/// The corpus's articles in catalogue order.
pub fn articles(corpus: &Corpus) -> impl Iterator<Item = (&Document, &ArticleMeta)> {
    corpus.documents.iter().filter_map(|d| match &d.meta {
        DocMeta::Article(meta) => Some((d, meta)),
        DocMeta::Reference(_) => None,
    })
}

/// The page for the corpus's first article; `mode` says how answers are composed, and
/// `suggestions` are follow-ups the sources answer (see `suggest`).
pub fn render(corpus: &Corpus, mode: &str, suggestions: &[String]) -> String {
    match first_article(corpus) {
        Some((doc, meta)) => render_article(corpus, doc, meta, mode, suggestions, Place::HOME),
        None => shell(&Shell {
            title: "medcite",
            reading: &fill(
                ARTICLE,
                &[("article", "<p>This corpus has no article.</p>")],
            ),
            mode,
            suggestions,
            place: Place::HOME,
            library: false,
        }),
    }
}

/// The page of one article with its box, served at `place`.
pub fn render_article(
    corpus: &Corpus,
    doc: &Document,
    meta: &ArticleMeta,
    mode: &str,
    suggestions: &[String],
    place: Place<'_>,
) -> String {
    let body = match doc.read_body() {
        Ok(markdown) => article_html(&markdown, meta),
        Err(e) => format!(
            "<p>{}</p>",
            escape(&format!("The article could not be read: {e}"))
        ),
    };
    let mut about = format!("Question: {}", escape(&meta.question));
    if let Some(year) = meta.year {
        about.push_str(&format!(" · Published {year}"));
    }
    if let Some(pmid) = &meta.pmid {
        about.push_str(&format!(" · PMID {}", escape(pmid)));
    }
    let reading = fill(
        ARTICLE,
        &[
            ("title", &escape(&meta.title)),
            ("status", &status_html(meta)),
            ("about", &about),
            ("article", &body),
            ("references", &references_html(corpus, meta)),
        ],
    );
    shell(&Shell {
        title: &meta.title,
        reading: &reading,
        mode,
        suggestions,
        place,
        library: false,
    })
}

/// Articles listed on one page of `/` (`/?page=2` lists the next ones).
pub const LIBRARY_PAGE: usize = 100;

/// Page `page` (from 1) of the list of the corpus's articles, [`LIBRARY_PAGE`] to a page, each
/// linking to its page, with one box that asks the whole library (each answer names the
/// article it comes from); `None` when the library has no such page.
pub fn render_library(corpus: &Corpus, mode: &str, page: usize) -> Option<String> {
    let count = articles(corpus).count();
    let pages = count.div_ceil(LIBRARY_PAGE).max(1);
    if page == 0 || page > pages {
        return None;
    }
    let first = (page - 1) * LIBRARY_PAGE;
    let mut items = String::new();
    for (doc, meta) in articles(corpus).skip(first).take(LIBRARY_PAGE) {
        let mut about = Vec::new();
        // A page read without a question of its own has its title for one: not said twice.
        let question = meta.question.trim();
        if !question.is_empty() && !question.eq_ignore_ascii_case(meta.title.trim()) {
            about.push(format!("Question: {}", escape(question)));
        }
        if !meta.updated.is_empty() {
            about.push(format!(
                "Last updated <time datetime=\"{0}\">{0}</time>",
                escape(&meta.updated)
            ));
        }
        if let Some(status) = meta
            .review_status
            .as_deref()
            .filter(|s| !s.trim().is_empty())
        {
            about.push(format!(
                "<span class=\"review\">Review status: {}</span>",
                escape(status.trim())
            ));
        }
        items.push_str(&format!(
            "<li><a href=\"articles/{}\">{}</a>",
            escape(&doc.id),
            escape(&meta.title)
        ));
        if !about.is_empty() {
            items.push_str(&format!("<p class=\"about\">{}</p>", about.join(" · ")));
        }
        items.push_str("</li>\n");
    }
    let mut about = format!(
        "{count} articles. Open one to ask about it alone, or ask the whole library in the box: each answer names the article it comes from."
    );
    let mut nav = String::new();
    if pages > 1 {
        let last = (first + LIBRARY_PAGE).min(count);
        about.push_str(&format!(" Page {page} of {pages}: {}–{last}.", first + 1));
        let mut links = Vec::new();
        if page > 1 {
            links.push(format!(
                "<a href=\"?page={}\" rel=\"prev\">Previous page</a>",
                page - 1
            ));
        }
        if page < pages {
            links.push(format!(
                "<a href=\"?page={}\" rel=\"next\">Next page</a>",
                page + 1
            ));
        }
        nav = format!(
            "\n<nav class=\"pages\" aria-label=\"Pages of articles\">{}</nav>",
            links.join(" ")
        );
    }
    let reading = fill(
        LIBRARY,
        &[
            ("title", "Articles"),
            ("about", &about),
            ("articles", &items),
            ("pages", &nav),
        ],
    );
    Some(shell(&Shell {
        title: "Articles",
        reading: &reading,
        mode,
        suggestions: &[],
        place: Place::HOME,
        library: true,
    }))
}

/// The page for an article id the library does not have, linking to the list.
pub fn not_found(id: &str) -> String {
    let message = format!("This library has no article with the id “{}”.", escape(id));
    missing(Place::article(id), "Article not found", &message)
}

/// The page for a page of the list of articles that the library does not have (`/?page=9`).
pub fn no_list_page(page: usize) -> String {
    let message = format!("This library's list of articles has no page {page}.");
    missing(Place::HOME, "Page not found", &message)
}

/// A page saying what is not here (`heading`, `message`: HTML), linking to the list.
fn missing(place: Place, heading: &str, message: &str) -> String {
    fill(
        NOT_FOUND,
        &[
            ("root", place.root),
            ("home", place.root),
            ("heading", heading),
            ("message", message),
        ],
    )
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

/// The page around the reading pane: head, chat box and footer.
struct Shell<'a> {
    title: &'a str,
    /// The reading pane's HTML, already escaped where it must be.
    reading: &'a str,
    mode: &'a str,
    suggestions: &'a [String],
    place: Place<'a>,
    /// Whether the box asks the whole library rather than the article on the page.
    library: bool,
}

fn shell(page: &Shell<'_>) -> String {
    let suggestions = suggestions_html(page.suggestions);
    let scope = match page.place.article {
        Some(id) => format!(" data-article=\"{}\"", escape(id)),
        None => String::new(),
    };
    let (label, placeholder) = if page.library {
        (
            "Your question about these articles",
            "Ask the library: the answer names its article",
        )
    } else {
        (
            "Your question about this article",
            "Ask about this article and its references",
        )
    };
    fill(
        TEMPLATE,
        &[
            ("title", &escape(page.title)),
            ("root", page.place.root),
            ("reading", page.reading),
            ("mode", &escape(page.mode)),
            ("scope", &scope),
            ("suggestions", &suggestions),
            (
                "suggestions_hidden",
                if suggestions.is_empty() {
                    " hidden"
                } else {
                    ""
                },
            ),
            ("ask_label", label),
            ("ask_placeholder", placeholder),
            ("max_question", &MAX_QUESTION_CHARS.to_string()),
        ],
    )
}

/// `template` with each `{{slot}}` replaced by its value in `slots` (HTML, already escaped where
/// it must be; a slot not given is left empty). One pass, so text inserted for one slot is never
/// read as another slot.
fn fill(template: &str, slots: &[(&str, &str)]) -> String {
    let extra: usize = slots.iter().map(|(_, value)| value.len()).sum();
    let mut out = String::with_capacity(template.len() + extra);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            rest = &rest[start..];
            break;
        };
        let name = &after[..end];
        if let Some((_, value)) = slots.iter().find(|(slot, _)| *slot == name) {
            out.push_str(value);
        }
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
    fn the_library_lists_each_article_with_its_question_date_and_review_status() {
        let article = |id: &str, title: &str, extra: &str| {
            (
                crate::contracts::DocKind::Article,
                std::path::PathBuf::from(format!("articles/{id}.md")),
                format!(
                    "+++\nid = \"{id}\"\ntitle = \"{title}\"\nquestion = \"How is {title} treated?\"\n{extra}\n[references]\n+++\n\n{title} is treated.\n"
                ),
            )
        };
        let corpus = Corpus::from_sources(&[
            article(
                "first",
                "First <Topic>",
                "updated = \"2025-01-02\"\nreview_status = \"reviewed\"\n",
            ),
            article("second", "Second", "updated = \"\"\n"),
        ])
        .expect("corpus");
        let html = render_library(&corpus, "mode", 1).expect("page 1");
        assert!(
            html.contains("<a href=\"articles/first\">First &lt;Topic&gt;</a>"),
            "{html}"
        );
        assert!(html.contains("Question: How is First &lt;Topic&gt; treated?"));
        assert!(html.contains("Last updated <time datetime=\"2025-01-02\">"));
        assert!(html.contains("Review status: reviewed"));
        assert!(html.contains("<a href=\"articles/second\">Second</a>"));
        assert!(!html.contains("data-article") && !html.contains("{{"));
        // One page holds them all: no page links, and no second page.
        assert!(!html.contains("rel=\"next\""), "{html}");
        assert!(render_library(&corpus, "mode", 2).is_none());
    }

    #[test]
    fn a_long_library_is_listed_a_page_at_a_time() {
        let sources: Vec<_> = (0..LIBRARY_PAGE * 2 + 5)
            .map(|n| {
                (
                    crate::contracts::DocKind::Article,
                    std::path::PathBuf::from(format!("articles/a{n:04}.md")),
                    format!(
                        "+++\nid = \"a{n:04}\"\ntitle = \"Article {n:04}\"\nquestion = \"What is {n:04}?\"\n[references]\n+++\n\nText.\n"
                    ),
                )
            })
            .collect();
        let corpus = Corpus::from_sources(&sources).expect("corpus");
        let listed = |html: &str| html.matches("<li><a href=\"articles/").count();
        let first = render_library(&corpus, "mode", 1).expect("page 1");
        assert_eq!(listed(&first), LIBRARY_PAGE);
        assert!(first.contains("205 articles."), "{first}");
        assert!(first.contains("Page 1 of 3: 1–100."), "{first}");
        assert!(
            first.contains("<a href=\"?page=2\" rel=\"next\">"),
            "{first}"
        );
        assert!(!first.contains("rel=\"prev\""), "{first}");
        let last = render_library(&corpus, "mode", 3).expect("page 3");
        assert_eq!(listed(&last), 5);
        assert!(last.contains("articles/a0204") && !last.contains("articles/a0199"));
        assert!(last.contains("<a href=\"?page=2\" rel=\"prev\">"), "{last}");
        assert!(!last.contains("rel=\"next\""), "{last}");
        assert!(render_library(&corpus, "mode", 4).is_none());
        assert!(render_library(&corpus, "mode", 0).is_none());
        assert!(no_list_page(4).contains("no page 4"));
    }

    #[test]
    fn escape_covers_attribute_quotes() {
        assert_eq!(
            escape("<a href=\"x\">'"),
            "&lt;a href=&quot;x&quot;&gt;&#39;"
        );
    }
}

//! Quoting by reference: the model sees every passage split into numbered sentences (`[S2.1]`,
//! `[S2.2]`, …) and may cite a sentence id instead of copying its words; medcite then puts that
//! sentence in, verbatim, so a quote cannot be misquoted. Expansion leaves ordinary `[Sn]`
//! markers and double-quoted spans, which `verify` checks like any others.

use std::sync::LazyLock;

use regex::Regex;

use crate::contracts::Passage;
use crate::question::Phrasing;
use crate::text::{normalize, sentences};

/// A marker group holding at least one sentence id: `[S1.2]`, `[S1.2, S3.1]`, `[S1.2; S2]`.
static ID_GROUP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\[\s*S\d{1,4}(?:\.\d{1,3})?(?:\s*[,;]\s*S?\d{1,4}(?:\.\d{1,3})?)*\s*\]")
        .expect("id group regex is valid")
});

/// The sentences of a passage as the model sees them: each line (a paragraph, bullet or
/// sub-bullet, without its bullet sign) split into sentences.
pub fn passage_sentences(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.trim().trim_start_matches(['-', '*', '+', '•']).trim())
        .filter(|l| !l.is_empty())
        .flat_map(|l| sentences(l).into_iter().map(str::to_string))
        .collect()
}

/// The id (`S2.5`) of the sentence of `passage` that holds `quote`, or that the quote holds
/// (a quote may run over a bullet's label and its item).
pub fn sentence_id_of(passage: &Passage, quote: &str) -> Option<String> {
    let needle = crate::verify::comparable(quote);
    if needle.is_empty() {
        return None;
    }
    passage_sentences(&passage.text)
        .iter()
        .position(|s| {
            let sentence = crate::verify::comparable(s);
            !sentence.is_empty() && (sentence.contains(&needle) || needle.contains(&sentence))
        })
        .map(|k| format!("{}.{}", passage.marker, k + 1))
}

/// The passages as the model sees them: `[S1] Title › Section`, then one sentence a line, each
/// after its id.
pub fn render_with_sentence_ids(passages: &[Passage]) -> String {
    passages
        .iter()
        .map(|p| {
            let place = super::place(p);
            let lines: Vec<String> = passage_sentences(&p.text)
                .iter()
                .enumerate()
                .map(|(i, s)| format!("[{}.{}] {s}", p.marker, i + 1))
                .collect();
            format!("[{}] {place}\n{}", p.marker, lines.join("\n"))
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// One id of a group: passage number and, for a sentence id, the sentence number.
fn ids(group: &str) -> Vec<(usize, Option<usize>)> {
    group
        .trim_matches(['[', ']'])
        .split([',', ';'])
        .filter_map(|part| {
            let part = part.trim().trim_start_matches('S');
            match part.split_once('.') {
                Some((p, s)) => Some((p.parse().ok()?, Some(s.parse().ok()?))),
                None => Some((part.parse().ok()?, None)),
            }
        })
        .collect()
}

/// Replaces sentence ids in `answer` by what they stand for. A group that stands where a quote
/// goes (at the start of a line or bullet, or after a colon or dash) becomes the sentences,
/// each in double quotes followed by its passage marker: `Relapse: [S1.2]` →
/// `Relapse: "…" [S1]`. A group after the writer's own words becomes the passage markers
/// (`… is common [S1.2].` → `… is common [S1].`), and `verify` checks those words as any
/// marked sentence. An id naming no sentence becomes its passage marker, which `verify` then
/// judges (an unknown passage fails there).
pub fn expand_sentence_ids(answer: &str, passages: &[Passage]) -> String {
    let sentences: Vec<Vec<String>> = passages
        .iter()
        .map(|p| passage_sentences(&p.text))
        .collect();
    let mut quoted: Vec<(usize, usize)> = Vec::new();
    let cited: Vec<(usize, usize)> = ID_GROUP
        .find_iter(answer)
        .flat_map(|group| ids(group.as_str()))
        .filter_map(|(p, s)| Some((p, s?)))
        .collect();
    // A list's opening ("First-line therapy:") says nothing once an item under it is quoted.
    let said_under = |p: usize, s: usize| {
        let all = sentences.get(p.wrapping_sub(1));
        let opening = all
            .and_then(|a| a.get(s.wrapping_sub(1)))
            .is_some_and(|t| t.trim_end().ends_with(':'));
        let listed = passages
            .get(p.wrapping_sub(1))
            .is_some_and(|passage| passage.text.contains('\n'));
        opening && listed && cited.iter().any(|&(q, t)| q == p && t > s)
    };
    let mut out = String::with_capacity(answer.len());
    for line in answer.split_inclusive('\n') {
        let mut last = 0;
        let mut expanded = String::new();
        let mut repeats_only = false;
        // Where in `expanded` the last group quoted here ends: a group right after it, with
        // only a comma or "and" between, is quoted too ("- Options: [S2.2], [S3.1]").
        let mut quote_end: Option<usize> = None;
        let groups: Vec<regex::Match<'_>> = ID_GROUP.find_iter(line).collect();
        for (g, group) in groups.iter().enumerate() {
            let ids = ids(group.as_str());
            if ids.iter().all(|(_, s)| s.is_none()) {
                continue;
            }
            let lead_start = expanded.len();
            expanded.push_str(&line[last..group.start()]);
            last = group.end();
            // "[S1.2]: <the sentence, copied>": the id stands for the quote and the copy goes.
            let until = groups
                .get(g + 1)
                .map_or(line.trim_end_matches(['\n', '\r']).len(), |next| {
                    next.start()
                });
            let copied = copies_cited(&line[last..until], &ids, &sentences);
            if copied {
                last = until;
            }
            let after_quote = quote_end.is_some_and(|end| only_separators(&expanded[end..]));
            if !copied && !after_quote && !stands_for_quote(&expanded) {
                expanded.push_str(&replacement(&ids, &sentences, false));
                continue;
            }
            // A short item of a list ("Tacrolimus") stands for the list's short items together.
            let ids: Vec<(usize, Option<usize>)> = ids
                .iter()
                .flat_map(|&(p, s)| match s {
                    Some(s) => short_items(sentences.get(p.wrapping_sub(1)), s)
                        .map(|run| (p, Some(run)))
                        .collect::<Vec<_>>(),
                    None => vec![(p, None)],
                })
                .collect();
            let fresh: Vec<(usize, Option<usize>)> = ids
                .iter()
                .copied()
                .filter(|&(p, s)| s.is_none_or(|s| !quoted.contains(&(p, s)) && !said_under(p, s)))
                .collect();
            if fresh.is_empty() {
                repeats_only = true;
                if after_quote {
                    // Nothing new to quote: the comma before it goes too.
                    expanded.truncate(quote_end.unwrap_or(lead_start));
                }
                continue;
            }
            let context: Vec<&str> = fresh
                .iter()
                .filter_map(|&(p, s)| {
                    let all = sentences.get(p.wrapping_sub(1))?;
                    let cited = all.get(s?.wrapping_sub(1))?;
                    let section = passages.get(p.wrapping_sub(1)).map(|p| p.section.as_str());
                    let first = all.first().map(String::as_str);
                    Some([section, first, Some(cited.as_str())])
                })
                .flatten()
                .flatten()
                .collect();
            let lead_in = &expanded[lead_start..];
            let cited = cited_sentences(&fresh, &sentences);
            if !context.is_empty()
                && (!lead_in_fits(lead_in, &context.join(" ")) || restates(lead_in, &cited))
            {
                if lead_start == 0 {
                    expanded = list_prefix(&expanded).to_string();
                    // The list's own opening labels its item instead ("Rituximab:").
                    if let Some(label) = fresh
                        .first()
                        .and_then(|&(p, s)| own_label(sentences.get(p.wrapping_sub(1))?, s?))
                    {
                        expanded.push_str(label);
                        expanded.push(' ');
                    }
                } else {
                    expanded.truncate(lead_start);
                    expanded.push(' ');
                }
            }
            quoted.extend(fresh.iter().filter_map(|&(p, s)| Some((p, s?))));
            expanded.push_str(&replacement(&fresh, &sentences, true));
            quote_end = Some(expanded.len());
        }
        expanded.push_str(&line[last..]);
        let said = expanded.trim().trim_end_matches(['.', ';', ',']);
        if repeats_only
            && (said.ends_with(':') || said.trim_start_matches(['-', '*', '+', '•']).is_empty())
        {
            // Every sentence this line would quote is quoted above: the line says nothing new.
            continue;
        }
        out.push_str(&expanded);
    }
    out
}

/// `answer` with the list under each lead-in it quotes: the last sentence of a lead-in passage
/// ("For severe, rapidly progressive cases …:") says nothing without the list, which the items
/// after it hold (same document and section, naming it as their lead). The lead-in's line ends in ':' again and
/// the list goes under it: the lines right below that open with a quote of the list, or, when
/// the answer cites none of it, each list passage's first item (or its short items together),
/// quoted as the offline answer quotes them (`  - Intensive combined therapy: "High-dose
/// glucocorticoids", "Tacrolimus", "IVIG" [S5]`).
pub fn with_list_items(answer: &str, passages: &[Passage]) -> String {
    let markers = |text: &str| -> Vec<usize> {
        SINGLE_GROUP
            .find_iter(text)
            .filter_map(|m| m.as_str().trim_matches(['[', ']', 'S']).parse().ok())
            .collect()
    };
    let cited = markers(answer);
    let lines: Vec<&str> = answer.lines().collect();
    let mut listed: Vec<usize> = Vec::new();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut at = 0;
    while at < lines.len() {
        let body = lines[at];
        at += 1;
        let lead = SINGLE_GROUP.find_iter(body).find_map(|m| {
            let p: usize = m.as_str().trim_matches(['[', ']', 'S']).parse().ok()?;
            let passage = passages.get(p.checked_sub(1)?)?;
            let last = passage_sentences(&passage.text).pop()?;
            let introduces = passage.role == crate::contracts::Role::LeadIn;
            let quoted = crate::verify::comparable(last.trim_end().trim_end_matches(':'));
            (introduces && crate::verify::comparable(body).contains(&quoted))
                .then_some((p, m.end()))
        });
        let items: Vec<usize> = lead
            .map(|(p, _)| super::extractive::followers(passages, p - 1))
            .unwrap_or_default()
            .into_iter()
            .map(|i| i + 1)
            .collect();
        let Some((_, end)) = lead.filter(|_| !items.is_empty()) else {
            out.push(body.to_string());
            continue;
        };
        // The lines right below that open with a quote of the list: they go under the lead-in.
        let below = lines[at..]
            .iter()
            .take_while(|l| markers(l).first().is_some_and(|c| items.contains(c)))
            .count();
        let elsewhere = items
            .iter()
            .any(|i| listed.contains(i) || (below == 0 && cited.contains(i)));
        if elsewhere {
            out.push(body.to_string());
            continue;
        }
        let after = body[end..].trim();
        if after.is_empty() || after == "." {
            out.push(format!("{}:", &body[..end]));
        } else {
            out.push(body.to_string());
        }
        let prefix = list_prefix(body);
        let indent = if prefix.trim().is_empty() {
            String::new()
        } else {
            format!("{}  ", &prefix[..prefix.len() - prefix.trim_start().len()])
        };
        listed.extend(&items);
        if below > 0 {
            for line in &lines[at..at + below] {
                out.push(format!("{indent}- {}", list_prefix_free(line)));
            }
            at += below;
            continue;
        }
        for item in items {
            // One line a passage, as the offline answer lists a lead-in's options: its first
            // item, or its short items together.
            let first = super::extractive::quotable_parts(&passages[item - 1].text)
                .into_iter()
                .next();
            if let Some((label, parts)) = first {
                let quotes: Vec<String> = parts
                    .iter()
                    .map(|p| format!("\"{}\"", p.trim_end_matches(['.', ':', ';'])))
                    .collect();
                let label = label
                    .map(|l| format!("{}: ", l.trim().trim_end_matches(':')))
                    .unwrap_or_default();
                out.push(format!("{indent}- {label}{} [S{item}]", quotes.join(", ")));
            }
        }
    }
    let mut joined = out.join("\n");
    if answer.ends_with('\n') {
        joined.push('\n');
    }
    joined
}

/// A tidier form of an expanded answer, with the same quotes and markers: consecutive bullets
/// under the same label become one (`- IVIG: "a" [S1]` and `- IVIG: "b" [S1]` →
/// `- IVIG: "a" [S1]; "b" [S1]`), a marker group repeated right after itself is written once,
/// and a bullet of only a label and a marker, which says nothing, is left out.
pub fn tidy(answer: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut last_label: Option<String> = None;
    for line in answer.lines() {
        let line = REPEATED_GROUP
            .replace_all(line, |run: &regex::Captures<'_>| {
                let mut groups: Vec<&str> = Vec::new();
                for group in SINGLE_GROUP.find_iter(&run[0]) {
                    if !groups.contains(&group.as_str()) {
                        groups.push(group.as_str());
                    }
                }
                if groups.len() == 1 {
                    groups[0].to_string()
                } else {
                    run[0].to_string()
                }
            })
            .into_owned();
        if LABEL_ONLY.is_match(&line) {
            continue;
        }
        let labelled = LABELLED_QUOTE.captures(&line).map(|c| {
            (
                format!("{}{}", &c[1], &c[2]),
                c[3].trim_end_matches('.').to_string(),
            )
        });
        match (labelled, &last_label, lines.last_mut()) {
            (Some((label, rest)), Some(previous), Some(last)) if label == *previous => {
                let kept = last.trim_end().trim_end_matches('.').to_string();
                *last = format!("{kept}; {rest}");
            }
            (labelled, _, _) => {
                last_label = labelled.map(|(label, _)| label);
                lines.push(line);
                continue;
            }
        }
    }
    let mut out = lines.join("\n");
    if answer.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// Marker groups of one passage each, written in a row: `[S2], [S2]`.
static REPEATED_GROUP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\[S\d{1,4}\](?:\s*[,;]?\s*\[S\d{1,4}\])+").expect("repeat regex is valid")
});

/// One marker group of one passage: `[S2]`.
static SINGLE_GROUP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[S\d{1,4}\]").expect("group regex is valid"));

/// A bullet of a short label and a marker group, no quote: `- HMGCR-IgG: [S1]`.
static LABEL_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"^\s*(?:[-*+•]|\d+[.)])\s+[^"\[\]]{0,60}:\s*\[S\d{1,4}(?:\s*[,;]\s*S?\d{1,4})*\]\.?\s*$"#,
    )
    .expect("label-only regex is valid")
});

/// A top-level or nested bullet `- Label: "quote" [Sn]…`: its indent and sign, its label and
/// what follows the label.
static LABELLED_QUOTE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^(\s*(?:[-*+•]|\d+[.)])\s+)([^"\[\]:]{1,80}):\s+("[^\n]*\[S\d{1,4}\]\.?)\s*$"#)
        .expect("labelled quote regex is valid")
});

/// Marks the lines in which a model copied a passage's sentence word for word but left out its
/// marker ("- More likely to have facial weakness"): the copy becomes a quote of that sentence
/// with the marker of the passage it is from (the first, when several state it). Only a whole
/// sentence copied exactly (case, white space, quotes and final stop aside) is taken; anything
/// else is left for `verify` to judge. A copy of a sentence the answer already quotes goes.
pub fn attribute_copied_sentences(answer: &str, passages: &[Passage]) -> String {
    let sentences: Vec<(usize, String)> = passages
        .iter()
        .enumerate()
        .flat_map(|(i, p)| passage_sentences(&p.text).into_iter().map(move |s| (i, s)))
        .collect();
    let key = |text: &str| {
        normalize(text.trim().trim_matches(['"', '\u{201C}', '\u{201D}']))
            .trim_end_matches(['.', ':', ';', ' '])
            .to_string()
    };
    let find = |text: &str| {
        let wanted = key(text);
        if wanted.split_whitespace().count() < 3 {
            return None;
        }
        sentences.iter().find(|(_, s)| key(s) == wanted)
    };
    let mut out = String::with_capacity(answer.len());
    for line in answer.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let ending = &line[body.len()..];
        if body.contains("[S") || body.trim().is_empty() {
            out.push_str(line);
            continue;
        }
        let prefix = list_prefix(body);
        let content = &body[prefix.len()..];
        let whole = find(content).map(|found| (None, found));
        let labelled = || {
            let (label, rest) = content.split_once(':')?;
            Some((Some(label.trim()), find(rest)?))
        };
        match whole.or_else(labelled) {
            // Already quoted in the answer: a copy of it says nothing new.
            Some((_, (_, sentence)))
                if answer.contains(&format!(
                    "\"{}\"",
                    sentence.trim_end_matches(['.', ':', ';', ' '])
                )) => {}
            Some((label, (passage, sentence))) => {
                let quote = sentence.trim_end_matches(['.', ':', ';', ' ']);
                let marker = &passages[*passage].marker;
                match label {
                    Some(label) => {
                        out.push_str(&format!("{prefix}{label}: \"{quote}\" [{marker}]"))
                    }
                    None => out.push_str(&format!("{prefix}\"{quote}\" [{marker}]")),
                }
                out.push_str(ending);
            }
            None => out.push_str(line),
        }
    }
    out
}

/// The bullet sign or list number that starts `line`, with its white space.
fn list_prefix(line: &str) -> &str {
    let body = line.trim_start();
    let indent = line.len() - body.len();
    let signs = body.len() - body.trim_start_matches(['-', '*', '+', '•']).len();
    let digits = body.chars().take_while(char::is_ascii_digit).count();
    let sign = if signs > 0 {
        signs
    } else if digits > 0 && (body[digits..].starts_with('.') || body[digits..].starts_with(')')) {
        digits + 1
    } else {
        0
    };
    let rest = &body[sign..];
    let space = rest.len() - rest.trim_start().len();
    &line[..indent + sign + space]
}

/// Whether the writer's lead-in before a quote (`Second choice:`) speaks of what the quoted
/// sentence, its passage's opening or its section says: at least half of its words are in
/// `context`, a longer word by its first five letters, an abbreviation as itself, spelt out or
/// by another name of its synonym group. A lead-in of no such words fits anything. A lead-in
/// that names something else ("AZA:" before the sentence on methotrexate) would mislabel the
/// quote.
fn lead_in_fits(lead_in: &str, context: &str) -> bool {
    let phrasing = &crate::question::vocabulary().phrasing;
    let context_stems: Vec<String> = context
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4)
        .map(Phrasing::lead_stem)
        .collect();
    let mut words = 0;
    let mut found = 0;
    for word in lead_in.split(|c: char| !c.is_alphanumeric()) {
        let fits = if is_abbreviation(word) {
            abbreviation_in(word, context)
        } else if word.chars().count() >= 4 && !phrasing.is_generic_lead_word(word) {
            context_stems.contains(&Phrasing::lead_stem(word))
        } else {
            continue;
        };
        words += 1;
        found += usize::from(fits);
    }
    found * 2 >= words
}

/// A word typed as an abbreviation: two to six letters or digits, at least two capitals and no
/// lower-case letter ("AZA", "FK506", "PJP").
fn is_abbreviation(word: &str) -> bool {
    let n = word.chars().count();
    (2..=6).contains(&n)
        && word.chars().filter(char::is_ascii_uppercase).count() >= 2
        && !word.chars().any(char::is_lowercase)
}

/// Whether `context` writes the abbreviation: as itself, spelt out, or as another name of a
/// general synonym group that holds it.
fn abbreviation_in(word: &str, context: &str) -> bool {
    let lower = context.to_lowercase();
    let has = |term: &str| {
        let term = term.to_lowercase();
        lower.match_indices(&term).any(|(at, _)| {
            let before = lower[..at].chars().next_back();
            let after = lower[at + term.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    };
    has(word)
        || crate::retrieve::spells_out(word, context)
        || crate::question::vocabulary()
            .synonym_groups()
            .iter()
            .filter(|group| group.iter().any(|t| t.eq_ignore_ascii_case(word)))
            .flatten()
            .any(|term| has(term))
}

/// Whether the lead-in only restates the sentences it labels (`Methotrexate (preferred):`
/// before "Methotrexate (preferred)"): all its words written, in order, in one of them, and
/// either three words or more or half that sentence ("Relapse:" may head a long sentence
/// about relapse).
fn restates(lead_in: &str, cited: &[&str]) -> bool {
    let lead = normalize(list_prefix_free(lead_in).trim_end_matches([':', ' ', '-', '—']));
    let words = |text: &str| -> String {
        let joined: Vec<&str> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        format!(" {} ", joined.join(" "))
    };
    let lead = words(&lead);
    let count = |text: &str| text.split_whitespace().count();
    count(&lead) > 0
        && cited.iter().any(|s| {
            let sentence = words(&normalize(s));
            sentence.contains(&lead) && (count(&lead) >= 3 || count(&lead) * 2 >= count(&sentence))
        })
}

/// `text` without its bullet sign or list number.
fn list_prefix_free(text: &str) -> &str {
    text[list_prefix(text).len()..].trim()
}

/// The opening of a list ("Rituximab:") that item `s` (1-based) of a passage's sentences
/// belongs to, colon included; `None` for the opening itself or a passage that is no list.
fn own_label(sentences: &[String], s: usize) -> Option<&str> {
    let first = sentences.first()?;
    (s > 1 && first.trim_end().ends_with(':')).then(|| first.trim_end())
}

/// Whether the text of the line so far leaves the place of a quote: empty (or a bullet sign
/// or list number), or ending with a colon or a dash.
/// The sentences that sentence ids name (passage ids and unknown ids name none).
fn cited_sentences<'a>(
    ids: &[(usize, Option<usize>)],
    sentences: &'a [Vec<String>],
) -> Vec<&'a str> {
    ids.iter()
        .filter_map(|&(p, s)| {
            let all = sentences.get(p.wrapping_sub(1))?;
            all.get(s?.wrapping_sub(1)).map(String::as_str)
        })
        .collect()
}

/// Whether `after`, the words after an id group up to the next group or the end of the line,
/// are only a copy of the sentences the group cites ("[S1.2]: Azathioprine (alternative)"),
/// whole or cut short, perhaps after the label of its list ("Rituximab: Effective in …").
fn copies_cited(after: &str, ids: &[(usize, Option<usize>)], sentences: &[Vec<String>]) -> bool {
    let key = |text: &str| crate::verify::comparable(text).to_lowercase();
    let copy = key(after
        .trim()
        .trim_start_matches([':', '-', '\u{2013}', '\u{2014}'])
        .trim()
        .trim_end_matches(['.', ',', ';', ':']));
    let cited = cited_sentences(ids, sentences);
    if copy.is_empty() || cited.is_empty() {
        return false;
    }
    let cited = key(cited.join(" ").trim_end_matches('.'));
    let cited = cited.trim_end_matches(['.', ':']);
    copy == cited
        || (cited.contains(copy.as_str()) && copy.len() * 10 >= cited.len() * 6)
        || copy
            .strip_suffix(cited)
            .is_some_and(|label| label.split_whitespace().count() <= 4)
}

fn stands_for_quote(so_far: &str) -> bool {
    let text = so_far.trim();
    let text = text.trim_start_matches(['-', '*', '+', '•']).trim();
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    let text = if digits > 0 && (text[digits..].starts_with('.') || text[digits..].starts_with(')'))
    {
        text[digits + 1..].trim()
    } else {
        text
    };
    let text = text.trim_end_matches(['*', '_']).trim_end();
    text.is_empty() || text.ends_with(':') || text.ends_with(" -") || text.ends_with('—')
}

/// Whether `text` between two id groups is only a separator: a comma, semicolon or "and".
fn only_separators(text: &str) -> bool {
    text.trim()
        .trim_end_matches("and")
        .trim()
        .trim_matches([',', ';'])
        .trim()
        .is_empty()
}

/// The sentences (1-based) quoted for sentence `s` of a passage: itself, or, when it is one of
/// the short items of a list ("Intensive combined therapy:" then "High-dose glucocorticoids",
/// "Tacrolimus", "IVIG"), which say nothing one by one, all of those items.
fn short_items(all: Option<&Vec<String>>, s: usize) -> std::ops::RangeInclusive<usize> {
    let short = |k: usize| {
        all.and_then(|a| a.get(k.wrapping_sub(1)))
            .is_some_and(|t| !t.trim_end().ends_with(':') && super::extractive::is_short_item(t))
    };
    let listed = all.is_some_and(|a| a.first().is_some_and(|f| f.trim_end().ends_with(':')));
    if !listed || s < 2 || !short(s) {
        return s..=s;
    }
    let mut first = s;
    while first > 2 && short(first - 1) {
        first -= 1;
    }
    let mut last = s;
    while short(last + 1) {
        last += 1;
    }
    first..=last
}

fn replacement(
    ids: &[(usize, Option<usize>)],
    sentences: &[Vec<String>],
    quote_here: bool,
) -> String {
    let sentence = |p: usize, s: usize| {
        sentences
            .get(p.wrapping_sub(1))
            .and_then(|all| all.get(s.wrapping_sub(1)))
            .filter(|text| !text.contains('"'))
    };
    if quote_here {
        let mut quoted: Vec<String> = Vec::new();
        let mut last: Option<(usize, bool)> = None;
        for &(p, s) in ids {
            let Some(text) = s.and_then(|s| sentence(p, s)) else {
                quoted.push(format!("[S{p}]"));
                last = None;
                continue;
            };
            let text = text.trim_end_matches(['.', ':', ';']);
            let short = super::extractive::is_short_item(text);
            match (quoted.last_mut(), last) {
                // Short items of one passage are quoted together: "a", "b" [S2].
                (Some(previous), Some((q, true))) if q == p && short => {
                    let marker = format!(" [S{p}]");
                    previous.truncate(previous.len() - marker.len());
                    previous.push_str(&format!(", \"{text}\"{marker}"));
                }
                _ => quoted.push(format!("\"{text}\" [S{p}]")),
            }
            last = Some((p, short));
        }
        return quoted.join("; ");
    }
    let mut markers: Vec<String> = Vec::new();
    for &(p, _) in ids {
        let marker = format!("S{p}");
        if !markers.contains(&marker) {
            markers.push(marker);
        }
    }
    format!("[{}]", markers.join(", "))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_sentence_copied_without_its_marker_is_quoted_with_it() {
        let answer = "- Watering: Mature plants need water twice a week.\n- Seedlings need water every morning\n- Soapy water works well";
        let marked = attribute_copied_sentences(answer, &passages());
        let lines: Vec<&str> = marked.lines().collect();
        assert_eq!(
            lines[0],
            "- Watering: \"Mature plants need water twice a week\" [S1]"
        );
        assert_eq!(lines[1], "- \"Seedlings need water every morning\" [S1]");
        assert_eq!(
            lines[2], "- Soapy water works well",
            "not a copy: left for verify"
        );
        let check = crate::verify::verify(&marked, &passages());
        assert!(!check.verified(), "the unmarked line still fails");
    }

    use super::*;
    use crate::verify::verify;

    #[test]
    fn an_id_followed_by_a_copy_of_its_sentence_quotes_it_once() {
        let answer = "- [S1.3]: Mature plants need water twice a week.\n[S2.1] aphids are removed with soapy water\n- [S1.3]: Watering: Mature plants need water twice a week\n- [S1.2]: Seedlings need water every\n- [S1.4]: only when it is wet";
        let expanded = expand_sentence_ids(answer, &passages());
        let lines: Vec<&str> = expanded.lines().collect();
        assert_eq!(
            lines,
            [
                "- \"Mature plants need water twice a week\" [S1]",
                "\"Aphids are removed with soapy water\" [S2]",
                "- \"Seedlings need water every morning\" [S1]",
                "- \"Too much rots the roots\" [S1]: only when it is wet",
            ],
            "a copy after its id goes, whole, cut short or under its list's label; a repeat \
             goes whole; other words stay for verify to judge"
        );
        assert!(verify(&lines[..3].join("\n"), &passages()).verified());
    }

    fn passages() -> Vec<Passage> {
        [
            "Watering:\n- Seedlings need water every morning.\n- Mature plants need water twice a week. Too much rots the roots.",
            "Aphids are removed with soapy water.",
        ]
        .iter()
        .enumerate()
        .map(|(i, t)| Passage {
            marker: format!("S{}", i + 1),
            chunk_id: format!("doc#{}", i + 1),
            doc_id: "doc".into(),
            title: "Garden".into(),
            section: "Care".into(),
            text: (*t).into(),
            ..Default::default()
        })
        .collect()
    }

    #[test]
    fn passages_are_shown_one_sentence_a_line_with_ids() {
        let shown = render_with_sentence_ids(&passages());
        assert!(
            shown.starts_with(
                "[S1] Garden › Care\n[S1.1] Watering:\n[S1.2] Seedlings need water every morning.\n[S1.3] Mature plants need water twice a week.\n[S1.4] Too much rots the roots."
            ),
            "{shown}"
        );
        assert!(shown.ends_with("[S2] Garden › Care\n[S2.1] Aphids are removed with soapy water."));
    }

    #[test]
    fn an_id_in_the_place_of_a_quote_becomes_the_sentence_verbatim() {
        let answer = "- Grown plants: [S1.3]\n- Aphids: [S2.1].\n[S1.2]";
        let expanded = expand_sentence_ids(answer, &passages());
        assert_eq!(
            expanded,
            "- Grown plants: \"Mature plants need water twice a week\" [S1]\n- Aphids: \"Aphids are removed with soapy water\" [S2].\n\"Seedlings need water every morning\" [S1]"
        );
        let check = verify(&expanded, &passages());
        assert!(check.verified(), "{:?}", check.issues);
        assert_eq!(check.quotes.len(), 3);
    }

    #[test]
    fn an_id_after_the_writers_words_becomes_a_marker() {
        let answer = "Grown plants are watered twice a week [S1.3, S1.4]. Soap helps [S2.1; S1].";
        assert_eq!(
            expand_sentence_ids(answer, &passages()),
            "Grown plants are watered twice a week [S1]. Soap helps [S2, S1]."
        );
    }

    #[test]
    fn several_ids_in_the_place_of_a_quote_are_quoted_in_turn() {
        let expanded = expand_sentence_ids("Watering: [S1.2, S1.3]", &passages());
        assert_eq!(
            expanded,
            "Watering: \"Seedlings need water every morning\" [S1]; \"Mature plants need water twice a week\" [S1]"
        );
        assert!(verify(&expanded, &passages()).verified());
    }

    #[test]
    fn an_id_naming_no_sentence_is_left_to_verify() {
        let expanded = expand_sentence_ids("Watering: [S1.9]. Pests: [S7.1].", &passages());
        assert_eq!(expanded, "Watering: [S1]. Pests: [S7].");
        assert!(
            !verify(&expanded, &passages()).verified(),
            "[S7] names no passage"
        );
    }

    #[test]
    fn a_sentence_quoted_twice_is_quoted_once() {
        let answer = "- Grown plants: [S1.3]\n- Mature plants, again: [S1.3]\n- Aphids: [S2.1]";
        assert_eq!(
            expand_sentence_ids(answer, &passages()),
            "- Grown plants: \"Mature plants need water twice a week\" [S1]\n- Aphids: \"Aphids are removed with soapy water\" [S2]"
        );
    }

    #[test]
    fn a_lead_in_naming_something_else_is_dropped_not_shown_as_the_quotes_label() {
        let answer = "- Aphids: [S1.3]\n- Watering: [S1.2]\n1. Another option: [S2.1]";
        assert_eq!(
            expand_sentence_ids(answer, &passages()),
            "- Watering: \"Mature plants need water twice a week\" [S1]\n- Watering: \"Seedlings need water every morning\" [S1]\n1. Another option: \"Aphids are removed with soapy water\" [S2]",
            "'Watering' is the opening of S1, the list the sentence belongs to: it labels the item instead"
        );
    }

    #[test]
    fn a_label_naming_another_drug_or_restating_the_quote_gives_way_to_the_lists_opening() {
        let passages = vec![Passage {
            text: "Combined with a steroid-sparing agent:\n- Methotrexate (preferred first-line agent)\n- Azathioprine (alternative)".into(),
            ..passages()[0].clone()
        }];
        let expanded = expand_sentence_ids(
            "- AZA: [S1.2]\n- AZA: [S1.3]\n- Methotrexate (preferred first-line agent): [S1.2]",
            &passages,
        );
        assert_eq!(
            expanded,
            "- Combined with a steroid-sparing agent: \"Methotrexate (preferred first-line agent)\" [S1]\n- AZA: \"Azathioprine (alternative)\" [S1]\n",
            "the third line quotes S1.2 again and is left out"
        );
        assert_eq!(
            expand_sentence_ids(
                "- Methotrexate (preferred first-line agent): [S1.2]",
                &passages
            ),
            "- Combined with a steroid-sparing agent: \"Methotrexate (preferred first-line agent)\" [S1]",
            "a label that only restates its quote"
        );
        let expanded = expand_sentence_ids("- MTX first: [S1.2]", &passages);
        assert!(expanded.starts_with("- MTX first: \""), "{expanded}");
        assert!(verify(&expanded, &passages).verified());
    }

    #[test]
    fn tidying_merges_bullets_under_one_label_and_drops_empty_ones() {
        let answer = "- Intensive therapy: \"High-dose glucocorticoids\" [S1]\n- Intensive therapy: \"Tacrolimus\" [S1].\n- HMGCR-IgG: [S1]\n- Other: \"IVIG\" [S2], [S2]\n- Both: \"a\" [S1], [S2]\n";
        assert_eq!(
            tidy(answer),
            "- Intensive therapy: \"High-dose glucocorticoids\" [S1]; \"Tacrolimus\" [S1]\n- Other: \"IVIG\" [S2]\n- Both: \"a\" [S1], [S2]\n"
        );
        let sources = vec![Passage {
            text: "Intensive therapy:\n- High-dose glucocorticoids\n- Tacrolimus".into(),
            ..passages()[0].clone()
        }];
        let merged = tidy(
            "- Intensive therapy: \"High-dose glucocorticoids\" [S1]\n- Intensive therapy: \"Tacrolimus\" [S1]",
        );
        let check = verify(&merged, &sources);
        assert!(check.verified(), "{:?}", check.issues);
        assert_eq!(check.quotes.len(), 2);
    }

    #[test]
    fn ordinary_markers_and_quotes_are_left_alone() {
        let answer = "Plants need water \"twice a week\" [S1].\n\nSoap [S2].";
        assert_eq!(expand_sentence_ids(answer, &passages()), answer);
    }

    #[test]
    fn a_quoted_lead_in_brings_the_list_it_introduces() {
        let sources: Vec<Passage> = [
            ("doc#4", "Care", "For plants that wilt in a heat wave:"),
            ("doc#5", "Care", "Rescue care:\n- Deep watering\n- Shade cloth\n- Mulch"),
            ("doc#6", "Care", "Pruning:\n- Cut dead stems back to green wood in spring\n- Burn the cut stems far from the beds"),
            ("doc#7", "Care", "Water early, before the sun is high."),
            ("doc#8", "Pests", "Soapy water washes aphids off the leaves"),
        ]
        .iter()
        .enumerate()
        .map(|(i, (chunk, section, text))| Passage {
            marker: format!("S{}", i + 1),
            chunk_id: (*chunk).into(),
            section: (*section).into(),
            text: (*text).into(),
            ..passages()[0].clone()
        })
        .collect();
        let sources = super::super::with_chunker_roles(sources);
        let answer = "- Heat wave: \"For plants that wilt in a heat wave\" [S1]\n- Aphids: \"Soapy water washes aphids off the leaves\" [S5]";
        let listed = with_list_items(answer, &sources);
        assert_eq!(
            listed,
            "- Heat wave: \"For plants that wilt in a heat wave\" [S1]:\n  \
             - Rescue care: \"Deep watering\", \"Shade cloth\", \"Mulch\" [S2]\n  \
             - Pruning: \"Cut dead stems back to green wood in spring\" [S3]\n\
             - Aphids: \"Soapy water washes aphids off the leaves\" [S5]",
            "the first item of each bullet of the same section follows, under the lead-in; the \
             paragraph after them and the next section's do not"
        );
        let check = verify(&listed, &sources);
        assert!(check.verified(), "{:?}", check.issues);
        let paragraph = with_list_items("\"For plants that wilt in a heat wave\" [S1].", &sources);
        assert!(
            paragraph.starts_with("\"For plants that wilt in a heat wave\" [S1]:\n- Rescue care:"),
            "{paragraph}"
        );
        let items_cited = "- Heat wave: \"For plants that wilt in a heat wave\" [S1]\n- \"Mulch\" [S2], \"Water early, before the sun is high\" [S4]";
        assert_eq!(
            with_list_items(items_cited, &sources),
            "- Heat wave: \"For plants that wilt in a heat wave\" [S1]:\n  - \"Mulch\" [S2], \"Water early, before the sun is high\" [S4]",
            "a list the answer quotes right below goes under the lead-in, not added again"
        );
        let cited_elsewhere = "- Heat wave: \"For plants that wilt in a heat wave\" [S1]\n- Aphids: \"Soapy water washes aphids off the leaves\" [S5]\n- \"Mulch\" [S2]";
        assert_eq!(
            with_list_items(cited_elsewhere, &sources),
            cited_elsewhere,
            "a list the answer quotes elsewhere stays where the answer put it"
        );
    }

    #[test]
    fn a_copy_of_a_sentence_already_quoted_goes() {
        let answer = "- Morning: \"Seedlings need water every morning\" [S1]\n- Seedlings need water every morning\n- Aphids are removed with soapy water";
        assert_eq!(
            attribute_copied_sentences(answer, &passages()),
            "- Morning: \"Seedlings need water every morning\" [S1]\n- \"Aphids are removed with soapy water\" [S2]"
        );
    }

    #[test]
    fn a_lists_opening_quoted_beside_its_items_goes() {
        let answer = "- Watering: [S1.2]\n- [S1.1]\n- Also: [S2.1]";
        assert_eq!(
            expand_sentence_ids(answer, &passages()),
            "- Watering: \"Seedlings need water every morning\" [S1]\n- Also: \"Aphids are removed with soapy water\" [S2]"
        );
        assert_eq!(
            expand_sentence_ids("- [S1.1]", &passages()),
            "- \"Watering\" [S1]",
            "alone, the opening is left for the reader (and the lead-in check)"
        );
    }

    #[test]
    fn a_short_list_item_is_quoted_with_its_fellow_items() {
        let sources: Vec<Passage> = [
            "Rescue care:\n- Deep watering\n- Shade cloth\n- Mulch",
            "This care saved most plants in the trial.",
        ]
        .iter()
        .enumerate()
        .map(|(i, t)| Passage {
            marker: format!("S{}", i + 1),
            text: (*t).into(),
            ..passages()[0].clone()
        })
        .collect();
        let cases = [
            (
                "- Heat: [S1.3], [S2.1]",
                "- Rescue care: \"Deep watering\", \"Shade cloth\", \"Mulch\" [S1], \"This care saved most plants in the trial\" [S2]",
            ),
            (
                "- Rescue: [S1.2], [S1.3] and [S1.4]",
                "- Rescue: \"Deep watering\", \"Shade cloth\", \"Mulch\" [S1]",
            ),
            (
                "Rescue care saved most plants [S1.2], [S2.1].",
                "Rescue care saved most plants [S1], [S2].",
            ),
        ];
        for (answer, expected) in cases {
            let expanded = expand_sentence_ids(answer, &sources);
            assert_eq!(expanded, expected, "{answer}");
        }
        assert!(verify(cases[0].1, &sources).verified());
        assert!(verify(cases[1].1, &sources).verified());
    }
}

//! Text normalisation shared by everything that compares passages with other text (gold
//! phrases, quotes): case, white space, curly vs straight quotes, dashes. Pure functions only.

/// Lower-cases, maps curly quotes to straight ones and every dash to '-', and collapses white
/// space, so that two spellings of the same words compare equal.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        let c = match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '`' | '´' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '«' | '»' => '"',
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
            | '\u{2212}' => '-',
            '\u{00A0}' | '\u{202F}' | '\u{2009}' => ' ',
            other => other,
        };
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_space_quotes_and_dashes() {
        assert_eq!(
            normalize("  IV  Methylprednisolone\n1–2 mg/kg “severe” ‘cases’ "),
            "iv methylprednisolone 1-2 mg/kg \"severe\" 'cases'"
        );
        assert_eq!(normalize("a\u{00A0}b — c"), "a b - c");
    }
}

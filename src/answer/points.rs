//! The model's answer cut into points as it streams (a list item or paragraph with its nested
//! lines), each point reported once the model has written it whole and it verifies on its own,
//! so a reader sees the first checked sentence before the whole answer is written. It decides
//! nothing: the reply, checked whole, replaces these points when it is done.

use super::{VerifiedPoint, points, renamed_markers, separator};
use crate::contracts::Passage;
use crate::verify::verify;

/// The points of a streamed answer, cut and checked as its pieces arrive.
pub(super) struct PointCutter<'p> {
    passages: &'p [Passage],
    /// The model's words so far.
    raw: String,
    /// Bytes of `raw` already read as whole points.
    read_to: usize,
    /// Points of the answer already judged (sent or not).
    judged: usize,
    /// The markers of the points sent, in order of first use: `order[i]` is sent as `S{i+1}`.
    order: Vec<String>,
    sent: usize,
}

impl<'p> PointCutter<'p> {
    pub(super) fn new(passages: &'p [Passage]) -> Self {
        PointCutter {
            passages,
            raw: String::new(),
            read_to: 0,
            judged: 0,
            order: Vec::new(),
            sent: 0,
        }
    }

    /// Adds the model's next `piece`; when it completes points, `answer_from` turns the whole
    /// points written so far into the answer they stand for (sentence ids written out as
    /// quotes…), and the new points of it that verify are returned.
    pub(super) fn push(
        &mut self,
        piece: &str,
        answer_from: impl FnOnce(&str) -> Option<String>,
    ) -> Vec<VerifiedPoint> {
        self.raw.push_str(piece);
        let end = whole_points_end(&self.raw);
        if end <= self.read_to {
            return Vec::new();
        }
        self.read_to = end;
        let Some(answer) = answer_from(&self.raw[..end]) else {
            return Vec::new();
        };
        let between = separator(&answer);
        let all = points(&answer);
        let new: Vec<String> = all
            .iter()
            .skip(self.judged)
            .map(|point| point.join("\n"))
            .collect();
        self.judged = self.judged.max(all.len());
        new.iter()
            .filter_map(|point| self.verified(point, between))
            .collect()
    }

    /// `point` as sent, if it verifies alone and quotes the sources.
    fn verified(&mut self, point: &str, between: &str) -> Option<VerifiedPoint> {
        let check = verify(point, self.passages);
        if !check.verified() || !check.quotes.iter().any(|q| q.verified) {
            return None;
        }
        for marker in &check.markers {
            if !self.order.contains(marker) {
                self.order.push(marker.clone());
            }
        }
        let order = &self.order;
        let new_name = |old: &str| -> String {
            order
                .iter()
                .position(|m| m == old)
                .map_or_else(|| old.to_string(), |i| format!("S{}", i + 1))
        };
        let passages = check
            .markers
            .iter()
            .filter_map(|marker| {
                let mut passage = self.passages.iter().find(|p| p.marker == *marker)?.clone();
                passage.marker = new_name(marker);
                Some(passage)
            })
            .collect();
        let point = VerifiedPoint {
            text: renamed_markers(point, new_name),
            separator: if self.sent == 0 { "" } else { between }.to_string(),
            passages,
        };
        self.sent += 1;
        Some(point)
    }
}

/// The length of the whole points at the start of `raw`: up to the line break before the last
/// line that opens a point (a list item, a heading, or any line after a blank one), once that
/// line's first character has arrived. A line still being written, or lines that may yet get
/// nested lines, are not whole.
fn whole_points_end(raw: &str) -> usize {
    let mut end = 0;
    let mut offset = 0;
    let mut after_blank = false;
    for (n, line) in raw.split('\n').enumerate() {
        if n > 0 && !line.is_empty() && (after_blank || opens_point(line)) {
            end = offset - 1;
        }
        after_blank = line.trim().is_empty();
        offset += line.len() + 1;
    }
    end
}

/// Whether a line opens a point: a list item or a heading, not indented.
fn opens_point(line: &str) -> bool {
    if line.starts_with(['-', '*', '+', '•', '#']) {
        return true;
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && line[digits..].starts_with(['.', ')'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passage(marker: &str, text: &str) -> Passage {
        Passage {
            marker: marker.into(),
            chunk_id: format!("doc#{marker}"),
            doc_id: "doc".into(),
            title: "Garden".into(),
            section: "Care".into(),
            text: text.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_point_is_whole_once_the_next_one_opens() {
        assert_eq!(whole_points_end("- a [S1]"), 0);
        assert_eq!(whole_points_end("- a [S1]\n"), 0, "nested lines may follow");
        assert_eq!(whole_points_end("- a [S1]\n  - b"), 0);
        assert_eq!(whole_points_end("- a [S1]\n  - b\n-"), 14);
        assert_eq!(whole_points_end("One [S1].\n\nT"), 10);
        assert_eq!(
            whole_points_end("- a\n1. b\n2"),
            3,
            "a digit alone opens nothing yet"
        );
        assert_eq!(whole_points_end("- a\n1. b\n2)"), 8);
    }

    #[test]
    fn points_that_verify_are_sent_as_they_complete_renumbered_in_order_of_use() {
        let passages = vec![
            passage("S1", "Aphids are removed with soapy water."),
            passage("S2", "Seedlings need water every morning."),
        ];
        let mut cutter = PointCutter::new(&passages);
        let same = |raw: &str| Some(raw.to_string());
        let mut sent = Vec::new();
        for piece in [
            "- Seedlings: \"Seedlings need water ",
            "every morning\" [S2]\n- Aphids: \"Aphids are cured by ",
            "magic\" [S1]\n- Aphids: \"Aphids are removed with soapy water\" [S1]\n",
            "- last",
        ] {
            sent.extend(cutter.push(piece, same));
        }
        let texts: Vec<&str> = sent.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "- Seedlings: \"Seedlings need water every morning\" [S1]",
                "- Aphids: \"Aphids are removed with soapy water\" [S2]"
            ],
            "the fabricated quote is never sent"
        );
        assert_eq!(sent[0].separator, "");
        assert_eq!(sent[1].separator, "\n");
        assert_eq!(sent[1].passages[0].marker, "S2");
        assert_eq!(sent[1].passages[0].chunk_id, "doc#S1");
    }
}

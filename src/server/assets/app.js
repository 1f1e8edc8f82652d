// medcite follow-up chat. Streams an answer from POST api/v1/ask/stream (server-sent events read
// from fetch, since EventSource cannot POST): the model's `draft` words are shown as visibly
// provisional ("checking the sources…"), each `point` that has verified is shown as checked as
// soon as it arrives, the verified `delta` replaces them all, and `done` shows the reply with its
// sources. Sources are labelled as the reader finds them in the article: a reference by its
// number in the article's list ([2]), a passage of the article itself as [article]. Every piece of text from the server or a model goes in with
// textContent: nothing is parsed as HTML. On an article's own page (/articles/{id}, the form's
// data-article) every question is asked in that article's scope. No dependencies.
"use strict";

(function () {
  // The server's root, from where this script is served (<root>/assets/app.js): the page may be
  // /, /articles/{id}, or either under a proxy's path prefix.
  const ROOT = new URL("../", document.currentScript.src);
  const form = document.getElementById("ask-form");
  const input = document.getElementById("question");
  const button = document.getElementById("ask-button");
  const status = document.getElementById("status");
  const thread = document.getElementById("thread");
  const tokenRow = document.getElementById("token-row");
  const tokenInput = document.getElementById("token");
  // The article this box asks about, or none (the whole library).
  const ARTICLE = form.dataset.article || null;
  const MAX_TURNS = 8;
  const MAX_TURN_CHARS = 2000;
  // Plain words for the verdicts known today; any other verdict is shown as a warning.
  const VERDICTS = {
    ok: "matches the dosing rule",
    out_of_range: "outside the usual range",
    wrong_frequency: "unusual dosing frequency",
    wrong_unit: "unexpected unit",
    wrong_route: "unexpected route",
    missing_frequency: "frequency not stated",
    missing_dose_count: "number of doses not stated",
    too_many_doses: "more doses than usual",
    course_over_limit: "course total over the usual limit",
    not_in_sources: "not stated in the cited sources",
    unverified: "not checked: no dosing rule covers it",
  };
  // The article's numbered references, from the reference list: doc id → number, confidence.
  const REFERENCES = new Map();
  for (const item of document.querySelectorAll(".refs li[data-doc]")) {
    REFERENCES.set(item.dataset.doc, {
      number: item.value,
      confidence: item.dataset.confidence,
      identified: item.dataset.identified === "true",
    });
  }
  const REASONS = [
    ["wrong", "Wrong: it says something the sources do not"],
    ["unsafe", "Unsafe or wrong dose"],
    ["unhelpful", "Not what I asked, or missing what matters"],
    ["bad_source", "A quote or source does not lead where it should"],
    ["other", "Something else"],
  ];
  const dockQuery = window.matchMedia("(max-width: 999px)");
  const history = [];
  let turns = 0;
  let busy = false;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  for (const button of document.querySelectorAll("button.suggestion")) {
    button.addEventListener("click", function () {
      if (busy) return;
      input.value = button.textContent;
      form.requestSubmit();
    });
  }

  // A link made by "Link to this question" (#q=…) asks its question again on load.
  window.addEventListener("load", function () {
    if (!location.hash.startsWith("#q=")) return;
    let question = "";
    try { question = decodeURIComponent(location.hash.slice(3)); } catch (_) { return; }
    if (!question.trim()) return;
    input.value = question.slice(0, Number(input.maxLength) > 0 ? Number(input.maxLength) : 2000);
    form.requestSubmit();
  });

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const question = input.value.trim();
    if (!question || busy) return;
    busy = true;
    button.disabled = true;
    status.textContent = "Searching the article and its references…";
    const turn = newTurn(question);
    form.classList.add("asked");
    showTurn(turn);
    try {
      const reply = await ask(question, turn);
      showReply(turn, reply);
      if (!dockQuery.matches) showTurn(turn);
      history.push({ role: "user", content: question });
      history.push({ role: "assistant", content: reply.answer });
      input.value = "";
      status.textContent = "Answer ready.";
    } catch (error) {
      showError(turn, error && error.message ? error.message : String(error));
      status.textContent = "";
    } finally {
      busy = false;
      button.disabled = false;
      input.focus();
    }
  });

  async function ask(question, turn) {
    const headers = { "Content-Type": "application/json", Accept: "text/event-stream" };
    const token = tokenInput.value.trim();
    if (token) headers.Authorization = "Bearer " + token;
    const earlier = history.slice(-MAX_TURNS).map(function (t) {
      return { role: t.role, content: t.content.slice(0, MAX_TURN_CHARS) };
    });
    const request = { question: question, history: earlier, mode: "auto" };
    if (ARTICLE) request.article = ARTICLE;
    const response = await fetch(new URL("api/v1/ask/stream", ROOT), {
      method: "POST",
      headers: headers,
      body: JSON.stringify(request),
    });
    if (!response.ok) {
      let message = "The server answered with status " + response.status + ".";
      try {
        const body = await response.json();
        if (body && body.error && body.error.message) message = body.error.message;
      } catch (_) { /* not JSON: keep the status */ }
      if (response.status === 401) {
        tokenRow.hidden = false;
        tokenInput.focus();
      }
      throw new Error(message);
    }
    turn.requestId = response.headers.get("x-request-id");
    let done = null;
    await readEvents(response.body, function (name, data) {
      const value = JSON.parse(data);
      if (name === "passages") {
        status.textContent = value.length
          ? "Found " + value.length + " passages; writing the answer…"
          : "Writing the answer…";
      } else if (name === "draft") {
        showDraft(turn, value);
      } else if (name === "point") {
        showPoint(turn, value);
      } else if (name === "delta") {
        showVerified(turn, value);
      } else if (name === "done") {
        done = value;
      } else if (name === "error") {
        throw new Error(value.error && value.error.message ? value.error.message : "The answer failed.");
      }
    });
    if (!done) throw new Error("The answer stopped before it was complete; please ask again.");
    return done;
  }

  // Calls onEvent(name, data) for each server-sent event of the body.
  async function readEvents(body, onEvent) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const chunk = await reader.read();
      if (chunk.value) buffer += decoder.decode(chunk.value, { stream: true });
      if (chunk.done) buffer += decoder.decode() + "\n\n";
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let name = "message";
        const data = [];
        for (const raw of block.split("\n")) {
          const line = raw.replace(/\r$/, "");
          if (!line || line.startsWith(":")) continue;
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          let value = colon < 0 ? "" : line.slice(colon + 1);
          if (value.startsWith(" ")) value = value.slice(1);
          if (field === "event") name = value;
          else if (field === "data") data.push(value);
        }
        if (data.length) onEvent(name, data.join("\n"));
      }
      if (chunk.done) return;
    }
  }

  function newTurn(question) {
    turns += 1;
    const item = el("li", "turn");
    item.id = "turn-" + turns;
    const asked = el("p", "question");
    asked.append(el("span", "who", "You asked"), el("span", "question-text", question));
    const answer = el("div", "answer");
    answer.setAttribute("aria-busy", "true");
    const draft = el("div", "draft-box");
    draft.hidden = true;
    const label = el("span", "draft-label", "Draft — checking the sources…");
    const words = el("p", "draft");
    draft.append(label, words);
    const points = el("div", "points-box");
    points.hidden = true;
    const pointsLabel = el("span", "points-label", "Checked against the sources so far — the answer is still being written:");
    const pointsText = el("div", "answer-text points");
    points.append(pointsLabel, pointsText);
    const verified = el("p", "verified-text");
    answer.append(points, draft, verified);
    item.append(asked, answer);
    thread.append(item);
    return {
      id: item.id, item: item, question: question, answer: answer, draft: draft, words: words,
      points: points, pointsText: pointsText, pointsSent: "", pointPassages: new Map(),
      verified: verified, requestId: null,
    };
  }

  // Brings a turn's start into view: below the article when the box is docked (narrow
  // screens), else at the top of the side panel's thread.
  function showTurn(turn) {
    if (dockQuery.matches) {
      turn.item.scrollIntoView({ block: "start" });
    } else {
      thread.scrollTop = turn.item.offsetTop - thread.offsetTop;
    }
  }

  // The model's words as it writes them: provisional until the sources are checked.
  function showDraft(turn, piece) {
    turn.draft.hidden = false;
    turn.words.textContent += piece;
    if (!dockQuery.matches) thread.scrollTop = thread.scrollHeight;
    status.textContent = "Checking the draft against the sources…";
  }

  // A point that verified while the model still writes: shown as checked, before the rest.
  function showPoint(turn, point) {
    turn.points.hidden = false;
    turn.pointsSent += point.separator + point.text;
    for (const passage of point.passages) turn.pointPassages.set(passage.marker, passage);
    turn.pointsText.replaceChildren();
    renderAnswer(turn.pointsText, turn.pointsSent, function (marker) {
      const passage = turn.pointPassages.get(marker);
      return passage ? { key: label(passage), node: el("span", "marker", label(passage)) } : null;
    });
    status.textContent = "Showing the points checked so far; the rest is being written…";
  }

  // The verified text replaces any draft and any points shown before it.
  function showVerified(turn, text) {
    turn.draft.remove();
    turn.points.remove();
    turn.verified.textContent = text;
  }

  function showError(turn, message) {
    turn.answer.removeAttribute("aria-busy");
    turn.draft.remove();
    turn.points.remove();
    turn.verified.remove();
    const note = el("p", "notice error", message);
    note.setAttribute("role", "alert");
    turn.answer.append(note);
  }

  function showReply(turn, reply) {
    const answer = turn.answer;
    answer.replaceChildren();
    answer.removeAttribute("aria-busy");
    answer.classList.toggle("not-covered", !reply.covered);
    const passages = new Map(reply.passages.map(function (p) { return [p.marker, p]; }));
    const cited = [];
    const text = el("div", "answer-text");
    renderAnswer(text, reply.answer, function (marker) {
      if (!passages.has(marker)) return null;
      if (cited.indexOf(marker) < 0) cited.push(marker);
      const link = el("a", "marker", label(passages.get(marker)));
      link.href = "#" + turn.id + "-" + marker;
      const facts = provenance(passages.get(marker));
      link.setAttribute("aria-label", facts.reference ? "reference " + facts.reference.number : "passage of the article: " + passages.get(marker).section);
      link.title = facts.reference ? "Reference [" + facts.reference.number + "] of the article" : "From the article: " + passages.get(marker).section;
      link.addEventListener("click", function (event) {
        event.preventDefault();
        // Beside the article (wide screens), an article passage is also shown in place.
        const place = !dockQuery.matches && !facts.reference ? articleElement(passages.get(marker)) : null;
        if (place) showInArticle(place, quotedIn(passages.get(marker), reply.quotes || []));
        openSource(turn.id + "-" + marker);
      });
      const key = label(passages.get(marker));
      if (!facts.badge) return { key: key, node: link };
      const group = document.createDocumentFragment();
      group.append(link, el("span", "badge warn mini", facts.badge));
      return { key: key, node: group };
    });
    answer.append(text);

    const meta = el("p", "meta");
    // Asked from the library, the article (or articles) the answer comes from.
    const named = (reply.articles || []).map(function (a) { return a.title + " (" + a.id + ")"; });
    if (named.length) meta.append(el("span", "badge from", (named.length === 1 ? "From: " : "Drawn from: ") + named.join("; ")));
    meta.append(el("span", "badge", provenanceLine(reply, cited.map(function (m) { return passages.get(m); }))));
    if (!reply.covered) meta.append(el("span", "badge warn", "Not covered by the article or its references"));
    else if (reply.verified && reply.quotes && reply.quotes.length) meta.append(el("span", "badge ok", "Quotes checked word for word against the sources"));
    else if (reply.verified) meta.append(el("span", "badge ok", "Every sentence names its source (no direct quotes)"));
    else meta.append(el("span", "badge warn", "Not checked against the sources"));
    answer.append(meta);
    if (reply.fallback_reason) {
      const note = el("p", "notice warn", "The language model's answer did not pass the check against the sources, so the answer above is quoted from the article instead.");
      note.append(el("span", "why", " Why: " + reply.fallback_reason));
      answer.append(note);
    }
    if (reply.dosing && reply.dosing.claims && reply.dosing.claims.length) {
      answer.append(renderDosing(reply.dosing));
    }
    if (cited.length) {
      const sources = el("div", "sources");
      sources.append(el("h3", null, "Sources"));
      const order = reply.passages.map(function (p) { return p.marker; }).filter(function (m) { return cited.indexOf(m) >= 0; });
      for (const marker of order) {
        sources.append(renderSource(turn.id + "-" + marker, passages.get(marker), reply.quotes || []));
      }
      answer.append(sources);
    }
    answer.append(actions(turn, reply, passages));
  }

  // How the answer was made, in plain words.
  function provenanceLine(reply, cited) {
    if (reply.mode === "llm") return "Answer written by the language model from the sources";
    const fromReferences = cited.some(function (p) { return p && REFERENCES.has(p.doc_id); });
    return fromReferences ? "Answer quoted from the article and its references" : "Answer quoted from the article";
  }

  // What the reader calls a source: its number in the article's references, or [article].
  function label(passage) {
    const reference = passage ? REFERENCES.get(passage.doc_id) : null;
    return reference ? "[" + reference.number + "]" : "[article]";
  }

  // Copy, link and "wrong or unhelpful?" under an answer.
  function actions(turn, reply, passages) {
    const bar = el("div", "answer-actions");
    const copy = el("button", "copy", "Copy answer");
    copy.type = "button";
    const copied = el("span", "copied");
    copied.setAttribute("role", "status");
    copy.addEventListener("click", async function () {
      const text = plainText(turn.question, reply, passages);
      try {
        await navigator.clipboard.writeText(text);
        copied.textContent = "Copied.";
      } catch (_) {
        copied.textContent = "Copying is blocked here; select the answer to copy it.";
      }
    });
    const link = el("a", "permalink", "Link to this question");
    link.href = "#q=" + encodeURIComponent(turn.question);
    link.title = "Opens this page and asks the question again";
    const open = el("button", "feedback-open", "Wrong or unhelpful?");
    open.type = "button";
    open.setAttribute("aria-expanded", "false");
    const box = feedbackForm(turn);
    box.hidden = true;
    open.addEventListener("click", function () {
      box.hidden = !box.hidden;
      open.setAttribute("aria-expanded", String(!box.hidden));
      if (!box.hidden) box.querySelector("select").focus();
    });
    bar.append(copy, " ", link, " ", open, copied);
    const wrap = el("div", "answer-footer");
    wrap.append(bar, box);
    return wrap;
  }

  // The answer as plain text with its sources, labelled as on the page.
  function plainText(question, reply, passages) {
    const named = String(reply.answer).replace(/\[(S\d+(?:\s*,\s*S\d+)*)\]/g, function (group, inside) {
      const labels = [];
      for (const marker of inside.split(",").map(function (m) { return m.trim(); })) {
        const name = passages.has(marker) ? label(passages.get(marker)) : "[" + marker + "]";
        if (labels.indexOf(name) < 0) labels.push(name);
      }
      return labels.join(" ");
    });
    const lines = ["Q: " + question, "", named];
    const cited = reply.passages.filter(function (p) { return reply.answer.indexOf(p.marker + "]") >= 0 || reply.answer.indexOf(p.marker + ",") >= 0; });
    if (cited.length) {
      lines.push("", "Sources:");
      for (const p of cited) {
        const reference = REFERENCES.get(p.doc_id);
        const item = reference ? document.getElementById("ref-" + reference.number) : null;
        const citation = item ? item.querySelector(".citation").textContent : p.title + " › " + p.section;
        const line = label(p) + " " + citation;
        if (lines.indexOf(line) < 0) lines.push(line);
      }
    }
    lines.push("", "From " + document.title + " (" + location.origin + location.pathname + ")");
    return lines.join("\n");
  }

  function feedbackForm(turn) {
    const box = el("form", "feedback");
    const choose = el("label", null, "What is wrong with this answer?");
    const select = el("select");
    select.name = "reason";
    choose.append(" ", select);
    for (const [value, text] of REASONS) {
      const option = el("option", null, text);
      option.value = value;
      select.append(option);
    }
    const say = el("label", null, "Anything to add (optional)");
    const comment = el("textarea");
    comment.name = "comment";
    comment.rows = 2;
    comment.maxLength = 1000;
    say.append(comment);
    const send = el("button", "feedback-send", "Send");
    send.type = "submit";
    const said = el("p", "feedback-status");
    said.setAttribute("role", "status");
    box.append(choose, say, send, said);
    box.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (!turn.requestId) {
        said.textContent = "This answer has no request id to report against.";
        return;
      }
      send.disabled = true;
      said.textContent = "Sending…";
      const headers = { "Content-Type": "application/json" };
      const token = tokenInput.value.trim();
      if (token) headers.Authorization = "Bearer " + token;
      try {
        const response = await fetch(new URL("api/v1/feedback", ROOT), {
          method: "POST",
          headers: headers,
          body: JSON.stringify({ request_id: turn.requestId, reason: select.value, comment: comment.value }),
        });
        if (response.ok) {
          said.textContent = "Thank you: recorded with this answer for review.";
          select.disabled = true;
          comment.disabled = true;
          return;
        }
        let message = "The server answered with status " + response.status + ".";
        try {
          const body = await response.json();
          if (body && body.error && body.error.message) message = body.error.message;
        } catch (_) { /* not JSON */ }
        said.textContent = "Not recorded: " + message;
        send.disabled = false;
      } catch (error) {
        said.textContent = "Not recorded: " + (error && error.message ? error.message : String(error));
        send.disabled = false;
      }
    });
    return box;
  }

  // Paragraphs and "- " bullets of the answer, with [S1] markers as links made by makeLink.
  function renderAnswer(container, answer, makeLink) {
    let list = null;
    let paragraph = null;
    for (const raw of String(answer).split("\n")) {
      const line = raw.trim();
      const bullet = /^[-*•]\s+/.exec(line);
      if (!line) {
        list = null;
        paragraph = null;
      } else if (bullet) {
        if (!list) {
          list = el("ul");
          container.append(list);
        }
        paragraph = null;
        const item = el("li");
        renderInline(item, line.slice(bullet[0].length), makeLink);
        list.append(item);
      } else {
        list = null;
        if (!paragraph) {
          paragraph = el("p");
          container.append(paragraph);
        } else {
          paragraph.append(" ");
        }
        renderInline(paragraph, line, makeLink);
      }
    }
  }

  function renderInline(node, text, makeLink) {
    const pattern = /\[(S\d+(?:\s*,\s*S\d+)*)\]/g;
    let at = 0;
    let found;
    while ((found = pattern.exec(text)) !== null) {
      appendEmphasis(node, text.slice(at, found.index));
      const markers = found[1].split(",").map(function (m) { return m.trim(); });
      const links = markers.map(makeLink);
      if (links.some(function (l) { return l === null; })) {
        node.append(found[0]);
      } else {
        // One label once per group: two passages of reference 2 read as one [2].
        const seen = [];
        links.forEach(function (link) {
          if (seen.indexOf(link.key) >= 0) return;
          if (seen.length) node.append(" ");
          seen.push(link.key);
          node.append(link.node);
        });
      }
      at = pattern.lastIndex;
    }
    appendEmphasis(node, text.slice(at));
  }

  function appendEmphasis(node, text) {
    const parts = text.split(/\*\*(.+?)\*\*/);
    parts.forEach(function (part, i) {
      if (!part) return;
      node.append(i % 2 ? el("strong", null, part) : part);
    });
  }

  // Where a passage comes from: its reference number and confidence, and the badge it carries
  // wherever it is cited when its publication is untraced or its identification unconfirmed.
  function provenance(passage) {
    const reference = passage ? REFERENCES.get(passage.doc_id) : null;
    if (!reference) return { reference: null, badge: null };
    let badge = null;
    if (!reference.identified) badge = "source not traced";
    else if (reference.confidence !== "confirmed") badge = "unconfirmed";
    return { reference: reference, badge: badge };
  }

  // Highlights an article element, with the quoted words marked, and scrolls to it.
  function showInArticle(place, quoted) {
    for (const old of document.querySelectorAll(".article .in-article")) old.classList.remove("in-article");
    for (const mark of document.querySelectorAll(".article mark.quoted")) {
      const parent = mark.parentNode;
      parent.replaceChild(document.createTextNode(mark.textContent), mark);
      parent.normalize();
    }
    place.classList.add("in-article");
    for (const words of quoted) markWords(place, words);
    place.scrollIntoView({ block: "center" });
  }

  // Marks the first run of `words` (case and spacing aside) that stands in one text node.
  function markWords(root, words) {
    const parts = String(words).replace(/^[-*•]\s+/, "").split(/\s+/).filter(Boolean);
    if (!parts.length) return;
    const pattern = new RegExp(parts.map(function (w) {
      return w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }).join("\\s+"), "i");
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      if (node.parentElement.closest("sup.cite")) continue;
      const found = pattern.exec(node.data);
      if (!found) continue;
      const middle = node.splitText(found.index);
      middle.splitText(found[0].length);
      const mark = el("mark", "quoted", middle.data);
      middle.parentNode.replaceChild(mark, middle);
      return;
    }
  }

  // The quoted words of a passage, from the server's spans.
  function quotedIn(passage, quotes) {
    const chars = Array.from(passage.text);
    return quotes.filter(function (q) {
      return q.verified && q.chunk_id === passage.chunk_id && q.start != null && q.end != null;
    }).map(function (q) { return chars.slice(q.start, q.end).join(""); });
  }

  // The paragraph or list item of the article a passage was cut from: the one whose text
  // (citation numbers and spacing aside) starts as the passage does.
  function articleElement(passage) {
    const flat = function (text) {
      return String(text).replace(/\[\d+(?:\s*[,–-]\s*\d+)*\]/g, " ").replace(/[-*•]\s+/g, " ")
        .replace(/\s+/g, " ").trim().toLowerCase();
    };
    const start = flat(passage.text).slice(0, 80);
    if (start.length < 8) return null;
    for (const node of document.querySelectorAll(".article p, .article li")) {
      if (flat(node.textContent).startsWith(start)) return node;
    }
    return null;
  }

  // One line a clinician reads at a glance; the verdict of each dose on demand.
  function renderDosing(dosing) {
    const claims = dosing.claims;
    const warnings = claims.filter(function (c) { return c.verdict !== "ok" && c.verdict !== "unverified"; });
    const unchecked = claims.filter(function (c) { return c.verdict === "unverified"; });
    const box = el("details", "dosing");
    const summary = el("summary");
    if (warnings.length) {
      box.classList.add("warn");
      const first = warnings[0];
      let line = "⚠ Check dose: “" + first.text + "” — " + (VERDICTS[first.verdict] || String(first.verdict).replace(/_/g, " "));
      if (warnings.length > 1) line += " (+" + (warnings.length - 1) + " more)";
      summary.textContent = line;
      box.setAttribute("role", "alert");
    } else if (unchecked.length) {
      box.classList.add("neutral");
      summary.textContent = "○ " + (unchecked.length === 1 ? "1 dose" : unchecked.length + " doses") +
        " not checked (no dosing rule covers " + (unchecked.length === 1 ? "it" : "them") + ")" +
        (claims.length > unchecked.length ? "; " + (claims.length - unchecked.length) + " match the rules" : "");
    } else {
      box.classList.add("ok");
      summary.textContent = "✓ " + (claims.length === 1 ? "The dose matches" : "All " + claims.length + " doses match") + " the dosing rules";
    }
    box.append(summary);
    const list = el("ul");
    for (const claim of claims) {
      const kind = claim.verdict === "ok" ? "ok" : claim.verdict === "unverified" ? "neutral" : "warn";
      const item = el("li", "dose " + kind);
      item.append(el("span", "verdict", VERDICTS[claim.verdict] || String(claim.verdict).replace(/_/g, " ")));
      item.append(": “" + claim.text + "”");
      if (claim.message) item.append(" — " + claim.message);
      if (claim.rule) item.append(" ", el("span", "rule", "(rule " + claim.rule + ")"));
      list.append(item);
    }
    box.append(list);
    return box;
  }

  function renderSource(id, passage, quotes) {
    const details = el("details", "source");
    details.id = id;
    const summary = el("summary");
    const facts = provenance(passage);
    let place;
    if (facts.reference) {
      place = "Reference " + facts.reference.number + " of the article · " + passage.title;
    } else {
      place = passage.section && passage.section !== passage.title
        ? "This article › " + passage.section
        : "This article";
    }
    summary.append(el("strong", null, label(passage) + " "), place);
    if (facts.reference) {
      const confidence = !facts.reference.identified ? "source not traced"
        : facts.reference.confidence === "confirmed" ? "identification confirmed"
        : "identification " + facts.reference.confidence + ", not confirmed";
      if (facts.badge) summary.append(" ", el("span", "badge warn mini", facts.badge));
      else summary.append(el("span", "source-facts", confidence));
    }
    const body = el("blockquote", "passage");
    // The quoted words, by the spans the server located (characters, not UTF-16 units).
    const chars = Array.from(passage.text);
    const ranges = [];
    for (const q of quotes) {
      if (q.verified && q.chunk_id === passage.chunk_id && q.start != null && q.end != null) {
        ranges.push([q.start, q.end]);
      }
    }
    ranges.sort(function (a, b) { return a[0] - b[0]; });
    let at = 0;
    for (const range of ranges) {
      if (range[0] < at) continue;
      body.append(chars.slice(at, range[0]).join(""), el("mark", null, chars.slice(range[0], range[1]).join("")));
      at = range[1];
    }
    body.append(chars.slice(at).join(""));
    details.append(summary, body);
    if (facts.reference) {
      const link = el("a", "to-reference", "Reference [" + facts.reference.number + "] in the article's list");
      link.href = "#ref-" + facts.reference.number;
      const line = el("p", "source-link");
      line.append(link);
      details.append(line);
    } else {
      const place = articleElement(passage);
      if (place) {
        const link = el("a", "to-article", "Show in the article");
        link.href = "#";
        link.addEventListener("click", function (event) {
          event.preventDefault();
          showInArticle(place, quotedIn(passage, quotes));
        });
        const line = el("p", "source-link");
        line.append(link);
        details.append(line);
      }
    }
    return details;
  }

  function openSource(id) {
    const details = document.getElementById(id);
    if (!details) return;
    details.open = true;
    details.classList.add("flash");
    setTimeout(function () { details.classList.remove("flash"); }, 1500);
    details.scrollIntoView({ block: "nearest" });
    details.querySelector("summary").focus();
  }

})();

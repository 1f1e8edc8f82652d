// medcite follow-up chat. Streams an answer from POST api/v1/ask/stream (server-sent events read
// from fetch, since EventSource cannot POST), then shows the verified reply with its sources.
// Every piece of text from the server or a model goes in with textContent: nothing is parsed as
// HTML. No dependencies.
"use strict";

(function () {
  const form = document.getElementById("ask-form");
  const input = document.getElementById("question");
  const button = document.getElementById("ask-button");
  const status = document.getElementById("status");
  const thread = document.getElementById("thread");
  const tokenRow = document.getElementById("token-row");
  const tokenInput = document.getElementById("token");
  const MAX_TURNS = 8;
  const MAX_TURN_CHARS = 2000;
  const VERDICTS = {
    ok: "Dose matches the dosing rule",
    out_of_range: "Dose outside the usual range",
    wrong_frequency: "Unusual dosing frequency",
    wrong_unit: "Unexpected unit",
    wrong_route: "Unexpected route",
    not_in_sources: "Dose not stated in the cited sources",
    unverified: "No dosing rule covers this dose",
  };
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

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const question = input.value.trim();
    if (!question || busy) return;
    busy = true;
    button.disabled = true;
    status.textContent = "Searching the article and its references…";
    const turn = newTurn(question);
    try {
      const reply = await ask(question, turn);
      showReply(turn, reply);
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
    const response = await fetch("api/v1/ask/stream", {
      method: "POST",
      headers: headers,
      body: JSON.stringify({ question: question, history: earlier, mode: "auto" }),
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
    let done = null;
    await readEvents(response.body, function (name, data) {
      const value = JSON.parse(data);
      if (name === "passages") {
        status.textContent = value.length
          ? "Found " + value.length + " passages; writing the answer…"
          : "Writing the answer…";
      } else if (name === "delta") {
        turn.draft.textContent += value;
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
    const draft = el("p", "draft");
    answer.append(draft);
    item.append(asked, answer);
    thread.append(item);
    return { id: item.id, item: item, answer: answer, draft: draft };
  }

  function showError(turn, message) {
    turn.answer.removeAttribute("aria-busy");
    turn.draft.remove();
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
      const link = el("a", "marker", marker);
      link.href = "#" + turn.id + "-" + marker;
      link.setAttribute("aria-label", "source " + marker);
      link.addEventListener("click", function (event) {
        event.preventDefault();
        openSource(turn.id + "-" + marker);
      });
      return link;
    });
    answer.append(text);

    const meta = el("p", "meta");
    meta.append(el("span", "badge", reply.mode === "llm" ? "Answer by the LLM" : "Offline answer: quotes from the sources"));
    if (!reply.covered) meta.append(el("span", "badge warn", "Not covered by the sources"));
    else if (reply.verified && reply.quotes && reply.quotes.length) meta.append(el("span", "badge ok", "Quotes verified against the sources"));
    else if (reply.verified) meta.append(el("span", "badge ok", "Every sentence cites a source (no direct quotes)"));
    else meta.append(el("span", "badge warn", "Not verified"));
    answer.append(meta);
    if (reply.fallback_reason) {
      answer.append(el("p", "notice warn", "The model's answer was not used: " + reply.fallback_reason));
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
        links.forEach(function (link, i) {
          if (i) node.append(" ");
          node.append(link);
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

  function renderDosing(dosing) {
    const box = el("section", "dosing");
    box.append(el("h3", null, "Dose check"));
    const problems = dosing.claims.filter(function (c) { return c.verdict !== "ok"; }).length;
    if (problems) {
      const warning = el("p", "notice warn", "Check " + (problems === 1 ? "this dose" : "these doses") +
        " before acting on " + (problems === 1 ? "it" : "them") + ": " + problems + " of " +
        dosing.claims.length + " could not be confirmed.");
      warning.setAttribute("role", "alert");
      box.append(warning);
    }
    const list = el("ul");
    for (const claim of dosing.claims) {
      const ok = claim.verdict === "ok";
      const item = el("li", "dose " + (ok ? "ok" : "warn"));
      item.append(el("span", "verdict", (ok ? "✓ " : "⚠ ") + (VERDICTS[claim.verdict] || claim.verdict)));
      item.append(": “" + claim.text + "”");
      if (claim.message) item.append(" — " + claim.message);
      list.append(item);
    }
    box.append(list);
    return box;
  }

  function renderSource(id, passage, quotes) {
    const details = el("details", "source");
    details.id = id;
    const summary = el("summary");
    const place = passage.section && passage.section !== passage.title
      ? passage.title + " › " + passage.section
      : passage.title;
    summary.append(el("strong", null, "[" + passage.marker + "] "), place);
    const body = el("blockquote", "passage");
    const ranges = [];
    for (const q of quotes) {
      if (q.verified && q.marker === passage.marker) {
        const range = locate(passage.text, q.quote);
        if (range) ranges.push(range);
      }
    }
    ranges.sort(function (a, b) { return a[0] - b[0]; });
    let at = 0;
    for (const range of ranges) {
      if (range[0] < at) continue;
      body.append(passage.text.slice(at, range[0]), el("mark", null, passage.text.slice(range[0], range[1])));
      at = range[1];
    }
    body.append(passage.text.slice(at));
    details.append(summary, body);
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

  // Where quote stands in text, as the server compares them: case, white space, curly quotes,
  // dashes, bullets and emphasis aside. Returns [start, end) in text, or null.
  function locate(text, quote) {
    const hay = comparable(text);
    const needle = comparable(quote.replace(/^[\s.,;:…]+|[\s.,;:…]+$/g, "")).chars.join("");
    if (!needle) return null;
    const start = hay.chars.join("").indexOf(needle);
    if (start < 0) return null;
    return [hay.index[start], hay.index[start + needle.length - 1] + 1];
  }

  function comparable(text) {
    const chars = [];
    const index = [];
    let space = false;
    let lineStart = true;
    for (let i = 0; i < text.length; i++) {
      let c = text[i];
      if (c === "\n") { lineStart = true; space = chars.length > 0; continue; }
      if (/\s/.test(c)) { space = chars.length > 0; continue; }
      if (lineStart) {
        lineStart = false;
        const bullet = /^[-*•]\s/.exec(text.slice(i, i + 2));
        if (bullet) { i += 1; space = chars.length > 0; continue; }
      }
      if ("\u2018\u2019\u201A\u201B\u2032`´".indexOf(c) >= 0) c = "'";
      if ("\u2010\u2011\u2012\u2013\u2014\u2015\u2212".indexOf(c) >= 0) c = "-";
      if (c === "*" || "\"\u201C\u201D\u201E\u201F\u2033«»".indexOf(c) >= 0) continue;
      if (space) { chars.push(" "); index.push(i); space = false; }
      for (const lower of c.toLowerCase()) { chars.push(lower); index.push(i); }
    }
    return { chars: chars, index: index };
  }
})();

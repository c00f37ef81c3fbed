"use strict";
// The reading view: /read/{doc_id}?p=PASSAGE&s=SENTENCE&s=...&f=3,4#PASSAGE
// shows the whole document (its passages in reading order, then its footnotes), scrolls to passage p and
// highlights there the answer's sentences (s) and the spans that the cited footnotes (f) support.
// Server strings go into the page as text nodes only.


function linkHref(url) {
  return /^https?:\/\//i.test(url) ? url : `http://${url}`;
}

// [start, end, class] ranges over `text` -> text nodes and <mark>s; where ranges overlap, both classes apply.
function highlighted(text, ranges) {
  const cuts = new Set([0, text.length]);
  for (const [start, end] of ranges) {
    cuts.add(Math.max(0, Math.min(start, text.length)));
    cuts.add(Math.max(0, Math.min(end, text.length)));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const nodes = [];
  for (let i = 0; i < points.length - 1; i++) {
    const [a, b] = [points[i], points[i + 1]];
    const classes = [...new Set(ranges.filter(([s, e]) => s <= a && e >= b).map((r) => r[2]))];
    const piece = text.slice(a, b);
    nodes.push(classes.length ? el("mark", { class: classes.join(" ") }, piece) : piece);
  }
  return nodes;
}

function passageRanges(passage, sentences, footnotes) {
  const ranges = [];
  for (const sentence of sentences) {
    const at = passage.text.indexOf(sentence);
    if (at >= 0) ranges.push([at, at + sentence.length, "hl-answer"]);
  }
  for (const c of passage.citations) {
    // `spans` may be absent (an older server): the passage is then marked as a whole, not its spans.
    if (!footnotes.has(c.footnote) || !Array.isArray(c.spans)) continue;
    for (const [start, end] of c.spans) ranges.push([start, end, "hl-cited"]);
  }
  return ranges;
}

function footnoteItem(f) {
  const item = el("li", { id: `fn-${f.footnote}`, value: f.footnote, class: `footnote footnote--${f.status}` },
    el("span", { class: "footnote-text" }, f.text ?? "Fußnotentext fehlt in der Extraktion."));
  const meta = [f.year ? `Jahr ${f.year}` : "Jahr unbekannt", STATUS_LABEL[f.status] || f.status];
  item.append(" ", el("span", { class: "footnote-meta" }, `(${meta.join(", ")})`));
  if (f.url) {
    item.append(el("br"), el("a", { class: "source-url", href: linkHref(f.url), target: "_blank",
      rel: "noopener noreferrer" }, f.url));
  }
  if (f.url_warning) item.append(el("p", { class: "source-url-warning", role: "note" }, `Vorsicht: ${f.url_warning}`));
  return item;
}

async function main() {
  const docId = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
  const params = new URLSearchParams(location.search);
  const target = params.get("p") || decodeURIComponent(location.hash.slice(1));
  const sentences = params.getAll("s");
  const footnotes = new Set((params.get("f") || "").split(",").filter(Boolean).map(Number));

  const response = await fetch(`/documents/${encodeURIComponent(docId)}/reader`);
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = document.getElementById("error");
    error.textContent = (data && typeof data.detail === "string") ? data.detail : `Fehler ${response.status}`;
    error.hidden = false;
    return;
  }
  document.title = `${data.title} – Quellen-Assistent`;
  document.getElementById("doc-title").textContent = data.title;
  document.getElementById("doc-meta").textContent =
    `${data.passages.length} Passagen, ${data.footnotes.length} Fußnoten · Seitenzahlen der Extraktion`;

  const text = document.getElementById("text");
  let page = null;
  for (const p of data.passages) {
    if (p.page !== page) {
      page = p.page;
      text.append(el("p", { class: "page-label" }, page == null ? "Seite unbekannt" : `S. ${page}`));
    }
    const isTarget = p.passage_id === target;
    const ranges = isTarget ? passageRanges(p, sentences, footnotes) : [];
    const block = el("section", { id: p.passage_id, class: isTarget ? "passage-block passage-block--target" : "passage-block",
      tabIndex: -1, "aria-label": `Passage auf S. ${p.page ?? "?"}` },
      el("p", { class: "passage-body" }, ...highlighted(p.text, ranges)));
    if (p.citations.length) {
      block.append(el("p", { class: "passage-notes" }, "Fußnoten: ",
        ...p.citations.flatMap((c, i) => [i ? " " : "", el("a", { href: `#fn-${c.footnote}`,
          class: footnotes.has(c.footnote) && isTarget ? "note-ref note-ref--cited" : "note-ref" }, `[${c.footnote}]`)])));
    }
    text.append(block);
  }
  document.getElementById("footnote-list").append(...data.footnotes.map(footnoteItem));
  document.getElementById("footnotes").hidden = false;

  const block = target && document.getElementById(target);
  if (block) {
    const legend = document.getElementById("legend");
    for (const kind of ["hl-answer", "hl-cited"]) {
      legend.querySelector(`.${kind}`).hidden = !block.querySelector(`mark.${kind}`);
    }
    legend.hidden = !block.querySelector("mark");
    block.scrollIntoView({ block: "center" });
    block.focus({ preventScroll: true });
  }
}

main().catch((err) => {
  const error = document.getElementById("error");
  error.textContent = `Das Dokument konnte nicht geladen werden: ${err.message}`;
  error.hidden = false;
}).finally(() => {
  document.body.dataset.ready = "true"; // lets the browser test know the document is in place
});

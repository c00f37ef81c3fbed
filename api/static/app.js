"use strict";
// The chat page. Plain JS, no build step: the service ships these files as they are.
// Every server string (answers, passages, footnotes) comes from PDF extraction and goes into the page via
// text nodes only, never as HTML.

const SESSION_KEY = "quellen-assistent.session";
// What the answer links: an [n] marker, or the "Passage N, S. P" that stands in for a missing footnote.
const ANSWER_LINK = /\[(\d+)\]|(?:Passage|passage|фрагмент) (\d+), (?:S\.|p\.|с\.) \d+/g;
// The answer's own sentences are separated by their markers or by the no-footnote note after them.
const SENTENCE_END = /(?:\s*\[\d+\])+|\s*\((?:ohne Fußnote|no footnote|без сноски);[^)]*\)/g;
// The labels of a turn speak the asker's language (the turn's `language`, else detected from the question);
// the page around them stays German, the documents' language.
const LABELS = {
  de: { question: "Frage", answer: "Antwort", none: "Nicht in den Dokumenten", understood: "Verstanden als: ",
    sources: "Quellen", copy: "Antwort mit Quellen kopieren", ris: "Quellen als RIS", csl: "Quellen als CSL-JSON",
    copied: "Kopiert: Antwort mit nummerierten Quellen (Markdown).", copyFailed: "Kopieren fehlgeschlagen: ",
    passages: "Passagen", closest: "Nächstliegende Passagen", page: "S.", noPage: "Seite unbekannt",
    read: "im Dokument lesen", footnote: "Fußnote", source: "Quelle", passageNotes: "Fußnoten dieser Passage" },
  en: { question: "Question", answer: "Answer", none: "Not in the documents", understood: "Understood as: ",
    sources: "Sources", copy: "Copy answer with sources", ris: "Sources as RIS", csl: "Sources as CSL-JSON",
    copied: "Copied: answer with numbered sources (Markdown).", copyFailed: "Copying failed: ",
    passages: "Passages", closest: "Closest passages", page: "p.", noPage: "page unknown",
    read: "read in the document", footnote: "Footnote", source: "Source", passageNotes: "Footnotes of this passage" },
  ru: { question: "Вопрос", answer: "Ответ", none: "Нет в документах", understood: "Понято как: ",
    sources: "Источники", copy: "Копировать ответ с источниками", ris: "Источники в RIS", csl: "Источники в CSL-JSON",
    copied: "Скопировано: ответ с пронумерованными источниками (Markdown).", copyFailed: "Не удалось скопировать: ",
    passages: "Фрагменты", closest: "Ближайшие фрагменты", page: "с.", noPage: "страница неизвестна",
    read: "читать в документе", footnote: "Сноска", source: "Источник", passageNotes: "Сноски этого фрагмента" },
};
const labelsFor = (lang) => LABELS[lang] || LABELS.de;
// The function words of assistant/language.py: a question is English when it has more English than German ones.
const ENGLISH_WORDS = new Set("the what which who whom whose when where why how did does do is are were of and to with many much has have had for on by from that this it its there their they been be at as or about after before since between into year years".split(" "));
const GERMAN_WORDS = new Set("und oder der die das den dem des ein eine einen einem einer eines ist sind war waren wird werden wurde wurden wie wieviel viele vielen welche welcher welches welchen wann wer wen wem wo woher wohin warum seit mit von vom zu zur zum im am ins auf aus bei nach für über um bis es sie er ihr ihre sein seine nicht auch noch hat haben hatte gab gibt dort dabei inzwischen damals zwischen jahr jahre jahren".split(" "));

const $ = (selector) => document.querySelector(selector);
const ui = {
  intro: $("#intro"),
  conversation: $("#conversation"),
  status: $("#status"),
  error: $("#error"),
  form: $("#ask"),
  input: $("#question"),
  send: $("#send"),
  reset: $("#new-conversation"),
  titles: $("#doc-titles"),
  docLinks: $("#doc-links"),
  dialog: $("#source-dialog"),
  filterDoc: $("#filter-doc"),
  yearFrom: $("#filter-year-from"),
  yearTo: $("#filter-year-to"),
};

let sessionId = localStorage.getItem(SESSION_KEY);
let titles = new Map(); // doc_id -> title, for naming a passage's document
let busy = false;
// Bumped by "Neues Gespräch": an answer still in flight for the old conversation is then dropped on arrival.
let generation = 0;
let sourceOpener = null;
let turnCount = 0; // answers in the current session, for the export URLs (/sessions/{id}/turns/{n}/export)

// -- small helpers -----------------------------------------------------------------------------------------


class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body ? { "content-type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new ApiError(0, "Der Dienst ist nicht erreichbar. Bitte später noch einmal versuchen.");
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    // A body that is not JSON (a proxy's error page, say) still gets a readable message below.
  }
  if (!response.ok) throw new ApiError(response.status, detailText(data, response));
  return data;
}

function detailText(data, response) {
  const detail = data && data.detail;
  if (typeof detail === "string") return detail;
  // Request validation errors arrive as a list of {loc, msg}.
  if (Array.isArray(detail)) return detail.map((d) => d.msg || JSON.stringify(d)).join("; ");
  return `Fehler ${response.status} ${response.statusText}`.trim();
}

function setSession(id) {
  sessionId = id;
  if (id) localStorage.setItem(SESSION_KEY, id);
  else localStorage.removeItem(SESSION_KEY);
}

function setBusy(on, text = "Suche läuft …") {
  busy = on;
  ui.send.disabled = on;
  ui.conversation.setAttribute("aria-busy", String(on));
  ui.status.textContent = on ? text : "";
}

function showError(message) {
  ui.error.textContent = message;
  ui.error.hidden = false;
}

function clearError() {
  ui.error.textContent = "";
  ui.error.hidden = true;
}

function titleOf(docId) {
  return titles.get(docId) || docId;
}

function showIntro() {
  ui.intro.hidden = ui.conversation.childElementCount > 0;
}

// -- rendering ---------------------------------------------------------------------------------------------

// The same rule as the server's answer language (assistant.answer.detect_language), for questions whose
// response carries no `language` (restored turns, or before the answer arrives).
function detectLanguage(text) {
  if (/[а-яё]/i.test(text)) return "ru";
  if (/[äöüß]/i.test(text)) return "de";
  const words = text.toLowerCase().match(/[a-z]+/g) || [];
  const english = words.filter((w) => ENGLISH_WORDS.has(w)).length;
  const german = words.filter((w) => GERMAN_WORDS.has(w)).length;
  return english > german ? "en" : "de";
}

function questionBlock(message, lang) {
  const language = lang || detectLanguage(message);
  return el("div", { class: "question" },
    el("span", { class: "who" }, labelsFor(language).question),
    el("p", { dir: "auto", lang: language }, message));
}

// The answer's sentences that stand verbatim in a passage: what the reader highlights there.
function sentencesIn(passageText, answer) {
  const squash = (t) => t.replace(/\s+/g, " ").trim();
  const text = squash(passageText);
  return answer.split(SENTENCE_END).map(squash).filter((s) => s.split(" ").length >= 3 && text.includes(s));
}

// The reading view at this passage, with the answer's sentences and the cited footnotes' spans highlighted.
function readerHref(passage, turn) {
  const params = new URLSearchParams({ p: passage.passage_id });
  for (const sentence of sentencesIn(passage.text, turn.answer)) params.append("s", sentence);
  const here = new Set(passage.citations.map((c) => c.footnote));
  const cited = turn.citations.filter((c) => c.doc_id === passage.doc_id && here.has(c.footnote)).map((c) => c.footnote);
  if (cited.length) params.set("f", cited.join(","));
  return `/read/${encodeURIComponent(passage.doc_id)}?${params}#${encodeURIComponent(passage.passage_id)}`;
}

function readerLink(passage, turn, text, cls) {
  return el("a", { class: cls, href: readerHref(passage, turn), target: "_blank", rel: "noopener",
    dataset: { passageId: passage.passage_id } }, text);
}

// turn: {message, resolved_query, answer, answerable, citations, passages, language?, session_id, number}
function renderTurn(turn) {
  turn = { ...turn, language: turn.language || detectLanguage(turn.message) };
  const L = labelsFor(turn.language);
  const article = el("article", {
    class: turn.answerable ? "answer" : "answer answer--none",
    dataset: { answerable: String(turn.answerable) },
  });
  const head = el("div", { class: "answer-head" }, el("span", { class: "who" }, L.answer));
  if (!turn.answerable) head.append(el("span", { class: "badge" }, L.none));
  article.append(head, answerText(turn));
  // Shown only when it differs: it is how a user sees that a follow-up like "Und 2011?" was understood.
  if (turn.resolved_query && turn.resolved_query.trim() !== turn.message.trim()) {
    article.append(el("p", { class: "resolved" }, L.understood, el("q", { dir: "auto" }, turn.resolved_query)));
  }
  if (turn.citations.length) {
    article.append(el("div", { class: "citations" },
      el("h3", {}, L.sources),
      el("ul", { class: "chips" },
        ...turn.citations.map((s, i) => el("li", {}, sourceButton(s, `[${i + 1}] ${sourceLabel(s, L)}`, "chip"))))));
  }
  if (turn.session_id && turn.number) article.append(answerTools(turn));
  if (turn.passages.length) article.append(passageList(turn));
  return el("li", { class: "turn" }, questionBlock(turn.message, turn.language), article);
}

function answerText(turn) {
  const text = turn.answer;
  const L = labelsFor(turn.language);
  const p = el("p", { class: "answer-text", dir: "auto", lang: turn.language || detectLanguage(text) });
  let last = 0;
  for (const match of text.matchAll(ANSWER_LINK)) {
    let node = null;
    if (match[1]) {
      const source = turn.citations[Number(match[1]) - 1];
      // a bracketed number with no citation behind it stays plain text
      if (source) node = sourceButton(source, match[0], "marker", `${L.source} ${match[1]}: ${sourceLabel(source, L)}`);
    } else {
      const passage = turn.passages.find((x) => x.rank === Number(match[2]));
      if (passage) node = readerLink(passage, turn, match[0], "passage-ref");
    }
    if (!node) continue;
    p.append(text.slice(last, match.index), node);
    last = match.index + match[0].length;
  }
  p.append(text.slice(last));
  return p;
}

// Copy the answer with its sources as Markdown; download the cited sources for a reference manager.
function answerTools(turn) {
  const base = `/sessions/${encodeURIComponent(turn.session_id)}/turns/${turn.number}/export`;
  const L = labelsFor(turn.language);
  const status = el("span", { class: "tools-status", role: "status" });
  const copy = el("button", { type: "button", class: "secondary tool copy-answer" }, L.copy);
  copy.addEventListener("click", () => copyAnswer(`${base}?format=markdown`, status, L));
  const tools = el("div", { class: "answer-tools" }, copy);
  if (turn.citations.length) {
    tools.append(
      el("a", { class: "tool export-ris", href: `${base}?format=ris`, download: "" }, L.ris),
      el("a", { class: "tool export-csl", href: `${base}?format=csl-json`, download: "" }, L.csl));
  }
  tools.append(status);
  return tools;
}

async function copyAnswer(url, status, L) {
  status.textContent = "";
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`Fehler ${response.status}`);
    const markdown = await response.text();
    await writeClipboard(markdown);
    status.textContent = L.copied;
  } catch (err) {
    status.textContent = `${L.copyFailed}${err.message}`;
  }
}

async function writeClipboard(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      // Denied (no permission, page not focused): the selection route below still works in most browsers.
    }
  }
  const area = el("textarea", { value: text, readOnly: true, class: "visually-hidden" });
  document.body.append(area);
  area.select();
  const ok = document.execCommand("copy");
  area.remove();
  if (!ok) throw new Error("die Zwischenablage ist nicht erreichbar");
}

function passageList(turn) {
  const { passages, answerable } = turn;
  const L = labelsFor(turn.language);
  const label = answerable ? L.passages : L.closest;
  const list = el("ol", { class: "passage-list" });
  for (const p of passages) {
    const item = el("li", { class: "passage", dataset: { passageId: p.passage_id } },
      el("p", { class: "passage-meta" },
        el("span", { class: "rank" }, `#${p.rank}`), " ",
        el("span", { class: "doc" }, titleOf(p.doc_id)), " · ",
        p.page == null ? L.noPage : `${L.page} ${p.page}`, " · ",
        readerLink(p, turn, L.read, "read-link")),
      el("p", { class: "passage-text" }, p.text));
    if (p.citations.length) {
      item.append(el("ul", { class: "chips", "aria-label": L.passageNotes },
        ...p.citations.map((s) => el("li", {}, sourceButton(s, sourceLabel(s, L), "chip")))));
    }
    list.append(item);
  }
  return el("details", { class: "passages" }, el("summary", {}, `${label} (${passages.length})`), list);
}

function sourceLabel(source, L = LABELS.de) {
  return `${L.footnote} ${source.footnote}` + (source.year ? `, ${source.year}` : "");
}

function sourceButton(source, text, kind, ariaLabel) {
  const button = el("button", { type: "button", class: `${kind} ${kind}--${source.status}` }, text);
  if (ariaLabel) button.setAttribute("aria-label", ariaLabel);
  button.addEventListener("click", () => openSource(source, button));
  return button;
}

// -- source panel ------------------------------------------------------------------------------------------

// The parser gives every URL a scheme; this is the page's own guard that nothing but http(s) (no
// "javascript:", no site-relative path) ever becomes a live link.
function linkHref(url) {
  return /^https?:\/\//i.test(url) ? url : `http://${url}`;
}

function openSource(source, opener) {
  const d = ui.dialog;
  sourceOpener = opener;
  d.dataset.docId = source.doc_id;
  d.dataset.footnote = String(source.footnote);
  d.dataset.status = source.status;
  d.querySelector("#source-title").textContent = `Fußnote ${source.footnote}`;
  d.querySelector(".source-doc").textContent = titleOf(source.doc_id);

  const text = d.querySelector(".source-text");
  text.textContent = source.text ?? "Fußnotentext fehlt in der Extraktion.";
  text.classList.toggle("source-text--missing", source.text == null);

  const note = d.querySelector(".source-note");
  note.hidden = source.status !== "truncated";
  note.textContent = "Der Fußnotentext ist in der Extraktion abgeschnitten; Angaben und URL können unvollständig sein.";

  d.querySelector(".source-year").textContent = source.year == null ? "unbekannt" : String(source.year);
  d.querySelector(".source-status").textContent = STATUS_LABEL[source.status] || source.status;
  d.querySelector(".source-url-cell").replaceChildren(source.url
    ? el("a", { class: "source-url", href: linkHref(source.url), target: "_blank", rel: "noopener noreferrer" }, source.url)
    : "keine");
  const warning = d.querySelector(".source-url-warning");
  warning.hidden = !source.url_warning;
  warning.textContent = source.url_warning ? `Vorsicht: ${source.url_warning}` : "";
  d.showModal();
  d.querySelector(".close").focus();
}

function setupDialog() {
  const d = ui.dialog;
  d.querySelector(".close").addEventListener("click", () => d.close());
  // A click whose target is the <dialog> itself landed on the backdrop (the content sits in an inner box).
  d.addEventListener("click", (event) => {
    if (event.target === d) d.close();
  });
  d.addEventListener("close", () => {
    if (sourceOpener && sourceOpener.isConnected) sourceOpener.focus();
    sourceOpener = null;
  });
}

// -- conversation ------------------------------------------------------------------------------------------

// The filter fields as request fields; absent means all. Throws with a message a person can act on.
function filters() {
  const out = {};
  if (ui.filterDoc.value) out.doc_id = ui.filterDoc.value;
  for (const [key, input] of [["year_from", ui.yearFrom], ["year_to", ui.yearTo]]) {
    const value = input.value.trim();
    if (!value) continue;
    if (!/^\d{4}$/.test(value)) throw new Error(`„${value}“ ist keine Jahreszahl; bitte vierstellig eingeben, z. B. 2010.`);
    out[key] = Number(value);
  }
  if (out.year_from && out.year_to && out.year_from > out.year_to) {
    throw new Error(`Das Jahr „ab ${out.year_from}“ liegt nach „bis ${out.year_to}“; bitte tauschen.`);
  }
  return out;
}

function filterNote(f) {
  const parts = [];
  if (f.doc_id) parts.push(`nur „${titleOf(f.doc_id)}“`);
  if (f.year_from || f.year_to) parts.push(`Quellen ${f.year_from || "…"}–${f.year_to || "…"}`);
  return parts.length ? el("p", { class: "filter-note" }, `Eingegrenzt: ${parts.join(", ")}`) : null;
}

async function ask(message) {
  if (busy) return;
  const gen = generation;
  clearError();
  let narrow;
  try {
    narrow = filters();
  } catch (err) {
    showError(err.message);
    return;
  }
  setBusy(true);
  ui.input.value = "";
  // The question shows at once, so the wait has context; the placeholder is hidden from screen readers,
  // which hear the status line instead.
  const pending = el("li", { class: "turn turn--pending" }, questionBlock(message, detectLanguage(message)),
    el("div", { class: "answer answer--pending", "aria-hidden": "true" }, "Suche läuft …"));
  ui.conversation.append(pending);
  showIntro();
  pending.scrollIntoView({ block: "nearest" });
  try {
    let data;
    let restarted = false;
    try {
      data = await api("POST", "/chat", { message, session_id: sessionId, ...narrow });
    } catch (err) {
      // The server forgot the session (expired or deleted elsewhere): go on in a new one instead of failing,
      // and say so, because a follow-up then loses the context it relied on.
      if (!(err instanceof ApiError && err.status === 404 && sessionId)) throw err;
      setSession(null);
      turnCount = 0;
      data = await api("POST", "/chat", { message, session_id: null, ...narrow });
      restarted = true;
    }
    if (gen !== generation) return;
    if (data.session_id !== sessionId) turnCount = 0;
    setSession(data.session_id);
    turnCount += 1;
    const turn = renderTurn({ ...data, message, number: turnCount });
    const note = filterNote(narrow);
    if (note) turn.querySelector(".answer-head").after(note);
    if (restarted) {
      turn.querySelector(".answer-head").after(el("p", { class: "notice" },
        "Das bisherige Gespräch war auf dem Server abgelaufen. Diese Frage beginnt ein neues, ohne Bezug auf frühere Fragen."));
    }
    pending.replaceWith(turn);
    turn.scrollIntoView({ block: "start" });
  } catch (err) {
    if (gen !== generation) return;
    pending.remove();
    showIntro();
    showError(err.message);
    // Give the question back so that retrying is one key press.
    if (!ui.input.value) ui.input.value = message;
  } finally {
    if (gen === generation) {
      setBusy(false);
      ui.input.focus({ preventScroll: true });
    }
  }
}

// A session keeps only passage ids per turn, so a restored turn looks its passages up in the documents.
async function passagesById() {
  const byId = new Map();
  const lists = await Promise.all([...titles.keys()].map((docId) =>
    api("GET", `/documents/${encodeURIComponent(docId)}/passages`)));
  for (const list of lists) for (const p of list) byId.set(p.passage_id, p);
  return byId;
}

async function restore() {
  if (!sessionId) return;
  const gen = generation;
  setBusy(true, "Gespräch wird geladen …");
  try {
    let session;
    try {
      session = await api("GET", `/sessions/${encodeURIComponent(sessionId)}`);
    } catch (err) {
      // 404: expired or deleted; 422: storage holds something that is no session id. Start afresh, quietly.
      if (err instanceof ApiError && (err.status === 404 || err.status === 422)) {
        setSession(null);
        return;
      }
      throw err;
    }
    const passages = session.turns.length ? await passagesById() : new Map();
    if (gen !== generation) return;
    for (const t of session.turns) {
      const found = t.passage_ids.map((id) => passages.get(id)).filter(Boolean); // an index rebuild may drop ids
      ui.conversation.append(renderTurn({ ...t, passages: found.map((p, i) => ({ ...p, rank: i + 1 })),
        session_id: session.session_id, number: session.turns.indexOf(t) + 1 }));
    }
    turnCount = session.turns.length;
    showIntro();
    ui.conversation.lastElementChild?.scrollIntoView({ block: "start" });
  } catch (err) {
    if (gen === generation) showError(`Das Gespräch konnte nicht geladen werden: ${err.message}`);
  } finally {
    if (gen === generation) setBusy(false);
  }
}

function newConversation() {
  generation += 1;
  const old = sessionId;
  setSession(null);
  turnCount = 0;
  ui.conversation.replaceChildren();
  clearError();
  setBusy(false);
  showIntro();
  ui.input.value = "";
  ui.input.focus();
  // Forgetting it on the server is a courtesy; sessions expire anyway, so a failure is not worth a message.
  if (old) api("DELETE", `/sessions/${encodeURIComponent(old)}`).catch(() => {});
}

async function loadDocuments() {
  try {
    const docs = await api("GET", "/documents");
    titles = new Map(docs.map((d) => [d.doc_id, d.title]));
    ui.titles.replaceChildren(...docs.flatMap((d, i) => [i ? (i === docs.length - 1 ? " und " : ", ") : "",
      el("cite", {}, d.title)]));
    ui.docLinks.replaceChildren(...docs.flatMap((d, i) => [i ? " · " : "",
      el("a", { href: `/read/${encodeURIComponent(d.doc_id)}`, target: "_blank", rel: "noopener" }, d.title)]));
    ui.filterDoc.append(...docs.map((d) => el("option", { value: d.doc_id }, d.title)));
  } catch (err) {
    showError(`Die Dokumentliste konnte nicht geladen werden: ${err.message}`);
  }
}

// -- wiring ------------------------------------------------------------------------------------------------

ui.form.addEventListener("submit", (event) => {
  event.preventDefault();
  const message = ui.input.value.trim();
  if (message) ask(message);
  else ui.input.focus();
});

ui.input.addEventListener("keydown", (event) => {
  // Enter sends, Shift+Enter breaks the line; isComposing leaves IME input (e.g. for Russian) alone.
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    ui.form.requestSubmit();
  }
});

ui.reset.addEventListener("click", newConversation);

// The closed filter box still says what is active, so a narrowed search is never a surprise.
function showFilterSummary() {
  let text = "";
  try {
    const note = filterNote(filters());
    text = note ? `(${note.textContent.replace("Eingegrenzt: ", "")})` : "";
  } catch {
    text = "(ungültige Jahreszahl)";
  }
  $("#filter-summary").textContent = text;
}
for (const input of [ui.filterDoc, ui.yearFrom, ui.yearTo]) input.addEventListener("change", showFilterSummary);

for (const button of document.querySelectorAll(".example")) {
  button.addEventListener("click", () => ask(button.textContent.trim()));
}

setupDialog();
loadDocuments().then(restore).finally(() => {
  ui.input.focus({ preventScroll: true });
  document.body.dataset.ready = "true"; // lets the browser test know start-up (restore included) is over
});

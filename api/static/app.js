"use strict";
// The chat page. Plain JS, no build step: the service ships these files as they are.
// Every server string (answers, passages, footnotes) comes from PDF extraction and goes into the page via
// text nodes only, never as HTML.

const SESSION_KEY = "quellen-assistent.session";
const MARKER = /\[(\d+)\]/g;
const STATUS_LABEL = { ok: "vollständig", truncated: "abgeschnitten", missing: "fehlt" };

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
  dialog: $("#source-dialog"),
};

let sessionId = localStorage.getItem(SESSION_KEY);
let titles = new Map(); // doc_id -> title, for naming a passage's document
let busy = false;
// Bumped by "Neues Gespräch": an answer still in flight for the old conversation is then dropped on arrival.
let generation = 0;
let sourceOpener = null;

// -- small helpers -----------------------------------------------------------------------------------------

// Properties (textContent, onclick, hidden) are set as properties, everything else (aria-*) as attributes;
// children go through append(), which turns strings into text nodes.
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c != null));
  return node;
}

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

function questionBlock(message) {
  return el("div", { class: "question" },
    el("span", { class: "who" }, "Frage"),
    el("p", { dir: "auto" }, message));
}

// turn: {message, resolved_query, answer, answerable, citations, passages}
function renderTurn(turn) {
  const article = el("article", {
    class: turn.answerable ? "answer" : "answer answer--none",
    dataset: { answerable: String(turn.answerable) },
  });
  const head = el("div", { class: "answer-head" }, el("span", { class: "who" }, "Antwort"));
  if (!turn.answerable) head.append(el("span", { class: "badge" }, "Nicht in den Dokumenten"));
  article.append(head, answerText(turn.answer, turn.citations));
  // Shown only when it differs: it is how a user sees that a follow-up like "Und 2011?" was understood.
  if (turn.resolved_query && turn.resolved_query.trim() !== turn.message.trim()) {
    article.append(el("p", { class: "resolved" }, "Verstanden als: ", el("q", { dir: "auto" }, turn.resolved_query)));
  }
  if (turn.citations.length) {
    article.append(el("div", { class: "citations" },
      el("h3", {}, "Quellen"),
      el("ul", { class: "chips" },
        ...turn.citations.map((s, i) => el("li", {}, sourceButton(s, `[${i + 1}] ${sourceLabel(s)}`, "chip"))))));
  }
  if (turn.passages.length) article.append(passageList(turn.passages, turn.answerable));
  return el("li", { class: "turn" }, questionBlock(turn.message), article);
}

function answerText(text, citations) {
  const p = el("p", { class: "answer-text", dir: "auto" });
  let last = 0;
  for (const match of text.matchAll(MARKER)) {
    const source = citations[Number(match[1]) - 1];
    if (!source) continue; // a bracketed number with no citation behind it stays plain text
    p.append(text.slice(last, match.index),
      sourceButton(source, match[0], "marker", `Quelle ${match[1]}: ${sourceLabel(source)}`));
    last = match.index + match[0].length;
  }
  p.append(text.slice(last));
  return p;
}

function passageList(passages, answerable) {
  const label = answerable ? "Passagen" : "Nächstliegende Passagen";
  const list = el("ol", { class: "passage-list" });
  for (const p of passages) {
    const item = el("li", { class: "passage", dataset: { passageId: p.passage_id } },
      el("p", { class: "passage-meta" },
        el("span", { class: "rank" }, `#${p.rank}`), " ",
        el("span", { class: "doc" }, titleOf(p.doc_id)), " · ",
        p.page == null ? "Seite unbekannt" : `S. ${p.page}`),
      el("p", { class: "passage-text" }, p.text));
    if (p.citations.length) {
      item.append(el("ul", { class: "chips", "aria-label": "Fußnoten dieser Passage" },
        ...p.citations.map((s) => el("li", {}, sourceButton(s, sourceLabel(s), "chip")))));
    }
    list.append(item);
  }
  return el("details", { class: "passages" }, el("summary", {}, `${label} (${passages.length})`), list);
}

function sourceLabel(source) {
  return `Fußnote ${source.footnote}` + (source.year ? `, ${source.year}` : "");
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

async function ask(message) {
  if (busy) return;
  const gen = generation;
  clearError();
  setBusy(true);
  ui.input.value = "";
  // The question shows at once, so the wait has context; the placeholder is hidden from screen readers,
  // which hear the status line instead.
  const pending = el("li", { class: "turn turn--pending" }, questionBlock(message),
    el("div", { class: "answer answer--pending", "aria-hidden": "true" }, "Suche läuft …"));
  ui.conversation.append(pending);
  showIntro();
  pending.scrollIntoView({ block: "nearest" });
  try {
    let data;
    let restarted = false;
    try {
      data = await api("POST", "/chat", { message, session_id: sessionId });
    } catch (err) {
      // The server forgot the session (expired or deleted elsewhere): go on in a new one instead of failing,
      // and say so, because a follow-up then loses the context it relied on.
      if (!(err instanceof ApiError && err.status === 404 && sessionId)) throw err;
      setSession(null);
      data = await api("POST", "/chat", { message, session_id: null });
      restarted = true;
    }
    if (gen !== generation) return;
    setSession(data.session_id);
    const turn = renderTurn({ ...data, message });
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
      ui.conversation.append(renderTurn({ ...t, passages: found.map((p, i) => ({ ...p, rank: i + 1 })) }));
    }
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

for (const button of document.querySelectorAll(".example")) {
  button.addEventListener("click", () => ask(button.textContent.trim()));
}

setupDialog();
loadDocuments().then(restore).finally(() => {
  ui.input.focus({ preventScroll: true });
  document.body.dataset.ready = "true"; // lets the browser test know start-up (restore included) is over
});

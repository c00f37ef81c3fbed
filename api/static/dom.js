// Shared by the chat page (app.js) and the reading view (reader.js); loaded before either.
// Server strings go into the page as text nodes only.

const STATUS_LABEL = { ok: "vollständig", truncated: "abgeschnitten", missing: "fehlt" };

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

// Small DOM helpers shared by the pages' scripts.

/**
 * A new element: `attrs` become attributes, except `text`, which becomes its text;
 * children that are null or false are skipped, so optional parts can be inlined.
 */
export function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  node.append(...children.filter(Boolean));
  return node;
}

/** The value a template embedded with `json_script`, or null when the page has none. */
export function readJson(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}

// The grid of track cards: a card the server rendered for a new upload goes first.
import { enhance } from "../lib/enhance.js";

/** Put the card of an uploaded track in the grid; false when it is there already. */
export function addTrackCard(grid, track) {
  if (grid.querySelector(`.card[data-track-id="${track.id}"]`)) return false;
  const holder = document.createElement("template");
  holder.innerHTML = track.card_html.trim();
  const card = holder.content.firstElementChild;
  grid.prepend(card);
  enhance(card);
  document.getElementById("empty-library").hidden = true;
  const count = document.getElementById("track-count"); // the library's total, not this page's cards
  count.textContent = Number(count.textContent) + 1;
  return true;
}

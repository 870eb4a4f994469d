// Separating several tracks at once: the cards' check boxes, "Separate selected…" and
// "Separate all … matching…" open the Separate Stems dialog for them.

/** Wire the batch bar; `openFor({ title, batch })` opens the dialog (see separate-dialog.js). */
export function bindBatch({ grid, bar, openFor }) {
  const count = bar.querySelector("#selected-count");
  const selectedButton = bar.querySelector("#batch-selected");
  const allButton = bar.querySelector("#batch-all");

  const selected = () => [...grid.querySelectorAll(".select-track input:checked")].map((box) => box.value);

  function showSelection() {
    const ids = selected();
    count.textContent = ids.length ? `${ids.length} selected` : "None selected";
    selectedButton.disabled = !ids.length;
    for (const card of grid.querySelectorAll(".card")) {
      card.classList.toggle("selected", Boolean(card.querySelector(".select-track input:checked")));
    }
  }

  grid.addEventListener("change", (event) => {
    if (event.target.closest(".select-track")) showSelection();
  });
  selectedButton.addEventListener("click", () => {
    const ids = selected();
    openFor({ title: `${ids.length} track${ids.length === 1 ? "" : "s"}`, batch: { tracks: ids } });
  });
  if (allButton) {
    allButton.addEventListener("click", () => {
      const search = { q: allButton.dataset.q };
      if (allButton.dataset.separated) search.separated = allButton.dataset.separated === "yes";
      openFor({ title: allButton.textContent.replace("Separate ", "").replace("…", ""), batch: { all_matching: search } });
    });
  }

  return {
    /** Untick every card (after their batch has started). */
    clear() {
      for (const box of grid.querySelectorAll(".select-track input:checked")) box.checked = false;
      showSelection();
    },
  };
}

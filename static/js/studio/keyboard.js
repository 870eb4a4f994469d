// Space plays and pauses anywhere except where it types or picks; arrows skip.
// The focused button's own space activation is suppressed (keyup), so a focused
// Mute is not pressed and Play does not toggle twice.

const SKIP_SECONDS = 5;
const STEPS = { ArrowLeft: -SKIP_SECONDS, ArrowRight: SKIP_SECONDS };

export function bindTransportKeys(transport) {
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const step = STEPS[event.key];
    if (event.key === " ") {
      event.preventDefault();
      if (!event.repeat) transport.toggle();
    } else if (step && event.target.type !== "range") {
      // a slider keeps its arrows
      event.preventDefault();
      transport.seek(transport.now() + step);
    }
  });
  document.addEventListener("keyup", (event) => {
    if (event.key === " " && !typing(event.target)) event.preventDefault();
  });
}

function typing(target) {
  return (
    target.isContentEditable ||
    /^(TEXTAREA|SELECT)$/.test(target.tagName) ||
    (target.tagName === "INPUT" && !/^(range|checkbox|radio|button|submit)$/.test(target.type))
  );
}

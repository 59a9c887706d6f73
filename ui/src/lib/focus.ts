// Whether the app window is in front, for marking messages read.
//
// `document.hasFocus()` alone is unreliable: a window that never received
// a focus event (some window managers, a headless X server) reports false
// although the person looks at it. So the window counts as active from the
// start while visible, stops on `blur` and starts again on `focus`.

let active = true;

if (typeof window !== "undefined") {
  window.addEventListener("focus", () => (active = true));
  window.addEventListener("blur", () => (active = false));
}

export function windowIsActive(): boolean {
  return active && document.visibilityState !== "hidden";
}

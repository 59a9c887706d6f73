// The bare benchmark page's only script (an external file: the CSP allows no
// inline script). The second animation frame callback runs once the first
// frame is painted; then it sends the same startup mark as the app.
requestAnimationFrame(() =>
  requestAnimationFrame(() => {
    window.__TAURI_INTERNALS__.invoke("ui_ready");
  }),
);

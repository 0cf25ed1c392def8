/** Seconds between two refreshes of a live list. */
export const LIVE_REFRESH_S = 5;

/**
 * Served at /console/assets/live.js: every LIVE_REFRESH_S seconds while the tab is visible, fetch
 * the page again (same origin, the session cookie) and swap in its `[data-live]` region when it
 * changed. Polling rather than server-sent events: plain requests work the same on Node, Bun and
 * Workers, and hold no connection open between refreshes.
 */
export const LIVE_JS = `(function () {
  var region = document.querySelector('[data-live]');
  if (!region) return;
  setInterval(function () {
    if (document.visibilityState !== 'visible') return;
    fetch(location.href, { credentials: 'same-origin', headers: { accept: 'text/html' } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (text) {
        if (!text) return;
        var fresh = new DOMParser().parseFromString(text, 'text/html').querySelector('[data-live]');
        if (fresh && fresh.innerHTML !== region.innerHTML) region.innerHTML = fresh.innerHTML;
      })
      .catch(function () {});
  }, ${LIVE_REFRESH_S * 1000});
})();`;

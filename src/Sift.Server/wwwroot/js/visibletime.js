// Time on task: how long something was on screen in a visible tab. The clock runs only while the document is visible
// (document.visibilityState) and pauses while the tab is hidden or minimised, so a task left open in a background tab
// does not count the time away from it.

/**
 * A stopwatch of visible time. `restart()` starts counting from zero (paused at once if the tab is hidden);
 * `seconds()` reads it. `doc` and `now` are parameters so a test can drive both.
 */
export function visibleStopwatch(doc = document, now = () => performance.now()) {
  let total = 0;      // milliseconds counted before the current visible stretch
  let since = null;   // start of the current visible stretch, or null while hidden or stopped
  let running = false;

  doc.addEventListener('visibilitychange', () => {
    if (!running) return;
    if (doc.visibilityState === 'visible') {
      if (since === null) since = now();
    } else if (since !== null) {
      total += now() - since;
      since = null;
    }
  });

  return {
    restart() {
      total = 0;
      running = true;
      since = doc.visibilityState === 'visible' ? now() : null;
    },
    seconds() {
      return (total + (since === null ? 0 : now() - since)) / 1000;
    },
  };
}

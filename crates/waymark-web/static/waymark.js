// Waymark's own script, loaded by every page with `defer`; the pages work without it.
// Forms marked `data-confirm` ask before they are sent.
"use strict";
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// Waymark's own script, loaded by every page with `defer`. Pages that only show things work
// without it; the interactive pages (tasks, timeline, board, ...) load a script of their own
// that uses `Waymark.api` to change the project through the JSON API.
"use strict";

// Forms marked `data-confirm` ask before they are sent.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

window.Waymark = (function () {
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Calls the JSON API with the session cookie. `options.body` is sent as JSON (or as is when
  // it is a string or a Blob, with `options.contentType`); `options.version` becomes `If-Match`.
  // Resolves to {status, ok, etag, json, text}; a network failure resolves with status 0, so
  // callers handle every outcome in one place.
  function api(method, path, options) {
    options = options || {};
    var headers = { Accept: "application/json" };
    if (method !== "GET" && method !== "HEAD") {
      headers["X-CSRF-Token"] = csrfToken();
    }
    if (options.version !== undefined && options.version !== null) {
      headers["If-Match"] = '"' + options.version + '"';
    }
    var body;
    if (options.body !== undefined) {
      if (typeof options.body === "string" || options.body instanceof Blob) {
        body = options.body;
        if (options.contentType) headers["Content-Type"] = options.contentType;
      } else {
        body = JSON.stringify(options.body);
        headers["Content-Type"] = "application/json";
      }
    }
    var url = path.indexOf("/api/") === 0 ? path : "/api/v1" + path;
    return fetch(url, { method: method, headers: headers, body: body, credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (text) {
          var json = null;
          try { json = text ? JSON.parse(text) : null; } catch (ignored) { json = null; }
          return {
            status: response.status,
            ok: response.ok,
            etag: response.headers.get("ETag"),
            json: json,
            text: text,
          };
        });
      }, function () {
        return { status: 0, ok: false, etag: null, json: null, text: "" };
      });
  }

  // A sentence for a failed API answer, for showing next to what the user did.
  function problem(answer) {
    if (answer.status === 0) return "The server could not be reached. Check the connection and try again.";
    if (answer.status === 412) return "Someone else changed this in the meantime. Reload to see their change.";
    if (answer.json && answer.json.error) {
      var error = answer.json.error;
      var text = error.message;
      if (error.diagnostics && error.diagnostics.length) {
        text += ": " + error.diagnostics.map(function (d) { return d.message; }).join("; ");
      }
      return text;
    }
    return "The server answered " + answer.status + ".";
  }

  // The current project's id and the user's role in it, from the page's <body>.
  function project() {
    var id = document.body.getAttribute("data-project");
    return id ? { id: Number(id), role: document.body.getAttribute("data-role") } : null;
  }

  // Shows a short message in the page's live region (created on first use).
  function announce(text, kind) {
    var region = document.getElementById("announcer");
    if (!region) {
      region = document.createElement("div");
      region.id = "announcer";
      region.setAttribute("role", "status");
      region.setAttribute("aria-live", "polite");
      document.body.appendChild(region);
    }
    region.className = kind || "";
    region.textContent = text;
    if (text) {
      clearTimeout(announce.timer);
      announce.timer = setTimeout(function () { region.textContent = ""; }, 6000);
    }
  }

  // Reads the JSON a page rendered into <script type="application/json" id="...">.
  function data(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  // Working minutes as a number of working days ("2.5", "3", "-1.5"): one decimal, halves away
  // from zero, a trailing ".0" dropped. The rule of `waymark_core::days::days`, written again
  // only for what the browser computes live (a drag); e2e/days.test.mjs holds the two equal on
  // crates/waymark-core/src/days.json. Whole numbers only, so the arithmetic is exact.
  function days(minutes, minutesPerDay) {
    var perDay = Math.max(1, minutesPerDay);
    var size = Math.abs(minutes) * 20 + perDay;
    var tenths = (size - (size % (2 * perDay))) / (2 * perDay);
    var sign = minutes < 0 && tenths > 0 ? "-" : "";
    var tenth = tenths % 10;
    return sign + (tenths - tenth) / 10 + (tenth ? "." + tenth : "");
  }

  // Working minutes as working days with the unit: "1 day", "2.5 days".
  function daysText(minutes, minutesPerDay) {
    var number = days(minutes, minutesPerDay);
    return number + (number === "1" || number === "-1" ? " day" : " days");
  }

  return {
    api: api, problem: problem, project: project, announce: announce, data: data,
    csrfToken: csrfToken, days: days, daysText: daysText,
  };
})();

// A page showing figures that are being computed (`#updating`, whose `data-ready` holds the
// addresses that answer 204 once they are there) reloads itself when they are ready, unless
// the reader has started typing in one of its forms: then it offers the reload instead.
(function () {
  var note = document.getElementById("updating");
  if (!note) return;
  var urls = (note.getAttribute("data-ready") || "").split(" ").filter(Boolean);
  var typed = false;
  document.addEventListener("input", function () { typed = true; });
  function offer(text) {
    note.textContent = text + " ";
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = "Show them";
    button.addEventListener("click", function () { window.location.reload(); });
    note.appendChild(button);
  }
  Promise.all(urls.map(function (url) {
    return fetch(url, { credentials: "same-origin" }).then(function (answer) {
      return answer.status === 204;
    });
  })).then(function (ready) {
    // Reloads of this page in the last minute: a page that keeps coming back without its
    // figures (a computation that fails) stops reloading itself.
    var key = "waymark-reloads " + window.location.pathname + window.location.search;
    var now = Date.now();
    var recent = [];
    try {
      recent = JSON.parse(window.sessionStorage.getItem(key) || "[]").filter(function (at) {
        return now - at < 60000;
      });
    } catch (error) {
      recent = [];
    }
    if (!ready.every(Boolean)) {
      offer("The new figures are taking long to compute.");
    } else if (typed) {
      offer("The new figures are ready.");
    } else if (recent.length >= 3) {
      offer("New figures may be ready.");
    } else {
      try {
        window.sessionStorage.setItem(key, JSON.stringify(recent.concat([now])));
      } catch (error) {
        // Without storage the page still reloads.
      }
      window.location.reload();
    }
  }, function () {
    offer("The new figures could not be fetched.");
  });
})();

// The resources page's script: the "Level" action of managers and owners. "Level" fetches this
// page's own `?preview=level` view (the level view's levelling, rendered by the server: moves,
// explanations, finish before and after, the heat map after) and shows its preview section in
// place; "Apply" sends the preview's parameters, its levelled finish and the project's revision
// to POST /api/v1/projects/{id}/level/apply, which changes nothing when the plan changed since
// (412); "Cancel" (or Escape) closes the preview and leaves the plan as it is.
"use strict";

(function () {
  var project = Waymark.project();
  if (!project) return;

  function byId(id) {
    return document.getElementById(id);
  }

  function setBusy(button, busy, label) {
    if (!button) return;
    button.disabled = busy;
    button.textContent = label;
    button.setAttribute("aria-busy", busy ? "true" : "false");
  }

  // Fetches this page (with `query`) as a document; status 0 when the server is not reached.
  function fetchPage(query) {
    return fetch(window.location.pathname + query, {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    }).then(function (response) {
      return response.text().then(function (text) {
        var doc = new DOMParser().parseFromString(text, "text/html");
        return { ok: response.ok, status: response.status, doc: doc };
      });
    }, function () {
      return { ok: false, status: 0, doc: null };
    });
  }

  function status(text, kind) {
    var element = byId("level-status");
    if (!element) return;
    element.className = kind || "";
    element.textContent = text;
  }

  // Shows the page as it is now (the heat map after a change), keeping the user's place.
  function refresh() {
    return fetchPage("").then(function (answer) {
      var fresh = answer.ok && answer.doc && answer.doc.getElementById("content");
      if (!fresh) {
        window.location.reload();
        return false;
      }
      var main = byId("content");
      main.replaceChildren.apply(main, Array.prototype.map.call(fresh.childNodes, function (node) {
        return document.importNode(node, true);
      }));
      return true;
    });
  }

  function showPreview() {
    var button = byId("level-button");
    var within = byId("within-float");
    var box = byId("level-preview");
    if (!button || !box) return;
    var query = "?preview=level&seed=1&schedules=1000&within_float=" +
      (within && within.checked ? "true" : "false");
    status("");
    setBusy(button, true, "Levelling…");
    box.setAttribute("aria-busy", "true");
    fetchPage(query).then(function (answer) {
      setBusy(button, false, "Level");
      box.removeAttribute("aria-busy");
      var content = answer.doc && answer.doc.getElementById("level-preview-content");
      if (!answer.ok || !content) {
        status(answer.status === 0
          ? "The server could not be reached. Check the connection and try again."
          : "The preview could not be made (the server answered " + answer.status + "). Try again.", "error");
        return;
      }
      box.replaceChildren(document.importNode(content, true));
      box.hidden = false;
      var heading = byId("preview-heading");
      if (heading) heading.focus();
    });
  }

  function closePreview() {
    var box = byId("level-preview");
    if (!box || box.hidden) return;
    box.hidden = true;
    box.replaceChildren();
    status("Levelling cancelled: the plan is unchanged.");
    var button = byId("level-button");
    if (button) button.focus();
  }

  function apply() {
    var content = byId("level-preview-content");
    var button = byId("level-apply");
    var error = byId("level-apply-error");
    if (!content || !button) return;
    var data = content.dataset;
    var body = {
      revision: Number(data.revision),
      seed: Number(data.seed),
      schedules: Number(data.schedules),
      within_float: data.withinFloat === "true",
      finish: data.finish,
    };
    if (error) error.textContent = "";
    setBusy(button, true, "Applying…");
    Waymark.api("POST", "/projects/" + project.id + "/level/apply", { body: body }).then(function (answer) {
      if (answer.ok) {
        var moved = answer.json.tasks.length;
        var finish = String(answer.json.finish_after).replace("T", " ").slice(0, 16);
        refresh().then(function (done) {
          if (!done) return;
          var message = "Levelling applied: " + (moved === 1
            ? "1 task now starts no earlier than its levelled start."
            : moved + " tasks now start no earlier than their levelled starts.") +
            " Finish: " + finish + ".";
          status(message, "good");
          Waymark.announce(message);
          var heading = document.querySelector("#content h1");
          if (heading) {
            heading.setAttribute("tabindex", "-1");
            heading.focus();
          }
        });
        return;
      }
      setBusy(button, false, "Apply");
      if (answer.status === 412) {
        // The preview is of another plan: show the plan as it is, and say why nothing changed.
        var message = "The plan changed since this preview (someone edited it, or levelling " +
          "came out differently). Nothing was changed. The page now shows the plan as it is: " +
          "level again to see a new preview.";
        refresh().then(function (done) {
          if (!done) return;
          status(message, "error");
          Waymark.announce(message, "bad");
          var again = byId("level-button");
          if (again) again.focus();
        });
        return;
      }
      if (error) error.textContent = Waymark.problem(answer);
      button.focus();
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest("button") : null;
    if (!target || target.disabled) return;
    if (target.id === "level-button") showPreview();
    else if (target.id === "level-apply") apply();
    else if (target.id === "level-cancel") closePreview();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var box = byId("level-preview");
    if (box && !box.hidden && box.contains(document.activeElement)) closePreview();
  });
})();

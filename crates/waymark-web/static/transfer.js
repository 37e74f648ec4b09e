// Import and new projects, on the "Import and export" tab and the portfolio. The import sends
// the chosen file's bytes to POST /api/v1/projects/import with the file's content type and
// lists the reader's diagnostics (line:column and message) next to the file input; "New
// project" posts the [project] fields to POST /api/v1/projects. Both go to the new project.
"use strict";

(function () {
  function byId(id) { return document.getElementById(id); }

  function setError(id, message) {
    var input = byId(id);
    var error = byId(id + "-error");
    if (error) error.textContent = message || "";
    if (input) {
      if (message) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
  }

  function contentType(file) {
    var name = file.name.toLowerCase();
    if (name.endsWith(".xml")) return "application/xml";
    if (name.endsWith(".toml")) return "application/toml";
    return "text/plain";
  }

  var importForm = byId("import-form");
  if (importForm) {
    importForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = byId("import-file");
      var error = byId("import-file-error");
      setError("import-file", "");
      var file = input.files && input.files[0];
      if (!file) {
        setError("import-file", "Choose a plan file (.toml) or a Microsoft Project XML file (.xml).");
        input.focus();
        return;
      }
      var limit = Number(importForm.getAttribute("data-max-bytes")) || Infinity;
      if (file.size > limit) {
        setError("import-file", "The file is larger than the server takes (" + Math.round(limit / 1048576) + " MiB).");
        input.focus();
        return;
      }
      var button = importForm.querySelector("button[type=submit]");
      button.disabled = true;
      Waymark.announce("Importing " + file.name + "…");
      Waymark.api("POST", "/projects/import", { body: file, contentType: contentType(file) })
        .then(function (answer) {
          button.disabled = false;
          if (answer.ok && answer.json) {
            Waymark.announce("Imported as “" + answer.json.name + "”.");
            window.location.assign("/projects/" + answer.json.id);
            return;
          }
          Waymark.announce("");
          var problem = answer.json && answer.json.error;
          if (answer.status === 422 && problem && problem.diagnostics && problem.diagnostics.length) {
            error.textContent = "";
            var intro = document.createElement("p");
            intro.textContent = "Nothing was imported: " + file.name + " has " +
              problem.diagnostics.length + (problem.diagnostics.length === 1 ? " problem:" : " problems:");
            var list = document.createElement("ul");
            list.className = "diagnostics";
            problem.diagnostics.forEach(function (d) {
              var item = document.createElement("li");
              var where = d.line ? "line " + d.line + (d.column ? ", column " + d.column : "") + ": " : "";
              item.textContent = where + d.message + (d.help ? " (" + d.help + ")" : "");
              list.appendChild(item);
            });
            error.appendChild(intro);
            error.appendChild(list);
            input.setAttribute("aria-invalid", "true");
          } else if (answer.status === 413) {
            setError("import-file", "The file is larger than the server takes.");
          } else {
            setError("import-file", Waymark.problem(answer));
          }
          input.focus();
        });
    });
  }

  var projectForm = byId("new-project-form");
  if (projectForm) {
    projectForm.addEventListener("submit", function (event) {
      event.preventDefault();
      ["project-name", "project-start", "project-deadline"].forEach(function (id) { setError(id, ""); });
      var name = byId("project-name").value.trim();
      var start = byId("project-start").value;
      var deadline = byId("project-deadline").value;
      var bad = false;
      if (!name) { setError("project-name", "Give the project a name."); bad = true; }
      else if (name.length > 200) { setError("project-name", "Keep the name to 200 characters."); bad = true; }
      if (!/^\d{4}-\d{2}-\d{2}$/.test(start)) { setError("project-start", "Enter the first day of work."); bad = true; }
      if (deadline && !/^\d{4}-\d{2}-\d{2}$/.test(deadline)) { setError("project-deadline", "Enter a date, or leave it empty."); bad = true; }
      if (!bad && deadline && deadline < start) { setError("project-deadline", "The deadline is before the start."); bad = true; }
      if (bad) {
        var first = projectForm.querySelector("[aria-invalid=true]");
        if (first) first.focus();
        return;
      }
      var fields = { name: name, start: start };
      if (deadline) fields.deadline = deadline;
      var button = projectForm.querySelector("button[type=submit]");
      button.disabled = true;
      Waymark.api("POST", "/projects", { body: { fields: fields } }).then(function (answer) {
        button.disabled = false;
        if (answer.ok && answer.json) {
          window.location.assign("/projects/" + answer.json.id + "/tasks");
          return;
        }
        // Put each of the plan reader's findings next to the field it names.
        var problem = answer.json && answer.json.error;
        var placed = false;
        if (problem && problem.diagnostics) {
          problem.diagnostics.forEach(function (d) {
            var text = d.message;
            var id = /deadline/.test(text) ? "project-deadline" : /start/.test(text) ? "project-start" : /name/.test(text) ? "project-name" : null;
            if (id) { setError(id, text); placed = true; }
          });
        }
        if (!placed) setError("project-name", Waymark.problem(answer));
        var first = projectForm.querySelector("[aria-invalid=true]");
        if (first) first.focus();
      });
    });
  }
})();

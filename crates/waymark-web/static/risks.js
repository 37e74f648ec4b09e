// The risks page's script: the heat map's cells name their risks when focused or clicked, and
// for managers the add and edit form and the close and reopen buttons. Changes go through the
// JSON API with Waymark.api (POST a new risk, PUT an edited one with its version as If-Match,
// PATCH the status); then the page reloads, so the server's forecast weighs the change, and
// says what happened. Validation errors appear next to their field, from the form's own checks
// or from the API's 422 (each diagnostic names its field).
"use strict";

(function () {
  var project = Waymark.project();
  if (!project) return;

  // A message that survives the reload after a change.
  var FLASH = "waymark-risks-flash";
  try {
    var flash = window.sessionStorage.getItem(FLASH);
    if (flash) {
      window.sessionStorage.removeItem(FLASH);
      var parsed = JSON.parse(flash);
      Waymark.announce(parsed.text, parsed.kind);
    }
  } catch (ignored) {
    // Without session storage the page simply says nothing after a reload.
  }

  function reloadWith(text, kind) {
    try {
      window.sessionStorage.setItem(FLASH, JSON.stringify({ text: text, kind: kind || "" }));
    } catch (ignored) {
      // The reload still shows the change.
    }
    window.location.reload();
  }

  // --- The heat map --------------------------------------------------------------------------

  var detail = document.getElementById("heat-detail");

  function describeCell(cell) {
    if (!detail) return;
    var names = Array.prototype.map.call(cell.querySelectorAll("li"), function (item) {
      return item.textContent;
    });
    detail.textContent = cell.getAttribute("aria-label") + (names.length ? " — " + names.join("; ") : "") + ".";
  }

  Array.prototype.forEach.call(document.querySelectorAll(".heat-cell"), function (cell) {
    cell.addEventListener("focus", function () { describeCell(cell); });
    cell.addEventListener("click", function () { describeCell(cell); });
  });

  // --- Editing (managers) --------------------------------------------------------------------

  var data = Waymark.data("risks-data");
  var editor = document.getElementById("risk-editor");
  var form = document.getElementById("risk-form");
  if (!data || !editor || !form) return;

  var FIELDS = ["title", "probability", "tasks", "delay", "factor", "owner", "response", "status"];
  var POINTS = ["low", "likely", "high"];
  var editing = null; // the id of the risk being edited, or null when adding
  var opener = null; // the button that opened the form, focused again when it closes

  function element(id) {
    return document.getElementById(id);
  }
  function riskPath(id) {
    return "/projects/" + project.id + "/risks" + (id ? "/" + encodeURIComponent(id) : "");
  }

  function fieldError(field, message) {
    var slot = element("risk-" + field + "-error");
    if (slot) slot.textContent = message || "";
    var controls = field === "delay" || field === "factor"
      ? POINTS.map(function (point) { return element("risk-" + field + "-" + point); })
      : [element("risk-" + field)];
    controls.forEach(function (control) {
      if (!control) return;
      if (message) control.setAttribute("aria-invalid", "true");
      else control.removeAttribute("aria-invalid");
    });
  }

  function clearErrors() {
    FIELDS.forEach(function (field) { fieldError(field, ""); });
    element("risk-form-error").textContent = "";
  }

  function firstControl(field) {
    return element("risk-" + field) && element("risk-" + field).tagName !== "FIELDSET"
      ? element("risk-" + field)
      : element("risk-" + field + "-low");
  }

  // Fills the form from a risk's stored fields (empty for a new risk).
  function fill(fields) {
    element("risk-title").value = fields.title || "";
    element("risk-probability").value = typeof fields.probability === "number"
      ? String(Math.round(fields.probability * 10000) / 100)
      : "";
    var tasks = Array.isArray(fields.tasks) ? fields.tasks : typeof fields.tasks === "string" ? [fields.tasks] : [];
    Array.prototype.forEach.call(element("risk-tasks").options, function (option) {
      option.selected = tasks.indexOf(option.value) >= 0;
    });
    ["delay", "factor"].forEach(function (key) {
      var values = Array.isArray(fields[key]) ? fields[key] : [];
      POINTS.forEach(function (point, index) {
        element("risk-" + key + "-" + point).value = values[index] === undefined ? "" : String(values[index]);
      });
    });
    element("risk-owner").value = fields.owner || "";
    element("risk-response").value = fields.response || "";
    element("risk-status").value = fields.status === "closed" ? "closed" : "open";
  }

  function open(id, button) {
    editing = id;
    opener = button;
    clearErrors();
    var risk = id ? data.risks[id] : null;
    element("risk-editor-title").textContent = risk
      ? "Edit risk \u201c" + (risk.data.title || id) + "\u201d"
      : "Add risk";
    fill(risk ? risk.data : {});
    editor.hidden = false;
    editor.scrollIntoView({ block: "start" });
    element("risk-title").focus();
  }

  function close() {
    editor.hidden = true;
    editing = null;
    if (opener) opener.focus();
  }

  // A new risk's id from its title: letters, digits and dashes, unique in the register.
  function newId(title) {
    var base = title.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60).replace(/-+$/, "") || "risk";
    var id = base;
    for (var n = 2; data.risks[id]; n += 1) id = base + "-" + n;
    return id;
  }

  var DURATION = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(m|h|d|w|mo)\s*$/i;

  // Working minutes of a duration, with the project's day, week and month.
  function minutes(text) {
    var match = DURATION.exec(text);
    var units = data.units || { minutes_per_day: 480, minutes_per_week: 2400, days_per_month: 20 };
    var per = {
      m: 1,
      h: 60,
      d: units.minutes_per_day,
      w: units.minutes_per_week,
      mo: units.minutes_per_day * units.days_per_month,
    };
    return Number(match[1]) * per[match[2].toLowerCase()];
  }

  function ascending(values) {
    return values[0] <= values[1] && values[1] <= values[2];
  }

  // The risk's fields from the form, or null after marking what is wrong.
  function read(previous) {
    var fields = {};
    Object.keys(previous || {}).forEach(function (key) { fields[key] = previous[key]; });
    var errors = {};
    var title = element("risk-title").value.trim();
    if (!title) errors.title = "Enter a title: what could happen.";
    else fields.title = title;

    var probabilityInput = element("risk-probability");
    var percent = Number(probabilityInput.value);
    if (probabilityInput.value.trim() === "" || probabilityInput.validity.badInput || !isFinite(percent) ||
        percent < 0 || percent > 100) {
      errors.probability = "Enter a percentage from 0 to 100.";
    } else {
      fields.probability = Math.round(percent * 100) / 10000;
    }

    var tasks = Array.prototype.filter.call(element("risk-tasks").options, function (option) {
      return option.selected;
    }).map(function (option) { return option.value; });
    if (tasks.length) fields.tasks = tasks;
    else delete fields.tasks;

    var delays = POINTS.map(function (point) { return element("risk-delay-" + point).value.trim(); });
    if (delays.every(function (text) { return text === ""; })) {
      delete fields.delay;
    } else if (!delays.every(function (text) { return DURATION.test(text); })) {
      errors.delay = "Give all three delays as working time, e.g. 2d, 5d and 10d (units m, h, d, w, mo).";
    } else if (!ascending(delays.map(minutes))) {
      errors.delay = "The delays must be in the order optimistic \u2264 most likely \u2264 pessimistic.";
    } else {
      fields.delay = delays.map(function (text) { return text.replace(/\s+/g, ""); });
    }

    var factorInputs = POINTS.map(function (point) { return element("risk-factor-" + point); });
    var factors = factorInputs.map(function (input) { return input.value.trim(); });
    if (factors.every(function (text) { return text === ""; }) &&
        !factorInputs.some(function (input) { return input.validity.badInput; })) {
      delete fields.factor;
    } else {
      var numbers = factors.map(Number);
      if (factors.some(function (text) { return text === ""; }) ||
          numbers.some(function (number) { return !isFinite(number) || number <= 0; })) {
        errors.factor = "Give all three factors as numbers above 0, e.g. 1.1, 1.3 and 2.";
      } else if (!ascending(numbers)) {
        errors.factor = "The factors must be in the order optimistic \u2264 most likely \u2264 pessimistic.";
      } else {
        fields.factor = numbers;
      }
    }

    ["owner", "response"].forEach(function (key) {
      var value = element("risk-" + key).value;
      if (value) fields[key] = value;
      else delete fields[key];
    });
    if (element("risk-status").value === "closed") fields.status = "closed";
    else delete fields.status;

    var wrong = Object.keys(errors);
    wrong.forEach(function (field) { fieldError(field, errors[field]); });
    if (wrong.length) {
      var first = FIELDS.filter(function (field) { return errors[field]; })[0];
      firstControl(first).focus();
      return null;
    }
    return fields;
  }

  // Puts the API's diagnostics next to their fields; what names no field goes under the form.
  function showRefusal(answer) {
    var error = answer.json && answer.json.error;
    var diagnostics = (error && error.diagnostics) || [];
    var general = [];
    var first = null;
    diagnostics.forEach(function (diagnostic) {
      var field = diagnostic.field;
      if (FIELDS.indexOf(field) < 0) {
        field = FIELDS.filter(function (key) {
          return diagnostic.message.indexOf("`" + key + "`") >= 0;
        })[0];
      }
      if (field) {
        fieldError(field, diagnostic.message);
        first = first || field;
      } else {
        general.push(diagnostic.message);
      }
    });
    if (!diagnostics.length) general.push(Waymark.problem(answer));
    element("risk-form-error").textContent = general.join(" ");
    if (first) firstControl(first).focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearErrors();
    var risk = editing ? data.risks[editing] : null;
    var fields = read(risk ? risk.data : null);
    if (!fields) return;
    var submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    var request = risk
      ? Waymark.api("PUT", riskPath(editing), { body: { data: fields }, version: risk.version })
      : Waymark.api("POST", riskPath(null), { body: { id: newId(fields.title), data: fields } });
    request.then(function (answer) {
      submit.disabled = false;
      if (answer.ok) {
        reloadWith((risk ? "Saved" : "Added") + " the risk \u201c" + fields.title + "\u201d.");
      } else if (answer.status === 412 && editing) {
        var id = editing;
        Waymark.api("GET", riskPath(id)).then(function (fresh) {
          if (fresh.ok && fresh.json) {
            data.risks[id] = { version: fresh.json.version, data: fresh.json.data };
            fill(fresh.json.data);
          }
          element("risk-form-error").textContent = "Someone else changed this risk in the meantime; " +
            "the form now shows their version. Make your change again and save.";
        });
      } else {
        showRefusal(answer);
      }
    });
  });

  element("risk-cancel").addEventListener("click", close);
  editor.addEventListener("keydown", function (event) {
    if (event.key === "Escape") close();
  });

  var add = element("risk-add");
  if (add) add.addEventListener("click", function () { open(null, add); });

  document.addEventListener("click", function (event) {
    var edit = event.target.closest("button[data-edit]");
    if (edit) {
      open(edit.getAttribute("data-edit"), edit);
      return;
    }
    var toggle = event.target.closest("button[data-set-status]");
    if (!toggle) return;
    var id = toggle.getAttribute("data-risk");
    var risk = data.risks[id];
    if (!risk) return;
    var closing = toggle.getAttribute("data-set-status") === "closed";
    var title = risk.data.title || id;
    toggle.disabled = true;
    Waymark.api("PATCH", riskPath(id), { body: { status: closing ? "closed" : null }, version: risk.version })
      .then(function (answer) {
        toggle.disabled = false;
        if (answer.ok) {
          reloadWith((closing ? "Closed" : "Reopened") + " the risk \u201c" + title + "\u201d.");
        } else if (answer.status === 412) {
          reloadWith("Someone else changed \u201c" + title + "\u201d in the meantime; the page now shows their change.", "bad");
        } else {
          Waymark.announce(Waymark.problem(answer), "bad");
        }
      });
  });
})();

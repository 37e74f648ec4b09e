// The board page's script: moves cards between the status columns (pointer drag and drop, or a
// card's "Move to" buttons), filters the cards by assignee (kept in the URL), and saves the WIP
// limits. Every change goes through the JSON API with Waymark.api and the object's version as
// If-Match: a move is a PATCH of the task's progress fields (which members may change), the
// limits a PUT of the project's fields (managers). The page renders only what the user's role
// may do, so this script finds no move buttons for a viewer and no limits form for a member.
"use strict";

(function () {
  var data = Waymark.data("board-data");
  var project = Waymark.project();
  if (!data || !project) return;

  var ORDER = ["not_started", "in_progress", "done"];
  var LABELS = { not_started: "Not started", in_progress: "In progress", done: "Done" };
  var canReport = document.body.getAttribute("data-can-report") === "true";

  function column(status) {
    return document.querySelector('.column[data-status="' + status + '"]');
  }
  function cardList(status) {
    var section = column(status);
    return section ? section.querySelector("ul.cards") : null;
  }
  function statusOfCard(card) {
    return card.closest(".column").getAttribute("data-status");
  }
  function nameOf(card) {
    var heading = card.querySelector("h3");
    return heading ? heading.textContent : card.getAttribute("data-task");
  }
  function taskPath(id) {
    return "/projects/" + project.id + "/tasks/" + encodeURIComponent(id);
  }

  // A task's status from its stored fields, as the plan reader derives it (progress defaults to
  // 1 when the task has an actual finish).
  function progressOf(task) {
    if (task.actual_finish) return 1;
    return typeof task.progress === "number" ? task.progress : 0;
  }
  function statusOf(task) {
    var progress = progressOf(task);
    if (progress >= 1) return "done";
    if (progress > 0 || task.actual_start) return "in_progress";
    return "not_started";
  }

  function pad(number) {
    return number < 10 ? "0" + number : String(number);
  }
  // The day a move records: the project's status date, or today where the user is.
  function recordDay() {
    if (data.status_date) return data.status_date;
    var now = new Date();
    return now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  }

  // The actual start a move into In progress records: the scheduled start when it has come
  // by the day the move records (progress "as scheduled", so nothing else moves), else that
  // day; never before the project start. Dates are YYYY-MM-DD, so they compare as text.
  function proposedStart(task) {
    var day = recordDay();
    var start = task.start && task.start < day ? task.start : day;
    if (data.project_start && start < data.project_start) start = data.project_start;
    return start;
  }

  // What a move into In progress should warn about: starting before the tasks it follows have
  // finished (out-of-sequence progress, which the plan doctor flags too).
  function startWarning(task, name) {
    if (task.actual_start || !task.waiting_on || !task.waiting_on.length) return "";
    var names = task.waiting_on.map(function (other) { return "\u201c" + other + "\u201d"; });
    return " Out of sequence: \u201c" + name + "\u201d follows " + names.join(", ") +
      ", not finished yet; the plan doctor flags it until " +
      (names.length === 1 ? "that task is" : "they are") + " done.";
  }

  // The merge patch that puts a task in a column (null removes a field):
  // Not started clears progress and actuals; In progress records an actual start if there is
  // none, removes the actual finish and keeps progress below 1 (a finished task reopens at
  // 90 %); Done records progress 1 and an actual finish if there is none.
  function patchFor(task, target) {
    if (target === "not_started") {
      return { progress: null, actual_start: null, actual_finish: null };
    }
    var patch;
    if (target === "in_progress") {
      patch = { actual_finish: null };
      if (!task.actual_start) patch.actual_start = proposedStart(task);
      if (typeof task.progress === "number" && task.progress >= 1) patch.progress = 0.9;
      return patch;
    }
    patch = { progress: 1 };
    if (!task.actual_finish) {
      var finish = recordDay();
      var start = typeof task.actual_start === "string" ? task.actual_start.slice(0, 10) : "";
      patch.actual_finish = start > finish ? start : finish;
    }
    return patch;
  }

  function remember(body, before) {
    var kept = before || data.tasks[body.id] || {};
    data.tasks[body.id] = {
      version: body.version,
      progress: body.data.progress,
      actual_start: body.data.actual_start,
      actual_finish: body.data.actual_finish,
      start: kept.start,
      waiting_on: kept.waiting_on,
    };
  }

  // --- Columns and counts ------------------------------------------------------------------

  function countText(count, limit) {
    if (limit) {
      return count > limit ? count + " / " + limit + " — over the limit" : count + " / " + limit;
    }
    return count === 1 ? "1 task" : count + " tasks";
  }

  function updateCounts() {
    ORDER.forEach(function (status) {
      var section = column(status);
      if (!section) return;
      var count = section.querySelectorAll("li.card").length;
      var limit = data.wip_limits[status];
      section.classList.toggle("over-limit", Boolean(limit) && count > limit);
      document.getElementById("wip-count-" + status).textContent = countText(count, limit);
    });
  }

  // Puts a card into a column, in plan order among the cards there.
  function place(card, status) {
    var list = cardList(status);
    var order = Number(card.getAttribute("data-order"));
    var before = null;
    Array.prototype.some.call(list.children, function (other) {
      if (other !== card && Number(other.getAttribute("data-order")) > order) {
        before = other;
        return true;
      }
      return false;
    });
    list.insertBefore(card, before);
    updateCounts();
  }

  // Redraws what a card shows of its task: progress, and the moves to the other columns.
  function refresh(card) {
    var task = data.tasks[card.getAttribute("data-task")];
    if (!task) return;
    var progress = progressOf(task);
    var bar = card.querySelector("progress");
    if (bar) bar.value = progress;
    var text = card.querySelector(".progress-text");
    if (text) text.textContent = Math.round(progress * 100) + " %";
    var moves = card.querySelector(".moves");
    if (!moves) return;
    var current = statusOfCard(card);
    moves.textContent = "";
    ORDER.forEach(function (status) {
      if (status === current) return;
      var button = document.createElement("button");
      button.type = "button";
      button.setAttribute("data-move", status);
      button.textContent = "Move to " + LABELS[status];
      moves.appendChild(button);
    });
  }

  // --- Moving cards --------------------------------------------------------------------------

  function move(card, target, byKeyboard) {
    var id = card.getAttribute("data-task");
    var task = data.tasks[id];
    var from = statusOfCard(card);
    if (!task || from === target || card.getAttribute("aria-busy") === "true") return;
    var name = nameOf(card);
    var patch = patchFor(task, target);
    var warning = target === "in_progress" ? startWarning(task, name) : "";
    var recorded = patch.actual_start ? " Actual start recorded: " + patch.actual_start + "." : "";
    // The card moves at once and goes back if the server refuses.
    place(card, target);
    refresh(card);
    card.setAttribute("aria-busy", "true");
    if (byKeyboard) focusCard(card);
    Waymark.api("PATCH", taskPath(id), { body: patch, version: task.version }).then(function (answer) {
      card.removeAttribute("aria-busy");
      if (answer.ok && answer.json) {
        remember(answer.json, task);
        refresh(card);
        Waymark.announce("Moved \u201c" + name + "\u201d to " + LABELS[target] + "." + recorded + warning,
          warning ? "bad" : undefined);
      } else if (answer.status === 412) {
        reload(card, id, "Someone else changed \u201c" + name + "\u201d in the meantime; the card now shows their change.");
      } else {
        place(card, from);
        refresh(card);
        Waymark.announce("\u201c" + name + "\u201d was not moved: " + Waymark.problem(answer), "bad");
      }
      if (byKeyboard) focusCard(card);
    });
  }

  // After a 412: reads the task again and shows it where it now stands.
  function reload(card, id, message) {
    Waymark.api("GET", taskPath(id)).then(function (answer) {
      if (answer.ok && answer.json) {
        remember(answer.json);
        place(card, statusOf(data.tasks[id]));
        refresh(card);
      }
      Waymark.announce(message, "bad");
    });
  }

  function focusCard(card) {
    var button = card.querySelector(".moves button");
    (button || card).focus();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-move]");
    if (!button || !canReport) return;
    var card = button.closest(".card");
    if (card) move(card, button.getAttribute("data-move"), event.detail === 0);
  });

  // Pointer drag and drop: a mouse drags a card from anywhere but its buttons; touch drags from
  // the grip only, so that the page still scrolls under a finger.
  var drag = null;

  function columnAt(x, y) {
    var element = document.elementFromPoint(x, y);
    return element ? element.closest(".column") : null;
  }

  function markTarget(section) {
    Array.prototype.forEach.call(document.querySelectorAll(".column.drop-target"), function (other) {
      if (other !== section) other.classList.remove("drop-target");
    });
    if (section) section.classList.add("drop-target");
  }

  function endDrag() {
    if (!drag) return;
    drag.card.classList.remove("dragging");
    drag.card.style.transform = "";
    drag.card.style.pointerEvents = "";
    document.body.classList.remove("board-dragging");
    markTarget(null);
    drag = null;
  }

  if (canReport) {
    document.addEventListener("pointerdown", function (event) {
      if (event.button !== 0 || drag) return;
      var card = event.target.closest(".card");
      if (!card || event.target.closest("button, a, select, input, label")) return;
      if (event.pointerType !== "mouse" && !event.target.closest(".grip")) return;
      drag = {
        card: card, pointer: event.pointerId, x: event.clientX, y: event.clientY,
        scrollX: window.scrollX, scrollY: window.scrollY, active: false,
      };
    });

    document.addEventListener("pointermove", function (event) {
      if (!drag || event.pointerId !== drag.pointer) return;
      var dx = event.clientX - drag.x;
      var dy = event.clientY - drag.y;
      if (!drag.active) {
        if (Math.abs(dx) + Math.abs(dy) < 6) return;
        drag.active = true;
        drag.card.classList.add("dragging");
        drag.card.style.pointerEvents = "none";
        document.body.classList.add("board-dragging");
        var selection = window.getSelection();
        if (selection) selection.removeAllRanges();
      }
      event.preventDefault();
      // Near the top or bottom of the window the page scrolls, so that a card can reach a
      // column out of sight (on a phone the columns stand one under the other); the card stays
      // under the pointer.
      var edge = 48;
      if (event.clientY < edge) window.scrollBy(0, -16);
      else if (event.clientY > window.innerHeight - edge) window.scrollBy(0, 16);
      var x = dx + window.scrollX - drag.scrollX;
      var y = dy + window.scrollY - drag.scrollY;
      drag.card.style.transform = "translate(" + x + "px, " + y + "px)";
      markTarget(columnAt(event.clientX, event.clientY));
    });

    document.addEventListener("pointerup", function (event) {
      if (!drag || event.pointerId !== drag.pointer) return;
      var card = drag.card;
      var active = drag.active;
      var section = active ? columnAt(event.clientX, event.clientY) : null;
      endDrag();
      if (section) move(card, section.getAttribute("data-status"), false);
    });

    document.addEventListener("pointercancel", endDrag);
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") endDrag();
    });
  }

  // --- The assignee filter -------------------------------------------------------------------

  var filter = document.getElementById("assignee");

  function applyFilter() {
    var value = filter.value;
    var shown = 0;
    Array.prototype.forEach.call(document.querySelectorAll("li.card"), function (card) {
      var assignees = (card.getAttribute("data-assignees") || "").split(" ").filter(Boolean);
      var visible = value === "" || (value === "*" ? assignees.length === 0 : assignees.indexOf(value) >= 0);
      card.hidden = !visible;
      if (visible) shown += 1;
    });
    var url = new URL(window.location.href);
    if (value) url.searchParams.set("assignee", value);
    else url.searchParams.delete("assignee");
    window.history.replaceState(null, "", url.pathname + url.search + url.hash);
    Waymark.announce(shown === 1 ? "1 card shown." : shown + " cards shown.");
  }

  if (filter) {
    filter.addEventListener("change", applyFilter);
    filter.form.addEventListener("submit", function (event) {
      event.preventDefault();
      applyFilter();
    });
  }

  // --- WIP limits (managers) -----------------------------------------------------------------

  var wipForm = document.getElementById("wip-form");

  function wipError(status, message) {
    var input = document.getElementById("wip-" + status);
    var slot = document.getElementById("wip-" + status + "-error");
    if (slot) slot.textContent = message || "";
    if (input) {
      if (message) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
  }

  function fillLimits() {
    ORDER.forEach(function (status) {
      var input = document.getElementById("wip-" + status);
      if (input) input.value = data.wip_limits[status] ? String(data.wip_limits[status]) : "";
    });
  }

  function takeProject(body) {
    data.project = { version: body.version, fields: body.fields };
    var limits = body.fields && body.fields.wip_limits;
    data.wip_limits = {};
    if (limits && typeof limits === "object") {
      ORDER.forEach(function (status) {
        if (typeof limits[status] === "number") data.wip_limits[status] = limits[status];
      });
    }
  }

  if (wipForm && data.project) {
    wipForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var general = document.getElementById("wip-form-error");
      general.textContent = "";
      var limits = {};
      var firstInvalid = null;
      ORDER.forEach(function (status) {
        var input = document.getElementById("wip-" + status);
        wipError(status, "");
        var text = input.value.trim();
        if (text === "" && !input.validity.badInput) return;
        var number = Number(text);
        if (!/^[0-9]+$/.test(text) || number < 1 || number > 10000) {
          wipError(status, "Enter a whole number from 1 to 10000, or leave it empty for no limit.");
          firstInvalid = firstInvalid || input;
          return;
        }
        limits[status] = number;
      });
      if (firstInvalid) {
        firstInvalid.focus();
        return;
      }
      var fields = {};
      Object.keys(data.project.fields).forEach(function (key) {
        if (key !== "wip_limits") fields[key] = data.project.fields[key];
      });
      if (Object.keys(limits).length) fields.wip_limits = limits;
      var submit = wipForm.querySelector("button[type=submit]");
      submit.disabled = true;
      Waymark.api("PUT", "/projects/" + project.id, { body: { fields: fields }, version: data.project.version })
        .then(function (answer) {
          submit.disabled = false;
          if (answer.ok && answer.json) {
            takeProject(answer.json);
            fillLimits();
            updateCounts();
            Waymark.announce("WIP limits saved.");
          } else if (answer.status === 412) {
            Waymark.api("GET", "/projects/" + project.id).then(function (fresh) {
              if (fresh.ok && fresh.json) {
                takeProject(fresh.json);
                fillLimits();
                updateCounts();
              }
              general.textContent = "Someone else changed the project in the meantime; the limits now show " +
                "their change. Save again to apply yours.";
            });
          } else {
            var placed = false;
            var diagnostics = (answer.json && answer.json.error && answer.json.error.diagnostics) || [];
            diagnostics.forEach(function (diagnostic) {
              ORDER.forEach(function (status) {
                if (diagnostic.message.indexOf("`" + status + "`") >= 0) {
                  wipError(status, diagnostic.message);
                  placed = true;
                }
              });
            });
            if (!placed) general.textContent = Waymark.problem(answer);
          }
        });
    });
  }
})();

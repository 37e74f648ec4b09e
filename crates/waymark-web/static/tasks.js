// The tasks page: the WBS as a tree table (a treegrid). It starts from the tasks and the schedule
// the server put into the page (`tasks-data`) and changes tasks only through the JSON API with
// `Waymark.api`, which sends the CSRF token and each task's version as If-Match, so the API's
// roles, concurrency rule and write-time plan check decide; this script only offers what the
// user's role allows (the `data-can-edit` and `data-can-report` of <body>).
//
// Keyboard: arrow keys (and Home, End, Page Up, Page Down) move between cells; Enter, F2 or a
// double click edits a cell, Enter saves, Escape cancels, Tab saves and moves to the next cell.
// Managers: Insert adds a task below, Delete deletes, Alt+Shift+Right/Left indent and outdent,
// Alt+Shift+Up/Down move the task among its siblings. Alt+Shift+Minus/Plus collapse and expand.
//
// Deleting a task deletes its subtasks with it, and first removes the links that point at any of
// them from the other tasks' predecessors (so the plan stays valid); "Undo" re-creates every
// deleted task with its id, fields and position and puts the links back.
"use strict";

(function () {
  var data = Waymark.data("tasks-data");
  var tbody = document.getElementById("task-rows");
  if (!data || !tbody) return;
  var table = document.getElementById("task-table");
  var canEdit = document.body.getAttribute("data-can-edit") === "true";
  var canReport = document.body.getAttribute("data-can-report") === "true";
  var base = "/projects/" + Waymark.project().id;
  var STEP = 1024;

  // Who may edit which column: "edit" needs a manager, "report" a member; "leaf" columns belong to
  // tasks without subtasks (a summary's dates, duration and progress come from its subtasks).
  var COLUMNS = [
    { key: "wbs", label: "WBS" },
    { key: "name", label: "Name", edit: "edit" },
    { key: "duration", label: "Duration", edit: "edit", leaf: true },
    { key: "start", label: "Start" },
    { key: "finish", label: "Finish" },
    { key: "progress", label: "Progress", edit: "report", leaf: true },
    { key: "status", label: "Status" },
    { key: "estimate", label: "Estimate", edit: "edit", leaf: true },
    { key: "after", label: "Predecessors", edit: "edit" },
    { key: "resources", label: "Resources", edit: "edit" },
    { key: "actual_start", label: "Actual start", edit: "report", leaf: true },
    { key: "actual_finish", label: "Actual finish", edit: "report", leaf: true },
  ];
  var HINTS = {
    duration: "e.g. 5d, 3.5h, 2w",
    estimate: "optimistic, most likely, pessimistic: e.g. 3d, 5d, 10d",
    after: "e.g. design, kickoff SS+2d, review FF-1d",
    resources: "e.g. ana, bob 50%",
    progress: "percent done, 0 to 100",
    actual_start: "YYYY-MM-DD",
    actual_finish: "YYYY-MM-DD",
  };

  var tasks = new Map(); // id -> {id, position, version, data}
  data.tasks.forEach(function (task) { tasks.set(task.id, task); });
  var dates = new Map(); // id -> the schedule view's task
  var problems = data.problems || [];
  setSchedule(data.schedule);

  var children = new Map(); // parent id ("" for the top level) -> ids in order
  var rows = []; // the visible rows: {id, depth, wbs, summary}
  var collapsed = new Set();
  var active = { id: null, col: 1 };
  var editing = null; // {id, col, cell, input, error, committing}
  var busy = false;
  var renderLater = false;
  var undo = null;
  var wrap = table.parentNode;
  var rowHeight = 33; // measured on the first drawing
  var OVERSCAN = 20; // rows drawn beyond the view on each side
  var windowStart = 0, windowEnd = 0;

  table.setAttribute("role", "treegrid");

  function setSchedule(list) {
    dates = new Map();
    (list || []).forEach(function (entry) { dates.set(entry.id, entry); });
  }

  // ---- The tree --------------------------------------------------------------------------------

  function parentOf(task) {
    var parent = task.data.parent;
    return typeof parent === "string" && parent !== task.id && tasks.has(parent) ? parent : "";
  }

  function buildTree() {
    children = new Map();
    tasks.forEach(function (task) {
      var parent = parentOf(task);
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(task.id);
    });
    children.forEach(function (ids) {
      ids.sort(function (a, b) {
        var pa = tasks.get(a).position, pb = tasks.get(b).position;
        return pa !== pb ? pa - pb : a < b ? -1 : a > b ? 1 : 0;
      });
    });
  }

  function kids(id) { return children.get(id) || []; }

  // The visible rows in outline order, numbered 1, 1.1, 1.2 ...; tasks in a parent cycle (an
  // invalid plan) are shown at the end so that nothing disappears.
  function layout() {
    buildTree();
    rolled = new Map();
    rows = [];
    var seen = new Set();
    function walk(parent, depth, prefix, visible) {
      kids(parent).forEach(function (id, index) {
        if (seen.has(id)) return;
        seen.add(id);
        var wbs = prefix + (index + 1);
        var summary = kids(id).length > 0;
        if (visible) rows.push({ id: id, depth: depth, wbs: wbs, summary: summary });
        walk(id, depth + 1, wbs + ".", visible && !collapsed.has(id));
      });
    }
    walk("", 0, "", true);
    tasks.forEach(function (task, id) {
      if (!seen.has(id)) rows.push({ id: id, depth: 0, wbs: "?", summary: kids(id).length > 0 });
    });
  }

  function subtree(id) {
    var out = [id];
    for (var i = 0; i < out.length; i++) {
      kids(out[i]).forEach(function (child) { if (out.indexOf(child) < 0) out.push(child); });
    }
    return out;
  }

  // ---- Showing values --------------------------------------------------------------------------

  function list(value) {
    if (Array.isArray(value)) return value;
    return typeof value === "string" && value ? [value] : [];
  }

  function nameOf(id) {
    var task = tasks.get(id);
    return task && typeof task.data.name === "string" && task.data.name ? task.data.name : id;
  }

  function leafProgress(id) {
    var fields = tasks.get(id).data;
    if (typeof fields.progress === "number") return fields.progress;
    return fields.actual_finish ? 1 : 0;
  }

  // A summary's progress: its subtasks' progress weighted by their durations (as Microsoft
  // Project's % complete), or their plain average when they all take no time.
  var rolled = new Map();
  function rollup(id, seen) {
    if (rolled.has(id)) return rolled.get(id);
    var total = { work: 0, done: 0, count: 0, sum: 0 };
    var below = kids(id);
    if (!below.length || seen.has(id)) {
      var computed = dates.get(id);
      var work = computed && typeof computed.duration_minutes === "number" ? computed.duration_minutes : 1;
      var progress = leafProgress(id);
      total = { work: work, done: work * progress, count: 1, sum: progress };
    } else {
      seen.add(id);
      below.forEach(function (child) {
        var part = rollup(child, seen);
        total.work += part.work; total.done += part.done; total.count += part.count; total.sum += part.sum;
      });
    }
    rolled.set(id, total);
    return total;
  }

  function progressOf(row) {
    if (!row.summary) return leafProgress(row.id);
    var total = rollup(row.id, new Set());
    if (total.work > 0) return total.done / total.work;
    return total.count ? total.sum / total.count : 0;
  }

  function statusOf(row) {
    var task = tasks.get(row.id);
    var progress = progressOf(row) || 0;
    if (progress >= 1 || (!row.summary && task.data.actual_finish)) return "Done";
    if (progress > 0 || (!row.summary && task.data.actual_start)) return "In progress";
    return "Not started";
  }

  function day(text) { return typeof text === "string" ? text.slice(0, 10) : ""; }

  function shown(row, key) {
    var task = tasks.get(row.id);
    var value = task.data[key];
    switch (key) {
      case "wbs": return row.wbs;
      case "name": return nameOf(row.id);
      case "duration":
        if (row.summary) return "";
        if (task.data.milestone === true) return "milestone";
        return typeof value === "string" ? value : "";
      case "estimate": return row.summary ? "" : list(value).join(", ");
      case "after": case "resources": return list(value).join(", ");
      case "progress":
        var progress = progressOf(row);
        return progress === null ? "" : Math.round(progress * 100) + " %";
      case "status": return statusOf(row);
      case "start": case "finish":
        var computed = dates.get(row.id);
        return computed ? day(computed[key]) : "—";
      default: return typeof value === "string" ? value : value === undefined ? "" : String(value);
    }
  }

  // The text an editor starts from.
  function editText(id, key) {
    var value = tasks.get(id).data[key];
    switch (key) {
      case "name": return typeof value === "string" ? value : "";
      case "estimate": case "after": case "resources": return list(value).join(", ");
      case "progress": return typeof value === "number" ? String(Math.round(value * 1000) / 10) : "";
      default: return typeof value === "string" ? value : "";
    }
  }

  // What an editor's text means for the field: {value} (null removes the field) or {error}.
  function parse(key, text) {
    text = text.trim();
    if (key === "name") return { value: text || null };
    if (!text) return { value: null };
    switch (key) {
      case "estimate":
        var points = text.indexOf(",") >= 0 ? text.split(",") : text.split(/\s+/);
        return { value: points.map(function (p) { return p.trim(); }).filter(Boolean) };
      case "after": case "resources":
        var items = text.split(/[,;]/).map(function (p) { return p.trim(); }).filter(Boolean);
        return { value: items.length ? items : null };
      case "progress":
        var number = Number(text.replace(/%\s*$/, "").trim().replace(",", "."));
        if (!isFinite(number) || number < 0 || number > 100) {
          return { error: "Enter a percentage from 0 to 100, e.g. 40." };
        }
        return { value: Math.round(number * 10) / 1000 };
      default: return { value: text };
    }
  }

  function editable(row, col) {
    var column = COLUMNS[col];
    if (!column || !column.edit) return false;
    if (column.leaf && row.summary) return false;
    return column.edit === "edit" ? canEdit : canReport;
  }

  // ---- Drawing ---------------------------------------------------------------------------------

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function drawCell(row, col) {
    var column = COLUMNS[col];
    var cell = element("td", "c-" + column.key);
    cell.tabIndex = -1;
    cell.setAttribute("data-col", col);
    if (column.key === "name") {
      cell.style.paddingLeft = (0.4 + row.depth * 1.25) + "rem";
      if (row.summary) {
        var open = !collapsed.has(row.id);
        var toggle = element("button", "toggle", open ? "▾" : "▸");
        toggle.type = "button";
        toggle.tabIndex = -1;
        toggle.setAttribute("aria-expanded", String(open));
        toggle.setAttribute("aria-label", (open ? "Collapse " : "Expand ") + nameOf(row.id));
        toggle.setAttribute("data-toggle", row.id);
        cell.appendChild(toggle);
      }
      cell.appendChild(element("span", "name", nameOf(row.id)));
      cell.title = nameOf(row.id);
      var computed = dates.get(row.id);
      if (computed && computed.critical) cell.appendChild(element("span", "tag", "critical"));
    } else {
      var text = shown(row, column.key);
      cell.textContent = text;
      if (text.length > 12) cell.title = text;
    }
    if (column.key === "status") cell.classList.add("s-" + statusOf(row).toLowerCase().replace(" ", "-"));
    if (editable(row, col)) cell.classList.add("editable");
    return cell;
  }

  function drawRow(row, index) {
    var tr = element("tr");
    tr.setAttribute("data-id", row.id);
    tr.setAttribute("aria-rowindex", String(index + 2));
    tr.setAttribute("aria-level", String(row.depth + 1));
    if (row.summary) {
      tr.classList.add("summary");
      tr.setAttribute("aria-expanded", String(!collapsed.has(row.id)));
    }
    var computed = dates.get(row.id);
    if (computed && computed.critical) tr.classList.add("critical");
    tr.setAttribute("aria-selected", String(row.id === active.id));
    for (var col = 0; col < COLUMNS.length; col++) tr.appendChild(drawCell(row, col));
    return tr;
  }

  function spacer(height) {
    var tr = element("tr", "spacer");
    tr.setAttribute("aria-hidden", "true");
    var cell = element("td");
    cell.colSpan = COLUMNS.length;
    cell.style.height = height + "px";
    tr.appendChild(cell);
    return tr;
  }

  function render() {
    if (editing) { renderLater = true; return; }
    renderLater = false;
    layout();
    if (!rows.some(function (row) { return row.id === active.id; })) {
      active.id = rows.length ? rows[0].id : null;
    }
    table.setAttribute("aria-rowcount", String(rows.length + 1));
    drawWindow(true);
    showProblems();
  }

  // Only the rows in and near the scrolled view are in the page (a big project's table stays a
  // few hundred cells); spacers above and below keep the scroll height of all of them. Rows are
  // one line each, so every row has the same height.
  function drawWindow(force) {
    var view = Math.max(wrap.clientHeight, window.innerHeight);
    var top = Math.floor(wrap.scrollTop / rowHeight);
    var bottom = Math.ceil((wrap.scrollTop + view) / rowHeight);
    if (!force && top >= windowStart && Math.min(bottom, rows.length) <= windowEnd) return;
    var hadFocus = table.contains(document.activeElement);
    windowStart = Math.max(0, top - OVERSCAN);
    windowEnd = Math.min(rows.length, bottom + OVERSCAN);
    var fragment = document.createDocumentFragment();
    if (windowStart > 0) fragment.appendChild(spacer(windowStart * rowHeight));
    for (var i = windowStart; i < windowEnd; i++) fragment.appendChild(drawRow(rows[i], i));
    if (windowEnd < rows.length) fragment.appendChild(spacer((rows.length - windowEnd) * rowHeight));
    tbody.textContent = "";
    tbody.appendChild(fragment);
    if (!rows.length) {
      var empty = element("tr");
      var cell = element("td", "muted", canEdit ? "No tasks yet: “Add task” adds the first." : "No tasks yet.");
      cell.colSpan = COLUMNS.length;
      empty.appendChild(cell);
      tbody.appendChild(empty);
    }
    var sample = tbody.querySelector("tr[data-id]");
    var height = sample ? sample.getBoundingClientRect().height : 0;
    if (height > 0 && Math.abs(height - rowHeight) > 0.5) {
      rowHeight = height;
      drawWindow(true);
      return;
    }
    // The cell that Tab reaches: the active one, or the first shown when it is scrolled away.
    var current = activeCell() || (tbody.querySelector("tr[data-id]") || { children: [] }).children[active.col];
    if (current) {
      current.tabIndex = 0;
      if (hadFocus) current.focus({ preventScroll: true });
    }
  }

  function showProblems() {
    var box = document.getElementById("plan-problems");
    if (!box) return;
    box.textContent = "";
    if (!problems.length) return;
    box.appendChild(element("p", "error", "The plan has errors, so the dates are not computed:"));
    var ul = element("ul");
    problems.forEach(function (text) { ul.appendChild(element("li", "", text)); });
    box.appendChild(ul);
  }

  function rowIndex(id) {
    for (var i = 0; i < rows.length; i++) if (rows[i].id === id) return i;
    return -1;
  }

  function activeCell() {
    if (active.id === null) return null;
    var tr = tbody.querySelector('tr[data-id="' + CSS.escape(active.id) + '"]');
    return tr ? tr.children[active.col] : null;
  }

  function focusCell(id, col) {
    var previous = activeCell();
    if (previous) {
      previous.tabIndex = -1;
      previous.parentNode.setAttribute("aria-selected", "false");
    }
    active.id = id;
    active.col = Math.max(0, Math.min(COLUMNS.length - 1, col));
    var index = rowIndex(id);
    if (index >= 0 && (index < windowStart || index >= windowEnd)) {
      wrap.scrollTop = Math.max(0, index * rowHeight - wrap.clientHeight / 2);
      drawWindow(true);
    }
    var cell = activeCell();
    if (cell) {
      cell.tabIndex = 0;
      cell.parentNode.setAttribute("aria-selected", "true");
      cell.focus();
    }
  }

  // ---- Talking to the API ----------------------------------------------------------------------

  function store(answer) {
    var body = answer.json;
    tasks.set(body.id, { id: body.id, position: body.position, version: body.version, data: body.data });
  }

  function refreshSchedule() {
    return Waymark.api("GET", base + "/schedule").then(function (answer) {
      if (answer.ok && answer.json) {
        setSchedule(answer.json.tasks);
        problems = [];
      } else {
        setSchedule(null);
        var error = answer.json && answer.json.error;
        problems = error && error.diagnostics && error.diagnostics.length
          ? error.diagnostics.filter(function (d) { return d.severity === "error"; }).map(function (d) { return d.message; })
          : [Waymark.problem(answer)];
      }
      render();
    });
  }

  // Someone else changed (or deleted) a task: show theirs and say so.
  function reloadTask(id) {
    return Waymark.api("GET", base + "/tasks/" + encodeURIComponent(id)).then(function (answer) {
      if (answer.ok) store(answer);
      else if (answer.status === 404) tasks.delete(id);
      render();
      Waymark.announce("Someone else changed “" + nameOf(id) + "” in the meantime; the table now shows their version. Make your change again if it is still needed.", "bad");
    });
  }

  // Every task again, page by page (after a failure half-way through a change of several tasks).
  function reloadAll() {
    var fresh = new Map();
    function page(after) {
      var query = "?limit=500" + (after ? "&after=" + encodeURIComponent(after) : "");
      return Waymark.api("GET", base + "/tasks" + query).then(function (answer) {
        if (!answer.ok) return;
        answer.json.items.forEach(function (task) {
          fresh.set(task.id, { id: task.id, position: task.position, version: task.version, data: task.data });
        });
        if (answer.json.next) return page(answer.json.next);
        tasks = fresh;
      });
    }
    return page(null).then(refreshSchedule);
  }

  // The messages of a refused write, those about `id`'s `field` first.
  function messagesFor(answer, id, field) {
    if (answer.status === 412) return ["Someone else changed this task in the meantime."];
    var error = answer.json && answer.json.error;
    if (error && error.diagnostics && error.diagnostics.length) {
      var mine = error.diagnostics.filter(function (d) { return d.id === id && d.field === field; });
      var rest = error.diagnostics.filter(function (d) { return mine.indexOf(d) < 0; });
      return mine.concat(rest).map(function (d) { return d.message + (d.help ? " (" + d.help + ")" : ""); });
    }
    return [Waymark.problem(answer)];
  }

  // Runs one change at a time: a change asked for while another is under way waits for it.
  var queue = Promise.resolve();
  function exclusive(work) {
    queue = queue.then(function () {
      busy = true;
      table.setAttribute("aria-busy", "true");
      return Promise.resolve().then(work).catch(function () {
        Waymark.announce("Something went wrong; the table was reloaded.", "bad");
        return reloadAll();
      }).then(function () {
        busy = false;
        table.removeAttribute("aria-busy");
      });
    });
    return queue;
  }

  // ---- Editing cells ---------------------------------------------------------------------------

  function startEdit(id, col) {
    if (editing || busy) return;
    var index = rowIndex(id);
    if (index < 0 || !editable(rows[index], col)) return;
    focusCell(id, col);
    var cell = activeCell();
    var column = COLUMNS[col];
    var inputId = "edit-" + column.key;
    cell.textContent = "";
    var label = element("label", "visually-hidden", column.label + " of " + nameOf(id));
    label.htmlFor = inputId;
    var input = element("input");
    input.type = "text";
    input.id = inputId;
    input.maxLength = 2000;
    input.autocomplete = "off";
    input.value = editText(id, column.key);
    if (HINTS[column.key]) input.placeholder = HINTS[column.key];
    var error = element("span", "field-error");
    error.id = inputId + "-error";
    error.setAttribute("role", "alert");
    cell.appendChild(label);
    cell.appendChild(input);
    cell.appendChild(error);
    cell.classList.add("editing");
    editing = { id: id, col: col, cell: cell, input: input, error: error, original: input.value, committing: false };
    input.addEventListener("keydown", onEditorKey);
    input.addEventListener("blur", function () {
      // Leaving the editor saves it, unless it is being saved or was not changed.
      if (editing && editing.input === input && !editing.committing) {
        if (input.value === editing.original) cancelEdit(false);
        else commit(null);
      }
    });
    input.focus();
    input.select();
  }

  function endEdit(refocus) {
    var was = editing;
    editing = null;
    render();
    if (refocus && was) focusCell(was.id, was.col);
  }

  function cancelEdit(refocus) { endEdit(refocus); }

  function showError(messages) {
    if (!editing) return;
    editing.error.textContent = messages.join(" ");
    editing.input.setAttribute("aria-invalid", "true");
    editing.input.setAttribute("aria-describedby", editing.error.id);
    editing.input.focus();
  }

  // Saves the editor with a PATCH; `then` runs after a successful save (Tab moves on).
  function commit(then) {
    var edit = editing;
    if (!edit || edit.committing) return;
    var key = COLUMNS[edit.col].key;
    if (edit.input.value === edit.original) {
      endEdit(true);
      if (then) then();
      return;
    }
    var parsed = parse(key, edit.input.value);
    if (parsed.error) { showError([parsed.error]); return; }
    var task = tasks.get(edit.id);
    var patch = {};
    patch[key] = parsed.value;
    edit.committing = true;
    edit.input.setAttribute("aria-busy", "true");
    Waymark.api("PATCH", base + "/tasks/" + encodeURIComponent(edit.id), { body: patch, version: task.version })
      .then(function (answer) {
        edit.committing = false;
        edit.input.removeAttribute("aria-busy");
        if (answer.ok) {
          store(answer);
          endEdit(true);
          if (then) then();
          return refreshSchedule();
        }
        if (answer.status === 412) {
          editing = null;
          return reloadTask(edit.id).then(function () { focusCell(edit.id, edit.col); });
        }
        showError(messagesFor(answer, edit.id, key));
      });
  }

  function onEditorKey(event) {
    if (!editing) return;
    if (event.key === "Enter") {
      event.preventDefault();
      commit(null);
    } else if (event.key === "Escape") {
      event.preventDefault();
      cancelEdit(true);
    } else if (event.key === "Tab") {
      event.preventDefault();
      var from = { id: editing.id, col: editing.col };
      var step = event.shiftKey ? -1 : 1;
      commit(function () { moveAcross(from.id, from.col, step); });
    }
    event.stopPropagation();
  }

  // The next cell across, wrapping to the next (or previous) row.
  function moveAcross(id, col, step) {
    var index = rowIndex(id);
    col += step;
    if (col >= COLUMNS.length) { col = 0; index++; }
    if (col < 0) { col = COLUMNS.length - 1; index--; }
    if (index >= 0 && index < rows.length) focusCell(rows[index].id, col);
  }

  // ---- Changing the tree (managers) ------------------------------------------------------------

  function siblingsOf(id) { return kids(parentOf(tasks.get(id))); }

  // A position strictly between two (either may be missing), or null when there is no room.
  function between(low, high) {
    if (low === undefined && high === undefined) return STEP;
    if (high === undefined) return low + STEP;
    if (low === undefined) return high - STEP;
    return high - low >= 2 ? Math.floor((low + high) / 2) : null;
  }

  function put(id, changes, position) {
    var task = tasks.get(id);
    var body = { data: Object.assign({}, task.data, changes) };
    Object.keys(changes).forEach(function (key) { if (changes[key] === null) delete body.data[key]; });
    if (position !== undefined && position !== null) body.position = position;
    return Waymark.api("PUT", base + "/tasks/" + encodeURIComponent(id), { body: body, version: task.version });
  }

  // Answers a refused change: a stale task is reloaded, anything else is said.
  function refused(answer, id) {
    if (answer.status === 412) return reloadTask(id);
    Waymark.announce(messagesFor(answer, id, null).join(" "), "bad");
  }

  // Makes room in a sibling list before `index` by moving that sibling and the ones after it
  // further down the order (their relative order stays).
  function makeRoom(siblings, index) {
    var chain = Promise.resolve(true);
    siblings.slice(index).forEach(function (id) {
      chain = chain.then(function (ok) {
        if (!ok) return false;
        return put(id, {}, tasks.get(id).position + 2 * STEP).then(function (answer) {
          if (answer.ok) { store(answer); return true; }
          refused(answer, id);
          return false;
        });
      });
    });
    return chain;
  }

  // A position after sibling `index` (before the next one), making room when needed.
  function positionAfter(siblings, index) {
    var position = function () {
      var next = siblings[index + 1];
      return between(tasks.get(siblings[index]).position, next === undefined ? undefined : tasks.get(next).position);
    };
    var found = position();
    if (found !== null) return Promise.resolve(found);
    return makeRoom(siblings, index + 1).then(function (ok) { return ok ? position() : null; });
  }

  function freshId() {
    var n = tasks.size + 1;
    while (tasks.has("task-" + n)) n++;
    return "task-" + n;
  }

  function addTask(mode) {
    return exclusive(function () {
      var selected = active.id !== null && tasks.has(active.id) ? active.id : null;
      if (mode !== "end" && !selected) mode = "end";
      var id = freshId();
      var fields = { name: "New task", duration: "1d" };
      var where;
      if (mode === "end") {
        where = Promise.resolve(null);
      } else if (mode === "child") {
        fields.parent = selected;
        collapsed.delete(selected);
        var last = kids(selected)[kids(selected).length - 1];
        where = Promise.resolve(last === undefined ? null : tasks.get(last).position + STEP);
      } else {
        var parent = parentOf(tasks.get(selected));
        if (parent) fields.parent = parent;
        var siblings = siblingsOf(selected);
        where = positionAfter(siblings, siblings.indexOf(selected));
      }
      return where.then(function (position) {
        var body = { id: id, data: fields };
        if (position !== null) body.position = position;
        return Waymark.api("POST", base + "/tasks", { body: body });
      }).then(function (answer) {
        if (!answer.ok) { refused(answer, id); return; }
        store(answer);
        render();
        return refreshSchedule().then(function () {
          Waymark.announce("Added “New task”. Type its name and press Enter.");
          busy = false;
          startEdit(id, 1);
        });
      });
    });
  }

  function indent(id) {
    return exclusive(function () {
      var siblings = siblingsOf(id);
      var index = siblings.indexOf(id);
      if (index <= 0) { Waymark.announce("There is no task above at the same level to indent under."); return; }
      var parent = siblings[index - 1];
      var position = tasks.get(id).position;
      kids(parent).forEach(function (child) {
        position = Math.max(position, tasks.get(child).position + STEP);
      });
      collapsed.delete(parent);
      return put(id, { parent: parent }, position).then(function (answer) {
        if (!answer.ok) return refused(answer, id);
        store(answer);
        render();
        focusCell(id, active.col);
        Waymark.announce("“" + nameOf(id) + "” is now a subtask of “" + nameOf(parent) + "”.");
        return refreshSchedule();
      });
    });
  }

  // Outdent as in Microsoft Project: the task moves up a level, right after its parent, and
  // the tasks that followed it under that parent become its subtasks, so every row keeps its
  // place in the outline.
  function outdent(id) {
    return exclusive(function () {
      var parent = parentOf(tasks.get(id));
      if (!parent) { Waymark.announce("“" + nameOf(id) + "” is already at the top level."); return; }
      var grandparent = parentOf(tasks.get(parent));
      var under = kids(parent);
      var followers = under.slice(under.indexOf(id) + 1);
      var siblings = kids(grandparent);
      return positionAfter(siblings, siblings.indexOf(parent)).then(function (position) {
        if (position === null) return;
        return put(id, { parent: grandparent || null }, position).then(function (answer) {
          if (!answer.ok) return refused(answer, id);
          store(answer);
          render();
          // The followers go after the task's own subtasks, in their order.
          var last = -Infinity;
          kids(id).forEach(function (child) { last = Math.max(last, tasks.get(child).position); });
          var chain = Promise.resolve(true);
          followers.forEach(function (follower) {
            chain = chain.then(function (ok) {
              if (!ok) return false;
              var current = tasks.get(follower).position;
              var place = current > last ? undefined : last + STEP;
              last = place === undefined ? current : place;
              return put(follower, { parent: id }, place).then(function (moved) {
                if (!moved.ok) { refused(moved, follower); return false; }
                store(moved);
                return true;
              });
            });
          });
          return chain.then(function (ok) {
            render();
            focusCell(id, active.col);
            var more = followers.length === 1 ? "; the task after it is now its subtask"
              : followers.length > 1 ? "; the " + followers.length + " tasks after it are now its subtasks" : "";
            if (ok) Waymark.announce("“" + nameOf(id) + "” moved out of “" + nameOf(parent) + "”" + more + ".");
            return refreshSchedule();
          });
        });
      });
    });
  }

  function move(id, step) {
    return exclusive(function () {
      var siblings = siblingsOf(id);
      var index = siblings.indexOf(id);
      var target = index + step;
      if (target < 0 || target >= siblings.length) {
        Waymark.announce("“" + nameOf(id) + "” is already " + (step < 0 ? "first" : "last") + " at its level.");
        return;
      }
      // Without the task itself, the new place is after sibling `after` (-1: first).
      var others = siblings.filter(function (other) { return other !== id; });
      var after = target - 1;
      var where = after < 0
        ? Promise.resolve(between(undefined, tasks.get(others[0]).position))
        : positionAfter(others, after);
      return where.then(function (position) {
        if (position === null) return;
        return put(id, {}, position).then(function (answer) {
          if (!answer.ok) return refused(answer, id);
          store(answer);
          render();
          focusCell(id, active.col);
          Waymark.announce("Moved “" + nameOf(id) + "” " + (step < 0 ? "up" : "down") + ".");
          return refreshSchedule();
        });
      });
    });
  }

  // The predecessor id of a link text (`kickoff SS+2d` -> `kickoff`); ids never hold `+`.
  function linkTarget(text) {
    return String(text).trim().split(/\s+/)[0].split("+")[0];
  }

  function deleteTask(id) {
    return exclusive(function () {
      var doomed = subtree(id);
      var gone = new Set(doomed);
      var name = nameOf(id);
      // A summary whose last subtask goes would be a task without a duration: say so instead.
      var parent = parentOf(tasks.get(id));
      if (parent && kids(parent).length === 1) {
        var fields = tasks.get(parent).data;
        if (!("duration" in fields) && !("estimate" in fields) && fields.milestone !== true) {
          Waymark.announce("“" + name + "” is the last subtask of “" + nameOf(parent) + "”, which has no duration of its own and would be left without one: add another subtask to “" + nameOf(parent) + "” first, or delete “" + nameOf(parent) + "” with its subtasks.", "bad");
          return;
        }
      }
      var record = {
        tasks: doomed.map(function (each) {
          var task = tasks.get(each);
          return { id: each, position: task.position, data: task.data };
        }),
        links: [],
        risks: [],
      };
      // First the risks and the links that point at a deleted task, so the plan stays valid...
      var chain = allRisks().then(function (risks) {
        var inner = Promise.resolve(true);
        risks.forEach(function (risk) {
          var listed = list(risk.data.tasks);
          var kept = listed.filter(function (task) { return !gone.has(task); });
          if (kept.length === listed.length) return;
          inner = inner.then(function (ok) {
            if (!ok) return false;
            return Waymark.api("PATCH", base + "/risks/" + encodeURIComponent(risk.id), {
              body: { tasks: kept.length ? kept : null },
              version: risk.version,
            }).then(function (answer) {
              if (!answer.ok) { Waymark.announce(Waymark.problem(answer), "bad"); return false; }
              record.risks.push({ id: risk.id, tasks: risk.data.tasks, version: answer.json.version });
              return true;
            });
          });
        });
        return inner;
      });
      tasks.forEach(function (task, other) {
        if (gone.has(other)) return;
        var after = list(task.data.after);
        var kept = after.filter(function (link) { return !gone.has(linkTarget(link)); });
        if (kept.length === after.length) return;
        chain = chain.then(function (ok) {
          if (!ok) return false;
          var patch = { after: kept.length ? kept : null };
          return Waymark.api("PATCH", base + "/tasks/" + encodeURIComponent(other), { body: patch, version: task.version })
            .then(function (answer) {
              if (!answer.ok) { refused(answer, other); return false; }
              store(answer);
              record.links.push({ id: other, after: task.data.after });
              return true;
            });
        });
      });
      // ...then the tasks, subtasks first.
      doomed.slice().reverse().forEach(function (each) {
        chain = chain.then(function (ok) {
          if (!ok) return false;
          return Waymark.api("DELETE", base + "/tasks/" + encodeURIComponent(each), { version: tasks.get(each).version })
            .then(function (answer) {
              if (!answer.ok) { refused(answer, each); return false; }
              tasks.delete(each);
              return true;
            });
        });
      });
      var index = rowIndex(id);
      return chain.then(function (ok) {
        if (!ok) return reloadAll();
        render();
        var next = rows[Math.min(index, rows.length - 1)];
        if (next) focusCell(next.id, active.col);
        offerUndo(record, name, doomed.length - 1);
        return refreshSchedule();
      });
    });
  }

  // Every risk of the project (their `tasks` name the tasks they affect), or [] when they cannot
  // be read.
  function allRisks() {
    var found = [];
    function page(after) {
      var query = "?limit=500" + (after ? "&after=" + encodeURIComponent(after) : "");
      return Waymark.api("GET", base + "/risks" + query).then(function (answer) {
        if (!answer.ok || !answer.json) return found;
        found = found.concat(answer.json.items);
        return answer.json.next ? page(answer.json.next) : found;
      });
    }
    return page(null);
  }

  function offerUndo(record, name, subtasks) {
    undo = record;
    var bar = document.getElementById("undo-bar");
    bar.textContent = "";
    var count = function (n, one, many) { return n + " " + (n === 1 ? one : many); };
    var also = [];
    if (record.links.length) also.push(count(record.links.length, "link", "links"));
    if (record.risks.length) also.push(count(record.risks.length, "risk's reference", "risks' references"));
    var text = "Deleted “" + name + "”" + (subtasks ? " and " + count(subtasks, "subtask", "subtasks") : "") +
      (also.length ? " (removed " + also.join(" and ") + " to it)" : "") + " — ";
    bar.appendChild(element("span", "", text));
    var button = element("button", "", "Undo");
    button.type = "button";
    button.setAttribute("data-action", "undo");
    bar.appendChild(button);
    bar.classList.add("shown");
  }

  function clearUndo() {
    undo = null;
    var bar = document.getElementById("undo-bar");
    bar.textContent = "";
    bar.classList.remove("shown");
  }

  function undoDelete() {
    var record = undo;
    if (!record) return;
    clearUndo();
    return exclusive(function () {
      // Parents come back before their subtasks. Until its subtasks are back, a summary without a
      // duration would be a task without one (which the API refuses), so it comes back with a
      // stand-in duration that is removed afterwards; a link to a task of the deleted subtree
      // that is not back yet is likewise left out at first and put back at the end.
      var restoring = new Set(record.tasks.map(function (task) { return task.id; }));
      var parents = new Set(record.tasks.map(function (task) { return task.data.parent; }));
      var back = new Set();
      var later = new Map(); // id -> the merge patch that finishes it
      record.links.forEach(function (link) {
        later.set(link.id, { after: link.after === undefined ? null : link.after });
      });
      var chain = Promise.resolve(true);
      record.tasks.forEach(function (task) {
        chain = chain.then(function (ok) {
          if (!ok) return false;
          var fields = Object.assign({}, task.data);
          var finish = {};
          var after = list(task.data.after);
          var now = after.filter(function (link) {
            var target = linkTarget(link);
            return !restoring.has(target) || back.has(target);
          });
          if (now.length !== after.length) {
            if (now.length) fields.after = now; else delete fields.after;
            finish.after = task.data.after;
          }
          var timed = "duration" in fields || "estimate" in fields || fields.milestone === true;
          if (parents.has(task.id) && !timed) {
            fields.duration = "1d";
            finish.duration = null;
          }
          if (Object.keys(finish).length) later.set(task.id, finish);
          return Waymark.api("POST", base + "/tasks", { body: { id: task.id, data: fields, position: task.position } })
            .then(function (answer) {
              if (!answer.ok) { refused(answer, task.id); return false; }
              store(answer);
              back.add(task.id);
              return true;
            });
        });
      });
      // `later` is complete once every task is back.
      chain = chain.then(function (ok) {
        var finishing = Promise.resolve(ok);
        later.forEach(function (patch, id) {
          finishing = finishing.then(function (ok) {
            if (!ok || !tasks.has(id)) return ok;
            return Waymark.api("PATCH", base + "/tasks/" + encodeURIComponent(id), {
              body: patch,
              version: tasks.get(id).version,
            }).then(function (answer) {
              if (!answer.ok) { refused(answer, id); return false; }
              store(answer);
              return true;
            });
          });
        });
        // And the risks get their tasks back.
        record.risks.forEach(function (risk) {
          finishing = finishing.then(function (ok) {
            if (!ok) return false;
            return Waymark.api("PATCH", base + "/risks/" + encodeURIComponent(risk.id), {
              body: { tasks: risk.tasks === undefined ? null : risk.tasks },
              version: risk.version,
            }).then(function (answer) {
              if (!answer.ok) { Waymark.announce(Waymark.problem(answer), "bad"); return false; }
              return true;
            });
          });
        });
        return finishing;
      });
      return chain.then(function (ok) {
        if (!ok) return reloadAll();
        render();
        focusCell(record.tasks[0].id, 1);
        Waymark.announce("Restored “" + nameOf(record.tasks[0].id) + "”.");
        return refreshSchedule();
      });
    });
  }

  // ---- Events ----------------------------------------------------------------------------------

  function toggle(id, open) {
    if (open === undefined) open = collapsed.has(id);
    if (open) collapsed.delete(id); else collapsed.add(id);
    render();
    focusCell(id, active.col);
  }

  function act(action) {
    var id = active.id !== null && tasks.has(active.id) ? active.id : null;
    if (action === "expand-all") { collapsed.clear(); render(); return; }
    if (action === "collapse-all") {
      tasks.forEach(function (task, each) { if (kids(each).length) collapsed.add(each); });
      render();
      return;
    }
    if (action === "undo") { undoDelete(); return; }
    if (!canEdit) return;
    if (action === "add-end") { addTask("end"); return; }
    if (!id) { Waymark.announce("Select a task in the table first."); return; }
    if (action === "add-below") addTask("below");
    else if (action === "add-child") addTask("child");
    else if (action === "indent") indent(id);
    else if (action === "outdent") outdent(id);
    else if (action === "up") move(id, -1);
    else if (action === "down") move(id, 1);
    else if (action === "delete") deleteTask(id);
  }

  var scrolling = false;
  wrap.addEventListener("scroll", function () {
    if (scrolling || editing) return;
    scrolling = true;
    window.requestAnimationFrame(function () {
      scrolling = false;
      if (!editing) drawWindow(false);
    });
  });
  window.addEventListener("resize", function () { if (!editing) drawWindow(false); });

  // A cell focused by Tab or a click becomes the active one.
  tbody.addEventListener("focusin", function (event) {
    var cell = event.target.closest("td[data-col]");
    if (!cell || editing) return;
    var id = cell.parentNode.getAttribute("data-id");
    var col = Number(cell.getAttribute("data-col"));
    if (id !== active.id || col !== active.col) focusCell(id, col);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (button) act(button.getAttribute("data-action"));
  });

  tbody.addEventListener("click", function (event) {
    var toggleButton = event.target.closest("button[data-toggle]");
    if (toggleButton) { toggle(toggleButton.getAttribute("data-toggle")); return; }
    var cell = event.target.closest("td[data-col]");
    if (cell && !editing) focusCell(cell.parentNode.getAttribute("data-id"), Number(cell.getAttribute("data-col")));
  });

  tbody.addEventListener("dblclick", function (event) {
    var cell = event.target.closest("td[data-col]");
    if (cell && !editing) startEdit(cell.parentNode.getAttribute("data-id"), Number(cell.getAttribute("data-col")));
  });

  tbody.addEventListener("keydown", function (event) {
    if (editing || active.id === null) return;
    var index = rowIndex(active.id);
    var id = active.id;
    var row = rows[index];
    if (event.altKey && event.shiftKey) {
      var handled = true;
      if (event.code === "ArrowRight" && canEdit) indent(id);
      else if (event.code === "ArrowLeft" && canEdit) outdent(id);
      else if (event.code === "ArrowUp" && canEdit) move(id, -1);
      else if (event.code === "ArrowDown" && canEdit) move(id, 1);
      else if (event.code === "Minus" && row && row.summary) toggle(id, false);
      else if ((event.code === "Equal" || event.code === "NumpadAdd") && row && row.summary) toggle(id, true);
      else handled = false;
      if (handled) event.preventDefault();
      return;
    }
    var target = null;
    switch (event.key) {
      case "ArrowDown": target = [index + 1, active.col]; break;
      case "ArrowUp": target = [index - 1, active.col]; break;
      case "ArrowRight": target = [index, active.col + 1]; break;
      case "ArrowLeft": target = [index, active.col - 1]; break;
      case "PageDown": target = [index + 10, active.col]; break;
      case "PageUp": target = [index - 10, active.col]; break;
      case "Home": target = event.ctrlKey ? [0, active.col] : [index, 0]; break;
      case "End": target = event.ctrlKey ? [rows.length - 1, active.col] : [index, COLUMNS.length - 1]; break;
      case "Enter": case "F2":
        event.preventDefault();
        startEdit(id, active.col);
        return;
      case "Insert":
        if (canEdit) { event.preventDefault(); addTask("below"); }
        return;
      case "Delete":
        if (canEdit) { event.preventDefault(); deleteTask(id); }
        return;
      default:
        // Typing on an editable cell starts editing it with what was typed, as in a spreadsheet.
        if (event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey && row && editable(row, active.col)) {
          event.preventDefault();
          startEdit(id, active.col);
          if (editing) editing.input.value = event.key;
        }
        return;
    }
    event.preventDefault();
    var to = Math.max(0, Math.min(rows.length - 1, target[0]));
    focusCell(rows[to].id, target[1]);
  });

  // A big project opens with its top-level summaries expanded and the ones below collapsed, so
  // the table starts small; "Expand all" shows every task.
  if (tasks.size > 300) {
    buildTree();
    kids("").forEach(function (top) {
      kids(top).forEach(function (id) { if (kids(id).length) collapsed.add(id); });
    });
  }
  render();
})();

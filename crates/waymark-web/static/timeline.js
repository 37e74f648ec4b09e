// The timeline page: an interactive Gantt chart drawn from the JSON island `timeline-data`
// (the schedule view's document, each task's stored version, the project calendar's working
// minutes per day). Managers move a task by dragging its bar (a start-no-earlier-than date),
// change its duration by dragging the bar's right end, or do both by keyboard or in a form;
// every change is one PATCH through Waymark.api (CSRF header, If-Match), after which the
// schedule is read again and the page lists what moved.
//
// Speed: only the rows in view (and a margin) are in the DOM. The chart is one SVG per band
// of rows, redrawn when scrolling leaves the band; a drag changes only a transform or a width
// attribute, never the layout, and sends one request when the bar is dropped.
"use strict";

(function () {
  const ROW = 28; // px per task row; the stylesheet's .tl-name height matches it
  const HEADER = 44; // px of the time scale
  const OVERSCAN = 20; // rows drawn beyond the visible ones on each side
  const ZOOMS = { day: 28, week: 9, month: 3 }; // px per calendar day
  const ZOOM_ORDER = ["month", "week", "day"];
  const KEY_COMMIT_DELAY = 700; // ms after the last Alt+arrow before the change is sent
  const MAX_LISTED = 40; // moved tasks listed by name
  const SVG = "http://www.w3.org/2000/svg";
  const DAY_MS = 86400000;

  const data = Waymark.data("timeline-data");
  const viewport = document.getElementById("timeline");
  if (!data || !viewport) return;

  const project = Waymark.project();
  const canDrag = viewport.getAttribute("data-can-drag") === "true";

  const state = {
    schedule: data.schedule,
    edit: data.tasks,
    calendar: data.calendar,
    tasks: [],
    index: new Map(),
    successors: new Map(),
    zoom: "week",
    px: ZOOMS.week,
    origin: 0,
    span: 0,
    band: { first: 0, last: -1 },
    moved: new Set(),
    drag: null,
    pending: null,
    undo: null,
    busy: false,
    afterDrag: false,
    pan: null,
  };

  // ---- dates ---------------------------------------------------------------------------

  // Calendar day number (days since 1970-01-01) of a "YYYY-MM-DD..." text.
  function dayOf(text) {
    return Math.round(Date.UTC(+text.slice(0, 4), +text.slice(5, 7) - 1, +text.slice(8, 10)) / DAY_MS);
  }

  // Position in days (with the time of day as a fraction) of "YYYY-MM-DDTHH:MM:SS".
  function posOf(text) {
    const minutes = text.length >= 16 ? +text.slice(11, 13) * 60 + +text.slice(14, 16) : 0;
    return dayOf(text) + minutes / 1440;
  }

  function dateText(day) {
    return new Date(day * DAY_MS).toISOString().slice(0, 10);
  }

  function todayDay() {
    const now = new Date();
    return Math.round(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()) / DAY_MS);
  }

  const calendarFirst = dayOf(state.calendar.first);
  const calendarMinutes = state.calendar.minutes;

  // The project calendar's working minutes on a day; outside the island's range the nearest
  // week of it repeats.
  function dayMinutes(day) {
    let i = day - calendarFirst;
    const n = calendarMinutes.length;
    if (n === 0) return 0;
    if (i < 0) i = ((i % 7) + 7) % 7;
    if (i >= n) i = n - 7 + (((i - (n - 7)) % 7) + 7) % 7;
    return calendarMinutes[Math.max(0, Math.min(n - 1, i))];
  }

  // Working minutes of the days from..to-1 (negative when to < from).
  function workBetween(from, to) {
    let sum = 0;
    const low = Math.min(from, to);
    const high = Math.max(from, to);
    for (let day = low; day < high && day < low + 40000; day++) sum += dayMinutes(day);
    return to >= from ? sum : -sum;
  }

  function minutesPerDay() {
    return Math.max(1, state.schedule.project.minutes_per_day || 480);
  }

  // A shift in working days, signed: "+2.5 d", "−1 d", "±0 d" (the number by Waymark.days).
  function workingDays(minutes) {
    const number = Waymark.days(Math.abs(minutes), minutesPerDay());
    const sign = number === "0" ? "±" : minutes > 0 ? "+" : "−";
    return sign + number + " d";
  }

  // A duration text of the plan format for working minutes: whole days, else hours, else minutes.
  function durationText(minutes) {
    if (minutes % minutesPerDay() === 0) return minutes / minutesPerDay() + "d";
    if (minutes % 60 === 0) return minutes / 60 + "h";
    return minutes + "m";
  }

  // ---- the model -----------------------------------------------------------------------

  function useSchedule(schedule) {
    state.schedule = schedule;
    state.tasks = schedule.tasks;
    state.index = new Map();
    state.successors = new Map();
    state.tasks.forEach((task, i) => state.index.set(task.id, i));
    for (const task of state.tasks) {
      for (const link of task.predecessors || []) {
        if (!state.successors.has(link.id)) state.successors.set(link.id, []);
        state.successors.get(link.id).push(task.id);
      }
    }
    const p = schedule.project;
    let low = posOf(p.start);
    let high = posOf(p.finish);
    for (const text of [p.status_date, p.deadline]) {
      if (text) {
        low = Math.min(low, posOf(text));
        high = Math.max(high, posOf(text));
      }
    }
    for (const task of state.tasks) {
      low = Math.min(low, posOf(task.start));
      high = Math.max(high, posOf(task.finish));
    }
    state.origin = Math.floor(low) - 7;
    state.span = Math.ceil(high) + 45 - state.origin;
  }

  function editOf(id) {
    return state.edit[id] || null;
  }

  // What a drag may do with a task: move it, resize it, or nothing.
  function movable(task) {
    const edit = editOf(task.id);
    return canDrag && !!edit && !edit.fixed && !task.summary && task.progress === 0;
  }

  function resizable(task) {
    const edit = editOf(task.id);
    return canDrag && !!edit && !edit.fixed && !task.summary && !task.milestone && task.progress < 1;
  }

  function x(pos) {
    return (pos - state.origin) * state.px;
  }

  // ---- the frame -----------------------------------------------------------------------

  viewport.textContent = "";
  const canvas = element("div", "tl-canvas");
  const corner = element("div", "tl-corner");
  corner.textContent = "Task";
  const header = element("div", "tl-header");
  const names = element("div", "tl-names");
  const body = element("div", "tl-body");
  const headerSvg = svg("svg", { class: "tl-scale", height: HEADER, "aria-hidden": "true" });
  const bandSvg = svg("svg", { class: "tl-band" });
  const tip = element("div", "tl-tip");
  tip.setAttribute("aria-hidden", "true");
  header.appendChild(headerSvg);
  body.appendChild(bandSvg);
  body.appendChild(tip);
  canvas.append(corner, header, names, body);
  viewport.appendChild(canvas);
  viewport.tabIndex = -1;

  function element(name, className) {
    const node = document.createElement(name);
    if (className) node.className = className;
    return node;
  }

  function svg(name, attributes) {
    const node = document.createElementNS(SVG, name);
    for (const key in attributes) node.setAttribute(key, attributes[key]);
    return node;
  }

  // Sizes the canvas for the tasks and the zoom, and draws the time scale.
  function layout() {
    const width = Math.ceil(state.span * state.px);
    const height = state.tasks.length * ROW;
    canvas.style.gridTemplateColumns = "var(--tl-name-width) " + width + "px";
    canvas.style.gridTemplateRows = HEADER + "px " + height + "px";
    headerSvg.setAttribute("width", width);
    body.style.setProperty("--tl-day", state.px + "px");
    // The grid's weeks start on Monday: day 0 (1970-01-01) was a Thursday.
    const monday = ((((4 - state.origin) % 7) + 7) % 7) * state.px;
    body.style.setProperty("--tl-week-offset", monday + "px");
    body.classList.toggle("tl-zoom-day", state.zoom === "day");
    body.classList.toggle("tl-zoom-week", state.zoom === "week");
    body.classList.toggle("tl-zoom-month", state.zoom === "month");
    drawScale(width);
    state.band = { first: 0, last: -1 };
    renderBand(true);
  }

  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const LONG_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];

  function drawScale(width) {
    headerSvg.textContent = "";
    const first = state.origin;
    const last = state.origin + state.span;
    const top = document.createDocumentFragment();
    const tick = (pos, y1, y2) => top.appendChild(svg("line", { x1: x(pos), x2: x(pos), y1: y1, y2: y2, class: "tl-tick" }));
    const label = (pos, y, text, className) => {
      const node = svg("text", { x: x(pos) + 3, y: y, class: className || "tl-label" });
      node.textContent = text;
      top.appendChild(node);
    };
    for (let day = first; day <= last; day++) {
      const date = new Date(day * DAY_MS);
      const dom = date.getUTCDate();
      const month = date.getUTCMonth();
      if (state.zoom === "month") {
        if (dom === 1 && month === 0) { tick(day, 0, HEADER); label(day, 16, String(date.getUTCFullYear())); }
        if (dom === 1) { tick(day, 22, HEADER); label(day, 38, MONTHS[month]); }
      } else if (state.zoom === "week") {
        if (dom === 1) { tick(day, 0, 22); label(day, 16, LONG_MONTHS[month] + " " + date.getUTCFullYear()); }
        if (date.getUTCDay() === 1) { tick(day, 22, HEADER); label(day, 38, String(dom)); }
      } else {
        if (dom === 1 || day === first) { tick(day, 0, 22); label(day, 16, LONG_MONTHS[month] + " " + date.getUTCFullYear()); }
        tick(day, 22, HEADER);
        label(day, 38, String(dom), date.getUTCDay() % 6 === 0 ? "tl-label tl-weekend" : "tl-label");
      }
    }
    top.appendChild(svg("line", { x1: 0, x2: width, y1: 22, y2: 22, class: "tl-tick" }));
    for (const mark of marks()) {
      top.appendChild(svg("path", { d: "M" + (x(mark.pos) - 5) + " " + (HEADER - 7) + " h10 l-5 7 z", class: "tl-mark-head " + mark.className }));
    }
    headerSvg.appendChild(top);
  }

  // The vertical lines: status date, today, deadline.
  function marks() {
    const p = state.schedule.project;
    const list = [];
    if (p.status_date) list.push({ pos: posOf(p.status_date), className: "tl-status", label: "Status date " + p.status_date.slice(0, 10) });
    const today = todayDay() + 0.5;
    if (today >= state.origin && today <= state.origin + state.span) list.push({ pos: today, className: "tl-today", label: "Today" });
    if (p.deadline) list.push({ pos: posOf(p.deadline), className: "tl-deadline", label: "Deadline " + p.deadline.slice(0, 10) });
    return list;
  }

  // ---- the rows in view ----------------------------------------------------------------

  function visibleRows() {
    const top = viewport.scrollTop;
    const first = Math.floor(top / ROW);
    const last = Math.floor((top + Math.max(0, viewport.clientHeight - HEADER)) / ROW);
    return { first: first, last: Math.min(state.tasks.length - 1, last) };
  }

  let frame = 0;
  viewport.addEventListener("scroll", () => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      renderBand(false);
    });
  }, { passive: true });
  window.addEventListener("resize", () => renderBand(false));

  // Draws the band of rows around the visible ones, unless the drawn band still covers them.
  function renderBand(force) {
    if (state.drag) return;
    const seen = visibleRows();
    if (!force && seen.first >= state.band.first && seen.last <= state.band.last) return;
    const first = Math.max(0, seen.first - OVERSCAN);
    const last = Math.min(state.tasks.length - 1, seen.last + OVERSCAN);
    state.band = { first: first, last: last };
    const active = document.activeElement;
    const focusedId = active && active.classList && active.classList.contains("tl-item") ? active.getAttribute("data-id") : null;
    drawNames(first, last);
    drawChart(first, last);
    if (focusedId) focusTask(focusedId, false);
  }

  function drawNames(first, last) {
    const fragment = document.createDocumentFragment();
    for (let i = first; i <= last; i++) {
      const task = state.tasks[i];
      const row = element("div", "tl-name" + (task.summary ? " tl-name-summary" : "") + (state.moved.has(task.id) ? " tl-name-moved" : ""));
      row.style.top = i * ROW + "px";
      row.style.paddingLeft = 0.5 + (Math.max(1, task.outline_level) - 1) * 0.9 + "rem";
      row.textContent = task.name;
      row.title = task.name;
      fragment.appendChild(row);
    }
    names.textContent = "";
    names.appendChild(fragment);
  }

  // Text for an SVG attribute or element written as markup.
  function escape(text) {
    return String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  }

  // The band's chart, written as one string of SVG markup and parsed once: far cheaper than
  // building hundreds of elements one by one. All arrows are one path per colour, so the
  // browser lays out a handful of elements for the links however many there are.
  function drawChart(first, last) {
    const count = last - first + 1;
    const height = Math.max(0, count) * ROW;
    const width = Math.ceil(state.span * state.px);
    bandSvg.setAttribute("width", width);
    bandSvg.setAttribute("height", height);
    bandSvg.style.transform = "translateY(" + first * ROW + "px)";
    const parts = [];
    for (const mark of marks()) {
      parts.push('<line class="tl-mark ' + mark.className + '" x1="' + x(mark.pos) + '" x2="' + x(mark.pos) + '" y1="0" y2="' + height + '"/>');
    }
    const links = { plain: [], critical: [], plainHeads: [], criticalHeads: [] };
    const drawn = new Set();
    for (let i = first; i <= last; i++) {
      const task = state.tasks[i];
      for (const link of task.predecessors || []) drawLink(links, drawn, link.id, task.id, link.type, first);
      for (const successor of state.successors.get(task.id) || []) {
        const target = state.tasks[state.index.get(successor)];
        for (const link of target.predecessors || []) {
          if (link.id === task.id) drawLink(links, drawn, task.id, successor, link.type, first);
        }
      }
    }
    parts.push('<path class="tl-link" d="' + links.plain.join("") + '"/>');
    parts.push('<path class="tl-link tl-link-critical" d="' + links.critical.join("") + '"/>');
    parts.push('<path class="tl-arrow" d="' + links.plainHeads.join("") + '"/>');
    parts.push('<path class="tl-arrow tl-arrow-critical" d="' + links.criticalHeads.join("") + '"/>');
    for (let i = first; i <= last; i++) parts.push(drawTask(state.tasks[i], (i - first) * ROW));
    bandSvg.innerHTML = parts.join("");
  }

  function label(task) {
    const parts = [task.name + ": " + task.start.slice(0, 10) + (task.milestone ? "" : " to " + task.finish.slice(0, 10))];
    if (task.milestone) parts.push("milestone");
    if (task.summary) parts.push("summary");
    if (task.critical) parts.push("critical");
    if (task.progress > 0) parts.push(Math.round(task.progress * 100) + " % done");
    if (state.moved.has(task.id)) parts.push("moved");
    return parts.join(", ");
  }

  // One task's bar (a diamond for a milestone, a bracket for a summary) as SVG markup.
  function drawTask(task, y) {
    const x1 = x(posOf(task.start));
    const x2 = Math.max(x1 + 1, x(posOf(task.finish)));
    const move = movable(task);
    const resize = resizable(task);
    const classes = ["tl-item"];
    if (task.critical) classes.push("tl-critical");
    if (state.moved.has(task.id)) classes.push("tl-moved");
    if (move) classes.push("tl-movable");
    let shape;
    if (task.milestone) {
      const cx = x(posOf(task.finish));
      const cy = y + ROW / 2;
      classes.push("tl-milestone");
      shape = '<path class="tl-diamond" d="M' + cx + " " + (cy - 8) + ' l8 8 l-8 8 l-8 -8 z"/>';
    } else if (task.summary) {
      classes.push("tl-summary");
      shape = '<path class="tl-summary-bar" d="M' + x1 + " " + (y + 8) + " H" + x2 + " v10 l-5 -4 H" + (x1 + 5) + ' l-5 4 z"/>';
    } else {
      classes.push("tl-task");
      shape = '<rect class="tl-bar" x="' + x1 + '" y="' + (y + 6) + '" width="' + (x2 - x1) + '" height="' + (ROW - 12) + '" rx="3"/>';
      if (task.progress > 0) {
        shape += '<rect class="tl-done" x="' + x1 + '" y="' + (y + 11) + '" width="' + (x2 - x1) * Math.min(1, task.progress) + '" height="' + (ROW - 22) + '"/>';
      }
      if (resize) {
        shape += '<rect class="tl-handle" x="' + (x2 - 4) + '" y="' + (y + 4) + '" width="10" height="' + (ROW - 8) + '"/>';
      }
    }
    return '<g class="' + classes.join(" ") + '" data-id="' + escape(task.id) + '" tabindex="0" role="' +
      (move || resize ? 'button" aria-describedby="tl-hint' : "img") + '" aria-label="' + escape(label(task)) + '">' + shape + "</g>";
  }

  // One dependency arrow, from the predecessor's start or finish to the successor's, added to
  // the band's arrow paths.
  function drawLink(links, drawn, fromId, toId, type, first) {
    const key = fromId + ">" + toId + ">" + type;
    if (drawn.has(key)) return;
    drawn.add(key);
    const from = state.tasks[state.index.get(fromId)];
    const to = state.tasks[state.index.get(toId)];
    if (!from || !to) return;
    const fromFinish = type === "FS" || type === "FF";
    const toStart = type === "FS" || type === "SS";
    const xa = x(posOf(fromFinish ? from.finish : from.start));
    const xb = x(posOf(toStart ? to.start : to.finish));
    const ya = (state.index.get(fromId) - first) * ROW + ROW / 2;
    const yb = (state.index.get(toId) - first) * ROW + ROW / 2;
    const out = fromFinish ? xa + 6 : xa - 6;
    const into = toStart ? xb - 6 : xb + 6;
    const start = "M" + xa + " " + ya + " H";
    let d;
    let last;
    if (toStart && into >= out) { d = start + out + " V" + yb + " H" + xb; last = out; }
    else if (!toStart && fromFinish) { last = Math.max(out, into); d = start + last + " V" + yb + " H" + xb; }
    else if (!toStart && into <= out) { d = start + into + " V" + yb + " H" + xb; last = into; }
    else {
      const between = yb + (yb > ya ? -ROW / 2 : ROW / 2);
      d = start + out + " V" + between + " H" + into + " V" + yb + " H" + xb;
      last = into;
    }
    const critical = from.critical && to.critical;
    // The head points the way the last segment runs.
    const head = last <= xb ? "M" + xb + " " + yb + " l-6 -3.5 v7 z" : "M" + xb + " " + yb + " l6 -3.5 v7 z";
    (critical ? links.critical : links.plain).push(d);
    (critical ? links.criticalHeads : links.plainHeads).push(head);
  }

  // ---- focus and scrolling -------------------------------------------------------------

  function itemOf(id) {
    return bandSvg.querySelector('.tl-item[data-id="' + CSS.escape(id) + '"]');
  }

  // Scrolls a task's row (and, when asked, its bar) into view and focuses its bar.
  function focusTask(id, reveal) {
    const i = state.index.get(id);
    if (i === undefined) return;
    if (reveal) {
      const top = i * ROW;
      const visible = viewport.clientHeight - HEADER;
      if (top < viewport.scrollTop) viewport.scrollTop = top;
      else if (top + ROW > viewport.scrollTop + visible) viewport.scrollTop = top + ROW - visible;
      const task = state.tasks[i];
      const left = x(posOf(task.start));
      const nameWidth = names.getBoundingClientRect().width;
      const chartWidth = viewport.clientWidth - nameWidth;
      if (left < viewport.scrollLeft || left > viewport.scrollLeft + chartWidth - 40) {
        viewport.scrollLeft = Math.max(0, left - chartWidth / 3);
      }
      renderBand(false);
    }
    const item = itemOf(id);
    if (item) item.focus({ preventScroll: true });
  }

  function scrollToDay(day) {
    const nameWidth = names.getBoundingClientRect().width;
    viewport.scrollLeft = Math.max(0, x(day) - (viewport.clientWidth - nameWidth) / 3);
  }

  // ---- zoom ----------------------------------------------------------------------------

  const zoomButtons = Array.from(document.querySelectorAll("[data-zoom]"));

  function setZoom(zoom) {
    if (!ZOOMS[zoom] || zoom === state.zoom) return;
    const nameWidth = names.getBoundingClientRect().width;
    const center = state.origin + (viewport.scrollLeft + (viewport.clientWidth - nameWidth) / 2) / state.px;
    state.zoom = zoom;
    state.px = ZOOMS[zoom];
    for (const button of zoomButtons) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-zoom") === zoom));
    }
    layout();
    viewport.scrollLeft = Math.max(0, x(center) - (viewport.clientWidth - nameWidth) / 2);
    renderBand(true);
  }

  function zoomBy(step) {
    const i = ZOOM_ORDER.indexOf(state.zoom) + step;
    if (i >= 0 && i < ZOOM_ORDER.length) setZoom(ZOOM_ORDER[i]);
  }

  for (const button of zoomButtons) {
    button.addEventListener("click", () => setZoom(button.getAttribute("data-zoom")));
  }

  const todayButton = document.getElementById("tl-today");
  if (todayButton) {
    todayButton.addEventListener("click", () => {
      const today = todayDay();
      if (today < state.origin || today > state.origin + state.span) {
        Waymark.announce("Today (" + dateText(today) + ") is outside this project's timeline.");
        return;
      }
      scrollToDay(today);
    });
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target && (target.closest("input, textarea, select, dialog") || target.isContentEditable)) return;
    if (event.key === "+" || event.key === "=") { zoomBy(1); event.preventDefault(); }
    else if (event.key === "-" || event.key === "_") { zoomBy(-1); event.preventDefault(); }
  });

  // ---- dragging ------------------------------------------------------------------------

  // On a touch screen the chart scrolls vertically as usual (`touch-action: pan-y` on the
  // band); a sideways swipe on a bar drags it, and one anywhere else pans the chart, which this
  // does by hand.
  function startPan(event) {
    if (event.pointerType !== "touch") return;
    bandSvg.setPointerCapture(event.pointerId);
    state.pan = { id: event.pointerId, x: event.clientX, scroll: viewport.scrollLeft };
  }

  bandSvg.addEventListener("pointerdown", (event) => {
    state.afterDrag = false;
    if (event.button !== 0) return;
    const item = canDrag ? event.target.closest(".tl-item") : null;
    const task = item ? state.tasks[state.index.get(item.getAttribute("data-id"))] : null;
    if (!task) return startPan(event);
    const resize = event.target.classList.contains("tl-handle") && resizable(task);
    if (!resize && !movable(task)) return startPan(event);
    event.preventDefault();
    item.focus({ preventScroll: true });
    item.setPointerCapture(event.pointerId);
    state.drag = {
      task: task,
      item: item,
      mode: resize ? "resize" : "move",
      x: event.clientX,
      scroll: viewport.scrollLeft,
      days: 0,
      moved: false,
      bar: item.querySelector(".tl-bar"),
      handle: item.querySelector(".tl-handle"),
      width: item.querySelector(".tl-bar") ? +item.querySelector(".tl-bar").getAttribute("width") : 0,
      handleX: item.querySelector(".tl-handle") ? +item.querySelector(".tl-handle").getAttribute("x") : 0,
    };
    item.classList.add("tl-dragging");
  });

  bandSvg.addEventListener("pointermove", (event) => {
    const pan = state.pan;
    if (pan && pan.id === event.pointerId) {
      viewport.scrollLeft = pan.scroll - (event.clientX - pan.x);
      return;
    }
    if (!state.drag) return;
    dragTo(event.clientX);
    scrollAtEdge(event.clientX);
  });

  function endPan(event) {
    if (!state.pan || state.pan.id !== event.pointerId) return;
    state.pan = null;
    if (bandSvg.hasPointerCapture(event.pointerId)) bandSvg.releasePointerCapture(event.pointerId);
  }
  bandSvg.addEventListener("pointerup", endPan);
  bandSvg.addEventListener("pointercancel", endPan);

  // Moves the dragged bar (or its end) to the pointer at `clientX`, counting the chart's
  // scrolling since the drag began.
  function dragTo(clientX) {
    const drag = state.drag;
    if (!drag) return;
    drag.lastX = clientX;
    const dx = clientX - drag.x + viewport.scrollLeft - drag.scroll;
    if (Math.abs(dx) > 3) drag.moved = true;
    const days = Math.round(dx / state.px);
    if (days === drag.days) return;
    drag.days = days;
    preview(drag.task, drag.item, drag.mode, days, drag);
  }

  // A drag held near the chart's left or right edge scrolls it that way, faster the nearer
  // the edge, so a bar can go beyond what is in view.
  const EDGE = 40;
  function scrollAtEdge(clientX) {
    const drag = state.drag;
    if (!drag) return;
    const box = viewport.getBoundingClientRect();
    const left = box.left + names.getBoundingClientRect().width;
    const right = box.right;
    let speed = 0;
    if (clientX > right - EDGE) speed = Math.min(EDGE, clientX - (right - EDGE)) / 3;
    else if (clientX < left + EDGE) speed = -Math.min(EDGE, left + EDGE - clientX) / 3;
    drag.edge = Math.round(speed);
    if (!drag.edge || drag.edgeFrame) return;
    const step = () => {
      if (state.drag !== drag || !drag.edge) {
        drag.edgeFrame = 0;
        return;
      }
      const before = viewport.scrollLeft;
      viewport.scrollLeft = before + drag.edge;
      if (viewport.scrollLeft !== before) dragTo(drag.lastX);
      drag.edgeFrame = requestAnimationFrame(step);
    };
    drag.edgeFrame = requestAnimationFrame(step);
  }

  // Shows where a drag (or Alt+arrows) would put a task, changing only a transform or a width.
  function preview(task, item, mode, days, drag) {
    if (mode === "move") {
      item.setAttribute("transform", "translate(" + days * state.px + " 0)");
    } else {
      const startDay = Math.floor(posOf(task.start));
      const finishDay = Math.floor(posOf(task.finish));
      days = Math.max(startDay - finishDay, days);
      const bar = drag ? drag.bar : item.querySelector(".tl-bar");
      const handle = drag ? drag.handle : item.querySelector(".tl-handle");
      const width = drag ? drag.width : +bar.getAttribute("data-width") || +bar.getAttribute("width");
      if (!bar.hasAttribute("data-width")) bar.setAttribute("data-width", width);
      bar.setAttribute("width", Math.max(2, width + days * state.px));
      if (handle) {
        if (!handle.hasAttribute("data-x")) handle.setAttribute("data-x", handle.getAttribute("x"));
        handle.setAttribute("x", +handle.getAttribute("data-x") + days * state.px);
      }
    }
    showTip(task, mode, days);
  }

  function proposal(task, mode, days) {
    if (mode === "move") {
      const startDay = Math.floor(posOf(task.start));
      const date = dateText(startDay + days);
      return { date: date, text: "Start no earlier than " + date + " (" + workingDays(workBetween(startDay, startDay + days)) + ")" };
    }
    const minutes = newDuration(task, days);
    return { duration: durationText(minutes), text: "Duration " + durationText(minutes) + " (was " + durationText(task.duration_minutes) + ")" };
  }

  // The duration after moving the finish by `days` calendar days: the old duration plus the
  // project calendar's working minutes of the days between the old and the new finish day.
  function newDuration(task, days) {
    const finishDay = Math.floor(posOf(task.finish));
    const startDay = Math.floor(posOf(task.start));
    const target = Math.max(startDay, finishDay + days);
    const minutes = task.duration_minutes + workBetween(finishDay + 1, target + 1);
    return Math.max(60, Math.round(minutes));
  }

  function showTip(task, mode, days) {
    const i = state.index.get(task.id);
    tip.textContent = proposal(task, mode, days).text;
    const anchor = mode === "move" ? x(posOf(task.start)) + days * state.px : x(posOf(task.finish)) + days * state.px;
    tip.style.transform = "translate(" + Math.max(0, anchor) + "px, " + ((i + 1) * ROW + 2) + "px)";
    tip.classList.add("tl-tip-on");
  }

  // A mouse over a bar shows what the bar stands for, in the drag's tip.
  bandSvg.addEventListener("pointerover", (event) => {
    if (state.drag || state.pending || event.pointerType === "touch") return;
    const item = event.target.closest(".tl-item");
    if (!item) return;
    const i = state.index.get(item.getAttribute("data-id"));
    const task = state.tasks[i];
    tip.textContent = item.getAttribute("aria-label");
    tip.style.transform = "translate(" + Math.max(0, x(posOf(task.start))) + "px, " + ((i + 1) * ROW + 2) + "px)";
    tip.classList.add("tl-tip-on");
  });
  bandSvg.addEventListener("pointerout", (event) => {
    if (!state.drag && !state.pending && !(event.relatedTarget && event.relatedTarget.closest && event.relatedTarget.closest(".tl-item"))) hideTip();
  });

  function hideTip() {
    tip.classList.remove("tl-tip-on");
  }

  function endDrag(event, cancel) {
    const drag = state.drag;
    if (!drag) return;
    state.drag = null;
    if (drag.edgeFrame) cancelAnimationFrame(drag.edgeFrame);
    drag.item.classList.remove("tl-dragging");
    if (drag.item.hasPointerCapture && event && drag.item.hasPointerCapture(event.pointerId)) {
      drag.item.releasePointerCapture(event.pointerId);
    }
    hideTip();
    // A press without movement is a click (the click handler opens the form); the bar stays
    // in the DOM until then, so the click reaches it.
    if (!drag.moved && !cancel) return;
    state.afterDrag = true;
    if (cancel || drag.days === 0) {
      renderBand(true);
      return;
    }
    commit(drag.task, drag.mode, drag.days);
  }

  bandSvg.addEventListener("pointerup", (event) => endDrag(event, false));
  bandSvg.addEventListener("click", (event) => {
    const item = event.target.closest(".tl-item");
    if (state.afterDrag) {
      state.afterDrag = false;
      return;
    }
    if (item && canDrag) openDialog(item.getAttribute("data-id"));
  });
  bandSvg.addEventListener("pointercancel", (event) => endDrag(event, true));
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    if (state.drag) endDrag(null, true);
    if (state.pending) {
      clearTimeout(state.pending.timer);
      state.pending = null;
      hideTip();
      renderBand(true);
      Waymark.announce("Not changed.");
    }
  });

  // ---- keyboard on a bar ---------------------------------------------------------------

  bandSvg.addEventListener("keydown", (event) => {
    const item = event.target.closest(".tl-item");
    if (!item) return;
    const id = item.getAttribute("data-id");
    const i = state.index.get(id);
    const task = state.tasks[i];
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      event.preventDefault();
      const next = i + (event.key === "ArrowDown" ? 1 : -1);
      if (next >= 0 && next < state.tasks.length) focusTask(state.tasks[next].id, true);
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      focusTask(state.tasks[event.key === "Home" ? 0 : state.tasks.length - 1].id, true);
    } else if ((event.key === "ArrowRight" || event.key === "ArrowLeft") && event.altKey) {
      event.preventDefault();
      const step = event.key === "ArrowRight" ? 1 : -1;
      const mode = event.shiftKey ? "resize" : "move";
      if (!(mode === "move" ? movable(task) : resizable(task))) {
        Waymark.announce(canDrag ? "This task's dates cannot be changed here." : "You may not change the plan.", "bad");
        return;
      }
      keyStep(task, item, mode, step);
    } else if ((event.key === "Enter" || event.key === " ") && canDrag) {
      event.preventDefault();
      openDialog(id);
    }
  });

  // Alt+arrows add up while they are pressed and are sent once, shortly after the last one.
  function keyStep(task, item, mode, step) {
    let pending = state.pending;
    if (!pending || pending.task.id !== task.id || pending.mode !== mode) {
      if (pending) flushPending();
      pending = state.pending = { task: task, mode: mode, days: 0, timer: 0 };
    }
    pending.days += step;
    preview(task, item, mode, pending.days, null);
    Waymark.announce(proposal(task, mode, pending.days).text);
    clearTimeout(pending.timer);
    pending.timer = setTimeout(flushPending, KEY_COMMIT_DELAY);
  }

  function flushPending() {
    const pending = state.pending;
    state.pending = null;
    if (!pending) return;
    clearTimeout(pending.timer);
    hideTip();
    if (pending.days === 0) {
      renderBand(true);
      return;
    }
    commit(pending.task, pending.mode, pending.days);
  }

  // ---- changes through the API ---------------------------------------------------------

  function commit(task, mode, days) {
    const proposed = proposal(task, mode, days);
    if (mode === "move") {
      const edit = editOf(task.id);
      if (edit && edit.start_no_later_than && proposed.date > edit.start_no_later_than.slice(0, 10)) {
        Waymark.announce(task.name + " must start no later than " + edit.start_no_later_than.slice(0, 10) + "; it was not moved.", "bad");
        renderBand(true);
        return;
      }
      change(task.id, { start_no_earlier_than: proposed.date }, task.name + ": start no earlier than " + proposed.date);
    } else {
      change(task.id, { duration: proposed.duration }, task.name + ": duration " + proposed.duration);
    }
  }

  function taskPath(id) {
    return "/projects/" + project.id + "/tasks/" + encodeURIComponent(id);
  }

  // Sends one change (a merge patch of the task's data), then reads the schedule again and
  // shows what moved. Resolves to the failed answer, or null on success.
  async function change(id, patch, what, isUndo) {
    if (state.busy) {
      Waymark.announce("The last change is still being saved; try again in a moment.", "bad");
      renderBand(true);
      return null;
    }
    const edit = editOf(id);
    if (!edit) return null;
    state.busy = true;
    viewport.setAttribute("aria-busy", "true");
    const before = {};
    for (const key in patch) before[key] = edit[key] === undefined ? null : edit[key];
    try {
      const answer = await Waymark.api("PATCH", taskPath(id), { body: patch, version: edit.version });
      if (!answer.ok) {
        if (answer.status === 412) {
          await reloadTask(id);
          Waymark.announce("Someone else changed this task in the meantime; the timeline now shows their change. Try again.", "bad");
        } else {
          Waymark.announce(Waymark.problem(answer), "bad");
        }
        renderBand(true);
        return answer;
      }
      rememberTask(id, answer.json);
      state.undo = isUndo ? null : { id: id, patch: before, what: what };
      await refresh(what, id, patch);
      return null;
    } finally {
      state.busy = false;
      viewport.removeAttribute("aria-busy");
    }
  }

  function rememberTask(id, entity) {
    const edit = editOf(id);
    if (!edit || !entity) return;
    edit.version = entity.version;
    const data = entity.data || {};
    edit.start_no_earlier_than = data.start_no_earlier_than || null;
    edit.start_no_later_than = data.start_no_later_than || null;
    edit.duration = data.duration === undefined || data.duration === null ? null : String(data.duration);
  }

  async function reloadTask(id) {
    const answer = await Waymark.api("GET", taskPath(id));
    if (answer.ok) rememberTask(id, answer.json);
    await refresh(null, id, null);
  }

  // Reads the schedule again, redraws, and lists the tasks whose start or finish changed.
  async function refresh(what, id, patch) {
    const answer = await Waymark.api("GET", "/projects/" + project.id + "/schedule");
    if (!answer.ok || !answer.json) {
      showMoved(null, "The schedule could not be computed after the change: " + Waymark.problem(answer) +
        (state.undo ? " Undo the change to get it back." : ""));
      return;
    }
    const old = new Map(state.tasks.map((task) => [task.id, task]));
    useSchedule(answer.json);
    const moved = [];
    for (const task of state.tasks) {
      const was = old.get(task.id);
      if (was && (was.start !== task.start || was.finish !== task.finish)) moved.push({ was: was, now: task });
    }
    // The changed task first, then the others in the chart's order.
    moved.sort((a, b) => (b.now.id === id) - (a.now.id === id));
    state.moved = new Set(moved.map((entry) => entry.now.id));
    layout();
    if (what === null) return;
    let note = "";
    const task = state.tasks[state.index.get(id)];
    if (task && patch && patch.start_no_earlier_than && task.start.slice(0, 10) > patch.start_no_earlier_than) {
      note = " " + task.name + " starts " + task.start.slice(0, 10) + ", later than asked: its links, the status date or the calendar hold it.";
    }
    if (task && editOf(id) && editOf(id).own_calendar && patch && patch.duration) {
      note += " " + task.name + " works on a calendar of its own; the new duration was measured on the project calendar's days.";
    }
    showMoved(moved, what + "." + note);
    Waymark.announce(moved.length === 0 ? "Saved; no task moved." : "Saved; " + moved.length + (moved.length === 1 ? " task moved." : " tasks moved."));
  }

  const movedSection = document.getElementById("tl-moved");
  const movedSummary = document.getElementById("tl-moved-summary");
  const movedList = document.getElementById("tl-moved-list");
  const undoButton = document.getElementById("tl-undo");

  function shift(was, now) {
    const from = Math.floor(posOf(was));
    const to = Math.floor(posOf(now));
    return workingDays(workBetween(from, to));
  }

  // "2027-03-01 → 2027-03-08 (+5 d)" when the task kept its length, else its start and its
  // finish each with their own shift.
  function movement(was, now) {
    const day = (text) => text.slice(0, 10);
    const minute = (text) => text.slice(0, 16).replace("T", " ");
    const startMoved = day(was.start) !== day(now.start);
    const finishMoved = day(was.finish) !== day(now.finish);
    const startShift = shift(was.start, now.start);
    const finishShift = shift(was.finish, now.finish);
    if (now.milestone || (startMoved && finishMoved && startShift === finishShift)) {
      return day(was.start) + " → " + day(now.start) + " (" + startShift + ")";
    }
    const parts = [];
    if (startMoved) parts.push("start " + day(was.start) + " → " + day(now.start) + " (" + startShift + ")");
    if (finishMoved) parts.push("finish " + day(was.finish) + " → " + day(now.finish) + " (" + finishShift + ")");
    if (parts.length === 0) {
      if (was.start !== now.start) parts.push("start " + minute(was.start) + " → " + minute(now.start));
      if (was.finish !== now.finish) parts.push("finish " + minute(was.finish) + " → " + minute(now.finish));
    }
    return parts.join(", ");
  }

  function showMoved(moved, text) {
    movedSection.hidden = false;
    movedSummary.textContent = text;
    movedList.textContent = "";
    if (undoButton) undoButton.hidden = !state.undo;
    if (!moved) return;
    if (moved.length === 0) {
      const item = element("li", "muted");
      item.textContent = "No task moved.";
      movedList.appendChild(item);
    }
    for (const entry of moved.slice(0, MAX_LISTED)) {
      const item = element("li");
      const button = element("button", "link");
      button.type = "button";
      button.textContent = entry.now.name;
      button.addEventListener("click", () => focusTask(entry.now.id, true));
      item.appendChild(button);
      item.appendChild(document.createTextNode(" " + movement(entry.was, entry.now)));
      movedList.appendChild(item);
    }
    if (moved.length > MAX_LISTED) {
      const item = element("li", "muted");
      item.textContent = "and " + (moved.length - MAX_LISTED) + " more (highlighted in the chart).";
      movedList.appendChild(item);
    }
  }

  if (undoButton) {
    undoButton.addEventListener("click", async () => {
      const undo = state.undo;
      if (!undo) return;
      const failed = await change(undo.id, undo.patch, "Undone: " + undo.what, true);
      if (!failed) undoButton.hidden = true;
    });
  }

  // ---- the form ------------------------------------------------------------------------

  const dialog = document.getElementById("tl-dialog");
  const form = document.getElementById("tl-form");
  const startInput = document.getElementById("tl-start");
  const durationInput = document.getElementById("tl-duration");
  const startError = document.getElementById("tl-start-error");
  const durationError = document.getElementById("tl-duration-error");
  const formError = document.getElementById("tl-form-error");
  const dialogDates = document.getElementById("tl-dialog-dates");
  const dialogTitle = document.getElementById("tl-dialog-title");
  let dialogTask = null;

  const DURATION = /^\s*(\d{1,6}(\.\d{1,3})?)\s*(m|h|d|w)\s*$/i;

  function openDialog(id) {
    if (!dialog || !canDrag) return;
    const task = state.tasks[state.index.get(id)];
    const edit = editOf(id);
    if (!task || !edit || task.summary) {
      if (task && task.summary) Waymark.announce("A summary's dates come from its tasks; change those.", "bad");
      return;
    }
    dialogTask = task;
    dialogTitle.textContent = "Change " + task.name;
    dialogDates.textContent = "Scheduled " + task.start.slice(0, 10) + (task.milestone ? "" : " to " + task.finish.slice(0, 10)) + "." +
      (edit.fixed ? " Its dates are fixed (manually scheduled or a must-start/finish-on date)." : "");
    startInput.value = (edit.start_no_earlier_than || "").slice(0, 10);
    startInput.disabled = !movable(task);
    durationInput.value = edit.duration || durationText(task.duration_minutes);
    durationInput.disabled = !resizable(task);
    durationInput.closest("form").classList.toggle("tl-no-duration", task.milestone);
    startError.textContent = "";
    durationError.textContent = "";
    formError.textContent = "";
    startInput.removeAttribute("aria-invalid");
    durationInput.removeAttribute("aria-invalid");
    dialog.showModal();
  }

  function closeDialog() {
    if (!dialog.open) return;
    dialog.close();
  }

  if (dialog) {
    dialog.addEventListener("close", () => {
      if (dialogTask) focusTask(dialogTask.id, true);
      dialogTask = null;
    });
    document.getElementById("tl-cancel").addEventListener("click", closeDialog);
    document.getElementById("tl-clear").addEventListener("click", async () => {
      const task = dialogTask;
      if (!task) return;
      if (!editOf(task.id).start_no_earlier_than) {
        startError.textContent = "This task has no start constraint.";
        return;
      }
      const failed = await change(task.id, { start_no_earlier_than: null }, task.name + ": start constraint removed");
      if (failed) formError.textContent = Waymark.problem(failed);
      else closeDialog();
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const task = dialogTask;
      if (!task) return;
      const edit = editOf(task.id);
      startError.textContent = "";
      durationError.textContent = "";
      formError.textContent = "";
      const patch = {};
      const parts = [];
      let valid = true;
      const start = startInput.value.trim();
      if (!startInput.disabled && start !== (edit.start_no_earlier_than || "").slice(0, 10)) {
        if (start === "") {
          patch.start_no_earlier_than = null;
          parts.push("start constraint removed");
        } else if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || isNaN(Date.parse(start))) {
          startError.textContent = "Give a date as YYYY-MM-DD.";
          valid = false;
        } else if (edit.start_no_later_than && start > edit.start_no_later_than.slice(0, 10)) {
          startError.textContent = "It must not be after the task's start-no-later-than date, " + edit.start_no_later_than.slice(0, 10) + ".";
          valid = false;
        } else {
          patch.start_no_earlier_than = start;
          parts.push("start no earlier than " + start);
        }
      }
      startInput.toggleAttribute("aria-invalid", !!startError.textContent);
      const duration = durationInput.value.trim();
      if (!durationInput.disabled && duration !== (edit.duration || durationText(task.duration_minutes))) {
        const match = DURATION.exec(duration);
        if (!match || Number(match[1]) <= 0) {
          durationError.textContent = "Give a working time above zero: a number and m, h, d or w, like 5d or 3.5h.";
          valid = false;
        } else {
          patch.duration = match[1] + match[3].toLowerCase();
          parts.push("duration " + patch.duration);
        }
      }
      durationInput.toggleAttribute("aria-invalid", !!durationError.textContent);
      if (!valid) {
        (startError.textContent ? startInput : durationInput).focus();
        return;
      }
      if (parts.length === 0) {
        closeDialog();
        return;
      }
      const failed = await change(task.id, patch, task.name + ": " + parts.join(", "));
      if (failed) formError.textContent = Waymark.problem(failed);
      else closeDialog();
    });
  }

  // ---- start ---------------------------------------------------------------------------

  useSchedule(state.schedule);
  layout();
  const status = state.schedule.project.status_date;
  if (status) scrollToDay(Math.floor(posOf(status)));
  renderBand(true);
})();

// The members page (owners only get controls): invite, change a role, remove, each through the
// JSON API with the membership's version in If-Match. When someone else changed a membership in
// the meantime (412) the page says so and reloads that member from the API.
"use strict";

(function () {
  var project = Waymark.project();
  var table = document.getElementById("members");
  if (!project || !table) return;
  var base = "/projects/" + project.id + "/members";
  var me = table.getAttribute("data-me");

  function rowError(row, message) {
    var error = row.querySelector(".row-error");
    if (error) error.textContent = message || "";
  }

  function fieldError(id, message) {
    var input = document.getElementById(id);
    var error = document.getElementById(id + "-error");
    if (error) error.textContent = message || "";
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  // Reads the members again and brings one row up to date (or removes it when gone).
  function refresh(row) {
    var userId = row.getAttribute("data-user-id");
    return Waymark.api("GET", base).then(function (answer) {
      if (!answer.ok) return;
      var found = answer.json.items.filter(function (item) { return String(item.user.id) === userId; })[0];
      if (!found) { row.remove(); return; }
      row.setAttribute("data-version", String(found.version));
      var select = row.querySelector("select");
      if (select) { select.value = found.role; select.setAttribute("data-current", found.role); }
    });
  }

  function failed(row, answer, fallback) {
    if (answer.status === 412) {
      rowError(row, "Someone else changed this member in the meantime; it now shows their change.");
      refresh(row);
    } else {
      rowError(row, Waymark.problem(answer));
      if (fallback) fallback();
    }
  }

  table.querySelectorAll("select[data-role-select]").forEach(function (select) {
    select.setAttribute("data-current", select.value);
  });

  table.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-role-select]");
    if (!select) return;
    var row = select.closest("tr");
    var previous = select.getAttribute("data-current");
    rowError(row, "");
    select.disabled = true;
    Waymark.api("PUT", base + "/" + row.getAttribute("data-user-id"), {
      body: { role: select.value },
      version: row.getAttribute("data-version"),
    }).then(function (answer) {
      select.disabled = false;
      if (answer.ok) {
        row.setAttribute("data-version", String(answer.json.version));
        select.setAttribute("data-current", answer.json.role);
        Waymark.announce(row.getAttribute("data-name") + " is now " + answer.json.role + ".");
        // Stepping down yourself takes your controls away: show the page as you now see it.
        if (row.getAttribute("data-user-id") === me && answer.json.role !== "owner") {
          window.location.reload();
        }
        return;
      }
      failed(row, answer, function () { select.value = previous; });
      select.focus();
    });
  });

  table.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-remove]");
    if (!button) return;
    var row = button.closest("tr");
    var name = row.getAttribute("data-name");
    if (!window.confirm("Remove " + name + " from the project? They lose access at once.")) return;
    rowError(row, "");
    button.disabled = true;
    Waymark.api("DELETE", base + "/" + row.getAttribute("data-user-id"), {
      version: row.getAttribute("data-version"),
    }).then(function (answer) {
      button.disabled = false;
      if (answer.ok) {
        var removedMe = row.getAttribute("data-user-id") === me;
        row.remove();
        Waymark.announce(name + " was removed from the project.");
        if (removedMe) window.location.assign("/");
        return;
      }
      failed(row, answer);
      button.focus();
    });
  });

  var form = document.getElementById("invite-form");
  if (!form) return;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fieldError("invite-user", "");
    var user = document.getElementById("invite-user").value.trim();
    var role = document.getElementById("invite-role").value;
    if (!user) {
      fieldError("invite-user", "Enter the username of the person to invite.");
      document.getElementById("invite-user").focus();
      return;
    }
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    Waymark.api("POST", base, { body: { user: user, role: role } }).then(function (answer) {
      button.disabled = false;
      if (answer.ok) {
        addRow(answer.json);
        form.reset();
        Waymark.announce(answer.json.user.display_name + " joined as " + answer.json.role + ".");
        document.getElementById("invite-user").focus();
        return;
      }
      var message;
      if (answer.status === 404) message = "There is no user named “" + user + "”.";
      else if (answer.status === 409) message = "“" + user + "” is already a member.";
      else message = Waymark.problem(answer);
      fieldError("invite-user", message);
      document.getElementById("invite-user").focus();
    });
  });

  // A new row like the server's.
  function addRow(member) {
    var who = member.user.display_name;
    var row = document.createElement("tr");
    row.setAttribute("data-user-id", String(member.user.id));
    row.setAttribute("data-version", String(member.version));
    row.setAttribute("data-name", who);
    var name = document.createElement("td");
    name.setAttribute("data-label", "Member");
    name.textContent = who + " ";
    var login = document.createElement("span");
    login.className = "muted";
    login.textContent = "(" + member.user.name + ")";
    name.appendChild(login);
    var roleCell = document.createElement("td");
    roleCell.setAttribute("data-label", "Role");
    var select = document.createElement("select");
    select.id = "role-" + member.user.id;
    select.name = "role";
    select.setAttribute("aria-label", "Role of " + who);
    select.setAttribute("data-role-select", "");
    ["viewer", "member", "manager", "owner"].forEach(function (value) {
      var option = document.createElement("option");
      option.value = value;
      option.textContent = value;
      select.appendChild(option);
    });
    select.value = member.role;
    select.setAttribute("data-current", member.role);
    var error = document.createElement("span");
    error.className = "field-error row-error";
    roleCell.appendChild(select);
    roleCell.appendChild(error);
    var actions = document.createElement("td");
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "secondary";
    remove.setAttribute("data-remove", "");
    remove.setAttribute("aria-label", "Remove " + who);
    remove.textContent = "Remove";
    actions.appendChild(remove);
    row.appendChild(name);
    row.appendChild(roleCell);
    row.appendChild(actions);
    table.querySelector("tbody").appendChild(row);
  }
})();

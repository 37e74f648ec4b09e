// The account page: change the password and manage API tokens through the JSON API
// (`PUT /api/v1/me/password`, `POST` and `DELETE /api/v1/me/tokens`). Errors show next to the
// field they concern; a new token's secret is shown once, with a copy button.
"use strict";

(function () {
  function field(id) { return document.getElementById(id); }

  // Shows `message` under the input `id` (its error element is `id-error`), or clears it.
  function fieldError(id, message) {
    var input = field(id);
    var error = field(id + "-error");
    if (error) error.textContent = message || "";
    if (input) {
      if (message) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
  }

  function formatTime(text) {
    if (!text) return "never";
    return text.slice(0, 10) + " " + text.slice(11, 16) + " UTC";
  }

  // Password.
  var passwordForm = field("password-form");
  if (passwordForm) {
    passwordForm.addEventListener("submit", function (event) {
      event.preventDefault();
      ["current-password", "new-password", "repeat-password"].forEach(function (id) { fieldError(id, ""); });
      var current = field("current-password").value;
      var next = field("new-password").value;
      var repeat = field("repeat-password").value;
      var minimum = Number(field("new-password").getAttribute("minlength")) || 8;
      var bad = false;
      if (!current) { fieldError("current-password", "Enter your current password."); bad = true; }
      if (next.length < minimum) { fieldError("new-password", "The new password needs " + minimum + " characters or more."); bad = true; }
      if (next !== repeat) { fieldError("repeat-password", "The two new passwords differ."); bad = true; }
      if (bad) {
        var first = passwordForm.querySelector("[aria-invalid=true]");
        if (first) first.focus();
        return;
      }
      var button = passwordForm.querySelector("button[type=submit]");
      button.disabled = true;
      Waymark.api("PUT", "/me/password", { body: { current_password: current, new_password: next } })
        .then(function (answer) {
          button.disabled = false;
          if (answer.ok) {
            Waymark.announce("Password changed. Every session has ended: sign in again.");
            setTimeout(function () { window.location.assign("/signin"); }, 1200);
            return;
          }
          var code = answer.json && answer.json.error ? answer.json.error.code : "";
          if (answer.status === 403 && code === "forbidden") {
            fieldError("current-password", "The current password is wrong.");
            field("current-password").focus();
          } else if (code === "weak-password") {
            fieldError("new-password", Waymark.problem(answer));
            field("new-password").focus();
          } else {
            Waymark.announce(Waymark.problem(answer), "bad");
          }
        });
    });
  }

  // Tokens.
  var tokenForm = field("token-form");
  var table = field("tokens");
  var secretBox = field("new-token");

  function statusOf(token) {
    if (token.revoked_at) return "revoked";
    if (token.expires_at && new Date(token.expires_at) <= new Date()) return "expired";
    return "active";
  }

  function cell(label, text) {
    var td = document.createElement("td");
    td.setAttribute("data-label", label);
    td.textContent = text;
    return td;
  }

  function revokeButton(token) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.setAttribute("data-revoke", String(token.id));
    button.setAttribute("data-name", token.name);
    button.setAttribute("aria-label", "Revoke token " + token.name);
    button.textContent = "Revoke";
    return button;
  }

  function addRow(token) {
    var row = document.createElement("tr");
    row.setAttribute("data-token-id", String(token.id));
    row.appendChild(cell("Name", token.name));
    row.appendChild(cell("Created", formatTime(token.created_at)));
    row.appendChild(cell("Expires", formatTime(token.expires_at)));
    row.appendChild(cell("Last used", formatTime(token.last_used_at)));
    row.appendChild(cell("Status", statusOf(token)));
    var actions = document.createElement("td");
    actions.appendChild(revokeButton(token));
    row.appendChild(actions);
    table.querySelector("tbody").appendChild(row);
    var empty = field("no-tokens");
    if (empty) empty.hidden = true;
  }

  if (tokenForm) {
    tokenForm.addEventListener("submit", function (event) {
      event.preventDefault();
      fieldError("token-name", "");
      fieldError("token-days", "");
      var name = field("token-name").value.trim();
      var daysText = field("token-days").value.trim();
      var body = { name: name };
      var bad = false;
      if (!name || name.length > 200) {
        fieldError("token-name", "Give the token a name of 1 to 200 characters.");
        bad = true;
      }
      if (daysText) {
        var days = Number(daysText);
        if (!Number.isInteger(days) || days < 1 || days > 3650) {
          fieldError("token-days", "Enter a whole number of days from 1 to 3650, or leave it empty.");
          bad = true;
        } else {
          body.expires_in_days = days;
        }
      }
      if (bad) {
        var first = tokenForm.querySelector("[aria-invalid=true]");
        if (first) first.focus();
        return;
      }
      var button = tokenForm.querySelector("button[type=submit]");
      button.disabled = true;
      Waymark.api("POST", "/me/tokens", { body: body }).then(function (answer) {
        button.disabled = false;
        if (!answer.ok) {
          var message = Waymark.problem(answer);
          if (answer.status === 422 && /expires/.test(message)) fieldError("token-days", message);
          else if (answer.status === 422) fieldError("token-name", message);
          else Waymark.announce(message, "bad");
          return;
        }
        addRow(answer.json);
        tokenForm.reset();
        field("new-token-value").value = answer.json.token;
        secretBox.hidden = false;
        field("new-token-value").focus();
        field("new-token-value").select();
        Waymark.announce("Token created. Copy it now: it is shown only once.");
      });
    });
  }

  var copy = field("copy-token");
  if (copy) {
    copy.addEventListener("click", function () {
      var input = field("new-token-value");
      var done = function () { Waymark.announce("Token copied to the clipboard."); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(input.value).then(done, function () {
          input.select();
          Waymark.announce("Copying was refused: the token is selected, press Ctrl+C (or ⌘C).", "bad");
        });
      } else {
        input.select();
        Waymark.announce("The token is selected: press Ctrl+C (or ⌘C) to copy it.");
      }
    });
  }

  var dismiss = field("dismiss-token");
  if (dismiss) {
    dismiss.addEventListener("click", function () {
      field("new-token-value").value = "";
      secretBox.hidden = true;
      field("token-name").focus();
    });
  }

  if (table) {
    table.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-revoke]");
      if (!button) return;
      var id = button.getAttribute("data-revoke");
      var name = button.getAttribute("data-name");
      if (!window.confirm("Revoke the token “" + name + "”? Scripts using it stop working at once.")) return;
      button.disabled = true;
      Waymark.api("DELETE", "/me/tokens/" + encodeURIComponent(id)).then(function (answer) {
        if (!answer.ok && answer.status !== 404) {
          button.disabled = false;
          Waymark.announce(Waymark.problem(answer), "bad");
          return;
        }
        var row = button.closest("tr");
        var status = row.querySelector("td[data-label=Status]");
        if (status) status.textContent = "revoked";
        var heading = field("tokens-heading");
        button.remove();
        if (heading) heading.focus({ preventScroll: true });
        Waymark.announce("Token “" + name + "” revoked.");
      });
    });
  }
})();

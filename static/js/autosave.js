// Saves the workspace's draft in the background: every minute, the sections changed since
// the last save are posted together to the draft endpoint, which saves every valid field
// and answers with the refused ones, shown beside their fields. A session that expired is
// answered with 401: the page then offers to sign in again, which brings the manager back
// here with the draft as last saved. Unsaved changes are also sent when the page is left.
(function () {
  "use strict";
  var root = document.getElementById("workspace");
  if (!root || !root.getAttribute("data-autosave-url")) { return; }
  var url = root.getAttribute("data-autosave-url");
  var seconds = parseInt(root.getAttribute("data-autosave-seconds"), 10) || 60;
  var status = document.getElementById("autosave-status");
  var expired = document.getElementById("autosave-expired");
  var expiredLogin = document.getElementById("autosave-login");
  var failed = document.getElementById("autosave-failed");
  var forms = Array.prototype.slice.call(root.querySelectorAll("form[data-autosave]"));
  var dirty = new Set();
  var saving = false;
  var stopped = false;
  var timer = null;

  function text(name) { return root.getAttribute("data-text-" + name) || ""; }

  forms.forEach(function (form) {
    form.addEventListener("input", function () { dirty.add(form); });
    form.addEventListener("change", function () { dirty.add(form); });
    // A section's own Save button posts normally: nothing is left for the autosave.
    form.addEventListener("submit", function () { dirty.delete(form); });
  });

  function token() {
    var field = root.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function payload(sent) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", token());
    data.append("autosave", "1");
    sent.forEach(function (form) {
      new FormData(form).forEach(function (value, name) {
        if (name !== "csrfmiddlewaretoken") { data.append(name, value); }
      });
    });
    return data;
  }

  function clearErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll(".is-invalid"), function (field) {
      field.classList.remove("is-invalid");
      field.removeAttribute("aria-invalid");
    });
    Array.prototype.forEach.call(form.querySelectorAll(".invalid-feedback, [data-autosave-error]"), function (node) {
      node.parentNode.removeChild(node);
    });
  }

  function showError(form, section, field, messages) {
    var message = document.createElement("div");
    message.setAttribute("data-autosave-error", "");
    message.textContent = messages.join(" ");
    var input = field === "__all__" ? null : form.querySelector("[name='" + section + "-" + field + "']");
    if (!input) {
      message.className = "alert alert-danger py-1 small";
      form.insertBefore(message, form.firstChild);
      return;
    }
    message.className = "invalid-feedback d-block";
    message.id = input.id ? input.id + "-autosave-error" : "";
    input.classList.add("is-invalid");
    input.setAttribute("aria-invalid", "true");
    if (message.id) { input.setAttribute("aria-describedby", message.id); }
    var holder = input.closest(".mb-3") || input.parentNode;
    holder.appendChild(message);
  }

  function sectionOf(form) {
    var named = form.querySelector("[name]:not([name=csrfmiddlewaretoken])");
    return named ? named.name.slice(0, named.name.lastIndexOf("-")) : "";
  }

  function stop() {
    stopped = true;
    if (timer) { window.clearInterval(timer); }
  }

  function save() {
    if (saving || stopped || dirty.size === 0) { return; }
    var sent = Array.from(dirty);
    dirty.clear();
    saving = true;
    if (status) { status.textContent = text("saving"); }
    fetch(url, {
      method: "POST",
      body: payload(sent),
      credentials: "same-origin",
      // A session ended for inactivity is answered with a redirect to the sign-in page:
      // it must not be followed as if it were the answer.
      redirect: "manual",
      headers: { "Accept": "application/json", "X-CSRFToken": token() }
    }).then(function (response) {
      if (response.type === "opaqueredirect") {
        sent.forEach(function (form) { dirty.add(form); });
        if (expired) { expired.classList.remove("d-none"); }
        if (status) { status.textContent = text("not-saved"); }
        stop();
        return;
      }
      if (response.status === 401) {
        return response.json().then(function (data) {
          sent.forEach(function (form) { dirty.add(form); });
          if (data.login_url && expiredLogin) { expiredLogin.href = data.login_url; }
          if (expired) { expired.classList.remove("d-none"); }
          if (status) { status.textContent = text("not-saved"); }
          stop();
        });
      }
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json().then(function (data) {
        if (failed) { failed.classList.add("d-none"); }
        var errors = data.errors || {};
        sent.forEach(function (form) {
          clearErrors(form);
          var section = sectionOf(form);
          Object.keys(errors[section] || {}).forEach(function (field) {
            showError(form, section, field, errors[section][field]);
          });
        });
        if (status) {
          status.textContent = text("saved") + " " + data.saved_at_display +
            (Object.keys(errors).length ? " · " + text("refused") : "");
        }
      });
    }).catch(function () {
      sent.forEach(function (form) { dirty.add(form); });
      if (failed) { failed.classList.remove("d-none"); }
      if (status) { status.textContent = text("not-saved"); }
    }).then(function () { saving = false; });
  }

  timer = window.setInterval(save, seconds * 1000);
  // Leaving the page: send what is unsaved without waiting for an answer.
  window.addEventListener("pagehide", function () {
    if (stopped || dirty.size === 0 || !navigator.sendBeacon) { return; }
    navigator.sendBeacon(url, payload(Array.from(dirty)));
  });
}());

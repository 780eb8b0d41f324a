// Small, progressive: every page works without it.
document.addEventListener("DOMContentLoaded", function () {
  // htmx sends the CSRF token from the page's meta-free form fields.
  document.body.addEventListener("htmx:configRequest", function (event) {
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (token) { event.detail.headers["X-CSRFToken"] = token.value; }
  });
  // Print buttons (member card) without inline script.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  // After a failed submission, take keyboard and screen reader users to the list of problems.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
});

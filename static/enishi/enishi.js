// Move focus to the error summary when a form comes back with errors, so screen-reader and
// keyboard users land on the list of what to fix.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
});

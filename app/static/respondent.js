// Small enhancements for respondents; every page works without this file.
// - "exclusive" options ("geen van deze", "weet niet") clear the other boxes;
// - after an htmx page change, focus moves to the error summary or the content,
//   so screen-reader and keyboard users start at the top of the new page.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box || box.type !== "checkbox" || !box.checked) return;
    var group = document.querySelectorAll('input[type=checkbox][name="' + box.name + '"]');
    group.forEach(function (other) {
      if (other === box) return;
      if (box.dataset.exclusive === "true" || other.dataset.exclusive === "true") other.checked = false;
    });
  });
  document.addEventListener("htmx:afterSettle", function () {
    var target = document.getElementById("error-summary") || document.getElementById("main");
    if (target) target.focus();
  });
})();

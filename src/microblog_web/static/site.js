// microblog web: the only script, an enhancement. Every page works without it.
// A live counter under each text box with a limit: how many characters are left.
(function () {
  "use strict";
  function update(box, hint) {
    var limit = parseInt(box.getAttribute("data-limit"), 10);
    var left = limit - Array.from(box.value).length; // characters, not UTF-16 units
    hint.textContent = left >= 0
      ? left + (left === 1 ? " character left" : " characters left")
      : (-left) + (left === -1 ? " character too many" : " characters too many");
    hint.classList.toggle("over", left < 0);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var boxes = document.querySelectorAll("textarea[data-limit]");
    Array.prototype.forEach.call(boxes, function (box) {
      var hint = document.getElementById(box.id + "-count");
      if (!hint) { return; }
      hint.setAttribute("aria-live", "polite");
      update(box, hint);
      box.addEventListener("input", function () { update(box, hint); });
    });
  });
})();

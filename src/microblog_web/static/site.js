// microblog web: the only script, an enhancement. Every page works without it.
// 1. A live counter under each text box with a limit: how many characters are left.
// 2. "Older" loads the next page in place, below the items already shown.
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

  function counters() {
    var boxes = document.querySelectorAll("textarea[data-limit]");
    Array.prototype.forEach.call(boxes, function (box) {
      var hint = document.getElementById(box.id + "-count");
      if (!hint) { return; }
      hint.setAttribute("aria-live", "polite");
      update(box, hint);
      box.addEventListener("input", function () { update(box, hint); });
    });
  }

  // The next page's items (posts, or people) go after this page's; its own "Older"
  // link replaces this one. Any failure falls back to following the link.
  function older(event) {
    var link = event.target.closest ? event.target.closest("p.older a[rel=next]") : null;
    if (!link) { return; }
    event.preventDefault();
    var here = link.parentNode;
    fetch(link.href, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, "text/html");
        var people = document.querySelector("main ul.people");
        if (people) {
          next.querySelectorAll("main ul.people > li:not(.empty)").forEach(function (item) {
            people.appendChild(document.importNode(item, true));
          });
        } else {
          next.querySelectorAll("main article.post").forEach(function (item) {
            here.parentNode.insertBefore(document.importNode(item, true), here);
          });
        }
        var link2 = next.querySelector("main p.older");
        if (link2) {
          here.replaceWith(document.importNode(link2, true));
        } else {
          here.remove();
        }
      })
      .catch(function () { window.location.href = link.href; });
  }

  document.addEventListener("DOMContentLoaded", counters);
  document.addEventListener("click", older);
})();

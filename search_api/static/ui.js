// reform-search web UI: loading state, keyboard shortcut, scroll to the cited passage.
(function () {
  "use strict";
  var loading = document.getElementById("loading");
  var loadingText = document.getElementById("loading-text");

  function showLoading(text) {
    if (!loading) return;
    if (loadingText && text) loadingText.textContent = text;
    loading.hidden = false;
  }

  document.querySelectorAll("form[data-loading]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      var q = form.querySelector("input[name=q]");
      if (q && !q.value.trim()) {
        ev.preventDefault();
        q.focus();
        q.setAttribute("aria-invalid", "true");
        q.placeholder = "言葉を入力してください";
        return;
      }
      // Empty selects would add "kind=" to the URL: drop them for short, shareable links.
      form.querySelectorAll("select").forEach(function (s) { if (!s.value) s.disabled = true; });
      var btn = form.querySelector("button[type=submit]");
      if (btn) btn.disabled = true;
      showLoading(form.getAttribute("data-loading"));
    });
  });

  // Example links and in-page navigation that runs a search also show the spinner.
  document.querySelectorAll(".examples a, a.button-link[href^='/']").forEach(function (a) {
    if (a.hasAttribute("download")) return;
    a.addEventListener("click", function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
      showLoading("読み込み中…");
    });
  });

  // Back/forward cache: never come back to a page stuck in the loading state.
  window.addEventListener("pageshow", function () {
    if (loading) loading.hidden = true;
    document.querySelectorAll("form[data-loading] select, form[data-loading] button").forEach(function (el) {
      el.disabled = false;
    });
  });

  // "/" focuses the search box (as on many sites), unless typing in a field.
  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    if (ev.key !== "/" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) return;
    var q = document.getElementById("q");
    if (q) { ev.preventDefault(); q.focus(); q.select(); }
  });

  // Source view: bring the cited passage into view.
  var cited = document.getElementById("cited");
  // A passage taller than the window starts at its top; a short one sits in the middle.
  function toCited() {
    if (!cited) return;
    var tall = cited.getBoundingClientRect().height > window.innerHeight * 0.8;
    cited.scrollIntoView({ block: tall ? "start" : "center" });
  }
  if (cited) {
    if (document.readyState === "complete") toCited(); else window.addEventListener("load", toCited);
    toCited();
    document.querySelectorAll("[data-scroll-cited]").forEach(function (a) {
      a.addEventListener("click", function (ev) { ev.preventDefault(); toCited(); });
    });
  }
})();

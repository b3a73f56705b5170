/* The service users' installable app (issue 20; the worker is portal/web/service_worker.js, served as /sw.js).

   On a page with the app's manifest (only the service users' pages have one, portal/web/pwa.py) this registers
   the worker, asks it to keep a read-only copy of the application list or detail being viewed (the worker fetches
   /my/offline/… and answers "remembered"; the page marks <html data-qc-kept="<path>">), and offers the install in
   the user menu: the browser's own prompt where it has one (beforeinstallprompt), a text hint on iOS.
   On every page a logout drops the kept copies, whoever's worker it is. */
(function () {
  "use strict";
  var root = document.documentElement;
  var PAGES = "qc-pages";
  var KEPT = /^\/my\/applications(\/\d+)?\/?$/;

  document.addEventListener("submit", function (event) {
    if (event.target && event.target.id === "shell-logout-form" && window.caches) {
      // The worker clears them too when it sees the logout; this covers a page no worker controls yet.
      caches.delete(PAGES);
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage({type: "forget"});
      }
    }
  }, true);

  if (!("serviceWorker" in navigator) || !document.querySelector('link[rel="manifest"]')) return;

  navigator.serviceWorker.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.type === "remembered" && data.kept) root.setAttribute("data-qc-kept", data.path);
  });
  navigator.serviceWorker.startMessages();

  function remember() {
    var path = location.pathname;
    if (!KEPT.test(path)) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.active) registration.active.postMessage({type: "remember", path: path});
    });
  }

  navigator.serviceWorker.register("/sw.js", {scope: "/"}).then(remember, function () { /* no app: the site works */ });
  // Dash moves between pages without a new document (dcc.Location): keep the page the reader went to as well.
  window.addEventListener("popstate", remember);
  window.addEventListener("_dashprivate_pushstate", remember);

  var standalone = window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
  if (standalone) return;
  var deferred = null;
  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();  // offered from the menu instead of the browser's bar
    deferred = event;
    root.classList.add("qc-can-install");
  });
  window.addEventListener("appinstalled", function () {
    deferred = null;
    root.classList.remove("qc-can-install");
  });
  document.addEventListener("click", function (event) {
    var item = event.target.closest && event.target.closest("#shell-install");
    if (!item || !deferred || typeof deferred.prompt !== "function") return;
    event.preventDefault();
    deferred.prompt();
    deferred.userChoice.then(function () {
      deferred = null;
      root.classList.remove("qc-can-install");
    });
  });
  // iOS Safari has no install prompt: the menu says how (Share, then "Add to Home Screen").
  var ios = /iphone|ipad|ipod/i.test(navigator.userAgent) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  if (ios) root.classList.add("qc-ios-install");
})();

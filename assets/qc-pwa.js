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
    var form = event.target;
    if (!form || form.id !== "shell-logout-form") return;
    if (window.caches) {
      // The worker clears them too when it sees the logout; this covers a page no worker controls yet.
      caches.delete(PAGES);
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage({type: "forget"});
      }
    }
    // This device stops receiving the account's pushes: the browser drops its subscription and the logout tells
    // the server which one it was (portal/web/auth.logout). Never holds the logout more than two seconds.
    if (form.getAttribute("data-qc-push-checked") || !navigator.serviceWorker || !window.PushManager) return;
    event.preventDefault();
    form.setAttribute("data-qc-push-checked", "1");
    var sent = false;
    function send() {
      if (sent) return;
      sent = true;
      form.submit();
    }
    setTimeout(send, 2000);
    navigator.serviceWorker.getRegistration("/").then(function (registration) {
      return registration && registration.pushManager.getSubscription();
    }).then(function (subscription) {
      if (!subscription) return null;
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "push_endpoint";
      input.value = subscription.endpoint;
      form.appendChild(input);
      return subscription.unsubscribe();
    }).catch(function () { /* the logout goes on regardless */ }).then(send);
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

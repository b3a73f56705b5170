/* Q-Corner's service worker (issue 20), served from /sw.js so its scope is the whole site (portal/web/pwa.py).

   What it keeps, and nothing else:
   - SHELL: the static files, the same for everyone (Bootstrap, icons, fonts, Dash's bundles, the offline page).
   - PAGES: read-only copies of the service user's last-seen application list and details (/my/offline/…),
     stored under the page's own address (/my/applications, /my/applications/<id>) when a page asks for it.
   Officers' pages and every callback answer (POST) go to the network untouched: their data is internal and a
   copy could outlive the login. The copies leave the device at logout and whenever the login page opens.
   Push (p2) adds its `push` / `notificationclick` handlers below the marked line. */
"use strict";

const SHELL = "qc-shell-v1";
const PAGES = "qc-pages";
const OFFLINE_URL = "/offline";
const SHELL_FILES = [OFFLINE_URL, "/assets/00_bootstrap.min.css", "/assets/01_bootstrap-icons.min.css",
  "/assets/qcorner.css", "/assets/qc-a11y.css", "/assets/my_portal.css", "/assets/qc-emblem.svg",
  "/manifest.webmanifest", "/assets/icons/qc-192.png"];
// The service user's pages a copy is kept of; every other address is never stored in PAGES.
const KEPT_PAGE = /^\/my\/applications(\/\d+)?$/;
const STATIC = /^\/(assets\/|_dash-component-suites\/)/;
const KEPT_HEADERS = ["Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"];
const MAX_DETAILS = 20;  // the last 20 applications opened, besides the list
// On a weak connection a service user's page falls back to its copy after this long without an answer.
const NETWORK_TIMEOUT_MS = 10000;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(SHELL_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((name) => name.startsWith("qc-shell-") && name !== SHELL)
      .map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

function forget() {
  return caches.delete(PAGES);
}

function pagePath(pathname) {
  const path = pathname.replace(/\/+$/, "") || "/";
  return KEPT_PAGE.test(path) ? path : null;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    if (request.method !== "GET" || url.pathname === "/login" || url.pathname === "/logout") {
      // A logout (the menu's POST form) or a login page: whoever comes next must not see these copies.
      event.waitUntil(forget());
      return;
    }
    event.respondWith(navigate(request, url));
    return;
  }
  if (request.method === "GET" && STATIC.test(url.pathname)) event.respondWith(staticFile(request));
});

async function navigate(request, url) {
  const path = pagePath(url.pathname);
  const copy = path ? await (await caches.open(PAGES)).match(path) : undefined;
  const network = fetch(request);
  try {
    if (!copy) return await network;
    return await Promise.race([network, new Promise((resolve, reject) => {
      setTimeout(() => reject(new Error("timeout")), NETWORK_TIMEOUT_MS);
    })]);
  } catch (error) {  // no network (or too slow): the copy, else the offline page
    network.catch(() => undefined);
    if (copy) return copy;
    return (await caches.match(OFFLINE_URL)) ||
      new Response("Anda sedang luring.", {status: 503, headers: {"Content-Type": "text/plain; charset=utf-8"}});
  }
}

async function staticFile(request) {
  // Dash's bundles and the assets Dash links carry their version in the query (?v=…, ?m=…): a stored copy of that
  // address is still right, so it is served without asking the network (nothing to wait for on a weak line).
  // An address without a version (the server-rendered pages' CSS) asks the network first, then falls back.
  const cache = await caches.open(SHELL);
  const versioned = new URL(request.url).search !== "";
  if (versioned) {
    const stored = await cache.match(request);
    if (stored) return stored;
  }
  try {
    return await fetchAndStore(cache, request, versioned);
  } catch (error) {
    const stored = await cache.match(request, {ignoreSearch: true});
    if (stored) return stored;
    throw error;
  }
}

async function fetchAndStore(cache, request, versioned) {
  const response = await fetch(request);
  if (response.ok && response.type === "basic" && !response.headers.has("Set-Cookie")) {
    if (versioned) {  // the file's older versions go: the cache holds one copy per file
      const pathname = new URL(request.url).pathname;
      const older = (await cache.keys(request, {ignoreSearch: true}))
        .filter((key) => key.url !== request.url && new URL(key.url).pathname === pathname);
      await Promise.all(older.map((key) => cache.delete(key)));
    }
    await cache.put(request, response.clone());
  }
  return response;
}

// The page says which service user's page it shows (assets/qc-pwa.js); the worker fetches its read-only copy
// with the reader's cookie and keeps it under the page's address. The answer tells the page it is kept.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "forget") {
    event.waitUntil(forget());
  } else if (data.type === "remember" && pagePath(data.path || "")) {
    event.waitUntil(remember(pagePath(data.path)).then((kept) => {
      if (event.source) event.source.postMessage({type: "remembered", path: pagePath(data.path), kept: kept});
    }));
  }
});

async function remember(path) {
  let response;
  try {
    response = await fetch(path.replace(/^\/my\//, "/my/offline/"), {credentials: "same-origin",
      redirect: "error", cache: "no-store"});
  } catch (error) {
    return false;
  }
  // Only a real copy for a signed-in reader: a refusal or the login page is never kept.
  if (!response.ok || !(response.headers.get("Content-Type") || "").startsWith("text/html")) return false;
  // Stored with its text, its type and the security headers it came with (the copy runs under the same policy),
  // nothing else: no cookie, no caching instruction meant for the live page.
  const headers = {"Content-Type": "text/html; charset=utf-8", "X-QC-Copy": "1"};
  for (const name of KEPT_HEADERS) {
    if (response.headers.has(name)) headers[name] = response.headers.get(name);
  }
  const copy = new Response(await response.text(), {headers: headers});
  const cache = await caches.open(PAGES);
  await cache.put(path, copy);
  const details = (await cache.keys()).filter((key) => new URL(key.url).pathname !== "/my/applications");
  await Promise.all(details.slice(0, Math.max(0, details.length - MAX_DETAILS)).map((key) => cache.delete(key)));
  return true;
}

/* ---- Web Push (p2) below this line ---- */
/* A push message (portal/services/push.py sends {title, body, url, tag}, encrypted for this browser) becomes a
   notification; a click opens the page it is about. The tag makes a second copy of one message replace the first
   rather than ring twice. Only a path on this site is ever opened: a push cannot send the user elsewhere. */
const PUSH_ICON = "/assets/icons/qc-192.png";
const PUSH_FALLBACK_URL = "/my/notifications";

function ownPage(url) {
  try {
    const target = new URL(url || PUSH_FALLBACK_URL, self.location.origin);
    return target.origin === self.location.origin ? target.href : new URL(PUSH_FALLBACK_URL, self.location.origin).href;
  } catch (error) {
    return new URL(PUSH_FALLBACK_URL, self.location.origin).href;
  }
}

self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = {body: event.data ? event.data.text() : ""};
  }
  const options = {body: message.body || "", icon: PUSH_ICON, badge: PUSH_ICON, lang: "id",
    data: {url: ownPage(message.url)}};
  if (message.tag) options.tag = String(message.tag);
  event.waitUntil(self.registration.showNotification(message.title || "Q-Corner", options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = ownPage(event.notification.data && event.notification.data.url);
  event.waitUntil(self.clients.matchAll({type: "window", includeUncontrolled: true}).then((windows) => {
    const open = windows.find((client) => client.url === url);
    if (open && "focus" in open) return open.focus();
    return self.clients.openWindow(url);
  }));
});

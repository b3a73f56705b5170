// Web Push on the notification settings page (issue 20): "Aktifkan notifikasi di perangkat ini" asks the browser for
// permission, subscribes with the station's VAPID public key and sends the subscription to the portal; "Matikan"
// forgets this device. The words come from the page's data attributes (already translated by the server).
(function () {
    var BOX = "my-notifications-push-device";

    function box() {
        return document.getElementById(BOX);
    }

    function say(key, tone) {
        var status = document.getElementById("my-notifications-push-status");
        var container = box();
        if (status && container) {
            status.textContent = container.getAttribute("data-" + key) || "";
            status.className = "small mt-1 " + (tone ? "text-" + tone : "text-muted");
        }
    }

    function showActive(active) {
        var enable = document.getElementById("my-notifications-push-enable");
        var disable = document.getElementById("my-notifications-push-disable");
        if (enable && disable) {
            enable.classList.toggle("d-none", active);
            disable.classList.toggle("d-none", !active);
        }
    }

    function supported() {
        return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
    }

    // The service worker at the root scope (the PWA's, /sw.js) is the one push messages wake.
    function registration() {
        return navigator.serviceWorker.getRegistration("/").then(function (found) {
            return found || navigator.serviceWorker.register("/sw.js", {scope: "/"});
        }).then(function () {
            return navigator.serviceWorker.ready;
        });
    }

    function keyBytes(base64url) {
        var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
        var raw = window.atob(padded);
        var bytes = new Uint8Array(raw.length);
        for (var i = 0; i < raw.length; i += 1) {
            bytes[i] = raw.charCodeAt(i);
        }
        return bytes;
    }

    function post(path, body) {
        var token = document.getElementById("my-notifications-push-csrf");
        return fetch(path, {
            method: "POST", credentials: "same-origin", body: JSON.stringify(body),
            headers: {"Content-Type": "application/json", "X-CSRFToken": token ? token.value : ""},
        });
    }

    function refreshList() {
        var refresh = document.getElementById("my-notifications-devices-refresh");
        if (refresh) {
            refresh.click();
        }
    }

    function enable() {
        if (!supported()) {
            say("unsupported", "danger");
            return;
        }
        say("enabling");
        // Asked first, straight from the click: some browsers only allow the question during a user's gesture.
        Notification.requestPermission().then(function (permission) {
            if (permission !== "granted") {
                say("denied", "danger");
                return null;
            }
            return fetch("/my/push/key", {credentials: "same-origin"}).then(function (response) {
                return response.json();
            }).then(function (answer) {
                if (!answer.publicKey) {
                    say("off", "muted");
                    return null;
                }
                return registration().then(function (reg) {
                    return reg.pushManager.getSubscription().then(function (existing) {
                        return existing || reg.pushManager.subscribe({
                            userVisibleOnly: true, applicationServerKey: keyBytes(answer.publicKey)});
                    });
                }).then(function (subscription) {
                    return post("/my/push/subscribe", {subscription: subscription.toJSON()});
                }).then(function (response) {
                    if (!response.ok) {
                        throw new Error("subscribe answered " + response.status);
                    }
                    say("enabled", "success");
                    showActive(true);
                    refreshList();
                });
            });
        }).catch(function () {
            say("failed", "danger");
        });
    }

    function disable() {
        if (!supported()) {
            return;
        }
        registration().then(function (reg) {
            return reg.pushManager.getSubscription();
        }).then(function (subscription) {
            if (!subscription) {
                return null;
            }
            return post("/my/push/unsubscribe", {endpoint: subscription.endpoint}).then(function () {
                return subscription.unsubscribe();
            });
        }).then(function () {
            say("disabled");
            showActive(false);
            refreshList();
        }).catch(function () {
            say("failed", "danger");
        });
    }

    // The page is drawn by Dash after this script runs: one delegated listener, and a look at this device's
    // subscription once the box appears (no service worker is started just to look).
    document.addEventListener("click", function (event) {
        var target = event.target.closest ? event.target.closest("button") : null;
        if (!target) {
            return;
        }
        if (target.id === "my-notifications-push-enable") {
            enable();
        } else if (target.id === "my-notifications-push-disable") {
            disable();
        }
    });
    new MutationObserver(function () {
        var container = box();
        if (!container || container.getAttribute("data-looked")) {
            return;
        }
        container.setAttribute("data-looked", "1");
        if (!supported()) {
            return;
        }
        navigator.serviceWorker.getRegistration("/").then(function (reg) {
            return reg ? reg.pushManager.getSubscription() : null;
        }).then(function (subscription) {
            if (subscription && Notification.permission === "granted") {
                showActive(true);
                say("active", "success");
            }
        }).catch(function () {
            return null;
        });
    }).observe(document.documentElement, {childList: true, subtree: true});
}());

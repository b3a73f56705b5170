// A callback the server refused changed nothing on the page and said nothing: a session ended (timed out, logged out
// in another tab), the database restarting, a request over its size, a fault of ours. The person clicked and waited.
// Its failure is said in a banner over the page, in the page's language (the texts: #qc-callback-error, drawn by
// layouts/shell.py), with what to do: log in again, or reload. Dash's own "nothing to update" (204) is no failure;
// no answer at all (no signal) is one.
(function () {
    var original = window.fetch;
    if (!original) {
        return;
    }
    var KINDS = {401: "session", 413: "tooLarge", 429: "busy", 503: "unavailable"};

    window.fetch = function (input) {
        var url = typeof input === "string" ? input : (input && input.url) || "";
        var answer = original.apply(this, arguments);
        if (url.indexOf("/_dash-update-component") === -1) {
            return answer;
        }
        return answer.then(function (response) {
            if (!response.ok && response.status !== 204) {
                show(KINDS[response.status] || "failed");
            }
            return response;
        }, function (error) {
            // No answer at all: the phone lost its signal, or the server is down. A tap on a weak signal did nothing
            // and said nothing (the console's "Callback failed: the server did not respond"). A request the page
            // itself dropped (leaving it) is no failure to report.
            if (!error || error.name !== "AbortError") {
                show("offline");
            }
            throw error;
        });
    };

    function show(kind) {
        var texts = document.getElementById("qc-callback-error");
        if (!texts) {
            return;  // no shell drawn (the login page): nothing to say it in
        }
        var banner = document.getElementById("qc-callback-banner");
        if (!banner) {
            banner = document.createElement("div");
            banner.id = "qc-callback-banner";
            banner.className = "alert alert-danger shadow qc-callback-banner";
            banner.setAttribute("role", "alert");
            document.body.appendChild(banner);
        }
        banner.textContent = "";
        banner.setAttribute("data-kind", kind);
        var message = document.createElement("span");
        message.textContent = texts.getAttribute("data-" + kind) + " ";
        banner.appendChild(message);
        var link = document.createElement("a");
        link.className = "alert-link";
        if (kind === "session") {
            link.href = "/login?next=" + encodeURIComponent(window.location.pathname + window.location.search);
            link.textContent = texts.getAttribute("data-login");
        } else {
            link.href = window.location.href;
            link.textContent = texts.getAttribute("data-reload");
        }
        banner.appendChild(link);
        var close = document.createElement("button");
        close.type = "button";
        close.className = "btn-close";
        close.setAttribute("aria-label", texts.getAttribute("data-close"));
        close.addEventListener("click", function () {
            banner.remove();
        });
        banner.appendChild(close);
    }
})();

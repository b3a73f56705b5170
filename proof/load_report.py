"""The load proof's figures and report: percentiles per page, the markdown section of docs/performance.md."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- load:begin (proof/load.py writes this part) -->", "<!-- load:end -->"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def stats(values: list[float], errors: int = 0) -> dict:
    return {"count": len(values), "errors": errors, "p50": round(percentile(values, 0.5)),
            "p95": round(percentile(values, 0.95)), "p99": round(percentile(values, 0.99)),
            "max": round(max(values, default=0))}


def page_of(name: str) -> str:
    """'/rankings | rankings-grid.rowData' and 'GET /rankings' → '/rankings'; Dash's own files → their name."""
    if " | " in name:
        return name.split(" | ")[0]
    return name.removeprefix("GET ").removeprefix("POST ")


def summarise(raw: dict, seconds: int) -> dict:
    requests, errors = raw.get("requests", {}), raw.get("request_errors", {})
    every = [v for values in requests.values() for v in values]
    by_page: dict[str, list[float]] = {}
    page_errors: dict[str, int] = {}
    for name, values in requests.items():
        by_page.setdefault(page_of(name), []).extend(values)
        page_errors[page_of(name)] = page_errors.get(page_of(name), 0) + len(errors.get(name, []))
    views = raw.get("views", {})
    view_errors = raw.get("view_errors", {})
    return {
        "all": stats(every, sum(len(v) for v in errors.values())),
        "requests_per_second": round(len(every) / seconds, 1),
        "pages": {page: stats(values, page_errors.get(page, 0)) for page, values in by_page.items()},
        "requests": {name: stats(values, len(errors.get(name, []))) for name, values in requests.items()},
        "views": {name: stats(values, view_errors.get(name, 0)) for name, values in views.items()},
        "all_views": stats([v for values in views.values() for v in values]),
        "error_samples": {name: values[:3] for name, values in errors.items() if values},
    }


# ------------------------------------------------------------------------------------------- the report


def render(report: dict) -> str:
    """The generated part of the Load section of docs/performance.md."""
    main, setup = report["main"], report["setup"]
    lines = [BEGIN, "",
             f"Last run: {report['date']}, `{report['command']}` — {report['elapsed_minutes']} min in all.",
             "",
             f"- **Data**: {fmt_counts(setup.get('counts', {}))}; database {setup.get('database_size', '?')}.",
             f"- **Servers**: gunicorn {report['gunicorn']}, QCORNER_ENV=production; `qcorner scheduler "
             f"--interval-seconds {report['sync_interval']}` against the simulator in demo mode: "
             f"{main['sync']['runs']} sync runs during the main run ({main['sync']['failed']} failed), "
             f"{main['sync']['stage_events_written']:,} new stage events written, the longest run "
             f"{main['sync']['longest_seconds']} s.",
             f"- **Machine during the main run**: load average {main['machine']['load_average']['mean']} "
             f"(min {main['machine']['load_average']['min']}, max {main['machine']['load_average']['max']}) on "
             f"{main['machine']['cores']} cores; all cores {main['machine']['machine_busy_percent_of_all_cores']} % "
             f"busy.",
             "",
             f"**Main run: {main['users']} users for {main['seconds']} s** — {main['all']['count']:,} requests "
             f"({main['requests_per_second']}/s), {main['all']['errors']} errors; every request p50 "
             f"{main['all']['p50']} ms, p95 **{main['all']['p95']} ms**, p99 {main['all']['p99']} ms. Page views and "
             f"actions (what a person waits for: all requests of one click, chained callbacks included): "
             f"{main['all_views']['count']:,}, p50 {main['all_views']['p50']} ms, p95 {main['all_views']['p95']} ms, "
             f"p99 {main['all_views']['p99']} ms. Time inside the gunicorn workers (their access log): p50 "
             f"{main['server']['p50']} ms, p95 {main['server']['p95']} ms, p99 {main['server']['p99']} ms — the rest "
             f"of each request's time is waiting for a free worker and for the CPU.",
             "",
             "CPU per request (main run, ms): " + ", ".join(f"{k} {v}" for k, v in cpu_per_request(main).items())
             + f". At that cost two cores serve at most ≈ {ceiling(main)} requests/s; these 50 people asked for "
             f"{main['requests_per_second']}/s ({main['requests_per_second'] / main['users']:.2f} per person).",
             "",
             "| page | requests | p50 | p95 | p99 | errors | page view (menu) p50 / p95 / p99 |",
             "|---|---|---|---|---|---|---|"]
    for page, value in sorted(main["pages"].items(), key=lambda item: -item[1]["count"]):
        view = main["views"].get(f"view {page}")
        view_text = f"{view['p50']} / {view['p95']} / {view['p99']} ms" if view else ""
        lines.append(f"| `{page}` | {value['count']:,} | {value['p50']} ms | {value['p95']} ms | {value['p99']} ms | "
                     f"{value['errors']} | {view_text} |")
    lines += ["", "Slowest requests (p95), by page and callback:", "",
              "| request | count | p50 | p95 | p99 |", "|---|---|---|---|---|"]
    slowest = sorted(main["requests"].items(), key=lambda item: -item[1]["p95"])[:12]
    for name, value in slowest:
        lines.append(f"| `{cell(name)}` | {value['count']:,} | {value['p50']} ms | {value['p95']} ms | {value['p99']} ms |")
    lines += ["", "Gunicorn workers' memory (RSS sampled every second from /proc; VmHWM is the kernel's peak):", "",
              "| worker pid | median RSS | peak RSS (sampled) | VmHWM |", "|---|---|---|---|"]
    for pid, value in main["machine"]["worker_rss_mb"].items():
        lines.append(f"| {pid} | {value['median']} MB | {value['peak_sampled']} MB | {value['vm_hwm']} MB |")
    lines += ["", "CPU during the main run, in % of one core (200 % = both cores):", "",
              "| " + " | ".join(main["machine"]["cpu_percent_of_one_core"]) + " |",
              "|" + "---|" * len(main["machine"]["cpu_percent_of_one_core"]),
              "| " + " | ".join(f"{v} %" for v in main["machine"]["cpu_percent_of_one_core"].values()) + " |"]
    if report.get("steps"):
        lines += ["", f"**Step search** ({report['step_seconds']} s per step, the same servers; CPU in % of one "
                      "core):", "",
                  "| users | requests/s | p50 | p95 | p99 | errors | in the worker p50 / p95 | page views p95 | "
                  "gunicorn workers CPU | PostgreSQL CPU (this db) | other PostgreSQL | locust CPU | machine busy | "
                  "load average | CPU per request: workers / PostgreSQL |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for step in report["steps"]:
            cpu, per_request = step["machine"]["cpu_percent_of_one_core"], cpu_per_request(step)
            lines.append(
                f"| {step['users']} | {step['requests_per_second']} | {step['all']['p50']} ms | "
                f"{step['all']['p95']} ms | {step['all']['p99']} ms | {step['all']['errors']} | "
                f"{step['server']['p50']} / {step['server']['p95']} ms | "
                f"{step['all_views']['p95']} ms | {cpu['gunicorn workers']} % | "
                f"{cpu['postgres (this database)']} % | {cpu['postgres (other)']} % | {cpu['locust']} % | "
                f"{step['machine']['machine_busy_percent_of_all_cores']} % | "
                f"{step['machine']['load_average']['mean']} | {per_request['gunicorn workers']} / "
                f"{per_request['postgres (this database)']} ms |")
        crossed = next((s["users"] for s in report["steps"] if s["all"]["p95"] > 1000), None)
        lines += ["", f"p95 of all requests passes 1 s at **{crossed} users**." if crossed else
                  "p95 stayed under 1 s at every step tried."]
    if main.get("error_samples"):
        lines += ["", "Errors seen: " + "; ".join(f"`{k}`: {v[0]}" for k, v in main["error_samples"].items())]
    lines += ["", END]
    return "\n".join(lines)


def ceiling(run: dict) -> int:
    """Requests per second two dedicated cores could serve at this run's CPU cost per request (locust aside)."""
    cost = sum(v for k, v in cpu_per_request(run).items() if k != "locust" and k != "postgres (other)")
    return round(2000 / cost) if cost else 0


def cpu_per_request(run: dict) -> dict:
    """CPU milliseconds each request cost, by consumer: unlike latency, nearly independent of the machine's load."""
    cpu, wall = run["machine"]["cpu_percent_of_one_core"], run["machine"]["seconds"]
    count = max(run["all"]["count"], 1)
    return {name: round(percent / 100 * wall * 1000 / count, 1) for name, percent in cpu.items()}


def cell(text: str) -> str:
    """A request name inside a Markdown table: its own "|" must not split the cell."""
    return text.replace("|", "\\|")


def fmt_counts(counts: dict) -> str:
    return ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in counts.items())


SECTION_HEAD = """## Load (`benchmarks/load/`, `proof/load.py`)

People of every role working at once on national-scale data while the scheduler syncs; how it runs: the docstring
of `proof/load.py`. The script rewrites only what lies between the markers below.
"""


def write_doc(markdown: str) -> None:
    text = DOC.read_text()
    if BEGIN in text and END in text:
        start, end = text.index(BEGIN), text.index(END) + len(END)
        text = text[:start] + markdown + text[end:]
    else:
        text = text.rstrip("\n") + "\n\n" + SECTION_HEAD + "\n" + markdown + "\n"
    DOC.write_text(text)

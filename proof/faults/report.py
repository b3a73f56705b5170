"""The fault report: the machine it ran on and the Markdown written to docs/proof/faults.md."""
from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

from proof.faults.harness import Outcome


def machine() -> dict[str, str]:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor() or "?")
    memory = next((int(line.split()[1]) // 1024 for line in open("/proc/meminfo") if line.startswith("MemTotal")), 0)
    try:
        mariadb = subprocess.run(["mysql", "-N", "-h", "127.0.0.1", "-u", "root", "-e", "SELECT VERSION()"],
                                 capture_output=True, text=True, timeout=10).stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        mariadb = "?"
    from proof.pgcluster import pg_bin

    postgres = subprocess.run([pg_bin("postgres"), "--version"], capture_output=True, text=True).stdout.strip()
    return {"host": socket.gethostname(), "cpu": f"{os.cpu_count()} × {cpu}", "memory": f"{memory:,} MB",
            "load average at start": " ".join(f"{x:.1f}" for x in os.getloadavg()),
            "python": platform.python_version(), "postgresql": postgres, "mariadb": mariadb,
            "os": platform.platform()}


def _figure(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (dict, list)):
        return f"`{json.dumps(value, ensure_ascii=False, default=str)}`"
    return str(value)


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "**no**"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value).replace("|", "\\|").replace("\n", " ")


def write_report(outcomes: list[Outcome], about: dict[str, str], started: datetime, path: Path) -> None:
    lines = ["# Fault scenarios — results", "",
             "Written by `proof/faults/` (`.venv/bin/python -m proof.faults`); do not edit by hand, rerun it.", "",
             f"- **Run:** {started:%Y-%m-%d %H:%M:%S} UTC, {sum(o.seconds for o in outcomes):.0f} s in all",
             *[f"- **{key}:** {value}" for key, value in about.items()],
             "- Every scenario ran on a private PostgreSQL cluster it started itself (initdb in a temp dir, its own "
             "port from 25432, fsync off), never on the shared server; the simulated IQFast of 2 and 5 lived in a "
             "MariaDB database of its own on 127.0.0.1:3306.", "",
             "| # | scenario | result | time |", "|---|---|---|---|"]
    for o in outcomes:
        lines.append(f"| {o.number} | {o.title} | {'**PASS**' if o.passed else '**FAIL**'} | {o.seconds:.0f} s |")
    for o in outcomes:
        lines += ["", f"## {o.number}. {o.title} — {'PASS' if o.passed else 'FAIL'} ({o.seconds:.0f} s)", ""]
        lines += [f"- {'✅' if ok else '❌'} {label}" for label, ok in o.checks]
        if o.error:
            lines += ["", "Crashed:", "", "```", o.error.strip(), "```"]
        if o.figures:
            lines += ["", "Figures:", ""]
            for key, value in o.figures.items():
                if isinstance(value, list) and value and isinstance(value[0], dict):
                    lines.append(f"- {key}:")
                    lines += [f"  - {_figure(item)}" for item in value]
                else:
                    lines.append(f"- {key}: {_figure(value)}")
        for title, header, rows in o.tables:
            lines += ["", f"{title}:", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
        if o.notes:
            lines += ["", "Notes:", ""] + [f"- {note}" for note in o.notes]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

"""The service user's progress bar: its caption names the step reached, and its segments follow the steps' states."""
from __future__ import annotations

from layouts.my import STEP_COLOURS, progress, steps_gradient
from portal.i18n import t

STAGES = ("submitted", "verified", "inspected", "draft_certificate", "billed", "paid", "certified", "handed_over")


def _caption(bar) -> str:
    return bar.children[1].children


def test_a_finished_application_names_its_last_step_not_no_stage_yet():
    steps = [{"stage": stage, "state": "done"} for stage in STAGES]
    caption = _caption(progress(steps))
    assert t("my.stage.handed_over") in caption and t("my.stage.none") not in caption
    assert "8" in caption


def test_an_application_under_way_names_its_current_step():
    steps = [{"stage": stage, "state": "done" if n < 2 else "current" if n == 2 else "todo"}
             for n, stage in enumerate(STAGES)]
    assert t("my.stage.inspected") in _caption(progress(steps))


def test_each_step_is_one_segment_of_its_state_colour_in_order():
    states = ["done", "done", "current", "todo", "problem"]
    gradient = steps_gradient([{"stage": "x", "state": state} for state in states])
    positions = [gradient.index(STEP_COLOURS[state] + " calc((100% + 3px) * " + str(k) + " / 5)")
                 for k, state in enumerate(states)]
    assert positions == sorted(positions)
    assert gradient.count("transparent") == len(states) - 1
    assert steps_gradient([]) == "none"


def test_each_state_colour_is_a_colour_of_the_palette():
    """The bar's colours are the palette's variables: a name the stylesheet does not define would draw nothing."""
    import re
    from pathlib import Path

    stylesheet = (Path(__file__).resolve().parents[2] / "assets" / "qcorner.css").read_text(encoding="utf-8")
    [root] = re.findall(r":root\s*\{([^}]*)\}", stylesheet)
    defined = set(re.findall(r"(--[\w-]+)\s*:", root))
    used = {re.fullmatch(r"var\((--[\w-]+)\)", colour).group(1) for colour in STEP_COLOURS.values()}
    assert used <= defined and len(used) == len(STEP_COLOURS)


def test_an_ended_application_says_it_stopped_without_a_certificate_not_step_n_of_n():
    steps = [{"stage": "submitted", "state": "done"}, {"stage": "verified", "state": "done"},
             {"stage": "destroyed", "state": "problem"}]
    caption = _caption(progress(steps))
    assert caption == t("my.progress_ended", stage=t("my.stage.destroyed"))
    assert "2" not in caption

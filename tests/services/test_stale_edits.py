"""No lost updates (issue #16): every edit form saves against the version it opened, and a save over a newer
version is refused with what changed since, who saved it and when, leaving the newer save whole.

Each test opens a record twice (two people, two browser tabs), saves the first, then the second: each step is its
own transaction, as each callback is."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Nnc
from portal.services import edit_versions
from portal.services.nnc import detail as nnc_detail
from portal.services.nnc import register as nnc
from portal.services.nnc.rules import EDITABLE_FIELDS, FOLLOW_UP_FIELDS
from portal.validation import StaleEdit
from support.nnc_helpers import actor, valid_nnc


@pytest.fixture
def operators(database, make_user):
    return (actor(database, make_user, "operator", username="petugas_a"),
            actor(database, make_user, "operator", username="petugas_b"))


@pytest.fixture
def coordinators(database, make_user):
    return (actor(database, make_user, "coordinator", "plant", username="koordinator_a"),
            actor(database, make_user, "coordinator", "plant", username="koordinator_b"))


def _open(database, viewer, nnc_id: int, fields) -> tuple[dict, dict]:
    """What a form holds once it opened the NNC: its values, and the version and values it keeps for the save."""
    with database.session() as s:
        found = nnc_detail.nnc_for_viewer(s, nnc_id, viewer)
    values = {name: found.get(name) for name in fields}
    return values, edit_versions.opened(found["version"], values)


def _new_nnc(database, creator) -> int:
    with database.session() as s:
        return nnc.create_nnc(s, creator, valid_nnc(s))["id"]


def _saved(database, nnc_id: int) -> Nnc:
    with database.session() as s:
        record = s.scalar(select(Nnc).where(Nnc.id == nnc_id))
        s.expunge(record)
        return record


def test_second_save_of_an_nnc_opened_before_the_first_is_refused_and_the_first_is_kept(database, operators):
    first, second = operators
    nnc_id = _new_nnc(database, first)
    values_a, kept_a = _open(database, first, nnc_id, EDITABLE_FIELDS)
    values_b, kept_b = _open(database, second, nnc_id, EDITABLE_FIELDS)

    with database.session() as s:
        nnc.update_nnc(s, first, nnc_id, {**values_a, "description": "Larva hidup di 3 dari 40 buah."},
                       expected_version=kept_a["version"], opened=kept_a["values"])
    with pytest.raises(StaleEdit) as caught, database.session() as s:
        nnc.update_nnc(s, second, nnc_id, {**values_b, "commodity": "Durian"},
                       expected_version=kept_b["version"], opened=kept_b["values"])

    assert caught.value.changes == (("description", None, "Larva hidup di 3 dari 40 buah."),)
    assert caught.value.by == "petugas_a" and caught.value.at is not None
    record = _saved(database, nnc_id)
    assert (record.description, record.commodity) == ("Larva hidup di 3 dari 40 buah.", "Manggis")
    assert record.version == kept_a["version"] + 1


def test_a_form_reopened_after_the_first_save_saves(database, operators):
    first, second = operators
    nnc_id = _new_nnc(database, first)
    values_a, kept_a = _open(database, first, nnc_id, EDITABLE_FIELDS)
    with database.session() as s:
        nnc.update_nnc(s, first, nnc_id, {**values_a, "description": "Pertama"},
                       expected_version=kept_a["version"], opened=kept_a["values"])
    values_b, kept_b = _open(database, second, nnc_id, EDITABLE_FIELDS)
    with database.session() as s:
        nnc.update_nnc(s, second, nnc_id, {**values_b, "commodity": "Durian"},
                       expected_version=kept_b["version"], opened=kept_b["values"])
    record = _saved(database, nnc_id)
    assert (record.description, record.commodity) == ("Pertama", "Durian")


def test_a_save_that_changes_nothing_leaves_other_open_forms_current(database, operators):
    first, second = operators
    nnc_id = _new_nnc(database, first)
    values_a, kept_a = _open(database, first, nnc_id, EDITABLE_FIELDS)
    values_b, kept_b = _open(database, second, nnc_id, EDITABLE_FIELDS)
    with database.session() as s:
        nnc.update_nnc(s, first, nnc_id, values_a, expected_version=kept_a["version"], opened=kept_a["values"])
    with database.session() as s:
        nnc.update_nnc(s, second, nnc_id, {**values_b, "commodity": "Durian"},
                       expected_version=kept_b["version"], opened=kept_b["values"])
    assert _saved(database, nnc_id).commodity == "Durian"


def test_a_save_without_a_version_from_a_form_is_refused(database, operators):
    """A crafted save (or a page from before versions) sends none: edit_versions.from_form makes it match nothing."""
    first, _second = operators
    nnc_id = _new_nnc(database, first)
    values, _kept = _open(database, first, nnc_id, EDITABLE_FIELDS)
    version, opened = edit_versions.from_form({"values": "not a dict"})
    with pytest.raises(StaleEdit), database.session() as s:
        nnc.update_nnc(s, first, nnc_id, {**values, "commodity": "Durian"}, expected_version=version, opened=opened)
    assert _saved(database, nnc_id).commodity == "Manggis"


def test_follow_up_over_a_newer_follow_up_is_refused_and_keeps_the_findings(database, operators, coordinators):
    """The issue's case: the second follow-up set `investigation_findings` back to NULL."""
    nnc_id = _new_nnc(database, operators[0])
    first, second = coordinators
    fields = FOLLOW_UP_FIELDS + ("status",)
    values_a, kept_a = _open(database, first, nnc_id, fields)
    values_b, kept_b = _open(database, second, nnc_id, fields)
    with database.session() as s:
        nnc.record_follow_up(s, first, nnc_id, {"investigation_findings": "Fumigasi tidak tuntas."},
                             "under_investigation", expected_version=kept_a["version"], opened=kept_a["values"])
    with pytest.raises(StaleEdit) as caught, database.session() as s:
        nnc.record_follow_up(s, second, nnc_id, {"investigation_findings": None,
                                                 "corrective_action": "Ganti penyedia fumigasi."},
                             expected_version=kept_b["version"], opened=kept_b["values"])
    assert set(caught.value.changes) == {("investigation_findings", None, "Fumigasi tidak tuntas."),
                                         ("status", "received", "under_investigation")}
    assert caught.value.by == "koordinator_a"
    record = _saved(database, nnc_id)
    assert (record.investigation_findings, record.corrective_action, record.status) == \
        ("Fumigasi tidak tuntas.", None, "under_investigation")


def test_an_edit_form_opened_before_a_follow_up_cannot_undo_it(database, operators, coordinators):
    """The edit form carries the follow-up fields too: one version per NNC, so either save makes the other stale."""
    nnc_id = _new_nnc(database, operators[0])
    values, kept = _open(database, operators[0], nnc_id, EDITABLE_FIELDS)
    _fu_values, fu_kept = _open(database, coordinators[0], nnc_id, FOLLOW_UP_FIELDS + ("status",))
    with database.session() as s:
        nnc.record_follow_up(s, coordinators[0], nnc_id, {"corrective_action": "Pelatihan ulang."},
                             expected_version=fu_kept["version"], opened=fu_kept["values"])
    with pytest.raises(StaleEdit) as caught, database.session() as s:
        nnc.update_nnc(s, operators[0], nnc_id, {**values, "lot_number": "L-7"}, expected_version=kept["version"],
                       opened=kept["values"])
    assert caught.value.changes == (("corrective_action", None, "Pelatihan ulang."),)
    assert _saved(database, nnc_id).corrective_action == "Pelatihan ulang."


def test_a_save_racing_past_the_check_is_refused_by_the_guarded_update(database, operators):
    """Both read version 1; the other commits between this one's read and its write: the UPDATE … WHERE version
    finds no row, so this one is refused too (the check alone could not see it)."""
    first, _second = operators
    nnc_id = _new_nnc(database, first)
    with database.sessionmaker() as slow:
        record = slow.get(Nnc, nnc_id)  # read, not locked
        version = record.version
        with database.session() as fast:
            other = fast.get(Nnc, nnc_id)
            edit_versions.claim(fast, other, version, {}, lambda n: {"commodity": n.commodity}, "nnc")
            other.commodity = "Durian"
        record.commodity = "Salak"
        with pytest.raises(StaleEdit) as caught:
            edit_versions.claim(slow, record, version, {"commodity": "Manggis"}, lambda n: {"commodity": n.commodity},
                                "nnc")
        slow.rollback()
    assert caught.value.changes == (("commodity", "Manggis", "Durian"),)
    assert _saved(database, nnc_id).commodity == "Durian"

"""The sync page's export upload in real Chromium: the file field speaks Indonesian, not the browser's "Choose File ·
No file chosen", and a chosen file is still posted and imported (layouts/admin_sync.py: file_picker)."""
from __future__ import annotations

import pytest

from support.browser import screenshot, sign_in

pytestmark = pytest.mark.browser
EXPORT = ("id_negara;kode_negara;nama_negara;tgl_update\n"
          "1;ID;Indonesia;2026-03-01 08:00:00\n").encode()


def test_the_admin_chooses_an_export_in_indonesian_and_it_is_imported(page, make_user):
    pytest.importorskip("portal.iqfast.export_source")
    make_user("admin_unggah", "admin")
    sign_in(page, "admin_unggah")
    page.goto("/admin/sync")
    page.wait_for_selector("#admin-sync-upload-name:has-text('Belum ada berkas dipilih')")
    assert "Pilih berkas" in page.inner_text("#admin-sync-upload-picker")
    field = page.locator("#admin-sync-upload-file")
    assert field.get_attribute("aria-describedby") == "admin-sync-upload-name"
    # A submit without a file: the browser's message is the page's words (its own would be "Please select a file.").
    page.click("#admin-sync-upload-submit")
    assert field.evaluate("input => input.validationMessage") == "Pilih berkas ekspor terlebih dahulu."
    assert page.url.endswith("/admin/sync")

    field.set_input_files(files=[{"name": "m_negara.csv", "mimeType": "text/csv", "buffer": EXPORT}])
    page.wait_for_selector("#admin-sync-upload-name:has-text('m_negara.csv')")
    screenshot(page, "admin-sync-file-chosen")
    page.click("#admin-sync-upload-submit")
    page.wait_for_url("**/admin/sync/upload")
    page.wait_for_selector("#sync-upload-loaded:has-text('1')")

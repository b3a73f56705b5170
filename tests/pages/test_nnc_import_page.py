"""The NNC import page as the browser calls it: a file without the required columns is refused in the reader's words."""
from __future__ import annotations

import base64

from support.web import dash_callback, login


def _import(app, client, name: str, data: bytes) -> str:
    key = next(k for k in app.callback_map if "nnc-import-result.children" in k)
    contents = "data:text/csv;base64," + base64.b64encode(data).decode()
    response = dash_callback(client, key, [{"id": "nnc-import-upload", "property": "contents", "value": contents}],
                             [{"id": "nnc-import-upload", "property": "filename", "value": name}],
                             ["nnc-import-upload.contents"])
    assert response.status_code == 200, response.get_data(as_text=True)
    return str(response.json["response"]["nnc-import-result"]["children"])


def test_a_file_missing_columns_names_them_by_the_templates_headers_in_the_readers_language(app, client, make_user):
    some = "Nomor NNC,Tanggal NNC,Komoditas\nA/1,2024-05-14,Manggis\n".encode()
    make_user("impor_id", "operator")
    assert login(client, "impor_id").status_code == 302
    said = _import(app, client, "sebagian.csv", some)
    assert "Kolom wajib tidak ada: Tanggal diterima, Arah, Otoritas pemberi notifikasi" in said
    assert "Pengguna jasa atau NPWP (salah satu)" in said
    assert "notifying_authority" not in said and "party_name" not in said
    english = app.server.test_client()
    make_user("impor_en", "operator", language="en")
    assert login(english, "impor_en").status_code == 302
    said = _import(app, english, "some.csv", some)
    assert "Required columns are missing: received_date, flow, notifying_authority" in said
    assert "party_name or service_user_tax_id (either one)" in said

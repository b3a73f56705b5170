"""IQFast simulator: builds and runs a database shaped like IQFast's, for Q-Corner to copy from.

IQFast itself can never be reached from development machines, so the connector is written and
tested against this stand-in. The data follow docs/iqfast-simulator.md and DOMAIN.md.

How it works:
- Every application's whole life (stage events, detention, bill, certificates...) is *planned*
  from its own random stream ``Random(f"{seed}:lifecycle:{id_ptk}")`` and the application row.
  ``init_simulator`` writes the part of each plan that lies before the end of the history;
  ``tick`` recomputes the plans of applications that may still be open and writes the part that
  falls inside the tick. Nothing about the future is stored, yet init and ticks stay consistent.
- Rows are written in time order and the simulator assigns every primary key from counters kept
  in ``sim_state``, so ids grow with time, deleted ids are never reused, and the same seed gives
  the same ids on every database backend.
- Every write stamps ``tgl_update`` with a time inside the period being simulated, never earlier,
  so a reader paging on (tgl_update, id) sees every change.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from functools import lru_cache
from typing import Iterator, NamedTuple

from sqlalchemy import Connection, create_engine, func, inspect, select

from portal.iqfast import schema

WIB = timezone(timedelta(hours=7), "WIB")
DAY = timedelta(days=1)
BATCH_SIZE = 5000

# ---------------------------------------------------------------- stages

# Stage name (Q-Corner's) -> IQFast status code. The codes do not sort in stage order.
STAGE_CODES = {
    "submitted": 10,
    "verified": 20,
    "inspected": 30,
    "treated": 40,
    "draft_certificate": 50,
    "billed": 60,
    "paid": 70,
    "certified": 80,
    "handed_over": 90,
    "detained": 31,
    "released": 32,
    "refused": 33,
    "destroyed": 34,
}
SUBMITTED, VERIFIED, INSPECTED, TREATED, DRAFT, BILLED, PAID, CERTIFIED, HANDED_OVER = (
    STAGE_CODES[name]
    for name in (
        "submitted", "verified", "inspected", "treated", "draft_certificate",
        "billed", "paid", "certified", "handed_over",
    )
)
DETAINED, RELEASED, REFUSED, DESTROYED = (
    STAGE_CODES[name] for name in ("detained", "released", "refused", "destroyed")
)

# The stage graph of DOMAIN.md; a released consignment goes back to inspection.
NEXT_STAGES = {
    SUBMITTED: (VERIFIED,),
    VERIFIED: (INSPECTED, DETAINED),
    INSPECTED: (TREATED, DRAFT),
    TREATED: (DRAFT,),
    DRAFT: (BILLED,),
    BILLED: (PAID,),
    PAID: (CERTIFIED,),
    CERTIFIED: (HANDED_OVER,),
    DETAINED: (RELEASED, REFUSED, DESTROYED),
    RELEASED: (INSPECTED,),
    HANDED_OVER: (),
    REFUSED: (),
    DESTROYED: (),
}

STATUS_NAMES = {
    SUBMITTED: ("Permohonan diajukan", "PTK diterima dari pengguna jasa"),
    VERIFIED: ("Verifikasi dokumen", "Dokumen persyaratan diperiksa"),
    INSPECTED: ("Pemeriksaan fisik", "Pemeriksaan kesehatan media pembawa"),
    TREATED: ("Perlakuan", "Tindakan perlakuan karantina"),
    DRAFT: ("Draft sertifikat", "Draft sertifikat diperiksa pengguna jasa"),
    BILLED: ("Penerbitan billing", "Kuitansi dan kode billing PNBP terbit"),
    PAID: ("Pembayaran PNBP", "Pembayaran terkonfirmasi (NTPN)"),
    CERTIFIED: ("Sertifikat terbit", "Sertifikat ditandatangani"),
    HANDED_OVER: ("Serah terima dokumen", "Dokumen diserahkan kepada pengguna jasa"),
    DETAINED: ("Penahanan", "Media pembawa ditahan"),
    RELEASED: ("Pembebasan", "Media pembawa dibebaskan dari penahanan"),
    REFUSED: ("Penolakan", "Media pembawa ditolak"),
    DESTROYED: ("Pemusnahan", "Media pembawa dimusnahkan"),
}

# Median hours and log-normal spread of the wait before reaching each stage.
STAGE_DURATIONS = {
    VERIFIED: (1.5, 0.9),
    INSPECTED: (5.0, 0.8),
    TREATED: (20.0, 0.5),
    DRAFT: (2.0, 0.8),
    BILLED: (0.7, 0.8),
    PAID: (6.0, 1.2),
    CERTIFIED: (1.5, 0.8),
    HANDED_OVER: (4.0, 1.0),
    DETAINED: (3.0, 0.8),
    RELEASED: (96.0, 0.6),
    REFUSED: (96.0, 0.6),
    DESTROYED: (120.0, 0.5),
}
MIN_STEP = timedelta(minutes=2)
MAX_DETENTION = timedelta(days=14)  # the legal detention period
# A plan never reaches past this age: what is not done by then stays open for good.
MAX_LIFETIME = timedelta(days=21)

# ---------------------------------------------------------------- volumes and rates

DAILY_APPLICATIONS = 300  # a full-size station
USERS_PER_STATION = 3000
HANDLERS_PER_STATION = 300
OFFICERS_PER_STATION = 40
ZIPF_EXPONENT = 1.1  # top 10 users make ~45 % of applications
BLOCKED_SHARE = 0.01
# Of each later station's registered companies, the share that are the first station's companies too: one company,
# a record at each station, its NPWP typed the way that station's staff type it (one of them with a digit lost).
SHARED_COMPANY_SHARE = 0.15
SELF_HANDLED_SHARE = 0.10  # users that file without a PPJK
ANIMAL_SHARE = 0.40
DIRECTION_WEIGHTS = {"EX": 55, "IM": 30, "DK": 9, "DM": 6}
LINE_COUNT_WEIGHTS = (60, 28, 12)  # 1, 2 or 3 commodity lines
OFFENDERS_PER_STATION = 8
OFFENDER_RANKS = range(10, 100)  # busy enough to matter, not the station's top clients
DETENTION_RISK = 0.0005  # mean over a user's commodities (see _pair_risk)
OFFENDER_DETENTION_RISK = 0.08
# The hidden risk per (service user, main commodity): a few pairs are risky, the rest almost clean, so a
# history of detentions predicts the next one as targeting assumes. The means stay the rates above.
# user kind -> (share of its commodities that are risky, detention risk of a risky pair, of any other pair)
PAIR_RISK = {
    "offender": (0.3, 0.22, 0.02),  # 0.3 * 0.22 + 0.7 * 0.02 = 0.08
    "other": (0.01, 0.03, 0.0002),  # 0.01 * 0.03 + 0.99 * 0.0002 = 0.0005
}
DETENTION_OUTCOMES = {RELEASED: 50, REFUSED: 35, DESTROYED: 15}  # relative weights
STALL_AT_DRAFT = 0.01  # the service user never confirms the draft
STALL_AT_BILLED = 0.015  # ... or never pays
DUPLICATE_EVENT_RATE = 0.002
CORRECTIONS_PER_DAY = 8  # per full-size station
DELETES_PER_DAY = 4
DUPLICATE_SEARCH_WINDOW = 50_000  # recent stage-event ids searched for a duplicate to delete
CORRECTION_AGE = (timedelta(days=1), timedelta(days=30))

# Local-hour shape of arrivals: the airport works around the clock, busiest by day.
HOURLY_SHAPE = (
    0.35, 0.25, 0.2, 0.2, 0.3, 0.5, 0.8, 1.2, 1.6, 1.8, 1.8, 1.7,
    1.5, 1.6, 1.7, 1.6, 1.4, 1.2, 1.0, 0.9, 0.8, 0.7, 0.55, 0.45,
)
WEEKDAY_SHAPE = (1.1, 1.1, 1.1, 1.1, 1.05, 0.8, 0.55)  # Monday first
ZONE_HOURS_AHEAD_OF_WIB = {"WIB": 0, "WITA": 1, "WIT": 2}

NEW_CERTIFICATES_FROM = date(2023, 7, 1)  # KH-/KT- forms replace HC/PC
NPWP16_FROM = datetime(2024, 7, 1)  # 16-digit tax ids for new registrations

# ---------------------------------------------------------------- reference data


class Office(NamedTuple):
    code: str
    name: str
    zone: str
    port: str
    volume: float  # share of a full-size station's traffic
    cities: tuple[str, ...]


OFFICES = (
    Office("0300", "Balai Besar Karantina Pertanian Soekarno-Hatta", "WIB", "IDCGK", 1.0,
           ("Jakarta Pusat", "Jakarta Utara", "Jakarta Barat", "Jakarta Selatan", "Jakarta Timur",
            "Tangerang", "Tangerang Selatan", "Bekasi", "Bogor", "Depok")),
    Office("2000", "Balai Besar Karantina Pertanian Denpasar", "WITA", "IDDPS", 0.35,
           ("Denpasar", "Badung", "Gianyar", "Tabanan")),
    Office("3000", "Balai Karantina Pertanian Kelas I Jayapura", "WIT", "IDDJJ", 0.12,
           ("Jayapura", "Sentani", "Merauke")),
    Office("1100", "Balai Besar Karantina Pertanian Surabaya", "WIB", "IDSUB", 0.45,
           ("Surabaya", "Sidoarjo", "Gresik", "Malang")),
    Office("2200", "Balai Besar Karantina Pertanian Makassar", "WITA", "IDUPG", 0.3,
           ("Makassar", "Gowa", "Maros")),
    Office("0200", "Balai Karantina Pertanian Kelas I Medan", "WIB", "IDKNO", 0.25,
           ("Medan", "Deli Serdang", "Binjai")),
)


class Country(NamedTuple):
    code: str
    name: str
    port: str  # its main cargo airport
    airlines: tuple[str, ...]
    export_weight: int
    import_weight: int


COUNTRIES = (
    Country("ID", "Indonesia", "IDCGK", ("GA", "ID", "JT", "QG"), 0, 0),
    Country("CN", "Tiongkok", "CNCAN", ("CZ", "GA"), 20, 14),
    Country("HK", "Hong Kong", "HKHKG", ("CX", "GA"), 10, 2),
    Country("SG", "Singapura", "SGSIN", ("SQ", "GA"), 10, 6),
    Country("JP", "Jepang", "JPNRT", ("GA", "JL", "NH"), 9, 5),
    Country("MY", "Malaysia", "MYKUL", ("MH", "AK"), 6, 5),
    Country("KR", "Korea Selatan", "KRICN", ("KE", "GA"), 5, 4),
    Country("TW", "Taiwan", "TWTPE", ("CI", "BR"), 5, 3),
    Country("TH", "Thailand", "THBKK", ("TG",), 4, 8),
    Country("VN", "Vietnam", "VNSGN", ("VN",), 3, 3),
    Country("AE", "Uni Emirat Arab", "AEDXB", ("EK",), 5, 1),
    Country("SA", "Arab Saudi", "SAJED", ("SV", "GA"), 4, 0),
    Country("QA", "Qatar", "QADOH", ("QR",), 2, 0),
    Country("NL", "Belanda", "NLAMS", ("KL", "GA"), 5, 8),
    Country("DE", "Jerman", "DEFRA", ("LH",), 3, 3),
    Country("US", "Amerika Serikat", "USLAX", ("CX", "QR"), 6, 10),
    Country("AU", "Australia", "AUSYD", ("QF", "GA"), 4, 14),
    Country("NZ", "Selandia Baru", "NZAKL", ("NZ",), 1, 6),
    Country("IN", "India", "INDEL", ("AI",), 2, 4),
)
COUNTRY_BY_CODE = {country.code: country for country in COUNTRIES}

# (UN/LOCODE, airport, city, country); ids follow this order.
PORTS = (
    ("IDCGK", "Bandara Internasional Soekarno-Hatta", "Tangerang", "ID"),
    ("IDDPS", "Bandara Internasional I Gusti Ngurah Rai", "Denpasar", "ID"),
    ("IDDJJ", "Bandara Sentani", "Jayapura", "ID"),
    ("IDSUB", "Bandara Internasional Juanda", "Surabaya", "ID"),
    ("IDUPG", "Bandara Internasional Sultan Hasanuddin", "Makassar", "ID"),
    ("IDKNO", "Bandara Internasional Kualanamu", "Medan", "ID"),
    ("IDBPN", "Bandara Internasional Sultan Aji Muhammad Sulaiman", "Balikpapan", "ID"),
    ("IDPNK", "Bandara Internasional Supadio", "Pontianak", "ID"),
    ("IDMDC", "Bandara Internasional Sam Ratulangi", "Manado", "ID"),
    ("IDAMQ", "Bandara Internasional Pattimura", "Ambon", "ID"),
    ("IDBTH", "Bandara Internasional Hang Nadim", "Batam", "ID"),
    ("CNCAN", "Guangzhou Baiyun International Airport", "Guangzhou", "CN"),
    ("HKHKG", "Hong Kong International Airport", "Hong Kong", "HK"),
    ("SGSIN", "Singapore Changi Airport", "Singapore", "SG"),
    ("JPNRT", "Narita International Airport", "Tokyo", "JP"),
    ("MYKUL", "Kuala Lumpur International Airport", "Kuala Lumpur", "MY"),
    ("KRICN", "Incheon International Airport", "Seoul", "KR"),
    ("TWTPE", "Taiwan Taoyuan International Airport", "Taipei", "TW"),
    ("THBKK", "Suvarnabhumi Airport", "Bangkok", "TH"),
    ("VNSGN", "Tan Son Nhat International Airport", "Ho Chi Minh City", "VN"),
    ("AEDXB", "Dubai International Airport", "Dubai", "AE"),
    ("SAJED", "King Abdulaziz International Airport", "Jeddah", "SA"),
    ("QADOH", "Hamad International Airport", "Doha", "QA"),
    ("NLAMS", "Amsterdam Airport Schiphol", "Amsterdam", "NL"),
    ("DEFRA", "Frankfurt Airport", "Frankfurt", "DE"),
    ("USLAX", "Los Angeles International Airport", "Los Angeles", "US"),
    ("AUSYD", "Sydney Kingsford Smith Airport", "Sydney", "AU"),
    ("NZAKL", "Auckland Airport", "Auckland", "NZ"),
    ("INDEL", "Indira Gandhi International Airport", "New Delhi", "IN"),
)
PORT_IDS = {code: number for number, (code, *_rest) in enumerate(PORTS, start=1)}
DOMESTIC_PORTS = tuple(port for port in PORTS if port[3] == "ID")

# Airline code -> (name, air waybill prefix)
AIRLINES = {
    "GA": ("Garuda Indonesia", "126"), "ID": ("Batik Air", "938"), "JT": ("Lion Air", "990"),
    "QG": ("Citilink", "888"), "SQ": ("Singapore Airlines", "618"), "CX": ("Cathay Pacific", "160"),
    "CZ": ("China Southern Airlines", "784"), "JL": ("Japan Airlines", "131"),
    "NH": ("All Nippon Airways", "205"), "KE": ("Korean Air", "180"), "CI": ("China Airlines", "297"),
    "BR": ("EVA Air", "695"), "MH": ("Malaysia Airlines", "232"), "AK": ("AirAsia", "807"),
    "TG": ("Thai Airways", "217"), "VN": ("Vietnam Airlines", "738"), "EK": ("Emirates", "176"),
    "QR": ("Qatar Airways", "157"), "SV": ("Saudia", "065"), "KL": ("KLM", "074"),
    "LH": ("Lufthansa Cargo", "020"), "QF": ("Qantas", "081"), "NZ": ("Air New Zealand", "086"),
    "AI": ("Air India", "098"),
}


class Commodity(NamedTuple):
    code: str
    name: str
    latin: str | None
    hs: str
    section: str  # H hewan, T tumbuhan
    group: str  # kelompok: HH, BAH, HBAH, TH, BT, HT, HTO (docs/iqfast-simulator.md)
    unit: str
    median_quantity: float
    kg_per_unit: float
    directions: str  # E ekspor, I impor, K domestik keluar, M domestik masuk
    weight: float
    countries: tuple[str, ...] = ()  # usual partners; empty: the general mix


COMMODITIES = (
    Commodity("H001", "Sarang burung walet", "Collocalia fuciphaga", "0410.10.00", "H", "BAH", "KG", 40, 1, "EK", 14, ("CN", "HK", "SG", "TW", "MY")),
    Commodity("H002", "Sarang burung walet olahan", "Collocalia fuciphaga", "2106.90.99", "H", "HBAH", "KG", 20, 1, "E", 3, ("CN", "HK", "SG")),
    Commodity("H003", "Daging sapi beku", "Bos taurus", "0202.30.00", "H", "BAH", "KG", 2000, 1, "IM", 6, ("AU", "NZ", "US")),
    Commodity("H004", "DOC ayam (anak ayam umur sehari)", "Gallus gallus domesticus", "0105.11.00", "H", "HH", "EKR", 3000, 0.04, "EKM", 8),
    Commodity("H005", "Kucing", "Felis catus", "0106.19.00", "H", "HH", "EKR", 1, 4, "EIKM", 9),
    Commodity("H006", "Anjing", "Canis lupus familiaris", "0106.19.00", "H", "HH", "EKR", 1, 12, "EIKM", 5),
    Commodity("H007", "Burung kenari", "Serinus canaria", "0106.39.00", "H", "HH", "EKR", 20, 0.03, "IKM", 2),
    Commodity("H008", "Kuda pacu", "Equus caballus", "0101.21.00", "H", "HH", "EKR", 2, 450, "I", 0.5, ("AU", "NZ", "NL")),
    Commodity("H009", "Biawak", "Varanus salvator", "0106.20.00", "H", "HH", "EKR", 30, 3, "E", 1, ("CN", "HK", "US")),
    Commodity("H010", "Telur ayam tetas", "Gallus gallus domesticus", "0407.11.00", "H", "BAH", "BTR", 5000, 0.06, "IKM", 3),
    Commodity("H011", "Semen beku sapi", "Bos taurus", "0511.10.00", "H", "BAH", "DOS", 500, 0.001, "IKM", 1.5, ("AU", "NZ", "US")),
    Commodity("H012", "Susu bubuk", "Bos taurus", "0402.21.00", "H", "HBAH", "KG", 5000, 1, "IM", 4, ("NZ", "AU", "NL", "US")),
    Commodity("H013", "Keju", "Bos taurus", "0406.90.00", "H", "HBAH", "KG", 800, 1, "I", 2, ("NL", "DE", "NZ", "AU")),
    Commodity("H014", "Madu", "Apis mellifera", "0409.00.00", "H", "HBAH", "KG", 100, 1, "EKM", 2),
    Commodity("H015", "Daging ayam beku", "Gallus gallus domesticus", "0207.14.00", "H", "BAH", "KG", 1500, 1, "KM", 4),
    Commodity("H016", "Kulit sapi wet blue", "Bos taurus", "4104.11.00", "H", "BAH", "KG", 3000, 1, "E", 2, ("CN", "KR", "VN", "TW")),
    Commodity("H017", "Bulu itik", "Anas platyrhynchos", "0505.10.00", "H", "BAH", "KG", 500, 1, "E", 1, ("CN", "TW")),
    Commodity("H018", "Pakan hewan kesayangan", None, "2309.10.00", "H", "HBAH", "KG", 800, 1, "IM", 3),
    Commodity("H019", "Gelatin sapi", "Bos taurus", "3503.00.00", "H", "HBAH", "KG", 1000, 1, "I", 1),
    Commodity("T001", "Manggis", "Garcinia mangostana", "0804.50.20", "T", "HT", "KG", 1500, 1, "E", 8, ("CN", "HK", "TH", "MY", "AE")),
    Commodity("T002", "Kopi biji (green bean)", "Coffea arabica", "0901.11.10", "T", "HT", "KG", 3000, 1, "EK", 7, ("US", "JP", "NL", "DE", "KR", "AU")),
    Commodity("T003", "Kopi sangrai", "Coffea arabica", "0901.21.10", "T", "HTO", "KG", 200, 1, "EK", 3),
    Commodity("T004", "Anggrek Dendrobium", "Dendrobium sp.", "0602.90.90", "T", "TH", "BTG", 300, 0.05, "EIKM", 4),
    Commodity("T005", "Aglaonema", "Aglaonema sp.", "0602.90.90", "T", "TH", "BTG", 200, 0.1, "EKM", 3),
    Commodity("T006", "Bunga potong krisan", "Chrysanthemum morifolium", "0603.14.00", "T", "TH", "BTG", 2000, 0.03, "IKM", 2, ("MY", "NL")),
    Commodity("T007", "Benih jagung hibrida", "Zea mays", "1005.10.00", "T", "BT", "KG", 1000, 1, "IKM", 3, ("TH", "US", "IN")),
    Commodity("T008", "Benih kubis", "Brassica oleracea", "1209.91.90", "T", "BT", "KG", 20, 1, "I", 2, ("JP", "NL", "TH")),
    Commodity("T009", "Kentang bibit", "Solanum tuberosum", "0701.10.00", "T", "BT", "KG", 2000, 1, "IM", 1, ("NL", "AU", "DE")),
    Commodity("T010", "Kecambah kelapa sawit", "Elaeis guineensis", "1207.10.10", "T", "BT", "BTR", 10000, 0.001, "EK", 1),
    Commodity("T011", "Salak", "Salacca zalacca", "0810.90.93", "T", "HT", "KG", 800, 1, "EKM", 3, ("CN", "SG", "HK")),
    Commodity("T012", "Buah naga", "Selenicereus undatus", "0810.90.99", "T", "HT", "KG", 600, 1, "IKM", 2, ("VN",)),
    Commodity("T013", "Apel segar", "Malus domestica", "0808.10.00", "T", "HT", "KG", 5000, 1, "I", 4, ("CN", "US", "NZ", "AU")),
    Commodity("T014", "Jeruk mandarin", "Citrus reticulata", "0805.21.00", "T", "HT", "KG", 5000, 1, "I", 3, ("CN", "AU")),
    Commodity("T015", "Bawang putih", "Allium sativum", "0703.20.90", "T", "HT", "KG", 8000, 1, "I", 2, ("CN",)),
    Commodity("T016", "Vanili", "Vanilla planifolia", "0905.10.00", "T", "HT", "KG", 50, 1, "EK", 2, ("US", "DE", "NL", "JP")),
    Commodity("T017", "Lada hitam", "Piper nigrum", "0904.11.20", "T", "HT", "KG", 500, 1, "E", 2),
    Commodity("T018", "Cengkeh", "Syzygium aromaticum", "0907.10.00", "T", "HT", "KG", 500, 1, "E", 1, ("IN", "SA", "AE")),
    Commodity("T019", "Kayu manis", "Cinnamomum burmanni", "0906.11.00", "T", "HT", "KG", 1000, 1, "E", 2, ("US", "NL", "IN")),
    Commodity("T020", "Pala", "Myristica fragrans", "0908.11.00", "T", "HT", "KG", 500, 1, "E", 1, ("NL", "DE", "US", "IN")),
    Commodity("T021", "Kakao biji", "Theobroma cacao", "1801.00.00", "T", "HT", "KG", 5000, 1, "E", 1, ("MY", "SG", "NL")),
    Commodity("T022", "Teh hitam", "Camellia sinensis", "0902.40.90", "T", "HTO", "KG", 500, 1, "EK", 2),
    Commodity("T023", "Kelapa parut kering", "Cocos nucifera", "0801.11.00", "T", "HTO", "KG", 1000, 1, "E", 1),
    Commodity("T024", "Gaharu", "Aquilaria malaccensis", "1211.90.99", "T", "HT", "KG", 30, 1, "E", 2, ("SA", "AE", "QA", "TW", "HK")),
    Commodity("T025", "Kayu jati gergajian", "Tectona grandis", "4407.29.90", "T", "HTO", "M3", 5, 700, "E", 0.5),
    Commodity("T026", "Pisang", "Musa paradisiaca", "0803.90.00", "T", "HT", "KG", 800, 1, "EKM", 2),
    Commodity("T027", "Beras", "Oryza sativa", "1006.30.30", "T", "HT", "KG", 1000, 1, "KM", 3),
    Commodity("T028", "Kubis segar", "Brassica oleracea var. capitata", "0704.90.10", "T", "HT", "KG", 500, 1, "KM", 3),
)
COMMODITY_IDS = {commodity.code: number for number, commodity in enumerate(COMMODITIES, start=1)}
DIRECTION_LETTERS = {"EX": "E", "IM": "I", "DK": "K", "DM": "M"}
DIRECTION_NAMES = {"EX": "Ekspor", "IM": "Impor", "DK": "Domestik keluar", "DM": "Domestik masuk"}

UNITS = {
    "KG": ("Kilogram", False), "EKR": ("Ekor", True), "BTG": ("Batang", True),
    "BTR": ("Butir", True), "DOS": ("Dosis", True), "M3": ("Meter kubik", False),
}  # code -> (name, counted in whole pieces)

# (code, name, section, valid from, valid until)
DOCUMENT_KINDS = (
    ("HC", "Health Certificate (sertifikat kesehatan hewan, format lama)", "H", date(2015, 1, 1), date(2023, 6, 30)),
    ("PC", "Phytosanitary Certificate (format lama)", "T", date(2015, 1, 1), date(2023, 6, 30)),
    ("KH-1", "Sertifikat Kesehatan Hewan", "H", NEW_CERTIFICATES_FROM, None),
    ("KH-2", "Sertifikat Sanitasi Produk Hewan", "H", NEW_CERTIFICATES_FROM, None),
    ("KT-1", "Phytosanitary Certificate", "T", NEW_CERTIFICATES_FROM, None),
    ("KT-2", "Phytosanitary Certificate for Re-export", "T", NEW_CERTIFICATES_FROM, None),
    ("KT-3", "Sertifikat Kesehatan Tumbuhan Antar Area", "T", NEW_CERTIFICATES_FROM, None),
    ("KT-4", "Sertifikat Kesehatan Produk Tumbuhan Olahan", "T", NEW_CERTIFICATES_FROM, None),
    ("SP-H", "Sertifikat Pelepasan Karantina Hewan (impor)", "H", date(2015, 1, 1), None),
    ("SP-T", "Sertifikat Pelepasan Karantina Tumbuhan (impor)", "T", date(2015, 1, 1), None),
)

# ---------------------------------------------------------------- words for names and texts

COMPANY_WORDS = (
    "Sinar", "Jaya", "Abadi", "Makmur", "Sentosa", "Nusantara", "Agro", "Mandiri", "Sejahtera",
    "Karya", "Prima", "Indo", "Global", "Lestari", "Bumi", "Mitra", "Utama", "Perkasa", "Tani",
    "Sarana", "Cahaya", "Mulia", "Berkah", "Anugrah", "Putra", "Surya", "Mega", "Tunas", "Harapan",
    "Citra", "Rezeki", "Langgeng", "Gemilang", "Persada", "Kencana", "Samudra", "Wahana", "Inti",
    "Alam", "Walet", "Fauna", "Flora", "Hortindo", "Pangan", "Niaga", "Perdana",
)
HANDLER_SUFFIXES = ("Logistik", "Kargo", "Ekspres", "Forwarding", "Freight", "Transindo")
FOREIGN_WORDS = (
    "Golden", "Eastern", "Pacific", "Harmony", "Orient", "Green Valley", "Sunrise", "Lotus",
    "Evergreen", "Silver Bay", "Royal", "Crown", "Northstar", "Blue Ocean", "Unity", "Prosper",
)
FOREIGN_SUFFIXES = {
    "CN": "Trading Co., Ltd.", "HK": "Limited", "SG": "Pte. Ltd.", "JP": "Shoji Co., Ltd.",
    "MY": "Sdn. Bhd.", "KR": "Co., Ltd.", "TW": "Enterprise Co., Ltd.", "TH": "Co., Ltd.",
    "VN": "Joint Stock Company", "AE": "General Trading LLC", "SA": "Trading Est.", "QA": "W.L.L.",
    "NL": "B.V.", "DE": "GmbH", "US": "Imports Inc.", "AU": "Pty Ltd", "NZ": "Limited", "IN": "Pvt. Ltd.",
}
FOREIGN_STREETS = ("Harbour Road", "Industrial Avenue", "Market Street", "Airport Road", "Commerce Park", "Trade Centre")
STREETS = (
    "Jl. Sudirman", "Jl. Gatot Subroto", "Jl. Daan Mogot", "Jl. Raya Bekasi", "Jl. Gajah Mada",
    "Jl. Hayam Wuruk", "Jl. Pluit Raya", "Jl. Kapuk Raya", "Jl. Husein Sastranegara",
    "Jl. Marsekal Suryadarma", "Jl. Raya Serpong", "Jl. Pahlawan", "Jl. Diponegoro", "Jl. Ahmad Yani",
    "Jl. Imam Bonjol", "Jl. Mangga Dua Raya", "Jl. Kebon Jeruk", "Jl. Industri Raya",
)
FIRST_NAMES = (
    "Agus", "Budi", "Siti", "Dewi", "Rina", "Andi", "Hendra", "Yuliana", "Fitri", "Rudi", "Wahyu",
    "Nur", "Sri", "Eko", "Dian", "Ratna", "Bambang", "Indah", "Arief", "Lestari", "Putu", "Made",
    "Ketut", "Yohanes", "Maria", "Teguh", "Ahmad", "Muhammad", "Rizki", "Yusuf",
)
LAST_NAMES = (
    "Santoso", "Wijaya", "Setiawan", "Rahmawati", "Pratama", "Hidayat", "Saputra", "Kurniawan",
    "Nugroho", "Susanti", "Siregar", "Nasution", "Simanjuntak", "Lubis", "Harahap", "Sembiring",
    "Wibowo", "Purnomo", "Hakim", "Tanjung", "Kusuma", "Permana", "Gunawan", "Suryadi",
)
PACKAGING = {
    "HH": ("Kandang", "Kotak berventilasi"), "BAH": ("Karton", "Kotak styrofoam"),
    "HBAH": ("Karton", "Karung"), "TH": ("Karton", "Kotak kayu"), "BT": ("Karung", "Kantong plastik"),
    "HT": ("Karton", "Keranjang plastik", "Karung"), "HTO": ("Karton", "Karung", "Palet"),
}
PURPOSES = {
    "HH": ("Hewan kesayangan", "Bibit", "Pameran"), "BAH": ("Konsumsi", "Bahan baku industri"),
    "HBAH": ("Konsumsi", "Bahan baku industri"), "TH": ("Tanaman hias", "Pameran"),
    "BT": ("Benih", "Penelitian"), "HT": ("Konsumsi", "Bahan baku industri"),
    "HTO": ("Konsumsi", "Bahan baku industri"),
}
DECLARATION = "Kami menyatakan bahwa keterangan di atas benar dan media pembawa belum pernah ditolak."
DETENTION_REASONS = (
    "Dokumen persyaratan tidak lengkap",
    "Sertifikat kesehatan dari negara/area asal tidak dilampirkan",
    "Media pembawa tidak sesuai dengan dokumen",
    "Tidak dilaporkan kepada petugas karantina",
    "Diduga terinfestasi OPTK / tertular HPHK",
)
REFUSAL_REASONS = (
    "Dokumen persyaratan tidak dapat dilengkapi dalam 14 hari",
    "Berasal dari negara/area yang dilarang",
    "Tidak memenuhi persyaratan teknis negara tujuan",
)
REFUSAL_FOLLOW_UPS = ("Dikirim kembali ke negara/area asal", "Dikembalikan kepada pengirim")
DESTRUCTION_REASONS = (
    "Terinfestasi OPTK yang tidak dapat dibebaskan dengan perlakuan",
    "Tertular HPHK golongan I",
    "Tidak dikirim kembali setelah penolakan",
    "Busuk atau rusak",
)
DESTRUCTION_METHODS = ("Dibakar dalam insinerator", "Dikubur", "Dihancurkan")
TREATMENTS = {
    "T": (
        ("Fumigasi metil bromida", "48 g/m3 selama 24 jam"),
        ("Fumigasi fosfin", "2 g/m3 selama 72 jam"),
        ("Perlakuan uap panas (VHT)", "46,5 C selama 10 menit"),
        ("Iradiasi", "400 Gy"),
    ),
    "H": (
        ("Pemanasan", "70 C selama 3,5 detik (suhu inti)"),
        ("Desinfeksi", "Formalin 2 persen"),
    ),
}
ADDITIONAL_DECLARATIONS = {
    "T": (
        "The consignment was inspected and found free from Bactrocera spp.",
        "The plants were grown in a place of production free from Ralstonia solanacearum.",
        "The consignment is free from soil and plant debris.",
    ),
    "H": (
        "The edible bird's nests were heated to a core temperature of 70 C for at least 3.5 seconds.",
        "The animals come from an area free from rabies.",
        "The products come from an establishment approved by the competent authority.",
    ),
}
# A domestic certificate (KT-3, and the animal ones within Indonesia) is read by Indonesian officers: the same
# declarations in Indonesian, as many of them (the draw takes the same random number either way).
DOMESTIC_DECLARATIONS = {
    "T": (
        "Media pembawa telah diperiksa dan bebas dari Bactrocera spp.",
        "Tanaman ditanam di tempat produksi yang bebas dari Ralstonia solanacearum.",
        "Media pembawa bebas dari tanah dan sisa tanaman.",
    ),
    "H": (
        "Sarang burung walet telah dipanaskan hingga suhu inti 70 °C sekurang-kurangnya 3,5 detik.",
        "Hewan berasal dari daerah bebas rabies.",
        "Produk berasal dari unit usaha yang disetujui otoritas yang berwenang.",
    ),
}

# ---------------------------------------------------------------- small helpers


def _wib_now() -> datetime:
    """The current WIB wall-clock time, naive, rounded down to the minute."""
    return datetime.now(WIB).replace(tzinfo=None, second=0, microsecond=0)


def _as_naive_wib(moment: datetime) -> datetime:
    """IQFast stores naive WIB times with whole seconds (MySQL DATETIME keeps no fraction)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(WIB).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method, exact but slow for big means, which are split up)."""
    count = 0
    while mean > 30:  # a sum of Poisson draws is a Poisson draw
        count += _poisson(rng, 30)
        mean -= 30
    limit, product = math.exp(-mean), rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _wait(rng: random.Random, median_hours: float, sigma: float) -> timedelta:
    """A log-normal waiting time in whole seconds, never shorter than MIN_STEP."""
    seconds = int(median_hours * 3600 * rng.lognormvariate(0.0, sigma))
    return max(MIN_STEP, timedelta(seconds=seconds))


def _person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _company_words(rng: random.Random, count: int) -> str:
    return " ".join(rng.sample(COMPANY_WORDS, count))


def _street_address(rng: random.Random, city: str) -> str:
    return f"{rng.choice(STREETS)} No. {rng.randint(1, 250)}, {city}"


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"021-{rng.randint(2_000_000, 8_999_999)}"
    return f"08{rng.randint(11, 59)}-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"


def _email(rng: random.Random, name: str) -> str:
    slug = "".join(ch for ch in name.lower().replace("pt ", "").replace("cv ", "") if ch.isalnum())[:24]
    return f"{slug}@{rng.choice(('gmail.com', 'yahoo.co.id', f'{slug[:12]}.co.id'))}"


def _npwp(rng: random.Random, registered: datetime, person: bool) -> str:
    """15-digit NPWP (formatted) before the 2024 switch; 16 digits after it (NIK for people)."""
    digits = f"{rng.randint(1, 99):02d}{rng.randint(0, 999_999_999):09d}{rng.randint(0, 999):03d}000"
    if registered < NPWP16_FROM:
        return f"{digits[0:2]}.{digits[2:5]}.{digits[5:8]}.{digits[8]}-{digits[9:12]}.{digits[12:15]}"
    if person:
        return f"{rng.choice((31, 32, 36))}{rng.randint(0, 10**14 - 1):014d}"
    return "0" + digits[:15]


def _npwp_as_typed(rng: random.Random, npwp: str) -> str:
    """The same NPWP as another station's staff wrote it: plain, with spaces, or in its 16-digit form (0 + the 15
    digits), grouped by four or not."""
    digits = "".join(ch for ch in npwp if ch.isdigit())
    if len(digits) == 15:
        return rng.choice((digits, f"{digits[:2]} {digits[2:5]} {digits[5:8]} {digits[8]} {digits[9:12]} {digits[12:]}",
                           "0" + digits, " ".join(("0" + digits)[i:i + 4] for i in range(0, 16, 4))))
    return rng.choice((" ".join(digits[i:i + 4] for i in range(0, 16, 4)),
                       ".".join(digits[i:i + 4] for i in range(0, 16, 4)), f" {digits} "))


def _share_companies(seed: int, office: Office, rows: list[dict], first_rows: list[dict]) -> None:
    """Make SHARED_COMPANY_SHARE of a later station's companies the first station's (name, kind and NPWP as typed
    there); the first of them has a digit lost from its NPWP, a wrong split for the admin to merge."""
    rng = random.Random(f"{seed}:shared:{office.code}")
    companies = [row for row in first_rows if row["jenis_usaha"] != "PERORANGAN"]
    count = min(len(companies), round(len(rows) * SHARED_COMPANY_SHARE))
    for number, (row, source) in enumerate(zip(rng.sample(rows, count), rng.sample(companies, count))):
        row["nama"], row["jenis_usaha"] = source["nama"], source["jenis_usaha"]
        row["npwp"] = _npwp_as_typed(rng, source["npwp"]) if number else source["npwp"][:-1]


def _document_number(no_ptk: str, kind: str) -> str:
    """Documents of one PTK share its yearly running number: 'KT-1/0300/2026/000123'."""
    year, _one, office_code, *_rest, running = no_ptk.split(".")
    return f"{kind}/{office_code}/{year}/{running}"


def _flight_number(rng: random.Random, airline: str, port: str) -> str:
    """One of three flight numbers that the airline flies on this route, so routes repeat."""
    route = sum(map(ord, airline + port))
    return f"{airline} {100 + (route * 7 + rng.randrange(3) * 131) % 900}"


def _air_waybill(rng: random.Random, airline: str) -> str:
    """Airline prefix, 7-digit serial and its mod-7 check digit, as on a real air waybill."""
    serial = rng.randrange(10**7)
    return f"{AIRLINES[airline][1]}-{serial:07d}{serial % 7}"


# ---------------------------------------------------------------- facts: rows as written over time


@dataclass(slots=True)
class _Fact:
    """One row IQFast writes at ``at``, and the later changes to it that its plan already knows.

    Changes find their row by ``id_ptk``: an application has at most one bill and one detention.
    """

    at: datetime
    table: str
    row: dict
    updates: list[tuple[datetime, dict]] = field(default_factory=list)

    def as_of(self, moment: datetime) -> dict:
        """The row as it stands at ``moment``, its tgl_update the time of its last change."""
        row = dict(self.row, tgl_update=self.at)
        for at, changes in self.updates:
            if at <= moment:
                row.update(changes, tgl_update=at)
        return row


_PRIMARY_KEYS = {table.name: table.primary_key.columns[0].name for table in schema.metadata.sorted_tables}


class _Writer:
    """Buffers rows per table and sends each full buffer as one executemany."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.buffers: dict[str, list[dict]] = defaultdict(list)
        self.counts: Counter = Counter()

    def add(self, table_name: str, row: dict) -> None:
        buffer = self.buffers[table_name]
        buffer.append(row)
        if len(buffer) >= BATCH_SIZE:
            self._flush(table_name)

    def close(self) -> None:
        for table_name in list(self.buffers):
            self._flush(table_name)

    def _flush(self, table_name: str) -> None:
        rows = self.buffers.pop(table_name)
        if rows:
            self.conn.execute(schema.metadata.tables[table_name].insert(), rows)
            self.counts[table_name] += len(rows)


class _State:
    """The simulator clock, seed and id/number counters, kept in ``sim_state``."""

    def __init__(self, seed: int, offices: int, clock: datetime, counters: dict[str, int] | None = None):
        self.seed, self.offices, self.clock = seed, offices, clock
        self.counters: dict[str, int] = counters or {}

    def next(self, counter: str) -> int:
        value = self.counters.get(counter, 0) + 1
        self.counters[counter] = value
        return value

    @classmethod
    def load(cls, conn: Connection) -> _State:
        values = {}
        if inspect(conn).has_table(schema.sim_state.name):
            values = dict(conn.execute(select(schema.sim_state.c.name, schema.sim_state.c.value)).all())
        if "clock" not in values:
            raise RuntimeError("this database holds no IQFast simulator: run init_simulator first")
        counters = {name[8:]: int(value) for name, value in values.items() if name.startswith("counter:")}
        return cls(int(values["seed"]), int(values["offices"]), datetime.fromisoformat(values["clock"]), counters)

    def save(self, conn: Connection) -> None:
        values = {"seed": str(self.seed), "offices": str(self.offices), "clock": self.clock.isoformat(sep=" ")}
        values.update({f"counter:{name}": str(value) for name, value in self.counters.items()})
        conn.execute(schema.sim_state.delete())
        conn.execute(schema.sim_state.insert(), [{"name": k, "value": v} for k, v in sorted(values.items())])


def _emit(facts: list[_Fact], moment: datetime, state: _State, writer: _Writer) -> None:
    """Write facts in time order as they stand at ``moment``, numbering rows as they go."""
    for fact in sorted(facts, key=lambda fact: fact.at):  # stable: ties keep plan order
        row = fact.as_of(moment)
        key = _PRIMARY_KEYS[fact.table]
        if key not in row:
            row[key] = state.next(f"id:{fact.table}")
        writer.add(fact.table, row)


# ---------------------------------------------------------------- the population of a station


class _User(NamedTuple):
    id: int
    name: str
    address: str
    city: str


@dataclass
class _Station:
    """One office with the people who work there or use it."""

    id_upt: int
    office: Office
    users: list[_User]  # those not blocked, by popularity rank
    cum_weights: list[float]
    offenders: frozenset[int]
    handlers: list[int]
    officers: dict[str, list[tuple[str, str]]]  # section H / T / '*' -> [(name, NIP)]
    seed: int
    _handler_eras: dict = field(default_factory=dict)

    @classmethod
    def build(cls, seed: int, id_upt: int, users: list[_User], handlers: list[int]) -> _Station:
        """Rank users by a seeded shuffle (Zipf weights by rank) and pick the repeat offenders."""
        office = OFFICES[id_upt - 1]
        rng = random.Random(f"{seed}:ranking:{office.code}")
        ranked = sorted(users)
        rng.shuffle(ranked)
        weights = itertools.accumulate(rank ** -ZIPF_EXPONENT for rank in range(1, len(ranked) + 1))
        ranks = range(OFFENDER_RANKS.start, min(OFFENDER_RANKS.stop, len(ranked)))
        count = min(len(ranks), max(3, round(OFFENDERS_PER_STATION * office.volume)))
        offenders = frozenset(ranked[rank].id for rank in rng.sample(ranks, count))
        return cls(id_upt, office, ranked, list(weights), offenders, sorted(handlers),
                   _officers(seed, office), seed)

    def pick_user(self, rng: random.Random) -> _User:
        return self.users[bisect.bisect(self.cum_weights, rng.random() * self.cum_weights[-1])]

    def pick_handler(self, rng: random.Random, user_id: int, day: date) -> int | None:
        """The user's current PPJK, changing every few weeks; now and then a different one."""
        profile = random.Random(f"{self.seed}:handler:{user_id}")
        if profile.random() < SELF_HANDLED_SHARE:
            return None
        era_days = profile.randint(20, 150)
        era = (day.toordinal() + profile.randrange(era_days)) // era_days
        main = self._handler_eras.get((user_id, era))
        if main is None:
            main = random.Random(f"{self.seed}:handler:{user_id}:{era}").choice(self.handlers)
            self._handler_eras[(user_id, era)] = main
        return main if rng.random() < 0.85 else rng.choice(self.handlers)

    def officer(self, rng: random.Random, section: str) -> tuple[str, str]:
        return rng.choice(self.officers[section])


def _officers(seed: int, office: Office) -> dict[str, list[tuple[str, str]]]:
    """The station's officers with 18-digit NIPs: vets (H), plant inspectors (T), front office (*)."""
    rng = random.Random(f"{seed}:officers:{office.code}")
    officers: dict[str, list[tuple[str, str]]] = {"H": [], "T": [], "*": []}
    for number in range(max(12, round(OFFICERS_PER_STATION * office.volume))):
        section = ("H", "T", "*")[number % 3]
        name = _person_name(rng)
        name = {"H": f"drh. {name}", "T": f"{name}, S.P.", "*": name}[section]
        born = date(1965, 1, 1) + timedelta(days=rng.randrange(30 * 365))
        appointed_year = born.year + rng.randint(23, 30)
        nip = f"{born:%Y%m%d}{appointed_year}{rng.randint(1, 12):02d}{rng.randint(1, 2)}{rng.randint(1, 999):03d}"
        officers[section].append((name, nip))
    return officers


def _user_rows(seed: int, id_upt: int, first_id: int, history_start: datetime) -> list[dict]:
    """The service users registered at a station before the history starts."""
    office = OFFICES[id_upt - 1]
    rng = random.Random(f"{seed}:users:{office.code}")
    rows = []
    for user_id in range(first_id, first_id + round(USERS_PER_STATION * office.volume)):
        kind = rng.choices(("PT", "CV", "UD", "PERORANGAN"), weights=(60, 25, 5, 10))[0]
        name = _person_name(rng) if kind == "PERORANGAN" else f"{kind} {_company_words(rng, 3)}"
        seconds_ago = rng.randrange(1, 8 * 365 * 86400)
        registered = history_start - timedelta(seconds=seconds_ago)
        edited = history_start - timedelta(seconds=rng.randrange(seconds_ago))
        city = rng.choice(office.cities)
        rows.append({
            "id_pengguna_jasa": user_id, "id_upt": id_upt,
            "npwp": _npwp(rng, registered, kind == "PERORANGAN"), "nama": name, "jenis_usaha": kind,
            "alamat": _street_address(rng, city), "kota": city, "email": _email(rng, name),
            "telepon": _phone(rng), "diblokir": int(rng.random() < BLOCKED_SHARE),
            "tgl_daftar": registered, "tgl_update": edited,
        })
    return rows


def _handler_rows(seed: int, id_upt: int, first_id: int, history_start: datetime) -> list[dict]:
    """The PPJK (document handlers) working at a station."""
    office = OFFICES[id_upt - 1]
    rng = random.Random(f"{seed}:handlers:{office.code}")
    rows = []
    for handler_id in range(first_id, first_id + max(10, round(HANDLERS_PER_STATION * office.volume))):
        registered = history_start - timedelta(seconds=rng.randrange(1, 8 * 365 * 86400))
        name = f"{rng.choice(('PT', 'CV'))} {_company_words(rng, 2)} {rng.choice(HANDLER_SUFFIXES)}"
        rows.append({
            "id_ppjk": handler_id, "id_upt": id_upt, "npwp": _npwp(rng, registered, False),
            "nama_ppjk": name, "alamat": _street_address(rng, rng.choice(office.cities)),
            "email": _email(rng, name), "telepon": _phone(rng), "tgl_update": registered,
        })
    return rows


def _stations_from_rows(seed: int, user_rows, handler_rows) -> list[_Station]:
    """Stations from pengguna_jasa and ppjk rows (dicts or row mappings); blocked users never apply."""
    users, handlers = defaultdict(list), defaultdict(list)
    for row in user_rows:
        if not row["diblokir"]:
            users[row["id_upt"]].append(_User(row["id_pengguna_jasa"], row["nama"], row["alamat"], row["kota"]))
    for row in handler_rows:
        handlers[row["id_upt"]].append(row["id_ppjk"])
    return [_Station.build(seed, id_upt, users[id_upt], handlers[id_upt]) for id_upt in sorted(users)]


def _load_stations(conn: Connection, seed: int) -> list[_Station]:
    """Rebuild the stations from the database (users may have been corrected since init)."""
    users = conn.execute(select(
        schema.pengguna_jasa.c.id_pengguna_jasa, schema.pengguna_jasa.c.id_upt,
        schema.pengguna_jasa.c.nama, schema.pengguna_jasa.c.alamat, schema.pengguna_jasa.c.kota,
        schema.pengguna_jasa.c.diblokir,
    )).mappings().all()
    handlers = conn.execute(select(schema.ppjk.c.id_ppjk, schema.ppjk.c.id_upt)).mappings().all()
    return _stations_from_rows(seed, users, handlers)


# ---------------------------------------------------------------- reference tables


def _reference_rows(offices: int, stamp: datetime) -> dict[str, list[dict]]:
    """Rows of every lookup table; ids follow the order of the constants above."""
    def numbered(key: str, rows: list[dict]) -> list[dict]:
        return [dict(row, **{key: number, "tgl_update": stamp}) for number, row in enumerate(rows, start=1)]

    return {
        "m_upt": numbered("id_upt", [
            {"kode_upt": o.code, "nama_upt": o.name, "zona_waktu": o.zone,
             "kota": PORTS[PORT_IDS[o.port] - 1][2], "id_pelabuhan": PORT_IDS[o.port]}
            for o in OFFICES[:offices]]),
        "m_jenis_permohonan": numbered("id_jenis_permohonan", [
            {"kode": code, "nama": name} for code, name in DIRECTION_NAMES.items()]),
        "m_status": numbered("id_status", [
            {"kode_status": code, "nama_status": name, "keterangan": note}
            for code, (name, note) in STATUS_NAMES.items()]),
        "m_satuan": numbered("id_satuan", [
            {"kode_satuan": code, "nama_satuan": name} for code, (name, _counted) in UNITS.items()]),
        "m_negara": numbered("id_negara", [{"kode_negara": c.code, "nama_negara": c.name} for c in COUNTRIES]),
        "m_pelabuhan": numbered("id_pelabuhan", [
            {"kode_pelabuhan": code, "nama_pelabuhan": name, "kota": city, "kode_negara": country, "jenis": "U"}
            for code, name, city, country in PORTS]),
        "m_komoditas": numbered("id_komoditas", [
            {"kode_komoditas": c.code, "nama_komoditas": c.name, "nama_latin": c.latin, "kode_hs": c.hs,
             "jenis_karantina": c.section, "kelompok": c.group, "kode_satuan": c.unit}
            for c in COMMODITIES]),
        "m_jenis_dokumen": numbered("id_jenis_dokumen", [
            {"kode_dokumen": code, "nama_dokumen": name, "jenis_karantina": section,
             "berlaku_mulai": start, "berlaku_sampai": until}
            for code, name, section, start, until in DOCUMENT_KINDS]),
    }


# ---------------------------------------------------------------- new applications


class _App(NamedTuple):
    """What an application's lifecycle depends on: all of it stored in ptk and its first line."""

    id_ptk: int
    no_ptk: str
    id_upt: int
    submitted: datetime
    section: str
    direction: str
    id_pengguna_jasa: int
    group: str  # kelompok of the first commodity line
    commodity: str  # kode_komoditas of the first commodity line (its hidden risk with the user)


def _arrival_times(rng: random.Random, station: _Station, start: datetime, end: datetime) -> list[datetime]:
    """Submission times in (start, end], a Poisson stream shaped by the local hour and weekday."""
    per_hour = DAILY_APPLICATIONS * station.office.volume / 24
    hour_mean, weekday_mean = sum(HOURLY_SHAPE) / 24, sum(WEEKDAY_SHAPE) / 7
    ahead = timedelta(hours=ZONE_HOURS_AHEAD_OF_WIB[station.office.zone])
    times, slice_start = [], start
    while slice_start < end:
        slice_end = min(end, slice_start.replace(minute=0, second=0) + timedelta(hours=1))
        local = slice_start + ahead
        seconds = int((slice_end - slice_start).total_seconds())
        rate = per_hour * HOURLY_SHAPE[local.hour] / hour_mean * WEEKDAY_SHAPE[local.weekday()] / weekday_mean
        count = _poisson(rng, rate * seconds / 3600)
        times.extend(slice_start + timedelta(seconds=rng.randint(1, seconds)) for _ in range(count))
        slice_start = slice_end
    return sorted(times)


def _commodity_pool(section: str, direction: str) -> tuple[list[Commodity], list[float]]:
    letter = DIRECTION_LETTERS[direction]
    pool = [c for c in COMMODITIES if c.section == section and letter in c.directions]
    return pool, [c.weight for c in pool]


_POOLS = {(s, d): _commodity_pool(s, d) for s in "HT" for d in DIRECTION_WEIGHTS}


def _pick_country(rng: random.Random, commodity: Commodity, direction: str) -> Country:
    if commodity.countries:
        return COUNTRY_BY_CODE[rng.choice(commodity.countries)]
    weights = [c.export_weight if direction == "EX" else c.import_weight for c in COUNTRIES]
    return rng.choices(COUNTRIES, weights=weights)[0]


@lru_cache(maxsize=100_000)
def _partner(seed: int, user_id: int, port: str, number: int) -> tuple[str, str]:
    """(name, address) of one of a user's few regular trading partners served by ``port``."""
    rng = random.Random(f"{seed}:partner:{user_id}:{port}:{number}")
    _code, _name, city, country = PORTS[PORT_IDS[port] - 1]
    if country == "ID":
        return f"{rng.choice(('PT', 'CV', 'UD'))} {_company_words(rng, 2)}", _street_address(rng, city)
    first, second = rng.choice(FOREIGN_WORDS), rng.choice(FOREIGN_WORDS)
    if second == first:  # "Green Valley Green Valley": the next word instead (no draw more: the stream stays as it was)
        second = FOREIGN_WORDS[(FOREIGN_WORDS.index(first) + 1) % len(FOREIGN_WORDS)]
    name = f"{first} {second} {FOREIGN_SUFFIXES[country]}"
    return name, f"{rng.randint(1, 400)} {rng.choice(FOREIGN_STREETS)}, {city}, {COUNTRY_BY_CODE[country].name}"


def _route(rng: random.Random, station: _Station, user: _User, direction: str, commodity: Commodity) -> dict:
    """Consignor, consignee, places, ports and flight of a consignment."""
    own_port = station.office.port
    if direction in ("EX", "IM"):
        country = _pick_country(rng, commodity, direction)
        far_port, airline = country.port, rng.choice(country.airlines)
    else:
        country = COUNTRY_BY_CODE["ID"]
        far_port = rng.choice([p[0] for p in DOMESTIC_PORTS if p[0] != own_port])
        airline = rng.choice(country.airlines)
    partner_name, partner_address = _partner(station.seed, user.id, far_port, rng.randrange(3))
    far_city = PORTS[PORT_IDS[far_port] - 1][2]
    here = (user.name, user.address, "ID", user.city, PORT_IDS[own_port])
    there = (partner_name, partner_address, country.code, far_city, PORT_IDS[far_port])
    origin, destination = (here, there) if direction in ("EX", "DK") else (there, here)
    flight_port = far_port if direction in ("EX", "DK") else own_port
    return {
        "nama_pengirim": origin[0], "alamat_pengirim": origin[1],
        "kode_negara_asal": origin[2], "kota_asal": origin[3], "id_pelabuhan_asal": origin[4],
        "nama_penerima": destination[0], "alamat_penerima": destination[1],
        "kode_negara_tujuan": destination[2], "kota_tujuan": destination[3],
        "id_pelabuhan_tujuan": destination[4],
        "alat_angkut": "PESAWAT UDARA", "nama_alat_angkut": AIRLINES[airline][0],
        "no_penerbangan": _flight_number(rng, airline, flight_port), "no_awb": _air_waybill(rng, airline),
    }


def _quantity(rng: random.Random, commodity: Commodity) -> Decimal:
    amount = commodity.median_quantity * rng.lognormvariate(0.0, 0.8)
    if UNITS[commodity.unit][1]:
        return Decimal(max(1, round(amount)))
    return Decimal(f"{max(0.1, amount):.1f}")


def _lines(rng: random.Random, section: str, direction: str) -> list[tuple[Commodity, dict]]:
    """1-3 commodity lines (without id_ptk); the first decides the kind of certificate."""
    pool, weights = _POOLS[(section, direction)]
    count = min(len(pool), rng.choices((1, 2, 3), weights=LINE_COUNT_WEIGHTS)[0])
    chosen: list[Commodity] = []
    while len(chosen) < count:
        commodity = rng.choices(pool, weights=weights)[0]
        if commodity not in chosen:
            chosen.append(commodity)
    lines = []
    for number, commodity in enumerate(chosen, start=1):
        quantity = _quantity(rng, commodity)
        lines.append((commodity, {
            "urut": number, "id_komoditas": COMMODITY_IDS[commodity.code], "kode_hs": commodity.hs,
            "jumlah": quantity, "kode_satuan": commodity.unit,
            "netto_kg": Decimal(f"{float(quantity) * commodity.kg_per_unit:.3f}"),
            "kemasan": rng.choice(PACKAGING[commodity.group]),
        }))
    return lines


def _new_application(rng: random.Random, station: _Station, state: _State, at: datetime) -> tuple[_App, list[_Fact]]:
    """A new PTK with its commodity lines, as submitted at ``at``."""
    section = "H" if rng.random() < ANIMAL_SHARE else "T"
    direction = rng.choices(tuple(DIRECTION_WEIGHTS), weights=tuple(DIRECTION_WEIGHTS.values()))[0]
    user = station.pick_user(rng)
    lines = _lines(rng, section, direction)
    main, first_line = lines[0]
    code = station.office.code
    running = state.next(f"ptk_number:{code}:{at.year}")
    section_digit = 1 if section == "H" else 2
    no_ptk = f"{at.year}.1.{code}.0.K{section_digit}1.{DIRECTION_LETTERS[direction]}.{running:06d}"
    app = _App(state.next("id:ptk"), no_ptk, station.id_upt, at, section, direction, user.id, main.group, main.code)
    weight = sum(float(line["netto_kg"]) for _, line in lines)
    row = {
        "id_ptk": app.id_ptk, "no_ptk": no_ptk, "id_upt": station.id_upt, "jenis_karantina": section,
        "jenis_permohonan": direction, "id_pengguna_jasa": user.id,
        "id_ppjk": station.pick_handler(rng, user.id, at.date()),
        **_route(rng, station, user, direction, main),
        "tgl_pengajuan": at, "kemasan": first_line["kemasan"],
        "jumlah_kemasan": max(1, round(weight / rng.uniform(5, 25))),
        "tanda_khusus": None if rng.random() < 0.5 else f"LOT {rng.randint(1, 9999):04d}",
        "peruntukan": rng.choice(PURPOSES[main.group]),
        "pernyataan": DECLARATION if rng.random() < 0.7 else None,
    }
    facts = [_Fact(at, "ptk", row)]
    facts.extend(_Fact(at, "ptk_komoditas", dict(line, id_ptk=app.id_ptk)) for _, line in lines)
    return app, facts


def _arrivals(rng: random.Random, stations: list[_Station], state: _State,
              start: datetime, end: datetime) -> Iterator[tuple[_Station, _App, list[_Fact]]]:
    """New applications at every station in (start, end], numbered in time order."""
    times = sorted(
        (at, index) for index, station in enumerate(stations)
        for at in _arrival_times(rng, station, start, end)
    )
    for at, index in times:
        app, facts = _new_application(rng, stations[index], state, at)
        yield stations[index], app, facts


# ---------------------------------------------------------------- an application's lifecycle


@lru_cache(maxsize=200_000)
def _pair_risk(seed: int, user_id: int, commodity_code: str, offender: bool) -> float:
    """The hidden chance that a consignment of this user with this main commodity is detained.

    Drawn once per pair from its own stream, so it is the same at init and at every tick.
    """
    risky_share, risky, other = PAIR_RISK["offender" if offender else "other"]
    return risky if random.Random(f"{seed}:risk:{user_id}:{commodity_code}").random() < risky_share else other


class _Lifecycle:
    """Plans every row an application will cause, from its own random stream.

    The plan depends only on the seed, the station and the stored application, so ``init`` and
    every later ``tick`` compute the same plan and each writes the part that falls in its period.
    """

    def __init__(self, station: _Station, app: _App):
        self.station, self.app = station, app
        self.rng = random.Random(f"{station.seed}:lifecycle:{app.id_ptk}")
        self.facts: list[_Fact] = []
        self.at = app.submitted
        self.treatment: tuple[str, str, date] | None = None
        self.detention: _Fact | None = None
        self.bill: _Fact | None = None
        self.certificate_kind: str | None = None  # chosen with the draft, kept by the final
        self.declaration: str | None = None

    def plan(self) -> list[_Fact]:
        self._event(SUBMITTED, (None, None), "Diajukan melalui PPK Online")
        deadline = self.app.submitted + MAX_LIFETIME
        for code in self._path():
            wait = _wait(self.rng, *STAGE_DURATIONS[code])
            if code in (RELEASED, REFUSED, DESTROYED):
                wait = min(wait, MAX_DETENTION)
            self.at += wait
            if self.at > deadline:
                break
            self._reach(code)
        return self.facts

    def _path(self) -> list[int]:
        """The stages this application will pass after submission, decided up front."""
        rng, app = self.rng, self.app
        path = [VERIFIED]
        risk = _pair_risk(self.station.seed, app.id_pengguna_jasa, app.commodity,
                          app.id_pengguna_jasa in self.station.offenders)
        if rng.random() < risk:
            outcome = rng.choices(tuple(DETENTION_OUTCOMES), weights=tuple(DETENTION_OUTCOMES.values()))[0]
            path += [DETAINED, outcome]
            if outcome != RELEASED:
                return path
        path.append(INSPECTED)
        treat_share = 0.3 if (app.section, app.direction) == ("T", "EX") else 0.08
        if rng.random() < treat_share:
            path.append(TREATED)
        path.append(DRAFT)
        stall = rng.random()
        if stall < STALL_AT_DRAFT:
            return path
        path += [BILLED]
        if stall < STALL_AT_DRAFT + STALL_AT_BILLED:
            return path
        return path + [PAID, CERTIFIED, HANDED_OVER]

    def _reach(self, code: int) -> None:
        """Record the stage event and the rows the stage writes elsewhere."""
        section = self.app.section
        # Front office verifies, bills and hands over; payment is confirmed by the state treasury.
        desk = {VERIFIED: "*", BILLED: "*", HANDED_OVER: "*", PAID: None}.get(code, section)
        name, nip = self.station.officer(self.rng, desk) if desk else (None, None)
        note = None
        if code == DETAINED:
            note = self._detain(name, nip)
        elif code in (RELEASED, REFUSED, DESTROYED):
            note = self._resolve_detention(code, name, nip)
        elif code == TREATED:
            method, dose = self.rng.choice(TREATMENTS[section])
            self.treatment = (method, dose, self.at.date())
            note = method
        elif code == DRAFT:
            self._certificate(draft=True, signatory=(None, None))
        elif code == BILLED:
            self._issue_bill()
        elif code == PAID:
            self._pay_bill()
            note = "Pembayaran terverifikasi MPN"
        elif code == CERTIFIED:
            self._certificate(draft=False, signatory=(name, nip))
        self._event(code, (name, nip), note)

    def _event(self, code: int, officer: tuple[str | None, str | None], note: str | None) -> None:
        """A stage event; rarely IQFast stores it twice (the error that a later tick deletes)."""
        name, nip = officer
        row = {"id_ptk": self.app.id_ptk, "kode_status": code, "waktu": self.at,
               "nama_petugas": name, "nip_petugas": nip, "keterangan": note}
        self.facts.append(_Fact(self.at, "riwayat_ptk", row))
        if self.rng.random() < DUPLICATE_EVENT_RATE:
            # Shorter than MIN_STEP, so the duplicate still precedes the next stage.
            again = self.at + timedelta(seconds=self.rng.randint(1, 30))
            self.facts.append(_Fact(again, "riwayat_ptk", dict(row, waktu=again)))

    def _detain(self, name: str, nip: str) -> str:
        reason = self.rng.choice(DETENTION_REASONS)
        self.detention = self._record("penahanan", {
            "no_penahanan": _document_number(self.app.no_ptk, "TAHAN"), "tgl_penahanan": self.at,
            "alasan": reason, "hasil": None, "tgl_selesai": None, "nama_petugas": name, "nip_petugas": nip,
        })
        return reason

    def _resolve_detention(self, code: int, name: str, nip: str) -> str | None:
        outcome = {RELEASED: "DIBEBASKAN", REFUSED: "DITOLAK", DESTROYED: "DIMUSNAHKAN"}[code]
        self.detention.updates.append((self.at, {"hasil": outcome, "tgl_selesai": self.at}))
        if code == RELEASED:
            return "Persyaratan dilengkapi"
        officer = {"nama_petugas": name, "nip_petugas": nip}
        if code == REFUSED:
            reason = self.rng.choice(REFUSAL_REASONS)
            self._record("penolakan", {
                "no_penolakan": _document_number(self.app.no_ptk, "TOLAK"), "tgl_penolakan": self.at,
                "alasan": reason, "tindak_lanjut": self.rng.choice(REFUSAL_FOLLOW_UPS), **officer,
            })
        else:
            reason = self.rng.choice(DESTRUCTION_REASONS)
            self._record("pemusnahan", {
                "no_berita_acara": _document_number(self.app.no_ptk, "MUSNAH"), "tgl_pemusnahan": self.at,
                "alasan": reason, "metode": self.rng.choice(DESTRUCTION_METHODS), **officer,
            })
        return reason

    def _issue_bill(self) -> None:
        amount = max(10_000, round(150_000 * self.rng.lognormvariate(0.0, 0.9) / 500) * 500)
        self.bill = self._record("billing", {
            "no_kuitansi": _document_number(self.app.no_ptk, "KU"),
            "kode_billing": f"8{self.rng.randrange(10**14):014d}", "nilai_pnbp": Decimal(f"{amount}.00"),
            "tgl_billing": self.at, "status_bayar": 0, "tgl_bayar": None, "ntpn": None,
        })

    def _pay_bill(self) -> None:
        ntpn = f"{self.rng.getrandbits(64):016X}"  # 16 characters, letters and digits
        self.bill.updates.append((self.at, {"status_bayar": 1, "tgl_bayar": self.at, "ntpn": ntpn}))

    def _certificate(self, draft: bool, signatory: tuple[str | None, str | None]) -> None:
        """The draft at draft_certificate, then the signed certificate as a row of its own."""
        if draft:
            self.certificate_kind = self._document_kind()
            if self.rng.random() < 0.3:
                domestic = self.app.direction in ("DK", "DM")
                self.declaration = self.rng.choice((DOMESTIC_DECLARATIONS if domestic
                                                    else ADDITIONAL_DECLARATIONS)[self.app.section])
        kind = self.certificate_kind
        method, dose, day = self.treatment or (None, None, None)
        self._record("sertifikat", {
            "kode_dokumen": kind,
            "no_sertifikat": None if draft else _document_number(self.app.no_ptk, kind),
            "is_draft": int(draft), "tgl_terbit": self.at, "metode_perlakuan": method, "tgl_perlakuan": day,
            "dosis_perlakuan": dose, "deklarasi_tambahan": self.declaration,
            "nama_penandatangan": signatory[0], "nip_penandatangan": signatory[1],
        })

    def _document_kind(self) -> str:
        """HC/PC before the 2023 forms; then by section, direction and commodity group."""
        app = self.app
        if app.direction == "IM":
            return "SP-H" if app.section == "H" else "SP-T"
        if self.at.date() < NEW_CERTIFICATES_FROM:
            return "HC" if app.section == "H" else "PC"
        if app.section == "H":
            return "KH-1" if app.group == "HH" else "KH-2"
        if app.direction in ("DK", "DM"):
            return "KT-3"
        if app.group == "HTO":
            return "KT-4"
        return "KT-2" if self.rng.random() < 0.03 else "KT-1"

    def _record(self, table: str, row: dict) -> _Fact:
        fact = _Fact(self.at, table, dict(row, id_ptk=self.app.id_ptk))
        self.facts.append(fact)
        return fact


# ---------------------------------------------------------------- init


def init_simulator(url: str, days: int = 90, seed: int = 1, offices: int = 1, end: datetime | None = None) -> dict:
    """Drop and create the IQFast tables at ``url`` and fill them with ``days`` days of history.

    ``end`` is the simulated "now" (naive WIB; default: the current WIB time, whole minute).
    Returns the number of rows in each table.
    """
    if not 1 <= offices <= len(OFFICES):
        raise ValueError(f"offices must be between 1 and {len(OFFICES)}")
    if days < 1:
        raise ValueError("days must be at least 1")
    end = _wib_now() if end is None else _as_naive_wib(end)
    start = end - days * DAY
    state = _State(seed, offices, end)
    engine = create_engine(url)
    try:
        schema.metadata.drop_all(engine)
        schema.metadata.create_all(engine)
        with engine.begin() as conn:
            writer = _Writer(conn)
            for table_name, rows in _reference_rows(offices, start).items():
                for row in rows:
                    writer.add(table_name, row)
            stations = _write_parties(writer, seed, offices, start)
            _write_history(writer, state, stations, start, days)
            writer.close()
            state.save(conn)
        return {table.name: writer.counts[table.name] for table in schema.metadata.sorted_tables
                if table is not schema.sim_state}
    finally:
        engine.dispose()


def _write_parties(writer: _Writer, seed: int, offices: int, start: datetime) -> list[_Station]:
    """Service users and PPJK of every station, ids running on across stations."""
    all_users, all_handlers = [], []
    first_station: list[dict] = []
    for id_upt in range(1, offices + 1):
        rows = _user_rows(seed, id_upt, len(all_users) + 1, start)
        if id_upt == 1:
            first_station = rows
        else:
            _share_companies(seed, OFFICES[id_upt - 1], rows, first_station)
        all_users += rows
        all_handlers += _handler_rows(seed, id_upt, len(all_handlers) + 1, start)
    for row in all_users:
        writer.add("pengguna_jasa", row)
    for row in all_handlers:
        writer.add("ppjk", row)
    return _stations_from_rows(seed, all_users, all_handlers)


def _write_history(writer: _Writer, state: _State, stations: list[_Station], start: datetime, days: int) -> None:
    """Simulate day by day; rows wait in per-day buckets so that ids follow time."""
    end = state.clock
    rng = random.Random(f"{state.seed}:history:{end.isoformat()}")
    pending: dict[int, list[_Fact]] = defaultdict(list)
    for day in range(days):
        for station, app, facts in _arrivals(rng, stations, state, start + day * DAY, start + (day + 1) * DAY):
            for fact in facts + _Lifecycle(station, app).plan():
                if fact.at <= end:
                    pending[(fact.at - start) // DAY].append(fact)
        _emit(pending.pop(day, []), end, state, writer)
    for day in sorted(pending):  # at most the facts stamped exactly at ``end``
        _emit(pending.pop(day), end, state, writer)


def add_station(url: str) -> dict:
    """A station joins the simulated IQFast: the next of OFFICES, with its service users (a share of them the first
    station's companies) and PPJK registered at the simulator's clock, so an incremental sync reads them; its
    applications start with the next tick. Returns the station's code and the rows added per table."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            state = _State.load(conn)
            if state.offices >= len(OFFICES):
                raise ValueError(f"the simulator has all {len(OFFICES)} stations already")
            id_upt = state.offices + 1
            office = OFFICES[id_upt - 1]
            users, handlers = schema.pengguna_jasa, schema.ppjk
            first_user = (conn.execute(select(func.max(users.c.id_pengguna_jasa))).scalar() or 0) + 1
            first_handler = (conn.execute(select(func.max(handlers.c.id_ppjk))).scalar() or 0) + 1
            first_station = [dict(row) for row in conn.execute(
                select(users.c.nama, users.c.jenis_usaha, users.c.npwp).where(users.c.id_upt == 1)).mappings()]
            user_rows = _user_rows(state.seed, id_upt, first_user, state.clock)
            _share_companies(state.seed, office, user_rows, first_station)
            handler_rows = _handler_rows(state.seed, id_upt, first_handler, state.clock)
            for row in user_rows + handler_rows:
                row["tgl_update"] = state.clock  # entered into IQFast now, whenever they registered
            office_row = _reference_rows(id_upt, state.clock)["m_upt"][-1]
            writer = _Writer(conn)
            writer.add("m_upt", office_row)
            for row in user_rows:
                writer.add("pengguna_jasa", row)
            for row in handler_rows:
                writer.add("ppjk", row)
            writer.close()
            state.offices = id_upt
            state.save(conn)
        return {"code": office.code, "inserted": dict(writer.counts)}
    finally:
        engine.dispose()


# ---------------------------------------------------------------- tick


def tick(url: str, minutes: int = 5) -> dict:
    """Advance the simulator clock by ``minutes`` and write what IQFast would have written.

    Deterministic given the database state. Returns the new clock and counts of inserted,
    updated and deleted rows per table, and of corrections by kind.
    """
    if minutes < 1:
        raise ValueError("minutes must be at least 1")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            state = _State.load(conn)
            clock, now = state.clock, state.clock + timedelta(minutes=minutes)
            rng = random.Random(f"{state.seed}:tick:{clock.isoformat()}:{minutes}")
            stations = _load_stations(conn, state.seed)
            facts = _open_plans(conn, stations, since=clock - MAX_LIFETIME)
            for station, app, new_facts in _arrivals(rng, stations, state, clock, now):
                facts += new_facts + _Lifecycle(station, app).plan()
            writer = _Writer(conn)
            _emit([f for f in facts if clock < f.at <= now], now, state, writer)
            writer.close()
            updated = _apply_updates(conn, facts, clock, now)
            scale = minutes / 1440 * sum(station.office.volume for station in stations)
            corrections = _correct(conn, rng, state, _poisson(rng, CORRECTIONS_PER_DAY * scale), clock, now)
            deleted = sum(_delete_duplicate(conn, rng, state) for _ in range(_poisson(rng, DELETES_PER_DAY * scale)))
            state.clock = now
            state.save(conn)
        for kind, count in corrections.items():
            updated[_CORRECTIONS[kind][0]] += count
        return {
            "clock": now,
            "inserted": dict(writer.counts),
            "updated": dict(updated),
            "deleted": {"riwayat_ptk": deleted} if deleted else {},
            "corrections": dict(corrections),
        }
    finally:
        engine.dispose()


def _open_plans(conn: Connection, stations: list[_Station], since: datetime) -> list[_Fact]:
    """Plans of every application young enough to still have something ahead of it."""
    p, line, commodity = schema.ptk, schema.ptk_komoditas, schema.m_komoditas
    query = (
        select(p.c.id_ptk, p.c.no_ptk, p.c.id_upt, p.c.tgl_pengajuan, p.c.jenis_karantina,
               p.c.jenis_permohonan, p.c.id_pengguna_jasa, commodity.c.kelompok, commodity.c.kode_komoditas)
        .join(line, (line.c.id_ptk == p.c.id_ptk) & (line.c.urut == 1))
        .join(commodity, commodity.c.id_komoditas == line.c.id_komoditas)
        .where(p.c.tgl_pengajuan > since)
        .order_by(p.c.id_ptk)
    )
    by_upt = {station.id_upt: station for station in stations}
    facts = []
    for row in conn.execute(query):
        app = _App(*row)
        facts += _Lifecycle(by_upt[app.id_upt], app).plan()
    return facts


def _apply_updates(conn: Connection, facts: list[_Fact], clock: datetime, now: datetime) -> Counter:
    """Planned changes (payment, end of a detention) to rows written before this tick."""
    changes = sorted(
        ((at, fact.table, fact.row["id_ptk"], values) for fact in facts if fact.at <= clock
         for at, values in fact.updates if clock < at <= now),
        key=lambda change: change[0],
    )
    counts: Counter = Counter()
    for at, table_name, id_ptk, values in changes:
        table = schema.metadata.tables[table_name]
        conn.execute(table.update().where(table.c.id_ptk == id_ptk).values(**values, tgl_update=at))
        counts[table_name] += 1
    return counts


# ---------------------------------------------------------------- corrections and deletions


def _correct(conn: Connection, rng: random.Random, state: _State, count: int,
             clock: datetime, now: datetime) -> Counter:
    """Corrections of older records, each stamped with a time inside the tick."""
    done: Counter = Counter()
    for _ in range(count):
        id_ptk = _pick_old_application(conn, rng, clock)
        kind = rng.choice(tuple(_CORRECTIONS))
        at = clock + timedelta(seconds=rng.randint(1, int((now - clock).total_seconds())))
        if id_ptk is not None and _CORRECTIONS[kind][1](conn, rng, id_ptk, at):
            done[kind] += 1
    return done


def _pick_old_application(conn: Connection, rng: random.Random, clock: datetime) -> int | None:
    """A PTK submitted 1-30 days ago: a random id in that range, then the next existing one."""
    newest, oldest = (clock - age for age in CORRECTION_AGE)
    low, high = conn.execute(
        select(func.min(schema.ptk.c.id_ptk), func.max(schema.ptk.c.id_ptk))
        .where(schema.ptk.c.tgl_pengajuan.between(oldest, newest))
    ).one()
    if low is None:
        return None
    return conn.execute(
        select(schema.ptk.c.id_ptk).where(schema.ptk.c.id_ptk >= rng.randint(low, high))
        .order_by(schema.ptk.c.id_ptk).limit(1)
    ).scalar()


def _stamp(previous: datetime, at: datetime) -> datetime:
    """A correction never moves tgl_update backwards (a planned change may have come later)."""
    return max(previous, at)


def _correct_consignee_address(conn: Connection, rng: random.Random, id_ptk: int, at: datetime) -> bool:
    p = schema.ptk
    address, updated = conn.execute(select(p.c.alamat_penerima, p.c.tgl_update).where(p.c.id_ptk == id_ptk)).one()
    street, _, rest = address.partition(",")
    corrected = f"{street}, Blok {rng.choice('ABCDEFGH')}{rng.randint(1, 30)},{rest}"
    conn.execute(p.update().where(p.c.id_ptk == id_ptk).values(
        alamat_penerima=corrected[:255], tgl_update=_stamp(updated, at)))
    return True


def _correct_volume(conn: Connection, rng: random.Random, id_ptk: int, at: datetime) -> bool:
    line = schema.ptk_komoditas
    row = conn.execute(select(line).where(line.c.id_ptk == id_ptk, line.c.urut == 1)).mappings().one()
    step = Decimal(1) if UNITS[row["kode_satuan"]][1] else Decimal("0.1")
    quantity = max(step, (row["jumlah"] * Decimal(f"{rng.uniform(0.85, 1.15):.4f}")).quantize(step))
    per_kg = row["netto_kg"] / row["jumlah"]
    conn.execute(line.update().where(line.c.id_ptk_komoditas == row["id_ptk_komoditas"]).values(
        jumlah=quantity, netto_kg=(quantity * per_kg).quantize(Decimal("0.001")),
        tgl_update=_stamp(row["tgl_update"], at)))
    return True


def _correct_stage_time(conn: Connection, rng: random.Random, id_ptk: int, at: datetime) -> bool:
    """Move one middle stage event, staying strictly between its neighbours.

    Duplicated events are left alone: they are removed, not corrected.
    """
    history = schema.riwayat_ptk
    events = conn.execute(
        select(history.c.id_riwayat, history.c.kode_status, history.c.waktu, history.c.tgl_update)
        .where(history.c.id_ptk == id_ptk).order_by(history.c.id_riwayat)
    ).all()
    if len(events) < 3:
        return False
    index = rng.randrange(1, len(events) - 1)
    before, event, after = events[index - 1 : index + 2]
    gap = int((after.waktu - before.waktu).total_seconds())
    if gap < 3 or event.kode_status in (before.kode_status, after.kode_status):
        return False
    moved = before.waktu + timedelta(seconds=rng.randint(1, gap - 1))
    conn.execute(history.update().where(history.c.id_riwayat == event.id_riwayat).values(
        waktu=moved, tgl_update=_stamp(event.tgl_update, at)))
    return True


def _correct_bill_amount(conn: Connection, rng: random.Random, id_ptk: int, at: datetime) -> bool:
    bill = schema.billing
    row = conn.execute(select(bill.c.id_billing, bill.c.nilai_pnbp, bill.c.tgl_update)
                       .where(bill.c.id_ptk == id_ptk)).first()
    if row is None:
        return False
    amount = max(10_000, round(float(row.nilai_pnbp) * rng.uniform(0.8, 1.2) / 500) * 500)
    conn.execute(bill.update().where(bill.c.id_billing == row.id_billing).values(
        nilai_pnbp=Decimal(f"{amount}.00"), tgl_update=_stamp(row.tgl_update, at)))
    return True


def _correct_contact(conn: Connection, rng: random.Random, id_ptk: int, at: datetime) -> bool:
    users, p = schema.pengguna_jasa, schema.ptk
    user = conn.execute(
        select(users.c.id_pengguna_jasa, users.c.nama, users.c.tgl_update)
        .join(p, p.c.id_pengguna_jasa == users.c.id_pengguna_jasa).where(p.c.id_ptk == id_ptk)
    ).one()
    conn.execute(users.update().where(users.c.id_pengguna_jasa == user.id_pengguna_jasa).values(
        telepon=_phone(rng), email=_email(rng, user.nama), tgl_update=_stamp(user.tgl_update, at)))
    return True


# kind -> (table it changes, how)
_CORRECTIONS = {
    "consignee_address": ("ptk", _correct_consignee_address),
    "commodity_volume": ("ptk_komoditas", _correct_volume),
    "stage_time": ("riwayat_ptk", _correct_stage_time),
    "bill_amount": ("billing", _correct_bill_amount),
    "service_user_contact": ("pengguna_jasa", _correct_contact),
}


def _delete_duplicate(conn: Connection, rng: random.Random, state: _State) -> int:
    """Hard-delete one recent duplicated stage event (the later copy), as IQFast's admins do."""
    history = schema.riwayat_ptk
    floor = state.counters.get("id:riwayat_ptk", 0) - DUPLICATE_SEARCH_WINDOW
    copies = conn.execute(
        select(func.max(history.c.id_riwayat))
        .where(history.c.id_riwayat > floor)
        .group_by(history.c.id_ptk, history.c.kode_status)
        .having(func.count() > 1)
        .order_by(func.max(history.c.id_riwayat))
    ).scalars().all()
    if not copies:
        return 0
    conn.execute(history.delete().where(history.c.id_riwayat == rng.choice(copies)))
    return 1


# ---------------------------------------------------------------- read-only helpers


def simulator_clock(url: str) -> datetime:
    """The simulated "now" (naive WIB) of the simulator database at ``url``."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return _State.load(conn).clock
    finally:
        engine.dispose()


def detention_risk(url: str, pairs: list[tuple[int, str]]) -> dict[tuple[int, str], float]:
    """The hidden detention risk of each (id_pengguna_jasa, kode_komoditas) pair: what the simulator
    knows and Q-Corner must find out from the history."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            seed = _State.load(conn).seed
            stations = _load_stations(conn, seed)
    finally:
        engine.dispose()
    offenders = frozenset().union(*(station.offenders for station in stations))
    return {(user, code): _pair_risk(seed, user, code, user in offenders) for user, code in pairs}


def repeat_offenders(url: str) -> list[int]:
    """id_pengguna_jasa of the service users who are detained far more often than the rest."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            stations = _load_stations(conn, _State.load(conn).seed)
        return sorted(user_id for station in stations for user_id in station.offenders)
    finally:
        engine.dispose()

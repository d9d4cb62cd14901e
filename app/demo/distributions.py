"""The 2024 report's distributions that the demo's simulated officials answer from.

One place for every number the simulated respondents use, each with the line
of the report it comes from (``R:1234`` = line of
``shared/seeds/000_816849b79ae26b0e.txt``). Where the report prints no figure
the value is marked INFERRED and chosen so that the printed aggregates come
out (e.g. the water-board functions, which the report gives only as a tier).
Shares are of the people asked the question, as the report prints them.
"""

from __future__ import annotations

# --- Victimisation (the headline: 45% of officials, R:1057-1063) ---------------

VICTIM_BY_FUNCTION: dict[str, float] = {
    # Tabel 2.3, 2024 column (R:1193-1210)
    "burgemeester": 0.70,
    "wethouder": 0.60,
    "raadslid": 0.40,
    "statenlid": 0.49,
    # INFERRED from the type of office holder (Tabel 2.2, R:1113-1119:
    # voorzitters 66%, dagelijks bestuur 57%) and the tier (provincies 47%)
    "cdk": 0.66,
    "gedeputeerde": 0.57,
    # INFERRED: water boards 23% as a tier (R:1105), chairs and executives
    # above their general board members, as in the other tiers
    "dijkgraaf": 0.45,
    "lid_db": 0.32,
    "lid_ab": 0.19,
}
VICTIM_DEFAULT = 0.45  # R:1058

# Relative risk by gender (Tabel 2.2: men 37%, women 55%, R:1109-1111) and age
# group (R:6008-6011: 18-39 50%, 40-59 49%, 60+ 29%), each divided by the
# total (45%); the demo rescales so the function's share above is kept.
VICTIM_FACTOR_GENDER = {"man": 37 / 45, "vrouw": 55 / 45}
VICTIM_FACTOR_AGE = {
    "age_18_29": 50 / 45,
    "age_30_39": 50 / 45,
    "age_40_49": 49 / 45,
    "age_50_59": 49 / 45,
    "age_60_69": 29 / 45,
    "age_70plus": 29 / 45,
}

# Forms among victims, per tier: Tabel 2.2 (R:1101-1105), each form's share
# divided by the tier's total. A victim has at least one form.
FORMS_AMONG_VICTIMS: dict[str, dict[str, float]] = {
    "gemeente": {"verbaal": 43 / 47, "bedr_intim": 24 / 47, "fysiek": 3 / 47},
    "provincie": {"verbaal": 46 / 47, "bedr_intim": 24 / 47, "fysiek": 5 / 47},
    "waterschap": {"verbaal": 22 / 23, "bedr_intim": 8 / 23, "fysiek": 1 / 23},
}

# How often: 86% of victims were victim more than once (Figuur 2.8, R:1316-1318).
# Each form met is 1 + Poisson(mean) times; INFERRED mean 1.5 gives about 86%.
EXTRA_INCIDENTS_MEAN = 1.5

# Share online: verbal two thirds, threats/intimidation six in ten (R:1218-1221).
ONLINE_SHARE = {"verbaal": 2 / 3, "bedr_intim": 0.6}

# Online channels among online victims (R:1242-1243: Facebook 61%, e-mail
# 46%, X 38%); the rest INFERRED (Instagram named at R:6016-6017).
ONLINE_CHANNELS = {
    "facebook": 0.61,
    "email": 0.46,
    "x": 0.38,
    "instagram": 0.20,
    "whatsapp": 0.12,
    "linkedin": 0.06,
    "youtube": 0.03,
    "mastodon": 0.01,
    "snapchat": 0.01,
    "anders": 0.05,
}

# --- The most recent incident -------------------------------------------------

# Type of the most recent incident: Tabel 2.5's bases (R:1345-1360) are
# verbal 272, bedreiging 40, intimidatie 104 of 421. Only forms the respondent
# met are offered, and about half the victims met verbal aggression only, so
# the weights among the offered types are CALIBRATED (INFERRED): verbal 85
# against 40 and 104 gives those shares overall. Physical INFERRED (too few
# to print, R:1428-1429).
RECENT_TYPE_WEIGHT = {"verbaal": 85, "bedreiging": 40, "intimidatie": 104, "fysiek": 8}

# Severity 5-7 "(zeer) ernstig" by type: Tabel 2.5 (R:1362-1364): verbal 22%,
# bedreiging 76%, intimidatie 47%; physical INFERRED. Total 33% (R:1297-1300).
SERIOUS_BY_TYPE = {
    "verbaal": 0.22,
    "bedreiging": 0.76,
    "intimidatie": 0.47,
    "fysiek": 0.60,
}
# INFERRED: how the scores spread within "minder ernstig" (1-4) and "ernstig" (5-7)
MILD_SCORES = {1: 0.15, 2: 0.25, 3: 0.30, 4: 0.30}
SERIOUS_SCORES = {5: 0.50, 6: 0.30, 7: 0.20}

# Discussed internally: not discussed 43% of mild, 15% of serious incidents
# (Tabel 2.15, R:1918-1925); with whom: Tabel 2.14 "Besproken" (R:1873-1894),
# divided by the 66% who discussed it.
NOT_DISCUSSED = {"mild": 0.43, "serious": 0.15}
DISCUSSED_WITH = {
    "collega": 0.44 / 0.66,
    "voorzitter": 0.28 / 0.66,
    "secretaris": 0.18 / 0.66,
    "ambtenaren": 0.14 / 0.66,
    "griffier": 0.13 / 0.66,
    "vpt": 0.03 / 0.66,
    "vertrouwen": 0.02 / 0.66,
    "iemand_anders": 0.08 / 0.66,
}

# Reported internally, by type of office holder: Tabel 2.16 (R:1948-1989),
# each option divided by the share that reported.
NOT_REPORTED = {
    "voorzitter": 0.27,
    "dagelijks_bestuur": 0.46,
    "volksvertegenwoordiger": 0.66,
}
REPORTED_TO = {
    "voorzitter": {
        "collega": 0.22, "voorzitter": 0.0, "secretaris": 0.55, "ambtenaren": 0.22,
        "vpt": 0.36, "vertrouwen": 0.02, "iemand_anders": 0.04,
    },
    "dagelijks_bestuur": {
        "collega": 0.27, "voorzitter": 0.37, "secretaris": 0.19, "ambtenaren": 0.12,
        "vpt": 0.04, "vertrouwen": 0.02, "iemand_anders": 0.01,
    },
    "volksvertegenwoordiger": {
        "collega": 0.17, "voorzitter": 0.14, "secretaris": 0.01, "ambtenaren": 0.01,
        "griffier": 0.10, "vpt": 0.01, "vertrouwen": 0.03, "iemand_anders": 0.04,
    },
}  # fmt: skip

# Reported externally: Tabel 2.19 (R:2131-2150): 81% not; of the 19% who did.
NOT_EXTERNAL = 0.81
EXTERNAL_TO = {
    "politie": 0.10 / 0.19,
    "partij": 0.05 / 0.19,
    "vertrouwen_ext": 0.02 / 0.19,
    "beroepsorg": 0.01 / 0.19,
    "anders": 0.05 / 0.19,
}

# Registered by the organisation (Figuur 2.13, R:2178-2200): 61% no, 26% do
# not know; yes by type: chairs 43%, executives 12%, representatives 7%.
REGISTERED_YES = {
    "voorzitter": 0.43,
    "dagelijks_bestuur": 0.12,
    "volksvertegenwoordiger": 0.07,
}
REGISTERED_DONT_KNOW = 0.26

# Police report (Figuur 2.15 and Tabel 2.20, R:2213-2262): self 4%, the
# organisation 3%; 15% of serious incidents, hardly any mild ones (INFERRED 1.5%).
POLICE_REPORT = {"mild": 0.015, "serious": 0.15}
POLICE_BY = {"zelf": 4 / 7, "organisatie": 3 / 7}

# --- Background ----------------------------------------------------------------

# INFERRED: the report gives no composition; about a third of Dutch office
# holders are women (victimisation by gender: R:1109-1111).
GENDER = {"man": 0.64, "vrouw": 0.35, "anders": 0.005, "wil_niet_zeggen": 0.005}
# INFERRED age mix (the report only names 18-39, 40-59 and 60+, R:6008-6011).
AGE = {
    "age_18_29": 0.05,
    "age_30_39": 0.13,
    "age_40_49": 0.20,
    "age_50_59": 0.28,
    "age_60_69": 0.26,
    "age_70plus": 0.08,
}
# Migration background: 69 of 876 who answered (R:6044-6050), 7.9%; of them
# INFERRED half born abroad themselves, the others a parent.
MIGRATION = 69 / 876
BORN_ABROAD_SELF = 0.5
# INFERRED party mix; the report groups progressive (R:1140), conservative
# (R:1141) and local parties (R:1132-1133) and names no shares.
PARTY = {
    "vvd": 0.13, "pvv": 0.02, "cda": 0.12, "d66": 0.07, "groenlinks": 0.07,
    "pvda": 0.07, "sp": 0.02, "christenunie": 0.04, "sgp": 0.03, "pvdd": 0.01,
    "vijftigplus": 0.005, "fvd": 0.005, "ja21": 0.01, "denk": 0.005, "volt": 0.01,
    "bij1": 0.002, "bbb": 0.05, "lokaal": 0.28, "anders": 0.01, "geen": 0.02,
    "wil_niet_zeggen": 0.04,
}  # fmt: skip

# Contact with people outside the organisation: n=369 / 529 / 184 (R:1008-1014).
CONTACT = {"dagelijks": 369, "wekelijks": 529, "minder": 184}


# --- Employees (chapter 3), where they differ from the officials ---------------
# The incident, reporting and background questions reuse the officials'
# figures above (the demo only needs plausible shapes there).

EMPLOYEES_VICTIM_BY_TIER = {"gemeente": 0.28, "provincie": 0.22, "waterschap": 0.22}
"""27% of employees (R:3404-3405); municipalities 28%, provinces and water boards 22% (R:3414-3415)."""
EMPLOYEES_FORMS_AMONG_VICTIMS = {
    "verbaal": 26 / 27,
    "bedr_intim": 15 / 27,
    "fysiek": 2 / 27,
}
"""Verbal 26%, threats/intimidation 15%, physical 2% of 27% (R:3406-3407)."""
EMPLOYEES_ONLINE_SHARE = {"verbaal": 0.38, "bedr_intim": 0.38}
"""Both forms 62% offline (R:3427-3428)."""
EMPLOYEES_ONLINE_CHANNELS = {
    "email": 0.72, "anders": 0.23, "whatsapp": 0.15, "facebook": 0.06, "x": 0.02,
    "linkedin": 0.02, "youtube": 0.02,
}  # fmt: skip
"""Tabel 3.2 (R:3446-3471)."""
EMPLOYEES_GENDER = {"man": 398, "vrouw": 293, "wil_niet_zeggen": 3}
"""Tabel 3.5's bases (R:3656-3664), 694 respondents."""

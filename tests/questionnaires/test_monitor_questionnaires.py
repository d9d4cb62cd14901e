"""The Monitor's real questionnaire files: they load, pass the checker, and route
scripted respondents exactly as the report's "Basis:" lines say.

Run with ``-s`` to see the respondent-burden figures per file.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from app.questionnaires import routing
from app.questionnaires.submission import page_keys
from tests.questionnaires.respondents import FILES, SKIP, load, random_walk, walk

# --- sample attributes ---------------------------------------------------------------

FUNCTIONS = {
    "burgemeester": ("gemeente", "voorzitter"),
    "wethouder": ("gemeente", "dagelijks_bestuur"),
    "raadslid": ("gemeente", "volksvertegenwoordiger"),
    "cdk": ("provincie", "voorzitter"),
    "gedeputeerde": ("provincie", "dagelijks_bestuur"),
    "statenlid": ("provincie", "volksvertegenwoordiger"),
    "dijkgraaf": ("waterschap", "voorzitter"),
    "lid_db": ("waterschap", "dagelijks_bestuur"),
    "lid_ab": ("waterschap", "volksvertegenwoordiger"),
}


def official(function: str, email_kind: str = "persoonlijk") -> dict[str, str]:
    """The attributes an invitation from the address file carries."""
    tier, function_type = FUNCTIONS[function]
    return {
        "tier": tier,
        "function": function,
        "function_type": function_type,
        "email_kind": email_kind,
    }


# --- every file ------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(FILES), ids=lambda k: "/".join(k))
def test_file_loads_and_passes_the_checker_without_problems(
    key: tuple[str, str],
) -> None:
    cq = load(*key)  # raises DefinitionErrors listing every error
    assert cq.warnings == ()
    assert cq.key == key


@pytest.mark.parametrize("key", sorted(FILES), ids=lambda k: "/".join(k))
def test_welcome_thanks_and_help_are_dutch_and_complete(key: tuple[str, str]) -> None:
    qn = load(*key).definition
    assert qn.language == "nl"
    assert qn.estimated_minutes
    if key == ("officials", "2022"):  # published wording, kept as fielded
        assert "anoniem" in qn.welcome and "minuten" in qn.welcome
    else:
        # Links are personal and staff see who responded: confidential, not
        # anonymous, and saying who sees what.
        assert "vertrouwelijk" in qn.welcome and "anoniem" not in qn.welcome
        assert "herinnering" in qn.welcome and "alleen over groepen" in qn.welcome
        assert "verwijderd" in qn.welcome
        # The welcome page states the duration from estimated_minutes.
        assert "minuten" not in qn.welcome
    assert qn.help_resources
    assert all(page.title for page in qn.pages())


# --- officials 2024 ------------------------------------------------------------------------

START = ["q_contact_freq", "q_safety", "q_risk_org", "q_risk_self", "q_aggr_count"]
ORGANISATION = ["q_norm", "q_org_policy", "q_support_orgs", "q_support_needs"]
INTEGRITY = [
    "q_int_suspicions",
    "q_int_culture",
    "q_int_dilemmas",
    "q_int_corruption",
    "q_int_lobby",
]
BACKGROUND = ["q_gender", "q_age", "q_born", "q_orientation", "q_disability", "q_party"]
INCIDENT = [
    "q_recent_description",
    "q_recent_type",
    "q_recent_severity",
    "q_recent_mode",
    "q_recent_target",
    "q_recent_traits",
    "q_recent_perpetrator",
    "q_recent_motive",
]


def test_response_threshold_is_the_fifth_question_everyone_sees() -> None:
    """ "Tot en met vraag 5" (R:699-700): with tier and function from the sample,
    the 5th question shown is the prevalence question, for every function."""
    cq = load("officials", "2024")
    assert cq.definition.response_from == "q_aggr_count"
    for function in FUNCTIONS:
        route = walk(cq, {}, official(function))
        assert route.shown[:5] == START
        assert route.reached_threshold


def test_council_member_with_online_threats_who_reported_internally() -> None:
    """A female council member, threatened (mostly online), who discussed the
    incident, reported it to the griffier, reported it nowhere outside and did
    not press charges."""
    cq = load("officials", "2024")
    intended: dict[str, Any] = {
        "q_contact_freq": "wekelijks",
        "q_safety": {"veilig": "eens", "aandacht": "oneens"},
        "q_aggr_count": {"verbaal": 0, "bedr_intim": 3, "fysiek": 0},
        "q_split_threat": {"offline": 1, "online": 2},
        "q_online_channels": ["facebook", "x"],
        "q_online_channel_most": "x",
        "q_recent_description": "Dreigende berichten na een raadsdebat.",
        "q_recent_type": "bedreiging",
        "q_recent_severity": 6,
        "q_recent_mode": ["sociale_media", "email"],
        "q_recent_target": ["persoonlijk", "partij"],
        "q_recent_traits": ["geslacht_gender"],
        "q_recent_perpetrator": ["anoniem"],
        "q_recent_motive": "bewust",
        "q_discussed_with": ["collega"],
        "q_reported_to": ["griffier"],
        "q_sat_discussed": "tevreden",
        "q_sat_reported": "neutraal",
        "q_external_report": ["niet"],
        "q_registered": "weet_niet",
        "q_police_report": ["nee"],
        "q_why_no_police": ["geen_zin", "positie"],
        "q_aftercare_self": "geen_reactie",
        "q_aftercare_family": "nvt",
        "q_effects": ["sm_persoonlijk", "gedrag_prive", "politieke_ambities"],
        "q_sm_personal": ["priveberichten", "reacties"],
        "q_effects_explain": "Ik post minder over mijn gezin.",
        "q_gender": "vrouw",
        "q_age": "age_30_39",
        "q_party": "groenlinks",
    }
    route = walk(cq, intended, official("raadslid"))
    assert route.shown == [
        *START,
        "q_split_threat",
        "q_online_channels",
        "q_online_channel_most",
        *INCIDENT,
        "q_discussed_with",
        "q_reported_to",
        "q_sat_discussed",
        "q_sat_reported",
        "q_external_report",
        "q_registered",
        "q_police_report",
        "q_why_no_police",
        "q_aftercare_self",
        "q_aftercare_family",
        "q_effects",
        "q_sm_personal",
        "q_effects_explain",
        *ORGANISATION,
        *INTEGRITY,
        *BACKGROUND,
    ]
    # Piping and option filters as she sees them.
    assert route.texts["q_contact_freq"].startswith(
        "Hoe vaak heeft u in uw functie als raadslid contact"
    )
    assert (
        "3 keer te maken heeft gehad met bedreiging of intimidatie"
        in route.texts["q_split_threat"]
    )
    assert route.offered["q_online_channel_most"] == ["facebook", "x"]
    assert route.offered["q_recent_type"] == ["bedreiging", "intimidatie"]
    assert (
        "voorzitter" in route.offered["q_discussed_with"]
    )  # she may have told the mayor
    assert "info_aggression_forms" in route.info and "info_discuss_report" in route.info
    derived = routing.derived_values(cq, route.answers, official("raadslid"))
    assert (
        derived["victim"] and derived["online_victim"] and derived["serious_incident"]
    )
    assert derived["discussed"] and derived["reported"]
    assert not derived["reported_external"] and not derived["police_report"]


def test_dike_reeve_without_aggression_skips_the_incident_part_and_reaches_the_end() -> (
    None
):
    cq = load("officials", "2024")
    attributes = official("dijkgraaf")
    route = walk(
        cq, {"q_aggr_count": {"verbaal": 0, "bedr_intim": 0, "fysiek": 0}}, attributes
    )
    assert route.shown == [*START, *ORGANISATION, *INTEGRITY, *BACKGROUND]
    assert route.texts["q_contact_freq"].startswith(
        "Hoe vaak heeft u in uw functie als dijkgraaf/watergraaf"
    )
    assert route.pages[-1] == "p_party"
    assert routing.next_page_id(cq, "p_party", route.answers, attributes) is None
    assert routing.is_complete(cq, route.answers, attributes, set(route.pages))
    assert routing.derived_values(cq, route.answers, attributes)["victim"] is False


def test_mayor_who_declines_every_background_question() -> None:
    """A mayor, verbally abused face to face, who discussed and reported the
    incident, pressed charges himself, and answers "wil ik niet zeggen" to
    every background question."""
    cq = load("officials", "2024")
    refuse = "wil_niet_zeggen"
    intended: dict[str, Any] = {
        "q_aggr_count": {"verbaal": 2, "bedr_intim": 0, "fysiek": 0},
        "q_split_verbal": {"offline": 2, "online": 0},
        "q_recent_type": "verbaal",
        "q_recent_mode": ["face_to_face"],
        "q_discussed_with": ["secretaris"],
        "q_reported_to": ["secretaris", "vpt"],
        "q_external_report": ["politie"],
        "q_police_report": ["zelf"],
        "q_sat_police": "tevreden",
        "q_effects": ["geen"],
        "q_gender": refuse,
        "q_age": refuse,
        "q_born": {"zelf": refuse, "moeder": refuse, "vader": refuse},
        "q_orientation": refuse,
        "q_disability": refuse,
        "q_party": refuse,
    }
    attributes = official("burgemeester", email_kind="algemeen")
    route = walk(cq, intended, attributes)
    assert route.shown == [
        *START,
        "q_split_verbal",
        *INCIDENT,
        "q_discussed_with",
        "q_reported_to",
        "q_sat_discussed",
        "q_sat_reported",
        "q_external_report",
        "q_sat_external",
        "q_sat_external_why",
        "q_registered",
        "q_police_report",
        "q_sat_police",
        "q_sat_police_why",
        "q_aftercare_self",
        "q_aftercare_family",
        "q_effects",
        *ORGANISATION,
        *INTEGRITY,
        *BACKGROUND,
    ]
    # Chairs are not offered "De burgemeester, CvK of dijkgraaf/watergraaf".
    assert "voorzitter" not in route.offered["q_discussed_with"]
    assert "voorzitter" not in route.offered["q_reported_to"]
    assert route.offered["q_recent_type"] == ["verbaal"]
    for question in ("q_gender", "q_age", "q_orientation", "q_disability", "q_party"):
        assert route.answers[question] == 99
        assert cq.questions[question].missing_codes == frozenset({99}) | (
            frozenset({98}) if question == "q_orientation" else frozenset()
        )
    assert route.answers["q_born"] == {"zelf": 99, "moeder": 99, "vader": 99}
    assert not routing.derived_values(cq, route.answers, attributes)[
        "migration_background"
    ]


def test_only_those_who_did_not_discuss_get_the_reasons_and_exclusive_options_are_exclusive() -> (
    None
):
    cq = load("officials", "2024")
    base = {
        "q_aggr_count": {"verbaal": 1, "bedr_intim": 0, "fysiek": 0},
        "q_split_verbal": {"offline": 1, "online": 0},
    }
    route = walk(
        cq,
        {**base, "q_discussed_with": ["niet"], "q_reported_to": ["niet"]},
        official("wethouder"),
    )
    assert "q_why_not_discussed" in route.shown
    assert "q_sat_discussed" not in route.shown and "q_sat_reported" not in route.shown
    with pytest.raises(AssertionError, match="kunt u niet combineren"):
        walk(
            cq, {**base, "q_discussed_with": ["niet", "collega"]}, official("wethouder")
        )


def test_physical_aggression_only_gets_no_online_questions() -> None:
    cq = load("officials", "2024")
    route = walk(
        cq,
        {"q_aggr_count": {"verbaal": 0, "bedr_intim": 0, "fysiek": 1}},
        official("statenlid"),
    )
    assert route.shown[5:7] == ["q_recent_description", "q_recent_type"]
    assert route.offered["q_recent_type"] == ["fysiek"]


def test_split_must_add_up_to_the_count() -> None:
    cq = load("officials", "2024")
    intended = {
        "q_aggr_count": {"verbaal": 3, "bedr_intim": 0, "fysiek": 0},
        "q_split_verbal": {"offline": 1, "online": 1},
    }
    with pytest.raises(AssertionError, match="Samen moet dit 3 keer zijn"):
        walk(cq, intended, official("raadslid"))
    message = cq.questions["q_split_verbal"].model.constraint_message
    answers = {"q_aggr_count": intended["q_aggr_count"]}
    assert routing.pipe(message, cq, answers, official("raadslid")).startswith(
        "Samen moet dit 3 keer zijn"
    )


# --- officials 2022 --------------------------------------------------------------------


def test_official_2022_gets_the_combined_discuss_or_report_question() -> None:
    cq = load("officials", "2022")
    intended = {
        "q_aggr_count": {"verbaal": 2, "bedr_intim": 1, "fysiek": 0},
        "q_split_verbal": {"offline": 0, "online": 2},
        "q_split_threat": {"offline": 1, "online": 0},
        "q_discuss_report": ["niet"],
        "q_external_report": ["niet"],
        "q_police_report": ["nee"],
        "q_effects": ["gedrag_prive"],
    }
    route = walk(cq, intended, official("wethouder"))
    assert route.shown == [
        *START,
        "q_split_verbal",
        "q_split_threat",
        *INCIDENT,
        "q_discuss_report",
        "q_why_not_discussed",
        "q_external_report",
        "q_registered",
        "q_police_report",
        "q_why_no_police",
        "q_aftercare_self",
        "q_aftercare_family",
        "q_effects",
        "q_effects_explain",
        *ORGANISATION,
        "q_int_suspicions",
        "q_int_culture",
        "q_int_dilemmas",
        "q_gender",
    ]
    assert route.offered["q_recent_target"] == [
        "organisatie",
        "persoonlijk",
        "naasten",
        "groep",
        "anders",
        "weet_niet",
    ]


# --- employees ---------------------------------------------------------------------------------

EMPLOYEE_START = [
    "q_staff_function",
    "q_contact_freq",
    "q_socmed_personal",
    "q_gender",
    "q_safety",
    "q_risk_org",
]


def test_employee_in_the_outside_service() -> None:
    """An enforcement officer (buitendienst) with daily outside contact, abused
    verbally and once physically, who reported it to the registration system."""
    cq = load("employees", "2024")
    attributes = {"tier": "gemeente", "panel": "io_panel", "ballot": "a"}
    intended: dict[str, Any] = {
        "q_staff_function": "toezicht",
        "q_contact_freq": "dagelijks",
        "q_socmed_personal": "geen",
        "q_gender": "man",
        "q_aggr_count": {"verbaal": 4, "bedr_intim": 0, "fysiek": 1},
        "q_split_verbal": {"offline": 4, "online": 0},
        "q_recent_type": "fysiek",
        "q_recent_mode": ["fysiek", "face_to_face"],
        "q_discussed_with": ["collega", "leidinggevende"],
        "q_reported_to": ["registratie", "leidinggevende"],
        "q_external_report": ["politie"],
        "q_police_report": ["zelf", "organisatie"],
        "q_effects": ["werkplezier", "manier_werk", "ambities_overheid"],
    }
    route = walk(cq, intended, attributes)
    assert route.shown == [
        *EMPLOYEE_START,
        "q_risk_self",
        "q_aggr_count",
        "q_split_verbal",
        *INCIDENT,
        "q_discussed_with",
        "q_reported_to",
        "q_sat_discussed",
        "q_sat_reported",
        "q_external_report",
        "q_sat_external",
        "q_sat_external_why",
        "q_registered",
        "q_police_report",
        "q_sat_police",
        "q_sat_police_why",
        "q_aftercare_self",
        "q_aftercare_family",
        "q_effects",
        "q_effects_explain",
        "q_norm",
        "q_org_policy",
        "q_support_orgs",
    ]
    assert route.offered["q_recent_type"] == ["verbaal", "fysiek"]
    assert "partij" not in route.offered["q_recent_target"]
    derived = routing.derived_values(cq, route.answers, attributes)
    assert derived["buitendienst"] is True and derived["binnendienst"] is False
    assert derived["citizen_contact"] is True and derived["police_report"] is True


def test_employee_without_outside_contact_on_ballot_b() -> None:
    """No outside contact: still asked about aggression (since 2024), but on
    ballot b not about the personal risk statements."""
    cq = load("employees", "2024")
    attributes = {"tier": "waterschap", "panel": "flitspanel", "ballot": "b"}
    route = walk(
        cq, {"q_staff_function": "beleid", "q_contact_freq": "nooit"}, attributes
    )
    assert route.shown == [
        *EMPLOYEE_START,
        "q_aggr_count",
        "q_norm",
        "q_org_policy",
        "q_support_orgs",
    ]
    derived = routing.derived_values(cq, route.answers, attributes)
    assert derived["binnendienst"] is True and derived["citizen_contact"] is False
    assert route.reached_threshold


# --- organisations -----------------------------------------------------------------------------


def test_water_board_organisation() -> None:
    cq = load("organisations", "2024")
    attributes = {"tier": "waterschap", "organisation": "Waterschap Voorbeeld"}
    intended: dict[str, Any] = {
        "q_policy_approach": "doelgroep",
        "q_policy_explain": "Apart protocol voor het algemeen bestuur.",
        "q_policy_owner": {
            "medewerkers": "secretaris",
            "bestuurders": "voorzitter",
            "volksvert": "weet_niet",
        },
        "q_vpt_coordinator": ["medewerkers"],
        "q_policy_changed": ["nee"],
        "q_vpt_reporting": ["medewerkers", "bestuurders"],
        "q_vpt_talks": ["medewerkers"],
        "q_vpt_training": ["medewerkers"],
        "q_vpt_induction": ["nee"],
        "q_vpt_socmed": ["onbekend"],
        "q_risk_talks_two": "ja",
        "q_reg_extent": {
            "medewerkers": "altijd",
            "bestuurders": "soms",
            "volksvert": "nooit",
        },
        "q_reg_use": ["gesprek", "maatregelen"],
        "q_police_approach": "per_geval",
    }
    route = walk(cq, intended, attributes)
    assert route.shown == [
        "q_policy_approach",
        "q_policy_explain",
        "q_policy_owner",
        "q_vpt_coordinator",
        "q_policy_changed",
        "q_vpt_reporting",
        "q_vpt_talks",
        "q_vpt_training",
        "q_vpt_induction",
        "q_vpt_socmed",
        "q_risk_talks_two",
        "q_reg_extent",
        "q_reg_use",
        "q_reg_measures",
        "q_aftercare_staff",
        "q_aftercare_officials",
        "q_police_approach",
        "q_police_depends",
    ]
    assert route.info == ["info_groups_waterschap"]
    assert route.shown[4] == cq.definition.response_from
    welcome = routing.pipe(cq.definition.welcome, cq, {}, attributes)
    assert "het beleid van Waterschap Voorbeeld" in welcome
    assert "secretaris" in welcome


# --- respondent burden ---------------------------------------------------------------------------

# Respondents who take the shortest and the longest way through each file.
NO_AGGRESSION = {"q_aggr_count": {"verbaal": 0, "bedr_intim": 0, "fysiek": 0}}
MOST_AGGRESSION: dict[str, Any] = {
    "q_contact_freq": "dagelijks",
    "q_aggr_count": {"verbaal": 2, "bedr_intim": 2, "fysiek": 1},
    "q_split_verbal": {"offline": 1, "online": 1},
    "q_split_threat": {"offline": 1, "online": 1},
    "q_online_channels": ["facebook", "email"],
    "q_recent_description": "Beschrijving.",
    "q_discussed_with": ["collega"],
    "q_reported_to": ["secretaris"],
    "q_discuss_report": ["collega"],
    "q_why_not_discussed": SKIP,
    "q_external_report": ["politie"],
    "q_sat_external_why": "Toelichting.",
    "q_police_report": ["zelf"],
    "q_sat_police_why": "Toelichting.",
    "q_effects": ["sm_persoonlijk", "sm_professioneel", "gedrag_prive"],
    "q_effects_explain": "Toelichting.",
}
EXTREMES: dict[
    tuple[str, str],
    tuple[tuple[dict[str, Any], dict[str, Any]], tuple[dict[str, Any], dict[str, Any]]],
] = {
    ("officials", "2024"): (
        (NO_AGGRESSION, official("raadslid")),
        (MOST_AGGRESSION, official("raadslid")),
    ),
    ("officials", "2022"): (
        (NO_AGGRESSION, official("raadslid")),
        # No satisfaction questions in 2022, so not discussing (and being asked
        # why) is the longer way.
        (
            {
                **MOST_AGGRESSION,
                "q_discuss_report": ["niet"],
                "q_why_not_discussed": ["niet_erg"],
                "q_effects": ["gedrag_prive"],
            },
            official("raadslid"),
        ),
    ),
    ("employees", "2024"): (
        (NO_AGGRESSION, {"tier": "gemeente", "panel": "flitspanel", "ballot": "b"}),
        (MOST_AGGRESSION, {"tier": "gemeente", "panel": "flitspanel", "ballot": "a"}),
    ),
    ("organisations", "2024"): (
        (
            {
                "q_policy_changed": ["nee"],
                "q_vpt_talks": ["nee"],
                "q_reg_extent": {
                    "medewerkers": "nooit",
                    "bestuurders": "nooit",
                    "volksvert": "nooit",
                },
                "q_police_approach": "organisatie",
            },
            {"tier": "gemeente", "organisation": "Gemeente Voorbeeld"},
        ),
        (
            {
                "q_policy_changed": ["medewerkers"],
                "q_vpt_talks": ["medewerkers"],
                "q_reg_extent": {
                    "medewerkers": "altijd",
                    "bestuurders": "vaak",
                    "volksvert": "soms",
                },
                "q_reg_use": ["maatregelen"],
                "q_police_approach": "per_geval",
            },
            {"tier": "gemeente", "organisation": "Gemeente Voorbeeld"},
        ),
    ),
}


def random_attributes(questionnaire: str, rng: random.Random) -> dict[str, object]:
    if questionnaire == "officials":
        return official(
            rng.choice(list(FUNCTIONS)), rng.choice(["persoonlijk", "algemeen"])
        )
    tier = rng.choice(["gemeente", "provincie", "waterschap"])
    if questionnaire == "employees":
        attributes: dict[str, object] = {
            "tier": tier,
            "panel": rng.choice(["flitspanel", "io_panel"]),
        }
        if rng.random() < 0.9:
            attributes["ballot"] = rng.choice(["a", "b"])
        return attributes
    return {"tier": tier, "organisation": "Organisatie Voorbeeld"}


RANDOM_RESPONDENTS = 300  # seeded; 1,500 were checked once when the figures were taken


@pytest.mark.parametrize("key", sorted(FILES), ids=lambda k: "/".join(k))
def test_respondent_burden(key: tuple[str, str]) -> None:
    """Questions, pages, routing conditions and the shortest and longest route.

    The extremes are scripted respondents; random respondents (random answers,
    skips, exclusive options, every function/tier/ballot) confirm that no route
    is shorter or longer. Every route reaches the end and passes the threshold.
    """
    cq = load(*key)
    qn = cq.definition
    questions = [q for q in qn.questions() if q.type != "info"]
    (short_answers, short_attrs), (long_answers, long_attrs) = EXTREMES[key]
    shortest = walk(cq, short_answers, short_attrs).shown
    longest = walk(cq, long_answers, long_attrs).shown
    rng = random.Random(20240416)
    lengths = []
    asked: dict[str, int] = dict.fromkeys((q.id for q in questions), 0)
    for _ in range(RANDOM_RESPONDENTS):
        route = random_walk(cq, random_attributes(key[0], rng), rng)
        assert route.reached_threshold
        lengths.append(len(route.shown))
        for qid in route.shown:
            asked[qid] += 1
    assert len(shortest) <= min(lengths) and max(lengths) <= len(longest)
    never = sorted(qid for qid, n in asked.items() if n == 0 and qid not in longest)
    assert not never, f"no respondent was ever asked {never}"
    kinds: dict[str, int] = {}
    from app.questionnaires.compiler import condition_sites

    for site in condition_sites(qn):
        kinds[site.kind] = kinds.get(site.kind, 0) + 1
    breakdown = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    print(  # noqa: T201 -- the route summary to read with -s
        f"\n{key[0]}/{key[1]}: {len(questions)} questions on {len(qn.pages())} pages in "
        f"{len(qn.blocks)} blocks; {cq.condition_count} routing conditions ({breakdown}); "
        f"shortest route {len(shortest)} questions, longest {len(longest)} "
        f"(random respondents: {min(lengths)}-{max(lengths)}, median {sorted(lengths)[len(lengths) // 2]})"
    )


# --- versions and groups -------------------------------------------------------------------------

# What the 2024 report documents as changed since 2022 (inventory §4.5), as the
# engine's diff reports it: (question, kind, option code or row).
DOCUMENTED_2022_TO_2024 = {
    # deeper questions on the role of social media (R:712)
    ("q_online_channels", "added", None),
    ("q_online_channel_most", "added", None),
    ("q_effects", "option_added", 2),
    ("q_effects", "option_added", 3),
    ("q_sm_personal", "added", None),
    ("q_sm_professional", "added", None),
    # more than one answer and a new option (R:3930-3931, R:3968)
    ("q_recent_mode", "reworded", None),
    ("q_recent_mode", "type_changed", None),
    ("q_recent_mode", "option_added", 6),
    # "politieke partij" out of "specifieke groep" into its own option (R:1565-1571)
    ("q_recent_target", "option_relabelled", 5),
    ("q_recent_target", "option_added", 2),
    # anonymous social-media account (R:1727)
    ("q_recent_perpetrator", "option_added", 4),
    # discussing and reporting asked separately (R:713-716, R:2015-2021)
    ("q_discuss_report", "removed", None),
    ("info_discuss_report", "added", None),
    ("q_discussed_with", "added", None),
    ("q_reported_to", "added", None),
    ("q_sat_discussed", "added", None),
    ("q_sat_reported", "added", None),
    ("q_why_not_discussed", "routing_changed", None),
    # options added to the reasons for not pressing charges (R:2379-2381)
    ("q_why_no_police", "option_added", 8),
    ("q_why_no_police", "option_added", 9),
    ("q_why_no_police", "option_added", 11),
    # effects of aggression in general, not of the most recent incident (R:2477-2481)
    ("q_effects", "reworded", None),
    # "burgers" became "mensen van buiten mijn organisatie" (R:2837-2838)
    ("q_norm", "row_reworded", "grens"),
    ("q_norm", "row_reworded", "terecht"),
    # Arq/IVP new (R:2965)
    ("q_support_orgs", "row_added", "arq"),
    # statements on corruption and undermining, and on belangenbehartigers (R:718-719)
    ("q_int_corruption", "added", None),
    ("q_int_lobby", "added", None),
    # background questions (R:709-710)
    ("q_age", "added", None),
    ("q_born", "added", None),
    ("q_orientation", "added", None),
    ("q_disability", "added", None),
    ("q_party", "added", None),
}


def test_officials_2022_to_2024_diff_lists_exactly_the_documented_changes() -> None:
    from app.questionnaires.diff import diff_versions, render_text

    old, new = (
        load("officials", "2022").definition,
        load("officials", "2024").definition,
    )
    diff = diff_versions(old, new)
    found = {
        (c.question, c.kind, c.detail.get("code", c.detail.get("row")))
        for c in diff.changes
    }
    assert found == DOCUMENTED_2022_TO_2024
    # Everything else is identical, codes included.
    assert not diff.of_kind("option_recoded") and not diff.of_kind("option_removed")
    assert "q_aggr_count" in diff.unchanged and "q_safety" in diff.unchanged
    print("\n" + render_text(diff))  # noqa: T201 -- the diff to read with -s


def test_employees_and_officials_share_ids_for_the_same_questions() -> None:
    """Analysts compare the groups item by item (employee inventory §6)."""
    officials = {
        q.id
        for q in load("officials", "2024").definition.questions()
        if q.type != "info"
    }
    employees = {
        q.id
        for q in load("employees", "2024").definition.questions()
        if q.type != "info"
    }
    assert employees - officials == {"q_staff_function", "q_socmed_personal"}
    assert officials - employees == {
        "q_support_needs",
        *INTEGRITY,
        "q_age",
        "q_born",
        "q_orientation",
        "q_disability",
        "q_party",
    }
    # Same question, same codes for the options both groups have.
    off, emp = load("officials", "2024"), load("employees", "2024")
    for qid in sorted(officials & employees):
        a, b = off.questions[qid], emp.questions[qid]
        assert a.type == b.type, qid
        shared = set(a.names) & set(b.names)
        assert all(a.names[n] == b.names[n] for n in shared), qid


def test_reporting_filters_reproduce_the_reports_bases() -> None:
    """The report's n per question is a check on routing. 414 victims answered
    the discuss question; 66% discussed, 44% reported, 87% did either
    (R:1854-1855, R:1894, R:2019) and 6% pressed charges (R:2212-2214).
    Simulated with those shares, the filters ask about as many as the report's
    "Basis:" lines: 257 satisfied-discussing, 172 satisfied-reporting, 129
    reasons for not discussing (a "neither discussed nor reported" filter would
    give about 54), 376 reasons for no police report."""
    cq = load("officials", "2024")
    both, discussed_only, reported_only, neither = (
        95,
        178,
        87,
        54,
    )  # 23%, 43%, 21%, 13% of 414
    groups = [(["collega"], ["secretaris"])] * both + [
        (["collega"], ["niet"])
    ] * discussed_only
    groups += [(["niet"], ["secretaris"])] * reported_only + [
        (["niet"], ["niet"])
    ] * neither
    asked = dict.fromkeys(
        ["q_sat_discussed", "q_sat_reported", "q_why_not_discussed", "q_why_no_police"],
        0,
    )
    for i, (discussed, reported) in enumerate(groups):
        intended = {
            "q_aggr_count": {"verbaal": 1, "bedr_intim": 0, "fysiek": 0},
            "q_split_verbal": {"offline": 1, "online": 0},
            "q_discussed_with": discussed,
            "q_reported_to": reported,
            "q_police_report": ["zelf"] if i % 17 == 0 else ["nee"],  # 25 of 414 = 6%
        }
        route = walk(cq, intended, official("raadslid"))
        for qid in asked:
            asked[qid] += qid in route.shown
    report = {
        "q_sat_discussed": 257,
        "q_sat_reported": 172,
        "q_why_not_discussed": 129,
        "q_why_no_police": 376,
    }
    for qid, n in report.items():
        assert abs(asked[qid] - n) <= 0.12 * n, (qid, asked[qid], n)


@pytest.mark.parametrize("key", sorted(FILES), ids=lambda k: "/".join(k))
def test_one_walk_routing_equals_the_reference(key: tuple[str, str]) -> None:
    """``apply_page_and_route`` (the respondent's page save: clean the answers
    and list the visible pages in one walk) equals ``apply_page`` followed by
    ``visible_pages``, also when a page is answered anew over someone else's
    answers, so that the change cascades through later pages."""
    cq = load(*key)
    rng = random.Random(20261124)
    routes = [
        (random_walk(cq, attrs, rng), attrs)
        for attrs in (random_attributes(key[0], rng) for _ in range(60))
    ]
    checked = 0
    for (route, attributes), (other, _) in zip(
        routes, routes[1:] + routes[:1], strict=True
    ):
        for page in cq.pages:
            page_answers = {
                k: v for k, v in other.answers.items() if k in page_keys(page)
            }
            expected = routing.apply_page(
                cq, page.id, route.answers, page_answers, attributes
            )
            visible = [p.id for p in routing.visible_pages(cq, expected, attributes)]
            got = routing.apply_page_and_route(
                cq, page.id, route.answers, page_answers, attributes
            )
            assert got == (expected, visible), (page.id, attributes)
            checked += 1
    assert checked == len(routes) * len(cq.pages)

"""What a page looks like for one respondent: a plain view model for the templates.

Pure: takes the compiled version, the answers and attributes (and, after a
failed submission, the raw form and its errors) and returns dataclasses. The
templates only lay it out. Every text a respondent sees is piped here
(``${function}`` → "burgemeester"), the welcome and thank-you texts and help
resources too (``survey_texts``): templates never show a definition's text
unpiped. Short texts (questions, options, rows) stay plain text that Jinja
escapes; the longer ones the format allows markup in (welcome, thanks, page
intro, information blocks) become HTML through ``questionnaires.markup``, with
piped values quoted so they stay literal.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from app.questionnaires import markup, rotation, routing
from app.questionnaires.compiler import CompiledQuestionnaire
from app.questionnaires.definition import HelpResource, other_key
from app.questionnaires.types import question_type

FormData = Mapping[str, Sequence[str]]


@dataclass(slots=True)
class OptionView:
    code: int
    label: str
    checked: bool
    is_missing: bool
    exclusive: bool
    other: bool


@dataclass(slots=True)
class RowView:
    id: str
    field: str
    text: str
    value: str
    error: str | None


@dataclass(slots=True)
class QuestionView:
    id: str
    type: str
    macro: str
    """The macro of ``responses/_questions.html`` that shows it (its type's)."""
    text: str
    help: str | None
    required: bool
    error: str | None
    options: list[OptionView] = field(default_factory=list)
    rows: list[RowView] = field(default_factory=list)
    value: str = ""
    other_value: str = ""
    other_error: str | None = None
    other_code: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    min_label: str | None = None
    max_label: str | None = None
    scale_points: list[OptionView] = field(default_factory=list)
    multiline: bool = False
    max_length: int | None = None
    unit: str | None = None
    title: str | None = None
    html: Markup | None = None
    """An information block's text, rendered from its markup."""
    language: str = "nl"
    """For the macro's own texts ("(verplicht)"), via ``gettext_in``."""


@dataclass(slots=True)
class PageView:
    id: str
    title: str | None
    intro: Markup | None
    questions: list[QuestionView]
    errors: list[tuple[str, str, str]]
    """(anchor id, item, message) for the summary at the top: one entry per
    field in error, naming that field (a row's or item's own text, not its
    question's) and linking to it."""


def build_page(
    cq: CompiledQuestionnaire,
    page_id: str,
    answers: Mapping[str, object],
    attributes: Mapping[str, object],
    *,
    form: FormData | None = None,
    errors: Mapping[str, str] | None = None,
    seed: int | None = None,
) -> PageView:
    """``seed``: the respondent's invitation id, for rotated options and rows
    (``app.questionnaires.rotation``); without it everything is in file order."""
    errors = errors or {}
    page = cq.page_by_id[page_id].model
    # After a failed submission, route on what was just typed where it parsed.
    views = []
    summary: list[tuple[str, str, str]] = []
    for question in routing.visible_questions(cq, page_id, answers, attributes):
        view = _question(cq, question.id, answers, attributes, form, errors, seed)
        views.append(view)
        for key, message in errors.items():
            item = _item_named(view, key)
            if item is not None:
                summary.append((_anchor(key), item, _after_colon(message)))
    return PageView(
        id=page.id,
        title=routing.pipe(page.title, cq, answers, attributes) if page.title else None,
        intro=markup_html(page.intro, cq, answers, attributes) if page.intro else None,
        questions=views,
        errors=summary,
    )


SUMMARY_TEXT_LENGTH = 80


def _item_named(view: QuestionView, key: str) -> str | None:
    """What the error summary calls the field ``key`` of question ``view``;
    None when the key is not one of its fields."""
    if key == view.id:
        return _shortened(view.text)
    if key == other_key(view.id):
        label = next((o.label for o in view.options if o.other), "Anders")
        return f"{_shortened(view.text)} – {label}"
    if key.startswith(view.id + "."):
        row = next((r for r in view.rows if r.field == key), None)
        return _shortened(row.text if row is not None else view.text)
    return None


def _shortened(text: str, length: int = SUMMARY_TEXT_LENGTH) -> str:
    """One line of at most ``length`` characters, cut at a word."""
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    return text[: length - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def _after_colon(message: str) -> str:
    """ "Vul een getal in" → "vul een getal in", to follow "Item: " in Dutch.
    Words in capitals or with more capitals than the first ("BIG", "McKinsey")
    stay as they are."""
    first = message.split(" ", 1)[0]
    if len(first) > 1 and first[0].isupper() and first[1:].islower():
        return message[0].lower() + message[1:]
    return message


def markup_html(
    text: str,
    cq: CompiledQuestionnaire,
    answers: Mapping[str, object],
    attributes: Mapping[str, object],
) -> Markup:
    """A text that may hold markup, piped (values quoted) and rendered to HTML."""
    return markup.to_html(routing.pipe(text, cq, answers, attributes, markup.quote))


@dataclass(frozen=True, slots=True)
class SurveyTexts:
    """The texts around the pages: welcome, thanks and help resources, piped."""

    welcome: Markup
    thanks: Markup
    help_resources: list[HelpResource]


def survey_texts(
    cq: CompiledQuestionnaire,
    answers: Mapping[str, object],
    attributes: Mapping[str, object],
) -> SurveyTexts:
    definition = cq.definition

    def piped(text: str | None) -> str | None:
        return routing.pipe(text, cq, answers, attributes) if text else text

    return SurveyTexts(
        welcome=markup_html(definition.welcome, cq, answers, attributes),
        thanks=markup_html(definition.thanks, cq, answers, attributes),
        help_resources=[
            r.model_copy(update={"label": piped(r.label), "text": piped(r.text)})
            for r in definition.help_resources
        ],
    )


def _anchor(field_name: str) -> str:
    return "f-" + field_name.replace(".", "-")


def _submitted(form: FormData | None, key: str) -> list[str] | None:
    if form is None:
        return None
    return [v for v in form.get(key, ()) if v != ""]


def _question(
    cq: CompiledQuestionnaire,
    question_id: str,
    answers: Mapping[str, object],
    attributes: Mapping[str, object],
    form: FormData | None,
    errors: Mapping[str, str],
    seed: int | None = None,
) -> QuestionView:
    compiled = cq.questions[question_id]
    model = compiled.model
    text = routing.pipe(model.text, cq, answers, attributes)
    help_text: str | None = getattr(model, "help", None)
    base: dict[str, Any] = {
        "id": model.id,
        "type": model.type,
        "macro": question_type(model).macro,
        "text": text,
        "help": routing.pipe(help_text, cq, answers, attributes) if help_text else None,
        "required": bool(getattr(model, "required", False)),
        "error": errors.get(model.id),
        "language": cq.definition.language,
    }
    spec = question_type(model)
    if not spec.asks:
        title = getattr(model, "title", None)
        return QuestionView(
            **base,
            title=routing.pipe(title, cq, answers, attributes) if title else None,
            html=markup_html(model.text, cq, answers, attributes),
        )
    stored = answers.get(model.id)
    other_key_ = other_key(model.id)
    other_form = _submitted(form, other_key_)
    other_value = (
        other_form[0]
        if other_form
        else ("" if form is not None else str(answers.get(other_key_) or ""))
    )
    options = _options(cq, model.id, stored, answers, attributes, form, seed)
    extra: dict[str, Any] = {
        "options": options,
        "other_value": other_value,
        "other_error": errors.get(other_key_),
        "other_code": compiled.other_code,
    }
    if compiled.rows:
        extra["rows"] = _rows(
            cq, model.id, stored, answers, attributes, form, errors, seed
        )
    if spec.scale_points is not None:
        extra["scale_points"] = [
            OptionView(
                n, str(n), _is_checked(n, stored, form, model.id), False, False, False
            )
            for n in spec.scale_points(model)
        ]
    if spec.value_box:
        submitted = _submitted(form, model.id)
        if submitted is not None:
            extra["value"] = submitted[0] if submitted else ""
        elif isinstance(stored, int) and stored in compiled.labels:
            extra["value"] = ""  # an option ("weet niet") was chosen, not a value
        elif stored is not None and not isinstance(stored, dict):
            extra["value"] = str(stored)
    extra.update(
        spec.view_fields(
            model, lambda text: routing.pipe(text, cq, answers, attributes)
        )
    )
    return QuestionView(**base, **extra)


def _is_checked(code: int, stored: object, form: FormData | None, key: str) -> bool:
    if form is not None:
        return str(code) in (_submitted(form, key) or [])
    if isinstance(stored, list):
        return code in stored
    return stored == code


def _options(
    cq: CompiledQuestionnaire,
    question_id: str,
    stored: object,
    answers: Mapping[str, object],
    attributes: Mapping[str, object],
    form: FormData | None,
    seed: int | None = None,
) -> list[OptionView]:
    compiled = cq.questions[question_id]
    key = question_id + question_type(compiled.model).option_field
    visible = routing.visible_options(cq, question_id, answers, attributes)
    if seed is not None and rotation.rotates_options(compiled.model):
        shown = {o.code for o in visible}
        visible = [
            o
            for o in rotation.options_in_order(compiled.model, compiled.options, seed)
            if o.code in shown
        ]
    return [
        OptionView(
            code=option.code,
            label=routing.pipe(option.label, cq, answers, attributes),
            checked=_is_checked(option.code, stored, form, key),
            is_missing=option.missing is not None,
            exclusive=option.exclusive,
            other=option.other,
        )
        for option in visible
    ]


def _rows(
    cq: CompiledQuestionnaire,
    question_id: str,
    stored: object,
    answers: Mapping[str, object],
    attributes: Mapping[str, object],
    form: FormData | None,
    errors: Mapping[str, str],
    seed: int | None = None,
) -> list[RowView]:
    values = stored if isinstance(stored, dict) else {}
    compiled = cq.questions[question_id]
    visible = routing.visible_rows(cq, question_id, answers, attributes)
    if seed is not None and rotation.rotates_rows(compiled.model):
        shown = {r.id for r in visible}
        visible = [
            r
            for r in rotation.rows_in_order(compiled.model, compiled.rows, seed)
            if r.id in shown
        ]
    rows = []
    for row in visible:
        field_name = f"{question_id}.{row.id}"
        submitted = _submitted(form, field_name)
        if submitted is not None:
            value = submitted[0] if submitted else ""
        else:
            value = "" if values.get(row.id) is None else str(values[row.id])
        rows.append(
            RowView(
                id=row.id,
                field=field_name,
                text=routing.pipe(row.text, cq, answers, attributes),
                value=value,
                error=errors.get(field_name),
            )
        )
    return rows


# --- question HTML, rendered once per distinct view ---------------------------


def _key(value: object) -> object:
    if isinstance(value, list):
        return tuple(_key(item) for item in value)
    if isinstance(value, (OptionView, RowView)):
        return tuple(getattr(value, f) for f in _FIELDS[type(value)])
    return value


_FIELDS = {
    cls: tuple(f.name for f in fields(cls))
    for cls in (OptionView, RowView, QuestionView)
}


class QuestionHtml:
    """The ``question`` macro of ``responses/_questions.html`` (which shows the
    view's type macro, ``view.macro``), remembered per view.

    A question's HTML is a function of its view alone (the macro sees nothing
    else), and most pages are shown unanswered, so respondents on the same
    version mostly get HTML rendered before: escaping every label and id of a
    grid again was about half of a page turn's rendering. Bounded LRU; each
    process keeps its own.
    """

    def __init__(self, env: Environment, max_entries: int = 2048) -> None:
        self._env = env
        self._macro: Any = None
        self._cache: OrderedDict[object, Markup] = OrderedDict()
        self._max_entries = max_entries

    def __call__(self, view: QuestionView) -> Markup:
        key = tuple(_key(getattr(view, f)) for f in _FIELDS[QuestionView])
        html = self._cache.get(key)
        if html is not None:
            self._cache.move_to_end(key)
            return html
        if self._macro is None or self._env.auto_reload:
            module = self._env.get_template("responses/_questions.html").module
            self._macro = module.question  # type: ignore[attr-defined]
        html = self._macro(view)
        assert isinstance(html, Markup)  # autoescaped: safe to insert as is
        self._cache[key] = html
        if len(self._cache) > self._max_entries:
            self._cache.popitem(last=False)
        return html

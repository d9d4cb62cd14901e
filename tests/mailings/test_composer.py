"""Mail templates and message building, and the rate limiter (pure: no database)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from pydantic import SecretStr

from app.config import Settings
from app.errors import InvalidInput
from app.mailings import composer, links
from app.mailings.delivery.ratelimit import RateLimiter
from tests.conftest import base_settings

WAVE = composer.WaveFacts(
    "Monitor Integriteit en Veiligheid 2024", dt.date(2024, 4, 16), dt.date(2024, 5, 21)
)


@pytest.fixture
def settings() -> Settings:
    return base_settings("sqlite+aiosqlite:///:memory:")


def recipient(**values: object) -> composer.Recipient:
    data: dict[str, object] = {
        "invitation_id": 7, "email": "a@gemeente.test", "name": None,
        "questionnaire": "officials", "tier": "gemeente", "function": "burgemeester",
        "organisation": "Gemeente Testdam", "status": "invited",
        "survey_url": "http://testserver/s/token",
    }  # fmt: skip
    data.update(values)
    return composer.Recipient(**data)  # type: ignore[arg-type]


def render(
    settings: Settings, template: str = "invitation", **values: object
) -> composer.RenderedMail:
    who = recipient(**values)
    context = composer.template_context(
        settings, recipient=who, wave=WAVE, is_test=False
    )
    return composer.render(
        settings, questionnaire=who.questionnaire, template=template, context=context
    )


class TestTemplates:
    @pytest.mark.parametrize(
        ("questionnaire", "function", "tier", "salutation"),
        [
            ("officials", "burgemeester", "gemeente", "Geachte burgemeester,"),
            ("officials", "statenlid", "provincie", "Geacht statenlid,"),
            ("officials", None, "gemeente", "Geachte heer/mevrouw,"),
            ("organisations", None, "gemeente", "Geachte gemeentesecretaris,"),
            ("organisations", None, "waterschap", "Geachte secretaris-directeur,"),
        ],
    )
    def test_salutation_fits_the_function(
        self,
        settings: Settings,
        questionnaire: str,
        function: str | None,
        tier: str,
        salutation: str,
    ) -> None:
        for template in ("invitation", "reminder"):
            mail = render(
                settings,
                template,
                questionnaire=questionnaire,
                function=function,
                tier=tier,
            )
            assert mail.text.startswith(salutation)
            assert salutation in mail.html

    def test_every_template_has_link_closing_date_anonymity_and_unsubscribe(
        self, settings: Settings
    ) -> None:
        for questionnaire in ("officials", "organisations"):
            assert composer.available_templates(settings, questionnaire) == [
                "invitation",
                "reminder",
            ]
            for template in ("invitation", "reminder"):
                mail = render(settings, template, questionnaire=questionnaire)
                for part in (mail.text, mail.html):
                    assert "http://testserver/s/token" in part
                    assert "dinsdag 21 mei 2024" in part
                    assert "/u/7-" in part
                flat = " ".join(mail.text.split())
                assert "vertrouwelijk" in flat and "anoniem" not in flat
                assert "alleen over groepen" in flat and "herinnering" in flat
                assert mail.subject and "\n" not in mail.subject

    def test_every_mail_links_the_privacy_notice(self, settings: Settings) -> None:
        for questionnaire in ("officials", "organisations"):
            for template in ("invitation", "reminder"):
                mail = render(settings, template, questionnaire=questionnaire)
                assert "http://testserver/s/token/privacy" in mail.text
                assert 'href="http://testserver/s/token/privacy"' in mail.html
        # the fast path substitutes it per person like the survey link
        cached = composer.CachedRenderer(settings)
        for n in (1, 2):
            who = recipient(survey_url=f"http://testserver/s/t{n}")
            context = composer.template_context(
                settings, recipient=who, wave=WAVE, is_test=False
            )
            mail = cached.render(
                questionnaire="officials", template="invitation", context=context
            )
            assert f"http://testserver/s/t{n}/privacy" in mail.text

    def test_organisation_mail_asks_to_forward(self, settings: Settings) -> None:
        mail = render(
            settings, questionnaire="organisations", organisation="Waterschap <Test>"
        )
        assert "doorsturen" in mail.text
        assert "Waterschap &lt;Test&gt;" in mail.html  # autoescaped in HTML only
        assert "Waterschap <Test>" in mail.text

    def test_a_template_typo_is_a_clear_error(
        self, settings: Settings, tmp_path: Path
    ) -> None:
        (tmp_path / "officials").mkdir()
        (tmp_path / "officials" / "kapot.txt.j2").write_text(
            "{% block subject %}x{% endblock %}{{ onbekend }}"
        )
        (tmp_path / "officials" / "kapot.html.j2").write_text("<p>{{ salutation }}</p>")
        broken = settings.model_copy(update={"mailings_dir": tmp_path})
        with pytest.raises(InvalidInput, match="onbekend"):
            render(broken, "kapot")

    def test_a_questionnaire_style_pipe_is_refused_with_the_way_to_write_it(
        self, settings: Settings, tmp_path: Path
    ) -> None:
        (tmp_path / "organisations").mkdir()
        (tmp_path / "organisations" / "brief.txt.j2").write_text(
            "{% block subject %}Vragenlijst{% endblock %}Beleid van ${organisation}."
        )
        (tmp_path / "organisations" / "brief.html.j2").write_text("<p>x</p>")
        broken = settings.model_copy(update={"mailings_dir": tmp_path})
        with pytest.raises(InvalidInput, match=r"\{\{ organisation \}\}"):
            render(broken, "brief", questionnaire="organisations")

    def test_shipped_templates_pipe_every_value(self, settings: Settings) -> None:
        for questionnaire in ("officials", "organisations"):
            for template in composer.available_templates(settings, questionnaire):
                mail = render(settings, template, questionnaire=questionnaire)
                for part in (mail.subject, mail.text, mail.html):
                    assert "${" not in part and "{{" not in part
                if questionnaire == "organisations":
                    assert "Gemeente Testdam" in mail.text

    def test_templates_run_in_a_sandbox(
        self, settings: Settings, tmp_path: Path
    ) -> None:
        (tmp_path / "officials").mkdir()
        (tmp_path / "officials" / "x.txt.j2").write_text(
            "{% block subject %}x{% endblock %}{{ salutation.__class__.__mro__ }}"
        )
        (tmp_path / "officials" / "x.html.j2").write_text("")
        with pytest.raises(InvalidInput):
            render(settings.model_copy(update={"mailings_dir": tmp_path}), "x")


class TestBuildMessage:
    def build(self, settings: Settings, **values: object) -> composer.OutgoingMail:
        arguments: dict[str, object] = {
            "outbox_id": 12, "invitation_id": 7, "to_address": "a@gemeente.test",
            "to_name": None, "rendered": render(settings), "is_test": False,
            "now": dt.datetime(2024, 4, 16, 7, 0, tzinfo=dt.UTC),
        }  # fmt: skip
        arguments.update(values)
        return composer.build_message(settings, **arguments)  # type: ignore[arg-type]

    def test_a_name_cannot_inject_headers(self, settings: Settings) -> None:
        mail = self.build(settings, to_name="Jan\r\nBcc: victim@evil.test")
        message = email.message_from_bytes(mail.data, policy=email.policy.default)
        assert message["Bcc"] is None
        assert b"\r\nBcc:" not in mail.data

    @pytest.mark.parametrize(
        "address", ["a b@c.test", "a@c.test\r\nBcc: x@y.test", "geen-adres", "ä@c.test"]
    )
    def test_bad_addresses_are_refused(self, settings: Settings, address: str) -> None:
        with pytest.raises(ValueError, match="ongeldig e-mailadres"):
            self.build(settings, to_address=address)

    def test_message_is_7bit_with_stable_ids(self, settings: Settings) -> None:
        mail = self.build(settings, to_name="Jänneke")
        assert mail.data.isascii()
        assert all(len(line) <= 998 for line in mail.data.split(b"\r\n"))
        assert (
            mail.message_id
            == links.message_id(settings, 12)
            == self.build(settings).message_id
        )
        assert links.outbox_id_from_verp(settings, mail.envelope_from) == 12
        message = email.message_from_bytes(mail.data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        assert message["To"].addresses[0].display_name == "Jänneke"

    def test_test_mail_has_no_unsubscribe_header(self, settings: Settings) -> None:
        mail = self.build(settings, is_test=True)
        assert (
            b"List-Unsubscribe" not in mail.data
            and b"X-Veldwerk-Test: yes" in mail.data
        )


class TestLinks:
    def test_unsubscribe_token_survives_key_rotation(self, settings: Settings) -> None:
        token = links.unsubscribe_token(settings, 42)
        rotated = settings.model_copy(
            update={
                "secret_key": SecretStr("a-new-secret-key-that-is-long-enough-xyz"),
                "previous_secret_keys": [settings.secret_key],
            }
        )
        assert links.invitation_id_from_unsubscribe_token(rotated, token) == 42
        assert (
            links.invitation_id_from_unsubscribe_token(settings, "42-" + "A" * 22)
            is None
        )
        assert links.invitation_id_from_unsubscribe_token(settings, "../etc") is None


class TestRateLimiter:
    def test_domain_rate_paces_sends_and_overall_rate_too(self) -> None:
        now = [0.0]
        limiter = RateLimiter(
            per_second=100, per_domain_per_minute=60, clock=lambda: now[0]
        )
        waits = [limiter.reserve("gemeente.test") for _ in range(4)]
        # A burst of max(1, min(5, 60/12)) = 5 per domain, then 1 per second.
        assert waits == [0.0, 0.0, 0.0, 0.0]
        assert limiter.reserve("gemeente.test") == 0.0
        assert limiter.reserve("gemeente.test") == pytest.approx(1.0)
        assert limiter.domain_wait("gemeente.test") == pytest.approx(2.0)
        assert limiter.reserve("elders.test") == 0.0
        now[0] = 10.0
        assert limiter.reserve("gemeente.test") == 0.0


class TestCachedRenderer:
    def test_same_output_as_a_full_render(self, settings: Settings) -> None:
        renderer = composer.CachedRenderer(settings)
        for i, (function, status) in enumerate(
            [("raadslid", "invited"), ("raadslid", "started"), ("wethouder", "invited")]
            * 3
        ):
            who = recipient(invitation_id=i + 1, function=function, status=status,
                            survey_url=f"http://testserver/s/tok{i}&x=<{i}>")  # fmt: skip
            context = composer.template_context(
                settings, recipient=who, wave=WAVE, is_test=False
            )
            for template in ("invitation", "reminder"):
                expected = composer.render(
                    settings,
                    questionnaire="officials",
                    template=template,
                    context=context,
                )
                assert (
                    renderer.render(
                        questionnaire="officials", template=template, context=context
                    )
                    == expected
                )

    def test_a_template_that_transforms_the_link_is_rendered_in_full(
        self, settings: Settings, tmp_path: Path
    ) -> None:
        (tmp_path / "officials").mkdir()
        (tmp_path / "officials" / "kort.txt.j2").write_text(
            "{% block subject %}x{% endblock %}{{ survey_url|upper }}"
        )
        (tmp_path / "officials" / "kort.html.j2").write_text("{{ survey_url[-4:] }}")
        custom = settings.model_copy(update={"mailings_dir": tmp_path})
        renderer = composer.CachedRenderer(custom)
        for token in ("aaaa", "bbbb"):
            who = recipient(survey_url=f"http://testserver/s/{token}")
            context = composer.template_context(
                custom, recipient=who, wave=WAVE, is_test=False
            )
            mail = renderer.render(
                questionnaire="officials", template="kort", context=context
            )
            assert mail.text.strip() == f"xHTTP://TESTSERVER/S/{token.upper()}"
            assert mail.html == token

"""The admin login against brute force (django-axes) and with two-factor (django-otp)."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.test import override_settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # tests/factories.py UserFactory
LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def ana(db):
    return UserFactory(username="ana", is_staff=True, is_superuser=True)


def log_in(
    client, username="ana", password=PASSWORD, *, otp_token="", address="198.51.100.1", **headers
):
    data = {"username": username, "password": password, "otp_token": otp_token}
    return client.post(LOGIN, data, REMOTE_ADDR=address, **headers)


def logged_in(response) -> bool:
    return response.status_code == 302 and response.url == "/admin/"


def code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the authenticator app shows (a later step: a code is accepted only once)."""
    token = totp(
        device.bin_key,
        step=device.step,
        t0=device.t0,
        digits=device.digits,
        drift=device.drift + steps_ahead,
    )
    return f"{token:0{device.digits}d}"


class TestBruteForce:
    def test_the_reported_attack_no_longer_gets_in(self, client, ana):
        answers = [log_in(client, password=f"guess{n}").status_code for n in range(30)]
        assert answers[:4] == [200] * 4  # the form again, with its error
        assert set(answers[5:]) == {429}
        response = log_in(client)
        assert response.status_code == 429
        assert "Too many failed logins" in response.content.decode()
        assert "Try again in 15 minutes" in response.content.decode()
        assert client.get("/admin/").status_code == 302  # still not logged in

    def test_one_username_is_locked_whatever_the_address(self, client, ana):
        for n in range(5):
            log_in(client, password="wrong", address=f"203.0.113.{n}")
        assert log_in(client, address="192.0.2.99").status_code == 429
        # Another account from those addresses' neighbours is not affected.
        UserFactory(username="ben", is_staff=True)
        assert logged_in(log_in(client, "ben", address="192.0.2.100"))

    def test_one_address_is_locked_whatever_the_username(self, client, ana):
        for n in range(5):
            log_in(client, f"nobody{n}", "wrong", address="203.0.113.9")
        assert log_in(client, address="203.0.113.9").status_code == 429
        assert logged_in(log_in(client, address="203.0.113.10"))

    def test_the_lockout_ends_after_the_cool_off(self, client, ana):
        for _ in range(5):
            log_in(client, password="wrong")
        assert log_in(client).status_code == 429
        # A further failure during the lockout does not extend it.
        log_in(client, password="wrong")
        AccessAttempt.objects.update(
            attempt_time=timezone.now() - datetime.timedelta(minutes=15, seconds=1)
        )
        assert logged_in(log_in(client))

    def test_a_success_forgets_earlier_failures(self, client, ana):
        for _ in range(4):
            log_in(client, password="wrong")
        assert logged_in(log_in(client))
        client.logout()
        for _ in range(4):
            log_in(client, password="wrong")
        assert logged_in(log_in(client))

    @override_settings(CLIENT_IP_HEADER="HTTP_X_FORWARDED_FOR")
    def test_behind_the_proxy_the_visitor_address_counts(self, client, ana):
        """The proxy appends the address it saw; what a visitor writes before it is ignored,
        and every visitor arrives from the proxy's own address."""
        for n in range(5):
            log_in(
                client,
                f"nobody{n}",
                "wrong",
                address="10.0.0.2",
                HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.7",
            )
        assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
        locked = log_in(client, address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
        assert locked.status_code == 429
        other = log_in(client, address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.8")
        assert logged_in(other)

    @override_settings(CLIENT_IP_HEADER="HTTP_X_FORWARDED_FOR")
    def test_a_forwarded_value_that_is_no_address_counts_as_none(self, client, ana):
        """Only a misconfigured proxy would pass it on; the login still answers (PostgreSQL
        refuses text in the address column)."""
        for _ in range(5):
            log_in(client, password="wrong", HTTP_X_FORWARDED_FOR="not-an-address")
        assert AccessAttempt.objects.get().ip_address is None
        assert log_in(client, HTTP_X_FORWARDED_FOR="not-an-address").status_code == 429

    def test_a_session_opened_without_an_address_is_fine(self, client, ana):
        client.force_login(ana)  # a request with no REMOTE_ADDR at all
        assert client.get("/admin/").status_code == 200


class TestTwoFactor:
    @pytest.fixture
    def device(self, ana):
        return TOTPDevice.objects.create(user=ana, name="phone", confirmed=True)

    def test_without_a_device_the_password_is_enough(self, client, ana):
        assert logged_in(log_in(client))
        assert client.get("/admin/").status_code == 200

    def test_with_a_device_the_password_alone_is_refused(self, client, device):
        response = log_in(client)
        assert response.status_code == 200
        assert "Enter the current code from your authenticator app." in response.content.decode()
        assert client.get("/admin/").status_code == 302

    def test_with_a_device_the_code_lets_in(self, client, device):
        assert logged_in(log_in(client, otp_token=code(device)))
        assert client.get("/admin/").status_code == 200

    def test_wrong_codes_count_as_failed_logins(self, client, device):
        for n in range(5):
            log_in(client, otp_token=f"{n:06d}")
        assert log_in(client, otp_token=code(device)).status_code == 429

    def test_a_staff_member_turns_it_on(self, client, ana):
        client.force_login(ana)
        page = client.get("/admin/two-factor/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "<svg" in html
        device = TOTPDevice.objects.get(user=ana, confirmed=False)
        assert device.config_url in html.replace("&amp;", "&")
        wrong = client.post("/admin/two-factor/", {"otp_token": "000000"})
        assert "That code does not match" in wrong.content.decode()
        # django-otp makes the next try wait a second after a failure (doubling each time).
        TOTPDevice.objects.filter(pk=device.pk).update(
            throttling_failure_timestamp=timezone.now() - datetime.timedelta(seconds=2)
        )
        response = client.post("/admin/two-factor/", {"otp_token": code(device)})
        assert response.status_code == 302
        device.refresh_from_db()
        assert device.confirmed
        assert client.get("/admin/").status_code == 200  # this session is verified
        client.logout()
        assert log_in(client).status_code == 200
        assert logged_in(log_in(client, otp_token=code(device, steps_ahead=1)))

    @override_settings(OTP_REQUIRED_FOR_STAFF=True)
    def test_when_mandatory_staff_set_it_up_right_after_the_password(self, client, ana):
        assert logged_in(log_in(client))
        # The admin itself stays closed: the login page sends them to the set-up.
        response = client.get("/admin/", follow=True)
        assert response.redirect_chain[-1][0] == "/admin/two-factor/"
        assert "Two-factor authentication is required for staff" in response.content.decode()
        assert client.get("/admin/countries/country/").status_code == 302
        device = TOTPDevice.objects.get(user=ana)
        client.post("/admin/two-factor/", {"otp_token": code(device)})
        assert client.get("/admin/countries/country/").status_code == 200

    @override_settings(OTP_REQUIRED_FOR_STAFF=True)
    def test_when_mandatory_the_login_asks_for_the_code(self, client, device):
        assert log_in(client).status_code == 200
        assert logged_in(log_in(client, otp_token=code(device)))
        assert client.get("/admin/").status_code == 200

    def test_the_set_up_page_is_for_staff_only(self, client):
        client.force_login(UserFactory(username="reader", is_staff=False))
        response = client.get("/admin/two-factor/")
        assert response.status_code == 302
        assert response.url.startswith("/admin/login/")
        assert not TOTPDevice.objects.exists()

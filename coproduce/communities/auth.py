"""Sign in with a member number (RIV-0042) and password, for members without email."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from .models import Membership, MembershipStatus


class MemberNumberBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        prefix, sep, number = str(username).strip().upper().partition("-")
        if not sep or not (prefix.isascii() and prefix.isalpha()) or not (number.isascii() and number.isdigit() and len(number) <= 9):
            return None
        membership = (
            Membership.objects.select_related("person")
            .filter(community__member_prefix=prefix, number=int(number))
            .exclude(status=MembershipStatus.ARCHIVED)
            .first()
        )
        if membership is None:
            # Run the hasher anyway so timing does not tell which numbers exist.
            self.user_model_dummy_check(password)
            return None
        person = membership.person
        if person.check_password(password) and self.user_can_authenticate(person):
            return person
        return None

    def user_model_dummy_check(self, password: str) -> None:
        from .models import Person

        Person().set_password(password)

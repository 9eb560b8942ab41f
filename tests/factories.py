"""Factories per role (factory_boy, Italian Faker)."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group

from programme.models import Programme, ProgrammeStatus, User
from programme.roles import Role

PASSWORD = "Una-password-robusta-2026"


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    name = "Manager per le PMI lombarde"
    slug = factory.Sequence(lambda n: f"programma-{n}")
    partners = "Confindustria Lombardia\nLombardy Digital Innovation Hub\nALDAI Federmanager"
    status = ProgrammeStatus.RUNNING
    is_current = True


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"persona{n}@esempio.it")
    first_name = factory.Faker("first_name", locale="it_IT")
    last_name = factory.Faker("last_name", locale="it_IT")
    language = "it"
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(self, create: bool, extracted, **kwargs) -> None:
        if create:
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)


def role_hook(default: str) -> factory.PostGeneration:
    """Puts the user in the role's group (another role may be passed as `role=`)."""

    def add_role(user: User, create: bool, extracted: str | None, **kwargs) -> None:
        if create:
            user.groups.add(Group.objects.get_or_create(name=extracted or default)[0])

    return factory.PostGeneration(add_role)


class SmeMemberFactory(UserFactory):
    role = role_hook(Role.SME_MEMBER)


class ManagerUserFactory(UserFactory):
    role = role_hook(Role.MANAGER)


class StaffFactory(UserFactory):
    role = role_hook(Role.STAFF)

    @factory.post_generation
    def totp_secret(self, create: bool, extracted: str | None, **kwargs) -> None:
        if create and extracted is not False:
            self.totp_secret = extracted or generate_totp_secret()
            TOTP.activate(self, self.totp_secret)


class AdministratorFactory(StaffFactory):
    role = role_hook(Role.ADMINISTRATOR)

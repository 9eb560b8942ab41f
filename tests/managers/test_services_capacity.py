"""Capacity: the open_assessments counter never passes the manager's capacity, even
under concurrent requests, and the database refuses an update that skips the lock.
Unavailability periods: declared and withdrawn by the manager."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from managers import services
from managers.models import Manager, ManagerStatus, UnavailabilityPeriod
from tests.factories import (
    ManagerFactory,
    ManagerUserFactory,
    ProgrammeFactory,
    SmeMemberFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db


def test_taking_and_releasing_capacity_moves_the_counter(programme):
    manager = ManagerFactory(programme=programme, status=ManagerStatus.SELECTED, capacity=2)
    staff = StaffFactory()
    assert services.capacity_take(manager=manager, by=staff).open_assessments == 1
    assert services.capacity_take(manager=manager, by=staff).capacity_left == 0
    with pytest.raises(ValidationError):
        services.capacity_take(manager=manager, by=staff)
    assert services.capacity_release(manager=manager, by=manager.user).open_assessments == 1
    services.capacity_release(manager=manager, by=staff)
    with pytest.raises(ValidationError):
        services.capacity_release(manager=manager, by=staff)
    manager.refresh_from_db()
    assert manager.open_assessments == 0
    assert manager.completed_assessments == 0


def test_releasing_a_completed_assessment_counts_it_as_completed(programme):
    manager = ManagerFactory(programme=programme, status=ManagerStatus.SELECTED, capacity=2)
    staff = StaffFactory()
    services.capacity_take(manager=manager, by=staff)
    services.capacity_take(manager=manager, by=staff)
    released = services.capacity_release(manager=manager, by=staff, completed=True)
    assert (released.open_assessments, released.completed_assessments) == (1, 1)
    released = services.capacity_release(manager=manager, by=staff)
    assert (released.open_assessments, released.completed_assessments) == (0, 1)


@pytest.mark.parametrize("status", [ManagerStatus.SUSPENDED, ManagerStatus.LEFT, ManagerStatus.APPLIED])
def test_a_manager_out_of_the_pool_takes_no_new_sme(programme, status):
    manager = ManagerFactory(programme=programme, status=status)
    with pytest.raises(ValidationError):
        services.capacity_take(manager=manager, by=StaffFactory())
    manager.refresh_from_db()
    assert manager.open_assessments == 0


def test_only_staff_or_the_manager_move_the_counter(programme):
    manager = ManagerFactory(programme=programme, status=ManagerStatus.SELECTED)
    for outsider in (ManagerUserFactory(), SmeMemberFactory()):
        with pytest.raises(PermissionDenied):
            services.capacity_take(manager=manager, by=outsider)


@pytest.mark.parametrize(
    "update",
    [
        {"open_assessments": F("capacity") + 1},
        {"open_assessments": -1},
        {"capacity": 4},
        {"capacity": 0},
    ],
    ids=["past capacity", "negative", "capacity four", "capacity zero"],
)
def test_the_database_refuses_a_counter_or_capacity_out_of_bounds(update):
    manager = ManagerFactory(programme=ProgrammeFactory(), status=ManagerStatus.SELECTED, capacity=3)
    Manager.objects.filter(pk=manager.pk).update(open_assessments=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        # An update that skips the service (and its lock and check) still cannot pass the limit.
        Manager.objects.filter(pk=manager.pk).update(**update)


@pytest.mark.django_db(transaction=True)
def test_concurrent_takes_never_pass_the_capacity():
    programme = ProgrammeFactory()
    manager = ManagerFactory(programme=programme, status=ManagerStatus.SELECTED, capacity=3)
    staff = StaffFactory()
    attempts = 8
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = []
    lock = threading.Lock()

    def take() -> None:
        try:
            barrier.wait(timeout=30)
            services.capacity_take(manager=manager, by=staff)
            result = "taken"
        except ValidationError:
            result = "refused"
        except Exception as error:  # reported in the assertion below
            result = repr(error)
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=take) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["refused"] * 5 + ["taken"] * 3
    manager.refresh_from_db()
    assert manager.open_assessments == 3


def test_a_manager_declares_and_withdraws_an_unavailability_period(programme):
    manager = ManagerFactory(programme=programme, status=ManagerStatus.SELECTED)
    today = timezone.localdate()
    period = services.unavailability_add(
        manager=manager,
        by=manager.user,
        starts_on=today + datetime.timedelta(days=10),
        ends_on=today + datetime.timedelta(days=24),
        note="Ferie estive",
    )
    assert manager.is_unavailable_on(today + datetime.timedelta(days=12))
    assert not manager.is_unavailable_on(today)
    services.unavailability_remove(period=period, by=manager.user)
    assert not UnavailabilityPeriod.objects.exists()


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [(5, 3, "ends_on"), (-10, -2, "ends_on"), (12, 30, "starts_on")],
    ids=["backwards", "in the past", "overlapping"],
)
def test_a_bad_unavailability_period_is_refused(programme, start, end, field):
    manager = ManagerFactory(programme=programme, status=ManagerStatus.SELECTED)
    today = timezone.localdate()
    UnavailabilityPeriod.objects.create(
        manager=manager,
        starts_on=today + datetime.timedelta(days=10),
        ends_on=today + datetime.timedelta(days=20),
    )
    with pytest.raises(ValidationError) as refused:
        services.unavailability_add(
            manager=manager,
            by=manager.user,
            starts_on=today + datetime.timedelta(days=start),
            ends_on=today + datetime.timedelta(days=end),
        )
    assert field in refused.value.message_dict
    assert UnavailabilityPeriod.objects.count() == 1


def test_nobody_sets_another_managers_unavailability(programme):
    manager = ManagerFactory(programme=programme, status=ManagerStatus.SELECTED)
    today = timezone.localdate()
    for outsider in (ManagerUserFactory(), StaffFactory()):
        with pytest.raises(PermissionDenied):
            services.unavailability_add(manager=manager, by=outsider, starts_on=today, ends_on=today)
    assert not UnavailabilityPeriod.objects.exists()

"""Merit review and selection: the rubric, self-review and conflicts refused, every move and its refusals."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError

from managers import services
from managers.models import MANAGER_TRANSITIONS, Manager, ManagerStatus, MeritReview, ReviewConflict
from programme.models import AuditEntry, Notification, Programme
from programme.roles import Role
from tests.factories import ManagerFactory, ManagerUserFactory, SmeMemberFactory, StaffFactory, review

pytestmark = pytest.mark.django_db

FULL = {"experience": 5, "competence_relevance": 4, "digital_skills": 3, "interview": 2, "references": 1}


def rate(manager, by, scores=None, notes=None):
    return services.review_save(manager=manager, by=by, scores=scores or FULL, notes=notes or {})


def test_a_review_computes_the_weighted_score_and_the_merit_score(programme):
    manager = ManagerFactory(programme=programme)
    staff = StaffFactory()
    saved = rate(manager, staff, notes={"interview": "Colloquio poco convincente sul digitale."})
    assert saved.weighted_score == Decimal("3.50")
    assert saved.weights == {
        "experience": 0.3,
        "competence_relevance": 0.25,
        "digital_skills": 0.2,
        "interview": 0.15,
        "references": 0.1,
    }
    assert saved.interview_notes == "Colloquio poco convincente sul digitale."
    manager.refresh_from_db()
    assert manager.merit_score == Decimal("3.50")
    assert AuditEntry.objects.get(action="merit_reviewed").data["weighted_score"] == "3.50"


def test_several_reviews_combine_as_the_mean_of_their_weighted_scores(programme):
    manager = ManagerFactory(programme=programme)
    rate(manager, StaffFactory())  # 3.50
    rate(manager, StaffFactory(), scores=dict.fromkeys(FULL, 5))  # 5.00
    manager.refresh_from_db()
    assert manager.merit_score == Decimal("4.25")


def test_a_reviewer_changes_their_own_review_instead_of_adding_one(programme):
    manager = ManagerFactory(programme=programme)
    staff = StaffFactory()
    rate(manager, staff)
    rate(manager, staff, scores=dict.fromkeys(FULL, 1))
    assert MeritReview.objects.filter(manager=manager).count() == 1
    manager.refresh_from_db()
    assert manager.merit_score == Decimal("1.00")
    assert AuditEntry.objects.filter(action="merit_review_changed").count() == 1


def test_the_merit_score_uses_the_programmes_weights(programme):
    Programme.objects.filter(pk=programme.pk).update(
        merit_weights={
            "experience": 0,
            "competence_relevance": 0,
            "digital_skills": 0,
            "interview": 1,
            "references": 0,
        }
    )
    manager = ManagerFactory(programme=Programme.objects.get(pk=programme.pk))
    assert rate(manager, StaffFactory()).weighted_score == Decimal("2.00")


def test_nobody_reviews_themselves(programme):
    staff = StaffFactory()
    staff.groups.add(Group.objects.get_or_create(name=Role.MANAGER)[0])
    own = ManagerFactory(programme=programme, user=staff)
    with pytest.raises(PermissionDenied):
        rate(own, staff)
    assert not MeritReview.objects.exists()
    with pytest.raises(PermissionDenied):
        services.manager_select(manager=own, by=staff)


def test_only_staff_review(programme):
    manager = ManagerFactory(programme=programme)
    for outsider in (ManagerUserFactory(), SmeMemberFactory(), manager.user):
        with pytest.raises(PermissionDenied):
            rate(manager, outsider)
    assert not MeritReview.objects.exists()


def test_a_reviewer_with_a_declared_conflict_is_kept_out(programme):
    manager = ManagerFactory(programme=programme)
    staff, colleague = StaffFactory(), StaffFactory()
    rate(manager, staff)
    rate(manager, colleague, scores=dict.fromkeys(FULL, 5))
    services.review_conflict_declare(manager=manager, by=staff, note="Ex collega in Brembo, 2010-2015")
    # Their review is withdrawn and the merit score is the colleague's alone.
    assert list(MeritReview.objects.values_list("reviewer", flat=True)) == [colleague.pk]
    manager.refresh_from_db()
    assert manager.merit_score == Decimal("5.00")
    with pytest.raises(PermissionDenied):
        rate(manager, staff)
    with pytest.raises(PermissionDenied):
        services.manager_select(manager=manager, by=staff)
    manager.refresh_from_db()
    assert manager.status == ManagerStatus.APPLIED
    entry = AuditEntry.objects.get(action="conflict_declared")
    assert entry.reason == "Ex collega in Brembo, 2010-2015"


def test_a_conflict_needs_a_note_and_is_declared_once(programme):
    manager = ManagerFactory(programme=programme)
    staff = StaffFactory()
    with pytest.raises(ValidationError):
        services.review_conflict_declare(manager=manager, by=staff, note="  ")
    services.review_conflict_declare(manager=manager, by=staff, note="Parente")
    with pytest.raises(ValidationError):
        services.review_conflict_declare(manager=manager, by=staff, note="Parente")
    assert ReviewConflict.objects.count() == 1


@pytest.mark.parametrize("status", [ManagerStatus.DRAFT, ManagerStatus.NOT_SELECTED, ManagerStatus.LEFT])
def test_a_manager_is_reviewed_only_between_applying_and_leaving(programme, status):
    manager = ManagerFactory(programme=programme, status=status)
    with pytest.raises(ValidationError):
        rate(manager, StaffFactory())
    assert not MeritReview.objects.exists()


def test_a_rubric_with_a_score_out_of_range_is_refused(programme):
    manager = ManagerFactory(programme=programme)
    with pytest.raises(ValidationError):
        rate(manager, StaffFactory(), scores={**FULL, "references": 7})
    assert not MeritReview.objects.exists()


def test_selection_needs_a_review_first(programme):
    manager = ManagerFactory(programme=programme)
    with pytest.raises(ValidationError):
        services.manager_select(manager=manager, by=StaffFactory())
    manager.refresh_from_db()
    assert manager.status == ManagerStatus.APPLIED


def test_a_selected_manager_is_told_with_the_staff_message(programme):
    manager = ManagerFactory(programme=programme)
    staff = StaffFactory()
    review(manager, staff)
    services.manager_select(manager=manager, by=staff, reason="Ottimo profilo per il manifatturiero.")
    manager.refresh_from_db()
    assert manager.status == ManagerStatus.SELECTED
    assert manager.decided_at is not None
    notice = Notification.objects.get(recipient=manager.user)
    assert notice.event == "manager_selected"
    assert "Ottimo profilo per il manifatturiero." in notice.body_text
    entry = AuditEntry.objects.get(action="selected")
    assert (entry.from_status, entry.to_status, entry.actor) == ("applied", "selected", staff)


def test_not_selecting_needs_a_reason_the_manager_reads(programme):
    manager = ManagerFactory(programme=programme)
    staff = StaffFactory()
    review(manager, staff, score=1)
    with pytest.raises(ValidationError) as refused:
        services.manager_not_select(manager=manager, by=staff, reason=" ")
    assert "reason" in refused.value.message_dict
    services.manager_not_select(
        manager=manager, by=staff, reason="Esperienza non pertinente ai settori del bando."
    )
    manager.refresh_from_db()
    assert manager.status == ManagerStatus.NOT_SELECTED
    assert manager.decision_reason == "Esperienza non pertinente ai settori del bando."
    notice = Notification.objects.get(recipient=manager.user)
    assert notice.event == "manager_not_selected"
    assert "Esperienza non pertinente" in notice.body_text
    assert "Esperienza non pertinente" in notice.body_html


def test_suspend_and_reinstate_are_told_with_their_reason(programme):
    manager = ManagerFactory(programme=programme, status=ManagerStatus.SELECTED)
    staff = StaffFactory()
    with pytest.raises(ValidationError):
        services.manager_suspend(manager=manager, by=staff, reason="")
    services.manager_suspend(manager=manager, by=staff, reason="Segnalazione di un'impresa in verifica.")
    manager.refresh_from_db()
    assert manager.status == ManagerStatus.SUSPENDED
    assert not Manager.objects.in_pool().filter(pk=manager.pk).exists()
    services.manager_reinstate(manager=manager, by=staff)
    manager.refresh_from_db()
    assert manager.status == ManagerStatus.SELECTED
    events = list(
        Notification.objects.filter(recipient=manager.user).order_by("pk").values_list("event", flat=True)
    )
    assert events == ["manager_suspended", "manager_reinstated"]


@pytest.mark.parametrize(
    ("status", "service", "kwargs"),
    [
        (ManagerStatus.DRAFT, services.manager_select, {}),
        (ManagerStatus.SELECTED, services.manager_select, {}),
        (ManagerStatus.SUSPENDED, services.manager_select, {}),
        (ManagerStatus.NOT_SELECTED, services.manager_select, {}),
        (ManagerStatus.SELECTED, services.manager_not_select, {"reason": "x"}),
        (ManagerStatus.APPLIED, services.manager_suspend, {"reason": "x"}),
        (ManagerStatus.LEFT, services.manager_suspend, {"reason": "x"}),
        (ManagerStatus.SELECTED, services.manager_reinstate, {}),
        (ManagerStatus.APPLIED, services.manager_reinstate, {}),
        (ManagerStatus.LEFT, services.manager_reinstate, {}),
    ],
)
def test_a_decision_from_the_wrong_status_is_refused_and_changes_nothing(programme, status, service, kwargs):
    manager = ManagerFactory(programme=programme, status=status)
    staff = StaffFactory()
    review(manager, staff)
    with pytest.raises(ValidationError) as refused:
        service(manager=manager, by=staff, **kwargs)
    assert "status" in refused.value.message_dict
    manager.refresh_from_db()
    assert manager.status == status
    assert not Notification.objects.exists()


def test_only_staff_decide(programme):
    manager = ManagerFactory(programme=programme)
    review(manager, StaffFactory())
    for outsider in (manager.user, ManagerUserFactory(), SmeMemberFactory()):
        with pytest.raises(PermissionDenied):
            services.manager_select(manager=manager, by=outsider)
    manager.refresh_from_db()
    assert manager.status == ManagerStatus.APPLIED


def test_the_transitions_are_the_designed_ones():
    designed = {
        "draft": {"applied"},
        "applied": {"selected", "not_selected"},
        "selected": {"suspended", "left"},
        "suspended": {"selected", "left"},
        "not_selected": set(),
        "left": set(),
    }
    assert designed == MANAGER_TRANSITIONS


@pytest.mark.parametrize("status", [ManagerStatus.SELECTED, ManagerStatus.SUSPENDED])
def test_a_manager_who_leaves_gets_no_new_smes_and_every_staff_member_is_told(programme, status):
    manager = ManagerFactory(programme=programme, status=status)
    Manager.objects.filter(pk=manager.pk).update(open_assessments=1)
    first, second = StaffFactory(language="en"), StaffFactory(language="en")
    StaffFactory(is_active=False)
    services.manager_leave(manager=manager, by=manager.user, reason="Ho trovato un nuovo incarico.")
    manager.refresh_from_db()
    assert manager.status == ManagerStatus.LEFT
    assert manager.left_at is not None
    assert not Manager.objects.in_pool().filter(pk=manager.pk).exists()
    told = Notification.objects.filter(event="manager_left")
    assert sorted(told.values_list("recipient", flat=True)) == sorted([first.pk, second.pk])
    body = told.first().body_text
    assert "Ho trovato un nuovo incarico." in body
    assert "1 open assessment" in body


@pytest.mark.parametrize(
    "status", [ManagerStatus.DRAFT, ManagerStatus.APPLIED, ManagerStatus.NOT_SELECTED, ManagerStatus.LEFT]
)
def test_only_a_manager_in_the_pool_can_leave_it(programme, status):
    manager = ManagerFactory(programme=programme, status=status)
    with pytest.raises(PermissionDenied):
        services.manager_leave(manager=manager, by=manager.user)
    manager.refresh_from_db()
    assert manager.status == status


def test_nobody_makes_another_manager_leave(programme):
    manager = ManagerFactory(programme=programme, status=ManagerStatus.SELECTED)
    for outsider in (ManagerUserFactory(), StaffFactory()):
        with pytest.raises(PermissionDenied):
            services.manager_leave(manager=manager, by=outsider)


def test_changed_weights_are_applied_to_every_review_on_request(programme):
    manager = ManagerFactory(programme=programme)
    staff = StaffFactory()
    rate(manager, staff)  # 3.50 with the default weights
    Programme.objects.filter(pk=programme.pk).update(
        merit_weights={
            "experience": 1,
            "competence_relevance": 0,
            "digital_skills": 0,
            "interview": 0,
            "references": 0,
        }
    )
    from managers.queries import weights_outdated

    programme.refresh_from_db()
    assert weights_outdated(programme)
    assert services.merit_scores_recompute(programme=programme, by=staff) == 1
    manager.refresh_from_db()
    assert manager.merit_score == Decimal("5.00")
    assert not weights_outdated(programme)
    with pytest.raises(PermissionDenied):
        services.merit_scores_recompute(programme=programme, by=manager.user)

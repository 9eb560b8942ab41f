"""What the assessments app keeps as assessments are completed, for pages that would
otherwise count every assessment: the per-dimension totals of the findings
(DimensionTotal) and each manager's completed assessments. Added to by
assessment_complete; rebuilt from the assessments when data arrive in bulk."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Count

from assessments.models import Assessment, AssessmentStatus, DimensionTotal
from managers.models import Manager
from programme import queries as programme_queries
from programme.models import Programme

_TOTALS_TABLE = DimensionTotal._meta.db_table
_FINDINGS_OF = """
    SELECT %s, finding.dimension, COUNT(*), COUNT(finding.current_level),
           COALESCE(SUM(finding.current_level), 0), COUNT(finding.target_level),
           COALESCE(SUM(finding.target_level), 0)
    FROM assessments_finding AS finding
    INNER JOIN assessments_assessment AS assessment ON assessment.id = finding.assessment_id
    WHERE {condition}
    GROUP BY finding.dimension
    -- The same order in every transaction, so two completions never wait on each other
    -- in opposite orders.
    ORDER BY finding.dimension
"""
_INSERT = f"""
    INSERT INTO {_TOTALS_TABLE} AS total
        (programme_id, dimension, findings, current_count, current_sum, target_count, target_sum)
    {{select}}
    ON CONFLICT (programme_id, dimension) DO UPDATE SET
        findings = total.findings + EXCLUDED.findings,
        current_count = total.current_count + EXCLUDED.current_count,
        current_sum = total.current_sum + EXCLUDED.current_sum,
        target_count = total.target_count + EXCLUDED.target_count,
        target_sum = total.target_sum + EXCLUDED.target_sum
"""


def add_completed(assessment: Assessment) -> None:
    """Add one assessment's findings, in the transaction that completes it. One query."""
    select = _FINDINGS_OF.format(condition="finding.assessment_id = %s")
    with connection.cursor() as cursor:
        cursor.execute(_INSERT.format(select=select), [assessment.programme_id, assessment.pk])


@transaction.atomic
def recount(programme: Programme) -> None:
    """The totals and the managers' completed assessments again, from every completed
    assessment of the programme (after a bulk load)."""
    Manager.objects.filter(programme=programme).update(
        completed_assessments=programme_queries.per_row(
            Assessment.objects.filter(status=AssessmentStatus.COMPLETED), "manager", Count("pk"), default=0
        )
    )
    DimensionTotal.objects.filter(programme=programme).delete()
    select = _FINDINGS_OF.format(condition="assessment.programme_id = %s AND assessment.status = %s")
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT.format(select=select), [programme.pk, programme.pk, AssessmentStatus.COMPLETED.value]
        )

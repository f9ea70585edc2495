from __future__ import annotations

import pytest

from tests import factories


@pytest.mark.django_db
@pytest.mark.parametrize(
    "factory_class",
    [
        factories.AttendanceFactory,
        factories.RoundtableRoleFactory,
        factories.ThematicMeetingParticipationFactory,
        factories.ContributionFactory,
        factories.PracticeFactory,
        factories.CountryUpdateFactory,
    ],
)
def test_factories_build_objects_that_pass_full_clean(factory_class):
    first, second = factory_class(), factory_class()
    for obj in (first, second):
        obj.full_clean()
    assert first.pk != second.pk

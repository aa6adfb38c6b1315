"""Build the engine's input (Frames) by hand, for table-driven tests of the rules without a database."""

from __future__ import annotations

import itertools
from datetime import date

import pandas as pd

from tfclaims.engine.criteria import DEFAULT_EMPLOYMENT_RULES as EMPLOYMENT_RULES
from tfclaims.engine.criteria import EXAMPLE_CRITERIA, default_wording
from tfclaims.engine.rules import Frames

TF2015 = ["crime_asb", "school", "children_need_help", "worklessness", "domestic_abuse", "health"]
SF2022 = [
    "education",
    "early_years",
    "health",
    "substance_use",
    "relationships",
    "safe_from_abuse",
    "crime",
    "domestic_abuse",
    "housing",
    "financial",
]
PROBLEM_IDS = {("TF2015", c): i for i, c in enumerate(TF2015, start=1)} | {
    ("SF2022", c): 100 + i for i, c in enumerate(SF2022, start=1)
}
VERSION = {"TF2015": 1, "SF2022": 2}


def d(value: str | date | None):
    return pd.Timestamp(value) if value is not None else pd.NaT


# The national frameworks' settings as migration 0002 loads them (periods, payments, minimum problems).
FRAMEWORKS = {
    "TF2015": {
        "framework_id": 1,
        "framework": "TF2015",
        "framework_name": "Troubled Families 2015-21",
        "routes": "SSP CE",
        "min_problems": 2,
        "attachment_payment_pence": 100_000,
        "result_payment_pence": 80_000,
        "outcome_months": None,
        "employment_rules": EMPLOYMENT_RULES,
        "recurrence_reopens": True,
        "starts_on": date(2015, 4, 1),
        "ends_on": date(2021, 3, 31),
    },
    "SF2022": {
        "framework_id": 2,
        "framework": "SF2022",
        "framework_name": "Supporting Families 2022-25",
        "routes": "SFO",
        "min_problems": 3,
        "attachment_payment_pence": 0,
        "result_payment_pence": 80_000,
        "outcome_months": 6,
        "employment_rules": EMPLOYMENT_RULES,
        "recurrence_reopens": True,
        "starts_on": date(2022, 10, 1),
        "ends_on": date(2025, 3, 31),
    },
}


class Cohort:
    """Families, members and progress added with short calls; ``frames()`` gives the engine's input.

    ``settings`` overrides national settings per framework code, e.g. ``{"TF2015": {"recurrence_reopens": False}}``.
    """

    def __init__(
        self,
        criteria: dict[str, dict[str, list[tuple[str, dict]]]] | None = None,
        settings: dict[str, dict] | None = None,
    ):
        self.criteria = criteria or EXAMPLE_CRITERIA
        self.settings = {code: dict(values) | (settings or {}).get(code, {}) for code, values in FRAMEWORKS.items()}
        self._ids = itertools.count(1)
        self.rows: dict[str, list[dict]] = {
            name: []
            for name in ("attachments", "problems", "members", "measures", "events", "spells", "episodes", "evidence")
        }

    def family(
        self,
        attached_on: str,
        problems: list[str],
        framework: str = "TF2015",
        closed_on: str | None = None,
        closure_reason: str | None = None,
        children: int = 2,
        adults: int = 2,
    ) -> Family:
        fid = next(self._ids)
        family = Family(self, fid, framework)
        self.rows["attachments"].append(
            {
                "family_id": fid,
                "reference": f"FAM-{fid:05d}",
                "team": "North",
                "lead_practitioner": "Sam",
                "attachment_id": fid,
                "attached_on": d(attached_on),
                "closed_on": d(closed_on),
                "closure_reason": closure_reason,
                "plan_version_id": VERSION[framework],
            }
        )
        for i in range(adults):
            family.add_member(f"adult{i + 1}", date(1980 + i, 1, 1))
        for i in range(children):
            family.add_member(f"child{i + 1}", date(2006 + i, 1, 1))
        for code in problems:
            family.problem(code)
        return family

    def frames(self) -> Frames:
        def frame(name, columns):
            return pd.DataFrame(self.rows[name], columns=columns)

        criteria = []
        n = itertools.count(1)
        for fw, by_problem in self.criteria.items():
            for code, items in by_problem.items():
                for position, (kind, params) in enumerate(items, start=1):
                    criteria.append(
                        {
                            "criterion_id": next(n),
                            "plan_version_id": VERSION[fw],
                            "problem_id": PROBLEM_IDS[(fw, code)],
                            "position": position,
                            "kind": kind,
                            "parameters": params,
                            "wording": default_wording(kind, params),
                        }
                    )
        return Frames(
            attachments=frame(
                "attachments",
                [
                    "family_id",
                    "reference",
                    "team",
                    "lead_practitioner",
                    "attachment_id",
                    "attached_on",
                    "closed_on",
                    "closure_reason",
                    "plan_version_id",
                ],
            ),
            versions=pd.DataFrame(
                {
                    "plan_version_id": [1, 2],
                    "plan_label": ["TF plan, version 1", "SF plan, version 1"],
                    "framework_id": [1, 2],
                }
            ),
            frameworks=pd.DataFrame(list(self.settings.values())),
            problems=frame(
                "problems",
                [
                    "attachment_id",
                    "family_id",
                    "problem_id",
                    "member_id",
                    "identified_after_attachment",
                    "descriptor_id",
                    "evidence_source",
                    "evidence_date",
                ],
            ),
            headline=pd.DataFrame(
                [
                    {"problem_id": pid, "problem_number": pid % 100, "problem_name": code}
                    for (fw, code), pid in PROBLEM_IDS.items()
                ]
            ),
            criteria=pd.DataFrame(criteria),
            # As the loader gives them: measures per member and period, spells with the member's date of birth.
            measures=frame("measures", ["family_id", "member_id", "kind", "period_end", "value"]),
            events=frame("events", ["family_id", "member_id", "kind", "occurred_on"]),
            spells=frame(
                "spells", ["family_id", "member_id", "started_on", "ended_on", "hours_per_week", "prior_benefit"]
            ).merge(frame("members", ["member_id", "family_id", "date_of_birth"]), on=["family_id", "member_id"]),
            episodes=frame("episodes", ["family_id", "member_id", "kind", "started_on", "ended_on", "end_reason"]),
            evidence=frame(
                "evidence",
                [
                    "family_id",
                    "attachment_id",
                    "problem_id",
                    "status",
                    "progress_from",
                    "decided_on",
                    "decided_by",
                    "decision_reason",
                ],
            ),
            descriptors=pd.DataFrame(
                [
                    {"descriptor_id": pid, "descriptor_code": f"D{pid}", "descriptor_wording": f"{code}: descriptor"}
                    for (fw, code), pid in PROBLEM_IDS.items()
                ]
            ),
        )


class Family:
    def __init__(self, cohort: Cohort, fid: int, framework: str):
        self.cohort, self.id, self.framework = cohort, fid, framework
        self.member_ids: dict[str, int] = {}

    def _add(self, table: str, **row) -> Family:
        self.cohort.rows[table].append({"family_id": self.id, **row})
        return self

    def add_member(self, name: str, born: date) -> None:
        mid = self.id * 100 + len(self.member_ids) + 1
        self.member_ids[name] = mid
        self._add("members", member_id=mid, date_of_birth=d(born))

    def problem(self, code: str, member: str | None = "child1", after: bool = False) -> Family:
        """A problem identified for a member (``None``: for nobody in particular)."""
        pid = PROBLEM_IDS[(self.framework, code)]
        return self._add(
            "problems",
            attachment_id=self.id,
            problem_id=pid,
            member_id=self.member_ids[member] if member else None,
            identified_after_attachment=after,
            descriptor_id=pid,
            evidence_source="school",
            evidence_date=d(self.cohort.rows["attachments"][self.id - 1]["attached_on"]),
        )

    def term(self, member: str, end: str, value: float, kind: str = "attendance") -> Family:
        return self._add(
            "measures", member_id=self.member_ids[member], kind=kind, period_end=d(end), value=value
        )

    def event(self, kind: str, on: str, member: str = "child1") -> Family:
        return self._add("events", member_id=self.member_ids[member], kind=kind, occurred_on=d(on))

    def spell(self, start: str, end: str | None, benefit: str = "JSA", hours: float = 30, member: str = "adult1"):
        return self._add(
            "spells",
            member_id=self.member_ids[member],
            started_on=d(start),
            ended_on=d(end),
            hours_per_week=hours,
            prior_benefit=benefit,
        )

    def episode(
        self, kind: str, start: str, end: str | None, member: str = "child1", reason: str | None = "stepped_down"
    ) -> Family:
        """A plan; an ended one ends by ``reason`` (a step-down unless told otherwise)."""
        return self._add(
            "episodes",
            member_id=self.member_ids[member],
            kind=kind,
            started_on=d(start),
            ended_on=d(end),
            end_reason=reason if end else None,
        )

    def evidence(self, code: str, status: str, progress_from: str, decided_on: str | None = None) -> Family:
        return self._add(
            "evidence",
            attachment_id=self.id,
            problem_id=PROBLEM_IDS[(self.framework, code)],
            status=status,
            progress_from=d(progress_from),
            decided_on=d(decided_on),
            decided_by="Pat Manager" if decided_on else None,
            decision_reason="Evidence seen" if decided_on else "",
        )

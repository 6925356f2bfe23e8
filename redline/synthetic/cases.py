"""Planted cases: square slots of 300 m whose land and parcels trigger exactly the rules meant.

Each case is laid out on a slot's four quadrants of land (:data:`LAYOUTS`) with the
approvals, supply and change patches that make it, and says which findings it must and
must not give; they are written to ``planted.json`` beside the county.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import shapely
from numpy.typing import NDArray

from redline.errors import ConfigError
from redline.synthetic.specs import GOVERNMENT_DELAY, SLOT_M, SLOT_SPACING_M

# Slot land layouts: land code and basic-farmland flag of the quadrants LL, LR, UL, UR.
LAYOUTS: Final[dict[str, tuple[tuple[str, bool], ...]]] = {
    "basic": (("0101", True), ("0102", True), ("0101", True), ("0102", True)),
    "farm": (("0103", False),) * 4,
    "split": (("0103", False), ("0301", False), ("0103", False), ("0301", False)),
    "built": (("0601", False), ("0701", False), ("05H1", False), ("1003", False)),
    "edge": (("0101", True), ("0601", False), ("0101", True), ("0601", False)),
    "edgefarm": (("0103", False), ("0601", False), ("0103", False), ("0601", False)),
    "grass": (("0404", False),) * 4,
}


QUADRANTS: Final = ((0, 0, 150, 150), (150, 0, 300, 150), (0, 150, 150, 300), (150, 150, 300, 300))


_MM: Final[float] = 0.001  # a digitising offset of 1 mm


def day(text: str) -> np.datetime64:
    """Return an ISO date as a day."""
    return np.datetime64(text, "D")


NAT = np.datetime64("NaT", "D")


@dataclass
class Case:
    """One planted case: its land layout, parcels, evidence burns and expected findings."""

    tag: str
    layout: str
    approvals: list[dict[str, Any]] = field(default_factory=list)
    supply: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    burns: list[tuple[shapely.Geometry, float]] = field(default_factory=list)
    expect: list[tuple[str, str, str, bool, str]] = field(default_factory=list)
    township_line: bool = False
    bad_land: bool = False


def _box(x0: float, y0: float, x1: float, y1: float) -> shapely.Geometry:
    return shapely.box(x0, y0, x1, y1)


_PARCEL = _box(60, 60, 240, 240)


def _approval(aid: str, geom: shapely.Geometry, on: str, *, state_council: bool = False,
              bf: bool = False) -> dict[str, Any]:
    return {"approval_id": aid, "approved_on": day(on), "state_council": state_council,
            "basic_farmland_approved": bf, "geometry": geom}


def _supply(sid: str, geom: shapely.Geometry, *, method: str = "listing", use: str = "0701",
            contract: str, agreed: str | None, started: str | None, built: float = 0.9,
            invest: float = 0.9, delay: str | None = None,
            industrial: tuple[float, float, float, float] = (1.4, 0.45, 0.12, 0.05),
            industry: int = 3, stopped: str | None = None,
            purpose: str | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "supply_id": sid, "supply_method": method, "land_use": use,
        "contract_on": day(contract), "start_agreed_on": day(agreed) if agreed else NAT,
        "started_on": day(started) if started else NAT,
        "stopped_on": day(stopped) if stopped else NAT, "purpose": purpose,
        "built_area_ratio": built if started else 0.0, "invest_ratio": invest if started else 0.0,
        "delay_cause": delay, "industry_i": industry if use == "0601" else -1,
        "geometry": geom,
    }
    keys = ("plot_ratio", "building_coefficient", "green_ratio", "office_share")
    for key, value in zip(keys, industrial, strict=True):
        row[key] = value if use == "0601" else np.nan
    return row


def _change(cid: str, geom: shapely.Geometry, *, on: str = "2026-04-18",
            code: str = "0601") -> dict[str, Any]:
    return {"change_id": cid, "detected_on": day(on), "land_code": code, "geometry": geom}


def planted_cases(code: str, *, messy: bool) -> list[Case]:  # noqa: PLR0915 -- a table of cases
    """Every planted case, in slot-local coordinates (0..300 m)."""
    c = code
    cases: list[Case] = []

    def add(tag: str, layout: str, **kw: Any) -> Case:
        case = Case(tag, layout, **kw)
        cases.append(case)
        return case

    def supplied(tag: str, note: str, rules: list[tuple[str, bool]], *, approve: str = "",
                 burn: float | None = 1.0, **kw: Any) -> Case:
        """Add a supply parcel with an approval of the same shape, on construction land."""
        case = add(tag, "built")
        sid = f"{c}-{tag}-S"
        row = _supply(sid, _PARCEL, **kw)
        case.supply.append(row)
        contract = row["contract_on"]
        case.approvals.append(_approval(
            f"{c}-{tag}-A", _PARCEL, approve or str(contract - np.timedelta64(120, "D"))))
        if burn:
            case.burns.append((_PARCEL, burn))
        for rule, expected in rules:
            case.expect.append((rule, "supply", sid, expected, note))
        return case

    # basic_farmland_encroachment
    case = add("BFE1", "basic")
    case.approvals.append(_approval(f"{c}-BFE1-A", _PARCEL, "2026-02-10"))
    case.expect += [
        ("basic_farmland_encroachment", "approvals", f"{c}-BFE1-A", True,
         "provincial approval on basic farmland, basic_farmland_approved false"),
        ("unauthorized_approval", "approvals", f"{c}-BFE1-A", True,
         "a province approved 32400 m2 of basic farmland, which only the State Council may"),
    ]
    case = add("BFE2", "basic")
    case.approvals.append(_approval(f"{c}-BFE2-A", _PARCEL, "2025-09-15"))
    case.supply.append(_supply(f"{c}-BFE2-S", _PARCEL, use="0601", contract="2025-11-20",
                               agreed="2026-04-01", started="2026-04-20", built=0.5, invest=0.5))
    case.burns.append((_PARCEL, 1.0))
    case.expect += [
        ("basic_farmland_encroachment", "approvals", f"{c}-BFE2-A", True,
         "provincial approval on basic farmland"),
        ("basic_farmland_encroachment", "supply", f"{c}-BFE2-S", True,
         "supplied on basic farmland under an approval without basic_farmland_approved"),
        ("unauthorized_approval", "approvals", f"{c}-BFE2-A", True,
         "a province approved basic farmland"),
        ("supply_without_approval", "supply", f"{c}-BFE2-S", True,
         "supplied on basic farmland that only a provincial approval (BFE2-A) covers: "
         "no lawful approval"),
    ]
    case = add("BFE3", "basic")
    case.approvals.append(_approval(f"{c}-BFE3-A", _PARCEL, "2025-08-01", state_council=True,
                                    bf=True))
    case.supply.append(_supply(f"{c}-BFE3-S", _PARCEL, use="0601", contract="2025-10-10",
                               agreed="2026-03-01", started="2026-03-20", built=0.5, invest=0.5))
    case.burns.append((_PARCEL, 1.0))
    case.expect += [
        ("basic_farmland_encroachment", "approvals", f"{c}-BFE3-A", False,
         "State Council approval with basic_farmland_approved true: lawful"),
        ("basic_farmland_encroachment", "supply", f"{c}-BFE3-S", False,
         "covered by the State Council approval BFE3-A"),
        ("unauthorized_approval", "approvals", f"{c}-BFE3-A", False,
         "the State Council approved this basic farmland: within its power"),
        ("supply_without_approval", "supply", f"{c}-BFE3-S", False,
         "covered by the State Council approval BFE3-A, given before the contract"),
    ]
    # supply_without_approval
    case = add("SWA1", "farm")
    case.supply.append(_supply(f"{c}-SWA1-S", _PARCEL, use="0601", contract="2025-10-10",
                               agreed="2026-03-01", started="2026-03-15", built=0.5, invest=0.5))
    case.burns.append((_PARCEL, 1.0))
    case.expect.append(("supply_without_approval", "supply", f"{c}-SWA1-S", True,
                        "supplied on farmland (0103), no approval anywhere near"))
    case = add("SWA2", "built")
    case.supply.append(_supply(f"{c}-SWA2-S", _PARCEL, use="0601", contract="2025-10-10",
                               agreed="2026-03-01", started="2026-03-15", built=0.5, invest=0.5))
    case.burns.append((_PARCEL, 1.0))
    case.expect.append(("supply_without_approval", "supply", f"{c}-SWA2-S", False,
                        "no approval, but on construction land, not farmland"))
    # 未批先供: an approval given after the contract does not cover the supply
    for tag, approved, hit, note in (
        ("SWA3", "2025-12-01", True, "supplied on farmland 2025-10-10, approved only "
         "2025-12-01 (未批先供; the later approval is named)"),
        ("SWA4", "2025-10-10", False, "approved on the contract day 2025-10-10: covered"),
    ):
        case = add(tag, "farm")
        case.approvals.append(_approval(f"{c}-{tag}-A", _PARCEL, approved))
        case.supply.append(_supply(f"{c}-{tag}-S", _PARCEL, use="0601", contract="2025-10-10",
                                   agreed="2026-03-01", started="2026-03-15", built=0.5,
                                   invest=0.5))
        case.burns.append((_PARCEL, 1.0))
        case.expect.append(("supply_without_approval", "supply", f"{c}-{tag}-S", hit, note))
    # unapproved_construction
    uc = "unapproved_construction"
    case = add("UC1", "basic")
    case.changes.append(_change(f"{c}-UC1", _box(120, 120, 170, 160)))
    case.expect.append((uc, "changes", f"{c}-UC1", True,
                        "2000 m2 wholly on basic farmland (3 mu: under the criminal threshold)"))
    case = add("UC2", "split")
    case.changes.append(_change(f"{c}-UC2", _box(110, 100, 190, 150)))
    case.expect.append((uc, "changes", f"{c}-UC2", True,
                        "4000 m2: 2000 on other farmland (0103), 2000 on other land (0301)"))
    case = add("UC3", "farm")
    case.approvals += [_approval(f"{c}-UC3-A1", _box(40, 100, 130, 200), "2026-04-01"),
                       _approval(f"{c}-UC3-A2", _box(110, 100, 180, 200), "2026-04-15")]
    case.changes.append(_change(f"{c}-UC3", _box(60, 120, 240, 180)))
    case.expect.append((uc, "changes", f"{c}-UC3", True,
                        "10800 m2 on farmland, 7200 covered by two overlapping approvals "
                        "(UC3-A1, UC3-A2): only the uncovered 3600 m2 is unapproved"))
    case = add("UC4", "grass", township_line=True)
    case.changes.append(_change(f"{c}-UC4", _box(110, 120, 190, 180), code="0702"))
    case.expect.append((uc, "changes", f"{c}-UC4", True,
                        "4800 m2 on grassland across a township line: one finding per township"))
    case = add("UC5", "farm")
    case.approvals.append(_approval(f"{c}-UC5-A", _box(60, 80, 150, 220), "2026-03-20"))
    case.changes.append(_change(f"{c}-UC5", _box(150, 120, 210, 180)))
    case.expect.append((uc, "changes", f"{c}-UC5", True,
                        "3600 m2 on farmland, touching approval UC5-A along one edge "
                        "(not covered)"))
    # 先建后批: an approval given after the detection does not cover the patch
    for tag, approved, hit, note in (
        ("LATE1", "2026-05-20", True, "4000 m2 on grassland detected 2026-04-18, approved only "
         "2026-05-20 (先建后批; the later approval is named)"),
        ("LATE2", "2026-04-18", False, "approved on the day of detection 2026-04-18: covered"),
    ):
        case = add(tag, "grass")
        case.approvals.append(_approval(f"{c}-{tag}-A", _PARCEL, approved))
        case.changes.append(_change(f"{c}-{tag}", _box(100, 100, 180, 150)))
        case.expect.append((uc, "changes", f"{c}-{tag}", hit, note))
    # Lawful construction on farmland: approved before it was built (the accountability
    # ratio's farmland newly occupied, of which the planted cases are the unlawful part)
    case = add("LAW1", "farm")
    case.approvals.append(_approval(f"{c}-LAW1-A", _box(0, 0, 300, 300), "2026-01-12"))
    case.changes.append(_change(f"{c}-LAW1", _box(10, 10, 290, 290)))
    case.expect.append((uc, "changes", f"{c}-LAW1", False,
                        "78400 m2 on farmland inside approval LAW1-A of 2026-01-12: lawful"))
    # farmland_loss and facility_agriculture: farmland turned to another agricultural use
    for tag, layout, now, rule, hit, note in (
        ("LOSS1", "farm", "0201", "farmland_loss", True,
         "7000 m2 (10.5 mu) of farmland (0103) now orchard (0201): not construction, so "
         "neither unapproved construction nor a criminal lead"),
        ("LOSS2", "grass", "1104", "farmland_loss", False,
         "grassland (0404) dug into a pond (1104): no farmland lost"),
        ("FAC1", "farm", "1202", "facility_agriculture", True,
         "7000 m2 of farmland (0103) now 设施农用地 (1202): listed for its filing"),
        ("FAC2", "grass", "1202", "facility_agriculture", False,
         "设施农用地 (1202) on grassland (0404): no farmland"),
    ):
        case = add(tag, layout)
        case.changes.append(_change(f"{c}-{tag}", _box(100, 100, 200, 170), code=now))
        case.expect.append((rule, "changes", f"{c}-{tag}", hit, note))
        if hit:
            case.expect += [(uc, "changes", f"{c}-{tag}", False, note),
                            ("criminal_threshold", "changes", f"{c}-{tag}", False, note)]
    # criminal_threshold: per patch, 5 mu = 3333.33 m2 on basic, 10 mu = 6666.67 m2 other
    cr = "criminal_threshold"
    for tag, layout, box, hit, note in (
        ("CR1", "basic", _box(100, 100, 180, 150), True, "4000 m2 (6.0 mu) on basic farmland"),
        ("CR2", "basic", _box(100, 100, 166, 150), False,
         "3300 m2 (4.95 mu) on basic farmland: just under 5 mu"),
        ("CR3", "farm", _box(100, 100, 200, 170), True, "7000 m2 (10.5 mu) on other farmland"),
        ("CR4", "farm", _box(100, 100, 200, 166), False,
         "6600 m2 (9.9 mu) on other farmland: just under 10 mu"),
    ):
        case = add(tag, layout)
        case.changes.append(_change(f"{c}-{tag}", box))
        case.expect += [(uc, "changes", f"{c}-{tag}", True, note),
                        (cr, "changes", f"{c}-{tag}", hit, note)]
    # criminal_threshold of one site: touching pieces detected on one date are summed
    for tag, gap, hit, note in (
        ("CRS1", 0, True, "two touching pieces of 2000 m2 (3 mu) on basic farmland, one "
         "detection date: one site of 6.0 mu, named by the first piece"),
        ("CRS2", 2, False, "two pieces of 2000 m2 (3 mu) on basic farmland 2 m apart: two "
         "sites, each under 5 mu"),
    ):
        case = add(tag, "basic")
        case.changes += [_change(f"{c}-{tag}-1", _box(100, 100, 140, 150)),
                         _change(f"{c}-{tag}-2", _box(140 + gap, 100, 180 + gap, 150))]
        case.expect += [(uc, "changes", f"{c}-{tag}-1", True, note),
                        (uc, "changes", f"{c}-{tag}-2", True, note),
                        (cr, "changes", f"{c}-{tag}-1", hit, note),
                        (cr, "changes", f"{c}-{tag}-2", False,
                         "summed into the finding of the first piece" if hit else note)]
    # idle land at AS_OF = 2026-06-30 (not started, residential land sold by listing)
    for tag, rule, hit, agreed, contract, note in (
        ("IDLE1", "idle_1y", True, "2025-06-30", "2024-12-30",
         "agreed start 2025-06-30, not started: exactly one full year at 2026-06-30"),
        ("IDLE2", "idle_1y", False, "2025-07-01", "2024-12-30",
         "agreed start 2025-07-01, not started: one day short of a full year"),
        ("IDLE3", "idle_2y", True, "2024-02-29", "2023-09-01",
         "agreed start on the leap day 2024-02-29, not started: over two years"),
        ("IDLE4", "idle_2y", True, "2024-06-30", "2023-12-30",
         "agreed start 2024-06-30, not started: exactly two full years"),
        ("IDLE5", "idle_1y", True, None, "2025-05-20",
         "no agreed start: idle one full year after the contract 2025-05-20 "
         "(1999 measures Art. 2(2))"),
        ("IDLE8", "idle_1y", False, None, "2025-07-01",
         "no agreed start, contract 2025-07-01: one day short of a full year"),
    ):
        late = [("late_start", True)] if tag == "IDLE2" else []
        supplied(tag, note, [(rule, hit), *late], contract=contract, agreed=agreed,
                 started=None, burn=None)
    supplied("IDLE6", "agreed start 2023-05-01, not started, delayed by the government "
             f"({GOVERNMENT_DELAY}): excused", [("idle_1y", False), ("idle_2y", False)],
             contract="2022-11-01", agreed="2023-05-01", started=None, delay=GOVERNMENT_DELAY,
             burn=None)
    for tag, stopped, hit, note in (
        ("IDLE7", "2025-05-15", True, "started 2025-04-01 (agreed 2025-03-01), stopped "
         "2025-05-15 under 1/3 built (0.2) and 25% invested (15%): stopped a full year"),
        ("IDLE9", "2025-07-01", False, "started 2025-04-01, stopped 2025-07-01 under 1/3 "
         "built and 25% invested: one day short of a full year stopped"),
    ):
        case = supplied(tag, note, [("idle_1y", hit)], contract="2024-09-01",
                        agreed="2025-03-01", started="2025-04-01", built=0.2, invest=0.15,
                        stopped=stopped, burn=None)
        case.burns.append((_box(60, 60, 240, 96), 1.0))  # a fifth of the parcel built
    # late_start: not started after the agreed start, under a full year late
    supplied("LS1", "agreed start 2026-06-29, not started at 2026-06-30: a day late",
             [("late_start", True), ("idle_1y", False)], contract="2025-12-01",
             agreed="2026-06-29", started=None, burn=None)
    supplied("LS2", "agreed start 2026-06-30, not started: due today, not late",
             [("late_start", False)], contract="2025-12-01", agreed="2026-06-30", started=None,
             burn=None)
    # approved_not_supplied (older than 2 full years at AS_OF)
    case = add("ANS1", "built")
    case.approvals.append(_approval(f"{c}-ANS1-A", _PARCEL, "2023-03-15"))
    case.expect.append(("approved_not_supplied", "approvals", f"{c}-ANS1-A", True,
                        "approved 2023-03-15, nothing supplied"))
    case = add("ANS2", "built")
    case.approvals.append(_approval(f"{c}-ANS2-A", _box(40, 60, 260, 240), "2022-11-01"))
    case.supply.append(_supply(f"{c}-ANS2-S", _box(40, 60, 150, 240), contract="2023-05-01",
                               agreed="2023-09-01", started="2023-09-15"))
    case.burns.append((_box(40, 60, 150, 240), 1.0))
    case.expect.append(("approved_not_supplied", "approvals", f"{c}-ANS2-A", True,
                        "approved 2022-11-01, half supplied (ANS2-S): 110 x 180 m unsupplied"))
    case = add("ANS3", "built")
    case.approvals.append(_approval(f"{c}-ANS3-A", _PARCEL, "2025-01-10"))
    case.expect.append(("approved_not_supplied", "approvals", f"{c}-ANS3-A", False,
                        "approved 2025-01-10: under two years"))
    # supply policy
    for tag, use, hit in (("ALC1", "05H1", True), ("ALC2", "0701", True), ("ALC3", "08H1", False)):
        supplied(tag, f"allocation (划拨) for land use {use}", [("allocation_misuse", hit)],
                 method="allocation", use=use, contract="2019-04-01", agreed="2019-10-01",
                 started="2019-09-20")
    supplied("ALC4", "allocation (划拨) of 0701 for 经济适用住房 (affordable housing), named in "
             "purpose: in the allocation catalogue", [("allocation_misuse", False)],
             method="allocation", use="0701", purpose="经济适用住房", contract="2019-04-01",
             agreed="2019-10-01", started="2019-09-20")
    supplied("COM1", "commercial land (05H1) sold by negotiation (协议出让), contract 2010-03-01",
             [("commercial_negotiated", True)], method="negotiation", use="05H1",
             contract="2010-03-01", agreed="2010-09-01", started="2010-08-20")
    supplied("COM2", "commercial land sold by negotiation under a contract of 2002-06-30, the "
             "day before 令第11号 took effect", [("commercial_negotiated", False)],
             method="negotiation", use="05H1", contract="2002-06-30", agreed="2002-12-01",
             started="2002-11-20")
    supplied("IND1", "industrial land sold by negotiation (协议出让), contract 2012-05-01",
             [("industrial_negotiated", True)], method="negotiation", use="0601",
             contract="2012-05-01", agreed="2012-11-01", started="2012-10-15")
    supplied("IND2", "industrial land sold by negotiation in 2005, before the 2007 rule",
             [("industrial_negotiated", False)], method="negotiation", use="0601",
             contract="2005-06-01", agreed="2005-12-01", started="2005-11-10")
    for tag, values, note in (
        ("STD1", (1.4, 0.22, 0.12, 0.05), "building coefficient 0.22 < 0.30"),
        ("STD2", (1.4, 0.45, 0.12, 0.12), "office and living share 0.12 > 0.07"),
        ("STD3", (1.4, 0.45, 0.28, 0.05), "green ratio 0.28 > 0.20"),
        ("STD4", (0.4, 0.45, 0.12, 0.05), "plot ratio 0.4 < 0.6 (chemicals)"),
    ):
        supplied(tag, note, [("industrial_standard", True)], use="0601", contract="2018-03-01",
                 agreed="2018-09-01", started="2018-08-20", industrial=values, industry=2)
    # evidence from imagery
    supplied("EVD1", "recorded not started (agreed start 2026-10-01), imagery shows it built",
             [("evidence_mismatch", True)], contract="2026-01-15", agreed="2026-10-01",
             started=None)
    supplied("EVD2", "recorded started 2025-10-01, imagery shows nothing built",
             [("evidence_mismatch", True)], contract="2025-05-01", agreed="2025-11-01",
             started="2025-10-01", built=0.5, invest=0.4, burn=None)
    tiny = _box(147, 147, 153, 153)
    case = add("EVD3", "built")
    case.supply.append(_supply(f"{c}-EVD3-S", tiny, use="08H1", method="allocation",
                               contract="2024-03-01", agreed="2024-06-01", started="2024-05-20"))
    case.approvals.append(_approval(f"{c}-EVD3-A", tiny, "2023-12-01"))
    case.burns.append((_box(130, 130, 170, 170), 1.0))
    case.expect.append(("evidence_mismatch", "supply", f"{c}-EVD3-S", False,
                        "36 m2 parcel, smaller than one 10 m pixel, across four built pixels"))
    # slivers: 1 mm digitising offsets that must not be findings
    case = add("SLV1", "edge")
    case.approvals.append(_approval(f"{c}-SLV1-A", _box(150 - _MM, 50, 250, 250), "2026-02-20"))
    case.expect += [("basic_farmland_encroachment", "approvals", f"{c}-SLV1-A", False,
                     "edge 1 mm over basic farmland (0.2 m2): a sliver"),
                    ("unauthorized_approval", "approvals", f"{c}-SLV1-A", False,
                     "a provincial approval 1 mm over basic farmland (0.2 m2): a sliver")]
    case = add("SLV2", "edgefarm")
    case.approvals.append(_approval(f"{c}-SLV2-A", _box(150, 50, 250, 250), "2025-06-01"))
    case.supply.append(_supply(f"{c}-SLV2-S", _box(150 - _MM, 50, 250, 250), contract="2025-08-01",
                               agreed="2025-12-01", started="2025-11-20"))
    case.burns.append((_box(150, 50, 250, 250), 1.0))
    case.expect.append(("supply_without_approval", "supply", f"{c}-SLV2-S", False,
                        "1 mm beyond its approval onto farmland (0.2 m2): a sliver"))
    case = add("SLV3", "edgefarm")
    case.approvals.append(_approval(f"{c}-SLV3-A", _box(150, 50, 250, 250), "2026-03-01"))
    case.changes.append(_change(f"{c}-SLV3", _box(150 - _MM, 100, 230, 200)))
    case.expect.append((uc, "changes", f"{c}-SLV3", False,
                        "1 mm beyond its approval onto farmland (0.1 m2): a sliver"))
    if messy:
        add("BADF", "farm", bad_land=True)
        case = add("BADC", "built")
        case.approvals.append(_approval(f"{c}-BADC-A", _box(40, 40, 260, 260), "2026-01-20"))
        bowtie = shapely.polygons([(80, 80), (200, 200), (200, 80), (80, 200)])
        touch = shapely.polygons([(210, 60), (250, 60), (250, 140), (210, 140), (210, 100),
                                  (230, 110), (230, 90), (210, 100), (210, 60)])
        case.changes += [_change(f"{c}-BADC1", bowtie), _change(f"{c}-BADC2", touch)]
        case.expect += [
            ("invalid_geometry", "changes", f"{c}-BADC1", True,
             "bow-tie ring; inside approval BADC-A, so not a finding once repaired"),
            ("invalid_geometry", "changes", f"{c}-BADC2", True,
             "self-touching ring; inside approval BADC-A"),
            (uc, "changes", f"{c}-BADC1", False, "covered by BADC-A"),
            (uc, "changes", f"{c}-BADC2", False, "covered by BADC-A"),
        ]
        case = add("DUP", "built")
        case.approvals.append(_approval(f"{c}-DUP-A", _box(40, 60, 260, 240), "2025-12-01"))
        for box in (_box(40, 60, 150, 240), _box(150, 60, 260, 240)):
            case.supply.append(_supply(f"{c}-DUP-S", box, contract="2026-01-10",
                                       agreed="2026-09-01", started=None))
        case.expect.append(("duplicate_id", "supply", f"{c}-DUP-S", True,
                            "two supply parcels share this id: the second cannot be judged"))
    return cases


def place_slots(rng: np.random.Generator, outline: shapely.Geometry, towns: NDArray[Any],
                 cases: list[Case]) -> NDArray[np.float64]:
    """Lower-left corners (multiples of 10 m) of one slot per case, each inside one township."""
    x0, y0, x1, y1 = shapely.bounds(outline)
    inner = shapely.buffer(outline, -SLOT_SPACING_M / 2)
    shapely.prepare(inner)
    origins = np.zeros((len(cases), 2))
    taken: list[shapely.Geometry] = []
    line_cases = [i for i, case in enumerate(cases) if case.township_line]
    for i in line_cases:
        origins[i] = _line_slot(towns, inner)
        taken.append(_slot_box(origins[i]).buffer(SLOT_SPACING_M - SLOT_M))
    gx, gy = np.meshgrid(np.arange(x0, x1, SLOT_SPACING_M), np.arange(y0, y1, SLOT_SPACING_M))
    cand = np.round(np.column_stack([gx.ravel(), gy.ravel()]) / 10) * 10
    boxes = shapely.box(cand[:, 0], cand[:, 1], cand[:, 0] + SLOT_M, cand[:, 1] + SLOT_M)
    ok = shapely.contains(inner, boxes)
    tree = shapely.STRtree(towns)
    within, _ = tree.query(shapely.buffer(boxes, 20.0), predicate="within")
    one_town = np.zeros(len(boxes), dtype=bool)
    one_town[within] = True
    ok &= one_town
    if taken:
        ok &= ~shapely.intersects(shapely.union_all(taken), boxes)
    free = np.flatnonzero(ok)
    rest = [i for i in range(len(cases)) if not cases[i].township_line]
    if len(free) < len(rest):
        raise ConfigError(
            f"county too small for {len(rest)} planted slots ({len(free)} places)",
            fix="raise n_farmland or pass plant=False")
    pick = free[np.sort(rng.permutation(len(free))[: len(rest)])]
    origins[rest] = cand[pick]
    return origins


def _slot_box(origin: NDArray[np.float64]) -> shapely.Geometry:
    return shapely.box(origin[0], origin[1], origin[0] + SLOT_M, origin[1] + SLOT_M)


def _line_slot(towns: NDArray[Any], inner: shapely.Geometry) -> NDArray[np.float64]:
    """Find a slot centred on the longest line between two townships, crossing only it."""
    best: tuple[float, NDArray[np.float64]] | None = None
    tree = shapely.STRtree(towns)
    for i in range(len(towns)):
        for j in range(i + 1, len(towns)):
            shared = shapely.line_merge(shapely.intersection(
                shapely.boundary(towns[i]), shapely.boundary(towns[j])))
            for line in shapely.get_parts(shared):
                if shapely.get_type_id(line) != 1 or shapely.length(line) < 2 * SLOT_M:
                    continue
                mid = shapely.line_interpolate_point(line, 0.5, normalized=True)
                origin = np.round(np.array(shapely.get_coordinates(mid)[0]) - SLOT_M / 2, 1)
                box = _slot_box(origin)
                if not shapely.contains(inner, box) or len(tree.query(box, "intersects")) != 2:
                    continue
                length = float(shapely.length(line))
                if best is None or length > best[0]:
                    best = (length, origin)
    if best is None:
        raise ConfigError("no township line long enough for the cross-township case",
                          fix="use fewer townships or a larger county")
    return best[1]

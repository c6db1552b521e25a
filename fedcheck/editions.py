"""Rule editions: which FedRAMP rules judge a run (Rev5 baselines or Consolidated Rules 2026).

The Consolidated Rules 2026 (CR26) data lives in ``fedcheck/_editions/cr26.json``, generated
from FedRAMP's machine-readable rules by ``scripts/sync_catalog.py`` (never edited by hand). This
module reads it and answers: which edition is in force on a date, which controls a certification
class holds, what CR26 sets for them, and how a control or KSI id given in any spelling maps to
the canonical one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal

from .errors import UsageError

EditionName = Literal["rev5", "cr26"]
EDITIONS: tuple[EditionName, ...] = ("rev5", "cr26")
CLASSES = ("b", "c", "d")
#: Rev5 under CR26: Class B, C and D are the Low, Moderate and High baselines without CA-5.
CLASS_BASELINE = {"b": "low", "c": "moderate", "d": "high"}
BASELINE_CLASS = {v: k for k, v in CLASS_BASELINE.items()}
KSI_CLASSES = ("a", "b", "c")

_DATA = Path(__file__).parent / "_editions" / "cr26.json"
_REV5_TITLE = "FedRAMP Rev5 baselines"


@cache
def cr26_data() -> dict[str, Any]:
    """The generated CR26 data (see the module docstring)."""
    data: dict[str, Any] = json.loads(_DATA.read_text(encoding="utf-8"))
    return data


def cr26_in_force_from() -> date:
    """The day CR26 becomes mandatory for Rev5 certifications (FRC ``rev5`` effective date)."""
    return date.fromisoformat(cr26_data()["effective"]["rev5"])


def vdr_in_force_from() -> date:
    """The day the CR26 vulnerability detection and response rules become mandatory."""
    return date.fromisoformat(cr26_data()["effective"]["vdr"])


def edition_in_force(as_of: date) -> EditionName:
    """The edition a run uses by default: CR26 from its mandatory date, Rev5 before."""
    return "cr26" if as_of >= cr26_in_force_from() else "rev5"


@dataclass(frozen=True)
class Rules:
    """The rules of one run: the edition, its version and (under CR26) the certification class."""

    edition: EditionName
    title: str
    version: str
    baseline: str  # the Rev5 baseline whose parameter values apply: low | moderate | high
    cert_class: str | None = None  # b | c | d under CR26
    vdr: bool = False  # the CR26 VDR rules are judged

    @property
    def label(self) -> str:
        """``FedRAMP Consolidated Rules 2026.07.14.01, Rev5 Class D`` or the Rev5 baseline."""
        if self.edition == "cr26":
            return f"FedRAMP Consolidated Rules {self.version}, Rev5 Class {str(self.cert_class).upper()}"
        return f"{_REV5_TITLE} ({self.version}), {self.baseline.capitalize()}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "edition": self.edition,
            "title": self.title,
            "version": self.version,
            "class": self.cert_class,
            "baseline": self.baseline,
            "vdr": self.vdr,
            "label": self.label,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rules:
        edition = data["edition"]
        if edition not in EDITIONS:
            raise ValueError(f"unknown rules edition {edition!r}")
        return cls(
            edition,
            data["title"],
            data["version"],
            data["baseline"],
            data.get("class"),
            bool(data.get("vdr", False)),
        )


def select_rules(
    edition: str | None,
    cert_class: str | None,
    baseline: str,
    as_of: date,
) -> Rules:
    """The rules of a run from the flags (``None`` = default) and the selected baseline.

    Under CR26 the class defaults from the baseline (low -> b, moderate -> c, high -> d); a class
    given explicitly selects the baseline whose parameter values apply.
    """
    chosen = edition if edition is not None else edition_in_force(as_of)
    if chosen not in EDITIONS:
        raise UsageError(f"unknown rules edition {chosen!r}", "use --rules rev5 or --rules cr26")
    if chosen == "rev5":
        if cert_class is not None:
            raise UsageError(
                f"--class {cert_class} needs the Consolidated Rules 2026",
                "add --rules cr26, or leave out --class to use the Rev5 baselines",
            )
        return Rules("rev5", _REV5_TITLE, cr26_data()["rev5_version"], baseline)
    if cert_class is None:
        cert_class = BASELINE_CLASS[baseline]
    cert_class = cert_class.lower()
    if cert_class not in CLASSES:
        raise UsageError(
            f"unknown certification class {cert_class!r} for Rev5 under CR26",
            "use --class b, c or d (class A has no Rev5 control list; see `fedcheck ksi`)",
        )
    data = cr26_data()
    return Rules(
        "cr26",
        data["title"],
        data["version"],
        CLASS_BASELINE[cert_class],
        cert_class,
        vdr=as_of >= vdr_in_force_from() or edition == "cr26",
    )


def class_controls(cert_class: str) -> list[str]:
    """The OSCAL ids of the Rev5 controls of a CR26 class, in NIST order."""
    controls: list[str] = cr26_data()["classes"][cert_class]["controls"]
    return controls


def ctl_parameters(cert_class: str, oscal_id: str) -> list[dict[str, str]]:
    """CR26's ``CTL`` parameter values of a control for a class (``parameterId``, ``value``)."""
    params: list[dict[str, str]] = cr26_data()["classes"][cert_class]["parameters"].get(
        oscal_id, []
    )
    return params


def ctl_guidance(cert_class: str, oscal_id: str) -> list[str]:
    """CR26's ``CTL`` guidance for a control in a class."""
    guidance: list[str] = cr26_data()["classes"][cert_class]["guidance"].get(oscal_id, [])
    return guidance


def vdr_values(cert_class: str) -> dict[str, Any]:
    """The VDR timeframes of a class (detection cadences and response timeframes, in days)."""
    values: dict[str, Any] = cr26_data()["vdr"][cert_class]
    return values


# --- ids -------------------------------------------------------------------------------------

# AC-2, AC-02, ac-2.1, AC-2(1), AC-02 (01), AC-02-01, ac-02.01: the spellings FedRAMP's files use.
_CONTROL = re.compile(r"([A-Za-z]{2})-0*(\d+)(?:\s*\(0*(\d+)\)|[.-]0*(\d+))?")


def normalize_control_id(text: str) -> str:
    """Any spelling of a Rev5 control id -> the OSCAL id (``AC-02 (01)`` -> ``ac-2.1``)."""
    m = _CONTROL.fullmatch(text.strip())
    if m is None:
        raise ValueError(f"{text!r} is not a NIST SP 800-53 control id")
    enhancement = m[3] or m[4]
    return f"{m[1].lower()}-{int(m[2])}" + (f".{int(enhancement)}" if enhancement else "")


def ksi_index() -> dict[str, dict[str, Any]]:
    """Every CR26 KSI by id."""
    return {k["id"]: k for k in cr26_data()["ksi"]["indicators"]}


def resolve_ksi_id(text: str) -> str:
    """A KSI id in any form FedRAMP has published (``KSI-IAM-01``, ``KSI-IAM-MFA``) -> CR26's."""
    key = text.strip().upper()
    index = ksi_index()
    if key in index:
        return key
    legacy: dict[str, str] = cr26_data()["ksi"]["legacy"]
    if key in legacy:
        return legacy[key]
    withdrawn: dict[str, str] = cr26_data()["ksi"]["withdrawn"]
    if key in withdrawn:
        raise UsageError(
            f"{text} is a KSI of the 20x Phase 2 rules that CR26 no longer has ({withdrawn[key]})",
            f"use one of the {len(index)} CR26 KSI ids; `fedcheck ksi DEPLOYMENT --class c` "
            "lists them all (Class A holds seven)",
        )
    raise UsageError(
        f"{text!r} is not a KSI id",
        "use a CR26 id such as KSI-IAM-APM (legacy ids like KSI-IAM-01 are accepted too)",
    )


def class_members(
    catalog: Any, edition: str | None, cert_class: str | None, baseline: str | None
) -> list[Any]:
    """The catalog's controls of a CR26 class, for ``fedcheck controls list --rules cr26``."""
    if edition == "rev5":
        raise UsageError(
            "--class needs the Consolidated Rules 2026", "add --rules cr26, or leave out --class"
        )
    if cert_class is None:
        if baseline is None:
            raise UsageError(
                "--rules cr26 lists the controls of a certification class",
                "add --class b, c or d (Class D is the High baseline without CA-5)",
            )
        cert_class = BASELINE_CLASS[baseline]
    elif baseline is not None and CLASS_BASELINE[cert_class] != baseline:
        raise UsageError(
            f"--class {cert_class} is the {CLASS_BASELINE[cert_class]} baseline, not {baseline}",
            "pass either --class or --baseline",
        )
    members = set(class_controls(cert_class))
    return [c for c in catalog if c.oscal_id in members]

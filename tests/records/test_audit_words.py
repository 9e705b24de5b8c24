"""The audit log in words: every action the application writes has words, and the details of an
event read as changes only where they are changes."""

import ast
from pathlib import Path

import pytest

from compliance.breach_lifecycle import TRANSITIONS as BREACH_STEPS
from compliance.campaign_lifecycle import TRANSITIONS as CAMPAIGN_STEPS
from compliance.models import CompanyProfile
from compliance.optout_lifecycle import TRANSITIONS as OPTOUT_STEPS
from compliance.views.registers import REGISTERS
from records.audit_words import ACTION_WORDS, SIGN_IN_ACTIONS, action_words, details_lines, object_url
from records.lifecycle import TRANSITIONS as RECORD_STEPS
from records.models import AuditEvent, Job

ROOT = Path(__file__).resolve().parents[2]
WRITERS = {"audit_event_record", "Entry"}  # records.audit: one event, or one of several

# Actions named by an f-string: its text with {} for each value -> the values the code puts there.
NAMED_BY_VALUE = {
    "record.{}": set(RECORD_STEPS),
    "breach.{}": set(BREACH_STEPS),
    "optout.{}": set(OPTOUT_STEPS),
    "campaign.{}": set(CAMPAIGN_STEPS),
    "job.{}": {Job.State.DONE, Job.State.FAILED},  # records.jobs._finish: how a job ended
    "{}.{}": {f"{model._meta.model_name}.{verb}" for model in [r.model for r in REGISTERS.values()] + [CompanyProfile]
              for verb in ("created", "updated")},
}


class Scan:
    """Which action each call of audit_event_record or Entry in the application's code writes,
    followed through local names, constants, parameters (to the calls that pass them) and f-strings."""

    def __init__(self):
        self.trees = {}
        for folder in ("records", "compliance"):
            for path in (ROOT / folder).rglob("*.py"):
                if "migrations" not in path.parts:
                    self.trees[path.relative_to(ROOT)] = ast.parse(path.read_text(), str(path))
        self.parents = {}
        self.constants = {}  # NAME = "text" anywhere at module level
        self.functions = {}  # name -> [FunctionDef]
        for tree in self.trees.values():
            for node in ast.walk(tree):
                for child in ast.iter_child_nodes(node):
                    self.parents[child] = node
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self.functions.setdefault(node.name, []).append(node)
            for statement in tree.body:
                if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant):
                    for target in statement.targets:
                        if isinstance(target, ast.Name):
                            self.constants.setdefault(target.id, set()).add(statement.value.value)
        self.unresolved = []

    def writes(self):
        codes = set()
        for path, tree in self.trees.items():
            for call in ast.walk(tree):
                if isinstance(call, ast.Call) and _called(call) in WRITERS:
                    node = _argument(call, "action", 0)
                    found = self.resolve(node) if node is not None else set()
                    if not found:
                        self.unresolved.append(f"{path}:{call.lineno}")
                    codes |= found
        return codes

    def _function(self, node):
        while node is not None and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node = self.parents.get(node)
        return node

    def resolve(self, node, depth=0):
        if depth > 5:
            return set()
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.IfExp):
            return self.resolve(node.body, depth + 1) | self.resolve(node.orelse, depth + 1)
        if isinstance(node, ast.JoinedStr):
            return self._formatted(node, depth)
        if isinstance(node, ast.Attribute):
            return set(self.constants.get(node.attr, ()))
        if isinstance(node, ast.Name):
            function = self._function(node)
            if function is not None:
                assigned = [n.value for n in ast.walk(function) if isinstance(n, ast.Assign)
                            and any(isinstance(t, ast.Name) and t.id == node.id for t in n.targets)]
                if assigned:
                    return set().union(*(self.resolve(value, depth + 1) for value in assigned))
                parameters = [a.arg for a in function.args.posonlyargs + function.args.args]
                if node.id in parameters + [a.arg for a in function.args.kwonlyargs]:
                    position = parameters.index(node.id) if node.id in parameters else None
                    return self._passed(function.name, node.id, position, depth)
            return set(self.constants.get(node.id, ()))
        return set()

    def _passed(self, name, keyword, position, depth):
        found = set()
        for tree in self.trees.values():
            for call in ast.walk(tree):
                if isinstance(call, ast.Call) and _called(call) == name:
                    node = _argument(call, keyword, position)
                    if node is not None:
                        found |= self.resolve(node, depth + 1)
        return found

    def _formatted(self, node, depth):
        """An f-string: each value given as constants (or a choice of them) is filled in; else the
        string's text must be one of NAMED_BY_VALUE."""
        texts = [""]
        template = ""
        for part in node.values:
            if isinstance(part, ast.Constant):
                texts = None if texts is None else [text + part.value for text in texts]
                template += part.value
                continue
            values = self.resolve(part.value, depth + 1) if isinstance(part.value, (ast.IfExp, ast.Constant)) else set()
            texts = [text + value for text in texts for value in values] if values and texts is not None else None
            template += "{}"
        if texts is not None:
            return set(texts)
        if template in NAMED_BY_VALUE:
            prefix = template.split("{}")[0]
            return {value if template == "{}.{}" else prefix + value for value in NAMED_BY_VALUE[template]}
        return set()


def _called(call):
    return call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", None)


def _argument(call, keyword, position):
    for item in call.keywords:
        if item.arg == keyword:
            return item.value
    if position is not None and len(call.args) > position:
        return call.args[position]
    return None


def test_every_action_the_app_writes_has_words():
    scan = Scan()
    written = scan.writes()
    assert not scan.unresolved, f"cannot tell which action these write: {scan.unresolved}"
    assert {"record.confirm_shredding", "hold.placed", "api.token_rotated", "export.public_filing", "schedule.created",
            "customercomplaint.updated", "breach.close", "schedule.minimum_lowering_rejected", "audit.verified",
            "auth.signed_out"} <= written, "the scan follows each way an action is written"
    missing = sorted(code for code in written if code not in ACTION_WORDS)
    assert not missing, f"actions without words: {missing}"
    assert set(SIGN_IN_ACTIONS) <= set(ACTION_WORDS)


def test_an_action_without_words_still_reads():
    assert action_words("hold.release") == "Hold: release"
    assert action_words("record.confirm_shredding") == "Confirmed shredding"


@pytest.mark.parametrize("action, payload, lines", [
    # An edit: each value [old, new]; a list of names on either side.
    ("record.updated", {"title": ["Old", "New"], "legal_minimums": [["47 CFR 64.2009"], []]},
     ["title: Old → New", "legal minimums: 47 CFR 64.2009 → (none)"]),
    ("breach.updated", {"systems": [["billing"], ["billing", "crm"]]}, ["systems: billing → billing, crm"]),
    # A list that is not a change stays a list.
    ("settings.roles_changed", {"change": "add", "groups": [3, 5]}, ["change: add", "groups: 3, 5"]),
    ("record.created", {"location": ["Room A", "Room B"]}, ["location: Room A, Room B"]),
    ("record.retention_extended", {"by": [3, "years"], "reason": "audit", "expiry": ["2026-01-01", "2029-01-01"]},
     ["by: 3 years", "reason: audit", "expiry: 2026-01-01 → 2029-01-01"]),
    # A step of a lifecycle: its status from → to.
    ("record.mark_for_shredding", {"from": "due", "to": "marked_for_shredding", "reason": ""},
     ["status: due → marked for shredding", "reason: (none)"]),
    ("record.corrected", {"before": {"medium": "paper", "custodian": "emma"}, "after": {"medium": "usb", "custodian": "emma"},
                          "reason": "typo"}, ["medium: paper → usb", "reason: typo"]),
    ("schedule.updated", {"changes": {"period_value": [2, 3]}, "records_moved": 4},
     ["period value: 2 → 3", "records moved: 4"]),
    ("optout.updated", {"changed": {"summary": ["a", "b"]}}, ["summary: a → b"]),
    ("export.audit_log", {"filters": {"actor": "emma", "sign_ins": "True"}},
     ["filters, actor: emma", "filters, sign ins: True"]),
    ("hold.placed", {"witness": None, "ok": True, "nested": {"deep": {"x": 1}}},
     ["witness: (none)", "ok: yes", "nested, deep, x: 1"]),
])
def test_details_read_as_changes_only_where_they_are(action, payload, lines):
    assert details_lines(payload, action) == lines


def test_sweep_events_link_to_the_sweep_page():
    assert object_url(AuditEvent(action="sweep.ran", object_type="sweep", object_id="retention")) == "/retention/sweep/"
    assert object_url(AuditEvent(action="label.checked", object_type="records.labelcheck", object_id="3")) is None

"""Two versions of a model side by side (issue 13 point 2): BPMN elements added, removed and
changed, compared by element id, with the properties that changed (before/after). The XML is
compared rather than the parsed specs (SpiffWorkflow.bpmn.util.diff.SpecDiff aligns specs for
migrating instances and says *that* a spec changed, not which property): what an administrator
edits is the XML, so that is what is listed. Diagram positions (DI) are ignored; DMN and other
non-BPMN files are compared whole."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from engine.definitions import xmlsafe

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SKIP = {"definitions", "extensionElements", "incoming", "outgoing", "laneSet", "flowNodeRef",
        "conditionExpression", "script", "timeDate", "timeDuration", "timeCycle", "documentation",
        "text", "multiInstanceLoopCharacteristics", "loopCardinality", "completionCondition",
        "standardLoopCharacteristics", "inputSet", "outputSet", "ioSpecification", "dataInput",
        "dataOutput", "dataInputRefs", "dataOutputRefs", "sourceRef", "targetRef", "loopDataInputRef",
        "loopDataOutputRef", "inputDataItem", "outputDataItem"}
_OWN_ATTRIBUTES = ("name", "calledElement", "default", "sourceRef", "targetRef", "attachedToRef", "cancelActivity",
                   "isExecutable", "messageRef", "signalRef", "errorRef", "escalationRef", "isInterrupting",
                   "gatewayDirection", "instantiate", "eventGatewayType", "isSequential", "triggeredByEvent")


@dataclass
class Element:
    id: str
    type: str  # the BPMN tag without namespace: userTask, exclusiveGateway…
    name: str
    file: str
    process: str | None
    properties: dict[str, str] = field(default_factory=dict)


@dataclass
class Change:
    property: str  # "name", "lane", "script", "condition", "property:formKey", "operator", "parameter:x"…
    before: str | None
    after: str | None


@dataclass
class Changed:
    before: Element
    after: Element
    changes: list[Change]


@dataclass
class Comparison:
    added: list[Element]
    removed: list[Element]
    changed: list[Changed]
    files_added: list[str]
    files_removed: list[str]
    files_changed: list[str]  # non-BPMN files (DMN) whose content differs

    @property
    def same(self) -> bool:
        return not (self.added or self.removed or self.changed or self.files_added or self.files_removed
                    or self.files_changed)


def compare(before: dict[str, str], after: dict[str, str]) -> Comparison:
    """Compare two file sets (name → XML text)."""
    old, new = _elements(before), _elements(after)
    changed = []
    for key in old.keys() & new.keys():
        diffs = [Change(p, old[key].properties.get(p), new[key].properties.get(p))
                 for p in sorted(old[key].properties.keys() | new[key].properties.keys())
                 if old[key].properties.get(p) != new[key].properties.get(p)]
        if old[key].type != new[key].type:
            diffs.insert(0, Change("type", old[key].type, new[key].type))
        if diffs:
            changed.append(Changed(old[key], new[key], diffs))
    order = _order(after) | _order(before)
    other_old, other_new = _others(before), _others(after)
    return Comparison(
        added=sorted((new[k] for k in new.keys() - old.keys()), key=lambda e: order.get(e.id, 0)),
        removed=sorted((old[k] for k in old.keys() - new.keys()), key=lambda e: order.get(e.id, 0)),
        changed=sorted(changed, key=lambda c: order.get(c.after.id, 0)),
        files_added=sorted(other_new.keys() - other_old.keys()),
        files_removed=sorted(other_old.keys() - other_new.keys()),
        files_changed=sorted(n for n in other_old.keys() & other_new.keys() if other_old[n] != other_new[n]))


def _roots(files: dict[str, str]) -> dict[str, etree._Element]:
    roots = {}
    for name, text in files.items():
        try:
            roots[name] = xmlsafe.parse(text.encode("utf-8"))
        except xmlsafe.UnsafeXml:
            continue
    return roots


def _others(files: dict[str, str]) -> dict[str, str]:
    return {n: t for n, t in files.items() if not n.endswith(".bpmn")}


def _order(files: dict[str, str]) -> dict[str, int]:
    return {el.get("id"): i for root in _roots({n: t for n, t in files.items() if n.endswith(".bpmn")}).values()
            for i, el in enumerate(root.iter(f"{{{BPMN}}}*")) if el.get("id")}


def _elements(files: dict[str, str]) -> dict[tuple[str, str], Element]:
    """(process id, element id) → element, for every BPMN element with an id outside the diagram."""
    found: dict[tuple[str, str], Element] = {}
    for name, root in _roots({n: t for n, t in files.items() if n.endswith(".bpmn")}).items():
        lanes = {ref.text.strip(): lane.get("name") or lane.get("id")
                 for lane in root.iter(f"{{{BPMN}}}lane") for ref in lane.iterfind(f"{{{BPMN}}}flowNodeRef")
                 if ref.text}
        for el in root.iter(f"{{{BPMN}}}*"):
            tag = etree.QName(el).localname
            if tag in SKIP or not el.get("id"):
                continue
            process = next((a.get("id") for a in el.iterancestors(f"{{{BPMN}}}process")), None)
            found[(process or "", el.get("id"))] = Element(el.get("id"), tag, el.get("name") or "", name, process,
                                                           _properties(el, lanes))
    return found


def _properties(el: etree._Element, lanes: dict[str, str]) -> dict[str, str]:
    props = {a: el.get(a) for a in _OWN_ATTRIBUTES if el.get(a) is not None}
    if el.get("id") in lanes:
        props["lane"] = lanes[el.get("id")]
    for child in el:
        local = etree.QName(child).localname if isinstance(child.tag, str) else ""
        if local == "script":
            props["script"] = _text(child)
        elif local == "conditionExpression":
            props["condition"] = _text(child)
        elif local in ("multiInstanceLoopCharacteristics", "standardLoopCharacteristics"):
            props["loop"] = local + ("(sequential)" if child.get("isSequential") == "true" else "")
            for part in child:
                if isinstance(part.tag, str):
                    props[f"loop:{etree.QName(part).localname}"] = _text(part) or (part.get("name") or "")
        elif local.endswith("EventDefinition"):
            props["event"] = local
            for part in child:
                if isinstance(part.tag, str):
                    props[f"event:{etree.QName(part).localname}"] = _text(part)
            for attr in ("messageRef", "signalRef", "errorRef", "escalationRef"):
                if child.get(attr):
                    props[f"event:{attr}"] = child.get(attr)
        elif local == "extensionElements":
            props.update(_extensions(child))
        elif local == "documentation":
            props["documentation"] = _text(child)
    return props


def _extensions(ext: etree._Element) -> dict[str, str]:
    """PerfFlow's and SpiffWorkflow's extensions: properties, the operator and its parameters,
    the decision, pre-/post-scripts, message payloads."""
    found: dict[str, str] = {}
    for child in ext.iter():
        if not isinstance(child.tag, str):
            continue
        local = etree.QName(child).localname
        if local == "property" and child.get("name"):
            found[f"property:{child.get('name')}"] = child.get("value") or _text(child)
        elif local == "serviceTaskOperator":
            found["operator"] = child.get("id") or ""
            if child.get("resultVariable"):
                found["resultVariable"] = child.get("resultVariable")
        elif local == "parameter" and child.get("id"):
            found[f"parameter:{child.get('id')}"] = child.get("value") or ""
        elif local in ("calledDecisionId", "preScript", "postScript", "messagePayload", "messageVariable",
                       "instructionsForEndUser"):
            found[local] = _text(child)
    return found


def _text(el: etree._Element) -> str:
    return "".join(el.itertext()).strip()


def as_json(c: Comparison) -> dict[str, Any]:
    def element(e: Element) -> dict[str, Any]:
        return {"id": e.id, "type": e.type, "name": e.name, "file": e.file, "process": e.process}

    return {"added": [element(e) for e in c.added], "removed": [element(e) for e in c.removed],
            "changed": [{**element(ch.after), "changes": [{"property": x.property, "before": x.before,
                                                           "after": x.after} for x in ch.changes]}
                        for ch in c.changed],
            "files_added": c.files_added, "files_removed": c.files_removed, "files_changed": c.files_changed}

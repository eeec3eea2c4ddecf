"""The models a new model starts from (issue 13 point 2): BPMN files with their diagrams under
workflows/templates/, never deployed themselves (engine.definitions.deploy.closure_files skips
the folder). A new model is a template with its process id and name replaced."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from engine.definitions import xmlsafe

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


@dataclass(frozen=True)
class Template:
    code: str  # the file's stem
    name: str  # the process name in the file (Chinese)
    description: str  # the comment at the top of the file


def available(folder: Path) -> list[Template]:
    found = []
    for path in sorted(folder.glob("*.bpmn")):
        root = xmlsafe.parse(path.read_bytes())
        process = root.find(f"{{{BPMN}}}process")
        comment = next((c.text.strip() for c in root.iterchildren(etree.Comment)), "")
        name = process.get("name") or path.stem
        # "模板：单级审批（项目单位填报 → 主管部门审核）。…" → "项目单位填报 → 主管部门审核"
        summary = comment.removeprefix("模板：").split("。")[0].removeprefix(name).strip("（）")
        found.append(Template(path.stem, name, summary))
    order = {"blank": 0}  # 空白流程 first, then the rest by file name
    return sorted(found, key=lambda t: (order.get(t.code, 1), t.code))


def instantiate(folder: Path, code: str, key: str, name: str) -> dict[str, str]:
    """The template's file as the new model `key` named `name`: {"<key>.bpmn": XML}."""
    if code not in {t.code for t in available(folder)}:
        raise KeyError(code)
    root = xmlsafe.parse((folder / f"{code}.bpmn").read_bytes())
    process = root.find(f"{{{BPMN}}}process")
    old = process.get("id")
    process.set("id", key)
    process.set("name", name)
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for attr in ("processRef", "bpmnElement"):
            if el.get(attr) == old:
                el.set(attr, key)
        if etree.QName(el).localname == "participant":
            el.set("name", name)
    for comment in list(root.iterchildren(etree.Comment)):
        root.remove(comment)
    root.set("id", f"defs_{key}")
    return {f"{key}.bpmn": etree.tostring(root, encoding="UTF-8", xml_declaration=True).decode("utf-8")}

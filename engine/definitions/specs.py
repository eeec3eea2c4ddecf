"""Parsing a deployed file set into Spiff specs, cached in memory per model version."""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import ServiceTaskParser

from engine.base.db import db
from engine.base.errors import DeploymentError, ElementError
from engine.base.models import ProcessModelVersion
from engine.definitions import event_starts, xmlsafe
from engine.definitions.decision_tables import EngineBusinessRuleTask, EngineBusinessRuleTaskParser, text_hash
from engine.definitions.service_tasks import EngineServiceTask

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DMN_NAMESPACES = (
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
)


@dataclass
class LoadedModel:
    key: str
    spec: Any
    subprocess_specs: dict[str, Any]
    forms: dict[str, Any]
    data_flow: str = "tasks"  # engine.definitions.taskdata: "tasks" (namespaced) or "flat" (versions from before)


def kind_of(root: etree._Element) -> str:
    ns = etree.QName(root).namespace or ""
    if ns == BPMN_NS:
        return "bpmn"
    if ns in DMN_NAMESPACES or "DMN" in ns:
        return "dmn"
    return "unknown"


class EngineParser(SpiffBpmnParser):
    """Spiff's parser, with service tasks that may run on the queue (engine.definitions.service_tasks)
    and business-rule tasks that evaluate the table version in force and record the decision
    (engine.definitions.decision_tables)."""

    OVERRIDE_PARSER_CLASSES = {**SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
                               full_tag("serviceTask"): (ServiceTaskParser, EngineServiceTask),
                               full_tag("businessRuleTask"): (EngineBusinessRuleTaskParser, EngineBusinessRuleTask)}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dmn_hashes: dict[str, str] = {}  # decision id -> sha256 of its file, as deployed


def build_parser(files: dict[str, bytes]) -> tuple[SpiffBpmnParser, dict[str, etree._Element]]:
    """Parse every file with the hardened parser and add it to a Spiff parser; collect every
    file's error before refusing, so an administrator sees them all at once."""
    parser = EngineParser(validator=VALIDATOR)
    errors: list[ElementError] = []
    roots: dict[str, etree._Element] = {}
    for name, content in sorted(files.items()):
        try:
            root = xmlsafe.parse(content)
        except xmlsafe.UnsafeXml as err:
            errors.append(ElementError(name, None, str(err)))
            continue
        kind = kind_of(root)
        try:
            if kind == "bpmn":
                parser.add_bpmn_xml(root, filename=name)
            elif kind == "dmn":
                parser.add_dmn_xml(root, filename=name)
                decision = root.find("{*}decision")
                if decision is not None:
                    parser.dmn_hashes[decision.get("id")] = text_hash(content)
            else:
                errors.append(ElementError(name, None, "既不是 BPMN 2.0 也不是 DMN 文件"))
                continue
        except ValidationException as err:
            errors.append(spiff_error(err, name))
            continue
        except Exception as err:  # noqa: BLE001  (any parser failure is the file's fault, never a 500)
            errors.append(ElementError(name, None, f"无法解析：{err}"))
            continue
        roots[name] = root
    if errors:
        raise DeploymentError(errors)
    return parser, roots


# SpiffWorkflow's parser speaks English; administrators read Chinese. The original follows.
_TRANSLATIONS = (
    (re.compile(r"A Service Task must have an operator"), "服务任务缺少处理器（spiffworkflow:serviceTaskOperator）"),
    (re.compile(r"Data Store with name (.+?) has no implementation", re.S), "数据存储“{0}”不受支持（没有实现）"),
    (re.compile(r"Exactly one start event is required in a SubWorkflow Task"), "子流程必须恰好有一个开始事件"),
    (re.compile(r"A multiinstance task must specify a cardinality or a loop input"), "多实例任务须指定实例数或输入集合"),
    (re.compile(r"The process '(.+?)' was not found"), "找不到被调用的流程“{0}”"),
    (re.compile(r"No DMN Diagram available with id \"(.+?)\""), "找不到决策表“{0}”"),
    (re.compile(r"Duplicate process ID: (\S+)"), "流程 id “{0}” 重复"),
    (re.compile(r"Process (\S+) is not executable"), "流程“{0}”不可执行（isExecutable 不是 true）"),
    (re.compile(r"Time Specification Error"), "定时器缺少有效的时间设置（timeDate、timeDuration 或 timeCycle）"),
    (re.compile(r"Multiple outgoing flows are not supported"), "该类元素只能有一条流出顺序流（分支请用网关）"),
    (re.compile(r"Non-default exclusive outgoing sequence flow without condition"),
     "排他网关的非默认流出顺序流缺少条件"),
    (re.compile(r"Cannot resolve dataOutputAssociation"), "数据输出关联指向的数据对象不存在"),
    (re.compile(r"Cannot resolve dataInputAssociation"), "数据输入关联引用的数据对象不存在"),
    (re.compile(r"No start event found"), "流程没有开始事件：请画一个开始事件并连到第一个环节"),
    (re.compile(r"exactly one of cardinality or loop input"), "多实例任务只能在实例数和输入集合中选一个"),
    (re.compile(r"A multiinstance task must specify a cardinality or a collection"), "多实例任务须指定实例数或输入集合"),
    (re.compile(r"A loopMaximum or loopCondition must be specified"), "循环任务须设置最大次数（loopMaximum）或循环条件"),
    (re.compile(r"Cancel Events may only be used with transactions"), "取消事件只能用在事务子流程里"),
    (re.compile(r'No "calledElement" attribute for Call Activity'), "调用活动没有指定被调用的流程（calledElement）"),
    (re.compile(r"The loop input data reference is missing"), "多实例任务的输入集合没有在数据输入中声明"),
    (re.compile(r"The loop output data reference is missing"), "多实例任务的输出集合没有在数据输出中声明"),
    (re.compile(r"A SubWorkflow Must contain an End event"), "子流程必须有结束事件"),
    (re.compile(r"Invalid Script Task\.\s+No Script Provided"), "脚本任务没有脚本：请填写脚本或改成普通任务"),
    (re.compile(r"Conditional event definition with missing condition"), "条件事件没有条件表达式"),
    (re.compile(r"(?:Message|Signal|Error|Escalation|Correlation|Data Store) identifier is missing"),
     "事件定义或数据存储缺少所引用元素的 id（messageRef、signalRef、errorRef 等）"),
    (re.compile(r"Could not find messageRef from message event definition: (\S+)"), "消息事件引用的消息“{0}”不存在"),
    (re.compile(r"Ad hoc subprocesses may not contain start or end events"), "自由子流程（ad hoc）里不能有开始或结束事件"),
    (re.compile(r"Sequential ordering for ad hoc subprocesses not supported"), "不支持顺序执行的自由子流程（ad hoc）"),
    (re.compile(r"There is no support implemented for this task type"), "不支持该类元素，请换成受支持的任务类型"),
    (re.compile(r"Multiple decision tables are not current supported"), "一个 DMN 决策只能有一张决策表"),
    (re.compile(r"No decisions found"), "DMN 文件里没有决策"),
    (re.compile(r"Element '[^']*?(\w+)', attribute '(\w+)': .*?not a valid value of the atomic type 'xs:ID'"),
     "元素 {0} 的属性 {1} 不是合法的 XML id（须以字母或下划线开头，不能有空格）"),
    (re.compile(r"^Element '[^']*?(\w+)'.*"), "元素 {0} 不符合 BPMN 2.0 的 XML 模式"),
)


def translate(message: str) -> str:
    for pattern, chinese in _TRANSLATIONS:
        match = pattern.search(message)
        if match:
            return f"{chinese.format(*(g.strip() for g in match.groups()))}（{message.strip()}）"
    return f"模型校验未通过：{message.strip()}"


def spiff_error(err: ValidationException, default_file: str | None = None) -> ElementError:
    message = translate(str(err))
    line = getattr(err, "line_number", "")
    if line:
        message = f"{message}（第 {line} 行）"
    return ElementError(getattr(err, "file_name", None) or default_file, getattr(err, "id", None) or None, message)


_cache: dict[str, LoadedModel] = {}
_lock = threading.Lock()


def load_by_id(version_id: Any) -> LoadedModel:
    """Versions are immutable: after the first load no query is needed for a version's specs."""
    loaded = _cache.get(str(version_id))
    if loaded is not None:
        return loaded
    return load(db.session.get(ProcessModelVersion, version_id))


def load(version: Any) -> LoadedModel:
    """The parsed specs of a model version, parsed once per process and version."""
    cache_key = str(version.id)
    loaded = _cache.get(cache_key)
    if loaded is not None:
        return loaded
    with _lock:
        loaded = _cache.get(cache_key)
        if loaded is None:
            files = {name: text.encode("utf-8") for name, text in version.files.items()}
            parser, _ = build_parser(files)
            spec = parser.get_spec(version.key)
            event_starts.share_safely(spec)
            loaded = LoadedModel(
                key=version.key,
                spec=spec,
                subprocess_specs=parser.get_subprocess_specs(version.key),
                forms=version.forms or {},
                data_flow=getattr(version, "data_flow", None) or "tasks",
            )
            _cache[cache_key] = loaded
    return loaded


def clear_cache() -> None:
    with _lock:
        _cache.clear()

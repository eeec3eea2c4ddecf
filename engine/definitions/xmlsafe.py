"""Hardened parsing of uploaded BPMN/DMN (notes/engineering.md §3.1): no DTD, no entities,
no network, no processing instructions, a size cap."""
from __future__ import annotations

import re

from lxml import etree

MAX_BYTES = 2 * 1024 * 1024
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class UnsafeXml(ValueError):
    pass


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
    )


def parse(content: bytes, max_bytes: int = MAX_BYTES) -> etree._Element:
    """Return the root element or raise UnsafeXml with a Chinese message."""
    if len(content) > max_bytes:
        raise UnsafeXml(f"文件超过大小上限 {max_bytes // 1024} KB")
    if _DOCTYPE.search(content):
        raise UnsafeXml("不允许包含 DOCTYPE 或实体声明（DTD/ENTITY）")
    try:
        root = etree.fromstring(content, _parser())
    except etree.XMLSyntaxError as err:
        raise UnsafeXml(f"XML 格式错误：{err}") from None
    if root is None:
        raise UnsafeXml("XML 文件为空")
    return root

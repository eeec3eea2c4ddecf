"""Hardened parsing of uploaded BPMN/DMN (notes/engineering.md §3.1): no DTD, no entities,
no network, no processing instructions, a size cap.

The DOCTYPE/ENTITY refusal is decided on the parsed document, not on the raw bytes: libxml2
reads the file in its declared or detected encoding (UTF-8, UTF-16 with or without BOM, UTF-7,
…) without loading or expanding anything, and a document type or an entity reference in the
result refuses the file whatever its encoding."""
from __future__ import annotations

from lxml import etree

MAX_BYTES = 2 * 1024 * 1024


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
    try:
        root = etree.fromstring(content, _parser())
    except etree.XMLSyntaxError as err:
        raise UnsafeXml(f"XML 格式错误（请使用 UTF-8 或带声明的 UTF-16 编码）：{err}") from None
    except (ValueError, LookupError) as err:  # an encoding libxml2 does not know
        raise UnsafeXml(f"无法读取的 XML 编码：{err}") from None
    if root is None:
        raise UnsafeXml("XML 文件为空")
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None \
            or any(isinstance(node, etree._Entity) for node in root.iter()):
        raise UnsafeXml("不允许包含 DOCTYPE 或实体声明（DTD/ENTITY）")
    return root


def as_utf8(content: bytes) -> bytes:
    """The file as UTF-8 bytes: unchanged when libxml2 read it as UTF-8, otherwise re-serialized
    from the safely parsed document (so a UTF-16 model deploys and is stored as text)."""
    root = parse(content, max_bytes=max(len(content), MAX_BYTES))
    encoding = (root.getroottree().docinfo.encoding or "UTF-8").upper().replace("_", "-")
    if encoding in ("UTF-8", "UTF8", "US-ASCII", "ASCII"):
        try:
            content.decode("utf-8")
            return content
        except UnicodeDecodeError:
            pass
    return etree.tostring(root.getroottree(), encoding="UTF-8", xml_declaration=True)

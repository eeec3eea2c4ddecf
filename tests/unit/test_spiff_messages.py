"""Parser messages reach administrators in Chinese, with the original kept for support."""
from engine.definitions.specs import translate


def test_known_messages_are_translated():
    assert translate("Data Store with name Bank System has no implementation. ").startswith("数据存储“Bank System”")
    assert translate("A Service Task must have an operator. ").startswith("服务任务缺少处理器")


def test_unknown_messages_get_a_chinese_frame():
    assert translate("Something odd").startswith("模型校验未通过：Something odd")

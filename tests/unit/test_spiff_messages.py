"""Parser messages reach administrators in Chinese, with the original kept for support."""
from engine.definitions.specs import translate


def test_known_messages_are_translated():
    assert translate("Data Store with name Bank System has no implementation. ").startswith("数据存储“Bank System”")
    assert translate("A Service Task must have an operator. ").startswith("服务任务缺少处理器")


def test_unknown_messages_get_a_chinese_frame():
    assert translate("Something odd").startswith("模型校验未通过：Something odd")


def test_every_validation_message_of_the_upstream_sweep_is_translated():
    """The refusals SpiffWorkflow's own invalid test models get (the upstream sweep) say in Chinese
    what to change, not only 模型校验未通过 with Spiff's English."""
    english = [
        "No start event found.",
        "A multiinstance task must specify exactly one of cardinality or loop input data reference.",
        "A loopMaximum or loopCondition must be specified for Loop Tasks.",
        "Cancel Events may only be used with transactions.",
        'No "calledElement" attribute for Call Activity..',
        "Element '{http://www.omg.org/spec/BPMN/20100524/MODEL}dataObjectReference', attribute 'id': "
        "'DataObjectReference_0cm8dnh' is not a valid value of the atomic type 'xs:ID'.",
        "The loop input data reference is missing from the IO specification",
        "Message identifier is missing from bpmn xml",
        "Invalid Script Task.  No Script Provided. ",
    ]
    for message in english:
        chinese = translate(message)
        assert not chinese.startswith("模型校验未通过"), chinese
        assert chinese.endswith(f"（{message.strip()}）"), chinese
    assert "dataObjectReference 的属性 id 不是合法的 XML id" in translate(english[5])

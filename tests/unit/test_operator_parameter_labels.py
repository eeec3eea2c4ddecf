"""Every parameter of every shipped service-task operator has a Chinese label where the operator is
registered (`hooks.service(params=…)`): the model editor's panel shows it instead of the code name
(docs/design.md "Model editor (issue 13)"). The failure lists what is missing, so none is forgotten."""
from __future__ import annotations

import inspect

import budget  # noqa: F401  (registers the operators)
from engine.base.hooks import REGISTRY


def _shipped() -> dict[str, inspect.Signature]:
    # other test modules register their own `test.*` operators in the same registry
    return {name: inspect.signature(fn) for name, fn in REGISTRY.services.items() if not name.startswith("test.")}


def _declared(signature: inspect.Signature) -> list[str]:
    params = list(signature.parameters.values())[1:]  # the first is the ServiceContext
    return [p.name for p in params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]


def test_every_operator_parameter_has_a_chinese_label():
    missing = [f"{name}: {param}" for name, signature in sorted(_shipped().items())
               for param in _declared(signature) if not REGISTRY.service_params.get(name, {}).get(param)]
    assert not missing, "operator parameters without a label (hooks.service(params=…)):\n" + "\n".join(missing)


def test_labels_name_only_parameters_the_operator_takes():
    """A label for a name the operator does not take is a typo, unless it reads extra ones (**kwargs)."""
    stray = []
    for name, signature in sorted(_shipped().items()):
        if any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values()):
            continue
        stray += [f"{name}: {param}" for param in REGISTRY.service_params.get(name, {})
                  if param not in _declared(signature)]
    assert not stray, stray


def test_labels_are_chinese():
    for name, labels in REGISTRY.service_params.items():
        for param, label in labels.items():
            assert label != param and any("\u4e00" <= ch <= "\u9fff" for ch in label), (name, param, label)

"""Form definitions and their compiler: YAML definitions → marshmallow validation (authoritative,
Chinese messages per dotted path), JSON Schema and a UI description. Imports nothing of ours."""
from forms.compiler import TaskForm, compile_task_form, prefill
from forms.definition import FormDefinitionError, load_definitions

__all__ = ["FormDefinitionError", "TaskForm", "compile_task_form", "load_definitions", "prefill"]

HANDLER_LABELS: dict[str, str] = {}

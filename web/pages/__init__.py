"""Server-rendered pages, Chinese first."""
from __future__ import annotations

from flask import Flask


def register_label_filters(app: Flask) -> None:
    """Names, not codes: `{{ t.process_key|process_name }}`, `{{ u|person }}`… (web/labels.py)."""
    from werkzeug.local import LocalProxy

    from web.labels import labels

    # globals, not context: macros imported without context (_form.html) use them too
    app.jinja_env.globals["L"] = LocalProxy(labels)
    app.jinja_env.globals["people_options"] = _people_options
    app.add_template_filter(lambda key: labels().process(key), "process_name")
    app.add_template_filter(lambda code: labels().role(code), "role_name")
    app.add_template_filter(lambda code: labels().org(code), "org_name")
    app.add_template_filter(lambda username: labels().person(username), "person")
    app.add_template_filter(lambda usernames: labels().people(usernames or []), "people")
    app.add_template_filter(lambda code, kind="instance": labels().status(code, kind), "status_name")


def _people_options(selected: object = ()) -> list[dict[str, str]]:
    """A person picker's options (web/people.py): `selected` is a username or a list of them."""
    from flask_login import current_user

    from web.people import picker_options

    chosen = [selected] if isinstance(selected, str) else [str(s) for s in (selected or [])]
    return picker_options(current_user, chosen)


def register_pages(app: Flask) -> None:
    # model_api, model_editor and model_versions add their routes to admin.bp (the model editor's contract names
    # blueprint `admin`), so they are imported before it is registered
    from web.pages import (  # noqa: F401
        admin,
        auth,
        budget_year,
        deputies,
        execution,
        holidays,
        inbox,
        instance_ops,
        instances,
        interventions,
        ledgers,
        mailbox,
        model_api,
        model_editor,
        model_migrations,
        model_versions,
        monitoring,
        monitoring_actions,
        notify_settings,
        people,
        queue_admin,
        rect_sources,
        rules,
        supervision,
        task_ops,
        tasks,
        treasury,
    )

    for module in (auth, inbox, tasks, task_ops, instances, instance_ops, interventions, mailbox, deputies, supervision,
                   admin, holidays, notify_settings, queue_admin, people, budget_year, execution, monitoring,
                   monitoring_actions, treasury, rect_sources, ledgers, rules, model_migrations):
        app.register_blueprint(module.bp)
    app.register_blueprint(supervision.projects_bp)

    from web.pages.guard import init_guard

    init_guard(app)

    from web.pages.errors import register_error_pages

    register_error_pages(app)

    from engine.base.paging import PER_PAGE_CHOICES
    from web.paging import page_url, window

    app.jinja_env.globals.update(page_url=page_url, page_window=window, per_page_choices=PER_PAGE_CHOICES)

    @app.template_filter("cst")
    def _cst(value: object, fmt: str = "%Y-%m-%d %H:%M") -> str:
        """Timestamps are stored in UTC and shown in 北京时间."""
        from datetime import datetime
        from zoneinfo import ZoneInfo

        if not isinstance(value, datetime):
            return "" if value is None else str(value)
        return value.astimezone(ZoneInfo("Asia/Shanghai")).strftime(fmt)

    register_label_filters(app)

    @app.context_processor
    def _globals() -> dict[str, object]:
        from flask_login import current_user

        from web.pages.display import DECISION_LABELS, PRIORITY_LABELS, event_note
        from web.pages.nav import nav_items

        found: dict[str, object] = {"decision_labels": DECISION_LABELS, "priority_labels": PRIORITY_LABELS,
                                    "event_note": event_note, "nav_items": [], "unread": 0}
        if current_user.is_authenticated:
            from web.pages.mailbox import unread_count

            found["nav_items"] = nav_items(current_user)
            found["unread"] = unread_count(current_user)
        return found

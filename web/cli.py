"""`flask perfflow …`: create the database, deploy models, load the demo data, run a worker."""
from __future__ import annotations

import os

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    @app.cli.group("perfflow")
    def group() -> None:
        """PerfFlow administration."""

    @group.command("init-db")
    def init_db() -> None:
        from web.setup import create_schema

        create_schema()
        click.echo("数据库已迁移到最新版本")

    @group.command("deploy")
    def deploy() -> None:
        from web.setup import deploy_shipped_models

        for line in deploy_shipped_models():
            click.echo(f"已部署 {line}")

    @group.command("holidays-load")
    @click.option("--jurisdiction", default=None, help="地区代码（默认为配置项 JURISDICTION）")
    @click.option("--replace", is_flag=True, help="覆盖随系统提供的年份中已有的日期")
    def holidays_load(jurisdiction: str | None, replace: bool) -> None:
        """载入随系统提供的法定节假日与调休上班日（engine/data/holidays_cn.yaml）。"""
        from web.setup import load_holidays

        click.echo(f"工作日历：{load_holidays(jurisdiction, replace=replace)}")

    @group.command("demo")
    @click.option("--password", default=lambda: os.environ.get("DEMO_PASSWORD", "perfflow"))
    def demo(password: str) -> None:
        from web.setup import load_demo_data

        click.echo(f"示例数据：{load_demo_data(password)}")

    @group.command("create-user")
    @click.argument("username")
    @click.argument("name")
    @click.option("--password", prompt=True, hide_input=True)
    @click.option("--role", "roles", multiple=True, help="ROLE:SCOPE_TYPE:SCOPE_ID, e.g. FIN_PERF:ALL:")
    def create_user(username: str, name: str, password: str, roles: tuple[str, ...]) -> None:
        from engine.base.db import db
        from engine.base.identity import RoleAssignment, User

        user = User(username=username, name=name)
        user.set_password(password)
        for spec in roles:
            role, scope_type, scope_id = (spec.split(":") + ["", ""])[:3]
            user.roles.append(RoleAssignment(role=role, scope_type=scope_type or "ALL", scope_id=scope_id or None))
        db.session.add(user)
        db.session.commit()
        click.echo(f"已创建用户 {username}")

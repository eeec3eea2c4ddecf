"""`make run`: embedded PostgreSQL and Redis when no URLs are given, migrate, deploy the
shipped models, load the demo data, serve on 127.0.0.1:$PORT with an RQ worker and the
scheduler beside it."""
from __future__ import annotations

import os
import subprocess
import sys

from web import config


def main() -> None:
    from web.embedded import ensure_services

    ensure_services(config.INSTANCE_DIR)
    from web import create_app
    from web.setup import create_schema, deploy_shipped_models, load_demo_data, load_holidays

    app = create_app()
    with app.app_context():
        create_schema()
        for line in deploy_shipped_models():
            print(f"已部署 {line}")
        print(f"工作日历：{load_holidays()}")
        print(f"示例数据：{load_demo_data(os.environ.get('DEMO_PASSWORD', 'perfflow'))}")
    helpers = [subprocess.Popen([sys.executable, "-m", f"web.{name}"], env=os.environ.copy())
               for name in ("worker", "scheduler")]
    port = int(os.environ.get("PORT", "5000"))
    print(f"PerfFlow 绩效流 已启动：http://127.0.0.1:{port}/  （示例用户密码见 README）")
    try:
        app.run(host="127.0.0.1", port=port, threaded=True, use_reloader=False)
    finally:
        for helper in helpers:
            helper.terminate()


if __name__ == "__main__":
    main()

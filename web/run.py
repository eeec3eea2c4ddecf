"""`make run`: embedded PostgreSQL and Redis when no URLs are given, migrate, deploy the
shipped models, load the demo data, serve on 127.0.0.1:$PORT with an RQ worker beside it."""
from __future__ import annotations

import os
import subprocess
import sys

from web import config


def main() -> None:
    from web.embedded import ensure_services

    ensure_services(config.INSTANCE_DIR)
    from web import create_app
    from web.setup import create_schema, deploy_shipped_models, load_demo_data

    app = create_app()
    with app.app_context():
        create_schema()
        for line in deploy_shipped_models():
            print(f"已部署 {line}")
        print(f"示例数据：{load_demo_data(os.environ.get('DEMO_PASSWORD', 'perfflow'))}")
    worker = subprocess.Popen([sys.executable, "-m", "web.worker"], env=os.environ.copy())
    port = int(os.environ.get("PORT", "5000"))
    print(f"PerfFlow 绩效流 已启动：http://127.0.0.1:{port}/  （示例用户密码见 README）")
    try:
        app.run(host="127.0.0.1", port=port, threaded=True, use_reloader=False)
    finally:
        worker.terminate()


if __name__ == "__main__":
    main()

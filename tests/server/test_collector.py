"""The collector is settled only in a process `wfmock serve` started: start-up's objects frozen, the thresholds
raised; an app built inside someone else's process leaves that process's collector as it was."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_served_process_freezes_start_up_and_collects_rarely() -> None:
    out = run("""
        import asyncio, gc
        from wfmock.app import Config
        from wfmock.server import Server, uvicorn_config

        async def main():
            server = Server(uvicorn_config(Config(), "127.0.0.1", 0))
            serving = asyncio.ensure_future(server.serve())
            while not server.started:
                await asyncio.sleep(0.01)
            print(gc.get_threshold(), gc.get_freeze_count() > 1000)
            server.should_exit = True
            await serving

        asyncio.run(main())
    """)
    from wfmock.collector import THRESHOLDS

    assert out == f"{THRESHOLDS} True"


def test_building_the_app_leaves_the_collector_alone() -> None:
    out = run("""
        import gc
        before = gc.get_threshold()
        from wfmock.app import Config, build_app
        build_app(Config())
        print(gc.get_threshold() == before, gc.get_freeze_count())
    """)
    assert out == "True 0"

import sys
from typing import Any


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """With -v, show how many generated cases each operation got, by response status."""
    module = sys.modules.get("tests.fuzz.test_openapi_fuzz")
    stats = getattr(module, "STATS", None)
    if not stats or terminalreporter.config.option.verbose < 1:
        return
    terminalreporter.section("schemathesis cases (operation, status: count)")
    for (operation, status), count in sorted(stats.items()):
        terminalreporter.write_line(f"{operation:45} {status}: {count}")
    terminalreporter.write_line(f"total: {sum(stats.values())} cases")

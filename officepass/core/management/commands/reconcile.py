from typing import Any

from django.core.management.base import BaseCommand, CommandError

from officepass.core.registry import all_breaches


class Command(BaseCommand):
    help = "Check every invariant (seats, ledger, stays); exit non-zero on any breach."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = all_breaches()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} invariant breach(es)")
        self.stdout.write("reconcile: all invariants hold")

"""Core runs every app's reconcile checks and worker tasks without importing the apps."""

from officepass.core import registry


def test_each_app_registers_its_reconcile_checks_with_core():
    assert set(registry.CHECKS) == {
        "seats",
        "stays",
        "refunds",
        "ledger",
        "postpaid",
        "lock_commands",
        "money_ledger",
        "money_documents",
        "money_numbering",
        "notifications",
        "settlement",
        "payments",
    }


def test_each_app_registers_its_worker_tasks_with_core():
    assert set(registry.TASKS) == {
        "forced_out",
        "lock_credentials",
        "lock_reliability_reports",
        "lock_commands_settled",
        "reminders",
        "pruned",
        "cycles",
        "login_failures_pruned",
        "company_invoices",
        "notices_found",
        "notices_sent",
        "settlement",
        "payment_webhooks",
        "payment_demo_renewals",
    }


def test_a_round_reports_a_count_for_every_registered_task(db):
    assert set(registry.tick()) == set(registry.TASKS)

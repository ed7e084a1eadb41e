"""The review core, without Qt: the decision log, honest verdicts and the review session."""

from banglahate_gui.review.log import (
    LogBusyError,
    LogEntry,
    LogReadOnlyError,
    LogSchemaError,
    ReviewLog,
    ReviewLogError,
    export_csv,
    export_decisions_csv,
    export_jsonl,
    sha256_bytes,
    sha256_file,
    sha256_text,
)
from banglahate_gui.review.session import Action, Filter, ReviewError, ReviewItem, ReviewSession
from banglahate_gui.review.verdict import Policy, PolicyError, TaskPolicy, Verdict, judge

__all__ = [
    "Action", "Filter", "LogBusyError", "LogEntry", "LogReadOnlyError", "LogSchemaError", "Policy", "PolicyError",
    "ReviewError", "ReviewItem", "ReviewLog", "ReviewLogError", "ReviewSession", "TaskPolicy", "Verdict",
    "export_csv", "export_decisions_csv", "export_jsonl", "judge", "sha256_bytes", "sha256_file", "sha256_text",
]

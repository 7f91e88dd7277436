"""Proxy evaluation: lm-eval on FineWeb's early-signal tasks from local task definitions, centred
accuracy (DCLM CORE style), and the leaderboard over every mix."""

from factory.evaluation.config import EvalConfig, EvalConfigError
from factory.evaluation.scores import TaskScore, aggregate, centred
from factory.evaluation.tasks import TASKS, PreparedTasks, prepare_tasks

__all__ = ["TASKS", "EvalConfig", "EvalConfigError", "PreparedTasks", "TaskScore", "aggregate", "centred", "prepare_tasks"]

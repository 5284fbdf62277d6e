"""The action server (rasa_sdk). Importing the package — as ``python -m rasa_sdk --actions actions`` does first —
masks personal data in every log record of the process, runs every action within its turn's
time budget (``actions/common/budget.py``) and checks the configuration."""

from actions.common import budget
from actions.common.pii import install_log_masking
from actions.config import check_environment

install_log_masking()
budget.install()
check_environment()

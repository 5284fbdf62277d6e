"""``python -m bot.rasa_server run …``: ``rasa run`` with the action-response schema checked once.

Rasa 3.6 validates every response of the action server with ``jsonschema.validate(result,
schema)``, and ``jsonschema.validate`` first checks the *schema* against the JSON Schema
2020-12 meta-schema — on every call, although Rasa's schema is a constant. Under 8 concurrent
guide conversations py-spy found 52 % of the Rasa process's samples in
``RemoteAction._validate_action_result``, 49 % in ``check_schema`` alone (``make bench-profile``).

Here the schema is checked once at start and every response is validated with the compiled
validator: the same responses pass, the same first error is raised (``best_match``, as
``jsonschema.validate`` does). Everything else is ``rasa`` itself.
"""

from __future__ import annotations

import sys
from typing import Any, Dict

from jsonschema import exceptions, validators


def install() -> None:
    """Replace ``RemoteAction._validate_action_result`` with a validator compiled once."""
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)  # once, at start
    validator = validator_class(schema)

    def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
        error = exceptions.best_match(validator.iter_errors(result))
        if error is not None:
            error.message += (
                f". The action server's response does not follow the format Rasa expects, "
                f"see {DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True

    RemoteAction._validate_action_result = _validate_action_result


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()

"""The appeal ticket (诉求链) workflow: numbering, time limits, the state machine.

- ``states``: states, actions and roles, their Chinese labels, and the transition table;
- ``errors``: the errors a request can get, each with its HTTP status;
- ``deadlines``: time limits in working days, and whether a ticket is overdue;
- ``access``: ticket numbers, who acts (:class:`~app.services.tickets.access.Principal`) and what they may see,
  the public lookup by number or 查询码;
- ``creation``: filing a ticket, idempotent per caller and key;
- ``transitions``: applying one action, audited in ``ticket_events``;
- ``queues``: the lists agents and departments work from.

Classification of an appeal is ``app.services.classifier``.
"""

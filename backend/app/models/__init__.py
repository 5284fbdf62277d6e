from app.models.base import Base
from app.models.delivery import DeadLetter, OutboxEntry
from app.models.knowledge import Bundle, Department, Industry, KnowledgeVersion, Material, Matter, Stage
from app.models.policies import Policy
from app.models.ratings import Rating
from app.models.tickets import Ticket, TicketCounter, TicketEvent

__all__ = ["Base", "Bundle", "Department", "Industry", "KnowledgeVersion", "Material", "Matter", "Stage"]
__all__ += ["Ticket", "TicketCounter", "TicketEvent"]
__all__ += ["Policy", "DeadLetter", "OutboxEntry"]
__all__ += ["Rating"]
from app.models.console import AssistLine, ConsoleSession  # noqa: E402

__all__ += ["AssistLine", "ConsoleSession"]

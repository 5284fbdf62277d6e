from app.models.base import Base
from app.models.knowledge import Bundle, Department, Industry, KnowledgeVersion, Material, Matter, Stage
from app.models.policies import Policy
from app.models.ratings import Rating
from app.models.tickets import Ticket, TicketCounter, TicketEvent, TicketLookupFailure

__all__ = ["Base", "Bundle", "Department", "Industry", "KnowledgeVersion", "Material", "Matter", "Stage"]
__all__ += ["Ticket", "TicketCounter", "TicketEvent", "TicketLookupFailure"]
__all__ += ["Policy"]
__all__ += ["Rating"]

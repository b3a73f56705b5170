"""SQLAlchemy tables, one module per area. Importing this package registers every table."""
from models.base import Base
from models.office import Office, Section
from models.user import User, UserSession
from models.setting import Setting
from models.audit import AuditLog

__all__ = ["Base", "Office", "Section", "User", "UserSession", "Setting", "AuditLog"]

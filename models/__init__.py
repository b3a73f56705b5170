"""SQLAlchemy tables, one module per area. Importing this package registers every table."""
from models.base import Base
from models.office import Office, Section
from models.user import User, UserSession
from models.setting import Setting
from models.audit import AuditLog
from models.party import Handler, ServiceUser, ServiceUserLink
from models.application import (Application, ApplicationCommodity, Bill, Certificate, CertificateForm, Commodity,
                                QuarantineAction, StageEvent)
from models.sync import SyncCursor, SyncRequest, SyncRun

__all__ = ["Base", "Office", "Section", "User", "UserSession", "Setting", "AuditLog", "Handler", "ServiceUser",
           "ServiceUserLink", "Application", "ApplicationCommodity", "Bill", "Certificate", "CertificateForm",
           "Commodity", "QuarantineAction", "StageEvent", "SyncCursor", "SyncRequest", "SyncRun"]

"""SQLAlchemy tables, one module per area. Importing this package registers every table."""
from models.base import Base
from models.office import Office, Section
from models.user import LoginFailure, User, UserSession
from models.setting import Setting
from models.audit import AuditLog
from models.company import Company, CompanyLinkChange
from models.party import Handler, ServiceUser, ServiceUserLink
from models.application import (Application, ApplicationCommodity, Bill, Certificate, CertificateForm, Commodity,
                                QuarantineAction, StageEvent)
from models.sync import SourceLookup, SyncCursor, SyncRequest, SyncRun, SyncSetAside
from models.service_portal import (AccessToken, CorrectionRequest, NotificationOutbox, NotificationPreference,
                                   PushDelivery, PushSubscription, SurveyInvitation, SurveyResponse)
from models.nnc import AttachmentBlob, Nnc, NncAttachment, NncStatusChange
from models.complaint import Complaint, ComplaintAttachment, ComplaintEvent

__all__ = ["Base", "Office", "Section", "Company", "CompanyLinkChange", "User", "UserSession", "LoginFailure", "Setting", "AuditLog", "Handler", "ServiceUser",
           "ServiceUserLink", "Application", "ApplicationCommodity", "Bill", "Certificate", "CertificateForm",
           "Commodity", "QuarantineAction", "StageEvent", "SourceLookup", "SyncCursor", "SyncRequest", "SyncRun", "SyncSetAside"]
__all__ += ["AccessToken", "CorrectionRequest", "NotificationOutbox", "NotificationPreference", "PushDelivery",
            "PushSubscription", "SurveyInvitation", "SurveyResponse"]
__all__ += ["AttachmentBlob", "Nnc", "NncAttachment", "NncStatusChange"]
__all__ += ["Complaint", "ComplaintAttachment", "ComplaintEvent"]
from models.calendar import OfficeCalendarDay  # noqa: E402

__all__ += ["OfficeCalendarDay"]
from models.compliance import (ComplianceMonthly, ComplianceNationalRun, ComplianceNationalScore,  # noqa: E402
                               ComplianceScore, ComplianceSettingsVersion, ComplianceStreak, ComplianceTierHistory,
                               GuidanceRecord)

__all__ += ["ComplianceMonthly", "ComplianceNationalRun", "ComplianceNationalScore", "ComplianceScore",
            "ComplianceSettingsVersion", "ComplianceStreak",
            "ComplianceTierHistory", "GuidanceRecord"]
from models.kpi import IkmFollowUpPlan, KpiApplicationTime, KpiDaily, KpiDailyFact  # noqa: E402

__all__ += ["IkmFollowUpPlan", "KpiApplicationTime", "KpiDaily", "KpiDailyFact"]
from models.data_version import DataVersion  # noqa: E402

__all__ += ["DataVersion"]
from models.targeting import (TargetingDecision, TargetingKey, TargetingPending,  # noqa: E402
                              TargetingSettingsVersion)

__all__ += ["TargetingDecision", "TargetingKey", "TargetingPending", "TargetingSettingsVersion"]

"""One company across offices (issue #19): matching records by NPWP, reading a company's records, and the admin's
merge/split with its history. Importing the package registers the ORM hook that gives every service user written
through a session its company (matching.py)."""
from portal.services.companies.links import (LinkChange, history, move_record, pick_companies, search_companies,
                                             split_record, undo_change)
from portal.services.companies.matching import assign_companies, link_new_service_users
from portal.services.companies.reading import CompanyRecord, company_of, company_summary, records_of

__all__ = ["LinkChange", "history", "move_record", "pick_companies", "search_companies", "split_record", "undo_change",
           "assign_companies", "link_new_service_users", "CompanyRecord", "company_of", "company_summary",
           "records_of"]

"""Domain services: plain values and a session in, plain values out."""

# Every service user written through a session gets its company by NPWP as it is inserted (an ORM hook): any code
# that writes through the services has it registered.
from portal.services.companies import matching as _company_matching  # noqa: E402,F401

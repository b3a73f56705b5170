"""The demo set-up `qcorner demo` and `make run` build: accounts, synced data, NNCs, complaints."""

# Days of simulated IQFast history: at 110 the forwarder account's company (the station's busiest, picked by
# service_portal._pick_company) has over 5,000 applications, the size the busiest forwarders reach (issue #14).
DEMO_DAYS = 110

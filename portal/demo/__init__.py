"""The demo set-up `qcorner demo` and `make run` build: accounts, synced data, NNCs, complaints."""

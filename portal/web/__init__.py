"""The plain Flask routes: login, public complaint form, survey and account links, downloads, uploads."""

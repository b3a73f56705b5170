"""Page layouts: functions that return Dash components. They read nothing from the database."""

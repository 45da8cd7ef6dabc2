"""What analysts and communication staff read: the weekly report and the press bulletin.

Everything here reads the *published* warehouse read-only and writes under
`JORNADAS_HOME/reports/`; nothing here ever opens the build database.
"""

-- The verdict of every unit report version (rejected, conflict, duplicate, in_force,
-- superseded); the rules are in the macro report_verdicts.
{{ report_verdicts(ref('int_unit_reports')) }}

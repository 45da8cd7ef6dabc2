-- The verdict of every goals report version (rejected, conflict, duplicate, in_force,
-- superseded); the same rules as unit reports (macro report_verdicts).
{{ report_verdicts(ref('int_goal_reports')) }}

-- The unit-report files this build carries through validation, verdicts and facts: every file
-- read on a full build; otherwise those not yet marked done in int_unit_report_files_built
-- (which the previous build wrote last, so a build that failed halfway is simply redone).

{{ files_to_build('unit_report', files_already_built('unit_report')) }}

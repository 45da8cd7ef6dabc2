-- The goal files this build carries through validation, verdicts and facts: every file read on
-- a full build; otherwise those not yet marked done in int_goal_files_built (which the previous
-- build wrote last, so a build that failed halfway is simply redone).

{{ files_to_build('goal', files_already_built('goal')) }}

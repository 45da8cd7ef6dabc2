-- The practical limit: the warehouse's ingest, validation and transformation as one plain
-- DuckDB script, with no orchestration, no quality suites, no publish copy and no reports.
--
-- Run it through `python -m bench.plain_duckdb --raw DIR --out FILE` (the runner sets the
-- variables below, loads XLSX sheets with openpyxl and skips the statements whose input is
-- absent, since DuckDB fails on a glob that matches nothing). Variables:
--   raw_dir             the landing folder (unit_reports/, goals/)
--   seeds_dir           dbt/seeds
--   synthetic_calendar  true to add jornadas_synthetic.csv to the calendar (national-year)
--
-- Statements are separated by `-- step: NAME [when: INPUT]`; the runner times each one.
-- The rules are those of shared/contracts/raw_unit_reports.md and docs/ARCHITECTURE.md.

-- step: settings
set TimeZone = 'America/Mexico_City';

-- step: seeds
create or replace table seed_units as
select
    unit_id,
    unit_name,
    unit_type,
    level_of_care,
    nullif(trim(ooad_id), '') as ooad_id,
    nullif(trim(umae_number), '') as umae_number
from read_csv(getvariable('seeds_dir') || '/units.csv', header = true, all_varchar = true);

create or replace table seed_ooad as
select ooad_id, ooad_name, state_name
from read_csv(getvariable('seeds_dir') || '/ooad.csv', header = true, all_varchar = true);

create or replace table seed_activities as
select activity, lower(requires_specialty) in ('true', 't', '1', 'yes') as requires_specialty
from read_csv(getvariable('seeds_dir') || '/activities.csv', header = true, all_varchar = true);

create or replace table seed_specialties as
select specialty
from read_csv(getvariable('seeds_dir') || '/specialties.csv', header = true, all_varchar = true);

create or replace table seed_jornadas as
select jornada_id, start_date::date as start_date, end_date::date as end_date
from read_csv(getvariable('seeds_dir') || '/jornadas.csv', header = true, all_varchar = true);

-- step: synthetic_calendar when: synthetic
insert into seed_jornadas
select jornada_id, start_date::date, end_date::date
from read_csv(
    getvariable('seeds_dir') || '/jornadas_synthetic.csv', header = true, all_varchar = true
);

-- step: file_ledger_init
-- One row per distinct file content: the same bytes under two names are one delivery.
create or replace table raw_file_sightings (
    file_hash varchar, path varchar, kind varchar, format varchar, size_bytes bigint,
    encoding varchar, header varchar
);

-- step: hash_unit_reports when: unit_reports
insert into raw_file_sightings
select
    sha256(content),
    filename,
    'unit_report',
    lower(regexp_extract(filename, '\.([^./]+)$', 1)),
    size,
    -- UTF-8 (with or without BOM), else Latin-1; a UTF-16 BOM is an unreadable encoding.
    case
        when content[1:2]::varchar in ('\xFF\xFE', '\xFE\xFF') then null
        when try(decode(content)) is null then 'latin-1'
        when content[1:3]::varchar = '\xEF\xBB\xBF' then 'utf-8-sig'
        else 'utf-8'
    end,
    -- The header line, to check required columns and record extra ones (CSV only). A BLOB
    -- casts to text with bytes escaped (\x0A), which cannot fail on a bad encoding.
    case when filename ilike '%.csv' then split_part(content[1:4096]::varchar, '\x0A', 1) end
from read_blob(getvariable('raw_dir') || '/unit_reports/**/*');

-- step: hash_goals when: goals
insert into raw_file_sightings
select
    sha256(content),
    filename,
    'goal',
    'csv',
    size,
    -- UTF-8 (with or without BOM), else Latin-1; a UTF-16 BOM is an unreadable encoding.
    case
        when content[1:2]::varchar in ('\xFF\xFE', '\xFE\xFF') then null
        when try(decode(content)) is null then 'latin-1'
        when content[1:3]::varchar = '\xEF\xBB\xBF' then 'utf-8-sig'
        else 'utf-8'
    end,
    split_part(content[1:4096]::varchar, '\x0A', 1)
from read_blob(getvariable('raw_dir') || '/goals/**/*.csv');

-- step: files
create or replace table raw_files as
with first_sighting as (
    select *, row_number() over (partition by file_hash order by path) as sighting_no
    from raw_file_sightings
),

distinct_files as (
    select
        * exclude (sighting_no, header),
        string_split(
            replace(replace(replace(lower(header), '\x0d', ''), '\xef\xbb\xbf', ''), '"', ''), ','
        ) as header_columns
    from first_sighting
    where sighting_no = 1
)

select
    *,
    case
        when size_bytes = 0 then 'empty_file'
        when encoding is null then 'unreadable_encoding'
        when format not in ('csv', 'json', 'xlsx') then 'unsupported_format'
        when
            format = 'csv' and kind = 'unit_report'
            and not list_has_all(
                header_columns,
                ['unit_id', 'jornada_id', 'service_date', 'activity', 'specialty', 'quantity',
                    'submitted_at']
            )
            then 'missing_required_column'
        when
            format = 'csv' and kind = 'goal'
            and not list_has_all(
                header_columns,
                ['unit_id', 'jornada_id', 'activity', 'specialty', 'target', 'submitted_at']
            )
            then 'missing_required_column'
    end as reject_reason
from distinct_files;

-- step: raw_lines_init
create or replace table raw_unit_report_lines (
    path varchar, line_no bigint, report_no bigint, unit_id varchar, jornada_id varchar,
    service_date varchar, activity varchar, specialty varchar, quantity varchar,
    submitted_at varchar
);

-- step: csv_scan_init
create or replace temp table csv_scan (
    path varchar, scan_order bigint, unit_id varchar, jornada_id varchar,
    service_date varchar, activity varchar, specialty varchar, quantity varchar,
    submitted_at varchar
);

-- step: read_csv_reports when: csv each: csv_header
-- Column order is free, so files are read in groups that share one header ($columns, from
-- raw_files) and one encoding, with the sniffer off. A multi-file scan keeps file order and line order, so
-- a row's line number is its position after its file's first row (the header is line 1; this
-- contract's values hold no line breaks).
insert into csv_scan
select
    filename,
    row_number() over (),
    unit_id,
    jornada_id,
    service_date,
    activity,
    specialty,
    quantity,
    submitted_at
from read_csv(
    $files,
    header = true, auto_detect = false, columns = $columns, delim = ',', quote = '"',
    encoding = $encoding, filename = true, hive_partitioning = false
);

-- step: csv_line_numbers when: csv
insert into raw_unit_report_lines by name
with first_rows as (
    select path, min(scan_order) as first_scan_order from csv_scan group by path
)

select
    s.* exclude (scan_order),
    s.scan_order - f.first_scan_order + 2 as line_no
from csv_scan as s
inner join first_rows as f on s.path = f.path;

drop table csv_scan;

-- step: read_xlsx_reports when: xlsx
-- The runner reads the `report` sheets with openpyxl into `xlsx_lines` just before this step.
insert into raw_unit_report_lines by name
select * from xlsx_lines;

-- step: read_json_reports when: json each: json_files
-- One report object or an array of them per file; every value is kept as its JSON text.
insert into raw_unit_report_lines by name
with documents as (
    select filename, content::json as document
    from read_text($files)
),

reports as (
    select
        filename,
        case
            when json_type(document) = 'ARRAY' then from_json(document, '["JSON"]')
            else [document]
        end as report_list
    from documents
),

report_rows as (
    select
        filename,
        unnest(report_list) as report,
        unnest(range(1, len(report_list) + 1)) as report_no
    from reports
),

line_lists as (
    select
        filename,
        report_no,
        report ->> 'unit_id' as unit_id,
        report ->> 'jornada_id' as jornada_id,
        report ->> 'submitted_at' as submitted_at,
        from_json(report -> 'lines', '["JSON"]') as line_list
    from report_rows
),

line_rows as (
    select
        filename,
        report_no,
        unit_id,
        jornada_id,
        submitted_at,
        unnest(line_list) as line,
        unnest(range(1, len(line_list) + 1)) as position_in_report
    from line_lists
)

select
    filename as path,
    row_number() over (partition by filename order by report_no, position_in_report) as line_no,
    report_no,
    unit_id,
    jornada_id,
    line ->> 'service_date' as service_date,
    line ->> 'activity' as activity,
    line ->> 'specialty' as specialty,
    line ->> 'quantity' as quantity,
    submitted_at
from line_rows;

-- step: raw_goal_lines_init
create or replace table raw_goal_lines (
    path varchar, line_no bigint, unit_id varchar, jornada_id varchar, activity varchar,
    specialty varchar, target varchar, submitted_at varchar
);

-- step: goal_scan_init
create or replace temp table goal_scan (
    path varchar, scan_order bigint, unit_id varchar, jornada_id varchar, activity varchar,
    specialty varchar, target varchar, submitted_at varchar
);

-- step: read_goals when: goals each: goal_header
insert into goal_scan
select
    filename,
    row_number() over (),
    unit_id,
    jornada_id,
    activity,
    specialty,
    target,
    submitted_at
from read_csv(
    $files,
    header = true, auto_detect = false, columns = $columns, delim = ',', quote = '"',
    encoding = $encoding, filename = true, hive_partitioning = false
);

-- step: goal_line_numbers when: goals
insert into raw_goal_lines by name
with first_rows as (
    select path, min(scan_order) as first_scan_order from goal_scan group by path
)

select
    s.* exclude (scan_order),
    s.scan_order - f.first_scan_order + 2 as line_no
from goal_scan as s
inner join first_rows as f on s.path = f.path;

drop table goal_scan;

-- step: staged_lines
-- Keep only the first sighting of each content (re-deliveries are one delivery), trim,
-- and cast with try_cast beside the raw text, as staging does.
create or replace table staged_lines as
select
    f.file_hash,
    l.line_no,
    l.report_no,
    nullif(trim(l.unit_id), '') as unit_id,
    nullif(trim(l.jornada_id), '') as jornada_id,
    nullif(trim(l.service_date), '') as service_date_text,
    nullif(trim(l.activity), '') as activity,
    nullif(trim(l.specialty), '') as specialty,
    nullif(trim(l.quantity), '') as quantity_text,
    nullif(trim(l.submitted_at), '') as submitted_at_text,
    case
        when regexp_full_match(trim(l.service_date), '\d{4}-\d{2}-\d{2}')
            then try_cast(trim(l.service_date) as date)
    end as service_date,
    try_cast(trim(l.quantity) as double) as quantity_number,
    case
        when regexp_full_match(
            trim(l.submitted_at),
            '\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)'
        ) then try_cast(trim(l.submitted_at) as timestamptz)
    end as submitted_at
from raw_unit_report_lines as l
inner join raw_files as f on l.path = f.path
where f.reject_reason is null;

-- step: line_checks
create or replace table line_checks as
-- A line repeats an earlier one of its report when it shares the report's key and the date,
-- activity and specialty. One 64-bit hash per line grouped first finds the few keys that can
-- repeat; only their lines are numbered. A window over every line made this step 28 s at
-- national-year, 9 s this way (the project's line checks do the same, macros/validation.sql).
with repeated_hashes as (
    select
        hash(
            file_hash, report_no, unit_id, jornada_id, submitted_at_text,
            service_date_text, activity, specialty
        ) as h
    from staged_lines
    group by h
    having count(*) > 1
),

repeats as (
    select file_hash, line_no from (
        select
            file_hash,
            line_no,
            row_number() over (
                partition by
                    file_hash, report_no, unit_id, jornada_id, submitted_at_text,
                    service_date_text, activity, specialty
                order by line_no
            ) as occurrence
        from staged_lines
        where
            hash(
                file_hash, report_no, unit_id, jornada_id, submitted_at_text,
                service_date_text, activity, specialty
            ) in (select h from repeated_hashes)
    )
    where occurrence > 1
),

looked_up as (
    select
        l.*,
        u.unit_id is not null as unit_known,
        j.jornada_id is not null as jornada_known,
        j.start_date,
        j.end_date,
        a.activity is not null as activity_known,
        a.requires_specialty,
        s.specialty is not null as specialty_known,
        r.line_no is not null as is_repeat
    from staged_lines as l
    left join repeats as r on l.file_hash = r.file_hash and l.line_no = r.line_no
    left join seed_units as u on l.unit_id = u.unit_id
    left join seed_jornadas as j on l.jornada_id = j.jornada_id
    left join seed_activities as a on l.activity = a.activity
    left join seed_specialties as s on l.specialty = s.specialty
),

failures as (
    select
        file_hash,
        line_no,
        unnest([
            case when unit_id is null then {'c': 'unit_id', 'r': 'missing_value'} end,
            case when jornada_id is null then {'c': 'jornada_id', 'r': 'missing_value'} end,
            case when service_date_text is null then {'c': 'service_date', 'r': 'missing_value'} end,
            case when activity is null then {'c': 'activity', 'r': 'missing_value'} end,
            case when quantity_text is null then {'c': 'quantity', 'r': 'missing_value'} end,
            case when submitted_at_text is null then {'c': 'submitted_at', 'r': 'missing_value'} end,
            case when unit_id is not null and not unit_known
                then {'c': 'unit_id', 'r': 'unknown_unit'} end,
            case when jornada_id is not null and not jornada_known
                then {'c': 'jornada_id', 'r': 'unknown_jornada'} end,
            case when activity is not null and not activity_known
                then {'c': 'activity', 'r': 'unknown_activity'} end,
            case when specialty is not null and not specialty_known
                then {'c': 'specialty', 'r': 'unknown_specialty'} end,
            case when specialty is not null and activity_known and not requires_specialty
                then {'c': 'specialty', 'r': 'specialty_not_allowed'} end,
            case when specialty is null and activity_known and requires_specialty
                then {'c': 'specialty', 'r': 'specialty_required'} end,
            case when service_date_text is not null and service_date is null
                then {'c': 'service_date', 'r': 'invalid_date'} end,
            case when service_date not between start_date and end_date
                then {'c': 'service_date', 'r': 'date_outside_jornada'} end,
            case when quantity_text is not null and quantity_number is null
                then {'c': 'quantity', 'r': 'invalid_quantity'} end,
            case when quantity_number <> floor(quantity_number)
                then {'c': 'quantity', 'r': 'fractional_quantity'} end,
            case when quantity_number < 0
                then {'c': 'quantity', 'r': 'negative_quantity'} end,
            case when submitted_at_text is not null and submitted_at is null
                then {'c': 'submitted_at', 'r': 'invalid_timestamp'} end,
            case when is_repeat then {'c': 'activity', 'r': 'duplicate_line'} end
        ]) as failure
    from looked_up
)

select file_hash, line_no, failure.c as column_name, failure.r as reason_code
from failures
where failure is not null;

-- step: reports
-- A report is the set of lines with one (file, report_no, unit, jornada, submitted_at); its
-- content fingerprint is order-free so that a re-delivery in another file is recognised.
create or replace table reports as
with invalid_lines as (
    select distinct file_hash, line_no from line_checks
),

report_summaries as (
    select
        l.file_hash,
        l.report_no,
        l.unit_id,
        l.jornada_id,
        l.submitted_at_text,
        any_value(l.submitted_at) as submitted_at,
        count(*) as lines,
        count(i.line_no) as invalid_lines,
        sum(hash(l.service_date, l.activity, l.specialty, l.quantity_number)::hugeint)
            as fingerprint
    from staged_lines as l
    left join invalid_lines as i on l.file_hash = i.file_hash and l.line_no = i.line_no
    group by all
),

valid_reports as (
    select
        *,
        -- The first delivery of a content is the report; later identical ones are duplicates.
        row_number() over (
            partition by unit_id, jornada_id, submitted_at, fingerprint, lines
            order by file_hash, report_no
        ) as delivery_no,
        count(distinct (fingerprint, lines)) over (
            partition by unit_id, jornada_id, submitted_at
        ) as contents_at_same_time
    from report_summaries
    where invalid_lines = 0
),

versions as (
    select
        *,
        row_number() over (
            partition by unit_id, jornada_id order by submitted_at desc
        ) as recency
    from valid_reports
    where contents_at_same_time = 1 and delivery_no = 1
)

select
    file_hash, report_no, unit_id, jornada_id, submitted_at_text, submitted_at, lines,
    'rejected' as verdict
from report_summaries
where invalid_lines > 0
union all
select
    file_hash, report_no, unit_id, jornada_id, submitted_at_text, submitted_at, lines,
    'conflict'
from valid_reports
where contents_at_same_time > 1
union all
select
    file_hash, report_no, unit_id, jornada_id, submitted_at_text, submitted_at, lines,
    'duplicate'
from valid_reports
where contents_at_same_time = 1 and delivery_no > 1
union all
select
    file_hash, report_no, unit_id, jornada_id, submitted_at_text, submitted_at, lines,
    case when recency = 1 then 'in_force' else 'superseded' end
from versions;

-- step: fct_activities
create or replace table fct_activities as
select
    l.unit_id,
    u.ooad_id,
    l.jornada_id,
    l.service_date,
    l.activity,
    l.specialty,
    l.quantity_number::bigint as quantity,
    r.submitted_at,
    l.file_hash,
    l.line_no
from staged_lines as l
left join seed_units as u on l.unit_id = u.unit_id
inner join reports as r
    on
        l.file_hash = r.file_hash
        and l.report_no is not distinct from r.report_no
        and l.unit_id = r.unit_id
        and l.jornada_id = r.jornada_id
        and l.submitted_at_text = r.submitted_at_text
where r.verdict = 'in_force';

-- step: goals
-- Goals follow the same rules without a service date; the latest valid version is in force.
create or replace table fct_goals as
with staged as (
    select
        f.file_hash,
        g.line_no,
        nullif(trim(g.unit_id), '') as unit_id,
        nullif(trim(g.jornada_id), '') as jornada_id,
        nullif(trim(g.activity), '') as activity,
        nullif(trim(g.specialty), '') as specialty,
        try_cast(trim(g.target) as double) as target,
        nullif(trim(g.submitted_at), '') as submitted_at_text,
        case
            when regexp_full_match(
                trim(g.submitted_at),
                '\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)'
            ) then try_cast(trim(g.submitted_at) as timestamptz)
        end as submitted_at
    from raw_goal_lines as g
    inner join raw_files as f on g.path = f.path
    where f.reject_reason is null
),

checked as (
    select
        g.*,
        u.unit_id is not null
        and j.jornada_id is not null
        and a.activity is not null
        and g.submitted_at is not null
        and g.target >= 0 and g.target = floor(g.target)
        and (g.specialty is null or s.specialty is not null)
        and (g.specialty is not null) = a.requires_specialty
        and count(*) over (
            partition by g.file_hash, g.unit_id, g.jornada_id, g.submitted_at_text, g.activity,
            g.specialty
        ) = 1 as line_valid
    from staged as g
    left join seed_units as u on g.unit_id = u.unit_id
    left join seed_jornadas as j on g.jornada_id = j.jornada_id
    left join seed_activities as a on g.activity = a.activity
    left join seed_specialties as s on g.specialty = s.specialty
),

goal_reports as (
    select
        file_hash, unit_id, jornada_id, submitted_at_text,
        any_value(submitted_at) as submitted_at,
        bool_and(line_valid) as valid
    from checked
    group by all
),

in_force as (
    select *
    from goal_reports
    where valid
    qualify row_number() over (
        partition by unit_id, jornada_id order by submitted_at desc, file_hash
    ) = 1
)

select c.unit_id, c.jornada_id, c.activity, c.specialty, c.target::bigint as target
from checked as c
inner join in_force as r
    on
        c.file_hash = r.file_hash
        and c.unit_id = r.unit_id
        and c.jornada_id = r.jornada_id
        and c.submitted_at_text = r.submitted_at_text;

-- step: audit
create or replace table rejected_lines as
select f.path, c.line_no, c.column_name, c.reason_code
from line_checks as c
inner join raw_files as f on c.file_hash = f.file_hash;

create or replace table file_ledger as
with line_verdicts as (
    select
        l.file_hash,
        count(*) as lines_in,
        count(*) filter (where r.verdict not in ('rejected', 'conflict')) as lines_loaded,
        count(*) filter (where r.verdict in ('rejected', 'conflict')) as lines_quarantined
    from staged_lines as l
    inner join reports as r
        on
            l.file_hash = r.file_hash
            and l.report_no is not distinct from r.report_no
            and l.unit_id is not distinct from r.unit_id
            and l.jornada_id is not distinct from r.jornada_id
            and l.submitted_at_text is not distinct from r.submitted_at_text
    group by l.file_hash
)

select
    f.file_hash,
    f.path,
    f.kind,
    f.format,
    f.reject_reason,
    coalesce(v.lines_in, 0) as lines_in,
    coalesce(v.lines_loaded, 0) as lines_loaded,
    coalesce(v.lines_quarantined, 0) as lines_quarantined
from raw_files as f
left join line_verdicts as v on f.file_hash = v.file_hash;

-- step: marts
-- The marts of interface.md with the dbt models' rules (see dbt/models/marts/).
create or replace table unit_activity as
select jornada_id, unit_id, ooad_id, activity, specialty, sum(quantity) as quantity
from fct_activities
group by all;

create or replace table jornada_activity as
select jornada_id, activity, sum(quantity) as quantity
from fct_activities
group by all;

create or replace table ooad_activity as
select
    a.jornada_id,
    a.ooad_id,
    o.ooad_name,
    o.state_name,
    a.activity,
    a.specialty,
    sum(a.quantity) as quantity,
    count(distinct a.unit_id) filter (where a.quantity > 0) as units_performing
from unit_activity as a
left join seed_ooad as o on a.ooad_id = o.ooad_id
where a.ooad_id is not null
group by all;

create or replace table specialty_demand as
with demand as (
    select jornada_id, activity, specialty, sum(quantity) as quantity
    from fct_activities
    where specialty is not null
    group by all
)

select
    *,
    rank() over (partition by jornada_id, activity order by quantity desc) as demand_rank
from demand;

create or replace table jornada_overview as
with reporting as (
    select jornada_id, count(*) as units_reporting
    from reports
    where verdict = 'in_force'
    group by all
),

participation as (
    select
        a.jornada_id,
        count(distinct a.unit_id) as units_participating,
        count(distinct a.ooad_id) filter (where u.unit_type <> 'UMAE') as ooad_participating,
        count(distinct a.unit_id) filter (where u.unit_type = 'UMAE') as umae_participating
    from fct_activities as a
    inner join seed_units as u on a.unit_id = u.unit_id
    where a.quantity > 0
    group by all
),

quantities as (
    select jornada_id, sum(quantity) as total_quantity from fct_activities group by all
)

select
    j.jornada_id,
    j.start_date,
    j.end_date,
    coalesce(r.units_reporting, 0) as units_reporting,
    coalesce(p.units_participating, 0) as units_participating,
    coalesce(p.ooad_participating, 0) as ooad_participating,
    coalesce(p.umae_participating, 0) as umae_participating,
    coalesce(q.total_quantity, 0) as total_quantity
from seed_jornadas as j
left join reporting as r on j.jornada_id = r.jornada_id
left join participation as p on j.jornada_id = p.jornada_id
left join quantities as q on j.jornada_id = q.jornada_id;

-- performed is null when the unit has no report in force (not reported), 0 when its report in
-- force lacks the line; target is null when no goal was set.
create or replace table goal_attainment as
with goals as (
    select jornada_id, unit_id, activity, specialty, sum(target) as target
    from fct_goals
    group by all
),

performed as (
    select jornada_id, unit_id, activity, specialty, quantity as performed
    from unit_activity
),

reporting_units as (
    select distinct jornada_id, unit_id from reports where verdict = 'in_force'
),

unit_level as (
    select
        coalesce(g.jornada_id, p.jornada_id) as jornada_id,
        u.ooad_id,
        coalesce(g.unit_id, p.unit_id) as unit_id,
        coalesce(g.activity, p.activity) as activity,
        coalesce(g.specialty, p.specialty) as specialty,
        g.target,
        case
            when p.performed is not null then p.performed
            when r.unit_id is not null then 0
        end as performed
    from goals as g
    full join performed as p
        on
            g.jornada_id = p.jornada_id
            and g.unit_id = p.unit_id
            and g.activity = p.activity
            and g.specialty is not distinct from p.specialty
    left join seed_units as u on coalesce(g.unit_id, p.unit_id) = u.unit_id
    left join reporting_units as r
        on coalesce(g.jornada_id, p.jornada_id) = r.jornada_id
        and coalesce(g.unit_id, p.unit_id) = r.unit_id
),

all_levels as (
    select jornada_id, 'unit' as level, ooad_id, unit_id, activity, specialty, target, performed
    from unit_level
    union all
    select
        jornada_id, 'ooad', ooad_id, null, activity, specialty, sum(target), sum(performed)
    from unit_level
    where ooad_id is not null
    group by jornada_id, ooad_id, activity, specialty
    union all
    select jornada_id, 'national', null, null, activity, specialty, sum(target), sum(performed)
    from unit_level
    group by jornada_id, activity, specialty
)

select
    *,
    case
        when target > 0 and performed is not null then round(100.0 * performed / target, 2)
    end as attainment_pct
from all_levels;

-- Expected: units that set goals or sent any report for the jornada; reported: a report in
-- force; on time: first loaded report submitted within 7 days after the jornada's last day
-- (local time). Each UMAE is its own row.
create or replace table reporting_completeness as
with expected_units as (
    select jornada_id, unit_id from fct_goals
    union
    select jornada_id, unit_id from reports where unit_id is not null and jornada_id is not null
),

first_loaded as (
    select jornada_id, unit_id, min(submitted_at) as first_submitted_at
    from reports
    where verdict in ('in_force', 'superseded', 'duplicate')
    group by all
),

reported as (
    select distinct jornada_id, unit_id from reports where verdict = 'in_force'
),

unit_status as (
    select
        e.jornada_id,
        coalesce(u.ooad_id, 'UMAE-' || lpad(coalesce(u.umae_number, u.unit_id), 2, '0')) as reporting_group_id,
        r.unit_id is not null as has_reported,
        coalesce(
            timezone('America/Mexico_City', f.first_submitted_at)
            < j.end_date + interval 8 day,
            false
        ) as is_on_time
    from expected_units as e
    inner join seed_jornadas as j on e.jornada_id = j.jornada_id
    inner join seed_units as u on e.unit_id = u.unit_id
    left join reported as r on e.jornada_id = r.jornada_id and e.unit_id = r.unit_id
    left join first_loaded as f on e.jornada_id = f.jornada_id and e.unit_id = f.unit_id
),

counts as (
    select
        jornada_id,
        reporting_group_id as ooad_id,
        count(*) as units_expected,
        count(*) filter (where has_reported) as units_reported,
        count(*) filter (where is_on_time) as units_on_time
    from unit_status
    group by all
)

select
    *,
    round(100.0 * units_reported / units_expected, 2) as completeness_pct,
    round(100.0 * units_on_time / units_expected, 2) as timeliness_pct
from counts;

-- Each experiment's last activity (its newest progress report or checkpoint), kept by the intakes as they store, so
-- that the dashboard's listing is one page of an index instead of an aggregate over every report and checkpoint.
create table experiment_activity (
    experiment_id varchar(128) primary key,
    last_at       timestamp(6) with time zone not null
);
create index experiment_activity_recent on experiment_activity (last_at desc, experiment_id);

insert into experiment_activity (experiment_id, last_at)
select experiment_id, max(at) from (
    select experiment_id, max(reported_at) as at from run_progress group by experiment_id
    union all
    select experiment_id, max(received_at) as at from received_checkpoint group by experiment_id
) seen group by experiment_id;

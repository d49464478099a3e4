-- Experiments submitted over REST, their runs (claimed by trainer replicas with a lease), the checkpoint outbox and
-- the progress log that feeds server-sent events.
alter table experiment add column spec text; -- the submitted spec with every default filled in (null: known only from a partition)
alter table experiment add column cancel_requested boolean not null default false;
alter table experiment add column error text;

create table training_run (
    id                varchar(160) primary key,
    experiment_id     varchar(128) not null references experiment (id),
    seq               integer      not null, -- claim order within the experiment
    variant           varchar(64)  not null,
    stage             varchar(16)  not null,
    device            varchar(8)   not null, -- cpu or gpu: only a trainer of that device claims the run
    spec              text         not null, -- the RunSpec (JSON); base weights filled in when first claimed
    state             varchar(16)  not null, -- queued, running, done, failed, cancelled
    owner             varchar(160),
    lease_until       timestamp(6) with time zone,
    attempts          integer      not null default 0,
    snapshots_sent    integer      not null default 0,
    step              bigint       not null default 0,
    total_steps       bigint       not null default 0,
    epoch             integer      not null default 0,
    epochs            integer      not null default 0,
    loss              double precision,
    images_per_second double precision,
    eta_ms            bigint,
    error             text,
    created_at        timestamp(6) with time zone not null,
    updated_at        timestamp(6) with time zone not null
);
create index training_run_by_experiment on training_run (experiment_id, seq);
create index training_run_claimable on training_run (state, lease_until);

-- a checkpoint is recorded here in the transaction that notes it, and sent to mmap.checkpoints from here
create table checkpoint_outbox (
    run_id       varchar(160) not null references training_run (id),
    epoch        integer      not null,
    payload      text         not null, -- the mmap.checkpoint/1.1 event
    created_at   timestamp(6) with time zone not null,
    published_at timestamp(6) with time zone,
    primary key (run_id, epoch)
);
create index checkpoint_outbox_unpublished on checkpoint_outbox (created_at) where published_at is null;

create table progress_log (
    id            bigserial primary key,
    experiment_id varchar(128) not null,
    payload       text         not null, -- the mmap.progress/1 event
    created_at    timestamp(6) with time zone not null
);
create index progress_log_by_experiment on progress_log (experiment_id, id);

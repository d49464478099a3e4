-- What the service knows of an experiment from its first snapshot: every later snapshot must agree.
create table grouping_experiment (
    experiment_id varchar(128) primary key,
    tasks         text    not null, -- comma list, in the trainer's fixed order
    snapshots     integer not null,
    dimension     integer not null,
    created_at    timestamp(6) with time zone not null
);

-- The task-by-task similarity of one complete snapshot; its raw gradients are dropped once this is stored.
create table snapshot_affinity (
    experiment_id varchar(128) not null references grouping_experiment (experiment_id),
    snapshot      integer      not null,
    step          bigint       not null,
    similarity    text         not null, -- JSON n×n, rows in task order
    primary key (experiment_id, snapshot)
);

-- The partition decided once every snapshot is in; published_at stays null until mmap.partitions acknowledged it.
create table grouping_decision (
    experiment_id varchar(128) primary key references grouping_experiment (experiment_id),
    payload       text not null, -- the mmap.partition/1 event
    decided_at    timestamp(6) with time zone not null,
    published_at  timestamp(6) with time zone
);

-- An experiment the trainer knows of, and the partition of its tasks once the grouping service decided it.
create table experiment (
    id         varchar(128) primary key,
    phase      varchar(32)  not null,
    created_at timestamp(6) with time zone not null,
    updated_at timestamp(6) with time zone not null
);

create table task_partition (
    experiment_id varchar(128) primary key references experiment (id),
    payload       text         not null, -- the mmap.partition/1 event as received
    received_at   timestamp(6) with time zone not null
);

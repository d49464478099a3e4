-- Evaluating received checkpoints: claimed by eval instances with a lease, scored per task, announced once.
alter table received_checkpoint add column variant      varchar(64);
alter table received_checkpoint add column stage        varchar(16);
alter table received_checkpoint add column status       varchar(16) not null default 'pending'; -- pending, evaluating, done, failed
alter table received_checkpoint add column error        text;
alter table received_checkpoint add column owner        varchar(160);
alter table received_checkpoint add column lease_until  timestamp(6) with time zone;
alter table received_checkpoint add column attempts     integer not null default 0;
alter table received_checkpoint add column evaluated_at timestamp(6) with time zone;
alter table received_checkpoint add column published_at timestamp(6) with time zone; -- the mmap.evaluations record, once acknowledged
create index received_checkpoint_claimable on received_checkpoint (status, lease_until);

create table task_score (
    checkpoint_id bigint       not null references received_checkpoint (id),
    task          varchar(128) not null,
    accuracy      double precision not null,
    correct       bigint       not null,
    total         bigint       not null,
    macro_f1      double precision not null,
    classes       text         not null, -- JSON list of class names
    confusion     text         not null, -- JSON [true][predicted] counts
    primary key (checkpoint_id, task)
);

-- A received partition answers a grouping key: the experiment's id, or with grouping.phase1 per-seed "<id>.s<seed>"
-- (one partition per seed). The key stays the primary key (a redelivered partition is still stored once); the
-- experiment it belongs to gets a column of its own, which is what refers to the experiment now.
alter table task_partition drop constraint task_partition_experiment_id_fkey;
alter table task_partition add column experiment varchar(128) references experiment (id);
update task_partition set experiment = experiment_id;
alter table task_partition alter column experiment set not null;
create index task_partition_experiment on task_partition (experiment);

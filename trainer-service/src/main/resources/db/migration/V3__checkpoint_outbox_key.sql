-- the record's Kafka key travels with the row, so the relay sends it without decoding the payload
alter table checkpoint_outbox add column experiment_id varchar(128);
update checkpoint_outbox o set experiment_id = r.experiment_id from training_run r where r.id = o.run_id;
alter table checkpoint_outbox alter column experiment_id set not null;

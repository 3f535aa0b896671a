UPDATE wells SET status = 'active' WHERE status IS NULL;
DELETE FROM alarms WHERE created_at < now() - interval '90 days';

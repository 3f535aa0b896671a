UPDATE wells SET status = 'active';
DELETE FROM alarms;

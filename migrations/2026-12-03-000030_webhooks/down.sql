DROP FUNCTION onpace_uuid_v7();
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;

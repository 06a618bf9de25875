-- Billing (R-BIL). An Enterprise contract may set the Client's own user limit (otherwise the plan's,
-- from the price list); metering reads usage_event by month across all Clients.
ALTER TABLE tenant ADD COLUMN user_limit integer CHECK (user_limit >= 1);
CREATE INDEX usage_event_time_idx ON usage_event (occurred_at);

CREATE TABLE tenant (
  id uuid PRIMARY KEY,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  plan text NOT NULL CHECK (plan IN ('solo', 'team', 'enterprise')),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'terminated')),
  country char(2) NOT NULL DEFAULT 'FR',
  currency char(3) NOT NULL DEFAULT 'EUR',
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE team (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  name text NOT NULL,
  manager_id uuid,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX team_name_uq ON team (tenant_id, lower(name));

-- The person row: the one place with names and emails, so erasure can anonymise it.
-- tenant_id NULL = vendor staff (operator, support agent), outside every Client.
CREATE TABLE app_user (
  id uuid PRIMARY KEY,
  tenant_id uuid REFERENCES tenant(id),
  email text NOT NULL,
  name text NOT NULL,
  status text NOT NULL CHECK (status IN ('invited', 'active', 'deactivated')),
  password_hash text,
  locale text NOT NULL DEFAULT 'fr' CHECK (locale IN ('fr', 'en')),
  manager_id uuid REFERENCES app_user(id),
  team_id uuid REFERENCES team(id),
  payroll_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  last_sign_in_at timestamptz,
  CHECK (manager_id IS NULL OR manager_id <> id)
);
CREATE UNIQUE INDEX app_user_email_uq ON app_user (lower(email));
CREATE INDEX app_user_tenant_idx ON app_user (tenant_id, created_at, id);
ALTER TABLE team ADD CONSTRAINT team_manager_fk FOREIGN KEY (manager_id) REFERENCES app_user(id);

CREATE TABLE user_role (
  tenant_id uuid REFERENCES tenant(id),
  user_id uuid NOT NULL REFERENCES app_user(id),
  role text NOT NULL CHECK (role IN ('employee', 'manager', 'verifier', 'accountant', 'payroll', 'admin', 'operator', 'support_agent')),
  -- vendor roles only outside a tenant, Client roles only inside one
  CHECK ((tenant_id IS NULL) = (role IN ('operator', 'support_agent'))),
  PRIMARY KEY (user_id, role)
);
CREATE INDEX user_role_tenant_idx ON user_role (tenant_id, role);

-- Single-use links (invitation, password reset): only the SHA-256 of the token is stored.
CREATE TABLE user_token (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES app_user(id),
  purpose text NOT NULL CHECK (purpose IN ('invitation', 'password_reset')),
  token_hash text NOT NULL UNIQUE,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE user_identity (
  issuer text NOT NULL,
  subject text NOT NULL,
  user_id uuid NOT NULL REFERENCES app_user(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (issuer, subject)
);

CREATE TABLE session (
  id uuid PRIMARY KEY,
  token_hash text NOT NULL UNIQUE,
  user_id uuid NOT NULL REFERENCES app_user(id),
  tenant_id uuid REFERENCES tenant(id),
  csrf_token text NOT NULL,
  auth_method text NOT NULL CHECK (auth_method IN ('password', 'oidc')),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX session_user_idx ON session (user_id);

CREATE TABLE api_token (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  user_id uuid NOT NULL REFERENCES app_user(id),
  name text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  scopes text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  expires_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX api_token_user_idx ON api_token (tenant_id, user_id);

-- Pending OpenID Connect sign-ins (state → nonce + PKCE verifier), a few minutes each.
CREATE TABLE oidc_login (
  state text PRIMARY KEY,
  nonce text NOT NULL,
  code_verifier text NOT NULL,
  expires_at timestamptz NOT NULL
);

-- Fixed-window counters shared by every API process (login rate limiting).
CREATE TABLE rate_limit (
  key text PRIMARY KEY,
  window_start timestamptz NOT NULL,
  count integer NOT NULL
);

-- Every mail is written here in the same transaction as the change that sends it, then
-- delivered: over SMTP when configured (retried with backoff, body blanked once sent since it
-- carries single-use links), or kept for whoever runs the server (npm run outbox).
CREATE TABLE mail_outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  to_address text NOT NULL,
  subject text NOT NULL,
  body text NOT NULL,
  delivery text NOT NULL DEFAULT 'pending' CHECK (delivery IN ('pending', 'sent', 'kept', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  sent_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE delivery = 'pending';

-- Audit events: append-only, one hash chain per tenant ('platform' for vendor-side events).
-- People appear by pseudonymous id; their personal fields live in audit_personal, outside
-- the hash, which covers only their salted digest (personal_digest).
CREATE TABLE audit_event (
  id uuid PRIMARY KEY,
  chain text NOT NULL,
  seq bigint NOT NULL,
  tenant_id uuid,
  occurred_at timestamptz NOT NULL,
  type text NOT NULL,
  version integer NOT NULL,
  action text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
  actor_id uuid,
  actor_kind text NOT NULL CHECK (actor_kind IN ('user', 'api_token', 'system', 'anonymous')),
  target_type text,
  target_id text,
  request_id text,
  data jsonb NOT NULL,
  personal_digest text,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  UNIQUE (chain, seq)
);
CREATE INDEX audit_event_tenant_idx ON audit_event (tenant_id, occurred_at, seq);

CREATE TABLE audit_personal (
  event_id uuid PRIMARY KEY REFERENCES audit_event(id),
  salt text NOT NULL,
  actor_label text,
  ip text,
  user_agent text
);

-- Signed checkpoints of every chain head, themselves chained.
CREATE TABLE audit_checkpoint (
  id bigint PRIMARY KEY,
  created_at timestamptz NOT NULL,
  heads jsonb NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  key_id text NOT NULL,
  signature text NOT NULL
);

-- One row per scheduled run and slot: whichever worker inserts it runs the job.
CREATE TABLE schedule_run (
  name text NOT NULL,
  slot text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (name, slot)
);

CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
  FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_append_only_change();
CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_checkpoint
  FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change();
CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_append_only_change();

GRANT SELECT, INSERT, UPDATE, DELETE ON tenant, team, app_user, user_role, user_token, user_identity,
  session, api_token, oidc_login, rate_limit, mail_outbox, schedule_run TO justif_service;
GRANT SELECT, INSERT ON audit_event, audit_checkpoint TO justif_service;
-- personal fields may be anonymised (UPDATE), never deleted with their event
GRANT SELECT, INSERT, UPDATE ON audit_personal TO justif_service;

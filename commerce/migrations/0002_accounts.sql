-- Accounts: users with roles, login sessions (refresh-token families) and saved addresses.

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         citext NOT NULL,
    password_hash text NOT NULL,
    role          text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'merchant', 'admin')),
    display_name  text CHECK (char_length(display_name) <= 100),
    is_active     boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE (email)
);
CREATE INDEX users_created_at_id_idx ON users (created_at DESC, id DESC);
CREATE INDEX users_email_trgm_idx ON users USING gin ((email::text) gin_trgm_ops);

-- One row per refresh token. Tokens of one login form a family (`family_id`, the
-- session id); rotating a token sets `replaced_by`. Presenting a replaced token is reuse.
CREATE TABLE refresh_tokens (
    id          uuid PRIMARY KEY,
    family_id   uuid NOT NULL,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    replaced_by uuid,
    revoked_at  timestamptz
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_active_idx ON refresh_tokens (user_id) WHERE revoked_at IS NULL;

CREATE TABLE addresses (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label       text CHECK (char_length(label) <= 50),
    full_name   text NOT NULL CHECK (char_length(full_name) BETWEEN 1 AND 200),
    line1       text NOT NULL CHECK (char_length(line1) BETWEEN 1 AND 200),
    line2       text CHECK (char_length(line2) <= 200),
    city        text NOT NULL CHECK (char_length(city) BETWEEN 1 AND 100),
    region      text CHECK (char_length(region) <= 100),
    postal_code text NOT NULL CHECK (char_length(postal_code) BETWEEN 1 AND 20),
    country     char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    phone       text CHECK (char_length(phone) <= 30),
    is_default  boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX addresses_user_idx ON addresses (user_id, created_at);
CREATE UNIQUE INDEX addresses_one_default_per_user ON addresses (user_id) WHERE is_default;


-- ---------------------------------------------------------------------------
-- Bounces: emails and phones that fail delivery
--
-- Whether an address can receive mail (or a number SMS and calls) is a fact
-- about the address, whichever tables hold it: the events are kept once, by
-- the address's key (email_key, E.164), in contacts.bounce.  Like the
-- suppression list, the list belongs to the extension's owner and the roles
-- it is granted to (the system that sends the mail); tables see it through
-- their policy (configure(on_undeliverable => ...)), health() and
-- undeliverable_match(), which answer for one value at a time.
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.bounce (
    bounce_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel     text NOT NULL CHECK (channel IN ('email', 'phone')),
    address     text NOT NULL,
    event       text NOT NULL CHECK (event IN ('hard', 'soft', 'delivered', 'cleared')),
    at          timestamptz NOT NULL,
    detail      text,
    recorded_by name NOT NULL DEFAULT CURRENT_USER,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bounce_address_idx ON @extschema@.bounce (channel, address, at);
CREATE INDEX bounce_at_idx ON @extschema@.bounce (at);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.bounce', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.bounce_bounce_id_seq', '');

COMMENT ON TABLE @extschema@.bounce IS
'Delivery events of emails and phones by their key (email_key, E.164): hard and soft bounces, successful deliveries and manual clears, when they happened, the sender''s detail, and who recorded them; an address is undeliverable after a hard bounce, or bounce_settings.soft_limit soft bounces within soft_window, since its last delivery or clear';

CREATE TABLE @extschema@.bounce_settings (
    channel     text PRIMARY KEY CHECK (channel IN ('email', 'phone')),
    soft_limit  integer NOT NULL CHECK (soft_limit > 0),
    soft_window interval NOT NULL CHECK (soft_window > interval '0')
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.bounce_settings', '');

COMMENT ON TABLE @extschema@.bounce_settings IS
'How many soft bounces within how long make an address undeliverable, per channel; a channel without a row uses 3 within 30 days';

-- The key of an address as bounces are kept: email_key() of a valid email,
-- the E.164 form of a valid phone; NULL for anything else.
CREATE FUNCTION @extschema@.bounce_address(channel text, value text, region text DEFAULT NULL)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE channel
    WHEN 'email' THEN CASE WHEN @extschema@.email_check(value) IS NULL THEN @extschema@.email_key(value) END
    -- without a region, national numbers are read in contacts.default_region
    WHEN 'phone' THEN (SELECT CASE WHEN @extschema@.phone_check(value, r.r) IS NULL
                                   THEN (@extschema@.phone_parse(value, r.r))::text END
                         FROM (SELECT coalesce(region, nullif(current_setting('contacts.default_region', true), '')) AS r) r)
END
$$;

COMMENT ON FUNCTION @extschema@.bounce_address(text, text, text) IS
'The key bounces of a value are kept by: email_key() of a valid email, E.164 of a valid phone (national numbers read in region); NULL when the value is invalid';

CREATE FUNCTION @extschema@.bounce_undeliverable(channel text, address text)
RETURNS boolean
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    lim integer;
    win interval;
BEGIN
    -- (PL/pgSQL, not SQL: the entry trigger asks for one address at a
    -- time, and a PL/pgSQL function keeps its plans for the session)
    SELECT s.soft_limit, s.soft_window INTO lim, win
      FROM @extschema@.bounce_settings s WHERE s.channel = bounce_undeliverable.channel;
    lim := coalesce(lim, 3);
    win := coalesce(win, interval '30 days');
    -- The events since the last delivery or clear: any hard bounce, or lim
    -- soft ones within win of each other (a soft bounce and the lim - 1
    -- before it).
    RETURN EXISTS (
        SELECT 1
          FROM (SELECT b.event, b.at,
                       lag(b.at, lim - 1) OVER (PARTITION BY b.event ORDER BY b.at) AS first_of_lim
                  FROM @extschema@.bounce b
                 WHERE b.channel = bounce_undeliverable.channel AND b.address = bounce_undeliverable.address
                   AND b.at > coalesce((SELECT max(r.at) FROM @extschema@.bounce r
                                         WHERE r.channel = bounce_undeliverable.channel
                                           AND r.address = bounce_undeliverable.address
                                           AND r.event IN ('delivered', 'cleared')), '-infinity')
                   AND b.event IN ('hard', 'soft')) e
         WHERE e.event = 'hard' OR e.at - e.first_of_lim < win);
END;
$$;

COMMENT ON FUNCTION @extschema@.bounce_undeliverable(text, text) IS
'True when the address (a key from bounce_address) bounced hard, or soft soft_limit times within soft_window, since its last successful delivery or clear; reads contacts.bounce as the caller';

CREATE FUNCTION @extschema@.delivery_event(channel text, value text, event text, at timestamptz,
                                           detail text DEFAULT NULL, region text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    addr text;
BEGIN
    PERFORM @extschema@.require_privileges('@extschema@.bounce'::regclass, 'INSERT', 'record delivery events in');
    IF channel IS NULL OR channel NOT IN ('email', 'phone') THEN
        RAISE EXCEPTION 'unknown channel "%"', channel
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Channels are email and phone.';
    END IF;
    IF event IS NULL OR event NOT IN ('hard', 'soft', 'delivered', 'cleared') THEN
        RAISE EXCEPTION 'unknown bounce kind "%"', event
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A bounce is hard (the address does not exist) or soft (a full mailbox, a server down).';
    END IF;
    IF at IS NULL THEN
        RAISE EXCEPTION 'a delivery event needs a time'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    addr := @extschema@.bounce_address(channel, value, region);
    IF addr IS NULL THEN
        RAISE EXCEPTION 'invalid % "%"', channel, value
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = CASE channel WHEN 'phone' THEN 'Give the number in international form, or its region.'
                                      ELSE 'Record bounces of valid addresses only.' END;
    END IF;
    INSERT INTO @extschema@.bounce (channel, address, event, at, detail)
    VALUES (channel, addr, event, at, detail);
    RETURN @extschema@.bounce_undeliverable(channel, addr);
END;
$$;

COMMENT ON FUNCTION @extschema@.delivery_event(text, text, text, timestamptz, text, text) IS
'Record a delivery event (hard, soft, delivered, cleared) of an email or phone under its key; returns whether the address is undeliverable afterwards; for roles granted INSERT on contacts.bounce';

CREATE FUNCTION @extschema@.record_bounce(email text, kind text DEFAULT 'hard',
                                          at timestamptz DEFAULT now(), detail text DEFAULT NULL)
RETURNS boolean
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
SELECT @extschema@.delivery_event('email', email, kind, at, detail)
$$;

COMMENT ON FUNCTION @extschema@.record_bounce(text, text, timestamptz, text) IS
'Record that mail to email bounced (kind hard or soft) at a time, with the sender''s detail; returns whether the address is now undeliverable';

CREATE FUNCTION @extschema@.record_delivery_failure(phone text, kind text DEFAULT 'hard',
                                                    at timestamptz DEFAULT now(), detail text DEFAULT NULL,
                                                    region text DEFAULT NULL)
RETURNS boolean
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
SELECT @extschema@.delivery_event('phone', phone, kind, at, detail, region)
$$;

COMMENT ON FUNCTION @extschema@.record_delivery_failure(text, text, timestamptz, text, text) IS
'Record that an SMS or call to phone failed (kind hard: no such number; soft: unreachable) at a time; national numbers are read in region; returns whether the number is now undeliverable';

CREATE FUNCTION @extschema@.clear_bounces(channel text, value text, at timestamptz DEFAULT now(),
                                          delivered boolean DEFAULT false, region text DEFAULT NULL)
RETURNS boolean
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
SELECT @extschema@.delivery_event(channel, value, CASE WHEN delivered THEN 'delivered' ELSE 'cleared' END,
                                  at, NULL, region)
$$;

COMMENT ON FUNCTION @extschema@.clear_bounces(text, text, timestamptz, boolean, text) IS
'Make an email or phone deliverable again: a successful delivery (delivered => true) or a manual clear at a time; bounces before it no longer count; returns whether the address is still undeliverable (false, unless a later bounce is recorded)';

CREATE FUNCTION @extschema@.is_undeliverable(channel text, value text, region text DEFAULT NULL)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT coalesce(@extschema@.bounce_undeliverable(channel, @extschema@.bounce_address(channel, value, region)), false)
$$;

COMMENT ON FUNCTION @extschema@.is_undeliverable(text, text, text) IS
'True when the email or phone (in any of its written forms) bounced hard, or soft too often, since its last delivery or clear; for roles granted SELECT on contacts.bounce';

CREATE FUNCTION @extschema@.undeliverable_match(tbl regclass, channel text, value text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_undeliverable_match'
LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION @extschema@.undeliverable_match(regclass, text, text) IS
'True when a value of a column of tbl (an email or phone as the trigger stores it) is undeliverable; for roles with SELECT, INSERT or UPDATE on tbl, who need not see contacts.bounce; used by the entry trigger, import(), health() and cleaning';
